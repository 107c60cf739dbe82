
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * OAuth 2.0 token introspection (RFC 7662; apisec_introspect,
 * apisec_introspect_cache, src/ngx_http_apisec_introspect.c).  The input
 * is a bearer token's line, then an answer, "Content-Type\nbody":
 *
 *  - the token is form-escaped as for the request body
 *    (ngx_http_apisec_form_escape()): only unreserved characters and
 *    %XX escapes, decoding back to the token;
 *  - the answer is checked and parsed as the subrequest's, landed by
 *    ngx_http_apisec_introspect_land() into a shared cache zone made by
 *    the apisec_introspect_cache directive handler (128k, so that answers
 *    are evicted as the run goes on), and looked up again
 *    (ngx_http_apisec_introspect_lookup()): an active answer comes back
 *    equal, for as long as min(ttl, exp - now), an inactive one as
 *    inactive, a failure not at all;
 *  - an active answer's claims are checked as a request's are
 *    (ngx_http_apisec_introspect_claims()).
 *
 * The cache key is the digest of a server's context, the whole input (the
 * Host's place in the real key) and the token, so that each input has an
 * entry of its own and what a lookup finds is that input's answer; the
 * same token and Host under another server's context is another key, and
 * finds nothing (verdicts never cross servers).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec.h"


/* as NGX_HTTP_APISEC_INTROSPECT_ENTRY_MAX in the module */
#define NGX_HTTP_APISEC_FUZZ_ENTRY_MAX  16384

/* as the directive below */
#define NGX_HTTP_APISEC_FUZZ_TTL        60


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ngx_http_apisec_fuzz_escape(ngx_pool_t *pool, ngx_str_t *token);
static ngx_uint_t ngx_http_apisec_fuzz_cached(json_t *json);
static void ngx_http_apisec_fuzz_claims(json_t *json);


static ngx_http_apisec_jwt_conf_t  ngx_http_apisec_fuzz_introspect_conf;
static ngx_pool_t                 *ngx_http_apisec_fuzz_introspect_pool;


int
ngx_http_apisec_fuzz_init(void)
{
    char                        *rv;
    ngx_str_t                   *arg;
    ngx_conf_t                  *cf;
    ngx_pool_t                  *pool;
    ngx_command_t                cmd;
    ngx_http_apisec_loc_conf_t  *alcf;

    /* kept for the whole run */
    pool = ngx_http_apisec_fuzz_pool();
    ngx_http_apisec_fuzz_introspect_pool = pool;

    cf = ngx_http_apisec_fuzz_conf(pool);

    alcf = ngx_pcalloc(pool, sizeof(ngx_http_apisec_loc_conf_t));
    ngx_http_apisec_fuzz_assert(alcf != NULL);

    alcf->jwt.introspect_cache = NGX_CONF_UNSET_PTR;

    /* apisec_introspect_cache zone=fuzz:128k ttl=60s negative_ttl=10s; */

    cf->args = ngx_array_create(pool, 4, sizeof(ngx_str_t));
    ngx_http_apisec_fuzz_assert(cf->args != NULL);

    arg = ngx_array_push_n(cf->args, 4);
    ngx_http_apisec_fuzz_assert(arg != NULL);

    ngx_str_set(&arg[0], "apisec_introspect_cache");
    ngx_str_set(&arg[1], "zone=fuzz:128k");
    ngx_str_set(&arg[2], "ttl=60s");
    ngx_str_set(&arg[3], "negative_ttl=10s");

    ngx_memzero(&cmd, sizeof(ngx_command_t));
    cmd.name = arg[0];

    rv = ngx_http_apisec_introspect_cache(cf, &cmd, alcf);
    ngx_http_apisec_fuzz_assert(rv == NGX_CONF_OK);

    ngx_http_apisec_fuzz_shm();

    ngx_http_apisec_fuzz_introspect_conf = *ngx_http_apisec_fuzz_jwt_conf();
    ngx_http_apisec_fuzz_introspect_conf.introspect_cache =
                                                alcf->jwt.introspect_cache;

    ngx_http_apisec_fuzz_assert(
        ngx_http_apisec_fuzz_introspect_conf.introspect_cache->ttl
        == NGX_HTTP_APISEC_FUZZ_TTL);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t                               *json, *claims;
    ngx_int_t                             rc;
    ngx_str_t                             token, answer, input;
    ngx_pool_t                           *pool;
    u_char                                other[NGX_HTTP_APISEC_DIGEST_LEN];
    u_char                                context[NGX_HTTP_APISEC_DIGEST_LEN];
    ngx_http_apisec_flight_t              f;
    ngx_http_apisec_jwt_conf_t           *jcf;
    ngx_http_apisec_introspect_parsed_t  *parsed;

    jcf = &ngx_http_apisec_fuzz_introspect_conf;

    pool = ngx_http_apisec_fuzz_pool();

    if (ngx_http_apisec_fuzz_line(pool, data, size, &token, &answer)
        != NGX_OK)
    {
        ngx_destroy_pool(pool);
        return 0;
    }

    ngx_http_apisec_fuzz_escape(pool, &token);

    json = ngx_http_apisec_fuzz_answer(pool, answer.data, answer.len);

    /* the flight, as ngx_http_apisec_introspect_flight() makes it */

    ngx_memzero(&f, sizeof(ngx_http_apisec_flight_t));

    f.land = ngx_http_apisec_introspect_land;
    f.data = jcf;

    input.len = size;
    input.data = (u_char *) data;

    /* two servers: this one, and another that must never share a verdict */

    ngx_memzero(context, NGX_HTTP_APISEC_DIGEST_LEN);

    ngx_http_apisec_fuzz_assert(
        ngx_http_apisec_introspect_digest(context, &input, &token, f.key)
        == NGX_OK);

    context[0] = 1;

    ngx_http_apisec_fuzz_assert(
        ngx_http_apisec_introspect_digest(context, &input, &token, other)
        == NGX_OK);

    ngx_http_apisec_fuzz_assert(
        ngx_memcmp(f.key, other, NGX_HTTP_APISEC_DIGEST_LEN) != 0);

    f.land(&f, json, ngx_http_apisec_fuzz_log);

    /* the outcome: RFC 7662, 2.2, "active" must be the JSON true */

    if (json == NULL) {
        ngx_http_apisec_fuzz_assert(
            f.outcome == NGX_HTTP_APISEC_FLIGHT_FAILED && f.result == NULL);

    } else if (!json_is_true(json_object_get(json, "active"))) {
        ngx_http_apisec_fuzz_assert(
            f.outcome == NGX_HTTP_APISEC_FLIGHT_NEGATIVE && f.result == NULL);

    } else {
        ngx_http_apisec_fuzz_assert(
            f.outcome == NGX_HTTP_APISEC_FLIGHT_OK && f.result == json);
    }

    /* what the cache gives back for it */

    claims = NULL;
    parsed = NULL;

    rc = ngx_http_apisec_introspect_lookup(jcf->introspect_cache, f.key,
                                           pool, &claims, &parsed);

    if (f.outcome == NGX_HTTP_APISEC_FLIGHT_FAILED) {
        ngx_http_apisec_fuzz_assert(rc == NGX_AGAIN);

    } else if (f.outcome == NGX_HTTP_APISEC_FLIGHT_NEGATIVE) {
        ngx_http_apisec_fuzz_assert(rc == NGX_DECLINED);

    } else if (ngx_http_apisec_fuzz_cached(json)) {
        ngx_http_apisec_fuzz_assert(rc == NGX_OK && claims != NULL
                                    && json_equal(claims, json));
        ngx_http_apisec_fuzz_assert(parsed != NULL);

        json_decref(claims);

        /* again: the worker's parsed answer, the same */

        claims = NULL;

        rc = ngx_http_apisec_introspect_lookup(jcf->introspect_cache, f.key,
                                               pool, &claims, &parsed);

        ngx_http_apisec_fuzz_assert(rc == NGX_OK && claims != NULL
                                    && json_equal(claims, json));
        json_decref(claims);

    } else {
        ngx_http_apisec_fuzz_assert(rc == NGX_AGAIN);
    }

    /* the other server's key: nothing */

    claims = NULL;

    rc = ngx_http_apisec_introspect_lookup(jcf->introspect_cache, other,
                                           pool, &claims, &parsed);

    ngx_http_apisec_fuzz_assert(rc == NGX_AGAIN && claims == NULL);

    if (f.outcome == NGX_HTTP_APISEC_FLIGHT_OK) {
        ngx_http_apisec_fuzz_claims(json);
        json_decref(f.result);
    }

    if (json) {
        json_decref(json);
    }

    ngx_destroy_pool(pool);

    return 0;
}


static void
ngx_http_apisec_fuzz_escape(ngx_pool_t *pool, ngx_str_t *token)
{
    u_char     *p, *last, *t, c;
    ngx_str_t   escaped;

    /* room for 3 bytes a byte exactly, as the caller allocates */

    escaped.data = ngx_pnalloc(pool, token->len * 3 ? token->len * 3 : 1);
    ngx_http_apisec_fuzz_assert(escaped.data != NULL);

    ngx_http_apisec_fuzz_assert(
        ngx_http_apisec_form_escape(&escaped, token) == NGX_OK);

    ngx_http_apisec_fuzz_assert(escaped.len >= token->len
                                && escaped.len <= 3 * token->len);

    t = token->data;
    last = escaped.data + escaped.len;

    for (p = escaped.data; p < last; p++, t++) {

        if (*p != '%') {
            ngx_http_apisec_fuzz_assert(
                ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
                 || (*p >= '0' && *p <= '9')
                 || *p == '-' || *p == '.' || *p == '_' || *p == '~')
                && *p == *t);
            continue;
        }

        /* %XX, upper-case hex, of a byte that is not unreserved */

        ngx_http_apisec_fuzz_assert(last - p >= 3);

        ngx_http_apisec_fuzz_assert(
            ((p[1] >= '0' && p[1] <= '9') || (p[1] >= 'A' && p[1] <= 'F'))
            && ((p[2] >= '0' && p[2] <= '9') || (p[2] >= 'A' && p[2] <= 'F')));

        c = (u_char) ngx_hextoi(p + 1, 2);

        ngx_http_apisec_fuzz_assert(c == *t);
        ngx_http_apisec_fuzz_assert(!((c >= 'A' && c <= 'Z')
                                      || (c >= 'a' && c <= 'z')
                                      || (c >= '0' && c <= '9')
                                      || c == '-' || c == '.' || c == '_'
                                      || c == '~'));
        p += 2;
    }

    ngx_http_apisec_fuzz_assert(t == token->data + token->len);
}


/*
 * Whether an active answer is kept: for min(ttl, exp - now) whole seconds
 * when that is positive and its compact JSON fits an entry
 */

static ngx_uint_t
ngx_http_apisec_fuzz_cached(json_t *json)
{
    char    *text;
    size_t   len;
    double   e, now;
    json_t  *exp;

    exp = json_object_get(json, "exp");

    if (exp) {
        if (!json_is_number(exp)) {
            return 0;
        }

        e = json_number_value(exp);
        now = (double) ngx_time();

        if (e <= now) {
            return 0;
        }

        if (e - now < NGX_HTTP_APISEC_FUZZ_TTL && (time_t) (e - now) <= 0) {
            return 0;
        }
    }

    text = json_dumps(json, JSON_COMPACT);
    ngx_http_apisec_fuzz_assert(text != NULL);

    len = ngx_strlen(text);
    free(text);

    return len <= NGX_HTTP_APISEC_FUZZ_ENTRY_MAX;
}


/* an active answer's claims: what passes is what the location wants */

static void
ngx_http_apisec_fuzz_claims(json_t *json)
{
    char        *why;
    json_t      *v;
    ngx_str_t    subject, *s;
    ngx_uint_t   rc, i;

    ngx_http_apisec_jwt_conf_t  *jcf;

    jcf = &ngx_http_apisec_fuzz_introspect_conf;

    why = NULL;
    ngx_str_null(&subject);

    rc = ngx_http_apisec_introspect_claims(json, jcf, ngx_time(), &subject,
                                           &why);

    if (rc != NGX_HTTP_APISEC_JWT_OK) {
        ngx_http_apisec_fuzz_assert(why != NULL);
        return;
    }

    v = json_object_get(json, "scope");
    ngx_http_apisec_fuzz_assert(v == NULL || json_is_string(v));

    v = json_object_get(json, "sub");

    if (v) {
        ngx_http_apisec_fuzz_assert(json_is_string(v)
            && subject.data == (u_char *) json_string_value(v)
            && subject.len == json_string_length(v));

    } else {
        ngx_http_apisec_fuzz_assert(subject.data == NULL);
    }

    /* one of the issuers the location accepts */

    v = json_object_get(json, "iss");
    ngx_http_apisec_fuzz_assert(json_is_string(v));

    s = jcf->issuers->elts;

    for (i = 0; i < jcf->issuers->nelts; i++) {
        if (s[i].len == json_string_length(v)
            && ngx_memcmp(s[i].data, json_string_value(v), s[i].len) == 0)
        {
            break;
        }
    }

    ngx_http_apisec_fuzz_assert(i < jcf->issuers->nelts);

    /* not expired, with the leeway */

    v = json_object_get(json, "exp");
    ngx_http_apisec_fuzz_assert(v == NULL
        || json_number_value(v) + (double) jcf->leeway
           > (double) ngx_time());
}
