
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_JWT_H_INCLUDED_
#define _NGX_HTTP_APISEC_JWT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>

#include "ngx_http_apisec_conf.h"
#include "ngx_http_apisec_jose.h"
#include "ngx_http_apisec_remote.h"


/* apisec_jwt_token not set: "Authorization: Bearer" */
#define NGX_HTTP_APISEC_JWT_TOKEN_HEADER  -2
/* apisec_jwt_token query=name */
#define NGX_HTTP_APISEC_JWT_TOKEN_QUERY   -3

/* where the token is read from: the challenge and the wording */
#define NGX_HTTP_APISEC_JWT_FROM_HEADER   0   /* Authorization: Bearer */
#define NGX_HTTP_APISEC_JWT_FROM_QUERY    1   /* query=, or $arg_name */
#define NGX_HTTP_APISEC_JWT_FROM_COOKIE   2   /* $cookie_name */
#define NGX_HTTP_APISEC_JWT_FROM_VARIABLE 3   /* any other variable */

/* keys tried for a token whose kid names none of them */
#define NGX_HTTP_APISEC_JWT_MAX_TRIES     4

/* the results of authentication, NGX_HTTP_APISEC_JWT_*: in _jose.h */

/* the verified-token cache's part in a request, $apisec_jwt_cache_status */
#define NGX_HTTP_APISEC_JWT_CACHE_NONE        0
#define NGX_HTTP_APISEC_JWT_CACHE_MISS        1
#define NGX_HTTP_APISEC_JWT_CACHE_HIT         2


typedef struct {
    ngx_flag_t                  enable;
    ngx_flag_t                  enable_set; /* apisec_jwt at some level */
    ngx_http_apisec_conf_pos_t  enable_pos;
    ngx_http_apisec_conf_pos_t  algorithms_pos;
    ngx_http_apisec_conf_pos_t  discovery_pos;
    ngx_str_t                   realm;
    ngx_int_t                   token;      /* variable index, HEADER,
                                               QUERY */
    ngx_uint_t                  token_from; /* NGX_HTTP_APISEC_JWT_FROM_* */
    ngx_str_t                   token_name; /* the argument or cookie */
    ngx_flag_t                  token_strip;    /* query=name strip */
    ngx_array_t                *keys;       /* ngx_http_apisec_jwt_key_t * */
    ngx_uint_t                  algorithms; /* NGX_HTTP_APISEC_ALG_BIT()s */
    ngx_array_t                *issuers;    /* ngx_str_t */
    ngx_array_t                *audiences;  /* ngx_str_t */
    ngx_array_t                *types;      /* ngx_str_t, no "application/" */
    time_t                      leeway;
    size_t                      max_size;
    ngx_shm_zone_t             *cache;      /* apisec_jwt_cache; NULL: off */

    /* remote keys, introspection: ngx_http_apisec_jwks.c, _introspect.c */
    ngx_array_t                *key_requests;   /* _key_request_t */
    ngx_str_t                   discovery;      /* data NULL: unset */
    time_t                      key_cache;
    time_t                      key_refetch;
    time_t                      key_min_refetch;
    time_t                      key_retry;
    ngx_http_apisec_introspect_t        *introspect;
    ngx_http_apisec_introspect_cache_t  *introspect_cache;

    /* prepared by merge */
    ngx_http_apisec_jwks_t     *jwks;       /* the first; NULL: none */
    ngx_array_t                *sources;    /* ngx_http_apisec_jwks_t * */
    ngx_array_t                *bound;      /* ngx_str_t: issuer=; NULL */
    ngx_uint_t                  unbound;    /* keys bound to no issuer */
    ngx_str_t                   challenge;  /* Bearer realm="..." */
    char                       *missing;    /* "no token in cookie ..." */
    char                       *several;    /* query=: several arguments */
    ngx_str_t                   keyset;     /* fingerprint of the keys */
    ngx_http_apisec_jose_policy_t  policy;  /* "now": 0 */
} ngx_http_apisec_jwt_conf_t;


/* apisec_jwt_key_request uri [issuer=...] */
typedef struct {
    ngx_str_t                   uri;
    ngx_str_t                   issuer;     /* data NULL: unbound */
} ngx_http_apisec_jwt_key_request_t;


void ngx_http_apisec_jwt_create_conf(ngx_http_apisec_jwt_conf_t *conf);
char *ngx_http_apisec_jwt_merge_conf(ngx_conf_t *cf,
    ngx_http_apisec_jwt_conf_t *prev, ngx_http_apisec_jwt_conf_t *conf);

char *ngx_http_apisec_jwt(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_apisec_jwt_token(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_jwt_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_jwt_algorithms(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_jwt_list(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

ngx_int_t ngx_http_apisec_jwt_access(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf);
ngx_str_t *ngx_http_apisec_jwt_result_name(ngx_uint_t result);
char *ngx_http_apisec_jwt_result_detail(ngx_uint_t result);
void ngx_http_apisec_jwt_exit(void);

/* remote keys (ngx_http_apisec_jwks.c) */
char *ngx_http_apisec_jwt_key_request(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_jwt_key_requests(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_apisec_jwt_issuer_param(ngx_conf_t *cf, ngx_str_t *value,
    ngx_str_t *issuer);
char *ngx_http_apisec_jwt_key_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_apisec_jwks_create_conf(ngx_http_apisec_jwt_conf_t *conf);
char *ngx_http_apisec_jwks_merge_conf(ngx_conf_t *cf,
    ngx_http_apisec_jwt_conf_t *prev, ngx_http_apisec_jwt_conf_t *conf);
char *ngx_http_apisec_jwks_bind(ngx_conf_t *cf,
    ngx_http_apisec_jwt_conf_t *conf);
ngx_int_t ngx_http_apisec_jwks_ready(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *issuer, char **why);
ngx_uint_t ngx_http_apisec_jwks_candidate(ngx_http_apisec_jwks_t *k,
    ngx_str_t *issuer);
ngx_int_t ngx_http_apisec_jwks_keyset(ngx_http_apisec_jwt_conf_t *jcf,
    u_char *fp);
ngx_int_t ngx_http_apisec_discovery_ready(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, char **why);
ngx_int_t ngx_http_apisec_jwks_refetch(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *issuer, ngx_str_t *kid);
void ngx_http_apisec_jwks_policy(ngx_http_apisec_jwt_conf_t *jcf, time_t now,
    ngx_http_apisec_jose_policy_t *policy);
ngx_int_t ngx_http_apisec_jwks_add_variables(ngx_conf_t *cf);

/* a fetched JWKS, a discovery document: f->data is the jwks_t */
void ngx_http_apisec_jwks_land(ngx_http_apisec_flight_t *f, json_t *json,
    ngx_log_t *log);
void ngx_http_apisec_discovery_land(ngx_http_apisec_flight_t *f,
    json_t *json, ngx_log_t *log);

/* introspection (ngx_http_apisec_introspect.c) */
char *ngx_http_apisec_introspect(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_introspect_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_uint_t ngx_http_apisec_introspect_wanted(ngx_http_apisec_jwt_conf_t *jcf,
    ngx_str_t *token);
ngx_uint_t ngx_http_apisec_introspect_authenticate(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, void *ctx, ngx_str_t *token,
    char **why);
char *ngx_http_apisec_introspect_bind(ngx_conf_t *cf,
    ngx_http_apisec_jwt_conf_t *conf);
ngx_int_t ngx_http_apisec_introspect_digest(u_char *context, ngx_str_t *host,
    ngx_str_t *token, u_char *digest);
ngx_int_t ngx_http_apisec_form_escape(ngx_str_t *dst, ngx_str_t *src);

/* an introspection answer: f->data is the jwt conf; its cache; its checks */
typedef struct ngx_http_apisec_introspect_parsed_s
    ngx_http_apisec_introspect_parsed_t;

void ngx_http_apisec_introspect_land(ngx_http_apisec_flight_t *f,
    json_t *json, ngx_log_t *log);
ngx_int_t ngx_http_apisec_introspect_lookup(
    ngx_http_apisec_introspect_cache_t *ic, u_char *digest, ngx_pool_t *pool,
    json_t **claims, ngx_http_apisec_introspect_parsed_t **parsed);
ngx_uint_t ngx_http_apisec_introspect_claims(json_t *claims,
    ngx_http_apisec_jwt_conf_t *jcf, time_t now, ngx_str_t *subject,
    char **why);

/* the header segment, parsed (a worker keeps the last few) */
json_t *ngx_http_apisec_jwt_parse(ngx_str_t *seg, u_char *buf, char **why,
    char *what);


#endif /* _NGX_HTTP_APISEC_JWT_H_INCLUDED_ */
