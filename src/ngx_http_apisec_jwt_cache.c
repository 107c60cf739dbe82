
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"
#include "ngx_http_apisec_jwt_cache.h"
#include "ngx_http_apisec_shm.h"

#include <openssl/err.h>


#define NGX_HTTP_APISEC_JWT_CACHE_VALID  300


/*
 * A verified token: the value of a cache zone's store node, whose key is
 * SHA-256(signing input || key set fingerprint || its length), never the
 * token itself.  The head is followed by the token's signature segment,
 * "len" bytes of base64url text as received: a hit needs it byte for byte
 * (ngx_http_apisec_jwt_cache_lookup()).
 */
typedef struct {
    time_t                               expires;
    size_t                               len;    /* of the signature */
} ngx_http_apisec_jwt_cache_node_t;

#define ngx_http_apisec_jwt_cache_node(sn)                                    \
    ((ngx_http_apisec_jwt_cache_node_t *) ngx_http_apisec_shm_value(sn))

#define ngx_http_apisec_jwt_cache_sig(jn)  ((u_char *) ((jn) + 1))


typedef struct {
    ngx_http_apisec_shm_ctx_t            shm;    /* first: the store's */
    time_t                               valid;
} ngx_http_apisec_jwt_cache_ctx_t;


static ngx_int_t ngx_http_apisec_jwt_cache_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_uint_t ngx_http_apisec_jwt_cache_idle(void *data,
    ngx_http_apisec_shm_node_t *node, ngx_msec_t now);


static ngx_http_apisec_shm_kind_t  ngx_http_apisec_jwt_cache_kind = {
    ngx_string("apisec_jwt_cache"),
    sizeof(ngx_http_apisec_jwt_cache_node_t),
    ngx_http_apisec_jwt_cache_idle,
    NULL
};


/* apisec_jwt_cache off | zone=name[:size] [valid=time]; */

char *
ngx_http_apisec_jwt_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    time_t                            valid;
    ssize_t                           size;
    ngx_str_t                        *value, name, s;
    ngx_uint_t                        i;
    ngx_shm_zone_t                  **zp, *zone;
    ngx_http_apisec_jwt_cache_ctx_t  *ctx;

    zp = (ngx_shm_zone_t **) (p + cmd->offset);

    if (*zp != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts != 2) {
            return "takes no parameters with \"off\"";
        }

        *zp = NULL;
        return NGX_CONF_OK;
    }

    name.len = 0;
    size = 0;
    valid = NGX_CONF_UNSET;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0 && name.len == 0) {

            if (ngx_http_apisec_shm_zone_param(cf, &value[i], &name, &size, 1)
                != NGX_CONF_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "valid=", 6) == 0
            && valid == NGX_CONF_UNSET)
        {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            valid = ngx_parse_time(&s, 1);

            if (valid == (time_t) NGX_ERROR || valid == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid time \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"zone\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    zone = ngx_shared_memory_add(cf, &name, size, &ngx_http_apisec_module);
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    ctx = zone->data;

    if (ctx == NULL) {
        ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_jwt_cache_ctx_t));
        if (ctx == NULL) {
            return NGX_CONF_ERROR;
        }

        ctx->valid = NGX_CONF_UNSET;
        ctx->shm.kind = &ngx_http_apisec_jwt_cache_kind;

        zone->init = ngx_http_apisec_jwt_cache_init_zone;
        zone->data = ctx;

    } else if (zone->init != ngx_http_apisec_jwt_cache_init_zone) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used for another purpose",
                           &name);
        return NGX_CONF_ERROR;
    }

    if (valid != NGX_CONF_UNSET) {
        if (ctx->valid != NGX_CONF_UNSET && ctx->valid != valid) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "zone \"%V\" is already used with "
                               "another \"valid=\"", &name);
            return NGX_CONF_ERROR;
        }

        ctx->valid = valid;
    }

    if (ngx_http_apisec_md(NGX_HTTP_APISEC_SHA256) == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "EVP_MD_fetch(\"SHA256\") failed");
        return NGX_CONF_ERROR;
    }

    *zp = zone;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_apisec_jwt_cache_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_apisec_jwt_cache_ctx_t  *ctx;

    ctx = shm_zone->data;

    if (ctx->valid == NGX_CONF_UNSET) {
        ctx->valid = NGX_HTTP_APISEC_JWT_CACHE_VALID;
    }

    /* a reload keeps the entries: each is bound to its key set */

    return ngx_http_apisec_shm_init_zone(shm_zone, data);
}


/*
 * SHA-256(signing input || key set fingerprint || its length in one byte):
 * the header and claims as received, verified by the same keys (the
 * length byte keeps a fingerprint of 32 bytes and one of 64 apart).  The
 * signature is not hashed: the entry holds it and a hit needs it byte for
 * byte, so that a miss hashes the signing input once for both the cache
 * and the verification: when "dgst" is not NULL, SHA-256(signing input)
 * is written there too, the digest RS256, PS256 and ES256 verify.
 * SHA-256 rather than SHA-512/256: as strong, and with the SHA extensions
 * of current x86 and ARM CPUs about twice as fast per byte.
 *
 * The last byte is the fingerprint's length and the fingerprint comes
 * right before it, so the hashed bytes tell the signing input and the
 * fingerprint apart: two keys are equal only for the same signing input
 * and key set (or a SHA-256 collision).  Nor can a key equal one of the
 * layout before the signature was kept, SHA-256(whole token || fingerprint
 * || length): read the same way, that would make the whole token, with
 * two dots, equal to a signing input, with one.  (A zone reused across a
 * reload only ever holds nodes of the same module binary anyway: another
 * binary is another zone tag, and nginx then makes a new zone.)
 */

ngx_int_t
ngx_http_apisec_jwt_cache_digest(ngx_str_t *keyset, ngx_str_t *input,
    u_char *digest, u_char *dgst)
{
    u_char       len;
    EVP_MD      *md;
    EVP_MD_CTX  *ctx, *copy;

    md = ngx_http_apisec_md(NGX_HTTP_APISEC_SHA256);
    ctx = ngx_http_apisec_md_ctx(NGX_HTTP_APISEC_SHA256);
    copy = ngx_http_apisec_md_ctx_spare();

    if (md == NULL || ctx == NULL || copy == NULL || keyset->len > 255) {
        return NGX_ERROR;
    }

    len = (u_char) keyset->len;

    if (!EVP_DigestInit_ex(ctx, md, NULL)
        || !EVP_DigestUpdate(ctx, input->data, input->len))
    {
        goto failed;
    }

    if (dgst) {
        if (!EVP_MD_CTX_copy_ex(copy, ctx)
            || !EVP_DigestFinal_ex(copy, dgst, NULL))
        {
            goto failed;
        }
    }

    if (!EVP_DigestUpdate(ctx, keyset->data, keyset->len)
        || !EVP_DigestUpdate(ctx, &len, 1)
        || !EVP_DigestFinal_ex(ctx, digest, NULL))
    {
        goto failed;
    }

    return NGX_OK;

failed:

    ERR_clear_error();
    return NGX_ERROR;
}


/* how long an entry of the zone may be used at most (valid=) */

time_t
ngx_http_apisec_jwt_cache_valid(ngx_shm_zone_t *zone)
{
    ngx_http_apisec_jwt_cache_ctx_t  *ctx;

    ctx = zone->data;

    return (ctx->valid == NGX_CONF_UNSET) ? NGX_HTTP_APISEC_JWT_CACHE_VALID
                                          : ctx->valid;
}


/*
 * NGX_OK: a hit, *expires is the entry's end; NGX_DECLINED: a miss.  A hit
 * needs the entry of the digest (signing input and key set) and, in it,
 * the very same signature text: same length, same bytes, compared in
 * constant time, so that the time a lookup takes tells nothing about how
 * much of a guessed signature matches the one verified.
 */

ngx_int_t
ngx_http_apisec_jwt_cache_lookup(ngx_shm_zone_t *zone, u_char *digest,
    ngx_str_t *sig, time_t *expires)
{
    uint32_t                           hash;
    ngx_int_t                          rc;
    ngx_str_t                          key;
    ngx_http_apisec_shm_node_t        *node;
    ngx_http_apisec_jwt_cache_ctx_t   *ctx;
    ngx_http_apisec_jwt_cache_node_t  *jn;

    ctx = zone->data;
    rc = NGX_DECLINED;

    key.len = NGX_HTTP_APISEC_DIGEST_LEN;
    key.data = digest;
    ngx_memcpy(&hash, digest, sizeof(uint32_t));

    ngx_shmtx_lock(&ctx->shm.shpool->mutex);

    node = ngx_http_apisec_shm_lookup(&ctx->shm, hash, &key);

    if (node) {
        jn = ngx_http_apisec_jwt_cache_node(node);

        if (jn->expires <= ngx_time()) {
            ngx_http_apisec_shm_free(&ctx->shm, node);

        } else if (jn->len == sig->len
                   && ngx_http_apisec_equal(ngx_http_apisec_jwt_cache_sig(jn),
                                            sig->data, sig->len))
        {
            *expires = jn->expires;
            ngx_http_apisec_shm_touch(&ctx->shm, node);
            rc = NGX_OK;
        }

        /* else another signature of the same header and claims: a miss */
    }

    ngx_shmtx_unlock(&ctx->shm.shpool->mutex);

    return rc;
}


/*
 * expires: the token's "exp", or 0 when it has none; the entry lives at
 * most "valid" seconds either way.  Returns the entry's end (also when no
 * room was found for it), or 0 when the token is not to be kept.
 *
 * One entry a digest: when the zone holds the digest with another
 * signature (ECDSA and RSA-PSS sign the same input differently each time,
 * an issuer may sign the same claims twice), the signature verified last
 * replaces it, in place when it is as long.  The same signature, stored by
 * another worker meanwhile, is left as it is.
 */

time_t
ngx_http_apisec_jwt_cache_store(ngx_shm_zone_t *zone, u_char *digest,
    ngx_str_t *sig, time_t expires, ngx_log_t *log)
{
    time_t                             now, limit;
    uint32_t                           hash;
    ngx_str_t                          key;
    ngx_http_apisec_shm_node_t        *node;
    ngx_http_apisec_jwt_cache_ctx_t   *ctx;
    ngx_http_apisec_jwt_cache_node_t  *jn;

    ctx = zone->data;
    now = ngx_time();

    limit = now + ctx->valid;

    if (expires == 0 || expires > limit) {
        expires = limit;
    }

    if (expires <= now) {
        return 0;
    }

    key.len = NGX_HTTP_APISEC_DIGEST_LEN;
    key.data = digest;
    ngx_memcpy(&hash, digest, sizeof(uint32_t));

    ngx_shmtx_lock(&ctx->shm.shpool->mutex);

    node = ngx_http_apisec_shm_lookup(&ctx->shm, hash, &key);

    if (node) {
        jn = ngx_http_apisec_jwt_cache_node(node);

        if (jn->len != sig->len) {
            ngx_http_apisec_shm_free(&ctx->shm, node);
            node = NULL;

        } else if (!ngx_http_apisec_equal(ngx_http_apisec_jwt_cache_sig(jn),
                                          sig->data, sig->len))
        {
            jn->expires = expires;
            ngx_memcpy(ngx_http_apisec_jwt_cache_sig(jn), sig->data,
                       sig->len);
            ngx_http_apisec_shm_touch(&ctx->shm, node);
        }
    }

    if (node == NULL) {
        node = ngx_http_apisec_shm_alloc(&ctx->shm, hash, &key, sig->len,
                                         ngx_current_msec, log);

        /* no room: the token was verified all the same, just not kept */

        if (node) {
            jn = ngx_http_apisec_jwt_cache_node(node);
            jn->expires = expires;
            jn->len = sig->len;
            ngx_memcpy(ngx_http_apisec_jwt_cache_sig(jn), sig->data,
                       sig->len);
        }
    }

    ngx_shmtx_unlock(&ctx->shm.shpool->mutex);

    return expires;
}


static ngx_uint_t
ngx_http_apisec_jwt_cache_idle(void *data, ngx_http_apisec_shm_node_t *node,
    ngx_msec_t now)
{
    return ngx_http_apisec_jwt_cache_node(node)->expires <= ngx_time();
}
