
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"
#include "ngx_http_apisec_jwt_cache.h"


#define NGX_HTTP_APISEC_JWT_CACHE_VALID  300


typedef struct {
    ngx_rbtree_node_t                    node;   /* key: digest's 1st word */
    ngx_queue_t                          queue;
    time_t                               expires;
    u_char                               digest[NGX_HTTP_APISEC_DIGEST_LEN];
} ngx_http_apisec_jwt_cache_node_t;


typedef struct {
    ngx_rbtree_t                         rbtree;
    ngx_rbtree_node_t                    sentinel;
    ngx_queue_t                          queue;
    time_t                               nomem_logged;
} ngx_http_apisec_jwt_cache_shctx_t;


typedef struct {
    ngx_http_apisec_jwt_cache_shctx_t   *sh;
    ngx_slab_pool_t                     *shpool;
    time_t                               valid;
} ngx_http_apisec_jwt_cache_ctx_t;


static ngx_int_t ngx_http_apisec_jwt_cache_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_apisec_jwt_cache_rbtree_insert_value(
    ngx_rbtree_node_t *temp, ngx_rbtree_node_t *node,
    ngx_rbtree_node_t *sentinel);
static ngx_http_apisec_jwt_cache_node_t *ngx_http_apisec_jwt_cache_find(
    ngx_http_apisec_jwt_cache_shctx_t *sh, u_char *digest);
static void ngx_http_apisec_jwt_cache_expire(
    ngx_http_apisec_jwt_cache_ctx_t *ctx, ngx_uint_t n);


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

    if (ngx_http_apisec_md(NGX_HTTP_APISEC_SHA512_256) == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "EVP_MD_fetch(\"SHA512-256\") failed");
        return NGX_CONF_ERROR;
    }

    *zp = zone;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_apisec_jwt_cache_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_apisec_jwt_cache_ctx_t  *octx = data;

    size_t                            len;
    ngx_http_apisec_jwt_cache_ctx_t  *ctx;

    ctx = shm_zone->data;

    if (ctx->valid == NGX_CONF_UNSET) {
        ctx->valid = NGX_HTTP_APISEC_JWT_CACHE_VALID;
    }

    if (octx) {
        /* a reload: the tree of the previous cycle is kept as it is */
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;
        return NGX_OK;
    }

    ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        ctx->sh = ctx->shpool->data;
        return NGX_OK;
    }

    ctx->sh = ngx_slab_alloc(ctx->shpool,
                             sizeof(ngx_http_apisec_jwt_cache_shctx_t));
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    ctx->shpool->data = ctx->sh;

    ngx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                    ngx_http_apisec_jwt_cache_rbtree_insert_value);

    ngx_queue_init(&ctx->sh->queue);

    ctx->sh->nomem_logged = 0;

    len = sizeof(" in apisec_jwt_cache zone \"\"") + shm_zone->shm.name.len;

    ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->shpool->log_ctx, " in apisec_jwt_cache zone \"%V\"%Z",
                &shm_zone->shm.name);

    ctx->shpool->log_nomem = 0;

    return NGX_OK;
}


/*
 * SHA-512/256 (FIPS 180-4) of the key set's fingerprint and the whole
 * token: a hit needs the very same bytes, signature included, verified by
 * the same keys.  As strong as SHA-256 and, on 64-bit CPUs without SHA
 * extensions, about a third cheaper per token byte.
 */

ngx_int_t
ngx_http_apisec_jwt_cache_digest(ngx_str_t *keyset, ngx_str_t *token,
    u_char *digest)
{
    ngx_str_t  parts[2];

    parts[0] = *keyset;
    parts[1] = *token;

    return ngx_http_apisec_digest(NGX_HTTP_APISEC_SHA512_256, digest, parts,
                                  2, 0);
}


/* NGX_OK: a hit, *expires is the entry's end; NGX_DECLINED: a miss */

ngx_int_t
ngx_http_apisec_jwt_cache_lookup(ngx_shm_zone_t *zone, u_char *digest,
    time_t *expires)
{
    ngx_int_t                          rc;
    ngx_http_apisec_jwt_cache_ctx_t   *ctx;
    ngx_http_apisec_jwt_cache_node_t  *node;

    ctx = zone->data;
    rc = NGX_DECLINED;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    node = ngx_http_apisec_jwt_cache_find(ctx->sh, digest);

    if (node) {
        if (node->expires > ngx_time()) {
            *expires = node->expires;
            ngx_queue_remove(&node->queue);
            ngx_queue_insert_head(&ctx->sh->queue, &node->queue);
            rc = NGX_OK;

        } else {
            ngx_queue_remove(&node->queue);
            ngx_rbtree_delete(&ctx->sh->rbtree, &node->node);
            ngx_slab_free_locked(ctx->shpool, node);
        }
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

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
    ngx_uint_t                         tries;
    ngx_http_apisec_jwt_cache_ctx_t   *ctx;
    ngx_http_apisec_jwt_cache_node_t  *node;

    ctx = zone->data;
    now = ngx_time();

    limit = now + ctx->valid;

    if (expires == 0 || expires > limit) {
        expires = limit;
    }

    if (expires <= now) {
        return 0;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    if (ngx_http_apisec_jwt_cache_find(ctx->sh, digest) != NULL) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return expires;
    }

    ngx_http_apisec_jwt_cache_expire(ctx, 1);

    for (tries = 0; /* void */; tries++) {

        node = ngx_slab_alloc_locked(ctx->shpool,
                                     sizeof(ngx_http_apisec_jwt_cache_node_t));
        if (node) {
            break;
        }

        if (tries == 8 || ngx_queue_empty(&ctx->sh->queue)) {
            if (ctx->sh->nomem_logged + 60 <= now) {
                ctx->sh->nomem_logged = now;
                ngx_log_error(NGX_LOG_ALERT, log, 0,
                              "could not allocate node%s",
                              ctx->shpool->log_ctx);
            }

            ngx_shmtx_unlock(&ctx->shpool->mutex);
            return expires;
        }

        /* full: the least recently used entries make room */
        ngx_http_apisec_jwt_cache_expire(ctx, 0);
    }

    ngx_memcpy(node->digest, digest, NGX_HTTP_APISEC_DIGEST_LEN);
    ngx_memcpy(&node->node.key, digest, sizeof(uint32_t));
    node->expires = expires;

    ngx_rbtree_insert(&ctx->sh->rbtree, &node->node);
    ngx_queue_insert_head(&ctx->sh->queue, &node->queue);

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return expires;
}


static ngx_http_apisec_jwt_cache_node_t *
ngx_http_apisec_jwt_cache_find(ngx_http_apisec_jwt_cache_shctx_t *sh,
    u_char *digest)
{
    ngx_int_t                          rc;
    ngx_rbtree_key_t                   key;
    ngx_rbtree_node_t                 *node, *sentinel;
    ngx_http_apisec_jwt_cache_node_t  *n;

    key = 0;
    ngx_memcpy(&key, digest, sizeof(uint32_t));

    node = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    while (node != sentinel) {

        if (key < node->key) {
            node = node->left;
            continue;
        }

        if (key > node->key) {
            node = node->right;
            continue;
        }

        /* key == node->key */

        n = (ngx_http_apisec_jwt_cache_node_t *) node;

        rc = ngx_memcmp(digest, n->digest, NGX_HTTP_APISEC_DIGEST_LEN);

        if (rc == 0) {
            return n;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


/*
 * n == 1: free up to two expired entries from the LRU tail (as limit_req);
 * n == 0: free the least recently used entry whatever its expiry.
 */

static void
ngx_http_apisec_jwt_cache_expire(ngx_http_apisec_jwt_cache_ctx_t *ctx,
    ngx_uint_t n)
{
    time_t                             now;
    ngx_uint_t                         i;
    ngx_queue_t                       *q;
    ngx_http_apisec_jwt_cache_node_t  *node;

    now = ngx_time();

    for (i = 0; i < 2; i++) {

        if (ngx_queue_empty(&ctx->sh->queue)) {
            return;
        }

        q = ngx_queue_last(&ctx->sh->queue);

        node = ngx_queue_data(q, ngx_http_apisec_jwt_cache_node_t, queue);

        if (n && node->expires > now) {
            return;
        }

        ngx_queue_remove(q);
        ngx_rbtree_delete(&ctx->sh->rbtree, &node->node);
        ngx_slab_free_locked(ctx->shpool, node);

        if (n == 0) {
            return;
        }
    }
}


static void
ngx_http_apisec_jwt_cache_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t                 **p;
    ngx_http_apisec_jwt_cache_node_t   *n, *t;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else { /* node->key == temp->key */

            n = (ngx_http_apisec_jwt_cache_node_t *) node;
            t = (ngx_http_apisec_jwt_cache_node_t *) temp;

            p = (ngx_memcmp(n->digest, t->digest, NGX_HTTP_APISEC_DIGEST_LEN)
                 < 0) ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}
