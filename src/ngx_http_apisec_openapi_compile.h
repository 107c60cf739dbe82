
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_OPENAPI_COMPILE_H_INCLUDED_
#define _NGX_HTTP_APISEC_OPENAPI_COMPILE_H_INCLUDED_


/*
 * Between the OpenAPI compiler's files (_openapi_compile.c, _openapi_ref.c,
 * _openapi_route.c): the compile's state, never seen outside them.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_openapi.h"


typedef struct {
    ngx_str_t                   name;
    json_t                     *doc;
} ngx_http_apisec_openapi_file_t;


typedef struct {
    ngx_pool_t                 *pool;
    ngx_log_t                  *log;
    ngx_str_t                  *err;
    ngx_str_t                   dir;
    ngx_str_t                   file;
    json_t                     *doc;
    ngx_uint_t                  dialect;
    ngx_array_t                 files;      /* _openapi_file_t */
    json_t                     *schemes;    /* components/securitySchemes */
    json_t                     *security;   /* the document's */
    ngx_http_apisec_openapi_t  *oa;
    ngx_array_t                 schemas;    /* _openapi_compiled_t */
    ngx_uint_t                  one_hop;    /* deref(): one $ref only */
    json_t                     *components; /* {"components": ...} */
} ngx_http_apisec_oac_t;


/* a schema compiled once, whatever refers to it */
typedef struct {
    json_t                     *json;
    json_t                     *root;
    ngx_http_apisec_schema_t   *schema;
} ngx_http_apisec_openapi_compiled_t;


/* a trie node's literal child, while compiling */
typedef struct {
    ngx_str_t                   key;
    ngx_http_apisec_openapi_node_t  *node;
} ngx_http_apisec_openapi_lit_t;



extern ngx_str_t  ngx_http_apisec_openapi_method_names[];

json_t *ngx_http_apisec_openapi_deref(ngx_http_apisec_oac_t *c, json_t *v,
    json_t **root, ngx_str_t *rfile, ngx_str_t *ptr);
ngx_uint_t ngx_http_apisec_openapi_refs(json_t *v, ngx_uint_t depth);
ngx_str_t ngx_http_apisec_openapi_ptr(ngx_http_apisec_oac_t *c,
    ngx_str_t *base, const char *token, size_t len);
void ngx_cdecl ngx_http_apisec_openapi_fail(ngx_http_apisec_oac_t *c,
    ngx_str_t *ptr, const char *fmt, ...);
ngx_int_t ngx_http_apisec_openapi_finalize(ngx_pool_t *pool,
    ngx_http_apisec_openapi_node_t *node);


#endif /* _NGX_HTTP_APISEC_OPENAPI_COMPILE_H_INCLUDED_ */
