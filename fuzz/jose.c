
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * A JOSE header and a claims set: the input is the JSON text (so that the
 * fuzzer works on JSON, not on its base64url), encoded and handed to the
 * module's parser as a token's segment would be, then checked as a header
 * (alg, crit, typ) and as claims (exp/nbf/iat of any size and type, sub,
 * iss, aud as a string or an array) against a configuration with every
 * check on.  Duplicate member names must be refused, whatever the nesting.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                        *why;
    u_char                      *buf;
    json_t                      *json, *again;
    ngx_int_t                    rc;
    ngx_str_t                    text, seg;
    ngx_uint_t                   alg, pass;
    ngx_pool_t                  *pool;
    json_error_t                 err;
    ngx_http_apisec_jwt_conf_t  *jcf;

    jcf = ngx_http_apisec_fuzz_jwt_conf();
    pool = ngx_http_apisec_fuzz_pool();

    text.len = size;
    text.data = ngx_http_apisec_fuzz_copy(pool, data, size, 0);

    seg.data = ngx_pnalloc(pool, ngx_base64_encoded_length(size) + 1);
    ngx_http_apisec_fuzz_assert(seg.data != NULL);

    ngx_encode_base64url(&seg, &text);

    if (seg.len == 0) {
        goto done;
    }

    buf = ngx_pnalloc(pool, seg.len * 3 / 4);
    ngx_http_apisec_fuzz_assert(buf != NULL);

    for (pass = 0; pass < 2; pass++) {

        why = NULL;

        json = ngx_http_apisec_jwt_parse(&seg, buf, &why,
                                         pass ? "claims" : "header");

        if (json == NULL) {
            ngx_http_apisec_fuzz_assert(why != NULL);
            continue;
        }

        /* what the module accepts is a JSON object without duplicates */

        ngx_http_apisec_fuzz_assert(json_is_object(json));

        again = json_loadb((char *) text.data, text.len,
                           JSON_REJECT_DUPLICATES, &err);
        ngx_http_apisec_fuzz_assert(again != NULL);
        ngx_http_apisec_fuzz_assert(json_equal(again, json));
        json_decref(again);

        if (pass == 0) {
            rc = ngx_http_apisec_jwt_check_header(json, jcf, &alg, &why);

            if (rc == NGX_HTTP_APISEC_JWT_OK) {
                ngx_http_apisec_fuzz_assert(alg < NGX_HTTP_APISEC_NALGS);
                ngx_http_apisec_fuzz_assert(json_object_get(json, "crit")
                                            == NULL);
            }

        } else {
            why = NULL;
            rc = ngx_http_apisec_jwt_check_claims(json, jcf, 1700000000,
                                                  &why);
            ngx_http_apisec_fuzz_assert((rc == NGX_HTTP_APISEC_JWT_OK)
                                        == (why == NULL));
        }

        json_decref(json);
    }

done:

    ngx_destroy_pool(pool);

    return 0;
}
