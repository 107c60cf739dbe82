
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * The part every fuzz target links: nginx's core (pools, strings, logs,
 * times) initialised as nginx's main() would for the parsers' needs.
 * Targets are linked against the objects of a complete nginx build and the
 * module's own objects (fuzz/build.sh): they call the module's real code.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"

#include <stdio.h>
#include <stdlib.h>


int LLVMFuzzerInitialize(int *argc, char ***argv);


ngx_log_t  *ngx_http_apisec_fuzz_log;

static ngx_log_t        ngx_http_apisec_fuzz_log_s;
static ngx_open_file_t  ngx_http_apisec_fuzz_log_file;
static ngx_cycle_t      ngx_http_apisec_fuzz_cycle;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ngx_fd_t  fd;

    (void) argc;
    (void) argv;

    ngx_pagesize = getpagesize();
    ngx_cacheline_size = NGX_CPU_CACHE_LINE;

    for (ngx_pagesize_shift = 0; (ngx_pagesize >> ngx_pagesize_shift) > 1;
         ngx_pagesize_shift++)
    {
        /* void */
    }

    ngx_time_init();

    /* errors go to the log only, never to the fuzzer's stderr */
    ngx_use_stderr = 0;

    fd = ngx_open_file((u_char *) "/dev/null", NGX_FILE_WRONLY, NGX_FILE_OPEN,
                       0);
    if (fd == NGX_INVALID_FILE) {
        perror("open(/dev/null)");
        exit(1);
    }

    ngx_http_apisec_fuzz_log_file.fd = fd;
    ngx_http_apisec_fuzz_log_file.name.len = sizeof("/dev/null") - 1;
    ngx_http_apisec_fuzz_log_file.name.data = (u_char *) "/dev/null";

    ngx_http_apisec_fuzz_log_s.file = &ngx_http_apisec_fuzz_log_file;
    ngx_http_apisec_fuzz_log_s.log_level = NGX_LOG_DEBUG_ALL;

    ngx_http_apisec_fuzz_log = &ngx_http_apisec_fuzz_log_s;

    /*
     * a cycle, as the module's run-time code sees ngx_cycle (its log, a
     * pool), with the list that ngx_shared_memory_add() adds zones to
     */

    ngx_pid = ngx_getpid();
    ngx_slab_sizes_init();

    ngx_http_apisec_fuzz_cycle.log = ngx_http_apisec_fuzz_log;
    ngx_http_apisec_fuzz_cycle.pool = ngx_http_apisec_fuzz_pool();

    if (ngx_list_init(&ngx_http_apisec_fuzz_cycle.shared_memory,
                      ngx_http_apisec_fuzz_cycle.pool, 1,
                      sizeof(ngx_shm_zone_t))
        != NGX_OK)
    {
        ngx_http_apisec_fuzz_fail(__FILE__, __LINE__, "ngx_list_init()");
    }

    ngx_cycle = &ngx_http_apisec_fuzz_cycle;

    if (ngx_http_apisec_fuzz_init) {
        return ngx_http_apisec_fuzz_init();
    }

    return 0;
}


ngx_pool_t *
ngx_http_apisec_fuzz_pool(void)
{
    ngx_pool_t  *pool;

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, ngx_http_apisec_fuzz_log);
    if (pool == NULL) {
        ngx_http_apisec_fuzz_fail(__FILE__, __LINE__, "ngx_create_pool()");
    }

    return pool;
}


ngx_conf_t *
ngx_http_apisec_fuzz_conf(ngx_pool_t *pool)
{
    ngx_conf_t  *cf;

    cf = ngx_pcalloc(pool, sizeof(ngx_conf_t));
    if (cf == NULL) {
        ngx_http_apisec_fuzz_fail(__FILE__, __LINE__, "ngx_pcalloc()");
    }

    /*
     * set by ngx_pcalloc():
     *
     *     cf->conf_file = NULL;  messages without "in file:line"
     */

    cf->cycle = &ngx_http_apisec_fuzz_cycle;
    cf->pool = pool;
    cf->temp_pool = pool;
    cf->log = ngx_http_apisec_fuzz_log;

    return cf;
}


u_char *
ngx_http_apisec_fuzz_copy(ngx_pool_t *pool, const uint8_t *data, size_t size,
    ngx_uint_t nul)
{
    u_char  *p;

    /* malloc(0) may return NULL */
    p = ngx_pnalloc(pool, (size + nul) ? size + nul : 1);
    if (p == NULL) {
        ngx_http_apisec_fuzz_fail(__FILE__, __LINE__, "ngx_pnalloc()");
    }

    ngx_memcpy(p, data, size);

    if (nul) {
        p[size] = '\0';
    }

    return p;
}


/*
 * Shared memory for the zones that directive handlers added to the cycle
 * since the last call, made as ngx_init_cycle() makes it: mapped, a slab
 * pool at its start (ngx_init_zone_pool()), then the zone's init().  The
 * zones live for the whole run.
 */

void
ngx_http_apisec_fuzz_shm(void)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_shm_zone_t   *zone;
    ngx_slab_pool_t  *sp;

    part = &ngx_http_apisec_fuzz_cycle.shared_memory.part;
    zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            zone = part->elts;
            i = 0;
        }

        if (zone[i].shm.addr) {
            continue;
        }

        zone[i].shm.log = ngx_http_apisec_fuzz_log;

        if (ngx_shm_alloc(&zone[i].shm) != NGX_OK) {
            ngx_http_apisec_fuzz_fail(__FILE__, __LINE__, "ngx_shm_alloc()");
        }

        sp = (ngx_slab_pool_t *) zone[i].shm.addr;

        sp->end = zone[i].shm.addr + zone[i].shm.size;
        sp->min_shift = 3;
        sp->addr = zone[i].shm.addr;

        if (ngx_shmtx_create(&sp->mutex, &sp->lock, NULL) != NGX_OK) {
            ngx_http_apisec_fuzz_fail(__FILE__, __LINE__,
                                      "ngx_shmtx_create()");
        }

        ngx_slab_init(sp);

        if (zone[i].init(&zone[i], NULL) != NGX_OK) {
            ngx_http_apisec_fuzz_fail(__FILE__, __LINE__, "zone init()");
        }
    }
}


/*
 * The input's first line and the rest after its newline, each copied into
 * an allocation of its own size; NGX_DECLINED when there is no newline
 */

ngx_int_t
ngx_http_apisec_fuzz_line(ngx_pool_t *pool, const uint8_t *data, size_t size,
    ngx_str_t *line, ngx_str_t *rest)
{
    const uint8_t  *nl;

    nl = memchr(data, '\n', size);
    if (nl == NULL) {
        return NGX_DECLINED;
    }

    line->len = nl - data;
    line->data = ngx_http_apisec_fuzz_copy(pool, data, line->len, 0);

    rest->len = size - line->len - 1;
    rest->data = ngx_http_apisec_fuzz_copy(pool, nl + 1, rest->len, 0);

    return NGX_OK;
}


/*
 * An answer from an identity provider as the subrequest's checks see it
 * (ngx_http_apisec_flight_answer()): the input's first line is its
 * Content-Type, the rest its body.  The media type is checked first, then
 * the size, then the body parsed; any refusal gives NULL, as a failed
 * fetch does.
 */

json_t *
ngx_http_apisec_fuzz_answer(ngx_pool_t *pool, const uint8_t *data,
    size_t size)
{
    char       *why;
    u_char     *p, *body, *nl;
    size_t      len, n;
    json_t     *json;
    ngx_int_t   rc, want;
    ngx_str_t   type;

    nl = memchr(data, '\n', size);
    len = nl ? (size_t) (nl - data) : size;

    type.len = len;
    type.data = len ? ngx_http_apisec_fuzz_copy(pool, data, len, 0) : NULL;

    rc = ngx_http_apisec_json_media_type(&type);

    /* what it must say: the type up to its parameters, case-insensitive */

    for (n = 0; n < len; n++) {
        if (data[n] == ';' || data[n] == ' ' || data[n] == '\t') {
            break;
        }
    }

    p = (u_char *) data;

    want = (n == 16 && ngx_strncasecmp(p, (u_char *) "application/json", 16)
                       == 0)
           || (n > 17 && ngx_strncasecmp(p, (u_char *) "application/", 12)
                         == 0
               && ngx_strncasecmp(p + n - 5, (u_char *) "+json", 5) == 0);

    ngx_http_apisec_fuzz_assert((rc == NGX_OK) == want);

    if (rc != NGX_OK || nl == NULL) {
        return NULL;
    }

    /* the body filter's bound (subrequest_output_buffer_size may raise it) */

    n = size - len - 1;

    if (n > NGX_HTTP_APISEC_ANSWER_MIN_MAX) {
        return NULL;
    }

    /* the body in an allocation of its own size: reads past it are seen */

    body = ngx_http_apisec_fuzz_copy(pool, data + len + 1, n, 0);

    why = NULL;
    json = ngx_http_apisec_json_answer(body, n, &why);

    ngx_http_apisec_fuzz_assert(json ? json_is_object(json) : why != NULL);

    return json;
}


void
ngx_http_apisec_fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}


/*
 * A location with "apisec_jwt on" and every check configured: all
 * algorithms, issuers, audiences and types, a leeway.
 */

ngx_http_apisec_jwt_conf_t *
ngx_http_apisec_fuzz_jwt_conf(void)
{
    ngx_str_t                   *s;
    ngx_pool_t                  *pool;
    ngx_http_apisec_jwt_conf_t  *jcf;

    static ngx_http_apisec_jwt_conf_t  *conf;

    if (conf) {
        return conf;
    }

    /* kept for the whole run */
    pool = ngx_http_apisec_fuzz_pool();

    jcf = ngx_pcalloc(pool, sizeof(ngx_http_apisec_jwt_conf_t));
    ngx_http_apisec_fuzz_assert(jcf != NULL);

    jcf->enable = 1;
    jcf->token = NGX_HTTP_APISEC_JWT_TOKEN_HEADER;
    jcf->algorithms = NGX_HTTP_APISEC_ALGS_ALL;
    jcf->leeway = 60;
    jcf->max_size = 8192;

    jcf->issuers = ngx_array_create(pool, 2, sizeof(ngx_str_t));
    jcf->audiences = ngx_array_create(pool, 2, sizeof(ngx_str_t));
    jcf->types = ngx_array_create(pool, 2, sizeof(ngx_str_t));
    ngx_http_apisec_fuzz_assert(jcf->issuers && jcf->audiences && jcf->types);

    s = ngx_array_push_n(jcf->issuers, 2);
    ngx_http_apisec_fuzz_assert(s != NULL);
    ngx_str_set(&s[0], "https://issuer.example");
    ngx_str_set(&s[1], "https://other.example");

    s = ngx_array_push_n(jcf->audiences, 2);
    ngx_http_apisec_fuzz_assert(s != NULL);
    ngx_str_set(&s[0], "api");
    ngx_str_set(&s[1], "https://api.example");

    /* stored without "application/", as the directive does */
    s = ngx_array_push_n(jcf->types, 2);
    ngx_http_apisec_fuzz_assert(s != NULL);
    ngx_str_set(&s[0], "jwt");
    ngx_str_set(&s[1], "at+jwt");

    /* as ngx_http_apisec_jwt_merge_conf() */
    jcf->policy.algorithms = jcf->algorithms;
    jcf->policy.issuers = jcf->issuers;
    jcf->policy.audiences = jcf->audiences;
    jcf->policy.types = jcf->types;
    jcf->policy.leeway = jcf->leeway;

    conf = jcf;

    return conf;
}
