
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Unit test of the pure CORS functions (src/ngx_http_apisec_cors_origin.c),
 * built and run by t/cors_unit.t without nginx: prints TAP.
 *
 * With -DNGX_HTTP_APISEC_FUZZ it is a libFuzzer target instead:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DNGX_HTTP_APISEC_FUZZ \
 *       <the include flags of t/cors_unit.t> t/unit/cors_origin.c \
 *       src/ngx_http_apisec_cors_origin.c -o cors_origin_fuzz
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_cors.h"

#include <stdio.h>
#include <stdlib.h>


/* the few nginx core functions the file uses, as in src/core/ngx_string.c */

void
ngx_strlow(u_char *dst, u_char *src, size_t n)
{
    while (n) {
        *dst = ngx_tolower(*src);
        dst++;
        src++;
        n--;
    }
}


ngx_int_t
ngx_strncasecmp(u_char *s1, u_char *s2, size_t n)
{
    ngx_uint_t  c1, c2;

    while (n) {
        c1 = (ngx_uint_t) *s1++;
        c2 = (ngx_uint_t) *s2++;

        c1 = (c1 >= 'A' && c1 <= 'Z') ? (c1 | 0x20) : c1;
        c2 = (c2 >= 'A' && c2 <= 'Z') ? (c2 | 0x20) : c2;

        if (c1 == c2) {
            if (c1) {
                n--;
                continue;
            }

            return 0;
        }

        return c1 - c2;
    }

    return 0;
}


u_char *
ngx_strlcasestrn(u_char *s1, u_char *last, u_char *s2, size_t n)
{
    ngx_uint_t  c1, c2;

    c2 = (ngx_uint_t) *s2++;
    c2 = (c2 >= 'A' && c2 <= 'Z') ? (c2 | 0x20) : c2;
    last -= n;

    do {
        do {
            if (s1 >= last) {
                return NULL;
            }

            c1 = (ngx_uint_t) *s1++;
            c1 = (c1 >= 'A' && c1 <= 'Z') ? (c1 | 0x20) : c1;

        } while (c1 != c2);

    } while (ngx_strncasecmp(s1, s2, n) != 0);

    return --s1;
}


#if (NGX_PCRE)

/* regex origins are covered by t/cors.t, with nginx's own PCRE */

ngx_int_t
ngx_regex_exec(ngx_regex_t *re, ngx_str_t *s, int *captures, ngx_uint_t size)
{
    return NGX_REGEX_NO_MATCHED;
}

#endif


static ngx_int_t
parse(char *value, ngx_http_apisec_cors_origin_t *o, char **err)
{
    ngx_str_t  v;

    v.len = strlen(value);
    v.data = malloc(v.len + 1);
    memcpy(v.data, value, v.len);

    return ngx_http_apisec_cors_origin_parse(&v, o,
                                             malloc(v.len ? v.len : 1), err);
}


/* an independent statement of the wildcard rule, for the random test */

static int
wildcard_expected(ngx_http_apisec_cors_origin_t *o, ngx_str_t *s)
{
    size_t   i, n;
    u_char  *m;

    if (ngx_http_apisec_cors_origin_valid(s) != NGX_OK
        || s->len <= o->prefix.len + o->suffix.len
        || memcmp(s->data, o->prefix.data, o->prefix.len) != 0
        || memcmp(s->data + s->len - o->suffix.len, o->suffix.data,
                  o->suffix.len) != 0)
    {
        return 0;
    }

    m = s->data + o->prefix.len;
    n = s->len - o->prefix.len - o->suffix.len;

    /* one or more labels: [a-z0-9-]+ separated by single dots */

    if (m[0] == '.' || m[n - 1] == '.') {
        return 0;
    }

    for (i = 0; i < n; i++) {
        if (m[i] == '.') {
            if (m[i + 1] == '.') {
                return 0;
            }

            continue;
        }

        if (!((m[i] >= 'a' && m[i] <= 'z') || (m[i] >= '0' && m[i] <= '9')
              || m[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
}


#if (NGX_HTTP_APISEC_FUZZ)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int                            init;
    static ngx_http_apisec_cors_origin_t  w, e;
    char                                 *err;
    ngx_str_t                             s;
    u_char                               *copy;

    if (!init) {
        parse("https://*.example.com", &w, &err);
        parse("https://app.example.com", &e, &err);
        init = 1;
    }

    copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    s.data = copy;
    s.len = size;

    if ((ngx_http_apisec_cors_origin_match(&w, &s) == NGX_OK)
        != wildcard_expected(&w, &s)
        && ngx_http_apisec_cors_origin_valid(&s) == NGX_OK)
    {
        abort();
    }

    if (ngx_http_apisec_cors_origin_valid(&s) == NGX_OK
        && ngx_http_apisec_cors_origin_match(&e, &s) == NGX_OK
        && (s.len != e.value.len || memcmp(s.data, e.value.data, s.len)))
    {
        abort();
    }

    (void) ngx_http_apisec_cors_token_valid(&s);

    free(copy);

    return 0;
}

#else

static int  tests;
static int  failed;


static void
ok(int cond, const char *what, const char *arg)
{
    tests++;

    if (!cond) {
        failed++;
    }

    printf("%sok %d - %s%s%s%s\n", cond ? "" : "not ", tests, what,
           arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
}


static int
valid(char *s)
{
    ngx_str_t  v;

    v.data = (u_char *) s;
    v.len = strlen(s);

    return ngx_http_apisec_cors_origin_valid(&v) == NGX_OK;
}


static int
match(ngx_http_apisec_cors_origin_t *o, char *s)
{
    ngx_str_t  v;

    v.data = (u_char *) s;
    v.len = strlen(s);

    return ngx_http_apisec_cors_origin_valid(&v) == NGX_OK
           && ngx_http_apisec_cors_origin_match(o, &v) == NGX_OK;
}


int
main(void)
{
    int                             i, j, n, agree;
    char                           *err, buf[64];
    u_char                          nul[] = "https://a\0.example.com";
    ngx_str_t                       s, h, scheme;
    ngx_uint_t                      k;
    ngx_http_apisec_cors_origin_t   o;

    static char *good[] = {
        "null", "https://app.example.com", "http://localhost:8080",
        "http://127.0.0.1:1", "https://[::1]:443", "https://[2001:db8::1]",
        "chrome-extension://abcdef", "https://a-b.c-d.example",
        "http://x:65535", NULL
    };

    static char *bad[] = {
        "", "NULL", "Null", "https://App.example.com", "HTTPS://a.com",
        "https://a.example.com.", "https://.a.com", "https://a..com",
        "https://a.com/", "https://a.com/path", "https://a.com?x",
        "https://user@a.com", "https://a.com:", "https://a.com:0",
        "https://a.com:080", "https://a.com:65536", "https://a.com:123456",
        "https://a.com x", " https://a.com", "https://a.com\t",
        "https://\xc3\xa4.com", "https://a_b.com", "https://", "https:a.com",
        "//a.com", "https://[]", "https://[::1", "https://[::g]",
        "1https://a.com", "https://a.com,https://b.com", NULL
    };

    setvbuf(stdout, NULL, _IOLBF, 0);

    for (i = 0; good[i]; i++) {
        ok(valid(good[i]), "well-formed origin", good[i]);
    }

    for (i = 0; bad[i]; i++) {
        ok(!valid(bad[i]), "malformed origin", bad[i]);
    }

    s.data = nul;
    s.len = sizeof(nul) - 1;
    ok(ngx_http_apisec_cors_origin_valid(&s) != NGX_OK,
       "an origin with a NUL byte is malformed", NULL);

    /* configuration: normalisation and errors */

    ok(parse("HTTPS://App.Example.COM:443", &o, &err) == NGX_OK
       && o.type == NGX_HTTP_APISEC_ORIGIN_EXACT
       && o.value.len == sizeof("https://app.example.com") - 1
       && memcmp(o.value.data, "https://app.example.com", o.value.len) == 0,
       "configured origin normalised", "HTTPS://App.Example.COM:443");

    ok(parse("http://localhost:80", &o, &err) == NGX_OK
       && o.value.len == sizeof("http://localhost") - 1,
       "http default port dropped", "http://localhost:80");

    ok(parse("http://localhost:443", &o, &err) == NGX_OK
       && o.value.len == sizeof("http://localhost:443") - 1,
       "443 is not http's default port", "http://localhost:443");

    ok(parse("null", &o, &err) == NGX_OK && o.value.len == 4,
       "null configured literally", NULL);

    ok(parse("~^https://x$", &o, &err) == NGX_OK
       && o.type == NGX_HTTP_APISEC_ORIGIN_REGEX,
       "regex recognised", NULL);

    {
        static char *refused[] = {
            "https://a.com/", "https://*", "https://*.", "https://a.*.com",
            "https://*a.com", "*.example.com", "https://**.a.com",
            "app.example.com", "https://a.com:99999", "https://*.[::1]",
            "https://a b.com", "", NULL
        };

        for (i = 0; refused[i]; i++) {
            ok(parse(refused[i], &o, &err) == NGX_ERROR,
               "configured origin refused", refused[i]);
        }
    }

    /* the wildcard */

    ok(parse("https://*.example.com", &o, &err) == NGX_OK
       && o.type == NGX_HTTP_APISEC_ORIGIN_WILDCARD,
       "wildcard parsed", NULL);

    {
        static char *yes[] = {
            "https://a.example.com", "https://a.b.example.com",
            "https://x-1.example.com", "https://0.example.com", NULL
        };

        static char *no[] = {
            "https://example.com", "https://example.com.evil.net",
            "https://evilexample.com", "http://a.example.com",
            "https://a.example.com.", "https://A.example.com",
            "https://a.EXAMPLE.com", "https://a.example.com:8443",
            "https://.example.com", "https://a..example.com",
            "https://a.example.com/", "https://a.example.co",
            "https://a.example.com.example.org", "https://[::1].example.com",
            "https://a.example.comx", "null", NULL
        };

        for (i = 0; yes[i]; i++) {
            ok(match(&o, yes[i]), "wildcard matches", yes[i]);
        }

        for (i = 0; no[i]; i++) {
            ok(!match(&o, no[i]), "wildcard does not match", no[i]);
        }
    }

    ok(parse("https://*.example.com:8443", &o, &err) == NGX_OK
       && match(&o, "https://a.example.com:8443")
       && !match(&o, "https://a.example.com"),
       "wildcard with a port", NULL);

    /* exact */

    parse("https://app.example.com", &o, &err);

    ok(match(&o, "https://app.example.com"), "exact matches", NULL);
    ok(!match(&o, "https://app.example.com:443"),
       "a default port in Origin is not what browsers send", NULL);
    ok(!match(&o, "https://app.example.co"), "exact: prefix", NULL);
    ok(!match(&o, "https://app.example.com.evil.net"), "exact: longer", NULL);

    /* same origin (CSRF) */

    ngx_str_set(&scheme, "https");
    ngx_str_set(&h, "API.example.com:443");
    ngx_str_set(&s, "https://api.example.com");
    ok(ngx_http_apisec_cors_same_origin(&s, &scheme, &h) == NGX_OK,
       "same origin: Host with default port and uppercase", NULL);

    ngx_str_set(&h, "api.example.com:8443");
    ok(ngx_http_apisec_cors_same_origin(&s, &scheme, &h) != NGX_OK,
       "same origin: the port counts", NULL);

    ngx_str_set(&scheme, "http");
    ngx_str_set(&h, "api.example.com");
    ok(ngx_http_apisec_cors_same_origin(&s, &scheme, &h) != NGX_OK,
       "same origin: the scheme counts", NULL);

    ngx_str_set(&h, "");
    ngx_str_set(&s, "http://");
    ok(ngx_http_apisec_cors_same_origin(&s, &scheme, &h) != NGX_OK,
       "same origin: an empty Host is nobody", NULL);

    /* lists and tokens */

    ngx_str_set(&s, " Accept-Encoding ,  ,origin\t");
    ngx_str_set(&h, "Origin");
    ok(ngx_http_apisec_cors_list_has(&s, &h) == NGX_OK,
       "list element, without case, OWS trimmed", NULL);
    ngx_str_set(&h, "Orig");
    ok(ngx_http_apisec_cors_list_has(&s, &h) != NGX_OK,
       "list: no partial element", NULL);

    ngx_str_set(&s, "X-Custom_1.a~");
    ok(ngx_http_apisec_cors_token_valid(&s) == NGX_OK, "token", NULL);
    ngx_str_set(&s, "X Custom");
    ok(ngx_http_apisec_cors_token_valid(&s) != NGX_OK, "not a token", NULL);
    ngx_str_set(&s, "a,b");
    ok(ngx_http_apisec_cors_token_valid(&s) != NGX_OK, "not a token", NULL);

    /*
     * Random origins over a small alphabet that makes near-misses likely:
     * the wildcard agrees with an independent statement of the rule, and
     * anything it matches is well formed.
     */

    parse("https://*.ex.com", &o, &err);

    srandom(6);
    agree = 1;

    for (k = 0; k < 2000000; k++) {
        static const char  alpha[] = "aexcom.-:/A1[]";

        memcpy(buf, "https://", 8);
        n = 8 + random() % 14;

        for (j = 8; j < n; j++) {
            buf[j] = alpha[random() % (sizeof(alpha) - 1)];
        }

        if (random() % 2) {
            /* near the wildcard's suffix, or on it */
            static char  *tails[] = { ".ex.com", "ex.com", ".ex.co",
                                      ".ex.com:1", ".ex.com.", "x.com" };

            j = random() % 6;
            memcpy(buf + n, tails[j], strlen(tails[j]));
            n += strlen(tails[j]);
        }

        s.data = (u_char *) buf;
        s.len = n;

        if ((ngx_http_apisec_cors_origin_valid(&s) == NGX_OK
             && ngx_http_apisec_cors_origin_match(&o, &s) == NGX_OK)
            != wildcard_expected(&o, &s))
        {
            buf[n] = '\0';
            ok(0, "random origin: wildcard disagrees with the rule", buf);
            agree = 0;
            break;
        }
    }

    ok(agree, "2,000,000 random origins: wildcard agrees with the rule",
       NULL);

    printf("1..%d\n", tests);

    return failed ? 1 : 0;
}

#endif
