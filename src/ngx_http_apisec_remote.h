
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_REMOTE_H_INCLUDED_
#define _NGX_HTTP_APISEC_REMOTE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <jansson.h>


/* the digests that key shared caches, here and in jwt_cache.h */
#define NGX_HTTP_APISEC_DIGEST_LEN        32     /* SHA-256 */

/* what a flight brings back to the requests that waited for it */
#define NGX_HTTP_APISEC_FLIGHT_NONE       0   /* aborted: try again */
#define NGX_HTTP_APISEC_FLIGHT_OK         1   /* an answer, in "result" */
#define NGX_HTTP_APISEC_FLIGHT_NEGATIVE   2   /* an answer that says no */
#define NGX_HTTP_APISEC_FLIGHT_FAILED     3   /* no usable answer */

/* the answer's bound: this, or subrequest_output_buffer_size if larger */
#define NGX_HTTP_APISEC_ANSWER_MIN_MAX    (64 * 1024)

/* a request that waits for a flight looks again at least this often */
#define NGX_HTTP_APISEC_FLIGHT_POLL       1000


typedef struct ngx_http_apisec_flight_s  ngx_http_apisec_flight_t;
typedef struct ngx_http_apisec_waiter_s  ngx_http_apisec_waiter_t;


/*
 * Called once per flight with the validated answer (status 200, JSON media
 * type, no content coding, within the size bound, a JSON object), or with
 * json == NULL when there is none; sets f->outcome (and f->result, a
 * reference the flight hands to every waiter).
 */
typedef void (*ngx_http_apisec_flight_land_pt)(ngx_http_apisec_flight_t *f,
    json_t *json, ngx_log_t *log);


/*
 * One fetch through a subrequest, and the requests that wait for it: a
 * flight is "pending" from the subrequest's start until its answer lands
 * (or the request that made it goes away), and only one is ever pending
 * for the same data in a worker.
 */
struct ngx_http_apisec_flight_s {
    ngx_queue_t                     waiters;    /* ngx_http_apisec_waiter_t */
    ngx_queue_t                     queue;      /* introspection: in flight */
    ngx_http_request_t             *owner;      /* made the subrequest */
    ngx_str_t                       uri;
    ngx_str_t                       body;       /* POST form, or GET */
    char                           *what;       /* for logs */
    ngx_http_apisec_flight_land_pt  land;
    void                           *data;
    ngx_int_t                       outcome;
    json_t                         *result;
    u_char                          key[NGX_HTTP_APISEC_DIGEST_LEN];

    /* the answer, collected by the body filter (bounded) */
    ngx_http_request_t             *sr;
    u_char                         *answer;
    size_t                          size;       /* of answer */
    size_t                          len;        /* in answer */
    size_t                          max;

    unsigned                        too_large:1;
    unsigned                        pending:1;
    unsigned                        dynamic:1;  /* lives in owner's pool */
    unsigned                        registered:1;
};


/* a request's part in a flight: one per main request, in its pool */
struct ngx_http_apisec_waiter_s {
    ngx_queue_t                     queue;
    ngx_http_request_t             *request;    /* the one to wake */
    ngx_http_apisec_flight_t       *want;       /* set by authentication */
    ngx_http_apisec_flight_t       *flight;     /* queued on it */

    /* handed over when the flight lands */
    ngx_int_t                       outcome;
    json_t                         *result;
    u_char                          key[NGX_HTTP_APISEC_DIGEST_LEN];
    unsigned                        landed:1;
    unsigned                        timer:1;    /* the poll timer is ours */
};


/* remote keys: apisec_jwt_key_request, apisec_jwt_discovery (per worker) */
typedef struct {
    ngx_str_t                       uri;
    ngx_str_t                       bound;      /* issuer=; NULL: none */
    ngx_str_t                       discovery;  /* "": none */

    /* times are ngx_current_msec values, valid when their bit is set */
    ngx_pool_t                     *pool;       /* of keys */
    ngx_array_t                    *keys;       /* NULL: never fetched */
    u_char                         *keyset;     /* fingerprint of keys */
    ngx_msec_t                      fetched;
    ngx_msec_t                      failed;     /* the last failure */
    ngx_msec_t                      early;      /* the last early refetch */
    ngx_uint_t                      generation; /* bumped per new key set */
    ngx_uint_t                      status;     /* its counters; 0: none */
    ngx_http_apisec_flight_t        flight;

    ngx_pool_t                     *disc_pool;  /* of issuer, jwks_uri */
    ngx_str_t                       jwks_uri;   /* from discovery */
    ngx_str_t                       issuer;
    ngx_array_t                     issuers;    /* ngx_str_t: issuer */
    ngx_msec_t                      disc_fetched;
    ngx_msec_t                      disc_failed;
    ngx_http_apisec_flight_t        disc_flight;

    unsigned                        stale:1;    /* fetch before next use */
    unsigned                        has_failed:1;
    unsigned                        has_early:1;
    unsigned                        disc_has_failed:1;
} ngx_http_apisec_jwks_t;


/* apisec_introspect */
#define NGX_HTTP_APISEC_INTROSPECT_LOCAL      0   /* JWTs verified here */
#define NGX_HTTP_APISEC_INTROSPECT_ALL        1   /* JWTs introspected too */

/*
 * One per server block that uses it (a directive inherited by several
 * servers is copied for each): an answer is the answer of the location
 * that the URI names in this server, so the cache and the flights key it
 * by the server's identity ("context": a digest of the server's place,
 * names and listen addresses, and the URI, the same across reloads).
 */
typedef struct {
    ngx_str_t                       uri;
    ngx_uint_t                      jwt;
    ngx_http_core_srv_conf_t       *server;
    u_char                          context[NGX_HTTP_APISEC_DIGEST_LEN];
} ngx_http_apisec_introspect_t;


/* apisec_introspect_cache */
typedef struct {
    ngx_shm_zone_t                 *shm_zone;
    time_t                          ttl;
    time_t                          negative_ttl;
} ngx_http_apisec_introspect_cache_t;


/* flights (ngx_http_apisec_remote.c) */
ngx_http_apisec_waiter_t *ngx_http_apisec_waiter(ngx_http_request_t *r);
ngx_int_t ngx_http_apisec_flight_join(ngx_http_request_t *r,
    ngx_http_apisec_waiter_t *w);
ngx_http_apisec_flight_t *ngx_http_apisec_flight_find(u_char *key);
ngx_uint_t ngx_http_apisec_flight_is_ours(ngx_http_request_t *r);
ngx_http_apisec_flight_t *ngx_http_apisec_flight_of(ngx_http_request_t *r);
ngx_int_t ngx_http_apisec_flight_body(ngx_http_request_t *r,
    ngx_chain_t *in);
ngx_int_t ngx_http_apisec_json_media_type(ngx_str_t *type);
json_t *ngx_http_apisec_json_answer(u_char *p, size_t len, char **why);


#endif /* _NGX_HTTP_APISEC_REMOTE_H_INCLUDED_ */
