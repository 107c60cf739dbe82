
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


static ngx_int_t ngx_http_apisec_flight_start(ngx_http_request_t *r,
    ngx_http_apisec_flight_t *f);
static ngx_int_t ngx_http_apisec_flight_headers(ngx_http_request_t *r,
    ngx_http_request_t *sr, ngx_http_apisec_flight_t *f);
static ngx_int_t ngx_http_apisec_flight_header(ngx_http_request_t *sr,
    char *name, char *lowcase, ngx_str_t *value);
static ngx_int_t ngx_http_apisec_flight_done(ngx_http_request_t *sr,
    void *data, ngx_int_t rc);
static json_t *ngx_http_apisec_flight_answer(ngx_http_request_t *sr,
    ngx_http_apisec_flight_t *f, ngx_int_t rc, char **why);
static void ngx_http_apisec_flight_finish(ngx_http_apisec_flight_t *f);
static void ngx_http_apisec_flight_wait_handler(ngx_http_request_t *r);
static void ngx_http_apisec_waiter_cleanup(void *data);


/* the pending flights of introspection, a worker's; by the token's digest */
static ngx_queue_t  ngx_http_apisec_flights;


/*
 * Every request that takes part in a flight has a waiter, found through the
 * ctx of its main request; its pool cleanup takes it out of the flight's
 * queue, and, when it made the flight's subrequest, lets the flight go so
 * that a waiter starts it again.
 */

ngx_http_apisec_waiter_t *
ngx_http_apisec_waiter(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t        *cln;
    ngx_http_apisec_ctx_t     *ctx;
    ngx_http_apisec_waiter_t  *w;

    ctx = ngx_http_apisec_get_ctx(r->main);
    if (ctx == NULL) {
        return NULL;
    }

    if (ctx->waiter) {
        return ctx->waiter;
    }

    cln = ngx_pool_cleanup_add(r->main->pool,
                               sizeof(ngx_http_apisec_waiter_t));
    if (cln == NULL) {
        return NULL;
    }

    w = cln->data;
    ngx_memzero(w, sizeof(ngx_http_apisec_waiter_t));

    cln->handler = ngx_http_apisec_waiter_cleanup;

    ctx->waiter = w;

    return w;
}


/*
 * The access phase of a request whose authentication needs w->want: it
 * joins the flight when one is pending, or starts it; NGX_AGAIN either way
 * (the access handler runs again when the answer has landed).
 */

ngx_int_t
ngx_http_apisec_flight_join(ngx_http_request_t *r,
    ngx_http_apisec_waiter_t *w)
{
    ngx_http_apisec_flight_t  *f;

    f = w->want;
    w->want = NULL;

    if (f == NULL) {
        return NGX_ERROR;
    }

    if (w->flight && w->flight != f) {
        ngx_queue_remove(&w->queue);
        w->flight = NULL;
    }

    if (w->result) {
        json_decref(w->result);
        w->result = NULL;
    }

    w->landed = 0;
    w->outcome = NGX_HTTP_APISEC_FLIGHT_NONE;
    w->request = r;

    if (!f->pending) {
        if (ngx_http_apisec_flight_start(r, f) != NGX_OK) {
            return NGX_ERROR;
        }

    } else {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "apisec waits for the %s subrequest", f->what);

        if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
            return NGX_ERROR;
        }

        r->read_event_handler = ngx_http_test_reading;
        r->write_event_handler = ngx_http_apisec_flight_wait_handler;

        ngx_add_timer(r->connection->write, NGX_HTTP_APISEC_FLIGHT_POLL);
        w->timer = 1;
    }

    if (w->flight == NULL) {
        ngx_queue_insert_tail(&f->waiters, &w->queue);
        w->flight = f;
    }

    return NGX_AGAIN;
}


/*
 * The request runs the access phase again: it finds the answer, or waits.
 * It leaves the flight's queue first: a request that finds its answer
 * elsewhere (another worker filled the shared cache meanwhile) goes on to
 * other phases (a limit's delay, the upstream), where the flight's landing
 * must not touch it; one that still needs the flight joins it again.
 */

static void
ngx_http_apisec_flight_wait_handler(ngx_http_request_t *r)
{
    ngx_event_t               *wev;
    ngx_http_apisec_ctx_t     *ctx;
    ngx_http_apisec_waiter_t  *w;

    wev = r->connection->write;

    ctx = ngx_http_apisec_find_ctx(r->main);
    w = ctx ? ctx->waiter : NULL;

    if (wev->timedout) {
        wev->timedout = 0;
    }

    if (w) {
        if (w->timer) {
            w->timer = 0;

            if (wev->timer_set) {
                ngx_del_timer(wev);
            }
        }

        if (w->flight) {
            ngx_queue_remove(&w->queue);
            w->flight = NULL;
        }
    }

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    ngx_http_core_run_phases(r);
}


static ngx_int_t
ngx_http_apisec_flight_start(ngx_http_request_t *r,
    ngx_http_apisec_flight_t *f)
{
    ngx_buf_t                   *b;
    ngx_chain_t                 *cl;
    ngx_http_request_t          *sr;
    ngx_http_post_subrequest_t  *ps;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apisec %s subrequest \"%V\"", f->what, &f->uri);

    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    if (ps == NULL) {
        return NGX_ERROR;
    }

    ps->handler = ngx_http_apisec_flight_done;
    ps->data = f;

    /*
     * not NGX_HTTP_SUBREQUEST_IN_MEMORY: an answer larger than
     * subrequest_output_buffer_size would fail the client's connection;
     * ngx_http_apisec_flight_body() collects it, bounded, instead
     */

    if (ngx_http_subrequest(r, &f->uri, NULL, &sr, ps,
                            NGX_HTTP_SUBREQUEST_WAITED)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    sr->filter_need_in_memory = 1;

    /* a body of our own: never the client's, never read from the client */

    sr->request_body = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
    if (sr->request_body == NULL) {
        return NGX_ERROR;
    }

    if (f->body.len) {
        b = ngx_calloc_buf(r->pool);
        if (b == NULL) {
            return NGX_ERROR;
        }

        b->memory = 1;
        b->pos = f->body.data;
        b->last = f->body.data + f->body.len;
        b->last_buf = 1;

        cl = ngx_alloc_chain_link(r->pool);
        if (cl == NULL) {
            return NGX_ERROR;
        }

        cl->buf = b;
        cl->next = NULL;

        sr->request_body->bufs = cl;
        sr->request_body->buf = b;

        sr->method = NGX_HTTP_POST;
        ngx_str_set(&sr->method_name, "POST");
    }

    sr->header_only = 0;

    if (ngx_http_apisec_flight_headers(r, sr, f) != NGX_OK) {
        return NGX_ERROR;
    }

    if (f->result) {
        json_decref(f->result);
        f->result = NULL;
    }

    f->outcome = NGX_HTTP_APISEC_FLIGHT_NONE;
    f->owner = r;
    f->sr = sr;
    f->answer = NULL;
    f->size = 0;
    f->len = 0;
    f->max = 0;
    f->too_large = 0;
    f->pending = 1;

    if (f->dynamic) {
        if (ngx_http_apisec_flights.next == NULL) {
            ngx_queue_init(&ngx_http_apisec_flights);
        }

        ngx_queue_insert_tail(&ngx_http_apisec_flights, &f->queue);
        f->registered = 1;
    }

    return NGX_OK;
}


/*
 * The subrequest carries none of the client's headers (its Authorization,
 * cookies, Content-Length): only what the flight needs; the location adds
 * the rest (proxy_set_header).
 */

static ngx_int_t
ngx_http_apisec_flight_headers(ngx_http_request_t *r, ngx_http_request_t *sr,
    ngx_http_apisec_flight_t *f)
{
    ngx_str_t  value;

    ngx_memzero(&sr->headers_in, sizeof(ngx_http_headers_in_t));

    if (ngx_list_init(&sr->headers_in.headers, r->pool, 4,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    sr->headers_in.server = r->headers_in.server;
    sr->headers_in.keep_alive_n = -1;
    sr->headers_in.content_length_n = -1;

    ngx_str_set(&value, "application/json");

    if (ngx_http_apisec_flight_header(sr, "Accept", "accept", &value)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (f->body.len == 0) {
        return NGX_OK;
    }

    sr->headers_in.content_length_n = f->body.len;

    ngx_str_set(&value, "application/x-www-form-urlencoded");

    if (ngx_http_apisec_flight_header(sr, "Content-Type", "content-type",
                                      &value)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    sr->headers_in.content_type = sr->headers_in.headers.last->elts;
    sr->headers_in.content_type += sr->headers_in.headers.last->nelts - 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_flight_header(ngx_http_request_t *sr, char *name,
    char *lowcase, ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&sr->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->key.len = ngx_strlen(name);
    h->key.data = (u_char *) name;
    h->lowcase_key = (u_char *) lowcase;
    h->hash = ngx_hash_key(h->lowcase_key, h->key.len);
    h->value = *value;

    return NGX_OK;
}


/*
 * The subrequest is finalized (possibly more than once: an error page
 * follows an error): the first call lands the flight.
 */

static ngx_int_t
ngx_http_apisec_flight_done(ngx_http_request_t *sr, void *data, ngx_int_t rc)
{
    ngx_http_apisec_flight_t *f = data;

    char    *why;
    json_t  *json;

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, sr->connection->log, 0,
                   "apisec %s subrequest done: %i, status %ui, error %d",
                   f->what, rc, sr->headers_out.status,
                   sr->connection->error);

    if (!f->pending || f->sr != sr) {
        return rc;
    }

    if (sr->connection->error) {

        /* the client went away: the answer is not anybody's failure */

        f->outcome = NGX_HTTP_APISEC_FLIGHT_NONE;
        ngx_http_apisec_flight_finish(f);
        return rc;
    }

    why = NULL;

    json = ngx_http_apisec_flight_answer(sr, f, rc, &why);

    if (json == NULL) {
        ngx_log_error(NGX_LOG_ERR, sr->connection->log, 0,
                      "apisec: %s subrequest \"%V\" failed: %s",
                      f->what, &f->uri, why ? why : "internal error");
    }

    f->land(f, json, sr->connection->log);

    if (json) {
        json_decref(json);
    }

    ngx_http_apisec_flight_finish(f);

    /*
     * NGX_ERROR (an answer larger than subrequest_output_buffer_size)
     * would terminate the main request: the failure is ours to answer
     */

    return (rc == NGX_ERROR) ? NGX_OK : rc;
}


/*
 * The body filter's part (before the postpone filter, so nothing of the
 * answer reaches the client): the answer is kept in memory up to its
 * bound, the rest dropped and the answer marked too large.
 */

ngx_int_t
ngx_http_apisec_flight_body(ngx_http_request_t *r, ngx_chain_t *in)
{
    u_char                    *p;
    size_t                     len, size;
    ngx_chain_t               *cl;
    ngx_http_apisec_flight_t  *f;
    ngx_http_core_loc_conf_t  *clcf;

    f = r->post_subrequest->data;

    if (f->sr != r || !f->pending) {
        for (cl = in; cl; cl = cl->next) {
            cl->buf->pos = cl->buf->last;
        }

        return NGX_OK;
    }

    if (f->max == 0) {
        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
        f->max = ngx_max(clcf->subrequest_output_buffer_size,
                         NGX_HTTP_APISEC_ANSWER_MIN_MAX);
    }

    for (cl = in; cl; cl = cl->next) {

        if (ngx_buf_special(cl->buf) || !ngx_buf_in_memory(cl->buf)) {
            cl->buf->pos = cl->buf->last;
            continue;
        }

        len = cl->buf->last - cl->buf->pos;

        if (f->too_large || len > f->max - f->len) {
            f->too_large = 1;
            cl->buf->pos = cl->buf->last;
            continue;
        }

        if (f->len + len > f->size) {
            size = ngx_max(f->size * 2, 4096);

            while (size < f->len + len) {
                size *= 2;
            }

            size = ngx_min(size, f->max);

            p = ngx_pnalloc(r->pool, size);
            if (p == NULL) {
                return NGX_ERROR;
            }

            if (f->len) {
                ngx_memcpy(p, f->answer, f->len);
            }

            f->answer = p;
            f->size = size;
        }

        ngx_memcpy(f->answer + f->len, cl->buf->pos, len);
        f->len += len;
        cl->buf->pos = cl->buf->last;
    }

    return NGX_OK;
}


/* the answer, validated before any use; NULL and why when there is none */

static json_t *
ngx_http_apisec_flight_answer(ngx_http_request_t *sr,
    ngx_http_apisec_flight_t *f, ngx_int_t rc, char **why)
{
    ngx_table_elt_t  *ce;

    if (rc == NGX_ERROR) {
        *why = "no complete answer";
        return NULL;
    }

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        *why = (rc == NGX_HTTP_GATEWAY_TIME_OUT) ? "timed out"
                                                 : "upstream failed";
        return NULL;
    }

    if (sr->headers_out.status != NGX_HTTP_OK) {
        *why = "status is not 200";
        return NULL;
    }

    ce = sr->headers_out.content_encoding;

    if (ce && ce->hash != 0 && ce->value.len
        && !(ce->value.len == 8
             && ngx_strncasecmp(ce->value.data, (u_char *) "identity", 8)
                == 0))
    {
        *why = "compressed answer (Content-Encoding)";
        return NULL;
    }

    if (ngx_http_apisec_json_media_type(&sr->headers_out.content_type)
        != NGX_OK)
    {
        *why = "answer is not application/json";
        return NULL;
    }

    if (f->too_large) {
        *why = "answer too large";
        return NULL;
    }

    if (f->len == 0) {
        *why = "empty answer";
        return NULL;
    }

    return ngx_http_apisec_json_answer(f->answer, f->len, why);
}


json_t *
ngx_http_apisec_json_answer(u_char *p, size_t len, char **why)
{
    json_t        *json;
    json_error_t   err;

    json = json_loadb((char *) p, len, JSON_REJECT_DUPLICATES, &err);

    if (json == NULL) {
        *why = (json_error_code(&err) == json_error_duplicate_key)
               ? "duplicate member name in the answer"
               : "answer is not JSON";
        return NULL;
    }

    if (!json_is_object(json)) {
        json_decref(json);
        *why = "answer is not a JSON object";
        return NULL;
    }

    return json;
}


/* "application/json", "application/<x>+json", any parameters */

ngx_int_t
ngx_http_apisec_json_media_type(ngx_str_t *type)
{
    u_char  *p, *last;
    size_t   len;

    p = type->data;

    if (p == NULL) {
        return NGX_DECLINED;        /* no Content-Type */
    }

    last = p + type->len;

    for (len = 0; p + len < last; len++) {
        if (p[len] == ';' || p[len] == ' ' || p[len] == '\t') {
            break;
        }
    }

    if (len == sizeof("application/json") - 1
        && ngx_strncasecmp(p, (u_char *) "application/json", len) == 0)
    {
        return NGX_OK;
    }

    if (len > sizeof("application/+json") - 1
        && ngx_strncasecmp(p, (u_char *) "application/", 12) == 0
        && ngx_strncasecmp(p + len - 5, (u_char *) "+json", 5) == 0)
    {
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/* the flight is over: every waiter gets the outcome, the others wake up */

static void
ngx_http_apisec_flight_finish(ngx_http_apisec_flight_t *f)
{
    ngx_queue_t               *q;
    ngx_event_t               *wev;
    ngx_http_request_t        *owner;
    ngx_http_apisec_waiter_t  *w;

    owner = f->owner;

    f->pending = 0;
    f->owner = NULL;

    if (f->registered) {
        ngx_queue_remove(&f->queue);
        f->registered = 0;
    }

    while (!ngx_queue_empty(&f->waiters)) {
        q = ngx_queue_head(&f->waiters);
        ngx_queue_remove(q);

        w = ngx_queue_data(q, ngx_http_apisec_waiter_t, queue);

        w->flight = NULL;
        w->landed = 1;
        w->outcome = f->outcome;
        w->result = f->result ? json_incref(f->result) : NULL;
        ngx_memcpy(w->key, f->key, NGX_HTTP_APISEC_DIGEST_LEN);

        if (w->request == owner) {
            continue;       /* nginx wakes the parent of a subrequest */
        }

        /*
         * only a request still parked for the flight is woken, and only
         * the timer it armed for it goes: never another phase's timer
         * (a limit's delay) nor its handler
         */

        if (w->request->write_event_handler
            != ngx_http_apisec_flight_wait_handler)
        {
            w->timer = 0;
            continue;
        }

        wev = w->request->connection->write;

        if (w->timer) {
            w->timer = 0;

            if (wev->timer_set) {
                ngx_del_timer(wev);
            }
        }

        ngx_post_event(wev, &ngx_posted_events);
    }

    if (f->result) {
        json_decref(f->result);
        f->result = NULL;
    }
}


static void
ngx_http_apisec_waiter_cleanup(void *data)
{
    ngx_http_apisec_waiter_t  *w = data;

    ngx_http_apisec_flight_t  *f;

    f = w->flight;

    if (f) {
        ngx_queue_remove(&w->queue);
        w->flight = NULL;

        if (f->pending && f->owner == w->request) {

            /* the subrequest dies with its parent: the others try again */

            f->outcome = NGX_HTTP_APISEC_FLIGHT_NONE;
            ngx_http_apisec_flight_finish(f);
        }
    }

    if (w->result) {
        json_decref(w->result);
        w->result = NULL;
    }
}


/* our own subrequests pass the access phase untouched */

ngx_uint_t
ngx_http_apisec_flight_is_ours(ngx_http_request_t *r)
{
    return (r != r->main && r->post_subrequest
            && r->post_subrequest->handler == ngx_http_apisec_flight_done);
}


ngx_http_apisec_flight_t *
ngx_http_apisec_flight_of(ngx_http_request_t *r)
{
    for ( /* void */ ; r != r->main; r = r->parent) {
        if (ngx_http_apisec_flight_is_ours(r)) {
            return r->post_subrequest->data;
        }
    }

    return NULL;
}


/* a pending flight for this key (introspection), or NULL */

ngx_http_apisec_flight_t *
ngx_http_apisec_flight_find(u_char *key)
{
    ngx_queue_t               *q;
    ngx_http_apisec_flight_t  *f;

    if (ngx_http_apisec_flights.next == NULL) {
        return NULL;
    }

    for (q = ngx_queue_head(&ngx_http_apisec_flights);
         q != ngx_queue_sentinel(&ngx_http_apisec_flights);
         q = ngx_queue_next(q))
    {
        f = ngx_queue_data(q, ngx_http_apisec_flight_t, queue);

        if (ngx_memcmp(f->key, key, NGX_HTTP_APISEC_DIGEST_LEN) == 0) {
            return f;
        }
    }

    return NULL;
}
