
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


/*
 * $apisec_refusal: one stable word for every refusal the module makes, set
 * by the access pipeline after the step that refused, kept in the request
 * state (it survives error_page), counted by the status (status.c).
 */


/* $apisec_refusal's words, and the reason label: NGX_HTTP_APISEC_REFUSAL_* */

static ngx_str_t  ngx_http_apisec_refusals[] = {
    ngx_null_string,
    ngx_string("https_required"),
    ngx_string("cors_preflight"),
    ngx_string("csrf"),
    ngx_string("banned"),
    ngx_string("missing_credentials"),
    ngx_string("invalid_request"),
    ngx_string("invalid_token"),
    ngx_string("expired_token"),
    ngx_string("unknown_key"),
    ngx_string("inactive_token"),
    ngx_string("invalid_api_key"),
    ngx_string("expired_api_key"),
    ngx_string("unavailable"),
    ngx_string("not_authenticated"),
    ngx_string("role_required"),
    ngx_string("insufficient_scope"),
    ngx_string("claim_not_met"),
    ngx_string("rate_limited"),
    ngx_string("internal_error"),
    ngx_string("invalid_request_body"),
    ngx_string("unknown_path"),
    ngx_string("method_not_allowed"),
    ngx_string("invalid_parameter"),
    ngx_string("unsupported_media_type"),
    ngx_string("security_requirement")
};


/* a bearer token's result (NGX_HTTP_APISEC_JWT_*) as a refusal */

static u_char  ngx_http_apisec_refusal_jwt[] = {
    NGX_HTTP_APISEC_REFUSAL_ERROR,              /* none */
    NGX_HTTP_APISEC_REFUSAL_ERROR,              /* ok: not refused here */
    NGX_HTTP_APISEC_REFUSAL_MISSING,
    NGX_HTTP_APISEC_REFUSAL_INVALID_REQUEST,
    NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN,      /* too_large */
    NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN,      /* malformed */
    NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN,      /* bad_alg */
    NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN,      /* bad_type */
    NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN,      /* crit */
    NGX_HTTP_APISEC_REFUSAL_UNKNOWN_KEY,
    NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN,      /* bad_signature */
    NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN,      /* bad_claim */
    NGX_HTTP_APISEC_REFUSAL_EXPIRED_TOKEN,
    NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN,      /* not_yet_valid */
    NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN,      /* issued_in_future */
    NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN,      /* bad_issuer */
    NGX_HTTP_APISEC_REFUSAL_INVALID_TOKEN,      /* bad_audience */
    NGX_HTTP_APISEC_REFUSAL_ERROR,              /* error */
    NGX_HTTP_APISEC_REFUSAL_INACTIVE_TOKEN,
    NGX_HTTP_APISEC_REFUSAL_UNAVAILABLE,
    NGX_HTTP_APISEC_REFUSAL_ERROR               /* pending */
};


/* an API key's result (NGX_HTTP_APISEC_APIKEY_*) as a refusal */

static u_char  ngx_http_apisec_refusal_apikey[] = {
    NGX_HTTP_APISEC_REFUSAL_ERROR,              /* none */
    NGX_HTTP_APISEC_REFUSAL_ERROR,              /* ok: not refused here */
    NGX_HTTP_APISEC_REFUSAL_MISSING,
    NGX_HTTP_APISEC_REFUSAL_INVALID_REQUEST,    /* several keys */
    NGX_HTTP_APISEC_REFUSAL_INVALID_API_KEY,    /* unknown */
    NGX_HTTP_APISEC_REFUSAL_INVALID_API_KEY,    /* revoked */
    NGX_HTTP_APISEC_REFUSAL_EXPIRED_API_KEY,
    NGX_HTTP_APISEC_REFUSAL_INVALID_API_KEY,    /* address not allowed */
    NGX_HTTP_APISEC_REFUSAL_ERROR               /* error */
};


/*
 * A step of the access pipeline ended with rc: if that is a refusal
 * (anything but going on, waiting, or granting), the request's first
 * refusal is this reason; a waivable one (401, 403 under "satisfy any")
 * may still be waived by another access module, or replaced by the rate
 * limits' refusal, which comes after it.
 */

void
ngx_http_apisec_refusal(ngx_http_request_t *r, ngx_int_t rc,
    ngx_uint_t reason, ngx_uint_t waivable)
{
    ngx_http_apisec_ctx_t     *ctx;
    ngx_http_apisec_req_t     *req;
    ngx_http_core_loc_conf_t  *clcf;

    if (rc == NGX_DECLINED || rc == NGX_AGAIN || rc == NGX_OK) {
        return;
    }

    if (rc == NGX_HTTP_INTERNAL_SERVER_ERROR || rc == NGX_ERROR) {
        reason = NGX_HTTP_APISEC_REFUSAL_ERROR;
        waivable = 0;
    }

    if (waivable) {
        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
        waivable = (clcf->satisfy != NGX_HTTP_SATISFY_ALL);
    }

    ctx = ngx_http_apisec_get_ctx(r);
    if (ctx == NULL) {
        return;
    }

    req = ctx->req;

    if (req->refusal != NGX_HTTP_APISEC_REFUSAL_NONE && req->waivable == NULL)
    {
        return;
    }

    req->refusal = reason;
    req->waivable = waivable ? ctx : NULL;
}


/*
 * Why authentication refused: the result that $apisec_auth_result shows
 * (ngx_http_apisec_authn_result()), read from this location's ctx.
 */

ngx_uint_t
ngx_http_apisec_refusal_authn(ngx_http_request_t *r)
{
    ngx_uint_t              jr, kr;
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_apisec_loc_ctx(r);

    if (ctx == NULL) {
        return NGX_HTTP_APISEC_REFUSAL_ERROR;
    }

    jr = ctx->jwt_conf ? ctx->jwt_result : NGX_HTTP_APISEC_JWT_MISSING;
    kr = ctx->apikey_conf ? ctx->apikey_result
                          : NGX_HTTP_APISEC_APIKEY_MISSING;

    if (kr != NGX_HTTP_APISEC_APIKEY_MISSING
        && (jr == NGX_HTTP_APISEC_JWT_MISSING
            || kr == NGX_HTTP_APISEC_APIKEY_OK))
    {
        return (kr < sizeof(ngx_http_apisec_refusal_apikey))
               ? ngx_http_apisec_refusal_apikey[kr]
               : NGX_HTTP_APISEC_REFUSAL_ERROR;
    }

    return (jr < sizeof(ngx_http_apisec_refusal_jwt))
           ? ngx_http_apisec_refusal_jwt[jr] : NGX_HTTP_APISEC_REFUSAL_ERROR;
}


/* why authorization refused: its result's name, one of four */

ngx_uint_t
ngx_http_apisec_refusal_authz(ngx_http_request_t *r)
{
    ngx_str_t              *s;
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_apisec_loc_ctx(r);

    if (ctx == NULL || ctx->authz_result == NULL) {
        return NGX_HTTP_APISEC_REFUSAL_ERROR;
    }

    s = ctx->authz_result;

    if (s->len == sizeof("role_required") - 1
        && ngx_strncmp(s->data, "role_required", s->len) == 0)
    {
        return NGX_HTTP_APISEC_REFUSAL_ROLE;
    }

    if (s->len == sizeof("insufficient_scope") - 1
        && ngx_strncmp(s->data, "insufficient_scope", s->len) == 0)
    {
        return NGX_HTTP_APISEC_REFUSAL_SCOPE;
    }

    if (s->len == sizeof("not_authenticated") - 1
        && ngx_strncmp(s->data, "not_authenticated", s->len) == 0)
    {
        return NGX_HTTP_APISEC_REFUSAL_NOT_AUTHENTICATED;
    }

    /* claim_not_met, claim_missing, claim_type_mismatch */

    return NGX_HTTP_APISEC_REFUSAL_CLAIM;
}


/* $apisec_refusal: NULL when the module refused nothing */

ngx_str_t *
ngx_http_apisec_refusal_name(ngx_http_request_t *r)
{
    ngx_http_apisec_req_t  *req;

    req = ngx_http_apisec_req(r->main, 0);

    if (req == NULL || req->refusal == NGX_HTTP_APISEC_REFUSAL_NONE
        || req->refusal >= NGX_HTTP_APISEC_REFUSAL_N)
    {
        return NULL;
    }

    return &ngx_http_apisec_refusals[req->refusal];
}


/* a reason's word, NGX_HTTP_APISEC_REFUSAL_*: the status's label too */

ngx_str_t *
ngx_http_apisec_refusal_word(ngx_uint_t reason)
{
    return &ngx_http_apisec_refusals[reason];
}
