
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/err.h>

#include "ngx_http_apisec_digest.h"


/*
 * The one place the module's hashes come from.  Each is fetched once per
 * process, on first use (an implicit fetch per EVP_DigestInit_ex() would
 * cost a property query on every call), with one context of its own that
 * every caller reuses; a context that stays with one hash is reinitialised
 * without an allocation.  Workers are single-threaded, and no caller keeps
 * a context across a call into another.  ngx_http_apisec_digest_exit()
 * frees them all as the process exits.
 */

static char  *ngx_http_apisec_md_names[NGX_HTTP_APISEC_NMDS] = {
    "SHA256", "SHA384", "SHA512", "SHA512-256"
};

static EVP_MD      *ngx_http_apisec_mds[NGX_HTTP_APISEC_NMDS];
static EVP_MD_CTX  *ngx_http_apisec_md_ctxs[NGX_HTTP_APISEC_NMDS];
static EVP_MD_CTX  *ngx_http_apisec_md_spare;


/* the hash, fetched on first use; NULL if the library has none */

EVP_MD *
ngx_http_apisec_md(ngx_uint_t md)
{
    EVP_MD  *m;

    m = ngx_http_apisec_mds[md];

    if (m == NULL) {
        m = EVP_MD_fetch(NULL, ngx_http_apisec_md_names[md], NULL);

        if (m == NULL) {
            ERR_clear_error();
            return NULL;
        }

        ngx_http_apisec_mds[md] = m;
    }

    return m;
}


/* the process's context for the hash: a caller's until it returns */

EVP_MD_CTX *
ngx_http_apisec_md_ctx(ngx_uint_t md)
{
    EVP_MD_CTX  *ctx;

    ctx = ngx_http_apisec_md_ctxs[md];

    if (ctx == NULL) {
        ctx = EVP_MD_CTX_new();

        if (ctx == NULL) {
            ERR_clear_error();
            return NULL;
        }

        ngx_http_apisec_md_ctxs[md] = ctx;
    }

    return ctx;
}


/*
 * A second context, for a caller that forks one hash in two
 * (EVP_MD_CTX_copy_ex() of the process's context): a caller's until it
 * returns.
 */

EVP_MD_CTX *
ngx_http_apisec_md_ctx_spare(void)
{
    if (ngx_http_apisec_md_spare == NULL) {
        ngx_http_apisec_md_spare = EVP_MD_CTX_new();

        if (ngx_http_apisec_md_spare == NULL) {
            ERR_clear_error();
        }
    }

    return ngx_http_apisec_md_spare;
}


/*
 * The hash of the parts, one after the other; with
 * NGX_HTTP_APISEC_DIGEST_PREFIXED each is preceded by its length (8 bytes,
 * big-endian), so that no two lists of parts hash alike.  "out" has room
 * for the hash's size.  The OpenSSL error queue is left empty.
 */

ngx_int_t
ngx_http_apisec_digest(ngx_uint_t md, u_char *out, ngx_str_t *parts,
    ngx_uint_t n, ngx_uint_t flags)
{
    u_char       len[8];
    EVP_MD      *m;
    uint64_t     l;
    ngx_uint_t   i, j;
    EVP_MD_CTX  *ctx;

    m = ngx_http_apisec_md(md);
    ctx = ngx_http_apisec_md_ctx(md);

    if (m == NULL || ctx == NULL) {
        return NGX_ERROR;
    }

    if (!EVP_DigestInit_ex(ctx, m, NULL)) {
        goto failed;
    }

    for (i = 0; i < n; i++) {

        if (flags & NGX_HTTP_APISEC_DIGEST_PREFIXED) {
            l = parts[i].len;

            for (j = 0; j < 8; j++) {
                len[j] = (u_char) (l >> (56 - 8 * j));
            }

            if (!EVP_DigestUpdate(ctx, len, 8)) {
                goto failed;
            }
        }

        if (parts[i].len
            && !EVP_DigestUpdate(ctx, parts[i].data, parts[i].len))
        {
            goto failed;
        }
    }

    if (!EVP_DigestFinal_ex(ctx, out, NULL)) {
        goto failed;
    }

    return NGX_OK;

failed:

    ERR_clear_error();
    return NGX_ERROR;
}


/* SHA-256 (32 bytes) of length-prefixed parts */

ngx_int_t
ngx_http_apisec_sha256(u_char *out, ngx_str_t *parts, ngx_uint_t n)
{
    return ngx_http_apisec_digest(NGX_HTTP_APISEC_SHA256, out, parts, n,
                                  NGX_HTTP_APISEC_DIGEST_PREFIXED);
}


/*
 * At process exit: the hashes and their contexts.  nginx unloads the
 * module as it exits, and with it the only pointers to them.  A key's own
 * contexts (HMAC) hold their own reference to a hash.
 */

void
ngx_http_apisec_digest_exit(void)
{
    ngx_uint_t  i;

    if (ngx_http_apisec_md_spare) {
        EVP_MD_CTX_free(ngx_http_apisec_md_spare);
        ngx_http_apisec_md_spare = NULL;
    }

    for (i = 0; i < NGX_HTTP_APISEC_NMDS; i++) {
        if (ngx_http_apisec_md_ctxs[i]) {
            EVP_MD_CTX_free(ngx_http_apisec_md_ctxs[i]);
            ngx_http_apisec_md_ctxs[i] = NULL;
        }

        if (ngx_http_apisec_mds[i]) {
            EVP_MD_free(ngx_http_apisec_mds[i]);
            ngx_http_apisec_mds[i] = NULL;
        }
    }
}


/*
 * Equal bytes?  In a time that depends on len only, 8 bytes at a time
 * (CRYPTO_memcmp() goes byte by byte): for tokens and MACs compared on
 * every request.
 */

ngx_uint_t
ngx_http_apisec_equal(u_char *a, u_char *b, size_t len)
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
