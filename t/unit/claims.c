
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Unit test of the pure authorization functions
 * (src/ngx_http_apisec_claims.c): claim paths, role and scope lists, typed
 * comparisons.  Built and run by t/claims_unit.t without nginx: prints TAP.
 *
 * With -DNGX_HTTP_APISEC_FUZZ it is a libFuzzer target instead (the input:
 * a path, a NUL, an operator byte, a value, a NUL, then JSON claims):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DNGX_HTTP_APISEC_FUZZ \
 *       <the include flags of t/claims_unit.t> t/unit/claims.c \
 *       src/ngx_http_apisec_claims.c -ljansson -o claims_fuzz
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>
#include "ngx_http_apisec_authz.h"

#include <stdio.h>
#include <stdlib.h>


#if (NGX_HTTP_APISEC_FUZZ)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                         *p, *last, *v;
    json_t                         *claims, *got;
    ngx_str_t                       path, s;
    ngx_uint_t                      op;
    ngx_http_apisec_claim_value_t   value;

    p = (u_char *) data;
    last = p + size;

    v = memchr(p, '\0', size);
    if (v == NULL || v + 2 > last) {
        return 0;
    }

    path.data = p;
    path.len = v - p;
    op = 1 + v[1] % NGX_HTTP_APISEC_OP_EXISTS;

    p = v + 2;
    v = memchr(p, '\0', last - p);
    if (v == NULL) {
        return 0;
    }

    s.data = p;
    s.len = v - p;
    (void) ngx_http_apisec_claim_value_parse(&s, &value);

    p = v + 1;
    claims = json_loadb((char *) p, last - p, JSON_REJECT_DUPLICATES, NULL);
    if (claims == NULL) {
        return 0;
    }

    got = ngx_http_apisec_claim_get(claims, &path);
    (void) ngx_http_apisec_claim_has_token(got, &s, 1);
    (void) ngx_http_apisec_claim_compare(got, op, &value, 1);

    json_decref(claims);

    return 0;
}

#else


static int  ngx_http_apisec_test_n;
static int  ngx_http_apisec_test_failed;


static void
ok(int cond, const char *what)
{
    ngx_http_apisec_test_n++;

    if (!cond) {
        ngx_http_apisec_test_failed++;
    }

    printf("%sok %d - %s\n", cond ? "" : "not ", ngx_http_apisec_test_n,
           what);
}


static ngx_str_t
str(const char *s)
{
    ngx_str_t  v;

    v.len = strlen(s);
    v.data = (u_char *) s;

    return v;
}


static json_t *
get(json_t *root, const char *path)
{
    ngx_str_t  p;

    p = str(path);

    return ngx_http_apisec_claim_get(root, &p);
}


static ngx_uint_t
has(json_t *v, const char *token, ngx_uint_t commas)
{
    ngx_str_t  t;

    t = str(token);

    return ngx_http_apisec_claim_has_token(v, &t, commas);
}


/* one claim condition: claim name in "claims", op, up to 3 values */

static ngx_uint_t
cmp(json_t *claims, const char *name, const char *op, const char *v1,
    const char *v2)
{
    ngx_str_t                      o, s;
    ngx_uint_t                     n;
    ngx_http_apisec_claim_value_t  values[2];

    o = str(op);
    n = 0;

    if (v1) {
        s = str(v1);
        ngx_http_apisec_claim_value_parse(&s, &values[n++]);
    }

    if (v2) {
        s = str(v2);
        ngx_http_apisec_claim_value_parse(&s, &values[n++]);
    }

    return ngx_http_apisec_claim_compare(get(claims, name),
                                         ngx_http_apisec_claim_op(&o),
                                         values, n);
}


int
main(void)
{
    char                           *long_path;
    json_t                         *c;
    ngx_str_t                       s;
    ngx_http_apisec_claim_value_t   v;

#define MET       NGX_HTTP_APISEC_CLAIM_MET
#define NOT_MET   NGX_HTTP_APISEC_CLAIM_NOT_MET
#define MISSING   NGX_HTTP_APISEC_CLAIM_MISSING
#define MISMATCH  NGX_HTTP_APISEC_CLAIM_MISMATCH

    c = json_loads("{\"sub\":\"alice\",\"roles\":[\"admin\",7,\"ops\"],"
                   "\"rs\":\"viewer editor,auditor\","
                   "\"realm_access\":{\"roles\":[\"r1\"]},"
                   "\"resource_access\":{\"orders\":{\"roles\":[\"clerk\"]}},"
                   "\"https://x.example/roles\":[\"ns\"],"
                   "\"a\":{\"b\":{\"c\":{\"d\":1}}},"
                   "\"n\":42,\"f\":2.5,\"t\":true,\"z\":null,\"o\":{},"
                   "\"big\":9223372036854775807,\"neg\":-3,"
                   "\"arr\":[\"x\",1,true,2.5],"
                   "\"scope\":\"read write\",\"str\":\"42\","
                   "\"st\":\"true\",\"five\":\"5\",\"sn\":\"null\","
                   "\"sb\":\"x true 5\",\"r5\":5.0,"
                   "\"sarr\":[\"true\",\"5\"]}", 0, NULL);

    ok(c != NULL, "claims parse");

    /* paths */

    ok(json_is_array(get(c, "roles")), "top-level claim");
    ok(json_is_array(get(c, "realm_access.roles")), "nested claim");
    ok(json_is_array(get(c, "resource_access.orders.roles")),
       "two levels deep");
    ok(json_is_array(get(c, "https://x.example/roles")),
       "a name with dots is found whole");
    ok(json_integer_value(get(c, "a.b.c.d")) == 1, "four levels");
    ok(get(c, "a.b.x") == NULL, "missing leaf");
    ok(get(c, "sub.x") == NULL, "through a string: nothing");
    ok(get(c, "n.x") == NULL, "through a number: nothing");
    ok(get(c, "") == NULL, "empty path");
    ok(get(c, "a.") == NULL, "trailing dot");
    ok(get(c, ".a") == NULL, "leading dot");
    ok(get(NULL, "a") == NULL, "no claims");

    long_path = malloc(NGX_HTTP_APISEC_CLAIM_PATH_MAX + 2);
    memset(long_path, 'a', NGX_HTTP_APISEC_CLAIM_PATH_MAX + 1);
    long_path[NGX_HTTP_APISEC_CLAIM_PATH_MAX + 1] = '\0';
    ok(get(c, long_path) == NULL, "a path over the limit");
    free(long_path);

    /* roles and scopes */

    ok(has(get(c, "roles"), "admin", 1), "role in an array");
    ok(!has(get(c, "roles"), "adm", 1), "no prefix match");
    ok(!has(get(c, "roles"), "7", 1), "a number element is no role");
    ok(has(get(c, "rs"), "viewer", 1) && has(get(c, "rs"), "editor", 1)
       && has(get(c, "rs"), "auditor", 1), "roles in a string");
    ok(!has(get(c, "rs"), "auditor", 0), "commas split roles, not scopes");
    ok(has(get(c, "scope"), "write", 0), "scope in a string");
    ok(!has(get(c, "scope"), "", 0), "empty token never");
    ok(!has(get(c, "n"), "42", 1), "a number holds no roles");
    ok(!has(NULL, "admin", 1), "no claim holds no roles");

    /* values */

    s = str("42");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(v.is_number && v.is_integer && v.integer == 42, "42 is an integer");
    s = str("-1.5e2");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(v.is_number && !v.is_integer && v.number == -150, "-1.5e2");
    s = str("01");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(!v.is_number, "01 is no JSON number");
    s = str("1.");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(!v.is_number, "1. is no JSON number");
    s = str("9223372036854775808");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(v.is_number && !v.is_integer, "2^63 is a number, not an int64");
    s = str("true");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(v.is_bool && v.boolean && !v.is_number && !v.is_string, "true");
    s = str("gold");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(v.is_string && !v.is_number && !v.is_bool, "gold is a string");
    s = str("42");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(!v.is_string, "42 is no string");
    s = str("\"true\"");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(v.is_string && !v.is_bool && v.str.len == 4
       && ngx_strncmp(v.str.data, "true", 4) == 0,
       "\"true\" is the string true");
    s = str("\"5\"");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(v.is_string && !v.is_number && v.str.len == 1, "\"5\" is a string");
    s = str("\"\"");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(v.is_string && v.str.len == 0, "\"\" is the empty string");
    s = str("\"");
    ngx_http_apisec_claim_value_parse(&s, &v);
    ok(v.is_string && v.str.len == 1, "a lone quote is itself");
    s = str("null");
    ok(ngx_http_apisec_claim_value_parse(&s, &v) == NGX_DECLINED,
       "null is declined");

    /* comparisons, every operator, every type */

    ok(cmp(c, "sub", "eq", "alice", NULL) == MET, "string eq");
    ok(cmp(c, "sub", "eq", "Alice", NULL) == NOT_MET, "string eq, case");
    ok(cmp(c, "sub", "ne", "bob", NULL) == MET, "string ne");
    ok(cmp(c, "sub", "in", "bob", "alice") == MET, "string in");
    ok(cmp(c, "sub", "nin", "bob", "alice") == NOT_MET, "string nin");
    ok(cmp(c, "scope", "contains", "write", NULL) == MET,
       "string contains a token");
    ok(cmp(c, "scope", "contains", "rite", NULL) == NOT_MET,
       "string contains no substring");
    ok(cmp(c, "sub", "gt", "1", NULL) == MISMATCH, "string gt: mismatch");
    ok(cmp(c, "str", "eq", "42", NULL) == MISMATCH,
       "string \"42\" eq 42: mismatch, not text");
    ok(cmp(c, "str", "ne", "42", NULL) == MISMATCH,
       "string \"42\" ne 42: mismatch, refused");
    ok(cmp(c, "str", "eq", "\"42\"", NULL) == MET,
       "string \"42\" eq \"42\" (quoted)");
    ok(cmp(c, "str", "gt", "5", NULL) == MISMATCH,
       "string \"42\" gt 5: mismatch, not a number");
    ok(cmp(c, "st", "eq", "true", NULL) == MISMATCH,
       "string \"true\" eq true: mismatch");
    ok(cmp(c, "st", "ne", "false", NULL) == MISMATCH,
       "string \"true\" ne false: mismatch");
    ok(cmp(c, "st", "in", "true", "false") == MISMATCH,
       "string \"true\" in true false: mismatch");
    ok(cmp(c, "st", "nin", "false", NULL) == MISMATCH,
       "string \"true\" nin false: mismatch");
    ok(cmp(c, "st", "eq", "\"true\"", NULL) == MET,
       "string \"true\" eq \"true\" (quoted)");
    ok(cmp(c, "st", "in", "\"false\"", "\"true\"") == MET,
       "string \"true\" in quoted strings");
    ok(cmp(c, "five", "eq", "5", NULL) == MISMATCH,
       "string \"5\" eq 5: mismatch");
    ok(cmp(c, "sn", "eq", "null", NULL) == MISMATCH,
       "string \"null\" eq null: mismatch");
    ok(cmp(c, "sn", "eq", "\"null\"", NULL) == MET,
       "string \"null\" eq \"null\" (quoted)");
    ok(cmp(c, "sb", "contains", "true", NULL) == MISMATCH,
       "string tokens contains true: mismatch");
    ok(cmp(c, "sb", "contains", "x", "5") == MISMATCH,
       "string tokens contains 5: mismatch");
    ok(cmp(c, "sb", "contains", "\"true\"", "\"5\"") == MET,
       "string tokens contain quoted \"true\" and \"5\"");

    ok(cmp(c, "n", "eq", "42", NULL) == MET, "int eq");
    ok(cmp(c, "n", "eq", "42.0", NULL) == MET, "int eq real");
    ok(cmp(c, "n", "eq", "4.2e1", NULL) == MET, "int eq exponent");
    ok(cmp(c, "n", "eq", "gold", NULL) == MISMATCH, "int eq text");
    ok(cmp(c, "n", "eq", "\"42\"", NULL) == MISMATCH,
       "int 42 eq \"42\" (quoted): mismatch");
    ok(cmp(c, "r5", "eq", "5", NULL) == MET, "real 5.0 eq 5");
    ok(cmp(c, "r5", "in", "4", "5") == MET, "real 5.0 in 4 5");
    ok(cmp(c, "n", "ne", "gold", NULL) == MISMATCH, "int ne text");
    ok(cmp(c, "n", "gt", "41", NULL) == MET, "gt");
    ok(cmp(c, "n", "gt", "42", NULL) == NOT_MET, "gt equal");
    ok(cmp(c, "n", "ge", "42", NULL) == MET, "ge");
    ok(cmp(c, "n", "lt", "42.5", NULL) == MET, "lt real");
    ok(cmp(c, "n", "le", "41", NULL) == NOT_MET, "le");
    ok(cmp(c, "f", "gt", "2", NULL) == MET, "real gt int");
    ok(cmp(c, "neg", "lt", "0", NULL) == MET, "negative lt 0");
    ok(cmp(c, "big", "eq", "9223372036854775807", NULL) == MET,
       "int64 max exactly");
    ok(cmp(c, "big", "gt", "9223372036854775806", NULL) == MET,
       "int64 compared as integers, not doubles");
    ok(cmp(c, "n", "in", "1", "42") == MET, "int in");
    ok(cmp(c, "n", "nin", "1", "2") == MET, "int nin");
    ok(cmp(c, "n", "nin", "1", "x") == MISMATCH, "int nin with text");
    ok(cmp(c, "n", "contains", "4", NULL) == MISMATCH, "int contains");

    ok(cmp(c, "t", "eq", "true", NULL) == MET, "bool eq");
    ok(cmp(c, "t", "ne", "false", NULL) == MET, "bool ne");
    ok(cmp(c, "t", "eq", "1", NULL) == MISMATCH, "bool eq 1");
    ok(cmp(c, "t", "gt", "0", NULL) == MISMATCH, "bool gt");

    ok(cmp(c, "arr", "contains", "x", "1") == MET, "array contains, typed");
    ok(cmp(c, "arr", "contains", "true", NULL) == MET,
       "array contains a boolean");
    ok(cmp(c, "arr", "contains", "2.5", NULL) == MET,
       "array contains a real");
    ok(cmp(c, "arr", "contains", "x", "y") == NOT_MET,
       "array contains all, not any");
    ok(cmp(c, "sarr", "contains", "true", NULL) == NOT_MET,
       "[\"true\", \"5\"] contains true: no boolean element");
    ok(cmp(c, "sarr", "contains", "5", NULL) == NOT_MET,
       "[\"true\", \"5\"] contains 5: no number element");
    ok(cmp(c, "sarr", "contains", "\"true\"", "\"5\"") == MET,
       "[\"true\", \"5\"] contains quoted \"true\" and \"5\"");
    ok(cmp(c, "arr", "contains", "\"1\"", NULL) == NOT_MET,
       "[..., 1, ...] contains \"1\": no string element");
    ok(cmp(c, "arr", "contains", "1.0", NULL) == MET,
       "[..., 1, ...] contains 1.0: numbers by value");
    ok(cmp(c, "arr", "eq", "x", NULL) == MISMATCH, "array eq");
    ok(cmp(c, "arr", "nin", "q", NULL) == MISMATCH, "array nin");

    ok(cmp(c, "o", "eq", "x", NULL) == MISMATCH, "object eq");
    ok(cmp(c, "o", "exists", NULL, NULL) == MET, "object exists");
    ok(cmp(c, "z", "eq", "null", NULL) == MISMATCH, "null eq");
    ok(cmp(c, "z", "ne", "x", NULL) == MISMATCH, "null ne");
    ok(cmp(c, "z", "exists", NULL, NULL) == MET, "null exists");

    ok(cmp(c, "nope", "exists", NULL, NULL) == NOT_MET, "missing exists");
    ok(cmp(c, "nope", "ne", "x", NULL) == MISSING, "missing ne");
    ok(cmp(c, "nope", "nin", "x", NULL) == MISSING, "missing nin");

    s = str("like");
    ok(ngx_http_apisec_claim_op(&s) == NGX_ERROR, "unknown operator");

    json_decref(c);

    /* "match" subjects; NULs (jansson refuses them unless JSON_ALLOW_NUL) */

    c = json_loads("{\"ok\":\"admin\",\"nl\":\"admin\\n\","
                   "\"cr\":\"admin\\r\",\"mid\":\"x\\nadmin\","
                   "\"nul\":\"admin\\u0000x\",\"tab\":\"a\\tb\","
                   "\"del\":\"a\\u007f\",\"utf\":\"r\\u00f4le\","
                   "\"roles\":[\"admin\\u0000\"],"
                   "\"rs\":\"admin\\u0000 ops\"}",
                   JSON_ALLOW_NUL, NULL);

    ok(c != NULL, "claims with NULs parse with JSON_ALLOW_NUL");

    ok(ngx_http_apisec_claim_match_subject(get(c, "ok"), &s) == MET
       && s.len == 5 && ngx_strncmp(s.data, "admin", 5) == 0,
       "match subject: a plain string");
    ok(ngx_http_apisec_claim_match_subject(get(c, "utf"), &s) == MET
       && s.len == 5, "match subject: UTF-8");
    ok(ngx_http_apisec_claim_match_subject(get(c, "nl"), &s) == NOT_MET,
       "match subject: a final newline refused");
    ok(ngx_http_apisec_claim_match_subject(get(c, "cr"), &s) == NOT_MET,
       "match subject: a final CR refused");
    ok(ngx_http_apisec_claim_match_subject(get(c, "mid"), &s) == NOT_MET,
       "match subject: a newline inside refused");
    ok(ngx_http_apisec_claim_match_subject(get(c, "nul"), &s) == NOT_MET,
       "match subject: a NUL refused");
    ok(ngx_http_apisec_claim_match_subject(get(c, "tab"), &s) == NOT_MET,
       "match subject: a tab refused");
    ok(ngx_http_apisec_claim_match_subject(get(c, "del"), &s) == NOT_MET,
       "match subject: DEL refused");
    ok(ngx_http_apisec_claim_match_subject(get(c, "roles"), &s) == MISMATCH,
       "match subject: an array is a mismatch");
    ok(ngx_http_apisec_claim_match_subject(get(c, "nope"), &s) == MISSING,
       "match subject: missing");

    ok(cmp(c, "nul", "eq", "admin", NULL) == NOT_MET,
       "\"admin\\0x\" eq admin: lengths, not C strings");
    ok(cmp(c, "nul", "contains", "admin", NULL) == NOT_MET,
       "\"admin\\0x\" contains admin: no token");
    ok(!has(get(c, "roles"), "admin", 1), "[\"admin\\0\"] holds no admin");
    ok(!has(get(c, "rs"), "admin", 1), "\"admin\\0 ops\" holds no admin");
    ok(has(get(c, "rs"), "ops", 1), "\"admin\\0 ops\" holds ops");

    json_decref(c);

    printf("1..%d\n", ngx_http_apisec_test_n);

    return ngx_http_apisec_test_failed ? 1 : 0;
}

#endif
