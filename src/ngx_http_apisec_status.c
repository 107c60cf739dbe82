
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


/*
 * The status counters, in one shared zone of a fixed size (so that a
 * reload always reuses it, and the counters go on): requests admitted and
 * refused, by reason, in total and per apisec_status_zone tag; the JWT
 * and introspection caches' hits and misses; the fetched key sets.  The
 * log phase counts, once per main request, with atomic additions: no
 * lock, no allocation.  apisec_status renders them, with what the limit
 * and ban zones know of themselves, as Prometheus text or JSON.
 */


#define NGX_HTTP_APISEC_STATUS_SIZE      (256 * 1024)
#define NGX_HTTP_APISEC_STATUS_TAGS      256
#define NGX_HTTP_APISEC_STATUS_TAG_LEN   64
#define NGX_HTTP_APISEC_STATUS_SOURCES   64
#define NGX_HTTP_APISEC_STATUS_LIMITS    64
#define NGX_HTTP_APISEC_STATUS_NAME_LEN  256

#define NGX_HTTP_APISEC_STATUS_TEXT      0
#define NGX_HTTP_APISEC_STATUS_JSON      1


/* a slot of the zone, named by a configuration's tag, URI or zone */
typedef struct {
    size_t                          len;        /* 0: free */
    u_char                          name[NGX_HTTP_APISEC_STATUS_NAME_LEN];
} ngx_http_apisec_status_named_t;


typedef struct {
    ngx_http_apisec_status_named_t  n;
    ngx_atomic_t                    count[NGX_HTTP_APISEC_REFUSAL_N];
} ngx_http_apisec_status_slot_t;


typedef struct {
    ngx_http_apisec_status_named_t  n;
    ngx_atomic_t                    keys;       /* of the newest good fetch */
    ngx_atomic_t                    fetched;    /* its time; 0: never */
    ngx_atomic_t                    failures;
} ngx_http_apisec_status_source_t;


typedef struct {
    ngx_http_apisec_status_named_t  n;
    ngx_atomic_t                    refused;
    ngx_atomic_t                    delayed;
} ngx_http_apisec_status_limit_t;


typedef struct {
    ngx_atomic_t                    jwt_cache[2];       /* hit, miss */
    ngx_atomic_t                    introspect_cache[2];
    ngx_http_apisec_status_slot_t   total;
    ngx_http_apisec_status_slot_t   tags[NGX_HTTP_APISEC_STATUS_TAGS];
    ngx_http_apisec_status_source_t sources[NGX_HTTP_APISEC_STATUS_SOURCES];
    ngx_http_apisec_status_limit_t  limits[NGX_HTTP_APISEC_STATUS_LIMITS];
} ngx_http_apisec_status_sh_t;


/* a configuration's tag, key source or limit zone, and its slot */
typedef struct {
    ngx_str_t                       name;
    ngx_uint_t                      slot;
    ngx_shm_zone_t                 *shm_zone;   /* a limit zone's */
} ngx_http_apisec_status_name_t;


struct ngx_http_apisec_status_s {
    ngx_shm_zone_t                 *shm_zone;
    ngx_http_apisec_status_sh_t    *sh;
    ngx_array_t                     tags;       /* status_name_t */
    ngx_array_t                     sources;    /* status_name_t */
    ngx_array_t                     limits;     /* status_name_t */
    ngx_http_handler_pt             access;     /* the module's */
    ngx_int_t                       access_index;
};


/* one status location's answer being written */
typedef struct {
    u_char                         *pos;
    u_char                         *last;
    ngx_uint_t                      json;
    ngx_uint_t                      first;      /* no member yet (json) */
} ngx_http_apisec_status_out_t;


/* what the status reads of a limit or ban zone (ngx_http_apisec_shm.c) */
typedef struct {
    ngx_uint_t                      ban;
    ngx_uint_t                      keys;
    ngx_uint_t                      evictions;
    ngx_uint_t                      refused;
    ngx_uint_t                      in_force;   /* bans: in force now */
} ngx_http_apisec_status_zone_t;


static ngx_int_t ngx_http_apisec_status_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_apisec_status_names(ngx_array_t *names,
    void *slots, size_t size, ngx_uint_t n);
static ngx_http_apisec_status_t *ngx_http_apisec_status_add(ngx_conf_t *cf);
static ngx_int_t ngx_http_apisec_status_log(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_status_precontent(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_status_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_status_read_zone(ngx_shm_zone_t *shm_zone,
    ngx_http_apisec_status_zone_t *z, ngx_uint_t in_force);
static void ngx_http_apisec_status_write(ngx_http_apisec_status_t *st,
    ngx_http_apisec_status_out_t *o);
static void ngx_http_apisec_status_family(ngx_http_apisec_status_out_t *o,
    char *name, char *type, char *help);
static void ngx_http_apisec_status_sample(ngx_http_apisec_status_out_t *o,
    char *name, char *label, ngx_str_t *value, char *label2, char *value2,
    ngx_atomic_uint_t n);
static void ngx_http_apisec_status_end(ngx_http_apisec_status_out_t *o);
static size_t ngx_http_apisec_status_escape(u_char *p, ngx_str_t *s,
    ngx_uint_t json);


/* the families of the limit and ban zones */

typedef struct {
    char                           *name;
    char                           *type;
    char                           *help;
    ngx_uint_t                      ban;
    ngx_uint_t                      in_force;   /* count the bans */
    size_t                          offset;     /* in status_zone_t */
} ngx_http_apisec_status_family_t;


static ngx_http_apisec_status_family_t
    ngx_http_apisec_status_zone_families[] =
{
    { "apisec_limit_zone_keys", "gauge",
      "Keys held in a limit zone.", 0, 0,
      offsetof(ngx_http_apisec_status_zone_t, keys) },

    { "apisec_limit_zone_evictions_total", "counter",
      "Keys evicted from a full limit zone.", 0, 0,
      offsetof(ngx_http_apisec_status_zone_t, evictions) },

    { "apisec_limit_zone_full_total", "counter",
      "New keys a full limit zone could not hold.", 0, 0,
      offsetof(ngx_http_apisec_status_zone_t, refused) },

    { "apisec_ban_zone_keys", "gauge",
      "Keys held in a ban zone.", 1, 0,
      offsetof(ngx_http_apisec_status_zone_t, keys) },

    { "apisec_ban_zone_evictions_total", "counter",
      "Keys evicted from a full ban zone.", 1, 0,
      offsetof(ngx_http_apisec_status_zone_t, evictions) },

    { "apisec_ban_zone_bans", "gauge",
      "Bans in force in a ban zone.", 1, 1,
      offsetof(ngx_http_apisec_status_zone_t, in_force) },

    { NULL, NULL, NULL, 0, 0, 0 }
};


static ngx_str_t  ngx_http_apisec_status_zone_name =
    ngx_string("apisec_status");


void *
ngx_http_apisec_status_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_apisec_main_conf_t  *amcf;

    amcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_main_conf_t));
    if (amcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     amcf->status = NULL;
     *     amcf->keysets = { 0 };
     *     amcf->ban_log = 0;
     */

    return amcf;
}


/* the zone, added by the first apisec_status or apisec_status_zone */

static ngx_http_apisec_status_t *
ngx_http_apisec_status_add(ngx_conf_t *cf)
{
    ngx_http_apisec_status_t     *st;
    ngx_http_apisec_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apisec_module);

    if (amcf->status) {
        return amcf->status;
    }

    st = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_status_t));
    if (st == NULL) {
        return NULL;
    }

    if (ngx_array_init(&st->tags, cf->pool, 4,
                       sizeof(ngx_http_apisec_status_name_t))
        != NGX_OK
        || ngx_array_init(&st->sources, cf->pool, 4,
                          sizeof(ngx_http_apisec_status_name_t))
           != NGX_OK
        || ngx_array_init(&st->limits, cf->pool, 4,
                          sizeof(ngx_http_apisec_status_name_t))
           != NGX_OK)
    {
        return NULL;
    }

    st->shm_zone = ngx_shared_memory_add(cf, &ngx_http_apisec_status_zone_name,
                                         NGX_HTTP_APISEC_STATUS_SIZE,
                                         &ngx_http_apisec_status_zone_name);
    if (st->shm_zone == NULL) {
        return NULL;
    }

    if (st->shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "shared memory zone \"%V\" is already used",
                           &ngx_http_apisec_status_zone_name);
        return NULL;
    }

    st->shm_zone->init = ngx_http_apisec_status_init_zone;
    st->shm_zone->data = st;
    st->access_index = -1;

    amcf->status = st;

    return st;
}


/* apisec_status [format=json]; */

char *
ngx_http_apisec_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (alcf->status_format != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    alcf->status_format = NGX_HTTP_APISEC_STATUS_TEXT;

    if (cf->args->nelts == 2) {
        if (value[1].len == sizeof("format=json") - 1
            && ngx_strncmp(value[1].data, "format=json", value[1].len) == 0)
        {
            alcf->status_format = NGX_HTTP_APISEC_STATUS_JSON;

        } else if (value[1].len != sizeof("format=prometheus") - 1
                   || ngx_strncmp(value[1].data, "format=prometheus",
                                  value[1].len) != 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\": expected "
                               "\"format=json\" or \"format=prometheus\"",
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_apisec_status_add(cf) == NULL) {
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_apisec_status_handler;

    return NGX_CONF_OK;
}


/*
 * apisec_status_zone tag;  a bounded set: configuration-time names of
 * letters, digits, "_", "-" and ".", never a request's bytes
 */

char *
ngx_http_apisec_status_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    u_char                         c;
    ngx_str_t                     *value;
    ngx_uint_t                     i;
    ngx_http_apisec_status_t      *st;
    ngx_http_apisec_status_name_t *tag;

    if (alcf->status_tag != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        alcf->status_tag = 0;
        return NGX_CONF_OK;
    }

    if (value[1].len == 0 || value[1].len > NGX_HTTP_APISEC_STATUS_TAG_LEN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid tag \"%V\": 1 to %d characters",
                           &value[1], NGX_HTTP_APISEC_STATUS_TAG_LEN);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < value[1].len; i++) {
        c = value[1].data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid tag \"%V\": letters, digits, \"_\", "
                               "\"-\" and \".\" only", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    st = ngx_http_apisec_status_add(cf);
    if (st == NULL) {
        return NGX_CONF_ERROR;
    }

    tag = st->tags.elts;

    for (i = 0; i < st->tags.nelts; i++) {
        if (tag[i].name.len == value[1].len
            && ngx_strncmp(tag[i].name.data, value[1].data, value[1].len) == 0)
        {
            alcf->status_tag = i + 1;
            return NGX_CONF_OK;
        }
    }

    if (st->tags.nelts == NGX_HTTP_APISEC_STATUS_TAGS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "too many tags: at most %d",
                           NGX_HTTP_APISEC_STATUS_TAGS);
        return NGX_CONF_ERROR;
    }

    tag = ngx_array_push(&st->tags);
    if (tag == NULL) {
        return NGX_CONF_ERROR;
    }

    tag->name = value[1];
    tag->slot = 0;

    alcf->status_tag = st->tags.nelts;

    return NGX_CONF_OK;
}


/*
 * A fetched key set's URI, a configuration-time name: its index + 1 for
 * ngx_http_apisec_status_key_set(), or 0 when nothing is counted (neither
 * apisec_status nor apisec_status_zone in the configuration, or more than
 * 64 key sets).  Called by the merge, after the whole http block is read.
 */

ngx_uint_t
ngx_http_apisec_status_key_source(ngx_conf_t *cf, ngx_str_t *uri)
{
    ngx_uint_t                      i;
    ngx_http_apisec_status_t       *st;
    ngx_http_apisec_status_name_t  *src;
    ngx_http_apisec_main_conf_t    *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apisec_module);
    st = amcf->status;

    if (st == NULL || uri->len == 0
        || uri->len > NGX_HTTP_APISEC_STATUS_NAME_LEN)
    {
        return 0;
    }

    src = st->sources.elts;

    for (i = 0; i < st->sources.nelts; i++) {
        if (src[i].name.len == uri->len
            && ngx_strncmp(src[i].name.data, uri->data, uri->len) == 0)
        {
            return i + 1;
        }
    }

    if (st->sources.nelts == NGX_HTTP_APISEC_STATUS_SOURCES) {
        return 0;
    }

    src = ngx_array_push(&st->sources);
    if (src == NULL) {
        return 0;
    }

    src->name = *uri;
    src->slot = 0;

    return st->sources.nelts;
}


/* a fetch of that key set landed (keys > 0) or failed (keys == 0) */

void
ngx_http_apisec_status_key_set(ngx_uint_t source, ngx_uint_t keys)
{
    ngx_http_apisec_status_t         *st;
    ngx_http_apisec_status_name_t    *src;
    ngx_http_apisec_main_conf_t      *amcf;
    ngx_http_apisec_status_source_t  *s;

    if (source == 0) {
        return;
    }

    amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_apisec_module);
    st = amcf ? amcf->status : NULL;

    if (st == NULL || st->sh == NULL || source > st->sources.nelts) {
        return;
    }

    src = st->sources.elts;
    s = &st->sh->sources[src[source - 1].slot];

    if (keys == 0) {
        (void) ngx_atomic_fetch_add(&s->failures, 1);
        return;
    }

    /* the newest good fetch of any worker: a racing older one may win */

    s->keys = keys;
    s->fetched = ngx_time();
}


/* a limit zone refused (delayed == 0) or delayed a request */

void
ngx_http_apisec_status_limit(ngx_shm_zone_t *shm_zone, ngx_uint_t delayed)
{
    ngx_uint_t                      i;
    ngx_http_apisec_status_t       *st;
    ngx_http_apisec_status_name_t  *lim;
    ngx_http_apisec_main_conf_t    *amcf;
    ngx_http_apisec_status_limit_t *sl;

    amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_apisec_module);
    st = amcf ? amcf->status : NULL;

    if (st == NULL || st->sh == NULL) {
        return;
    }

    lim = st->limits.elts;

    for (i = 0; i < st->limits.nelts; i++) {
        if (lim[i].shm_zone == shm_zone) {
            sl = &st->sh->limits[lim[i].slot];
            (void) ngx_atomic_fetch_add(delayed ? &sl->delayed : &sl->refused,
                                        1);
            return;
        }
    }
}


/*
 * The zone keeps its counters across reloads: a tag or key source of the
 * new configuration gets the slot its name had, else a free one, else
 * one whose name the new configuration does not use (zeroed).
 */

static ngx_int_t
ngx_http_apisec_status_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_apisec_status_t *ost = data;

    ngx_slab_pool_t           *shpool;
    ngx_http_apisec_status_t  *st;

    st = shm_zone->data;

    if (ost) {
        st->sh = ost->sh;

    } else {
        shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

        if (shm_zone->shm.exists) {
            st->sh = shpool->data;

        } else {
            st->sh = ngx_slab_calloc(shpool,
                                     sizeof(ngx_http_apisec_status_sh_t));
            if (st->sh == NULL) {
                return NGX_ERROR;
            }

            shpool->data = st->sh;
        }
    }

    if (ngx_http_apisec_status_names(&st->tags, st->sh->tags,
                                     sizeof(ngx_http_apisec_status_slot_t),
                                     NGX_HTTP_APISEC_STATUS_TAGS)
        != NGX_OK
        || ngx_http_apisec_status_names(&st->sources, st->sh->sources,
                                   sizeof(ngx_http_apisec_status_source_t),
                                   NGX_HTTP_APISEC_STATUS_SOURCES)
           != NGX_OK
        || ngx_http_apisec_status_names(&st->limits, st->sh->limits,
                                   sizeof(ngx_http_apisec_status_limit_t),
                                   NGX_HTTP_APISEC_STATUS_LIMITS)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_status_names(ngx_array_t *names, void *slots, size_t size,
    ngx_uint_t n)
{
    ngx_uint_t                       i, j, pass, used;
    ngx_http_apisec_status_name_t   *name;
    ngx_http_apisec_status_named_t  *sn;

    name = names->elts;

    for (i = 0; i < names->nelts; i++) {
        name[i].slot = n;
    }

    /* 0: the same name; 1: a free slot; 2: a slot no name of ours uses */

    for (pass = 0; pass < 3; pass++) {

        for (i = 0; i < names->nelts; i++) {

            if (name[i].slot != n) {
                continue;
            }

            for (j = 0; j < n; j++) {
                sn = (ngx_http_apisec_status_named_t *)
                         ((u_char *) slots + j * size);

                if (pass == 0) {
                    if (sn->len != name[i].name.len
                        || ngx_memcmp(sn->name, name[i].name.data, sn->len)
                           != 0)
                    {
                        continue;
                    }

                } else if (pass == 1) {
                    if (sn->len != 0) {
                        continue;
                    }

                } else {
                    for (used = 0; used < names->nelts; used++) {
                        if (name[used].slot == j) {
                            break;
                        }
                    }

                    if (used < names->nelts) {
                        continue;
                    }

                    ngx_memzero(sn, size);
                }

                if (pass != 0) {
                    ngx_memcpy(sn->name, name[i].name.data, name[i].name.len);
                    sn->len = name[i].name.len;
                }

                name[i].slot = j;
                break;
            }
        }
    }

    for (i = 0; i < names->nelts; i++) {
        if (name[i].slot == n) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * Postconfiguration (after the merges): the log-phase counter when there
 * are counters, and the pre-content check that clears a refusal "satisfy
 * any" waived when some location authenticates under "satisfy any".
 */

ngx_int_t
ngx_http_apisec_status_init(ngx_conf_t *cf, ngx_http_handler_pt access)
{
    ngx_str_t                      *kind;
    ngx_uint_t                      i;
    ngx_list_part_t                *part;
    ngx_shm_zone_t                 *shm_zone;
    ngx_http_handler_pt            *h;
    ngx_http_apisec_status_t       *st;
    ngx_http_core_main_conf_t      *cmcf;
    ngx_http_apisec_main_conf_t    *amcf;
    ngx_http_apisec_status_name_t  *lim;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apisec_module);

    if (amcf->waivable) {
        h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        *h = ngx_http_apisec_status_precontent;
    }

    if (amcf->status == NULL) {
        return NGX_OK;
    }

    st = amcf->status;
    st->access = access;

    /* the limit zones, all declared by now, for their refusals and delays */

    part = &cf->cycle->shared_memory.part;
    shm_zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            shm_zone = part->elts;
            i = 0;
        }

        if (shm_zone[i].init != ngx_http_apisec_shm_init_zone
            || shm_zone[i].data == NULL
            || shm_zone[i].shm.name.len > NGX_HTTP_APISEC_STATUS_NAME_LEN
            || st->limits.nelts == NGX_HTTP_APISEC_STATUS_LIMITS)
        {
            continue;
        }

        kind = &((ngx_http_apisec_shm_ctx_t *) shm_zone[i].data)->kind->name;

        if (kind->len != sizeof("apisec_limit_zone") - 1
            || ngx_strncmp(kind->data, "apisec_limit_zone", kind->len) != 0)
        {
            continue;
        }

        lim = ngx_array_push(&st->limits);
        if (lim == NULL) {
            return NGX_ERROR;
        }

        lim->name = shm_zone[i].shm.name;
        lim->slot = 0;
        lim->shm_zone = &shm_zone[i];
    }

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_apisec_status_log;

    return NGX_OK;
}


/*
 * A request that reaches the content phases in the location that refused
 * it with a waivable 401 or 403 was granted by another access module
 * ("satisfy any"): it was not refused after all.  An internal redirect
 * (error_page) resets r->ctx, so a refusal is never cleared there.
 */

static ngx_int_t
ngx_http_apisec_status_precontent(ngx_http_request_t *r)
{
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    if (ctx == NULL || ctx->req->waivable != ctx || r != r->main) {
        return NGX_DECLINED;
    }

    ctx->req->refusal = NGX_HTTP_APISEC_REFUSAL_NONE;
    ctx->req->waivable = NULL;

    return NGX_DECLINED;
}


/*
 * The log phase, once per main request: a request counts if it reached
 * the module's access handler (a "return" in the rewrite phase, a request
 * nginx refused while reading it, never do), in the total and under the
 * tag of its location (or of the location that refused it, after an
 * error_page).  Atomic additions only.
 */

static ngx_int_t
ngx_http_apisec_status_log(ngx_http_request_t *r)
{
    ngx_uint_t                    i, tag, reason;
    ngx_http_phase_handler_t     *ph;
    ngx_http_apisec_ctx_t        *ctx;
    ngx_http_apisec_req_t        *req;
    ngx_http_apisec_status_t     *st;
    ngx_http_core_main_conf_t    *cmcf;
    ngx_http_apisec_loc_conf_t   *alcf;
    ngx_http_apisec_main_conf_t  *amcf;
    ngx_http_apisec_status_sh_t  *sh;

    if (r != r->main) {
        return NGX_OK;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apisec_module);
    st = amcf->status;

    if (st->access_index < 0) {

        /* once per worker: where the module's access handler is */

        cmcf = ngx_http_get_module_main_conf(r, ngx_http_core_module);
        ph = cmcf->phase_engine.handlers;

        for (i = 0; ph[i].checker; i++) {
            if (ph[i].handler == st->access) {
                break;
            }
        }

        st->access_index = ph[i].checker ? (ngx_int_t) i : NGX_MAX_INT_T_VALUE;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    req = ngx_http_apisec_req(r, 0);

    if (req == NULL) {

        /*
         * nothing decided, nothing refused: counted where the module is on
         * and the request reached its access handler (after an error_page,
         * a request the module refused has its request state)
         */

        if (alcf->steps == 0
            || (ngx_int_t) r->phase_handler < st->access_index)
        {
            return NGX_OK;
        }

        reason = NGX_HTTP_APISEC_REFUSAL_NONE;
        tag = alcf->status_tag;
        ctx = NULL;

    } else {
        reason = req->refusal;
        tag = alcf->status_tag;

        for (ctx = req->ctx; ctx; ctx = ctx->prev) {
            if (tag == 0) {
                tag = ctx->conf->status_tag;
            }
        }

        ctx = req->ctx;
    }

    sh = st->sh;

    (void) ngx_atomic_fetch_add(&sh->total.count[reason], 1);

    if (tag) {
        (void) ngx_atomic_fetch_add(
                   &sh->tags[((ngx_http_apisec_status_name_t *)
                              st->tags.elts)[tag - 1].slot].count[reason], 1);
    }

    /* each location's authentication, whichever cache answered it */

    for ( /* void */ ; ctx; ctx = ctx->prev) {

        if (ctx->jwt_cache) {
            (void) ngx_atomic_fetch_add(
                       &sh->jwt_cache[ctx->jwt_cache
                                      == NGX_HTTP_APISEC_JWT_CACHE_MISS], 1);
        }

        if (ctx->introspect_cache) {
            (void) ngx_atomic_fetch_add(
                       &sh->introspect_cache[ctx->introspect_cache
                                      == NGX_HTTP_APISEC_JWT_CACHE_MISS], 1);
        }
    }

    return NGX_OK;
}


/* apisec_status: GET and HEAD; Prometheus text (0.0.4) or JSON */

static ngx_int_t
ngx_http_apisec_status_handler(ngx_http_request_t *r)
{
    size_t                        size;
    ngx_int_t                     rc;
    ngx_buf_t                    *b;
    ngx_uint_t                    i;
    ngx_chain_t                   out;
    ngx_str_t                     name, value;
    ngx_list_part_t              *part;
    ngx_shm_zone_t               *shm_zone;
    ngx_http_apisec_status_t     *st;
    ngx_http_apisec_loc_conf_t   *alcf;
    ngx_http_apisec_main_conf_t  *amcf;
    ngx_http_apisec_status_out_t  o;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {

        ngx_str_set(&name, "Allow");
        ngx_str_set(&value, "GET, HEAD");

        if (ngx_http_apisec_set_header(r, &name, &value) == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apisec_module);
    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);
    st = amcf->status;

    /*
     * a bound: a family's header lines at most 512 bytes, a sample's line
     * at most 128 and its escaped name (tags need no escaping)
     */

    size = 32 * 512
           + NGX_HTTP_APISEC_REFUSAL_N * 2 * 128
           + st->tags.nelts * NGX_HTTP_APISEC_REFUSAL_N * 2
             * (128 + NGX_HTTP_APISEC_STATUS_TAG_LEN)
           + (st->sources.nelts * 3 + st->limits.nelts * 2)
             * (128 + 6 * NGX_HTTP_APISEC_STATUS_NAME_LEN);

    for (part = (ngx_list_part_t *) &ngx_cycle->shared_memory.part;
         part;
         part = part->next)
    {
        shm_zone = part->elts;

        for (i = 0; i < part->nelts; i++) {
            size += 6 * (128 + 6 * shm_zone[i].shm.name.len);
        }
    }

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    o.pos = b->pos;
    o.last = b->end;
    o.json = (alcf->status_format == NGX_HTTP_APISEC_STATUS_JSON);
    o.first = 1;

    ngx_http_apisec_status_write(st, &o);

    if (o.pos == NULL) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apisec: status output too large");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = o.pos;
    b->last_buf = (r == r->main);
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;

    if (o.json) {
        ngx_str_set(&r->headers_out.content_type, "application/json");

    } else {
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4; charset=utf-8");
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    /* counters change: never cached */

    ngx_str_set(&name, "Cache-Control");
    ngx_str_set(&value, "no-store");

    if (ngx_http_apisec_set_header(r, &name, &value) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * What the status reads of a limit or ban zone.  The one place that knows
 * the shared store's layout (ngx_http_apisec_shm.h): the ctx's first
 * member, and in shared memory the node count and the eviction and
 * refusal totals; a ban zone's bans in force (when asked) are its nodes
 * whose "until" is still ahead, counted under the zone's lock.
 */

static ngx_int_t
ngx_http_apisec_status_read_zone(ngx_shm_zone_t *shm_zone,
    ngx_http_apisec_status_zone_t *z, ngx_uint_t in_force)
{
    ngx_str_t                    *kind;
    ngx_http_apisec_shm_ctx_t    *ctx;
    ngx_http_apisec_shm_shctx_t  *sh;

    if (shm_zone->init != ngx_http_apisec_shm_init_zone
        || shm_zone->data == NULL)
    {
        return NGX_DECLINED;
    }

    ctx = shm_zone->data;
    sh = ctx->sh;

    if (sh == NULL || ctx->kind == NULL) {
        return NGX_DECLINED;
    }

    kind = &ctx->kind->name;

    z->ban = (kind->len == sizeof("apisec_ban_zone") - 1
              && ngx_strncmp(kind->data, "apisec_ban_zone", kind->len) == 0);
    z->keys = sh->nodes;
    z->evictions = sh->evicted_total;
    z->refused = sh->refused_total;
    z->in_force = 0;

    if (!z->ban || !in_force) {
        return NGX_OK;
    }

    /* a ban in force is what the ban kind keeps from eviction */

    z->in_force = ngx_http_apisec_shm_kept(ctx);

    return NGX_OK;
}


static void
ngx_http_apisec_status_write(ngx_http_apisec_status_t *st,
    ngx_http_apisec_status_out_t *o)
{
    time_t                            now;
    ngx_str_t                         name;
    ngx_uint_t                        i, j, up, fallbacks;
    ngx_list_part_t                  *part;
    ngx_http_apisec_status_family_t  *f;
    ngx_shm_zone_t                   *shm_zone;
    ngx_atomic_uint_t                 sum;
    ngx_http_apisec_status_sh_t      *sh;
    ngx_http_apisec_status_slot_t    *slot;
    ngx_http_apisec_status_name_t    *tag, *src, *lim;
    ngx_http_apisec_status_zone_t     z;
    ngx_http_apisec_status_source_t  *s;

    static ngx_str_t  admitted = ngx_string("admitted");
    static ngx_str_t  refused_s = ngx_string("refused");
    static ngx_str_t  hit = ngx_string("hit");
    static ngx_str_t  miss = ngx_string("miss");

    sh = st->sh;
    tag = st->tags.elts;
    src = st->sources.elts;
    lim = st->limits.elts;
    now = ngx_time();

    if (o->json) {
        o->pos = ngx_cpymem(o->pos, "{", 1);
    }

    /* requests, refusals: the totals */

    ngx_http_apisec_status_family(o, "apisec_requests_total", "counter",
                        "Requests the module examined, admitted or refused.");

    sum = 0;
    for (i = 1; i < NGX_HTTP_APISEC_REFUSAL_N; i++) {
        sum += sh->total.count[i];
    }

    ngx_http_apisec_status_sample(o, "apisec_requests_total", "result",
                                  &admitted, NULL, NULL, sh->total.count[0]);
    ngx_http_apisec_status_sample(o, "apisec_requests_total", "result",
                                  &refused_s, NULL, NULL, sum);
    ngx_http_apisec_status_end(o);

    ngx_http_apisec_status_family(o, "apisec_refusals_total", "counter",
                "Requests the module refused, by reason ($apisec_refusal).");

    for (i = 1; i < NGX_HTTP_APISEC_REFUSAL_N; i++) {
        ngx_http_apisec_status_sample(o, "apisec_refusals_total", "reason",
                                      ngx_http_apisec_refusal_word(i), NULL,
                                      NULL, sh->total.count[i]);
    }

    ngx_http_apisec_status_end(o);

    /* per apisec_status_zone tag */

    ngx_http_apisec_status_family(o, "apisec_zone_requests_total", "counter",
         "Requests the module examined, by apisec_status_zone and result.");

    for (i = 0; i < st->tags.nelts; i++) {
        slot = &sh->tags[tag[i].slot];

        sum = 0;
        for (j = 1; j < NGX_HTTP_APISEC_REFUSAL_N; j++) {
            sum += slot->count[j];
        }

        ngx_http_apisec_status_sample(o, "apisec_zone_requests_total", "zone",
                                      &tag[i].name, "result", "admitted",
                                      slot->count[0]);
        ngx_http_apisec_status_sample(o, "apisec_zone_requests_total", "zone",
                                      &tag[i].name, "result", "refused", sum);
    }

    ngx_http_apisec_status_end(o);

    ngx_http_apisec_status_family(o, "apisec_zone_refusals_total", "counter",
          "Requests the module refused, by apisec_status_zone and reason.");

    for (i = 0; i < st->tags.nelts; i++) {
        slot = &sh->tags[tag[i].slot];

        for (j = 1; j < NGX_HTTP_APISEC_REFUSAL_N; j++) {
            ngx_http_apisec_status_sample(o, "apisec_zone_refusals_total",
                                  "zone", &tag[i].name, "reason",
                                  (char *) ngx_http_apisec_refusal_word(j)->data,
                                  slot->count[j]);
        }
    }

    ngx_http_apisec_status_end(o);

    /* caches */

    ngx_http_apisec_status_family(o, "apisec_jwt_cache_requests_total",
                                  "counter",
                                  "Verified-token cache lookups, by result.");
    ngx_http_apisec_status_sample(o, "apisec_jwt_cache_requests_total",
                                  "result", &hit, NULL, NULL,
                                  sh->jwt_cache[0]);
    ngx_http_apisec_status_sample(o, "apisec_jwt_cache_requests_total",
                                  "result", &miss, NULL, NULL,
                                  sh->jwt_cache[1]);
    ngx_http_apisec_status_end(o);

    ngx_http_apisec_status_family(o,
                                  "apisec_introspection_cache_requests_total",
                                  "counter",
                                  "Introspection cache lookups, by result.");
    ngx_http_apisec_status_sample(o,
                                  "apisec_introspection_cache_requests_total",
                                  "result", &hit, NULL, NULL,
                                  sh->introspect_cache[0]);
    ngx_http_apisec_status_sample(o,
                                  "apisec_introspection_cache_requests_total",
                                  "result", &miss, NULL, NULL,
                                  sh->introspect_cache[1]);
    ngx_http_apisec_status_end(o);

    /* fetched key sets, by their key request's URI */

    ngx_http_apisec_status_family(o, "apisec_key_set_keys", "gauge",
                 "Keys in the newest good fetch of a key set, any worker.");

    for (i = 0; i < st->sources.nelts; i++) {
        s = &sh->sources[src[i].slot];
        ngx_http_apisec_status_sample(o, "apisec_key_set_keys", "source",
                                      &src[i].name, NULL, NULL, s->keys);
    }

    ngx_http_apisec_status_end(o);

    ngx_http_apisec_status_family(o, "apisec_key_set_age_seconds", "gauge",
         "Seconds since the newest good fetch of a key set by any worker "
         "(absent: never fetched).");

    for (i = 0; i < st->sources.nelts; i++) {
        s = &sh->sources[src[i].slot];

        if (s->fetched) {
            ngx_http_apisec_status_sample(o, "apisec_key_set_age_seconds",
                          "source", &src[i].name, NULL, NULL,
                          (now > (time_t) s->fetched) ? now - s->fetched : 0);
        }
    }

    ngx_http_apisec_status_end(o);

    ngx_http_apisec_status_family(o, "apisec_key_fetch_failures_total",
                                  "counter",
                                  "Key set fetches that failed, all workers.");

    for (i = 0; i < st->sources.nelts; i++) {
        s = &sh->sources[src[i].slot];
        ngx_http_apisec_status_sample(o, "apisec_key_fetch_failures_total",
                                      "source", &src[i].name, NULL, NULL,
                                      s->failures);
    }

    ngx_http_apisec_status_end(o);

    /* limit zones: the requests each refused (the worst) or delayed */

    ngx_http_apisec_status_family(o, "apisec_limit_zone_refusals_total",
                  "counter",
                  "Requests a limit zone refused (the zone that asked for "
                  "the longest wait).");

    for (i = 0; i < st->limits.nelts; i++) {
        ngx_http_apisec_status_sample(o, "apisec_limit_zone_refusals_total",
                                      "zone", &lim[i].name, NULL, NULL,
                                      sh->limits[lim[i].slot].refused);
    }

    ngx_http_apisec_status_end(o);

    ngx_http_apisec_status_family(o, "apisec_limit_zone_delays_total",
                  "counter", "Requests a limit zone delayed.");

    for (i = 0; i < st->limits.nelts; i++) {
        ngx_http_apisec_status_sample(o, "apisec_limit_zone_delays_total",
                                      "zone", &lim[i].name, NULL, NULL,
                                      sh->limits[lim[i].slot].delayed);
    }

    ngx_http_apisec_status_end(o);

    /* limit and ban zones: one pass over the shared zones a family */

    for (f = ngx_http_apisec_status_zone_families; f->name; f++) {

        ngx_http_apisec_status_family(o, f->name, f->type, f->help);

        part = (ngx_list_part_t *) &ngx_cycle->shared_memory.part;
        shm_zone = part->elts;

        for (i = 0; /* void */ ; i++) {

            if (i >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }

                part = part->next;
                shm_zone = part->elts;
                i = 0;
            }

            if (ngx_http_apisec_status_read_zone(&shm_zone[i], &z,
                                                 f->in_force)
                != NGX_OK
                || z.ban != f->ban)
            {
                continue;
            }

            name = shm_zone[i].shm.name;

            ngx_http_apisec_status_sample(o, f->name, "zone", &name, NULL,
                                  NULL, *(ngx_uint_t *) ((u_char *) &z
                                                         + f->offset));
        }

        ngx_http_apisec_status_end(o);
    }

    /* apisec_redis: answering or not, and the decisions made without it */

    ngx_http_apisec_status_family(o, "apisec_redis_up", "gauge",
                  "1 while the Redis server answers, 0 while its zones "
                  "fall back.");

    for (i = 0; ngx_http_apisec_redis_state((ngx_cycle_t *) ngx_cycle, i,
                                            &name, &up, &fallbacks)
                == NGX_OK; i++)
    {
        ngx_http_apisec_status_sample(o, "apisec_redis_up", "redis", &name,
                                      NULL, NULL, up);
    }

    ngx_http_apisec_status_end(o);

    ngx_http_apisec_status_family(o, "apisec_redis_fallbacks_total",
                  "counter",
                  "Zone decisions made without Redis, as its fallback= "
                  "says, all workers.");

    for (i = 0; ngx_http_apisec_redis_state((ngx_cycle_t *) ngx_cycle, i,
                                            &name, &up, &fallbacks)
                == NGX_OK; i++)
    {
        ngx_http_apisec_status_sample(o, "apisec_redis_fallbacks_total",
                                      "redis", &name, NULL, NULL, fallbacks);
    }

    ngx_http_apisec_status_end(o);

    if (o->json && o->pos) {
        if (o->last - o->pos < 2) {
            o->pos = NULL;
            return;
        }

        *o->pos++ = '}';
        *o->pos++ = '\n';
    }
}


/*
 * Prometheus: "# HELP", "# TYPE" lines; JSON: "name":[ ... ]
 * (the samples of a family, each {"labels":{...},"value":n}).
 */

static void
ngx_http_apisec_status_family(ngx_http_apisec_status_out_t *o, char *name,
    char *type, char *help)
{
    if (o->pos == NULL) {
        return;
    }

    if (o->last - o->pos < 512) {
        o->pos = NULL;
        return;
    }

    if (o->json) {
        o->pos = ngx_sprintf(o->pos, "%s\"%s\":[", o->first ? "" : ",", name);
        o->first = 0;
        return;
    }

    o->pos = ngx_sprintf(o->pos, "# HELP %s %s\n# TYPE %s %s\n",
                         name, help, name, type);
}


static void
ngx_http_apisec_status_sample(ngx_http_apisec_status_out_t *o, char *name,
    char *label, ngx_str_t *value, char *label2, char *value2,
    ngx_atomic_uint_t n)
{
    if (o->pos == NULL) {
        return;
    }

    if ((size_t) (o->last - o->pos)
        < 128 + ngx_http_apisec_status_escape(NULL, value, o->json)
          + (value2 ? ngx_strlen(value2) : 0))
    {
        o->pos = NULL;
        return;
    }

    if (o->json) {
        if (o->pos[-1] != '[') {
            *o->pos++ = ',';
        }

        o->pos = ngx_sprintf(o->pos, "{\"labels\":{\"%s\":\"", label);
        o->pos += ngx_http_apisec_status_escape(o->pos, value, 1);

        if (label2) {
            o->pos = ngx_sprintf(o->pos, "\",\"%s\":\"%s", label2, value2);
        }

        o->pos = ngx_sprintf(o->pos, "\"},\"value\":%uA}", n);
        return;
    }

    o->pos = ngx_sprintf(o->pos, "%s{%s=\"", name, label);
    o->pos += ngx_http_apisec_status_escape(o->pos, value, 0);

    if (label2) {
        o->pos = ngx_sprintf(o->pos, "\",%s=\"%s", label2, value2);
    }

    o->pos = ngx_sprintf(o->pos, "\"} %uA\n", n);
}


static void
ngx_http_apisec_status_end(ngx_http_apisec_status_out_t *o)
{
    if (o->pos && o->json) {
        *o->pos++ = ']';
    }
}


/*
 * A label value: Prometheus escapes "\", '"' and a line feed; JSON those
 * and every control character.  At most 6 bytes for one.  With p NULL,
 * the length it takes.
 */

static size_t
ngx_http_apisec_status_escape(u_char *p, ngx_str_t *s, ngx_uint_t json)
{
    u_char      c;
    size_t      len;
    ngx_uint_t  i;

    len = 0;

    for (i = 0; i < s->len; i++) {
        c = s->data[i];

        if (c == '\\' || c == '"' || c == '\n') {
            len += 2;

            if (p) {
                *p++ = '\\';
                *p++ = (c == '\n') ? 'n' : c;
            }

        } else if (json && (c < 0x20 || c == 0x7f)) {
            len += 6;

            if (p) {
                p = ngx_sprintf(p, "\\u%04xd", (ngx_uint_t) c);
            }

        } else {
            len++;

            if (p) {
                *p++ = c;
            }
        }
    }

    return len;
}
