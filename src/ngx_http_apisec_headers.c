
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


#define NGX_HTTP_APISEC_HSTS_PRELOAD_MIN  31536000


static ngx_int_t ngx_http_apisec_headers_add(ngx_array_t *a, char *name,
    ngx_str_t *value, ngx_uint_t flags);
static ngx_int_t ngx_http_apisec_header_value_valid(ngx_str_t *value);


static ngx_str_t  ngx_http_apisec_csp_default =
    ngx_string("default-src 'none'; frame-ancestors 'none'");
static ngx_str_t  ngx_http_apisec_nosniff = ngx_string("nosniff");
static ngx_str_t  ngx_http_apisec_deny = ngx_string("DENY");
static ngx_str_t  ngx_http_apisec_no_referrer = ngx_string("no-referrer");
static ngx_str_t  ngx_http_apisec_no_store = ngx_string("no-store");


/* apisec_hsts off | max-age=<seconds> [includeSubDomains] [preload]; */

char *
ngx_http_apisec_hsts(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    u_char      *p;
    ngx_int_t    max_age;
    ngx_str_t   *value;
    ngx_uint_t   i, subdomains, preload;

    if (alcf->hsts.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&alcf->hsts, "");
        return NGX_CONF_OK;
    }

    if (value[1].len <= 8 || ngx_strncmp(value[1].data, "max-age=", 8) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", expected \"off\" or "
                           "\"max-age=<seconds>\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    max_age = ngx_atoi(value[1].data + 8, value[1].len - 8);
    if (max_age == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid max-age \"%V\", expected a number of "
                           "seconds", &value[1]);
        return NGX_CONF_ERROR;
    }

    subdomains = 0;
    preload = 0;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strcasecmp(value[i].data, (u_char *) "includeSubDomains")
            == 0 && !subdomains)
        {
            subdomains = 1;
            continue;
        }

        if (ngx_strcasecmp(value[i].data, (u_char *) "preload") == 0
            && !preload)
        {
            preload = 1;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (preload
        && (!subdomains || max_age < NGX_HTTP_APISEC_HSTS_PRELOAD_MIN))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"preload\" requires \"includeSubDomains\" and a "
                           "max-age of at least %d seconds",
                           NGX_HTTP_APISEC_HSTS_PRELOAD_MIN);
        return NGX_CONF_ERROR;
    }

    p = ngx_pnalloc(cf->pool, sizeof("max-age=; includeSubDomains; preload")
                              - 1 + NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    alcf->hsts.data = p;

    p = ngx_sprintf(p, "max-age=%i", max_age);

    if (subdomains) {
        p = ngx_cpymem(p, "; includeSubDomains",
                       sizeof("; includeSubDomains") - 1);
    }

    if (preload) {
        p = ngx_cpymem(p, "; preload", sizeof("; preload") - 1);
    }

    alcf->hsts.len = p - alcf->hsts.data;

    return NGX_CONF_OK;
}


/* apisec_csp off | "policy"; */

char *
ngx_http_apisec_csp(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_str_t  *value;

    if (alcf->csp.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&alcf->csp, "");
        return NGX_CONF_OK;
    }

    if (value[1].len == 0
        || ngx_http_apisec_header_value_valid(&value[1]) != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid policy \"%V\": empty, or control "
                           "characters in a header value", &value[1]);
        return NGX_CONF_ERROR;
    }

    alcf->csp = value[1];

    return NGX_CONF_OK;
}


/*
 * The headers a location adds, prepared once per location: the filter then
 * walks the response's headers once and compares lengths before names.
 */

char *
ngx_http_apisec_headers_merge(ngx_conf_t *cf, ngx_http_apisec_loc_conf_t *conf)
{
    ngx_str_t    *csp;
    ngx_array_t  *a;

    conf->headers = NULL;

    csp = NULL;

    if (conf->csp.len) {
        csp = &conf->csp;

    } else if (conf->security_headers && conf->csp.data == NULL) {
        csp = &ngx_http_apisec_csp_default;
    }

    if (!conf->security_headers && conf->hsts.len == 0 && csp == NULL) {
        return NGX_CONF_OK;
    }

    a = ngx_array_create(cf->pool, 6, sizeof(ngx_http_apisec_header_t));
    if (a == NULL) {
        return NGX_CONF_ERROR;
    }

    if (conf->hsts.len
        && ngx_http_apisec_headers_add(a, "Strict-Transport-Security",
                                       &conf->hsts,
                                       NGX_HTTP_APISEC_HDR_REPLACE
                                       |NGX_HTTP_APISEC_HDR_HTTPS)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (csp
        && ngx_http_apisec_headers_add(a, "Content-Security-Policy", csp,
                                       NGX_HTTP_APISEC_HDR_REPLACE)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->security_headers) {
        if (ngx_http_apisec_headers_add(a, "X-Content-Type-Options",
                                        &ngx_http_apisec_nosniff,
                                        NGX_HTTP_APISEC_HDR_REPLACE)
            != NGX_OK
            || ngx_http_apisec_headers_add(a, "X-Frame-Options",
                                           &ngx_http_apisec_deny,
                                           NGX_HTTP_APISEC_HDR_REPLACE)
               != NGX_OK
            || ngx_http_apisec_headers_add(a, "Referrer-Policy",
                                           &ngx_http_apisec_no_referrer,
                                           NGX_HTTP_APISEC_HDR_REPLACE)
               != NGX_OK
            || ngx_http_apisec_headers_add(a, "Cache-Control",
                                           &ngx_http_apisec_no_store,
                                           NGX_HTTP_APISEC_HDR_IF_ABSENT)
               != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    conf->headers = a;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_apisec_headers_add(ngx_array_t *a, char *name, ngx_str_t *value,
    ngx_uint_t flags)
{
    ngx_http_apisec_header_t  *h;

    h = ngx_array_push(a);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->name.len = ngx_strlen(name);
    h->name.data = (u_char *) name;
    h->value = *value;
    h->flags = flags;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_header_value_valid(ngx_str_t *value)
{
    u_char  *p, *last;

    last = value->data + value->len;

    for (p = value->data; p < last; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * One pass over the response's headers: a header of ours that is already
 * there is replaced (its first occurrence takes our value, further ones are
 * dropped with hash = 0) or, for "if absent" ones, left alone; the others
 * are added.  So nothing is ever sent twice.
 */

ngx_int_t
ngx_http_apisec_headers_set(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    uint32_t                   found;
    ngx_uint_t                 i, j, n, https;
    ngx_list_part_t           *part;
    ngx_table_elt_t           *h;
    ngx_http_apisec_header_t  *hdr;

    hdr = alcf->headers->elts;
    n = alcf->headers->nelts;

    /* TLS, or a trusted proxy's word for it (apisec_trusted_proxies) */

    https = ngx_http_apisec_is_https(r);
    found = 0;

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

        for (j = 0; j < n; j++) {

            if (h[i].key.len != hdr[j].name.len
                || ngx_strncasecmp(h[i].key.data, hdr[j].name.data,
                                   hdr[j].name.len)
                   != 0)
            {
                continue;
            }

            if ((hdr[j].flags & NGX_HTTP_APISEC_HDR_HTTPS) && !https) {
                break;
            }

            if (hdr[j].flags & NGX_HTTP_APISEC_HDR_IF_ABSENT) {
                found |= 1 << j;
                break;
            }

            if (found & (1 << j)) {
                h[i].hash = 0;
                break;
            }

            found |= 1 << j;
            h[i].value = hdr[j].value;
            break;
        }
    }

    for (j = 0; j < n; j++) {

        if (found & (1 << j)) {
            continue;
        }

        if ((hdr[j].flags & NGX_HTTP_APISEC_HDR_HTTPS) && !https) {
            continue;
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = 1;
        h->key = hdr[j].name;
        h->value = hdr[j].value;
        h->lowcase_key = NULL;
    }

    return NGX_OK;
}


/* sets a response header, replacing any of that name already there */

ngx_table_elt_t *
ngx_http_apisec_set_header(ngx_http_request_t *r, ngx_str_t *name,
    ngx_str_t *value)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *found;

    found = NULL;

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

        if (h[i].hash == 0
            || h[i].key.len != name->len
            || ngx_strncasecmp(h[i].key.data, name->data, name->len) != 0)
        {
            continue;
        }

        if (found) {
            h[i].hash = 0;
            continue;
        }

        found = &h[i];
    }

    if (found == NULL) {
        found = ngx_list_push(&r->headers_out.headers);
        if (found == NULL) {
            return NULL;
        }

        found->hash = 1;
        found->key = *name;
        found->lowcase_key = NULL;
    }

    found->value = *value;

    return found;
}
