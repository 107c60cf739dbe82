
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


static ngx_int_t ngx_http_apisec_access_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_pipeline(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static void *ngx_http_apisec_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_apisec_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_apisec_merge_check(ngx_conf_t *cf,
    ngx_http_apisec_loc_conf_t *conf);
static ngx_uint_t ngx_http_apisec_merge_returns(ngx_conf_t *cf);
static ngx_int_t ngx_http_apisec_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_apisec_init(ngx_conf_t *cf);
static void ngx_http_apisec_exit(ngx_cycle_t *cycle);


static ngx_conf_enum_t  ngx_http_apisec_error_formats[] = {
    { ngx_string("json"), NGX_HTTP_APISEC_ERRORS_JSON },
    { ngx_string("html"), NGX_HTTP_APISEC_ERRORS_HTML },
    { ngx_null_string, 0 }
};


/* rate limits: apisec_limit_status, apisec_limit_log_level */

static ngx_conf_num_bounds_t  ngx_http_apisec_limit_status_bounds = {
    ngx_conf_check_num_bounds, 400, 599
};


static ngx_conf_enum_t  ngx_http_apisec_limit_log_levels[] = {
    { ngx_string("info"), NGX_LOG_INFO },
    { ngx_string("notice"), NGX_LOG_NOTICE },
    { ngx_string("warn"), NGX_LOG_WARN },
    { ngx_string("error"), NGX_LOG_ERR },
    { ngx_null_string, 0 }
};


/* request bodies: apisec_json_max_depth (jansson's own limit is 2048) */

static ngx_conf_num_bounds_t  ngx_http_apisec_json_depth_bounds = {
    ngx_conf_check_num_bounds, 1, 1024
};


static ngx_command_t  ngx_http_apisec_commands[] = {

    { ngx_string("apisec_security_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, security_headers),
      NULL },

    { ngx_string("apisec_hsts"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_hsts,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_csp"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apisec_csp,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_https_only"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_apisec_https_only,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_trusted_proxies"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_trusted_proxies,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_error_format"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, error_format),
      &ngx_http_apisec_error_formats },

    { ngx_string("apisec_jwt"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apisec_jwt,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_jwt_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_apisec_jwt_token,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_jwt_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_apisec_jwt_key_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_jwt_algorithms"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_jwt_algorithms,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_jwt_issuer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_jwt_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, jwt.issuers),
      NULL },

    { ngx_string("apisec_jwt_audience"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_jwt_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, jwt.audiences),
      NULL },

    { ngx_string("apisec_jwt_type"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_jwt_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, jwt.types),
      NULL },

    { ngx_string("apisec_jwt_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, jwt.leeway),
      NULL },

    { ngx_string("apisec_jwt_max_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, jwt.max_size),
      NULL },

    { ngx_string("apisec_jwt_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_apisec_jwt_cache,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, jwt.cache),
      NULL },

    /* API keys and authorization: src/ngx_http_apisec_apikey.c, _authz.c */

    { ngx_string("apisec_api_key"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_apisec_api_key,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_api_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apisec_api_key_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_roles_claim"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apisec_roles_claim,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_claim_set"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_apisec_claim_set,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_require_role"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
      |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_require_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, authz.roles),
      NULL },

    { ngx_string("apisec_require_scope"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
      |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_require_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, authz.scopes),
      NULL },

    { ngx_string("apisec_require_claim"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
      |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_require_claim,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* remote keys, introspection: src/ngx_http_apisec_jwks.c, _introspect.c */

    { ngx_string("apisec_jwt_key_request"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_apisec_jwt_key_requests,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_jwt_key_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1234,
      ngx_http_apisec_jwt_key_cache,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_jwt_discovery"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apisec_jwt_key_request,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, jwt.discovery),
      NULL },

    { ngx_string("apisec_introspect"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_apisec_introspect,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_introspect_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_introspect_cache,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* CORS and CSRF: src/ngx_http_apisec_cors.c, ngx_http_apisec_csrf.c */

    { ngx_string("apisec_cors_origins"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_cors_origins,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_cors_methods"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_cors_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, cors.methods),
      NULL },

    { ngx_string("apisec_cors_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_cors_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, cors.headers),
      NULL },

    { ngx_string("apisec_cors_expose_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_cors_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, cors.expose),
      NULL },

    { ngx_string("apisec_cors_credentials"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, cors.credentials),
      NULL },

    { ngx_string("apisec_cors_max_age"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, cors.max_age),
      NULL },

    { ngx_string("apisec_csrf"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_csrf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* rate limits and bans: src/ngx_http_apisec_limit.c, _ban.c */

    { ngx_string("apisec_limit_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_apisec_limit_zone,
      0,
      0,
      NULL },

    { ngx_string("apisec_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_limit,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_limit_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, limit.headers),
      NULL },

    { ngx_string("apisec_limit_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, limit.status),
      &ngx_http_apisec_limit_status_bounds },

    { ngx_string("apisec_limit_log_level"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, limit.log_level),
      &ngx_http_apisec_limit_log_levels },

    { ngx_string("apisec_ban_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_apisec_ban_zone,
      0,
      0,
      NULL },

    { ngx_string("apisec_ban"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_ban,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* counters: src/ngx_http_apisec_status.c */

    { ngx_string("apisec_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_apisec_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_status_zone"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apisec_status_zone,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* operators' API: src/ngx_http_apisec_admin.c */

    { ngx_string("apisec_admin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_apisec_admin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* Redis-shared zones: src/ngx_http_apisec_redis.c */

    { ngx_string("apisec_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_apisec_redis,
      0,
      0,
      NULL },

    /* request bodies: src/ngx_http_apisec_body.c */

    { ngx_string("apisec_json_schema"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_apisec_json_schema,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_json_max_depth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, body.max_depth),
      &ngx_http_apisec_json_depth_bounds },

    { ngx_string("apisec_json_max_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, body.max_size),
      NULL },

    /* request validation: src/ngx_http_apisec_openapi.c */

    { ngx_string("apisec_openapi"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_apisec_openapi,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_apisec_module_ctx = {
    ngx_http_apisec_preconfiguration,      /* preconfiguration */
    ngx_http_apisec_init,                  /* postconfiguration */

    ngx_http_apisec_status_create_main_conf,
                                           /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_apisec_create_loc_conf,       /* create location configuration */
    ngx_http_apisec_merge_loc_conf         /* merge location configuration */
};


ngx_module_t  ngx_http_apisec_module = {
    NGX_MODULE_V1,
    &ngx_http_apisec_module_ctx,           /* module context */
    ngx_http_apisec_commands,              /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_apisec_exit,                  /* exit process */
    ngx_http_apisec_exit,                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


/*
 * The access-phase pipeline, in its documented order (docs/hacking.md):
 * cheap refusals come before cryptography.  Every step returns
 * NGX_DECLINED to go on, or what the handler returns: a refusal, NGX_AGAIN
 * (a subrequest, a delay: the handler runs again from the start, and what
 * it did before counts nothing twice) or NGX_DONE.  The handler ends with
 * NGX_DECLINED where the module has nothing to say, and with NGX_OK only
 * when this location authenticated the caller: under "satisfy any",
 * NGX_OK grants access.  nginx skips the access phase for subrequests.
 */

/*
 * A refusal that "satisfy any" may not waive (transport, CSRF, bans, rate
 * limits, malformed credentials) is finalized here under "satisfy any",
 * after the pipeline has recorded it, never inside the step: the request
 * may be gone once finalized.
 */

static ngx_int_t
ngx_http_apisec_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_http_apisec_ctx_t     *ctx;
    ngx_http_core_loc_conf_t  *clcf;

    rc = ngx_http_apisec_pipeline(r);

    if (rc < NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    if (ctx == NULL || !ctx->final || ctx->status != (ngx_uint_t) rc) {
        return rc;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->satisfy == NGX_HTTP_SATISFY_ALL) {
        return rc;
    }

    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


static ngx_int_t
ngx_http_apisec_pipeline(ngx_http_request_t *r)
{
    ngx_int_t                    rc, lrc;
    ngx_uint_t                   steps, reason;
    ngx_http_apisec_ctx_t       *ctx;
    ngx_http_core_loc_conf_t    *clcf;
    ngx_http_apisec_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    steps = alcf->steps;

    if (steps == 0) {
        return NGX_DECLINED;
    }

    /*
     * a key or a token in the query string leaves the request line first,
     * so that no refusal below (nor the access log) ever shows it
     */

    if ((steps & NGX_HTTP_APISEC_STEP_STRIP)
        && ngx_http_apisec_query_strip(r, alcf) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /*
     * each step that refuses names its reason ($apisec_refusal, the status
     * counters): ngx_http_apisec_refusal() keeps the first
     */

    if (steps & NGX_HTTP_APISEC_STEP_HTTPS) {
        rc = ngx_http_apisec_https_access(r, alcf);
        if (rc != NGX_DECLINED) {
            ngx_http_apisec_refusal(r, rc, NGX_HTTP_APISEC_REFUSAL_HTTPS, 0);
            return rc;
        }
    }

    /* a CORS preflight is answered (204) or refused, without credentials */

    if (steps & NGX_HTTP_APISEC_STEP_CORS) {
        rc = ngx_http_apisec_cors_access(r, alcf);
        if (rc != NGX_DECLINED) {
            if (rc != NGX_HTTP_NO_CONTENT) {
                ngx_http_apisec_refusal(r, rc, NGX_HTTP_APISEC_REFUSAL_CORS,
                                        0);
            }

            return rc;
        }
    }

    if (steps & NGX_HTTP_APISEC_STEP_CSRF) {
        rc = ngx_http_apisec_csrf_access(r, alcf);
        if (rc != NGX_DECLINED) {
            ngx_http_apisec_refusal(r, rc, NGX_HTTP_APISEC_REFUSAL_CSRF, 0);
            return rc;
        }
    }

    /*
     * the OpenAPI route: an unknown path (404) or method (405) is refused
     * before bans and cryptography; the operation is kept for the checks
     * after authentication
     */

    if (steps & NGX_HTTP_APISEC_STEP_OPENAPI) {
        rc = ngx_http_apisec_openapi_route_access(r, alcf, &reason);
        if (rc != NGX_DECLINED) {
            ngx_http_apisec_refusal(r, rc, reason, 0);
            return rc;
        }
    }

    /* a banned key is refused before any cryptography */

    if (steps & NGX_HTTP_APISEC_STEP_BAN) {
        rc = ngx_http_apisec_ban_access(r);
        if (rc != NGX_DECLINED) {
            ngx_http_apisec_refusal(r, rc, NGX_HTTP_APISEC_REFUSAL_BANNED, 0);
            return rc;
        }
    }

    /*
     * who the caller is (JWT, introspection, API key), then what it may do;
     * every result read here was made under this location's conf
     * (ngx_http_apisec_loc_ctx()), never one of the location a request was
     * redirected from.  A 401 is an authentication failure for the bans.
     */

    rc = NGX_DECLINED;

    if (steps & NGX_HTTP_APISEC_STEP_AUTHN) {
        rc = ngx_http_apisec_authn_access(r, alcf);

        /*
         * once: the access phase may run again for this location (a
         * limit's delay, a Redis answer under "satisfy any")
         */

        if (rc == NGX_HTTP_UNAUTHORIZED && (steps & NGX_HTTP_APISEC_STEP_BAN))
        {
            ctx = ngx_http_apisec_loc_ctx(r);

            if (ctx == NULL || !ctx->ban_counted) {
                if (ctx) {
                    ctx->ban_counted = 1;
                }

                ngx_http_apisec_ban_failure(r);
            }
        }

        if (rc != NGX_DECLINED && rc != NGX_AGAIN) {
            ngx_http_apisec_refusal(r, rc, ngx_http_apisec_refusal_authn(r),
                                    rc == NGX_HTTP_UNAUTHORIZED
                                    || rc == NGX_HTTP_FORBIDDEN);
        }
    }

    if (rc == NGX_DECLINED && (steps & NGX_HTTP_APISEC_STEP_AUTHZ)) {
        rc = ngx_http_apisec_authz_access(r, alcf);

        if (rc != NGX_DECLINED) {
            ngx_http_apisec_refusal(r, rc, ngx_http_apisec_refusal_authz(r),
                                    rc == NGX_HTTP_FORBIDDEN);
        }
    }

    if (rc != NGX_DECLINED) {

        /*
         * a waivable refusal (401, 403) under "satisfy any": another
         * access module may still grant the request, and rate limits and
         * the body's validation are final under any "satisfy", so they
         * are applied now
         */

        if ((rc != NGX_HTTP_UNAUTHORIZED && rc != NGX_HTTP_FORBIDDEN)
            || !(steps & (NGX_HTTP_APISEC_STEP_LIMIT
                          |NGX_HTTP_APISEC_STEP_BODY)))
        {
            return rc;
        }

        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

        if (clcf->satisfy == NGX_HTTP_SATISFY_ALL) {
            return rc;
        }
    }

    /*
     * rate limits, after authentication so that keys may name the caller:
     * 429 (final under any "satisfy"), or NGX_AGAIN while a request within
     * the burst is delayed; each zone charges a request once, whatever
     * locations it passes through
     */

    if (steps & NGX_HTTP_APISEC_STEP_LIMIT) {
        lrc = ngx_http_apisec_limit_access(r);
        if (lrc != NGX_DECLINED) {
            ngx_http_apisec_refusal(r, lrc,
                                    NGX_HTTP_APISEC_REFUSAL_RATE_LIMITED, 0);
            return lrc;
        }
    }

    /*
     * the OpenAPI operation: its security requirements (not under a
     * waivable refusal above: there is no identity to check, and another
     * access module may grant the request), parameters and media type;
     * the operation's JSON body schema is left for the body step
     */

    if (steps & NGX_HTTP_APISEC_STEP_OPENAPI) {
        lrc = ngx_http_apisec_openapi_access(r, alcf, rc != NGX_DECLINED,
                                             &reason);
        if (lrc != NGX_DECLINED) {
            ngx_http_apisec_refusal(r, lrc, reason, 0);
            return lrc;
        }
    }

    /*
     * the request body, last: parsing and validating it costs more than
     * any check above, so unauthenticated or limited floods never cost it.
     * Under "satisfy any" a waivable refusal above may still be overridden
     * by another access module: the body is validated then too, and its
     * refusal is final.  NGX_DONE while the body is read: the phases run
     * again from the start once it is, and every step above finds its
     * result made.
     */

    if (steps & NGX_HTTP_APISEC_STEP_BODY) {
        lrc = ngx_http_apisec_body_access(r, alcf);

        /* apisec_openapi dry_run: logged, not refused */

        if (lrc >= NGX_HTTP_SPECIAL_RESPONSE && alcf->openapi_dry_run) {
            lrc = ngx_http_apisec_openapi_body_dry_run(r, lrc);
        }

        if (lrc != NGX_DECLINED) {
            if (lrc >= NGX_HTTP_SPECIAL_RESPONSE) {
                ngx_http_apisec_refusal(r, lrc,
                                        NGX_HTTP_APISEC_REFUSAL_INVALID_BODY,
                                        0);
            }

            return lrc;
        }
    }

    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (!(steps & NGX_HTTP_APISEC_STEP_AUTHN)) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_apisec_loc_ctx(r);

    return (ctx && ctx->authn) ? NGX_OK : NGX_DECLINED;
}


static ngx_int_t
ngx_http_apisec_header_filter(ngx_http_request_t *r)
{
    ngx_http_apisec_loc_conf_t  *alcf;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    if (!alcf->filter) {
        return ngx_http_next_header_filter(r);
    }

    if (alcf->headers
        && ngx_http_apisec_headers_set(r, alcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (alcf->cors.prepared
        && ngx_http_apisec_cors_headers_set(r, alcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* RateLimit-Policy, RateLimit (ngx_http_apisec_limit.c) */

    if (alcf->limit.headers
        && ngx_http_apisec_limit_headers(r) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* Allow on apisec_openapi's 405 */

    if (alcf->openapi
        && r->headers_out.status == NGX_HTTP_NOT_ALLOWED
        && ngx_http_apisec_openapi_headers(r) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (r->headers_out.status >= NGX_HTTP_BAD_REQUEST
        && alcf->error_format != NGX_HTTP_APISEC_ERRORS_HTML
        && ngx_http_apisec_error_header(r, alcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_apisec_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_http_apisec_ctx_t  *ctx;

    /* the answer to a subrequest of ours: collected, never sent */

    if (r != r->main && ngx_http_apisec_flight_is_ours(r)) {
        return ngx_http_apisec_flight_body(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    if (ctx == NULL || !ctx->replace_body) {
        return ngx_http_next_body_filter(r, in);
    }

    return ngx_http_apisec_error_body(r, in, ngx_http_next_body_filter);
}


static void *
ngx_http_apisec_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_apisec_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->hsts = { 0, NULL };
     *     conf->csp = { 0, NULL };
     *     conf->headers = NULL;
     *     conf->steps = 0;
     *     conf->filter = 0;
     */

    ngx_http_apisec_jwt_create_conf(&conf->jwt);
    ngx_http_apisec_apikey_create_conf(&conf->apikey);
    ngx_http_apisec_authz_create_conf(&conf->authz);

    conf->security_headers = NGX_CONF_UNSET;
    conf->https_only = NGX_CONF_UNSET_UINT;
    conf->https_port = NGX_CONF_UNSET_UINT;
    conf->trusted_proxies = NGX_CONF_UNSET_PTR;
    conf->error_format = NGX_CONF_UNSET_UINT;

    /* CORS and CSRF */
    ngx_http_apisec_cors_create_conf(&conf->cors);
    ngx_http_apisec_csrf_create_conf(&conf->csrf);

    /* rate limits and bans */
    ngx_http_apisec_limit_create_conf(&conf->limit);

    /* request bodies */
    ngx_http_apisec_body_create_conf(&conf->body);

    /* counters */
    conf->status_tag = NGX_CONF_UNSET_UINT;
    conf->status_format = NGX_CONF_UNSET_UINT;
    conf->admin = NGX_CONF_UNSET_UINT;

    /* request validation */
    ngx_http_apisec_openapi_create_conf(conf);

    return conf;
}


static char *
ngx_http_apisec_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_apisec_loc_conf_t *prev = parent;
    ngx_http_apisec_loc_conf_t *conf = child;

    ngx_uint_t                    status;
    ngx_http_core_loc_conf_t     *clcf;
    ngx_http_apisec_main_conf_t  *amcf;

    ngx_conf_merge_value(conf->security_headers, prev->security_headers, 0);

    /* a NULL data pointer is "not set here"; "" (non-NULL) is "off" */

    if (conf->hsts.data == NULL) {
        conf->hsts = prev->hsts;
    }

    if (conf->csp.data == NULL) {
        conf->csp = prev->csp;
    }

    ngx_conf_merge_uint_value(conf->https_only, prev->https_only,
                              NGX_HTTP_APISEC_OFF);
    ngx_conf_merge_uint_value(conf->https_port, prev->https_port, 443);
    ngx_conf_merge_ptr_value(conf->trusted_proxies, prev->trusted_proxies,
                             NULL);

    if (ngx_http_apisec_https_merge(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    /* stays unset unless some level says it: json is the default */

    ngx_conf_merge_uint_value(conf->error_format, prev->error_format,
                              NGX_CONF_UNSET_UINT);

    if (ngx_http_apisec_headers_merge(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_apisec_jwt_merge_conf(cf, &prev->jwt, &conf->jwt)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_apisec_apikey_merge_conf(cf, &prev->apikey, &conf->apikey)
        != NGX_CONF_OK
        || ngx_http_apisec_authz_merge_conf(cf, &prev->authz, &conf->authz)
           != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* CORS and CSRF */

    if (ngx_http_apisec_cors_merge(cf, prev, conf) != NGX_CONF_OK
        || ngx_http_apisec_csrf_merge(cf, prev, conf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* rate limits and bans: "apisec_limit off" leaves NULL */

    ngx_http_apisec_limit_merge_conf(&prev->limit, &conf->limit);

    ngx_http_apisec_body_merge_conf(&prev->body, &conf->body);

    ngx_conf_merge_uint_value(conf->status_tag, prev->status_tag, 0);

    /* request validation, after the authenticators it may require */

    if (ngx_http_apisec_openapi_merge(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    /* an apisec_status location's errors (405) are problem+json too */

    status = (conf->status_format != NGX_CONF_UNSET_UINT);
    ngx_conf_merge_uint_value(conf->status_format, prev->status_format, 0);

    /* apisec_admin: this location's own, never inherited */

    if (conf->admin == NGX_CONF_UNSET_UINT) {
        conf->admin = 0;
    }

    conf->steps = 0;

    if (conf->apikey.strip
        || (conf->jwt.token == NGX_HTTP_APISEC_JWT_TOKEN_QUERY
            && conf->jwt.token_strip))
    {
        conf->steps |= NGX_HTTP_APISEC_STEP_STRIP;
    }

    if (conf->https_only != NGX_HTTP_APISEC_OFF) {
        conf->steps |= NGX_HTTP_APISEC_STEP_HTTPS;
    }

    if (conf->cors.prepared) {
        conf->steps |= NGX_HTTP_APISEC_STEP_CORS;
    }

    if (conf->csrf.mode != NGX_HTTP_APISEC_OFF) {
        conf->steps |= NGX_HTTP_APISEC_STEP_CSRF;
    }

    if (conf->limit.bans) {
        conf->steps |= NGX_HTTP_APISEC_STEP_BAN;
    }

    if (conf->jwt.enable || conf->apikey.mode != NGX_HTTP_APISEC_APIKEY_OFF) {
        conf->steps |= NGX_HTTP_APISEC_STEP_AUTHN;
    }

    if (conf->authz.roles || conf->authz.scopes || conf->authz.claims) {
        conf->steps |= NGX_HTTP_APISEC_STEP_AUTHZ;
    }

    if (conf->limit.limits) {
        conf->steps |= NGX_HTTP_APISEC_STEP_LIMIT;
    }

    if (conf->body.schema) {
        conf->steps |= NGX_HTTP_APISEC_STEP_BODY;
    }

    /* an operation's JSON body is read and checked by the body step */

    if (conf->openapi) {
        conf->steps |= NGX_HTTP_APISEC_STEP_OPENAPI|NGX_HTTP_APISEC_STEP_BODY;
    }

    if (ngx_http_apisec_merge_check(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    /* a waivable refusal here: the pre-content check of status.c */

    if (conf->steps & (NGX_HTTP_APISEC_STEP_AUTHN|NGX_HTTP_APISEC_STEP_AUTHZ))
    {
        clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

        if (clcf->satisfy != NGX_HTTP_SATISFY_ALL) {
            amcf = ngx_http_conf_get_module_main_conf(cf,
                                                      ngx_http_apisec_module);
            amcf->waivable = 1;
        }
    }

    /*
     * nginx's own error pages become problem+json where the module does
     * something, or where apisec_error_format says so explicitly
     */

    conf->filter = (conf->headers != NULL || conf->steps || conf->cors.prepared
                    || conf->error_format != NGX_CONF_UNSET_UINT || status
                    || conf->admin);

    return NGX_CONF_OK;
}


/*
 * Configurations that pass every directive's own checks and still leave a
 * hole or a dead feature: refused where the result would be a hole (a
 * limit or ban that limits nothing), warned where it fails closed or may
 * be meant (a requirement nobody can meet refuses every request).
 */

static char *
ngx_http_apisec_merge_check(ngx_conf_t *cf, ngx_http_apisec_loc_conf_t *conf)
{
    ngx_uint_t              i;
    ngx_shm_zone_t         *zone;
    ngx_http_apisec_ban_t  *bans;

    if (conf->steps && ngx_http_apisec_merge_returns(cf)) {
        ngx_http_apisec_merge_error(cf, NGX_LOG_WARN, NULL,
                                    "\"return\" answers in the rewrite "
                                    "phase, before the access phase: the "
                                    "apisec checks of this location never "
                                    "run for what it answers");
    }

    if (conf->steps & NGX_HTTP_APISEC_STEP_AUTHN) {
        return NGX_CONF_OK;
    }

    if (conf->steps & NGX_HTTP_APISEC_STEP_AUTHZ) {
        ngx_http_apisec_merge_error(cf, NGX_LOG_WARN, &conf->authz.pos,
                                    "a requirement of \"apisec_require_*\" "
                                    "without \"apisec_jwt\", "
                                    "\"apisec_introspect\" or "
                                    "\"apisec_api_key\": every request is "
                                    "refused with 403");
    }

    zone = ngx_http_apisec_limit_identity(conf->limit.limits);

    if (zone) {
        ngx_http_apisec_merge_error(cf, NGX_LOG_EMERG,
                                    &conf->limit.limits_pos,
                                    "apisec_limit_zone \"%V\" is keyed on "
                                    "the caller's identity, but nothing "
                                    "authenticates here (\"apisec_jwt\", "
                                    "\"apisec_introspect\", "
                                    "\"apisec_api_key\"): the key is empty "
                                    "and the zone would limit nothing",
                                    &zone->shm.name);
        return NGX_CONF_ERROR;
    }

    if (conf->limit.bans) {
        bans = conf->limit.bans->elts;

        for (i = 0; i < conf->limit.bans->nelts; i++) {
            if (!ngx_http_apisec_shm_identity_key(bans[i].shm_zone)) {
                continue;
            }

            ngx_http_apisec_merge_error(cf, NGX_LOG_EMERG,
                                        &conf->limit.bans_pos,
                                        "apisec_ban_zone \"%V\" is keyed on "
                                        "the caller's identity, but nothing "
                                        "authenticates here: the key is "
                                        "empty and the zone would ban "
                                        "nothing",
                                        &bans[i].shm_zone->shm.name);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/*
 * Whether the rewrite module answers in this location ("return", also
 * inside "if"): its compiled codes hold ngx_http_script_return_code().
 * The rewrite module keeps its conf private; its first member, the codes,
 * has been the same since nginx 0.6.
 */

typedef struct {
    ngx_array_t                *codes;
} ngx_http_apisec_rewrite_loc_conf_t;


static ngx_uint_t
ngx_http_apisec_merge_returns(ngx_conf_t *cf)
{
    u_char                              *p, *last;
    uintptr_t                            code;
    ngx_uint_t                           i;
    ngx_module_t                       **modules;
    ngx_http_apisec_rewrite_loc_conf_t  *rlcf;

    modules = cf->cycle->modules;

    for (i = 0; modules[i]; i++) {
        if (ngx_strcmp(modules[i]->name, "ngx_http_rewrite_module") == 0) {
            break;
        }
    }

    if (modules[i] == NULL) {
        return 0;
    }

    rlcf = ((ngx_http_conf_ctx_t *) cf->ctx)->loc_conf[modules[i]->ctx_index];

    if (rlcf == NULL || rlcf->codes == NULL) {
        return 0;
    }

    p = rlcf->codes->elts;
    last = p + rlcf->codes->nelts * rlcf->codes->size;

    for ( /* void */ ; p + sizeof(uintptr_t) <= last;
         p += sizeof(uintptr_t))
    {
        ngx_memcpy(&code, p, sizeof(uintptr_t));

        if (code == (uintptr_t) ngx_http_script_return_code) {
            return 1;
        }
    }

    return 0;
}


static ngx_int_t
ngx_http_apisec_preconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_apisec_limit_add_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_apisec_jwks_add_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_apisec_add_variables(cf);
}


static ngx_int_t
ngx_http_apisec_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt          *h;
    ngx_http_core_main_conf_t    *cmcf;
    ngx_http_apisec_main_conf_t  *amcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apisec_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_apisec_access_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_apisec_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_apisec_body_filter;

    /* apisec_ban statuses=, reset=: the final status (ban.c) */

    if (amcf->ban_log) {
        h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        *h = ngx_http_apisec_ban_log;
    }

    /* $apisec_refusal under "satisfy any", the counters */

    return ngx_http_apisec_status_init(cf, ngx_http_apisec_access_handler);
}


/*
 * What a process keeps for its whole life outside the cycle's pool (the
 * digests, the parsed-token cache) is freed as it exits: nginx unloads the
 * module then, and with it the only pointers to them.
 */

static void
ngx_http_apisec_exit(ngx_cycle_t *cycle)
{
    ngx_http_apisec_jwt_exit();
    ngx_http_apisec_digest_exit();
    ngx_http_apisec_redis_exit(cycle);
}
