
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Claim paths and conditions (src/ngx_http_apisec_claims.c): the input is
 * four lines, a claim path, a claims set (JSON), an operator and a
 * configured value, as apisec_require_claim and apisec_roles_claim use
 * them: the path is looked up, the value parsed and compared, the claim
 * searched for the value as a token.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec_authz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                         *p, *last, *nl;
    json_t                         *root, *v;
    ngx_int_t                       op;
    ngx_str_t                       part[4];
    ngx_uint_t                      i;
    ngx_pool_t                     *pool;
    json_error_t                    err;
    ngx_http_apisec_claim_value_t   value;

    pool = ngx_http_apisec_fuzz_pool();

    p = ngx_http_apisec_fuzz_copy(pool, data, size, 0);
    last = p + size;

    for (i = 0; i < 4; i++) {
        nl = (i < 3) ? ngx_strlchr(p, last, '\n') : NULL;

        part[i].data = ngx_http_apisec_fuzz_copy(pool, p,
                                                 (nl ? nl : last) - p, 0);
        part[i].len = (nl ? nl : last) - p;

        p = nl ? nl + 1 : last;
    }

    root = json_loadb((char *) part[1].data, part[1].len,
                      JSON_REJECT_DUPLICATES, &err);

    v = ngx_http_apisec_claim_get(root, &part[0]);

    if (v) {
        (void) ngx_http_apisec_claim_has_token(v, &part[3], 0);
        (void) ngx_http_apisec_claim_has_token(v, &part[3], 1);
    }

    op = ngx_http_apisec_claim_op(&part[2]);

    if (op != NGX_ERROR
        && ngx_http_apisec_claim_value_parse(&part[3], &value) == NGX_OK)
    {
        (void) ngx_http_apisec_claim_compare(v, op, &value, 1);
    }

    if (root) {
        json_decref(root);
    }

    ngx_destroy_pool(pool);

    return 0;
}
