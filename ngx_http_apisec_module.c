
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


static ngx_int_t ngx_http_apisec_access_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static void *ngx_http_apisec_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_apisec_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
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
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apisec_jwt_token,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apisec_jwt_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
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
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apisec_jwt_key_request,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, jwt.key_request),
      NULL },

    { ngx_string("apisec_jwt_key_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE123,
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
      offsetof(ngx_http_apisec_loc_conf_t, cors_methods),
      NULL },

    { ngx_string("apisec_cors_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_cors_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, cors_headers),
      NULL },

    { ngx_string("apisec_cors_expose_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apisec_cors_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, cors_expose),
      NULL },

    { ngx_string("apisec_cors_credentials"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, cors_credentials),
      NULL },

    { ngx_string("apisec_cors_max_age"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, cors_max_age),
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
      offsetof(ngx_http_apisec_loc_conf_t, limit_headers),
      NULL },

    { ngx_string("apisec_limit_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, limit_status),
      &ngx_http_apisec_limit_status_bounds },

    { ngx_string("apisec_limit_log_level"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_loc_conf_t, limit_log_level),
      &ngx_http_apisec_limit_log_levels },

    { ngx_string("apisec_ban_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_apisec_ban_zone,
      0,
      0,
      NULL },

    { ngx_string("apisec_ban"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apisec_ban,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_apisec_module_ctx = {
    ngx_http_apisec_preconfiguration,      /* preconfiguration */
    ngx_http_apisec_init,                  /* postconfiguration */

    NULL,                                  /* create main configuration */
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
 * The access-phase pipeline, in its documented order: cheap refusals come
 * before expensive ones.  NGX_DECLINED where there is nothing to do: under
 * "satisfy any", NGX_OK would grant access.
 */

static ngx_int_t
ngx_http_apisec_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc, lrc;
    ngx_uint_t                   authenticated;
    ngx_http_core_loc_conf_t    *clcf;
    ngx_http_apisec_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    authenticated = 0;

    if (!alcf->access) {
        return NGX_DECLINED;
    }

    /* the subrequests that fetch keys or introspect tokens: the operator's */

    if (ngx_http_apisec_flight_is_ours(r)) {
        return NGX_DECLINED;
    }

    /*
     * a key in the query string leaves the request line first, so that no
     * refusal below (nor the access log) ever shows it
     */

    if (alcf->apikey.strip
        && ngx_http_apisec_apikey_strip(r, &alcf->apikey) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (alcf->https_only != NGX_HTTP_APISEC_OFF) {
        rc = ngx_http_apisec_https_access(r, alcf);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    /* CORS preflight (204 or 403), then CSRF: before bans and credentials */

    if (alcf->cors || alcf->csrf != NGX_HTTP_APISEC_OFF) {
        rc = ngx_http_apisec_cors_access(r, alcf);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    /* bans: a banned key is refused before any cryptography (limit.h) */

    if (alcf->bans) {
        rc = ngx_http_apisec_ban_access(r);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    /*
     * authentication (JWT, introspection, API key): NGX_OK, which
     * "satisfy any" takes as a grant; or NGX_AGAIN while a subrequest
     * fetches keys or introspects the token: the handler then runs again
     * from the start, and what it did before counts nothing twice (bans
     * only look, limits come after); then authorization, of whoever
     * authenticated the caller.  Every result read here was made for this
     * location's conf, in this pass or an earlier one of the same location
     * (ngx_http_apisec_loc_ctx()): never one of the location a request was
     * redirected from.
     */

    rc = NGX_OK;

    if (alcf->jwt.enable || alcf->apikey.mode != NGX_HTTP_APISEC_APIKEY_OFF)
    {
        rc = ngx_http_apisec_authn_access(r, alcf);

        if (rc == NGX_OK) {
            authenticated = 1;
        }
    }

    if (rc == NGX_OK
        && (alcf->authz.roles || alcf->authz.scopes || alcf->authz.claims))
    {
        rc = ngx_http_apisec_authz_access(r, alcf);
    }

    if (rc != NGX_OK) {

        /*
         * a waivable refusal (401, 403) under "satisfy any": another
         * access module may still grant the request, and rate limits are
         * final under any "satisfy", so they are applied now
         */

        if ((rc != NGX_HTTP_UNAUTHORIZED && rc != NGX_HTTP_FORBIDDEN)
            || alcf->limits == NULL)
        {
            return rc;
        }

        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

        if (clcf->satisfy == NGX_HTTP_SATISFY_ALL) {
            return rc;
        }
    }

    /*
     * rate limits, after authentication so that keys may name the
     * consumer: 429 (final under any "satisfy"), or NGX_AGAIN while a
     * request within the burst is delayed; each zone charged once per
     * main request, whatever locations it passes through
     */

    if (alcf->limits) {
        lrc = ngx_http_apisec_limit_access(r);
        if (lrc != NGX_DECLINED) {
            return lrc;
        }
    }

    if (rc != NGX_OK) {
        return rc;
    }

    return authenticated ? NGX_OK : NGX_DECLINED;
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

    if (alcf->cors
        && ngx_http_apisec_cors_headers_set(r, alcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* RateLimit-Policy, RateLimit (ngx_http_apisec_limit.c) */

    if (alcf->limit_headers
        && ngx_http_apisec_limit_headers(r) != NGX_OK)
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
     *     conf->access = 0;
     *     conf->filter = 0;
     */

    ngx_http_apisec_jwt_create_conf(&conf->jwt);
    ngx_http_apisec_apikey_create_conf(&conf->apikey);
    ngx_http_apisec_authz_create_conf(&conf->authz);

    conf->security_headers = NGX_CONF_UNSET;
    conf->https_only = NGX_CONF_UNSET_UINT;
    conf->https_port = NGX_CONF_UNSET_UINT;
    conf->error_format = NGX_CONF_UNSET_UINT;

    /* CORS and CSRF */
    conf->cors_origins = NGX_CONF_UNSET_PTR;
    conf->cors_methods = NGX_CONF_UNSET_PTR;
    conf->cors_headers = NGX_CONF_UNSET_PTR;
    conf->cors_expose = NGX_CONF_UNSET_PTR;
    conf->cors_credentials = NGX_CONF_UNSET;
    conf->cors_max_age = NGX_CONF_UNSET;
    conf->csrf = NGX_CONF_UNSET_UINT;
    conf->csrf_always = NGX_CONF_UNSET;

    /* rate limits and bans */
    conf->limits = NGX_CONF_UNSET_PTR;
    conf->bans = NGX_CONF_UNSET_PTR;
    conf->limit_headers = NGX_CONF_UNSET;
    conf->limit_status = NGX_CONF_UNSET_UINT;
    conf->limit_log_level = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_apisec_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_apisec_loc_conf_t *prev = parent;
    ngx_http_apisec_loc_conf_t *conf = child;

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

    ngx_conf_merge_ptr_value(conf->limits, prev->limits, NULL);
    ngx_conf_merge_ptr_value(conf->bans, prev->bans, NULL);
    ngx_conf_merge_value(conf->limit_headers, prev->limit_headers, 0);
    ngx_conf_merge_uint_value(conf->limit_status, prev->limit_status,
                              NGX_HTTP_TOO_MANY_REQUESTS);
    ngx_conf_merge_uint_value(conf->limit_log_level, prev->limit_log_level,
                              NGX_LOG_INFO);

    conf->access = (conf->https_only != NGX_HTTP_APISEC_OFF
                    || conf->jwt.enable
                    || conf->apikey.mode != NGX_HTTP_APISEC_APIKEY_OFF
                    || conf->authz.roles || conf->authz.scopes
                    || conf->authz.claims
                    || conf->cors || conf->csrf != NGX_HTTP_APISEC_OFF
                    || conf->limits || conf->bans);

    /*
     * nginx's own error pages become problem+json where the module does
     * something, or where apisec_error_format says so explicitly
     */

    conf->filter = (conf->headers != NULL || conf->access || conf->cors
                    || conf->error_format != NGX_CONF_UNSET_UINT);

    return NGX_CONF_OK;
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
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_apisec_access_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_apisec_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_apisec_body_filter;

    return NGX_OK;
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
}
