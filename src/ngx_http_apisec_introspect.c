
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"

#include <openssl/crypto.h>


/* the largest answer kept in the cache, as compact JSON */
#define NGX_HTTP_APISEC_INTROSPECT_ENTRY_MAX  16384

/* the parsed answers a worker keeps, by their cache entry */
#define NGX_HTTP_APISEC_INTROSPECT_PARSED     16

/* the digests of the last tokens a worker saw, and their longest token */
#define NGX_HTTP_APISEC_INTROSPECT_RECENT     8
#define NGX_HTTP_APISEC_INTROSPECT_RECENT_MAX 512
#define NGX_HTTP_APISEC_INTROSPECT_HOST_MAX   256


/*
 * One cached answer: the value of a cache zone's store node, whose key is
 * a token's digest, never the token.  kind.size is the head; the answer's
 * compact JSON follows it.
 */
typedef struct {
    time_t                        expires;
    ngx_uint_t                    seq;      /* which answer, zone-wide */
    u_short                       len;      /* of answer: the JSON, or 0 */
    u_char                        active;
    u_char                        answer[1];
} ngx_http_apisec_introspect_node_t;

#define ngx_http_apisec_introspect_node(sn)                                   \
    ((ngx_http_apisec_introspect_node_t *) ngx_http_apisec_shm_value(sn))


/*
 * A cache hit of a busy token would parse the same JSON again and again:
 * a worker keeps the last few answers it parsed, by their entry's zone and
 * sequence number, and shares them by reference count (never modified).
 * The zone stays the authority: an answer is reused only while its entry
 * is there and fresh.
 */
struct ngx_http_apisec_introspect_parsed_s {
    void                         *sh;
    ngx_uint_t                    seq;
    json_t                       *json;

    /* the claims passed the checks of this conf, until this time */
    void                         *conf;
    double                        until;
};


/*
 * A client sends its token again and again, and SHA-256 is most of the
 * cost of a cache hit: a worker remembers the digests of the last few
 * tokens it hashed.  The tokens stay in the worker's memory (as they do in
 * its request buffers), are compared in constant time, and are wiped when
 * their slot is reused; the shared zone and the logs never see them.
 */
typedef struct {
    ngx_http_apisec_introspect_t *is;
    size_t                        len;
    size_t                        host_len;
    u_char                        digest[NGX_HTTP_APISEC_DIGEST_LEN];
    u_char                        host[NGX_HTTP_APISEC_INTROSPECT_HOST_MAX];
    u_char                        token[NGX_HTTP_APISEC_INTROSPECT_RECENT_MAX];
} ngx_http_apisec_introspect_recent_t;


static ngx_http_apisec_flight_t *ngx_http_apisec_introspect_flight(
    ngx_http_request_t *r, ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *token,
    u_char *digest);
static ngx_int_t ngx_http_apisec_introspect_key(
    ngx_http_apisec_introspect_t *is, ngx_str_t *host, ngx_str_t *token,
    u_char *digest);
static ngx_uint_t ngx_http_apisec_introspect_check(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_http_apisec_ctx_t *ctx,
    json_t *claims, char **why);
static ngx_uint_t ngx_http_apisec_introspect_checked(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_http_apisec_ctx_t *ctx,
    json_t *claims, ngx_http_apisec_introspect_parsed_t *parsed, char **why);
static void ngx_http_apisec_introspect_store(
    ngx_http_apisec_introspect_cache_t *ic, u_char *digest, json_t *json,
    time_t ttl, ngx_log_t *log);
static ngx_uint_t ngx_http_apisec_introspect_idle(void *data,
    ngx_http_apisec_shm_node_t *node, ngx_msec_t now);
static void ngx_http_apisec_introspect_cleanup(void *data);


static ngx_conf_enum_t  ngx_http_apisec_introspect_jwt[] = {
    { ngx_string("local"), NGX_HTTP_APISEC_INTROSPECT_LOCAL },
    { ngx_string("introspect"), NGX_HTTP_APISEC_INTROSPECT_ALL },
    { ngx_null_string, 0 }
};


static ngx_http_apisec_shm_kind_t  ngx_http_apisec_introspect_kind = {
    ngx_string("apisec_introspect_cache"),
    offsetof(ngx_http_apisec_introspect_node_t, answer),
    ngx_http_apisec_introspect_idle,
    NULL
};


static ngx_http_apisec_introspect_parsed_t
    ngx_http_apisec_introspect_parsed[NGX_HTTP_APISEC_INTROSPECT_PARSED];
static ngx_uint_t  ngx_http_apisec_introspect_parsed_next;

static ngx_http_apisec_introspect_recent_t
    ngx_http_apisec_introspect_recent[NGX_HTTP_APISEC_INTROSPECT_RECENT];
static ngx_uint_t  ngx_http_apisec_introspect_recent_next;


/* apisec_introspect uri [jwt=local|introspect] | off; */

char *
ngx_http_apisec_introspect(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_str_t                     *value, s;
    ngx_uint_t                     i;
    ngx_conf_enum_t               *e;
    ngx_pool_cleanup_t            *cln;
    ngx_http_apisec_introspect_t  *is;

    if (alcf->jwt.introspect != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts != 2) {
            return "takes no parameters after \"off\"";
        }

        alcf->jwt.introspect = NULL;
        return NGX_CONF_OK;
    }

    if (value[1].len == 0 || value[1].data[0] != '/'
        || ngx_strlchr(value[1].data, value[1].data + value[1].len, '?'))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URI \"%V\" in \"apisec_introspect\": "
                           "a location of this server without arguments "
                           "is expected, as \"/_introspect\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    is = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_introspect_t));
    if (is == NULL) {
        return NGX_CONF_ERROR;
    }

    /* what a worker keeps (parsed answers, the digest's state) goes too */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_apisec_introspect_cleanup;

    is->uri = value[1];
    is->jwt = NGX_HTTP_APISEC_INTROSPECT_LOCAL;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "jwt=", 4) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        s.data = value[i].data + 4;
        s.len = value[i].len - 4;

        for (e = ngx_http_apisec_introspect_jwt; e->name.len; e++) {
            if (e->name.len == s.len
                && ngx_strncmp(e->name.data, s.data, s.len) == 0)
            {
                break;
            }
        }

        if (e->name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\": \"jwt=local\" or "
                               "\"jwt=introspect\" expected", &value[i]);
            return NGX_CONF_ERROR;
        }

        is->jwt = e->value;
    }

    alcf->jwt.introspect = is;

    return NGX_CONF_OK;
}


static void
ngx_http_apisec_introspect_cleanup(void *data)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_APISEC_INTROSPECT_PARSED; i++) {
        if (ngx_http_apisec_introspect_parsed[i].json) {
            json_decref(ngx_http_apisec_introspect_parsed[i].json);
            ngx_http_apisec_introspect_parsed[i].json = NULL;
        }
    }

    for (i = 0; i < NGX_HTTP_APISEC_INTROSPECT_RECENT; i++) {
        ngx_explicit_memzero(&ngx_http_apisec_introspect_recent[i],
                             sizeof(ngx_http_apisec_introspect_recent_t));
    }
}


/*
 * At merge time, in the server block being merged: the conf's endpoint
 * becomes this server's (copied when inherited from another server), and
 * its context is digested from what identifies the server across reloads:
 * its place among the servers, its names, its listen addresses; and the
 * URI.  Two servers whose endpoints ask different authorization servers
 * never share an answer, in the cache or in flight.
 */

char *
ngx_http_apisec_introspect_bind(ngx_conf_t *cf,
    ngx_http_apisec_jwt_conf_t *conf)
{
    u_char                        *p;
    ngx_str_t                     *part;
    ngx_uint_t                     i, j, k, n;
    ngx_array_t                   *parts;
    ngx_http_conf_port_t          *port;
    ngx_http_conf_addr_t          *addr;
    ngx_http_server_name_t        *sn;
    ngx_http_core_srv_conf_t      *cscf, **cscfp;
    ngx_http_core_main_conf_t     *cmcf;
    ngx_http_apisec_introspect_t  *is;

    is = conf->introspect;

    if (is == NULL) {
        return NGX_CONF_OK;
    }

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

    if (is->server == cscf) {
        return NGX_CONF_OK;
    }

    if (is->server) {
        is = ngx_palloc(cf->pool, sizeof(ngx_http_apisec_introspect_t));
        if (is == NULL) {
            return NGX_CONF_ERROR;
        }

        *is = *conf->introspect;
        conf->introspect = is;
    }

    is->server = cscf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    parts = ngx_array_create(cf->temp_pool, 8, sizeof(ngx_str_t));
    if (parts == NULL) {
        return NGX_CONF_ERROR;
    }

    /* "server", its place, "names", the count, the names */

    cscfp = cmcf->servers.elts;

    for (n = 0; n < cmcf->servers.nelts; n++) {
        if (cscfp[n] == cscf) {
            break;
        }
    }

    part = ngx_array_push_n(parts, 4);
    p = ngx_pnalloc(cf->temp_pool, 2 * NGX_INT_T_LEN);
    if (part == NULL || p == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_str_set(&part[0], "server");
    part[1].data = p;
    part[1].len = ngx_sprintf(p, "%ui", n) - p;
    ngx_str_set(&part[2], "names");
    part[3].data = p + NGX_INT_T_LEN;
    part[3].len = ngx_sprintf(part[3].data, "%ui",
                              cscf->server_names.nelts)
                  - part[3].data;

    sn = cscf->server_names.elts;

    for (i = 0; i < cscf->server_names.nelts; i++) {
        part = ngx_array_push(parts);
        if (part == NULL) {
            return NGX_CONF_ERROR;
        }

        *part = sn[i].name;
    }

    /* "listen", then each address:port the server listens on */

    part = ngx_array_push(parts);
    if (part == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_str_set(part, "listen");

    port = cmcf->ports ? cmcf->ports->elts : NULL;

    for (i = 0; port && i < cmcf->ports->nelts; i++) {
        addr = port[i].addrs.elts;

        for (j = 0; j < port[i].addrs.nelts; j++) {
            cscfp = addr[j].servers.elts;

            for (k = 0; k < addr[j].servers.nelts; k++) {
                if (cscfp[k] != cscf) {
                    continue;
                }

                part = ngx_array_push(parts);
                p = ngx_pnalloc(cf->temp_pool, NGX_SOCKADDR_STRLEN);
                if (part == NULL || p == NULL) {
                    return NGX_CONF_ERROR;
                }

                part->data = p;
                part->len = ngx_sock_ntop(addr[j].opt.sockaddr,
                                          addr[j].opt.socklen, p,
                                          NGX_SOCKADDR_STRLEN, 1);
                break;
            }
        }
    }

    /* "uri", the endpoint */

    part = ngx_array_push_n(parts, 2);
    if (part == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_str_set(&part[0], "uri");
    part[1] = is->uri;

    if (ngx_http_apisec_sha256(is->context, parts->elts, parts->nelts)
        != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apisec: SHA-256 failed for \"apisec_introspect\"");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* apisec_introspect_cache zone=name:size [ttl=time] [negative_ttl=time]; */

char *
ngx_http_apisec_introspect_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    time_t                               t;
    ssize_t                              size;
    ngx_str_t                           *value, name, s;
    ngx_uint_t                           i;
    ngx_shm_zone_t                      *shm_zone;
    ngx_http_apisec_shm_ctx_t           *zone;
    ngx_http_apisec_introspect_cache_t  *ic;

    if (alcf->jwt.introspect_cache != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    ic = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_introspect_cache_t));
    if (ic == NULL) {
        return NGX_CONF_ERROR;
    }

    ic->ttl = 60;
    ic->negative_ttl = 10;

    value = cf->args->elts;
    size = 0;
    ngx_str_null(&name);

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            if (ngx_http_apisec_shm_zone_param(cf, &value[i], &name, &size, 0)
                != NGX_CONF_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "ttl=", 4) == 0) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;

            t = ngx_parse_time(&s, 1);
            if (t == (time_t) NGX_ERROR || t == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid ttl \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            ic->ttl = t;
            continue;
        }

        if (ngx_strncmp(value[i].data, "negative_ttl=", 13) == 0) {
            s.data = value[i].data + 13;
            s.len = value[i].len - 13;

            t = ngx_parse_time(&s, 1);
            if (t == (time_t) NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid negative_ttl \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            ic->negative_ttl = t;
            continue;
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

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_apisec_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used", &name);
        return NGX_CONF_ERROR;
    }

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_shm_ctx_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    zone->kind = &ngx_http_apisec_introspect_kind;

    shm_zone->data = zone;
    shm_zone->init = ngx_http_apisec_shm_init_zone;

    ic->shm_zone = shm_zone;
    alcf->jwt.introspect_cache = ic;

    return NGX_CONF_OK;
}


/*
 * Which bearer tokens are introspected: every token that is not shaped
 * like a JWT; a JWT too with "jwt=introspect", or when no key (file or
 * request) could verify it here.
 */

ngx_uint_t
ngx_http_apisec_introspect_wanted(ngx_http_apisec_jwt_conf_t *jcf,
    ngx_str_t *token)
{
    ngx_str_t  seg[3];

    if (jcf->introspect == NULL) {
        return 0;
    }

    if (jcf->introspect->jwt == NGX_HTTP_APISEC_INTROSPECT_ALL
        || ((jcf->keys == NULL || jcf->keys->nelts == 0) && jcf->jwks == NULL))
    {
        return 1;
    }

    return (ngx_http_apisec_jose_split(token, seg) != NGX_OK);
}


/*
 * RFC 7662: the answer for this token, from the waiter (the flight this
 * request waited for), the cache, or a flight to start (PENDING).
 */

ngx_uint_t
ngx_http_apisec_introspect_authenticate(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, void *data, ngx_str_t *token,
    char **why)
{
    ngx_http_apisec_ctx_t *ctx = data;

    json_t                               *claims;
    ngx_int_t                             rc;
    ngx_http_apisec_waiter_t             *w;
    ngx_http_apisec_introspect_parsed_t  *parsed;
    u_char                                digest[NGX_HTTP_APISEC_DIGEST_LEN];

    /*
     * the issuer that discovery names is expected: never an answer checked
     * without it (after a start or a reload, before discovery has landed
     * in this worker), so discovery first, or 503
     */

    if (jcf->jwks && jcf->jwks->discovery.len && jcf->issuers == NULL) {
        rc = ngx_http_apisec_discovery_ready(r, jcf, why);

        if (rc == NGX_AGAIN) {
            return NGX_HTTP_APISEC_JWT_PENDING;
        }

        if (rc != NGX_OK) {
            return (rc == NGX_DECLINED) ? NGX_HTTP_APISEC_JWT_UNAVAILABLE
                                        : NGX_HTTP_APISEC_JWT_ERROR;
        }
    }

    if (ngx_http_apisec_introspect_key(jcf->introspect,
                                       &r->main->headers_in.server, token,
                                       digest)
        != NGX_OK)
    {
        return NGX_HTTP_APISEC_JWT_ERROR;
    }

    w = ctx->waiter;

    if (w && w->landed
        && ngx_memcmp(w->key, digest, NGX_HTTP_APISEC_DIGEST_LEN) == 0)
    {
        w->landed = 0;

        switch (w->outcome) {

        case NGX_HTTP_APISEC_FLIGHT_OK:
            claims = w->result;
            w->result = NULL;
            return ngx_http_apisec_introspect_check(r, jcf, ctx, claims, why);

        case NGX_HTTP_APISEC_FLIGHT_NEGATIVE:
            *why = "token not active (introspection)";
            return NGX_HTTP_APISEC_JWT_INACTIVE;

        case NGX_HTTP_APISEC_FLIGHT_FAILED:
            *why = "introspection failed";
            return NGX_HTTP_APISEC_JWT_UNAVAILABLE;

        default:
            break;      /* aborted: look again */
        }
    }

    if (jcf->introspect_cache) {
        parsed = NULL;

        rc = ngx_http_apisec_introspect_lookup(jcf->introspect_cache, digest,
                                               r->pool, &claims, &parsed);

        if (rc == NGX_ERROR) {
            return NGX_HTTP_APISEC_JWT_ERROR;
        }

        /* for the status counters: a miss waits for a flight, once */

        ctx->introspect_cache = (rc == NGX_AGAIN)
                                ? NGX_HTTP_APISEC_JWT_CACHE_MISS
                                : NGX_HTTP_APISEC_JWT_CACHE_HIT;

        if (rc == NGX_DECLINED) {
            *why = "token not active (introspection, cached)";
            return NGX_HTTP_APISEC_JWT_INACTIVE;
        }

        if (rc == NGX_OK) {
            return ngx_http_apisec_introspect_checked(r, jcf, ctx, claims,
                                                      parsed, why);
        }
    }

    w = ngx_http_apisec_waiter(r);
    if (w == NULL) {
        return NGX_HTTP_APISEC_JWT_ERROR;
    }

    w->want = ngx_http_apisec_flight_find(digest);

    if (w->want == NULL) {
        w->want = ngx_http_apisec_introspect_flight(r, jcf, token, digest);
        if (w->want == NULL) {
            return NGX_HTTP_APISEC_JWT_ERROR;
        }
    }

    return NGX_HTTP_APISEC_JWT_PENDING;
}


/*
 * A cached answer that a worker checked already for this conf is not
 * checked again until its exp (with the leeway): nbf and iat, once passed,
 * stay passed.  Not with discovery, whose issuer may change.
 */

static ngx_uint_t
ngx_http_apisec_introspect_checked(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_http_apisec_ctx_t *ctx,
    json_t *claims, ngx_http_apisec_introspect_parsed_t *parsed, char **why)
{
    json_t      *v;
    ngx_uint_t   result;

    if (parsed && parsed->json == claims && parsed->conf == jcf
        && (double) ngx_time() < parsed->until)
    {
        ctx->jwt_claims = claims;

        v = json_object_get(claims, "sub");

        if (v) {
            ctx->subject.len = json_string_length(v);
            ctx->subject.data = (u_char *) json_string_value(v);
        }

        return NGX_HTTP_APISEC_JWT_OK;
    }

    result = ngx_http_apisec_introspect_check(r, jcf, ctx, claims, why);

    if (result == NGX_HTTP_APISEC_JWT_OK && parsed && jcf->jwks == NULL
        && parsed->json == claims)
    {
        v = json_object_get(claims, "exp");

        parsed->conf = jcf;
        parsed->until = json_is_number(v)
                        ? json_number_value(v) + (double) jcf->leeway
                        : 1e18;
    }

    return result;
}


/* an active token's answer: the claims of the caller, checked as a JWT's */

static ngx_uint_t
ngx_http_apisec_introspect_check(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_http_apisec_ctx_t *ctx,
    json_t *claims, char **why)
{
    if (claims == NULL) {
        return NGX_HTTP_APISEC_JWT_ERROR;
    }

    ctx->jwt_claims = claims;

    return ngx_http_apisec_introspect_claims(claims, jcf, ngx_time(),
                                             &ctx->subject, why);
}


/* the checks of an active answer at "now"; "subject" is set from "sub" */

ngx_uint_t
ngx_http_apisec_introspect_claims(json_t *claims,
    ngx_http_apisec_jwt_conf_t *jcf, time_t now, ngx_str_t *subject,
    char **why)
{
    json_t                         *v;
    ngx_uint_t                      result;
    ngx_http_apisec_jose_claims_t   registered;
    ngx_http_apisec_jose_policy_t   policy;

    ngx_http_apisec_jwks_policy(jcf, now, &policy);

    ngx_http_apisec_jose_claims_json(claims, &registered);

    result = ngx_http_apisec_jose_check_claims(&registered, &policy, why);
    if (result != NGX_HTTP_APISEC_JWT_OK) {
        return result;
    }

    v = json_object_get(claims, "scope");

    if (v && !json_is_string(v)) {
        *why = "scope is not a string (introspection)";
        return NGX_HTTP_APISEC_JWT_BAD_CLAIM;
    }

    v = json_object_get(claims, "sub");

    if (v) {
        subject->len = json_string_length(v);
        subject->data = (u_char *) json_string_value(v);
    }

    return NGX_HTTP_APISEC_JWT_OK;
}


/*
 * A flight of its own for the token: in the pool of the request that
 * starts it, found by the token's digest by the others while it is pending
 */

static ngx_http_apisec_flight_t *
ngx_http_apisec_introspect_flight(ngx_http_request_t *r,
    ngx_http_apisec_jwt_conf_t *jcf, ngx_str_t *token, u_char *digest)
{
    u_char                    *p;
    ngx_str_t                  escaped;
    ngx_http_apisec_flight_t  *f;

    f = ngx_pcalloc(r->main->pool, sizeof(ngx_http_apisec_flight_t));
    if (f == NULL) {
        return NULL;
    }

    escaped.data = ngx_pnalloc(r->main->pool, token->len * 3);
    if (escaped.data == NULL) {
        return NULL;
    }

    (void) ngx_http_apisec_form_escape(&escaped, token);

    f->body.len = sizeof("token=&token_type_hint=access_token") - 1
                  + escaped.len;
    f->body.data = ngx_pnalloc(r->main->pool, f->body.len);
    if (f->body.data == NULL) {
        return NULL;
    }

    p = ngx_cpymem(f->body.data, "token=", 6);
    p = ngx_cpymem(p, escaped.data, escaped.len);
    ngx_memcpy(p, "&token_type_hint=access_token",
               sizeof("&token_type_hint=access_token") - 1);

    ngx_queue_init(&f->waiters);

    f->uri = jcf->introspect->uri;
    f->what = "introspection";
    f->land = ngx_http_apisec_introspect_land;
    f->data = jcf;
    f->dynamic = 1;
    ngx_memcpy(f->key, digest, NGX_HTTP_APISEC_DIGEST_LEN);

    return f;
}


/*
 * RFC 7662, 2.2: "active" must be the JSON true; anything else (false,
 * missing, "true", 1) is an inactive token.  Answers are cached by the
 * token's digest: active ones at most min(ttl, exp - now), inactive ones
 * for negative_ttl; failures never.
 */

void
ngx_http_apisec_introspect_land(ngx_http_apisec_flight_t *f, json_t *json,
    ngx_log_t *log)
{
    ngx_http_apisec_jwt_conf_t *jcf = f->data;

    time_t   ttl, now;
    json_t  *exp;
    double   e;

    if (json == NULL) {
        f->outcome = NGX_HTTP_APISEC_FLIGHT_FAILED;
        return;
    }

    if (!json_is_true(json_object_get(json, "active"))) {
        f->outcome = NGX_HTTP_APISEC_FLIGHT_NEGATIVE;

        if (jcf->introspect_cache && jcf->introspect_cache->negative_ttl) {
            ngx_http_apisec_introspect_store(jcf->introspect_cache, f->key,
                                             NULL,
                                        jcf->introspect_cache->negative_ttl,
                                             log);
        }

        return;
    }

    f->outcome = NGX_HTTP_APISEC_FLIGHT_OK;
    f->result = json_incref(json);

    if (jcf->introspect_cache == NULL) {
        return;
    }

    ttl = jcf->introspect_cache->ttl;
    now = ngx_time();

    exp = json_object_get(json, "exp");

    if (exp) {
        if (!json_is_number(exp)) {
            return;         /* refused when checked: never cached */
        }

        e = json_number_value(exp);

        if (e <= (double) now) {
            return;
        }

        if (e - (double) now < (double) ttl) {
            ttl = (time_t) (e - (double) now);
        }
    }

    if (ttl > 0) {
        ngx_http_apisec_introspect_store(jcf->introspect_cache, f->key, json,
                                         ttl, log);
    }
}


/* NGX_OK: an active answer (claims); NGX_DECLINED: inactive; NGX_AGAIN: none */

ngx_int_t
ngx_http_apisec_introspect_lookup(ngx_http_apisec_introspect_cache_t *ic,
    u_char *digest, ngx_pool_t *pool, json_t **claims,
    ngx_http_apisec_introspect_parsed_t **parsed)
{
    char                                 *why;
    u_char                               *copy;
    size_t                                len;
    uint32_t                              hash;
    ngx_str_t                             key;
    ngx_uint_t                            i, seq, active;
    ngx_http_apisec_shm_ctx_t            *zone;
    ngx_http_apisec_shm_node_t           *node;
    ngx_http_apisec_introspect_node_t    *in;
    ngx_http_apisec_introspect_parsed_t  *p;
    u_char                                buf[1024];

    zone = ic->shm_zone->data;
    copy = NULL;
    len = 0;

    key.len = NGX_HTTP_APISEC_DIGEST_LEN;
    key.data = digest;
    ngx_memcpy(&hash, digest, sizeof(uint32_t));

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_apisec_shm_lookup(zone, hash, &key);

    if (node == NULL) {
        ngx_shmtx_unlock(&zone->shpool->mutex);
        return NGX_AGAIN;
    }

    in = ngx_http_apisec_introspect_node(node);

    if (in->expires <= ngx_time()) {
        ngx_http_apisec_shm_free(zone, node);
        ngx_shmtx_unlock(&zone->shpool->mutex);
        return NGX_AGAIN;
    }

    ngx_http_apisec_shm_touch(zone, node);

    active = in->active;
    seq = in->seq;

    if (!active) {
        ngx_shmtx_unlock(&zone->shpool->mutex);
        return NGX_DECLINED;
    }

    for (i = 0; i < NGX_HTTP_APISEC_INTROSPECT_PARSED; i++) {
        p = &ngx_http_apisec_introspect_parsed[i];

        if (p->json && p->seq == seq && p->sh == zone->sh) {
            ngx_shmtx_unlock(&zone->shpool->mutex);

            *claims = json_incref(p->json);
            *parsed = p;
            return NGX_OK;
        }
    }

    len = in->len;
    copy = (len <= sizeof(buf)) ? buf : ngx_pnalloc(pool, len);

    if (copy) {
        ngx_memcpy(copy, in->answer, len);
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    if (copy == NULL) {
        return NGX_ERROR;
    }

    *claims = ngx_http_apisec_json_answer(copy, len, &why);

    if (*claims == NULL) {
        return NGX_AGAIN;
    }

    p = &ngx_http_apisec_introspect_parsed[
            ngx_http_apisec_introspect_parsed_next++
            % NGX_HTTP_APISEC_INTROSPECT_PARSED];

    if (p->json) {
        json_decref(p->json);
    }

    p->sh = zone->sh;
    p->seq = seq;
    p->json = json_incref(*claims);
    p->conf = NULL;
    *parsed = p;

    return NGX_OK;
}


/* a new answer replaces the token's old one, if any */

static void
ngx_http_apisec_introspect_store(ngx_http_apisec_introspect_cache_t *ic,
    u_char *digest, json_t *json, time_t ttl, ngx_log_t *log)
{
    char                               *text;
    size_t                              len;
    uint32_t                            hash;
    ngx_str_t                           key;
    ngx_http_apisec_shm_ctx_t          *zone;
    ngx_http_apisec_shm_node_t         *node;
    ngx_http_apisec_introspect_node_t  *in;

    zone = ic->shm_zone->data;
    text = NULL;
    len = 0;

    if (json) {
        text = json_dumps(json, JSON_COMPACT);
        if (text == NULL) {
            return;
        }

        len = ngx_strlen(text);

        if (len > NGX_HTTP_APISEC_INTROSPECT_ENTRY_MAX) {
            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "apisec: introspection answer of %uz bytes not "
                          "cached (more than %d)", len,
                          NGX_HTTP_APISEC_INTROSPECT_ENTRY_MAX);
            free(text);
            return;
        }
    }

    key.len = NGX_HTTP_APISEC_DIGEST_LEN;
    key.data = digest;
    ngx_memcpy(&hash, digest, sizeof(uint32_t));

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_apisec_shm_lookup(zone, hash, &key);
    if (node) {
        ngx_http_apisec_shm_free(zone, node);
    }

    /* no room: the answer was used all the same, just not kept */

    node = ngx_http_apisec_shm_alloc(zone, hash, &key, len, ngx_current_msec,
                                     log);

    if (node) {
        in = ngx_http_apisec_introspect_node(node);

        in->active = (json != NULL);
        in->len = (u_short) len;
        in->expires = ngx_time() + ttl;
        in->seq = zone->sh->inserted;

        if (len) {
            ngx_memcpy(in->answer, text, len);
        }
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    free(text);
}


static ngx_uint_t
ngx_http_apisec_introspect_idle(void *data, ngx_http_apisec_shm_node_t *node,
    ngx_msec_t now)
{
    return ngx_http_apisec_introspect_node(node)->expires <= ngx_time();
}


/*
 * The key of an answer: the server and endpoint (is->context), the Host
 * the subrequest carries (the endpoint's location may route by $host), and
 * the token.
 */

static ngx_int_t
ngx_http_apisec_introspect_key(ngx_http_apisec_introspect_t *is,
    ngx_str_t *host, ngx_str_t *token, u_char *digest)
{
    ngx_uint_t                            i;
    ngx_http_apisec_introspect_recent_t  *t;

    if (token->len > NGX_HTTP_APISEC_INTROSPECT_RECENT_MAX
        || host->len > NGX_HTTP_APISEC_INTROSPECT_HOST_MAX)
    {
        return ngx_http_apisec_introspect_digest(is->context, host, token,
                                                 digest);
    }

    for (i = 0; i < NGX_HTTP_APISEC_INTROSPECT_RECENT; i++) {
        t = &ngx_http_apisec_introspect_recent[i];

        if (t->len == token->len && t->is == is && t->len
            && t->host_len == host->len
            && ngx_memcmp(t->host, host->data, host->len) == 0
            && CRYPTO_memcmp(t->token, token->data, token->len) == 0)
        {
            ngx_memcpy(digest, t->digest, NGX_HTTP_APISEC_DIGEST_LEN);
            return NGX_OK;
        }
    }

    if (ngx_http_apisec_introspect_digest(is->context, host, token, digest)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    t = &ngx_http_apisec_introspect_recent[
            ngx_http_apisec_introspect_recent_next++
            % NGX_HTTP_APISEC_INTROSPECT_RECENT];

    ngx_explicit_memzero(t->token, t->len);

    t->is = is;
    t->len = token->len;
    t->host_len = host->len;
    ngx_memcpy(t->host, host->data, host->len);
    ngx_memcpy(t->token, token->data, token->len);
    ngx_memcpy(t->digest, digest, NGX_HTTP_APISEC_DIGEST_LEN);

    return NGX_OK;
}


/*
 * SHA-256 of the server and endpoint's context, the Host and the token,
 * each length-prefixed: the cache's and the flights' key
 */

ngx_int_t
ngx_http_apisec_introspect_digest(u_char *context, ngx_str_t *host,
    ngx_str_t *token, u_char *digest)
{
    ngx_str_t  parts[3];

    parts[0].data = context;
    parts[0].len = NGX_HTTP_APISEC_DIGEST_LEN;
    parts[1] = *host;
    parts[2] = *token;

    return ngx_http_apisec_sha256(digest, parts, 3);
}


/*
 * application/x-www-form-urlencoded: everything but the unreserved
 * characters of RFC 3986 percent-encoded; dst has room for 3 * src->len
 */

ngx_int_t
ngx_http_apisec_form_escape(ngx_str_t *dst, ngx_str_t *src)
{
    u_char  *p, *s, *last;

    static u_char  hex[] = "0123456789ABCDEF";

    p = dst->data;
    last = src->data + src->len;

    for (s = src->data; s < last; s++) {
        if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')
            || (*s >= '0' && *s <= '9')
            || *s == '-' || *s == '.' || *s == '_' || *s == '~')
        {
            *p++ = *s;
            continue;
        }

        *p++ = '%';
        *p++ = hex[*s >> 4];
        *p++ = hex[*s & 0xf];
    }

    dst->len = p - dst->data;

    return NGX_OK;
}
