
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_JWT_CACHE_H_INCLUDED_
#define _NGX_HTTP_APISEC_JWT_CACHE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * The verified-token cache: SHA-256(signing input || key set fingerprint)
 * -> the token's signature text and the time until which the entry may be
 * used.  A hit (same digest, same signature, compared in constant time)
 * means "this exact token verified with this exact key set"; it never
 * replaces the claim checks (exp, nbf, iss, aud), which run on every
 * request.
 */

char *ngx_http_apisec_jwt_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_apisec_jwt_cache_digest(ngx_str_t *keyset,
    ngx_str_t *input, u_char *digest, u_char *dgst);
ngx_int_t ngx_http_apisec_jwt_cache_lookup(ngx_shm_zone_t *zone,
    u_char *digest, ngx_str_t *sig, time_t *expires);
time_t ngx_http_apisec_jwt_cache_valid(ngx_shm_zone_t *zone);
time_t ngx_http_apisec_jwt_cache_store(ngx_shm_zone_t *zone, u_char *digest,
    ngx_str_t *sig, time_t expires, ngx_log_t *log);


#endif /* _NGX_HTTP_APISEC_JWT_CACHE_H_INCLUDED_ */
