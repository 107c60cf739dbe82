
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Origins (src/ngx_http_apisec_cors_origin.c): the input is an
 * apisec_cors_origin value as configured, a newline, and the Origin header
 * of a request.  The configured value is parsed as at configuration time,
 * the header checked and matched as a request's would be, and the header
 * also read as a comma-separated list (Access-Control-Request-Headers).
 * Checks that what matches is a valid origin of the configured shape, and
 * that every list element is found again by ngx_http_apisec_cors_list_has().
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec_cors.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                           *err;
    u_char                         *pos, *last, *buf;
    ngx_int_t                       rc;
    ngx_str_t                       value, origin, elt, scheme;
    ngx_pool_t                     *pool;
    ngx_array_t                     origins;
    ngx_http_apisec_cors_origin_t   o;

    pool = ngx_http_apisec_fuzz_pool();

    if (ngx_http_apisec_fuzz_line(pool, data, size, &value, &origin)
        != NGX_OK)
    {
        ngx_destroy_pool(pool);
        return 0;
    }

    /* the configured origin: buf holds value.len bytes */

    buf = ngx_pnalloc(pool, value.len ? value.len : 1);
    ngx_http_apisec_fuzz_assert(buf != NULL);

    err = NULL;

    rc = ngx_http_apisec_cors_origin_parse(&value, &o, buf, &err);

    if (rc == NGX_OK && o.type != NGX_HTTP_APISEC_ORIGIN_REGEX
        && ngx_http_apisec_cors_origin_valid(&origin) == NGX_OK)
    {
        rc = ngx_http_apisec_cors_origin_match(&o, &origin);

        if (rc == NGX_OK && o.type == NGX_HTTP_APISEC_ORIGIN_EXACT) {
            ngx_http_apisec_fuzz_assert(origin.len == o.value.len);
            ngx_http_apisec_fuzz_assert(ngx_memcmp(origin.data, o.value.data,
                                                   origin.len) == 0);
        }

        if (rc == NGX_OK && o.type == NGX_HTTP_APISEC_ORIGIN_WILDCARD) {
            ngx_http_apisec_fuzz_assert(origin.len
                                        > o.prefix.len + o.suffix.len);
            ngx_http_apisec_fuzz_assert(
                ngx_memcmp(origin.data, o.prefix.data, o.prefix.len) == 0);
            ngx_http_apisec_fuzz_assert(
                ngx_memcmp(origin.data + origin.len - o.suffix.len,
                           o.suffix.data, o.suffix.len) == 0);
        }

        origins.elts = &o;
        origins.nelts = 1;

        ngx_http_apisec_fuzz_assert(
            (ngx_http_apisec_cors_origins_match(&origins, &origin) == NGX_OK)
            == (rc == NGX_OK));

        /* the configured value taken as a Host header */

        ngx_str_set(&scheme, "https");
        (void) ngx_http_apisec_cors_same_origin(&origin, &scheme, &value);
        ngx_str_set(&scheme, "http");
        (void) ngx_http_apisec_cors_same_origin(&origin, &scheme, &value);

    } else if (rc != NGX_OK) {
        ngx_http_apisec_fuzz_assert(err != NULL);
    }

    /* the header as a list of tokens */

    pos = origin.data;
    last = origin.data + origin.len;

    while (ngx_http_apisec_cors_list_next(&pos, last, &elt) == NGX_OK) {
        ngx_http_apisec_fuzz_assert(elt.len > 0);
        ngx_http_apisec_fuzz_assert(elt.data >= origin.data
                                    && elt.data + elt.len <= last);
        ngx_http_apisec_fuzz_assert(elt.data[0] != ' '
                                    && elt.data[elt.len - 1] != ' ');
        ngx_http_apisec_fuzz_assert(ngx_strlchr(elt.data, elt.data + elt.len,
                                                ',') == NULL);
        ngx_http_apisec_fuzz_assert(ngx_http_apisec_cors_list_has(&origin,
                                                                  &elt)
                                    == NGX_OK);
        (void) ngx_http_apisec_cors_token_valid(&elt);
    }

    ngx_http_apisec_fuzz_assert(pos == last);

    ngx_destroy_pool(pool);

    return 0;
}
