
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_apisec_jose.h"


/*
 * The JOSE core: what a compact JWS is (RFC 7515, 7518, 7519), checked
 * against a policy, with no request, no configuration and no library
 * state.  The header members that would bring their own key or point to
 * one (jwk, jku, x5u, x5c) are never read: a token's keys are the
 * configured or fetched ones only.
 */


/* how deep the scanner follows objects and arrays; deeper: jansson's */
#define NGX_HTTP_APISEC_JOSE_SCAN_DEPTH    16

/* the members of one object the scanner keeps apart; more: jansson's */
#define NGX_HTTP_APISEC_JOSE_SCAN_MEMBERS  32


static u_char *ngx_http_apisec_jose_scan_object(u_char *p, u_char *last,
    ngx_http_apisec_jose_claims_t *claims, ngx_uint_t depth);
static u_char *ngx_http_apisec_jose_scan_value(u_char *p, u_char *last,
    ngx_http_apisec_jose_value_t *v, ngx_http_apisec_jose_claims_t *aud,
    ngx_uint_t depth);
static void ngx_http_apisec_jose_claim_json(json_t *json, const char *name,
    ngx_http_apisec_jose_value_t *v);
static ngx_int_t ngx_http_apisec_jose_type_match(ngx_str_t *a, ngx_str_t *b);


ngx_http_apisec_jose_alg_t  ngx_http_apisec_jose_algs[] = {
    { ngx_string("HS256"), NGX_HTTP_APISEC_KTY_OCT, 0, 0, 0 },
    { ngx_string("HS384"), NGX_HTTP_APISEC_KTY_OCT, 1, 0, 0 },
    { ngx_string("HS512"), NGX_HTTP_APISEC_KTY_OCT, 2, 0, 0 },
    { ngx_string("RS256"), NGX_HTTP_APISEC_KTY_RSA, 0, 0, 0 },
    { ngx_string("RS384"), NGX_HTTP_APISEC_KTY_RSA, 1, 0, 0 },
    { ngx_string("RS512"), NGX_HTTP_APISEC_KTY_RSA, 2, 0, 0 },
    { ngx_string("PS256"), NGX_HTTP_APISEC_KTY_RSA, 0, 0, 1 },
    { ngx_string("PS384"), NGX_HTTP_APISEC_KTY_RSA, 1, 0, 1 },
    { ngx_string("PS512"), NGX_HTTP_APISEC_KTY_RSA, 2, 0, 1 },
    { ngx_string("ES256"), NGX_HTTP_APISEC_KTY_EC, 0, 32, 0 },
    { ngx_string("ES384"), NGX_HTTP_APISEC_KTY_EC, 1, 48, 0 },
    { ngx_string("ES512"), NGX_HTTP_APISEC_KTY_EC, 2, 66, 0 },
    { ngx_string("EdDSA"), NGX_HTTP_APISEC_KTY_ED25519, 0, 0, 0 },
    { ngx_null_string, 0, 0, 0, 0 }
};


/* RFC 4648, section 5, and nothing else: no padding, no "+" or "/" */

static u_char  ngx_http_apisec_basis64url[] = {
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 62, 77, 77,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 77, 77, 77, 77, 77, 77,
    77,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 77, 77, 77, 77, 63,
    77, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 77, 77, 77, 77, 77,

    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77
};


/* RFC 6750, 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"=" */

static uint32_t  ngx_http_apisec_b64token[] = {
    0x00000000, /* 0000 0000 0000 0000  0000 0000 0000 0000 */

                /* ?>=< ;:98 7654 3210  /.-, +*)( '&%$ #"!  */
    0x03ffe800, /* 0000 0011 1111 1111  1110 1000 0000 0000 */

                /* _^]\ [ZYX WVUT SRQP  ONML KJIH GFED CBA@ */
    0x87fffffe, /* 1000 0111 1111 1111  1111 1111 1111 1110 */

                /*  ~}| {zyx wvut srqp  onml kjih gfed cba` */
    0x47fffffe, /* 0100 0111 1111 1111  1111 1111 1111 1110 */

    0x00000000, /* 1111 1111 1111 1111  1111 1111 1111 1111 */
    0x00000000, /* 1111 1111 1111 1111  1111 1111 1111 1111 */
    0x00000000, /* 1111 1111 1111 1111  1111 1111 1111 1111 */
    0x00000000  /* 1111 1111 1111 1111  1111 1111 1111 1111 */
};


/* the index of an algorithm by its name; NGX_ERROR: none */

ngx_int_t
ngx_http_apisec_jose_alg(u_char *name, size_t len)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_APISEC_NALGS; i++) {
        if (ngx_http_apisec_jose_algs[i].name.len == len
            && ngx_strncmp(ngx_http_apisec_jose_algs[i].name.data, name, len)
               == 0)
        {
            return i;
        }
    }

    return NGX_ERROR;
}


/*
 * "Bearer" 1*SP b64token, spaces around tolerated, the scheme in any case.
 * NGX_OK: the token; NGX_DECLINED: another scheme (no bearer credentials);
 * NGX_ABORT: a token longer than "max"; NGX_ERROR: malformed.  With NGX_OK
 * and seg not NULL, seg[] holds what ngx_http_apisec_jose_split() would
 * find when it would find three segments, found in the same pass; else
 * seg[0].data is NULL.
 */

ngx_int_t
ngx_http_apisec_jose_bearer(ngx_str_t *value, size_t max, ngx_str_t *token,
    ngx_str_t *seg)
{
    u_char      *p, *last, *start, *basis, *dot[2];
    ngx_uint_t   dots, other;

    p = value->data;
    last = p + value->len;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    while (last > p && (last[-1] == ' ' || last[-1] == '\t')) {
        last--;
    }

    if (last - p < 6
        || !ngx_http_apisec_jose_is_bearer(p)
        || (last - p > 6 && p[6] != ' ' && p[6] != '\t'))
    {
        return NGX_DECLINED;
    }

    p += 6;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p == last) {
        return NGX_ERROR;
    }

    if ((size_t) (last - p) > max) {
        return NGX_ABORT;
    }

    start = p;

    /*
     * eight characters at a time while they are all base64url (a subset
     * of b64token): a token is scanned on every request
     */

    basis = ngx_http_apisec_basis64url;

    while (last - p >= 8
           && !((basis[p[0]] | basis[p[1]] | basis[p[2]] | basis[p[3]]
                 | basis[p[4]] | basis[p[5]] | basis[p[6]] | basis[p[7]])
                & 0x40))
    {
        p += 8;
    }

    dots = 0;
    other = 0;

    while (p < last
           && (ngx_http_apisec_b64token[*p >> 5] & (1U << (*p & 0x1f))))
    {
        /* not base64url: a dot of the three segments, or "~", "+", "/" */

        if (basis[*p] & 0x40) {
            if (*p == '.' && dots < 2) {
                dot[dots++] = p;

            } else {
                other = 1;
            }
        }

        p++;

        while (last - p >= 8
               && !((basis[p[0]] | basis[p[1]] | basis[p[2]] | basis[p[3]]
                     | basis[p[4]] | basis[p[5]] | basis[p[6]] | basis[p[7]])
                    & 0x40))
        {
            p += 8;
        }
    }

    if (p < last && *p == '=') {
        other = 1;

        while (p < last && *p == '=') {
            p++;
        }
    }

    if (p != last || p == start || *start == '=') {
        return NGX_ERROR;
    }

    token->len = last - start;
    token->data = start;

    if (seg == NULL) {
        return NGX_OK;
    }

    if (dots != 2 || other || dot[0] == start || dot[1] == dot[0] + 1) {
        seg[0].data = NULL;
        return NGX_OK;
    }

    seg[0].data = start;
    seg[0].len = dot[0] - start;
    seg[1].data = dot[0] + 1;
    seg[1].len = dot[1] - seg[1].data;
    seg[2].data = dot[1] + 1;
    seg[2].len = last - seg[2].data;

    return NGX_OK;
}


/* header.claims.signature, base64url, the signature possibly empty */

ngx_int_t
ngx_http_apisec_jose_split(ngx_str_t *token, ngx_str_t *seg)
{
    u_char      *p, *last, *basis;
    ngx_uint_t   n;

    n = 0;
    seg[0].data = token->data;

    last = token->data + token->len;

    basis = ngx_http_apisec_basis64url;

    for (p = token->data; p < last; p++) {

        /* eight base64url characters at a time, the dots one by one */

        while (last - p >= 8
               && !((basis[p[0]] | basis[p[1]] | basis[p[2]] | basis[p[3]]
                     | basis[p[4]] | basis[p[5]] | basis[p[6]] | basis[p[7]])
                    & 0x40))
        {
            p += 8;
        }

        if (p == last) {
            break;
        }

        if (*p == '.') {
            if (n == 2) {
                return NGX_DECLINED;
            }

            seg[n].len = p - seg[n].data;
            seg[++n].data = p + 1;
            continue;
        }

        if (basis[*p] == 77) {
            return NGX_DECLINED;
        }
    }

    if (n != 2) {
        return NGX_DECLINED;
    }

    seg[2].len = last - seg[2].data;

    /* an empty signature is left for the alg checks to refuse */

    if (seg[0].len == 0 || seg[1].len == 0) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * Strict base64url: the alphabet of RFC 4648, 5, no padding, and the
 * unused bits of the last character zero, so that one byte string has one
 * encoding only.  dst->data has room for 3/4 of src->len.
 */

ngx_int_t
ngx_http_apisec_base64url_decode(ngx_str_t *dst, ngx_str_t *src)
{
    u_char     *d, *s, *end, *basis;
    size_t      len;
    uint32_t    bad, v, *t;
    ngx_uint_t  i, x;

    static uint32_t  table[4][256];
    static ngx_uint_t  ready;

    basis = ngx_http_apisec_basis64url;

    s = src->data;
    len = src->len;

    if (len % 4 == 1) {
        return NGX_ERROR;
    }

    /*
     * four characters to three bytes by one table per position: each
     * character's bits already where they go in the 24 bits of the three
     * bytes, bit 31 for a character outside the alphabet; "bad" is looked
     * at once at the end, what was written to dst then does not matter
     */

    if (!ready) {
        for (i = 0; i < 256; i++) {
            x = basis[i];

            if (x & 0x40) {
                table[0][i] = table[1][i] = table[2][i] = table[3][i]
                            = 0x80000000;
                continue;
            }

            table[0][i] = (uint32_t) x << 18;
            table[1][i] = (uint32_t) x << 12;
            table[2][i] = (uint32_t) x << 6;
            table[3][i] = (uint32_t) x;
        }

        ready = 1;
    }

    t = &table[0][0];

    bad = 0;
    end = s + (len & ~(size_t) 3);

    for (d = dst->data; s < end; s += 4, d += 3) {
        v = t[s[0]] | t[256 + s[1]] | t[512 + s[2]] | t[768 + s[3]];
        bad |= v;

        d[0] = (u_char) (v >> 16);
        d[1] = (u_char) (v >> 8);
        d[2] = (u_char) v;
    }

    if (bad & 0x80000000) {
        return NGX_ERROR;
    }

    len &= 3;

    if (len == 2) {
        if (((basis[s[0]] | basis[s[1]]) & 0x40) || (basis[s[1]] & 0x0f)) {
            return NGX_ERROR;
        }

        *d++ = (u_char) (basis[s[0]] << 2 | basis[s[1]] >> 4);

    } else if (len == 3) {
        if (((basis[s[0]] | basis[s[1]] | basis[s[2]]) & 0x40)
            || (basis[s[2]] & 0x03))
        {
            return NGX_ERROR;
        }

        *d++ = (u_char) (basis[s[0]] << 2 | basis[s[1]] >> 4);
        *d++ = (u_char) (basis[s[1]] << 4 | basis[s[2]] >> 2);
    }

    dst->len = d - dst->data;

    return NGX_OK;
}


/*
 * Would ngx_http_apisec_base64url_decode() decode src?  The same checks,
 * nothing written.
 */

ngx_int_t
ngx_http_apisec_base64url_valid(ngx_str_t *src)
{
    u_char  *s, *last, *basis;
    size_t   len;

    basis = ngx_http_apisec_basis64url;

    s = src->data;
    len = src->len;
    last = s + len;

    if (len % 4 == 1) {
        return NGX_ERROR;
    }

    while (last - s >= 8
           && !((basis[s[0]] | basis[s[1]] | basis[s[2]] | basis[s[3]]
                 | basis[s[4]] | basis[s[5]] | basis[s[6]] | basis[s[7]])
                & 0x40))
    {
        s += 8;
    }

    while (s < last && !(basis[*s] & 0x40)) {
        s++;
    }

    if (s != last) {
        return NGX_ERROR;
    }

    /* the unused bits of the last character are zero */

    if ((len % 4 == 2 && (basis[last[-1]] & 0x0f))
        || (len % 4 == 3 && (basis[last[-1]] & 0x03)))
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * A header or claims segment: base64url-decoded into buf (room for 3/4 of
 * seg->len), then a JSON object without duplicate member names.  NULL with
 * *why set when it is not.  what: "header" or "claims".
 */

json_t *
ngx_http_apisec_jose_json(ngx_str_t *seg, u_char *buf, char **why,
    char *what)
{
    ngx_str_t  text;

    text.data = buf;

    if (ngx_http_apisec_base64url_decode(&text, seg) != NGX_OK) {
        *why = (what[0] == 'h') ? "header is not base64url"
                                : "claims are not base64url";
        return NULL;
    }

    return ngx_http_apisec_jose_load(&text, why, what);
}


/*
 * Decoded JSON text to an object without duplicate member names, by
 * jansson: NULL with *why set when it is not one.  what: "header" or
 * "claims".
 */

json_t *
ngx_http_apisec_jose_load(ngx_str_t *text, char **why, char *what)
{
    json_t        *json;
    json_error_t   err;

    json = json_loadb((char *) text->data, text->len, JSON_REJECT_DUPLICATES,
                      &err);

    if (json == NULL) {
        if (json_error_code(&err) == json_error_duplicate_key) {
            *why = (what[0] == 'h') ? "duplicate member name in header"
                                    : "duplicate member name in claims";
        } else {
            *why = (what[0] == 'h') ? "header is not JSON"
                                    : "claims are not JSON";
        }

        return NULL;
    }

    if (!json_is_object(json)) {
        json_decref(json);
        *why = (what[0] == 'h') ? "header is not a JSON object"
                                : "claims are not a JSON object";
        return NULL;
    }

    return json;
}


/*
 * The JOSE header (RFC 7515, 4.1): kid, when present, a string (*kid; left
 * as it is when absent); alg known, never "none", and among the policy's;
 * no crit; typ, when the policy has types, one of them.
 */

ngx_uint_t
ngx_http_apisec_jose_check_header(json_t *header,
    ngx_http_apisec_jose_policy_t *policy, ngx_uint_t *alg, ngx_str_t *kid,
    char **why)
{
    json_t      *v;
    ngx_int_t    a;
    ngx_str_t    s, *type;
    ngx_uint_t   i;

    v = json_object_get(header, "kid");

    if (v) {
        if (!json_is_string(v)) {
            *why = "kid is not a string";
            return NGX_HTTP_APISEC_JWT_MALFORMED;
        }

        kid->len = json_string_length(v);
        kid->data = (u_char *) json_string_value(v);
    }

    v = json_object_get(header, "alg");

    if (!json_is_string(v)) {
        *why = "no alg in header";
        return NGX_HTTP_APISEC_JWT_MALFORMED;
    }

    s.len = json_string_length(v);
    s.data = (u_char *) json_string_value(v);

    if (s.len == 4 && ngx_strncasecmp(s.data, (u_char *) "none", 4) == 0) {
        *why = "alg \"none\" is never accepted";
        return NGX_HTTP_APISEC_JWT_BAD_ALG;
    }

    a = ngx_http_apisec_jose_alg(s.data, s.len);

    if (a == NGX_ERROR) {
        *why = "unsupported alg";
        return NGX_HTTP_APISEC_JWT_BAD_ALG;
    }

    if (!(policy->algorithms & NGX_HTTP_APISEC_ALG_BIT(a))) {
        *why = "alg not in apisec_jwt_algorithms";
        return NGX_HTTP_APISEC_JWT_BAD_ALG;
    }

    *alg = a;

    /* no extension is understood (RFC 7515, 4.1.11) */

    if (json_object_get(header, "crit")) {
        *why = "crit names an extension not understood";
        return NGX_HTTP_APISEC_JWT_CRIT;
    }

    if (policy->types == NULL) {
        return NGX_HTTP_APISEC_JWT_OK;
    }

    v = json_object_get(header, "typ");

    if (!json_is_string(v)) {
        *why = "no typ in header";
        return NGX_HTTP_APISEC_JWT_BAD_TYPE;
    }

    s.len = json_string_length(v);
    s.data = (u_char *) json_string_value(v);

    if (ngx_http_apisec_jose_strip_media(&s) == NGX_OK) {
        type = policy->types->elts;

        for (i = 0; i < policy->types->nelts; i++) {
            if (ngx_http_apisec_jose_type_match(&s, &type[i]) == NGX_OK) {
                return NGX_HTTP_APISEC_JWT_OK;
            }
        }
    }

    *why = "typ not accepted";
    return NGX_HTTP_APISEC_JWT_BAD_TYPE;
}


/*
 * The claims (RFC 7519, 4.1) of a token: decoded from seg into buf (room
 * for 3/4 of seg->len: *text), then read by the scanner, or by jansson
 * where the scanner stands aside (*json, then the caller's: NULL when the
 * scanner read them).  NGX_ERROR with *why set: not base64url, or not a
 * JSON object without duplicate member names, as jansson says.
 */

ngx_int_t
ngx_http_apisec_jose_claims(ngx_str_t *seg, u_char *buf, ngx_str_t *text,
    ngx_http_apisec_jose_claims_t *claims, json_t **json, char **why)
{
    text->data = buf;

    if (ngx_http_apisec_base64url_decode(text, seg) != NGX_OK) {
        *json = NULL;
        *why = "claims are not base64url";
        return NGX_ERROR;
    }

    return ngx_http_apisec_jose_claims_text(text, claims, json, why);
}


/* the same with the claims decoded already */

ngx_int_t
ngx_http_apisec_jose_claims_text(ngx_str_t *text,
    ngx_http_apisec_jose_claims_t *claims, json_t **json, char **why)
{
    *json = NULL;

    if (ngx_http_apisec_jose_scan(text, claims) == NGX_OK) {
        return NGX_OK;
    }

    *json = ngx_http_apisec_jose_load(text, why, "claims");

    if (*json == NULL) {
        return NGX_ERROR;
    }

    ngx_http_apisec_jose_claims_json(*json, claims);

    return NGX_OK;
}


/*
 * The claims scanner: one pass over the decoded claims, no allocation,
 * the registered claims a policy reads noted as it goes.  It reads a
 * subset of JSON only, the one tokens are made of: an object; member
 * names and strings of printable ASCII without escapes; integers of 15
 * digits at most (exact as a double); true, false, null; arrays and
 * objects 16 deep at most, of 32 members at most each; an "aud" array of
 * 16 elements at most.  Within that subset it accepts exactly what
 * jansson accepts with JSON_REJECT_DUPLICATES and finds the same values
 * (fuzz/claims_scan.c checks both on every input).  NGX_OK: the claims
 * are read; NGX_DECLINED: the text is outside the subset (malformed or
 * not), and jansson decides.  The scanner refuses nothing itself, so that
 * what is refused, and why, is jansson's alone.
 */

static u_char  ngx_http_apisec_jose_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* no '"' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,     /* no '\' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,     /* no DEL */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};


#define ngx_http_apisec_jose_scan_ws(p, last)                                 \
    while (p < last && *p <= ' '                                              \
           && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))          \
    {                                                                         \
        p++;                                                                  \
    }

/* printable ASCII but '"' and '\' from p on: where it stops */

#define ngx_http_apisec_jose_scan_plain(p, last)                              \
    while (last - p >= 4                                                      \
           && ngx_http_apisec_jose_plain[p[0]]                                \
           && ngx_http_apisec_jose_plain[p[1]]                                \
           && ngx_http_apisec_jose_plain[p[2]]                                \
           && ngx_http_apisec_jose_plain[p[3]])                               \
    {                                                                         \
        p += 4;                                                               \
    }                                                                         \
                                                                              \
    while (p < last && ngx_http_apisec_jose_plain[*p]) {                      \
        p++;                                                                  \
    }


ngx_int_t
ngx_http_apisec_jose_scan(ngx_str_t *text,
    ngx_http_apisec_jose_claims_t *claims)
{
    u_char  *p, *last;

    claims->exp.type = NGX_HTTP_APISEC_JOSE_ABSENT;
    claims->nbf.type = NGX_HTTP_APISEC_JOSE_ABSENT;
    claims->iat.type = NGX_HTTP_APISEC_JOSE_ABSENT;
    claims->sub.type = NGX_HTTP_APISEC_JOSE_ABSENT;
    claims->iss.type = NGX_HTTP_APISEC_JOSE_ABSENT;
    claims->aud.type = NGX_HTTP_APISEC_JOSE_ABSENT;
    claims->naud = 0;
    claims->aud_json = NULL;

    p = text->data;
    last = p + text->len;

    ngx_http_apisec_jose_scan_ws(p, last);

    if (p == last || *p != '{') {
        return NGX_DECLINED;
    }

    p = ngx_http_apisec_jose_scan_object(p + 1, last, claims, 1);

    if (p == NULL) {
        return NGX_DECLINED;
    }

    ngx_http_apisec_jose_scan_ws(p, last);

    return (p == last) ? NGX_OK : NGX_DECLINED;
}


/*
 * After "{": the members and the "}"; where the object ends, or NULL
 * (outside the subset).  claims: the top level's only.
 */

static u_char *
ngx_http_apisec_jose_scan_object(u_char *p, u_char *last,
    ngx_http_apisec_jose_claims_t *claims, ngx_uint_t depth)
{
    u_char                        *k, *start;
    size_t                         len;
    ngx_str_t                      key[NGX_HTTP_APISEC_JOSE_SCAN_MEMBERS];
    ngx_uint_t                     i, n;
    ngx_http_apisec_jose_value_t  *v;
    ngx_http_apisec_jose_claims_t *aud;

    for (n = 0; /* void */; n++) {

        ngx_http_apisec_jose_scan_ws(p, last);

        if (p == last) {
            return NULL;
        }

        if (*p == '}' && n == 0) {
            return p + 1;
        }

        if (*p != '"' || n == NGX_HTTP_APISEC_JOSE_SCAN_MEMBERS) {
            return NULL;
        }

        /* a member name: short, one character at a time */

        k = ++p;

        while (p < last && ngx_http_apisec_jose_plain[*p]) {
            p++;
        }

        if (p == last || *p != '"') {
            return NULL;
        }

        len = p++ - k;

        /* a duplicate member name: jansson's to refuse */

        for (i = 0; i < n; i++) {
            if (key[i].len == len
                && (len == 0
                    || (key[i].data[0] == k[0]
                        && ngx_memcmp(key[i].data, k, len) == 0)))
            {
                return NULL;
            }
        }

        key[n].len = len;
        key[n].data = k;

        if (p < last && *p == ':') {
            p++;

        } else {
            ngx_http_apisec_jose_scan_ws(p, last);

            if (p == last || *p != ':') {
                return NULL;
            }

            p++;
        }

        ngx_http_apisec_jose_scan_ws(p, last);

        if (p == last) {
            return NULL;
        }

        v = NULL;
        aud = NULL;

        if (claims && len == 3) {

            switch (k[0]) {

            case 'e':
                if (k[1] == 'x' && k[2] == 'p') {
                    v = &claims->exp;
                }
                break;

            case 'n':
                if (k[1] == 'b' && k[2] == 'f') {
                    v = &claims->nbf;
                }
                break;

            case 'i':
                if (k[1] == 'a' && k[2] == 't') {
                    v = &claims->iat;

                } else if (k[1] == 's' && k[2] == 's') {
                    v = &claims->iss;
                }
                break;

            case 's':
                if (k[1] == 'u' && k[2] == 'b') {
                    v = &claims->sub;
                }
                break;

            case 'a':
                if (k[1] == 'u' && k[2] == 'd') {
                    v = &claims->aud;
                    aud = claims;
                }
                break;
            }
        }

        if (*p == '"') {

            /* a string, the most frequent value, here */

            start = ++p;

            ngx_http_apisec_jose_scan_plain(p, last);

            if (p == last || *p != '"') {
                return NULL;
            }

            if (v) {
                v->type = NGX_HTTP_APISEC_JOSE_STRING;
                v->string.data = start;
                v->string.len = p - start;
            }

            p++;

        } else {
            p = ngx_http_apisec_jose_scan_value(p, last, v, aud, depth);

            if (p == NULL) {
                return NULL;
            }
        }

        if (p < last && *p == ',') {
            p++;
            continue;
        }

        ngx_http_apisec_jose_scan_ws(p, last);

        if (p == last) {
            return NULL;
        }

        if (*p == '}') {
            return p + 1;
        }

        if (*p != ',') {
            return NULL;
        }

        p++;
    }
}


/*
 * One value at p (not whitespace, not the end), noted in *v when v is not
 * NULL; aud: an array's elements go to aud->auds[].  Where it ends, or
 * NULL.
 */

static u_char *
ngx_http_apisec_jose_scan_value(u_char *p, u_char *last,
    ngx_http_apisec_jose_value_t *v, ngx_http_apisec_jose_claims_t *aud,
    ngx_uint_t depth)
{
    u_char                        *start;
    int64_t                        n;
    uint64_t                       w;
    ngx_uint_t                     type, neg;
    ngx_http_apisec_jose_value_t  *e;

    type = NGX_HTTP_APISEC_JOSE_OTHER;

    switch (*p) {

    case '"':
        start = ++p;

        ngx_http_apisec_jose_scan_plain(p, last);

        if (p == last || *p != '"') {
            return NULL;
        }

        if (v) {
            v->type = NGX_HTTP_APISEC_JOSE_STRING;
            v->string.data = start;
            v->string.len = p - start;
        }

        return p + 1;

    case '{':
        if (depth == NGX_HTTP_APISEC_JOSE_SCAN_DEPTH) {
            return NULL;
        }

        p = ngx_http_apisec_jose_scan_object(p + 1, last, NULL, depth + 1);

        if (p == NULL) {
            return NULL;
        }

        break;

    case '[':
        if (depth == NGX_HTTP_APISEC_JOSE_SCAN_DEPTH) {
            return NULL;
        }

        p++;

        if (aud) {
            type = NGX_HTTP_APISEC_JOSE_ARRAY;
        }

        ngx_http_apisec_jose_scan_ws(p, last);

        if (p < last && *p == ']') {
            p++;
            break;
        }

        for ( ;; ) {

            if (p == last) {
                return NULL;
            }

            e = NULL;

            if (aud) {
                if (aud->naud == NGX_HTTP_APISEC_JOSE_AUD_MAX) {
                    return NULL;
                }

                e = &aud->auds[aud->naud++];
                e->type = NGX_HTTP_APISEC_JOSE_OTHER;
            }

            p = ngx_http_apisec_jose_scan_value(p, last, e, NULL, depth + 1);

            if (p == NULL) {
                return NULL;
            }

            ngx_http_apisec_jose_scan_ws(p, last);

            if (p == last) {
                return NULL;
            }

            if (*p == ']') {
                p++;
                break;
            }

            if (*p != ',') {
                return NULL;
            }

            p++;

            ngx_http_apisec_jose_scan_ws(p, last);
        }

        break;

    case 't':
        if (last - p < 4 || ngx_strncmp(p, "true", 4) != 0) {
            return NULL;
        }

        p += 4;
        break;

    case 'f':
        if (last - p < 5 || ngx_strncmp(p, "false", 5) != 0) {
            return NULL;
        }

        p += 5;
        break;

    case 'n':
        if (last - p < 4 || ngx_strncmp(p, "null", 4) != 0) {
            return NULL;
        }

        p += 4;
        break;

    default:

        /*
         * an integer: "-"? then "0" or a digit 1-9 and more digits, 15 in
         * all at most; a fraction, an exponent or a longer number is
         * jansson's (strtod(), and its overflow checks)
         */

        neg = 0;

        if (*p == '-') {
            neg = 1;
            p++;
        }

        start = p;
        n = 0;

        if (p < last && *p == '0') {
            p++;

        } else {

#if (NGX_HAVE_LITTLE_ENDIAN)

            /*
             * eight digits at a time when there are (a NumericDate has
             * ten): checked and converted as one 64-bit word
             */

            if (last - p >= 8) {
                ngx_memcpy(&w, p, 8);

                if (((w & 0xf0f0f0f0f0f0f0f0)
                     | (((w + 0x0606060606060606) & 0xf0f0f0f0f0f0f0f0) >> 4))
                    == 0x3333333333333333)
                {
                    w = ((w & 0x0f0f0f0f0f0f0f0f) * 2561) >> 8;
                    w = ((w & 0x00ff00ff00ff00ff) * 6553601) >> 16;
                    n = (int64_t) (((w & 0x0000ffff0000ffff)
                                    * 42949672960001) >> 32);
                    p += 8;
                }
            }

#endif

            while (p < last && *p >= '0' && *p <= '9') {
                if (p - start == 15) {
                    return NULL;
                }

                n = n * 10 + (*p++ - '0');
            }

            if (p == start) {
                return NULL;
            }
        }

        if (v) {
            v->type = NGX_HTTP_APISEC_JOSE_NUMBER;
            v->number = (double) (neg ? -n : n);
        }

        return p;
    }

    if (v) {
        v->type = type;
    }

    return p;
}


/* the registered claims of claims parsed by jansson */

void
ngx_http_apisec_jose_claims_json(json_t *json,
    ngx_http_apisec_jose_claims_t *claims)
{
    json_t  *v;

    ngx_http_apisec_jose_claim_json(json, "exp", &claims->exp);
    ngx_http_apisec_jose_claim_json(json, "nbf", &claims->nbf);
    ngx_http_apisec_jose_claim_json(json, "iat", &claims->iat);
    ngx_http_apisec_jose_claim_json(json, "sub", &claims->sub);
    ngx_http_apisec_jose_claim_json(json, "iss", &claims->iss);
    ngx_http_apisec_jose_claim_json(json, "aud", &claims->aud);

    claims->naud = 0;
    claims->aud_json = NULL;

    v = json_object_get(json, "aud");

    if (json_is_array(v)) {
        claims->aud.type = NGX_HTTP_APISEC_JOSE_ARRAY;
        claims->aud_json = v;
    }
}


static void
ngx_http_apisec_jose_claim_json(json_t *json, const char *name,
    ngx_http_apisec_jose_value_t *v)
{
    json_t  *c;

    c = json_object_get(json, name);

    if (c == NULL) {
        v->type = NGX_HTTP_APISEC_JOSE_ABSENT;

    } else if (json_is_string(c)) {
        v->type = NGX_HTTP_APISEC_JOSE_STRING;
        v->string.len = json_string_length(c);
        v->string.data = (u_char *) json_string_value(c);

    } else if (json_is_number(c)) {
        v->type = NGX_HTTP_APISEC_JOSE_NUMBER;
        v->number = json_number_value(c);

    } else {
        v->type = NGX_HTTP_APISEC_JOSE_OTHER;
    }
}


/*
 * The claims' strings moved with the text they point into: from
 * [from, from + len) to "to"
 */

void
ngx_http_apisec_jose_claims_move(ngx_http_apisec_jose_claims_t *claims,
    u_char *from, u_char *to, size_t len)
{
    ngx_uint_t  i;

#define ngx_http_apisec_jose_move(v)                                          \
    if ((v).type == NGX_HTTP_APISEC_JOSE_STRING                               \
        && (v).string.data >= from && (v).string.data <= from + len)          \
    {                                                                         \
        (v).string.data = to + ((v).string.data - from);                      \
    }

    ngx_http_apisec_jose_move(claims->sub);
    ngx_http_apisec_jose_move(claims->iss);
    ngx_http_apisec_jose_move(claims->aud);

    for (i = 0; i < claims->naud; i++) {
        ngx_http_apisec_jose_move(claims->auds[i]);
    }

#undef ngx_http_apisec_jose_move
}


/*
 * RFC 7519, 4.1: exp, nbf and iat are numbers and are checked against
 * the policy's "now" with its leeway; iss is one of its issuers; aud, a
 * string or an array of strings, holds one of its audiences.
 */

ngx_uint_t
ngx_http_apisec_jose_check_claims(ngx_http_apisec_jose_claims_t *claims,
    ngx_http_apisec_jose_policy_t *policy, char **why)
{
    double                         early, late;
    json_t                        *e;
    size_t                         j, n;
    ngx_str_t                     *s, aud;
    ngx_uint_t                     i;
    ngx_http_apisec_jose_value_t  *v;

    early = (double) policy->now - policy->leeway;
    late = (double) policy->now + policy->leeway;

    v = &claims->exp;

    if (v->type) {
        if (v->type != NGX_HTTP_APISEC_JOSE_NUMBER) {
            *why = "exp is not a number";
            return NGX_HTTP_APISEC_JWT_BAD_CLAIM;
        }

        if (early >= v->number) {
            *why = "token expired";
            return NGX_HTTP_APISEC_JWT_EXPIRED;
        }
    }

    v = &claims->nbf;

    if (v->type) {
        if (v->type != NGX_HTTP_APISEC_JOSE_NUMBER) {
            *why = "nbf is not a number";
            return NGX_HTTP_APISEC_JWT_BAD_CLAIM;
        }

        if (late < v->number) {
            *why = "token not yet valid (nbf)";
            return NGX_HTTP_APISEC_JWT_NOT_YET_VALID;
        }
    }

    v = &claims->iat;

    if (v->type) {
        if (v->type != NGX_HTTP_APISEC_JOSE_NUMBER) {
            *why = "iat is not a number";
            return NGX_HTTP_APISEC_JWT_BAD_CLAIM;
        }

        if (late < v->number) {
            *why = "token issued in the future (iat)";
            return NGX_HTTP_APISEC_JWT_ISSUED_IN_FUTURE;
        }
    }

    if (claims->sub.type
        && claims->sub.type != NGX_HTTP_APISEC_JOSE_STRING)
    {
        *why = "sub is not a string";
        return NGX_HTTP_APISEC_JWT_BAD_CLAIM;
    }

    if (policy->issuers) {
        v = &claims->iss;

        if (v->type != NGX_HTTP_APISEC_JOSE_STRING) {
            *why = "no iss";
            return NGX_HTTP_APISEC_JWT_BAD_ISSUER;
        }

        s = policy->issuers->elts;

        for (i = 0; i < policy->issuers->nelts; i++) {
            if (s[i].len == v->string.len
                && ngx_memcmp(s[i].data, v->string.data, s[i].len) == 0)
            {
                break;
            }
        }

        if (i == policy->issuers->nelts) {
            *why = "iss not accepted";
            return NGX_HTTP_APISEC_JWT_BAD_ISSUER;
        }
    }

    if (policy->audiences) {
        v = &claims->aud;

        if (v->type == NGX_HTTP_APISEC_JOSE_STRING) {
            n = 1;

        } else if (v->type == NGX_HTTP_APISEC_JOSE_ARRAY) {
            n = claims->aud_json ? json_array_size(claims->aud_json)
                                 : claims->naud;

        } else {
            *why = v->type ? "aud is neither a string nor an array"
                           : "no aud";
            return NGX_HTTP_APISEC_JWT_BAD_AUDIENCE;
        }

        s = policy->audiences->elts;

        for (j = 0; j < n; j++) {

            if (v->type == NGX_HTTP_APISEC_JOSE_STRING) {
                aud = v->string;

            } else if (claims->aud_json) {
                e = json_array_get(claims->aud_json, j);

                if (!json_is_string(e)) {
                    *why = "aud holds a non-string";
                    return NGX_HTTP_APISEC_JWT_BAD_AUDIENCE;
                }

                aud.len = json_string_length(e);
                aud.data = (u_char *) json_string_value(e);

            } else {
                if (claims->auds[j].type != NGX_HTTP_APISEC_JOSE_STRING) {
                    *why = "aud holds a non-string";
                    return NGX_HTTP_APISEC_JWT_BAD_AUDIENCE;
                }

                aud = claims->auds[j].string;
            }

            for (i = 0; i < policy->audiences->nelts; i++) {
                if (s[i].len == aud.len
                    && ngx_memcmp(s[i].data, aud.data, aud.len) == 0)
                {
                    return NGX_HTTP_APISEC_JWT_OK;
                }
            }
        }

        *why = "aud not accepted";
        return NGX_HTTP_APISEC_JWT_BAD_AUDIENCE;
    }

    return NGX_HTTP_APISEC_JWT_OK;
}


/*
 * R || S to the DER of ECDSA-Sig-Value; 0 for r = 0 or s = 0, which are
 * never valid.
 */

size_t
ngx_http_apisec_jose_ecdsa_der(u_char *der, u_char *rs, size_t n)
{
    u_char      *p, *v;
    size_t       len[2], total;
    ngx_uint_t   i, pad[2];
    u_char      *start[2];

    total = 0;

    for (i = 0; i < 2; i++) {
        v = rs + i * n;
        len[i] = n;

        while (len[i] && *v == 0) {
            v++;
            len[i]--;
        }

        if (len[i] == 0) {
            return 0;
        }

        start[i] = v;
        pad[i] = (*v & 0x80) ? 1 : 0;
        total += 2 + pad[i] + len[i];
    }

    p = der;
    *p++ = 0x30;

    if (total > 127) {
        *p++ = 0x81;
    }

    *p++ = (u_char) total;

    for (i = 0; i < 2; i++) {
        *p++ = 0x02;
        *p++ = (u_char) (len[i] + pad[i]);

        if (pad[i]) {
            *p++ = 0;
        }

        p = ngx_cpymem(p, start[i], len[i]);
    }

    return p - der;
}


/*
 * RFC 7515, 4.1.9: "application/" may be left out, and is (type->data
 * moved past it); a type left empty, or with another "/", is NGX_ERROR.
 * Types are compared in any case.
 */

ngx_int_t
ngx_http_apisec_jose_strip_media(ngx_str_t *type)
{
    if (type->len > 12
        && ngx_strncasecmp(type->data, (u_char *) "application/", 12) == 0)
    {
        type->data += 12;
        type->len -= 12;
    }

    if (type->len == 0
        || ngx_strlchr(type->data, type->data + type->len, '/') != NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_jose_type_match(ngx_str_t *a, ngx_str_t *b)
{
    if (a->len == b->len && ngx_strncasecmp(a->data, b->data, a->len) == 0) {
        return NGX_OK;
    }

    return NGX_DECLINED;
}


