
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * JSON Schema compile (src/ngx_http_apisec_schema.c): the input's first
 * byte chooses the dialect and the format flag, the rest is the schema
 * (arbitrary bytes; what jansson refuses ends there).  A failed compile
 * must say why; a schema that compiles validates itself as an instance,
 * with the invariants of every result.  No file is given: a "$ref" to a
 * file is refused, never read.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec_schema.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                           *buf;
    json_t                           *json;
    ngx_str_t                         err;
    ngx_int_t                         rc;
    ngx_uint_t                        i;
    ngx_pool_t                       *pool;
    json_error_t                      jerr;
    ngx_http_apisec_schema_t         *schema;
    ngx_http_apisec_schema_result_t   res;

    if (size < 1) {
        return 0;
    }

    pool = ngx_http_apisec_fuzz_pool();

    buf = ngx_http_apisec_fuzz_copy(pool, data + 1, size - 1, 0);

    json = json_loadb((char *) buf, size - 1,
                      JSON_REJECT_DUPLICATES|JSON_DECODE_ANY, &jerr);
    if (json == NULL) {
        ngx_destroy_pool(pool);
        return 0;
    }

    schema = ngx_http_apisec_schema_compile(pool, ngx_http_apisec_fuzz_log,
                                            json, json, NULL, data[0] % 3,
                                            (data[0] >> 2) & 1, &err);

    if (schema == NULL) {
        ngx_http_apisec_fuzz_assert(err.len > 0);

    } else {
        rc = ngx_http_apisec_schema_validate(schema, json, pool, &res);

        ngx_http_apisec_fuzz_assert(rc == NGX_OK || rc == NGX_DECLINED);
        ngx_http_apisec_fuzz_assert(res.nerrors <= res.total);
        ngx_http_apisec_fuzz_assert(
                           res.nerrors <= NGX_HTTP_APISEC_SCHEMA_MAX_ERRORS);
        ngx_http_apisec_fuzz_assert((rc == NGX_OK) == (res.total == 0));

        for (i = 0; i < res.nerrors; i++) {
            ngx_http_apisec_fuzz_assert(res.errors[i].pointer.len == 0
                                   || res.errors[i].pointer.data[0] == '/');
            ngx_http_apisec_fuzz_assert(res.errors[i].detail.len > 0
                                        && res.errors[i].detail.len <= 128);
        }
    }

    json_decref(json);

    /* the schema keeps its own reference until the pool goes */

    ngx_destroy_pool(pool);

    return 0;
}
