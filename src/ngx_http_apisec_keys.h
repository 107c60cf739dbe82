
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_KEYS_H_INCLUDED_
#define _NGX_HTTP_APISEC_KEYS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <jansson.h>

#include "ngx_http_apisec_digest.h"
#include "ngx_http_apisec_jose.h"


#define NGX_HTTP_APISEC_KEY_FP_LEN      32

/*
 * HMAC over SHA256_CTX and SHA512_CTX states copied as structs: no
 * provider call, no allocation (bench/README.md, the floor's "sha256ctx");
 * deprecated by OpenSSL 3.0, so an OpenSSL built without the 3.0 API falls
 * back to EVP_MD_CTX_copy_ex()
 */
#ifndef OPENSSL_NO_DEPRECATED_3_0
#define NGX_HTTP_APISEC_SHA_CTX         1
#else
#define NGX_HTTP_APISEC_SHA_CTX         0
#endif


typedef struct {
    ngx_str_t                   kid;        /* data NULL: the key has none */
    ngx_str_t                   file;       /* where it came from, for logs */
    ngx_str_t                   issuer;     /* issuer=; data NULL: none */
    ngx_uint_t                  kty;
    ngx_uint_t                  algs;       /* NGX_HTTP_APISEC_ALG_BIT()s */

    EVP_PKEY                   *pkey;

    /* SHA-256 of the public key's DER, or of an HMAC secret */
    u_char                      fingerprint[NGX_HTTP_APISEC_KEY_FP_LEN];

    /* RS*, PS*, ES*: a verify context prepared for each allowed alg */
    EVP_PKEY_CTX               *pctx[NGX_HTTP_APISEC_NALGS];

    /* EdDSA: EVP_DigestVerifyInit_ex() done once, copied per token */
    EVP_MD_CTX                 *eddsa;

    /* HS*: the digest states after the ipad and opad blocks */
#if (NGX_HTTP_APISEC_SHA_CTX)
    SHA256_CTX                  hs256[2];       /* inner, outer */
    SHA512_CTX                  hs512[2][2];    /* HS384, HS512 */
#else
    EVP_MD_CTX                 *inner[3];
    EVP_MD_CTX                 *outer[3];
#endif
} ngx_http_apisec_jwt_key_t;


/* key material as text (ngx_http_apisec_jwk.c) */
char *ngx_http_apisec_jwt_keys_load(ngx_conf_t *cf, ngx_str_t *file,
    ngx_array_t *keys);
char *ngx_http_apisec_jwt_keys_parse(ngx_conf_t *cf, ngx_str_t *file,
    json_t *root, ngx_array_t *keys, ngx_uint_t fetched);
char *ngx_http_apisec_jwt_keys_text(ngx_conf_t *cf, ngx_str_t *file,
    u_char *buf, size_t len, ngx_array_t *keys);

/* key objects (ngx_http_apisec_keys.c) */
ngx_int_t ngx_http_apisec_jwt_keys_init(void);
ngx_http_apisec_jwt_key_t *ngx_http_apisec_jwt_key_new(ngx_conf_t *cf,
    ngx_str_t *file);
char *ngx_http_apisec_jwt_key_check(ngx_http_apisec_jwt_key_t *key,
    ngx_uint_t fetched);
char *ngx_http_apisec_jwt_key_prepare(ngx_conf_t *cf,
    ngx_http_apisec_jwt_key_t *key);
char *ngx_http_apisec_jwt_key_hmac(ngx_http_apisec_jwt_key_t *key,
    u_char *secret, size_t len);
ngx_int_t ngx_http_apisec_jwt_keyset_fingerprint(ngx_array_t *keys,
    u_char *fp);
ngx_int_t ngx_http_apisec_jwt_verify_key(ngx_http_apisec_jwt_key_t *key,
    ngx_uint_t alg, u_char *input, size_t len, u_char *sig, size_t siglen);
ngx_uint_t ngx_http_apisec_jwt_alg_prehashed(ngx_uint_t alg);
ngx_int_t ngx_http_apisec_jwt_keys_verify(ngx_array_t **sets,
    ngx_uint_t nsets, ngx_str_t *issuer, ngx_uint_t alg, ngx_str_t *kid,
    ngx_str_t *input, u_char *dgst, ngx_str_t *sig, char **why,
    ngx_log_t *log);


#endif /* _NGX_HTTP_APISEC_KEYS_H_INCLUDED_ */
