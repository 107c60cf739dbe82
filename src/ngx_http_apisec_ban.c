
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
    ngx_uint_t                    i, lifted, pending;
    ngx_msec_t                    now, wait;
    ngx_shm_zone_t              **zones;
    ngx_http_apisec_loc_conf_t   *alcf;
    ngx_http_apisec_ban_zone_t   *zone;
    ngx_http_apisec_ban_node_t   *bn;
    ngx_http_apisec_shm_node_t   *node;
    u_char                        buf[NGX_HTTP_APISEC_SHM_LOG_KEY_LEN];

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    zones = alcf->limit.bans->elts;
    now = ngx_current_msec;
    pending = 0;

    for (i = 0; i < alcf->limit.bans->nelts; i++) {
        zone = zones[i]->data;

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
            rc = ngx_http_apisec_ban_redis(r, zones[i], &key, &wait);

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
                          len, buf, &zones[i]->shm.name);
        }

    verdict:

        if (wait == 0) {
            continue;
        }

        len = ngx_http_apisec_shm_log_key(&zone->shm, &key, buf);

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "request refused, \"%*s\" is banned in zone \"%V\" "
                      "for %M ms more", len, buf, &zones[i]->shm.name, wait);

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


/* a failure counted in Redis (NGX_OK), or in this node's zone */

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
 * zone of the location.  The window is fixed: it begins with the first
 * failure after the previous window ended.
 */

void
ngx_http_apisec_ban_failure(ngx_http_request_t *r)
{
    size_t                        len;
    uint32_t                      hash;
    ngx_int_t                     rc;
    ngx_str_t                     key;
    ngx_uint_t                    i, banned;
    ngx_msec_t                    now;
    ngx_shm_zone_t              **zones;
    ngx_http_apisec_loc_conf_t   *alcf;
    ngx_http_apisec_ban_zone_t   *zone;
    ngx_http_apisec_ban_node_t   *bn;
    ngx_http_apisec_shm_node_t   *node;
    u_char                        buf[NGX_HTTP_APISEC_SHM_LOG_KEY_LEN];

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    if (alcf->limit.bans == NULL || alcf->limit.bans == NGX_CONF_UNSET_PTR) {
        return;
    }

    zones = alcf->limit.bans->elts;
    now = ngx_current_msec;

    for (i = 0; i < alcf->limit.bans->nelts; i++) {
        zone = zones[i]->data;

        rc = ngx_http_apisec_shm_key(r, &zone->shm, &key, &hash);

        if (rc != NGX_OK) {
            continue;
        }

        if (zone->shm.redis
            && ngx_http_apisec_ban_redis_failure(r, zones[i], &key) == NGX_OK)
        {
            continue;
        }

        banned = 0;

        ngx_shmtx_lock(&zone->shm.shpool->mutex);

        node = ngx_http_apisec_shm_lookup(&zone->shm, hash, &key);

        if (node) {
            ngx_http_apisec_shm_touch(&zone->shm, node);

        } else {
            node = ngx_http_apisec_shm_alloc(&zone->shm, hash, &key, 0, now,
                                             r->connection->log);
            if (node == NULL) {
                ngx_shmtx_unlock(&zone->shm.shpool->mutex);
                continue;
            }
        }

        bn = ngx_http_apisec_ban_node(node);

        if (bn->banned_until
            && (ngx_msec_int_t) (bn->banned_until - now) > 0)
        {
            /* banned meanwhile by another request */
            ngx_shmtx_unlock(&zone->shm.shpool->mutex);
            continue;
        }

        if (bn->failures == 0 || now - bn->window_start >= zone->window) {
            bn->failures = 0;
            bn->window_start = now;
        }

        if (++bn->failures >= zone->threshold) {
            bn->banned_until = now + zone->duration;
            bn->failures = 0;
            banned = 1;
        }

        ngx_shmtx_unlock(&zone->shm.shpool->mutex);

        if (banned) {
            len = ngx_http_apisec_shm_log_key(&zone->shm, &key, buf);

            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "\"%*s\" banned in zone \"%V\" for %M ms after "
                          "%ui authentication failures", len, buf,
                          &zones[i]->shm.name, zone->duration,
                          zone->threshold);
        }
    }
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
    ngx_http_compile_complex_value_t   ccv;

    if (ngx_http_apisec_limit_zone_old_form(cf, cmd) != NGX_DECLINED) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_ban_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &zone->shm.key;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
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


/* apisec_ban zone=name | off; repeatable */

char *
ngx_http_apisec_ban(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_str_t        *value, s;
    ngx_uint_t        i;
    ngx_shm_zone_t   *shm_zone, **zones, **z;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (alcf->limit.bans != NGX_CONF_UNSET_PTR) {
            return "is duplicate";
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
        alcf->limit.bans = ngx_array_create(cf->pool, 1, sizeof(ngx_shm_zone_t *));
        if (alcf->limit.bans == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    zones = alcf->limit.bans->elts;

    for (i = 0; i < alcf->limit.bans->nelts; i++) {
        if (zones[i] == shm_zone) {
            return "is duplicate";
        }
    }

    z = ngx_array_push(alcf->limit.bans);
    if (z == NULL) {
        return NGX_CONF_ERROR;
    }

    *z = shm_zone;

    return NGX_CONF_OK;
}
