
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Remote JWKS answers (apisec_jwt_key_request, src/ngx_http_apisec_jwks.c):
 * the input is an identity provider's answer, "Content-Type\nbody", checked
 * and parsed as the subrequest's (ngx_http_apisec_fuzz_answer()), then
 * landed by ngx_http_apisec_jwks_land() on the key set of the run: the
 * suite's JWKS (t/data/jwks.json) at first, then whatever answer was last
 * accepted (parsing the suite's keys again for every input would take most
 * of the run).  Whatever the answer, either it replaces the set whole (a
 * new generation, its fingerprint) or the last good set serves on
 * untouched; every key it brings is checked as the keys target checks a
 * key file's, and none is an HMAC secret (published, it is no secret) or
 * an RSA key with an even e, or e = 1.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* the run's key set, and its flight */
static ngx_http_apisec_jwks_t    ngx_http_apisec_fuzz_jwks;
static ngx_http_apisec_flight_t  ngx_http_apisec_fuzz_jwks_flight;


int
ngx_http_apisec_fuzz_init(void)
{
    json_t                      *good;
    ngx_uint_t                   i;
    json_error_t                 err;
    ngx_http_apisec_jwks_t      *k;
    ngx_http_apisec_flight_t    *f;
    ngx_http_apisec_jwt_key_t  **key;

    k = &ngx_http_apisec_fuzz_jwks;
    f = &ngx_http_apisec_fuzz_jwks_flight;

    ngx_str_set(&k->uri, "/fuzz/jwks");
    ngx_str_set(&k->bound, "https://fuzz.example");  /* issuer= */
    f->data = k;
    f->land = ngx_http_apisec_jwks_land;

    good = json_load_file(NGX_HTTP_APISEC_FUZZ_SRCDIR "/../t/data/jwks.json",
                          JSON_REJECT_DUPLICATES, &err);
    ngx_http_apisec_fuzz_assert(good != NULL);

    f->land(f, good, ngx_http_apisec_fuzz_log);

    ngx_http_apisec_fuzz_assert(f->outcome == NGX_HTTP_APISEC_FLIGHT_OK);
    ngx_http_apisec_fuzz_assert(k->keys != NULL && k->keys->nelts > 0);

    /* jwks.json holds an HMAC secret, hs1: skipped */

    key = k->keys->elts;

    for (i = 0; i < k->keys->nelts; i++) {
        ngx_http_apisec_fuzz_assert(key[i]->kty != NGX_HTTP_APISEC_KTY_OCT);
    }

    json_decref(good);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t                      *json;
    BIGNUM                      *e;
    ngx_uint_t                   i, generation;
    ngx_pool_t                  *pool, *kpool;
    ngx_array_t                 *keys;
    ngx_http_apisec_jwks_t      *k;
    ngx_http_apisec_jwt_key_t  **key;
    ngx_http_apisec_flight_t    *f;
    u_char                       keyset[NGX_HTTP_APISEC_KEY_FP_LEN];
    u_char                       fp[NGX_HTTP_APISEC_KEY_FP_LEN];

    pool = ngx_http_apisec_fuzz_pool();

    k = &ngx_http_apisec_fuzz_jwks;
    f = &ngx_http_apisec_fuzz_jwks_flight;

    /* the last good set */

    keys = k->keys;
    kpool = k->pool;
    generation = k->generation;
    ngx_memcpy(keyset, k->keyset, NGX_HTTP_APISEC_KEY_FP_LEN);

    /* the answer */

    json = ngx_http_apisec_fuzz_answer(pool, data, size);

    f->outcome = NGX_HTTP_APISEC_FLIGHT_NONE;
    f->land(f, json, ngx_http_apisec_fuzz_log);

    if (f->outcome != NGX_HTTP_APISEC_FLIGHT_OK) {
        ngx_http_apisec_fuzz_assert(
                             f->outcome == NGX_HTTP_APISEC_FLIGHT_FAILED);

        /* the last good set serves on */

        ngx_http_apisec_fuzz_assert(k->keys == keys && k->pool == kpool
                                    && k->generation == generation
                                    && k->has_failed);
        ngx_http_apisec_fuzz_assert(ngx_memcmp(k->keyset, keyset,
                                               NGX_HTTP_APISEC_KEY_FP_LEN)
                                    == 0);
        goto done;
    }

    ngx_http_apisec_fuzz_assert(json != NULL);

    /* replaced whole */

    ngx_http_apisec_fuzz_assert(k->keys != keys && k->pool != kpool
                                && k->generation == generation + 1
                                && !k->has_failed && !k->stale);
    ngx_http_apisec_fuzz_assert(k->keys->nelts > 0);

    ngx_http_apisec_fuzz_assert(
        ngx_http_apisec_jwt_keyset_fingerprint(k->keys, fp) == NGX_OK
        && ngx_memcmp(fp, k->keyset, NGX_HTTP_APISEC_KEY_FP_LEN) == 0);

    key = k->keys->elts;

    for (i = 0; i < k->keys->nelts; i++) {
        ngx_http_apisec_fuzz_assert(key[i]->algs != 0);
        ngx_http_apisec_fuzz_assert(
                         (key[i]->algs & ~NGX_HTTP_APISEC_ALGS_ALL) == 0);
        ngx_http_apisec_fuzz_assert(key[i]->kty != NGX_HTTP_APISEC_KTY_OCT);

        /* every fetched key is bound to the request's issuer= */
        ngx_http_apisec_fuzz_assert(key[i]->issuer.data == k->bound.data
                                    && key[i]->issuer.len == k->bound.len);

        if (key[i]->kty == NGX_HTTP_APISEC_KTY_RSA) {
            e = NULL;
            ngx_http_apisec_fuzz_assert(
                EVP_PKEY_get_bn_param(key[i]->pkey, OSSL_PKEY_PARAM_RSA_E,
                                      &e));
            ngx_http_apisec_fuzz_assert(BN_is_odd(e) && !BN_is_one(e));
            BN_free(e);
        }
    }

done:

    if (json) {
        json_decref(json);
    }

    /* the set accepted last stays for the next input */

    ngx_destroy_pool(pool);

    return 0;
}
