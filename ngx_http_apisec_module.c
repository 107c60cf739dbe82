
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
static ngx_int_t ngx_http_apisec_init(ngx_conf_t *cf);


static ngx_conf_enum_t  ngx_http_apisec_error_formats[] = {
    { ngx_string("json"), NGX_HTTP_APISEC_ERRORS_JSON },
    { ngx_string("html"), NGX_HTTP_APISEC_ERRORS_HTML },
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

      ngx_null_command
};


static ngx_http_module_t  ngx_http_apisec_module_ctx = {
    NULL,                                  /* preconfiguration */
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
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
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
    ngx_int_t                    rc;
    ngx_http_apisec_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    if (!alcf->access) {
        return NGX_DECLINED;
    }

    if (alcf->https_only != NGX_HTTP_APISEC_OFF) {
        rc = ngx_http_apisec_https_access(r, alcf);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    return NGX_DECLINED;
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

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    if (ctx == NULL || !ctx->replace_body) {
        return ngx_http_next_body_filter(r, in);
    }

    return ngx_http_apisec_error_body(r, in, ngx_http_next_body_filter);
}


ngx_http_apisec_ctx_t *
ngx_http_apisec_get_ctx(ngx_http_request_t *r)
{
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_apisec_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_apisec_module);
    }

    return ctx;
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

    conf->security_headers = NGX_CONF_UNSET;
    conf->https_only = NGX_CONF_UNSET_UINT;
    conf->https_port = NGX_CONF_UNSET_UINT;
    conf->error_format = NGX_CONF_UNSET_UINT;

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

    conf->access = (conf->https_only != NGX_HTTP_APISEC_OFF);

    /*
     * nginx's own error pages become problem+json where the module does
     * something, or where apisec_error_format says so explicitly
     */

    conf->filter = (conf->headers != NULL || conf->access
                    || conf->error_format != NGX_CONF_UNSET_UINT);

    return NGX_CONF_OK;
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
