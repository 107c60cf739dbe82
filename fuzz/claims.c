
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Claim paths and conditions (src/ngx_http_apisec_claims.c): the input is
 * four lines, a claim path, a claims set (JSON), an operator and a
 * configured value, as apisec_require_claim and apisec_roles_claim use
 * them: the path is looked up, the value parsed and compared, the claim
 * searched for the value as a token.  Invariants: comparisons are typed
 * (a scalar claim meets a condition only with a value of its own JSON type:
 * the string "true" never meets "eq true"), and a "match" subject never
 * holds a control character (so "$" cannot match before a final newline).
 * A claim's text (apisec_claim_set) stays inside its buffer (of a size the
 * value's line chooses), holds no control character, is a string claim's
 * bytes exactly, has one comma fewer than the array has scalar elements,
 * and null and objects have none.  Claim paths that the directives accept
 * have no empty name.
 * The claims are parsed with JSON_ALLOW_NUL, so strings with NULs reach the
 * comparisons, as they would if the module ever allowed them.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec_authz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static u_char  ngx_http_apisec_fuzz_blank[NGX_HTTP_APISEC_CLAIM_TEXT_MAX];


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                         *p, *last, *nl;
    json_t                         *root, *v, *e;
    size_t                          len, tsize, k, commas, scalars;
    ngx_int_t                       op;
    ngx_str_t                       part[4], text;
    ngx_uint_t                      i, res;
    u_char                         *tbuf;
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
                      JSON_REJECT_DUPLICATES|JSON_ALLOW_NUL, &err);

    v = ngx_http_apisec_claim_get(root, &part[0]);

    if (ngx_http_apisec_claim_path_valid(&part[0])) {
        ngx_http_apisec_fuzz_assert(part[0].len > 0
                                    && part[0].data[0] != '.'
                                    && part[0].data[part[0].len - 1] != '.');

        for (k = 1; k < part[0].len; k++) {
            ngx_http_apisec_fuzz_assert(part[0].data[k - 1] != '.'
                                        || part[0].data[k] != '.');
        }
    }

    /* the text's buffer: the bound, or as many bytes as the value's line */

    tsize = (part[3].len > 0 && part[3].len < NGX_HTTP_APISEC_CLAIM_TEXT_MAX)
            ? part[3].len : NGX_HTTP_APISEC_CLAIM_TEXT_MAX;

    tbuf = ngx_http_apisec_fuzz_copy(pool, ngx_http_apisec_fuzz_blank, tsize,
                                     0);

    res = ngx_http_apisec_claim_text(v, tbuf, tsize, &len);

    if (res == NGX_HTTP_APISEC_CLAIM_TEXT_OK) {
        ngx_http_apisec_fuzz_assert(len <= tsize);
        ngx_http_apisec_fuzz_assert(v && !json_is_null(v)
                                    && !json_is_object(v));

        commas = 0;

        for (k = 0; k < len; k++) {
            ngx_http_apisec_fuzz_assert(tbuf[k] >= 0x20 && tbuf[k] != 0x7f);
            commas += (tbuf[k] == ',');
        }

        if (json_is_string(v)) {
            ngx_http_apisec_fuzz_assert(len == json_string_length(v)
                && ngx_memcmp(tbuf, json_string_value(v), len) == 0);
        }

        if (json_is_array(v)) {
            scalars = 0;

            for (k = 0; k < json_array_size(v); k++) {
                e = json_array_get(v, k);
                scalars += (json_is_string(e) || json_is_number(e)
                            || json_is_boolean(e));
            }

            ngx_http_apisec_fuzz_assert(commas + 1 == scalars
                                        || (scalars == 0 && len == 0));
        }

    } else {
        ngx_http_apisec_fuzz_assert(len == 0);
    }

    if (v == NULL || json_is_null(v) || json_is_object(v)) {
        ngx_http_apisec_fuzz_assert(res == NGX_HTTP_APISEC_CLAIM_TEXT_NONE);
    }

    if (v) {
        (void) ngx_http_apisec_claim_has_token(v, &part[3], 0);
        (void) ngx_http_apisec_claim_has_token(v, &part[3], 1);

        if (ngx_http_apisec_claim_match_subject(v, &text)
            == NGX_HTTP_APISEC_CLAIM_MET)
        {
            for (i = 0; i < text.len; i++) {
                ngx_http_apisec_fuzz_assert(text.data[i] >= 0x20
                                            && text.data[i] != 0x7f);
            }
        }
    }

    op = ngx_http_apisec_claim_op(&part[2]);

    if (op != NGX_ERROR
        && ngx_http_apisec_claim_value_parse(&part[3], &value) == NGX_OK)
    {
        res = ngx_http_apisec_claim_compare(v, op, &value, 1);

        if (res == NGX_HTTP_APISEC_CLAIM_MET
            && op != NGX_HTTP_APISEC_OP_EXISTS && !json_is_array(v))
        {
            ngx_http_apisec_fuzz_assert(
                json_is_string(v) ? value.is_string
                : json_is_number(v) ? value.is_number
                : json_is_boolean(v) ? value.is_bool : 0);
        }
    }

    if (root) {
        json_decref(root);
    }

    ngx_destroy_pool(pool);

    return 0;
}
