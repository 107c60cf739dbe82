
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>


/*
 * Key objects: whether a key may verify at all (weak keys refused), its
 * verify contexts and HMAC states prepared once, its fingerprint and the
 * key set's, and signature verification, with one key and with the keys
 * that may verify a token.  Keys come from ngx_http_apisec_jwk.c.
 */

#define NGX_HTTP_APISEC_RSA_MIN_BITS    2048


static char *ngx_http_apisec_jwt_key_check_rsa(ngx_http_apisec_jwt_key_t *key);
static char *ngx_http_apisec_jwt_key_check_ec(ngx_http_apisec_jwt_key_t *key);
static char *ngx_http_apisec_jwt_key_check_ed25519(
    ngx_http_apisec_jwt_key_t *key);
static void ngx_http_apisec_jwt_key_cleanup(void *data);
#if (NGX_HTTP_APISEC_SHA_CTX)
static void ngx_http_apisec_jwt_hmac_init(ngx_http_apisec_jwt_key_t *key,
    ngx_uint_t md, ngx_uint_t outer, u_char *pad);
static void ngx_http_apisec_jwt_hmac(ngx_http_apisec_jwt_key_t *key,
    ngx_uint_t md, u_char *input, size_t len, u_char *mac);
#endif
static ngx_uint_t ngx_http_apisec_jwt_key_of(ngx_http_apisec_jwt_key_t *key,
    ngx_str_t *issuer);
static ngx_int_t ngx_http_apisec_jwt_verify(ngx_http_apisec_jwt_key_t *key,
    ngx_uint_t alg, u_char *input, size_t len, u_char *dgst, u_char *sig,
    size_t siglen);


/*
 * The encodings of the Ed25519 points of small order, the identity among
 * them, with y canonical or not (p, p + 1), and x's sign bit (the top bit
 * of the last byte) left out: a signature for such a public key can be made
 * without the private key, for any message.  As libsodium's blocklist.
 */

static u_char  ngx_http_apisec_ed25519_small[][32] = {

    /* y = 0, order 4 */
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },

    /* y = 1, the identity */
    { 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },

    /* y = p - 1, order 2 */
    { 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },

    /* order 8 */
    { 0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
      0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
      0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
      0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05 },

    /* order 8 */
    { 0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f,
      0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
      0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
      0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a },

    /* y = p, not canonical: 0 */
    { 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },

    /* y = p + 1, not canonical: 1 */
    { 0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f }
};


static u_char  ngx_http_apisec_key_err[128];


/*
 * Whether a key may verify at all: one anybody could make signatures for is
 * refused.  RSA: at least 2048 bits, e odd, 3 <= e < n (e = 1 makes every
 * padded digest its own signature); EC: a point of the curve, not the point
 * at infinity; Ed25519: not a point of small order; oct: never from a
 * fetched JWKS, whose secret anybody can read.
 */

char *
ngx_http_apisec_jwt_key_check(ngx_http_apisec_jwt_key_t *key,
    ngx_uint_t fetched)
{
    switch (key->kty) {

    case NGX_HTTP_APISEC_KTY_RSA:
        return ngx_http_apisec_jwt_key_check_rsa(key);

    case NGX_HTTP_APISEC_KTY_EC:
        return ngx_http_apisec_jwt_key_check_ec(key);

    case NGX_HTTP_APISEC_KTY_ED25519:
        return ngx_http_apisec_jwt_key_check_ed25519(key);

    case NGX_HTTP_APISEC_KTY_OCT:

        if (fetched) {
            return "an HMAC secret (\"kty\":\"oct\") is never taken from "
                   "a fetched JWKS";
        }

        return NULL;
    }

    return "unsupported key type";
}


static char *
ngx_http_apisec_jwt_key_check_rsa(ngx_http_apisec_jwt_key_t *key)
{
    int      bits;
    char    *err;
    BIGNUM  *n, *e;

    bits = EVP_PKEY_get_bits(key->pkey);

    if (bits < NGX_HTTP_APISEC_RSA_MIN_BITS) {
        ngx_snprintf(ngx_http_apisec_key_err,
                     sizeof(ngx_http_apisec_key_err) - 1,
                     "RSA key of %d bits, at least %d required%Z",
                     bits, NGX_HTTP_APISEC_RSA_MIN_BITS);
        return (char *) ngx_http_apisec_key_err;
    }

    n = NULL;
    e = NULL;

    if (!EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_N, &n)
        || !EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_E, &e))
    {
        err = "EVP_PKEY_get_bn_param() failed";
        goto done;
    }

    err = NULL;

    if (!BN_is_odd(e) || BN_num_bits(e) < 2) {

        if (BN_num_bytes(e) <= (int) sizeof(BN_ULONG)) {
            ngx_snprintf(ngx_http_apisec_key_err,
                         sizeof(ngx_http_apisec_key_err) - 1,
                         "RSA public exponent %uL is not odd and >= 3%Z",
                         (uint64_t) BN_get_word(e));
        } else {
            ngx_snprintf(ngx_http_apisec_key_err,
                         sizeof(ngx_http_apisec_key_err) - 1,
                         "RSA public exponent of %d bits is not odd%Z",
                         BN_num_bits(e));
        }

        err = (char *) ngx_http_apisec_key_err;

    } else if (BN_cmp(e, n) >= 0) {
        ngx_snprintf(ngx_http_apisec_key_err,
                     sizeof(ngx_http_apisec_key_err) - 1,
                     "RSA public exponent of %d bits is not smaller than "
                     "the modulus%Z", BN_num_bits(e));
        err = (char *) ngx_http_apisec_key_err;
    }

done:

    BN_free(n);
    BN_free(e);

    return err;
}


static char *
ngx_http_apisec_jwt_key_check_ec(ngx_http_apisec_jwt_key_t *key)
{
    int            rc;
    EVP_PKEY_CTX  *ctx;

    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    if (ctx == NULL) {
        return "EVP_PKEY_CTX_new_from_pkey() failed";
    }

    /* not infinity, coordinates below p, on the curve, n * Q = infinity */

    rc = EVP_PKEY_public_check(ctx);

    EVP_PKEY_CTX_free(ctx);

    if (rc != 1) {
        return "EC public key is the point at infinity or not a point of "
               "the curve";
    }

    return NULL;
}


static char *
ngx_http_apisec_jwt_key_check_ed25519(ngx_http_apisec_jwt_key_t *key)
{
    u_char      pub[32];
    size_t      len;
    ngx_uint_t  i;

    len = sizeof(pub);

    if (!EVP_PKEY_get_raw_public_key(key->pkey, pub, &len) || len != 32) {
        return "EVP_PKEY_get_raw_public_key() failed";
    }

    for (i = 0; i < sizeof(ngx_http_apisec_ed25519_small) / 32; i++) {
        if (ngx_memcmp(pub, ngx_http_apisec_ed25519_small[i], 31) == 0
            && (pub[31] & 0x7f) == ngx_http_apisec_ed25519_small[i][31])
        {
            return "Ed25519 public key is a point of small order";
        }
    }

    return NULL;
}


/* a verify context for each RSA and ECDSA algorithm the key may verify */

char *
ngx_http_apisec_jwt_key_prepare(ngx_conf_t *cf,
    ngx_http_apisec_jwt_key_t *key)
{
    int                          len;
    EVP_MD                      *md;
    ngx_int_t                    rc;
    ngx_str_t                    der;
    ngx_uint_t                   i;
    EVP_PKEY_CTX                *pctx;
    ngx_http_apisec_jose_alg_t  *a;

    if (key->pkey) {
        der.data = NULL;
        len = i2d_PUBKEY(key->pkey, &der.data);

        if (len <= 0) {
            return "i2d_PUBKEY() failed";
        }

        der.len = len;

        rc = ngx_http_apisec_digest(NGX_HTTP_APISEC_SHA256, key->fingerprint,
                                    &der, 1, 0);
        OPENSSL_free(der.data);

        if (rc != NGX_OK) {
            return "EVP_Digest() failed";
        }
    }

    if (key->kty == NGX_HTTP_APISEC_KTY_ED25519) {

        /* a copy of a prepared context costs less than its set-up */

        key->eddsa = EVP_MD_CTX_new();
        if (key->eddsa == NULL) {
            return "EVP_MD_CTX_new() failed";
        }

        if (EVP_DigestVerifyInit_ex(key->eddsa, NULL, NULL, NULL, NULL,
                                    key->pkey, NULL)
            != 1)
        {
            return "EVP_DigestVerifyInit_ex() failed";
        }

        return NULL;
    }

    if (key->kty != NGX_HTTP_APISEC_KTY_RSA
        && key->kty != NGX_HTTP_APISEC_KTY_EC)
    {
        return NULL;
    }

    for (i = 0; i < NGX_HTTP_APISEC_NALGS; i++) {

        if (!(key->algs & NGX_HTTP_APISEC_ALG_BIT(i))) {
            continue;
        }

        a = &ngx_http_apisec_jose_algs[i];
        md = ngx_http_apisec_md(a->md);

        pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
        if (pctx == NULL) {
            return "EVP_PKEY_CTX_new_from_pkey() failed";
        }

        key->pctx[i] = pctx;

        if (EVP_PKEY_verify_init(pctx) <= 0
            || EVP_PKEY_CTX_set_signature_md(pctx, md) <= 0)
        {
            return "EVP_PKEY_verify_init() failed";
        }

        if (key->kty == NGX_HTTP_APISEC_KTY_RSA) {

            if (a->pss) {
                if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING)
                    <= 0
                    || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
                                                  RSA_PSS_SALTLEN_DIGEST)
                       <= 0
                    || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) <= 0)
                {
                    return "EVP_PKEY_CTX_set_rsa_padding() failed";
                }

            } else if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING)
                       <= 0)
            {
                return "EVP_PKEY_CTX_set_rsa_padding() failed";
            }
        }
    }

    return NULL;
}


/* HMAC as RFC 2104 spells it, the ipad and opad blocks absorbed once */

char *
ngx_http_apisec_jwt_key_hmac(ngx_http_apisec_jwt_key_t *key, u_char *secret,
    size_t len)
{
    int           bs;
    u_char        k[128], pad[128];
    EVP_MD       *md;
    ngx_str_t     s;
    ngx_uint_t    i, j;
    unsigned int  klen;
#if !(NGX_HTTP_APISEC_SHA_CTX)
    EVP_MD_CTX   *ctx;
#endif

    for (i = 0; i < 3; i++) {

        if (!(key->algs & NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_HS256 + i)))
        {
            continue;
        }

        md = ngx_http_apisec_md(i);

        if (md == NULL) {
            return "EVP_MD_fetch() failed";
        }

        bs = EVP_MD_get_block_size(md);

        if (bs <= 0 || bs > (int) sizeof(k)) {
            return "EVP_MD_get_block_size() failed";
        }

        ngx_memzero(k, sizeof(k));

        if (len > (size_t) bs) {
            s.len = len;
            s.data = secret;

            if (ngx_http_apisec_digest(i, k, &s, 1, 0) != NGX_OK) {
                return "EVP_Digest() failed";
            }

        } else {
            ngx_memcpy(k, secret, len);
        }

        for (j = 0; j < 2; j++) {

            for (klen = 0; klen < (unsigned int) bs; klen++) {
                pad[klen] = k[klen] ^ (j == 0 ? 0x36 : 0x5c);
            }

#if (NGX_HTTP_APISEC_SHA_CTX)

            ngx_http_apisec_jwt_hmac_init(key, i, j, pad);

#else

            ctx = EVP_MD_CTX_new();
            if (ctx == NULL) {
                ngx_explicit_memzero(k, sizeof(k));
                ngx_explicit_memzero(pad, sizeof(pad));
                return "EVP_MD_CTX_new() failed";
            }

            if (j == 0) {
                key->inner[i] = ctx;
            } else {
                key->outer[i] = ctx;
            }

            if (!EVP_DigestInit_ex(ctx, md, NULL)
                || !EVP_DigestUpdate(ctx, pad, bs))
            {
                ngx_explicit_memzero(k, sizeof(k));
                ngx_explicit_memzero(pad, sizeof(pad));
                return "EVP_DigestInit_ex() failed";
            }

#endif
        }
    }

    ngx_explicit_memzero(k, sizeof(k));
    ngx_explicit_memzero(pad, sizeof(pad));

    return NULL;
}


ngx_http_apisec_jwt_key_t *
ngx_http_apisec_jwt_key_new(ngx_conf_t *cf, ngx_str_t *file)
{
    ngx_pool_cleanup_t         *cln;
    ngx_http_apisec_jwt_key_t  *key;

    key = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_jwt_key_t));
    if (key == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_apisec_jwt_key_cleanup;
    cln->data = key;

    key->file = *file;

    return key;
}


static void
ngx_http_apisec_jwt_key_cleanup(void *data)
{
    ngx_http_apisec_jwt_key_t  *key = data;

    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_APISEC_NALGS; i++) {
        EVP_PKEY_CTX_free(key->pctx[i]);
    }

#if (NGX_HTTP_APISEC_SHA_CTX)
    ngx_explicit_memzero(key->hs256, sizeof(key->hs256));
    ngx_explicit_memzero(key->hs512, sizeof(key->hs512));
#else
    for (i = 0; i < 3; i++) {
        EVP_MD_CTX_free(key->inner[i]);
        EVP_MD_CTX_free(key->outer[i]);
    }
#endif

    EVP_MD_CTX_free(key->eddsa);

    EVP_PKEY_free(key->pkey);
}


/* the hashes of the algorithms, fetched before a key needs one */

ngx_int_t
ngx_http_apisec_jwt_keys_init(void)
{
    ngx_uint_t  i;

    for (i = NGX_HTTP_APISEC_SHA256; i <= NGX_HTTP_APISEC_SHA512; i++) {
        if (ngx_http_apisec_md(i) == NULL) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * SHA-256 over the keys of a location, their kids and algorithms: what a
 * verified-token cache entry is bound to, so that an entry made with keys
 * since rotated away (the zone survives a reload) is never a hit.
 */

ngx_int_t
ngx_http_apisec_jwt_keyset_fingerprint(ngx_array_t *keys, u_char *fp)
{
    ngx_int_t                    rc;
    ngx_str_t                   *part;
    ngx_uint_t                   i;
    ngx_http_apisec_jwt_key_t  **key;

    /* the issuer a key is bound to is part of what it may verify */

    part = ngx_alloc((6 * keys->nelts + 1) * sizeof(ngx_str_t),
                     ngx_cycle->log);
    if (part == NULL) {
        return NGX_ERROR;
    }

    key = keys->elts;

    for (i = 0; i < keys->nelts; i++) {
        part[6 * i].data = key[i]->fingerprint;
        part[6 * i].len = NGX_HTTP_APISEC_KEY_FP_LEN;
        part[6 * i + 1].data = (u_char *) &key[i]->algs;
        part[6 * i + 1].len = sizeof(ngx_uint_t);
        part[6 * i + 2].data = (u_char *) &key[i]->kid.len;
        part[6 * i + 2].len = sizeof(size_t);
        part[6 * i + 3] = key[i]->kid;
        part[6 * i + 4].data = (u_char *) &key[i]->issuer.len;
        part[6 * i + 4].len = sizeof(size_t);
        part[6 * i + 5] = key[i]->issuer;

        if (key[i]->issuer.data == NULL) {
            /* unbound, told apart from bound to "" (never configured) */
            part[6 * i + 4].data = (u_char *) "\xff\xff\xff\xff"
                                              "\xff\xff\xff\xff";
        }
    }

    rc = ngx_http_apisec_digest(NGX_HTTP_APISEC_SHA256, fp, part,
                                6 * keys->nelts, 0);

    ngx_free(part);

    return rc;
}


/* may the key verify a token of the issuer?  See below */

static ngx_uint_t
ngx_http_apisec_jwt_key_of(ngx_http_apisec_jwt_key_t *key, ngx_str_t *issuer)
{
    if (issuer == NULL) {
        return 1;
    }

    if (issuer->data == NULL || key->issuer.data == NULL) {
        return (issuer->data == NULL && key->issuer.data == NULL);
    }

    return (key->issuer.len == issuer->len
            && ngx_memcmp(key->issuer.data, issuer->data, issuer->len) == 0);
}


/*
 * The signature, with the keys that may verify it: the keys with the
 * token's kid; or, when the token has no kid, or no key has it, the keys
 * without one (PEM keys), and for a token without kid any key; always only
 * keys whose type and alg fit the token's alg, and at most a few of them.
 * Only the keys of the token's issuer: issuer NULL, no key of the
 * location is bound (any key); issuer->data NULL, the keys bound to no
 * issuer; else the keys bound to that issuer.
 *
 * "dgst": the digest of the signing input with the alg's hash when the
 * caller has it (RS*, PS*, ES*), or NULL: then computed here, once.
 *
 * NGX_OK: verified; NGX_DECLINED: a bad signature; NGX_ABORT: no key for
 * the token; NGX_ERROR: a library failure.
 */

ngx_int_t
ngx_http_apisec_jwt_keys_verify(ngx_array_t **sets, ngx_uint_t nsets,
    ngx_str_t *issuer, ngx_uint_t alg, ngx_str_t *kid, ngx_str_t *input,
    u_char *dgst, ngx_str_t *sig, char **why, ngx_log_t *log)
{
    ngx_int_t                    rc;
    ngx_uint_t                   i, n, s, bit, tried, named;
    ngx_http_apisec_jwt_key_t  **keys, *key;
    u_char                       digest[NGX_HTTP_APISEC_MAX_MD];

    /* the keys of apisec_jwt_key_file, then the fetched ones */

    bit = NGX_HTTP_APISEC_ALG_BIT(alg);
    tried = 0;
    named = 0;
    rc = NGX_DECLINED;

    /* RS*, PS*, ES*: the signing input hashed once, whatever the keys */

    if (dgst == NULL && ngx_http_apisec_jwt_alg_prehashed(alg)) {
        if (ngx_http_apisec_digest(ngx_http_apisec_jose_algs[alg].md, digest,
                                   input, 1, 0)
            != NGX_OK)
        {
            rc = NGX_ERROR;
            goto done;
        }

        dgst = digest;
    }

    if (kid->data) {

        for (s = 0; s < nsets && tried < NGX_HTTP_APISEC_JWT_MAX_TRIES;
             s++)
        {
            if (sets[s] == NULL) {
                continue;
            }

            keys = sets[s]->elts;
            n = sets[s]->nelts;

            for (i = 0; i < n; i++) {
                key = keys[i];

                if (!ngx_http_apisec_jwt_key_of(key, issuer)) {
                    continue;
                }

                if (key->kid.len != kid->len
                    || ngx_memcmp(key->kid.data, kid->data, kid->len) != 0)
                {
                    continue;
                }

                named = 1;

                if (!(key->algs & bit)) {
                    continue;
                }

                rc = ngx_http_apisec_jwt_verify(key, alg, input->data,
                                                input->len, dgst, sig->data,
                                                sig->len);
                if (rc != NGX_DECLINED) {
                    goto done;
                }

                if (++tried == NGX_HTTP_APISEC_JWT_MAX_TRIES) {
                    break;
                }
            }
        }

        if (named) {
            *why = tried ? "signature invalid"
                         : "the key with the kid does not fit alg";
            return tried ? NGX_DECLINED : NGX_ABORT;
        }
    }

    for (s = 0; s < nsets && tried < NGX_HTTP_APISEC_JWT_MAX_TRIES; s++) {
        if (sets[s] == NULL) {
            continue;
        }

        keys = sets[s]->elts;
        n = sets[s]->nelts;

        for (i = 0; i < n; i++) {
            key = keys[i];

            if ((kid->data && key->kid.data) || !(key->algs & bit)
                || !ngx_http_apisec_jwt_key_of(key, issuer))
            {
                continue;
            }

            rc = ngx_http_apisec_jwt_verify(key, alg, input->data,
                                            input->len, dgst, sig->data,
                                            sig->len);
            if (rc != NGX_DECLINED) {
                goto done;
            }

            if (++tried == NGX_HTTP_APISEC_JWT_MAX_TRIES) {
                break;
            }
        }
    }

    if (tried == 0) {
        *why = kid->data ? "no key with the kid, and no key without a kid "
                           "fits alg"
                         : "no key fits alg";
        return NGX_ABORT;
    }

    *why = "signature invalid";
    return NGX_DECLINED;

done:

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "apisec: %V signature verification failed "
                      "in the library", &ngx_http_apisec_jose_algs[alg].name);
    }

    return rc;
}


/*
 * Verifies one signature with one key.  NGX_OK: valid; NGX_DECLINED:
 * invalid; NGX_ERROR: a library failure (logged by the caller).  The caller
 * checked that the key may verify "alg".  The OpenSSL error queue is left
 * empty.
 */

ngx_int_t
ngx_http_apisec_jwt_verify_key(ngx_http_apisec_jwt_key_t *key,
    ngx_uint_t alg, u_char *input, size_t len, u_char *sig, size_t siglen)
{
    return ngx_http_apisec_jwt_verify(key, alg, input, len, NULL, sig,
                                      siglen);
}


/* RS*, PS*, ES*: verified over the digest of the signing input */

ngx_uint_t
ngx_http_apisec_jwt_alg_prehashed(ngx_uint_t alg)
{
    ngx_uint_t  kty;

    kty = ngx_http_apisec_jose_algs[alg].kty;

    return (kty == NGX_HTTP_APISEC_KTY_RSA || kty == NGX_HTTP_APISEC_KTY_EC);
}


/*
 * As ngx_http_apisec_jwt_verify_key(); "dgst", when not NULL, is the
 * digest of the signing input with the alg's hash, computed by the caller
 * (once for all the keys tried, or with the cache's digest of the token):
 * RS*, PS* and ES* then hash nothing.
 */

static ngx_int_t
ngx_http_apisec_jwt_verify(ngx_http_apisec_jwt_key_t *key, ngx_uint_t alg,
    u_char *input, size_t len, u_char *dgst, u_char *sig, size_t siglen)
{
    int                          rc;
    u_char                       buf[NGX_HTTP_APISEC_MAX_MD];
    u_char                       der[NGX_HTTP_APISEC_ECDSA_DER_MAX];

    EVP_MD                      *md;
    unsigned int                 n;
    EVP_MD_CTX                  *ctx;
    ngx_http_apisec_jose_alg_t  *a;

    a = &ngx_http_apisec_jose_algs[alg];

#if (NGX_HTTP_APISEC_SHA_CTX)

    if (a->kty == NGX_HTTP_APISEC_KTY_OCT) {

        /* SHA-256, -384, -512: a MAC of 32, 48 or 64 bytes */

        if (siglen != 32 + 16 * a->md) {
            return NGX_DECLINED;
        }

        ngx_http_apisec_jwt_hmac(key, a->md, input, len, buf);

        return ngx_http_apisec_equal(buf, sig, siglen) ? NGX_OK
                                                        : NGX_DECLINED;
    }

#endif

    md = ngx_http_apisec_md(a->md);
    ctx = ngx_http_apisec_md_ctx(a->md);

    if (md == NULL || ctx == NULL) {
        return NGX_ERROR;
    }

    switch (a->kty) {

#if !(NGX_HTTP_APISEC_SHA_CTX)

    case NGX_HTTP_APISEC_KTY_OCT:

        if (siglen != (size_t) EVP_MD_get_size(md)) {
            return NGX_DECLINED;
        }

        if (!EVP_MD_CTX_copy_ex(ctx, key->inner[a->md])
            || !EVP_DigestUpdate(ctx, input, len)
            || !EVP_DigestFinal_ex(ctx, buf, &n)
            || !EVP_MD_CTX_copy_ex(ctx, key->outer[a->md])
            || !EVP_DigestUpdate(ctx, buf, n)
            || !EVP_DigestFinal_ex(ctx, buf, &n))
        {
            ERR_clear_error();
            return NGX_ERROR;
        }

        return ngx_http_apisec_equal(buf, sig, siglen) ? NGX_OK
                                                        : NGX_DECLINED;

#endif

    case NGX_HTTP_APISEC_KTY_ED25519:

        if (siglen != 64) {
            return NGX_DECLINED;
        }

        if (key->eddsa == NULL || !EVP_MD_CTX_copy_ex(ctx, key->eddsa)) {
            EVP_MD_CTX_reset(ctx);
            ERR_clear_error();
            return NGX_ERROR;
        }

        rc = EVP_DigestVerify(ctx, sig, siglen, input, len);

        EVP_MD_CTX_reset(ctx);

        if (rc != 1) {
            ERR_clear_error();
            return NGX_DECLINED;
        }

        return NGX_OK;

    case NGX_HTTP_APISEC_KTY_EC:

        /* JWS: R || S, each of the curve's size (RFC 7518, 3.4) */

        if (siglen != 2 * a->ec_size) {
            return NGX_DECLINED;
        }

        siglen = ngx_http_apisec_jose_ecdsa_der(der, sig, a->ec_size);
        if (siglen == 0) {
            return NGX_DECLINED;
        }

        sig = der;

        break;
    }

    /* RS*, PS*, ES*: the digest, then the context prepared for alg */

    n = EVP_MD_get_size(md);

    if (dgst == NULL) {
        if (!EVP_DigestInit_ex(ctx, md, NULL)
            || !EVP_DigestUpdate(ctx, input, len)
            || !EVP_DigestFinal_ex(ctx, buf, &n))
        {
            ERR_clear_error();
            return NGX_ERROR;
        }

        dgst = buf;
    }

    rc = EVP_PKEY_verify(key->pctx[alg], sig, siglen, dgst, n);

    if (rc != 1) {
        ERR_clear_error();
        return NGX_DECLINED;
    }

    return NGX_OK;
}


#if (NGX_HTTP_APISEC_SHA_CTX)

/*
 * HS256, HS384, HS512 by the SHA256_CTX and SHA512_CTX states after the
 * ipad and opad blocks (RFC 2104), copied as structs per token: the
 * cheapest HMAC OpenSSL offers (bench/README.md, "The floor").  These
 * functions are deprecated by OpenSSL 3.0, not removed; an OpenSSL built
 * without them gets EVP_MD_CTX states instead (NGX_HTTP_APISEC_SHA_CTX).
 */

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

static void
ngx_http_apisec_jwt_hmac_init(ngx_http_apisec_jwt_key_t *key, ngx_uint_t md,
    ngx_uint_t outer, u_char *pad)
{
    SHA512_CTX  *c;

    switch (md) {

    case NGX_HTTP_APISEC_SHA256:
        SHA256_Init(&key->hs256[outer]);
        SHA256_Update(&key->hs256[outer], pad, 64);
        return;

    default:
        c = &key->hs512[md - 1][outer];

        if (md == NGX_HTTP_APISEC_SHA384) {
            SHA384_Init(c);
        } else {
            SHA512_Init(c);
        }

        SHA512_Update(c, pad, 128);
        return;
    }
}


static void
ngx_http_apisec_jwt_hmac(ngx_http_apisec_jwt_key_t *key, ngx_uint_t md,
    u_char *input, size_t len, u_char *mac)
{
    SHA256_CTX  c256;
    SHA512_CTX  c512;

    switch (md) {

    case NGX_HTTP_APISEC_SHA256:
        c256 = key->hs256[0];
        SHA256_Update(&c256, input, len);
        SHA256_Final(mac, &c256);

        c256 = key->hs256[1];
        SHA256_Update(&c256, mac, 32);
        SHA256_Final(mac, &c256);
        return;

    case NGX_HTTP_APISEC_SHA384:
        c512 = key->hs512[0][0];
        SHA384_Update(&c512, input, len);
        SHA384_Final(mac, &c512);

        c512 = key->hs512[0][1];
        SHA384_Update(&c512, mac, 48);
        SHA384_Final(mac, &c512);
        return;

    default:
        c512 = key->hs512[1][0];
        SHA512_Update(&c512, input, len);
        SHA512_Final(mac, &c512);

        c512 = key->hs512[1][1];
        SHA512_Update(&c512, mac, 64);
        SHA512_Final(mac, &c512);
        return;
    }
}

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#endif
