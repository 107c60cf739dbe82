
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * A token as it arrives: the input is an Authorization header value, taken
 * through what ngx_http_apisec_jwt_authenticate() does before and after
 * the signature check (which needs keys: see the "keys" target): the
 * bearer credentials, the three segments, the header (JSON, alg, crit,
 * typ), the signature's base64url, the claims.  Checks the invariants the
 * callers rely on: a token inside the header value and no longer than the
 * limit, segments inside the token, every refusal with a reason.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                           *why;
    u_char                         *p;
    json_t                         *header, *claims;
    ngx_int_t                       rc;
    ngx_str_t                       value, token, seg[3], sig, kid, text;
    ngx_uint_t                      alg, i;
    ngx_pool_t                     *pool;
    ngx_http_apisec_jwt_conf_t     *jcf;
    ngx_http_apisec_jose_policy_t   policy;
    ngx_http_apisec_jose_claims_t   registered;

    jcf = ngx_http_apisec_fuzz_jwt_conf();
    pool = ngx_http_apisec_fuzz_pool();

    policy = jcf->policy;
    policy.now = 1700000000;

    value.len = size;
    value.data = ngx_http_apisec_fuzz_copy(pool, data, size, 0);

    rc = ngx_http_apisec_jose_bearer(&value, jcf->max_size, &token, NULL);

    ngx_http_apisec_fuzz_assert(rc == NGX_OK || rc == NGX_DECLINED
                                || rc == NGX_ABORT || rc == NGX_ERROR);

    if (rc != NGX_OK) {
        goto done;
    }

    ngx_http_apisec_fuzz_assert(token.len > 0);
    ngx_http_apisec_fuzz_assert(token.len <= jcf->max_size);
    ngx_http_apisec_fuzz_assert(token.data >= value.data);
    ngx_http_apisec_fuzz_assert(token.data + token.len
                                <= value.data + value.len);

    if (ngx_http_apisec_jose_split(&token, seg) != NGX_OK) {
        goto done;
    }

    ngx_http_apisec_fuzz_assert(seg[0].data == token.data);
    ngx_http_apisec_fuzz_assert(seg[0].len > 0 && seg[1].len > 0);
    ngx_http_apisec_fuzz_assert(seg[1].data == seg[0].data + seg[0].len + 1);
    ngx_http_apisec_fuzz_assert(seg[2].data == seg[1].data + seg[1].len + 1);
    ngx_http_apisec_fuzz_assert(seg[2].data + seg[2].len
                                == token.data + token.len);

    for (i = 0; i < 3; i++) {
        ngx_http_apisec_fuzz_assert(ngx_strlchr(seg[i].data,
                                                seg[i].data + seg[i].len, '.')
                                    == NULL);
    }

    /* as ngx_http_apisec_jwt_authenticate(): one buffer for all three */

    p = ngx_pnalloc(pool, token.len);
    ngx_http_apisec_fuzz_assert(p != NULL);

    why = NULL;

    header = ngx_http_apisec_jwt_parse(&seg[0], p, &why, "header");
    if (header == NULL) {
        ngx_http_apisec_fuzz_assert(why != NULL);
        goto done;
    }

    ngx_str_null(&kid);

    rc = ngx_http_apisec_jose_check_header(header, &policy, &alg, &kid, &why);

    json_decref(header);

    if (rc != NGX_HTTP_APISEC_JWT_OK) {
        ngx_http_apisec_fuzz_assert(why != NULL);
        goto done;
    }

    ngx_http_apisec_fuzz_assert(alg < NGX_HTTP_APISEC_NALGS);

    sig.data = p;

    if (ngx_http_apisec_base64url_decode(&sig, &seg[2]) != NGX_OK) {
        goto done;
    }

    ngx_http_apisec_fuzz_assert(sig.len <= seg[2].len * 3 / 4);

    if (ngx_http_apisec_jose_claims(&seg[1], sig.data + sig.len, &text,
                                    &registered, &claims, &why)
        != NGX_OK)
    {
        ngx_http_apisec_fuzz_assert(why != NULL);
        goto done;
    }

    why = NULL;

    rc = ngx_http_apisec_jose_check_claims(&registered, &policy, &why);

    ngx_http_apisec_fuzz_assert((rc == NGX_HTTP_APISEC_JWT_OK)
                                == (why == NULL));

    if (claims) {
        json_decref(claims);
    }

done:

    ngx_destroy_pool(pool);

    return 0;
}
