
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Key files: the input is the contents of an apisec_jwt_key_file, a JWK, a
 * JWKS or PEM (public keys, certificates), parsed by the module's loader
 * as at configuration time.  Each key loaded is then fingerprinted and used
 * once per algorithm it allows, with the start of the input as signature,
 * and everything is freed with the pool (the loader's cleanups), so that
 * LeakSanitizer sees any OpenSSL or jansson object left behind.  No key
 * that loads is one anybody could sign for: RSA of 2048 bits or more with
 * an odd 3 <= e < n, an EC point that passes OpenSSL's public key check,
 * an Ed25519 key that is not the identity nor all zeros.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>


/* as NGX_HTTP_APISEC_KEY_FILE_MAX in src/ngx_http_apisec_jwk.c */
#define NGX_HTTP_APISEC_FUZZ_KEY_FILE_MAX  (1024 * 1024)


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void ngx_http_apisec_fuzz_key_sound(ngx_http_apisec_jwt_key_t *key);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                        *rv;
    u_char                      *buf, sig[512];
    size_t                       siglen;
    ngx_str_t                    name;
    ngx_uint_t                   i, alg;
    ngx_conf_t                  *cf;
    ngx_pool_t                  *pool;
    ngx_array_t                 *keys;
    ngx_http_apisec_jwt_key_t  **key;
    u_char                       fp[NGX_HTTP_APISEC_KEY_FP_LEN];

    if (size == 0 || size > NGX_HTTP_APISEC_FUZZ_KEY_FILE_MAX) {
        return 0;
    }

    pool = ngx_http_apisec_fuzz_pool();
    cf = ngx_http_apisec_fuzz_conf(pool);

    keys = ngx_array_create(pool, 4, sizeof(ngx_http_apisec_jwt_key_t *));
    ngx_http_apisec_fuzz_assert(keys != NULL);

    ngx_str_set(&name, "fuzz.jwks");

    buf = ngx_http_apisec_fuzz_copy(pool, data, size, 1);

    rv = ngx_http_apisec_jwt_keys_text(cf, &name, buf, size, keys);

    if (rv != NGX_CONF_OK) {
        ngx_http_apisec_fuzz_assert(rv == NGX_CONF_ERROR);
        goto done;
    }

    ngx_http_apisec_fuzz_assert(keys->nelts > 0);

    (void) ngx_http_apisec_jwt_keyset_fingerprint(keys, fp);

    ngx_memzero(sig, sizeof(sig));
    ngx_memcpy(sig, data, ngx_min(size, sizeof(sig)));

    key = keys->elts;

    for (i = 0; i < keys->nelts; i++) {

        ngx_http_apisec_fuzz_assert(key[i]->algs != 0);
        ngx_http_apisec_fuzz_assert(
                         (key[i]->algs & ~NGX_HTTP_APISEC_ALGS_ALL) == 0);

        ngx_http_apisec_fuzz_key_sound(key[i]);

        for (alg = 0; alg < NGX_HTTP_APISEC_NALGS; alg++) {

            if (!(key[i]->algs & NGX_HTTP_APISEC_ALG_BIT(alg))) {
                continue;
            }

            /* a signature of the size the alg wants, where it has one */

            switch (ngx_http_apisec_jose_algs[alg].kty) {
            case NGX_HTTP_APISEC_KTY_OCT:
                siglen = 32 + 16 * ngx_http_apisec_jose_algs[alg].md;
                break;
            case NGX_HTTP_APISEC_KTY_EC:
                siglen = 2 * ngx_http_apisec_jose_algs[alg].ec_size;
                break;
            case NGX_HTTP_APISEC_KTY_ED25519:
                siglen = 64;
                break;
            default:
                siglen = ngx_min(size, sizeof(sig));
            }

            ngx_http_apisec_fuzz_assert(
                ngx_http_apisec_jwt_verify_key(key[i], alg, buf, size,
                                               sig, siglen)
                != NGX_OK
                || ngx_http_apisec_jose_algs[alg].kty
                   == NGX_HTTP_APISEC_KTY_OCT);
        }
    }

done:

    ngx_destroy_pool(pool);

    return 0;
}


/* checked here apart from ngx_http_apisec_jwt_key_check(), not by it */

static void
ngx_http_apisec_fuzz_key_sound(ngx_http_apisec_jwt_key_t *key)
{
    u_char         pub[32];
    size_t         len, j;
    BIGNUM        *n, *e;
    EVP_PKEY_CTX  *ctx;

    switch (key->kty) {

    case NGX_HTTP_APISEC_KTY_RSA:
        n = NULL;
        e = NULL;

        ngx_http_apisec_fuzz_assert(
            EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_N, &n)
            && EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_E, &e));
        ngx_http_apisec_fuzz_assert(BN_num_bits(n) >= 2048);
        ngx_http_apisec_fuzz_assert(BN_is_odd(e) && !BN_is_one(e)
                                    && BN_cmp(e, n) < 0);

        BN_free(n);
        BN_free(e);
        break;

    case NGX_HTTP_APISEC_KTY_EC:
        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
        ngx_http_apisec_fuzz_assert(ctx != NULL);
        ngx_http_apisec_fuzz_assert(EVP_PKEY_public_check(ctx) == 1);
        EVP_PKEY_CTX_free(ctx);
        break;

    case NGX_HTTP_APISEC_KTY_ED25519:
        len = sizeof(pub);
        ngx_http_apisec_fuzz_assert(
            EVP_PKEY_get_raw_public_key(key->pkey, pub, &len) && len == 32);

        pub[31] &= 0x7f;

        for (j = 1; j < 32 && pub[j] == 0; j++) { /* void */ }

        ngx_http_apisec_fuzz_assert(j < 32 || pub[0] > 1);
        break;
    }
}
