
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
    size_t                      len;        /* 0: a free slot */
    json_t                     *json;       /* the header's; a token's
                                               claims once parsed, or NULL */

    /* the tokens' slots only: the whole token is in seg[] */

    ngx_uint_t                  gen;        /* bumped as the slot is taken */
    u_char                      text[NGX_HTTP_APISEC_JWT_PARSED_MAX / 4 * 3];
    ngx_http_apisec_jose_claims_t  claims;  /* its strings in text[] or
                                               in json */
    json_t                     *header;     /* its parsed header */
    uint64_t                    tail;       /* its last 8 bytes */
    size_t                      hlen;       /* header's text */
    size_t                      clen;       /* claims' text */
    ngx_uint_t                  alg;        /* the header's, known good */
    ngx_str_t                   kid;        /* the header's, in "header" */

    /* the headers' slots: the checks that do not depend on a policy */
    ngx_uint_t                  result;
    char                       *why;

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
static ngx_uint_t ngx_http_apisec_jwt_header(ngx_str_t *seg, u_char *buf,
    ngx_http_apisec_jwt_parsed_t *p, ngx_http_apisec_jose_policy_t *policy,
    json_t **header, ngx_uint_t *alg, ngx_str_t *kid, char **why);
static ngx_http_apisec_jwt_parsed_t *ngx_http_apisec_jwt_header_kept(
    ngx_str_t *seg);
static ngx_http_apisec_jwt_parsed_t *ngx_http_apisec_jwt_header_find(
    ngx_str_t *seg, u_char *buf, json_t **json, char **why);
static ngx_uint_t ngx_http_apisec_jwt_read_claims(ngx_http_apisec_ctx_t *ctx,
    ngx_str_t *seg, u_char *buf, ngx_str_t *text,
    ngx_http_apisec_jose_claims_t *claims, char **why);
static ngx_uint_t ngx_http_apisec_jwt_issuer_keys(
    ngx_http_apisec_jwt_conf_t *jcf, ngx_http_apisec_jose_claims_t *claims,
    ngx_str_t **issuer, char **why);
static ngx_uint_t ngx_http_apisec_jwt_get_token(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *token, ngx_str_t *seg,
    ngx_http_apisec_jwt_parsed_t **slot, ngx_uint_t *unscanned, char **why);
static ngx_uint_t ngx_http_apisec_jwt_bearer(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *token, ngx_str_t *seg,
    char **why);
static ngx_http_apisec_jwt_parsed_t *ngx_http_apisec_jwt_quick(
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *token, ngx_str_t *seg,
    u_char *buf, ngx_str_t *text, ngx_str_t *sig);
static ngx_http_apisec_jwt_parsed_t *ngx_http_apisec_jwt_token_find(
    ngx_str_t *token);
static ngx_http_apisec_jwt_parsed_t *ngx_http_apisec_jwt_token_keep(
    ngx_str_t *token, ngx_str_t *seg, json_t *header, ngx_uint_t alg,
    ngx_str_t *kid, ngx_str_t *text, ngx_http_apisec_jose_claims_t *claims,
    json_t *json);
static void ngx_http_apisec_jwt_slot_free(ngx_http_apisec_jwt_parsed_t *p);
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
static ngx_http_apisec_jwt_parsed_cache_t  ngx_http_apisec_jwt_tokens;


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

    ngx_str_null(&ctx->jwt_claims_seg);
    ctx->jwt_slot = NULL;
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
    json_t                        *header;
    ngx_int_t                      rc;
    ngx_str_t                      token, seg[3], sig, input, keyset, text;
    ngx_str_t                     *issuer;
    ngx_uint_t                     result, alg, memo, verified, hmac, i, n;
    ngx_uint_t                     shared, unscanned;
    ngx_shm_zone_t                *cache;
    ngx_array_t                  **sets, *one[1];
    ngx_http_apisec_jwks_t       **source;
    ngx_http_apisec_jwt_parsed_t  *slot, *kept;
    ngx_http_apisec_jose_policy_t  policy;
    ngx_http_apisec_jose_claims_t  cl, *claims;
    u_char                         digest[NGX_HTTP_APISEC_DIGEST_LEN];
    u_char                         dgst[NGX_HTTP_APISEC_MAX_MD];
    u_char                         keysets[2 * NGX_HTTP_APISEC_KEY_FP_LEN];

    /*
     * a token this worker verified lately, byte for byte (*slot): split,
     * its header and claims parsed, and maybe its signature's verdict kept
     */

    result = ngx_http_apisec_jwt_get_token(r, jcf, &token, seg, &slot,
                                           &unscanned, why);
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
    claims = NULL;
    text.data = NULL;
    sig.data = NULL;
    sig.len = 0;

    if (slot) {
        seg[0].data = token.data;
        seg[0].len = slot->hlen;
        seg[1].data = token.data + slot->hlen + 1;
        seg[1].len = slot->clen;
        seg[2].data = seg[1].data + seg[1].len + 1;
        seg[2].len = token.data + token.len - seg[2].data;

        header = json_incref(slot->header);
        ctx->jwt_header = header;

        claims = &slot->claims;

        if (slot->json) {
            ctx->jwt_claims = json_incref(slot->json);
        }

        ctx->jwt_slot = slot;
        ctx->jwt_slot_gen = slot->gen;

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

        /*
         * one buffer for the decoded header, claims and signature: the
         * signature first, the claims after its room (3/4 of seg[2].len)
         */

        p = ngx_pnalloc(r->pool, token.len);
        if (p == NULL) {
            return NGX_HTTP_APISEC_JWT_ERROR;
        }

        kept = NULL;

        if (unscanned
            && (kept = ngx_http_apisec_jwt_quick(jcf, &token, seg, p, &text,
                                                 &sig))
               == NULL)
        {
            /* the way every token went before: scanned, then split */

            text.data = NULL;
            sig.data = NULL;
            sig.len = 0;

            result = ngx_http_apisec_jwt_bearer(r, jcf, &token, seg, why);
            if (result != NGX_HTTP_APISEC_JWT_OK) {
                return result;
            }

        } else if (unscanned) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "apisec: JWT split and decoded, a kept header");
        }

        /* split already when the Authorization header was read */

        if (seg[0].data == NULL
            && ngx_http_apisec_jose_split(&token, seg) != NGX_OK)
        {
            *why = "token is not three base64url segments";
            return NGX_HTTP_APISEC_JWT_MALFORMED;
        }

        result = ngx_http_apisec_jwt_header(&seg[0], p, kept, &jcf->policy,
                                            &header, &alg, kid, why);

        ctx->jwt_header = header;

        if (result != NGX_HTTP_APISEC_JWT_OK) {
            return result;
        }
    }

    input.data = token.data;
    input.len = seg[1].data + seg[1].len - token.data;

    ctx->jwt_claims_seg = seg[1];

    /*
     * keys bound to issuers: the token's "iss" (not verified yet) picks
     * the keys that may verify it, so that one provider's key never signs
     * for another (ngx_http_apisec_jwt_issuer_keys())
     */

    issuer = NULL;

    if (jcf->bound) {
        if (claims == NULL) {
            result = ngx_http_apisec_jwt_read_claims(ctx, &seg[1],
                                                     p + seg[2].len, &text,
                                                     &cl, why);
            if (result != NGX_HTTP_APISEC_JWT_OK) {
                return result;
            }

            claims = &cl;
        }

        result = ngx_http_apisec_jwt_issuer_keys(jcf, claims, &issuer, why);
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

        if (sig.data == NULL) {
            sig.data = p;

            if (ngx_http_apisec_base64url_decode(&sig, &seg[2]) != NGX_OK) {
                *why = "signature is not base64url";
                return NGX_HTTP_APISEC_JWT_MALFORMED;
            }
        }

        /* the key files' keys, then those of the issuer's sources */

        if (jcf->sources == NULL) {
            sets = one;

        } else {
            n = jcf->sources->nelts;

            sets = ngx_palloc(r->pool, (n + 1) * sizeof(ngx_array_t *));
            if (sets == NULL) {
                return NGX_HTTP_APISEC_JWT_ERROR;
            }
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

    if (slot == NULL) {
        if (claims == NULL) {
            result = ngx_http_apisec_jwt_read_claims(ctx, &seg[1],
                                                     p + seg[2].len, &text,
                                                     &cl, why);
            if (result != NGX_HTTP_APISEC_JWT_OK) {
                return result;
            }

            claims = &cl;
        }

        slot = ngx_http_apisec_jwt_token_keep(&token, seg, header, alg, kid,
                                              &text, &cl, ctx->jwt_claims);
        if (slot) {
            ctx->jwt_slot = slot;
            ctx->jwt_slot_gen = slot->gen;
        }
    }

    ngx_http_apisec_jwks_policy(jcf, now, &policy);

    result = ngx_http_apisec_jose_check_claims(claims, &policy, why);
    if (result != NGX_HTTP_APISEC_JWT_OK) {
        return result;
    }

    /* a verified token is kept until its "exp" at the latest */

    if (ctx->jwt_cache == NGX_HTTP_APISEC_JWT_CACHE_MISS || !verified) {
        exp = 0;

        if (claims->exp.type == NGX_HTTP_APISEC_JOSE_NUMBER) {
            /* not yet past: checked above */
            t = claims->exp.number;
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

    if (claims->sub.type == NGX_HTTP_APISEC_JOSE_STRING) {
        ctx->subject = claims->sub.string;

        if (slot && claims == &slot->claims) {

            /* a copy: another token may take the slot while this runs */

            ctx->subject.data = ngx_pstrdup(r->pool, &claims->sub.string);
            if (ctx->subject.data == NULL) {
                return NGX_HTTP_APISEC_JWT_ERROR;
            }
        }
    }

    return NGX_HTTP_APISEC_JWT_OK;
}


/*
 * The claims of a token not in the worker's memo: decoded into buf and
 * read (ngx_http_apisec_jose_claims()); when jansson parsed them, the
 * ctx owns its object.
 */

static ngx_uint_t
ngx_http_apisec_jwt_read_claims(ngx_http_apisec_ctx_t *ctx, ngx_str_t *seg,
    u_char *buf, ngx_str_t *text, ngx_http_apisec_jose_claims_t *claims,
    char **why)
{
    json_t     *json;
    ngx_int_t   rc;

    /* decoded already by ngx_http_apisec_jwt_quick(), or now */

    if (text->data) {
        rc = ngx_http_apisec_jose_claims_text(text, claims, &json, why);

    } else {
        rc = ngx_http_apisec_jose_claims(seg, buf, text, claims, &json, why);
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_APISEC_JWT_MALFORMED;
    }

    if (json) {
        ctx->jwt_claims = json;
    }

    return NGX_HTTP_APISEC_JWT_OK;
}


/*
 * A token taken from "Bearer" without a scan of its characters: split at
 * its first two dots, its header one this worker has kept (base64url,
 * since it was decoded), its claims decoded into buf + seg[2].len (*text)
 * and its signature into buf (*sig) or, where the verified-token cache may
 * spare the signature, only checked.  Decoding checks every character: on
 * NGX_OK the token is base64url and the two dots, and the scan and the
 * split would have found it so (ngx_http_apisec_jose_bearer(),
 * ngx_http_apisec_jose_split()).  NGX_DECLINED: the caller scans and
 * splits, and that decides.  The header's slot, or NULL: declined.
 */

static ngx_http_apisec_jwt_parsed_t *
ngx_http_apisec_jwt_quick(ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *token,
    ngx_str_t *seg, u_char *buf, ngx_str_t *text, ngx_str_t *sig)
{
    u_char                        *last, *dot[2];
    ngx_http_apisec_jwt_parsed_t  *p;

    last = token->data + token->len;

    dot[0] = memchr(token->data, '.', token->len);

    if (dot[0] == NULL || dot[0] == token->data) {
        return NULL;
    }

    dot[1] = memchr(dot[0] + 1, '.', last - dot[0] - 1);

    if (dot[1] == NULL || dot[1] == dot[0] + 1) {
        return NULL;
    }

    seg[0].data = token->data;
    seg[0].len = dot[0] - token->data;
    seg[1].data = dot[0] + 1;
    seg[1].len = dot[1] - seg[1].data;
    seg[2].data = dot[1] + 1;
    seg[2].len = last - seg[2].data;

    p = ngx_http_apisec_jwt_header_kept(&seg[0]);

    if (p == NULL) {
        seg[0].data = NULL;
        return NULL;
    }

    text->data = buf + seg[2].len;

    if (ngx_http_apisec_base64url_decode(text, &seg[1]) != NGX_OK) {
        seg[0].data = NULL;
        return NULL;
    }

    sig->data = buf;

    if (jcf->cache
        && ngx_http_apisec_jose_algs[p->alg].kty != NGX_HTTP_APISEC_KTY_OCT)
    {
        if (ngx_http_apisec_base64url_valid(&seg[2]) != NGX_OK) {
            seg[0].data = NULL;
            return NULL;
        }

        sig->data = NULL;
        return p;
    }

    if (ngx_http_apisec_base64url_decode(sig, &seg[2]) != NGX_OK) {
        seg[0].data = NULL;
        return NULL;
    }

    return p;
}


/*
 * A bearer token's claims as a JSON object, for whatever reads more of
 * them than the registered claims (authorization, variables): a JWT's are
 * parsed by jansson the first time they are asked for, and kept by the
 * worker's memo slot of the token while it holds that token.  NULL: no
 * claims.
 */

json_t *
ngx_http_apisec_jwt_claims(ngx_http_request_t *r, ngx_http_apisec_ctx_t *ctx)
{
    char                          *why;
    u_char                        *buf;
    json_t                        *json;
    ngx_http_apisec_jwt_parsed_t  *slot;

    if (ctx == NULL || ctx->jwt_claims || ctx->jwt_claims_seg.len == 0) {
        return ctx ? ctx->jwt_claims : NULL;
    }

    slot = ctx->jwt_slot;

    if (slot && slot->gen != ctx->jwt_slot_gen) {
        slot = NULL;
    }

    if (slot && slot->json) {
        ctx->jwt_claims = json_incref(slot->json);
        return ctx->jwt_claims;
    }

    buf = ngx_pnalloc(r->pool, ctx->jwt_claims_seg.len);
    if (buf == NULL) {
        return NULL;
    }

    why = NULL;

    json = ngx_http_apisec_jose_json(&ctx->jwt_claims_seg, buf, &why,
                                     "claims");
    if (json == NULL) {

        /* claims the scanner read and jansson refuses: never */

        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apisec: bearer token claims read before "
                      "are not parsed now: %s", why ? why : "");

        ngx_str_null(&ctx->jwt_claims_seg);
        return NULL;
    }

    ctx->jwt_claims = json;

    if (slot) {
        slot->json = json_incref(json);
    }

    return json;
}


/*
 * With keys bound to issuers: the token's "iss", read before its signature
 * is verified, and only to choose keys (*issuer): those bound to it when
 * any is, else those bound to none.  A token whose issuer has no keys,
 * where every key is bound, is refused here.
 */

static ngx_uint_t
ngx_http_apisec_jwt_issuer_keys(ngx_http_apisec_jwt_conf_t *jcf,
    ngx_http_apisec_jose_claims_t *claims, ngx_str_t **issuer, char **why)
{
    ngx_str_t   *bound, iss;
    ngx_uint_t   i;

    static ngx_str_t  none = ngx_null_string;

    ngx_str_null(&iss);

    if (claims->iss.type == NGX_HTTP_APISEC_JOSE_STRING) {
        iss = claims->iss.string;
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

    if ((*issuer)->data == NULL && !jcf->unbound) {
        *why = "no key is bound to the token's issuer";
        return NGX_HTTP_APISEC_JWT_BAD_ISSUER;
    }

    return NGX_HTTP_APISEC_JWT_OK;
}


static ngx_uint_t
ngx_http_apisec_jwt_get_token(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *token, ngx_str_t *seg,
    ngx_http_apisec_jwt_parsed_t **slot, ngx_uint_t *unscanned, char **why)
{
    u_char                     *p, *last;
    ngx_uint_t                  n;
    ngx_http_variable_value_t  *vv;

    *slot = NULL;
    *unscanned = 0;
    seg[0].data = NULL;

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
        && ngx_http_apisec_jose_is_bearer(p)
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

        /*
         * a token not scanned yet: ngx_http_apisec_jwt_quick() decodes
         * it, which checks every character, and else it is scanned
         * (ngx_http_apisec_jwt_bearer()) before anything else looks at it;
         * an opaque token goes to introspection scanned
         */

        if (!jcf->introspect && token->len <= jcf->max_size) {
            *unscanned = 1;
            return NGX_HTTP_APISEC_JWT_OK;
        }
    }

    return ngx_http_apisec_jwt_bearer(r, jcf, token, seg, why);
}


/* "Bearer" and a b64token in the Authorization header, scanned */

static ngx_uint_t
ngx_http_apisec_jwt_bearer(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *token, ngx_str_t *seg,
    char **why)
{
    ngx_int_t  rc;

    rc = ngx_http_apisec_jose_bearer(&r->headers_in.authorization->value,
                                    jcf->max_size, token, seg);

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
    json_t                        *json;
    ngx_http_apisec_jwt_parsed_t  *p;

    p = ngx_http_apisec_jwt_header_find(seg, buf, &json, why);

    return p ? json_incref(p->json) : json;
}


/* the worker's slot of a header, by its exact text; NULL: none */

static ngx_http_apisec_jwt_parsed_t *
ngx_http_apisec_jwt_header_kept(ngx_str_t *seg)
{
    ngx_uint_t                     i;
    ngx_http_apisec_jwt_parsed_t  *p;

    for (i = 0; i < NGX_HTTP_APISEC_JWT_PARSED; i++) {
        p = &ngx_http_apisec_jwt_headers.slot[i];

        if (p->json
            && p->len == seg->len
            && ngx_memcmp(p->seg, seg->data, seg->len) == 0)
        {
            return p;
        }
    }

    return NULL;
}


/*
 * The worker's slot of a header (its text compared), filled when new with
 * the parsed header and what ngx_http_apisec_jose_check_header() finds
 * with every algorithm allowed and no typ asked for.  NULL: *json is the
 * header parsed and too large to keep, or NULL with *why set.
 */

static ngx_http_apisec_jwt_parsed_t *
ngx_http_apisec_jwt_header_find(ngx_str_t *seg, u_char *buf, json_t **json,
    char **why)
{
    ngx_http_apisec_jwt_parsed_t        *p;
    ngx_http_apisec_jose_policy_t        all;
    ngx_http_apisec_jwt_parsed_cache_t  *cache;

    p = ngx_http_apisec_jwt_header_kept(seg);

    if (p) {
        return p;
    }

    cache = &ngx_http_apisec_jwt_headers;

    *json = ngx_http_apisec_jose_json(seg, buf, why, "header");

    if (*json == NULL || seg->len > NGX_HTTP_APISEC_JWT_PARSED_MAX) {
        return NULL;
    }

    p = &cache->slot[cache->next++ % NGX_HTTP_APISEC_JWT_PARSED];

    ngx_http_apisec_jwt_slot_free(p);

    p->json = *json;
    p->len = seg->len;
    ngx_memcpy(p->seg, seg->data, seg->len);

    ngx_memzero(&all, sizeof(ngx_http_apisec_jose_policy_t));
    all.algorithms = NGX_HTTP_APISEC_ALGS_ALL;

    p->why = NULL;
    p->result = ngx_http_apisec_jose_check_header(p->json, &all, &p->alg,
                                                  &p->kid, &p->why);

    return p;
}


/*
 * The header of a token not in the worker's memo, parsed (*header, NULL
 * when it is not JSON) and checked against the policy.  A worker keeps the
 * last few headers with what ngx_http_apisec_jose_check_header() found
 * with every algorithm allowed and no typ asked for; the policy's own
 * checks then come in the order that function has: kid, a known alg,
 * alg among the policy's, crit, typ.
 */

static ngx_uint_t
ngx_http_apisec_jwt_header(ngx_str_t *seg, u_char *buf,
    ngx_http_apisec_jwt_parsed_t *p, ngx_http_apisec_jose_policy_t *policy,
    json_t **header, ngx_uint_t *alg, ngx_str_t *kid, char **why)
{
    json_t  *json;

    json = NULL;

    if (p == NULL) {
        p = ngx_http_apisec_jwt_header_find(seg, buf, &json, why);
    }

    if (p == NULL) {
        *header = json;

        if (json == NULL) {
            return NGX_HTTP_APISEC_JWT_MALFORMED;
        }

        return ngx_http_apisec_jose_check_header(json, policy, alg, kid, why);
    }

    *header = json_incref(p->json);
    *kid = p->kid;

    /* no kid as a string, no alg as a string, "none", an unknown alg */

    if (p->result == NGX_HTTP_APISEC_JWT_MALFORMED
        || p->result == NGX_HTTP_APISEC_JWT_BAD_ALG)
    {
        *why = p->why;
        return p->result;
    }

    *alg = p->alg;

    if (!(policy->algorithms & NGX_HTTP_APISEC_ALG_BIT(p->alg))) {
        *why = "alg not in apisec_jwt_algorithms";
        return NGX_HTTP_APISEC_JWT_BAD_ALG;
    }

    if (p->result != NGX_HTTP_APISEC_JWT_OK) {
        *why = p->why;
        return p->result;
    }

    if (policy->types) {
        return ngx_http_apisec_jose_check_header(p->json, policy, alg, kid,
                                                 why);
    }

    return NGX_HTTP_APISEC_JWT_OK;
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
        p = &ngx_http_apisec_jwt_tokens.slot[i];

        if (p->len == token->len
            && p->tail == tail
            && ngx_http_apisec_equal(p->seg, token->data, token->len))
        {
            return p;
        }
    }

    return NULL;
}


/*
 * A token whose signature is good, kept in a slot with its claims (their
 * text and what was read of them; jansson's object when it parsed them)
 * and no verdict yet; NULL: the token is too large to keep.
 */

static ngx_http_apisec_jwt_parsed_t *
ngx_http_apisec_jwt_token_keep(ngx_str_t *token, ngx_str_t *seg,
    json_t *header, ngx_uint_t alg, ngx_str_t *kid, ngx_str_t *text,
    ngx_http_apisec_jose_claims_t *claims, json_t *json)
{
    ngx_http_apisec_jwt_parsed_t        *p;
    ngx_http_apisec_jwt_parsed_cache_t  *cache;

    if (token->len > NGX_HTTP_APISEC_JWT_PARSED_MAX || token->len < 8) {
        return NULL;
    }

    cache = &ngx_http_apisec_jwt_tokens;

    p = &cache->slot[cache->next++ % NGX_HTTP_APISEC_JWT_PARSED];

    ngx_http_apisec_jwt_slot_free(p);

    p->gen++;
    p->json = json ? json_incref(json) : NULL;
    p->header = json_incref(header);
    p->len = token->len;
    p->hlen = seg[0].len;
    p->clen = seg[1].len;
    p->alg = alg;
    p->kid = *kid;
    ngx_memcpy(p->seg, token->data, token->len);
    ngx_memcpy(&p->tail, token->data + token->len - 8, 8);

    /* 3/4 of clen at most: fits */

    ngx_memcpy(p->text, text->data, text->len);

    /* what was read, and the elements of "aud" there are */

    ngx_memcpy(&p->claims, claims,
               offsetof(ngx_http_apisec_jose_claims_t, auds)
               + claims->naud * sizeof(ngx_http_apisec_jose_value_t));

    ngx_http_apisec_jose_claims_move(&p->claims, text->data, p->text,
                                     text->len);

    return p;
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

    if (p->keyset_len) {
        ngx_explicit_memzero(p->keyset, sizeof(p->keyset));
    }

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
    p->result = 0;
    p->why = NULL;
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
    cache[1] = &ngx_http_apisec_jwt_tokens;

    for (n = 0; n < 2; n++) {
        for (i = 0; i < NGX_HTTP_APISEC_JWT_PARSED; i++) {
            ngx_http_apisec_jwt_slot_free(&cache[n]->slot[i]);
        }
    }
}
