
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Pure functions of authorization: claim paths, role and scope lists,
 * typed comparisons.  jansson and nginx's string macros only, so that
 * t/unit/claims.c tests and fuzzes them without a server.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>
#include "ngx_http_apisec_authz.h"


static ngx_uint_t ngx_http_apisec_claim_list_has(u_char *p, u_char *last,
    ngx_str_t *token, ngx_uint_t commas);
static ngx_int_t ngx_http_apisec_claim_scalar_cmp(json_t *v,
    ngx_http_apisec_claim_value_t *value, ngx_int_t *cmp);
static ngx_uint_t ngx_http_apisec_claim_scalar_text(json_t *v, u_char *buf,
    size_t size, size_t *len, ngx_uint_t element);


typedef struct {
    ngx_str_t   name;
    ngx_uint_t  op;
} ngx_http_apisec_claim_op_t;


static ngx_http_apisec_claim_op_t  ngx_http_apisec_claim_ops[] = {
    { ngx_string("eq"), NGX_HTTP_APISEC_OP_EQ },
    { ngx_string("ne"), NGX_HTTP_APISEC_OP_NE },
    { ngx_string("in"), NGX_HTTP_APISEC_OP_IN },
    { ngx_string("nin"), NGX_HTTP_APISEC_OP_NIN },
    { ngx_string("contains"), NGX_HTTP_APISEC_OP_CONTAINS },
    { ngx_string("gt"), NGX_HTTP_APISEC_OP_GT },
    { ngx_string("ge"), NGX_HTTP_APISEC_OP_GE },
    { ngx_string("lt"), NGX_HTTP_APISEC_OP_LT },
    { ngx_string("le"), NGX_HTTP_APISEC_OP_LE },
    { ngx_string("match"), NGX_HTTP_APISEC_OP_MATCH },
    { ngx_string("exists"), NGX_HTTP_APISEC_OP_EXISTS },
    { ngx_null_string, 0 }
};


ngx_int_t
ngx_http_apisec_claim_op(ngx_str_t *name)
{
    ngx_http_apisec_claim_op_t  *o;

    for (o = ngx_http_apisec_claim_ops; o->name.len; o++) {
        if (o->name.len == name->len
            && ngx_strncmp(o->name.data, name->data, name->len) == 0)
        {
            return o->op;
        }
    }

    return NGX_ERROR;
}


/*
 * A claim by its path: "roles", "realm_access.roles",
 * "resource_access.orders.roles".  At each level the whole rest of the path
 * is tried as one member name first, so that names with dots in them
 * ("https://example.com/roles", as some providers namespace claims) are
 * found too; then the path is split at its first dot.  At most
 * NGX_HTTP_APISEC_CLAIM_PATH_MAX bytes, and so as many levels.
 */

json_t *
ngx_http_apisec_claim_get(json_t *root, ngx_str_t *path)
{
    u_char  *p, *last, *dot;
    json_t  *v, *m;

    if (root == NULL || path->len == 0
        || path->len > NGX_HTTP_APISEC_CLAIM_PATH_MAX)
    {
        return NULL;
    }

    v = root;
    p = path->data;
    last = p + path->len;

    for ( ;; ) {

        if (!json_is_object(v)) {
            return NULL;
        }

        m = json_object_getn(v, (const char *) p, last - p);
        if (m) {
            return m;
        }

        dot = ngx_strlchr(p, last, '.');

        if (dot == NULL || dot == p || dot + 1 == last) {
            return NULL;
        }

        v = json_object_getn(v, (const char *) p, dot - p);
        if (v == NULL) {
            return NULL;
        }

        p = dot + 1;
    }
}


/*
 * A path as the directives take it: 1 to NGX_HTTP_APISEC_CLAIM_PATH_MAX
 * bytes, no empty name at either end or between two dots.
 */

ngx_uint_t
ngx_http_apisec_claim_path_valid(ngx_str_t *path)
{
    u_char  *p, *last;

    if (path->len == 0 || path->len > NGX_HTTP_APISEC_CLAIM_PATH_MAX
        || path->data[0] == '.' || path->data[path->len - 1] == '.')
    {
        return 0;
    }

    last = path->data + path->len - 1;

    for (p = path->data; p < last; p++) {
        if (p[0] == '.' && p[1] == '.') {
            return 0;
        }
    }

    return 1;
}


/*
 * Whether a roles or scopes claim holds a token: a JSON array of strings
 * (other elements are no roles), or one string of tokens separated by
 * spaces (and by commas, for roles).  Bytes are compared: UTF-8 role names
 * match when they are written the same way.
 */

ngx_uint_t
ngx_http_apisec_claim_has_token(json_t *v, ngx_str_t *token,
    ngx_uint_t commas)
{
    u_char  *s;
    size_t   i, n;
    json_t  *e;

    if (v == NULL || token->len == 0) {
        return 0;
    }

    if (json_is_string(v)) {
        s = (u_char *) json_string_value(v);
        return ngx_http_apisec_claim_list_has(s, s + json_string_length(v),
                                              token, commas);
    }

    if (!json_is_array(v)) {
        return 0;
    }

    n = json_array_size(v);

    for (i = 0; i < n; i++) {
        e = json_array_get(v, i);

        if (json_is_string(e)
            && json_string_length(e) == token->len
            && ngx_memcmp(json_string_value(e), token->data, token->len)
               == 0)
        {
            return 1;
        }
    }

    return 0;
}


static ngx_uint_t
ngx_http_apisec_claim_list_has(u_char *p, u_char *last, ngx_str_t *token,
    ngx_uint_t commas)
{
    u_char  *start;

    while (p < last) {

        while (p < last && (*p == ' ' || (commas && *p == ','))) {
            p++;
        }

        start = p;

        while (p < last && *p != ' ' && !(commas && *p == ',')) {
            p++;
        }

        if ((size_t) (p - start) == token->len
            && ngx_memcmp(start, token->data, token->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * A configured value, typed as JSON types it: "true" and "false" are
 * booleans; a JSON number is a number (an integer too when it has neither
 * fraction nor exponent and fits int64); "null" is NGX_DECLINED (a null
 * claim meets "exists" only, so it compares with nothing); anything else is
 * a string.  A value in double quotes is the string between them, taken as
 * it is (no escapes): "true" (written '"true"' in nginx.conf) is the string
 * true, not the boolean.  Each type compares with claims of its own JSON
 * type only.
 */

ngx_int_t
ngx_http_apisec_claim_value_parse(ngx_str_t *s,
    ngx_http_apisec_claim_value_t *value)
{
    u_char   *p, *last;
    u_char    buf[64];
    int64_t   n;
    ngx_uint_t  neg, digits, integer;

    ngx_memzero(value, sizeof(ngx_http_apisec_claim_value_t));

    value->str = *s;

    if (s->len >= 2 && s->data[0] == '"' && s->data[s->len - 1] == '"') {
        value->str.data = s->data + 1;
        value->str.len = s->len - 2;
        value->is_string = 1;
        return NGX_OK;
    }

    if (s->len == 4 && ngx_strncmp(s->data, "true", 4) == 0) {
        value->is_bool = 1;
        value->boolean = 1;
        return NGX_OK;
    }

    if (s->len == 5 && ngx_strncmp(s->data, "false", 5) == 0) {
        value->is_bool = 1;
        return NGX_OK;
    }

    if (s->len == 4 && ngx_strncmp(s->data, "null", 4) == 0) {
        return NGX_DECLINED;
    }

    /* a string unless it is a number */

    value->is_string = 1;

    if (s->len == 0 || s->len >= sizeof(buf)) {
        return NGX_OK;
    }

    /* the JSON number grammar, RFC 8259, 6 */

    p = s->data;
    last = p + s->len;
    neg = 0;
    integer = 1;

    if (*p == '-') {
        neg = 1;
        p++;
    }

    if (p == last || *p < '0' || *p > '9') {
        return NGX_OK;
    }

    if (*p == '0' && p + 1 < last && p[1] >= '0' && p[1] <= '9') {
        return NGX_OK;
    }

    while (p < last && *p >= '0' && *p <= '9') {
        p++;
    }

    if (p < last && *p == '.') {
        integer = 0;
        p++;
        digits = 0;

        while (p < last && *p >= '0' && *p <= '9') {
            p++;
            digits++;
        }

        if (digits == 0) {
            return NGX_OK;
        }
    }

    if (p < last && (*p == 'e' || *p == 'E')) {
        integer = 0;
        p++;

        if (p < last && (*p == '+' || *p == '-')) {
            p++;
        }

        digits = 0;

        while (p < last && *p >= '0' && *p <= '9') {
            p++;
            digits++;
        }

        if (digits == 0) {
            return NGX_OK;
        }
    }

    if (p != last) {
        return NGX_OK;
    }

    ngx_memcpy(buf, s->data, s->len);
    buf[s->len] = '\0';

    value->number = strtod((char *) buf, NULL);
    value->is_number = 1;
    value->is_string = 0;

    if (!integer) {
        return NGX_OK;
    }

    /* an integer of int64's range, exactly */

    n = 0;

    for (p = s->data + neg; p < last; p++) {
        if (n > (INT64_MAX - (*p - '0')) / 10) {
            return NGX_OK;
        }

        n = n * 10 + (*p - '0');
    }

    value->integer = neg ? -n : n;
    value->is_integer = 1;

    return NGX_OK;
}


/*
 * A claim condition other than "match": MET or NOT_MET only when the claim
 * and every value have types that compare; MISSING or MISMATCH otherwise,
 * which the caller refuses as it refuses NOT_MET (never a match by
 * accident, whatever the operator, "ne" and "nin" included).
 *
 *   string:  eq ne in nin (bytes); contains (space-separated tokens);
 *            values must be strings: "true", "5" never equal true, 5
 *   number:  eq ne in nin gt ge lt le (as numbers; values must be numbers)
 *   boolean: eq ne in nin (values must be true or false)
 *   array:   contains (every value is an element of its own type)
 *   null, object: exists only
 */

ngx_uint_t
ngx_http_apisec_claim_compare(json_t *v, ngx_uint_t op,
    ngx_http_apisec_claim_value_t *values, ngx_uint_t n)
{
    size_t      k, size;
    ngx_int_t   cmp;
    ngx_uint_t  i, found;

    if (v == NULL) {
        return (op == NGX_HTTP_APISEC_OP_EXISTS)
               ? NGX_HTTP_APISEC_CLAIM_NOT_MET : NGX_HTTP_APISEC_CLAIM_MISSING;
    }

    if (op == NGX_HTTP_APISEC_OP_EXISTS) {
        return NGX_HTTP_APISEC_CLAIM_MET;
    }

    if (n == 0) {
        return NGX_HTTP_APISEC_CLAIM_MISMATCH;
    }

    switch (op) {

    case NGX_HTTP_APISEC_OP_CONTAINS:

        if (json_is_string(v)) {
            for (i = 0; i < n; i++) {
                if (!values[i].is_string) {
                    return NGX_HTTP_APISEC_CLAIM_MISMATCH;
                }
            }

            for (i = 0; i < n; i++) {
                if (!ngx_http_apisec_claim_has_token(v, &values[i].str, 0)) {
                    return NGX_HTTP_APISEC_CLAIM_NOT_MET;
                }
            }

            return NGX_HTTP_APISEC_CLAIM_MET;
        }

        if (!json_is_array(v)) {
            return NGX_HTTP_APISEC_CLAIM_MISMATCH;
        }

        size = json_array_size(v);

        for (i = 0; i < n; i++) {
            found = 0;

            for (k = 0; k < size; k++) {
                if (ngx_http_apisec_claim_scalar_cmp(json_array_get(v, k),
                                                     &values[i], &cmp)
                    == NGX_OK
                    && cmp == 0)
                {
                    found = 1;
                    break;
                }
            }

            if (!found) {
                return NGX_HTTP_APISEC_CLAIM_NOT_MET;
            }
        }

        return NGX_HTTP_APISEC_CLAIM_MET;

    case NGX_HTTP_APISEC_OP_EQ:
    case NGX_HTTP_APISEC_OP_NE:
    case NGX_HTTP_APISEC_OP_IN:
    case NGX_HTTP_APISEC_OP_NIN:

        /* every value must compare with the claim, matched or not */

        found = 0;

        for (i = 0; i < n; i++) {
            if (ngx_http_apisec_claim_scalar_cmp(v, &values[i], &cmp)
                != NGX_OK)
            {
                return NGX_HTTP_APISEC_CLAIM_MISMATCH;
            }

            if (cmp == 0) {
                found = 1;
            }
        }

        if (op == NGX_HTTP_APISEC_OP_EQ || op == NGX_HTTP_APISEC_OP_IN) {
            return found ? NGX_HTTP_APISEC_CLAIM_MET
                         : NGX_HTTP_APISEC_CLAIM_NOT_MET;
        }

        return found ? NGX_HTTP_APISEC_CLAIM_NOT_MET
                     : NGX_HTTP_APISEC_CLAIM_MET;

    case NGX_HTTP_APISEC_OP_GT:
    case NGX_HTTP_APISEC_OP_GE:
    case NGX_HTTP_APISEC_OP_LT:
    case NGX_HTTP_APISEC_OP_LE:

        if (!json_is_number(v) || !values[0].is_number) {
            return NGX_HTTP_APISEC_CLAIM_MISMATCH;
        }

        (void) ngx_http_apisec_claim_scalar_cmp(v, &values[0], &cmp);

        switch (op) {
        case NGX_HTTP_APISEC_OP_GT:
            found = (cmp > 0);
            break;
        case NGX_HTTP_APISEC_OP_GE:
            found = (cmp >= 0);
            break;
        case NGX_HTTP_APISEC_OP_LT:
            found = (cmp < 0);
            break;
        default: /* LE */
            found = (cmp <= 0);
            break;
        }

        return found ? NGX_HTTP_APISEC_CLAIM_MET
                     : NGX_HTTP_APISEC_CLAIM_NOT_MET;

    default:
        return NGX_HTTP_APISEC_CLAIM_MISMATCH;
    }
}


/*
 * A scalar claim against one value: NGX_OK with cmp < 0, 0, > 0 when the
 * types compare (strings with strings as bytes, numbers with numbers,
 * booleans with booleans); NGX_DECLINED when they do not: the string
 * "true" is no boolean, the string "5" no number, the number 5 no string.
 * Strings are compared for equality only (cmp is 0 or 1).
 */

static ngx_int_t
ngx_http_apisec_claim_scalar_cmp(json_t *v,
    ngx_http_apisec_claim_value_t *value, ngx_int_t *cmp)
{
    double   a;
    int64_t  i;

    switch (json_typeof(v)) {

    case JSON_STRING:
        if (!value->is_string) {
            return NGX_DECLINED;
        }

        *cmp = !(json_string_length(v) == value->str.len
                 && ngx_memcmp(json_string_value(v), value->str.data,
                               value->str.len) == 0);
        return NGX_OK;

    case JSON_INTEGER:
        if (!value->is_number) {
            return NGX_DECLINED;
        }

        if (value->is_integer) {
            i = (int64_t) json_integer_value(v);
            *cmp = (i > value->integer) - (i < value->integer);
            return NGX_OK;
        }

        a = (double) json_integer_value(v);
        *cmp = (a > value->number) - (a < value->number);
        return NGX_OK;

    case JSON_REAL:
        if (!value->is_number) {
            return NGX_DECLINED;
        }

        a = json_real_value(v);
        *cmp = (a > value->number) - (a < value->number);
        return NGX_OK;

    case JSON_TRUE:
    case JSON_FALSE:
        if (!value->is_bool) {
            return NGX_DECLINED;
        }

        *cmp = (json_is_true(v) != (value->boolean != 0));
        return NGX_OK;

    default:
        return NGX_DECLINED;
    }
}


/*
 * The subject of "match": MET with the claim's bytes in *text when it is a
 * string PCRE can judge as the operator wrote the regex; MISSING or
 * MISMATCH; NOT_MET for a string with a control character.  Without
 * PCRE2_DOLLAR_ENDONLY (which ngx_regex_compile() cannot set) "$" and "\Z"
 * also match before a final newline, so "^(admin|ops)$" would admit
 * "admin\n"; and "(?m)", or a PCRE built with another newline convention,
 * let CR or other line breaks end a line.  No identity claim needs control
 * characters, so a subject with any (NUL included) is refused: then "$" can
 * only match at the end of the subject.
 */

ngx_uint_t
ngx_http_apisec_claim_match_subject(json_t *v, ngx_str_t *text)
{
    u_char  *p, *last;

    if (v == NULL) {
        return NGX_HTTP_APISEC_CLAIM_MISSING;
    }

    if (!json_is_string(v)) {
        return NGX_HTTP_APISEC_CLAIM_MISMATCH;
    }

    text->len = json_string_length(v);
    text->data = (u_char *) json_string_value(v);

    last = text->data + text->len;

    for (p = text->data; p < last; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return NGX_HTTP_APISEC_CLAIM_NOT_MET;
        }
    }

    return NGX_HTTP_APISEC_CLAIM_MET;
}


/*
 * A claim as the text of a variable (apisec_claim_set), in buf: a string
 * as it is; an integer exactly, in decimal; a fraction in the fewest of 15
 * or 17 significant digits that read back as the same double; true and
 * false; an array as its strings, numbers and booleans joined with commas
 * (null, array and object elements are skipped; [] is ""); NONE for a
 * missing claim, null and an object.  A value is refused whole, never cut:
 * a string with a control character (CR or LF would split the header line
 * it is sent in), an array element with a comma (the joined text would no
 * longer say where the elements end), a text longer than size.  The time
 * taken is bounded by the array's length and size.
 */

ngx_uint_t
ngx_http_apisec_claim_text(json_t *v, u_char *buf, size_t size, size_t *len)
{
    u_char      *p, *last;
    size_t       i, n, elen;
    json_t      *e;
    ngx_uint_t   rc, first;

    *len = 0;

    if (v == NULL) {
        return NGX_HTTP_APISEC_CLAIM_TEXT_NONE;
    }

    if (!json_is_array(v)) {
        return ngx_http_apisec_claim_scalar_text(v, buf, size, len, 0);
    }

    p = buf;
    last = buf + size;
    first = 1;

    n = json_array_size(v);

    for (i = 0; i < n; i++) {
        e = json_array_get(v, i);

        if (!json_is_string(e) && !json_is_number(e) && !json_is_boolean(e)) {
            continue;
        }

        if (!first) {
            if (p == last) {
                return NGX_HTTP_APISEC_CLAIM_TEXT_TOO_LONG;
            }

            *p++ = ',';
        }

        rc = ngx_http_apisec_claim_scalar_text(e, p, last - p, &elen, 1);
        if (rc != NGX_HTTP_APISEC_CLAIM_TEXT_OK) {
            return rc;
        }

        p += elen;
        first = 0;
    }

    *len = p - buf;

    return NGX_HTTP_APISEC_CLAIM_TEXT_OK;
}


static ngx_uint_t
ngx_http_apisec_claim_scalar_text(json_t *v, u_char *buf, size_t size,
    size_t *len, ngx_uint_t element)
{
    int      n;
    u_char  *s, *p, *last;
    size_t   slen;
    double   d;
    char     num[32];

    switch (json_typeof(v)) {

    case JSON_STRING:
        s = (u_char *) json_string_value(v);
        slen = json_string_length(v);

        if (slen > size) {
            return NGX_HTTP_APISEC_CLAIM_TEXT_TOO_LONG;
        }

        last = s + slen;

        for (p = s; p < last; p++) {
            if (*p < 0x20 || *p == 0x7f) {
                return NGX_HTTP_APISEC_CLAIM_TEXT_CONTROL;
            }

            if (element && *p == ',') {
                return NGX_HTTP_APISEC_CLAIM_TEXT_COMMA;
            }
        }

        ngx_memcpy(buf, s, slen);
        *len = slen;

        return NGX_HTTP_APISEC_CLAIM_TEXT_OK;

    case JSON_INTEGER:
        n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
        break;

    case JSON_REAL:
        d = json_real_value(v);

        n = snprintf(num, sizeof(num), "%.15g", d);

        if (strtod(num, NULL) != d) {
            n = snprintf(num, sizeof(num), "%.17g", d);
        }

        break;

    case JSON_TRUE:
        n = snprintf(num, sizeof(num), "true");
        break;

    case JSON_FALSE:
        n = snprintf(num, sizeof(num), "false");
        break;

    default: /* JSON_NULL, JSON_OBJECT */
        return NGX_HTTP_APISEC_CLAIM_TEXT_NONE;
    }

    if (n <= 0 || (size_t) n >= sizeof(num)) {
        return NGX_HTTP_APISEC_CLAIM_TEXT_NONE;
    }

    if ((size_t) n > size) {
        return NGX_HTTP_APISEC_CLAIM_TEXT_TOO_LONG;
    }

    ngx_memcpy(buf, num, n);
    *len = n;

    return NGX_HTTP_APISEC_CLAIM_TEXT_OK;
}
