
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


/* apisec_https_only off | redirect [port=N] | reject; */

char *
ngx_http_apisec_https_only(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_int_t   port;
    ngx_str_t  *value;

    if (alcf->https_only != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        alcf->https_only = NGX_HTTP_APISEC_OFF;

    } else if (ngx_strcmp(value[1].data, "redirect") == 0) {
        alcf->https_only = NGX_HTTP_APISEC_HTTPS_REDIRECT;

    } else if (ngx_strcmp(value[1].data, "reject") == 0) {
        alcf->https_only = NGX_HTTP_APISEC_HTTPS_REJECT;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", expected \"off\", "
                           "\"redirect\" or \"reject\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    if (alcf->https_only != NGX_HTTP_APISEC_HTTPS_REDIRECT
        || value[2].len <= 5
        || ngx_strncmp(value[2].data, "port=", 5) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[2]);
        return NGX_CONF_ERROR;
    }

    port = ngx_atoi(value[2].data + 5, value[2].len - 5);
    if (port < 1 || port > 65535) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid port in \"%V\"", &value[2]);
        return NGX_CONF_ERROR;
    }

    alcf->https_port = port;

    return NGX_CONF_OK;
}


/*
 * The host a redirect falls back on when the request's is not usable: the
 * server's first server_name that is a plain host name or address.  Read
 * here, at configuration time: the server's list of names lives in the
 * configuration's temporary pool, gone once nginx has built its hashes.
 */

char *
ngx_http_apisec_https_merge(ngx_conf_t *cf, ngx_http_apisec_loc_conf_t *conf)
{
    ngx_uint_t                 i;
    ngx_http_server_name_t    *sn;
    ngx_http_core_srv_conf_t  *cscf;

    if (conf->https_only != NGX_HTTP_APISEC_HTTPS_REDIRECT) {
        return NGX_CONF_OK;
    }

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

    sn = cscf->server_names.elts;

    for (i = 0; i < cscf->server_names.nelts; i++) {
#if (NGX_PCRE)
        if (sn[i].regex) {
            continue;
        }
#endif

        if (ngx_http_apisec_https_host(&sn[i].name)) {
            conf->https_host.len = sn[i].name.len;
            conf->https_host.data = ngx_pstrdup(cf->pool, &sn[i].name);
            if (conf->https_host.data == NULL) {
                return NGX_CONF_ERROR;
            }

            break;
        }
    }

    return NGX_CONF_OK;
}


ngx_uint_t
ngx_http_apisec_is_https(ngx_http_request_t *r)
{
#if (NGX_HTTP_SSL || NGX_COMPAT)
    return r->connection->ssl != NULL;
#else
    return 0;
#endif
}


/*
 * Plain HTTP gets 308 (method and body are kept, unlike 301) to the same
 * host and URI on https, or 403.  The refusal is not an access decision that
 * "satisfy any" may waive.
 *
 * The host of the Location is the request's (nginx has cut its port) when
 * it is a plain host name or address, else the server's first server_name
 * that is; with neither, 403.  A Host such as "a@b", "a?b", "a#b" or "a\b"
 * passes nginx's checks and would change the URL's authority.  The URI is
 * nginx's unparsed one: no CR, LF, space or control byte, and it begins
 * with "/", so it stays a path of that host ("//x" included).
 */

ngx_int_t
ngx_http_apisec_https_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    u_char           *p;
    size_t            len;
    ngx_str_t        *host;
    ngx_table_elt_t  *location;

    if (ngx_http_apisec_is_https(r)) {
        return NGX_DECLINED;
    }

    if (alcf->https_only == NGX_HTTP_APISEC_HTTPS_REJECT) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: plain HTTP request refused, HTTPS required");

        return ngx_http_apisec_refuse(r, NGX_HTTP_FORBIDDEN, 0,
                                      "HTTPS is required");
    }

    host = &r->headers_in.server;

    if (!ngx_http_apisec_https_host(host)) {
        host = alcf->https_host.len ? &alcf->https_host : NULL;
    }

    if (host == NULL) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: plain HTTP request without a usable host "
                      "refused, HTTPS required");

        return ngx_http_apisec_refuse(r, NGX_HTTP_FORBIDDEN, 0,
                                      "HTTPS is required");
    }

    len = sizeof("https://:65535") - 1 + host->len + r->unparsed_uri.len;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_clear_location(r);

    location = ngx_list_push(&r->headers_out.headers);
    if (location == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    location->hash = 1;
    ngx_str_set(&location->key, "Location");
    location->lowcase_key = NULL;
    location->value.data = p;

    p = ngx_cpymem(p, "https://", sizeof("https://") - 1);
    p = ngx_cpymem(p, host->data, host->len);

    if (alcf->https_port != 443) {
        p = ngx_sprintf(p, ":%ui", alcf->https_port);
    }

    p = ngx_cpymem(p, r->unparsed_uri.data, r->unparsed_uri.len);

    location->value.len = p - location->value.data;

    r->headers_out.location = location;

    return NGX_HTTP_PERMANENT_REDIRECT;
}


/*
 * A host a URL's authority can carry as is: a DNS name (labels of letters,
 * digits and "-", 63 bytes at most, no empty one), which covers IPv4
 * literals, or an IPv6 literal in brackets.  No port, no user info.
 */

ngx_uint_t
ngx_http_apisec_https_host(ngx_str_t *host)
{
    u_char  c, *p, *last;
    size_t  label;
#if (NGX_HAVE_INET6)
    u_char  addr[16];
#endif

    if (host->len == 0 || host->len > 255) {
        return 0;
    }

    p = host->data;
    last = p + host->len;

    if (p[0] == '[') {
#if (NGX_HAVE_INET6)
        return (host->len > 2 && last[-1] == ']'
                && ngx_inet6_addr(p + 1, host->len - 2, addr) == NGX_OK);
#else
        return 0;
#endif
    }

    label = 0;

    for ( /* void */ ; p < last; p++) {
        c = *p;

        if (c == '.') {
            if (label == 0) {
                return 0;
            }

            label = 0;
            continue;
        }

        if (++label > 63) {
            return 0;
        }

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-')
        {
            continue;
        }

        return 0;
    }

    return (label != 0);
}
