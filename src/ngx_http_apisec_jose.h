
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_JOSE_H_INCLUDED_
#define _NGX_HTTP_APISEC_JOSE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>


/*
 * The JOSE core (ngx_http_apisec_jose.c): the algorithms, base64url, the
 * segments of a compact JWS, and the checks of its header and claims
 * against a policy.  Pure functions: no request, no configuration, no
 * library state; everything else builds on them.
 */


/* key types (JWK "kty", and the OKP curve) */
#define NGX_HTTP_APISEC_KTY_OCT         1
#define NGX_HTTP_APISEC_KTY_RSA         2
#define NGX_HTTP_APISEC_KTY_EC          3
#define NGX_HTTP_APISEC_KTY_ED25519     4

/* algorithms, an index into ngx_http_apisec_jose_algs[] and a bit each */
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

/* the largest digest, and HMAC block, of the hashes used */
#define NGX_HTTP_APISEC_MAX_MD          64

/* the DER of an ECDSA signature of the largest curve (P-521) */
#define NGX_HTTP_APISEC_ECDSA_DER_MAX   (2 * (2 + 1 + 66) + 3)


/*
 * results of authentication, $apisec_auth_result; 0 is a result never
 * computed, so that a zeroed ctx is never a grant
 */
#define NGX_HTTP_APISEC_JWT_NONE              0
#define NGX_HTTP_APISEC_JWT_OK                1
#define NGX_HTTP_APISEC_JWT_MISSING           2
#define NGX_HTTP_APISEC_JWT_INVALID_REQUEST   3
#define NGX_HTTP_APISEC_JWT_TOO_LARGE         4
#define NGX_HTTP_APISEC_JWT_MALFORMED         5
#define NGX_HTTP_APISEC_JWT_BAD_ALG           6
#define NGX_HTTP_APISEC_JWT_BAD_TYPE          7
#define NGX_HTTP_APISEC_JWT_CRIT              8
#define NGX_HTTP_APISEC_JWT_UNKNOWN_KEY       9
#define NGX_HTTP_APISEC_JWT_BAD_SIGNATURE     10
#define NGX_HTTP_APISEC_JWT_BAD_CLAIM         11
#define NGX_HTTP_APISEC_JWT_EXPIRED           12
#define NGX_HTTP_APISEC_JWT_NOT_YET_VALID     13
#define NGX_HTTP_APISEC_JWT_ISSUED_IN_FUTURE  14
#define NGX_HTTP_APISEC_JWT_BAD_ISSUER        15
#define NGX_HTTP_APISEC_JWT_BAD_AUDIENCE      16
#define NGX_HTTP_APISEC_JWT_ERROR             17
#define NGX_HTTP_APISEC_JWT_INACTIVE          18  /* introspection: no */
#define NGX_HTTP_APISEC_JWT_UNAVAILABLE       19  /* 503: keys, or answer */
#define NGX_HTTP_APISEC_JWT_PENDING           20  /* a subrequest first */


typedef struct {
    ngx_str_t                   name;
    ngx_uint_t                  kty;
    ngx_uint_t                  md;         /* 0: SHA-256 .. 2: SHA-512 */
    size_t                      ec_size;    /* ES*: bytes of R, and of S */
    unsigned                    pss:1;
} ngx_http_apisec_jose_alg_t;


/* what a token's header and claims are checked against */

typedef struct {
    ngx_uint_t                  algorithms; /* NGX_HTTP_APISEC_ALG_BIT()s */
    ngx_array_t                *issuers;    /* ngx_str_t; NULL: not checked */
    ngx_array_t                *audiences;  /* ngx_str_t; NULL: not checked */
    ngx_array_t                *types;      /* ngx_str_t, no "application/";
                                               NULL: typ not checked */
    time_t                      leeway;
    time_t                      now;
} ngx_http_apisec_jose_policy_t;


/*
 * The registered claims a policy reads (RFC 7519, 4.1), as a token has
 * them: each absent, a string, a number or something else; "aud" may be
 * an array too.  Strings point into the decoded claims (or into a json_t
 * that holds them).
 */

#define NGX_HTTP_APISEC_JOSE_ABSENT     0
#define NGX_HTTP_APISEC_JOSE_STRING     1
#define NGX_HTTP_APISEC_JOSE_NUMBER     2
#define NGX_HTTP_APISEC_JOSE_ARRAY      3
#define NGX_HTTP_APISEC_JOSE_OTHER      4

/* the elements of an "aud" array the scanner keeps; more: jansson's */
#define NGX_HTTP_APISEC_JOSE_AUD_MAX    16

typedef struct {
    ngx_uint_t                  type;
    double                      number;
    ngx_str_t                   string;
} ngx_http_apisec_jose_value_t;

typedef struct {
    ngx_http_apisec_jose_value_t  exp;
    ngx_http_apisec_jose_value_t  nbf;
    ngx_http_apisec_jose_value_t  iat;
    ngx_http_apisec_jose_value_t  sub;
    ngx_http_apisec_jose_value_t  iss;
    ngx_http_apisec_jose_value_t  aud;

    /* aud, an array: its elements, from jansson or (last) the scanner */
    json_t                       *aud_json;
    ngx_uint_t                    naud;
    ngx_http_apisec_jose_value_t  auds[NGX_HTTP_APISEC_JOSE_AUD_MAX];
} ngx_http_apisec_jose_claims_t;


extern ngx_http_apisec_jose_alg_t  ngx_http_apisec_jose_algs[];


/* "bearer" in any case at p (6 bytes there): a letter | 0x20 is lowercase */

#define ngx_http_apisec_jose_is_bearer(p)                                     \
    (((p)[0] | 0x20) == 'b' && ((p)[1] | 0x20) == 'e'                         \
     && ((p)[2] | 0x20) == 'a' && ((p)[3] | 0x20) == 'r'                      \
     && ((p)[4] | 0x20) == 'e' && ((p)[5] | 0x20) == 'r')


ngx_int_t ngx_http_apisec_jose_alg(u_char *name, size_t len);
ngx_int_t ngx_http_apisec_base64url_decode(ngx_str_t *dst, ngx_str_t *src);
ngx_int_t ngx_http_apisec_base64url_valid(ngx_str_t *src);
ngx_int_t ngx_http_apisec_jose_bearer(ngx_str_t *value, size_t max,
    ngx_str_t *token, ngx_str_t *seg);
ngx_int_t ngx_http_apisec_jose_split(ngx_str_t *token, ngx_str_t *seg);
json_t *ngx_http_apisec_jose_json(ngx_str_t *seg, u_char *buf, char **why,
    char *what);
ngx_uint_t ngx_http_apisec_jose_check_header(json_t *header,
    ngx_http_apisec_jose_policy_t *policy, ngx_uint_t *alg, ngx_str_t *kid,
    char **why);
ngx_int_t ngx_http_apisec_jose_scan(ngx_str_t *text,
    ngx_http_apisec_jose_claims_t *claims);
ngx_int_t ngx_http_apisec_jose_claims(ngx_str_t *seg, u_char *buf,
    ngx_str_t *text, ngx_http_apisec_jose_claims_t *claims, json_t **json,
    char **why);
ngx_int_t ngx_http_apisec_jose_claims_text(ngx_str_t *text,
    ngx_http_apisec_jose_claims_t *claims, json_t **json, char **why);
json_t *ngx_http_apisec_jose_load(ngx_str_t *text, char **why, char *what);
void ngx_http_apisec_jose_claims_json(json_t *json,
    ngx_http_apisec_jose_claims_t *claims);
void ngx_http_apisec_jose_claims_move(ngx_http_apisec_jose_claims_t *claims,
    u_char *from, u_char *to, size_t len);
ngx_uint_t ngx_http_apisec_jose_check_claims(
    ngx_http_apisec_jose_claims_t *claims,
    ngx_http_apisec_jose_policy_t *policy, char **why);
ngx_int_t ngx_http_apisec_jose_strip_media(ngx_str_t *type);
size_t ngx_http_apisec_jose_ecdsa_der(u_char *der, u_char *rs, size_t n);


#endif /* _NGX_HTTP_APISEC_JOSE_H_INCLUDED_ */
