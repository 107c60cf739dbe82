
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * X-Forwarded-Proto and Forwarded (apisec_trusted_proxies,
 * ngx_http_apisec_forwarded_parse()): the input is a mode byte (odd:
 * Forwarded, RFC 7239; even: X-Forwarded-Proto), then header lines
 * separated by newlines, each parsed in an allocation of its own size, as
 * one list.  Checked:
 *
 *  - the result is NGX_OK, NGX_ERROR or NGX_DECLINED, the latter exactly
 *    when the elements pass NGX_HTTP_APISEC_FORWARDED_ELTS; what the last
 *    element said is PROTO_HTTPS or PROTO_OTHER;
 *  - X-Forwarded-Proto: the same as a plain reading (split at ",", spaces
 *    and tabs trimmed, empty elements skipped, every other one a token,
 *    the last one "https" in any case or not);
 *  - Forwarded: a line that parsed, with ", for=x" after it, says
 *    PROTO_OTHER, and with ", proto=https" after it says PROTO_HTTPS: the
 *    last element decides, whatever came before it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ngx_int_t ngx_http_apisec_fuzz_xfp(ngx_str_t *line, ngx_uint_t *n,
    ngx_uint_t *proto);
static void ngx_http_apisec_fuzz_suffix(ngx_pool_t *pool, ngx_str_t *line,
    char *suffix, ngx_uint_t expect);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char      *p, *last, *e;
    ngx_int_t    rc, ref;
    ngx_str_t    line;
    ngx_uint_t   rfc7239, n, proto, ref_n, ref_proto;
    ngx_pool_t  *pool;

    if (size == 0) {
        return 0;
    }

    pool = ngx_http_apisec_fuzz_pool();

    rfc7239 = data[0] & 1;

    p = (u_char *) data + 1;
    last = (u_char *) data + size;

    n = 0;
    proto = NGX_HTTP_APISEC_PROTO_OTHER;
    ref_n = 0;
    ref_proto = NGX_HTTP_APISEC_PROTO_OTHER;
    rc = NGX_OK;
    ref = NGX_OK;

    while (p <= last) {
        e = ngx_strlchr(p, last, '\n');
        if (e == NULL) {
            e = last;
        }

        line.len = e - p;
        line.data = ngx_http_apisec_fuzz_copy(pool, p, line.len, 0);

        p = e + 1;

        rc = ngx_http_apisec_forwarded_parse(&line, rfc7239, &n, &proto);

        ngx_http_apisec_fuzz_assert(rc == NGX_OK || rc == NGX_ERROR
                                    || rc == NGX_DECLINED);
        ngx_http_apisec_fuzz_assert(proto == NGX_HTTP_APISEC_PROTO_HTTPS
                                    || proto == NGX_HTTP_APISEC_PROTO_OTHER);
        ngx_http_apisec_fuzz_assert(
            (rc == NGX_DECLINED) == (n > NGX_HTTP_APISEC_FORWARDED_ELTS));

        if (!rfc7239) {
            ref = ngx_http_apisec_fuzz_xfp(&line, &ref_n, &ref_proto);

            ngx_http_apisec_fuzz_assert(rc == ref);

            if (rc == NGX_OK) {
                ngx_http_apisec_fuzz_assert(n == ref_n);
                ngx_http_apisec_fuzz_assert(n == 0 || proto == ref_proto);
            }

        } else if (rc == NGX_OK
                   && n + 1 <= NGX_HTTP_APISEC_FORWARDED_ELTS)
        {
            ngx_http_apisec_fuzz_suffix(pool, &line, ", for=x",
                                        NGX_HTTP_APISEC_PROTO_OTHER);
            ngx_http_apisec_fuzz_suffix(pool, &line, ", proto=https",
                                        NGX_HTTP_APISEC_PROTO_HTTPS);
        }

        if (rc != NGX_OK) {
            break;
        }
    }

    ngx_destroy_pool(pool);

    return 0;
}


/* the plain reading of one X-Forwarded-Proto line */

static ngx_int_t
ngx_http_apisec_fuzz_xfp(ngx_str_t *line, ngx_uint_t *n, ngx_uint_t *proto)
{
    u_char  *p, *last, *s, *e, *q;

    p = line->data;
    last = p + line->len;

    while (p <= last) {
        e = ngx_strlchr(p, last, ',');
        if (e == NULL) {
            e = last;
        }

        s = p;
        p = e + 1;

        while (s < e && (*s == ' ' || *s == '\t')) {
            s++;
        }

        while (e > s && (e[-1] == ' ' || e[-1] == '\t')) {
            e--;
        }

        if (s == e) {
            continue;
        }

        if (++*n > NGX_HTTP_APISEC_FORWARDED_ELTS) {
            return NGX_DECLINED;
        }

        for (q = s; q < e; q++) {
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')
                  || (*q >= '0' && *q <= '9')
                  || (*q != '\0' && strchr("!#$%&'*+-.^_`|~", *q))))
            {
                return NGX_ERROR;
            }
        }

        *proto = (e - s == 5 && ngx_strncasecmp(s, (u_char *) "https", 5)
                                == 0)
                 ? NGX_HTTP_APISEC_PROTO_HTTPS : NGX_HTTP_APISEC_PROTO_OTHER;
    }

    return NGX_OK;
}


/* a Forwarded line that parsed, one element more: that element decides */

static void
ngx_http_apisec_fuzz_suffix(ngx_pool_t *pool, ngx_str_t *line, char *suffix,
    ngx_uint_t expect)
{
    u_char      *p;
    size_t       len;
    ngx_int_t    rc;
    ngx_str_t    s;
    ngx_uint_t   n, proto;

    len = ngx_strlen(suffix);

    p = ngx_pnalloc(pool, line->len + len);
    if (p == NULL) {
        return;
    }

    ngx_memcpy(p, line->data, line->len);
    ngx_memcpy(p + line->len, suffix, len);

    s.data = p;
    s.len = line->len + len;

    n = 0;
    proto = NGX_HTTP_APISEC_PROTO_NONE;

    rc = ngx_http_apisec_forwarded_parse(&s, 1, &n, &proto);

    if (rc == NGX_DECLINED) {
        return;
    }

    ngx_http_apisec_fuzz_assert(rc == NGX_OK);
    ngx_http_apisec_fuzz_assert(proto == expect);
}
