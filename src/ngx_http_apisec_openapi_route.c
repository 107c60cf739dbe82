
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_openapi_compile.h"


/*
 * The OpenAPI router and the parameters' reading: pure logic, per request
 * (fuzz/openapi_load.c routes every path of the documents it compiles).
 */


static ngx_http_apisec_openapi_node_t *ngx_http_apisec_openapi_walk(
    ngx_http_apisec_openapi_node_t *node, ngx_str_t *segs, ngx_uint_t n,
    ngx_uint_t i, ngx_http_apisec_openapi_match_t *m, ngx_uint_t *visits);
static json_t *ngx_http_apisec_openapi_scalar(ngx_uint_t type, u_char *s,
    size_t len, ngx_uint_t decode, char **detail);


ngx_str_t  ngx_http_apisec_openapi_method_names[] = {
    ngx_string("GET"), ngx_string("PUT"), ngx_string("POST"),
    ngx_string("DELETE"), ngx_string("OPTIONS"), ngx_string("HEAD"),
    ngx_string("PATCH"), ngx_string("TRACE")
};


/* the literal children: an open-addressing table, a quarter full at most */

ngx_int_t
ngx_http_apisec_openapi_finalize(ngx_pool_t *pool,
    ngx_http_apisec_openapi_node_t *node)
{
    u_char                          *p;
    size_t                           len;
    ngx_uint_t                       i, size, k, m;
    ngx_http_apisec_openapi_lit_t   *lit;

    if (node->build) {
        for (size = 4; size < 4 * node->build->nelts; size <<= 1) {
            /* void */
        }

        node->keys = ngx_pcalloc(pool, size * sizeof(ngx_str_t));
        node->children = ngx_pcalloc(pool,
                                     size * sizeof(void *));
        if (node->keys == NULL || node->children == NULL) {
            return NGX_ERROR;
        }

        node->mask = size - 1;
        lit = node->build->elts;

        for (i = 0; i < node->build->nelts; i++) {
            k = ngx_hash_key(lit[i].key.data, lit[i].key.len) & node->mask;

            while (node->children[k]) {
                k = (k + 1) & node->mask;
            }

            node->keys[k] = lit[i].key;
            node->children[k] = lit[i].node;

            if (ngx_http_apisec_openapi_finalize(pool, lit[i].node) != NGX_OK) {
                return NGX_ERROR;
            }
        }

        node->build = NULL;
    }

    if (node->param
        && ngx_http_apisec_openapi_finalize(pool, node->param) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!node->path) {
        return NGX_OK;
    }

    /* Allow: the declared methods, and HEAD wherever GET is (RFC 9110) */

    len = 0;

    for (m = 0; m < NGX_HTTP_APISEC_OPENAPI_METHODS; m++) {
        if (node->ops[m]
            || (m == NGX_HTTP_APISEC_OPENAPI_HEAD
                && node->ops[NGX_HTTP_APISEC_OPENAPI_GET]))
        {
            len += ngx_http_apisec_openapi_method_names[m].len + 2;
        }
    }

    if (len == 0) {
        return NGX_OK;
    }

    node->allow.data = ngx_pnalloc(pool, len);
    if (node->allow.data == NULL) {
        return NGX_ERROR;
    }

    p = node->allow.data;

    for (m = 0; m < NGX_HTTP_APISEC_OPENAPI_METHODS; m++) {
        if (node->ops[m]
            || (m == NGX_HTTP_APISEC_OPENAPI_HEAD
                && node->ops[NGX_HTTP_APISEC_OPENAPI_GET]))
        {
            if (p != node->allow.data) {
                *p++ = ',';
                *p++ = ' ';
            }

            p = ngx_cpymem(p, ngx_http_apisec_openapi_method_names[m].data,
                           ngx_http_apisec_openapi_method_names[m].len);
        }
    }

    node->allow.len = p - node->allow.data;

    return NGX_OK;
}


/*
 * The router: the URI's segments down the trie, a literal segment before
 * the template (concrete paths win, as OpenAPI says), backtracking to the
 * template when the literal branch ends nowhere; at most MAX_VISITS nodes.
 * The URI is nginx's normalized r->uri (decoded, "." and ".." resolved,
 * so an encoded "/" is a "/" here).
 */

ngx_http_apisec_openapi_node_t *
ngx_http_apisec_openapi_route(ngx_http_apisec_openapi_t *oa, ngx_str_t *uri,
    ngx_http_apisec_openapi_match_t *m)
{
    u_char      *p, *last, *start;
    ngx_str_t    segs[NGX_HTTP_APISEC_OPENAPI_MAX_SEGMENTS];
    ngx_uint_t   n, visits;

    m->node = NULL;
    m->visits = 0;

    p = uri->data;
    last = p + uri->len;

    if (oa->base.len) {
        if (uri->len < oa->base.len
            || ngx_strncmp(p, oa->base.data, oa->base.len) != 0
            || (uri->len > oa->base.len && p[oa->base.len] != '/'))
        {
            return NULL;
        }

        p += oa->base.len;
    }

    if (p == last) {
        p = (u_char *) "/";
        last = p + 1;
    }

    if (*p != '/') {
        return NULL;
    }

    p++;
    n = 0;

    for ( ;; ) {
        if (n == NGX_HTTP_APISEC_OPENAPI_MAX_SEGMENTS) {
            return NULL;
        }

        start = p;

        while (p < last && *p != '/') {
            p++;
        }

        segs[n].data = start;
        segs[n].len = p - start;
        n++;

        if (p == last) {
            break;
        }

        p++;
    }

    m->ncaptures = 0;
    visits = 0;

    m->node = ngx_http_apisec_openapi_walk(oa->root, segs, n, 0, m, &visits);
    m->visits = visits;

    return m->node;
}


static ngx_http_apisec_openapi_node_t *
ngx_http_apisec_openapi_walk(ngx_http_apisec_openapi_node_t *node,
    ngx_str_t *segs, ngx_uint_t n, ngx_uint_t i,
    ngx_http_apisec_openapi_match_t *m, ngx_uint_t *visits)
{
    ngx_uint_t                       k;
    ngx_http_apisec_openapi_node_t  *found;

    if (++*visits > NGX_HTTP_APISEC_OPENAPI_MAX_VISITS) {
        return NULL;
    }

    if (i == n) {
        return node->path ? node : NULL;
    }

    if (node->mask) {
        k = ngx_hash_key(segs[i].data, segs[i].len) & node->mask;

        while (node->children[k]) {
            if (node->keys[k].len == segs[i].len
                && ngx_strncmp(node->keys[k].data, segs[i].data,
                               segs[i].len) == 0)
            {
                found = ngx_http_apisec_openapi_walk(node->children[k], segs,
                                                     n, i + 1, m, visits);
                if (found) {
                    return found;
                }

                break;
            }

            k = (k + 1) & node->mask;
        }
    }

    if (node->param && segs[i].len) {
        m->captures[m->ncaptures++] = segs[i];

        found = ngx_http_apisec_openapi_walk(node->param, segs, n, i + 1, m,
                                             visits);
        if (found) {
            return found;
        }

        m->ncaptures--;
    }

    return NULL;
}


ngx_int_t
ngx_http_apisec_openapi_method(ngx_str_t *name)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_APISEC_OPENAPI_METHODS; i++) {
        if (name->len == ngx_http_apisec_openapi_method_names[i].len
            && ngx_strncmp(name->data,
                           ngx_http_apisec_openapi_method_names[i].data,
                           name->len) == 0)
        {
            return i;
        }
    }

    return NGX_ERROR;
}


/*
 * A parameter's text (raw from the query or a cookie, decoded from the
 * path and headers) as the JSON value its schema's type says, split by
 * its style: "simple" and "form" a,b,c; "label" .a.b.c (.a,b,c);
 * spaceDelimited and pipeDelimited; an exploded form array is one text
 * an item.  Objects: k,v,k,v, or k=v,k=v exploded.
 */

json_t *
ngx_http_apisec_openapi_value(ngx_http_apisec_openapi_param_t *p,
    ngx_str_t *texts, ngx_uint_t n, char **detail)
{
    u_char      *s, *last, *item, *kv, *eq, sep;
    json_t      *v, *e;
    ngx_uint_t   i, decode, key;
    u_char       name[256];
    u_char       copy[NGX_HTTP_APISEC_OPENAPI_VALUE_MAX];

    decode = (p->in == NGX_HTTP_APISEC_OPENAPI_IN_QUERY
              || p->in == NGX_HTTP_APISEC_OPENAPI_IN_COOKIE);

    for (i = 0; i < n; i++) {
        if (texts[i].len > NGX_HTTP_APISEC_OPENAPI_VALUE_MAX) {
            *detail = "is longer than 4096 bytes";
            return NULL;
        }
    }

    if (p->type != NGX_HTTP_APISEC_OPENAPI_T_ARRAY && n > 1) {
        *detail = "is given more than once";
        return NULL;
    }

    /* a copy: the request's own bytes are never changed */

    s = ngx_cpymem(copy, texts[0].data, texts[0].len);
    last = s;
    s = copy;

    if (p->style == NGX_HTTP_APISEC_OPENAPI_LABEL) {
        if (s == last || *s != '.') {
            *detail = "does not start with \".\" (label style)";
            return NULL;
        }

        s++;
    }

    if (p->type != NGX_HTTP_APISEC_OPENAPI_T_ARRAY
        && p->type != NGX_HTTP_APISEC_OPENAPI_T_OBJECT)
    {
        if (s == last && !p->empty && p->in == NGX_HTTP_APISEC_OPENAPI_IN_QUERY
            && p->type != NGX_HTTP_APISEC_OPENAPI_T_STRING
            && p->type != NGX_HTTP_APISEC_OPENAPI_T_ANY)
        {
            *detail = "is empty";
            return NULL;
        }

        return ngx_http_apisec_openapi_scalar(p->type, s, last - s, decode,
                                              detail);
    }

    switch (p->style) {
    case NGX_HTTP_APISEC_OPENAPI_SPACE:
        sep = ' ';
        break;
    case NGX_HTTP_APISEC_OPENAPI_PIPE:
        sep = '|';
        break;
    case NGX_HTTP_APISEC_OPENAPI_LABEL:
        sep = p->explode ? '.' : ',';
        break;
    default:
        sep = ',';
    }

    if (p->type == NGX_HTTP_APISEC_OPENAPI_T_ARRAY) {
        v = json_array();
        if (v == NULL) {
            return NULL;
        }

        for (i = 0; i < n; i++) {
            if (i) {
                last = ngx_cpymem(copy, texts[i].data, texts[i].len);
                s = copy;
            }

            /* an exploded form array: one item a text */

            if (p->style == NGX_HTTP_APISEC_OPENAPI_FORM && p->explode) {
                e = ngx_http_apisec_openapi_scalar(p->item_type, s, last - s,
                                                   decode, detail);
                if (e == NULL || json_array_append_new(v, e) != 0) {
                    json_decref(v);
                    return NULL;
                }

                continue;
            }

            if (i) {
                *detail = "is given more than once";
                json_decref(v);
                return NULL;
            }

            if ((sep == ' ' || sep == '|') && decode) {
                /*
                 * "a%20b", "a+b", "1%7C2": decoded first, then split (an
                 * item cannot hold its delimiter), and not decoded again
                 */

                for (item = s; item < last; item++) {
                    if (*item == '+') {
                        *item = ' ';
                    }
                }

                item = s;
                eq = s;
                ngx_unescape_uri(&eq, &item, last - s, 0);
                last = eq;
                decode = 0;
            }

            while (s <= last && s != last + 1) {
                item = s;

                while (s < last && *s != sep) {
                    s++;
                }

                e = ngx_http_apisec_openapi_scalar(p->item_type, item,
                                                   s - item, decode, detail);
                if (e == NULL || json_array_append_new(v, e) != 0) {
                    json_decref(v);
                    return NULL;
                }

                if (s == last) {
                    break;
                }

                s++;
            }
        }

        return v;
    }

    /* an object: k,v,k,v or (exploded) k=v,k=v */

    v = json_object();
    if (v == NULL) {
        return NULL;
    }

    key = 1;
    kv = NULL;

    while (s < last) {
        item = s;

        while (s < last && *s != sep) {
            s++;
        }

        if (p->explode) {
            eq = ngx_strlchr(item, s, '=');

            if (eq == NULL || eq == item
                || (size_t) (eq - item) >= sizeof(name))
            {
                *detail = "is not an object (k=v,k=v)";
                json_decref(v);
                return NULL;
            }

            ngx_memcpy(name, item, eq - item);
            name[eq - item] = '\0';
            kv = eq + 1;

        } else if (key) {
            if (s == item || (size_t) (s - item) >= sizeof(name)) {
                *detail = "is not an object (k,v,k,v)";
                json_decref(v);
                return NULL;
            }

            ngx_memcpy(name, item, s - item);
            name[s - item] = '\0';
            key = 0;

            if (s < last) {
                s++;
                continue;
            }

            *detail = "is not an object (k,v,k,v)";
            json_decref(v);
            return NULL;

        } else {
            kv = item;
            key = 1;
        }

        e = ngx_http_apisec_openapi_scalar(NGX_HTTP_APISEC_OPENAPI_T_ANY, kv,
                                           s - kv, decode, detail);

        if (e == NULL || json_object_set_new(v, (char *) name, e) != 0) {
            json_decref(v);
            *detail = *detail ? *detail : "is not an object";
            return NULL;
        }

        if (s < last) {
            s++;
        }
    }

    return v;
}


/* one item: %XX and "+" decoded (query, cookie), then read as its type */

static json_t *
ngx_http_apisec_openapi_scalar(ngx_uint_t type, u_char *s, size_t len,
    ngx_uint_t decode, char **detail)
{
    u_char      *d, *src, *p, *last;
    double       f;
    int64_t      n;
    json_t      *v;
    ngx_uint_t   digits;
    u_char       buf[NGX_HTTP_APISEC_OPENAPI_VALUE_MAX + 1];

    if (len > NGX_HTTP_APISEC_OPENAPI_VALUE_MAX) {
        *detail = "is longer than 4096 bytes";
        return NULL;
    }

    if (decode) {
        /* s is the caller's copy */

        for (p = s; p < s + len; p++) {
            if (*p == '+') {
                *p = ' ';
            }
        }

        d = buf;
        src = s;
        ngx_unescape_uri(&d, &src, len, 0);
        len = d - buf;
        s = buf;

    } else {
        ngx_memcpy(buf, s, len);
        s = buf;
    }

    buf[len] = '\0';

    switch (type) {

    case NGX_HTTP_APISEC_OPENAPI_T_INTEGER:
        p = s;
        last = s + len;

        if (p < last && *p == '-') {
            p++;
        }

        if (p == last || last - p > 18) {
            *detail = "is not an integer";
            return NULL;
        }

        for (n = 0; p < last; p++) {
            if (*p < '0' || *p > '9') {
                *detail = "is not an integer";
                return NULL;
            }

            n = n * 10 + (*p - '0');
        }

        return json_integer(s[0] == '-' ? -n : n);

    case NGX_HTTP_APISEC_OPENAPI_T_NUMBER:
        p = s;
        last = s + len;
        digits = 0;

        if (p < last && *p == '-') {
            p++;
        }

        while (p < last && *p >= '0' && *p <= '9') {
            p++;
            digits++;
        }

        if (p < last && *p == '.') {
            for (p++; p < last && *p >= '0' && *p <= '9'; p++) {
                digits++;
            }
        }

        if (digits && p < last && (*p == 'e' || *p == 'E')) {
            p++;

            if (p < last && (*p == '-' || *p == '+')) {
                p++;
            }

            if (p == last) {
                digits = 0;
            }

            while (p < last && *p >= '0' && *p <= '9') {
                p++;
            }
        }

        if (digits == 0 || p != last) {
            *detail = "is not a number";
            return NULL;
        }

        f = strtod((char *) s, NULL);

        if (f != f || f > 1.7976931348623157e308
            || f < -1.7976931348623157e308)
        {
            *detail = "is not a finite number";
            return NULL;
        }

        return json_real(f);

    case NGX_HTTP_APISEC_OPENAPI_T_BOOLEAN:
        if (len == 4 && ngx_strncmp(s, "true", 4) == 0) {
            return json_true();
        }

        if (len == 5 && ngx_strncmp(s, "false", 5) == 0) {
            return json_false();
        }

        *detail = "is not a boolean (true, false)";
        return NULL;

    default:
        v = json_stringn((char *) s, len);

        if (v == NULL) {
            *detail = "is not UTF-8 text";
        }

        return v;
    }
}
