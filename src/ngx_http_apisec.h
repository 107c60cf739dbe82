
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_H_INCLUDED_
#define _NGX_HTTP_APISEC_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <jansson.h>

#include "ngx_http_apisec_conf.h"
#include "ngx_http_apisec_keys.h"
#include "ngx_http_apisec_remote.h"
#include "ngx_http_apisec_jwt.h"
#include "ngx_http_apisec_jwt_cache.h"
#include "ngx_http_apisec_limit.h"
#include "ngx_http_apisec_apikey.h"
#include "ngx_http_apisec_authz.h"
#include "ngx_http_apisec_shm.h"
#include "ngx_http_apisec_redis.h"
#include "ngx_http_apisec_schema.h"
#include "ngx_http_apisec_openapi.h"


#define NGX_HTTP_APISEC_OFF             0
#define NGX_HTTP_APISEC_HTTPS_REDIRECT  1
#define NGX_HTTP_APISEC_HTTPS_REJECT    2

#define NGX_HTTP_APISEC_ERRORS_JSON     1
#define NGX_HTTP_APISEC_ERRORS_HTML     2

/* apisec_csrf */
#define NGX_HTTP_APISEC_CSRF_ORIGIN     1
#define NGX_HTTP_APISEC_CSRF_DOUBLE     2

/* how a response header of the preset meets one the response already has */
#define NGX_HTTP_APISEC_HDR_REPLACE     0x01    /* ours wins */
#define NGX_HTTP_APISEC_HDR_IF_ABSENT   0x02    /* theirs wins */
#define NGX_HTTP_APISEC_HDR_HTTPS       0x04    /* HTTPS only: _is_https() */

/* the access pipeline's steps, in their order: alcf->steps */
#define NGX_HTTP_APISEC_STEP_STRIP      0x0001  /* query key, token */
#define NGX_HTTP_APISEC_STEP_HTTPS      0x0002
#define NGX_HTTP_APISEC_STEP_CORS       0x0004  /* preflights */
#define NGX_HTTP_APISEC_STEP_CSRF       0x0008
#define NGX_HTTP_APISEC_STEP_BAN        0x0010
#define NGX_HTTP_APISEC_STEP_AUTHN      0x0020
#define NGX_HTTP_APISEC_STEP_AUTHZ      0x0040
#define NGX_HTTP_APISEC_STEP_LIMIT      0x0080
#define NGX_HTTP_APISEC_STEP_BODY       0x0100  /* apisec_json_schema */
#define NGX_HTTP_APISEC_STEP_OPENAPI    0x0200  /* route early, rest late */

/* X-Forwarded-Proto, Forwarded: every line together, at most */
#define NGX_HTTP_APISEC_FORWARDED_MAX   1024    /* bytes */
#define NGX_HTTP_APISEC_FORWARDED_ELTS  32      /* elements */

/* what such a header says of the client's scheme */
#define NGX_HTTP_APISEC_PROTO_NONE      0       /* no such header */
#define NGX_HTTP_APISEC_PROTO_HTTPS     1
#define NGX_HTTP_APISEC_PROTO_OTHER     2       /* http, anything else */
#define NGX_HTTP_APISEC_PROTO_BAD       3       /* malformed, too long */

/*
 * why the module refused a request: $apisec_refusal, the status counters
 * (ngx_http_apisec_status.c holds the words, in this order); 0: admitted
 */
#define NGX_HTTP_APISEC_REFUSAL_NONE            0
#define NGX_HTTP_APISEC_REFUSAL_HTTPS           1   /* https_required */
#define NGX_HTTP_APISEC_REFUSAL_CORS            2   /* cors_preflight */
#define NGX_HTTP_APISEC_REFUSAL_CSRF            3
#define NGX_HTTP_APISEC_REFUSAL_BANNED          4
#define NGX_HTTP_APISEC_REFUSAL_MISSING         5   /* missing_credentials */
#define NGX_HTTP_APISEC_REFUSAL_INVALID_REQUEST 6
#define NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN   7
#define NGX_HTTP_APISEC_REFUSAL_EXPIRED_TOKEN   8
#define NGX_HTTP_APISEC_REFUSAL_UNKNOWN_KEY     9
#define NGX_HTTP_APISEC_REFUSAL_INACTIVE_TOKEN  10
#define NGX_HTTP_APISEC_REFUSAL_INVALID_API_KEY 11
#define NGX_HTTP_APISEC_REFUSAL_EXPIRED_API_KEY 12
#define NGX_HTTP_APISEC_REFUSAL_UNAVAILABLE     13
#define NGX_HTTP_APISEC_REFUSAL_NOT_AUTHENTICATED  14
#define NGX_HTTP_APISEC_REFUSAL_ROLE            15  /* role_required */
#define NGX_HTTP_APISEC_REFUSAL_SCOPE           16  /* insufficient_scope */
#define NGX_HTTP_APISEC_REFUSAL_CLAIM           17  /* claim_not_met */
#define NGX_HTTP_APISEC_REFUSAL_RATE_LIMITED    18
#define NGX_HTTP_APISEC_REFUSAL_ERROR           19  /* internal_error */
#define NGX_HTTP_APISEC_REFUSAL_INVALID_BODY    20  /* invalid_request_body */
#define NGX_HTTP_APISEC_REFUSAL_UNKNOWN_PATH    21  /* apisec_openapi ... */
#define NGX_HTTP_APISEC_REFUSAL_METHOD_NOT_ALLOWED      22
#define NGX_HTTP_APISEC_REFUSAL_INVALID_PARAMETER       23
#define NGX_HTTP_APISEC_REFUSAL_UNSUPPORTED_MEDIA_TYPE  24
#define NGX_HTTP_APISEC_REFUSAL_SECURITY        25  /* security_requirement */
#define NGX_HTTP_APISEC_REFUSAL_N               26


/* who authenticated the caller: ctx->authn */
#define NGX_HTTP_APISEC_AUTHN_NONE      0
#define NGX_HTTP_APISEC_AUTHN_BEARER    1       /* claims in ctx->jwt_claims */
#define NGX_HTTP_APISEC_AUTHN_APIKEY    2       /* ctx->consumer */


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   value;
    ngx_uint_t                  flags;
} ngx_http_apisec_header_t;


/* CORS: prepared per location, see ngx_http_apisec_cors.h */
typedef struct ngx_http_apisec_cors_s  ngx_http_apisec_cors_t;


typedef struct {
    ngx_array_t                *origins;        /* NULL: off */
    ngx_http_apisec_conf_pos_t  origins_pos;
    ngx_array_t                *methods;        /* ngx_str_t */
    ngx_array_t                *headers;        /* ngx_str_t */
    ngx_array_t                *expose;         /* ngx_str_t */
    ngx_flag_t                  credentials;
    time_t                      max_age;
    ngx_uint_t                  any_origin;
    ngx_http_apisec_cors_t     *prepared;       /* by merge; NULL: off */
} ngx_http_apisec_cors_conf_t;


typedef struct {
    ngx_uint_t                  mode;           /* NGX_HTTP_APISEC_CSRF_* */
    ngx_str_t                   cookie;
    ngx_str_t                   header;
    ngx_flag_t                  always;
} ngx_http_apisec_csrf_conf_t;


/* apisec_trusted_proxies: ngx_http_apisec_transport.c */
typedef struct {
    ngx_array_t                *cidrs;          /* ngx_cidr_t */
    ngx_int_t                   realip;         /* $realip_remote_addr */
} ngx_http_apisec_proxies_t;


/* apisec_json_schema, apisec_json_max_*: ngx_http_apisec_body.c */
typedef struct {
    ngx_http_apisec_schema_t   *schema;         /* NULL: off */
    ngx_str_t                   file;
    ngx_int_t                   max_depth;
    size_t                      max_size;       /* 0: client_max_body_size */
} ngx_http_apisec_body_conf_t;


typedef struct ngx_http_apisec_loc_conf_s  ngx_http_apisec_loc_conf_t;

struct ngx_http_apisec_loc_conf_s {
    /* set by the directives */
    ngx_flag_t                  security_headers;
    ngx_str_t                   hsts;           /* header value; "" is off */
    ngx_str_t                   csp;            /* header value; "" is off */
    ngx_uint_t                  https_only;
    ngx_uint_t                  https_port;
    ngx_str_t                   https_host;     /* by merge: server_name */
    ngx_http_apisec_proxies_t  *trusted_proxies;    /* NULL: off */
    ngx_uint_t                  error_format;

    ngx_http_apisec_jwt_conf_t  jwt;

    /* API keys and authorization: ngx_http_apisec_apikey.c, _authz.c */
    ngx_http_apisec_apikey_conf_t  apikey;
    ngx_http_apisec_authz_conf_t   authz;

    /* CORS and CSRF: src/ngx_http_apisec_cors.c, ngx_http_apisec_csrf.c */
    ngx_http_apisec_cors_conf_t  cors;
    ngx_http_apisec_csrf_conf_t  csrf;

    /* apisec_status_zone: 1 + the tag's index in the main conf; 0: none */
    ngx_uint_t                  status_tag;
    ngx_uint_t                  status_format;  /* apisec_status */

    /* apisec_admin: NGX_HTTP_APISEC_ADMIN_*; 0: off */
    ngx_uint_t                  admin;

    /* rate limits and bans: src/ngx_http_apisec_limit.c, _ban.c */
    ngx_http_apisec_limit_conf_t  limit;

    /* request bodies: src/ngx_http_apisec_body.c */
    ngx_http_apisec_body_conf_t   body;

    /* apisec_openapi: ngx_http_apisec_openapi.c; NULL: off */
    ngx_http_apisec_openapi_t  *openapi;
    ngx_flag_t                  openapi_dry_run;
    ngx_http_apisec_conf_pos_t  openapi_pos;

    /* prepared by merge: the response headers this location adds */
    ngx_array_t                *headers;        /* ngx_http_apisec_header_t */

    /* the access pipeline's steps (NGX_HTTP_APISEC_STEP_*), the filters */
    ngx_uint_t                  steps;
    unsigned                    filter:1;
};


typedef struct ngx_http_apisec_ctx_s  ngx_http_apisec_ctx_t;


/* the status counters (ngx_http_apisec_status.c) */
typedef struct ngx_http_apisec_status_s  ngx_http_apisec_status_t;

typedef struct {
    ngx_http_apisec_status_t   *status;         /* NULL: no counters */
    ngx_uint_t                  waivable;       /* authn/z under satisfy any */

    /* apisec_admin: the key sets to show (ngx_http_apisec_admin.c) */
    ngx_array_t                 keysets;        /* _admin_keyset_t */

    /* apisec_ban statuses= or reset= somewhere: the log-phase count */
    ngx_uint_t                  ban_log;
    ngx_array_t                *redis;          /* apisec_redis; NULL */
} ngx_http_apisec_main_conf_t;


/*
 * The main request's own state, whatever locations it passes through, in
 * one pool cleanup (ngx_http_apisec_request.c): found from any ctx, and
 * after an internal redirect through the cleanup list.
 */
/* what "strip" took from the query string: an API key, a bearer token */
#define NGX_HTTP_APISEC_STRIP_APIKEY    0
#define NGX_HTTP_APISEC_STRIP_TOKEN     1
#define NGX_HTTP_APISEC_STRIP_N         2

typedef struct {
    ngx_str_t                   name;           /* the argument's */
    ngx_str_t                   value;          /* the first one's */
    ngx_uint_t                  n;              /* how many there were */
} ngx_http_apisec_stripped_t;

typedef struct {
    ngx_http_apisec_ctx_t      *ctx;            /* newest; ->prev: older */
    void                       *limit;          /* charged zones: limit.c */
    void                       *redis;          /* Redis answers: redis.c */
    ngx_http_apisec_stripped_t  stripped[NGX_HTTP_APISEC_STRIP_N];

    /*
     * the first refusal the module made (NGX_HTTP_APISEC_REFUSAL_*), and
     * the ctx of a waivable one that "satisfy any" may still waive
     */
    ngx_uint_t                  refusal;
    ngx_http_apisec_ctx_t      *waivable;

    /* the bans whose final status the log phase counts: ban.c; NULL */
    void                       *ban;
} ngx_http_apisec_req_t;


/*
 * What one location decided for the request (request.c): in r->ctx until
 * an internal redirect, made under that location's conf and read again
 * only there; after a redirect the newest stays readable for the logs.
 */
struct ngx_http_apisec_ctx_s {
    /*
     * the location conf this ctx's verdicts were made under: read again
     * only there (ngx_http_apisec_loc_ctx())
     */
    ngx_http_apisec_loc_conf_t *conf;
    ngx_http_apisec_req_t      *req;
    ngx_http_apisec_ctx_t      *prev;           /* an earlier location's */

    ngx_uint_t                  status;         /* refusal of ours, or 0 */
    ngx_str_t                   detail;         /* generic, client-safe */
    ngx_str_t                   body;           /* problem+json to send */

    /* authentication: the conf it was done with, and its result */
    ngx_http_apisec_jwt_conf_t *jwt_conf;
    ngx_uint_t                  jwt_result;     /* NGX_HTTP_APISEC_JWT_* */
    ngx_uint_t                  jwt_cache;      /* NGX_HTTP_APISEC_JWT_CACHE_ */
    ngx_uint_t                  introspect_cache;   /* the same values */
    json_t                     *jwt_header;     /* owned, freed by cleanup */
    json_t                     *jwt_claims;     /* owned, freed by cleanup;
                                                   a JWT's parsed when first
                                                   asked for: read them with
                                                   ngx_http_apisec_jwt_claims()
                                                   */
    ngx_str_t                   jwt_claims_seg; /* a JWT's claims, base64url,
                                                   not parsed yet */
    void                       *jwt_slot;       /* the worker's memo slot of
                                                   the token, at ... */
    ngx_uint_t                  jwt_slot_gen;   /* ... this generation */
    ngx_str_t                   subject;        /* "sub", when a string */

    /* API keys: the conf it was done with, its result and consumer */
    ngx_http_apisec_apikey_conf_t  *apikey_conf;
    ngx_uint_t                  apikey_result;  /* NGX_HTTP_APISEC_APIKEY_* */
    ngx_http_apisec_consumer_t *consumer;

    /*
     * the authenticator whose identity authorization and the variables
     * use (NGX_HTTP_APISEC_AUTHN_*): a bearer token's claims, which any
     * bearer authenticator (JWT, introspection) leaves in jwt_claims, or
     * an API key's consumer
     */
    ngx_uint_t                  authn;

    /* authorization's refusal, for $apisec_auth_result; NULL: none */
    ngx_str_t                  *authz_result;

    /* remote keys, introspection: the subrequest waited for (remote.c) */
    ngx_http_apisec_waiter_t   *waiter;

    /* CORS: a preflight the access handler answered (204) or refused */
    ngx_str_t                   cors_origin;
    unsigned                    cors_preflight:1;
    unsigned                    cors_refused:1;

    /* the request body: read (NGX_DONE while reading), its verdict */
    ngx_int_t                   body_rc;        /* 0: not looked at */
    unsigned                    body_reading:1;
    unsigned                    body_async:1;

    /*
     * apisec_openapi: the route's match; "errors" of a refusal's body; the
     * operation's body schema for the body step (instead of the
     * location's apisec_json_schema) and its name for the log
     */
    ngx_http_apisec_openapi_match_t  *openapi;
    ngx_str_t                   errors;         /* a JSON array, or empty */
    ngx_http_apisec_schema_t   *body_schema;
    ngx_str_t                  *body_label;
    unsigned                    openapi_logged:1;   /* dry_run: once */

    unsigned                    replace_body:1;
    unsigned                    body_sent:1;
    unsigned                    final:1;        /* not waivable */
    unsigned                    ban_counted:1;  /* its 401, in the bans */
};


/* request: the ctx and the request state */
ngx_http_apisec_req_t *ngx_http_apisec_req(ngx_http_request_t *r,
    ngx_uint_t create);
ngx_http_apisec_ctx_t *ngx_http_apisec_get_ctx(ngx_http_request_t *r);
ngx_http_apisec_ctx_t *ngx_http_apisec_find_ctx(ngx_http_request_t *r);
ngx_http_apisec_ctx_t *ngx_http_apisec_loc_ctx(ngx_http_request_t *r);
ngx_uint_t ngx_http_apisec_answered(ngx_http_request_t *r,
    ngx_http_apisec_ctx_t *ctx);
ngx_uint_t ngx_http_apisec_request_header(ngx_http_request_t *r,
    ngx_str_t *name, ngx_str_t *value);
ngx_uint_t ngx_http_apisec_cidr_match(struct sockaddr *sa,
    ngx_array_t *cidrs);

/* errors: refusals and the problem+json bodies (RFC 9457) */
ngx_int_t ngx_http_apisec_refuse(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t waivable, char *detail);
ngx_int_t ngx_http_apisec_error_header(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
ngx_int_t ngx_http_apisec_error_body(ngx_http_request_t *r, ngx_chain_t *in,
    ngx_http_output_body_filter_pt next);
ngx_int_t ngx_http_apisec_problem_json(ngx_pool_t *pool, ngx_uint_t status,
    ngx_str_t *detail, ngx_str_t *errors, ngx_str_t *out);
ngx_int_t ngx_http_apisec_problem_errors(ngx_pool_t *pool,
    ngx_http_apisec_schema_result_t *res, ngx_str_t *out);

/* body: apisec_json_schema, apisec_json_max_depth, apisec_json_max_size */
char *ngx_http_apisec_json_schema(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_apisec_body_create_conf(ngx_http_apisec_body_conf_t *conf);
void ngx_http_apisec_body_merge_conf(ngx_http_apisec_body_conf_t *prev,
    ngx_http_apisec_body_conf_t *conf);
ngx_int_t ngx_http_apisec_body_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
ngx_int_t ngx_http_apisec_json_parse(ngx_log_t *log, u_char *p, size_t len,
    ngx_uint_t max_depth, json_t **json, char **detail);

/* headers: the security headers preset, HSTS, CSP */
char *ngx_http_apisec_hsts(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_apisec_csp(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_apisec_headers_merge(ngx_conf_t *cf,
    ngx_http_apisec_loc_conf_t *conf);
ngx_int_t ngx_http_apisec_headers_set(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
ngx_table_elt_t *ngx_http_apisec_set_header(ngx_http_request_t *r,
    ngx_str_t *name, ngx_str_t *value);

/* transport: apisec_https_only, apisec_trusted_proxies */
char *ngx_http_apisec_https_only(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_https_merge(ngx_conf_t *cf,
    ngx_http_apisec_loc_conf_t *conf);
ngx_int_t ngx_http_apisec_https_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
ngx_uint_t ngx_http_apisec_is_https(ngx_http_request_t *r);
ngx_uint_t ngx_http_apisec_https_host(ngx_str_t *host);
char *ngx_http_apisec_trusted_proxies(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_apisec_forwarded_parse(ngx_str_t *value,
    ngx_uint_t rfc7239, ngx_uint_t *n, ngx_uint_t *proto);

/* cors: apisec_cors_*, preflights, the CORS response headers */
char *ngx_http_apisec_cors_origins(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_cors_list(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_apisec_cors_create_conf(ngx_http_apisec_cors_conf_t *conf);
char *ngx_http_apisec_cors_merge(ngx_conf_t *cf,
    ngx_http_apisec_loc_conf_t *prev, ngx_http_apisec_loc_conf_t *conf);
ngx_int_t ngx_http_apisec_cors_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
ngx_int_t ngx_http_apisec_cors_headers_set(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
ngx_int_t ngx_http_apisec_cors_request_origin(ngx_http_request_t *r,
    ngx_str_t *origin);

/* csrf: apisec_csrf */
char *ngx_http_apisec_csrf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
void ngx_http_apisec_csrf_create_conf(ngx_http_apisec_csrf_conf_t *conf);
char *ngx_http_apisec_csrf_merge(ngx_conf_t *cf,
    ngx_http_apisec_loc_conf_t *prev, ngx_http_apisec_loc_conf_t *conf);
ngx_int_t ngx_http_apisec_csrf_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);

/* jwt: the result of authentication, computed once per request and conf */
ngx_http_apisec_ctx_t *ngx_http_apisec_jwt_result(ngx_http_request_t *r,
    ngx_uint_t access);
json_t *ngx_http_apisec_jwt_claims(ngx_http_request_t *r,
    ngx_http_apisec_ctx_t *ctx);

/* apikey: API keys */
ngx_http_apisec_ctx_t *ngx_http_apisec_apikey_result(ngx_http_request_t *r,
    ngx_uint_t access);
char *ngx_http_apisec_apikey_result_detail(ngx_uint_t result);
ngx_int_t ngx_http_apisec_query_strip(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
ngx_uint_t ngx_http_apisec_query_arg(ngx_http_request_t *r, ngx_str_t *name,
    ngx_uint_t which, ngx_str_t *value);

/* authn: who the caller is, once per request and location */
ngx_int_t ngx_http_apisec_authn_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
ngx_uint_t ngx_http_apisec_identity(ngx_http_request_t *r,
    ngx_http_apisec_ctx_t **ctxp, ngx_uint_t access);
ngx_str_t *ngx_http_apisec_authn_result(ngx_http_request_t *r);

/* authz: apisec_require_role, _scope, _claim */
ngx_int_t ngx_http_apisec_scope_challenge(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_str_t *scope);
ngx_int_t ngx_http_apisec_authz_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);

/* status: $apisec_refusal, apisec_status, apisec_status_zone */
void ngx_http_apisec_refusal(ngx_http_request_t *r, ngx_int_t rc,
    ngx_uint_t reason, ngx_uint_t waivable);
ngx_uint_t ngx_http_apisec_refusal_authn(ngx_http_request_t *r);
ngx_uint_t ngx_http_apisec_refusal_authz(ngx_http_request_t *r);
ngx_str_t *ngx_http_apisec_refusal_name(ngx_http_request_t *r);
ngx_str_t *ngx_http_apisec_refusal_word(ngx_uint_t reason);
char *ngx_http_apisec_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_apisec_status_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void *ngx_http_apisec_status_create_main_conf(ngx_conf_t *cf);
ngx_int_t ngx_http_apisec_status_init(ngx_conf_t *cf,
    ngx_http_handler_pt access);
ngx_uint_t ngx_http_apisec_status_key_source(ngx_conf_t *cf, ngx_str_t *uri);
void ngx_http_apisec_status_key_set(ngx_uint_t source, ngx_uint_t keys);
void ngx_http_apisec_status_limit(ngx_shm_zone_t *shm_zone,
    ngx_uint_t delayed);

/* openapi: apisec_openapi */
char *ngx_http_apisec_openapi(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
void ngx_http_apisec_openapi_create_conf(ngx_http_apisec_loc_conf_t *conf);
char *ngx_http_apisec_openapi_merge(ngx_conf_t *cf,
    ngx_http_apisec_loc_conf_t *prev, ngx_http_apisec_loc_conf_t *conf);
ngx_int_t ngx_http_apisec_openapi_route_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_uint_t *reason);
ngx_int_t ngx_http_apisec_openapi_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_uint_t waived, ngx_uint_t *reason);
ngx_int_t ngx_http_apisec_openapi_body_dry_run(ngx_http_request_t *r,
    ngx_int_t rc);
ngx_int_t ngx_http_apisec_openapi_headers(ngx_http_request_t *r);

/* variables: $apisec_subject, $apisec_auth_result, $apisec_jwt_* */
ngx_int_t ngx_http_apisec_add_variables(ngx_conf_t *cf);
char *ngx_http_apisec_claim_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* admin: apisec_admin, the key sets it shows */
#define NGX_HTTP_APISEC_ADMIN_ON         1
#define NGX_HTTP_APISEC_ADMIN_READ_ONLY  2

char *ngx_http_apisec_admin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_apisec_admin_key_file(ngx_conf_t *cf, ngx_str_t *file,
    ngx_array_t *keys, ngx_uint_t first, ngx_uint_t last);
ngx_int_t ngx_http_apisec_admin_key_request(ngx_conf_t *cf,
    ngx_http_apisec_jwks_t *k);


extern ngx_module_t  ngx_http_apisec_module;


#endif /* _NGX_HTTP_APISEC_H_INCLUDED_ */
