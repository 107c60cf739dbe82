
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * A deliberately broken module, for t/sanitizers.t only: it proves that
 * the ASan build (make test-asan) reports real memory errors, leaks and
 * undefined behaviour in a module, and that the test runner fails the
 * block for them.  Never built into anything else.
 *
 *     location /t { apisec_canary overflow | leak | ubsan | none; }
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


typedef struct {
    ngx_uint_t  what;
} ngx_http_apisec_canary_loc_conf_t;


static ngx_int_t ngx_http_apisec_canary_handler(ngx_http_request_t *r);
static void *ngx_http_apisec_canary_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_apisec_canary(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_conf_enum_t  ngx_http_apisec_canary_what[] = {
    { ngx_string("none"), 1 },
    { ngx_string("overflow"), 2 },
    { ngx_string("leak"), 3 },
    { ngx_string("ubsan"), 4 },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_apisec_canary_commands[] = {

    { ngx_string("apisec_canary"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apisec_canary,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apisec_canary_loc_conf_t, what),
      ngx_http_apisec_canary_what },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_apisec_canary_module_ctx = {
    NULL, NULL, NULL, NULL, NULL, NULL,
    ngx_http_apisec_canary_create_loc_conf,
    NULL
};


ngx_module_t  ngx_http_apisec_canary_module = {
    NGX_MODULE_V1,
    &ngx_http_apisec_canary_module_ctx,
    ngx_http_apisec_canary_commands,
    NGX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NGX_MODULE_V1_PADDING
};


/* what nginx's configure generates for a dynamic module */

ngx_module_t  *ngx_modules[] = {
    &ngx_http_apisec_canary_module,
    NULL
};

char  *ngx_module_names[] = {
    "ngx_http_apisec_canary_module",
    NULL
};

char  *ngx_module_order[] = {
    NULL
};


static ngx_int_t
ngx_http_apisec_canary_handler(ngx_http_request_t *r)
{
    int                                 n;
    u_char                             *p;
    volatile int                        one;
    volatile u_char                    *v;
    ngx_http_apisec_canary_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_canary_module);

    one = 1;

    switch (clcf->what) {

    case 2: /* a heap-buffer-overflow */
        p = ngx_alloc(8, r->connection->log);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        v = p;
        v[8 * one] = 'x';
        ngx_free(p);
        break;

    case 3: /* a leak, found when the worker exits */
        p = ngx_alloc(64 + r->uri.len, r->connection->log);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        p[0] = 'x';
        p = NULL;
        break;

    case 4: /* a signed integer overflow */
        n = NGX_MAX_INT32_VALUE;
        n += one;
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "canary: %d", n);
        break;
    }

    r->headers_out.status = NGX_HTTP_NO_CONTENT;
    r->header_only = 1;

    return ngx_http_send_header(r);
}


static void *
ngx_http_apisec_canary_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_apisec_canary_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_canary_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->what = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_apisec_canary(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_apisec_canary_handler;

    return ngx_conf_set_enum_slot(cf, cmd, conf);
}
