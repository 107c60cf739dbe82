
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * The pure part of CORS: syntax of origins and header lists, origin
 * matching.  Nothing here needs a request or a running server: the unit
 * test (t/unit/cors_origin.c) and fuzz targets build this file alone.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_cors.h"


/*
 * A serialized origin as a browser sends it (RFC 6454 §6.2, Fetch):
 * "null", or scheme "://" host [ ":" port ] with a lowercase scheme and host,
 * a registered name without empty labels or an IPv6 literal, a port without
 * leading zeros.  Anything else (uppercase, spaces, control or non-ASCII
 * bytes, a path, userinfo, a trailing dot) is malformed and never allowed.
 */

ngx_int_t
ngx_http_apisec_cors_origin_valid(ngx_str_t *origin)
{
    u_char      *p, *q, *last, *host;
    ngx_uint_t   port;

    if (origin->len == 0 || origin->len > NGX_HTTP_APISEC_ORIGIN_MAX_LEN) {
        return NGX_DECLINED;
    }

    if (origin->len == 4 && ngx_strncmp(origin->data, "null", 4) == 0) {
        return NGX_OK;
    }

    p = origin->data;
    last = p + origin->len;

    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */

    if (*p < 'a' || *p > 'z') {
        return NGX_DECLINED;
    }

    for (p++; p < last; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
            || *p == '+' || *p == '-' || *p == '.')
        {
            continue;
        }

        break;
    }

    if (last - p < 3 || p[0] != ':' || p[1] != '/' || p[2] != '/') {
        return NGX_DECLINED;
    }

    p += 3;
    host = p;

    if (p < last && *p == '[') {

        for (p++; p < last && *p != ']'; p++) {
            if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')
                || *p == ':' || *p == '.')
            {
                continue;
            }

            return NGX_DECLINED;
        }

        if (p == last || p == host + 1) {
            return NGX_DECLINED;
        }

        p++;

    } else {

        for ( /* void */ ; p < last; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
                || *p == '-' || *p == '.')
            {
                continue;
            }

            break;
        }

        if (p == host || *host == '.' || p[-1] == '.') {
            return NGX_DECLINED;
        }

        for (q = host; q < p - 1; q++) {
            if (q[0] == '.' && q[1] == '.') {
                return NGX_DECLINED;
            }
        }
    }

    if (p == last) {
        return NGX_OK;
    }

    if (*p++ != ':' || last - p < 1 || last - p > 5 || *p == '0') {
        return NGX_DECLINED;
    }

    port = 0;

    for ( /* void */ ; p < last; p++) {
        if (*p < '0' || *p > '9') {
            return NGX_DECLINED;
        }

        port = port * 10 + (*p - '0');
    }

    if (port > 65535) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * A configured origin, into the form a browser sends: scheme and host are
 * lowercased, a default port (http 80, https 443) is dropped.  "~..." is a
 * regex the caller compiles; a "*." host prefix is a wildcard standing
 * for one or more whole labels.  buf holds value->len bytes; the parts of o
 * point into it.
 */

ngx_int_t
ngx_http_apisec_cors_origin_parse(ngx_str_t *value,
    ngx_http_apisec_cors_origin_t *o, u_char *buf, char **err)
{
    u_char     *p, *host, *slash;
    size_t      len;
    ngx_str_t   s;

    ngx_memzero(o, sizeof(ngx_http_apisec_cors_origin_t));

    o->name = *value;

    if (value->len > 1 && value->data[0] == '~') {
        o->type = NGX_HTTP_APISEC_ORIGIN_REGEX;
        return NGX_OK;
    }

    if (value->len == 0 || value->len > NGX_HTTP_APISEC_ORIGIN_MAX_LEN) {
        *err = "invalid origin";
        return NGX_ERROR;
    }

    len = value->len;
    ngx_strlow(buf, value->data, len);

    host = ngx_strlcasestrn(buf, buf + len, (u_char *) "://", 3 - 1);

    if (host == NULL) {
        if (len == 4 && ngx_strncmp(buf, "null", 4) == 0) {
            goto exact;
        }

        *err = "invalid origin, expected scheme://host[:port] or \"null\"";
        return NGX_ERROR;
    }

    host += 3;

    slash = ngx_strlchr(host, buf + len, '/');
    if (slash) {
        *err = "an origin has no path, not even a trailing \"/\"";
        return NGX_ERROR;
    }

    /* the default port is never part of a serialized origin */

    if (host - buf == sizeof("https://") - 1
        && ngx_strncmp(buf, "https://", host - buf) == 0
        && len > 4 && ngx_strncmp(buf + len - 4, ":443", 4) == 0)
    {
        len -= 4;

    } else if (host - buf == sizeof("http://") - 1
               && ngx_strncmp(buf, "http://", host - buf) == 0
               && len > 3 && ngx_strncmp(buf + len - 3, ":80", 3) == 0)
    {
        len -= 3;
    }

    if (buf + len - host > 2 && host[0] == '*' && host[1] == '.') {

        /* check the syntax with a label standing in for the "*" */

        host[0] = 'a';
        s.data = buf;
        s.len = len;

        if (ngx_http_apisec_cors_origin_valid(&s) != NGX_OK
            || host[2] == '[')
        {
            host[0] = '*';
            *err = "invalid wildcard origin, expected "
                   "scheme://*.domain[:port]";
            return NGX_ERROR;
        }

        host[0] = '*';

        o->type = NGX_HTTP_APISEC_ORIGIN_WILDCARD;
        o->prefix.data = buf;
        o->prefix.len = host - buf;
        o->suffix.data = host + 1;
        o->suffix.len = buf + len - (host + 1);

        return NGX_OK;
    }

exact:

    s.data = buf;
    s.len = len;

    for (p = buf; p < buf + len; p++) {
        if (*p == '*') {
            *err = "\"*\" is allowed only alone or as the first label of "
                   "the host, as in https://*.example.com";
            return NGX_ERROR;
        }
    }

    if (ngx_http_apisec_cors_origin_valid(&s) != NGX_OK) {
        *err = "invalid origin, expected scheme://host[:port] or \"null\"";
        return NGX_ERROR;
    }

    o->type = NGX_HTTP_APISEC_ORIGIN_EXACT;
    o->value = s;

    return NGX_OK;
}


/* origin must be valid (ngx_http_apisec_cors_origin_valid()) */

ngx_int_t
ngx_http_apisec_cors_origin_match(ngx_http_apisec_cors_origin_t *o,
    ngx_str_t *origin)
{
    u_char     *p, *last;
#if (NGX_PCRE)
    ngx_int_t   rc;
#endif

    switch (o->type) {

    case NGX_HTTP_APISEC_ORIGIN_EXACT:

        if (origin->len == o->value.len
            && ngx_memcmp(origin->data, o->value.data, o->value.len) == 0)
        {
            return NGX_OK;
        }

        return NGX_DECLINED;

    case NGX_HTTP_APISEC_ORIGIN_WILDCARD:

        /* prefix, then one or more whole labels, then ".suffix[:port]" */

        if (origin->len <= o->prefix.len + o->suffix.len
            || ngx_memcmp(origin->data, o->prefix.data, o->prefix.len) != 0
            || ngx_memcmp(origin->data + origin->len - o->suffix.len,
                          o->suffix.data, o->suffix.len)
               != 0)
        {
            return NGX_DECLINED;
        }

        p = origin->data + o->prefix.len;
        last = origin->data + origin->len - o->suffix.len;

        if (*p == '.' || last[-1] == '.') {
            return NGX_DECLINED;
        }

        for ( /* void */ ; p < last; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
                || *p == '-')
            {
                continue;
            }

            if (*p == '.' && p[1] != '.') {
                continue;
            }

            return NGX_DECLINED;
        }

        return NGX_OK;

#if (NGX_PCRE)
    case NGX_HTTP_APISEC_ORIGIN_REGEX:

        if (o->regex == NULL) {
            return NGX_DECLINED;
        }

        rc = ngx_regex_exec(o->regex, origin, NULL, 0);

        if (rc >= 0) {
            return NGX_OK;
        }

        return (rc == NGX_REGEX_NO_MATCHED) ? NGX_DECLINED : NGX_ERROR;
#endif

    default:
        return NGX_DECLINED;
    }
}


ngx_int_t
ngx_http_apisec_cors_origins_match(ngx_array_t *origins, ngx_str_t *origin)
{
    ngx_uint_t                      i;
    ngx_http_apisec_cors_origin_t  *o;

    if (origins == NULL
        || ngx_http_apisec_cors_origin_valid(origin) != NGX_OK)
    {
        return NGX_DECLINED;
    }

    o = origins->elts;

    for (i = 0; i < origins->nelts; i++) {
        if (ngx_http_apisec_cors_origin_match(&o[i], origin) == NGX_OK) {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/* token = 1*tchar (RFC 9110 §5.6.2): methods and header names */

ngx_int_t
ngx_http_apisec_cors_token_valid(ngx_str_t *token)
{
    u_char  *p, *last;

    if (token->len == 0) {
        return NGX_DECLINED;
    }

    last = token->data + token->len;

    for (p = token->data; p < last; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
            || (*p >= '0' && *p <= '9'))
        {
            continue;
        }

        switch (*p) {
        case '!': case '#': case '$': case '%': case '&': case '\'':
        case '*': case '+': case '-': case '.': case '^': case '_':
        case '`': case '|': case '~':
            continue;
        }

        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * Whether a valid origin is the one of the request itself: scheme "://"
 * Host, the Host compared without case and without a default port.
 */

ngx_int_t
ngx_http_apisec_cors_same_origin(ngx_str_t *origin, ngx_str_t *scheme,
    ngx_str_t *host)
{
    size_t  len;

    len = host->len;

    if (scheme->len == 5 && ngx_strncmp(scheme->data, "https", 5) == 0
        && len > 4 && ngx_strncmp(host->data + len - 4, ":443", 4) == 0)
    {
        len -= 4;

    } else if (scheme->len == 4 && ngx_strncmp(scheme->data, "http", 4) == 0
               && len > 3 && ngx_strncmp(host->data + len - 3, ":80", 3) == 0)
    {
        len -= 3;
    }

    if (len == 0
        || origin->len != scheme->len + sizeof("://") - 1 + len
        || ngx_strncmp(origin->data, scheme->data, scheme->len) != 0
        || ngx_strncmp(origin->data + scheme->len, "://", 3) != 0
        || ngx_strncasecmp(origin->data + scheme->len + 3, host->data, len)
           != 0)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* the next non-empty element of a comma-separated list, OWS trimmed */

ngx_int_t
ngx_http_apisec_cors_list_next(u_char **pos, u_char *last, ngx_str_t *elt)
{
    u_char  *p, *start, *end;

    for (p = *pos; p < last; /* void */ ) {

        while (p < last && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        start = p;

        while (p < last && *p != ',') {
            p++;
        }

        end = p;

        while (end > start && (end[-1] == ' ' || end[-1] == '\t')) {
            end--;
        }

        if (end > start) {
            elt->data = start;
            elt->len = end - start;
            *pos = p;
            return NGX_OK;
        }
    }

    *pos = last;

    return NGX_DONE;
}


/* whether a comma-separated list holds the token, without case */

ngx_int_t
ngx_http_apisec_cors_list_has(ngx_str_t *list, ngx_str_t *token)
{
    u_char     *pos, *last;
    ngx_str_t   elt;

    pos = list->data;
    last = pos + list->len;

    while (ngx_http_apisec_cors_list_next(&pos, last, &elt) == NGX_OK) {
        if (elt.len == token->len
            && ngx_strncasecmp(elt.data, token->data, elt.len) == 0)
        {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}
