
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * The rate limiter's arithmetic (GCRA, src/ngx_http_apisec_limit.c): the
 * input is a rate, a burst and a sequence of requests, each some
 * milliseconds after the previous one (negative: a clock that went back),
 * run through ngx_http_apisec_limit_drain() as ngx_http_apisec_limit_access()
 * does.  Checks, for every value the directives allow (1 r/d to
 * 1,000,000 r/s, in requests a day): draining never grows a bucket and
 * takes exactly rate * ms / 86400 milli-requests, however long the idle
 * time (no clamp: a daily quota drains whole days), the bucket never holds
 * more than burst + 1, the admitted count never exceeds
 * 1 + burst + elapsed * rate, the wait reported for a level is the least
 * that drains it, and the remaining count is consistent.  The rate is
 * exact whatever its unit: N r/h is N requests in each 3,600,000 ms.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec_limit.h"


/* the bounds of the directives (src/ngx_http_apisec_limit.h) */
#define NGX_HTTP_APISEC_FUZZ_MIN_RATE   NGX_HTTP_APISEC_RATE_PER_DAY(1)
#define NGX_HTTP_APISEC_FUZZ_MAX_RATE   NGX_HTTP_APISEC_LIMIT_MAX_RATE
#define NGX_HTTP_APISEC_FUZZ_MAX_BURST  NGX_HTTP_APISEC_LIMIT_MAX_BURST


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static uint64_t
ngx_http_apisec_fuzz_u64(const uint8_t **p, const uint8_t *last, size_t n)
{
    uint64_t  v;

    v = 0;

    while (n-- && *p < last) {
        v = v << 8 | *(*p)++;
    }

    return v;
}


/* the oracle's arithmetic: 128 bits, never the module's own expressions */
typedef unsigned __int128  ngx_http_apisec_fuzz_u128_t;


static const struct {
    char        unit;
    uint64_t    scale;
} ngx_http_apisec_fuzz_units[] = {
    { 's', NGX_HTTP_APISEC_RATE_PER_SEC(1) },
    { 'm', NGX_HTTP_APISEC_RATE_PER_MIN(1) },
    { 'h', NGX_HTTP_APISEC_RATE_PER_HOUR(1) },
    { 'd', NGX_HTTP_APISEC_RATE_PER_DAY(1) }
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                        buf[64], *e;
    uint64_t                      rate, burst, level, x, y, n, scale, r;
    ngx_int_t                     rc;
    ngx_uint_t                    remaining, admitted, u;
    ngx_msec_t                    wait;
    const uint8_t                *p, *last;
    ngx_msec_int_t                ms;
    ngx_http_apisec_fuzz_u128_t   milli, elapsed, bound;

    p = data;
    last = data + size;

    /* the top 2 bits: the unit (r/s, r/m, r/h, r/d); the rest: N */

    rate = ngx_http_apisec_fuzz_u64(&p, last, 8);
    u = (ngx_uint_t) (rate >> 62);
    scale = ngx_http_apisec_fuzz_units[u].scale;
    n = (rate & 0x3fffffffffffffffULL)
        % (NGX_HTTP_APISEC_FUZZ_MAX_RATE / scale) + 1;
    rate = n * scale;

    ngx_http_apisec_fuzz_assert(rate >= NGX_HTTP_APISEC_FUZZ_MIN_RATE
                                && rate <= NGX_HTTP_APISEC_FUZZ_MAX_RATE);

    /* the directive's spelling of that rate parses back to it exactly */

    e = ngx_sprintf(buf, "%uLr/%c", n, ngx_http_apisec_fuzz_units[u].unit);
    r = 0;
    rc = ngx_http_apisec_limit_parse_rate(buf, e - buf, &r);
    ngx_http_apisec_fuzz_assert(rc == NGX_OK && r == rate);

    /* one more than the most is too high; zero is no rate */

    e = ngx_sprintf(buf, "%uLr/%c",
                    NGX_HTTP_APISEC_FUZZ_MAX_RATE / scale + 1,
                    ngx_http_apisec_fuzz_units[u].unit);
    rc = ngx_http_apisec_limit_parse_rate(buf, e - buf, &r);
    ngx_http_apisec_fuzz_assert(rc == NGX_DECLINED && r == rate);

    e = ngx_sprintf(buf, "0r/%c", ngx_http_apisec_fuzz_units[u].unit);
    rc = ngx_http_apisec_limit_parse_rate(buf, e - buf, &r);
    ngx_http_apisec_fuzz_assert(rc == NGX_ERROR);

    burst = ngx_http_apisec_fuzz_u64(&p, last, 4);
    burst = (burst % (NGX_HTTP_APISEC_FUZZ_MAX_BURST + 1)) * 1000;

    level = 0;
    admitted = 0;
    elapsed = 0;

    while (p < last) {

        /* signed: the clock may go back; up to ~24 days forward */
        ms = (ngx_msec_int_t) (int32_t) ngx_http_apisec_fuzz_u64(&p, last, 4);

        x = ngx_http_apisec_limit_drain(level, ms, rate);

        ngx_http_apisec_fuzz_assert(x <= level);

        if (ms <= 0) {
            ngx_http_apisec_fuzz_assert(x == level);

        } else {
            elapsed += (uint64_t) ms;

            /* exactly rate * ms / 86400 milli-requests, unless empty */
            milli = (ngx_http_apisec_fuzz_u128_t) rate * (uint64_t) ms
                    / 86400;
            ngx_http_apisec_fuzz_assert(
                x == ((level > milli) ? level - (uint64_t) milli : 0));

            /* monotonic in the elapsed time */
            y = ngx_http_apisec_limit_drain(level, ms + 1, rate);
            ngx_http_apisec_fuzz_assert(y <= x);
        }

        /* the wait for a level is the least time that drains it */

        wait = ngx_http_apisec_limit_wait(x, rate);

        ngx_http_apisec_fuzz_assert(
            wait == ((ngx_http_apisec_fuzz_u128_t) x * 86400 + rate - 1)
                    / rate);

        ngx_http_apisec_fuzz_assert(
            ngx_http_apisec_limit_drain(x, (ngx_msec_int_t) wait, rate) == 0);

        if (wait > 0) {
            ngx_http_apisec_fuzz_assert(
                ngx_http_apisec_limit_drain(x, (ngx_msec_int_t) wait - 1,
                                            rate)
                > 0);
        }

        remaining = ngx_http_apisec_limit_remaining(x, burst);

        if (x > burst) {
            /* refused, as ngx_http_apisec_limit_access() decides */
            ngx_http_apisec_fuzz_assert(remaining == 0);
            level = x;
            continue;
        }

        ngx_http_apisec_fuzz_assert(remaining >= 1);
        ngx_http_apisec_fuzz_assert(remaining == (burst - x) / 1000 + 1);

        level = x + 1000;
        admitted++;

        ngx_http_apisec_fuzz_assert(level <= burst + 1000);

        /* never more than 1 + burst + what the elapsed time allows */
        bound = burst + 1000
                + (ngx_http_apisec_fuzz_u128_t) rate * elapsed / 86400;
        ngx_http_apisec_fuzz_assert(
            (ngx_http_apisec_fuzz_u128_t) admitted * 1000 <= bound);

        /* the RateLimit header's reset: never more than the bucket's time */
        wait = ngx_http_apisec_limit_wait(level, rate);
        ngx_http_apisec_fuzz_assert(
            wait <= ((ngx_http_apisec_fuzz_u128_t) (burst + 1000) * 86400
                     + rate - 1) / rate);
    }

    return 0;
}
