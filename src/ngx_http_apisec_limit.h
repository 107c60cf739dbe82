
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_LIMIT_H_INCLUDED_
#define _NGX_HTTP_APISEC_LIMIT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * Rates are kept as integers in milli-requests per minute, so that both
 * "N r/s" (N * 60000) and "N r/m" (N * 1000) are exact; the bucket level
 * ("excess", as limit_req) is in milli-requests: 1000 is one request.
 */

#define NGX_HTTP_APISEC_RATE_PER_SEC(n)  ((uint64_t) (n) * 60000)
#define NGX_HTTP_APISEC_RATE_PER_MIN(n)  ((uint64_t) (n) * 1000)


/*
 * The limiter's arithmetic (GCRA, as limit_req's excess accounting): a
 * key's bucket holds "level" milli-requests and drains at "rate"; a
 * request finds level' = drain(level, ms since the last admission), is
 * admitted when level' <= 1000 * burst, and then adds 1000.
 */
uint64_t ngx_http_apisec_limit_drain(uint64_t level, ngx_msec_int_t ms,
    uint64_t rate);
ngx_msec_t ngx_http_apisec_limit_wait(uint64_t milli, uint64_t rate);
ngx_uint_t ngx_http_apisec_limit_remaining(uint64_t level, uint64_t burst);

/* directives (ngx_http_apisec_limit.c, ngx_http_apisec_ban.c) */
ngx_int_t ngx_http_apisec_limit_zone_old_form(ngx_conf_t *cf,
    ngx_command_t *cmd);
char *ngx_http_apisec_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_apisec_ban_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_ban(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

ngx_int_t ngx_http_apisec_limit_add_variables(ngx_conf_t *cf);

/* the access pipeline: bans before authentication, limits after it */
ngx_int_t ngx_http_apisec_ban_access(ngx_http_request_t *r);
ngx_int_t ngx_http_apisec_limit_access(ngx_http_request_t *r);

/* an authentication failure (a 401 of this module), for the ban zones */
void ngx_http_apisec_ban_failure(ngx_http_request_t *r);

/* the header filter: RateLimit-Policy and RateLimit */
ngx_int_t ngx_http_apisec_limit_headers(ngx_http_request_t *r);


#endif /* _NGX_HTTP_APISEC_LIMIT_H_INCLUDED_ */
