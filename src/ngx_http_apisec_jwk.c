
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>


/*
 * Key material as text: a PEM file of public keys or certificates, a JWKS
 * or a single JWK, from a file or fetched, parsed into keys; each is then
 * checked and prepared by ngx_http_apisec_keys.c.
 */

#define NGX_HTTP_APISEC_KEY_FILE_MAX    (1024 * 1024)

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
static void ngx_http_apisec_jwt_key_skip(ngx_conf_t *cf,
    ngx_http_apisec_jwt_key_t *key, size_t n, char *why);


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


static u_char  ngx_http_apisec_key_err[128];


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

    if (ngx_http_apisec_jwt_keys_init() != NGX_OK) {
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

    if (ngx_http_apisec_jwt_keys_init() != NGX_OK) {
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

    alg = ngx_http_apisec_jose_alg((u_char *) s, ngx_strlen(s));

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
        md = ngx_http_apisec_jose_algs[i].md;

        if (k.len >= (size_t) EVP_MD_get_size(ngx_http_apisec_md(md))) {
            key->algs |= NGX_HTTP_APISEC_ALG_BIT(i);
        }
    }

    v = json_object_get(jwk, "alg");

    if (json_is_string(v)) {
        alg = ngx_http_apisec_jose_alg((u_char *) json_string_value(v),
                                      json_string_length(v));

        if (alg >= NGX_HTTP_APISEC_HS256 && alg <= NGX_HTTP_APISEC_HS512
            && !(key->algs & NGX_HTTP_APISEC_ALG_BIT(alg)))
        {
            ngx_snprintf(ngx_http_apisec_key_err,
                         sizeof(ngx_http_apisec_key_err) - 1,
                         "HMAC key of %uz bytes is shorter than the "
                         "%V hash%Z", k.len,
                         &ngx_http_apisec_jose_algs[alg].name);
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
        && ngx_http_apisec_digest(NGX_HTTP_APISEC_SHA256, key->fingerprint,
                                  &k, 1, 0)
           != NGX_OK)
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
