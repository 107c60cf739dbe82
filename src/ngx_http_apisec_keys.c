
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
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>


#define NGX_HTTP_APISEC_KEY_FILE_MAX    (1024 * 1024)
#define NGX_HTTP_APISEC_RSA_MIN_BITS    2048

/* how much of a fetched key's kid goes into a log line */
#define NGX_HTTP_APISEC_KEY_LOG_KID     64

/*
 * Keys are loaded with the configuration (an error fails it) or, fetched
 * by apisec_jwt_key_request, at run time with a conf of no file (an error
 * refuses the key set, the last good one serves on)
 */
#define NGX_HTTP_APISEC_KEYS_EMERG(cf)                                       \
    ((cf)->conf_file ? NGX_LOG_EMERG : NGX_LOG_ERR)


static char *ngx_http_apisec_jwt_keys_pem(ngx_conf_t *cf, ngx_str_t *file,
    u_char *buf, size_t len, ngx_array_t *keys);
static char *ngx_http_apisec_jwt_keys_json(ngx_conf_t *cf, ngx_str_t *file,
    u_char *buf, size_t len, ngx_array_t *keys);
static char *ngx_http_apisec_jwt_jwk(ngx_conf_t *cf, json_t *jwk,
    ngx_http_apisec_jwt_key_t *key, ngx_uint_t fetched);
static char *ngx_http_apisec_jwt_jwk_rsa(ngx_conf_t *cf, json_t *jwk,
    ngx_http_apisec_jwt_key_t *key);
static char *ngx_http_apisec_jwt_jwk_ec(ngx_conf_t *cf, json_t *jwk,
    ngx_http_apisec_jwt_key_t *key);
static char *ngx_http_apisec_jwt_jwk_okp(ngx_conf_t *cf, json_t *jwk,
    ngx_http_apisec_jwt_key_t *key);
static char *ngx_http_apisec_jwt_jwk_oct(ngx_conf_t *cf, json_t *jwk,
    ngx_http_apisec_jwt_key_t *key);
static char *ngx_http_apisec_jwt_jwk_member(ngx_conf_t *cf, json_t *jwk,
    char *name, ngx_str_t *out);
static char *ngx_http_apisec_jwt_key_pkey(ngx_http_apisec_jwt_key_t *key);
static char *ngx_http_apisec_jwt_key_check(ngx_http_apisec_jwt_key_t *key,
    ngx_uint_t fetched);
static char *ngx_http_apisec_jwt_key_check_rsa(ngx_http_apisec_jwt_key_t *key);
static char *ngx_http_apisec_jwt_key_check_ec(ngx_http_apisec_jwt_key_t *key);
static char *ngx_http_apisec_jwt_key_check_ed25519(
    ngx_http_apisec_jwt_key_t *key);
static void ngx_http_apisec_jwt_key_skip(ngx_conf_t *cf,
    ngx_http_apisec_jwt_key_t *key, size_t n, char *why);
static char *ngx_http_apisec_jwt_key_prepare(ngx_conf_t *cf,
    ngx_http_apisec_jwt_key_t *key);
static char *ngx_http_apisec_jwt_key_hmac(ngx_http_apisec_jwt_key_t *key,
    u_char *secret, size_t len);
static ngx_http_apisec_jwt_key_t *ngx_http_apisec_jwt_key_new(ngx_conf_t *cf,
    ngx_str_t *file);
static void ngx_http_apisec_jwt_key_cleanup(void *data);
static ngx_int_t ngx_http_apisec_jwt_mds_init(void);
static size_t ngx_http_apisec_jwt_ecdsa_der(u_char *der, u_char *rs,
    size_t n);


ngx_http_apisec_jwt_alg_t  ngx_http_apisec_jwt_algs[] = {
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


#define NGX_HTTP_APISEC_ALGS_HS                                              \
    (NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_HS256)                          \
     |NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_HS384)                         \
     |NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_HS512))

#define NGX_HTTP_APISEC_ALGS_RSA                                             \
    (NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_RS256)                          \
     |NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_RS384)                         \
     |NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_RS512)                         \
     |NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_PS256)                         \
     |NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_PS384)                         \
     |NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_PS512))


typedef struct {
    char                       *crv;        /* JWK "crv" */
    char                       *group;      /* OpenSSL's group name */
    ngx_uint_t                  alg;
    size_t                      size;
} ngx_http_apisec_jwt_curve_t;


static ngx_http_apisec_jwt_curve_t  ngx_http_apisec_jwt_curves[] = {
    { "P-256", "prime256v1", NGX_HTTP_APISEC_ES256, 32 },
    { "P-384", "secp384r1", NGX_HTTP_APISEC_ES384, 48 },
    { "P-521", "secp521r1", NGX_HTTP_APISEC_ES512, 66 },
    { NULL, NULL, 0, 0 }
};


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


static char  *ngx_http_apisec_md_names[] = { "SHA256", "SHA384", "SHA512" };

/* fetched once, for the life of the process (see ARCHITECTURE.md) */
static EVP_MD  *ngx_http_apisec_mds[3];

/* the one digest context of a worker, reused by every verification */
static EVP_MD_CTX  *ngx_http_apisec_md_ctx;

static u_char  ngx_http_apisec_key_err[128];


ngx_int_t
ngx_http_apisec_jwt_alg(u_char *name, size_t len)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_APISEC_NALGS; i++) {
        if (ngx_http_apisec_jwt_algs[i].name.len == len
            && ngx_strncmp(ngx_http_apisec_jwt_algs[i].name.data, name, len)
               == 0)
        {
            return i;
        }
    }

    return NGX_ERROR;
}


/*
 * Reads a key file: a PEM file of public keys or certificates, a JWKS or a
 * single JWK.  Each key is pushed onto "keys" (ngx_http_apisec_jwt_key_t *).
 */

char *
ngx_http_apisec_jwt_keys_load(ngx_conf_t *cf, ngx_str_t *file,
    ngx_array_t *keys)
{
    char             *rv;
    u_char           *buf;
    size_t            size;
    ssize_t           n;
    ngx_str_t         name;
    ngx_file_t        f;
    ngx_file_info_t   fi;

    name = *file;

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&f, sizeof(ngx_file_t));

    f.name = name;
    f.log = cf->log;

    f.fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (f.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &name);
        return NGX_CONF_ERROR;
    }

    rv = NGX_CONF_ERROR;

    if (ngx_fd_info(f.fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", &name);
        goto done;
    }

    size = ngx_file_size(&fi);

    if (size == 0 || size > NGX_HTTP_APISEC_KEY_FILE_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid key file \"%V\": %s", &name,
                           size ? "too large" : "empty");
        goto done;
    }

    buf = ngx_pnalloc(cf->temp_pool, size + 1);
    if (buf == NULL) {
        goto done;
    }

    n = ngx_read_file(&f, buf, size, 0);

    if (n == NGX_ERROR) {
        goto done;
    }

    if ((size_t) n != size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           ngx_read_file_n " \"%V\" returned only "
                           "%z bytes instead of %uz", &name, n, size);
        goto done;
    }

    buf[size] = '\0';

    rv = ngx_http_apisec_jwt_keys_text(cf, &name, buf, size, keys);

    ngx_explicit_memzero(buf, size);

done:

    if (ngx_close_file(f.fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &name);
    }

    return rv;
}


/*
 * The contents of a key file, buf[len] == '\0': a JWK or JWKS when it
 * starts with "{", else PEM.  "file" names it in the messages.
 */

char *
ngx_http_apisec_jwt_keys_text(ngx_conf_t *cf, ngx_str_t *file, u_char *buf,
    size_t len, ngx_array_t *keys)
{
    u_char  *p, *last;

    last = buf + len;

    if (ngx_http_apisec_jwt_mds_init() != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "EVP_MD_fetch() failed");
        return NGX_CONF_ERROR;
    }

    for (p = buf; p < last; p++) {
        if (*p != ' ' && *p != '\t' && *p != CR && *p != LF) {
            break;
        }
    }

    if (p < last && *p == '{') {
        return ngx_http_apisec_jwt_keys_json(cf, file, buf, len, keys);
    }

    if (ngx_strstr(buf, "-----BEGIN ") != NULL) {
        return ngx_http_apisec_jwt_keys_pem(cf, file, buf, len, keys);
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid key file \"%V\": neither a JWK, "
                       "a JWKS nor a PEM public key", file);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_apisec_jwt_keys_pem(ngx_conf_t *cf, ngx_str_t *file, u_char *buf,
    size_t len, ngx_array_t *keys)
{
    int                         n;
    long                        dlen;
    BIO                        *bio;
    X509                       *x509;
    char                       *name, *header, *err;
    u_char                     *data;
    ngx_uint_t                  count;
    const u_char               *p;
    ngx_http_apisec_jwt_key_t  *key, **k;

    bio = BIO_new_mem_buf(buf, len);
    if (bio == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "BIO_new_mem_buf() failed");
        return NGX_CONF_ERROR;
    }

    count = 0;
    err = NULL;

    for ( ;; ) {

        name = NULL;
        header = NULL;
        data = NULL;

        n = PEM_read_bio(bio, &name, &header, &data, &dlen);

        if (n == 0) {
            if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE
                || count == 0)
            {
                err = "invalid PEM";
            }

            ERR_clear_error();
            break;
        }

        key = ngx_http_apisec_jwt_key_new(cf, file);
        if (key == NULL) {
            err = "out of memory";
            goto next;
        }

        p = data;

        if (ngx_strcmp(name, PEM_STRING_PUBLIC) == 0) {
            key->pkey = d2i_PUBKEY(NULL, &p, dlen);

        } else if (ngx_strcmp(name, PEM_STRING_RSA_PUBLIC) == 0) {
            key->pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, dlen);

        } else if (ngx_strcmp(name, PEM_STRING_X509) == 0) {
            x509 = d2i_X509(NULL, &p, dlen);
            if (x509) {
                key->pkey = X509_get_pubkey(x509);
                X509_free(x509);
            }

        } else if (ngx_strstr(name, "PRIVATE KEY") != NULL) {
            err = "a private key, expected a public key or a certificate";
            goto next;

        } else {
            err = "unsupported PEM block, expected \"PUBLIC KEY\" "
                  "or \"CERTIFICATE\"";
            goto next;
        }

        if (key->pkey == NULL) {
            err = "invalid PEM key";
            goto next;
        }

        err = ngx_http_apisec_jwt_key_pkey(key);
        if (err) {
            goto next;
        }

        err = ngx_http_apisec_jwt_key_check(key, 0);
        if (err) {
            goto next;
        }

        err = ngx_http_apisec_jwt_key_prepare(cf, key);
        if (err) {
            goto next;
        }

        k = ngx_array_push(keys);
        if (k == NULL) {
            err = "out of memory";
            goto next;
        }

        *k = key;
        count++;

    next:

        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);

        if (err) {
            break;
        }
    }

    BIO_free(bio);

    if (err) {
        ERR_clear_error();

        if (count) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid key file \"%V\": key %ui: %s",
                               file, count + 1, err);
        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid key file \"%V\": %s", file, err);
        }

        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_apisec_jwt_keys_json(ngx_conf_t *cf, ngx_str_t *file, u_char *buf,
    size_t len, ngx_array_t *keys)
{
    char          *rv;
    u_char        *p;
    json_t        *root;
    json_error_t   jerr;

    root = json_loadb((char *) buf, len, JSON_REJECT_DUPLICATES, &jerr);

    if (root == NULL) {

        /*
         * jansson quotes up to 20 bytes of the text it choked on
         * ("... near '\"3AULsro3X'"): inside a "k" member, the secret
         */

        p = (u_char *) ngx_strstr(jerr.text, " near '");
        if (p) {
            *p = '\0';
        }

        ngx_conf_log_error(NGX_HTTP_APISEC_KEYS_EMERG(cf), cf, 0,
                           "invalid key file \"%V\": invalid JSON at "
                           "line %d: %s", file, jerr.line, jerr.text);
        return NGX_CONF_ERROR;
    }

    rv = ngx_http_apisec_jwt_keys_parse(cf, file, root, keys, 0);

    json_decref(root);

    return rv;
}


/*
 * A JWKS or a single JWK, parsed JSON: of a key file, or "fetched", an
 * answer to apisec_jwt_key_request (then with a conf of no file: cf->pool
 * holds the keys and their cleanups, errors are logged at "error"; a key
 * unfit to verify, or an HMAC secret, is skipped rather than refusing the
 * set).
 */

char *
ngx_http_apisec_jwt_keys_parse(ngx_conf_t *cf, ngx_str_t *file, json_t *root,
    ngx_array_t *keys, ngx_uint_t fetched)
{
    char                       *err;
    json_t                     *list, *jwk;
    size_t                      i, n;
    ngx_uint_t                  count;
    ngx_http_apisec_jwt_key_t  *key, **k;

    if (ngx_http_apisec_jwt_mds_init() != NGX_OK) {
        ngx_conf_log_error(NGX_HTTP_APISEC_KEYS_EMERG(cf), cf, 0,
                           "EVP_MD_fetch() failed");
        return NGX_CONF_ERROR;
    }

    if (!json_is_object(root)) {
        ngx_conf_log_error(NGX_HTTP_APISEC_KEYS_EMERG(cf), cf, 0,
                           "invalid key file \"%V\": not a JSON object",
                           file);
        return NGX_CONF_ERROR;
    }

    list = json_object_get(root, "keys");

    if (list == NULL) {
        n = 1;

    } else if (json_is_array(list)) {
        n = json_array_size(list);

    } else {
        ngx_conf_log_error(NGX_HTTP_APISEC_KEYS_EMERG(cf), cf, 0,
                           "invalid key file \"%V\": \"keys\" is not "
                           "an array", file);
        return NGX_CONF_ERROR;
    }

    count = 0;

    for (i = 0; i < n; i++) {

        jwk = list ? json_array_get(list, i) : root;

        key = ngx_http_apisec_jwt_key_new(cf, file);
        if (key == NULL) {
            return NGX_CONF_ERROR;
        }

        err = ngx_http_apisec_jwt_jwk(cf, jwk, key, fetched);

        if (err == NGX_CONF_OK) {
            err = ngx_http_apisec_jwt_key_check(key, fetched);

            if (err && fetched) {
                /* fetched: a key unfit to verify is skipped, not the set */
                ngx_http_apisec_jwt_key_skip(cf, key, i + 1, err);
                continue;
            }
        }

        if (err == NGX_CONF_OK) {
            err = ngx_http_apisec_jwt_key_prepare(cf, key);
        }

        if (err == NGX_CONF_OK) {
            k = ngx_array_push(keys);
            if (k == NULL) {
                return NGX_CONF_ERROR;
            }

            *k = key;
            count++;
            continue;
        }

        if (err == NGX_CONF_ERROR) {
            /* skipped: logged already */
            continue;
        }

        ERR_clear_error();

        if (key->kid.data) {
            ngx_conf_log_error(NGX_HTTP_APISEC_KEYS_EMERG(cf), cf, 0,
                               "invalid key file \"%V\": key %uz "
                               "(kid \"%V\"): %s", file, i + 1, &key->kid,
                               err);
        } else {
            ngx_conf_log_error(NGX_HTTP_APISEC_KEYS_EMERG(cf), cf, 0,
                               "invalid key file \"%V\": key %uz: %s",
                               file, i + 1, err);
        }

        return NGX_CONF_ERROR;
    }

    if (count == 0) {
        ngx_conf_log_error(NGX_HTTP_APISEC_KEYS_EMERG(cf), cf, 0,
                           "invalid key file \"%V\": no signature "
                           "verification key", file);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * One JWK.  Returns NGX_CONF_OK, an error, or NGX_CONF_ERROR for a key that
 * is skipped (an encryption key, one without "verify" in "key_ops"), which
 * is logged here at "warn".
 */

static char *
ngx_http_apisec_jwt_jwk(ngx_conf_t *cf, json_t *jwk,
    ngx_http_apisec_jwt_key_t *key, ngx_uint_t fetched)
{
    char        *err;
    json_t      *v, *op;
    size_t       i;
    ngx_int_t    alg;
    ngx_uint_t   verify;
    const char  *kty, *s;

    if (!json_is_object(jwk)) {
        return "not a JSON object";
    }

    v = json_object_get(jwk, "kid");

    if (v) {
        if (!json_is_string(v) || json_string_length(v) == 0) {
            return "\"kid\" is not a non-empty string";
        }

        key->kid.len = json_string_length(v);
        key->kid.data = ngx_pnalloc(cf->pool, key->kid.len);
        if (key->kid.data == NULL) {
            return "out of memory";
        }

        ngx_memcpy(key->kid.data, json_string_value(v), key->kid.len);
    }

    v = json_object_get(jwk, "kty");

    if (!json_is_string(v)) {
        return "no \"kty\"";
    }

    kty = json_string_value(v);

    v = json_object_get(jwk, "use");

    if (v) {
        if (!json_is_string(v)) {
            return "\"use\" is not a string";
        }

        if (ngx_strcmp(json_string_value(v), "sig") != 0) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "key file \"%V\": key with kid \"%V\" and "
                               "\"use\":\"%s\" skipped", &key->file,
                               &key->kid, json_string_value(v));
            return NGX_CONF_ERROR;
        }
    }

    v = json_object_get(jwk, "key_ops");

    if (v) {
        if (!json_is_array(v)) {
            return "\"key_ops\" is not an array";
        }

        verify = 0;

        json_array_foreach(v, i, op) {
            if (!json_is_string(op)) {
                return "\"key_ops\" holds a non-string";
            }

            if (ngx_strcmp(json_string_value(op), "verify") == 0) {
                verify = 1;
            }
        }

        if (!verify) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "key file \"%V\": key with kid \"%V\" "
                               "without \"verify\" in \"key_ops\" skipped",
                               &key->file, &key->kid);
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_strcmp(kty, "RSA") == 0) {
        err = ngx_http_apisec_jwt_jwk_rsa(cf, jwk, key);

    } else if (ngx_strcmp(kty, "EC") == 0) {
        err = ngx_http_apisec_jwt_jwk_ec(cf, jwk, key);

    } else if (ngx_strcmp(kty, "OKP") == 0) {
        err = ngx_http_apisec_jwt_jwk_okp(cf, jwk, key);

    } else if (ngx_strcmp(kty, "oct") == 0) {

        if (fetched) {
            /* not even parsed: ngx_http_apisec_jwt_key_check() skips it */
            key->kty = NGX_HTTP_APISEC_KTY_OCT;
            return NGX_CONF_OK;
        }

        err = ngx_http_apisec_jwt_jwk_oct(cf, jwk, key);

    } else {
        return "unsupported \"kty\"";
    }

    if (err) {
        return err;
    }

    if (key->kty != NGX_HTTP_APISEC_KTY_OCT) {
        err = ngx_http_apisec_jwt_key_pkey(key);
        if (err) {
            return err;
        }
    }

    v = json_object_get(jwk, "alg");

    if (v == NULL) {
        return NGX_CONF_OK;
    }

    if (!json_is_string(v)) {
        return "\"alg\" is not a string";
    }

    s = json_string_value(v);

    if (ngx_strcasecmp((u_char *) s, (u_char *) "none") == 0) {
        return "\"alg\":\"none\" is never accepted";
    }

    alg = ngx_http_apisec_jwt_alg((u_char *) s, ngx_strlen(s));

    if (alg == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "key file \"%V\": key with kid \"%V\" and "
                           "\"alg\":\"%s\", not a signature algorithm, "
                           "skipped", &key->file, &key->kid, s);
        return NGX_CONF_ERROR;
    }

    if (!(key->algs & NGX_HTTP_APISEC_ALG_BIT(alg))) {
        ngx_snprintf(ngx_http_apisec_key_err,
                     sizeof(ngx_http_apisec_key_err) - 1,
                     "\"alg\":\"%s\" contradicts the key type%Z", s);
        return (char *) ngx_http_apisec_key_err;
    }

    key->algs = NGX_HTTP_APISEC_ALG_BIT(alg);

    return NGX_CONF_OK;
}


static char *
ngx_http_apisec_jwt_jwk_rsa(ngx_conf_t *cf, json_t *jwk,
    ngx_http_apisec_jwt_key_t *key)
{
    char            *err;
    BIGNUM          *n, *e;
    ngx_str_t        nb, eb;
    OSSL_PARAM      *params;
    EVP_PKEY_CTX    *ctx;
    OSSL_PARAM_BLD  *bld;

    err = ngx_http_apisec_jwt_jwk_member(cf, jwk, "n", &nb);
    if (err) {
        return err;
    }

    err = ngx_http_apisec_jwt_jwk_member(cf, jwk, "e", &eb);
    if (err) {
        return err;
    }

    key->kty = NGX_HTTP_APISEC_KTY_RSA;

    n = BN_bin2bn(nb.data, nb.len, NULL);
    e = BN_bin2bn(eb.data, eb.len, NULL);
    bld = OSSL_PARAM_BLD_new();
    params = NULL;
    ctx = NULL;

    err = "invalid RSA key";

    if (n == NULL || e == NULL || bld == NULL
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
    {
        goto done;
    }

    params = OSSL_PARAM_BLD_to_param(bld);
    if (params == NULL) {
        goto done;
    }

    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);

    if (ctx == NULL
        || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &key->pkey, EVP_PKEY_PUBLIC_KEY, params)
           <= 0)
    {
        goto done;
    }

    err = NULL;

done:

    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);

    return err;
}


static char *
ngx_http_apisec_jwt_jwk_ec(ngx_conf_t *cf, json_t *jwk,
    ngx_http_apisec_jwt_key_t *key)
{
    char                         *err;
    u_char                        point[1 + 2 * 66];
    json_t                       *v;
    ngx_str_t                     x, y;
    OSSL_PARAM                    params[3];
    EVP_PKEY_CTX                 *ctx;
    ngx_http_apisec_jwt_curve_t  *c;

    v = json_object_get(jwk, "crv");

    if (!json_is_string(v)) {
        return "no \"crv\"";
    }

    for (c = ngx_http_apisec_jwt_curves; c->crv; c++) {
        if (ngx_strcmp(json_string_value(v), c->crv) == 0) {
            break;
        }
    }

    if (c->crv == NULL) {
        return "unsupported \"crv\", expected \"P-256\", \"P-384\" "
               "or \"P-521\"";
    }

    err = ngx_http_apisec_jwt_jwk_member(cf, jwk, "x", &x);
    if (err) {
        return err;
    }

    err = ngx_http_apisec_jwt_jwk_member(cf, jwk, "y", &y);
    if (err) {
        return err;
    }

    if (x.len != c->size || y.len != c->size) {
        return "\"x\" or \"y\" is not of the curve's size";
    }

    key->kty = NGX_HTTP_APISEC_KTY_EC;

    point[0] = 0x04;
    ngx_memcpy(point + 1, x.data, x.len);
    ngx_memcpy(point + 1 + x.len, y.data, y.len);

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                 c->group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                  point, 1 + 2 * c->size);
    params[2] = OSSL_PARAM_construct_end();

    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);

    if (ctx == NULL
        || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &key->pkey, EVP_PKEY_PUBLIC_KEY, params)
           <= 0)
    {
        EVP_PKEY_CTX_free(ctx);
        return "invalid EC key (not a point of the curve?)";
    }

    EVP_PKEY_CTX_free(ctx);

    return NULL;
}


static char *
ngx_http_apisec_jwt_jwk_okp(ngx_conf_t *cf, json_t *jwk,
    ngx_http_apisec_jwt_key_t *key)
{
    char       *err;
    json_t     *v;
    ngx_str_t   x;

    v = json_object_get(jwk, "crv");

    if (!json_is_string(v) || ngx_strcmp(json_string_value(v), "Ed25519"))
    {
        return "unsupported \"crv\", expected \"Ed25519\"";
    }

    err = ngx_http_apisec_jwt_jwk_member(cf, jwk, "x", &x);
    if (err) {
        return err;
    }

    if (x.len != 32) {
        return "\"x\" is not of 32 bytes";
    }

    key->kty = NGX_HTTP_APISEC_KTY_ED25519;

    key->pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL,
                                               x.data, x.len);
    if (key->pkey == NULL) {
        return "invalid Ed25519 key";
    }

    return NULL;
}


static char *
ngx_http_apisec_jwt_jwk_oct(ngx_conf_t *cf, json_t *jwk,
    ngx_http_apisec_jwt_key_t *key)
{
    char        *err;
    json_t      *v;
    ngx_int_t    alg;
    ngx_str_t    k;
    ngx_uint_t   i, md;

    err = ngx_http_apisec_jwt_jwk_member(cf, jwk, "k", &k);
    if (err) {
        return err;
    }

    key->kty = NGX_HTTP_APISEC_KTY_OCT;
    key->algs = 0;

    /* an HMAC key is at least as long as its hash (RFC 7518, 3.2) */

    for (i = NGX_HTTP_APISEC_HS256; i <= NGX_HTTP_APISEC_HS512; i++) {
        md = ngx_http_apisec_jwt_algs[i].md;

        if (k.len >= (size_t) EVP_MD_get_size(ngx_http_apisec_mds[md])) {
            key->algs |= NGX_HTTP_APISEC_ALG_BIT(i);
        }
    }

    v = json_object_get(jwk, "alg");

    if (json_is_string(v)) {
        alg = ngx_http_apisec_jwt_alg((u_char *) json_string_value(v),
                                      json_string_length(v));

        if (alg >= NGX_HTTP_APISEC_HS256 && alg <= NGX_HTTP_APISEC_HS512
            && !(key->algs & NGX_HTTP_APISEC_ALG_BIT(alg)))
        {
            ngx_snprintf(ngx_http_apisec_key_err,
                         sizeof(ngx_http_apisec_key_err) - 1,
                         "HMAC key of %uz bytes is shorter than the "
                         "%V hash%Z", k.len,
                         &ngx_http_apisec_jwt_algs[alg].name);
            err = (char *) ngx_http_apisec_key_err;
        }

    } else if (key->algs == 0) {
        ngx_snprintf(ngx_http_apisec_key_err,
                     sizeof(ngx_http_apisec_key_err) - 1,
                     "HMAC key of %uz bytes is shorter than 32 bytes, "
                     "the hash of HS256%Z", k.len);
        err = (char *) ngx_http_apisec_key_err;
    }

    if (err == NULL) {
        err = ngx_http_apisec_jwt_key_hmac(key, k.data, k.len);
    }

    if (err == NULL
        && !EVP_Digest(k.data, k.len, key->fingerprint, NULL,
                       ngx_http_apisec_mds[0], NULL))
    {
        err = "EVP_Digest() failed";
    }

    ngx_explicit_memzero(k.data, k.len);

    return err;
}


static char *
ngx_http_apisec_jwt_jwk_member(ngx_conf_t *cf, json_t *jwk, char *name,
    ngx_str_t *out)
{
    json_t     *v;
    ngx_str_t   src;

    v = json_object_get(jwk, name);

    if (!json_is_string(v) || json_string_length(v) == 0) {
        ngx_snprintf(ngx_http_apisec_key_err,
                     sizeof(ngx_http_apisec_key_err) - 1,
                     "no \"%s\"%Z", name);
        return (char *) ngx_http_apisec_key_err;
    }

    src.len = json_string_length(v);
    src.data = (u_char *) json_string_value(v);

    out->data = ngx_pnalloc(cf->temp_pool, src.len);
    if (out->data == NULL) {
        return "out of memory";
    }

    if (ngx_http_apisec_base64url_decode(out, &src) != NGX_OK) {
        ngx_snprintf(ngx_http_apisec_key_err,
                     sizeof(ngx_http_apisec_key_err) - 1,
                     "\"%s\" is not base64url%Z", name);
        return (char *) ngx_http_apisec_key_err;
    }

    return NULL;
}


/* key type and the algorithms it may verify, from the key itself */

static char *
ngx_http_apisec_jwt_key_pkey(ngx_http_apisec_jwt_key_t *key)
{
    char                          group[32];
    size_t                        len;
    ngx_http_apisec_jwt_curve_t  *c;

    switch (EVP_PKEY_get_base_id(key->pkey)) {

    case EVP_PKEY_RSA:
        key->kty = NGX_HTTP_APISEC_KTY_RSA;
        key->algs = NGX_HTTP_APISEC_ALGS_RSA;
        return NULL;

    case EVP_PKEY_EC:
        if (!EVP_PKEY_get_group_name(key->pkey, group, sizeof(group), &len))
        {
            return "EC key without a named curve";
        }

        for (c = ngx_http_apisec_jwt_curves; c->crv; c++) {
            if (ngx_strcmp(group, c->group) == 0) {
                key->kty = NGX_HTTP_APISEC_KTY_EC;
                key->algs = NGX_HTTP_APISEC_ALG_BIT(c->alg);
                return NULL;
            }
        }

        return "unsupported EC curve, expected P-256, P-384 or P-521";

    case EVP_PKEY_ED25519:
        key->kty = NGX_HTTP_APISEC_KTY_ED25519;
        key->algs = NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_EDDSA);
        return NULL;
    }

    return "unsupported key type, expected RSA, EC or Ed25519";
}


/*
 * Whether a key may verify at all: one anybody could make signatures for is
 * refused.  RSA: at least 2048 bits, e odd, 3 <= e < n (e = 1 makes every
 * padded digest its own signature); EC: a point of the curve, not the point
 * at infinity; Ed25519: not a point of small order; oct: never from a
 * fetched JWKS, whose secret anybody can read.
 */

static char *
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


/* a key of a fetched JWKS skipped: logged with its kid, never the key */

static void
ngx_http_apisec_jwt_key_skip(ngx_conf_t *cf, ngx_http_apisec_jwt_key_t *key,
    size_t n, char *why)
{
    u_char     *p, *s, *last;
    u_char      buf[NGX_HTTP_APISEC_KEY_LOG_KID * 4 + 3];
    ngx_str_t   kid;

    ERR_clear_error();

    if (key->kid.data == NULL) {
        ngx_log_error(NGX_LOG_ERR, cf->log, 0,
                      "apisec: key %uz of the JWKS from \"%V\" skipped: %s",
                      n, &key->file, why);
        return;
    }

    p = buf;
    s = key->kid.data;
    last = s + ngx_min(key->kid.len, NGX_HTTP_APISEC_KEY_LOG_KID);

    for ( /* void */ ; s < last; s++) {
        if (*s < 0x20 || *s >= 0x7f || *s == '"' || *s == '\\') {
            p = ngx_sprintf(p, "\\x%02xd", *s);

        } else {
            *p++ = *s;
        }
    }

    if (key->kid.len > NGX_HTTP_APISEC_KEY_LOG_KID) {
        p = ngx_cpymem(p, "...", 3);
    }

    kid.len = p - buf;
    kid.data = buf;

    ngx_log_error(NGX_LOG_ERR, cf->log, 0,
                  "apisec: key %uz (kid \"%V\") of the JWKS from \"%V\" "
                  "skipped: %s", n, &kid, &key->file, why);
}


/* a verify context for each RSA and ECDSA algorithm the key may verify */

static char *
ngx_http_apisec_jwt_key_prepare(ngx_conf_t *cf,
    ngx_http_apisec_jwt_key_t *key)
{
    int                         len, rc;
    u_char                     *der;
    EVP_MD                     *md;
    ngx_uint_t                  i;
    EVP_PKEY_CTX               *pctx;
    ngx_http_apisec_jwt_alg_t  *a;

    if (key->pkey) {
        der = NULL;
        len = i2d_PUBKEY(key->pkey, &der);

        if (len <= 0) {
            return "i2d_PUBKEY() failed";
        }

        rc = EVP_Digest(der, len, key->fingerprint, NULL,
                        ngx_http_apisec_mds[0], NULL);
        OPENSSL_free(der);

        if (!rc) {
            return "EVP_Digest() failed";
        }
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

        a = &ngx_http_apisec_jwt_algs[i];
        md = ngx_http_apisec_mds[a->md];

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

static char *
ngx_http_apisec_jwt_key_hmac(ngx_http_apisec_jwt_key_t *key, u_char *secret,
    size_t len)
{
    int           bs;
    u_char        k[128], pad[128];
    EVP_MD       *md;
    ngx_uint_t    i, j;
    unsigned int  klen;
    EVP_MD_CTX   *ctx;

    for (i = 0; i < 3; i++) {

        if (!(key->algs & NGX_HTTP_APISEC_ALG_BIT(NGX_HTTP_APISEC_HS256 + i)))
        {
            continue;
        }

        md = ngx_http_apisec_mds[i];
        bs = EVP_MD_get_block_size(md);

        if (bs <= 0 || bs > (int) sizeof(k)) {
            return "EVP_MD_get_block_size() failed";
        }

        ngx_memzero(k, sizeof(k));

        if (len > (size_t) bs) {
            if (!EVP_Digest(secret, len, k, &klen, md, NULL)) {
                return "EVP_Digest() failed";
            }

        } else {
            ngx_memcpy(k, secret, len);
        }

        for (j = 0; j < 2; j++) {

            ctx = EVP_MD_CTX_new();
            if (ctx == NULL) {
                return "EVP_MD_CTX_new() failed";
            }

            if (j == 0) {
                key->inner[i] = ctx;
            } else {
                key->outer[i] = ctx;
            }

            for (klen = 0; klen < (unsigned int) bs; klen++) {
                pad[klen] = k[klen] ^ (j == 0 ? 0x36 : 0x5c);
            }

            if (!EVP_DigestInit_ex(ctx, md, NULL)
                || !EVP_DigestUpdate(ctx, pad, bs))
            {
                ngx_explicit_memzero(k, sizeof(k));
                ngx_explicit_memzero(pad, sizeof(pad));
                return "EVP_DigestInit_ex() failed";
            }
        }
    }

    ngx_explicit_memzero(k, sizeof(k));
    ngx_explicit_memzero(pad, sizeof(pad));

    return NULL;
}


static ngx_http_apisec_jwt_key_t *
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

    for (i = 0; i < 3; i++) {
        EVP_MD_CTX_free(key->inner[i]);
        EVP_MD_CTX_free(key->outer[i]);
    }

    EVP_PKEY_free(key->pkey);
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
    ngx_uint_t                   i;
    EVP_MD_CTX                  *ctx;
    ngx_http_apisec_jwt_key_t  **key;

    if (ngx_http_apisec_jwt_mds_init() != NGX_OK) {
        return NGX_ERROR;
    }

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    if (!EVP_DigestInit_ex(ctx, ngx_http_apisec_mds[0], NULL)) {
        goto done;
    }

    key = keys->elts;

    for (i = 0; i < keys->nelts; i++) {
        if (!EVP_DigestUpdate(ctx, key[i]->fingerprint,
                              NGX_HTTP_APISEC_KEY_FP_LEN)
            || !EVP_DigestUpdate(ctx, &key[i]->algs, sizeof(ngx_uint_t))
            || !EVP_DigestUpdate(ctx, &key[i]->kid.len, sizeof(size_t))
            || !EVP_DigestUpdate(ctx, key[i]->kid.data, key[i]->kid.len))
        {
            goto done;
        }
    }

    if (EVP_DigestFinal_ex(ctx, fp, NULL)) {
        rc = NGX_OK;
    }

done:

    EVP_MD_CTX_free(ctx);
    ERR_clear_error();

    return rc;
}


static ngx_int_t
ngx_http_apisec_jwt_mds_init(void)
{
    ngx_uint_t  i;

    for (i = 0; i < 3; i++) {
        if (ngx_http_apisec_mds[i] == NULL) {
            ngx_http_apisec_mds[i] = EVP_MD_fetch(NULL,
                                                  ngx_http_apisec_md_names[i],
                                                  NULL);
            if (ngx_http_apisec_mds[i] == NULL) {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/*
 * At process exit: the digests fetched once per process and the verify
 * context.  nginx unloads the module as it exits, and with it the only
 * pointers to them.  Keys still using a digest hold their own reference.
 */

void
ngx_http_apisec_jwt_keys_exit(void)
{
    ngx_uint_t  i;

    for (i = 0; i < 3; i++) {
        if (ngx_http_apisec_mds[i]) {
            EVP_MD_free(ngx_http_apisec_mds[i]);
            ngx_http_apisec_mds[i] = NULL;
        }
    }

    if (ngx_http_apisec_md_ctx) {
        EVP_MD_CTX_free(ngx_http_apisec_md_ctx);
        ngx_http_apisec_md_ctx = NULL;
    }
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
    int                         rc;
    u_char                      dgst[NGX_HTTP_APISEC_MAX_MD];
    u_char                      der[2 * (2 + 1 + 66) + 3];
    EVP_MD                     *md;
    unsigned int                n;
    EVP_MD_CTX                 *ctx;
    ngx_http_apisec_jwt_alg_t  *a;

    a = &ngx_http_apisec_jwt_algs[alg];
    md = ngx_http_apisec_mds[a->md];

    ctx = ngx_http_apisec_md_ctx;

    if (ctx == NULL) {
        ctx = EVP_MD_CTX_new();
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_http_apisec_md_ctx = ctx;
    }

    switch (a->kty) {

    case NGX_HTTP_APISEC_KTY_OCT:

        if (siglen != (size_t) EVP_MD_get_size(md)) {
            return NGX_DECLINED;
        }

        if (!EVP_MD_CTX_copy_ex(ctx, key->inner[a->md])
            || !EVP_DigestUpdate(ctx, input, len)
            || !EVP_DigestFinal_ex(ctx, dgst, &n)
            || !EVP_MD_CTX_copy_ex(ctx, key->outer[a->md])
            || !EVP_DigestUpdate(ctx, dgst, n)
            || !EVP_DigestFinal_ex(ctx, dgst, &n))
        {
            ERR_clear_error();
            return NGX_ERROR;
        }

        return CRYPTO_memcmp(dgst, sig, siglen) == 0 ? NGX_OK : NGX_DECLINED;

    case NGX_HTTP_APISEC_KTY_ED25519:

        if (siglen != 64) {
            return NGX_DECLINED;
        }

        EVP_MD_CTX_reset(ctx);

        if (EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, key->pkey,
                                    NULL)
            != 1)
        {
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

        siglen = ngx_http_apisec_jwt_ecdsa_der(der, sig, a->ec_size);
        if (siglen == 0) {
            return NGX_DECLINED;
        }

        sig = der;

        break;
    }

    /* RS*, PS*, ES*: the digest, then the context prepared for alg */

    if (!EVP_DigestInit_ex(ctx, md, NULL)
        || !EVP_DigestUpdate(ctx, input, len)
        || !EVP_DigestFinal_ex(ctx, dgst, &n))
    {
        ERR_clear_error();
        return NGX_ERROR;
    }

    rc = EVP_PKEY_verify(key->pctx[alg], sig, siglen, dgst, n);

    if (rc != 1) {
        ERR_clear_error();
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * R || S to the DER of ECDSA-Sig-Value; 0 for r = 0 or s = 0, which are
 * never valid.
 */

static size_t
ngx_http_apisec_jwt_ecdsa_der(u_char *der, u_char *rs, size_t n)
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
