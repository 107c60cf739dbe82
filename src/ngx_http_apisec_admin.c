
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"
#include "ngx_http_apisec_jose.h"


/*
 * apisec_admin: a JSON API for operators, relative to its location's
 * prefix:
 *
 *     GET    bans[?zone=name][&limit=N]   the bans in force, every zone
 *     GET    bans/<zone>/<key>    one key's ban
 *     POST   bans/<zone>/<key>[?duration=time]   a ban set by hand
 *     DELETE bans/<zone>/<key>    a ban lifted
 *     GET    limits/<zone>/<key>  one key's bucket in a limit zone
 *     GET    keys                 the key sets, as this worker holds them
 *
 * The state lives in the shared zones (ban.c, limit.c: each takes its
 * zone's lock only to copy or change a node); the key sets are the
 * answering worker's own.  The path is read as the client wrote it, so
 * that a key may hold any byte (percent-encoded); it must decode to the
 * URI nginx routed, so no dot segment or merged slash reinterprets it.
 */


/* the most bans one answer lists, over all zones */
#define NGX_HTTP_APISEC_ADMIN_MAX_BANS   1000

/* the longest manual ban: 2^31 - 1 ms, so that every platform's msec holds */
#define NGX_HTTP_APISEC_ADMIN_MAX_BAN    2147483647

/* a kid or a key set's source in the answer: this many bytes at most */
#define NGX_HTTP_APISEC_ADMIN_MAX_STR    512

#define NGX_HTTP_APISEC_ADMIN_BUF        4096

#define NGX_HTTP_APISEC_ADMIN_FILE       0
#define NGX_HTTP_APISEC_ADMIN_REQUEST    1

/* the resources */
#define NGX_HTTP_APISEC_ADMIN_BANS       0
#define NGX_HTTP_APISEC_ADMIN_BAN        1
#define NGX_HTTP_APISEC_ADMIN_LIMIT      2
#define NGX_HTTP_APISEC_ADMIN_KEYS       3


/* a key set, registered as the configuration is read */
typedef struct {
    ngx_uint_t                      kind;
    ngx_str_t                       source;     /* file, or URI */
    ngx_array_t                    *keys;       /* FILE: the level's keys */
    ngx_uint_t                      first;      /* FILE: this file's range */
    ngx_uint_t                      last;
    ngx_http_apisec_jwks_t         *jwks;       /* REQUEST */
} ngx_http_apisec_admin_keyset_t;


/* an answer being written: a chain of buffers from the request's pool */
typedef struct {
    ngx_http_request_t             *r;
    ngx_chain_t                    *first;
    ngx_chain_t                   **last;
    ngx_buf_t                      *b;
    ngx_uint_t                      error;
} ngx_http_apisec_admin_out_t;


static ngx_int_t ngx_http_apisec_admin_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_admin_error(ngx_http_request_t *r,
    ngx_uint_t status, char *detail);
static ngx_int_t ngx_http_apisec_admin_allow(ngx_http_request_t *r,
    ngx_uint_t allowed);
static ngx_int_t ngx_http_apisec_admin_decode(ngx_str_t *src, ngx_str_t *dst,
    ngx_pool_t *pool);
static ngx_shm_zone_t *ngx_http_apisec_admin_zone(ngx_str_t *name,
    ngx_uint_t ban);
static ngx_uint_t ngx_http_apisec_admin_zone_name(ngx_str_t *name);
static ngx_int_t ngx_http_apisec_admin_bans(ngx_http_request_t *r,
    ngx_http_apisec_admin_out_t *o);
static ngx_int_t ngx_http_apisec_admin_ban(ngx_http_request_t *r,
    ngx_http_apisec_admin_out_t *o, ngx_shm_zone_t *shm_zone,
    ngx_str_t *key);
static ngx_int_t ngx_http_apisec_admin_limit(ngx_http_request_t *r,
    ngx_http_apisec_admin_out_t *o, ngx_shm_zone_t *shm_zone,
    ngx_str_t *key);
static ngx_int_t ngx_http_apisec_admin_keys(ngx_http_request_t *r,
    ngx_http_apisec_admin_out_t *o);
static void ngx_http_apisec_admin_ban_json(ngx_http_apisec_admin_out_t *o,
    ngx_str_t *zone, ngx_http_apisec_ban_info_t *info);
static void ngx_http_apisec_admin_key_json(ngx_http_apisec_admin_out_t *o,
    ngx_http_apisec_jwt_key_t *key, ngx_uint_t first);
static u_char *ngx_http_apisec_admin_reserve(ngx_http_apisec_admin_out_t *o,
    size_t size);
static void ngx_http_apisec_admin_text(ngx_http_apisec_admin_out_t *o,
    char *s);
static void ngx_http_apisec_admin_string(ngx_http_apisec_admin_out_t *o,
    ngx_str_t *s);
static ngx_int_t ngx_http_apisec_admin_send(ngx_http_request_t *r,
    ngx_http_apisec_admin_out_t *o, ngx_uint_t status);


static ngx_str_t  ngx_http_apisec_admin_allow_name = ngx_string("Allow");

static char  *ngx_http_apisec_admin_kty[] = {
    "unknown", "oct", "RSA", "EC", "OKP"
};


/* apisec_admin [read_only]; */

char *
ngx_http_apisec_admin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (alcf->admin != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    alcf->admin = NGX_HTTP_APISEC_ADMIN_ON;

    if (cf->args->nelts == 2) {
        if (value[1].len != sizeof("read_only") - 1
            || ngx_strncmp(value[1].data, "read_only", value[1].len) != 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\": expected "
                               "\"read_only\"", &value[1]);
            return NGX_CONF_ERROR;
        }

        alcf->admin = NGX_HTTP_APISEC_ADMIN_READ_ONLY;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->regex || clcf->named || clcf->noname) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"apisec_admin\" needs a prefix or exact "
                           "location: its paths are relative to the prefix");
        return NGX_CONF_ERROR;
    }

    clcf->handler = ngx_http_apisec_admin_handler;

    return NGX_CONF_OK;
}


/* the key sets, as apisec_jwt_key_file and the merge make them */

static ngx_http_apisec_admin_keyset_t *
ngx_http_apisec_admin_keyset(ngx_conf_t *cf)
{
    ngx_http_apisec_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apisec_module);

    if (amcf->keysets.elts == NULL
        && ngx_array_init(&amcf->keysets, cf->pool, 4,
                          sizeof(ngx_http_apisec_admin_keyset_t))
           != NGX_OK)
    {
        return NULL;
    }

    return ngx_array_push(&amcf->keysets);
}


ngx_int_t
ngx_http_apisec_admin_key_file(ngx_conf_t *cf, ngx_str_t *file,
    ngx_array_t *keys, ngx_uint_t first, ngx_uint_t last)
{
    ngx_http_apisec_admin_keyset_t  *ks;

    ks = ngx_http_apisec_admin_keyset(cf);
    if (ks == NULL) {
        return NGX_ERROR;
    }

    ks->kind = NGX_HTTP_APISEC_ADMIN_FILE;
    ks->source = *file;
    ks->keys = keys;
    ks->first = first;
    ks->last = last;
    ks->jwks = NULL;

    return NGX_OK;
}


ngx_int_t
ngx_http_apisec_admin_key_request(ngx_conf_t *cf, ngx_http_apisec_jwks_t *k)
{
    ngx_http_apisec_admin_keyset_t  *ks;

    ks = ngx_http_apisec_admin_keyset(cf);
    if (ks == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(ks, sizeof(ngx_http_apisec_admin_keyset_t));

    ks->kind = NGX_HTTP_APISEC_ADMIN_REQUEST;
    ks->source = k->uri;
    ks->jwks = k;

    return NGX_OK;
}


#define NGX_HTTP_APISEC_ADMIN_GET     (NGX_HTTP_GET|NGX_HTTP_HEAD)
#define NGX_HTTP_APISEC_ADMIN_CHANGE  (NGX_HTTP_POST|NGX_HTTP_DELETE)


static ngx_int_t
ngx_http_apisec_admin_handler(ngx_http_request_t *r)
{
    u_char                       *p, *last, *q;
    ngx_int_t                     rc, ms;
    ngx_str_t                     raw, path, seg, zname, ktext, key, arg;
    ngx_uint_t                    allowed, what;
    ngx_shm_zone_t               *shm_zone;
    ngx_http_core_loc_conf_t     *clcf;
    ngx_http_apisec_loc_conf_t   *alcf;
    ngx_http_apisec_admin_out_t   o;
    u_char                        buf[16];

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* the path as written, up to the query */

    raw.data = r->unparsed_uri.data;
    raw.len = r->unparsed_uri.len;

    p = ngx_strlchr(raw.data, raw.data + raw.len, '?');
    if (p) {
        raw.len = p - raw.data;
    }

    if (ngx_http_apisec_admin_decode(&raw, &path, r->pool) != NGX_OK) {
        return ngx_http_apisec_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                           "malformed percent-encoding");
    }

    if (path.len != r->uri.len
        || ngx_strncmp(path.data, r->uri.data, path.len) != 0)
    {
        return ngx_http_apisec_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                           "the path is not in normal form");
    }

    if (raw.len < clcf->name.len
        || ngx_strncmp(raw.data, clcf->name.data, clcf->name.len) != 0)
    {
        return ngx_http_apisec_admin_error(r, NGX_HTTP_NOT_FOUND,
                                           "no such resource");
    }

    p = raw.data + clcf->name.len;
    last = raw.data + raw.len;

    if (clcf->name.len == 0 || clcf->name.data[clcf->name.len - 1] != '/') {
        if (p < last && *p != '/') {
            return ngx_http_apisec_admin_error(r, NGX_HTTP_NOT_FOUND,
                                               "no such resource");
        }

        if (p < last) {
            p++;
        }
    }

    /* the first segment: what; then "<zone>/<key>" for bans and limits */

    q = ngx_strlchr(p, last, '/');

    seg.data = p;
    seg.len = (q ? q : last) - p;

    ngx_str_null(&zname);
    ngx_str_null(&ktext);

    if (q) {
        zname.data = q + 1;
        q = ngx_strlchr(zname.data, last, '/');

        if (q == NULL) {
            return ngx_http_apisec_admin_error(r, NGX_HTTP_NOT_FOUND,
                                               "no such resource");
        }

        zname.len = q - zname.data;
        ktext.data = q + 1;
        ktext.len = last - ktext.data;
    }

    if (seg.len == 4 && ngx_strncmp(seg.data, "bans", 4) == 0) {
        what = zname.data ? NGX_HTTP_APISEC_ADMIN_BAN
                          : NGX_HTTP_APISEC_ADMIN_BANS;
        allowed = NGX_HTTP_APISEC_ADMIN_GET
                  | (zname.data ? NGX_HTTP_APISEC_ADMIN_CHANGE : 0);

    } else if (seg.len == 6 && ngx_strncmp(seg.data, "limits", 6) == 0
               && zname.data)
    {
        what = NGX_HTTP_APISEC_ADMIN_LIMIT;
        allowed = NGX_HTTP_APISEC_ADMIN_GET;

    } else if (seg.len == 4 && ngx_strncmp(seg.data, "keys", 4) == 0
               && zname.data == NULL)
    {
        what = NGX_HTTP_APISEC_ADMIN_KEYS;
        allowed = NGX_HTTP_APISEC_ADMIN_GET;

    } else {
        return ngx_http_apisec_admin_error(r, NGX_HTTP_NOT_FOUND,
                                           "no such resource");
    }

    if (alcf->admin == NGX_HTTP_APISEC_ADMIN_READ_ONLY) {
        allowed &= ~NGX_HTTP_APISEC_ADMIN_CHANGE;
    }

    if (!(r->method & allowed)) {
        return ngx_http_apisec_admin_allow(r, allowed);
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    o.r = r;
    o.first = NULL;
    o.last = &o.first;
    o.b = NULL;
    o.error = 0;

    if (what == NGX_HTTP_APISEC_ADMIN_BANS) {
        return ngx_http_apisec_admin_bans(r, &o);
    }

    if (what == NGX_HTTP_APISEC_ADMIN_KEYS) {
        return ngx_http_apisec_admin_keys(r, &o);
    }

    /* "<zone>/<key>": the key is the exact bytes, percent-decoded */

    if (ngx_http_apisec_admin_decode(&zname, &zname, r->pool) != NGX_OK
        || ngx_http_apisec_admin_decode(&ktext, &ktext, r->pool) != NGX_OK)
    {
        return ngx_http_apisec_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                           "malformed percent-encoding");
    }

    if (!ngx_http_apisec_admin_zone_name(&zname)) {
        return ngx_http_apisec_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                           "invalid zone name");
    }

    shm_zone = ngx_http_apisec_admin_zone(&zname,
                                          what == NGX_HTTP_APISEC_ADMIN_BAN);

    if (shm_zone == NULL) {
        return ngx_http_apisec_admin_error(r, NGX_HTTP_NOT_FOUND,
                                           "no such zone");
    }

    if (ngx_http_apisec_shm_text_key(shm_zone->data, &ktext, &key, buf)
        != NGX_OK)
    {
        return ngx_http_apisec_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                           "invalid key: an IP address in "
                                           "a $binary_remote_addr zone, "
                                           "else 1 to 65535 bytes");
    }

    if (what == NGX_HTTP_APISEC_ADMIN_LIMIT) {
        return ngx_http_apisec_admin_limit(r, &o, shm_zone, &key);
    }

    if (r->method == NGX_HTTP_DELETE) {
        if (ngx_http_apisec_ban_lift(shm_zone, &key, r->connection->log)
            != NGX_OK)
        {
            return ngx_http_apisec_admin_error(r, NGX_HTTP_NOT_FOUND,
                                               "the key is not banned");
        }

        r->headers_out.status = NGX_HTTP_NO_CONTENT;
        r->headers_out.content_length_n = 0;
        r->header_only = 1;

        return ngx_http_send_header(r);
    }

    if (r->method == NGX_HTTP_POST) {
        ms = 0;

        if (ngx_http_arg(r, (u_char *) "duration", 8, &arg) == NGX_OK) {
            ms = ngx_parse_time(&arg, 0);

            if (ms == NGX_ERROR || ms == 0
                || ms > NGX_HTTP_APISEC_ADMIN_MAX_BAN)
            {
                return ngx_http_apisec_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                                   "invalid duration: "
                                                   "1ms to 24d");
            }
        }

        if (ngx_http_apisec_ban_set(shm_zone, &key, (ngx_msec_t) ms,
                                    r->connection->log)
            != NGX_OK)
        {
            return ngx_http_apisec_admin_error(r,
                                               NGX_HTTP_SERVICE_UNAVAILABLE,
                                               "the zone is full");
        }
    }

    return ngx_http_apisec_admin_ban(r, &o, shm_zone, &key);
}


/* a problem+json answer: the header filter writes it (errors.c) */

static ngx_int_t
ngx_http_apisec_admin_error(ngx_http_request_t *r, ngx_uint_t status,
    char *detail)
{
    ngx_int_t  rc;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_apisec_refuse(r, status, 0, detail);
}


static ngx_int_t
ngx_http_apisec_admin_allow(ngx_http_request_t *r, ngx_uint_t allowed)
{
    u_char     *p;
    ngx_str_t   value;

    p = ngx_pnalloc(r->pool, sizeof("GET, HEAD, POST, DELETE") - 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    value.data = p;

    if (allowed & NGX_HTTP_GET) {
        p = ngx_cpymem(p, "GET, HEAD", 9);
    }

    if (allowed & NGX_HTTP_POST) {
        p = ngx_cpymem(p, ", POST, DELETE", 14);
    }

    value.len = p - value.data;

    if (ngx_http_apisec_set_header(r, &ngx_http_apisec_admin_allow_name,
                                   &value)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_apisec_admin_error(r, NGX_HTTP_NOT_ALLOWED,
                                       (allowed & NGX_HTTP_POST)
                                       ? "method not allowed"
                                       : "method not allowed here, or the "
                                         "API is read-only");
}


/* strict: "%" and two hex digits, nothing else; dst may be src */

static ngx_int_t
ngx_http_apisec_admin_decode(ngx_str_t *src, ngx_str_t *dst,
    ngx_pool_t *pool)
{
    u_char      *d, c, h, x;
    ngx_uint_t   i, j;

    d = ngx_pnalloc(pool, src->len + 1);
    if (d == NULL) {
        return NGX_ERROR;
    }

    for (i = 0, j = 0; i < src->len; i++) {
        c = src->data[i];

        if (c != '%') {
            d[j++] = c;
            continue;
        }

        if (i + 2 >= src->len) {
            return NGX_DECLINED;
        }

        c = 0;

        for (h = 1; h <= 2; h++) {
            x = src->data[i + h];
            c <<= 4;

            if (x >= '0' && x <= '9') {
                c |= x - '0';

            } else if ((x | 0x20) >= 'a' && (x | 0x20) <= 'f') {
                c |= (x | 0x20) - 'a' + 10;

            } else {
                return NGX_DECLINED;
            }
        }

        d[j++] = c;
        i += 2;
    }

    dst->data = d;
    dst->len = j;

    return NGX_OK;
}


/* as ngx_http_apisec_shm_zone_param() allows them */

static ngx_uint_t
ngx_http_apisec_admin_zone_name(ngx_str_t *name)
{
    ngx_uint_t  i;

    if (name->len == 0 || name->len > 255) {
        return 0;
    }

    for (i = 0; i < name->len; i++) {
        if (name->data[i] == '"' || name->data[i] == '\\'
            || name->data[i] <= ' ' || name->data[i] >= 0x7f)
        {
            return 0;
        }
    }

    return 1;
}


/* a ban zone (ban) or a limit zone of the running configuration */

static ngx_shm_zone_t *
ngx_http_apisec_admin_zone(ngx_str_t *name, ngx_uint_t ban)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_shm_zone_t   *shm_zone;

    for (part = (ngx_list_part_t *) &ngx_cycle->shared_memory.part;
         part;
         part = part->next)
    {
        shm_zone = part->elts;

        for (i = 0; i < part->nelts; i++) {

            if (!(ban ? ngx_http_apisec_ban_is_zone(&shm_zone[i])
                      : ngx_http_apisec_limit_is_zone(&shm_zone[i])))
            {
                continue;
            }

            if (shm_zone[i].shm.name.len == name->len
                && ngx_strncmp(shm_zone[i].shm.name.data, name->data,
                               name->len)
                   == 0)
            {
                return &shm_zone[i];
            }
        }
    }

    return NULL;
}


/* GET bans[?zone=name][&limit=N] */

static ngx_int_t
ngx_http_apisec_admin_bans(ngx_http_request_t *r,
    ngx_http_apisec_admin_out_t *o)
{
    ngx_int_t                    max;
    ngx_str_t                    name;
    ngx_uint_t                   i, j, n, more, total, truncated, one;
    ngx_list_part_t             *part;
    ngx_shm_zone_t              *shm_zone, *only;
    ngx_http_apisec_ban_info_t  *info;

    only = NULL;
    one = 0;
    max = NGX_HTTP_APISEC_ADMIN_MAX_BANS;

    if (ngx_http_arg(r, (u_char *) "limit", 5, &name) == NGX_OK) {
        max = ngx_atoi(name.data, name.len);

        if (max <= 0 || max > NGX_HTTP_APISEC_ADMIN_MAX_BANS) {
            return ngx_http_apisec_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                               "invalid limit: 1 to 1000");
        }
    }

    if (ngx_http_arg(r, (u_char *) "zone", 4, &name) == NGX_OK) {
        if (ngx_http_apisec_admin_decode(&name, &name, r->pool) != NGX_OK) {
            return ngx_http_apisec_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                               "malformed percent-encoding");
        }

        if (!ngx_http_apisec_admin_zone_name(&name)) {
            return ngx_http_apisec_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                               "invalid zone name");
        }

        only = ngx_http_apisec_admin_zone(&name, 1);

        if (only == NULL) {
            return ngx_http_apisec_admin_error(r, NGX_HTTP_NOT_FOUND,
                                               "no such zone");
        }

        one = 1;
    }

    ngx_http_apisec_admin_text(o, "{\"bans\":[");

    total = 0;
    truncated = 0;
    n = 0;

    for (part = (ngx_list_part_t *) &ngx_cycle->shared_memory.part;
         part;
         part = part->next)
    {
        shm_zone = part->elts;

        for (i = 0; i < part->nelts; i++) {

            if (!ngx_http_apisec_ban_is_zone(&shm_zone[i])
                || (one && &shm_zone[i] != only))
            {
                continue;
            }

            if (total == (ngx_uint_t) max) {
                truncated |= (ngx_http_apisec_ban_list(&shm_zone[i], r->pool,
                                                       0, &n, &more)
                              != NULL && more);
                continue;
            }

            info = ngx_http_apisec_ban_list(&shm_zone[i], r->pool,
                                            max - total, &n, &more);
            if (info == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (more) {
                truncated = 1;
            }

            for (j = 0; j < n; j++) {
                if (total++) {
                    ngx_http_apisec_admin_text(o, ",");
                }

                ngx_http_apisec_admin_ban_json(o, &shm_zone[i].shm.name,
                                               &info[j]);
            }
        }
    }

    ngx_http_apisec_admin_text(o, truncated ? "],\"truncated\":true}\n"
                                            : "],\"truncated\":false}\n");

    return ngx_http_apisec_admin_send(r, o, NGX_HTTP_OK);
}


/* GET (or after POST) bans/<zone>/<key> */

static ngx_int_t
ngx_http_apisec_admin_ban(ngx_http_request_t *r,
    ngx_http_apisec_admin_out_t *o, ngx_shm_zone_t *shm_zone,
    ngx_str_t *key)
{
    ngx_http_apisec_ban_info_t  info;
    u_char                      buf[NGX_HTTP_APISEC_SHM_LOG_KEY_LEN];

    if (ngx_http_apisec_ban_get(shm_zone, key, &info, buf) != NGX_OK) {
        return ngx_http_apisec_admin_error(r, NGX_HTTP_NOT_FOUND,
                                           "the key is not banned");
    }

    ngx_http_apisec_admin_ban_json(o, &shm_zone->shm.name, &info);
    ngx_http_apisec_admin_text(o, "\n");

    return ngx_http_apisec_admin_send(r, o, NGX_HTTP_OK);
}


static void
ngx_http_apisec_admin_ban_json(ngx_http_apisec_admin_out_t *o,
    ngx_str_t *zone, ngx_http_apisec_ban_info_t *info)
{
    u_char     *p;
    time_t      until;
    ngx_tm_t    tm;

    until = ngx_time() + (time_t) ((info->left + 999) / 1000);

    ngx_gmtime(until, &tm);

    ngx_http_apisec_admin_text(o, "{\"zone\":");
    ngx_http_apisec_admin_string(o, zone);
    ngx_http_apisec_admin_text(o, ",\"key\":");
    ngx_http_apisec_admin_string(o, &info->key);

    p = ngx_http_apisec_admin_reserve(o, 160);
    if (p == NULL) {
        return;
    }

    o->b->last = ngx_sprintf(p, ",\"until\":\"%4d-%02d-%02dT%02d:%02d:%02dZ\""
                             ",\"until_epoch\":%T,\"left_ms\":%M"
                             ",\"failures\":%ui}",
                             tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                             tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec,
                             until, info->left, info->failures);
}


/* GET limits/<zone>/<key> */

static ngx_int_t
ngx_http_apisec_admin_limit(ngx_http_request_t *r,
    ngx_http_apisec_admin_out_t *o, ngx_shm_zone_t *shm_zone,
    ngx_str_t *key)
{
    u_char                        *p;
    size_t                         len;
    ngx_str_t                      text;
    ngx_http_apisec_limit_info_t   info;
    u_char                         buf[NGX_HTTP_APISEC_SHM_LOG_KEY_LEN];

    if (ngx_http_apisec_limit_state(shm_zone, key, &info) != NGX_OK) {
        return ngx_http_apisec_admin_error(r, NGX_HTTP_NOT_FOUND,
                                           "no state for the key");
    }

    len = ngx_http_apisec_shm_log_key(shm_zone->data, key, buf);

    text.data = buf;
    text.len = len;

    ngx_http_apisec_admin_text(o, "{\"zone\":");
    ngx_http_apisec_admin_string(o, &shm_zone->shm.name);
    ngx_http_apisec_admin_text(o, ",\"key\":");
    ngx_http_apisec_admin_string(o, &text);

    p = ngx_http_apisec_admin_reserve(o, 256);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    o->b->last = ngx_sprintf(p, ",\"zone_rate_per_day\":%uL"
                             ",\"rate_per_day\":%uL"
                             ",\"excess\":%uL.%03uL"
                             ",\"reset_ms\":%M,\"last_ms\":%M}\n",
                             info.zone_rate, info.rate,
                             info.excess / 1000, info.excess % 1000,
                             info.reset, info.last);

    return ngx_http_apisec_admin_send(r, o, NGX_HTTP_OK);
}


/* GET keys: the key sets of the configuration, as this worker holds them */

static ngx_int_t
ngx_http_apisec_admin_keys(ngx_http_request_t *r,
    ngx_http_apisec_admin_out_t *o)
{
    u_char                          *p;
    ngx_uint_t                       i, j, n;
    ngx_msec_t                       now;
    ngx_http_apisec_jwks_t          *k;
    ngx_http_apisec_jwt_key_t      **key;
    ngx_http_apisec_main_conf_t     *amcf;
    ngx_http_apisec_admin_keyset_t  *ks;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apisec_module);

    now = ngx_current_msec;

    p = ngx_http_apisec_admin_reserve(o, 64);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    o->b->last = ngx_sprintf(p, "{\"worker\":%P,\"key_sets\":[", ngx_pid);

    ks = amcf->keysets.elts;

    for (i = 0; i < amcf->keysets.nelts; i++) {

        ngx_http_apisec_admin_text(o, i ? ",{\"source\":" : "{\"source\":");

        if (ks[i].kind == NGX_HTTP_APISEC_ADMIN_FILE) {
            ngx_http_apisec_admin_text(o, "\"file\",\"path\":");
            ngx_http_apisec_admin_string(o, &ks[i].source);
            ngx_http_apisec_admin_text(o, ",\"keys\":[");

            key = ks[i].keys->elts;

            for (j = ks[i].first; j < ks[i].last; j++) {
                ngx_http_apisec_admin_key_json(o, key[j], j == ks[i].first);
            }

            ngx_http_apisec_admin_text(o, "]}");
            continue;
        }

        k = ks[i].jwks;

        if (k->discovery.len) {
            ngx_http_apisec_admin_text(o, "\"discovery\",\"uri\":");
            ngx_http_apisec_admin_string(o, &k->uri);
            ngx_http_apisec_admin_text(o, ",\"discovery\":");
            ngx_http_apisec_admin_string(o, &k->discovery);

            if (k->jwks_uri.len) {
                ngx_http_apisec_admin_text(o, ",\"jwks_uri\":");
                ngx_http_apisec_admin_string(o, &k->jwks_uri);
            }

        } else {
            ngx_http_apisec_admin_text(o, "\"key_request\",\"uri\":");
            ngx_http_apisec_admin_string(o, &k->uri);
        }

        if (k->bound.data) {
            ngx_http_apisec_admin_text(o, ",\"issuer\":");
            ngx_http_apisec_admin_string(o, &k->bound);
        }

        if (k->keys == NULL) {
            ngx_http_apisec_admin_text(o, k->has_failed
                                          ? ",\"last_fetch\":\"failed\""
                                          : ",\"last_fetch\":\"never\"");

        } else {
            ngx_http_apisec_admin_text(o,
                             (k->has_failed
                              && (ngx_msec_int_t) (k->failed - k->fetched) > 0)
                             ? ",\"last_fetch\":\"failed\""
                             : ",\"last_fetch\":\"ok\"");

            p = ngx_http_apisec_admin_reserve(o, 64);
            if (p == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            o->b->last = ngx_sprintf(p, ",\"age_ms\":%M", now - k->fetched);
        }

        ngx_http_apisec_admin_text(o, ",\"keys\":[");

        n = k->keys ? k->keys->nelts : 0;
        key = k->keys ? k->keys->elts : NULL;

        for (j = 0; j < n; j++) {
            ngx_http_apisec_admin_key_json(o, key[j], j == 0);
        }

        ngx_http_apisec_admin_text(o, "]}");
    }

    ngx_http_apisec_admin_text(o, "]}\n");

    return ngx_http_apisec_admin_send(r, o, NGX_HTTP_OK);
}


static void
ngx_http_apisec_admin_key_json(ngx_http_apisec_admin_out_t *o,
    ngx_http_apisec_jwt_key_t *key, ngx_uint_t first)
{
    ngx_uint_t  a, n;

    ngx_http_apisec_admin_text(o, first ? "{\"kid\":" : ",{\"kid\":");

    if (key->kid.data) {
        ngx_http_apisec_admin_string(o, &key->kid);

    } else {
        ngx_http_apisec_admin_text(o, "null");
    }

    ngx_http_apisec_admin_text(o, ",\"kty\":\"");
    ngx_http_apisec_admin_text(o, ngx_http_apisec_admin_kty[
                                      key->kty < 5 ? key->kty : 0]);
    ngx_http_apisec_admin_text(o, "\",\"algorithms\":[");

    for (a = 0, n = 0; a < NGX_HTTP_APISEC_NALGS; a++) {
        if (!(key->algs & NGX_HTTP_APISEC_ALG_BIT(a))) {
            continue;
        }

        ngx_http_apisec_admin_text(o, n++ ? "," : "");
        ngx_http_apisec_admin_string(o, &ngx_http_apisec_jose_algs[a].name);
    }

    ngx_http_apisec_admin_text(o, "]");

    if (key->issuer.data) {
        ngx_http_apisec_admin_text(o, ",\"issuer\":");
        ngx_http_apisec_admin_string(o, &key->issuer);
    }

    ngx_http_apisec_admin_text(o, "}");
}


/* at least size bytes at o->b->last, in a new buffer if need be */

static u_char *
ngx_http_apisec_admin_reserve(ngx_http_apisec_admin_out_t *o, size_t size)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (o->error) {
        return NULL;
    }

    if (o->b && (size_t) (o->b->end - o->b->last) >= size) {
        return o->b->last;
    }

    b = ngx_create_temp_buf(o->r->pool,
                            ngx_max(size, NGX_HTTP_APISEC_ADMIN_BUF));
    cl = b ? ngx_alloc_chain_link(o->r->pool) : NULL;

    if (cl == NULL) {
        o->error = 1;
        return NULL;
    }

    cl->buf = b;
    cl->next = NULL;

    *o->last = cl;
    o->last = &cl->next;
    o->b = b;

    return b->last;
}


static void
ngx_http_apisec_admin_text(ngx_http_apisec_admin_out_t *o, char *s)
{
    u_char  *p;
    size_t   len;

    len = ngx_strlen(s);

    p = ngx_http_apisec_admin_reserve(o, len);
    if (p == NULL) {
        return;
    }

    o->b->last = ngx_cpymem(p, s, len);
}


/*
 * a JSON string: '"' and '\' escaped, every byte outside ' ' .. '~' as
 * \u00XX; the first NGX_HTTP_APISEC_ADMIN_MAX_STR bytes only, then "..."
 */

static void
ngx_http_apisec_admin_string(ngx_http_apisec_admin_out_t *o, ngx_str_t *s)
{
    u_char      *p, c;
    size_t       len;
    ngx_uint_t   i;

    static u_char  hex[] = "0123456789abcdef";

    len = ngx_min(s->len, NGX_HTTP_APISEC_ADMIN_MAX_STR);

    p = ngx_http_apisec_admin_reserve(o, len * 6 + sizeof("\"...\""));
    if (p == NULL) {
        return;
    }

    *p++ = '"';

    for (i = 0; i < len; i++) {
        c = s->data[i];

        if (c >= ' ' && c <= '~' && c != '"' && c != '\\') {
            *p++ = c;
            continue;
        }

        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = c;
            continue;
        }

        p = ngx_cpymem(p, "\\u00", 4);
        *p++ = hex[c >> 4];
        *p++ = hex[c & 0xf];
    }

    if (s->len > len) {
        p = ngx_cpymem(p, "...", 3);
    }

    *p++ = '"';

    o->b->last = p;
}


static ngx_int_t
ngx_http_apisec_admin_send(ngx_http_request_t *r,
    ngx_http_apisec_admin_out_t *o, ngx_uint_t status)
{
    off_t         size;
    ngx_int_t     rc;
    ngx_str_t     name, value;
    ngx_chain_t  *cl;

    if (o->error || o->b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    size = 0;

    for (cl = o->first; cl; cl = cl->next) {
        size += cl->buf->last - cl->buf->pos;
        cl->buf->last_buf = (cl->next == NULL && r == r->main);
        cl->buf->last_in_chain = (cl->next == NULL);
    }

    r->headers_out.status = status;
    r->headers_out.content_length_n = size;

    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    /* state changes: never cached */

    ngx_str_set(&name, "Cache-Control");
    ngx_str_set(&value, "no-store");

    if (ngx_http_apisec_set_header(r, &name, &value) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, o->first);
}
