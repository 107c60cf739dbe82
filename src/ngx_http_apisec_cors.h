
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_CORS_H_INCLUDED_
#define _NGX_HTTP_APISEC_CORS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_HTTP_APISEC_ORIGIN_EXACT     1     /* "https://a.example.com" */
#define NGX_HTTP_APISEC_ORIGIN_WILDCARD  2     /* "scheme://" "*." domain */
#define NGX_HTTP_APISEC_ORIGIN_REGEX     3     /* "~^https://...$" */

#define NGX_HTTP_APISEC_ORIGIN_MAX_LEN   2048


/*
 * An allowed origin, as configured.  Exact origins and the parts of a
 * wildcard are kept in the serialization a browser sends (RFC 6454 §6.2,
 * Fetch "serialization of an origin"): lowercase scheme and host, no default
 * port, no path.
 */

typedef struct {
    ngx_uint_t                  type;
    ngx_str_t                   value;      /* exact: the whole origin */
    ngx_str_t                   prefix;     /* wildcard: "https://" */
    ngx_str_t                   suffix;     /* wildcard: ".example.com:8443" */
#if (NGX_PCRE)
    ngx_regex_t                *regex;
#endif
    ngx_str_t                   name;       /* as written, for logs */
} ngx_http_apisec_cors_origin_t;


/* what merge prepares for a location where CORS is on */

struct ngx_http_apisec_cors_s {
    ngx_array_t                *origins;    /* ngx_http_apisec_cors_origin_t */
    ngx_array_t                *methods;    /* ngx_str_t, case-sensitive */
    ngx_array_t                *headers;    /* ngx_str_t, lowercase */

    ngx_str_t                   allow_methods;
    ngx_str_t                   allow_headers;  /* "" when none */
    ngx_str_t                   expose_headers;
    ngx_str_t                   max_age;        /* "" when not sent */

    unsigned                    any_origin:1;   /* "*" */
    unsigned                    any_method:1;
    unsigned                    any_header:1;
    unsigned                    credentials:1;
};


/*
 * Pure functions: no request, no configuration cycle; unit tests and fuzz
 * targets call them directly.
 */

ngx_int_t ngx_http_apisec_cors_origin_valid(ngx_str_t *origin);
ngx_int_t ngx_http_apisec_cors_origin_parse(ngx_str_t *value,
    ngx_http_apisec_cors_origin_t *o, u_char *buf, char **err);
ngx_int_t ngx_http_apisec_cors_origin_match(ngx_http_apisec_cors_origin_t *o,
    ngx_str_t *origin);
ngx_int_t ngx_http_apisec_cors_origins_match(ngx_array_t *origins,
    ngx_str_t *origin);
ngx_int_t ngx_http_apisec_cors_token_valid(ngx_str_t *token);
ngx_int_t ngx_http_apisec_cors_list_has(ngx_str_t *list, ngx_str_t *token);
ngx_int_t ngx_http_apisec_cors_list_next(u_char **pos, u_char *last,
    ngx_str_t *elt);
ngx_int_t ngx_http_apisec_cors_same_origin(ngx_str_t *origin,
    ngx_str_t *scheme, ngx_str_t *host);


#endif /* _NGX_HTTP_APISEC_CORS_H_INCLUDED_ */
