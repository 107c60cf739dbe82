
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_SCHEMA_H_INCLUDED_
#define _NGX_HTTP_APISEC_SCHEMA_H_INCLUDED_


/*
 * The JSON Schema core: compile once at configuration time, validate per
 * request.  Pure logic over jansson values: no request, no shared memory,
 * so that t/unit/ and fuzz/ call it without a server.  apisec_json_schema
 * (a location's body) and apisec_openapi (each operation's parameters and
 * body) are its two users.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>


#define NGX_HTTP_APISEC_SCHEMA_MAX_ERRORS   10     /* in a refusal */
#define NGX_HTTP_APISEC_SCHEMA_DETAIL_MAX   64     /* bytes of a value shown */

/* which dialect a schema (or an OpenAPI document) speaks */
#define NGX_HTTP_APISEC_SCHEMA_2020_12      0      /* default; OpenAPI 3.1 */
#define NGX_HTTP_APISEC_SCHEMA_DRAFT7       1      /* "$schema" says so */
#define NGX_HTTP_APISEC_SCHEMA_OAS30        2      /* OpenAPI 3.0 Schema
                                                      Object: nullable, ... */

/* flags of a compile */
#define NGX_HTTP_APISEC_SCHEMA_FORMAT_ASSERT  0x01  /* "format" refuses */


typedef struct ngx_http_apisec_schema_s  ngx_http_apisec_schema_t;


typedef struct {
    ngx_str_t                   pointer;    /* RFC 6901, into the instance */
    ngx_str_t                   detail;     /* short, no long echo */
} ngx_http_apisec_schema_error_t;


typedef struct {
    ngx_uint_t                  nerrors;    /* <= MAX_ERRORS kept */
    ngx_uint_t                  total;      /* every violation seen */
    ngx_http_apisec_schema_error_t  errors[NGX_HTTP_APISEC_SCHEMA_MAX_ERRORS];
} ngx_http_apisec_schema_result_t;


/*
 * Compiles "schema", a value inside the document "root" (for "$ref"s
 * relative to it; root may be schema itself).  "file" is the document's
 * path, for "$ref"s to files beside it (read at configuration time only,
 * never the network) and for messages.  Allocates from pool.  On failure
 * returns NULL and sets *err to "<json pointer>: <reason>" (pool memory).
 */
ngx_http_apisec_schema_t *ngx_http_apisec_schema_compile(ngx_pool_t *pool,
    ngx_log_t *log, json_t *root, json_t *schema, ngx_str_t *file,
    ngx_uint_t dialect, ngx_uint_t flags, ngx_str_t *err);

/*
 * Validates "instance".  Returns NGX_OK when it holds, NGX_DECLINED when
 * not (res says why), NGX_ERROR on allocation failure.  Bounded: the work
 * is linear in schema size times instance size, pattern matches run with
 * a match limit.  "pool" holds the error strings.
 */
ngx_int_t ngx_http_apisec_schema_validate(ngx_http_apisec_schema_t *schema,
    json_t *instance, ngx_pool_t *pool, ngx_http_apisec_schema_result_t *res);


#endif /* _NGX_HTTP_APISEC_SCHEMA_H_INCLUDED_ */
