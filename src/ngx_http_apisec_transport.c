
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


static ngx_uint_t ngx_http_apisec_proxy_trusted(ngx_http_request_t *r,
    ngx_http_apisec_proxies_t *tp);
static ngx_uint_t ngx_http_apisec_forwarded_proto(ngx_http_request_t *r,
    ngx_str_t *name, ngx_uint_t rfc7239);
static ngx_uint_t ngx_http_apisec_tchar(u_char c);


static ngx_str_t  ngx_http_apisec_xfp = ngx_string("X-Forwarded-Proto");
static ngx_str_t  ngx_http_apisec_fwd = ngx_string("Forwarded");


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
 * apisec_trusted_proxies off | address | CIDR | unix: ...;
 *
 * The addresses whose X-Forwarded-Proto and Forwarded (RFC 7239) headers
 * say how the client reached them.  Host bits set ("10.0.0.1/8") are an
 * error: a list that trusts more than it says is not what was meant.
 */

char *
ngx_http_apisec_trusted_proxies(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_int_t                   rc;
    ngx_str_t                  *value, name;
    ngx_uint_t                  i;
    ngx_cidr_t                 *cidr;
    ngx_module_t              **modules;
    ngx_http_apisec_proxies_t  *tp;

    if (alcf->trusted_proxies != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts != 2) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"off\" must be the only parameter");
            return NGX_CONF_ERROR;
        }

        alcf->trusted_proxies = NULL;
        return NGX_CONF_OK;
    }

    tp = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_proxies_t));
    if (tp == NULL) {
        return NGX_CONF_ERROR;
    }

    tp->cidrs = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                 sizeof(ngx_cidr_t));
    if (tp->cidrs == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        cidr = ngx_array_push(tp->cidrs);
        if (cidr == NULL) {
            return NGX_CONF_ERROR;
        }

#if (NGX_HAVE_UNIX_DOMAIN)
        if (ngx_strcmp(value[i].data, "unix:") == 0) {
            ngx_memzero(cidr, sizeof(ngx_cidr_t));
            cidr->family = AF_UNIX;
            continue;
        }
#endif

        rc = ngx_ptocidr(&value[i], cidr);

        if (rc == NGX_DONE) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid network \"%V\": host bits are set",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        if (rc != NGX_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid address or network \"%V\"",
                               &value[i]);
            return NGX_CONF_ERROR;
        }
    }

    /*
     * With realip in nginx, the peer's own address is $realip_remote_addr:
     * realip may replace the connection's address by the one a header
     * names, and that header is the client's to write.
     */

    tp->realip = NGX_ERROR;

    modules = cf->cycle->modules;

    for (i = 0; modules[i]; i++) {
        if (ngx_strcmp(modules[i]->name, "ngx_http_realip_module") != 0) {
            continue;
        }

        ngx_str_set(&name, "realip_remote_addr");

        tp->realip = ngx_http_get_variable_index(cf, &name);
        if (tp->realip == NGX_ERROR) {
            return NGX_CONF_ERROR;
        }

        break;
    }

    alcf->trusted_proxies = tp;

    return NGX_CONF_OK;
}


/*
 * Whether the client reached us over HTTPS: the connection is TLS, or,
 * when the peer is a trusted proxy that says so, the client's connection
 * to that proxy was.  apisec_https_only, HSTS and CSRF's same-origin check
 * all ask here.
 *
 * A trusted peer's headers decide, both ways, when it sends any: every one
 * it sends must say "https", in the element it added (the last).  One that
 * is malformed, says anything else, or disagrees with the other is taken
 * as plain HTTP: a proxy that writes only one of the two headers and
 * passes the other on from the client is not fooled by the client.
 * Without either header the connection decides.
 */

ngx_uint_t
ngx_http_apisec_is_https(ngx_http_request_t *r)
{
    ngx_uint_t                   xfp, fwd;
    ngx_http_apisec_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    if (alcf->trusted_proxies == NULL) {
        goto connection;
    }

    if (!ngx_http_apisec_proxy_trusted(r, alcf->trusted_proxies)) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "apisec: forwarded headers from an untrusted peer "
                       "ignored");
        goto connection;
    }

    xfp = ngx_http_apisec_forwarded_proto(r, &ngx_http_apisec_xfp, 0);
    fwd = ngx_http_apisec_forwarded_proto(r, &ngx_http_apisec_fwd, 1);

    if (xfp == NGX_HTTP_APISEC_PROTO_NONE
        && fwd == NGX_HTTP_APISEC_PROTO_NONE)
    {
        goto connection;
    }

    if (xfp != NGX_HTTP_APISEC_PROTO_NONE
        && fwd != NGX_HTTP_APISEC_PROTO_NONE
        && xfp != fwd
        && xfp != NGX_HTTP_APISEC_PROTO_BAD
        && fwd != NGX_HTTP_APISEC_PROTO_BAD)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: \"X-Forwarded-Proto\" and \"Forwarded\" "
                      "headers from a trusted proxy disagree, taken as "
                      "plain HTTP");
        return 0;
    }

    return (xfp != NGX_HTTP_APISEC_PROTO_BAD
            && fwd != NGX_HTTP_APISEC_PROTO_BAD
            && (xfp == NGX_HTTP_APISEC_PROTO_HTTPS
                || fwd == NGX_HTTP_APISEC_PROTO_HTTPS));

connection:

#if (NGX_HTTP_SSL || NGX_COMPAT)
    return r->connection->ssl != NULL;
#else
    return 0;
#endif
}


/*
 * The peer is the address that connected to us: the connection's, or,
 * when realip replaced that by the client's, the one it replaced (the
 * text of $realip_remote_addr, as realip keeps no other public trace).
 */

static ngx_uint_t
ngx_http_apisec_proxy_trusted(ngx_http_request_t *r,
    ngx_http_apisec_proxies_t *tp)
{
    in_addr_t                   inaddr;
    struct sockaddr            *sa;
    ngx_connection_t           *c;
    struct sockaddr_in          sin;
    ngx_http_variable_value_t  *vv;
#if (NGX_HAVE_INET6)
    struct sockaddr_in6         sin6;
#endif
#if (NGX_HAVE_UNIX_DOMAIN)
    struct sockaddr             sa_unix;
#endif

    c = r->connection;
    sa = c->sockaddr;

    if (tp->realip == NGX_ERROR) {
        return ngx_http_apisec_cidr_match(sa, tp->cidrs);
    }

    vv = ngx_http_get_indexed_variable(r->main, tp->realip);

    if (vv == NULL || vv->not_found) {
        return 0;
    }

    if (vv->data == c->addr_text.data) {
        /* realip left the address alone */
        return ngx_http_apisec_cidr_match(sa, tp->cidrs);
    }

    inaddr = ngx_inet_addr(vv->data, vv->len);

    if (inaddr != INADDR_NONE) {
        ngx_memzero(&sin, sizeof(struct sockaddr_in));
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = inaddr;

        return ngx_http_apisec_cidr_match((struct sockaddr *) &sin,
                                          tp->cidrs);
    }

#if (NGX_HAVE_INET6)
    ngx_memzero(&sin6, sizeof(struct sockaddr_in6));

    if (ngx_inet6_addr(vv->data, vv->len, sin6.sin6_addr.s6_addr) == NGX_OK) {
        sin6.sin6_family = AF_INET6;

        return ngx_http_apisec_cidr_match((struct sockaddr *) &sin6,
                                          tp->cidrs);
    }
#endif

#if (NGX_HAVE_UNIX_DOMAIN)
    if (vv->len == 5 && ngx_strncmp(vv->data, "unix:", 5) == 0) {
        ngx_memzero(&sa_unix, sizeof(struct sockaddr));
        sa_unix.sa_family = AF_UNIX;

        return ngx_http_apisec_cidr_match(&sa_unix, tp->cidrs);
    }
#endif

    return 0;
}


/*
 * What the header "name" (every line of it, as one list) says of the
 * client's scheme: the last element decides, the one the nearest proxy
 * added; earlier ones are the client's or farther proxies' to write.
 * Malformed, over NGX_HTTP_APISEC_FORWARDED_MAX bytes or over
 * NGX_HTTP_APISEC_FORWARDED_ELTS elements: PROTO_BAD, logged.
 */

static ngx_uint_t
ngx_http_apisec_forwarded_proto(ngx_http_request_t *r, ngx_str_t *name,
    ngx_uint_t rfc7239)
{
    char             *err;
    size_t            len;
    ngx_int_t         rc;
    ngx_uint_t        i, n, proto, found;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    found = 0;
    len = 0;
    n = 0;
    proto = NGX_HTTP_APISEC_PROTO_OTHER;
    err = NULL;

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

        if (h[i].key.len != name->len
            || ngx_strncasecmp(h[i].key.data, name->data, name->len) != 0)
        {
            continue;
        }

        found = 1;
        len += h[i].value.len;

        if (len > NGX_HTTP_APISEC_FORWARDED_MAX) {
            err = "too long";
            break;
        }

        rc = ngx_http_apisec_forwarded_parse(&h[i].value, rfc7239, &n,
                                             &proto);

        if (rc != NGX_OK) {
            err = (rc == NGX_DECLINED) ? "with too many elements"
                                       : "malformed";
            break;
        }
    }

    if (!found) {
        return NGX_HTTP_APISEC_PROTO_NONE;
    }

    if (err == NULL && n == 0) {
        err = "empty";
    }

    if (err) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: \"%V\" header from a trusted proxy %s, "
                      "taken as plain HTTP", name, err);
        return NGX_HTTP_APISEC_PROTO_BAD;
    }

    return proto;
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


/*
 * One line of X-Forwarded-Proto (rfc7239 == 0: a list of tokens) or of
 * Forwarded (RFC 7239 section 4: a list of elements, each pairs
 * "token=value" separated by ";", a value a token or a quoted-string).
 * Spaces and tabs are allowed around "," and ";", empty elements are
 * skipped (RFC 9110 section 5.6.1).  *n counts the elements across lines;
 * *proto is what the last one said: PROTO_HTTPS for "https" (any case,
 * quoted or not), else PROTO_OTHER, so also for an element without
 * "proto=".  NGX_ERROR: malformed (a second "proto=" in one element
 * included); NGX_DECLINED: over NGX_HTTP_APISEC_FORWARDED_ELTS elements.
 * Pure: for unit tests and fuzzing.
 */

ngx_int_t
ngx_http_apisec_forwarded_parse(ngx_str_t *value, ngx_uint_t rfc7239,
    ngx_uint_t *n, ngx_uint_t *proto)
{
    u_char      c, *p, *last, *name, *v;
    ngx_uint_t  https, matched, seen;

    p = value->data;
    last = p + value->len;

    for ( ;; ) {

        while (p < last && (*p == ' ' || *p == '\t')) {
            p++;
        }

        if (p == last) {
            return NGX_OK;
        }

        if (*p == ',') {
            p++;
            continue;
        }

        if (++*n > NGX_HTTP_APISEC_FORWARDED_ELTS) {
            return NGX_DECLINED;
        }

        if (!rfc7239) {

            /* X-Forwarded-Proto: one token */

            v = p;

            while (p < last && ngx_http_apisec_tchar(*p)) {
                p++;
            }

            if (p == v) {
                return NGX_ERROR;
            }

            *proto = (p - v == 5 && ngx_strncasecmp(v, (u_char *) "https", 5)
                                    == 0)
                     ? NGX_HTTP_APISEC_PROTO_HTTPS
                     : NGX_HTTP_APISEC_PROTO_OTHER;

            while (p < last && (*p == ' ' || *p == '\t')) {
                p++;
            }

            if (p < last && *p++ != ',') {
                return NGX_ERROR;
            }

            continue;
        }

        /* Forwarded: a forwarded-element, its pairs */

        *proto = NGX_HTTP_APISEC_PROTO_OTHER;
        seen = 0;

        for ( ;; ) {

            while (p < last && (*p == ' ' || *p == '\t')) {
                p++;
            }

            if (p == last || *p == ',') {
                break;
            }

            if (*p == ';') {
                p++;
                continue;
            }

            name = p;

            while (p < last && ngx_http_apisec_tchar(*p)) {
                p++;
            }

            if (p == name || p == last || *p != '=') {
                return NGX_ERROR;
            }

            v = ++p;

            if (p < last && *p == '"') {

                /* a quoted-string, compared unescaped with "https" */

                matched = 0;
                https = 1;

                for (p++; /* void */; p++) {

                    if (p == last) {
                        return NGX_ERROR;
                    }

                    c = *p;

                    if (c == '"') {
                        p++;
                        break;
                    }

                    if (c == '\\') {
                        if (++p == last) {
                            return NGX_ERROR;
                        }

                        c = *p;
                    }

                    if ((c < 0x20 && c != '\t') || c == 0x7f) {
                        return NGX_ERROR;
                    }

                    if (matched < 5
                        && ngx_tolower(c) == "https"[matched])
                    {
                        matched++;

                    } else {
                        https = 0;
                    }
                }

                https = (https && matched == 5);

            } else {
                while (p < last && ngx_http_apisec_tchar(*p)) {
                    p++;
                }

                if (p == v) {
                    return NGX_ERROR;
                }

                https = (p - v == 5
                         && ngx_strncasecmp(v, (u_char *) "https", 5) == 0);
            }

            if (v - name == 6
                && ngx_strncasecmp(name, (u_char *) "proto=", 6) == 0)
            {
                if (seen) {
                    return NGX_ERROR;
                }

                seen = 1;
                *proto = https ? NGX_HTTP_APISEC_PROTO_HTTPS
                               : NGX_HTTP_APISEC_PROTO_OTHER;
            }

            while (p < last && (*p == ' ' || *p == '\t')) {
                p++;
            }

            if (p == last || *p == ',') {
                break;
            }

            if (*p++ != ';') {
                return NGX_ERROR;
            }
        }

        if (p < last) {
            p++;    /* "," */
        }
    }
}


/* RFC 9110 section 5.6.2 */

static ngx_uint_t
ngx_http_apisec_tchar(u_char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9'))
    {
        return 1;
    }

    return (c != '\0' && ngx_strchr("!#$%&'*+-.^_`|~", c) != NULL);
}
