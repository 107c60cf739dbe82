
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"
#include "ngx_http_apisec_shm.h"


#define NGX_HTTP_APISEC_LIMIT_PASSED            1
#define NGX_HTTP_APISEC_LIMIT_DELAYED           2
#define NGX_HTTP_APISEC_LIMIT_REJECTED          3
#define NGX_HTTP_APISEC_LIMIT_DELAYED_DRY_RUN   4
#define NGX_HTTP_APISEC_LIMIT_REJECTED_DRY_RUN  5

#define NGX_HTTP_APISEC_LIMIT_NODELAY           ((uint64_t) -1)


typedef struct {
    ngx_http_apisec_shm_ctx_t       shm;        /* first: the store's part */
    uint64_t                        rate;       /* requests a day */
} ngx_http_apisec_limit_zone_t;


/* a key's bucket: the value of a limit zone's store node */
typedef struct {
    uint64_t                        excess;     /* milli-requests */
    uint64_t                        rate;       /* last counted with */
    ngx_msec_t                      last;       /* last drained */
} ngx_http_apisec_limit_node_t;

#define ngx_http_apisec_limit_node(sn)                                        \
    ((ngx_http_apisec_limit_node_t *) ngx_http_apisec_shm_value(sn))


typedef struct {
    ngx_shm_zone_t                 *shm_zone;
    uint64_t                        burst;      /* milli-requests */
    uint64_t                        delay;      /* milli-requests */
    ngx_uint_t                      dry_run;    /* unsigned dry_run:1 */
} ngx_http_apisec_limit_t;


/* one limit's decision for the request */
typedef struct {
    ngx_http_apisec_limit_t        *limit;
    ngx_http_apisec_shm_node_t     *node;       /* pinned while accounting */
    ngx_http_apisec_redis_call_t   *redis;      /* charged in Redis */
    uint64_t                        rate;
    uint64_t                        excess;     /* the level it found */
    uint64_t                        level;      /* after the decision */
    unsigned                        counted:1;
    unsigned                        earlier:1;  /* by an earlier pass */
    unsigned                        charged:1;
    unsigned                        refused:1;
    unsigned                        nomem:1;
} ngx_http_apisec_limit_state_t;


/*
 * Per main request and pass, in the request state (request.c): it survives
 * internal redirects, so that a zone charges a request once
 * however often the access phase runs for it (redirects, the end of a
 * delay), while a location reached by a redirect still applies the zones
 * no earlier pass applied.  The newest is found first.
 */
typedef struct ngx_http_apisec_limit_req_s  ngx_http_apisec_limit_req_t;

struct ngx_http_apisec_limit_req_s {
    ngx_uint_t                      status;     /* $apisec_limit_status */
    ngx_uint_t                      nstates;
    ngx_http_apisec_limit_state_t  *states;
    ngx_http_apisec_limit_req_t    *prev;       /* an earlier pass's */
};


static ngx_http_apisec_limit_req_t *ngx_http_apisec_limit_get(
    ngx_http_request_t *r);
static ngx_http_apisec_limit_state_t *ngx_http_apisec_limit_earlier(
    ngx_http_apisec_limit_req_t *lr, ngx_shm_zone_t *shm_zone);
static void ngx_http_apisec_limit_unpin(ngx_http_apisec_limit_req_t *lr,
    ngx_uint_t refund);
static ngx_int_t ngx_http_apisec_limit_refuse(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_http_apisec_limit_req_t *lr);
static void ngx_http_apisec_limit_delay(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_limit_redis(ngx_http_request_t *r,
    ngx_http_apisec_limit_req_t *prev, ngx_http_apisec_limit_t *limits,
    ngx_uint_t n, uint64_t rate);
static ngx_uint_t ngx_http_apisec_limit_idle(void *data,
    ngx_http_apisec_shm_node_t *node, ngx_msec_t now);
static u_char *ngx_http_apisec_limit_policy(u_char *p, ngx_str_t *name,
    uint64_t rate);
static ngx_int_t ngx_http_apisec_limit_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


/* a tag of its own: a limit zone and a ban zone may not share a name */
static ngx_uint_t  ngx_http_apisec_limit_tag;

static ngx_http_apisec_shm_kind_t  ngx_http_apisec_limit_kind = {
    ngx_string("apisec_limit_zone"),
    sizeof(ngx_http_apisec_limit_node_t),
    ngx_http_apisec_limit_idle,
    NULL
};

static ngx_str_t  ngx_http_apisec_limit_statuses[] = {
    ngx_null_string,
    ngx_string("PASSED"),
    ngx_string("DELAYED"),
    ngx_string("REJECTED"),
    ngx_string("DELAYED_DRY_RUN"),
    ngx_string("REJECTED_DRY_RUN")
};

static ngx_str_t  ngx_http_apisec_retry_after = ngx_string("Retry-After");
static ngx_str_t  ngx_http_apisec_cache_control = ngx_string("Cache-Control");
static ngx_str_t  ngx_http_apisec_no_store = ngx_string("no-store");
static ngx_str_t  ngx_http_apisec_rl_policy = ngx_string("RateLimit-Policy");
static ngx_str_t  ngx_http_apisec_rl = ngx_string("RateLimit");


static ngx_http_variable_t  ngx_http_apisec_limit_vars[] = {

    { ngx_string("apisec_limit_status"), NULL,
      ngx_http_apisec_limit_status_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


void
ngx_http_apisec_limit_create_conf(ngx_http_apisec_limit_conf_t *conf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     conf->limits_pos = { { 0, NULL }, 0 };
     *     conf->bans_pos = { { 0, NULL }, 0 };
     */

    conf->limits = NGX_CONF_UNSET_PTR;
    conf->bans = NGX_CONF_UNSET_PTR;
    conf->headers = NGX_CONF_UNSET;
    conf->status = NGX_CONF_UNSET_UINT;
    conf->log_level = NGX_CONF_UNSET_UINT;
}


/* "apisec_limit off" and "apisec_ban off" leave NULL */

void
ngx_http_apisec_limit_merge_conf(ngx_http_apisec_limit_conf_t *prev,
    ngx_http_apisec_limit_conf_t *conf)
{
    ngx_uint_t                     i;
    ngx_http_apisec_limit_t       *limits;
    ngx_http_apisec_limit_zone_t  *zone;

    if (conf->limits == NGX_CONF_UNSET_PTR) {
        conf->limits_pos = prev->limits_pos;
    }

    if (conf->bans == NGX_CONF_UNSET_PTR) {
        conf->bans_pos = prev->bans_pos;
    }

    ngx_conf_merge_ptr_value(conf->limits, prev->limits, NULL);
    ngx_conf_merge_ptr_value(conf->bans, prev->bans, NULL);
    ngx_conf_merge_value(conf->headers, prev->headers, 0);
    ngx_conf_merge_uint_value(conf->status, prev->status,
                              NGX_HTTP_TOO_MANY_REQUESTS);
    ngx_conf_merge_uint_value(conf->log_level, prev->log_level,
                              NGX_LOG_INFO);

    /* the Redis pre-pass only where a zone asks Redis */

    conf->redis = 0;

    if (conf->limits) {
        limits = conf->limits->elts;

        for (i = 0; i < conf->limits->nelts; i++) {
            zone = limits[i].shm_zone->data;

            if (zone && zone->shm.redis) {
                conf->redis = 1;
            }
        }
    }
}


/*
 * The arithmetic: pure functions, see ngx_http_apisec_limit.h.  The bounds,
 * with 0 < rate <= NGX_HTTP_APISEC_LIMIT_MAX_RATE (8.64e10 r/d) and a level
 * of at most 1000 * (NGX_HTTP_APISEC_LIMIT_MAX_BURST + 1) (1e12 + 1000):
 *
 *   drain: rate * (ms % 86400) < 8.64e10 * 86400 = 7.5e15, and
 *          rate * (ms / 86400) is only formed when it is <= level;
 *   wait:  rem * 86400 + rate < 7.5e15 with rem < rate, and
 *          (milli / rate) * 86400 <= 1e12 * 86400 = 8.64e16;
 *
 * all far below 2^64 (1.8e19), and exact: no clamp of the elapsed time,
 * so that a bucket of "rate=1r/d" idle for a week drains 7 requests.
 */

uint64_t
ngx_http_apisec_limit_drain(uint64_t level, ngx_msec_int_t ms, uint64_t rate)
{
    uint64_t  q, drained;

    if (ms <= 0) {
        /* the clock went back: nothing drains */
        return level;
    }

    /*
     * rate * ms / 86400 milli-requests, as
     * rate * q + rate * (ms % 86400) / 86400 with q = ms / 86400
     */

    q = (uint64_t) ms / 86400;

    if (q > level / rate) {
        /* rate * q > level: empty, and the product is never formed */
        return 0;
    }

    level -= rate * q;
    drained = rate * ((uint64_t) ms % 86400) / 86400;

    return (level > drained) ? level - drained : 0;
}


/* how long "milli" milli-requests take to drain, rounded up */

ngx_msec_t
ngx_http_apisec_limit_wait(uint64_t milli, uint64_t rate)
{
    uint64_t  w;

    /* milli * 86400 / rate, rounded up, without forming milli * 86400 */

    w = milli / rate * 86400 + (milli % rate * 86400 + rate - 1) / rate;

    /* a 32-bit ngx_msec_t: about 24 days at most, never a wrapped value */

    if (w > (uint64_t) NGX_MAX_INT_T_VALUE) {
        w = NGX_MAX_INT_T_VALUE;
    }

    return (ngx_msec_t) w;
}


/* how many requests the bucket admits right now */

ngx_uint_t
ngx_http_apisec_limit_remaining(uint64_t level, uint64_t burst)
{
    if (level > burst) {
        return 0;
    }

    return (ngx_uint_t) ((burst - level) / 1000 + 1);
}


/*
 * The access phase, after authentication.  Each limit decides under its
 * zone's mutex, looking up and charging in one step, so that workers never
 * admit more than the algorithm allows.  With several limits, a request
 * refused by one is not charged to the others: their charges are refunded
 * (the nodes stay pinned in between so eviction cannot take them).
 */

ngx_int_t
ngx_http_apisec_limit_access(ngx_http_request_t *r)
{
    int64_t                         args[2];
    uint32_t                        hash;
    uint64_t                        x, rate;
    ngx_int_t                       rc;
    ngx_str_t                       key;
    ngx_uint_t                      i, n, pin, refused, counted, status;
    ngx_uint_t                      created;
    ngx_msec_t                      now, delay, d;
    ngx_msec_int_t                  ms;
    ngx_http_apisec_req_t          *req;
    ngx_http_apisec_ctx_t          *ctx;
    ngx_http_apisec_limit_t        *limits, *limit, *delayed;
    ngx_http_apisec_loc_conf_t     *alcf;
    ngx_http_apisec_shm_node_t     *node;
    ngx_http_apisec_limit_req_t    *lr, *prev;
    ngx_http_apisec_limit_node_t   *ln;
    ngx_http_apisec_limit_zone_t   *zone;
    ngx_http_apisec_limit_state_t  *st;
    ngx_http_apisec_redis_call_t   *call;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    limits = alcf->limit.limits->elts;
    n = alcf->limit.limits->nelts;

    /* every zone of this location charged by an earlier pass: nothing new */

    req = ngx_http_apisec_req(r, 0);
    prev = req ? req->limit : NULL;

    if (prev) {
        for (i = 0; i < n; i++) {
            if (ngx_http_apisec_limit_earlier(prev, limits[i].shm_zone)
                == NULL)
            {
                break;
            }
        }

        if (i == n) {
            return NGX_DECLINED;
        }
    }

    /* an API key's "rate=" replaces the zones' rates for its consumer */

    rate = 0;

    if (alcf->apikey.mode != NGX_HTTP_APISEC_APIKEY_OFF
        && ngx_http_apisec_identity(r, &ctx, 1) != NGX_HTTP_APISEC_AUTHN_NONE
        && ctx->apikey_conf == &alcf->apikey
        && ctx->apikey_result == NGX_HTTP_APISEC_APIKEY_OK)
    {
        rate = ctx->consumer->rate;
    }

    if (alcf->limit.redis) {
        rc = ngx_http_apisec_limit_redis(r, prev, limits, n, rate);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (req == NULL) {
        req = ngx_http_apisec_req(r, 1);
        if (req == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    /* a pass and its states in one allocation */

    lr = ngx_pcalloc(r->main->pool, sizeof(ngx_http_apisec_limit_req_t)
                                    + n * sizeof(ngx_http_apisec_limit_state_t));
    if (lr == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    lr->states = (ngx_http_apisec_limit_state_t *) &lr[1];

    /* an earlier pass's states stay readable for the headers */

    for (i = 0; prev && i < n; i++) {
        st = ngx_http_apisec_limit_earlier(prev, limits[i].shm_zone);

        if (st) {
            lr->states[i] = *st;
            lr->states[i].limit = &limits[i];
            lr->states[i].earlier = 1;
            lr->states[i].node = NULL;
            lr->states[i].charged = 0;
            lr->states[i].refused = 0;
        }
    }

    lr->nstates = n;
    lr->prev = prev;
    req->limit = lr;

    now = ngx_current_msec;
    pin = (n > 1);
    refused = 0;
    counted = 0;

    for (i = 0; i < n; i++) {
        limit = &limits[i];
        zone = limit->shm_zone->data;
        st = &lr->states[i];

        if (st->earlier) {
            continue;
        }

        st->limit = limit;

        rc = ngx_http_apisec_shm_key(r, &zone->shm, &key, &hash);

        if (rc == NGX_ERROR) {
            ngx_http_apisec_limit_unpin(lr, 1);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_DECLINED) {
            continue;
        }

        st->counted = 1;
        st->rate = rate ? rate : zone->rate;
        counted++;

        /* Redis's answer, asked above; or the zone's fallback */

        if (zone->shm.redis) {
            args[0] = st->rate;
            args[1] = limit->burst;

            rc = ngx_http_apisec_redis_ask(r, limit->shm_zone,
                                           zone->shm.redis,
                                           NGX_HTTP_APISEC_REDIS_LIMIT, &key,
                                           args, &call);

            if (rc == NGX_ERROR) {
                ngx_http_apisec_limit_unpin(lr, 1);
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (rc == NGX_OK && call->state == NGX_HTTP_APISEC_REDIS_DONE) {
                st->excess = call->value[1];

                if (call->value[0]) {
                    st->charged = 1;
                    st->redis = call;
                    st->level = st->excess + 1000;

                } else {
                    st->refused = 1;
                    st->level = st->excess;
                    refused |= !limit->dry_run;
                }

                continue;
            }

            if (zone->shm.redis->fallback == NGX_HTTP_APISEC_REDIS_OPEN) {
                st->counted = 0;
                counted--;
                continue;
            }

            if (zone->shm.redis->fallback == NGX_HTTP_APISEC_REDIS_CLOSED) {
                st->nomem = 1;
                st->refused = 1;
                st->excess = limit->burst + 1000;
                st->level = st->excess;
                refused |= !limit->dry_run;
                continue;
            }

            /* fallback=local: this node's own zone */
        }

        ngx_shmtx_lock(&zone->shm.shpool->mutex);

        node = ngx_http_apisec_shm_get(&zone->shm, hash, &key, now,
                                       r->connection->log, &created);

        if (node == NULL) {
            ngx_shmtx_unlock(&zone->shm.shpool->mutex);

            /* never admitted silently: alloc() logged an ALERT */

            st->nomem = 1;
            st->refused = 1;
            st->excess = limit->burst + 1000;
            st->level = st->excess;

            if (!limit->dry_run) {
                refused = 1;
            }

            continue;
        }

        if (created) {
            ngx_http_apisec_limit_node(node)->last = now;
        }

        /*
         * Workers' clocks are cached per event loop iteration and may lag
         * each other by a few ms: a node's time never goes back, else the
         * same interval would be drained twice (and workers together would
         * admit more than the rate)
         */

        ln = ngx_http_apisec_limit_node(node);

        ms = (ngx_msec_int_t) (now - ln->last);

        x = ngx_http_apisec_limit_drain(ln->excess, ms, st->rate);
        st->excess = x;

        if (x > limit->burst) {
            st->refused = 1;
            st->level = x;

        } else {
            ln->excess = x + 1000;
            ln->rate = st->rate;

            if (ms > 0) {
                ln->last = now;
            }

            st->charged = 1;
            st->level = x + 1000;

            if (pin) {
                node->count++;
                st->node = node;
            }
        }

        ngx_shmtx_unlock(&zone->shm.shpool->mutex);

        if (st->refused && !limit->dry_run) {
            refused = 1;
        }
    }

    if (counted == 0) {
        return NGX_DECLINED;
    }

    if (refused) {
        ngx_http_apisec_limit_unpin(lr, 1);
        return ngx_http_apisec_limit_refuse(r, alcf, lr);
    }

    ngx_http_apisec_limit_unpin(lr, 0);

    status = NGX_HTTP_APISEC_LIMIT_PASSED;
    delay = 0;
    delayed = NULL;

    for (i = 0; i < n; i++) {
        st = &lr->states[i];
        limit = st->limit;

        if (!st->counted || st->earlier) {
            continue;
        }

        if (st->refused) {
            /* dry run: what would have been done */

            ngx_log_error(alcf->limit.log_level, r->connection->log, 0,
                          "limiting requests, dry run, excess: %uL.%03uL "
                          "by zone \"%V\"", st->excess / 1000,
                          st->excess % 1000, &limit->shm_zone->shm.name);

            status = NGX_HTTP_APISEC_LIMIT_REJECTED_DRY_RUN;
            continue;
        }

        if (st->excess <= limit->delay) {
            continue;
        }

        d = ngx_http_apisec_limit_wait(st->excess - limit->delay, st->rate);

        if (limit->dry_run) {
            ngx_log_error(alcf->limit.log_level, r->connection->log, 0,
                          "delaying request, dry run, excess: %uL.%03uL, "
                          "by zone \"%V\"", st->excess / 1000,
                          st->excess % 1000, &limit->shm_zone->shm.name);

            if (status == NGX_HTTP_APISEC_LIMIT_PASSED) {
                status = NGX_HTTP_APISEC_LIMIT_DELAYED_DRY_RUN;
            }

            continue;
        }

        if (d > delay) {
            delay = d;
            delayed = limit;
        }
    }

    if (delay == 0) {
        lr->status = status;
        return NGX_DECLINED;
    }

    lr->status = NGX_HTTP_APISEC_LIMIT_DELAYED;

    ngx_http_apisec_status_limit(delayed->shm_zone, 1);

    /* as limit_req: delays one level below refusals */

    i = (alcf->limit.log_level == NGX_LOG_INFO) ? NGX_LOG_INFO
                                                : alcf->limit.log_level + 1;

    ngx_log_error(i, r->connection->log, 0,
                  "delaying request by %M ms, by zone \"%V\"",
                  delay, &delayed->shm_zone->shm.name);

    /* as limit_req: a timer, never a blocked worker */

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_apisec_limit_delay;
    ngx_add_timer(r->connection->write, delay);

    return NGX_AGAIN;
}


/*
 * The zones kept in Redis ask first, all at once (one round trip: the
 * commands go pipelined), and the local zones are charged only when every
 * answer is in: the pass that decides runs once, whole.  NGX_DECLINED
 * when there is nothing (more) to wait for.
 */

static ngx_int_t
ngx_http_apisec_limit_redis(ngx_http_request_t *r,
    ngx_http_apisec_limit_req_t *prev, ngx_http_apisec_limit_t *limits,
    ngx_uint_t n, uint64_t rate)
{
    int64_t                          args[2];
    uint32_t                         hash;
    ngx_int_t                        rc;
    ngx_str_t                        key;
    ngx_uint_t                       i, pending;
    ngx_http_apisec_limit_zone_t    *zone;
    ngx_http_apisec_redis_call_t    *call;

    pending = 0;

    for (i = 0; i < n; i++) {
        zone = limits[i].shm_zone->data;

        if (zone->shm.redis == NULL
            || ngx_http_apisec_limit_earlier(prev, limits[i].shm_zone))
        {
            continue;
        }

        rc = ngx_http_apisec_shm_key(r, &zone->shm, &key, &hash);

        if (rc == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_DECLINED) {
            continue;
        }

        args[0] = rate ? rate : zone->rate;
        args[1] = limits[i].burst;

        rc = ngx_http_apisec_redis_ask(r, limits[i].shm_zone, zone->shm.redis,
                                       NGX_HTTP_APISEC_REDIS_LIMIT, &key,
                                       args, &call);

        if (rc == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_AGAIN) {
            pending = 1;
        }
    }

    return pending ? ngx_http_apisec_redis_wait(r) : NGX_DECLINED;
}


static void
ngx_http_apisec_limit_delay(ngx_http_request_t *r)
{
    ngx_event_t  *wev;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apisec limit delay");

    wev = r->connection->write;

    if (!wev->timedout) {

        if (ngx_handle_write_event(wev, 0) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    wev->timedout = 0;

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    /* the access handler runs again; the request is not counted again */

    ngx_http_core_run_phases(r);
}


/*
 * The most restrictive refusal wins: the longest wait.  Rate-limit
 * refusals are final, whatever "satisfy" says.
 */

static ngx_int_t
ngx_http_apisec_limit_refuse(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_http_apisec_limit_req_t *lr)
{
    u_char                         *p;
    ngx_str_t                       value;
    ngx_uint_t                      i;
    ngx_msec_t                      wait, w;
    ngx_http_apisec_limit_state_t  *st, *worst;

    wait = 0;
    worst = NULL;

    for (i = 0; i < lr->nstates; i++) {
        st = &lr->states[i];

        if (!st->refused || st->limit->dry_run) {
            continue;
        }

        w = st->nomem ? 1000
                      : ngx_http_apisec_limit_wait(st->excess - st->limit->burst,
                                                   st->rate);

        if (worst == NULL || w > wait) {
            wait = w;
            worst = st;
        }
    }

    lr->status = NGX_HTTP_APISEC_LIMIT_REJECTED;

    ngx_http_apisec_status_limit(worst->limit->shm_zone, 0);

    if (!worst->nomem) {
        ngx_log_error(alcf->limit.log_level, r->connection->log, 0,
                      "limiting requests, excess: %uL.%03uL by zone \"%V\"",
                      worst->excess / 1000, worst->excess % 1000,
                      &worst->limit->shm_zone->shm.name);
    }

    /* whole seconds, rounded up */

    p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    value.data = p;
    value.len = ngx_sprintf(p, "%M", (wait + 999) / 1000) - p;

    if (ngx_http_apisec_set_header(r, &ngx_http_apisec_retry_after, &value)
        == NULL
        || ngx_http_apisec_set_header(r, &ngx_http_apisec_cache_control,
                                      &ngx_http_apisec_no_store)
           == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_apisec_refuse(r, alcf->limit.status, 0,
                                  "rate limit exceeded");
}


/*
 * Releases the nodes pinned while several limits decided; "refund" takes
 * back the request from each bucket that was charged for it.
 */

static void
ngx_http_apisec_limit_unpin(ngx_http_apisec_limit_req_t *lr,
    ngx_uint_t refund)
{
    ngx_uint_t                      i;
    ngx_slab_pool_t                *shpool;
    ngx_http_apisec_shm_node_t     *node;
    ngx_http_apisec_limit_node_t   *ln;
    ngx_http_apisec_limit_state_t  *st;

    for (i = 0; i < lr->nstates; i++) {
        st = &lr->states[i];

        if (!refund && st->node == NULL) {
            continue;
        }

        if (refund && !st->charged) {
            continue;
        }

        if (st->redis) {
            if (refund) {
                ngx_http_apisec_redis_refund(st->redis,
                     ((ngx_http_apisec_limit_zone_t *)
                          st->limit->shm_zone->data)->shm.redis,
                     ngx_cycle->log);
                st->charged = 0;
                st->level = (st->level > 1000) ? st->level - 1000 : 0;
            }

            st->redis = NULL;
            continue;
        }

        node = st->node;
        shpool = ((ngx_http_apisec_limit_zone_t *)
                      st->limit->shm_zone->data)->shm.shpool;

        if (node == NULL) {
            /* a single limit charges nothing it has to take back */
            continue;
        }

        ngx_shmtx_lock(&shpool->mutex);

        if (refund) {
            ln = ngx_http_apisec_limit_node(node);
            ln->excess = (ln->excess > 1000) ? ln->excess - 1000 : 0;
            st->charged = 0;
            st->level = (st->level > 1000) ? st->level - 1000 : 0;
        }

        node->count--;

        ngx_shmtx_unlock(&shpool->mutex);

        st->node = NULL;
    }
}


static ngx_http_apisec_limit_req_t *
ngx_http_apisec_limit_get(ngx_http_request_t *r)
{
    ngx_http_apisec_req_t  *req;

    req = ngx_http_apisec_req(r, 0);

    return req ? req->limit : NULL;
}


/* the state of a zone that an earlier pass of this request counted in */

static ngx_http_apisec_limit_state_t *
ngx_http_apisec_limit_earlier(ngx_http_apisec_limit_req_t *lr,
    ngx_shm_zone_t *shm_zone)
{
    ngx_uint_t  i;

    for ( /* void */ ; lr; lr = lr->prev) {

        for (i = 0; i < lr->nstates; i++) {
            if (lr->states[i].counted
                && lr->states[i].limit->shm_zone == shm_zone)
            {
                return &lr->states[i];
            }
        }
    }

    return NULL;
}


/*
 * The header filter: RateLimit-Policy and RateLimit, as in
 * draft-ietf-httpapi-ratelimit-headers-09, on every response of a location
 * with "apisec_limit_headers on":
 *
 *     RateLimit-Policy: "zone";q=<requests>;w=<seconds>, ...
 *     RateLimit: "zone";r=<remaining>;t=<seconds>, ...
 *
 * The policy is the zone's (or the API key's) sustained rate, in the
 * shortest window that holds a whole number of requests: per second (w=1),
 * minute (w=60), hour (w=3600) or day (w=86400).  RateLimit names the
 * zones the request was counted in: r is how many requests the bucket
 * admits right now, t the whole seconds, rounded up, until the bucket is
 * empty again.
 */

ngx_int_t
ngx_http_apisec_limit_headers(ngx_http_request_t *r)
{
    u_char                         *p;
    size_t                          len;
    uint64_t                        rate;
    ngx_str_t                       value, *name;
    ngx_uint_t                      i, j, nrl;
    ngx_http_apisec_limit_t        *limits;
    ngx_http_apisec_loc_conf_t     *alcf;
    ngx_http_apisec_limit_req_t    *lr;
    ngx_http_apisec_limit_zone_t   *zone;
    ngx_http_apisec_limit_state_t  *st;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    if (!alcf->limit.headers || alcf->limit.limits == NULL) {
        return NGX_OK;
    }

    lr = ngx_http_apisec_limit_get(r);

    limits = alcf->limit.limits->elts;

    len = 0;

    for (i = 0; i < alcf->limit.limits->nelts; i++) {
        len += sizeof("\"\";q=;w=86400, ") - 1 + NGX_INT64_LEN
               + limits[i].shm_zone->shm.name.len;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value.data = p;

    for (i = 0; i < alcf->limit.limits->nelts; i++) {
        zone = limits[i].shm_zone->data;
        rate = zone->rate;

        /* the rate the request was counted with (an API key's) */

        for (j = 0; lr && j < lr->nstates; j++) {
            if (lr->states[j].counted
                && lr->states[j].limit->shm_zone == limits[i].shm_zone)
            {
                rate = lr->states[j].rate;
            }
        }

        if (i) {
            *p++ = ','; *p++ = ' ';
        }

        p = ngx_http_apisec_limit_policy(p, &limits[i].shm_zone->shm.name,
                                         rate);
    }

    value.len = p - value.data;

    if (ngx_http_apisec_set_header(r, &ngx_http_apisec_rl_policy, &value)
        == NULL)
    {
        return NGX_ERROR;
    }

    if (lr == NULL || lr->nstates == 0) {
        return NGX_OK;
    }

    len = 0;

    for (i = 0; i < lr->nstates; i++) {
        len += sizeof("\"\";r=;t=, ") - 1 + 2 * NGX_INT64_LEN
               + lr->states[i].limit->shm_zone->shm.name.len;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value.data = p;
    nrl = 0;

    for (i = 0; i < lr->nstates; i++) {
        st = &lr->states[i];

        if (!st->counted) {
            continue;
        }

        if (nrl++) {
            *p++ = ','; *p++ = ' ';
        }

        name = &st->limit->shm_zone->shm.name;

        p = ngx_sprintf(p, "\"%V\";r=%ui;t=%M", name,
                        st->refused ? 0 : ngx_http_apisec_limit_remaining(
                                              st->level, st->limit->burst),
                        (ngx_http_apisec_limit_wait(st->level, st->rate)
                         + 999) / 1000);
    }

    if (nrl == 0) {
        return NGX_OK;
    }

    value.len = p - value.data;

    if (ngx_http_apisec_set_header(r, &ngx_http_apisec_rl, &value) == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static u_char *
ngx_http_apisec_limit_policy(u_char *p, ngx_str_t *name, uint64_t rate)
{
    /* the shortest window of a whole number of requests: always exact */

    if (rate % 86400 == 0) {
        return ngx_sprintf(p, "\"%V\";q=%uL;w=1", name, rate / 86400);
    }

    if (rate % 1440 == 0) {
        return ngx_sprintf(p, "\"%V\";q=%uL;w=60", name, rate / 1440);
    }

    if (rate % 24 == 0) {
        return ngx_sprintf(p, "\"%V\";q=%uL;w=3600", name, rate / 24);
    }

    return ngx_sprintf(p, "\"%V\";q=%uL;w=86400", name, rate);
}


static ngx_uint_t
ngx_http_apisec_limit_idle(void *data, ngx_http_apisec_shm_node_t *node,
    ngx_msec_t now)
{
    ngx_msec_int_t                 ms;
    ngx_http_apisec_limit_node_t  *ln;

    ln = ngx_http_apisec_limit_node(node);

    ms = (ngx_msec_int_t) (now - ln->last);

    if (ms < 60000) {
        return 0;
    }

    return ngx_http_apisec_limit_drain(ln->excess, ms, ln->rate) == 0;
}


static ngx_int_t
ngx_http_apisec_limit_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_apisec_limit_req_t  *lr;

    lr = ngx_http_apisec_limit_get(r);

    if (lr == NULL || lr->status == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->len = ngx_http_apisec_limit_statuses[lr->status].len;
    v->data = ngx_http_apisec_limit_statuses[lr->status].data;

    return NGX_OK;
}


ngx_int_t
ngx_http_apisec_limit_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_apisec_limit_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/*
 * The form before 2026-12, "apisec_limit_zone name key=<value>
 * size=<size> ...", and apisec_ban_zone's alike: refused, with the
 * user's own values rewritten into limit_req_zone's shape.  NGX_DECLINED
 * when the directive is not in that form.
 */

ngx_int_t
ngx_http_apisec_limit_zone_old_form(ngx_conf_t *cf, ngx_command_t *cmd)
{
    u_char      *p, *buf;
    size_t       len;
    ngx_str_t   *value, key, name, size;
    ngx_uint_t   i, first, quote;

    value = cf->args->elts;

    ngx_str_null(&key);
    ngx_str_null(&size);

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "key=", 4) == 0) {
            key.data = value[i].data + 4;
            key.len = value[i].len - 4;

        } else if (ngx_strncmp(value[i].data, "size=", 5) == 0) {
            size.data = value[i].data + 5;
            size.len = value[i].len - 5;
        }
    }

    if (key.data == NULL && size.data == NULL) {
        return NGX_DECLINED;
    }

    /*
     * a first parameter with a variable is a key of the new form: its
     * stray "key=" or "size=" is an invalid parameter, said as such
     */

    if (ngx_strlchr(value[1].data, value[1].data + value[1].len, '$')
        && ngx_strncmp(value[1].data, "key=", 4) != 0
        && ngx_strncmp(value[1].data, "size=", 5) != 0)
    {
        return NGX_DECLINED;
    }

    if (key.data == NULL) {
        ngx_str_set(&key, "<key>");
    }

    /* a key written in quotes ("$a $b") is shown in quotes */

    quote = 0;

    for (i = 0; i < key.len; i++) {
        if (key.data[i] == ' ' || key.data[i] == '\t' || key.data[i] == ';') {
            quote = 1;
            break;
        }
    }

    if (size.data == NULL) {
        ngx_str_set(&size, "<size>");
    }

    if (ngx_strlchr(value[1].data, value[1].data + value[1].len, '=')
        == NULL)
    {
        name = value[1];
        first = 2;

    } else {
        ngx_str_set(&name, "<name>");
        first = 1;
    }

    len = cmd->name.len + sizeof(" \"\" zone=:;") - 1 + key.len + name.len
          + size.len;

    for (i = first; i < cf->args->nelts; i++) {
        len += 1 + value[i].len;
    }

    buf = ngx_pnalloc(cf->pool, len);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(buf, quote ? "%V \"%V\" zone=%V:%V" : "%V %V zone=%V:%V",
                    &cmd->name, &key, &name, &size);

    for (i = first; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "key=", 4) == 0
            || ngx_strncmp(value[i].data, "size=", 5) == 0)
        {
            continue;
        }

        p = ngx_sprintf(p, " %V", &value[i]);
    }

    *p++ = ';';

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"%V\" takes the shape of \"limit_req_zone\" now: "
                       "%*s (the \"NAME key= size=\" form is gone)",
                       &cmd->name, p - buf, buf);

    return NGX_ERROR;
}


/*
 * "<N>r/s", "<N>r/m", "<N>r/h" or "<N>r/d": the one spelling of a rate, in
 * apisec_limit_zone and in the API-key file (ngx_http_apisec_limit.h)
 */

ngx_int_t
ngx_http_apisec_limit_parse_rate(u_char *p, size_t len, uint64_t *rate)
{
    u_char    *last;
    uint64_t   n, scale;

    if (len < 4 || p[len - 3] != 'r' || p[len - 2] != '/') {
        return NGX_ERROR;
    }

    switch (p[len - 1]) {
    case 's':
        scale = NGX_HTTP_APISEC_RATE_PER_SEC(1);
        break;
    case 'm':
        scale = NGX_HTTP_APISEC_RATE_PER_MIN(1);
        break;
    case 'h':
        scale = NGX_HTTP_APISEC_RATE_PER_HOUR(1);
        break;
    case 'd':
        scale = NGX_HTTP_APISEC_RATE_PER_DAY(1);
        break;
    default:
        return NGX_ERROR;
    }

    /* digits only; stops before overflow, then it is too high anyway */

    n = 0;
    last = p + len - 3;

    for ( /* void */ ; p < last; p++) {
        if (*p < '0' || *p > '9') {
            return NGX_ERROR;
        }

        if (n <= NGX_HTTP_APISEC_LIMIT_MAX_RATE) {
            n = n * 10 + (*p - '0');
        }
    }

    if (n == 0) {
        return NGX_ERROR;
    }

    if (n > NGX_HTTP_APISEC_LIMIT_MAX_RATE / scale) {
        return NGX_DECLINED;
    }

    *rate = n * scale;

    return NGX_OK;
}


/*
 * apisec_limit_zone key zone=name:size rate=<N>r/s|r/m|r/h|r/d;
 */

char *
ngx_http_apisec_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ssize_t                            size;
    uint64_t                           rate;
    ngx_int_t                          rc;
    ngx_str_t                         *value, name;
    ngx_uint_t                         i;
    ngx_shm_zone_t                    *shm_zone;
    ngx_http_apisec_limit_zone_t      *zone;

    if (ngx_http_apisec_limit_zone_old_form(cf, cmd) != NGX_DECLINED) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_limit_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_apisec_shm_compile_key(cf, &zone->shm, &value[1])
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_str_null(&name);
    size = 0;
    rate = 0;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0 && name.len == 0) {

            if (ngx_http_apisec_shm_zone_param(cf, &value[i], &name, &size, 0)
                != NGX_CONF_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "rate=", 5) == 0 && rate == 0) {

            rc = ngx_http_apisec_limit_parse_rate(value[i].data + 5,
                                                  value[i].len - 5, &rate);

            if (rc == NGX_DECLINED) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "rate \"%V\" is too high, the most is "
                                   "\"rate=1000000r/s\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            if (rc != NGX_OK) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid rate \"%V\", expected "
                                   "\"rate=<N>r/s\", \"rate=<N>r/m\", "
                                   "\"rate=<N>r/h\" or \"rate=<N>r/d\" "
                                   "with N > 0", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        rc = ngx_http_apisec_redis_zone_param(cf, &value[i], &zone->shm.redis);

        if (rc == NGX_OK) {
            continue;
        }

        if (rc == NGX_ERROR) {
            return NGX_CONF_ERROR;
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

    if (ngx_http_apisec_redis_zone_done(cf, zone->shm.redis, &name)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (rate == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"rate\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    zone->rate = rate;
    zone->shm.kind = &ngx_http_apisec_limit_kind;

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_apisec_limit_tag);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V \"%V\" is duplicate", &cmd->name, &name);
        return NGX_CONF_ERROR;
    }

    shm_zone->init = ngx_http_apisec_shm_init_zone;
    shm_zone->data = zone;

    return NGX_CONF_OK;
}


/*
 * apisec_limit zone=name [burst=N] [nodelay | delay=N] [dry_run];
 * apisec_limit off;
 */

char *
ngx_http_apisec_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_int_t                 burst, delay;
    ngx_str_t                *value, s;
    ngx_uint_t                i, nodelay, dry_run;
    ngx_shm_zone_t           *shm_zone;
    ngx_http_apisec_limit_t  *limit, *limits;

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        if (alcf->limit.limits != NGX_CONF_UNSET_PTR) {
            return "is duplicate";
        }

        alcf->limit.limits = NULL;
        return NGX_CONF_OK;
    }

    if (alcf->limit.limits == NULL) {
        return "is duplicate";
    }

    if (alcf->limit.limits_pos.file.data == NULL
        && ngx_http_apisec_conf_pos(cf, &alcf->limit.limits_pos) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    shm_zone = NULL;
    burst = 0;
    delay = 0;
    nodelay = 0;
    dry_run = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            s.len = value[i].len - 5;
            s.data = value[i].data + 5;

            shm_zone = ngx_shared_memory_add(cf, &s, 0,
                                             &ngx_http_apisec_limit_tag);
            if (shm_zone == NULL) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "burst=", 6) == 0) {

            burst = ngx_atoi(value[i].data + 6, value[i].len - 6);
            if (burst <= 0 || burst > NGX_HTTP_APISEC_LIMIT_MAX_BURST) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid burst value \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "delay=", 6) == 0) {

            delay = ngx_atoi(value[i].data + 6, value[i].len - 6);
            if (delay <= 0 || delay > NGX_HTTP_APISEC_LIMIT_MAX_BURST) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid delay value \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "nodelay") == 0) {
            nodelay = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "dry_run") == 0) {
            dry_run = 1;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (shm_zone == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"zone\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown apisec_limit_zone \"%V\"",
                           &shm_zone->shm.name);
        return NGX_CONF_ERROR;
    }

    if (nodelay && delay) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"nodelay\" and \"delay\" are mutually "
                           "exclusive");
        return NGX_CONF_ERROR;
    }

    if (alcf->limit.limits == NGX_CONF_UNSET_PTR) {
        alcf->limit.limits = ngx_array_create(cf->pool, 1,
                                        sizeof(ngx_http_apisec_limit_t));
        if (alcf->limit.limits == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    limits = alcf->limit.limits->elts;

    for (i = 0; i < alcf->limit.limits->nelts; i++) {
        if (shm_zone == limits[i].shm_zone) {
            return "is duplicate";
        }
    }

    limit = ngx_array_push(alcf->limit.limits);
    if (limit == NULL) {
        return NGX_CONF_ERROR;
    }

    limit->shm_zone = shm_zone;
    limit->burst = (uint64_t) burst * 1000;
    limit->delay = nodelay ? NGX_HTTP_APISEC_LIMIT_NODELAY
                           : (uint64_t) delay * 1000;
    limit->dry_run = dry_run;

    return NGX_CONF_OK;
}


/*
 * The first zone of "limits" keyed on the module's identity variables
 * ($apisec_subject, $apisec_consumer, ...), or NULL: a location that
 * authenticates nobody gives such a zone an empty key, and the zone then
 * limits nothing.
 */

ngx_shm_zone_t *
ngx_http_apisec_limit_identity(ngx_array_t *limits)
{
    ngx_uint_t                 i;
    ngx_http_apisec_limit_t   *limit;

    if (limits == NULL) {
        return NULL;
    }

    limit = limits->elts;

    for (i = 0; i < limits->nelts; i++) {
        if (ngx_http_apisec_shm_identity_key(limit[i].shm_zone)) {
            return limit[i].shm_zone;
        }
    }

    return NULL;
}


/* apisec_admin (ngx_http_apisec_admin.c): one key's bucket, read locked */

ngx_uint_t
ngx_http_apisec_limit_is_zone(ngx_shm_zone_t *shm_zone)
{
    return (shm_zone->tag == &ngx_http_apisec_limit_tag
            && shm_zone->data != NULL);
}


/* NGX_DECLINED: the zone holds nothing for the key */

ngx_int_t
ngx_http_apisec_limit_state(ngx_shm_zone_t *shm_zone, ngx_str_t *key,
    ngx_http_apisec_limit_info_t *info)
{
    uint32_t                       hash;
    ngx_int_t                      rc;
    ngx_msec_t                     now;
    ngx_msec_int_t                 ms;
    ngx_http_apisec_shm_node_t    *node;
    ngx_http_apisec_limit_zone_t  *zone;
    ngx_http_apisec_limit_node_t  *ln;

    zone = shm_zone->data;
    hash = ngx_crc32_short(key->data, key->len);
    now = ngx_current_msec;
    rc = NGX_DECLINED;

    info->zone_rate = zone->rate;

    ngx_shmtx_lock(&zone->shm.shpool->mutex);

    node = ngx_http_apisec_shm_lookup(&zone->shm, hash, key);

    if (node) {
        ln = ngx_http_apisec_limit_node(node);

        ms = (ngx_msec_int_t) (now - ln->last);
        if (ms < 0) {
            ms = 0;
        }

        info->rate = ln->rate;
        info->excess = ln->rate
                       ? ngx_http_apisec_limit_drain(ln->excess, ms, ln->rate)
                       : ln->excess;
        info->last = ms;
        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&zone->shm.shpool->mutex);

    if (rc == NGX_OK) {
        info->reset = info->rate
                      ? ngx_http_apisec_limit_wait(info->excess, info->rate)
                      : 0;
    }

    return rc;
}
