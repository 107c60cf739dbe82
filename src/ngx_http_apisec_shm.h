
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_SHM_H_INCLUDED_
#define _NGX_HTTP_APISEC_SHM_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* a forced eviction or a refused entry is reported at most this often */
#define NGX_HTTP_APISEC_SHM_WARN_INTERVAL  60000

/* how many kept nodes one eviction pass steps over before it gives up */
#define NGX_HTTP_APISEC_SHM_SKIP           32

/* a key in a log line: this many bytes of it at most, each as \xHH */
#define NGX_HTTP_APISEC_SHM_LOG_KEY        64
#define NGX_HTTP_APISEC_SHM_LOG_KEY_LEN                                       \
    (NGX_HTTP_APISEC_SHM_LOG_KEY * 4 + sizeof("...") - 1)


/*
 * One key of a limit or ban zone, as limit_req's node: it follows the
 * rbtree node's "color" byte.  The meaning of a, b and until is the
 * zone's (limit: excess and rate; ban: failures and window start).
 * Only numbers live here: no pointer to conf, pool or worker memory.
 */

typedef struct {
    u_char                        color;
    u_char                        dummy;
    u_short                       len;
    ngx_queue_t                   queue;
    ngx_msec_t                    last;
    ngx_msec_t                    until;
    uint64_t                      a;
    uint64_t                      b;
    ngx_uint_t                    count;    /* pinned by a pending request */
    u_char                        data[1];
} ngx_http_apisec_shm_node_t;


typedef struct {
    ngx_rbtree_t                  rbtree;
    ngx_rbtree_node_t             sentinel;
    ngx_queue_t                   queue;
    ngx_msec_t                    warned;   /* last eviction warning */
    ngx_atomic_uint_t             evicted;  /* since the last warning */
    ngx_atomic_uint_t             evicted_total;
    ngx_atomic_uint_t             nodes;
    ngx_msec_t                    alerted;  /* last "refused" alert */
    ngx_atomic_uint_t             refused;  /* since the last alert */
    ngx_atomic_uint_t             refused_total;
} ngx_http_apisec_shm_sh_t;


/* a node may go when it is idle and its state carries nothing any more */
typedef ngx_uint_t (*ngx_http_apisec_shm_idle_pt)(void *data,
    ngx_http_apisec_shm_node_t *node, ngx_msec_t now);


/* a node that must never be evicted, not even by force (a ban in force) */
typedef ngx_uint_t (*ngx_http_apisec_shm_keep_pt)(void *data,
    ngx_http_apisec_shm_node_t *node, ngx_msec_t now);


/* the part of a zone's ctx (conf pool) the helpers use; first member */
typedef struct {
    ngx_http_apisec_shm_sh_t     *sh;
    ngx_slab_pool_t              *shpool;
    ngx_http_complex_value_t      key;
    ngx_str_t                     kind;     /* "apisec_limit_zone", ... */
    ngx_http_apisec_shm_idle_pt   idle;
    ngx_http_apisec_shm_keep_pt   keep;     /* NULL: anything may go */
} ngx_http_apisec_shm_ctx_t;


char *ngx_http_apisec_shm_parse_size(ngx_conf_t *cf, ngx_str_t *value,
    ssize_t *size);
char *ngx_http_apisec_shm_zone_param(ngx_conf_t *cf, ngx_str_t *value,
    ngx_str_t *name, ssize_t *size, ngx_uint_t optional);
ngx_int_t ngx_http_apisec_shm_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
ngx_int_t ngx_http_apisec_shm_key(ngx_http_request_t *r,
    ngx_http_apisec_shm_ctx_t *ctx, ngx_str_t *key, uint32_t *hash);
ngx_http_apisec_shm_node_t *ngx_http_apisec_shm_lookup(
    ngx_http_apisec_shm_ctx_t *ctx, uint32_t hash, ngx_str_t *key);
ngx_http_apisec_shm_node_t *ngx_http_apisec_shm_alloc(
    ngx_http_apisec_shm_ctx_t *ctx, uint32_t hash, ngx_str_t *key,
    ngx_msec_t now, ngx_log_t *log);
size_t ngx_http_apisec_shm_log_key(ngx_http_apisec_shm_ctx_t *ctx,
    ngx_str_t *key, u_char *buf);
void ngx_http_apisec_shm_touch(ngx_http_apisec_shm_ctx_t *ctx,
    ngx_http_apisec_shm_node_t *node);


#endif /* _NGX_HTTP_APISEC_SHM_H_INCLUDED_ */
