
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * A JOSE header and a claims set: the input is the JSON text (so that the
 * fuzzer works on JSON, not on its base64url), encoded and handed to the
 * module's parsers as a token's segment would be (the worker's header
 * cache, ngx_http_apisec_jwt_parse(), and the JOSE core's
 * ngx_http_apisec_jose_json(), which must agree), then checked as a header
 * (kid, alg, crit, typ) and as claims (exp/nbf/iat of any size and type,
 * sub, iss, aud as a string or an array) against a policy with every check
 * on.  Duplicate member names must be refused, whatever the nesting.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                           *why, *why2;
    u_char                         *buf;
    json_t                         *json, *again, *pure;
    ngx_int_t                       rc;
    ngx_str_t                       text, seg, kid;
    ngx_uint_t                      alg, pass;
    ngx_pool_t                     *pool;
    json_error_t                    err;
    ngx_http_apisec_jwt_conf_t     *jcf;
    ngx_http_apisec_jose_policy_t   policy;
    ngx_http_apisec_jose_claims_t   registered;

    jcf = ngx_http_apisec_fuzz_jwt_conf();
    pool = ngx_http_apisec_fuzz_pool();

    policy = jcf->policy;
    policy.now = 1700000000;

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

        why2 = NULL;

        pure = ngx_http_apisec_jose_json(&seg, buf, &why2,
                                         pass ? "claims" : "header");

        json = ngx_http_apisec_jwt_parse(&seg, buf, &why,
                                         pass ? "claims" : "header");

        ngx_http_apisec_fuzz_assert((json == NULL) == (pure == NULL));

        if (pure) {
            ngx_http_apisec_fuzz_assert(json_equal(pure, json));
            json_decref(pure);

        } else {
            ngx_http_apisec_fuzz_assert(why2 != NULL);
        }

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
            ngx_str_null(&kid);

            rc = ngx_http_apisec_jose_check_header(json, &policy, &alg, &kid,
                                                   &why);

            if (rc == NGX_HTTP_APISEC_JWT_OK) {
                ngx_http_apisec_fuzz_assert(alg < NGX_HTTP_APISEC_NALGS);
                ngx_http_apisec_fuzz_assert(json_object_get(json, "crit")
                                            == NULL);
                ngx_http_apisec_fuzz_assert(
                    (kid.data != NULL) == (json_object_get(json, "kid")
                                           != NULL));
            }

        } else {
            why = NULL;
            ngx_http_apisec_jose_claims_json(json, &registered);
            rc = ngx_http_apisec_jose_check_claims(&registered, &policy,
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
