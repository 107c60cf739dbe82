
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"
#include "ngx_http_apisec_shm.h"


/* a key's failures and ban: the value of a ban zone's store node */
typedef struct {
    ngx_msec_t                      banned_until;   /* 0: no ban */
    ngx_msec_t                      window_start;
    ngx_uint_t                      failures;       /* in this window */
} ngx_http_apisec_ban_node_t;

#define ngx_http_apisec_ban_node(sn)                                          \
    ((ngx_http_apisec_ban_node_t *) ngx_http_apisec_shm_value(sn))


typedef struct {
    ngx_http_apisec_shm_ctx_t       shm;        /* first: the store's part */
    ngx_uint_t                      threshold;
    ngx_msec_t                      window;
    ngx_msec_t                      duration;
} ngx_http_apisec_ban_zone_t;


static ngx_uint_t ngx_http_apisec_ban_idle(void *data,
    ngx_http_apisec_shm_node_t *node, ngx_msec_t now);
static ngx_uint_t ngx_http_apisec_ban_keep(void *data,
    ngx_http_apisec_shm_node_t *node, ngx_msec_t now);
static void ngx_http_apisec_ban_count(ngx_http_request_t *r,
    ngx_http_apisec_ban_t *ban, ngx_uint_t status);
static void ngx_http_apisec_ban_reset(ngx_http_request_t *r,
    ngx_http_apisec_ban_t *ban);
static ngx_uint_t ngx_http_apisec_ban_credentials(ngx_http_request_t *r,
    ngx_http_apisec_req_t *req);
static ngx_int_t ngx_http_apisec_ban_redis(ngx_http_request_t *r,
    ngx_shm_zone_t *shm_zone, ngx_str_t *key, ngx_msec_t *wait);
static ngx_int_t ngx_http_apisec_ban_redis_failure(ngx_http_request_t *r,
    ngx_shm_zone_t *shm_zone, ngx_str_t *key);


static ngx_uint_t  ngx_http_apisec_ban_tag;

static ngx_http_apisec_shm_kind_t  ngx_http_apisec_ban_kind = {
    ngx_string("apisec_ban_zone"),
    sizeof(ngx_http_apisec_ban_node_t),
    ngx_http_apisec_ban_idle,
    ngx_http_apisec_ban_keep
};

static ngx_str_t  ngx_http_apisec_ban_retry_after = ngx_string("Retry-After");
static ngx_str_t  ngx_http_apisec_ban_cache_control =
    ngx_string("Cache-Control");
static ngx_str_t  ngx_http_apisec_ban_no_store = ngx_string("no-store");


/*
 * The access phase, before authentication: a banned key is refused with
 * 429 and a Retry-After of the rest of its ban, before any cryptography is
 * spent on it.  The refusal is final, whatever "satisfy" says.
 */

ngx_int_t
ngx_http_apisec_ban_access(ngx_http_request_t *r)
{
    u_char                       *p;
    size_t                        len;
    uint32_t                      hash;
    ngx_int_t                     rc;
    ngx_str_t                     key, value;
    ngx_uint_t                    i, lifted, later, pending;
    ngx_msec_t                    now, wait;
    ngx_http_apisec_ban_t        *bans;
    ngx_http_apisec_req_t        *req;
    ngx_http_apisec_loc_conf_t   *alcf;
    ngx_http_apisec_ban_zone_t   *zone;
    ngx_http_apisec_ban_node_t   *bn;
    ngx_http_apisec_shm_node_t   *node;
    u_char                        buf[NGX_HTTP_APISEC_SHM_LOG_KEY_LEN];

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    bans = alcf->limit.bans->elts;
    now = ngx_current_msec;
    later = 0;
    pending = 0;

    for (i = 0; i < alcf->limit.bans->nelts; i++) {
        zone = bans[i].shm_zone->data;

        if (bans[i].nstatuses || bans[i].reset) {
            later = 1;
        }

        rc = ngx_http_apisec_shm_key(r, &zone->shm, &key, &hash);

        if (rc == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_DECLINED) {
            continue;
        }

        wait = 0;
        lifted = 0;

        if (zone->shm.redis) {
            rc = ngx_http_apisec_ban_redis(r, bans[i].shm_zone, &key, &wait);

            if (rc == NGX_ERROR) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (rc == NGX_AGAIN) {
                pending = 1;
                continue;
            }

            if (rc == NGX_OK) {
                goto verdict;
            }

            /* fallback=local: this node's own zone */
        }

        ngx_shmtx_lock(&zone->shm.shpool->mutex);

        node = ngx_http_apisec_shm_lookup(&zone->shm, hash, &key);

        bn = node ? ngx_http_apisec_ban_node(node) : NULL;

        if (bn && bn->banned_until) {

            if ((ngx_msec_int_t) (bn->banned_until - now) > 0) {
                wait = bn->banned_until - now;

            } else {
                bn->banned_until = 0;
                bn->failures = 0;
                lifted = 1;
            }
        }

        ngx_shmtx_unlock(&zone->shm.shpool->mutex);

        if (lifted) {
            len = ngx_http_apisec_shm_log_key(&zone->shm, &key, buf);

            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "ban of \"%*s\" expired in zone \"%V\"",
                          len, buf, &bans[i].shm_zone->shm.name);
        }

    verdict:

        if (wait == 0) {
            continue;
        }

        len = ngx_http_apisec_shm_log_key(&zone->shm, &key, buf);

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "request refused, \"%*s\" is banned in zone \"%V\" "
                      "for %M ms more", len, buf,
                      &bans[i].shm_zone->shm.name, wait);

        p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        value.data = p;
        value.len = ngx_sprintf(p, "%M", (wait + 999) / 1000) - p;

        if (ngx_http_apisec_set_header(r, &ngx_http_apisec_ban_retry_after,
                                       &value)
            == NULL
            || ngx_http_apisec_set_header(r,
                                          &ngx_http_apisec_ban_cache_control,
                                          &ngx_http_apisec_ban_no_store)
               == NULL)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_apisec_refuse(r, NGX_HTTP_TOO_MANY_REQUESTS, 0,
                                      "too many authentication failures");
    }

    /* the final status counts in the log phase: ngx_http_apisec_ban_log() */

    if (later) {
        req = ngx_http_apisec_req(r, 1);
        if (req == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        req->ban = &alcf->limit;
    }

    return pending ? ngx_http_apisec_redis_wait(r) : NGX_DECLINED;
}


/*
 * A ban zone kept in Redis: NGX_OK and *wait (Redis's answer, or the
 * fallback "open" or "closed"), NGX_AGAIN while the answer is due,
 * NGX_DECLINED for this node's own zone, NGX_ERROR.
 */

static ngx_int_t
ngx_http_apisec_ban_redis(ngx_http_request_t *r, ngx_shm_zone_t *shm_zone,
    ngx_str_t *key, ngx_msec_t *wait)
{
    ngx_int_t                      rc;
    ngx_http_apisec_ban_zone_t    *zone;
    ngx_http_apisec_redis_call_t  *call;

    zone = shm_zone->data;

    rc = ngx_http_apisec_redis_ask(r, shm_zone, zone->shm.redis,
                                   NGX_HTTP_APISEC_REDIS_BANNED, key, NULL,
                                   &call);
    if (rc != NGX_OK) {
        return rc;
    }

    if (call->state == NGX_HTTP_APISEC_REDIS_DONE) {
        *wait = (call->value[0] > 0) ? (ngx_msec_t) call->value[0] : 0;
        return NGX_OK;
    }

    switch (zone->shm.redis->fallback) {

    case NGX_HTTP_APISEC_REDIS_OPEN:
        *wait = 0;
        return NGX_OK;

    case NGX_HTTP_APISEC_REDIS_CLOSED:
        *wait = 1000;
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/*
 * A failure counted in Redis (NGX_OK), or in this node's zone: sent and
 * not waited for (the log phase may send it too)
 */

static ngx_int_t
ngx_http_apisec_ban_redis_failure(ngx_http_request_t *r,
    ngx_shm_zone_t *shm_zone, ngx_str_t *key)
{
    int64_t                        args[3];
    ngx_http_apisec_ban_zone_t    *zone;
    ngx_http_apisec_redis_call_t  *call;

    zone = shm_zone->data;

    args[0] = zone->threshold;
    args[1] = zone->window;
    args[2] = zone->duration;

    if (ngx_http_apisec_redis_ask(r, shm_zone, zone->shm.redis,
                                  NGX_HTTP_APISEC_REDIS_FAILURE, key, args,
                                  &call)
        != NGX_OK)
    {
        return NGX_OK;
    }

    if (call->state == NGX_HTTP_APISEC_REDIS_FALLBACK
        && zone->shm.redis->fallback == NGX_HTTP_APISEC_REDIS_LOCAL)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * An authentication failure (a 401 of this module): counted in every ban
 * zone of the location that has no "statuses=" (those count the final
 * status in the log phase instead, ngx_http_apisec_ban_log()).
 */

void
ngx_http_apisec_ban_failure(ngx_http_request_t *r)
{
    ngx_uint_t                    i;
    ngx_http_apisec_ban_t        *bans;
    ngx_http_apisec_loc_conf_t   *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    if (alcf->limit.bans == NULL || alcf->limit.bans == NGX_CONF_UNSET_PTR) {
        return;
    }

    bans = alcf->limit.bans->elts;

    for (i = 0; i < alcf->limit.bans->nelts; i++) {
        if (bans[i].nstatuses == 0) {
            ngx_http_apisec_ban_count(r, &bans[i], 0);
        }
    }
}


/*
 * The log phase, once per main request (a subrequest, and each pass of an
 * internal redirect, never come here): with "statuses=" the final status
 * of the request, the upstream's included, is a failure when it is one of
 * the list and the request carried credentials (or "credentials=any");
 * with "reset=on" a 2xx clears the key's failures.  The bans are those of
 * the last location whose ban step admitted the request.
 */

ngx_int_t
ngx_http_apisec_ban_log(ngx_http_request_t *r)
{
    ngx_uint_t                     i, j, status, creds;
    ngx_http_apisec_req_t         *req;
    ngx_http_apisec_ban_t         *bans;
    ngx_http_apisec_limit_conf_t  *lcf;

    if (r != r->main) {
        return NGX_OK;
    }

    req = ngx_http_apisec_req(r, 0);

    if (req == NULL || req->ban == NULL) {
        return NGX_OK;
    }

    lcf = req->ban;
    req->ban = NULL;

    status = r->headers_out.status;
    bans = lcf->bans->elts;
    creds = 2;

    for (i = 0; i < lcf->bans->nelts; i++) {

        if (status >= 200 && status < 300) {
            if (bans[i].reset) {
                ngx_http_apisec_ban_reset(r, &bans[i]);
            }

            continue;
        }

        for (j = 0; j < bans[i].nstatuses; j++) {
            if (bans[i].statuses[j] == status) {
                break;
            }
        }

        if (j == bans[i].nstatuses) {
            continue;
        }

        if (!bans[i].any) {
            if (creds == 2) {
                creds = ngx_http_apisec_ban_credentials(r, req);
            }

            if (!creds) {
                continue;
            }
        }

        ngx_http_apisec_ban_count(r, &bans[i], status);
    }

    return NGX_OK;
}


/*
 * Whether a request presented credentials: an Authorization header, a
 * request body (a login form posts its password), or the token or API key
 * the location reads (a cookie, a query argument, an API-key header)
 */

static ngx_uint_t
ngx_http_apisec_ban_credentials(ngx_http_request_t *r,
    ngx_http_apisec_req_t *req)
{
    ngx_http_apisec_ctx_t  *ctx;

    if (r->headers_in.authorization
        || r->headers_in.content_length_n > 0
        || r->headers_in.chunked)
    {
        return 1;
    }

    for (ctx = req->ctx; ctx; ctx = ctx->prev) {

        if (ctx->jwt_conf
            && ctx->jwt_result != NGX_HTTP_APISEC_JWT_NONE
            && ctx->jwt_result != NGX_HTTP_APISEC_JWT_MISSING)
        {
            return 1;
        }

        if (ctx->apikey_conf
            && ctx->apikey_result != NGX_HTTP_APISEC_APIKEY_NONE
            && ctx->apikey_result != NGX_HTTP_APISEC_APIKEY_MISSING)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * One failure of the request's key in the ban's zone: status 0 is an
 * authentication failure of this module, else a final status.  The window
 * is fixed: it begins with the first failure after the previous window
 * ended.  The ban is logged once, by the request that reached the
 * threshold.
 */

static void
ngx_http_apisec_ban_count(ngx_http_request_t *r, ngx_http_apisec_ban_t *ban,
    ngx_uint_t status)
{
    size_t                        len;
    uint32_t                      hash;
    ngx_str_t                     key;
    ngx_uint_t                    banned, lifted, failures, created;
    ngx_msec_t                    now;
    ngx_http_apisec_ban_zone_t   *zone;
    ngx_http_apisec_ban_node_t   *bn;
    ngx_http_apisec_shm_node_t   *node;
    u_char                        buf[NGX_HTTP_APISEC_SHM_LOG_KEY_LEN];

    zone = ban->shm_zone->data;
    now = ngx_current_msec;

    if (ngx_http_apisec_shm_key(r, &zone->shm, &key, &hash) != NGX_OK) {
        return;
    }

    if (zone->shm.redis
        && ngx_http_apisec_ban_redis_failure(r, ban->shm_zone, &key) == NGX_OK)
    {
        return;
    }

    banned = 0;
    lifted = 0;

    ngx_shmtx_lock(&zone->shm.shpool->mutex);

    node = ngx_http_apisec_shm_get(&zone->shm, hash, &key, now,
                                   r->connection->log, &created);
    if (node == NULL) {
        ngx_shmtx_unlock(&zone->shm.shpool->mutex);
        return;
    }

    bn = ngx_http_apisec_ban_node(node);

    if (bn->banned_until) {

        if ((ngx_msec_int_t) (bn->banned_until - now) > 0) {
            /* banned meanwhile by another request */
            ngx_shmtx_unlock(&zone->shm.shpool->mutex);
            return;
        }

        /* ended meanwhile: no request saw the end yet */

        bn->banned_until = 0;
        bn->failures = 0;
        lifted = 1;
    }

    if (bn->failures == 0 || now - bn->window_start >= zone->window) {
        bn->failures = 0;
        bn->window_start = now;
    }

    failures = ++bn->failures;

    if (failures >= zone->threshold) {
        bn->banned_until = now + zone->duration;
        bn->failures = 0;
        banned = 1;
    }

    ngx_shmtx_unlock(&zone->shm.shpool->mutex);

    if (!banned && !lifted) {
        return;
    }

    len = ngx_http_apisec_shm_log_key(&zone->shm, &key, buf);

    if (lifted) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ban of \"%*s\" expired in zone \"%V\"",
                      len, buf, &ban->shm_zone->shm.name);
    }

    if (!banned) {
        return;

    } else if (status == 0) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "\"%*s\" banned in zone \"%V\" for %M ms after "
                      "%ui authentication failures", len, buf,
                      &ban->shm_zone->shm.name, zone->duration,
                      zone->threshold);

    } else {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "\"%*s\" banned in zone \"%V\" for %M ms after "
                      "%ui failures, the last with status %ui", len, buf,
                      &ban->shm_zone->shm.name, zone->duration,
                      zone->threshold, status);
    }
}


/* reset=on: a success clears the key's failures (never a ban in force) */

static void
ngx_http_apisec_ban_reset(ngx_http_request_t *r, ngx_http_apisec_ban_t *ban)
{
    uint32_t                      hash;
    ngx_str_t                     key;
    ngx_http_apisec_ban_zone_t   *zone;
    ngx_http_apisec_ban_node_t   *bn;
    ngx_http_apisec_shm_node_t   *node;

    zone = ban->shm_zone->data;

    if (ngx_http_apisec_shm_key(r, &zone->shm, &key, &hash) != NGX_OK) {
        return;
    }

    ngx_shmtx_lock(&zone->shm.shpool->mutex);

    node = ngx_http_apisec_shm_lookup(&zone->shm, hash, &key);

    if (node) {
        bn = ngx_http_apisec_ban_node(node);

        if (bn->banned_until == 0 && bn->failures) {
            bn->failures = 0;

            ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "apisec ban: failures reset in zone \"%V\"",
                           &ban->shm_zone->shm.name);
        }
    }

    ngx_shmtx_unlock(&zone->shm.shpool->mutex);
}


/* a ban in force is never evicted: a flood of other keys cannot lift it */

static ngx_uint_t
ngx_http_apisec_ban_keep(void *data, ngx_http_apisec_shm_node_t *node,
    ngx_msec_t now)
{
    ngx_http_apisec_ban_node_t  *bn;

    bn = ngx_http_apisec_ban_node(node);

    return (bn->banned_until
            && (ngx_msec_int_t) (bn->banned_until - now) > 0);
}


static ngx_uint_t
ngx_http_apisec_ban_idle(void *data, ngx_http_apisec_shm_node_t *node,
    ngx_msec_t now)
{
    ngx_http_apisec_ban_zone_t *zone = data;

    ngx_http_apisec_ban_node_t  *bn;

    bn = ngx_http_apisec_ban_node(node);

    if (bn->banned_until && (ngx_msec_int_t) (bn->banned_until - now) > 0) {
        return 0;
    }

    return (now - bn->window_start >= zone->window);
}


/*
 * apisec_ban_zone key zone=name:size threshold=N window=<time>
 *     duration=<time>;
 */

char *
ngx_http_apisec_ban_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ssize_t                            size;
    ngx_int_t                          n, rc;
    ngx_str_t                         *value, name, s;
    ngx_uint_t                         i;
    ngx_msec_t                         ms;
    ngx_shm_zone_t                    *shm_zone;
    ngx_http_apisec_ban_zone_t        *zone;

    if (ngx_http_apisec_limit_zone_old_form(cf, cmd) != NGX_DECLINED) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_ban_zone_t));
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

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0 && name.len == 0) {

            if (ngx_http_apisec_shm_zone_param(cf, &value[i], &name, &size, 0)
                != NGX_CONF_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "threshold=", 10) == 0) {

            n = ngx_atoi(value[i].data + 10, value[i].len - 10);
            if (n <= 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid threshold \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            zone->threshold = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "window=", 7) == 0
            || ngx_strncmp(value[i].data, "duration=", 9) == 0)
        {
            s.data = (u_char *) ngx_strchr(value[i].data, '=') + 1;
            s.len = value[i].data + value[i].len - s.data;

            ms = ngx_parse_time(&s, 0);
            if (ms == (ngx_msec_t) NGX_ERROR || ms == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid time \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            if (value[i].data[0] == 'w') {
                zone->window = ms;

            } else {
                zone->duration = ms;
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

    if (!zone->threshold || !zone->window || !zone->duration) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"threshold\", \"window\" "
                           "and \"duration\" parameters", &cmd->name);
        return NGX_CONF_ERROR;
    }

    zone->shm.kind = &ngx_http_apisec_ban_kind;

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_apisec_ban_tag);
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
 * apisec_ban zone=name [statuses=code,...] [credentials=any|present]
 *     [reset=on|off] | off;  repeatable
 */

char *
ngx_http_apisec_ban(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    u_char                       *p, *last, *comma;
    ngx_int_t                     code;
    ngx_str_t                    *value, s;
    ngx_uint_t                    i, j, credentials;
    ngx_shm_zone_t               *shm_zone;
    ngx_http_apisec_ban_t        *bans, *ban;
    ngx_http_apisec_main_conf_t  *amcf;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (alcf->limit.bans != NGX_CONF_UNSET_PTR) {
            return "is duplicate";
        }

        if (cf->args->nelts > 2) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        alcf->limit.bans = NULL;
        return NGX_CONF_OK;
    }

    if (alcf->limit.bans == NULL) {
        return "is duplicate";
    }

    if (alcf->limit.bans_pos.file.data == NULL
        && ngx_http_apisec_conf_pos(cf, &alcf->limit.bans_pos) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_strncmp(value[1].data, "zone=", 5) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    s.len = value[1].len - 5;
    s.data = value[1].data + 5;

    shm_zone = ngx_shared_memory_add(cf, &s, 0, &ngx_http_apisec_ban_tag);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown apisec_ban_zone \"%V\"", &s);
        return NGX_CONF_ERROR;
    }

    if (alcf->limit.bans == NGX_CONF_UNSET_PTR) {
        alcf->limit.bans = ngx_array_create(cf->pool, 1,
                                            sizeof(ngx_http_apisec_ban_t));
        if (alcf->limit.bans == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    bans = alcf->limit.bans->elts;

    for (i = 0; i < alcf->limit.bans->nelts; i++) {
        if (bans[i].shm_zone == shm_zone) {
            return "is duplicate";
        }
    }

    ban = ngx_array_push(alcf->limit.bans);
    if (ban == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(ban, sizeof(ngx_http_apisec_ban_t));

    ban->shm_zone = shm_zone;
    credentials = 0;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "statuses=", 9) == 0
            && ban->nstatuses == 0)
        {
            p = value[i].data + 9;
            last = value[i].data + value[i].len;

            for ( ;; ) {
                comma = ngx_strlchr(p, last, ',');
                if (comma == NULL) {
                    comma = last;
                }

                code = ngx_atoi(p, comma - p);

                if (code < 400 || code > 599
                    || ban->nstatuses == NGX_HTTP_APISEC_BAN_STATUSES)
                {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "invalid parameter \"%V\": at most "
                                       "%d codes from 400 to 599",
                                       &value[i],
                                       NGX_HTTP_APISEC_BAN_STATUSES);
                    return NGX_CONF_ERROR;
                }

                for (j = 0; j < ban->nstatuses; j++) {
                    if (ban->statuses[j] == (ngx_uint_t) code) {
                        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                           "invalid parameter \"%V\": "
                                           "code %i twice", &value[i], code);
                        return NGX_CONF_ERROR;
                    }
                }

                ban->statuses[ban->nstatuses++] = code;

                if (comma == last) {
                    break;
                }

                p = comma + 1;
            }

            continue;
        }

        if (value[i].len == sizeof("credentials=any") - 1
            && ngx_strncmp(value[i].data, "credentials=any",
                           value[i].len) == 0
            && !credentials)
        {
            ban->any = 1;
            credentials = 1;
            continue;
        }

        if (value[i].len == sizeof("credentials=present") - 1
            && ngx_strncmp(value[i].data, "credentials=present",
                           value[i].len) == 0
            && !credentials)
        {
            credentials = 1;
            continue;
        }

        if (value[i].len == sizeof("reset=on") - 1
            && ngx_strncmp(value[i].data, "reset=on", value[i].len) == 0)
        {
            ban->reset = 1;
            continue;
        }

        if (value[i].len == sizeof("reset=off") - 1
            && ngx_strncmp(value[i].data, "reset=off", value[i].len) == 0)
        {
            ban->reset = 0;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (credentials && ban->nstatuses == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"credentials=\" needs \"statuses=\"");
        return NGX_CONF_ERROR;
    }

    if (ban->nstatuses || ban->reset) {
        amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apisec_module);
        amcf->ban_log = 1;
    }

    return NGX_CONF_OK;
}


/*
 * apisec_admin (ngx_http_apisec_admin.c): the bans of a zone, one key's
 * ban, a ban lifted or set by hand.  Each takes the zone's lock only to
 * read or change the node; a change is logged once, with the key as text.
 */

ngx_uint_t
ngx_http_apisec_ban_is_zone(ngx_shm_zone_t *shm_zone)
{
    return (shm_zone->tag == &ngx_http_apisec_ban_tag
            && shm_zone->data != NULL);
}


ngx_http_apisec_ban_info_t *
ngx_http_apisec_ban_list(ngx_shm_zone_t *shm_zone, ngx_pool_t *pool,
    ngx_uint_t max, ngx_uint_t *n, ngx_uint_t *more)
{
    u_char                      *p;
    ngx_uint_t                   i;
    ngx_msec_t                   now;
    ngx_http_apisec_ban_zone_t  *zone;
    ngx_http_apisec_ban_node_t  *bn;
    ngx_http_apisec_ban_info_t  *info;
    ngx_http_apisec_shm_copy_t  *copy;

    zone = shm_zone->data;

    /* a ban in force is what the ban kind keeps from eviction */

    copy = ngx_http_apisec_shm_copy(&zone->shm, ngx_http_apisec_ban_keep,
                                    pool, max, n, more);
    if (copy == NULL) {
        return NULL;
    }

    info = ngx_palloc(pool, (*n + 1) * sizeof(ngx_http_apisec_ban_info_t));
    if (info == NULL) {
        return NULL;
    }

    now = ngx_current_msec;

    for (i = 0; i < *n; i++) {
        p = ngx_pnalloc(pool, NGX_HTTP_APISEC_SHM_LOG_KEY_LEN);
        if (p == NULL) {
            return NULL;
        }

        bn = copy[i].value;

        info[i].key.data = p;
        info[i].key.len = ngx_http_apisec_shm_log_key(&zone->shm,
                                                      &copy[i].key, p);
        info[i].left = ((ngx_msec_int_t) (bn->banned_until - now) > 0)
                       ? bn->banned_until - now : 0;
        info[i].failures = bn->failures;
    }

    return info;
}


/* NGX_DECLINED: the key is not banned; info->key in buf (LOG_KEY_LEN) */

ngx_int_t
ngx_http_apisec_ban_get(ngx_shm_zone_t *shm_zone, ngx_str_t *key,
    ngx_http_apisec_ban_info_t *info, u_char *buf)
{
    uint32_t                     hash;
    ngx_int_t                    rc;
    ngx_msec_t                   now;
    ngx_http_apisec_ban_zone_t  *zone;
    ngx_http_apisec_ban_node_t  *bn;
    ngx_http_apisec_shm_node_t  *node;

    zone = shm_zone->data;
    hash = ngx_crc32_short(key->data, key->len);
    now = ngx_current_msec;
    rc = NGX_DECLINED;

    ngx_shmtx_lock(&zone->shm.shpool->mutex);

    node = ngx_http_apisec_shm_lookup(&zone->shm, hash, key);

    if (node && ngx_http_apisec_ban_keep(zone, node, now)) {
        bn = ngx_http_apisec_ban_node(node);

        info->left = bn->banned_until - now;
        info->failures = bn->failures;
        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&zone->shm.shpool->mutex);

    info->key.data = buf;
    info->key.len = ngx_http_apisec_shm_log_key(&zone->shm, key, buf);

    return rc;
}


/* NGX_DECLINED: the key is not banned */

ngx_int_t
ngx_http_apisec_ban_lift(ngx_shm_zone_t *shm_zone, ngx_str_t *key,
    ngx_log_t *log)
{
    size_t                       len;
    uint32_t                     hash;
    ngx_int_t                    rc;
    ngx_msec_t                   now;
    ngx_http_apisec_ban_zone_t  *zone;
    ngx_http_apisec_shm_node_t  *node;
    u_char                       buf[NGX_HTTP_APISEC_SHM_LOG_KEY_LEN];

    zone = shm_zone->data;
    hash = ngx_crc32_short(key->data, key->len);
    now = ngx_current_msec;
    rc = NGX_DECLINED;

    ngx_shmtx_lock(&zone->shm.shpool->mutex);

    node = ngx_http_apisec_shm_lookup(&zone->shm, hash, key);

    /* the node goes, with its failures: the key starts afresh */

    if (node && ngx_http_apisec_ban_keep(zone, node, now)) {
        ngx_http_apisec_shm_free(&zone->shm, node);
        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&zone->shm.shpool->mutex);

    if (rc == NGX_OK) {
        len = ngx_http_apisec_shm_log_key(&zone->shm, key, buf);

        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "apisec: ban of \"%*s\" lifted in zone \"%V\" "
                      "by apisec_admin", len, buf, &shm_zone->shm.name);
    }

    return rc;
}


/* duration 0: the zone's; NGX_ERROR: the zone is full */

ngx_int_t
ngx_http_apisec_ban_set(ngx_shm_zone_t *shm_zone, ngx_str_t *key,
    ngx_msec_t duration, ngx_log_t *log)
{
    size_t                       len;
    uint32_t                     hash;
    ngx_uint_t                   created;
    ngx_msec_t                   now;
    ngx_http_apisec_ban_zone_t  *zone;
    ngx_http_apisec_ban_node_t  *bn;
    ngx_http_apisec_shm_node_t  *node;
    u_char                       buf[NGX_HTTP_APISEC_SHM_LOG_KEY_LEN];

    zone = shm_zone->data;
    hash = ngx_crc32_short(key->data, key->len);
    now = ngx_current_msec;

    if (duration == 0) {
        duration = zone->duration;
    }

    ngx_shmtx_lock(&zone->shm.shpool->mutex);

    node = ngx_http_apisec_shm_get(&zone->shm, hash, key, now, log, &created);
    if (node == NULL) {
        ngx_shmtx_unlock(&zone->shm.shpool->mutex);
        return NGX_ERROR;
    }

    bn = ngx_http_apisec_ban_node(node);

    bn->banned_until = now + duration;
    bn->window_start = now;
    bn->failures = 0;

    ngx_shmtx_unlock(&zone->shm.shpool->mutex);

    len = ngx_http_apisec_shm_log_key(&zone->shm, key, buf);

    ngx_log_error(NGX_LOG_WARN, log, 0,
                  "apisec: \"%*s\" banned in zone \"%V\" for %M ms "
                  "by apisec_admin", len, buf, &shm_zone->shm.name, duration);

    return NGX_OK;
}
