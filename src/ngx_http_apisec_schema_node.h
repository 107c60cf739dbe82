
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_SCHEMA_NODE_H_INCLUDED_
#define _NGX_HTTP_APISEC_SCHEMA_NODE_H_INCLUDED_


/*
 * The compiled form of a schema, private to schema.c (compile),
 * schema_validate.c and schema_format.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>

#define PCRE2_CODE_UNIT_WIDTH  8
#include <pcre2.h>

#include "ngx_http_apisec_schema.h"


/* instance types, a bit each */
#define NGX_HTTP_APISEC_ST_NULL       0x01
#define NGX_HTTP_APISEC_ST_BOOLEAN    0x02
#define NGX_HTTP_APISEC_ST_OBJECT     0x04
#define NGX_HTTP_APISEC_ST_ARRAY      0x08
#define NGX_HTTP_APISEC_ST_NUMBER     0x10
#define NGX_HTTP_APISEC_ST_STRING     0x20
#define NGX_HTTP_APISEC_ST_INTEGER    0x40

/* a boolean schema, or an object one */
#define NGX_HTTP_APISEC_SN_OBJECT     0
#define NGX_HTTP_APISEC_SN_TRUE       1
#define NGX_HTTP_APISEC_SN_FALSE      2

#define NGX_HTTP_APISEC_SCHEMA_MATCH_LIMIT  100000
#define NGX_HTTP_APISEC_SCHEMA_HEAP_LIMIT   1024        /* KiB */
#define NGX_HTTP_APISEC_SCHEMA_MAX_STEPS    2000000
#define NGX_HTTP_APISEC_SCHEMA_MAX_DEPTH    512
#define NGX_HTTP_APISEC_SCHEMA_MAX_SCOPE    64

enum {
    NGX_HTTP_APISEC_FMT_NONE = 0,
    NGX_HTTP_APISEC_FMT_DATE_TIME,
    NGX_HTTP_APISEC_FMT_DATE,
    NGX_HTTP_APISEC_FMT_TIME,
    NGX_HTTP_APISEC_FMT_EMAIL,
    NGX_HTTP_APISEC_FMT_HOSTNAME,
    NGX_HTTP_APISEC_FMT_IPV4,
    NGX_HTTP_APISEC_FMT_IPV6,
    NGX_HTTP_APISEC_FMT_URI,
    NGX_HTTP_APISEC_FMT_UUID,
    NGX_HTTP_APISEC_FMT_UNKNOWN
};


typedef struct ngx_http_apisec_snode_s  ngx_http_apisec_snode_t;


typedef struct {
    ngx_str_t                   source;
    pcre2_code                 *code;
    pcre2_match_data           *match;
} ngx_http_apisec_sregex_t;


/* a resource: a document, or a subschema with its own "$id" */
typedef struct {
    ngx_str_t                   base;       /* absolute URI, no fragment */
    ngx_array_t                 dynamic;    /* of ngx_http_apisec_sname_t */
} ngx_http_apisec_sres_t;


typedef struct {
    ngx_str_t                   name;
    ngx_http_apisec_snode_t    *schema;
    ngx_array_t                *names;      /* dependentRequired */
    json_t                     *json;       /* a $dynamicAnchor's */
} ngx_http_apisec_sname_t;


typedef struct {
    ngx_http_apisec_sregex_t   *regex;
    ngx_http_apisec_snode_t    *schema;
} ngx_http_apisec_spattern_t;


struct ngx_http_apisec_snode_s {
    ngx_uint_t                  kind;       /* NGX_HTTP_APISEC_SN_* */
    ngx_http_apisec_sres_t     *resource;

    ngx_http_apisec_snode_t    *ref;
    ngx_http_apisec_snode_t    *dynamic_ref;
    ngx_str_t                   dynamic_name;   /* bookended: non-empty */

    ngx_uint_t                  types;      /* 0: any */

    json_t                     *enumeration;    /* an array */
    json_t                     *constant;

    json_t                     *multiple_of;
    json_t                     *maximum;
    json_t                     *exclusive_maximum;
    json_t                     *minimum;
    json_t                     *exclusive_minimum;

    ngx_int_t                   max_length;     /* -1: none */
    ngx_int_t                   min_length;
    ngx_http_apisec_sregex_t   *pattern;
    ngx_uint_t                  format;

    ngx_int_t                   max_items;
    ngx_int_t                   min_items;
    ngx_int_t                   max_contains;
    ngx_int_t                   min_contains;
    ngx_int_t                   max_properties;
    ngx_int_t                   min_properties;

    ngx_array_t                *required;       /* of ngx_str_t */
    ngx_array_t                *dependent_required;  /* of sname_t */
    ngx_array_t                *dependent_schemas;   /* of sname_t */

    ngx_array_t                *all_of;     /* of snode_t * */
    ngx_array_t                *any_of;
    ngx_array_t                *one_of;
    ngx_http_apisec_snode_t    *not;
    ngx_http_apisec_snode_t    *if_;
    ngx_http_apisec_snode_t    *then;
    ngx_http_apisec_snode_t    *else_;

    ngx_array_t                *prefix_items;   /* of snode_t * */
    ngx_http_apisec_snode_t    *items;
    ngx_http_apisec_snode_t    *contains;
    ngx_http_apisec_snode_t    *unevaluated_items;

    ngx_http_apisec_sname_t    *properties;     /* sorted by name */
    ngx_uint_t                  nproperties;
    ngx_array_t                *pattern_properties;  /* of spattern_t */
    ngx_http_apisec_snode_t    *additional_properties;
    ngx_http_apisec_snode_t    *property_names;
    ngx_http_apisec_snode_t    *unevaluated_properties;

    unsigned                    unique_items:1;
    unsigned                    nullable:1;         /* OpenAPI 3.0 */
    unsigned                    tracks:1;   /* has unevaluated* */
};


struct ngx_http_apisec_schema_s {
    ngx_http_apisec_snode_t    *root;
    ngx_uint_t                  dialect;
    ngx_uint_t                  flags;
    pcre2_match_context        *match_context;
    ngx_array_t                 regexes;    /* of sregex_t *, freed */
    ngx_array_t                 documents;  /* of json_t *, referenced */
};


typedef struct {
    uint64_t                    hash;
    json_t                     *value;
} ngx_http_apisec_shash_t;


/* compile: the compile's state, shared with schema_ref.c */

#define NGX_HTTP_APISEC_SCHEMA_MAX_FILES    64
#define NGX_HTTP_APISEC_SCHEMA_MAX_NEST     512

typedef struct {
    json_t                     *json;
    ngx_http_apisec_sres_t     *resource;
    ngx_http_apisec_snode_t    *node;
} ngx_http_apisec_smap_t;


typedef struct {
    ngx_str_t                   uri;        /* absolute, "#name" for anchors */
    json_t                     *json;
    ngx_http_apisec_sres_t     *resource;   /* a resource's root, or NULL */
} ngx_http_apisec_suri_t;


typedef struct {
    ngx_pool_t                 *pool;
    ngx_log_t                  *log;
    ngx_http_apisec_schema_t   *schema;
    ngx_uint_t                  dialect;
    ngx_http_apisec_smap_t     *map;
    ngx_uint_t                  map_size;
    ngx_uint_t                  map_used;
    ngx_array_t                 uris;       /* of suri_t */
    ngx_array_t                 resources;  /* of sres_t * */
    ngx_uint_t                  nfiles;
    ngx_uint_t                  nest;
    ngx_str_t                  *err;
} ngx_http_apisec_scc_t;


ngx_http_apisec_smap_t *ngx_http_apisec_schema_map(ngx_http_apisec_scc_t *cc,
    json_t *json, ngx_uint_t add);
ngx_http_apisec_sres_t *ngx_http_apisec_schema_resource(
    ngx_http_apisec_scc_t *cc, ngx_str_t *base, json_t *json);
ngx_int_t ngx_http_apisec_schema_scan(ngx_http_apisec_scc_t *cc,
    json_t *json, ngx_http_apisec_sres_t *res, ngx_uint_t depth);
json_t *ngx_http_apisec_schema_deref(ngx_http_apisec_scc_t *cc,
    ngx_str_t *ref, ngx_http_apisec_sres_t *from, ngx_str_t *loc,
    ngx_http_apisec_sres_t **res);
ngx_int_t ngx_http_apisec_schema_fail(ngx_http_apisec_scc_t *cc,
    ngx_str_t *loc, const char *kw, const char *reason);

/* validate */
ngx_int_t ngx_http_apisec_schema_numcmp(json_t *a, json_t *b);
ngx_int_t ngx_http_apisec_schema_equal(json_t *a, json_t *b,
    ngx_uint_t *steps);
uint64_t ngx_http_apisec_schema_hash(json_t *v);
int ngx_http_apisec_schema_hash_cmp(const void *a, const void *b);
ngx_int_t ngx_http_apisec_schema_multiple(json_t *value, json_t *divisor);
ngx_uint_t ngx_http_apisec_schema_format_name(const char *name);
ngx_int_t ngx_http_apisec_schema_format_check(ngx_uint_t format,
    u_char *s, size_t len);
ngx_int_t ngx_http_apisec_schema_regex_match(ngx_http_apisec_schema_t *schema,
    ngx_http_apisec_sregex_t *re, u_char *s, size_t len, ngx_uint_t *steps);


#endif /* _NGX_HTTP_APISEC_SCHEMA_NODE_H_INCLUDED_ */
