
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


static ngx_http_apisec_req_t *ngx_http_apisec_req_find(ngx_http_request_t *r);
static void ngx_http_apisec_req_cleanup(void *data);


/*
 * The request-state layer.  Two kinds of state, as realip and limit_req
 * keep theirs:
 *
 * - the ctx (r->ctx): what one location decided (verdicts, identity, the
 *   refusal to render), made under that location's conf and read again
 *   only there; internal redirects reset r->ctx, so the next location
 *   decides anew;
 *
 * - the request state (ngx_http_apisec_req_t): what belongs to the main
 *   request whatever locations it passes through (the rate-limit zones
 *   that charged it, a query key taken out of it, every ctx it had), in a
 *   single pool cleanup.  Each ctx points to it; only after an internal
 *   redirect, when r->ctx is empty, is the cleanup list walked to find it
 *   again.
 */

ngx_http_apisec_req_t *
ngx_http_apisec_req(ngx_http_request_t *r, ngx_uint_t create)
{
    ngx_http_apisec_ctx_t  *ctx;

    r = r->main;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    if (ctx) {
        return ctx->req;
    }

    if (!create) {
        return ngx_http_apisec_req_find(r);
    }

    /* the request state is always reached through a ctx */

    ctx = ngx_http_apisec_get_ctx(r);

    return ctx ? ctx->req : NULL;
}


/* after an internal redirect, which resets r->ctx, only */

static ngx_http_apisec_req_t *
ngx_http_apisec_req_find(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t  *cln;

    if (!r->internal && !r->filter_finalize) {
        return NULL;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_apisec_req_cleanup) {
            return cln->data;
        }
    }

    return NULL;
}


/*
 * The ctx of this request in this location: made anew after an internal
 * redirect (which resets r->ctx) and after "rewrite ... last" into a
 * location of another conf, so that nothing decided under one location's
 * conf is taken for another's.
 */

ngx_http_apisec_ctx_t *
ngx_http_apisec_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t          *cln;
    ngx_http_apisec_req_t       *req;
    ngx_http_apisec_ctx_t       *ctx;
    ngx_http_apisec_loc_conf_t  *alcf;

    r = r->main;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    if (ctx && ctx->conf == alcf) {
        return ctx;
    }

    req = ctx ? ctx->req : ngx_http_apisec_req_find(r);

    if (req == NULL) {
        /* the request state and its first ctx in one allocation */

        cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_apisec_req_t)
                                            + sizeof(ngx_http_apisec_ctx_t));
        if (cln == NULL) {
            return NULL;
        }

        req = cln->data;
        ngx_memzero(req, sizeof(ngx_http_apisec_req_t)
                         + sizeof(ngx_http_apisec_ctx_t));

        cln->handler = ngx_http_apisec_req_cleanup;

        ctx = (ngx_http_apisec_ctx_t *) &req[1];

    } else {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_apisec_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }
    }

    ctx->conf = alcf;
    ctx->req = req;
    ctx->prev = req->ctx;
    req->ctx = ctx;

    ngx_http_set_ctx(r, ctx, ngx_http_apisec_module);

    return ctx;
}


/*
 * The ctx of the request, or after an internal redirect the last one it
 * had: for reading what was established before the redirect (the logs),
 * never for a verdict, and never made the current ctx again.
 */

ngx_http_apisec_ctx_t *
ngx_http_apisec_find_ctx(ngx_http_request_t *r)
{
    ngx_http_apisec_req_t  *req;
    ngx_http_apisec_ctx_t  *ctx;

    r = r->main;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    if (ctx) {
        return ctx;
    }

    req = ngx_http_apisec_req_find(r);

    return req ? req->ctx : NULL;
}


/*
 * The ctx whose verdicts may serve this location: one made under this
 * location's conf, or none.  A result is reused only where it was made
 * for the same conf; anywhere else it is computed again.
 */

ngx_http_apisec_ctx_t *
ngx_http_apisec_loc_ctx(ngx_http_request_t *r)
{
    ngx_http_apisec_req_t       *req;
    ngx_http_apisec_ctx_t       *ctx;
    ngx_http_apisec_loc_conf_t  *alcf;

    r = r->main;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    if (ctx == NULL) {
        /* after an internal redirect: the newest ctx, if its conf's */

        req = ngx_http_apisec_req_find(r);
        ctx = req ? req->ctx : NULL;
    }

    return (ctx && ctx->conf == alcf) ? ctx : NULL;
}


static void
ngx_http_apisec_req_cleanup(void *data)
{
    ngx_http_apisec_req_t  *req = data;

    ngx_http_apisec_ctx_t  *ctx;

    for (ctx = req->ctx; ctx; ctx = ctx->prev) {

        if (ctx->jwt_header) {
            json_decref(ctx->jwt_header);
        }

        if (ctx->jwt_claims) {
            json_decref(ctx->jwt_claims);
        }
    }
}


/* how many request headers of that name, and the value of the first */

ngx_uint_t
ngx_http_apisec_request_header(ngx_http_request_t *r, ngx_str_t *name,
    ngx_str_t *value)
{
    ngx_uint_t        i, n;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    n = 0;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len != name->len
            || ngx_strncasecmp(h[i].key.data, name->data, name->len) != 0)
        {
            continue;
        }

        if (n++ == 0) {
            *value = h[i].value;
        }
    }

    return n;
}


/*
 * An address in a list of CIDRs (an API key's allow=, the trusted
 * proxies).  An IPv4-mapped IPv6 address (an IPv4 client of a dual-stack
 * "listen [::]:... ipv6only=off") is matched as its IPv4 address, as
 * ngx_cidr_match() itself would: but nginx 1.22.1's ngx_cidr_match() builds
 * that address with "p[12] << 24", a signed shift that overflows for
 * 128.0.0.0 and above (undefined behaviour; UBSan stops the worker), so it
 * is handed a sockaddr_in instead.
 */

ngx_uint_t
ngx_http_apisec_cidr_match(struct sockaddr *sa, ngx_array_t *cidrs)
{
#if (NGX_HAVE_INET6)
    struct sockaddr_in    sin;
    struct sockaddr_in6  *sin6;

    if (sa->sa_family == AF_INET6) {
        sin6 = (struct sockaddr_in6 *) sa;

        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            ngx_memzero(&sin, sizeof(struct sockaddr_in));
            sin.sin_family = AF_INET;
            ngx_memcpy(&sin.sin_addr.s_addr, &sin6->sin6_addr.s6_addr[12],
                       4);

            return ngx_cidr_match((struct sockaddr *) &sin, cidrs) == NGX_OK;
        }
    }
#endif

    return ngx_cidr_match(sa, cidrs) == NGX_OK;
}


/*
 * Whether the request is already refused or answered (a ban, plain HTTP, a
 * preflight, an error page, the header sent): a variable read alone then
 * computes no authentication, so that such a request costs no
 * verification.  The access phase never asks.
 */

ngx_uint_t
ngx_http_apisec_answered(ngx_http_request_t *r, ngx_http_apisec_ctx_t *ctx)
{
    return (r->header_sent
            || (ctx && (ctx->status || ctx->cors_preflight))
            || (r->headers_out.status
                && (r->headers_out.status < NGX_HTTP_OK
                    || r->headers_out.status >= NGX_HTTP_SPECIAL_RESPONSE)));
}
