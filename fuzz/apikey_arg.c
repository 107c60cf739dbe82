
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * API keys and bearer tokens in the query ("apisec_api_key query=name
 * [strip]", "apisec_jwt_token query=name [strip]",
 * ngx_http_apisec_apikey_strip_arg()): the input is the argument's name, a
 * newline, then the request's arguments.  Checked against a plain
 * reading of the same text, segment by segment:
 *
 *  - found: how many arguments have the name (in any case), and the first
 *    one's value, inside the arguments;
 *  - stripped (in a copy of its own size): the same count, and what is
 *    left is every other non-empty argument, in order, and nothing else.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec_apikey.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static u_char *ngx_http_apisec_fuzz_segment(u_char *p, u_char *last,
    ngx_str_t *seg);
static ngx_uint_t ngx_http_apisec_fuzz_named(ngx_str_t *seg, ngx_str_t *name,
    ngx_str_t *value);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char      *p, *last, *q, *qlast;
    ngx_str_t    name, args, copy, value, first, seg, left, v;
    ngx_uint_t   n, count;
    ngx_pool_t  *pool;

    pool = ngx_http_apisec_fuzz_pool();

    /* a name, as the directive wants one */

    if (ngx_http_apisec_fuzz_line(pool, data, size, &name, &args) != NGX_OK
        || name.len == 0)
    {
        ngx_destroy_pool(pool);
        return 0;
    }

    /* the plain reading */

    count = 0;
    ngx_str_null(&first);

    p = args.data;
    last = args.data + args.len;

    while (p < last) {
        p = ngx_http_apisec_fuzz_segment(p, last, &seg);

        if (ngx_http_apisec_fuzz_named(&seg, &name, &v) && count++ == 0) {
            first = v;
        }
    }

    /* found */

    ngx_str_null(&value);

    n = ngx_http_apisec_apikey_strip_arg(&args, &name, &value, 0);

    ngx_http_apisec_fuzz_assert(n == count);

    if (n) {
        ngx_http_apisec_fuzz_assert(value.data == first.data
                                    && value.len == first.len);
        ngx_http_apisec_fuzz_assert(value.data >= args.data
                                    && value.data + value.len <= last);
    }

    /* stripped */

    copy.len = args.len;
    copy.data = ngx_http_apisec_fuzz_copy(pool, args.data, args.len, 0);

    n = ngx_http_apisec_apikey_strip_arg(&copy, &name, NULL, 1);

    ngx_http_apisec_fuzz_assert(n == count);
    ngx_http_apisec_fuzz_assert(copy.len <= args.len);

    /* what is left: the other non-empty arguments, in order */

    p = args.data;
    q = copy.data;
    qlast = copy.data + copy.len;

    for ( ;; ) {

        /* the next argument kept, in the original */

        left.len = 0;

        while (p < last) {
            p = ngx_http_apisec_fuzz_segment(p, last, &seg);

            if (seg.len && !ngx_http_apisec_fuzz_named(&seg, &name, &v)) {
                left = seg;
                break;
            }
        }

        /* the next non-empty one in what is left */

        seg.len = 0;

        while (q < qlast) {
            q = ngx_http_apisec_fuzz_segment(q, qlast, &seg);

            if (seg.len) {
                break;
            }
        }

        ngx_http_apisec_fuzz_assert(seg.len == left.len);

        if (left.len == 0) {
            break;
        }

        ngx_http_apisec_fuzz_assert(ngx_memcmp(seg.data, left.data, left.len)
                                    == 0);
    }

    ngx_destroy_pool(pool);

    return 0;
}


/* the argument at p, up to "&" or the end; returns where the next starts */

static u_char *
ngx_http_apisec_fuzz_segment(u_char *p, u_char *last, ngx_str_t *seg)
{
    seg->data = p;

    while (p < last && *p != '&') {
        p++;
    }

    seg->len = p - seg->data;

    return (p < last) ? p + 1 : p;
}


/* "name=value" or a bare "name", the name in any case */

static ngx_uint_t
ngx_http_apisec_fuzz_named(ngx_str_t *seg, ngx_str_t *name, ngx_str_t *value)
{
    size_t  i;

    for (i = 0; i < seg->len && seg->data[i] != '='; i++) {
        /* void */
    }

    if (i != name->len || ngx_strncasecmp(seg->data, name->data, i) != 0) {
        return 0;
    }

    value->data = (i < seg->len) ? seg->data + i + 1 : seg->data + i;
    value->len = seg->data + seg->len - value->data;

    return 1;
}
