
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_REDIS_H_INCLUDED_
#define _NGX_HTTP_APISEC_REDIS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * Limit and ban zones shared by every nginx node through Redis
 * (docs/cluster.md).  Each worker talks to Redis on its own event loop:
 * a few connections, many requests' commands pipelined on each, the
 * answers read in order (a FIFO of waiters a connection).  A request that
 * waits for its answer returns NGX_AGAIN from the access phase and runs
 * it again when the answer has landed, as for a subrequest; the answer
 * stays in the request state (a "call"), so the second run finds it and
 * counts nothing twice.
 */


/* fallback= of a zone: what it does while its Redis does not answer */
#define NGX_HTTP_APISEC_REDIS_LOCAL     0   /* the node's own zone */
#define NGX_HTTP_APISEC_REDIS_OPEN      1   /* nothing counted or refused */
#define NGX_HTTP_APISEC_REDIS_CLOSED    2   /* refused, 429 */

/* what a call asks */
#define NGX_HTTP_APISEC_REDIS_LIMIT     0   /* GCRA: {admitted, excess} */
#define NGX_HTTP_APISEC_REDIS_BANNED    1   /* ms of a ban left, or <= 0 */
#define NGX_HTTP_APISEC_REDIS_FAILURE   2   /* ms of a new ban, or 0 */
#define NGX_HTTP_APISEC_REDIS_REFUND    3   /* a charge taken back */
#define NGX_HTTP_APISEC_REDIS_AUTH      4   /* the handshake: +OK */
#define NGX_HTTP_APISEC_REDIS_LOAD      5   /* the handshake: a sha1 */

/* a call's state */
#define NGX_HTTP_APISEC_REDIS_PENDING   0
#define NGX_HTTP_APISEC_REDIS_DONE      1   /* Redis answered: value[] */
#define NGX_HTTP_APISEC_REDIS_FALLBACK  2   /* it did not: zone's fallback */


typedef struct ngx_http_apisec_redis_s  ngx_http_apisec_redis_t;
typedef struct ngx_http_apisec_redis_waiter_s
    ngx_http_apisec_redis_waiter_t;


/* a zone's "redis=name [fallback=...]", in the conf pool */
typedef struct ngx_http_apisec_redis_zone_s {
    ngx_http_apisec_redis_t        *redis;
    ngx_uint_t                      fallback;
    ngx_str_t                       name;       /* the zone's */
    ngx_str_t                       prefix;     /* "<prefix>apisec:<zone>:" */
} ngx_http_apisec_redis_zone_t;


/* one question of a request to Redis, in the main request's pool */
typedef struct {
    ngx_shm_zone_t                 *shm_zone;
    ngx_uint_t                      what;       /* NGX_HTTP_APISEC_REDIS_* */
    ngx_str_t                       key;        /* the zone's key */
    ngx_uint_t                      state;
    int64_t                         value[2];
    ngx_http_apisec_redis_waiter_t *waiter;     /* while pending */
    void                           *req;        /* the request's calls */
} ngx_http_apisec_redis_call_t;


/* configuration */
char *ngx_http_apisec_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_apisec_redis_zone_param(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_apisec_redis_zone_t **rzp);
char *ngx_http_apisec_redis_zone_done(ngx_conf_t *cf,
    ngx_http_apisec_redis_zone_t *rz, ngx_str_t *name);

/*
 * The request's question about a zone: NGX_OK and *call when answered
 * (or fallen back), NGX_AGAIN while it waits (asked now or earlier),
 * NGX_ERROR.  args: LIMIT rate (r/d), burst (milli-requests); FAILURE
 * threshold, window (ms), duration (ms); BANNED none.
 */
ngx_int_t ngx_http_apisec_redis_ask(ngx_http_request_t *r,
    ngx_shm_zone_t *shm_zone, ngx_http_apisec_redis_zone_t *rz,
    ngx_uint_t what, ngx_str_t *key, int64_t *args,
    ngx_http_apisec_redis_call_t **callp);

/* the access phase waits for the request's pending calls: NGX_AGAIN */
ngx_int_t ngx_http_apisec_redis_wait(ngx_http_request_t *r);

/* a charge of a limit that another limit refused, taken back */
void ngx_http_apisec_redis_refund(ngx_http_apisec_redis_call_t *call,
    ngx_http_apisec_redis_zone_t *rz, ngx_log_t *log);

/* the process exits: its connections go, with what they hold */
void ngx_http_apisec_redis_exit(ngx_cycle_t *cycle);

/* apisec_status: the i-th apisec_redis, NGX_DECLINED past the last */
ngx_int_t ngx_http_apisec_redis_state(ngx_cycle_t *cycle, ngx_uint_t i,
    ngx_str_t *name, ngx_uint_t *up, ngx_uint_t *fallbacks);


/*
 * The answers: hiredis's reader, with reply objects of our own bounds
 * (ngx_http_apisec_redis_reader_create(), a redisReader *), and what an
 * answer means for a question; for the fuzz target too.
 */
typedef struct redisReply  ngx_http_apisec_redis_reply_t;

#define NGX_HTTP_APISEC_REDIS_NOSCRIPT  1   /* EVALSHA of an unknown sha */

ngx_int_t ngx_http_apisec_redis_interpret(ngx_http_apisec_redis_reply_t *rp,
    ngx_uint_t what, int64_t *value);
void *ngx_http_apisec_redis_reader_create(void);


#endif /* _NGX_HTTP_APISEC_REDIS_H_INCLUDED_ */
