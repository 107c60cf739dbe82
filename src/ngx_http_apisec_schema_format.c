
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * The JSON Schema core's numbers, equality and formats.  Numbers compare
 * exactly (an integer against a double without rounding either) and
 * "multipleOf" is decided on decimals: a double is taken as the shortest
 * decimal that reads back as the same double (what the client wrote, when
 * it wrote at most 17 significant digits), so that 0.3 is a multiple of
 * 0.1.  Equality (enum, const, uniqueItems) is JSON Schema's: 1 equals 1.0.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_schema_node.h"

#include <math.h>


#define ngx_http_apisec_isdigit(c)  ((c) >= '0' && (c) <= '9')
#define ngx_http_apisec_isalpha(c)                                            \
    (((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z')
#define ngx_http_apisec_isalnum(c)                                            \
    (ngx_http_apisec_isdigit(c) || ngx_http_apisec_isalpha(c))
#define ngx_http_apisec_isxdigit(c)                                           \
    (ngx_http_apisec_isdigit(c) || (((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'f'))


typedef struct {
    uint64_t    digits;
    ngx_int_t   exp10;
} ngx_http_apisec_sdec_t;


static void ngx_http_apisec_schema_decimal(json_t *v,
    ngx_http_apisec_sdec_t *dec);
static ngx_int_t ngx_http_apisec_schema_date(u_char *p, size_t len);
static ngx_int_t ngx_http_apisec_schema_time(u_char *p, size_t len);
static ngx_int_t ngx_http_apisec_schema_hostname(u_char *p, size_t len);
static ngx_int_t ngx_http_apisec_schema_ipv4(u_char *p, size_t len);
static ngx_int_t ngx_http_apisec_schema_digits(u_char *p, size_t n,
    ngx_uint_t *out);


/* -1, 0, 1 as a < b, a == b, a > b, exactly */

ngx_int_t
ngx_http_apisec_schema_numcmp(json_t *a, json_t *b)
{
    double      d, fl;
    long long   i, f;
    ngx_int_t   sign;

    if (json_is_integer(a) && json_is_integer(b)) {
        i = json_integer_value(a);
        f = json_integer_value(b);
        return (i > f) - (i < f);
    }

    if (json_is_real(a) && json_is_real(b)) {
        d = json_real_value(a);
        fl = json_real_value(b);
        return (d > fl) - (d < fl);
    }

    /* a double against an integer: compare without rounding the integer */

    if (json_is_real(a)) {
        d = json_real_value(a);
        i = json_integer_value(b);
        sign = 1;

    } else {
        d = json_real_value(b);
        i = json_integer_value(a);
        sign = -1;
    }

    if (d >= 9223372036854775808.0) {
        return sign;
    }

    if (d < -9223372036854775808.0) {
        return -sign;
    }

    fl = floor(d);
    f = (long long) fl;

    if (f != i) {
        return (f > i) ? sign : -sign;
    }

    return (d > fl) ? sign : 0;
}


/* NGX_OK: value is an integer multiple of divisor (> 0), else NGX_DECLINED */

ngx_int_t
ngx_http_apisec_schema_multiple(json_t *value, json_t *divisor)
{
    uint64_t                 t, a, b;
    ngx_int_t                k;
    unsigned __int128        r;
    ngx_http_apisec_sdec_t   x, m;

    if (json_is_integer(value) && json_is_integer(divisor)) {
        a = (json_integer_value(value) < 0)
            ? 0 - (uint64_t) json_integer_value(value)
            : (uint64_t) json_integer_value(value);
        b = (uint64_t) json_integer_value(divisor);

        return (b && a % b == 0) ? NGX_OK : NGX_DECLINED;
    }

    ngx_http_apisec_schema_decimal(value, &x);
    ngx_http_apisec_schema_decimal(divisor, &m);

    a = x.digits;
    b = m.digits;

    if (b == 0) {
        return NGX_DECLINED;
    }

    if (a == 0) {
        return NGX_OK;
    }

    if (x.exp10 >= m.exp10) {
        /* a * 10^k mod b, k = x.exp10 - m.exp10 (at most ~700 steps) */

        r = a % b;

        for (k = x.exp10 - m.exp10; k > 0 && r; k--) {
            r = (r * 10) % b;
        }

        return r ? NGX_DECLINED : NGX_OK;
    }

    /* b * 10^k divides a: 10^k divides a, then b divides a / 10^k */

    k = m.exp10 - x.exp10;

    if (k > 19) {
        return NGX_DECLINED;
    }

    for (t = 1; k; k--) {
        t *= 10;
    }

    if (a % t) {
        return NGX_DECLINED;
    }

    return ((a / t) % b) ? NGX_DECLINED : NGX_OK;
}


static void
ngx_http_apisec_schema_decimal(json_t *v, ngx_http_apisec_sdec_t *dec)
{
    int         prec;
    char        buf[64], *p, *e;
    double      d;
    long long   i;

    dec->exp10 = 0;

    if (json_is_integer(v)) {
        i = json_integer_value(v);
        dec->digits = (i < 0) ? 0 - (uint64_t) i : (uint64_t) i;
        return;
    }

    d = fabs(json_real_value(v));

    if (d == 0) {
        dec->digits = 0;
        return;
    }

    /* the shortest "%.Ne" that reads back as the same double */

    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);

        if (strtod(buf, NULL) == d) {
            break;
        }
    }

    dec->digits = 0;

    for (p = buf; *p && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9') {
            dec->digits = dec->digits * 10 + (*p - '0');
        }
    }

    e = (*p == 'e') ? p + 1 : p;

    /* d = digits * 10^(exponent - (prec - 1)) */

    dec->exp10 = strtol(e, NULL, 10) - (prec - 1);

    while (dec->digits && dec->digits % 10 == 0) {
        dec->digits /= 10;
        dec->exp10++;
    }
}


ngx_uint_t
ngx_http_apisec_schema_format_name(const char *name)
{
    ngx_uint_t  i;

    static const char  *names[] = {
        "", "date-time", "date", "time", "email", "hostname", "ipv4", "ipv6",
        "uri", "uuid"
    };

    for (i = 1; i < sizeof(names) / sizeof(names[0]); i++) {
        if (ngx_strcmp(name, names[i]) == 0) {
            return i;
        }
    }

    /* an unknown format is an annotation only */

    return NGX_HTTP_APISEC_FMT_NONE;
}


ngx_int_t
ngx_http_apisec_schema_format_check(ngx_uint_t format, u_char *s,
    size_t len)
{
    u_char      *p, *at, *last, c, buf[NGX_INET6_ADDRSTRLEN + 1];
    size_t       i;
    struct in6_addr  a6;

    last = s + len;

    switch (format) {

    case NGX_HTTP_APISEC_FMT_DATE_TIME:
        if (len < 11 || (s[10] != 'T' && s[10] != 't')) {
            return NGX_DECLINED;
        }

        if (ngx_http_apisec_schema_date(s, 10) != NGX_OK) {
            return NGX_DECLINED;
        }

        return ngx_http_apisec_schema_time(s + 11, len - 11);

    case NGX_HTTP_APISEC_FMT_DATE:
        return ngx_http_apisec_schema_date(s, len);

    case NGX_HTTP_APISEC_FMT_TIME:
        return ngx_http_apisec_schema_time(s, len);

    case NGX_HTTP_APISEC_FMT_EMAIL:

        /* RFC 5321's dot-atom local part, a hostname or an address */

        at = NULL;

        for (p = s; p < last; p++) {
            if (*p == '@') {
                at = p;
            }
        }

        if (at == NULL || at == s || at - s > 64 || at[-1] == '.'
            || s[0] == '.')
        {
            return NGX_DECLINED;
        }

        for (p = s; p < at; p++) {
            c = *p;

            if (c <= 0x20 || c >= 0x7f || ngx_strchr("()<>[]:;@\\,\"", c)
                || (c == '.' && p[1] == '.'))
            {
                return NGX_DECLINED;
            }
        }

        if (at + 2 < last && at[1] == '[' && last[-1] == ']') {
            return ngx_http_apisec_schema_ipv4(at + 2, last - at - 3);
        }

        return ngx_http_apisec_schema_hostname(at + 1, last - at - 1);

    case NGX_HTTP_APISEC_FMT_HOSTNAME:
        return ngx_http_apisec_schema_hostname(s, len);

    case NGX_HTTP_APISEC_FMT_IPV4:
        return ngx_http_apisec_schema_ipv4(s, len);

    case NGX_HTTP_APISEC_FMT_IPV6:
        if (len == 0 || len > NGX_INET6_ADDRSTRLEN) {
            return NGX_DECLINED;
        }

        for (i = 0; i < len; i++) {
            c = s[i];

            if (!(ngx_http_apisec_isdigit(c) || (c >= 'a' && c <= 'f')
                  || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
            {
                return NGX_DECLINED;
            }
        }

        ngx_memcpy(buf, s, len);
        buf[len] = '\0';

        return (inet_pton(AF_INET6, (char *) buf, &a6) == 1) ? NGX_OK
                                                             : NGX_DECLINED;

    case NGX_HTTP_APISEC_FMT_URI:

        /* RFC 3986: an absolute URI, a scheme and only its characters */

        for (p = s; p < last && *p != ':'; p++) {
            if (!(ngx_http_apisec_isalpha(*p)
                  || (p > s && (ngx_http_apisec_isdigit(*p) || *p == '+'
                                || *p == '-' || *p == '.'))))
            {
                return NGX_DECLINED;
            }
        }

        if (p == s || p == last) {
            return NGX_DECLINED;
        }

        for (p++; p < last; p++) {
            c = *p;

            if (c == '%') {
                if (last - p < 3 || !ngx_http_apisec_isxdigit(p[1])
                    || !ngx_http_apisec_isxdigit(p[2]))
                {
                    return NGX_DECLINED;
                }

                p += 2;
                continue;
            }

            if (c <= 0x20 || c >= 0x7f || ngx_strchr("<>\"{}|\\^`", c)) {
                return NGX_DECLINED;
            }
        }

        return NGX_OK;

    case NGX_HTTP_APISEC_FMT_UUID:
        if (len != 36) {
            return NGX_DECLINED;
        }

        for (i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (s[i] != '-') {
                    return NGX_DECLINED;
                }

            } else if (!ngx_http_apisec_isxdigit(s[i])) {
                return NGX_DECLINED;
            }
        }

        return NGX_OK;

    default:
        return NGX_OK;
    }
}


/* RFC 3339 full-date */

static ngx_int_t
ngx_http_apisec_schema_date(u_char *p, size_t len)
{
    ngx_uint_t  y, m, d, max;

    static ngx_uint_t  days[] = {
        31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    if (len != 10 || p[4] != '-' || p[7] != '-'
        || ngx_http_apisec_schema_digits(p, 4, &y) != NGX_OK
        || ngx_http_apisec_schema_digits(p + 5, 2, &m) != NGX_OK
        || ngx_http_apisec_schema_digits(p + 8, 2, &d) != NGX_OK
        || m < 1 || m > 12 || d < 1)
    {
        return NGX_DECLINED;
    }

    max = days[m - 1];

    if (m == 2 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) {
        max = 28;
    }

    return (d <= max) ? NGX_OK : NGX_DECLINED;
}


/* RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM) */

static ngx_int_t
ngx_http_apisec_schema_time(u_char *p, size_t len)
{
    u_char      *last;
    ngx_uint_t   h, m, s, oh, om;

    last = p + len;

    if (len < 9 || p[2] != ':' || p[5] != ':'
        || ngx_http_apisec_schema_digits(p, 2, &h) != NGX_OK
        || ngx_http_apisec_schema_digits(p + 3, 2, &m) != NGX_OK
        || ngx_http_apisec_schema_digits(p + 6, 2, &s) != NGX_OK
        || h > 23 || m > 59 || s > 60)
    {
        return NGX_DECLINED;
    }

    p += 8;

    if (*p == '.') {
        p++;

        if (p == last || !ngx_http_apisec_isdigit(*p)) {
            return NGX_DECLINED;
        }

        while (p < last && ngx_http_apisec_isdigit(*p)) {
            p++;
        }
    }

    if (p == last) {
        return NGX_DECLINED;
    }

    if ((*p == 'Z' || *p == 'z') && p + 1 == last) {
        return NGX_OK;
    }

    if ((*p != '+' && *p != '-') || last - p != 6 || p[3] != ':'
        || ngx_http_apisec_schema_digits(p + 1, 2, &oh) != NGX_OK
        || ngx_http_apisec_schema_digits(p + 4, 2, &om) != NGX_OK
        || oh > 23 || om > 59)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* RFC 1123 host names: labels of letters, digits and inner hyphens */

static ngx_int_t
ngx_http_apisec_schema_hostname(u_char *p, size_t len)
{
    u_char  *last, *label;

    if (len == 0 || len > 253) {
        return NGX_DECLINED;
    }

    last = p + len;

    for (label = p; p <= last; p++) {
        if (p == last || *p == '.') {
            if (p == label || p - label > 63 || *label == '-'
                || p[-1] == '-')
            {
                return NGX_DECLINED;
            }

            label = p + 1;
            continue;
        }

        if (!ngx_http_apisec_isalnum(*p) && *p != '-') {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_schema_ipv4(u_char *p, size_t len)
{
    u_char      *last, *start;
    ngx_uint_t   parts, n;

    last = p + len;
    parts = 0;

    for ( ;; ) {
        start = p;
        n = 0;

        while (p < last && ngx_http_apisec_isdigit(*p) && p - start < 3) {
            n = n * 10 + (*p++ - '0');
        }

        if (p == start || n > 255 || (*start == '0' && p - start > 1)) {
            return NGX_DECLINED;
        }

        if (++parts == 4) {
            return (p == last) ? NGX_OK : NGX_DECLINED;
        }

        if (p == last || *p != '.') {
            return NGX_DECLINED;
        }

        p++;
    }
}


static ngx_int_t
ngx_http_apisec_schema_digits(u_char *p, size_t n, ngx_uint_t *out)
{
    *out = 0;

    while (n--) {
        if (!ngx_http_apisec_isdigit(*p)) {
            return NGX_DECLINED;
        }

        *out = *out * 10 + (*p++ - '0');
    }

    return NGX_OK;
}


/* JSON Schema equality: 1 and 1.0 are equal, members in any order */

ngx_int_t
ngx_http_apisec_schema_equal(json_t *a, json_t *b, ngx_uint_t *steps)
{
    void    *it;
    size_t   i, n;
    json_t  *v;

    (*steps)++;

    if (json_is_number(a) && json_is_number(b)) {
        return ngx_http_apisec_schema_numcmp(a, b) == 0;
    }

    if (json_typeof(a) != json_typeof(b)) {
        return 0;
    }

    switch (json_typeof(a)) {

    case JSON_STRING:
        return json_string_length(a) == json_string_length(b)
               && ngx_memcmp(json_string_value(a), json_string_value(b),
                             json_string_length(a)) == 0;

    case JSON_ARRAY:
        n = json_array_size(a);

        if (n != json_array_size(b)) {
            return 0;
        }

        for (i = 0; i < n; i++) {
            if (!ngx_http_apisec_schema_equal(json_array_get(a, i),
                                              json_array_get(b, i), steps))
            {
                return 0;
            }
        }

        return 1;

    case JSON_OBJECT:
        if (json_object_size(a) != json_object_size(b)) {
            return 0;
        }

        for (it = json_object_iter(a); it; it = json_object_iter_next(a, it))
        {
            v = json_object_getn(b, json_object_iter_key(it),
                                 json_object_iter_key_len(it));

            if (v == NULL
                || !ngx_http_apisec_schema_equal(json_object_iter_value(it),
                                                 v, steps))
            {
                return 0;
            }
        }

        return 1;

    default:
        return 1;
    }
}


/* equal values hash the same (members in any order, 1 and 1.0 alike) */

uint64_t
ngx_http_apisec_schema_hash(json_t *v)
{
    void      *it;
    size_t     i, n;
    double     d;
    uint64_t   h, m;
    u_char    *p;

    switch (json_typeof(v)) {

    case JSON_INTEGER:
        return (uint64_t) json_integer_value(v) * 0x9e3779b97f4a7c15ULL;

    case JSON_REAL:
        d = json_real_value(v);

        /* as the integer it equals, when a long long can hold it */

        if (d >= -9223372036854775808.0 && d < 9223372036854775808.0
            && d == floor(d))
        {
            return (uint64_t) (long long) d * 0x9e3779b97f4a7c15ULL;
        }

        ngx_memcpy(&h, &d, sizeof(h));
        return h * 0xff51afd7ed558ccdULL;

    case JSON_STRING:
        h = 0xcbf29ce484222325ULL;
        p = (u_char *) json_string_value(v);

        for (i = 0, n = json_string_length(v); i < n; i++) {
            h = (h ^ p[i]) * 0x100000001b3ULL;
        }

        return h;

    case JSON_ARRAY:
        h = 0x84222325ULL;

        for (i = 0, n = json_array_size(v); i < n; i++) {
            h = (h * 31) ^ ngx_http_apisec_schema_hash(json_array_get(v, i));
        }

        return h;

    case JSON_OBJECT:
        h = 0x1b3ULL;

        for (it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
            m = 0xcbf29ce484222325ULL;
            p = (u_char *) json_object_iter_key(it);

            for (i = 0, n = json_object_iter_key_len(it); i < n; i++) {
                m = (m ^ p[i]) * 0x100000001b3ULL;
            }

            h += m ^ (ngx_http_apisec_schema_hash(json_object_iter_value(it))
                      * 0xc4ceb9fe1a85ec53ULL);
        }

        return h;

    default:
        return (uint64_t) json_typeof(v) + 1;
    }
}


int
ngx_http_apisec_schema_hash_cmp(const void *a, const void *b)
{
    const ngx_http_apisec_shash_t  *ha = a, *hb = b;

    return (ha->hash > hb->hash) - (ha->hash < hb->hash);
}
