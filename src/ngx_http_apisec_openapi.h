
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_OPENAPI_H_INCLUDED_
#define _NGX_HTTP_APISEC_OPENAPI_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>

#include "ngx_http_apisec_schema.h"


/* bounds of a document, checked while it is read */
#define NGX_HTTP_APISEC_OPENAPI_MAX_SIZE     (8 * 1024 * 1024)  /* bytes */
#define NGX_HTTP_APISEC_OPENAPI_MAX_DEPTH    64
#define NGX_HTTP_APISEC_OPENAPI_MAX_NODES    500000
#define NGX_HTTP_APISEC_OPENAPI_MAX_FILES    64     /* $ref'd files */
#define NGX_HTTP_APISEC_OPENAPI_MAX_HOPS     32     /* $ref to $ref ... */
#define NGX_HTTP_APISEC_OPENAPI_MAX_SEGMENTS 32     /* of a path */
#define NGX_HTTP_APISEC_OPENAPI_MAX_ARGS     128    /* query arguments */
#define NGX_HTTP_APISEC_OPENAPI_VALUE_MAX    4096   /* bytes of a parameter */
#define NGX_HTTP_APISEC_OPENAPI_MAX_VISITS   256    /* trie nodes a match */

/* the methods an OpenAPI path item may have, in its order */
#define NGX_HTTP_APISEC_OPENAPI_GET          0
#define NGX_HTTP_APISEC_OPENAPI_PUT          1
#define NGX_HTTP_APISEC_OPENAPI_POST         2
#define NGX_HTTP_APISEC_OPENAPI_DELETE       3
#define NGX_HTTP_APISEC_OPENAPI_OPTIONS      4
#define NGX_HTTP_APISEC_OPENAPI_HEAD         5
#define NGX_HTTP_APISEC_OPENAPI_PATCH        6
#define NGX_HTTP_APISEC_OPENAPI_TRACE        7
#define NGX_HTTP_APISEC_OPENAPI_METHODS      8

/* where a parameter is */
#define NGX_HTTP_APISEC_OPENAPI_IN_PATH      0
#define NGX_HTTP_APISEC_OPENAPI_IN_QUERY     1
#define NGX_HTTP_APISEC_OPENAPI_IN_HEADER    2
#define NGX_HTTP_APISEC_OPENAPI_IN_COOKIE    3

/* how it is serialized */
#define NGX_HTTP_APISEC_OPENAPI_SIMPLE       0
#define NGX_HTTP_APISEC_OPENAPI_LABEL        1
#define NGX_HTTP_APISEC_OPENAPI_FORM         2
#define NGX_HTTP_APISEC_OPENAPI_SPACE        3      /* spaceDelimited */
#define NGX_HTTP_APISEC_OPENAPI_PIPE         4      /* pipeDelimited */

/* what its value is read as */
#define NGX_HTTP_APISEC_OPENAPI_T_ANY        0      /* no single "type" */
#define NGX_HTTP_APISEC_OPENAPI_T_STRING     1
#define NGX_HTTP_APISEC_OPENAPI_T_INTEGER    2
#define NGX_HTTP_APISEC_OPENAPI_T_NUMBER     3
#define NGX_HTTP_APISEC_OPENAPI_T_BOOLEAN    4
#define NGX_HTTP_APISEC_OPENAPI_T_ARRAY      5
#define NGX_HTTP_APISEC_OPENAPI_T_OBJECT     6

/* a security scheme, as the module's authenticators meet it */
#define NGX_HTTP_APISEC_OPENAPI_SEC_BEARER   1      /* oauth2, oidc, bearer */
#define NGX_HTTP_APISEC_OPENAPI_SEC_APIKEY   2


typedef struct {
    ngx_str_t                   name;
    ngx_uint_t                  in;
    ngx_uint_t                  style;
    ngx_uint_t                  type;
    ngx_uint_t                  item_type;      /* of an array's items */
    ngx_uint_t                  capture;        /* path: which template */
    json_t                     *properties;     /* an object's, borrowed */
    ngx_http_apisec_schema_t   *schema;         /* NULL: the type only */
    unsigned                    explode:1;
    unsigned                    required:1;
    unsigned                    empty:1;        /* allowEmptyValue */
} ngx_http_apisec_openapi_param_t;


typedef struct {
    ngx_str_t                   type;           /* "*": any */
    ngx_str_t                   subtype;        /* "*": any */
    ngx_http_apisec_schema_t   *schema;         /* NULL: not checked */
    unsigned                    json:1;
} ngx_http_apisec_openapi_media_t;


typedef struct {
    ngx_uint_t                  kind;           /* _SEC_* */
    ngx_str_t                   name;           /* the scheme's */
    ngx_str_t                  *scopes;
    ngx_uint_t                  nscopes;
} ngx_http_apisec_openapi_sec_t;


/* one alternative of a "security" list: every scheme of it must hold */
typedef struct {
    ngx_http_apisec_openapi_sec_t  *schemes;
    ngx_uint_t                  nschemes;       /* 0: anonymous */
} ngx_http_apisec_openapi_alt_t;


typedef struct {
    ngx_str_t                   text;           /* "GET /pets/{id}": logs */
    ngx_http_apisec_openapi_param_t  *params;
    ngx_uint_t                  nparams;
    ngx_http_apisec_openapi_media_t  *media;
    ngx_uint_t                  nmedia;
    ngx_http_apisec_openapi_alt_t    *alts;
    ngx_uint_t                  nalts;          /* 0: no requirement */
    unsigned                    body:1;         /* has a requestBody */
    unsigned                    body_required:1;
} ngx_http_apisec_openapi_op_t;


typedef struct ngx_http_apisec_openapi_node_s  ngx_http_apisec_openapi_node_t;

struct ngx_http_apisec_openapi_node_s {
    /* literal segments: an open-addressing table, a power of two */
    ngx_str_t                  *keys;
    ngx_http_apisec_openapi_node_t  **children;
    ngx_uint_t                  mask;           /* size - 1; 0: none */
    ngx_array_t                *build;          /* while compiling */

    ngx_http_apisec_openapi_node_t   *param;    /* "{name}" */

    ngx_http_apisec_openapi_op_t     *ops[NGX_HTTP_APISEC_OPENAPI_METHODS];
    ngx_str_t                   allow;          /* "GET, HEAD, POST" */
    unsigned                    path:1;         /* a path ends here */
};


typedef struct {
    ngx_http_apisec_openapi_node_t   *root;
    ngx_str_t                   base;           /* servers' path, no "/" */
    ngx_str_t                   file;
    ngx_uint_t                  kinds;          /* _SEC_* used, or'ed */
    ngx_array_t                *apikeys;        /* _openapi_sec_t, in= */
    ngx_uint_t                  npaths;
} ngx_http_apisec_openapi_t;


/* a match: the operation, or why there is none */
typedef struct {
    ngx_http_apisec_openapi_node_t   *node;
    ngx_http_apisec_openapi_op_t     *op;
    ngx_str_t                   captures[NGX_HTTP_APISEC_OPENAPI_MAX_SEGMENTS];
    ngx_uint_t                  ncaptures;
    ngx_uint_t                  visits;         /* trie nodes seen */
} ngx_http_apisec_openapi_match_t;


/* pure logic: t/unit and fuzz/openapi_load.c call these without a server */

/*
 * Reads a document (JSON when it starts with "{", else YAML 1.2) into
 * jansson values: no aliases or anchors, core-schema tags only, no
 * duplicate keys, bounded depth, size and nodes.  NULL and *err
 * ("line N: reason" or "reason") on failure.  The caller json_decref()s.
 */
json_t *ngx_http_apisec_openapi_parse(u_char *data, size_t len,
    ngx_pool_t *pool, ngx_str_t *err);

/*
 * Compiles a parsed document.  "file" names it in messages; when "dir"
 * is not empty, "$ref"s may name files in that directory (relative, no
 * "..", never a URL), read with ngx_http_apisec_openapi_parse().  The
 * document and every file read stay referenced until the pool is
 * destroyed.  NULL and *err ("<json pointer>: reason") on failure.
 */
ngx_http_apisec_openapi_t *ngx_http_apisec_openapi_compile(ngx_pool_t *pool,
    ngx_log_t *log, json_t *doc, ngx_str_t *file, ngx_str_t *dir,
    ngx_str_t *err);

/* routes a normalized path: the node of its path item, or NULL */
ngx_http_apisec_openapi_node_t *ngx_http_apisec_openapi_route(
    ngx_http_apisec_openapi_t *oa, ngx_str_t *uri,
    ngx_http_apisec_openapi_match_t *m);

ngx_int_t ngx_http_apisec_openapi_method(ngx_str_t *name);

/*
 * One parameter's texts (n > 1: an exploded form array) as a JSON value
 * of its type, style and explode;
 * NULL when it cannot be one (*detail says why).
 */
json_t *ngx_http_apisec_openapi_value(ngx_http_apisec_openapi_param_t *p,
    ngx_str_t *texts, ngx_uint_t n, char **detail);


#endif /* _NGX_HTTP_APISEC_OPENAPI_H_INCLUDED_ */
