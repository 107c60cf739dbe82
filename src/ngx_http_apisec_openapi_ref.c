
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_openapi_compile.h"


/*
 * The OpenAPI compiler's references: "$ref"s followed in the document and
 * in the files beside it (read here, never outside its directory, never
 * from the network), JSON pointers for messages, the compile's errors.
 */


static json_t *ngx_http_apisec_openapi_read(ngx_http_apisec_oac_t *c,
    ngx_str_t *name, ngx_str_t *ptr, ngx_str_t *full);


/*
 * The "$ref"s in v: 0 none, 1 only "#/components/..." ones, 2 others (or a
 * dynamic one, or too deep to tell).
 */

ngx_uint_t
ngx_http_apisec_openapi_refs(json_t *v, ngx_uint_t depth)
{
    size_t       i;
    json_t      *e;
    ngx_uint_t   refs, r;
    const char  *k, *ref;

    if (depth > NGX_HTTP_APISEC_OPENAPI_MAX_DEPTH) {
        return 2;
    }

    refs = 0;

    if (json_is_array(v)) {
        json_array_foreach(v, i, e) {
            r = ngx_http_apisec_openapi_refs(e, depth + 1);
            refs = ngx_max(refs, r);
        }

        return refs;
    }

    if (!json_is_object(v)) {
        return 0;
    }

    json_object_foreach(v, k, e) {
        if (ngx_strcmp(k, "$ref") == 0) {
            ref = json_string_value(e);

            if (ref == NULL
                || ngx_strncmp(ref, "#/components/",
                               sizeof("#/components/") - 1) != 0)
            {
                return 2;
            }

            refs = ngx_max(refs, 1);
            continue;
        }

        if (ngx_strcmp(k, "$dynamicRef") == 0
            || ngx_strcmp(k, "$recursiveRef") == 0)
        {
            return 2;
        }

        r = ngx_http_apisec_openapi_refs(e, depth + 1);
        refs = ngx_max(refs, r);
    }

    return refs;
}


/*
 * A "$ref" of anything but a schema (path items, parameters, request
 * bodies, security schemes): followed here, "#/json/pointer" in the same
 * document or "file.yaml#/pointer" beside it, at most MAX_HOPS in a row.
 */

json_t *
ngx_http_apisec_openapi_deref(ngx_http_apisec_oac_t *c, json_t *v,
    json_t **root, ngx_str_t *rfile, ngx_str_t *ptr)
{
    u_char      *p, *last, *hash, *tok, *d, *buf;
    json_t      *ref, *doc;
    ngx_str_t    name, full;
    ngx_uint_t   hops;
    const char  *s;

    for (hops = 0; /* void */; hops++) {

        ref = json_is_object(v) ? json_object_get(v, "$ref") : NULL;

        if (ref == NULL) {
            return v;
        }

        if (hops == NGX_HTTP_APISEC_OPENAPI_MAX_HOPS) {
            ngx_http_apisec_openapi_fail(c, ptr, "a $ref cycle (or more than "
                                         "%d $refs in a row)",
                                         NGX_HTTP_APISEC_OPENAPI_MAX_HOPS);
            return NULL;
        }

        s = json_string_value(ref);

        if (s == NULL) {
            ngx_http_apisec_openapi_fail(c, ptr, "\"$ref\" is not a string");
            return NULL;
        }

        p = (u_char *) s;
        last = p + json_string_length(ref);
        hash = ngx_strlchr(p, last, '#');

        doc = *root;

        if (hash != p) {
            name.data = p;
            name.len = (hash ? hash : last) - p;

            doc = ngx_http_apisec_openapi_read(c, &name, ptr, &full);
            if (doc == NULL) {
                return NULL;
            }

            *root = doc;
            *rfile = full;
        }

        v = doc;

        if (hash == NULL || hash + 1 == last) {
            if (c->one_hop) {
                return v;
            }

            continue;
        }

        if (hash[1] != '/') {
            ngx_http_apisec_openapi_fail(c, ptr, "$ref \"%s\": only JSON "
                                         "pointers (#/...)", s);
            return NULL;
        }

        /* RFC 6901 in a URI fragment: %XX first, then ~1 and ~0 */

        buf = ngx_pnalloc(c->pool, last - hash);
        if (buf == NULL) {
            return NULL;
        }

        p = hash + 2;
        d = buf;
        ngx_unescape_uri(&d, &p, last - p, 0);
        last = d;

        for (tok = buf; v; tok = p + 1) {
            p = ngx_strlchr(tok, last, '/');
            if (p == NULL) {
                p = last;
            }

            for (d = tok; d < p; d++) {
                if (*d == '~' && d + 1 < p && (d[1] == '0' || d[1] == '1')) {
                    *d = (d[1] == '1') ? '/' : '~';
                    ngx_memmove(d + 1, d + 2, p - d - 2);
                    p--;
                    last--;
                }
            }

            if (json_is_object(v)) {
                v = json_object_getn(v, (char *) tok, p - tok);

            } else if (json_is_array(v) && p > tok
                       && ngx_atoi(tok, p - tok) != NGX_ERROR)
            {
                v = json_array_get(v, ngx_atoi(tok, p - tok));

            } else {
                v = NULL;
            }

            if (p >= last) {
                break;
            }
        }

        if (v == NULL) {
            ngx_http_apisec_openapi_fail(c, ptr, "$ref \"%s\" points to "
                                         "nothing", s);
            return NULL;
        }

        if (c->one_hop) {
            return v;
        }
    }
}


/*
 * A file a "$ref" names: beside the document or below it, a relative
 * path without "..", never a URL; read once.
 */

static json_t *
ngx_http_apisec_openapi_read(ngx_http_apisec_oac_t *c, ngx_str_t *name,
    ngx_str_t *ptr, ngx_str_t *full)
{
    u_char                          *p, *buf;
    json_t                          *doc;
    ssize_t                          n;
    ngx_fd_t                         fd;
    ngx_str_t                        err;
    ngx_uint_t                       i;
    ngx_file_info_t                  fi;
    ngx_http_apisec_openapi_file_t  *f;

    if (name->len == 0 || name->data[0] == '/' || name->data[0] == '\\'
        || ngx_strlchr(name->data, name->data + name->len, ':')
        || ngx_strlchr(name->data, name->data + name->len, '\\')
        || ngx_strlchr(name->data, name->data + name->len, '%')
        || ngx_strlchr(name->data, name->data + name->len, '\0'))
    {
        goto outside;
    }

    for (p = name->data; p < name->data + name->len; p++) {
        if (p[0] == '.' && p + 1 < name->data + name->len && p[1] == '.'
            && (p == name->data || p[-1] == '/')
            && (p + 2 == name->data + name->len || p[2] == '/'))
        {
            goto outside;
        }
    }

    if (c->dir.len == 0) {
        goto outside;
    }

    full->len = c->dir.len + name->len;
    full->data = ngx_pnalloc(c->pool, full->len + 1);
    if (full->data == NULL) {
        return NULL;
    }

    p = ngx_cpymem(full->data, c->dir.data, c->dir.len);
    p = ngx_cpymem(p, name->data, name->len);
    *p = '\0';

    f = c->files.elts;

    for (i = 0; i < c->files.nelts; i++) {
        if (f[i].name.len == full->len
            && ngx_strncmp(f[i].name.data, full->data, full->len) == 0)
        {
            return f[i].doc;
        }
    }

    if (c->files.nelts == NGX_HTTP_APISEC_OPENAPI_MAX_FILES) {
        ngx_http_apisec_openapi_fail(c, ptr, "$refs to more than %d files",
                                     NGX_HTTP_APISEC_OPENAPI_MAX_FILES);
        return NULL;
    }

    fd = ngx_open_file(full->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_http_apisec_openapi_fail(c, ptr, "$ref to \"%V\": cannot open "
                                     "it", full);
        return NULL;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || !ngx_is_file(&fi)
        || ngx_file_size(&fi) > NGX_HTTP_APISEC_OPENAPI_MAX_SIZE)
    {
        ngx_close_file(fd);
        ngx_http_apisec_openapi_fail(c, ptr, "$ref to \"%V\": not a file of "
                                     "at most %d bytes", full,
                                     NGX_HTTP_APISEC_OPENAPI_MAX_SIZE);
        return NULL;
    }

    buf = ngx_pnalloc(c->pool, ngx_file_size(&fi) + 1);
    if (buf == NULL) {
        ngx_close_file(fd);
        return NULL;
    }

    n = ngx_read_fd(fd, buf, ngx_file_size(&fi));
    ngx_close_file(fd);

    if (n != (ssize_t) ngx_file_size(&fi)) {
        ngx_http_apisec_openapi_fail(c, ptr, "$ref to \"%V\": cannot read "
                                     "it", full);
        return NULL;
    }

    doc = ngx_http_apisec_openapi_parse(buf, n, c->pool, &err);

    if (doc == NULL) {
        ngx_http_apisec_openapi_fail(c, ptr, "$ref to \"%V\": %V", full, &err);
        return NULL;
    }

    f = ngx_array_push(&c->files);
    if (f == NULL) {
        json_decref(doc);
        return NULL;
    }

    f->name = *full;
    f->doc = doc;

    return doc;

outside:

    ngx_http_apisec_openapi_fail(c, ptr, "$ref to \"%V\": only relative "
                                 "files beside the document (no \"..\", "
                                 "no URL)", name);
    return NULL;
}


/* a JSON pointer one token deeper: "~" and "/" escaped (RFC 6901) */

ngx_str_t
ngx_http_apisec_openapi_ptr(ngx_http_apisec_oac_t *c, ngx_str_t *base,
    const char *token, size_t len)
{
    u_char     *p;
    size_t      i, extra;
    ngx_str_t   r;

    extra = 0;

    for (i = 0; i < len; i++) {
        extra += (token[i] == '~' || token[i] == '/');
    }

    r.len = base->len + 1 + len + extra;
    r.data = ngx_pnalloc(c->pool, r.len);
    if (r.data == NULL) {
        r.len = 0;
        return r;
    }

    p = ngx_cpymem(r.data, base->data, base->len);
    *p++ = '/';

    for (i = 0; i < len; i++) {
        if (token[i] == '~') {
            *p++ = '~';
            *p++ = '0';

        } else if (token[i] == '/') {
            *p++ = '~';
            *p++ = '1';

        } else {
            *p++ = token[i];
        }
    }

    return r;
}


void ngx_cdecl
ngx_http_apisec_openapi_fail(ngx_http_apisec_oac_t *c, ngx_str_t *ptr,
    const char *fmt, ...)
{
    u_char   *p, *last;
    va_list   args;
    u_char    buf[NGX_MAX_CONF_ERRSTR];

    last = buf + sizeof(buf);

    p = buf;

    if (ptr && ptr->len) {
        p = ngx_slprintf(p, last, "%V: ", ptr);
    }

    va_start(args, fmt);
    p = ngx_vslprintf(p, last, fmt, args);
    va_end(args);

    c->err->data = ngx_pnalloc(c->pool, p - buf);
    if (c->err->data == NULL) {
        c->err->len = 0;
        return;
    }

    c->err->len = ngx_cpymem(c->err->data, buf, p - buf) - c->err->data;
}
