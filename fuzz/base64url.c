
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * ngx_http_apisec_base64url_decode(): strict base64url.  Whatever it
 * accepts must encode back to exactly the input (one encoding per byte
 * string), fit in 3/4 of the input, and never be written past that.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec_jwt.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngx_str_t    src, dst, enc;
    ngx_pool_t  *pool;

    pool = ngx_http_apisec_fuzz_pool();

    src.len = size;
    src.data = ngx_http_apisec_fuzz_copy(pool, data, size, 0);

    /* the room the callers give it: 3/4 of the input, nothing more */
    dst.data = ngx_pnalloc(pool, size * 3 / 4 ? size * 3 / 4 : 1);
    ngx_http_apisec_fuzz_assert(dst.data != NULL);

    if (ngx_http_apisec_base64url_decode(&dst, &src) == NGX_OK) {
        ngx_http_apisec_fuzz_assert(dst.len <= size * 3 / 4);

        enc.data = ngx_pnalloc(pool, ngx_base64_encoded_length(dst.len) + 1);
        ngx_http_apisec_fuzz_assert(enc.data != NULL);

        ngx_encode_base64url(&enc, &dst);

        ngx_http_apisec_fuzz_assert(enc.len == size);
        ngx_http_apisec_fuzz_assert(ngx_memcmp(enc.data, src.data, size) == 0);
    }

    ngx_destroy_pool(pool);

    return 0;
}
