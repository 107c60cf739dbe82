
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


static ngx_int_t ngx_http_apisec_authn_challenge(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_uint_t bearer);


/*
 * Who the caller is: the one place that runs the authenticators of a
 * location (JWT, introspection, API key) and combines them, once per
 * request and location, and stores the identity in the ctx.  Authorization,
 * limits and the variables only read it (ngx_http_apisec_identity()).
 */


/*
 * Authentication, JWT and API key together.  With both on, either valid
 * credential authenticates the request; a credential that is presented
 * and invalid is refused even when the other kind is valid; with neither,
 * 401 offers both challenges.  NGX_DECLINED when authenticated (the
 * identity is in ctx->authn, and the pipeline ends with NGX_OK, which
 * "satisfy any" takes as a grant); the refusals are waivable.
 */

ngx_int_t
ngx_http_apisec_authn_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    ngx_int_t               rc;
    ngx_uint_t              jr, kr;
    ngx_http_apisec_ctx_t  *ctx;

    if (alcf->apikey.mode == NGX_HTTP_APISEC_APIKEY_OFF) {
        rc = ngx_http_apisec_jwt_access(r, &alcf->jwt);

        if (rc != NGX_OK) {
            return rc;
        }

        ctx = ngx_http_apisec_get_ctx(r);
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ctx->authn = NGX_HTTP_APISEC_AUTHN_BEARER;

        return NGX_DECLINED;
    }

    jr = NGX_HTTP_APISEC_JWT_MISSING;

    if (alcf->jwt.enable) {
        ctx = ngx_http_apisec_jwt_result(r, 1);
        jr = (ctx && ctx->jwt_conf == &alcf->jwt) ? ctx->jwt_result
                                                  : NGX_HTTP_APISEC_JWT_NONE;

        if (jr != NGX_HTTP_APISEC_JWT_OK && jr != NGX_HTTP_APISEC_JWT_MISSING)
        {
            return ngx_http_apisec_jwt_access(r, &alcf->jwt);
        }
    }

    ctx = ngx_http_apisec_apikey_result(r, 1);

    /* a result never computed for this location is never a grant */

    if (ctx == NULL || ctx->apikey_conf != &alcf->apikey) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apisec: API key not checked");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    kr = ctx->apikey_result;

    if (kr == NGX_HTTP_APISEC_APIKEY_ERROR
        || kr == NGX_HTTP_APISEC_APIKEY_NONE
        || (kr == NGX_HTTP_APISEC_APIKEY_OK && ctx->consumer == NULL))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (kr == NGX_HTTP_APISEC_APIKEY_OK) {
        ctx->authn = (jr == NGX_HTTP_APISEC_JWT_OK)
                     ? NGX_HTTP_APISEC_AUTHN_BEARER
                     : NGX_HTTP_APISEC_AUTHN_APIKEY;

        return NGX_DECLINED;
    }

    if (kr == NGX_HTTP_APISEC_APIKEY_MISSING
        && jr == NGX_HTTP_APISEC_JWT_OK)
    {
        ctx->authn = NGX_HTTP_APISEC_AUTHN_BEARER;
        return NGX_DECLINED;
    }

    if (kr == NGX_HTTP_APISEC_APIKEY_SEVERAL) {
        return ngx_http_apisec_refuse(r, NGX_HTTP_BAD_REQUEST, 0,
                              ngx_http_apisec_apikey_result_detail(kr));
    }

    if (ngx_http_apisec_authn_challenge(r, alcf,
                                         kr == NGX_HTTP_APISEC_APIKEY_MISSING
                                         && alcf->jwt.enable)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_apisec_refuse(r, NGX_HTTP_UNAUTHORIZED, 1,
                (kr == NGX_HTTP_APISEC_APIKEY_MISSING && alcf->jwt.enable)
                ? "credentials required"
                : ngx_http_apisec_apikey_result_detail(kr));
}


/*
 * RFC 9110, 11.6.1: a 401 carries at least one challenge.  An API key has
 * no registered scheme; "ApiKey realm=..." names what the server wants
 * without pretending to be another scheme.  With JWT on too and no
 * credential at all, both challenges, the Bearer one first.
 */

static ngx_int_t
ngx_http_apisec_authn_challenge(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_uint_t bearer)
{
    u_char     *p;
    size_t      len;
    ngx_str_t   name, value, realm;

    if (alcf->jwt.enable) {
        realm = alcf->jwt.realm;

    } else {
        ngx_str_set(&realm, "api");
    }

    len = sizeof("ApiKey realm=\"\"") - 1 + realm.len;

    if (bearer) {
        len += alcf->jwt.challenge.len + sizeof(", ") - 1;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value.data = p;

    if (bearer) {
        p = ngx_cpymem(p, alcf->jwt.challenge.data, alcf->jwt.challenge.len);
        *p++ = ',';
        *p++ = ' ';
    }

    p = ngx_cpymem(p, "ApiKey realm=\"", sizeof("ApiKey realm=\"") - 1);
    p = ngx_cpymem(p, realm.data, realm.len);
    *p++ = '"';

    value.len = p - value.data;

    ngx_str_set(&name, "WWW-Authenticate");

    r->headers_out.www_authenticate = ngx_http_apisec_set_header(r, &name,
                                                                 &value);
    if (r->headers_out.www_authenticate == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The identity that authenticated the request, for authorization and the
 * variables: a bearer token's claims (ctx->jwt_claims, whoever put them
 * there), else an API key's consumer.  The access phase ("access") reads
 * only what its own authentication step decided in this location; a
 * variable computes it at the first need in a location that authenticates,
 * and in one that does not (an error page, a named location after an
 * internal redirect) reads the identity established before, for the logs.
 */

ngx_uint_t
ngx_http_apisec_identity(ngx_http_request_t *r, ngx_http_apisec_ctx_t **ctxp,
    ngx_uint_t access)
{
    ngx_http_apisec_ctx_t       *ctx;
    ngx_http_apisec_loc_conf_t  *alcf;

    r = r->main;

    ctx = ngx_http_apisec_loc_ctx(r);
    *ctxp = ctx;

    if (ctx && ctx->authn) {
        return ctx->authn;
    }

    if (access) {
        return NGX_HTTP_APISEC_AUTHN_NONE;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    if (!alcf->jwt.enable && alcf->apikey.mode == NGX_HTTP_APISEC_APIKEY_OFF)
    {
        ctx = ngx_http_apisec_find_ctx(r);
        *ctxp = ctx;

        return ctx ? ctx->authn : NGX_HTTP_APISEC_AUTHN_NONE;
    }

    ctx = ngx_http_apisec_jwt_result(r, 0);

    if (ctx && ctx->jwt_conf == &alcf->jwt
        && ctx->jwt_result == NGX_HTTP_APISEC_JWT_OK)
    {
        *ctxp = ctx;
        return NGX_HTTP_APISEC_AUTHN_BEARER;
    }

    ctx = ngx_http_apisec_apikey_result(r, 0);

    if (ctx && ctx->apikey_conf == &alcf->apikey && ctx->consumer
        && ctx->apikey_result == NGX_HTTP_APISEC_APIKEY_OK)
    {
        *ctxp = ctx;
        return NGX_HTTP_APISEC_AUTHN_APIKEY;
    }

    *ctxp = ctx;

    return NGX_HTTP_APISEC_AUTHN_NONE;
}


/*
 * $apisec_auth_result: authorization's refusal, after a successful
 * authentication; else the JWT's result, unless an API key decided (it
 * authenticated the request, or it was presented and refused while the
 * JWT was missing); NULL: nothing was decided.
 */

ngx_str_t *
ngx_http_apisec_authn_result(ngx_http_request_t *r)
{
    ngx_http_apisec_ctx_t  *ctx, *kctx;

    ctx = ngx_http_apisec_find_ctx(r);

    if (ctx && ctx->authz_result) {
        return ctx->authz_result;
    }

    ctx = ngx_http_apisec_jwt_result(r, 0);
    kctx = ngx_http_apisec_apikey_result(r, 0);

    if (kctx && kctx->apikey_conf
        && kctx->apikey_result != NGX_HTTP_APISEC_APIKEY_MISSING
        && (ctx == NULL || ctx->jwt_conf == NULL
            || ctx->jwt_result == NGX_HTTP_APISEC_JWT_MISSING
            || kctx->apikey_result == NGX_HTTP_APISEC_APIKEY_OK))
    {
        return ngx_http_apisec_apikey_result_name(kctx->apikey_result);
    }

    if (ctx && ctx->jwt_conf) {
        return ngx_http_apisec_jwt_result_name(ctx->jwt_result);
    }

    if (kctx && kctx->apikey_conf) {
        return ngx_http_apisec_apikey_result_name(kctx->apikey_result);
    }

    return NULL;
}
