
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_H_INCLUDED_
#define _NGX_HTTP_APISEC_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


#define NGX_HTTP_APISEC_OFF             0
#define NGX_HTTP_APISEC_HTTPS_REDIRECT  1
#define NGX_HTTP_APISEC_HTTPS_REJECT    2

#define NGX_HTTP_APISEC_ERRORS_JSON     1
#define NGX_HTTP_APISEC_ERRORS_HTML     2

/* how a response header of the preset meets one the response already has */
#define NGX_HTTP_APISEC_HDR_REPLACE     0x01    /* ours wins */
#define NGX_HTTP_APISEC_HDR_IF_ABSENT   0x02    /* theirs wins */
#define NGX_HTTP_APISEC_HDR_HTTPS       0x04    /* on TLS connections only */


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   value;
    ngx_uint_t                  flags;
} ngx_http_apisec_header_t;


typedef struct {
    /* set by the directives */
    ngx_flag_t                  security_headers;
    ngx_str_t                   hsts;           /* header value; "" is off */
    ngx_str_t                   csp;            /* header value; "" is off */
    ngx_uint_t                  https_only;
    ngx_uint_t                  https_port;
    ngx_uint_t                  error_format;

    /* prepared by merge: the response headers this location adds */
    ngx_array_t                *headers;        /* ngx_http_apisec_header_t */

    /* anything at all to do in the access phase / the filters */
    unsigned                    access:1;
    unsigned                    filter:1;
} ngx_http_apisec_loc_conf_t;


/* per request state; lives in r->ctx until an internal redirect */
typedef struct {
    ngx_uint_t                  status;         /* refusal of ours, or 0 */
    ngx_str_t                   detail;         /* generic, client-safe */
    ngx_str_t                   body;           /* problem+json to send */
    unsigned                    replace_body:1;
    unsigned                    body_sent:1;
} ngx_http_apisec_ctx_t;


ngx_http_apisec_ctx_t *ngx_http_apisec_get_ctx(ngx_http_request_t *r);

/* errors: refusals and the problem+json bodies (RFC 9457) */
ngx_int_t ngx_http_apisec_refuse(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t waivable, char *detail);
ngx_int_t ngx_http_apisec_error_header(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
ngx_int_t ngx_http_apisec_error_body(ngx_http_request_t *r, ngx_chain_t *in,
    ngx_http_output_body_filter_pt next);
ngx_int_t ngx_http_apisec_problem_json(ngx_pool_t *pool, ngx_uint_t status,
    ngx_str_t *detail, ngx_str_t *out);

/* headers: the security headers preset, HSTS, CSP */
char *ngx_http_apisec_hsts(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_apisec_csp(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_apisec_headers_merge(ngx_conf_t *cf,
    ngx_http_apisec_loc_conf_t *conf);
ngx_int_t ngx_http_apisec_headers_set(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
ngx_table_elt_t *ngx_http_apisec_set_header(ngx_http_request_t *r,
    ngx_str_t *name, ngx_str_t *value);

/* transport: apisec_https_only */
char *ngx_http_apisec_https_only(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_apisec_https_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
ngx_uint_t ngx_http_apisec_is_https(ngx_http_request_t *r);


extern ngx_module_t  ngx_http_apisec_module;


#endif /* _NGX_HTTP_APISEC_H_INCLUDED_ */
