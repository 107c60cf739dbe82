
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


/* how much of an untrusted kid goes into a log line */
#define NGX_HTTP_APISEC_JWT_LOG_KID   64

/*
 * the parsed headers and tokens a worker keeps, and their largest size:
 * a header's text, or a whole token's (RS512 with a 4096-bit key fits)
 */
#define NGX_HTTP_APISEC_JWT_PARSED      8
#define NGX_HTTP_APISEC_JWT_PARSED_MAX  2048

/* a signature verdict a worker remembers is used this long at most */
#define NGX_HTTP_APISEC_JWT_MEMO_VALID  300


typedef struct {
    ngx_str_t                   name;       /* $apisec_auth_result */
    char                       *description;
} ngx_http_apisec_jwt_error_t;


typedef struct {
    u_char                      seg[NGX_HTTP_APISEC_JWT_PARSED_MAX];
    size_t                      len;
    json_t                     *json;

    /* the tokens' slots only: the whole token is in seg[] */

    json_t                     *header;     /* its parsed header */
    uint64_t                    tail;       /* its last 8 bytes */
    size_t                      hlen;       /* header's text */
    size_t                      clen;       /* claims' text */
    ngx_uint_t                  alg;        /* the header's, known good */
    ngx_str_t                   kid;        /* the header's, in "header" */

    /*
     * the memo of a verified signature: until "verified" (a time), the
     * token is known good for the key set whose fingerprint is "keyset";
     * 0: no verdict kept
     */
    time_t                      verified;
    size_t                      keyset_len;
    u_char                      keyset[2 * NGX_HTTP_APISEC_KEY_FP_LEN];
} ngx_http_apisec_jwt_parsed_t;


typedef struct {
    ngx_http_apisec_jwt_parsed_t  slot[NGX_HTTP_APISEC_JWT_PARSED];
    ngx_uint_t                    next;
} ngx_http_apisec_jwt_parsed_cache_t;


static ngx_uint_t ngx_http_apisec_jwt_authenticate(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_http_apisec_ctx_t *ctx,
    ngx_str_t *kid, char **why);
static ngx_uint_t ngx_http_apisec_jwt_issuer_keys(
    ngx_http_apisec_jwt_conf_t *jcf, ngx_http_apisec_jwt_parsed_t *slot,
    ngx_str_t *seg, u_char *buf, ngx_str_t **issuer, char **why);
static ngx_uint_t ngx_http_apisec_jwt_get_token(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *token,
    ngx_http_apisec_jwt_parsed_t **slot, char **why);
static ngx_http_apisec_jwt_parsed_t *ngx_http_apisec_jwt_token_find(
    ngx_str_t *token);
static json_t *ngx_http_apisec_jwt_token_parse(ngx_str_t *token,
    ngx_str_t *seg, json_t *header, ngx_uint_t alg, ngx_str_t *kid,
    u_char *buf, ngx_http_apisec_jwt_parsed_t **slot, char **why);
static void ngx_http_apisec_jwt_slot_free(ngx_http_apisec_jwt_parsed_t *p);
static ngx_uint_t ngx_http_apisec_jwt_equal(u_char *a, u_char *b, size_t len);
static ngx_int_t ngx_http_apisec_jwt_challenge(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_uint_t result);
static void ngx_http_apisec_jwt_log(ngx_http_request_t *r, ngx_str_t *kid,
    char *why);


static ngx_http_apisec_jwt_error_t  ngx_http_apisec_jwt_errors[] = {
    { ngx_string("none"), "internal error" },
    { ngx_string("ok"), NULL },
    { ngx_string("missing"), "no bearer token" },
    { ngx_string("invalid_request"), "malformed bearer credentials" },
    { ngx_string("too_large"), "token too large" },
    { ngx_string("malformed"), "token malformed" },
    { ngx_string("bad_alg"), "algorithm not accepted" },
    { ngx_string("bad_type"), "token type not accepted" },
    { ngx_string("crit"), "critical extension not supported" },
    { ngx_string("unknown_key"), "unknown key" },
    { ngx_string("bad_signature"), "signature invalid" },
    { ngx_string("bad_claim"), "token malformed" },
    { ngx_string("expired"), "token expired" },
    { ngx_string("not_yet_valid"), "token not yet valid" },
    { ngx_string("issued_in_future"), "token not yet valid" },
    { ngx_string("bad_issuer"), "issuer not accepted" },
    { ngx_string("bad_audience"), "audience not accepted" },
    { ngx_string("error"), "internal error" },
    { ngx_string("inactive"), "token not active" },
    { ngx_string("unavailable"), "authorization server unavailable" },
    { ngx_string("pending"), NULL }
};


/*
 * The tokens of one issuer share a handful of headers, and a client sends
 * the same token again and again: a worker keeps the last few headers it
 * parsed, by their exact base64url text, and the last few tokens whose
 * signature it verified, by the whole token's text, with their parsed
 * header and claims and, where a verdict may be reused, the key set that
 * verified it and until when (the memo); the parsed (never modified)
 * objects are shared by reference count.  A token's text is wiped when
 * its slot is taken by another.  Workers are single-threaded.
 */

static ngx_http_apisec_jwt_parsed_cache_t  ngx_http_apisec_jwt_headers;
static ngx_http_apisec_jwt_parsed_cache_t  ngx_http_apisec_jwt_claims;


/* the access phase's part */

ngx_int_t
ngx_http_apisec_jwt_access(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf)
{
    ngx_uint_t              result;
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_apisec_jwt_result(r, 1);

    result = (ctx && (ctx->jwt_conf == jcf
                      || ctx->jwt_result == NGX_HTTP_APISEC_JWT_PENDING))
             ? ctx->jwt_result : NGX_HTTP_APISEC_JWT_ERROR;

    if (result == NGX_HTTP_APISEC_JWT_OK) {
        return NGX_OK;
    }

    if (result == NGX_HTTP_APISEC_JWT_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* remote keys or an introspection answer: a subrequest first */

    if (result == NGX_HTTP_APISEC_JWT_PENDING) {
        if (ctx->waiter
            && ngx_http_apisec_flight_join(r, ctx->waiter) == NGX_AGAIN)
        {
            return NGX_AGAIN;
        }

        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (result == NGX_HTTP_APISEC_JWT_UNAVAILABLE) {
        return ngx_http_apisec_refuse(r, NGX_HTTP_SERVICE_UNAVAILABLE, 1,
                          ngx_http_apisec_jwt_errors[result].description);
    }

    if (ngx_http_apisec_jwt_challenge(r, jcf, result) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (result == NGX_HTTP_APISEC_JWT_INVALID_REQUEST) {
        return ngx_http_apisec_refuse(r, NGX_HTTP_BAD_REQUEST, 0,
                          jcf->several ? jcf->several
                          : ngx_http_apisec_jwt_errors[result].description);
    }

    if (result == NGX_HTTP_APISEC_JWT_MISSING) {
        return ngx_http_apisec_refuse(r, NGX_HTTP_UNAUTHORIZED, 1,
                                      jcf->missing);
    }

    return ngx_http_apisec_refuse(r, NGX_HTTP_UNAUTHORIZED, 1,
                          ngx_http_apisec_jwt_errors[result].description);
}


/*
 * The result of authentication for this request, computed at the first
 * need (a variable in "if" during the rewrite phase, or the access phase)
 * and then kept in the ctx with the conf it was computed for.  Only a ctx
 * made under this location's conf is read (ngx_http_apisec_loc_ctx()): a
 * verdict of another location, before an internal redirect, never serves
 * this one.  The access phase ("access") always gets a result; a variable
 * alone computes nothing for a response that is not a success (a request
 * refused or answered before authentication: a ban, plain HTTP, an error
 * page), for a CORS preflight, or once the header is sent, so that such a
 * request costs no verification.  Callers read ctx->jwt_result only where
 * ctx->jwt_conf is this location's: anything else is NGX_HTTP_APISEC_JWT_NONE
 * for them, never a grant.  A location without bearer authentication (an
 * error page after an internal redirect) reads the result made before,
 * for the logs: the access phase never asks there.
 */

ngx_http_apisec_ctx_t *
ngx_http_apisec_jwt_result(ngx_http_request_t *r, ngx_uint_t access)
{
    char                        *why;
    ngx_str_t                    kid;
    ngx_http_apisec_ctx_t       *ctx;
    ngx_http_apisec_jwt_conf_t  *jcf;
    ngx_http_apisec_loc_conf_t  *alcf;

    r = r->main;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);
    jcf = &alcf->jwt;

    if (!jcf->enable) {

        /* no bearer authentication here: the result before a redirect */

        return ngx_http_apisec_find_ctx(r);
    }

    ctx = ngx_http_apisec_loc_ctx(r);

    if (ctx && ctx->jwt_conf == jcf) {
        return ctx;
    }

    if (!access && ngx_http_apisec_answered(r, ctx)) {
        return ctx;
    }

    ctx = ngx_http_apisec_get_ctx(r);
    if (ctx == NULL) {
        return NULL;
    }

    if (ctx->jwt_header) {
        json_decref(ctx->jwt_header);
        ctx->jwt_header = NULL;
    }

    if (ctx->jwt_claims) {
        json_decref(ctx->jwt_claims);
        ctx->jwt_claims = NULL;
    }

    ngx_str_null(&ctx->subject);
    ngx_str_null(&kid);
    ctx->jwt_cache = NGX_HTTP_APISEC_JWT_CACHE_NONE;
    why = NULL;

    ctx->jwt_conf = jcf;
    ctx->jwt_result = ngx_http_apisec_jwt_authenticate(r, jcf, ctx, &kid,
                                                       &why);

    if (ctx->jwt_result == NGX_HTTP_APISEC_JWT_PENDING) {

        /* not a result: computed again once the subrequest is done */

        ctx->jwt_conf = NULL;
        return ctx;
    }

    if (ctx->jwt_result == NGX_HTTP_APISEC_JWT_UNAVAILABLE) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "apisec: bearer token not checked: %s",
                      why ? why : "authorization server unavailable");
        return ctx;
    }

    if (ctx->jwt_result != NGX_HTTP_APISEC_JWT_OK) {
        ngx_http_apisec_jwt_log(r, &kid, why);
    }

    return ctx;
}


ngx_str_t *
ngx_http_apisec_jwt_result_name(ngx_uint_t result)
{
    return &ngx_http_apisec_jwt_errors[result].name;
}


char *
ngx_http_apisec_jwt_result_detail(ngx_uint_t result)
{
    return ngx_http_apisec_jwt_errors[result].description;
}


static ngx_uint_t
ngx_http_apisec_jwt_authenticate(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_http_apisec_ctx_t *ctx,
    ngx_str_t *kid, char **why)
{
    u_char                        *p;
    double                         t;
    time_t                         exp, now, until;
    json_t                        *header, *claims, *v;
    ngx_int_t                      rc;
    ngx_str_t                      token, seg[3], sig, input, keyset;
    ngx_str_t                     *issuer;
    ngx_uint_t                     result, alg, memo, verified, hmac, i, n;
    ngx_uint_t                     shared;
    ngx_shm_zone_t                *cache;
    ngx_array_t                  **sets;
    ngx_http_apisec_jwks_t       **source;
    ngx_http_apisec_jwt_parsed_t  *slot;
    ngx_http_apisec_jose_policy_t  policy;
    u_char                         digest[NGX_HTTP_APISEC_DIGEST_LEN];
    u_char                         dgst[NGX_HTTP_APISEC_MAX_MD];
    u_char                         keysets[2 * NGX_HTTP_APISEC_KEY_FP_LEN];

    /*
     * a token this worker verified lately, byte for byte (*slot): split,
     * its header and claims parsed, and maybe its signature's verdict kept
     */

    result = ngx_http_apisec_jwt_get_token(r, jcf, &token, &slot, why);
    if (result != NGX_HTTP_APISEC_JWT_OK) {
        return result;
    }

    if (token.len > jcf->max_size) {
        *why = "token too large";
        return NGX_HTTP_APISEC_JWT_TOO_LARGE;
    }

    /* opaque tokens (RFC 7662): ngx_http_apisec_introspect.c */

    if (jcf->introspect && ngx_http_apisec_introspect_wanted(jcf, &token)) {
        return ngx_http_apisec_introspect_authenticate(r, jcf, ctx, &token,
                                                       why);
    }

    p = NULL;

    if (slot) {
        seg[0].data = token.data;
        seg[0].len = slot->hlen;
        seg[1].data = token.data + slot->hlen + 1;
        seg[1].len = slot->clen;
        seg[2].data = seg[1].data + seg[1].len + 1;
        seg[2].len = token.data + token.len - seg[2].data;

        header = json_incref(slot->header);
        ctx->jwt_header = header;

        /* alg is known, crit absent and kid a string: checked before */

        alg = slot->alg;
        *kid = slot->kid;

        if (!(jcf->policy.algorithms & NGX_HTTP_APISEC_ALG_BIT(alg))) {
            *why = "alg not in apisec_jwt_algorithms";
            return NGX_HTTP_APISEC_JWT_BAD_ALG;
        }

        if (jcf->policy.types) {
            result = ngx_http_apisec_jose_check_header(header, &jcf->policy,
                                                       &alg, kid, why);
            if (result != NGX_HTTP_APISEC_JWT_OK) {
                return result;
            }
        }

    } else {
        if (ngx_http_apisec_jose_split(&token, seg) != NGX_OK) {
            *why = "token is not three base64url segments";
            return NGX_HTTP_APISEC_JWT_MALFORMED;
        }

        /* one buffer for the decoded header, claims and signature */

        p = ngx_pnalloc(r->pool, token.len);
        if (p == NULL) {
            return NGX_HTTP_APISEC_JWT_ERROR;
        }

        header = ngx_http_apisec_jwt_parse(&seg[0], p, why, "header");
        if (header == NULL) {
            return NGX_HTTP_APISEC_JWT_MALFORMED;
        }

        ctx->jwt_header = header;

        result = ngx_http_apisec_jose_check_header(header, &jcf->policy, &alg,
                                                   kid, why);
        if (result != NGX_HTTP_APISEC_JWT_OK) {
            return result;
        }
    }

    input.data = token.data;
    input.len = seg[1].data + seg[1].len - token.data;

    sig.len = 0;

    /*
     * keys bound to issuers: the token's "iss" (not verified yet) picks
     * the keys that may verify it, so that one provider's key never signs
     * for another (ngx_http_apisec_jwt_issuer_keys())
     */

    issuer = NULL;

    if (jcf->bound) {
        if (p == NULL && slot == NULL) {
            p = ngx_pnalloc(r->pool, token.len);
            if (p == NULL) {
                return NGX_HTTP_APISEC_JWT_ERROR;
            }
        }

        result = ngx_http_apisec_jwt_issuer_keys(jcf, slot, &seg[1], p,
                                                 &issuer, why);
        if (result != NGX_HTTP_APISEC_JWT_OK) {
            return result;
        }
    }

    /* remote keys (ngx_http_apisec_jwks.c): fetched first when due */

    if (jcf->sources) {
        rc = ngx_http_apisec_jwks_ready(r, jcf, issuer, why);

        if (rc == NGX_AGAIN) {
            return NGX_HTTP_APISEC_JWT_PENDING;
        }

        if (rc != NGX_OK) {
            return (rc == NGX_DECLINED) ? NGX_HTTP_APISEC_JWT_UNAVAILABLE
                                        : NGX_HTTP_APISEC_JWT_ERROR;
        }
    }

    /* with fetched keys, a verdict is bound to the set fetched too */

    keyset = jcf->keyset;

    if (jcf->sources) {
        ngx_memcpy(keysets, jcf->keyset.data, jcf->keyset.len);

        if (ngx_http_apisec_jwks_keyset(jcf, keysets + jcf->keyset.len)
            != NGX_OK)
        {
            return NGX_HTTP_APISEC_JWT_ERROR;
        }

        keyset.data = keysets;
        keyset.len = jcf->keyset.len + NGX_HTTP_APISEC_KEY_FP_LEN;
    }

    /*
     * A verdict is reused where the operator asked for it (apisec_jwt_cache)
     * and, for HMAC, always: the worker holds the secret that signs every
     * token anyway, and an HMAC verdict is the same on every computation.
     * A reused verdict skips the signature only (its decoding too: the very
     * same bytes were decoded and verified before); the header and the
     * claims are checked below in either case, so that a verdict never
     * outlives "exp" or passes another location's alg, typ, iss or aud.
     */

    hmac = (ngx_http_apisec_jose_algs[alg].kty == NGX_HTTP_APISEC_KTY_OCT);
    memo = (jcf->cache != NULL || hmac);

    /*
     * The shared zone is asked for the public-key algorithms only: an
     * HMAC costs less than the zone's digest of the token and a lookup
     * (bench/README.md), so an HMAC token the worker's memo does not know
     * is verified, and not stored; with a zone it still counts as a MISS.
     */

    cache = hmac ? NULL : jcf->cache;

    now = ngx_time();
    until = 0;
    verified = 0;
    shared = 0;

    if (memo && slot
        && slot->verified > now
        && slot->keyset_len == keyset.len
        && ngx_memcmp(slot->keyset, keyset.data, keyset.len) == 0)
    {
        verified = 1;

        if (jcf->cache) {
            ctx->jwt_cache = NGX_HTTP_APISEC_JWT_CACHE_HIT;
        }

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "apisec: JWT %s, signature not verified again "
                       "(worker memo)",
                       jcf->cache ? "cache hit" : "verdict reused");

    } else if (cache) {

        /* the verified-token cache: this exact token and this key set */

        /*
         * RS256, PS256, ES256: the signing input hashed once, for the
         * cache's digest and for the verification after a miss
         */

        shared = (ngx_http_apisec_jwt_alg_prehashed(alg)
                  && ngx_http_apisec_jose_algs[alg].md
                     == NGX_HTTP_APISEC_SHA256);

        if (ngx_http_apisec_jwt_cache_digest(&keyset, &input, digest,
                                             shared ? dgst : NULL)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "apisec: EVP_Digest() failed for the JWT cache");
            return NGX_HTTP_APISEC_JWT_ERROR;
        }

        if (ngx_http_apisec_jwt_cache_lookup(cache, digest, &seg[2], &until)
            == NGX_OK)
        {
            ctx->jwt_cache = NGX_HTTP_APISEC_JWT_CACHE_HIT;
            verified = 1;

        } else {
            ctx->jwt_cache = NGX_HTTP_APISEC_JWT_CACHE_MISS;
        }

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "apisec: JWT cache %s",
                       verified ? "hit, signature not verified again"
                                : "miss");
    }

    if (!verified) {
        if (jcf->cache && cache == NULL) {
            ctx->jwt_cache = NGX_HTTP_APISEC_JWT_CACHE_MISS;
        }

        if (p == NULL) {
            p = ngx_pnalloc(r->pool, token.len);
            if (p == NULL) {
                return NGX_HTTP_APISEC_JWT_ERROR;
            }
        }

        sig.data = p;

        if (ngx_http_apisec_base64url_decode(&sig, &seg[2]) != NGX_OK) {
            *why = "signature is not base64url";
            return NGX_HTTP_APISEC_JWT_MALFORMED;
        }

        /* the key files' keys, then those of the issuer's sources */

        n = jcf->sources ? jcf->sources->nelts : 0;

        sets = ngx_palloc(r->pool, (n + 1) * sizeof(ngx_array_t *));
        if (sets == NULL) {
            return NGX_HTTP_APISEC_JWT_ERROR;
        }

        sets[0] = jcf->keys;
        source = jcf->sources ? jcf->sources->elts : NULL;
        n = 1;

        for (i = 0; jcf->sources && i < jcf->sources->nelts; i++) {
            if (source[i]->keys
                && ngx_http_apisec_jwks_candidate(source[i], issuer))
            {
                sets[n++] = source[i]->keys;
            }
        }

        rc = ngx_http_apisec_jwt_keys_verify(sets, n, issuer, alg, kid,
                                             &input, shared ? dgst : NULL,
                                             &sig, why, r->connection->log);

        if (rc == NGX_ERROR) {
            return NGX_HTTP_APISEC_JWT_ERROR;
        }

        if (rc == NGX_ABORT) {
            if (ngx_http_apisec_jwks_refetch(r, jcf, issuer, kid)
                == NGX_AGAIN)
            {
                return NGX_HTTP_APISEC_JWT_PENDING;
            }

            return NGX_HTTP_APISEC_JWT_UNKNOWN_KEY;
        }

        if (rc != NGX_OK) {
            return NGX_HTTP_APISEC_JWT_BAD_SIGNATURE;
        }
    }

    if (slot) {
        claims = json_incref(slot->json);

    } else {
        if (p == NULL) {
            p = ngx_pnalloc(r->pool, token.len);
            if (p == NULL) {
                return NGX_HTTP_APISEC_JWT_ERROR;
            }
        }

        claims = ngx_http_apisec_jwt_token_parse(&token, seg, header, alg,
                                                 kid, p + sig.len, &slot,
                                                 why);
        if (claims == NULL) {
            return NGX_HTTP_APISEC_JWT_MALFORMED;
        }
    }

    ctx->jwt_claims = claims;

    ngx_http_apisec_jwks_policy(jcf, now, &policy);

    result = ngx_http_apisec_jose_check_claims(claims, &policy, why);
    if (result != NGX_HTTP_APISEC_JWT_OK) {
        return result;
    }

    /* a verified token is kept until its "exp" at the latest */

    if (ctx->jwt_cache == NGX_HTTP_APISEC_JWT_CACHE_MISS || !verified) {
        v = json_object_get(claims, "exp");
        exp = 0;

        if (v) {
            /* a number, not yet past: checked above */
            t = json_number_value(v);
            exp = (t < (double) NGX_MAX_TIME_T_VALUE) ? (time_t) t
                                                      : NGX_MAX_TIME_T_VALUE;
        }

        if (cache && ctx->jwt_cache == NGX_HTTP_APISEC_JWT_CACHE_MISS) {
            until = ngx_http_apisec_jwt_cache_store(cache, digest, &seg[2],
                                                    exp, r->connection->log);

        } else {
            until = now + (jcf->cache
                           ? ngx_http_apisec_jwt_cache_valid(jcf->cache)
                           : NGX_HTTP_APISEC_JWT_MEMO_VALID);

            if (exp && exp < until) {
                until = exp;
            }
        }
    }

    /*
     * "until" is that of the entry after a hit in the shared cache, and 0
     * after a reused verdict: the memo stays as it is
     */

    if (memo && slot && until > now) {
        slot->verified = until;
        slot->keyset_len = keyset.len;
        ngx_memcpy(slot->keyset, keyset.data, keyset.len);
    }

    v = json_object_get(claims, "sub");

    if (v) {
        ctx->subject.len = json_string_length(v);
        ctx->subject.data = (u_char *) json_string_value(v);
    }

    return NGX_HTTP_APISEC_JWT_OK;
}


/*
 * With keys bound to issuers: the token's "iss", read before its signature
 * is verified, and only to choose keys (*issuer): those bound to it when
 * any is, else those bound to none.  A token whose issuer has no keys,
 * where every key is bound, is refused here.
 */

static ngx_uint_t
ngx_http_apisec_jwt_issuer_keys(ngx_http_apisec_jwt_conf_t *jcf,
    ngx_http_apisec_jwt_parsed_t *slot, ngx_str_t *seg, u_char *buf,
    ngx_str_t **issuer, char **why)
{
    json_t      *claims, *v;
    ngx_str_t   *bound, iss;
    ngx_uint_t   i;

    static ngx_str_t  none = ngx_null_string;

    if (slot) {
        claims = json_incref(slot->json);

    } else {
        claims = ngx_http_apisec_jose_json(seg, buf, why, "claims");
        if (claims == NULL) {
            return NGX_HTTP_APISEC_JWT_MALFORMED;
        }
    }

    ngx_str_null(&iss);

    v = json_object_get(claims, "iss");

    if (json_is_string(v)) {
        iss.len = json_string_length(v);
        iss.data = (u_char *) json_string_value(v);
    }

    *issuer = &none;
    bound = jcf->bound->elts;

    for (i = 0; iss.data && i < jcf->bound->nelts; i++) {
        if (bound[i].len == iss.len
            && ngx_memcmp(bound[i].data, iss.data, iss.len) == 0)
        {
            *issuer = &bound[i];
            break;
        }
    }

    json_decref(claims);

    if ((*issuer)->data == NULL && !jcf->unbound) {
        *why = "no key is bound to the token's issuer";
        return NGX_HTTP_APISEC_JWT_BAD_ISSUER;
    }

    return NGX_HTTP_APISEC_JWT_OK;
}


static ngx_uint_t
ngx_http_apisec_jwt_get_token(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *token,
    ngx_http_apisec_jwt_parsed_t **slot, char **why)
{
    u_char                     *p, *last;
    ngx_int_t                   rc;
    ngx_uint_t                  n;
    ngx_http_variable_value_t  *vv;

    *slot = NULL;

    if (jcf->token == NGX_HTTP_APISEC_JWT_TOKEN_QUERY) {
        n = ngx_http_apisec_query_arg(r, &jcf->token_name,
                                      NGX_HTTP_APISEC_STRIP_TOKEN, token);

        if (n > 1) {
            *why = jcf->several;
            return NGX_HTTP_APISEC_JWT_INVALID_REQUEST;
        }

        if (n == 0 || token->len == 0) {
            *why = jcf->missing;
            return NGX_HTTP_APISEC_JWT_MISSING;
        }

        *slot = ngx_http_apisec_jwt_token_find(token);

        return NGX_HTTP_APISEC_JWT_OK;
    }

    if (jcf->token != NGX_HTTP_APISEC_JWT_TOKEN_HEADER) {
        vv = ngx_http_get_indexed_variable(r, jcf->token);

        if (vv == NULL) {
            return NGX_HTTP_APISEC_JWT_ERROR;
        }

        if (vv->not_found || vv->len == 0) {
            *why = jcf->missing;
            return NGX_HTTP_APISEC_JWT_MISSING;
        }

        token->len = vv->len;
        token->data = vv->data;

        *slot = ngx_http_apisec_jwt_token_find(token);

        return NGX_HTTP_APISEC_JWT_OK;
    }

    /* nginx itself refuses a request with two Authorization headers */

    if (r->headers_in.authorization == NULL) {
        *why = "no Authorization header";
        return NGX_HTTP_APISEC_JWT_MISSING;
    }

    /*
     * "Bearer" and a token verified lately: its characters need no scan
     * (a kept token is base64url and dots, as ngx_http_apisec_jose_split()
     * found), ngx_http_apisec_jose_bearer() would find the same token
     */

    p = r->headers_in.authorization->value.data;
    last = p + r->headers_in.authorization->value.len;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    while (last > p && (last[-1] == ' ' || last[-1] == '\t')) {
        last--;
    }

    if (last - p > 7
        && ngx_strncasecmp(p, (u_char *) "bearer", 6) == 0
        && (p[6] == ' ' || p[6] == '\t'))
    {
        p += 7;

        while (p < last && (*p == ' ' || *p == '\t')) {
            p++;
        }

        token->len = last - p;
        token->data = p;

        *slot = ngx_http_apisec_jwt_token_find(token);

        if (*slot) {
            return NGX_HTTP_APISEC_JWT_OK;
        }
    }

    rc = ngx_http_apisec_jose_bearer(&r->headers_in.authorization->value,
                                    jcf->max_size, token);

    switch (rc) {

    case NGX_OK:
        return NGX_HTTP_APISEC_JWT_OK;

    case NGX_DECLINED:
        *why = "no bearer token in Authorization header";
        return NGX_HTTP_APISEC_JWT_MISSING;

    case NGX_ABORT:
        *why = "token too large";
        return NGX_HTTP_APISEC_JWT_TOO_LARGE;

    default: /* NGX_ERROR */
        *why = "malformed Authorization header, expected "
               "\"Bearer <b64token>\"";
        return NGX_HTTP_APISEC_JWT_INVALID_REQUEST;
    }
}


/*
 * A header or claims segment: base64url-decoded into buf (room for 3/4 of
 * seg->len), then a JSON object without duplicate member names.  NULL with
 * *why set when it is not.  what: "header" or "claims".
 */

json_t *
ngx_http_apisec_jwt_parse(ngx_str_t *seg, u_char *buf, char **why,
    char *what)
{
    json_t                              *json;
    ngx_uint_t                           i;
    ngx_http_apisec_jwt_parsed_t        *p;
    ngx_http_apisec_jwt_parsed_cache_t  *cache;

    cache = &ngx_http_apisec_jwt_headers;

    for (i = 0; i < NGX_HTTP_APISEC_JWT_PARSED; i++) {
        p = &cache->slot[i];

        if (p->json
            && p->len == seg->len
            && ngx_memcmp(p->seg, seg->data, seg->len) == 0)
        {
            return json_incref(p->json);
        }
    }

    json = ngx_http_apisec_jose_json(seg, buf, why, what);

    if (json == NULL || seg->len > NGX_HTTP_APISEC_JWT_PARSED_MAX) {
        return json;
    }

    p = &cache->slot[cache->next++ % NGX_HTTP_APISEC_JWT_PARSED];

    ngx_http_apisec_jwt_slot_free(p);

    p->json = json_incref(json);
    p->len = seg->len;
    ngx_memcpy(p->seg, seg->data, seg->len);

    return json;
}


/*
 * A token verified before, compared in constant time whatever the slot
 * holds: another client's token is a bearer credential, and how long a
 * comparison takes must not tell how much of it a guess got right.  The
 * last 8 bytes (of the signature) are compared first, as one 64-bit
 * word: that tells a guess only whether all 64 bits are right, and spares
 * distinct tokens of one length the full comparison.
 */

static ngx_http_apisec_jwt_parsed_t *
ngx_http_apisec_jwt_token_find(ngx_str_t *token)
{
    uint64_t                       tail;
    ngx_uint_t                     i;
    ngx_http_apisec_jwt_parsed_t  *p;

    if (token->len > NGX_HTTP_APISEC_JWT_PARSED_MAX || token->len < 8) {
        return NULL;
    }

    ngx_memcpy(&tail, token->data + token->len - 8, 8);

    for (i = 0; i < NGX_HTTP_APISEC_JWT_PARSED; i++) {
        p = &ngx_http_apisec_jwt_claims.slot[i];

        if (p->json
            && p->len == token->len
            && p->tail == tail
            && ngx_http_apisec_jwt_equal(p->seg, token->data, token->len))
        {
            return p;
        }
    }

    return NULL;
}


/*
 * The claims of a token whose signature is good: parsed, and the token
 * kept in a slot (*slot; NULL when the token is too large to keep) with
 * no verdict yet.
 */

static json_t *
ngx_http_apisec_jwt_token_parse(ngx_str_t *token, ngx_str_t *seg,
    json_t *header, ngx_uint_t alg, ngx_str_t *kid, u_char *buf,
    ngx_http_apisec_jwt_parsed_t **slot, char **why)
{
    json_t                              *json;
    ngx_http_apisec_jwt_parsed_t        *p;
    ngx_http_apisec_jwt_parsed_cache_t  *cache;

    *slot = NULL;

    json = ngx_http_apisec_jose_json(&seg[1], buf, why, "claims");

    if (json == NULL
        || token->len > NGX_HTTP_APISEC_JWT_PARSED_MAX
        || token->len < 8)
    {
        return json;
    }

    cache = &ngx_http_apisec_jwt_claims;

    p = &cache->slot[cache->next++ % NGX_HTTP_APISEC_JWT_PARSED];

    ngx_http_apisec_jwt_slot_free(p);

    p->json = json_incref(json);
    p->header = json_incref(header);
    p->len = token->len;
    p->hlen = seg[0].len;
    p->clen = seg[1].len;
    p->alg = alg;
    p->kid = *kid;
    ngx_memcpy(p->seg, token->data, token->len);
    ngx_memcpy(&p->tail, token->data + token->len - 8, 8);

    *slot = p;

    return json;
}


/* a slot given up: its objects released, its text and verdict wiped */

static void
ngx_http_apisec_jwt_slot_free(ngx_http_apisec_jwt_parsed_t *p)
{
    if (p->json) {
        json_decref(p->json);
    }

    if (p->header) {
        json_decref(p->header);
    }

    ngx_explicit_memzero(p->seg, p->len);
    ngx_explicit_memzero(p->keyset, sizeof(p->keyset));

    p->json = NULL;
    p->header = NULL;
    p->tail = 0;
    p->len = 0;
    p->hlen = 0;
    p->clen = 0;
    p->alg = 0;
    ngx_str_null(&p->kid);
    p->verified = 0;
    p->keyset_len = 0;
}


/* equal bytes?  In a time that depends on len only */

static ngx_uint_t
ngx_http_apisec_jwt_equal(u_char *a, u_char *b, size_t len)
{
    uint64_t  x, y, d;

    d = 0;

    while (len >= 8) {
        ngx_memcpy(&x, a, 8);
        ngx_memcpy(&y, b, 8);
        d |= x ^ y;
        a += 8;
        b += 8;
        len -= 8;
    }

    while (len--) {
        d |= *a++ ^ *b++;
    }

    return d == 0;
}


/*
 * RFC 6750, 3: the challenge of each refusal; for a cookie, the one
 * challenge without error parameters
 */

static ngx_int_t
ngx_http_apisec_jwt_challenge(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_uint_t result)
{
    u_char           *p;
    size_t            len;
    char             *desc;
    ngx_str_t         name, value;

    desc = ngx_http_apisec_jwt_errors[result].description;

    if (jcf->token_from == NGX_HTTP_APISEC_JWT_FROM_COOKIE) {
        result = NGX_HTTP_APISEC_JWT_MISSING;
    }

    switch (result) {

    case NGX_HTTP_APISEC_JWT_MISSING:
        value = jcf->challenge;
        break;

    case NGX_HTTP_APISEC_JWT_INVALID_REQUEST:
        len = jcf->challenge.len + sizeof(", error=\"invalid_request\"") - 1;

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        value.data = p;
        p = ngx_cpymem(p, jcf->challenge.data, jcf->challenge.len);
        p = ngx_cpymem(p, ", error=\"invalid_request\"",
                       sizeof(", error=\"invalid_request\"") - 1);
        value.len = p - value.data;
        break;

    default:

        /* the descriptions are ours: no quote or backslash to escape */

        len = jcf->challenge.len
              + sizeof(", error=\"invalid_token\", error_description=\"\"")
              - 1 + ngx_strlen(desc);

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        value.data = p;
        p = ngx_cpymem(p, jcf->challenge.data, jcf->challenge.len);
        p = ngx_sprintf(p, ", error=\"invalid_token\", "
                        "error_description=\"%s\"", desc);
        value.len = p - value.data;
        break;
    }

    ngx_str_set(&name, "WWW-Authenticate");

    r->headers_out.www_authenticate = ngx_http_apisec_set_header(r, &name,
                                                                 &value);
    if (r->headers_out.www_authenticate == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the precise reason, at "info", with the kid: never the token */

static void
ngx_http_apisec_jwt_log(ngx_http_request_t *r, ngx_str_t *kid, char *why)
{
    u_char     *p, *s, *last;
    u_char      buf[NGX_HTTP_APISEC_JWT_LOG_KID * 4 + 3];
    ngx_str_t   k;

    if (why == NULL) {
        why = "internal error";
    }

    if (kid->data == NULL) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: JWT refused: %s", why);
        return;
    }

    p = buf;
    s = kid->data;
    last = s + ngx_min(kid->len, NGX_HTTP_APISEC_JWT_LOG_KID);

    for ( /* void */ ; s < last; s++) {
        if (*s < 0x20 || *s >= 0x7f || *s == '"' || *s == '\\') {
            p = ngx_sprintf(p, "\\x%02xd", *s);

        } else {
            *p++ = *s;
        }
    }

    if (kid->len > NGX_HTTP_APISEC_JWT_LOG_KID) {
        p = ngx_cpymem(p, "...", 3);
    }

    k.len = p - buf;
    k.data = buf;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apisec: JWT refused: %s, kid \"%V\"", why, &k);
}


/*
 * At process exit: the parsed headers and claims kept by
 * ngx_http_apisec_jwt_parse().  nginx unloads the module as it exits, and
 * with it the only pointers to them.
 */

void
ngx_http_apisec_jwt_exit(void)
{
    ngx_uint_t                           i, n;
    ngx_http_apisec_jwt_parsed_cache_t  *cache[2];

    cache[0] = &ngx_http_apisec_jwt_headers;
    cache[1] = &ngx_http_apisec_jwt_claims;

    for (n = 0; n < 2; n++) {
        for (i = 0; i < NGX_HTTP_APISEC_JWT_PARSED; i++) {
            ngx_http_apisec_jwt_slot_free(&cache[n]->slot[i]);
        }
    }
}
