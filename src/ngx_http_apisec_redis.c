
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_md5.h>
#include <openssl/evp.h>
#include <hiredis/hiredis.h>
#include "ngx_http_apisec.h"
#include "ngx_http_apisec_redis.h"


/* connections a worker keeps to one Redis server */
#define NGX_HTTP_APISEC_REDIS_CONNS      2

/* a second connection opens when the first has this many waiters */
#define NGX_HTTP_APISEC_REDIS_BUSY       64

/* probes of a Redis that does not answer: from 100 ms, doubling, to 3 s */
#define NGX_HTTP_APISEC_REDIS_BACKOFF    100
#define NGX_HTTP_APISEC_REDIS_BACKOFF_MAX  3000

/* unparsed answer bytes a connection may hold: more is a broken peer */
#define NGX_HTTP_APISEC_REDIS_MAX_BUF    (1024 * 1024)

/* elements of an array answer, strings: none of ours is near */
#define NGX_HTTP_APISEC_REDIS_MAX_ELTS   16
#define NGX_HTTP_APISEC_REDIS_MAX_STR    65536

/* connection states */
#define NGX_HTTP_APISEC_REDIS_CONN_CLOSED     0
#define NGX_HTTP_APISEC_REDIS_CONN_HANDSHAKE  1  /* AUTH, SCRIPT LOAD due */
#define NGX_HTTP_APISEC_REDIS_CONN_READY      2

#define NGX_HTTP_APISEC_REDIS_NSCRIPTS   3


typedef struct {
    ngx_atomic_t                    up;         /* 1: answering */
    ngx_atomic_t                    fallbacks;  /* decisions without it */
} ngx_http_apisec_redis_sh_t;


typedef struct {
    ngx_http_apisec_redis_t        *redis;
    ngx_peer_connection_t           peer;
    redisReader                    *reader;
    ngx_queue_t                     waiters;    /* FIFO: oldest at head */
    ngx_uint_t                      nwaiters;
    ngx_uint_t                      state;
    ngx_uint_t                      handshake;  /* its answers still due */
    u_char                         *out;        /* commands not yet sent */
    size_t                          out_len;
    size_t                          out_size;
    unsigned                        reload:1;   /* a SCRIPT LOAD is queued */
} ngx_http_apisec_redis_conn_t;


struct ngx_http_apisec_redis_s {
    ngx_str_t                       name;
    ngx_str_t                       server;     /* as written: the logs */
    ngx_addr_t                     *addr;
    ngx_str_t                       password;   /* empty: no AUTH */
    ngx_str_t                       prefix;
    ngx_msec_t                      timeout;
    ngx_shm_zone_t                 *shm_zone;
    ngx_http_apisec_redis_sh_t     *sh;
    ngx_ssl_t                      *ssl;        /* "tls", or NULL */
    ngx_str_t                       tls_name;   /* SNI, the name verified */

    /* this worker's */
    ngx_uint_t                      down;
    ngx_msec_t                      backoff;
    ngx_event_t                     probe;
    ngx_log_t                       log;        /* quiet: ours say it */
    ngx_http_apisec_redis_conn_t    conns[NGX_HTTP_APISEC_REDIS_CONNS];
};


struct ngx_http_apisec_redis_waiter_s {
    ngx_queue_t                     queue;
    ngx_uint_t                      what;
    ngx_uint_t                      script;     /* the index, or -1 */
    ngx_http_apisec_redis_call_t   *call;       /* NULL: nobody waits */
    ngx_str_t                      *zone;       /* FAILURE: for the log */
    ngx_uint_t                      threshold;
    size_t                          logkey_len;
    u_char                         *logkey;
    size_t                          tail_len;   /* keys and arguments */
    u_char                         *tail;
    ngx_uint_t                      nargs;      /* in the tail */
};


/* the calls of a main request, and its pool cleanup */
typedef struct {
    ngx_array_t                     calls;  /* ngx_http_apisec_redis_call_t * */
    ngx_uint_t                      pending;
    ngx_http_request_t             *request;
    unsigned                        parked:1;
} ngx_http_apisec_redis_req_t;


typedef struct {
    ngx_str_t                       text;
    u_char                          sha[41];
} ngx_http_apisec_redis_script_t;


static ngx_int_t ngx_http_apisec_redis_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_http_apisec_redis_req_t *ngx_http_apisec_redis_req(
    ngx_http_request_t *r);
static void ngx_http_apisec_redis_req_cleanup(void *data);
static void ngx_http_apisec_redis_wake(ngx_http_request_t *r);
static void ngx_http_apisec_redis_land(ngx_http_apisec_redis_call_t *call,
    ngx_uint_t state);
static ngx_int_t ngx_http_apisec_redis_send(ngx_http_apisec_redis_t *rd,
    ngx_http_apisec_redis_zone_t *rz, ngx_uint_t what,
    ngx_http_apisec_redis_call_t *call, ngx_str_t *key, int64_t *args,
    ngx_log_t *log);
static ngx_http_apisec_redis_conn_t *ngx_http_apisec_redis_pick(
    ngx_http_apisec_redis_t *rd);
static ngx_int_t ngx_http_apisec_redis_connect(
    ngx_http_apisec_redis_conn_t *rc);
static ngx_http_apisec_redis_waiter_t *ngx_http_apisec_redis_waiter(
    size_t extra);
static ngx_int_t ngx_http_apisec_redis_queue(ngx_http_apisec_redis_conn_t *rc,
    ngx_http_apisec_redis_waiter_t *w, ngx_uint_t eval);
static ngx_int_t ngx_http_apisec_redis_append(
    ngx_http_apisec_redis_conn_t *rc, u_char *p, size_t len);
static void ngx_http_apisec_redis_write_handler(ngx_event_t *wev);
static void ngx_http_apisec_redis_read_handler(ngx_event_t *rev);
static void ngx_http_apisec_redis_tls_start(ngx_event_t *wev);
static void ngx_http_apisec_redis_tls_wait(ngx_event_t *rev);
static void ngx_http_apisec_redis_tls_done(ngx_connection_t *c);
static void ngx_http_apisec_redis_tls_closed(ngx_connection_t *c);
static char *ngx_http_apisec_redis_tls(ngx_conf_t *cf,
    ngx_http_apisec_redis_t *rd, ngx_str_t *trusted, ngx_str_t *cert,
    ngx_str_t *key);
static ngx_int_t ngx_http_apisec_redis_reply(ngx_http_apisec_redis_conn_t *rc,
    redisReply *reply, char **reason);
static void ngx_http_apisec_redis_fail(ngx_http_apisec_redis_conn_t *rc,
    ngx_err_t err, char *reason);
static void ngx_http_apisec_redis_close(ngx_http_apisec_redis_conn_t *rc);
static void ngx_http_apisec_redis_probe(ngx_event_t *ev);
static void ngx_http_apisec_redis_is_up(ngx_http_apisec_redis_t *rd);
static void ngx_http_apisec_redis_fell_back(ngx_http_apisec_redis_t *rd);
static void ngx_http_apisec_redis_escape(u_char *buf, redisReply *reply);
static u_char *ngx_http_apisec_redis_num(u_char *p, int64_t n);
static u_char *ngx_http_apisec_redis_digits(u_char *p, uint64_t n);
static ngx_int_t ngx_http_apisec_redis_read_password(ngx_conf_t *cf,
    ngx_http_apisec_redis_t *rd, ngx_str_t *file);

static void *ngx_http_apisec_redis_create_string(const redisReadTask *task,
    char *str, size_t len);
static void *ngx_http_apisec_redis_create_array(const redisReadTask *task,
    int elements);
static void *ngx_http_apisec_redis_create_integer(const redisReadTask *task,
    long long value);
static void *ngx_http_apisec_redis_create_nil(const redisReadTask *task);
static void *ngx_http_apisec_redis_create(const redisReadTask *task, int type);


static ngx_uint_t  ngx_http_apisec_redis_tag;


/*
 * The scripts, run atomically by Redis.  Time is Redis's own (TIME), so
 * that the nodes' clocks need not agree.  Numbers stay below 2^53, where
 * Lua's doubles are exact, for every rate and burst the zones accept
 * (ngx_http_apisec_limit.h); they are stored with "%.0f", never in Lua's
 * "1e+15" notation.
 *
 * LIMIT: the GCRA of ngx_http_apisec_limit_drain(), on a hash {x: the
 * level in milli-requests, t: when it was last drained, ms}; the key
 * lives until the bucket is empty.  Returns {admitted, level found}.
 */

static ngx_http_apisec_redis_script_t  ngx_http_apisec_redis_scripts[] = {

    { ngx_string(
      "if redis.replicate_commands then redis.replicate_commands() end\n"
      "local t = redis.call('TIME')\n"
      "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
      "local rate = tonumber(ARGV[1])\n"
      "local burst = tonumber(ARGV[2])\n"
      "local v = redis.call('HMGET', KEYS[1], 'x', 't')\n"
      "local x = tonumber(v[1]) or 0\n"
      "local last = tonumber(v[2]) or now\n"
      "local ms = now - last\n"
      "if ms > 0 then\n"
      "  local q = math.floor(ms / 86400)\n"
      "  if q > math.floor(x / rate) then\n"
      "    x = 0\n"
      "  else\n"
      "    x = x - rate * q\n"
      "    local d = math.floor(rate * (ms % 86400) / 86400)\n"
      "    if x > d then x = x - d else x = 0 end\n"
      "  end\n"
      "  last = now\n"
      "end\n"
      "if x > burst then return {0, x} end\n"
      "local n = x + 1000\n"
      "local ttl = math.floor(n / rate) * 86400\n"
      "  + math.ceil((n % rate) * 86400 / rate) + 1000\n"
      "redis.call('HSET', KEYS[1], 'x', string.format('%.0f', n),\n"
      "           't', string.format('%.0f', last))\n"
      "redis.call('PEXPIRE', KEYS[1], string.format('%.0f', ttl))\n"
      "return {1, x}\n"), "" },

    /*
     * FAILURE: an authentication failure in a fixed window that begins
     * with its first failure (KEYS[1] lives "window" ms); at "threshold",
     * the ban (KEYS[2]) for "duration" ms.  Returns the ban's ms, or 0.
     */

    { ngx_string(
      "if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end\n"
      "local n = redis.call('INCR', KEYS[1])\n"
      "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\n"
      "if n >= tonumber(ARGV[1]) then\n"
      "  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])\n"
      "  redis.call('DEL', KEYS[1])\n"
      "  return tonumber(ARGV[3])\n"
      "end\n"
      "return 0\n"), "" },

    /* REFUND: one request taken back from a bucket */

    { ngx_string(
      "local x = tonumber(redis.call('HGET', KEYS[1], 'x'))\n"
      "if x == nil then return 0 end\n"
      "if x > 1000 then x = x - 1000 else x = 0 end\n"
      "redis.call('HSET', KEYS[1], 'x', string.format('%.0f', x))\n"
      "return 0\n"), "" }
};

/* the script of a question (BANNED is a plain PTTL) */
static ngx_int_t  ngx_http_apisec_redis_script_of[] = { 0, -1, 1, 2 };

static redisReplyObjectFunctions  ngx_http_apisec_redis_functions = {
    ngx_http_apisec_redis_create_string,
    ngx_http_apisec_redis_create_array,
    ngx_http_apisec_redis_create_integer,
    ngx_http_apisec_redis_create_nil,
    freeReplyObject
};


/*
 * apisec_redis name server=host[:port] [password_file=path]
 *     [timeout=time] [prefix=string] [tls] [tls_name=name]
 *     [tls_trusted_certificate=path] [tls_certificate=path
 *     tls_certificate_key=path];
 */

char *
ngx_http_apisec_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    u_char                        *p;
    size_t                         len;
    ngx_str_t                     *value, s, zname, host;
    ngx_str_t                      trusted, cert, key;
    ngx_url_t                      u;
    ngx_uint_t                     i, n, tls;
    EVP_MD_CTX                    *md;
    unsigned int                   mdlen;
    ngx_http_apisec_redis_t       *rd, **rdp;
    ngx_http_apisec_main_conf_t   *amcf;
    u_char                         digest[EVP_MAX_MD_SIZE];

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apisec_module);

    value = cf->args->elts;

    if (amcf->redis == NULL) {
        amcf->redis = ngx_array_create(cf->pool, 2,
                                       sizeof(ngx_http_apisec_redis_t *));
        if (amcf->redis == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    rdp = amcf->redis->elts;

    for (i = 0; i < amcf->redis->nelts; i++) {
        if (rdp[i]->name.len == value[1].len
            && ngx_strncmp(rdp[i]->name.data, value[1].data, value[1].len)
               == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "apisec_redis \"%V\" is duplicate", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    rd = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_redis_t));
    if (rd == NULL) {
        return NGX_CONF_ERROR;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     rd->password = { 0, NULL };
     *     rd->prefix = { 0, NULL };
     *     rd->down = 0;
     */

    rd->name = value[1];
    rd->timeout = NGX_CONF_UNSET_MSEC;

    tls = 0;
    ngx_str_null(&host);
    ngx_str_null(&trusted);
    ngx_str_null(&cert);
    ngx_str_null(&key);

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "server=", 7) == 0 && rd->addr == NULL)
        {
            ngx_memzero(&u, sizeof(ngx_url_t));

            u.url.data = value[i].data + 7;
            u.url.len = value[i].len - 7;
            u.default_port = 6379;

            if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.naddrs == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "%s in \"%V\"",
                                   u.err ? u.err : "no address", &value[i]);
                return NGX_CONF_ERROR;
            }

            rd->server = u.url;
            rd->addr = &u.addrs[0];
            host = u.host;
            continue;
        }

        if (ngx_strncmp(value[i].data, "password_file=", 14) == 0
            && rd->password.data == NULL)
        {
            s.data = value[i].data + 14;
            s.len = value[i].len - 14;

            if (ngx_http_apisec_redis_read_password(cf, rd, &s) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "timeout=", 8) == 0
            && rd->timeout == NGX_CONF_UNSET_MSEC)
        {
            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

            rd->timeout = ngx_parse_time(&s, 0);
            if (rd->timeout == (ngx_msec_t) NGX_ERROR || rd->timeout == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid timeout \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "prefix=", 7) == 0
            && rd->prefix.data == NULL)
        {
            rd->prefix.data = value[i].data + 7;
            rd->prefix.len = value[i].len - 7;

            for (n = 0; n < rd->prefix.len; n++) {
                if (rd->prefix.data[n] <= ' ' || rd->prefix.data[n] >= 0x7f) {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "invalid prefix \"%V\": printable "
                                       "characters only", &value[i]);
                    return NGX_CONF_ERROR;
                }
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "tls") == 0 && !tls) {
            tls = 1;
            continue;
        }

        if (ngx_strncmp(value[i].data, "tls_name=", 9) == 0
            && rd->tls_name.data == NULL)
        {
            rd->tls_name.data = value[i].data + 9;
            rd->tls_name.len = value[i].len - 9;

            for (n = 0; n < rd->tls_name.len; n++) {
                if (rd->tls_name.data[n] <= ' '
                    || rd->tls_name.data[n] >= 0x7f)
                {
                    break;
                }
            }

            if (rd->tls_name.len == 0 || n < rd->tls_name.len) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid name \"%V\": a host name or "
                                   "an IP address", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "tls_trusted_certificate=", 24) == 0
            && trusted.data == NULL)
        {
            trusted.data = value[i].data + 24;
            trusted.len = value[i].len - 24;

            if (trusted.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "tls_certificate=", 16) == 0
            && cert.data == NULL)
        {
            cert.data = value[i].data + 16;
            cert.len = value[i].len - 16;

            if (cert.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "tls_certificate_key=", 20) == 0
            && key.data == NULL)
        {
            key.data = value[i].data + 20;
            key.len = value[i].len - 20;

            if (key.len == 0) {
                goto invalid;
            }

            continue;
        }

    invalid:

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (rd->addr == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"server\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (rd->timeout == NGX_CONF_UNSET_MSEC) {
        rd->timeout = 100;
    }

    if (!tls) {
        if (rd->tls_name.data || trusted.data || cert.data || key.data) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"tls_*\" parameters need \"tls\"");
            return NGX_CONF_ERROR;
        }

    } else {
        if (rd->tls_name.data == NULL) {
            rd->tls_name = host;

            if (host.len > 2 && host.data[0] == '[') {
                rd->tls_name.data = host.data + 1;
                rd->tls_name.len = host.len - 2;
            }
        }

        if (ngx_http_apisec_redis_tls(cf, rd, &trusted, &cert, &key)
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    /* the scripts' SHA-1, for EVALSHA, once */

    if (ngx_http_apisec_redis_scripts[0].sha[0] == '\0') {

        md = EVP_MD_CTX_new();
        if (md == NULL) {
            return NGX_CONF_ERROR;
        }

        for (n = 0; n < NGX_HTTP_APISEC_REDIS_NSCRIPTS; n++) {
            s = ngx_http_apisec_redis_scripts[n].text;

            if (EVP_DigestInit_ex(md, EVP_sha1(), NULL) != 1
                || EVP_DigestUpdate(md, s.data, s.len) != 1
                || EVP_DigestFinal_ex(md, digest, &mdlen) != 1)
            {
                EVP_MD_CTX_free(md);
                ngx_ssl_error(NGX_LOG_EMERG, cf->log, 0,
                              "EVP_Digest() failed");
                return NGX_CONF_ERROR;
            }

            ngx_hex_dump(ngx_http_apisec_redis_scripts[n].sha, digest, mdlen);
        }

        EVP_MD_CTX_free(md);
    }

    /* the state all workers see: up or not, and the fallbacks */

    len = sizeof("apisec_redis_") - 1 + rd->name.len;

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    zname.data = p;
    zname.len = ngx_sprintf(p, "apisec_redis_%V", &rd->name) - p;

    rd->shm_zone = ngx_shared_memory_add(cf, &zname, 8 * ngx_pagesize,
                                         &ngx_http_apisec_redis_tag);
    if (rd->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    rd->shm_zone->init = ngx_http_apisec_redis_init_zone;
    rd->shm_zone->data = rd;

    rd->backoff = NGX_HTTP_APISEC_REDIS_BACKOFF;

    rdp = ngx_array_push(amcf->redis);
    if (rdp == NULL) {
        return NGX_CONF_ERROR;
    }

    *rdp = rd;

    return NGX_CONF_OK;
}


/*
 * "tls": nginx's own TLS, as proxy_ssl.  TLSv1.2 and later, OpenSSL's
 * default ciphers; the server's chain verified against
 * tls_trusted_certificate= or else the system's store, and its name
 * (tls_name=, by default the host of server=) checked after the handshake
 * (ngx_http_apisec_redis_tls_done()): always, there is no "off".
 */

static char *
ngx_http_apisec_redis_tls(ngx_conf_t *cf, ngx_http_apisec_redis_t *rd,
    ngx_str_t *trusted, ngx_str_t *cert, ngx_str_t *key)
{
    u_char              *p;
    ngx_pool_cleanup_t  *cln;

    if (rd->tls_name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"tls\" needs \"tls_name\" when \"server\" "
                           "has no host name");
        return NGX_CONF_ERROR;
    }

    if ((cert->data == NULL) != (key->data == NULL)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"tls_certificate\" and \"tls_certificate_key\" "
                           "go together");
        return NGX_CONF_ERROR;
    }

    /* NUL-terminated: SSL_set_tlsext_host_name(), X509_check_ip_asc() */

    p = ngx_pnalloc(cf->pool, rd->tls_name.len + 1);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(p, rd->tls_name.data, rd->tls_name.len);
    p[rd->tls_name.len] = '\0';
    rd->tls_name.data = p;

    rd->ssl = ngx_pcalloc(cf->pool, sizeof(ngx_ssl_t));
    if (rd->ssl == NULL) {
        return NGX_CONF_ERROR;
    }

    rd->ssl->log = cf->log;

    if (ngx_ssl_create(rd->ssl, NGX_SSL_TLSv1_2|NGX_SSL_TLSv1_3, NULL)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_ssl_cleanup_ctx(rd->ssl);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_ssl_cleanup_ctx;
    cln->data = rd->ssl;

    if (trusted->data) {
        if (ngx_ssl_trusted_certificate(cf, rd->ssl, trusted, 5) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

    } else if (SSL_CTX_set_default_verify_paths(rd->ssl->ctx) != 1) {
        ngx_ssl_error(NGX_LOG_EMERG, cf->log, 0,
                      "SSL_CTX_set_default_verify_paths() failed");
        return NGX_CONF_ERROR;
    }

    if (cert->data) {
        if (ngx_ssl_certificate(cf, rd->ssl, cert, key, NULL) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_apisec_redis_read_password(ngx_conf_t *cf,
    ngx_http_apisec_redis_t *rd, ngx_str_t *file)
{
    u_char       *p;
    size_t        len;
    ssize_t       n;
    ngx_fd_t      fd;
    ngx_str_t     name;
    ngx_uint_t    i;
    ngx_file_t    f;
    u_char        buf[513];

    name = *file;

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &name);
        return NGX_ERROR;
    }

    ngx_memzero(&f, sizeof(ngx_file_t));
    f.fd = fd;
    f.name = name;
    f.log = cf->log;

    n = ngx_read_file(&f, buf, sizeof(buf), 0);

    ngx_close_file(fd);

    if (n == NGX_ERROR) {
        return NGX_ERROR;
    }

    len = n;

    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
        len--;
    }

    if (len == 0 || n == (ssize_t) sizeof(buf)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "password file \"%V\" must hold one password "
                           "of 1 to 512 bytes", &name);
        ngx_explicit_memzero(buf, sizeof(buf));
        return NGX_ERROR;
    }

    for (i = 0; i < len; i++) {
        if (buf[i] == '\n' || buf[i] == '\r') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "password file \"%V\" must hold one line",
                               &name);
            ngx_explicit_memzero(buf, sizeof(buf));
            return NGX_ERROR;
        }
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, buf, len);
    ngx_explicit_memzero(buf, sizeof(buf));

    rd->password.data = p;
    rd->password.len = len;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_redis_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_apisec_redis_t *ord = data;

    ngx_slab_pool_t          *shpool;
    ngx_http_apisec_redis_t  *rd;

    rd = shm_zone->data;

    if (ord) {
        rd->sh = ord->sh;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        rd->sh = shpool->data;
        return NGX_OK;
    }

    rd->sh = ngx_slab_alloc(shpool, sizeof(ngx_http_apisec_redis_sh_t));
    if (rd->sh == NULL) {
        return NGX_ERROR;
    }

    rd->sh->up = 1;
    rd->sh->fallbacks = 0;

    shpool->data = rd->sh;

    return NGX_OK;
}


/*
 * "redis=name" and "fallback=local|open|closed" of apisec_limit_zone and
 * apisec_ban_zone: NGX_OK when value was one of them, NGX_DECLINED when
 * not, NGX_ERROR (logged).
 */

ngx_int_t
ngx_http_apisec_redis_zone_param(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_apisec_redis_zone_t **rzp)
{
    ngx_str_t                      s;
    ngx_uint_t                     i;
    ngx_http_apisec_redis_t      **rdp;
    ngx_http_apisec_redis_zone_t  *rz;
    ngx_http_apisec_main_conf_t   *amcf;

    if (ngx_strncmp(value->data, "redis=", 6) != 0
        && ngx_strncmp(value->data, "fallback=", 9) != 0)
    {
        return NGX_DECLINED;
    }

    rz = *rzp;

    if (rz == NULL) {
        rz = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_redis_zone_t));
        if (rz == NULL) {
            return NGX_ERROR;
        }

        rz->fallback = NGX_CONF_UNSET_UINT;
        *rzp = rz;
    }

    if (value->data[0] == 'f') {

        if (rz->fallback != NGX_CONF_UNSET_UINT) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate parameter \"%V\"", value);
            return NGX_ERROR;
        }

        if (ngx_strcmp(value->data, "fallback=local") == 0) {
            rz->fallback = NGX_HTTP_APISEC_REDIS_LOCAL;

        } else if (ngx_strcmp(value->data, "fallback=open") == 0) {
            rz->fallback = NGX_HTTP_APISEC_REDIS_OPEN;

        } else if (ngx_strcmp(value->data, "fallback=closed") == 0) {
            rz->fallback = NGX_HTTP_APISEC_REDIS_CLOSED;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\", expected "
                               "\"fallback=local\", \"fallback=open\" or "
                               "\"fallback=closed\"", value);
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    if (rz->redis) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate parameter \"%V\"", value);
        return NGX_ERROR;
    }

    s.data = value->data + 6;
    s.len = value->len - 6;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apisec_module);

    if (amcf->redis) {
        rdp = amcf->redis->elts;

        for (i = 0; i < amcf->redis->nelts; i++) {
            if (rdp[i]->name.len == s.len
                && ngx_strncmp(rdp[i]->name.data, s.data, s.len) == 0)
            {
                rz->redis = rdp[i];
                return NGX_OK;
            }
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "unknown apisec_redis \"%V\" (it must be defined "
                       "before the zones that use it)", &s);
    return NGX_ERROR;
}


/* after the zone's parameters: its key prefix in Redis */

char *
ngx_http_apisec_redis_zone_done(ngx_conf_t *cf,
    ngx_http_apisec_redis_zone_t *rz, ngx_str_t *name)
{
    u_char  *p;

    if (rz == NULL) {
        return NGX_CONF_OK;
    }

    if (rz->redis == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fallback\" needs \"redis\"");
        return NGX_CONF_ERROR;
    }

    if (rz->fallback == NGX_CONF_UNSET_UINT) {
        rz->fallback = NGX_HTTP_APISEC_REDIS_LOCAL;
    }

    rz->name = *name;

    p = ngx_pnalloc(cf->pool, rz->redis->prefix.len + sizeof("apisec::") - 1
                              + name->len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    rz->prefix.data = p;
    rz->prefix.len = ngx_sprintf(p, "%Vapisec:%V:", &rz->redis->prefix, name)
                     - p;

    return NGX_CONF_OK;
}


/* the request side */

ngx_int_t
ngx_http_apisec_redis_ask(ngx_http_request_t *r, ngx_shm_zone_t *shm_zone,
    ngx_http_apisec_redis_zone_t *rz, ngx_uint_t what, ngx_str_t *key,
    int64_t *args, ngx_http_apisec_redis_call_t **callp)
{
    ngx_uint_t                      i;
    ngx_http_apisec_redis_t        *rd;
    ngx_http_apisec_redis_req_t    *rq;
    ngx_http_apisec_redis_call_t   *call, **calls;

    rq = ngx_http_apisec_redis_req(r);
    if (rq == NULL) {
        return NGX_ERROR;
    }

    /* asked before in this request, for this zone and key: its answer */

    calls = rq->calls.elts;

    for (i = 0; i < rq->calls.nelts; i++) {
        call = calls[i];

        if (call->shm_zone == shm_zone && call->what == what
            && call->key.len == key->len
            && ngx_memcmp(call->key.data, key->data, key->len) == 0)
        {
            *callp = call;
            return (call->state == NGX_HTTP_APISEC_REDIS_PENDING) ? NGX_AGAIN
                                                                   : NGX_OK;
        }
    }

    call = ngx_pcalloc(r->main->pool, sizeof(ngx_http_apisec_redis_call_t));
    if (call == NULL) {
        return NGX_ERROR;
    }

    call->key.data = ngx_pnalloc(r->main->pool, key->len);
    if (call->key.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(call->key.data, key->data, key->len);
    call->key.len = key->len;
    call->shm_zone = shm_zone;
    call->what = what;
    call->req = rq;

    calls = ngx_array_push(&rq->calls);
    if (calls == NULL) {
        return NGX_ERROR;
    }

    *calls = call;
    *callp = call;

    rd = rz->redis;

    /* a Redis that did not answer: no wait until a probe finds it again */

    if (rd->down
        || ngx_http_apisec_redis_send(rd, rz, what, call, key, args,
                                      r->connection->log)
           != NGX_OK)
    {
        call->state = NGX_HTTP_APISEC_REDIS_FALLBACK;
        ngx_http_apisec_redis_fell_back(rd);
        return NGX_OK;
    }

    if (call->waiter == NULL) {
        /* fire and forget (FAILURE): nothing to wait for */
        call->state = NGX_HTTP_APISEC_REDIS_DONE;
        return NGX_OK;
    }

    rq->pending++;

    return NGX_AGAIN;
}


ngx_int_t
ngx_http_apisec_redis_wait(ngx_http_request_t *r)
{
    ngx_http_apisec_redis_req_t  *rq;

    rq = ngx_http_apisec_redis_req(r);
    if (rq == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apisec redis wait, %ui pending", rq->pending);

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rq->parked = 1;
    rq->request = r;

    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_apisec_redis_wake;

    if (rq->pending == 0) {
        /*
         * every answer landed while the questions were asked (a
         * connection failed and its waiters fell back): run again at once
         */
        ngx_post_event(r->connection->write, &ngx_posted_events);
    }

    return NGX_AGAIN;
}


static void
ngx_http_apisec_redis_wake(ngx_http_request_t *r)
{
    ngx_http_apisec_redis_req_t  *rq;

    rq = ngx_http_apisec_redis_req(r);

    if (rq && rq->pending) {
        /* another event: the answers are not all in yet */
        return;
    }

    if (rq) {
        rq->parked = 0;
    }

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    /* the access handler runs again and finds the answers */

    ngx_http_core_run_phases(r);
}


static ngx_http_apisec_redis_req_t *
ngx_http_apisec_redis_req(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t           *cln;
    ngx_http_apisec_req_t        *req;
    ngx_http_apisec_redis_req_t  *rq;

    req = ngx_http_apisec_req(r, 1);
    if (req == NULL) {
        return NULL;
    }

    if (req->redis) {
        return req->redis;
    }

    cln = ngx_pool_cleanup_add(r->main->pool,
                               sizeof(ngx_http_apisec_redis_req_t));
    if (cln == NULL) {
        return NULL;
    }

    rq = cln->data;
    ngx_memzero(rq, sizeof(ngx_http_apisec_redis_req_t));

    if (ngx_array_init(&rq->calls, r->main->pool, 2,
                       sizeof(ngx_http_apisec_redis_call_t *))
        != NGX_OK)
    {
        return NULL;
    }

    cln->handler = ngx_http_apisec_redis_req_cleanup;

    req->redis = rq;

    return rq;
}


/*
 * The request is finalized (the client went away, say) while answers are
 * due: its waiters stay in their connections' FIFOs, since the answers
 * still come in that order, but nobody waits for them any more.
 */

static void
ngx_http_apisec_redis_req_cleanup(void *data)
{
    ngx_http_apisec_redis_req_t *rq = data;

    ngx_uint_t                     i;
    ngx_http_apisec_redis_call_t  **calls;

    calls = rq->calls.elts;

    for (i = 0; i < rq->calls.nelts; i++) {
        if (calls[i]->waiter) {
            calls[i]->waiter->call = NULL;
            calls[i]->waiter = NULL;
        }
    }

    rq->pending = 0;
    rq->parked = 0;
}


static void
ngx_http_apisec_redis_land(ngx_http_apisec_redis_call_t *call,
    ngx_uint_t state)
{
    ngx_http_request_t           *r;
    ngx_http_apisec_redis_req_t  *rq;

    rq = call->req;

    call->state = state;
    call->waiter = NULL;

    if (rq->pending) {
        rq->pending--;
    }

    if (rq->pending || !rq->parked) {
        return;
    }

    r = rq->request;

    if (r->write_event_handler != ngx_http_apisec_redis_wake) {
        return;
    }

    ngx_post_event(r->connection->write, &ngx_posted_events);
}


void
ngx_http_apisec_redis_refund(ngx_http_apisec_redis_call_t *call,
    ngx_http_apisec_redis_zone_t *rz, ngx_log_t *log)
{
    if (rz->redis->down) {
        return;
    }

    (void) ngx_http_apisec_redis_send(rz->redis, rz,
                                      NGX_HTTP_APISEC_REDIS_REFUND, NULL,
                                      &call->key, NULL, log);
}


/*
 * A command on a connection: EVALSHA of the question's script with its
 * key and arguments (kept in the waiter, to be sent again as EVAL after
 * a NOSCRIPT), or PTTL.  NGX_OK: queued (call->waiter set when an answer
 * is awaited); NGX_ERROR: no connection, the caller falls back.
 */

static ngx_int_t
ngx_http_apisec_redis_send(ngx_http_apisec_redis_t *rd,
    ngx_http_apisec_redis_zone_t *rz, ngx_uint_t what,
    ngx_http_apisec_redis_call_t *call, ngx_str_t *key, int64_t *args,
    ngx_log_t *log)
{
    u_char                          *p;
    size_t                           len, klen, loglen;
    ngx_uint_t                       i, nargs, nkeys;
    ngx_http_apisec_redis_conn_t    *rc;
    ngx_http_apisec_redis_waiter_t  *w;
    u_char                           logkey[NGX_HTTP_APISEC_SHM_LOG_KEY_LEN];

    rc = ngx_http_apisec_redis_pick(rd);
    if (rc == NULL) {
        return NGX_ERROR;
    }

    nkeys = (what == NGX_HTTP_APISEC_REDIS_FAILURE) ? 2 : 1;
    nargs = (what == NGX_HTTP_APISEC_REDIS_LIMIT) ? 2
            : (what == NGX_HTTP_APISEC_REDIS_FAILURE) ? 3 : 0;

    klen = rz->prefix.len + 2 + key->len;

    len = NGX_INT_T_LEN + 6 + nkeys * (NGX_INT_T_LEN + 5 + klen)
          + nargs * (2 * NGX_INT64_LEN + 5);

    loglen = 0;

    if (what == NGX_HTTP_APISEC_REDIS_FAILURE) {
        loglen = ngx_http_apisec_shm_log_key(call->shm_zone->data, key,
                                             logkey);
    }

    w = ngx_http_apisec_redis_waiter(len + loglen);
    if (w == NULL) {
        return NGX_ERROR;
    }

    w->what = what;
    w->script = ngx_http_apisec_redis_script_of[what];
    w->tail = (u_char *) w + sizeof(ngx_http_apisec_redis_waiter_t);
    w->logkey = w->tail + len;
    w->logkey_len = loglen;
    ngx_memcpy(w->logkey, logkey, loglen);

    /* "numkeys key... arg...", or PTTL's one key */

    p = w->tail;

    if (w->script != (ngx_uint_t) -1) {
        p = ngx_http_apisec_redis_num(p, nkeys);
    }

    for (i = 0; i < nkeys; i++) {
        *p++ = '$';
        p = ngx_http_apisec_redis_digits(p, klen);
        *p++ = CR; *p++ = LF;
        p = ngx_cpymem(p, rz->prefix.data, rz->prefix.len);

        if (what == NGX_HTTP_APISEC_REDIS_LIMIT
            || what == NGX_HTTP_APISEC_REDIS_REFUND)
        {
            *p++ = 'l'; *p++ = ':';

        } else if (what == NGX_HTTP_APISEC_REDIS_FAILURE && i == 0) {
            *p++ = 'f'; *p++ = ':';

        } else {
            *p++ = 'b'; *p++ = ':';
        }

        p = ngx_cpymem(p, key->data, key->len);
        *p++ = CR; *p++ = LF;
    }

    for (i = 0; i < nargs; i++) {
        p = ngx_http_apisec_redis_num(p, args[i]);
    }

    w->tail_len = p - w->tail;
    w->nargs = (w->script != (ngx_uint_t) -1 ? 1 : 0) + nkeys + nargs;

    if (what == NGX_HTTP_APISEC_REDIS_FAILURE) {
        w->zone = &rz->name;
        w->threshold = (ngx_uint_t) args[0];
    }

    if (ngx_http_apisec_redis_queue(rc, w, 0) != NGX_OK) {
        ngx_free(w);
        return NGX_ERROR;
    }

    if (what == NGX_HTTP_APISEC_REDIS_LIMIT
        || what == NGX_HTTP_APISEC_REDIS_BANNED)
    {
        w->call = call;
        call->waiter = w;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, log, 0,
                   "apisec redis \"%V\" asks %ui, %ui waiting",
                   &rd->name, what, rc->nwaiters);

    return NGX_OK;
}


static ngx_http_apisec_redis_waiter_t *
ngx_http_apisec_redis_waiter(size_t extra)
{
    ngx_http_apisec_redis_waiter_t  *w;

    w = ngx_alloc(sizeof(ngx_http_apisec_redis_waiter_t) + extra,
                  ngx_cycle->log);
    if (w == NULL) {
        return NULL;
    }

    ngx_memzero(w, sizeof(ngx_http_apisec_redis_waiter_t));

    w->script = (ngx_uint_t) -1;

    return w;
}


/* the connection a command goes on: the least busy ready one */

static ngx_http_apisec_redis_conn_t *
ngx_http_apisec_redis_pick(ngx_http_apisec_redis_t *rd)
{
    ngx_uint_t                     i;
    ngx_http_apisec_redis_conn_t  *rc, *best, *closed;

    best = NULL;
    closed = NULL;

    for (i = 0; i < NGX_HTTP_APISEC_REDIS_CONNS; i++) {
        rc = &rd->conns[i];

        if (rc->state == NGX_HTTP_APISEC_REDIS_CONN_CLOSED) {
            if (closed == NULL) {
                closed = rc;
            }

            continue;
        }

        if (best == NULL || rc->nwaiters < best->nwaiters) {
            best = rc;
        }
    }

    if (closed && !ngx_exiting
        && (best == NULL || best->nwaiters >= NGX_HTTP_APISEC_REDIS_BUSY))
    {
        closed->redis = rd;

        if (ngx_http_apisec_redis_connect(closed) == NGX_OK) {
            return closed;
        }

        if (rd->down) {
            return NULL;
        }
    }

    return best;
}


/* a new connection: TCP, then AUTH and SCRIPT LOAD before any question */

static ngx_int_t
ngx_http_apisec_redis_connect(ngx_http_apisec_redis_conn_t *rc)
{
    ngx_int_t                        rv;
    ngx_uint_t                       i;
    ngx_connection_t                *c;
    ngx_http_apisec_redis_t         *rd;
    ngx_http_apisec_redis_waiter_t  *w;

    rd = rc->redis;

    if (rd->log.file == NULL) {
        /*
         * the connection's own log is quiet: nginx's "connect() failed"
         * would come once a probe; this file says it once a change
         */
        rd->log = *ngx_cycle->log;
        rd->log.log_level = NGX_LOG_EMERG;
        rd->log.next = NULL;
    }

    ngx_memzero(&rc->peer, sizeof(ngx_peer_connection_t));

    rc->peer.sockaddr = rd->addr->sockaddr;
    rc->peer.socklen = rd->addr->socklen;
    rc->peer.name = &rd->addr->name;
    rc->peer.get = ngx_event_get_peer;
    rc->peer.log = &rd->log;
    rc->peer.log_error = NGX_ERROR_ERR;

    rv = ngx_event_connect_peer(&rc->peer);

    if (rv == NGX_ERROR || rv == NGX_BUSY || rv == NGX_DECLINED) {
        if (rc->peer.connection) {
            ngx_close_connection(rc->peer.connection);
            rc->peer.connection = NULL;
        }

        ngx_http_apisec_redis_fail(rc, ngx_socket_errno, "connect() failed");
        return NGX_ERROR;
    }

    c = rc->peer.connection;

    c->data = rc;

    if (rd->ssl) {
        /* the commands below wait in the output for the handshake */
        c->read->handler = ngx_http_apisec_redis_tls_wait;
        c->write->handler = ngx_http_apisec_redis_tls_start;

    } else {
        c->read->handler = ngx_http_apisec_redis_read_handler;
        c->write->handler = ngx_http_apisec_redis_write_handler;
    }

    c->idle = 1;        /* closed at once when the worker shuts down */

    rc->reader = redisReaderCreateWithFunctions(
                                       &ngx_http_apisec_redis_functions);
    if (rc->reader == NULL) {
        ngx_close_connection(c);
        rc->peer.connection = NULL;
        return NGX_ERROR;
    }

    ngx_queue_init(&rc->waiters);
    rc->nwaiters = 0;
    rc->out_len = 0;
    rc->reload = 0;
    rc->state = NGX_HTTP_APISEC_REDIS_CONN_HANDSHAKE;
    rc->handshake = 0;

    if (rd->password.len) {
        w = ngx_http_apisec_redis_waiter(0);
        if (w == NULL) {
            goto failed;
        }

        w->what = NGX_HTTP_APISEC_REDIS_AUTH;

        if (ngx_http_apisec_redis_queue(rc, w, 0) != NGX_OK) {
            ngx_free(w);
            goto failed;
        }

        rc->handshake++;
    }

    for (i = 0; i < NGX_HTTP_APISEC_REDIS_NSCRIPTS; i++) {
        w = ngx_http_apisec_redis_waiter(0);
        if (w == NULL) {
            goto failed;
        }

        w->what = NGX_HTTP_APISEC_REDIS_LOAD;
        w->script = i;

        if (ngx_http_apisec_redis_queue(rc, w, 0) != NGX_OK) {
            ngx_free(w);
            goto failed;
        }

        rc->handshake++;
    }

    if (rv == NGX_OK) {
        ngx_post_event(c->write, &ngx_posted_events);
    }

    return NGX_OK;

failed:

    ngx_http_apisec_redis_fail(rc, 0, "out of memory");
    return NGX_ERROR;
}


/*
 * A waiter at the tail of the FIFO and its command in the output; the
 * write goes out in the event loop's next turn, with every other
 * command queued meanwhile.  "eval": EVAL with the script's text.
 */

static ngx_int_t
ngx_http_apisec_redis_queue(ngx_http_apisec_redis_conn_t *rc,
    ngx_http_apisec_redis_waiter_t *w, ngx_uint_t eval)
{
    u_char                          *p;
    ngx_str_t                       *text;
    ngx_connection_t                *c;
    ngx_http_apisec_redis_t         *rd;
    ngx_http_apisec_redis_script_t  *sc;
    u_char                           head[128];

    rd = rc->redis;
    c = rc->peer.connection;
    p = head;

    switch (w->what) {

    case NGX_HTTP_APISEC_REDIS_AUTH:
        p = ngx_sprintf(p, "*2\r\n$4\r\nAUTH\r\n$%uz\r\n", rd->password.len);

        if (ngx_http_apisec_redis_append(rc, head, p - head) != NGX_OK
            || ngx_http_apisec_redis_append(rc, rd->password.data,
                                            rd->password.len)
               != NGX_OK
            || ngx_http_apisec_redis_append(rc, (u_char *) CRLF, 2)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case NGX_HTTP_APISEC_REDIS_LOAD:
        text = &ngx_http_apisec_redis_scripts[w->script].text;

        p = ngx_sprintf(p, "*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n$%uz\r\n",
                        text->len);

        if (ngx_http_apisec_redis_append(rc, head, p - head) != NGX_OK
            || ngx_http_apisec_redis_append(rc, text->data, text->len)
               != NGX_OK
            || ngx_http_apisec_redis_append(rc, (u_char *) CRLF, 2)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    default:

        if (w->script == (ngx_uint_t) -1) {
            /* BANNED: how long the ban has left, if there is one */
            p = ngx_cpymem(p, "*2\r\n$4\r\nPTTL\r\n",
                           sizeof("*2\r\n$4\r\nPTTL\r\n") - 1);

            if (ngx_http_apisec_redis_append(rc, head, p - head) != NGX_OK) {
                return NGX_ERROR;
            }

        } else {
            sc = &ngx_http_apisec_redis_scripts[w->script];

            if (eval) {
                p = ngx_sprintf(p, "*%ui\r\n$4\r\nEVAL\r\n$%uz\r\n",
                                w->nargs + 2, sc->text.len);

                if (ngx_http_apisec_redis_append(rc, head, p - head) != NGX_OK
                    || ngx_http_apisec_redis_append(rc, sc->text.data,
                                                    sc->text.len)
                       != NGX_OK
                    || ngx_http_apisec_redis_append(rc, (u_char *) CRLF, 2)
                       != NGX_OK)
                {
                    return NGX_ERROR;
                }

            } else {
                /* the hot path: no ngx_sprintf() */

                *p++ = '*';
                p = ngx_http_apisec_redis_digits(p, w->nargs + 2);
                p = ngx_cpymem(p, "\r\n$7\r\nEVALSHA\r\n$40\r\n",
                               sizeof("\r\n$7\r\nEVALSHA\r\n$40\r\n") - 1);
                p = ngx_cpymem(p, sc->sha, 40);
                *p++ = CR; *p++ = LF;

                if (ngx_http_apisec_redis_append(rc, head, p - head)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }
            }
        }

        if (ngx_http_apisec_redis_append(rc, w->tail, w->tail_len) != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    ngx_queue_insert_tail(&rc->waiters, &w->queue);
    rc->nwaiters++;

    /* an answer due within "timeout", or Redis is not answering */

    if (!c->read->timer_set) {
        ngx_add_timer(c->read, rd->timeout);
    }

    if (!c->write->active || c->write->ready) {
        if (!c->write->posted) {
            ngx_post_event(c->write, &ngx_posted_events);
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_redis_append(ngx_http_apisec_redis_conn_t *rc, u_char *p,
    size_t len)
{
    u_char  *out;
    size_t   size;

    if (rc->out_len + len > rc->out_size) {
        size = ngx_max(rc->out_size * 2, rc->out_len + len);
        size = ngx_max(size, 4096);

        out = ngx_alloc(size, ngx_cycle->log);
        if (out == NULL) {
            return NGX_ERROR;
        }

        if (rc->out) {
            ngx_memcpy(out, rc->out, rc->out_len);
            ngx_free(rc->out);
        }

        rc->out = out;
        rc->out_size = size;
    }

    ngx_memcpy(rc->out + rc->out_len, p, len);
    rc->out_len += len;

    return NGX_OK;
}


static void
ngx_http_apisec_redis_write_handler(ngx_event_t *wev)
{
    ssize_t                        n;
    ngx_connection_t              *c;
    ngx_http_apisec_redis_conn_t  *rc;

    c = wev->data;
    rc = c->data;

    if (wev->timedout) {
        ngx_http_apisec_redis_fail(rc, NGX_ETIMEDOUT, "timed out");
        return;
    }

    while (rc->out_len) {
        n = c->send(c, rc->out, rc->out_len);

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == NGX_ERROR || n == 0) {
            ngx_http_apisec_redis_fail(rc, ngx_socket_errno,
                                       "send() failed");
            return;
        }

        ngx_memmove(rc->out, rc->out + n, rc->out_len - n);
        rc->out_len -= n;
    }

    if (ngx_handle_write_event(wev, 0) != NGX_OK) {
        ngx_http_apisec_redis_fail(rc, 0, "write event failed");
    }
}


static void
ngx_http_apisec_redis_read_handler(ngx_event_t *rev)
{
    char                          *reason;
    void                          *reply;
    ssize_t                        n;
    ngx_connection_t              *c;
    ngx_http_apisec_redis_conn_t  *rc;
    u_char                         buf[16384];

    c = rev->data;
    rc = c->data;

    if (c->close) {
        /* the worker shuts down */
        ngx_http_apisec_redis_close(rc);
        return;
    }

    if (rev->timedout) {
        ngx_http_apisec_redis_fail(rc, NGX_ETIMEDOUT, "timed out");
        return;
    }

    while (rev->ready) {
        n = c->recv(c, buf, sizeof(buf));

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0) {
            ngx_http_apisec_redis_fail(rc, 0, "connection closed by Redis");
            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_apisec_redis_fail(rc, ngx_socket_errno,
                                       "recv() failed");
            return;
        }

        if (redisReaderFeed(rc->reader, (char *) buf, n) != REDIS_OK
            || rc->reader->len - rc->reader->pos
               > NGX_HTTP_APISEC_REDIS_MAX_BUF)
        {
            ngx_http_apisec_redis_fail(rc, 0, "answer too long");
            return;
        }

        for ( ;; ) {
            reply = NULL;

            if (redisReaderGetReply(rc->reader, &reply) != REDIS_OK) {
                ngx_http_apisec_redis_fail(rc, 0, "protocol error");
                return;
            }

            if (reply == NULL) {
                break;
            }

            reason = NULL;

            if (ngx_http_apisec_redis_reply(rc, reply, &reason) != NGX_OK) {
                freeReplyObject(reply);
                ngx_http_apisec_redis_fail(rc, 0, reason);
                return;
            }

            freeReplyObject(reply);
        }
    }

    if (rc->nwaiters == 0) {
        if (rev->timer_set) {
            ngx_del_timer(rev);
        }

    } else {
        /* progress: the next answer is due within "timeout" */
        ngx_add_timer(rev, rc->redis->timeout);
    }

    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_http_apisec_redis_fail(rc, 0, "read event failed");
    }
}


/*
 * "tls": the TCP connection is up (or failed); the handshake, its
 * timeout the read timer of the AUTH and SCRIPT LOAD queued at connect.
 */

static void
ngx_http_apisec_redis_tls_start(ngx_event_t *wev)
{
    int                            err;
    socklen_t                      len;
    ngx_int_t                      rv;
    ngx_connection_t              *c;
    ngx_http_apisec_redis_t       *rd;
    ngx_http_apisec_redis_conn_t  *rc;

    c = wev->data;
    rc = c->data;
    rd = rc->redis;

    if (wev->timedout) {
        ngx_http_apisec_redis_fail(rc, NGX_ETIMEDOUT, "timed out");
        return;
    }

    if (c->ssl) {
        return;
    }

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = ngx_socket_errno;
    }

    if (err) {
        ngx_http_apisec_redis_fail(rc, err, "connect() failed");
        return;
    }

    /* the TLS state's; ngx_event_connect_peer() gives none */

    c->pool = ngx_create_pool(512, c->log);
    if (c->pool == NULL) {
        ngx_http_apisec_redis_fail(rc, 0, "out of memory");
        return;
    }

    if (ngx_ssl_create_connection(rd->ssl, c, NGX_SSL_BUFFER|NGX_SSL_CLIENT)
        != NGX_OK)
    {
        ngx_http_apisec_redis_fail(rc, 0, "TLS failed");
        return;
    }

    /* SNI: a host name, never an address (RFC 6066) */

    if (ngx_inet_addr(rd->tls_name.data, rd->tls_name.len) == INADDR_NONE
        && ngx_strlchr(rd->tls_name.data,
                       rd->tls_name.data + rd->tls_name.len, ':')
           == NULL
        && SSL_set_tlsext_host_name(c->ssl->connection,
                                    (char *) rd->tls_name.data)
           != 1)
    {
        ngx_http_apisec_redis_fail(rc, 0, "TLS failed: SNI");
        return;
    }

    rv = ngx_ssl_handshake(c);

    if (rv == NGX_AGAIN) {
        c->ssl->handler = ngx_http_apisec_redis_tls_done;
        return;
    }

    ngx_http_apisec_redis_tls_done(c);
}


/* the read event while TCP connects: nothing to read yet */

static void
ngx_http_apisec_redis_tls_wait(ngx_event_t *rev)
{
    ngx_connection_t              *c;
    ngx_http_apisec_redis_conn_t  *rc;

    c = rev->data;
    rc = c->data;

    if (c->close) {
        ngx_http_apisec_redis_close(rc);
        return;
    }

    if (rev->timedout) {
        ngx_http_apisec_redis_fail(rc, NGX_ETIMEDOUT, "timed out");
        return;
    }

    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_http_apisec_redis_fail(rc, 0, "read event failed");
    }
}


/*
 * The handshake is over: the chain and the name verified, or the
 * connection goes before a byte of AUTH is sent; then the commands.
 */

static void
ngx_http_apisec_redis_tls_done(ngx_connection_t *c)
{
    long                           v;
    X509                          *cert;
    ngx_int_t                      ok;
    ngx_http_apisec_redis_t       *rd;
    ngx_http_apisec_redis_conn_t  *rc;

    static char                    reason[160];

    rc = c->data;
    rd = rc->redis;

    if (c->close) {
        ngx_http_apisec_redis_close(rc);
        return;
    }

    if (c->read->timedout || c->write->timedout) {
        ngx_http_apisec_redis_fail(rc, NGX_ETIMEDOUT,
                                   "TLS handshake timed out");
        return;
    }

    if (!c->ssl->handshaked) {
        ngx_http_apisec_redis_fail(rc, 0, "TLS handshake failed");
        return;
    }

    v = SSL_get_verify_result(c->ssl->connection);

    if (v != X509_V_OK) {
        *ngx_snprintf((u_char *) reason, sizeof(reason) - 1,
                      "TLS certificate not trusted: %s",
                      X509_verify_cert_error_string(v)) = '\0';
        ngx_http_apisec_redis_fail(rc, 0, reason);
        return;
    }

    cert = SSL_get_peer_certificate(c->ssl->connection);

    if (cert == NULL) {
        ngx_http_apisec_redis_fail(rc, 0, "TLS: no certificate");
        return;
    }

    if (ngx_inet_addr(rd->tls_name.data, rd->tls_name.len) != INADDR_NONE
        || ngx_strlchr(rd->tls_name.data,
                       rd->tls_name.data + rd->tls_name.len, ':')
           != NULL)
    {
        ok = (X509_check_ip_asc(cert, (char *) rd->tls_name.data, 0) == 1)
             ? NGX_OK : NGX_ERROR;

    } else {
        ok = ngx_ssl_check_host(c, &rd->tls_name);
    }

    X509_free(cert);

    if (ok != NGX_OK) {
        *ngx_snprintf((u_char *) reason, sizeof(reason) - 1,
                      "TLS certificate does not match \"%V\"",
                      &rd->tls_name) = '\0';
        ngx_http_apisec_redis_fail(rc, 0, reason);
        return;
    }

    c->read->handler = ngx_http_apisec_redis_read_handler;
    c->write->handler = ngx_http_apisec_redis_write_handler;

    /* progress: the first answer is due within "timeout" */

    ngx_add_timer(c->read, rd->timeout);

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    ngx_post_event(c->write, &ngx_posted_events);

    if (c->read->ready) {
        ngx_post_event(c->read, &ngx_posted_events);
    }
}


static void
ngx_http_apisec_redis_tls_closed(ngx_connection_t *c)
{
    ngx_pool_t  *pool;

    pool = c->pool;

    ngx_close_connection(c);

    if (pool) {
        ngx_destroy_pool(pool);
    }
}


/*
 * An answer for the waiter at the head of the FIFO.  Anything but the
 * expected shape of answer makes the connection go: Redis is then not
 * usable (a wrong password, a full memory, a cluster's MOVED) and the
 * zones fall back, with one log line, rather than guess.
 */

static ngx_int_t
ngx_http_apisec_redis_reply(ngx_http_apisec_redis_conn_t *rc,
    redisReply *reply, char **reason)
{
    int64_t                          value[2];
    ngx_int_t                        rv;
    ngx_queue_t                     *q;
    ngx_http_apisec_redis_t         *rd;
    ngx_http_apisec_redis_call_t    *call;
    ngx_http_apisec_redis_waiter_t  *w, *nw;

    static u_char                    errbuf[200];

    rd = rc->redis;

    if (ngx_queue_empty(&rc->waiters)) {
        *reason = "answer nobody asked for";
        return NGX_ERROR;
    }

    q = ngx_queue_head(&rc->waiters);
    ngx_queue_remove(q);
    rc->nwaiters--;

    w = ngx_queue_data(q, ngx_http_apisec_redis_waiter_t, queue);

    rv = ngx_http_apisec_redis_interpret(reply, w->what, value);

    if (rv == NGX_OK && w->what == NGX_HTTP_APISEC_REDIS_LOAD
        && ngx_strncmp(reply->str, ngx_http_apisec_redis_scripts[w->script].sha,
                       40) != 0)
    {
        rv = NGX_ERROR;
    }

    if (rv == NGX_HTTP_APISEC_REDIS_NOSCRIPT && w->script != (ngx_uint_t) -1
        && w->what != NGX_HTTP_APISEC_REDIS_LOAD)
    {
        /*
         * the script cache was flushed: this one goes again as EVAL, and
         * the scripts are loaded again for the commands after it
         */

        nw = ngx_http_apisec_redis_waiter(w->tail_len + w->logkey_len);
        if (nw == NULL) {
            *reason = "out of memory";
            goto failed;
        }

        *nw = *w;
        nw->tail = (u_char *) nw + sizeof(ngx_http_apisec_redis_waiter_t);
        nw->logkey = nw->tail + nw->tail_len;
        ngx_memcpy(nw->tail, w->tail, w->tail_len);
        ngx_memcpy(nw->logkey, w->logkey, w->logkey_len);

        if (nw->call) {
            nw->call->waiter = nw;
        }

        if (ngx_http_apisec_redis_queue(rc, nw, 1) != NGX_OK) {
            ngx_free(nw);
            *reason = "out of memory";
            goto failed;
        }

        ngx_free(w);

        if (!rc->reload) {
            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "apisec: redis \"%V\" lost the scripts, "
                          "loading them again", &rd->name);

            rc->reload = 1;

            for (rv = 0; rv < NGX_HTTP_APISEC_REDIS_NSCRIPTS; rv++) {
                nw = ngx_http_apisec_redis_waiter(0);
                if (nw == NULL) {
                    *reason = "out of memory";
                    return NGX_ERROR;
                }

                nw->what = NGX_HTTP_APISEC_REDIS_LOAD;
                nw->script = rv;

                if (ngx_http_apisec_redis_queue(rc, nw, 0) != NGX_OK) {
                    ngx_free(nw);
                    *reason = "out of memory";
                    return NGX_ERROR;
                }
            }
        }

        return NGX_OK;
    }

    if (rv != NGX_OK) {
        if (reply->type == REDIS_REPLY_ERROR) {
            /* Redis's own words: no secret in them, escaped and bounded */
            ngx_http_apisec_redis_escape(errbuf, reply);
            *reason = (char *) errbuf;

        } else {
            *reason = "unexpected answer";
        }

        goto failed;
    }

    switch (w->what) {

    case NGX_HTTP_APISEC_REDIS_AUTH:
    case NGX_HTTP_APISEC_REDIS_LOAD:

        if (rc->state == NGX_HTTP_APISEC_REDIS_CONN_HANDSHAKE
            && --rc->handshake == 0)
        {
            rc->state = NGX_HTTP_APISEC_REDIS_CONN_READY;
            rc->reload = 0;
            ngx_http_apisec_redis_is_up(rd);

        } else if (w->what == NGX_HTTP_APISEC_REDIS_LOAD) {
            rc->reload = 0;
        }

        break;

    case NGX_HTTP_APISEC_REDIS_FAILURE:

        if (value[0] > 0) {
            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "\"%*s\" banned in zone \"%V\" for %L ms after "
                          "%ui authentication failures",
                          w->logkey_len, w->logkey, w->zone, value[0],
                          w->threshold);
        }

        break;

    default:
        rd->backoff = NGX_HTTP_APISEC_REDIS_BACKOFF;

        call = w->call;

        if (call) {
            call->value[0] = value[0];
            call->value[1] = value[1];
            ngx_http_apisec_redis_land(call, NGX_HTTP_APISEC_REDIS_DONE);
        }
    }

    ngx_free(w);

    return NGX_OK;

failed:

    /* the waiter goes with the others */

    ngx_queue_insert_head(&rc->waiters, q);
    rc->nwaiters++;

    return NGX_ERROR;
}


/*
 * What an answer means for a question: NGX_OK and value[], the
 * NGX_HTTP_APISEC_REDIS_NOSCRIPT error, or NGX_ERROR (an error, or not
 * the answer's shape).  Pure: the fuzz target calls it on anything.
 */

ngx_int_t
ngx_http_apisec_redis_interpret(ngx_http_apisec_redis_reply_t *rp,
    ngx_uint_t what, int64_t *value)
{
    value[0] = 0;
    value[1] = 0;

    if (rp->type == REDIS_REPLY_ERROR) {
        if (rp->len >= 8 && ngx_strncmp(rp->str, "NOSCRIPT", 8) == 0) {
            return NGX_HTTP_APISEC_REDIS_NOSCRIPT;
        }

        return NGX_ERROR;
    }

    switch (what) {

    case NGX_HTTP_APISEC_REDIS_AUTH:
        return (rp->type == REDIS_REPLY_STATUS && rp->len == 2
                && ngx_strncmp(rp->str, "OK", 2) == 0)
               ? NGX_OK : NGX_ERROR;

    case NGX_HTTP_APISEC_REDIS_LOAD:
        return (rp->type == REDIS_REPLY_STRING && rp->len == 40)
               ? NGX_OK : NGX_ERROR;

    case NGX_HTTP_APISEC_REDIS_LIMIT:

        /* {admitted 0 or 1, the level found: 0 .. 2^53} */

        if (rp->type != REDIS_REPLY_ARRAY || rp->elements != 2
            || rp->element[0]->type != REDIS_REPLY_INTEGER
            || rp->element[1]->type != REDIS_REPLY_INTEGER
            || (rp->element[0]->integer != 0 && rp->element[0]->integer != 1)
            || rp->element[1]->integer < 0
            || rp->element[1]->integer > ((long long) 1 << 53))
        {
            return NGX_ERROR;
        }

        value[0] = rp->element[0]->integer;
        value[1] = rp->element[1]->integer;
        return NGX_OK;

    case NGX_HTTP_APISEC_REDIS_BANNED:
    case NGX_HTTP_APISEC_REDIS_FAILURE:
    case NGX_HTTP_APISEC_REDIS_REFUND:

        /* PTTL: -2 no key, -1 no expiry; a ban's or the script's ms */

        if (rp->type != REDIS_REPLY_INTEGER || rp->integer < -2
            || rp->integer > NGX_MAX_INT32_VALUE)
        {
            return NGX_ERROR;
        }

        value[0] = rp->integer;
        return NGX_OK;
    }

    return NGX_ERROR;
}


static void
ngx_http_apisec_redis_escape(u_char *buf, redisReply *reply)
{
    u_char      *p, c;
    size_t       len;
    ngx_uint_t   i;

    p = ngx_cpymem(buf, "Redis answered \"", sizeof("Redis answered \"") - 1);
    len = ngx_min(reply->len, 64);

    for (i = 0; i < len; i++) {
        c = reply->str[i];
        *p++ = (c >= ' ' && c < 0x7f && c != '"' && c != '\\') ? c : '?';
    }

    *p++ = '"';
    *p = '\0';
}


/*
 * The connection is not usable: it goes, with every connection of the
 * worker to that server, and all their waiters fall back.  The worker
 * asks nothing more of that server until a probe, after a backoff, finds
 * it answering again.  The first worker to see it says so, once.
 */

static void
ngx_http_apisec_redis_fail(ngx_http_apisec_redis_conn_t *rc, ngx_err_t err,
    char *reason)
{
    ngx_uint_t                i;
    ngx_http_apisec_redis_t  *rd;

    rd = rc->redis;

    for (i = 0; i < NGX_HTTP_APISEC_REDIS_CONNS; i++) {
        ngx_http_apisec_redis_close(&rd->conns[i]);
    }

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (!rd->down) {
        rd->down = 1;

        if (ngx_atomic_cmp_set(&rd->sh->up, 1, 0)) {
            ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, err,
                          "apisec: redis \"%V\" at %V is unavailable, its "
                          "zones fall back: %s", &rd->name, &rd->server,
                          reason);
        }

    } else {
        rd->backoff = ngx_min(rd->backoff * 2,
                              NGX_HTTP_APISEC_REDIS_BACKOFF_MAX);
    }

    if (!rd->probe.timer_set) {
        rd->probe.handler = ngx_http_apisec_redis_probe;
        rd->probe.data = rd;
        rd->probe.log = ngx_cycle->log;
        rd->probe.cancelable = 1;

        ngx_add_timer(&rd->probe, rd->backoff);
    }
}


static void
ngx_http_apisec_redis_close(ngx_http_apisec_redis_conn_t *rc)
{
    ngx_queue_t                     *q;
    ngx_connection_t                *c;
    ngx_http_apisec_redis_call_t    *call;
    ngx_http_apisec_redis_waiter_t  *w;

    if (rc->state == NGX_HTTP_APISEC_REDIS_CONN_CLOSED) {
        return;
    }

    rc->state = NGX_HTTP_APISEC_REDIS_CONN_CLOSED;

    c = rc->peer.connection;

    if (c) {
        rc->peer.connection = NULL;

        if (c->ssl) {
            /* close_notify, not waiting for the server's */
            c->ssl->no_wait_shutdown = 1;

            if (ngx_ssl_shutdown(c) == NGX_AGAIN) {
                c->data = NULL;
                c->ssl->handler = ngx_http_apisec_redis_tls_closed;
                goto closed;
            }
        }

        ngx_http_apisec_redis_tls_closed(c);
    }

closed:

    if (rc->reader) {
        redisReaderFree(rc->reader);
        rc->reader = NULL;
    }

    rc->out_len = 0;

    while (!ngx_queue_empty(&rc->waiters)) {
        q = ngx_queue_head(&rc->waiters);
        ngx_queue_remove(q);

        w = ngx_queue_data(q, ngx_http_apisec_redis_waiter_t, queue);
        call = w->call;

        if (call) {
            ngx_http_apisec_redis_land(call, NGX_HTTP_APISEC_REDIS_FALLBACK);
            ngx_http_apisec_redis_fell_back(rc->redis);
        }

        ngx_free(w);
    }

    rc->nwaiters = 0;
}


/* a probe: one connection, its handshake; success makes the server up */

static void
ngx_http_apisec_redis_probe(ngx_event_t *ev)
{
    ngx_http_apisec_redis_t  *rd = ev->data;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    rd->conns[0].redis = rd;

    (void) ngx_http_apisec_redis_connect(&rd->conns[0]);
}


static void
ngx_http_apisec_redis_is_up(ngx_http_apisec_redis_t *rd)
{
    if (!rd->down) {
        if (ngx_atomic_cmp_set(&rd->sh->up, 0, 1)) {
            /* another worker saw it go; this one never did */
            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "apisec: redis \"%V\" at %V answers again, its "
                          "zones use it", &rd->name, &rd->server);
        }

        return;
    }

    /*
     * the backoff stays until a question is answered: a server that
     * passes the handshake and fails every question (full memory, say) is
     * probed less and less often, and logged so
     */

    rd->down = 0;

    if (ngx_atomic_cmp_set(&rd->sh->up, 0, 1)) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "apisec: redis \"%V\" at %V answers again, its zones "
                      "use it", &rd->name, &rd->server);
    }
}


static void
ngx_http_apisec_redis_fell_back(ngx_http_apisec_redis_t *rd)
{
    (void) ngx_atomic_fetch_add(&rd->sh->fallbacks, 1);
}


void
ngx_http_apisec_redis_exit(ngx_cycle_t *cycle)
{
    ngx_uint_t                      i, j;
    ngx_http_apisec_redis_t       **rdp;
    ngx_http_apisec_main_conf_t    *amcf;
    ngx_http_apisec_redis_conn_t   *rc;

    amcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_apisec_module);

    if (amcf == NULL || amcf->redis == NULL) {
        return;
    }

    rdp = amcf->redis->elts;

    for (i = 0; i < amcf->redis->nelts; i++) {

        if (rdp[i]->probe.timer_set) {
            ngx_del_timer(&rdp[i]->probe);
        }

        for (j = 0; j < NGX_HTTP_APISEC_REDIS_CONNS; j++) {
            rc = &rdp[i]->conns[j];

            ngx_http_apisec_redis_close(rc);

            if (rc->out) {
                ngx_free(rc->out);
                rc->out = NULL;
                rc->out_size = 0;
            }
        }
    }
}


ngx_int_t
ngx_http_apisec_redis_state(ngx_cycle_t *cycle, ngx_uint_t i,
    ngx_str_t *name, ngx_uint_t *up, ngx_uint_t *fallbacks)
{
    ngx_http_apisec_redis_t      **rdp;
    ngx_http_apisec_main_conf_t   *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_apisec_module);

    if (amcf == NULL || amcf->redis == NULL || i >= amcf->redis->nelts) {
        return NGX_DECLINED;
    }

    rdp = amcf->redis->elts;

    *name = rdp[i]->name;
    *up = rdp[i]->sh ? rdp[i]->sh->up : 0;
    *fallbacks = rdp[i]->sh ? rdp[i]->sh->fallbacks : 0;

    return NGX_OK;
}


/* "$<len>\r\n<n>\r\n", n >= 0 */

static u_char *
ngx_http_apisec_redis_num(u_char *p, int64_t n)
{
    u_char  *d;
    u_char   digits[NGX_INT64_LEN + 1];

    d = ngx_http_apisec_redis_digits(digits, n > 0 ? (uint64_t) n : 0);

    *p++ = '$';
    p = ngx_http_apisec_redis_digits(p, d - digits);
    *p++ = CR; *p++ = LF;
    p = ngx_cpymem(p, digits, d - digits);
    *p++ = CR; *p++ = LF;

    return p;
}


static u_char *
ngx_http_apisec_redis_digits(u_char *p, uint64_t n)
{
    u_char  *d;
    u_char   buf[NGX_INT64_LEN];

    d = buf + NGX_INT64_LEN;

    do {
        *--d = (u_char) (n % 10 + '0');
        n /= 10;
    } while (n);

    return ngx_cpymem(p, d, buf + NGX_INT64_LEN - d);
}


/*
 * hiredis's reply objects, made by our own functions so that an answer
 * is bounded: an array of more than a few elements or a long string is a
 * broken (or hostile) peer, refused before anything is allocated for it.
 * The objects are hiredis's own, freed with freeReplyObject().
 */

void *
ngx_http_apisec_redis_reader_create(void)
{
    return redisReaderCreateWithFunctions(&ngx_http_apisec_redis_functions);
}


static void *
ngx_http_apisec_redis_create(const redisReadTask *task, int type)
{
    redisReply  *r, *parent;

    r = calloc(1, sizeof(redisReply));
    if (r == NULL) {
        return NULL;
    }

    r->type = type;

    if (task->parent) {
        parent = task->parent->obj;
        parent->element[task->idx] = r;
    }

    return r;
}


static void *
ngx_http_apisec_redis_create_string(const redisReadTask *task, char *str,
    size_t len)
{
    char        *buf;
    redisReply  *r;

    if (len > NGX_HTTP_APISEC_REDIS_MAX_STR) {
        return NULL;
    }

    buf = malloc(len + 1);
    if (buf == NULL) {
        return NULL;
    }

    r = ngx_http_apisec_redis_create(task, task->type);
    if (r == NULL) {
        free(buf);
        return NULL;
    }

    ngx_memcpy(buf, str, len);
    buf[len] = '\0';

    r->str = buf;
    r->len = len;

    return r;
}


static void *
ngx_http_apisec_redis_create_array(const redisReadTask *task, int elements)
{
    redisReply  *r;

    if (elements < 0 || elements > NGX_HTTP_APISEC_REDIS_MAX_ELTS) {
        return NULL;
    }

    r = ngx_http_apisec_redis_create(task, REDIS_REPLY_ARRAY);
    if (r == NULL) {
        return NULL;
    }

    if (elements > 0) {
        r->element = calloc(elements, sizeof(redisReply *));
        if (r->element == NULL) {
            if (task->parent) {
                ((redisReply *) task->parent->obj)->element[task->idx] = NULL;
            }

            free(r);
            return NULL;
        }
    }

    r->elements = elements;

    return r;
}


static void *
ngx_http_apisec_redis_create_integer(const redisReadTask *task,
    long long value)
{
    redisReply  *r;

    r = ngx_http_apisec_redis_create(task, REDIS_REPLY_INTEGER);
    if (r == NULL) {
        return NULL;
    }

    r->integer = value;

    return r;
}


static void *
ngx_http_apisec_redis_create_nil(const redisReadTask *task)
{
    return ngx_http_apisec_redis_create(task, REDIS_REPLY_NIL);
}
