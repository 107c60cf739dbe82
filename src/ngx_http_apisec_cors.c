
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"
#include "ngx_http_apisec_cors.h"


/* the response headers of the CORS protocol that the module owns */

#define NGX_HTTP_APISEC_ACAO     0
#define NGX_HTTP_APISEC_ACAC     1
#define NGX_HTTP_APISEC_ACEH     2
#define NGX_HTTP_APISEC_ACAM     3
#define NGX_HTTP_APISEC_ACAH     4
#define NGX_HTTP_APISEC_ACMA     5
#define NGX_HTTP_APISEC_NCORS    6

/* the request headers a CORS response varies on */

#define NGX_HTTP_APISEC_VARY_ORIGIN   0x01
#define NGX_HTTP_APISEC_VARY_METHOD   0x02
#define NGX_HTTP_APISEC_VARY_HEADERS  0x04


static ngx_int_t ngx_http_apisec_cors_method_allowed(
    ngx_http_apisec_cors_t *cors, ngx_str_t *method);
static ngx_int_t ngx_http_apisec_cors_headers_allowed(ngx_http_request_t *r,
    ngx_http_apisec_cors_t *cors);
static ngx_int_t ngx_http_apisec_cors_vary(ngx_http_request_t *r,
    ngx_table_elt_t *vary, ngx_uint_t need);
static ngx_int_t ngx_http_apisec_cors_join(ngx_conf_t *cf, ngx_array_t *a,
    ngx_str_t *extra, ngx_uint_t nextra, ngx_str_t *out);


static ngx_str_t  ngx_http_apisec_cors_names[] = {
    ngx_string("Access-Control-Allow-Origin"),
    ngx_string("Access-Control-Allow-Credentials"),
    ngx_string("Access-Control-Expose-Headers"),
    ngx_string("Access-Control-Allow-Methods"),
    ngx_string("Access-Control-Allow-Headers"),
    ngx_string("Access-Control-Max-Age")
};


static ngx_str_t  ngx_http_apisec_cors_vary_tokens[] = {
    ngx_string("Origin"),
    ngx_string("Access-Control-Request-Method"),
    ngx_string("Access-Control-Request-Headers")
};


/* a new Vary header, by the tokens it needs (VARY_* bits) */

static ngx_str_t  ngx_http_apisec_cors_vary_values[] = {
    ngx_null_string,
    ngx_string("Origin"),
    ngx_null_string,
    ngx_null_string,
    ngx_null_string,
    ngx_null_string,
    ngx_string("Access-Control-Request-Method, "
               "Access-Control-Request-Headers"),
    ngx_string("Origin, Access-Control-Request-Method, "
               "Access-Control-Request-Headers")
};


/* response headers browser code may always read: challenges and limits */

static ngx_str_t  ngx_http_apisec_cors_always_exposed[] = {
    ngx_string("WWW-Authenticate"),
    ngx_string("Retry-After"),
    ngx_string("RateLimit"),
    ngx_string("RateLimit-Policy")
};


/* Fetch's CORS-safelisted methods: a browser never needs them listed */

static ngx_str_t  ngx_http_apisec_cors_safelisted[] = {
    ngx_string("GET"),
    ngx_string("HEAD"),
    ngx_string("POST")
};


static ngx_str_t  ngx_http_apisec_cors_true = ngx_string("true");
static ngx_str_t  ngx_http_apisec_cors_star = ngx_string("*");


/*
 * The request side.
 */


/*
 * NGX_OK: one well-formed Origin header; NGX_DECLINED: none; NGX_ERROR:
 * several, or malformed (never allowed, never logged verbatim).
 */

ngx_int_t
ngx_http_apisec_cors_request_origin(ngx_http_request_t *r, ngx_str_t *origin)
{
    ngx_uint_t        n;
    static ngx_str_t  name = ngx_string("Origin");

    n = ngx_http_apisec_request_header(r, &name, origin);

    if (n == 0) {
        return NGX_DECLINED;
    }

    if (n > 1 || ngx_http_apisec_cors_origin_valid(origin) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * A preflight (OPTIONS with Origin and Access-Control-Request-Method) is
 * answered here, without credentials: 204 when origin, method and headers
 * are allowed, 403 otherwise.  The header filter writes the headers of
 * either answer.  Any other request goes on through the pipeline.  The
 * access handler's step right after HTTPS enforcement.
 */

ngx_int_t
ngx_http_apisec_cors_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    ngx_str_t                origin, method;
    ngx_int_t                rc;
    ngx_uint_t               n;
    ngx_http_apisec_ctx_t   *ctx;
    ngx_http_apisec_cors_t  *cors;

    static ngx_str_t  acrm = ngx_string("Access-Control-Request-Method");

    if (r->method != NGX_HTTP_OPTIONS) {
        return NGX_DECLINED;
    }

    n = ngx_http_apisec_request_header(r, &acrm, &method);
    if (n == 0) {
        return NGX_DECLINED;
    }

    rc = ngx_http_apisec_cors_request_origin(r, &origin);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    cors = alcf->cors.prepared;

    ctx = ngx_http_apisec_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: CORS preflight refused: malformed or "
                      "several Origin headers");
        goto refused;
    }

    if (!cors->any_origin
        && ngx_http_apisec_cors_origins_match(cors->origins, &origin)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: CORS preflight refused: origin \"%V\" "
                      "not allowed", &origin);
        goto refused;
    }

    if (n > 1
        || ngx_http_apisec_cors_token_valid(&method) != NGX_OK
        || ngx_http_apisec_cors_method_allowed(cors, &method) != NGX_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: CORS preflight refused: method not allowed "
                      "for origin \"%V\"", &origin);
        goto refused;
    }

    if (ngx_http_apisec_cors_headers_allowed(r, cors) != NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: CORS preflight refused: request headers not "
                      "allowed for origin \"%V\"", &origin);
        goto refused;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apisec: CORS preflight from \"%V\" allowed", &origin);

    ctx->cors_preflight = 1;
    ctx->cors_origin = origin;

    return NGX_HTTP_NO_CONTENT;

refused:

    ctx->cors_refused = 1;

    return ngx_http_apisec_refuse(r, NGX_HTTP_FORBIDDEN, 0,
                                  "CORS preflight refused");
}


/*
 * Methods compare case-sensitively, as Fetch does (a browser uppercases
 * only DELETE, GET, HEAD, OPTIONS, POST and PUT).  The safelisted ones
 * never need listing: a browser would allow them anyway.
 */

static ngx_int_t
ngx_http_apisec_cors_method_allowed(ngx_http_apisec_cors_t *cors,
    ngx_str_t *method)
{
    ngx_str_t   *m;
    ngx_uint_t   i;

    if (cors->any_method) {
        return NGX_OK;
    }

    for (i = 0; i < 3; i++) {
        m = &ngx_http_apisec_cors_safelisted[i];

        if (method->len == m->len
            && ngx_strncmp(method->data, m->data, m->len) == 0)
        {
            return NGX_OK;
        }
    }

    m = cors->methods->elts;

    for (i = 0; i < cors->methods->nelts; i++) {
        if (method->len == m[i].len
            && ngx_strncmp(method->data, m[i].data, m[i].len) == 0)
        {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/*
 * Every name in Access-Control-Request-Headers must be listed; "*" stands
 * for any name but "authorization" (Fetch), which is only ever allowed by
 * name.
 */

static ngx_int_t
ngx_http_apisec_cors_headers_allowed(ngx_http_request_t *r,
    ngx_http_apisec_cors_t *cors)
{
    u_char           *pos, *last;
    ngx_str_t        *a, elt;
    ngx_uint_t        i, j;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len != sizeof("Access-Control-Request-Headers") - 1
            || ngx_strncasecmp(h[i].key.data,
                               (u_char *) "Access-Control-Request-Headers",
                               h[i].key.len)
               != 0)
        {
            continue;
        }

        pos = h[i].value.data;
        last = pos + h[i].value.len;

        while (ngx_http_apisec_cors_list_next(&pos, last, &elt) == NGX_OK) {

            if (ngx_http_apisec_cors_token_valid(&elt) != NGX_OK) {
                return NGX_DECLINED;
            }

            if (cors->any_header
                && (elt.len != sizeof("authorization") - 1
                    || ngx_strncasecmp(elt.data, (u_char *) "authorization",
                                       elt.len)
                       != 0))
            {
                continue;
            }

            a = cors->headers->elts;

            for (j = 0; j < cors->headers->nelts; j++) {
                if (elt.len == a[j].len
                    && ngx_strncasecmp(elt.data, a[j].data, elt.len) == 0)
                {
                    break;
                }
            }

            if (j == cors->headers->nelts) {
                return NGX_DECLINED;
            }
        }
    }

    return NGX_OK;
}


/*
 * The header filter's part, on every response of a CORS location, errors
 * included.  One pass over the response's headers: the CORS headers the
 * module owns take its values once (an upstream's own are replaced, never
 * doubled) or are removed (a disallowed origin gets none); Vary gains the
 * request headers the answer depends on, merged into an existing Vary.
 */

ngx_int_t
ngx_http_apisec_cors_headers_set(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    ngx_str_t                origin, *v, values[NGX_HTTP_APISEC_NCORS];
    ngx_uint_t               i, j, found, vary;
    ngx_list_part_t         *part;
    ngx_table_elt_t         *h, *first_vary;
    ngx_http_apisec_ctx_t   *ctx;
    ngx_http_apisec_cors_t  *cors;

    cors = alcf->cors.prepared;

    ngx_memzero(values, sizeof(values));

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    vary = cors->any_origin ? 0 : NGX_HTTP_APISEC_VARY_ORIGIN;

    if (ctx && (ctx->cors_preflight || ctx->cors_refused)) {

        vary |= NGX_HTTP_APISEC_VARY_METHOD|NGX_HTTP_APISEC_VARY_HEADERS;

        if (ctx->cors_preflight) {
            values[NGX_HTTP_APISEC_ACAO] = cors->any_origin
                                           ? ngx_http_apisec_cors_star
                                           : ctx->cors_origin;
            values[NGX_HTTP_APISEC_ACAM] = cors->allow_methods;
            values[NGX_HTTP_APISEC_ACAH] = cors->allow_headers;
            values[NGX_HTTP_APISEC_ACMA] = cors->max_age;

            if (cors->credentials) {
                values[NGX_HTTP_APISEC_ACAC] = ngx_http_apisec_cors_true;
            }
        }

    } else if (cors->any_origin) {
        values[NGX_HTTP_APISEC_ACAO] = ngx_http_apisec_cors_star;
        values[NGX_HTTP_APISEC_ACEH] = cors->expose_headers;

    } else if (ngx_http_apisec_cors_request_origin(r, &origin) == NGX_OK
               && ngx_http_apisec_cors_origins_match(cors->origins, &origin)
                  == NGX_OK)
    {
        values[NGX_HTTP_APISEC_ACAO] = origin;
        values[NGX_HTTP_APISEC_ACEH] = cors->expose_headers;

        if (cors->credentials) {
            values[NGX_HTTP_APISEC_ACAC] = ngx_http_apisec_cors_true;
        }
    }

    found = 0;
    first_vary = NULL;

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0) {
            continue;
        }

        if (h[i].key.len == sizeof("Vary") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Vary", 4) == 0)
        {
            if (first_vary == NULL) {
                first_vary = &h[i];
            }

            if (ngx_http_apisec_cors_list_has(&h[i].value,
                                              &ngx_http_apisec_cors_star)
                == NGX_OK)
            {
                vary = 0;
            }

            for (j = 0; j < 3; j++) {
                if ((vary & (1 << j))
                    && ngx_http_apisec_cors_list_has(&h[i].value,
                                         &ngx_http_apisec_cors_vary_tokens[j])
                       == NGX_OK)
                {
                    vary &= ~(1 << j);
                }
            }

            continue;
        }

        if (h[i].key.len < sizeof("Access-Control-Max-Age") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "Access-Control-",
                               sizeof("Access-Control-") - 1)
               != 0)
        {
            continue;
        }

        for (j = 0; j < NGX_HTTP_APISEC_NCORS; j++) {
            v = &ngx_http_apisec_cors_names[j];

            if (h[i].key.len != v->len
                || ngx_strncasecmp(h[i].key.data, v->data, v->len) != 0)
            {
                continue;
            }

            if (values[j].len == 0 || (found & (1 << j))) {
                h[i].hash = 0;
                break;
            }

            found |= 1 << j;
            h[i].value = values[j];
            break;
        }
    }

    for (j = 0; j < NGX_HTTP_APISEC_NCORS; j++) {

        if (values[j].len == 0 || (found & (1 << j))) {
            continue;
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = 1;
        h->key = ngx_http_apisec_cors_names[j];
        h->value = values[j];
        h->lowcase_key = NULL;
    }

    if (vary) {
        return ngx_http_apisec_cors_vary(r, first_vary, vary);
    }

    return NGX_OK;
}


/* "Vary: Origin", or ", Origin" appended to the response's first Vary */

static ngx_int_t
ngx_http_apisec_cors_vary(ngx_http_request_t *r, ngx_table_elt_t *vary,
    ngx_uint_t need)
{
    u_char      *p, *start;
    size_t       len;
    ngx_uint_t   j, sep;

    if (vary == NULL && ngx_http_apisec_cors_vary_values[need].len) {
        vary = ngx_list_push(&r->headers_out.headers);
        if (vary == NULL) {
            return NGX_ERROR;
        }

        vary->hash = 1;
        ngx_str_set(&vary->key, "Vary");
        vary->lowcase_key = NULL;
        vary->value = ngx_http_apisec_cors_vary_values[need];

        return NGX_OK;
    }

    len = vary ? vary->value.len : 0;

    for (j = 0; j < 3; j++) {
        if (need & (1 << j)) {
            len += sizeof(", ") - 1 + ngx_http_apisec_cors_vary_tokens[j].len;
        }
    }

    start = ngx_pnalloc(r->pool, len);
    if (start == NULL) {
        return NGX_ERROR;
    }

    if (vary == NULL) {
        vary = ngx_list_push(&r->headers_out.headers);
        if (vary == NULL) {
            return NGX_ERROR;
        }

        vary->hash = 1;
        ngx_str_set(&vary->key, "Vary");
        vary->lowcase_key = NULL;
        ngx_str_null(&vary->value);
    }

    p = ngx_cpymem(start, vary->value.data, vary->value.len);
    sep = (vary->value.len != 0);

    for (j = 0; j < 3; j++) {

        if (!(need & (1 << j))) {
            continue;
        }

        if (sep) {
            *p++ = ','; *p++ = ' ';
        }

        p = ngx_cpymem(p, ngx_http_apisec_cors_vary_tokens[j].data,
                       ngx_http_apisec_cors_vary_tokens[j].len);
        sep = 1;
    }

    vary->value.data = start;
    vary->value.len = p - start;

    return NGX_OK;
}


/*
 * Configuration.
 */


/* apisec_cors_origins off | origin ...; */

char *
ngx_http_apisec_cors_origins(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    char                           *err;
    u_char                         *buf;
    ngx_str_t                      *value;
    ngx_uint_t                      i;
    ngx_http_apisec_cors_origin_t  *o;
#if (NGX_PCRE)
    u_char                          errstr[NGX_MAX_CONF_ERRSTR];
    ngx_regex_compile_t             rc;
#endif

    if (alcf->cors.origins != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    if (ngx_http_apisec_conf_pos(cf, &alcf->cors.origins_pos) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        alcf->cors.origins = NULL;
        return NGX_CONF_OK;
    }

    alcf->cors.origins = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                       sizeof(ngx_http_apisec_cors_origin_t));
    if (alcf->cors.origins == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 1 && value[i].data[0] == '*') {

            if (cf->args->nelts != 2) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"*\" must be the only origin");
                return NGX_CONF_ERROR;
            }

            alcf->cors.any_origin = 1;
            alcf->cors.origins->nelts = 0;
            return NGX_CONF_OK;
        }

        o = ngx_array_push(alcf->cors.origins);
        if (o == NULL) {
            return NGX_CONF_ERROR;
        }

        buf = ngx_pnalloc(cf->pool, value[i].len);
        if (buf == NULL) {
            return NGX_CONF_ERROR;
        }

        if (ngx_http_apisec_cors_origin_parse(&value[i], o, buf, &err)
            != NGX_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid origin \"%V\": %s", &value[i], err);
            return NGX_CONF_ERROR;
        }

        if (o->type != NGX_HTTP_APISEC_ORIGIN_REGEX) {
            continue;
        }

#if (NGX_PCRE)
        ngx_memzero(&rc, sizeof(ngx_regex_compile_t));

        rc.pattern.len = value[i].len - 1;
        rc.pattern.data = value[i].data + 1;
        rc.pool = cf->pool;
        rc.err.len = NGX_MAX_CONF_ERRSTR;
        rc.err.data = errstr;

        if (ngx_regex_compile(&rc) != NGX_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V", &rc.err);
            return NGX_CONF_ERROR;
        }

        o->regex = rc.regex;

        if (rc.pattern.data[0] != '^'
            || rc.pattern.data[rc.pattern.len - 1] != '$')
        {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "origin regex \"%V\" is not anchored with "
                               "\"^\" and \"$\": it matches origins that "
                               "merely contain it", &rc.pattern);
        }
#else
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "using regex \"%V\" requires PCRE library",
                           &value[i]);
        return NGX_CONF_ERROR;
#endif
    }

    return NGX_CONF_OK;
}


/*
 * apisec_cors_methods, apisec_cors_headers, apisec_cors_expose_headers:
 * lists of tokens, or "*".
 */

char *
ngx_http_apisec_cors_list(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t     *value, *s;
    ngx_uint_t     i;
    ngx_array_t  **a;

    a = (ngx_array_t **) (p + cmd->offset);

    if (*a != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    *a = ngx_array_create(cf->pool, cf->args->nelts - 1, sizeof(ngx_str_t));
    if (*a == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_http_apisec_cors_token_valid(&value[i]) != NGX_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\", expected a token "
                               "(RFC 9110) or \"*\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        s = ngx_array_push(*a);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    return NGX_CONF_OK;
}


void
ngx_http_apisec_cors_create_conf(ngx_http_apisec_cors_conf_t *conf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     conf->any_origin = 0;
     *     conf->prepared = NULL;
     */

    conf->origins = NGX_CONF_UNSET_PTR;
    conf->methods = NGX_CONF_UNSET_PTR;
    conf->headers = NGX_CONF_UNSET_PTR;
    conf->expose = NGX_CONF_UNSET_PTR;
    conf->credentials = NGX_CONF_UNSET;
    conf->max_age = NGX_CONF_UNSET;
}


/*
 * Once per location: the inherited settings become the header values the
 * filter sends, and combinations Fetch gives no meaning fail "nginx -t".
 */

char *
ngx_http_apisec_cors_merge(ngx_conf_t *cf, ngx_http_apisec_loc_conf_t *prev,
    ngx_http_apisec_loc_conf_t *conf)
{
    u_char                  *p;
    ngx_str_t               *s, *src;
    ngx_uint_t               i;
    ngx_array_t             *headers;
    ngx_http_apisec_cors_t  *cors;

    static ngx_str_t  safelisted = ngx_string("GET, HEAD, POST");

    if (conf->cors.origins == NGX_CONF_UNSET_PTR) {
        conf->cors.origins = prev->cors.origins;
        conf->cors.origins_pos = prev->cors.origins_pos;
        conf->cors.any_origin = prev->cors.any_origin;
    }

    ngx_conf_merge_ptr_value(conf->cors.methods, prev->cors.methods, NULL);
    ngx_conf_merge_ptr_value(conf->cors.headers, prev->cors.headers, NULL);
    ngx_conf_merge_ptr_value(conf->cors.expose, prev->cors.expose, NULL);
    ngx_conf_merge_value(conf->cors.credentials, prev->cors.credentials, 0);
    ngx_conf_merge_sec_value(conf->cors.max_age, prev->cors.max_age, -1);

    conf->cors.prepared = NULL;

    if (conf->cors.origins == NULL || conf->cors.origins == NGX_CONF_UNSET_PTR)
    {
        conf->cors.origins = NULL;
        return NGX_CONF_OK;
    }

    if (prev->cors.prepared && prev->cors.origins == conf->cors.origins
        && prev->cors.methods == conf->cors.methods
        && prev->cors.headers == conf->cors.headers
        && prev->cors.expose == conf->cors.expose
        && prev->cors.credentials == conf->cors.credentials
        && prev->cors.max_age == conf->cors.max_age)
    {
        conf->cors.prepared = prev->cors.prepared;
        return NGX_CONF_OK;
    }

    cors = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_cors_t));
    if (cors == NULL) {
        return NGX_CONF_ERROR;
    }

    cors->origins = conf->cors.origins;
    cors->any_origin = conf->cors.any_origin;
    cors->credentials = conf->cors.credentials;

    if (cors->any_origin && cors->credentials) {
        ngx_http_apisec_merge_error(cf, NGX_LOG_EMERG,
                                    &conf->cors.origins_pos,
                                    "\"apisec_cors_origins *\" cannot be "
                                    "used with \"apisec_cors_credentials "
                                    "on\": browsers refuse credentialed "
                                    "responses for \"*\"; list the origins");
        return NGX_CONF_ERROR;
    }

    /* methods */

    if (conf->cors.methods) {
        cors->methods = conf->cors.methods;

        if (ngx_http_apisec_cors_join(cf, cors->methods, NULL, 0,
                                      &cors->allow_methods)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

    } else {
        cors->methods = ngx_array_create(cf->pool, 1, sizeof(ngx_str_t));
        if (cors->methods == NULL) {
            return NGX_CONF_ERROR;
        }

        cors->allow_methods = safelisted;
    }

    /* request headers, kept lowercase for matching */

    headers = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
    if (headers == NULL) {
        return NGX_CONF_ERROR;
    }

    if (conf->cors.headers) {
        if (ngx_http_apisec_cors_join(cf, conf->cors.headers, NULL, 0,
                                      &cors->allow_headers)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        src = conf->cors.headers->elts;

        for (i = 0; i < conf->cors.headers->nelts; i++) {
            if (src[i].len == 1 && src[i].data[0] == '*') {
                cors->any_header = 1;
            }

            s = ngx_array_push(headers);
            if (s == NULL) {
                return NGX_CONF_ERROR;
            }

            s->data = ngx_pnalloc(cf->pool, src[i].len);
            if (s->data == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_strlow(s->data, src[i].data, src[i].len);
            s->len = src[i].len;
        }
    }

    cors->headers = headers;

    s = cors->methods->elts;

    for (i = 0; i < cors->methods->nelts; i++) {
        if (s[i].len == 1 && s[i].data[0] == '*') {
            cors->any_method = 1;
        }
    }

    if (cors->credentials && (cors->any_method || cors->any_header)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"*\" in \"apisec_cors_methods\" or "
                           "\"apisec_cors_headers\" cannot be used with "
                           "\"apisec_cors_credentials on\": browsers read it "
                           "as a literal name on credentialed requests");
        return NGX_CONF_ERROR;
    }

    /* exposed response headers: the listed ones and the challenges */

    if (conf->cors.expose) {
        s = conf->cors.expose->elts;

        for (i = 0; i < conf->cors.expose->nelts; i++) {
            if (cors->credentials && s[i].len == 1 && s[i].data[0] == '*') {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"*\" in \"apisec_cors_expose_headers\" "
                                   "cannot be used with "
                                   "\"apisec_cors_credentials on\"");
                return NGX_CONF_ERROR;
            }
        }
    }

    if (ngx_http_apisec_cors_join(cf, conf->cors.expose,
                                  ngx_http_apisec_cors_always_exposed, 4,
                                  &cors->expose_headers)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->cors.max_age >= 0) {
        p = ngx_pnalloc(cf->pool, NGX_TIME_T_LEN);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        cors->max_age.data = p;
        cors->max_age.len = ngx_sprintf(p, "%T", conf->cors.max_age) - p;
    }

    conf->cors.prepared = cors;

    return NGX_CONF_OK;
}


/* "a, b, c" from a list of strings and extra ones */

static ngx_int_t
ngx_http_apisec_cors_join(ngx_conf_t *cf, ngx_array_t *a, ngx_str_t *extra,
    ngx_uint_t nextra, ngx_str_t *out)
{
    u_char      *p;
    size_t       len;
    ngx_str_t   *s;
    ngx_uint_t   i, n;

    s = a ? a->elts : NULL;
    n = a ? a->nelts : 0;

    len = 0;

    for (i = 0; i < n; i++) {
        len += s[i].len + sizeof(", ") - 1;
    }

    for (i = 0; i < nextra; i++) {
        len += extra[i].len + sizeof(", ") - 1;
    }

    if (len == 0) {
        ngx_str_null(out);
        return NGX_OK;
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;

    for (i = 0; i < n; i++) {
        p = ngx_cpymem(p, s[i].data, s[i].len);
        *p++ = ','; *p++ = ' ';
    }

    for (i = 0; i < nextra; i++) {
        p = ngx_cpymem(p, extra[i].data, extra[i].len);
        *p++ = ','; *p++ = ' ';
    }

    out->len = p - out->data - 2;

    return NGX_OK;
}
