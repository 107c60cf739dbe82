
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec_shm.h"


/*
 * The store (see ngx_http_apisec_shm.h): one tree, one lookup, one
 * insert, one eviction policy and one "zone is full" policy for every
 * shared zone of the module.
 */


static void ngx_http_apisec_shm_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_uint_t ngx_http_apisec_shm_expire(ngx_http_apisec_shm_ctx_t *ctx,
    ngx_uint_t force, ngx_msec_t now);
static ngx_uint_t ngx_http_apisec_shm_binary_addr(
    ngx_http_apisec_shm_ctx_t *ctx);


/*
 * "zone=name:size" as limit_req_zone's, for every zone directive: the
 * name printable ASCII without quotes or backslashes (it goes into log
 * lines), the size 8 pages at least; "zone=name" alone only when the
 * size is optional (a zone declared elsewhere), *size is 0 then
 */

char *
ngx_http_apisec_shm_zone_param(ngx_conf_t *cf, ngx_str_t *value,
    ngx_str_t *name, ssize_t *size, ngx_uint_t optional)
{
    u_char     *p;
    ngx_str_t   s;
    ngx_uint_t  i;

    name->data = value->data + sizeof("zone=") - 1;
    name->len = value->len - (sizeof("zone=") - 1);

    p = ngx_strlchr(name->data, name->data + name->len, ':');

    if (p == NULL && !optional) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\", \"zone=name:size\" "
                           "expected", value);
        return NGX_CONF_ERROR;
    }

    *size = 0;

    if (p) {
        s.data = p + 1;
        s.len = name->data + name->len - s.data;
        name->len = p - name->data;

        *size = ngx_parse_size(&s);

        if (*size == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid zone size \"%V\"", value);
            return NGX_CONF_ERROR;
        }

        if (*size < (ssize_t) (8 * ngx_pagesize)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "zone \"%V\" is too small", value);
            return NGX_CONF_ERROR;
        }
    }

    if (name->len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone name \"%V\"", value);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < name->len; i++) {
        if (name->data[i] == '"' || name->data[i] == '\\'
            || name->data[i] <= ' ' || name->data[i] >= 0x7f)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid zone name \"%V\"", value);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static void
ngx_http_apisec_shm_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t           **p;
    ngx_http_apisec_shm_node_t   *sn, *snt;

    for ( ;; ) {

        if (node->key < temp->key) {

            p = &temp->left;

        } else if (node->key > temp->key) {

            p = &temp->right;

        } else { /* node->key == temp->key */

            sn = (ngx_http_apisec_shm_node_t *) &node->color;
            snt = (ngx_http_apisec_shm_node_t *) &temp->color;

            p = (ngx_memn2cmp(sn->data, snt->data, sn->len, snt->len) < 0)
                ? &temp->left : &temp->right;
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


/*
 * On a reload the zone's data are reused when the kind and the key are the
 * same (a zone of another size is a new zone: nginx maps new memory for
 * it); anything else fails the reload, as limit_req does.
 */

ngx_int_t
ngx_http_apisec_shm_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_apisec_shm_ctx_t  *octx = data;

    size_t                      len;
    ngx_http_apisec_shm_ctx_t  *ctx;

    ctx = shm_zone->data;

    if (octx) {
        if (octx->kind->size != ctx->kind->size
            || octx->kind->name.len != ctx->kind->name.len
            || ngx_strncmp(octx->kind->name.data, ctx->kind->name.data,
                           ctx->kind->name.len)
               != 0)
        {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "%V \"%V\" uses the zone "
                          "while previously %V used it",
                          &ctx->kind->name, &shm_zone->shm.name,
                          &octx->kind->name);
            return NGX_ERROR;
        }

        if (ctx->key.value.len != octx->key.value.len
            || ngx_strncmp(ctx->key.value.data, octx->key.value.data,
                           ctx->key.value.len)
               != 0)
        {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "%V \"%V\" uses the \"%V\" key "
                          "while previously it used the \"%V\" key",
                          &ctx->kind->name, &shm_zone->shm.name,
                          &ctx->key.value, &octx->key.value);
            return NGX_ERROR;
        }

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
                             sizeof(ngx_http_apisec_shm_shctx_t));
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(ctx->sh, sizeof(ngx_http_apisec_shm_shctx_t));

    ctx->shpool->data = ctx->sh;

    ngx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                    ngx_http_apisec_shm_rbtree_insert_value);

    ngx_queue_init(&ctx->sh->queue);

    len = sizeof(" in  \"\"") + ctx->kind->name.len + shm_zone->shm.name.len;

    ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->shpool->log_ctx, " in %V \"%V\"%Z",
                &ctx->kind->name, &shm_zone->shm.name);

    ctx->shpool->log_nomem = 0;

    return NGX_OK;
}


/*
 * A zone's key (limit and ban zones): a complex value; a key that is one
 * variable alone ("$binary_remote_addr", "${http_x_api_key}"), the common
 * case, is read by its index, without the script engine's two passes.
 */

char *
ngx_http_apisec_shm_compile_key(ngx_conf_t *cf, ngx_http_apisec_shm_ctx_t *ctx,
    ngx_str_t *value)
{
    u_char                            *p, *last;
    ngx_int_t                          index;
    ngx_str_t                          name;
    ngx_http_compile_complex_value_t   ccv;

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = value;
    ccv.complex_value = &ctx->key;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    p = value->data;
    last = p + value->len;

    if (value->len < 2 || *p++ != '$') {
        return NGX_CONF_OK;
    }

    if (*p == '{') {
        if (last[-1] != '}') {
            return NGX_CONF_OK;
        }

        p++;
        last--;
    }

    name.data = p;
    name.len = last - p;

    /* "$1": a capture, not a variable */

    if (name.len == 0 || (*p >= '0' && *p <= '9')) {
        return NGX_CONF_OK;
    }

    for ( /* void */ ; p < last; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_'))
        {
            return NGX_CONF_OK;
        }
    }

    index = ngx_http_get_variable_index(cf, &name);

    if (index == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }

    ctx->var = index + 1;

    return NGX_CONF_OK;
}


/* the key of a request, and its hash; NGX_DECLINED: empty, not counted */

ngx_int_t
ngx_http_apisec_shm_key(ngx_http_request_t *r, ngx_http_apisec_shm_ctx_t *ctx,
    ngx_str_t *key, uint32_t *hash)
{
    ngx_http_variable_value_t  *vv;

    if (ctx->var) {
        vv = ngx_http_get_flushed_variable(r, ctx->var - 1);

        if (vv == NULL) {
            return NGX_ERROR;
        }

        if (vv->not_found) {
            return NGX_DECLINED;
        }

        key->data = vv->data;
        key->len = vv->len;

    } else if (ngx_http_complex_value(r, &ctx->key, key) != NGX_OK) {
        return NGX_ERROR;
    }

    if (key->len == 0) {
        return NGX_DECLINED;
    }

    /* the length only: a key may hold a credential (an API key header) */

    if (key->len > 65535) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "the value of the \"%V\" key is %uz bytes, "
                      "more than 65535", &ctx->key.value, key->len);
        return NGX_DECLINED;
    }

    *hash = ngx_crc32_short(key->data, key->len);

    return NGX_OK;
}


/* under the zone's mutex */

ngx_http_apisec_shm_node_t *
ngx_http_apisec_shm_lookup(ngx_http_apisec_shm_ctx_t *ctx, uint32_t hash,
    ngx_str_t *key)
{
    ngx_int_t                    rc;
    ngx_rbtree_node_t           *node, *sentinel;
    ngx_http_apisec_shm_node_t  *sn;

    node = ctx->sh->rbtree.root;
    sentinel = ctx->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        /* hash == node->key */

        sn = (ngx_http_apisec_shm_node_t *) &node->color;

        rc = ngx_memn2cmp(key->data, sn->data, key->len, (size_t) sn->len);

        if (rc == 0) {
            return sn;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


void
ngx_http_apisec_shm_touch(ngx_http_apisec_shm_ctx_t *ctx,
    ngx_http_apisec_shm_node_t *node)
{
    ngx_queue_remove(&node->queue);
    ngx_queue_insert_head(&ctx->sh->queue, &node->queue);
}


/*
 * Under the zone's mutex: the key's node, touched, or a new one (*created
 * set; its value zeroed); NULL when the zone has no room (alloc() said so)
 */

ngx_http_apisec_shm_node_t *
ngx_http_apisec_shm_get(ngx_http_apisec_shm_ctx_t *ctx, uint32_t hash,
    ngx_str_t *key, ngx_msec_t now, ngx_log_t *log, ngx_uint_t *created)
{
    ngx_http_apisec_shm_node_t  *node;

    node = ngx_http_apisec_shm_lookup(ctx, hash, key);

    if (node) {
        ngx_http_apisec_shm_touch(ctx, node);
        *created = 0;
        return node;
    }

    *created = 1;

    return ngx_http_apisec_shm_alloc(ctx, hash, key, 0, now, log);
}


/*
 * Under the zone's mutex: a new node for the key, with kind->size + tail
 * bytes of value, the first kind->size of them zeroed.  Up to two idle
 * nodes go first; while the slab is still full, the least recently used
 * node that the zone does not keep goes by force (its key loses its
 * state, which is reported at most once a minute), up to
 * NGX_HTTP_APISEC_SHM_EVICT of them for a value of fixed size.  A kept
 * node (a ban in force) never goes: when no room is found, the new key is
 * refused, NULL, and that is an ALERT at most once a minute.
 */

ngx_http_apisec_shm_node_t *
ngx_http_apisec_shm_alloc(ngx_http_apisec_shm_ctx_t *ctx, uint32_t hash,
    ngx_str_t *key, size_t tail, ngx_msec_t now, ngx_log_t *log)
{
    size_t                        size;
    ngx_uint_t                    n, max;
    ngx_rbtree_node_t            *node;
    ngx_http_apisec_shm_node_t   *sn;
    ngx_http_apisec_shm_shctx_t  *sh;

    size = NGX_HTTP_APISEC_SHM_NODE + ngx_align(key->len, 8)
           + ctx->kind->size + tail;

    sh = ctx->sh;

    ngx_http_apisec_shm_expire(ctx, 0, now);

    node = ngx_slab_alloc_locked(ctx->shpool, size);

    /*
     * a value of variable size (an introspection answer) may need a page
     * of its slab class, or a run of pages, which only frees when every
     * entry on them goes: it may evict as many entries as the zone holds
     */

    max = tail ? sh->nodes : NGX_HTTP_APISEC_SHM_EVICT;

    for (n = 0; node == NULL && n < max; n++) {

        if (ngx_http_apisec_shm_expire(ctx, 1, now) == 0) {
            break;
        }

        node = ngx_slab_alloc_locked(ctx->shpool, size);
    }

    if (sh->evicted && now - sh->warned >= NGX_HTTP_APISEC_SHM_WARN_INTERVAL)
    {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "zone is full, %ui least recently used entries "
                      "evicted (%ui in all)%s",
                      sh->evicted, sh->evicted_total, ctx->shpool->log_ctx);

        sh->warned = now;
        sh->evicted = 0;
    }

    if (node == NULL) {
        sh->refused++;
        sh->refused_total++;

        if (sh->alerted == 0
            || now - sh->alerted >= NGX_HTTP_APISEC_SHM_WARN_INTERVAL)
        {
            ngx_log_error(NGX_LOG_ALERT, log, 0,
                          "could not allocate node%s: the zone is full and "
                          "no entry could be evicted, %ui new keys refused "
                          "(%ui in all)", ctx->shpool->log_ctx,
                          sh->refused, sh->refused_total);

            sh->alerted = now ? now : 1;
            sh->refused = 0;
        }

        return NULL;
    }

    node->key = hash;

    sn = (ngx_http_apisec_shm_node_t *) &node->color;

    sn->len = (u_short) key->len;
    sn->count = 0;

    ngx_memcpy(sn->data, key->data, key->len);
    ngx_memzero(ngx_http_apisec_shm_value(sn), ctx->kind->size);

    ngx_rbtree_insert(&sh->rbtree, node);

    ngx_queue_insert_head(&sh->queue, &sn->queue);

    sh->nodes++;
    sh->inserted++;

    return sn;
}


/* under the zone's mutex: a node goes (an expired cache entry) */

void
ngx_http_apisec_shm_free(ngx_http_apisec_shm_ctx_t *ctx,
    ngx_http_apisec_shm_node_t *sn)
{
    ngx_rbtree_node_t  *node;

    node = (ngx_rbtree_node_t *)
               ((u_char *) sn - offsetof(ngx_rbtree_node_t, color));

    ngx_queue_remove(&sn->queue);
    ngx_rbtree_delete(&ctx->sh->rbtree, node);
    ngx_slab_free_locked(ctx->shpool, node);

    ctx->sh->nodes--;
}


/*
 * force == 0 frees one or two idle nodes at the LRU end;
 * force == 1 frees the least recently used node whatever its state,
 *            then one or two idle nodes.
 * Neither frees a pinned node, nor a node the zone keeps: a kept node is
 * moved to the head of the queue, out of the way, up to
 * NGX_HTTP_APISEC_SHM_SKIP of them a pass, so that the nodes behind it may
 * go.  Returns how many nodes went.
 */

static ngx_uint_t
ngx_http_apisec_shm_expire(ngx_http_apisec_shm_ctx_t *ctx, ngx_uint_t force,
    ngx_msec_t now)
{
    ngx_uint_t                   n, skipped, freed;
    ngx_queue_t                 *q;
    ngx_http_apisec_shm_kind_t  *kind;
    ngx_http_apisec_shm_node_t  *sn;

    kind = ctx->kind;
    n = force ? 0 : 1;
    skipped = 0;
    freed = 0;

    while (n < 3) {

        if (ngx_queue_empty(&ctx->sh->queue)) {
            return freed;
        }

        q = ngx_queue_last(&ctx->sh->queue);

        sn = ngx_queue_data(q, ngx_http_apisec_shm_node_t, queue);

        if (sn->count) {

            /*
             * a pinned node is in use by a request being accounted; nodes
             * are bumped on lookup, so there is no sense looking further
             */

            return freed;
        }

        if (kind->keep && kind->keep(ctx, sn, now)) {

            if (++skipped > NGX_HTTP_APISEC_SHM_SKIP) {
                return freed;
            }

            ngx_queue_remove(q);
            ngx_queue_insert_head(&ctx->sh->queue, q);

            continue;
        }

        if (n++ != 0) {
            if (!kind->idle(ctx, sn, now)) {
                return freed;
            }

        } else if (!kind->idle(ctx, sn, now)) {
            ctx->sh->evicted++;
            ctx->sh->evicted_total++;
        }

        ngx_http_apisec_shm_free(ctx, sn);

        freed++;
    }

    return freed;
}


/*
 * A key for a log line, into buf of NGX_HTTP_APISEC_SHM_LOG_KEY_LEN bytes:
 * the address of a $binary_remote_addr key as text; any other key with
 * every byte outside '!' .. '~', and '"' and '\', as \xHH, its first
 * NGX_HTTP_APISEC_SHM_LOG_KEY bytes only, then "...".  A key comes from
 * the request: raw, it could forge log lines or terminal escapes.
 */

size_t
ngx_http_apisec_shm_log_key(ngx_http_apisec_shm_ctx_t *ctx, ngx_str_t *key,
    u_char *buf)
{
    u_char      *p, c;
    size_t       len;
    ngx_uint_t   i;

    static u_char  hex[] = "0123456789abcdef";

    if ((key->len == 4
#if (NGX_HAVE_INET6)
         || key->len == 16
#endif
        )
        && ngx_http_apisec_shm_binary_addr(ctx))
    {
        return ngx_inet_ntop(key->len == 4 ? AF_INET : AF_INET6, key->data,
                             buf, NGX_HTTP_APISEC_SHM_LOG_KEY_LEN);
    }

    p = buf;
    len = ngx_min(key->len, NGX_HTTP_APISEC_SHM_LOG_KEY);

    for (i = 0; i < len; i++) {
        c = key->data[i];

        if (c > ' ' && c < 0x7f && c != '"' && c != '\\') {
            *p++ = c;
            continue;
        }

        *p++ = '\\';
        *p++ = 'x';
        *p++ = hex[c >> 4];
        *p++ = hex[c & 0xf];
    }

    if (key->len > len) {
        p = ngx_cpymem(p, "...", 3);
    }

    return p - buf;
}


/* a zone keyed on the client's address in binary, $binary_remote_addr */

static ngx_uint_t
ngx_http_apisec_shm_binary_addr(ngx_http_apisec_shm_ctx_t *ctx)
{
    return (ctx->key.value.len == sizeof("$binary_remote_addr") - 1
            && ngx_strncmp(ctx->key.value.data, "$binary_remote_addr",
                           ctx->key.value.len)
               == 0);
}


/*
 * A key written by an operator (apisec_admin), the inverse of
 * ngx_http_apisec_shm_log_key() for addresses: in a $binary_remote_addr
 * zone an IPv4 or IPv6 address as text, into buf of 16 bytes at least, as
 * nginx makes the variable's value (4 or 16 bytes); in any other zone the
 * text itself.  NGX_DECLINED: not an address where one is needed, or
 * empty, or longer than a key may be.
 */

ngx_int_t
ngx_http_apisec_shm_text_key(ngx_http_apisec_shm_ctx_t *ctx,
    ngx_str_t *text, ngx_str_t *key, u_char *buf)
{
    in_addr_t  addr;

    if (text->len == 0 || text->len > 65535) {
        return NGX_DECLINED;
    }

    if (!ngx_http_apisec_shm_binary_addr(ctx)) {
        *key = *text;
        return NGX_OK;
    }

    addr = ngx_inet_addr(text->data, text->len);

    if (addr != INADDR_NONE) {
        ngx_memcpy(buf, &addr, 4);
        key->data = buf;
        key->len = 4;
        return NGX_OK;
    }

#if (NGX_HAVE_INET6)
    if (ngx_inet6_addr(text->data, text->len, buf) == NGX_OK) {
        key->data = buf;
        key->len = 16;
        return NGX_OK;
    }
#endif

    return NGX_DECLINED;
}


/*
 * Up to max nodes of the zone that pass test (all when it is NULL),
 * copied out for a reader that formats them after the lock: the memory
 * is taken before the lock, which is held only while walking and copying.
 * *more: nodes that passed beyond max.
 */

ngx_http_apisec_shm_copy_t *
ngx_http_apisec_shm_copy(ngx_http_apisec_shm_ctx_t *ctx,
    ngx_http_apisec_shm_test_pt test, ngx_pool_t *pool, ngx_uint_t max,
    ngx_uint_t *n, ngx_uint_t *more)
{
    u_char                      *p;
    size_t                       size;
    ngx_uint_t                   i;
    ngx_msec_t                   now;
    ngx_queue_t                 *q;
    ngx_http_apisec_shm_node_t  *node;
    ngx_http_apisec_shm_copy_t  *out;

    size = NGX_HTTP_APISEC_SHM_LOG_KEY + ngx_align(ctx->kind->size, 8);

    /*
     * room for the nodes the zone holds now (read unlocked, a hint): a
     * node added meanwhile is counted in *more
     */

    max = ngx_min(max, ctx->sh->nodes + 1);

    out = ngx_palloc(pool, max * (sizeof(ngx_http_apisec_shm_copy_t) + size));
    if (out == NULL) {
        return NULL;
    }

    p = (u_char *) (out + max);
    i = 0;
    *more = 0;
    now = ngx_current_msec;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    for (q = ngx_queue_head(&ctx->sh->queue);
         q != ngx_queue_sentinel(&ctx->sh->queue);
         q = ngx_queue_next(q))
    {
        node = ngx_queue_data(q, ngx_http_apisec_shm_node_t, queue);

        if (test && !test(ctx, node, now)) {
            continue;
        }

        if (i == max) {
            (*more)++;
            continue;
        }

        out[i].key.len = node->len;
        out[i].key.data = p;
        out[i].value = p + NGX_HTTP_APISEC_SHM_LOG_KEY;

        ngx_memcpy(p, node->data,
                   ngx_min(node->len, NGX_HTTP_APISEC_SHM_LOG_KEY));
        ngx_memcpy(out[i].value, ngx_http_apisec_shm_value(node),
                   ctx->kind->size);

        p += size;
        i++;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    *n = i;

    return out;
}


/* a zone keyed on one of the module's identity variables, "$apisec_..." */

ngx_uint_t
ngx_http_apisec_shm_identity_key(ngx_shm_zone_t *shm_zone)
{
    ngx_str_t                  *src;
    ngx_http_apisec_shm_ctx_t  *ctx;

    ctx = shm_zone->data;

    if (ctx == NULL) {
        return 0;
    }

    src = &ctx->key.value;

    return (ngx_strlcasestrn(src->data, src->data + src->len,
                             (u_char *) "$apisec_", 8 - 1) != NULL
            || ngx_strlcasestrn(src->data, src->data + src->len,
                                (u_char *) "${apisec_", 9 - 1) != NULL);
}


/* how many nodes of the zone its kind keeps now (bans in force), locked */

ngx_uint_t
ngx_http_apisec_shm_kept(ngx_http_apisec_shm_ctx_t *ctx)
{
    ngx_uint_t                   n;
    ngx_msec_t                   now;
    ngx_queue_t                 *q;
    ngx_http_apisec_shm_node_t  *node;

    if (ctx->kind->keep == NULL) {
        return 0;
    }

    n = 0;
    now = ngx_current_msec;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    for (q = ngx_queue_head(&ctx->sh->queue);
         q != ngx_queue_sentinel(&ctx->sh->queue);
         q = ngx_queue_next(q))
    {
        node = ngx_queue_data(q, ngx_http_apisec_shm_node_t, queue);

        if (ctx->kind->keep(ctx, node, now)) {
            n++;
        }
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return n;
}
