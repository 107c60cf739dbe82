
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * The rate limiter's arithmetic (GCRA, src/ngx_http_apisec_limit.c): the
 * input is a rate, a burst and a sequence of requests, each some
 * milliseconds after the previous one (negative: a clock that went back),
 * run through ngx_http_apisec_limit_drain() as ngx_http_apisec_limit_access()
 * does.  Checks, for every value the directives allow: draining never
 * grows a bucket nor takes more than the elapsed time allows, the bucket
 * never holds more than burst + 1, the wait reported for a level is the
 * least that drains it, and the remaining count is consistent.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec_limit.h"


/* the bounds of the directives (src/ngx_http_apisec_limit.c) */
#define NGX_HTTP_APISEC_FUZZ_MIN_RATE   NGX_HTTP_APISEC_RATE_PER_MIN(1)
#define NGX_HTTP_APISEC_FUZZ_MAX_RATE   NGX_HTTP_APISEC_RATE_PER_SEC(1000000)
#define NGX_HTTP_APISEC_FUZZ_MAX_BURST  1000000000
#define NGX_HTTP_APISEC_FUZZ_MAX_MS     86400000


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


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t        rate, burst, level, x, y, milli;
    ngx_uint_t      remaining;
    ngx_msec_t      wait;
    const uint8_t  *p, *last;
    ngx_msec_int_t  ms;

    p = data;
    last = data + size;

    rate = ngx_http_apisec_fuzz_u64(&p, last, 8);
    rate = NGX_HTTP_APISEC_FUZZ_MIN_RATE
           + rate % (NGX_HTTP_APISEC_FUZZ_MAX_RATE
                     - NGX_HTTP_APISEC_FUZZ_MIN_RATE + 1);

    burst = ngx_http_apisec_fuzz_u64(&p, last, 4);
    burst = (burst % (NGX_HTTP_APISEC_FUZZ_MAX_BURST + 1)) * 1000;

    level = 0;

    while (p < last) {

        /* signed: the clock may go back; up to ~12 days forward */
        ms = (ngx_msec_int_t) (int32_t) ngx_http_apisec_fuzz_u64(&p, last, 4);

        x = ngx_http_apisec_limit_drain(level, ms, rate);

        ngx_http_apisec_fuzz_assert(x <= level);

        if (ms <= 0) {
            ngx_http_apisec_fuzz_assert(x == level);

        } else {
            /* no more than the time allows, nothing less unless empty */
            milli = rate * (uint64_t) ngx_min(ms, NGX_HTTP_APISEC_FUZZ_MAX_MS)
                    / 60000;
            ngx_http_apisec_fuzz_assert(level - x <= milli);
            ngx_http_apisec_fuzz_assert(x == 0 || level - x == milli);

            /* monotonic in the elapsed time */
            y = ngx_http_apisec_limit_drain(level, ms + 1, rate);
            ngx_http_apisec_fuzz_assert(y <= x);
        }

        /* the wait for a level is the least time that drains it */

        wait = ngx_http_apisec_limit_wait(x, rate);

        if (wait <= NGX_HTTP_APISEC_FUZZ_MAX_MS) {
            ngx_http_apisec_fuzz_assert(
                ngx_http_apisec_limit_drain(x, (ngx_msec_int_t) wait, rate)
                == 0);

            if (wait > 0) {
                ngx_http_apisec_fuzz_assert(
                    ngx_http_apisec_limit_drain(x, (ngx_msec_int_t) wait - 1,
                                                rate)
                    > 0);
            }
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

        ngx_http_apisec_fuzz_assert(level <= burst + 1000);

        /* the RateLimit header's reset: never more than the bucket's time */
        wait = ngx_http_apisec_limit_wait(level, rate);
        ngx_http_apisec_fuzz_assert(wait
                                    <= (burst + 1000) * 60000 / rate + 1);
    }

    return 0;
}
