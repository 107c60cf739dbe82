
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_KEYS_H_INCLUDED_
#define _NGX_HTTP_APISEC_KEYS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/evp.h>
#include <jansson.h>


/* key types (JWK "kty", and the OKP curve) */
#define NGX_HTTP_APISEC_KTY_OCT         1
#define NGX_HTTP_APISEC_KTY_RSA         2
#define NGX_HTTP_APISEC_KTY_EC          3
#define NGX_HTTP_APISEC_KTY_ED25519     4

/* algorithms, an index into ngx_http_apisec_jwt_algs[] and a bit each */
#define NGX_HTTP_APISEC_HS256           0
#define NGX_HTTP_APISEC_HS384           1
#define NGX_HTTP_APISEC_HS512           2
#define NGX_HTTP_APISEC_RS256           3
#define NGX_HTTP_APISEC_RS384           4
#define NGX_HTTP_APISEC_RS512           5
#define NGX_HTTP_APISEC_PS256           6
#define NGX_HTTP_APISEC_PS384           7
#define NGX_HTTP_APISEC_PS512           8
#define NGX_HTTP_APISEC_ES256           9
#define NGX_HTTP_APISEC_ES384           10
#define NGX_HTTP_APISEC_ES512           11
#define NGX_HTTP_APISEC_EDDSA           12
#define NGX_HTTP_APISEC_NALGS           13

#define NGX_HTTP_APISEC_ALG_BIT(a)      ((ngx_uint_t) 1 << (a))
#define NGX_HTTP_APISEC_ALGS_ALL        ((1 << NGX_HTTP_APISEC_NALGS) - 1)

#define NGX_HTTP_APISEC_KEY_FP_LEN      32

/* the largest digest, and HMAC block, of the hashes used */
#define NGX_HTTP_APISEC_MAX_MD          64


typedef struct {
    ngx_str_t                   name;
    ngx_uint_t                  kty;
    ngx_uint_t                  md;         /* 0: SHA-256 .. 2: SHA-512 */
    size_t                      ec_size;    /* ES*: bytes of R, and of S */
    unsigned                    pss:1;
} ngx_http_apisec_jwt_alg_t;


typedef struct {
    ngx_str_t                   kid;        /* data NULL: the key has none */
    ngx_str_t                   file;       /* where it came from, for logs */
    ngx_uint_t                  kty;
    ngx_uint_t                  algs;       /* NGX_HTTP_APISEC_ALG_BIT()s */

    EVP_PKEY                   *pkey;

    /* SHA-256 of the public key's DER, or of an HMAC secret */
    u_char                      fingerprint[NGX_HTTP_APISEC_KEY_FP_LEN];

    /* RS*, PS*, ES*: a verify context prepared for each allowed alg */
    EVP_PKEY_CTX               *pctx[NGX_HTTP_APISEC_NALGS];

    /* HS*: the digest states after the ipad and opad blocks */
    EVP_MD_CTX                 *inner[3];
    EVP_MD_CTX                 *outer[3];
} ngx_http_apisec_jwt_key_t;


extern ngx_http_apisec_jwt_alg_t  ngx_http_apisec_jwt_algs[];


ngx_int_t ngx_http_apisec_jwt_alg(u_char *name, size_t len);
char *ngx_http_apisec_jwt_keys_load(ngx_conf_t *cf, ngx_str_t *file,
    ngx_array_t *keys);
char *ngx_http_apisec_jwt_keys_parse(ngx_conf_t *cf, ngx_str_t *file,
    json_t *root, ngx_array_t *keys, ngx_uint_t fetched);
char *ngx_http_apisec_jwt_keys_text(ngx_conf_t *cf, ngx_str_t *file,
    u_char *buf, size_t len, ngx_array_t *keys);
ngx_int_t ngx_http_apisec_jwt_keyset_fingerprint(ngx_array_t *keys,
    u_char *fp);
void ngx_http_apisec_jwt_keys_exit(void);
ngx_int_t ngx_http_apisec_jwt_verify_key(ngx_http_apisec_jwt_key_t *key,
    ngx_uint_t alg, u_char *input, size_t len, u_char *sig, size_t siglen);


#endif /* _NGX_HTTP_APISEC_KEYS_H_INCLUDED_ */
