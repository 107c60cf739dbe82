
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <openssl/crypto.h>
#include "ngx_http_apisec.h"
#include "ngx_http_apisec_cors.h"


static ngx_uint_t ngx_http_apisec_csrf_exempt(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
static ngx_int_t ngx_http_apisec_csrf_origin(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
static ngx_int_t ngx_http_apisec_csrf_double_submit(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);


static ngx_str_t  ngx_http_apisec_csrf_default_cookie =
    ngx_string("csrf_token");
static ngx_str_t  ngx_http_apisec_csrf_default_header =
    ngx_string("X-CSRF-Token");


/*
 * apisec_csrf off | origin [always]
 *            | double_submit [cookie=name] [header=name] [always];
 */

char *
ngx_http_apisec_csrf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_str_t   *value, s;
    ngx_uint_t   i;

    if (alcf->csrf.mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        alcf->csrf.mode = NGX_HTTP_APISEC_OFF;

    } else if (ngx_strcmp(value[1].data, "origin") == 0) {
        alcf->csrf.mode = NGX_HTTP_APISEC_CSRF_ORIGIN;

    } else if (ngx_strcmp(value[1].data, "double_submit") == 0) {
        alcf->csrf.mode = NGX_HTTP_APISEC_CSRF_DOUBLE;
        alcf->csrf.cookie = ngx_http_apisec_csrf_default_cookie;
        alcf->csrf.header = ngx_http_apisec_csrf_default_header;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", expected \"off\", "
                           "\"origin\" or \"double_submit\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    alcf->csrf.always = 0;

    for (i = 2; i < cf->args->nelts; i++) {

        if (alcf->csrf.mode == NGX_HTTP_APISEC_OFF) {
            goto invalid;
        }

        if (ngx_strcmp(value[i].data, "always") == 0 && !alcf->csrf.always) {
            alcf->csrf.always = 1;
            continue;
        }

        if (alcf->csrf.mode != NGX_HTTP_APISEC_CSRF_DOUBLE) {
            goto invalid;
        }

        if (value[i].len > 7 && ngx_strncmp(value[i].data, "cookie=", 7) == 0)
        {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;

            if (ngx_http_apisec_cors_token_valid(&s) != NGX_OK) {
                goto invalid;
            }

            alcf->csrf.cookie = s;
            continue;
        }

        if (value[i].len > 7 && ngx_strncmp(value[i].data, "header=", 7) == 0)
        {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;

            if (ngx_http_apisec_cors_token_valid(&s) != NGX_OK) {
                goto invalid;
            }

            alcf->csrf.header = s;
            continue;
        }

        goto invalid;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


void
ngx_http_apisec_csrf_create_conf(ngx_http_apisec_csrf_conf_t *conf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     conf->cookie = { 0, NULL };
     *     conf->header = { 0, NULL };
     */

    conf->mode = NGX_CONF_UNSET_UINT;
    conf->always = NGX_CONF_UNSET;
}


/* the directive is inherited whole: mode, names and "always" together */

char *
ngx_http_apisec_csrf_merge(ngx_conf_t *cf, ngx_http_apisec_loc_conf_t *prev,
    ngx_http_apisec_loc_conf_t *conf)
{
    if (conf->csrf.mode == NGX_CONF_UNSET_UINT) {
        conf->csrf.mode = prev->csrf.mode;
        conf->csrf.cookie = prev->csrf.cookie;
        conf->csrf.header = prev->csrf.header;
        conf->csrf.always = prev->csrf.always;
    }

    if (conf->csrf.mode == NGX_CONF_UNSET_UINT) {
        conf->csrf.mode = NGX_HTTP_APISEC_OFF;
    }

    if (conf->csrf.always == NGX_CONF_UNSET) {
        conf->csrf.always = 0;
    }

    return NGX_CONF_OK;
}


/*
 * State-changing requests only: GET, HEAD and OPTIONS are never refused.
 * The refusal is final under any "satisfy".
 */

ngx_int_t
ngx_http_apisec_csrf_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    ngx_int_t  rc;

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_OPTIONS)) {
        return NGX_DECLINED;
    }

    if (!alcf->csrf.always && ngx_http_apisec_csrf_exempt(r, alcf)) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "apisec: CSRF check skipped, bearer or API key");
        return NGX_DECLINED;
    }

    if (alcf->csrf.mode == NGX_HTTP_APISEC_CSRF_ORIGIN) {
        rc = ngx_http_apisec_csrf_origin(r, alcf);

    } else {
        rc = ngx_http_apisec_csrf_double_submit(r, alcf);
    }

    if (rc == NGX_OK) {
        return NGX_DECLINED;
    }

    return ngx_http_apisec_refuse(r, NGX_HTTP_FORBIDDEN, 0,
                                  "cross-site request refused");
}


/*
 * A bearer token or an API key in a header is never attached by a browser
 * on its own, and a cross-origin page can only send one after a CORS
 * preflight the server allowed: such a request is not a forgery.  Cookies
 * and HTTP Basic credentials, which browsers do attach, are no exemption.
 * The API-key header is the location's apisec_api_key header= (X-API-Key
 * by default, and when API keys are off); a key in the query string is no
 * exemption either, since a cross-site form or link can carry one.
 */

static ngx_uint_t
ngx_http_apisec_csrf_exempt(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    ngx_str_t  value;

    if (r->headers_in.authorization
        && r->headers_in.authorization->value.len > sizeof("Bearer ") - 1
        && ngx_strncasecmp(r->headers_in.authorization->value.data,
                           (u_char *) "Bearer ", sizeof("Bearer ") - 1)
           == 0)
    {
        return 1;
    }

    if (alcf->apikey.mode == NGX_HTTP_APISEC_APIKEY_QUERY) {
        return 0;
    }

    return ngx_http_apisec_request_header(r, &alcf->apikey.name, &value)
           != 0;
}


/*
 * Origin, or when a browser sent none the origin of Referer, must be this
 * host (scheme and Host) or an origin listed in apisec_cors_origins ("*"
 * does not count).  Neither header present: refused, as current browsers
 * send Origin on every state-changing request.
 */

static ngx_int_t
ngx_http_apisec_csrf_origin(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    u_char     *p, *last;
    ngx_str_t   origin, scheme;
    ngx_uint_t  n;

    static ngx_str_t  origin_name = ngx_string("Origin");
    static ngx_str_t  referer_name = ngx_string("Referer");

    n = ngx_http_apisec_request_header(r, &origin_name, &origin);

    if (n == 0) {
        n = ngx_http_apisec_request_header(r, &referer_name, &origin);

        if (n == 0) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "apisec: CSRF check failed: no Origin or Referer "
                          "header");
            return NGX_DECLINED;
        }

        /* the origin of the referring URL: up to its path */

        last = origin.data + origin.len;
        p = ngx_strlcasestrn(origin.data, last, (u_char *) "://", 3 - 1);

        if (p) {
            for (p += 3; p < last; p++) {
                if (*p == '/' || *p == '?' || *p == '#') {
                    break;
                }
            }

            origin.len = p - origin.data;
        }
    }

    if (n > 1 || ngx_http_apisec_cors_origin_valid(&origin) != NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: CSRF check failed: malformed or several "
                      "Origin or Referer headers");
        return NGX_DECLINED;
    }

    /* TLS, or a trusted proxy's word for it (apisec_trusted_proxies) */

    if (ngx_http_apisec_is_https(r)) {
        ngx_str_set(&scheme, "https");

    } else {
        ngx_str_set(&scheme, "http");
    }

    if (r->headers_in.host
        && ngx_http_apisec_cors_same_origin(&origin, &scheme,
                                            &r->headers_in.host->value)
           == NGX_OK)
    {
        return NGX_OK;
    }

    if (alcf->cors.prepared
        && ngx_http_apisec_cors_origins_match(alcf->cors.origins, &origin)
           == NGX_OK)
    {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apisec: CSRF check failed: origin \"%V\" not allowed",
                  &origin);

    return NGX_DECLINED;
}


/* the named header must equal the named cookie, compared in constant time */

static ngx_int_t
ngx_http_apisec_csrf_double_submit(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    ngx_str_t  cookie, token;

    if (ngx_http_parse_multi_header_lines(&r->headers_in.cookies,
                                          &alcf->csrf.cookie, &cookie)
        == NGX_DECLINED
        || cookie.len == 0)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: CSRF check failed: no \"%V\" cookie",
                      &alcf->csrf.cookie);
        return NGX_DECLINED;
    }

    if (ngx_http_apisec_request_header(r, &alcf->csrf.header, &token) != 1
        || token.len != cookie.len
        || CRYPTO_memcmp(token.data, cookie.data, cookie.len) != 0)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: CSRF check failed: \"%V\" header does not "
                      "match the \"%V\" cookie",
                      &alcf->csrf.header, &alcf->csrf.cookie);
        return NGX_DECLINED;
    }

    return NGX_OK;
}
