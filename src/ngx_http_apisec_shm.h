
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_SHM_H_INCLUDED_
#define _NGX_HTTP_APISEC_SHM_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * The store: the one shared-memory key/value store of the module, under
 * the rate limits, the bans, the verified-token cache and the
 * introspection cache.  A zone is a slab pool holding one
 * ngx_http_apisec_shm_shctx_t (rbtree, sentinel, LRU queue, counters) and
 * the nodes; its kind (ngx_http_apisec_shm_kind_t) says how big a value
 * is and which nodes may go.
 *
 * A node, in one slab allocation (64-bit sizes):
 *
 *     ngx_rbtree_node_t up to color  32  key: hash of the key
 *     ngx_http_apisec_shm_node_t     24  color, key length, pins, LRU link
 *     key bytes                       len, rounded up to 8
 *     value                           kind->size (+ a variable tail)
 *
 * so NGX_HTTP_APISEC_SHM_NODE (56) + ngx_align(len, 8) + value bytes,
 * which the slab rounds up to a power of two (8 .. 2048 bytes), or to
 * whole 4 KiB pages above 2048.  The values are each kind's typed view
 * (ngx_http_apisec_limit_node_t, ...).  Only numbers and bytes live
 * here: no pointer to conf, pool or worker memory.
 */


/* a forced eviction or a refused entry is reported at most this often */
#define NGX_HTTP_APISEC_SHM_WARN_INTERVAL  60000

/* how many kept nodes one eviction pass steps over before it gives up */
#define NGX_HTTP_APISEC_SHM_SKIP           32

/* how many forced evictions one new node may cost at most */
#define NGX_HTTP_APISEC_SHM_EVICT          8

/* a key in a log line: this many bytes of it at most, each as \xHH */
#define NGX_HTTP_APISEC_SHM_LOG_KEY        64
#define NGX_HTTP_APISEC_SHM_LOG_KEY_LEN                                       \
    (NGX_HTTP_APISEC_SHM_LOG_KEY * 4 + sizeof("...") - 1)


/* follows the rbtree node's "color" byte, as limit_req's node */

typedef struct {
    u_char                        color;
    u_char                        dummy;
    u_short                       len;      /* of the key */
    uint32_t                      count;    /* pinned by pending requests */
    ngx_queue_t                   queue;    /* LRU: most recent at head */
    u_char                        data[1];  /* the key, then the value */
} ngx_http_apisec_shm_node_t;


/* bytes of a node before its key */
#define NGX_HTTP_APISEC_SHM_NODE                                              \
    (offsetof(ngx_rbtree_node_t, color)                                       \
     + offsetof(ngx_http_apisec_shm_node_t, data))

/* the value area of a node: after the key, 8-byte aligned */
#define ngx_http_apisec_shm_value(node)                                       \
    ((void *) ((node)->data + ngx_align((node)->len, 8)))


typedef struct {
    ngx_rbtree_t                  rbtree;
    ngx_rbtree_node_t             sentinel;
    ngx_queue_t                   queue;
    ngx_msec_t                    warned;   /* last eviction warning */
    ngx_msec_t                    alerted;  /* last "refused" alert */
    ngx_uint_t                    evicted;  /* since the last warning */
    ngx_uint_t                    evicted_total;
    ngx_uint_t                    refused;  /* since the last alert */
    ngx_uint_t                    refused_total;
    ngx_uint_t                    nodes;
    ngx_uint_t                    inserted; /* serial number of the last */
} ngx_http_apisec_shm_shctx_t;


/*
 * idle: the node may go without loss (drained, expired);
 * keep: the node must never go, not even by force (a ban in force).
 * data is the zone's ctx.
 */
typedef ngx_uint_t (*ngx_http_apisec_shm_test_pt)(void *data,
    ngx_http_apisec_shm_node_t *node, ngx_msec_t now);


typedef struct {
    ngx_str_t                     name;     /* "apisec_limit_zone", ... */
    size_t                        size;     /* of a value, or of its head */
    ngx_http_apisec_shm_test_pt   idle;
    ngx_http_apisec_shm_test_pt   keep;     /* NULL: anything may go */
} ngx_http_apisec_shm_kind_t;


/* a zone, in the conf pool: the first member of each kind's zone ctx */
typedef struct {
    ngx_http_apisec_shm_shctx_t  *sh;
    ngx_slab_pool_t              *shpool;
    ngx_http_complex_value_t      key;      /* limit and ban zones */
    ngx_uint_t                    var;      /* key is one $variable: its
                                               index + 1; 0: not */
    ngx_http_apisec_shm_kind_t   *kind;
    struct ngx_http_apisec_redis_zone_s  *redis;    /* NULL: this node's */
} ngx_http_apisec_shm_ctx_t;


/*
 * a node copied out of the zone (ngx_http_apisec_shm_copy()): key.len is
 * the key's own length, key.data holds its first NGX_HTTP_APISEC_SHM_LOG_KEY
 * bytes at most (what ngx_http_apisec_shm_log_key() prints), value a copy
 * of kind->size bytes
 */
typedef struct {
    ngx_str_t                     key;
    void                         *value;
} ngx_http_apisec_shm_copy_t;


ngx_uint_t ngx_http_apisec_shm_identity_key(ngx_shm_zone_t *shm_zone);
ngx_uint_t ngx_http_apisec_shm_kept(ngx_http_apisec_shm_ctx_t *ctx);
char *ngx_http_apisec_shm_zone_param(ngx_conf_t *cf, ngx_str_t *value,
    ngx_str_t *name, ssize_t *size, ngx_uint_t optional);
ngx_int_t ngx_http_apisec_shm_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
char *ngx_http_apisec_shm_compile_key(ngx_conf_t *cf,
    ngx_http_apisec_shm_ctx_t *ctx, ngx_str_t *value);
ngx_int_t ngx_http_apisec_shm_key(ngx_http_request_t *r,
    ngx_http_apisec_shm_ctx_t *ctx, ngx_str_t *key, uint32_t *hash);
ngx_http_apisec_shm_node_t *ngx_http_apisec_shm_lookup(
    ngx_http_apisec_shm_ctx_t *ctx, uint32_t hash, ngx_str_t *key);
ngx_http_apisec_shm_node_t *ngx_http_apisec_shm_get(
    ngx_http_apisec_shm_ctx_t *ctx, uint32_t hash, ngx_str_t *key,
    ngx_msec_t now, ngx_log_t *log, ngx_uint_t *created);
ngx_http_apisec_shm_node_t *ngx_http_apisec_shm_alloc(
    ngx_http_apisec_shm_ctx_t *ctx, uint32_t hash, ngx_str_t *key,
    size_t tail, ngx_msec_t now, ngx_log_t *log);
void ngx_http_apisec_shm_free(ngx_http_apisec_shm_ctx_t *ctx,
    ngx_http_apisec_shm_node_t *node);
size_t ngx_http_apisec_shm_log_key(ngx_http_apisec_shm_ctx_t *ctx,
    ngx_str_t *key, u_char *buf);
ngx_int_t ngx_http_apisec_shm_text_key(ngx_http_apisec_shm_ctx_t *ctx,
    ngx_str_t *text, ngx_str_t *key, u_char *buf);
ngx_http_apisec_shm_copy_t *ngx_http_apisec_shm_copy(
    ngx_http_apisec_shm_ctx_t *ctx, ngx_http_apisec_shm_test_pt test,
    ngx_pool_t *pool, ngx_uint_t max, ngx_uint_t *n, ngx_uint_t *more);
void ngx_http_apisec_shm_touch(ngx_http_apisec_shm_ctx_t *ctx,
    ngx_http_apisec_shm_node_t *node);


#endif /* _NGX_HTTP_APISEC_SHM_H_INCLUDED_ */
