
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * JSON Schema validation (src/ngx_http_apisec_schema_validate.c): the
 * input is a schema, a NUL, then a request body; the body goes through
 * ngx_http_apisec_json_parse() as apisec_json_schema's does (depth 64,
 * duplicates refused).  Invariants: a result says why it refuses, never
 * more than MAX_ERRORS entries, pointers are RFC 6901 pointers with
 * member names cut to DETAIL_MAX bytes, and the verdict is the same twice.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                             *detail;
    u_char                           *nul, *s, *b;
    json_t                           *json, *body;
    ngx_str_t                         err;
    ngx_int_t                         rc, rc2;
    ngx_uint_t                        i;
    ngx_pool_t                       *pool;
    json_error_t                      jerr;
    ngx_http_apisec_schema_t         *schema;
    ngx_http_apisec_schema_result_t   res, res2;

    nul = memchr(data, '\0', size);
    if (nul == NULL) {
        return 0;
    }

    pool = ngx_http_apisec_fuzz_pool();

    s = ngx_http_apisec_fuzz_copy(pool, data, nul - data, 0);
    b = ngx_http_apisec_fuzz_copy(pool, nul + 1, data + size - nul - 1, 0);

    json = json_loadb((char *) s, nul - data,
                      JSON_REJECT_DUPLICATES|JSON_DECODE_ANY, &jerr);
    if (json == NULL) {
        ngx_destroy_pool(pool);
        return 0;
    }

    schema = ngx_http_apisec_schema_compile(pool, ngx_http_apisec_fuzz_log,
                                            json, json, NULL,
                                            NGX_HTTP_APISEC_SCHEMA_2020_12,
                                        NGX_HTTP_APISEC_SCHEMA_FORMAT_ASSERT,
                                            &err);
    json_decref(json);

    if (schema == NULL) {
        ngx_http_apisec_fuzz_assert(err.len > 0);
        ngx_destroy_pool(pool);
        return 0;
    }

    if (ngx_http_apisec_json_parse(ngx_http_apisec_fuzz_log, b,
                                   data + size - nul - 1, 64, &body, &detail)
        != NGX_OK)
    {
        ngx_http_apisec_fuzz_assert(detail != NULL);
        ngx_destroy_pool(pool);
        return 0;
    }

    rc = ngx_http_apisec_schema_validate(schema, body, pool, &res);
    rc2 = ngx_http_apisec_schema_validate(schema, body, pool, &res2);

    ngx_http_apisec_fuzz_assert(rc == NGX_OK || rc == NGX_DECLINED);
    ngx_http_apisec_fuzz_assert(rc == rc2 && res.total == res2.total);
    ngx_http_apisec_fuzz_assert(res.nerrors <= res.total);
    ngx_http_apisec_fuzz_assert(
                           res.nerrors <= NGX_HTTP_APISEC_SCHEMA_MAX_ERRORS);
    ngx_http_apisec_fuzz_assert((rc == NGX_OK) == (res.total == 0));

    for (i = 0; i < res.nerrors; i++) {
        ngx_http_apisec_fuzz_assert(res.errors[i].pointer.len == 0
                                    || res.errors[i].pointer.data[0] == '/');
        ngx_http_apisec_fuzz_assert(res.errors[i].pointer.len
                                    <= 8 * NGX_HTTP_APISEC_SCHEMA_DETAIL_MAX);
        ngx_http_apisec_fuzz_assert(res.errors[i].detail.len > 0
                                    && res.errors[i].detail.len <= 128);
    }

    json_decref(body);
    ngx_destroy_pool(pool);

    return 0;
}
