
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
     *     cf->cycle = NULL;
     */

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

    conf = jcf;

    return conf;
}
