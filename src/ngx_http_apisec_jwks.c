
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


/* the longest issuer and jwks_uri taken from a discovery document */
#define NGX_HTTP_APISEC_DISCOVERY_MAX  2048


static ngx_int_t ngx_http_apisec_jwks_uri(ngx_conf_t *cf,
    ngx_command_t *cmd, ngx_str_t *uri);
static ngx_http_apisec_jwks_t *ngx_http_apisec_jwks_create(ngx_conf_t *cf,
    ngx_http_apisec_jwt_conf_t *conf, ngx_http_apisec_jwt_key_request_t *kr);
static ngx_http_apisec_jwks_t *ngx_http_apisec_jwks_find(
    ngx_http_apisec_jwt_conf_t *prev, ngx_http_apisec_jwt_conf_t *conf,
    ngx_http_apisec_jwt_key_request_t *kr);
static ngx_int_t ngx_http_apisec_jwks_source_ready(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_http_apisec_jwks_t *k);
static ngx_uint_t ngx_http_apisec_str_eq(ngx_str_t *a, ngx_str_t *b);
static ngx_int_t ngx_http_apisec_jwks_want(ngx_http_request_t *r,
    ngx_http_apisec_flight_t *f);
static ngx_msec_t ngx_http_apisec_jwks_ago(ngx_msec_t t);
static void ngx_http_apisec_jwks_cleanup(void *data);
static ngx_int_t ngx_http_apisec_discovery_string(json_t *json, char *name,
    ngx_str_t *out, char **why);
static ngx_int_t ngx_http_apisec_variable_jwks_uri(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_str_t  ngx_http_apisec_jwks_uri_name = ngx_string("apisec_jwks_uri");


void
ngx_http_apisec_jwks_create_conf(ngx_http_apisec_jwt_conf_t *conf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     conf->discovery = { 0, NULL };
     *     conf->jwks = NULL;
     *     conf->sources = NULL;
     *     conf->bound = NULL;
     *     conf->unbound = 0;
     */

    conf->key_requests = NGX_CONF_UNSET_PTR;
    conf->key_cache = NGX_CONF_UNSET;
    conf->key_refetch = NGX_CONF_UNSET;
    conf->key_min_refetch = NGX_CONF_UNSET;
    conf->key_retry = NGX_CONF_UNSET;
    conf->introspect = NGX_CONF_UNSET_PTR;
    conf->introspect_cache = NGX_CONF_UNSET_PTR;
}


/*
 * The remote key stores are per worker, one per key request, made here for
 * each level that names key requests, and shared by the levels below that
 * inherit them: so each server block keeps its fetched keys once (its
 * locations share them).
 */

char *
ngx_http_apisec_jwks_merge_conf(ngx_conf_t *cf,
    ngx_http_apisec_jwt_conf_t *prev, ngx_http_apisec_jwt_conf_t *conf)
{
    ngx_uint_t                          i;
    ngx_http_apisec_jwks_t             *k, **kp;
    ngx_uint_t                          own;
    ngx_http_apisec_jwt_key_request_t  *kr;

    ngx_conf_merge_ptr_value(conf->key_requests, prev->key_requests, NULL);

    if (conf->discovery.data == NULL) {
        conf->discovery_pos = prev->discovery_pos;
    }

    ngx_conf_merge_str_value(conf->discovery, prev->discovery, "");

    /*
     * apisec_jwt_key_cache is one directive: the times it leaves out at a
     * level are the defaults for its time there, never an upper level's
     */

    own = (conf->key_cache != NGX_CONF_UNSET);

    ngx_conf_merge_sec_value(conf->key_cache, prev->key_cache, 600);

    if (own) {
        ngx_conf_init_value(conf->key_refetch, ngx_min(60, conf->key_cache));
        ngx_conf_init_value(conf->key_min_refetch,
                            ngx_min(5, conf->key_refetch));
        ngx_conf_init_value(conf->key_retry, ngx_min(10, conf->key_cache));
    }

    ngx_conf_merge_sec_value(conf->key_refetch, prev->key_refetch,
                             ngx_min(60, conf->key_cache));
    ngx_conf_merge_sec_value(conf->key_min_refetch, prev->key_min_refetch,
                             ngx_min(5, conf->key_refetch));
    ngx_conf_merge_sec_value(conf->key_retry, prev->key_retry,
                             ngx_min(10, conf->key_cache));

    ngx_conf_merge_ptr_value(conf->introspect, prev->introspect, NULL);
    ngx_conf_merge_ptr_value(conf->introspect_cache, prev->introspect_cache,
                             NULL);

    if (conf->key_requests && conf->key_requests->nelts == 0) {
        conf->key_requests = NULL;
    }

    if (conf->discovery.len && conf->key_requests == NULL) {
        ngx_http_apisec_merge_error(cf, NGX_LOG_EMERG, &conf->discovery_pos,
                                    "\"apisec_jwt_discovery\" needs "
                                    "\"apisec_jwt_key_request\" (a location "
                                    "that proxies to $apisec_jwks_uri)");
        return NGX_CONF_ERROR;
    }

    if (conf->discovery.len
        && (conf->key_requests->nelts > 1
            || ((ngx_http_apisec_jwt_key_request_t *)
                conf->key_requests->elts)->issuer.data))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"apisec_jwt_discovery\" takes one "
                           "\"apisec_jwt_key_request\" without "
                           "\"issuer=\" (the document names the issuer)");
        return NGX_CONF_ERROR;
    }

    if (conf->key_requests == NULL) {
        conf->jwks = NULL;
        conf->sources = NULL;
        return NGX_CONF_OK;
    }

    conf->sources = ngx_array_create(cf->pool, conf->key_requests->nelts,
                                     sizeof(ngx_http_apisec_jwks_t *));
    if (conf->sources == NULL) {
        return NGX_CONF_ERROR;
    }

    kr = conf->key_requests->elts;

    for (i = 0; i < conf->key_requests->nelts; i++) {

        k = ngx_http_apisec_jwks_find(prev, conf, &kr[i]);

        if (k == NULL) {
            k = ngx_http_apisec_jwks_create(cf, conf, &kr[i]);
            if (k == NULL) {
                return NGX_CONF_ERROR;
            }
        }

        kp = ngx_array_push(conf->sources);
        if (kp == NULL) {
            return NGX_CONF_ERROR;
        }

        *kp = k;
    }

    conf->jwks = ((ngx_http_apisec_jwks_t **) conf->sources->elts)[0];

    return NGX_CONF_OK;
}


/* the upper level's store for the same request, if it has one */

static ngx_http_apisec_jwks_t *
ngx_http_apisec_jwks_find(ngx_http_apisec_jwt_conf_t *prev,
    ngx_http_apisec_jwt_conf_t *conf, ngx_http_apisec_jwt_key_request_t *kr)
{
    ngx_uint_t                i;
    ngx_http_apisec_jwks_t  **k;

    if (prev->sources == NULL) {
        return NULL;
    }

    k = prev->sources->elts;

    for (i = 0; i < prev->sources->nelts; i++) {
        if (ngx_http_apisec_str_eq(&k[i]->uri, &kr->uri)
            && ngx_http_apisec_str_eq(&k[i]->bound, &kr->issuer)
            && (k[i]->bound.data == NULL) == (kr->issuer.data == NULL)
            && ngx_http_apisec_str_eq(&k[i]->discovery, &conf->discovery))
        {
            return k[i];
        }
    }

    return NULL;
}


static ngx_uint_t
ngx_http_apisec_str_eq(ngx_str_t *a, ngx_str_t *b)
{
    return (a->len == b->len
            && (a->len == 0 || ngx_strncmp(a->data, b->data, a->len) == 0));
}


/*
 * After the keys of both kinds are merged: the issuers keys are bound to
 * (conf->bound, NULL when none is) and whether any key is bound to none.
 */

char *
ngx_http_apisec_jwks_bind(ngx_conf_t *cf, ngx_http_apisec_jwt_conf_t *conf)
{
    ngx_str_t                   *issuer, *s;
    ngx_uint_t                   i, j, n, nkeys;
    ngx_http_apisec_jwks_t     **k;
    ngx_http_apisec_jwt_key_t  **key;

    conf->bound = NULL;
    conf->unbound = 0;

    nkeys = conf->keys ? conf->keys->nelts : 0;
    n = nkeys + (conf->sources ? conf->sources->nelts : 0);

    key = conf->keys ? conf->keys->elts : NULL;
    k = conf->sources ? conf->sources->elts : NULL;

    for (i = 0; i < n; i++) {
        issuer = (i < nkeys) ? &key[i]->issuer : &k[i - nkeys]->bound;

        if (issuer->data == NULL) {
            conf->unbound = 1;
            continue;
        }

        if (conf->bound == NULL) {
            conf->bound = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
            if (conf->bound == NULL) {
                return NGX_CONF_ERROR;
            }
        }

        s = conf->bound->elts;

        for (j = 0; j < conf->bound->nelts; j++) {
            if (ngx_http_apisec_str_eq(&s[j], issuer)) {
                break;
            }
        }

        if (j < conf->bound->nelts) {
            continue;
        }

        s = ngx_array_push(conf->bound);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = *issuer;
    }

    return NGX_CONF_OK;
}


static ngx_http_apisec_jwks_t *
ngx_http_apisec_jwks_create(ngx_conf_t *cf, ngx_http_apisec_jwt_conf_t *conf,
    ngx_http_apisec_jwt_key_request_t *kr)
{
    ngx_pool_cleanup_t      *cln;
    ngx_http_apisec_jwks_t  *k;

    k = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_jwks_t));
    if (k == NULL) {
        return NULL;
    }

    /* the fetched keys go with the configuration (cycle) */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_apisec_jwks_cleanup;
    cln->data = k;

    k->uri = kr->uri;
    k->bound = kr->issuer;
    k->discovery = conf->discovery;
    k->status = ngx_http_apisec_status_key_source(cf, &k->uri);

    ngx_queue_init(&k->flight.waiters);
    k->flight.uri = k->uri;
    k->flight.what = "JWKS";
    k->flight.land = ngx_http_apisec_jwks_land;
    k->flight.data = k;

    ngx_queue_init(&k->disc_flight.waiters);
    k->disc_flight.uri = k->discovery;
    k->disc_flight.what = "discovery";
    k->disc_flight.land = ngx_http_apisec_discovery_land;
    k->disc_flight.data = k;

    if (ngx_http_apisec_admin_key_request(cf, k) != NGX_OK) {
        return NULL;
    }

    return k;
}


static void
ngx_http_apisec_jwks_cleanup(void *data)
{
    ngx_http_apisec_jwks_t  *k = data;

    if (k->pool) {
        ngx_destroy_pool(k->pool);
        k->pool = NULL;
        k->keys = NULL;
    }

    if (k->disc_pool) {
        ngx_destroy_pool(k->disc_pool);
        k->disc_pool = NULL;
    }
}


/* the URI of a subrequest: a location of this server, without arguments */

static ngx_int_t
ngx_http_apisec_jwks_uri(ngx_conf_t *cf, ngx_command_t *cmd, ngx_str_t *uri)
{
    if (uri->len == 0 || uri->data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URI \"%V\" in \"%V\": a location of "
                           "this server is expected, as \"/_jwks\"",
                           uri, &cmd->name);
        return NGX_ERROR;
    }

    if (ngx_strlchr(uri->data, uri->data + uri->len, '?')) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URI \"%V\" in \"%V\": no arguments "
                           "allowed", uri, &cmd->name);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* apisec_jwt_discovery uri | off; */

char *
ngx_http_apisec_jwt_key_request(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    ngx_str_t                   *value, *field;
    ngx_http_apisec_loc_conf_t  *alcf;

    alcf = conf;
    field = (ngx_str_t *) (p + cmd->offset);

    if (field->data) {
        return "is duplicate";
    }

    if (field == &alcf->jwt.discovery
        && ngx_http_apisec_conf_pos(cf, &alcf->jwt.discovery_pos) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(field, "");
        return NGX_CONF_OK;
    }

    if (ngx_http_apisec_jwks_uri(cf, cmd, &value[1]) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    *field = value[1];

    return NGX_CONF_OK;
}


/* apisec_jwt_key_request uri [issuer=iss] | off; repeatable */

char *
ngx_http_apisec_jwt_key_requests(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_str_t                          *value;
    ngx_uint_t                          i;
    ngx_http_apisec_jwt_key_request_t  *kr;

    value = cf->args->elts;

    if (alcf->jwt.key_requests == NGX_CONF_UNSET_PTR) {
        alcf->jwt.key_requests = ngx_array_create(cf->pool, 1,
                                   sizeof(ngx_http_apisec_jwt_key_request_t));
        if (alcf->jwt.key_requests == NULL) {
            return NGX_CONF_ERROR;
        }

    } else if (alcf->jwt.key_requests->nelts == 0) {
        return "is duplicate";
    }

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts > 2 || alcf->jwt.key_requests->nelts) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"off\" of \"%V\" stands alone",
                               &cmd->name);
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (ngx_http_apisec_jwks_uri(cf, cmd, &value[1]) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    kr = alcf->jwt.key_requests->elts;

    for (i = 0; i < alcf->jwt.key_requests->nelts; i++) {
        if (ngx_http_apisec_str_eq(&kr[i].uri, &value[1])) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate URI \"%V\" in \"%V\"",
                               &value[1], &cmd->name);
            return NGX_CONF_ERROR;
        }
    }

    kr = ngx_array_push(alcf->jwt.key_requests);
    if (kr == NULL) {
        return NGX_CONF_ERROR;
    }

    kr->uri = value[1];
    ngx_str_null(&kr->issuer);

    if (cf->args->nelts > 2
        && ngx_http_apisec_jwt_issuer_param(cf, &value[2], &kr->issuer)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * "issuer=iss" of apisec_jwt_key_file and apisec_jwt_key_request: the
 * exact "iss" of the tokens the keys may verify; printable ASCII, no
 * quotes or backslashes (it goes into log lines as it is)
 */

ngx_int_t
ngx_http_apisec_jwt_issuer_param(ngx_conf_t *cf, ngx_str_t *value,
    ngx_str_t *issuer)
{
    u_char  *p, *last;

    if (value->len < 7 || ngx_strncmp(value->data, "issuer=", 7) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", value);
        return NGX_ERROR;
    }

    issuer->data = value->data + 7;
    issuer->len = value->len - 7;

    if (issuer->len == 0
        || issuer->len > NGX_HTTP_APISEC_DISCOVERY_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"issuer=\": %s",
                           issuer->len ? "too long" : "empty");
        return NGX_ERROR;
    }

    last = issuer->data + issuer->len;

    for (p = issuer->data; p < last; p++) {
        if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '\\') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid \"issuer=\": spaces, quotes, "
                               "backslashes and non-ASCII characters are "
                               "not allowed");
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * apisec_jwt_key_cache time [refetch=time] [min_refetch=time]
 *     [retry=time];
 */

char *
ngx_http_apisec_jwt_key_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    time_t      *t;
    ngx_str_t   *value, s;
    ngx_uint_t   i;

    if (alcf->jwt.key_cache != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    alcf->jwt.key_cache = ngx_parse_time(&value[1], 1);

    if (alcf->jwt.key_cache == (time_t) NGX_ERROR
        || alcf->jwt.key_cache == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid time \"%V\" in \"%V\"", &value[1],
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "refetch=", 8) == 0) {
            t = &alcf->jwt.key_refetch;
            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

        } else if (ngx_strncmp(value[i].data, "min_refetch=", 12) == 0) {
            t = &alcf->jwt.key_min_refetch;
            s.data = value[i].data + 12;
            s.len = value[i].len - 12;

        } else if (ngx_strncmp(value[i].data, "retry=", 6) == 0) {
            t = &alcf->jwt.key_retry;
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        *t = ngx_parse_time(&s, 1);

        if (*t == (time_t) NGX_ERROR || *t == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid time in \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/*
 * Before a signature is verified with remote keys: those of the sources
 * that may hold the token's issuer's keys (ngx_http_apisec_jwks_candidate()).
 * NGX_OK: the keys are there (fresh, or stale while refreshes fail: they
 * serve on); NGX_AGAIN: a fetch first (the waiter wants it); NGX_DECLINED:
 * no keys were ever fetched from any of them and none can be now (503).
 */

ngx_int_t
ngx_http_apisec_jwks_ready(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *issuer, char **why)
{
    ngx_int_t                 rc;
    ngx_uint_t                i, have, none;
    ngx_http_apisec_jwks_t  **k;

    rc = ngx_http_apisec_discovery_ready(r, jcf, why);
    if (rc != NGX_OK) {
        return rc;
    }

    have = 0;
    none = 0;
    k = jcf->sources->elts;

    for (i = 0; i < jcf->sources->nelts; i++) {
        if (!ngx_http_apisec_jwks_candidate(k[i], issuer)) {
            continue;
        }

        rc = ngx_http_apisec_jwks_source_ready(r, jcf, k[i]);

        if (rc == NGX_DECLINED) {
            none++;
            continue;
        }

        if (rc != NGX_OK) {
            return rc;
        }

        have++;
    }

    if (have == 0 && none) {
        *why = "no JWKS could be fetched yet";
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * Keys due (or none yet) are fetched before they judge a token: every
 * request that finds them due waits for the one refresh, so that none is
 * judged by the old set once its time is up; after a failed fetch, and
 * for "retry", the last good keys serve on without a wait.
 */

static ngx_int_t
ngx_http_apisec_jwks_source_ready(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_http_apisec_jwks_t *k)
{
    ngx_msec_t  cache, retry;

    cache = (ngx_msec_t) jcf->key_cache * 1000;
    retry = (ngx_msec_t) jcf->key_retry * 1000;

    if ((k->keys == NULL || k->stale
         || ngx_http_apisec_jwks_ago(k->fetched) >= cache)
        && (!k->has_failed || ngx_http_apisec_jwks_ago(k->failed) >= retry
            || k->flight.pending))
    {
        return ngx_http_apisec_jwks_want(r, &k->flight);
    }

    return k->keys ? NGX_OK : NGX_DECLINED;
}


/*
 * May the source hold keys for a token of the issuer?  issuer NULL: no key
 * of the location is bound, any source; issuer->data NULL: the token's
 * issuer has no keys bound to it, the sources bound to none; else the
 * sources bound to that issuer.
 */

ngx_uint_t
ngx_http_apisec_jwks_candidate(ngx_http_apisec_jwks_t *k, ngx_str_t *issuer)
{
    if (issuer == NULL) {
        return 1;
    }

    if (issuer->data == NULL || k->bound.data == NULL) {
        return (issuer->data == NULL && k->bound.data == NULL);
    }

    return ngx_http_apisec_str_eq(&k->bound, issuer);
}


/*
 * The fingerprint of the fetched keys, for a verdict bound to them: the
 * one source's, or a digest of them all (a set not fetched yet counts as
 * zeros).
 */

ngx_int_t
ngx_http_apisec_jwks_keyset(ngx_http_apisec_jwt_conf_t *jcf, u_char *fp)
{
    ngx_int_t                 rc;
    ngx_str_t                *part;
    ngx_uint_t                i, n;
    ngx_http_apisec_jwks_t  **k;

    static u_char  zeros[NGX_HTTP_APISEC_KEY_FP_LEN];

    k = jcf->sources->elts;
    n = jcf->sources->nelts;

    if (n == 1) {
        ngx_memcpy(fp, k[0]->keyset ? k[0]->keyset : zeros,
                   NGX_HTTP_APISEC_KEY_FP_LEN);
        return NGX_OK;
    }

    part = ngx_alloc(n * sizeof(ngx_str_t), ngx_cycle->log);
    if (part == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        part[i].data = k[i]->keyset ? k[i]->keyset : zeros;
        part[i].len = NGX_HTTP_APISEC_KEY_FP_LEN;
    }

    rc = ngx_http_apisec_digest(NGX_HTTP_APISEC_SHA256, fp, part, n, 0);

    ngx_free(part);

    return rc;
}


/*
 * The discovery document, before the keys it points to or the issuer it
 * names are used (JWTs, introspection answers).  NGX_OK: there (or no
 * discovery); NGX_AGAIN: a fetch first; NGX_DECLINED: none was ever
 * fetched and none can be now (503).
 */

ngx_int_t
ngx_http_apisec_discovery_ready(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, char **why)
{
    ngx_msec_t               cache, retry;
    ngx_http_apisec_jwks_t  *k;

    k = jcf->jwks;

    if (k == NULL || k->discovery.len == 0) {
        return NGX_OK;
    }

    cache = (ngx_msec_t) jcf->key_cache * 1000;
    retry = (ngx_msec_t) jcf->key_retry * 1000;

    if ((k->disc_pool == NULL
         || ngx_http_apisec_jwks_ago(k->disc_fetched) >= cache)
        && (!k->disc_has_failed
            || ngx_http_apisec_jwks_ago(k->disc_failed) >= retry
            || k->disc_flight.pending)
        && !(k->disc_pool && k->disc_flight.pending))
    {
        return ngx_http_apisec_jwks_want(r, &k->disc_flight);
    }

    if (k->disc_pool == NULL) {
        *why = "no discovery document could be fetched yet";
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * A token whose kid no key has (of the sources of its issuer): an early
 * fetch, once the last fetch is older than "min_refetch" (a rotation is
 * picked up at once), and at most one early fetch per "refetch" interval
 * (a flood of made-up kids costs the provider one request an interval);
 * none within "retry" of a failure.  NGX_AGAIN: wait for it; NGX_DECLINED:
 * the kid is unknown.
 */

ngx_int_t
ngx_http_apisec_jwks_refetch(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *issuer, ngx_str_t *kid)
{
    ngx_uint_t                i;
    ngx_msec_t                refetch, floor, retry;
    ngx_http_apisec_jwks_t  **kp, *k;

    if (kid->data == NULL || jcf->sources == NULL) {
        return NGX_DECLINED;
    }

    kp = jcf->sources->elts;

    for (i = 0; i < jcf->sources->nelts; i++) {
        if (kp[i]->flight.pending
            && ngx_http_apisec_jwks_candidate(kp[i], issuer))
        {
            return ngx_http_apisec_jwks_want(r, &kp[i]->flight);
        }
    }

    refetch = (ngx_msec_t) jcf->key_refetch * 1000;
    floor = (ngx_msec_t) jcf->key_min_refetch * 1000;
    retry = (ngx_msec_t) jcf->key_retry * 1000;

    for (i = 0; i < jcf->sources->nelts; i++) {
        k = kp[i];

        if (!ngx_http_apisec_jwks_candidate(k, issuer)
            || (k->has_early && ngx_http_apisec_jwks_ago(k->early) < refetch)
            || (k->keys && ngx_http_apisec_jwks_ago(k->fetched) < floor)
            || (k->has_failed && ngx_http_apisec_jwks_ago(k->failed) < retry))
        {
            continue;
        }

        k->early = ngx_current_msec;
        k->has_early = 1;

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: unknown kid, JWKS fetched again early "
                      "from \"%V\"", &k->uri);

        return ngx_http_apisec_jwks_want(r, &k->flight);
    }

    return NGX_DECLINED;
}


/* milliseconds since t, never negative (clock steps) */

static ngx_msec_t
ngx_http_apisec_jwks_ago(ngx_msec_t t)
{
    ngx_msec_int_t  ms;

    ms = (ngx_msec_int_t) (ngx_current_msec - t);

    return (ms > 0) ? (ngx_msec_t) ms : 0;
}


static ngx_int_t
ngx_http_apisec_jwks_want(ngx_http_request_t *r, ngx_http_apisec_flight_t *f)
{
    ngx_http_apisec_waiter_t  *w;

    w = ngx_http_apisec_waiter(r);
    if (w == NULL) {
        return NGX_ERROR;
    }

    w->want = f;

    return NGX_AGAIN;
}


/*
 * The policy a token's claims are checked against at "now": the
 * location's, and the discovery document's issuer unless apisec_jwt_issuer.
 * Callers wait for discovery first (ngx_http_apisec_discovery_ready());
 * should one not, no issuer is accepted (an empty list): the check fails
 * closed, never skipped.
 */

void
ngx_http_apisec_jwks_policy(ngx_http_apisec_jwt_conf_t *jcf, time_t now,
    ngx_http_apisec_jose_policy_t *policy)
{
    ngx_http_apisec_jwks_t  *k;

    static ngx_array_t  none;

    *policy = jcf->policy;
    policy->now = now;

    k = jcf->jwks;

    if (k == NULL || k->discovery.len == 0 || jcf->issuers) {
        return;
    }

    policy->issuers = k->issuer.len ? &k->issuers : &none;
}


/*
 * A JWKS has landed: its keys are parsed once, by the rules of
 * apisec_jwt_key_file, and replace the last set; on any failure the last
 * good set serves on.  A key anybody could sign for, and any HMAC secret
 * (published at a URL, it is no secret), is skipped with an error line;
 * a set left with no key is a failure.
 */

void
ngx_http_apisec_jwks_land(ngx_http_apisec_flight_t *f, json_t *json,
    ngx_log_t *log)
{
    ngx_http_apisec_jwks_t *k = f->data;

    char                        *rv;
    ngx_uint_t                   i;
    ngx_conf_t                   cf;
    ngx_pool_t                  *pool;
    ngx_array_t                 *keys;
    ngx_http_apisec_jwt_key_t  **key;

    if (json == NULL) {
        goto failed;
    }

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, ngx_cycle->log);
    if (pool == NULL) {
        goto failed;
    }

    keys = ngx_array_create(pool, 4, sizeof(ngx_http_apisec_jwt_key_t *));
    if (keys == NULL) {
        ngx_destroy_pool(pool);
        goto failed;
    }

    ngx_memzero(&cf, sizeof(ngx_conf_t));

    cf.pool = pool;
    cf.temp_pool = pool;
    cf.log = log;
    cf.cycle = (ngx_cycle_t *) ngx_cycle;

    rv = ngx_http_apisec_jwt_keys_parse(&cf, &k->uri, json, keys, 1);

    if (rv != NGX_CONF_OK) {
        ngx_destroy_pool(pool);
        goto failed;
    }

    /* bound to the request's issuer=, before the fingerprint */

    key = keys->elts;

    for (i = 0; i < keys->nelts; i++) {
        key[i]->issuer = k->bound;
    }

    k->keyset = ngx_pnalloc(pool, NGX_HTTP_APISEC_KEY_FP_LEN);
    if (k->keyset == NULL
        || ngx_http_apisec_jwt_keyset_fingerprint(keys, k->keyset) != NGX_OK)
    {
        ngx_destroy_pool(pool);
        goto failed;
    }

    if (k->pool) {
        ngx_destroy_pool(k->pool);
    }

    k->pool = pool;
    k->keys = keys;
    k->fetched = ngx_current_msec;
    k->has_failed = 0;
    k->stale = 0;
    k->generation++;

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "apisec: %ui keys fetched from \"%V\"", keys->nelts,
                  &k->uri);

    ngx_http_apisec_status_key_set(k->status, keys->nelts);

    f->outcome = NGX_HTTP_APISEC_FLIGHT_OK;
    return;

failed:

    k->failed = ngx_current_msec;
    k->has_failed = 1;
    f->outcome = NGX_HTTP_APISEC_FLIGHT_FAILED;

    ngx_http_apisec_status_key_set(k->status, 0);

    if (k->keys) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "apisec: JWKS refresh from \"%V\" failed, the last "
                      "%ui keys serve on", &k->uri, k->keys->nelts);

    } else {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "apisec: JWKS from \"%V\" failed, no keys yet: "
                      "requests get 503", &k->uri);
    }
}


/*
 * OpenID Connect Discovery 1.0, 3: "issuer" and "jwks_uri", strings of
 * printable ASCII; jwks_uri an http(s) URL (https in production)
 */

void
ngx_http_apisec_discovery_land(ngx_http_apisec_flight_t *f, json_t *json,
    ngx_log_t *log)
{
    ngx_http_apisec_jwks_t *k = f->data;

    char         *why;
    ngx_str_t     issuer, jwks_uri, uri, *s;
    ngx_pool_t   *pool;
    ngx_array_t   issuers;

    why = "no answer";

    if (json == NULL) {
        goto failed;
    }

    if (ngx_http_apisec_discovery_string(json, "issuer", &issuer, &why)
        != NGX_OK
        || ngx_http_apisec_discovery_string(json, "jwks_uri", &jwks_uri,
                                            &why)
           != NGX_OK)
    {
        goto failed;
    }

    if (!(jwks_uri.len > 8
          && ngx_strncasecmp(jwks_uri.data, (u_char *) "https://", 8) == 0)
        && !(jwks_uri.len > 7
             && ngx_strncasecmp(jwks_uri.data, (u_char *) "http://", 7)
                == 0))
    {
        why = "\"jwks_uri\" is not an http(s) URL";
        goto failed;
    }

    /* the new document is copied whole before any of it replaces the last */

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, ngx_cycle->log);
    if (pool == NULL) {
        why = "out of memory";
        goto failed;
    }

    if (ngx_array_init(&issuers, pool, 1, sizeof(ngx_str_t)) != NGX_OK) {
        goto nomem;
    }

    s = ngx_array_push(&issuers);
    if (s == NULL) {
        goto nomem;
    }

    s->len = issuer.len;
    s->data = ngx_pstrdup(pool, &issuer);

    uri.len = jwks_uri.len;
    uri.data = ngx_pstrdup(pool, &jwks_uri);

    if (s->data == NULL || uri.data == NULL) {
        goto nomem;
    }

    if (k->jwks_uri.len != uri.len
        || ngx_strncmp(k->jwks_uri.data, uri.data, uri.len) != 0)
    {
        /* another JWKS: fetched before the next verification */

        k->stale = 1;
        k->has_failed = 0;
    }

    k->issuers = issuers;
    k->issuer = *s;
    k->jwks_uri = uri;

    if (k->disc_pool) {
        ngx_destroy_pool(k->disc_pool);
    }

    k->disc_pool = pool;
    k->disc_fetched = ngx_current_msec;
    k->disc_has_failed = 0;

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "apisec: discovery from \"%V\": issuer \"%V\", "
                  "jwks_uri \"%V\"", &k->discovery, &k->issuer,
                  &k->jwks_uri);

    f->outcome = NGX_HTTP_APISEC_FLIGHT_OK;
    return;

nomem:

    ngx_destroy_pool(pool);
    why = "out of memory";

failed:

    if (json) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "apisec: discovery document from \"%V\" refused: %s",
                      &k->discovery, why);
    }

    if (k->disc_pool) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "apisec: the last discovery document from \"%V\" "
                      "serves on", &k->discovery);
    }

    k->disc_failed = ngx_current_msec;
    k->disc_has_failed = 1;
    f->outcome = NGX_HTTP_APISEC_FLIGHT_FAILED;
}


static ngx_int_t
ngx_http_apisec_discovery_string(json_t *json, char *name, ngx_str_t *out,
    char **why)
{
    u_char  *p, *last;
    json_t  *v;

    v = json_object_get(json, name);

    if (!json_is_string(v) || json_string_length(v) == 0
        || json_string_length(v) > NGX_HTTP_APISEC_DISCOVERY_MAX)
    {
        *why = (name[0] == 'i') ? "no valid \"issuer\""
                                : "no valid \"jwks_uri\"";
        return NGX_ERROR;
    }

    out->len = json_string_length(v);
    out->data = (u_char *) json_string_value(v);

    last = out->data + out->len;

    for (p = out->data; p < last; p++) {
        if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '\\') {
            *why = (name[0] == 'i') ? "\"issuer\" holds a character "
                                      "not allowed"
                                    : "\"jwks_uri\" holds a character "
                                      "not allowed";
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* $apisec_jwks_uri: for the key request location's proxy_pass */

ngx_int_t
ngx_http_apisec_jwks_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_apisec_jwks_uri_name,
                                NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_apisec_variable_jwks_uri;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_variable_jwks_uri(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_apisec_jwks_t      *k;
    ngx_http_apisec_flight_t    *f;
    ngx_http_apisec_loc_conf_t  *alcf;

    k = NULL;

    f = ngx_http_apisec_flight_of(r);

    if (f && (f->land == ngx_http_apisec_jwks_land
              || f->land == ngx_http_apisec_discovery_land))
    {
        k = f->data;

    } else {
        alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);
        k = alcf->jwt.jwks;
    }

    if (k == NULL || k->jwks_uri.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = k->jwks_uri.len;
    v->data = k->jwks_uri.data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}
