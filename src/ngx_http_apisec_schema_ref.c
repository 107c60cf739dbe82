
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * The JSON Schema core's references: where "$id", "$anchor" and
 * "$dynamicAnchor" are (a scan of each document before anything is
 * compiled), and what a "$ref" names (RFC 3986 resolution against the base
 * URI, JSON pointers, anchors, files beside the document read at
 * configuration time, never the network).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_schema_node.h"


static ngx_int_t ngx_http_apisec_schema_register(ngx_http_apisec_scc_t *cc,
    ngx_str_t *uri, json_t *json, ngx_http_apisec_sres_t *res);
static ngx_int_t ngx_http_apisec_schema_resolve_uri(ngx_pool_t *pool,
    ngx_str_t *ref, ngx_str_t *base, ngx_str_t *out);
static json_t *ngx_http_apisec_schema_pointer(json_t *doc, u_char *p,
    size_t len, ngx_log_t *log);


/* json_t * -> its resource and its node: open addressing on the address */

ngx_http_apisec_smap_t *
ngx_http_apisec_schema_map(ngx_http_apisec_scc_t *cc, json_t *json,
    ngx_uint_t add)
{
    uintptr_t                h;
    ngx_uint_t               i, size;
    ngx_http_apisec_smap_t  *map, *old, *e;

    if (cc->map_size) {
        h = ((uintptr_t) json >> 4) * 0x9e3779b97f4a7c15ULL;
        i = h & (cc->map_size - 1);

        for ( ;; ) {
            e = &cc->map[i];

            if (e->json == json) {
                return e;
            }

            if (e->json == NULL) {
                break;
            }

            i = (i + 1) & (cc->map_size - 1);
        }
    }

    if (!add) {
        return NULL;
    }

    if (cc->map_used * 2 >= cc->map_size) {
        size = cc->map_size ? cc->map_size * 2 : 64;

        map = ngx_pcalloc(cc->pool, size * sizeof(ngx_http_apisec_smap_t));
        if (map == NULL) {
            return NULL;
        }

        old = cc->map;

        for (i = 0; i < cc->map_size; i++) {
            if (old[i].json == NULL) {
                continue;
            }

            h = ((uintptr_t) old[i].json >> 4) * 0x9e3779b97f4a7c15ULL;
            h &= size - 1;

            while (map[h].json) {
                h = (h + 1) & (size - 1);
            }

            map[h] = old[i];
        }

        if (old) {
            ngx_pfree(cc->pool, old);
        }

        cc->map = map;
        cc->map_size = size;
    }

    h = ((uintptr_t) json >> 4) * 0x9e3779b97f4a7c15ULL;
    i = h & (cc->map_size - 1);

    while (cc->map[i].json) {
        i = (i + 1) & (cc->map_size - 1);
    }

    e = &cc->map[i];
    e->json = json;
    cc->map_used++;

    return e;
}


ngx_http_apisec_sres_t *
ngx_http_apisec_schema_resource(ngx_http_apisec_scc_t *cc, ngx_str_t *base,
    json_t *json)
{
    ngx_http_apisec_sres_t  *res, **resp;

    res = ngx_pcalloc(cc->pool, sizeof(ngx_http_apisec_sres_t));
    if (res == NULL) {
        return NULL;
    }

    res->base = *base;

    if (ngx_array_init(&res->dynamic, cc->pool, 1,
                       sizeof(ngx_http_apisec_sname_t))
        != NGX_OK)
    {
        return NULL;
    }

    resp = ngx_array_push(&cc->resources);
    if (resp == NULL) {
        return NULL;
    }

    *resp = res;

    if (ngx_http_apisec_schema_register(cc, base, json, res) != NGX_OK) {
        return NULL;
    }

    return res;
}


static ngx_int_t
ngx_http_apisec_schema_register(ngx_http_apisec_scc_t *cc, ngx_str_t *uri,
    json_t *json, ngx_http_apisec_sres_t *res)
{
    ngx_uint_t              i;
    ngx_http_apisec_suri_t  *u;

    u = cc->uris.elts;

    for (i = 0; i < cc->uris.nelts; i++) {
        if (u[i].uri.len == uri->len
            && ngx_memcmp(u[i].uri.data, uri->data, uri->len) == 0)
        {
            if (u[i].json == json) {
                return NGX_OK;
            }

            cc->err->len = 0;
            cc->err->data = ngx_pnalloc(cc->pool, uri->len + 64);
            if (cc->err->data) {
                cc->err->len = ngx_sprintf(cc->err->data,
                                           "\"%V\" is defined twice", uri)
                               - cc->err->data;
            }

            return NGX_ERROR;
        }
    }

    u = ngx_array_push(&cc->uris);
    if (u == NULL) {
        return NGX_ERROR;
    }

    u->uri = *uri;
    u->json = json;
    u->resource = res;

    return NGX_OK;
}


/*
 * Every object of a document is given the resource it lies in; "$id"s
 * open resources, "$anchor"s and "$dynamicAnchor"s name places.  Values
 * of "enum", "const", "default" and the examples are data, not schemas.
 */

ngx_int_t
ngx_http_apisec_schema_scan(ngx_http_apisec_scc_t *cc, json_t *json,
    ngx_http_apisec_sres_t *res, ngx_uint_t depth)
{
    u_char                   *p;
    size_t                    i, klen;
    json_t                   *v, *id;
    ngx_str_t                 ref, uri, name;
    const char               *key;
    ngx_http_apisec_smap_t   *e;
    ngx_http_apisec_sname_t  *dyn;

    if (depth > NGX_HTTP_APISEC_SCHEMA_MAX_NEST) {
        ngx_str_set(cc->err, "the document nests too deeply");
        return NGX_ERROR;
    }

    if (json_is_array(json)) {
        json_array_foreach(json, i, v) {
            if (ngx_http_apisec_schema_scan(cc, v, res, depth + 1)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        return NGX_OK;
    }

    if (!json_is_object(json)) {
        return NGX_OK;
    }

    id = json_object_get(json, "$id");

    if (cc->dialect == NGX_HTTP_APISEC_SCHEMA_OAS30) {
        id = NULL;
    }

    if (json_is_string(id)) {
        ref.data = (u_char *) json_string_value(id);
        ref.len = json_string_length(id);

        if (ngx_http_apisec_schema_resolve_uri(cc->pool, &ref, &res->base,
                                               &uri)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        p = ngx_strlchr(uri.data, uri.data + uri.len, '#');

        if (ref.len > 1 && ref.data[0] == '#'
            && cc->dialect == NGX_HTTP_APISEC_SCHEMA_DRAFT7)
        {
            /* draft-07: "$id": "#name" names a place, as "$anchor" */

            if (ngx_http_apisec_schema_register(cc, &uri, json, NULL)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

        } else {
            if (p) {
                uri.len = p - uri.data;
            }

            if (uri.len != res->base.len
                || ngx_strncmp(uri.data, res->base.data, uri.len) != 0)
            {
                res = ngx_http_apisec_schema_resource(cc, &uri, json);
                if (res == NULL) {
                    return NGX_ERROR;
                }
            }
        }
    }

    e = ngx_http_apisec_schema_map(cc, json, 1);
    if (e == NULL) {
        return NGX_ERROR;
    }

    if (e->resource == NULL) {
        e->resource = res;
    }

    for (i = 0; i < 2; i++) {
        v = json_object_get(json, i ? "$dynamicAnchor" : "$anchor");

        if (!json_is_string(v)
            || cc->dialect != NGX_HTTP_APISEC_SCHEMA_2020_12)
        {
            continue;
        }

        name.data = (u_char *) json_string_value(v);
        name.len = json_string_length(v);

        uri.len = res->base.len + 1 + name.len;
        uri.data = ngx_pnalloc(cc->pool, uri.len + 1);
        if (uri.data == NULL) {
            return NGX_ERROR;
        }

        ngx_sprintf(uri.data, "%V#%V%Z", &res->base, &name);

        if (ngx_http_apisec_schema_register(cc, &uri, json, NULL) != NGX_OK) {
            return NGX_ERROR;
        }

        if (i == 1) {
            dyn = ngx_array_push(&res->dynamic);
            if (dyn == NULL) {
                return NGX_ERROR;
            }

            ngx_memzero(dyn, sizeof(ngx_http_apisec_sname_t));
            dyn->name = name;
            dyn->json = json;
        }
    }

    json_object_keylen_foreach(json, key, klen, v) {
        if ((klen == 4 && ngx_strncmp(key, "enum", 4) == 0)
            || (klen == 5 && ngx_strncmp(key, "const", 5) == 0)
            || (klen == 7 && ngx_strncmp(key, "default", 7) == 0)
            || (klen == 7 && ngx_strncmp(key, "example", 7) == 0)
            || (klen == 8 && ngx_strncmp(key, "examples", 8) == 0))
        {
            continue;
        }

        if (ngx_http_apisec_schema_scan(cc, v, res, depth + 1) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* RFC 3986 section 5.2, enough of it for schema identifiers */

static ngx_int_t
ngx_http_apisec_schema_resolve_uri(ngx_pool_t *pool, ngx_str_t *ref,
    ngx_str_t *base, ngx_str_t *out)
{
    u_char  *p, *last, *q, *path, *seg, *frag;
    size_t   len;

    /* a scheme: the reference is absolute */

    for (p = ref->data; p < ref->data + ref->len; p++) {
        if (*p == ':') {
            if (p > ref->data) {
                goto copy;
            }
            break;
        }

        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (p > ref->data
                  && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-'
                      || *p == '.'))))
        {
            break;
        }
    }

    /* the base without its fragment */

    frag = ngx_strlchr(base->data, base->data + base->len, '#');
    len = frag ? (size_t) (frag - base->data) : base->len;

    out->data = ngx_pnalloc(pool, len + ref->len + 2);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    if (ref->len == 0 || ref->data[0] == '#') {
        p = ngx_cpymem(out->data, base->data, len);
        p = ngx_cpymem(p, ref->data, ref->len);
        *p = '\0';
        out->len = p - out->data;
        return NGX_OK;
    }

    /* the path of the base starts after "scheme:" and "//authority" */

    last = base->data + len;
    path = ngx_strlchr(base->data, last, ':');
    path = path ? path + 1 : base->data;

    if (last - path >= 2 && path[0] == '/' && path[1] == '/') {
        q = ngx_strlchr(path + 2, last, '/');
        path = q ? q : last;
    }

    if (ref->len >= 2 && ref->data[0] == '/' && ref->data[1] == '/') {
        q = ngx_strlchr(base->data, last, ':');
        p = ngx_cpymem(out->data, base->data, q ? q + 1 - base->data : 0);

    } else if (ref->data[0] == '/') {
        p = ngx_cpymem(out->data, base->data, path - base->data);

    } else {
        /* merge: the base's path up to its last "/" */

        for (q = last; q > path && q[-1] != '/'; q--) { /* void */ }

        p = ngx_cpymem(out->data, base->data, q - base->data);

        if (q == path && path > base->data && path[-1] != ':'
            && path != last)
        {
            *p++ = '/';
        }
    }

    p = ngx_cpymem(p, ref->data, ref->len);
    *p = '\0';
    out->len = p - out->data;

    /* remove "." and ".." segments (RFC 3986 5.2.4), in place */

    last = ngx_strlchr(out->data, out->data + out->len, '#');
    if (last == NULL) {
        last = out->data + out->len;
    }

    path = ngx_strlchr(out->data, last, ':');
    path = path ? path + 1 : out->data;

    if (last - path >= 2 && path[0] == '/' && path[1] == '/') {
        q = ngx_strlchr(path + 2, last, '/');
        path = q ? q : last;
    }

    for (p = path, q = path; p < last; /* void */) {
        seg = p;

        while (p < last && *p != '/') {
            p++;
        }

        /* the segment is seg..p, without the "/" that starts at p */

        if (p - seg == 1 && seg[0] == '.') {
            if (p < last) {
                p++;
            }
            continue;
        }

        if (p - seg == 2 && seg[0] == '.' && seg[1] == '.') {
            if (q > path && q[-1] == '/') {
                q--;
            }

            while (q > path && q[-1] != '/') {
                q--;
            }

            if (p < last) {
                p++;
            }
            continue;
        }

        if (p < last) {
            p++;
        }

        q = ngx_movemem(q, seg, p - seg);
    }

    len = out->data + out->len - last;
    q = ngx_movemem(q, last, len);
    *q = '\0';
    out->len = q - out->data;

    return NGX_OK;

copy:

    out->data = ngx_pnalloc(pool, ref->len + 1);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(out->data, ref->data, ref->len);
    out->data[ref->len] = '\0';
    out->len = ref->len;

    return NGX_OK;
}


/*
 * A "$ref" to the value it names: a resource by its URI (a file beside
 * the document read now), then the fragment, a JSON pointer or an anchor.
 */

json_t *
ngx_http_apisec_schema_deref(ngx_http_apisec_scc_t *cc, ngx_str_t *ref,
    ngx_http_apisec_sres_t *from, ngx_str_t *loc,
    ngx_http_apisec_sres_t **res)
{
    u_char                   *p, *frag;
    json_t                   *doc, *target, **docp;
    ngx_str_t                 uri, base;
    ngx_uint_t                i;
    json_error_t              jerr;
    ngx_http_apisec_suri_t   *u;
    ngx_http_apisec_smap_t   *e;
    ngx_http_apisec_sres_t   *r;

    if (ngx_http_apisec_schema_resolve_uri(cc->pool, ref, &from->base, &uri)
        != NGX_OK)
    {
        return NULL;
    }

    frag = ngx_strlchr(uri.data, uri.data + uri.len, '#');

    base.data = uri.data;
    base.len = frag ? (size_t) (frag - uri.data) : uri.len;

    doc = NULL;
    r = NULL;
    u = cc->uris.elts;

    for (i = 0; i < cc->uris.nelts; i++) {
        if (u[i].resource && u[i].uri.len == base.len
            && ngx_memcmp(u[i].uri.data, base.data, base.len) == 0)
        {
            doc = u[i].json;
            r = u[i].resource;
            break;
        }
    }

    if (doc == NULL) {
        if (base.len <= sizeof("file://") - 1
            || ngx_strncmp(base.data, "file://", sizeof("file://") - 1) != 0
            || ngx_strncmp(from->base.data, "file://",
                           sizeof("file://") - 1) != 0)
        {
            goto unresolved;
        }

        if (++cc->nfiles > NGX_HTTP_APISEC_SCHEMA_MAX_FILES) {
            ngx_http_apisec_schema_fail(cc, loc, "$ref",
                                        "too many files referenced");
            return NULL;
        }

        p = ngx_pnalloc(cc->pool, base.len + 1);
        if (p == NULL) {
            return NULL;
        }

        ngx_memcpy(p, base.data, base.len);
        p[base.len] = '\0';

        doc = json_load_file((char *) p + sizeof("file://") - 1,
                             JSON_REJECT_DUPLICATES, &jerr);
        if (doc == NULL) {
            cc->err->data = ngx_pnalloc(cc->pool, loc->len + base.len
                                                  + JSON_ERROR_TEXT_LENGTH
                                                  + 64);
            if (cc->err->data) {
                cc->err->len = ngx_snprintf(cc->err->data,
                                            loc->len + base.len
                                            + JSON_ERROR_TEXT_LENGTH + 64,
                                            "%V/$ref: \"%V\": %s (line %d)",
                                            loc, &base, jerr.text,
                                            jerr.line)
                               - cc->err->data;
            }

            return NULL;
        }

        docp = ngx_array_push(&cc->schema->documents);
        if (docp == NULL) {
            json_decref(doc);
            return NULL;
        }

        *docp = doc;

        base.data = p;

        r = ngx_http_apisec_schema_resource(cc, &base, doc);
        if (r == NULL) {
            return NULL;
        }

        if (ngx_http_apisec_schema_scan(cc, doc, r, 0) != NGX_OK) {
            return NULL;
        }
    }

    if (frag == NULL || frag + 1 == uri.data + uri.len) {
        target = doc;

    } else if (frag[1] == '/') {
        target = ngx_http_apisec_schema_pointer(doc, frag + 1,
                                                uri.data + uri.len - frag - 1,
                                                cc->log);

    } else {
        target = NULL;

        for (i = 0; i < cc->uris.nelts; i++) {
            u = cc->uris.elts;

            if (u[i].uri.len == uri.len
                && ngx_memcmp(u[i].uri.data, uri.data, uri.len) == 0)
            {
                target = u[i].json;
                break;
            }
        }
    }

    if (target == NULL) {
        goto unresolved;
    }

    e = ngx_http_apisec_schema_map(cc, target, 0);

    *res = (e && e->resource) ? e->resource : r;

    return target;

unresolved:

    cc->err->data = ngx_pnalloc(cc->pool, loc->len + uri.len + 64);
    if (cc->err->data) {
        cc->err->len = ngx_sprintf(cc->err->data,
                                   "%V/$ref: cannot resolve \"%V\"",
                                   loc, &uri)
                       - cc->err->data;
    }

    return NULL;
}


/* RFC 6901, in a URI fragment (RFC 3986 percent-encoding first) */

static json_t *
ngx_http_apisec_schema_pointer(json_t *doc, u_char *p, size_t len,
    ngx_log_t *log)
{
    u_char   *buf, *d, *s, *last, *end, c;
    size_t    index;

    buf = ngx_alloc(len + 1, log);
    if (buf == NULL) {
        return NULL;
    }

    d = buf;
    s = p;
    ngx_unescape_uri(&d, &s, len, 0);
    last = d;

    s = buf;

    while (doc && s < last) {
        if (*s != '/') {
            doc = NULL;
            break;
        }

        s++;

        /* unescape ~1 and ~0 of the token, in place */

        for (end = s, d = s; end < last && *end != '/'; end++) {
            c = *end;

            if (c == '~') {
                if (end + 1 < last && (end[1] == '0' || end[1] == '1')) {
                    c = (end[1] == '0') ? '~' : '/';
                    end++;

                } else {
                    doc = NULL;
                    break;
                }
            }

            *d++ = c;
        }

        if (doc == NULL) {
            break;
        }

        if (json_is_object(doc)) {
            doc = json_object_getn(doc, (char *) s, d - s);

        } else if (json_is_array(doc)) {
            if (d == s || d - s > 9 || (s[0] == '0' && d - s > 1)) {
                doc = NULL;
                break;
            }

            index = 0;

            for (c = 0; s + c < d; c++) {
                if (s[c] < '0' || s[c] > '9') {
                    break;
                }
                index = index * 10 + (s[c] - '0');
            }

            doc = (s + c == d) ? json_array_get(doc, index) : NULL;

        } else {
            doc = NULL;
        }

        s = end;
    }

    ngx_free(buf);

    return doc;
}
