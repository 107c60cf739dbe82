
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_LIMIT_H_INCLUDED_
#define _NGX_HTTP_APISEC_LIMIT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_apisec_conf.h"


/*
 * Rates are kept as integers in requests a day, so that "N r/s"
 * (N * 86400), "N r/m" (N * 1440), "N r/h" (N * 24) and "N r/d" (N) are
 * all exact; the bucket level ("excess", as limit_req) is in
 * milli-requests: 1000 is one request, and a bucket drains
 * rate * ms / 86400 milli-requests in ms milliseconds.
 *
 * The most a rate may be is 1,000,000 r/s (86,400,000,000 r/d), whatever
 * its spelling: with it, every product of ngx_http_apisec_limit_drain()
 * and ngx_http_apisec_limit_wait() stays far below 2^64 (see there).
 */

#define NGX_HTTP_APISEC_RATE_PER_SEC(n)   ((uint64_t) (n) * 86400)
#define NGX_HTTP_APISEC_RATE_PER_MIN(n)   ((uint64_t) (n) * 1440)
#define NGX_HTTP_APISEC_RATE_PER_HOUR(n)  ((uint64_t) (n) * 24)
#define NGX_HTTP_APISEC_RATE_PER_DAY(n)   ((uint64_t) (n))

#define NGX_HTTP_APISEC_LIMIT_MAX_RATE    NGX_HTTP_APISEC_RATE_PER_SEC(1000000)

/* the most "burst=" and "delay=" may be, in requests */
#define NGX_HTTP_APISEC_LIMIT_MAX_BURST   1000000000


/*
 * "<N>r/s", "<N>r/m", "<N>r/h" or "<N>r/d" (what follows "rate=", in
 * limit zones and in the API-key file alike): NGX_OK and *rate in requests
 * a day, NGX_DECLINED when above NGX_HTTP_APISEC_LIMIT_MAX_RATE, else
 * NGX_ERROR (another spelling, N not a positive integer)
 */
ngx_int_t ngx_http_apisec_limit_parse_rate(u_char *p, size_t len,
    uint64_t *rate);


/*
 * The limiter's arithmetic (GCRA, as limit_req's excess accounting): a
 * key's bucket holds "level" milli-requests and drains at "rate"; a
 * request finds level' = drain(level, ms since the last admission), is
 * admitted when level' <= 1000 * burst, and then adds 1000.
 */
uint64_t ngx_http_apisec_limit_drain(uint64_t level, ngx_msec_int_t ms,
    uint64_t rate);
ngx_msec_t ngx_http_apisec_limit_wait(uint64_t milli, uint64_t rate);
ngx_uint_t ngx_http_apisec_limit_remaining(uint64_t level, uint64_t burst);

/* directives (ngx_http_apisec_limit.c, ngx_http_apisec_ban.c) */
ngx_int_t ngx_http_apisec_limit_zone_old_form(ngx_conf_t *cf,
    ngx_command_t *cmd);
char *ngx_http_apisec_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_apisec_ban_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_ban(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

ngx_int_t ngx_http_apisec_limit_add_variables(ngx_conf_t *cf);

/* the most codes "statuses=" of apisec_ban may list */
#define NGX_HTTP_APISEC_BAN_STATUSES      16

/* apisec_ban zone=name [statuses=code,...] [credentials=] [reset=] */
typedef struct {
    ngx_shm_zone_t             *shm_zone;
    ngx_uint_t                  nstatuses;  /* 0: the module's own 401s */
    ngx_uint_t                  statuses[NGX_HTTP_APISEC_BAN_STATUSES];
    ngx_uint_t                  any;        /* credentials=any */
    ngx_uint_t                  reset;      /* reset=on */
} ngx_http_apisec_ban_t;


/* apisec_limit, apisec_ban and their settings, per location */
typedef struct {
    ngx_array_t                *limits;     /* ngx_http_apisec_limit_t; NULL */
    ngx_array_t                *bans;       /* ngx_http_apisec_ban_t; NULL */
    ngx_uint_t                  redis;      /* a limit zone kept in Redis */
    ngx_flag_t                  headers;    /* apisec_limit_headers */
    ngx_uint_t                  status;     /* apisec_limit_status */
    ngx_uint_t                  log_level;  /* apisec_limit_log_level */
    ngx_http_apisec_conf_pos_t  limits_pos;
    ngx_http_apisec_conf_pos_t  bans_pos;
} ngx_http_apisec_limit_conf_t;


void ngx_http_apisec_limit_create_conf(ngx_http_apisec_limit_conf_t *conf);
void ngx_http_apisec_limit_merge_conf(ngx_http_apisec_limit_conf_t *prev,
    ngx_http_apisec_limit_conf_t *conf);


/* the access pipeline: bans before authentication, limits after it */
ngx_int_t ngx_http_apisec_ban_access(ngx_http_request_t *r);
ngx_int_t ngx_http_apisec_limit_access(ngx_http_request_t *r);
ngx_shm_zone_t *ngx_http_apisec_limit_identity(ngx_array_t *limits);

/* an authentication failure (a 401 of this module), for the ban zones */
void ngx_http_apisec_ban_failure(ngx_http_request_t *r);

/* the final status of the request, for apisec_ban statuses=, reset= */
ngx_int_t ngx_http_apisec_ban_log(ngx_http_request_t *r);

/* apisec_admin: the bans and the limiter state of one key */
typedef struct {
    ngx_str_t                   key;        /* printable */
    ngx_msec_t                  left;       /* of the ban, ms */
    ngx_uint_t                  failures;   /* in the current window */
} ngx_http_apisec_ban_info_t;

typedef struct {
    uint64_t                    zone_rate;  /* requests a day */
    uint64_t                    rate;       /* the key's last, r/d */
    uint64_t                    excess;     /* now, milli-requests */
    ngx_msec_t                  reset;      /* until it drains, ms */
    ngx_msec_t                  last;       /* since its last request, ms */
} ngx_http_apisec_limit_info_t;

ngx_uint_t ngx_http_apisec_ban_is_zone(ngx_shm_zone_t *shm_zone);
ngx_http_apisec_ban_info_t *ngx_http_apisec_ban_list(
    ngx_shm_zone_t *shm_zone, ngx_pool_t *pool, ngx_uint_t max,
    ngx_uint_t *n, ngx_uint_t *more);
ngx_int_t ngx_http_apisec_ban_get(ngx_shm_zone_t *shm_zone, ngx_str_t *key,
    ngx_http_apisec_ban_info_t *info, u_char *buf);
ngx_int_t ngx_http_apisec_ban_lift(ngx_shm_zone_t *shm_zone, ngx_str_t *key,
    ngx_log_t *log);
ngx_int_t ngx_http_apisec_ban_set(ngx_shm_zone_t *shm_zone, ngx_str_t *key,
    ngx_msec_t duration, ngx_log_t *log);
ngx_uint_t ngx_http_apisec_limit_is_zone(ngx_shm_zone_t *shm_zone);
ngx_int_t ngx_http_apisec_limit_state(ngx_shm_zone_t *shm_zone,
    ngx_str_t *key, ngx_http_apisec_limit_info_t *info);

/* the header filter: RateLimit-Policy and RateLimit */
ngx_int_t ngx_http_apisec_limit_headers(ngx_http_request_t *r);


#endif /* _NGX_HTTP_APISEC_LIMIT_H_INCLUDED_ */
