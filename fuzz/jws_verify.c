
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Signatures: the part of a token an attacker chooses freely once a key
 * is known.  The keys are the test suite's own (t/data: RSA, EC P-256,
 * P-384, P-521, Ed25519 and HMAC), loaded once by the module's loader; the
 * input's first byte picks the alg, the rest is the signature, verified
 * over a fixed signing input with every key that allows the alg, as
 * ngx_http_apisec_jwt_verify_signature() does (for ES*, through the
 * R || S to DER conversion).  No random signature may verify.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"

#include <stdio.h>
#include <stdlib.h>


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static ngx_array_t  *ngx_http_apisec_fuzz_keys;

static char  *ngx_http_apisec_fuzz_key_files[] = {
    "rsa.pub", "ec256.pub", "ec384.pub", "ec521.pub", "ed25519.pub",
    "hs.jwk", "hs256.jwk", "mixed.jwks", NULL
};


int
ngx_http_apisec_fuzz_init(void)
{
    long         n;
    char         path[NGX_MAX_PATH], *dir, *rv;
    FILE        *f;
    u_char      *buf;
    ngx_str_t    name;
    ngx_uint_t   i;
    ngx_conf_t  *cf;
    ngx_pool_t  *pool;

    /* the keys of the test suite: APISEC_FUZZ_KEYS, or t/data beside us */
    dir = getenv("APISEC_FUZZ_KEYS");
    if (dir == NULL) {
        dir = NGX_HTTP_APISEC_FUZZ_SRCDIR "/../t/data";
    }

    pool = ngx_http_apisec_fuzz_pool();
    cf = ngx_http_apisec_fuzz_conf(pool);

    ngx_http_apisec_fuzz_keys = ngx_array_create(pool, 8,
                                         sizeof(ngx_http_apisec_jwt_key_t *));
    ngx_http_apisec_fuzz_assert(ngx_http_apisec_fuzz_keys != NULL);

    for (i = 0; ngx_http_apisec_fuzz_key_files[i]; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir,
                 ngx_http_apisec_fuzz_key_files[i]);

        f = fopen(path, "rb");
        if (f == NULL) {
            perror(path);
            exit(1);
        }

        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);

        buf = ngx_pnalloc(pool, n + 1);
        ngx_http_apisec_fuzz_assert(buf != NULL);
        ngx_http_apisec_fuzz_assert(fread(buf, 1, n, f) == (size_t) n);
        buf[n] = '\0';
        fclose(f);

        name.len = ngx_strlen(path);
        name.data = (u_char *) path;

        rv = ngx_http_apisec_jwt_keys_text(cf, &name, buf, n,
                                            ngx_http_apisec_fuzz_keys);
        if (rv != NGX_CONF_OK) {
            fprintf(stderr, "%s: not loaded\n", path);
            exit(1);
        }
    }

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                      *sig;
    ngx_uint_t                   i, alg;
    ngx_pool_t                  *pool;
    ngx_http_apisec_jwt_key_t  **key;

    static u_char  input[] = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJmdXp6In0";

    if (size == 0) {
        return 0;
    }

    alg = data[0] % NGX_HTTP_APISEC_NALGS;

    pool = ngx_http_apisec_fuzz_pool();
    sig = ngx_http_apisec_fuzz_copy(pool, data + 1, size - 1, 0);

    key = ngx_http_apisec_fuzz_keys->elts;

    for (i = 0; i < ngx_http_apisec_fuzz_keys->nelts; i++) {
        if (!(key[i]->algs & NGX_HTTP_APISEC_ALG_BIT(alg))) {
            continue;
        }

        ngx_http_apisec_fuzz_assert(
            ngx_http_apisec_jwt_verify_key(key[i], alg, input,
                                           sizeof(input) - 1, sig, size - 1)
            != NGX_OK);
    }

    ngx_destroy_pool(pool);

    return 0;
}
