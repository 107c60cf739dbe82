
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <openssl/evp.h>
#include "ngx_http_apisec.h"
#include "ngx_http_apisec_jwt_cache.h"
#include "ngx_http_apisec_shm.h"


#define NGX_HTTP_APISEC_JWT_CACHE_VALID  300


/*
 * A verified token: the value of a cache zone's store node, whose key is
 * SHA-512/256(key set fingerprint || token), never the token itself.
 */
typedef struct {
    time_t                               expires;
} ngx_http_apisec_jwt_cache_node_t;

#define ngx_http_apisec_jwt_cache_node(sn)                                    \
    ((ngx_http_apisec_jwt_cache_node_t *) ngx_http_apisec_shm_value(sn))


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


/*
 * SHA-512/256 (FIPS 180-4): as strong as SHA-256 and, on 64-bit CPUs
 * without SHA extensions, about a third cheaper per token byte.  Fetched
 * once (an implicit fetch per EVP_DigestInit_ex() would cost a property
 * lookup on every request); one digest context a worker reuses: workers
 * are single-threaded
 */
static EVP_MD        *ngx_http_apisec_jwt_cache_md;
static EVP_MD_CTX    *ngx_http_apisec_jwt_cache_md_ctx;


/* apisec_jwt_cache off | zone=name[:size] [valid=time]; */

char *
ngx_http_apisec_jwt_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char                           *c;
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

            name.data = value[i].data + 5;

            c = (u_char *) ngx_strchr(name.data, ':');

            if (c) {
                name.len = c - name.data;

                s.data = c + 1;
                s.len = value[i].data + value[i].len - s.data;

                size = ngx_parse_size(&s);

                if (size == NGX_ERROR) {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "invalid zone size \"%V\"", &value[i]);
                    return NGX_CONF_ERROR;
                }

                if (size < (ssize_t) (8 * ngx_pagesize)) {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "zone \"%V\" is too small", &value[i]);
                    return NGX_CONF_ERROR;
                }

            } else {
                name.len = value[i].len - 5;
            }

            if (name.len == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone name \"%V\"", &value[i]);
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

    if (ngx_http_apisec_jwt_cache_md == NULL) {
        ngx_http_apisec_jwt_cache_md = EVP_MD_fetch(NULL, "SHA512-256", NULL);

        if (ngx_http_apisec_jwt_cache_md == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "EVP_MD_fetch(\"SHA512-256\") failed");
            return NGX_CONF_ERROR;
        }
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
 * SHA-512/256 of the key set's fingerprint and the whole token: a hit needs
 * the very same bytes, signature included, verified by the same keys.
 */

ngx_int_t
ngx_http_apisec_jwt_cache_digest(ngx_str_t *keyset, ngx_str_t *token,
    u_char *digest)
{
    EVP_MD_CTX  *md;

    md = ngx_http_apisec_jwt_cache_md_ctx;

    if (md == NULL) {
        md = EVP_MD_CTX_new();
        if (md == NULL) {
            return NGX_ERROR;
        }

        ngx_http_apisec_jwt_cache_md_ctx = md;
    }

    if (EVP_DigestInit_ex(md, ngx_http_apisec_jwt_cache_md, NULL) != 1
        || EVP_DigestUpdate(md, keyset->data, keyset->len) != 1
        || EVP_DigestUpdate(md, token->data, token->len) != 1
        || EVP_DigestFinal_ex(md, digest, NULL) != 1)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* NGX_OK: a hit, *expires is the entry's end; NGX_DECLINED: a miss */

ngx_int_t
ngx_http_apisec_jwt_cache_lookup(ngx_shm_zone_t *zone, u_char *digest,
    time_t *expires)
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

        if (jn->expires > ngx_time()) {
            *expires = jn->expires;
            ngx_http_apisec_shm_touch(&ctx->shm, node);
            rc = NGX_OK;

        } else {
            ngx_http_apisec_shm_free(&ctx->shm, node);
        }
    }

    ngx_shmtx_unlock(&ctx->shm.shpool->mutex);

    return rc;
}


/*
 * expires: the token's "exp", or 0 when it has none; the entry lives at
 * most "valid" seconds either way.  Returns the entry's end (also when no
 * room was found for it), or 0 when the token is not to be kept.
 */

time_t
ngx_http_apisec_jwt_cache_store(ngx_shm_zone_t *zone, u_char *digest,
    time_t expires, ngx_log_t *log)
{
    time_t                             now, limit;
    uint32_t                           hash;
    ngx_str_t                          key;
    ngx_http_apisec_shm_node_t        *node;
    ngx_http_apisec_jwt_cache_ctx_t   *ctx;

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

    if (node == NULL) {
        node = ngx_http_apisec_shm_alloc(&ctx->shm, hash, &key, 0,
                                         ngx_current_msec, log);

        /* no room: the token was verified all the same, just not kept */

        if (node) {
            ngx_http_apisec_jwt_cache_node(node)->expires = expires;
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


/*
 * At process exit: the digest fetched at configuration and the context of
 * the workers, kept in statics that nginx unloads with the module.
 */

void
ngx_http_apisec_jwt_cache_exit(void)
{
    if (ngx_http_apisec_jwt_cache_md_ctx) {
        EVP_MD_CTX_free(ngx_http_apisec_jwt_cache_md_ctx);
        ngx_http_apisec_jwt_cache_md_ctx = NULL;
    }

    if (ngx_http_apisec_jwt_cache_md) {
        EVP_MD_free(ngx_http_apisec_jwt_cache_md);
        ngx_http_apisec_jwt_cache_md = NULL;
    }
}
