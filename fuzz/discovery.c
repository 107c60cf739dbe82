
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * OpenID Connect discovery documents (apisec_jwt_discovery,
 * src/ngx_http_apisec_jwks.c): the input is an identity provider's answer,
 * "Content-Type\nbody", checked and parsed as the subrequest's, then
 * landed by ngx_http_apisec_discovery_land() where a good document landed
 * before.  Accepted, its "issuer" and "jwks_uri" are what the document
 * says, printable ASCII without quotes or backslashes, at most 2048 bytes,
 * jwks_uri an http(s) URL, and a new jwks_uri makes the keys stale;
 * refused, the last document serves on untouched.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"


/* as NGX_HTTP_APISEC_DISCOVERY_MAX in src/ngx_http_apisec_jwks.c */
#define NGX_HTTP_APISEC_FUZZ_DISCOVERY_MAX  2048


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ngx_http_apisec_fuzz_discovery_string(json_t *json, char *name,
    ngx_str_t *s);


static json_t  *ngx_http_apisec_fuzz_discovery_good;


int
ngx_http_apisec_fuzz_init(void)
{
    ngx_http_apisec_fuzz_discovery_good =
        json_pack("{s:s, s:s, s:s}",
                  "issuer", "https://issuer.example",
                  "jwks_uri", "https://issuer.example/jwks",
                  "token_endpoint", "https://issuer.example/token");

    ngx_http_apisec_fuzz_assert(ngx_http_apisec_fuzz_discovery_good != NULL);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t                    *json;
    ngx_str_t                  issuer, jwks_uri, *s;
    ngx_pool_t                *pool, *dpool;
    ngx_http_apisec_jwks_t     k;
    ngx_http_apisec_flight_t   f;

    pool = ngx_http_apisec_fuzz_pool();

    ngx_memzero(&k, sizeof(ngx_http_apisec_jwks_t));
    ngx_memzero(&f, sizeof(ngx_http_apisec_flight_t));

    ngx_str_set(&k.uri, "/fuzz/jwks");
    ngx_str_set(&k.discovery, "/fuzz/discovery");
    f.data = &k;
    f.land = ngx_http_apisec_discovery_land;

    /* the last good document */

    f.land(&f, ngx_http_apisec_fuzz_discovery_good, ngx_http_apisec_fuzz_log);

    ngx_http_apisec_fuzz_assert(f.outcome == NGX_HTTP_APISEC_FLIGHT_OK);
    ngx_http_apisec_fuzz_assert(k.stale && k.disc_pool != NULL);

    k.stale = 0;        /* as if its keys had been fetched */

    issuer = k.issuer;
    jwks_uri = k.jwks_uri;
    dpool = k.disc_pool;

    /* the answer */

    json = ngx_http_apisec_fuzz_answer(pool, data, size);

    f.outcome = NGX_HTTP_APISEC_FLIGHT_NONE;
    f.land(&f, json, ngx_http_apisec_fuzz_log);

    if (f.outcome != NGX_HTTP_APISEC_FLIGHT_OK) {
        ngx_http_apisec_fuzz_assert(
                             f.outcome == NGX_HTTP_APISEC_FLIGHT_FAILED);

        /* the last document serves on */

        ngx_http_apisec_fuzz_assert(k.disc_pool == dpool && k.disc_has_failed
                                    && !k.stale);
        ngx_http_apisec_fuzz_assert(k.issuer.data == issuer.data
                                    && k.issuer.len == issuer.len
                                    && k.jwks_uri.data == jwks_uri.data
                                    && k.jwks_uri.len == jwks_uri.len);
        ngx_http_apisec_fuzz_assert(ngx_strncmp(k.jwks_uri.data,
                                    "https://issuer.example/jwks",
                                    k.jwks_uri.len) == 0);
        goto done;
    }

    ngx_http_apisec_fuzz_assert(json != NULL);
    ngx_http_apisec_fuzz_assert(k.disc_pool != dpool && !k.disc_has_failed);

    /* what the document says, checked */

    ngx_http_apisec_fuzz_discovery_string(json, "issuer", &k.issuer);
    ngx_http_apisec_fuzz_discovery_string(json, "jwks_uri", &k.jwks_uri);

    ngx_http_apisec_fuzz_assert(
        (k.jwks_uri.len > 8
         && ngx_strncasecmp(k.jwks_uri.data, (u_char *) "https://", 8) == 0)
        || (k.jwks_uri.len > 7
            && ngx_strncasecmp(k.jwks_uri.data, (u_char *) "http://", 7)
               == 0));

    /* the issuer expected of tokens is the document's */

    ngx_http_apisec_fuzz_assert(k.issuers.nelts == 1);
    s = k.issuers.elts;
    ngx_http_apisec_fuzz_assert(s[0].data == k.issuer.data
                                && s[0].len == k.issuer.len);

    /* another jwks_uri: the keys are fetched again before the next use */

    ngx_http_apisec_fuzz_assert(k.stale
        == !(k.jwks_uri.len == jwks_uri.len
             && ngx_strncmp(k.jwks_uri.data, "https://issuer.example/jwks",
                            jwks_uri.len) == 0));

done:

    if (json) {
        json_decref(json);
    }

    if (k.disc_pool) {
        ngx_destroy_pool(k.disc_pool);
    }

    ngx_destroy_pool(pool);

    return 0;
}


/* s holds the member's string, in a copy of its own; nothing else does */

static void
ngx_http_apisec_fuzz_discovery_string(json_t *json, char *name, ngx_str_t *s)
{
    u_char  *p;
    json_t  *v;

    v = json_object_get(json, name);

    ngx_http_apisec_fuzz_assert(json_is_string(v));
    ngx_http_apisec_fuzz_assert(s->len == json_string_length(v)
                                && s->len > 0
                                && s->len <= NGX_HTTP_APISEC_FUZZ_DISCOVERY_MAX);
    ngx_http_apisec_fuzz_assert((char *) s->data != json_string_value(v)
                                && ngx_memcmp(s->data, json_string_value(v),
                                              s->len) == 0);

    for (p = s->data; p < s->data + s->len; p++) {
        ngx_http_apisec_fuzz_assert(*p > 0x20 && *p < 0x7f && *p != '"'
                                    && *p != '\\');
    }
}
