
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * ngx_http_apisec_https_host(): whether a Host (or a server_name) may stand
 * as is in the authority of the https:// Location of apisec_https_only
 * redirect.  Whatever it accepts is at most 255 bytes and either DNS
 * labels (letters, digits, "-"; 1 to 63 bytes each, no empty one) or a
 * bracketed IPv6 literal of hex digits, ":" and "." only; so never "@",
 * "?", "#", "/", "\", "%", a space or a control byte, which would change
 * the URL's authority.
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
    u_char      c;
    size_t      i, label;
    ngx_str_t   host;
    ngx_pool_t *pool;

    pool = ngx_http_apisec_fuzz_pool();

    host.len = size;
    host.data = ngx_http_apisec_fuzz_copy(pool, data, size, 0);

    if (!ngx_http_apisec_https_host(&host)) {
        ngx_destroy_pool(pool);
        return 0;
    }

    ngx_http_apisec_fuzz_assert(size > 0 && size <= 255);

    if (host.data[0] == '[') {
        ngx_http_apisec_fuzz_assert(size > 2 && host.data[size - 1] == ']');

        for (i = 1; i < size - 1; i++) {
            c = host.data[i];
            ngx_http_apisec_fuzz_assert((c >= '0' && c <= '9')
                                        || (c >= 'a' && c <= 'f')
                                        || (c >= 'A' && c <= 'F')
                                        || c == ':' || c == '.');
        }

        ngx_destroy_pool(pool);
        return 0;
    }

    label = 0;

    for (i = 0; i < size; i++) {
        c = host.data[i];

        if (c == '.') {
            ngx_http_apisec_fuzz_assert(label > 0);
            label = 0;
            continue;
        }

        ngx_http_apisec_fuzz_assert((c >= 'a' && c <= 'z')
                                    || (c >= 'A' && c <= 'Z')
                                    || (c >= '0' && c <= '9') || c == '-');
        label++;
        ngx_http_apisec_fuzz_assert(label <= 63);
    }

    ngx_http_apisec_fuzz_assert(label > 0);

    ngx_destroy_pool(pool);

    return 0;
}
