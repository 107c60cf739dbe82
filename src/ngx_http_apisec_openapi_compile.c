
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_openapi_compile.h"


/*
 * An OpenAPI 3.0 / 3.1 document compiled once at configuration time: the
 * paths into a segment trie (a hash of literal segments per node, one
 * template child), each operation's parameters, media types and security
 * requirements.  Pure logic: fuzz/openapi_load.c compiles arbitrary bytes.
 * The "$ref"s are followed by _openapi_ref.c, the trie's tables made and
 * walked by _openapi_route.c.
 */


static ngx_int_t ngx_http_apisec_openapi_servers(ngx_http_apisec_oac_t *c);
static ngx_int_t ngx_http_apisec_openapi_path(ngx_http_apisec_oac_t *c,
    const char *tmpl, json_t *item);
static ngx_http_apisec_openapi_op_t *ngx_http_apisec_openapi_op(
    ngx_http_apisec_oac_t *c, ngx_str_t *tmpl, ngx_str_t *names,
    ngx_uint_t nnames, json_t *item, json_t *item_root, ngx_str_t *item_file,
    const char *method, json_t *op, ngx_str_t *ptr);
static ngx_int_t ngx_http_apisec_openapi_param(ngx_http_apisec_oac_t *c,
    json_t *pv, json_t *root, ngx_str_t *rfile, ngx_str_t *ptr,
    ngx_http_apisec_openapi_param_t *p);
static ngx_uint_t ngx_http_apisec_openapi_type(ngx_http_apisec_oac_t *c,
    json_t *schema, json_t **root, ngx_str_t *rfile, ngx_str_t *ptr);
static ngx_int_t ngx_http_apisec_openapi_body(ngx_http_apisec_oac_t *c,
    json_t *rb, json_t *root, ngx_str_t *rfile, ngx_str_t *ptr,
    ngx_http_apisec_openapi_op_t *op);
static ngx_int_t ngx_http_apisec_openapi_security(ngx_http_apisec_oac_t *c,
    json_t *sec, ngx_str_t *ptr, ngx_http_apisec_openapi_op_t *op);
static ngx_int_t ngx_http_apisec_openapi_schema(ngx_http_apisec_oac_t *c,
    json_t *schema, json_t *root, ngx_str_t *rfile, ngx_str_t *ptr,
    ngx_http_apisec_schema_t **out);
static void ngx_http_apisec_openapi_cleanup(void *data);


static const char  *ngx_http_apisec_openapi_methods[] = {
    "get", "put", "post", "delete", "options", "head", "patch", "trace"
};


ngx_http_apisec_openapi_t *
ngx_http_apisec_openapi_compile(ngx_pool_t *pool, ngx_log_t *log,
    json_t *doc, ngx_str_t *file, ngx_str_t *dir, ngx_str_t *err)
{
    json_t                 *v, *paths, *comp;
    ngx_str_t               root_ptr;
    const char             *key, *ver;
    ngx_pool_cleanup_t     *cln;
    ngx_http_apisec_oac_t   c;

    ngx_memzero(&c, sizeof(ngx_http_apisec_oac_t));

    /* what an allocation failure says; every other failure says why */

    ngx_str_set(err, "out of memory");

    c.pool = pool;
    c.log = log;
    c.err = err;
    c.dir = *dir;
    c.file = *file;
    c.doc = doc;

    ngx_str_null(&root_ptr);

    if (ngx_array_init(&c.files, pool, 4,
                       sizeof(ngx_http_apisec_openapi_file_t))
        != NGX_OK
        || ngx_array_init(&c.schemas, pool, 16,
                          sizeof(ngx_http_apisec_openapi_compiled_t))
           != NGX_OK)
    {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_apisec_openapi_cleanup;
    cln->data = ngx_palloc(pool, sizeof(ngx_array_t));
    if (cln->data == NULL) {
        cln->handler = NULL;
        return NULL;
    }

    if (!json_is_object(doc)) {
        cln->handler = NULL;
        ngx_http_apisec_openapi_fail(&c, &root_ptr, "not an object");
        return NULL;
    }

    c.oa = ngx_pcalloc(pool, sizeof(ngx_http_apisec_openapi_t));
    if (c.oa == NULL) {
        cln->handler = NULL;
        return NULL;
    }

    c.oa->file = *file;

    c.oa->root = ngx_pcalloc(pool, sizeof(ngx_http_apisec_openapi_node_t));
    if (c.oa->root == NULL) {
        cln->handler = NULL;
        return NULL;
    }

    /* the files read for $refs are freed with the pool */

    *(ngx_array_t *) cln->data = c.files;

    v = json_object_get(doc, "openapi");
    ver = json_string_value(v);

    if (ver && ngx_strncmp(ver, "3.0.", 4) == 0) {
        c.dialect = NGX_HTTP_APISEC_SCHEMA_OAS30;

    } else if (ver && ngx_strncmp(ver, "3.1.", 4) == 0) {
        c.dialect = NGX_HTTP_APISEC_SCHEMA_2020_12;

    } else {
        ngx_http_apisec_openapi_fail(&c, &root_ptr, "/openapi: unsupported "
                                     "version (3.0.x and 3.1.x are)");
        goto failed;
    }

    comp = json_object_get(doc, "components");
    c.schemes = comp ? json_object_get(comp, "securitySchemes") : NULL;
    c.security = json_object_get(doc, "security");

    if (ngx_http_apisec_openapi_servers(&c) != NGX_OK) {
        goto failed;
    }

    paths = json_object_get(doc, "paths");

    if (!json_is_object(paths) || json_object_size(paths) == 0) {
        ngx_http_apisec_openapi_fail(&c, &root_ptr, "/paths: no paths");
        goto failed;
    }

    json_object_foreach(paths, key, v) {
        if (ngx_http_apisec_openapi_path(&c, key, v) != NGX_OK) {
            goto failed;
        }
    }

    if (ngx_http_apisec_openapi_finalize(c.pool, c.oa->root) != NGX_OK) {
        goto failed;
    }

    *(ngx_array_t *) cln->data = c.files;

    return c.oa;

failed:

    *(ngx_array_t *) cln->data = c.files;

    return NULL;
}


static void
ngx_http_apisec_openapi_cleanup(void *data)
{
    ngx_array_t  *files = data;

    ngx_uint_t                       i;
    ngx_http_apisec_openapi_file_t  *f;

    f = files->elts;

    for (i = 0; i < files->nelts; i++) {
        json_decref(f[i].doc);
    }
}


/*
 * The base path: the first server's URL's path ("https://h/v1" and "/v1"
 * are "/v1"); the request's URI must start with it, and the rest is
 * matched against "paths".  No servers: "/".  Server variables are not
 * supported.
 */

static ngx_int_t
ngx_http_apisec_openapi_servers(ngx_http_apisec_oac_t *c)
{
    u_char      *p, *last;
    json_t      *servers, *url;
    ngx_str_t    ptr;
    const char  *s;

    ngx_str_set(&ptr, "/servers/0/url");

    servers = json_object_get(c->doc, "servers");

    if (servers == NULL || json_array_size(servers) == 0) {
        return NGX_OK;
    }

    url = json_object_get(json_array_get(servers, 0), "url");
    s = json_string_value(url);

    if (s == NULL) {
        ngx_http_apisec_openapi_fail(c, &ptr, "not a string");
        return NGX_ERROR;
    }

    p = (u_char *) s;
    last = p + json_string_length(url);

    if (ngx_strlchr(p, last, '{')) {
        ngx_http_apisec_openapi_fail(c, &ptr, "server variables are not "
                                     "supported");
        return NGX_ERROR;
    }

    if (last - p > 2 && p[0] == '/' && p[1] == '/') {
        p = ngx_strlchr(p + 2, last, '/');

    } else if (ngx_strlchr(p, last, ':')) {
        p = ngx_strlchr(p, last, ':');

        if (last - p < 3 || p[1] != '/' || p[2] != '/') {
            ngx_http_apisec_openapi_fail(c, &ptr, "not a URL");
            return NGX_ERROR;
        }

        p = ngx_strlchr(p + 3, last, '/');

    } else if (p < last && *p != '/') {
        ngx_http_apisec_openapi_fail(c, &ptr, "a relative URL that does "
                                     "not start with \"/\"");
        return NGX_ERROR;
    }

    if (p == NULL) {
        return NGX_OK;
    }

    if (ngx_strlchr(p, last, '?') || ngx_strlchr(p, last, '#')
        || ngx_strlchr(p, last, '%'))
    {
        ngx_http_apisec_openapi_fail(c, &ptr, "a path with \"?\", \"#\" or "
                                     "\"%%\"");
        return NGX_ERROR;
    }

    while (last > p && last[-1] == '/') {
        last--;
    }

    c->oa->base.data = p;
    c->oa->base.len = last - p;

    return NGX_OK;
}


/*
 * "/pets/{petId}/toys": segments between "/"; a segment is literal text
 * or exactly one "{name}" (text around a template in one segment is
 * refused); "." and ".." never reach it in a normalized URI.
 */

static ngx_int_t
ngx_http_apisec_openapi_path(ngx_http_apisec_oac_t *c, const char *tmpl,
    json_t *item)
{
    u_char                          *p, *last, *start;
    json_t                          *root, *ov;
    ngx_str_t                        ptr, optr, t, rfile, seg;
    const char                      *method;
    ngx_str_t     names[NGX_HTTP_APISEC_OPENAPI_MAX_SEGMENTS];
    ngx_uint_t                       i, j, n, nnames;
    ngx_http_apisec_openapi_lit_t   *lit;
    ngx_http_apisec_openapi_node_t  *node, *child;

    t.data = (u_char *) tmpl;
    t.len = ngx_strlen(tmpl);

    ngx_str_set(&ptr, "/paths");
    ptr = ngx_http_apisec_openapi_ptr(c, &ptr, tmpl, t.len);
    if (ptr.data == NULL) {
        return NGX_ERROR;
    }

    if (t.len == 0 || t.data[0] != '/') {
        ngx_http_apisec_openapi_fail(c, &ptr, "a path template must start "
                                     "with \"/\"");
        return NGX_ERROR;
    }

    if (ngx_strlchr(t.data, t.data + t.len, '?')
        || ngx_strlchr(t.data, t.data + t.len, '#')
        || ngx_strlchr(t.data, t.data + t.len, '%'))
    {
        ngx_http_apisec_openapi_fail(c, &ptr, "a path template with \"?\", "
                                     "\"#\" or \"%%\"");
        return NGX_ERROR;
    }

    node = c->oa->root;
    nnames = 0;
    n = 0;

    p = t.data + 1;
    last = t.data + t.len;

    for ( ;; ) {
        start = p;

        while (p < last && *p != '/') {
            p++;
        }

        seg.data = start;
        seg.len = p - start;

        if (++n > NGX_HTTP_APISEC_OPENAPI_MAX_SEGMENTS) {
            ngx_http_apisec_openapi_fail(c, &ptr, "more than %d segments",
                                         NGX_HTTP_APISEC_OPENAPI_MAX_SEGMENTS);
            return NGX_ERROR;
        }

        if ((seg.len == 1 && seg.data[0] == '.')
            || (seg.len == 2 && seg.data[0] == '.' && seg.data[1] == '.'))
        {
            ngx_http_apisec_openapi_fail(c, &ptr, "a \".\" or \"..\" "
                                         "segment");
            return NGX_ERROR;
        }

        if (seg.len && seg.data[0] == '{') {
            if (seg.len < 3 || seg.data[seg.len - 1] != '}'
                || ngx_strlchr(seg.data + 1, seg.data + seg.len - 1, '{')
                || ngx_strlchr(seg.data + 1, seg.data + seg.len - 1, '}'))
            {
                ngx_http_apisec_openapi_fail(c, &ptr, "a bad template "
                                             "segment (one \"{name}\" a "
                                             "segment, nothing around it)");
                return NGX_ERROR;
            }

            names[nnames].data = seg.data + 1;
            names[nnames].len = seg.len - 2;

            for (j = 0; j < nnames; j++) {
                if (names[j].len == names[nnames].len
                    && ngx_strncmp(names[j].data, names[nnames].data,
                                   names[j].len) == 0)
                {
                    ngx_http_apisec_openapi_fail(c, &ptr, "a template name "
                                                 "twice");
                    return NGX_ERROR;
                }
            }

            nnames++;

            if (node->param == NULL) {
                node->param = ngx_pcalloc(c->pool,
                                     sizeof(ngx_http_apisec_openapi_node_t));
                if (node->param == NULL) {
                    return NGX_ERROR;
                }
            }

            node = node->param;

        } else {
            if (ngx_strlchr(seg.data, seg.data + seg.len, '{')
                || ngx_strlchr(seg.data, seg.data + seg.len, '}'))
            {
                ngx_http_apisec_openapi_fail(c, &ptr, "a bad template "
                                             "segment (one \"{name}\" a "
                                             "segment, nothing around it)");
                return NGX_ERROR;
            }

            if (node->build == NULL) {
                node->build = ngx_array_create(c->pool, 4,
                                      sizeof(ngx_http_apisec_openapi_lit_t));
                if (node->build == NULL) {
                    return NGX_ERROR;
                }
            }

            lit = node->build->elts;
            child = NULL;

            for (i = 0; i < node->build->nelts; i++) {
                if (lit[i].key.len == seg.len
                    && ngx_strncmp(lit[i].key.data, seg.data, seg.len) == 0)
                {
                    child = lit[i].node;
                    break;
                }
            }

            if (child == NULL) {
                lit = ngx_array_push(node->build);
                if (lit == NULL) {
                    return NGX_ERROR;
                }

                child = ngx_pcalloc(c->pool,
                                    sizeof(ngx_http_apisec_openapi_node_t));
                if (child == NULL) {
                    return NGX_ERROR;
                }

                lit->key = seg;
                lit->node = child;
            }

            node = child;
        }

        if (p == last) {
            break;
        }

        p++;
    }

    if (node->path) {
        ngx_http_apisec_openapi_fail(c, &ptr, "the same path as another "
                                     "template (only the names differ)");
        return NGX_ERROR;
    }

    node->path = 1;
    c->oa->npaths++;

    root = c->doc;
    rfile = c->file;

    item = ngx_http_apisec_openapi_deref(c, item, &root, &rfile, &ptr);
    if (item == NULL) {
        return NGX_ERROR;
    }

    if (!json_is_object(item)) {
        ngx_http_apisec_openapi_fail(c, &ptr, "not a path item object");
        return NGX_ERROR;
    }

    for (i = 0; i < NGX_HTTP_APISEC_OPENAPI_METHODS; i++) {
        ov = json_object_get(item, ngx_http_apisec_openapi_methods[i]);
        if (ov == NULL) {
            continue;
        }

        method = ngx_http_apisec_openapi_methods[i];

        optr = ngx_http_apisec_openapi_ptr(c, &ptr, method,
                                           ngx_strlen(method));
        if (optr.data == NULL) {
            return NGX_ERROR;
        }

        method = (char *) ngx_http_apisec_openapi_method_names[i].data;

        node->ops[i] = ngx_http_apisec_openapi_op(c, &t, names, nnames, item,
                                                  root, &rfile, method, ov,
                                                  &optr);
        if (node->ops[i] == NULL) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_http_apisec_openapi_op_t *
ngx_http_apisec_openapi_op(ngx_http_apisec_oac_t *c, ngx_str_t *tmpl,
    ngx_str_t *names, ngx_uint_t nnames, json_t *item, json_t *item_root,
    ngx_str_t *item_file, const char *method, json_t *ov, ngx_str_t *ptr)
{
    u_char                           *p;
    json_t                           *lists[2], *pv, *root, *rb, *sec;
    size_t                            k;
    ngx_str_t                         lptr, pptr, rfile, oroot_file;
    ngx_uint_t                        i, j, l, n, first;
    ngx_http_apisec_openapi_op_t     *op;
    ngx_http_apisec_openapi_param_t  *params, param;

    static const char  *list_names[] = { "parameters", "parameters" };

    root = item_root;
    oroot_file = *item_file;
    rfile = oroot_file;

    ov = ngx_http_apisec_openapi_deref(c, ov, &root, &rfile, ptr);
    if (ov == NULL) {
        return NULL;
    }

    if (!json_is_object(ov)) {
        ngx_http_apisec_openapi_fail(c, ptr, "not an operation object");
        return NULL;
    }

    op = ngx_pcalloc(c->pool, sizeof(ngx_http_apisec_openapi_op_t));
    if (op == NULL) {
        return NULL;
    }

    op->text.len = ngx_strlen(method) + 1 + tmpl->len;
    op->text.data = ngx_pnalloc(c->pool, op->text.len);
    if (op->text.data == NULL) {
        return NULL;
    }

    p = ngx_cpymem(op->text.data, method, ngx_strlen(method));
    *p++ = ' ';
    ngx_memcpy(p, tmpl->data, tmpl->len);

    /* the path item's parameters, then the operation's (which win) */

    lists[0] = json_object_get(item, "parameters");
    lists[1] = json_object_get(ov, "parameters");

    n = json_array_size(lists[0]) + json_array_size(lists[1]);

    params = ngx_pcalloc(c->pool,
                         (n + 1) * sizeof(ngx_http_apisec_openapi_param_t));
    if (params == NULL) {
        return NULL;
    }

    first = 0;

    for (l = 0; l < 2; l++) {
        if (lists[l] == NULL) {
            continue;
        }

        /* the path item's list is the operation's sibling */

        lptr = *ptr;

        if (l == 0) {
            while (lptr.len && lptr.data[lptr.len - 1] != '/') {
                lptr.len--;
            }

            lptr.len -= (lptr.len != 0);
        }

        lptr = ngx_http_apisec_openapi_ptr(c, &lptr, list_names[l], 10);
        if (lptr.data == NULL) {
            return NULL;
        }

        if (!json_is_array(lists[l])) {
            ngx_http_apisec_openapi_fail(c, &lptr, "not an array");
            return NULL;
        }

        json_array_foreach(lists[l], k, pv) {
            u_char  idx[NGX_INT_T_LEN];

            pptr = ngx_http_apisec_openapi_ptr(c, &lptr, (char *) idx,
                                     ngx_sprintf(idx, "%uz", k) - idx);
            if (pptr.data == NULL) {
                return NULL;
            }

            ngx_memzero(&param, sizeof(ngx_http_apisec_openapi_param_t));

            if (ngx_http_apisec_openapi_param(c, pv, l ? root : item_root,
                                              l ? &rfile : item_file, &pptr,
                                              &param)
                != NGX_OK)
            {
                return NULL;
            }

            if (param.name.len == 0) {
                continue;       /* Accept, Content-Type, Authorization */
            }

            /* (name, in) is unique in a list; the operation's override */

            for (i = 0; i < op->nparams; i++) {
                if (params[i].in == param.in
                    && params[i].name.len == param.name.len
                    && (param.in == NGX_HTTP_APISEC_OPENAPI_IN_HEADER
                        ? ngx_strncasecmp(params[i].name.data,
                                          param.name.data, param.name.len)
                        : ngx_strncmp(params[i].name.data, param.name.data,
                                      param.name.len)) == 0)
                {
                    break;
                }
            }

            if (i < op->nparams && i >= first) {
                ngx_http_apisec_openapi_fail(c, &pptr, "parameter \"%V\" "
                                             "twice in one list",
                                             &param.name);
                return NULL;
            }

            params[i] = param;

            if (i == op->nparams) {
                op->nparams++;
            }
        }

        first = op->nparams;
    }

    /* every template has its required path parameter, and no other */

    for (i = 0; i < op->nparams; i++) {
        if (params[i].in != NGX_HTTP_APISEC_OPENAPI_IN_PATH) {
            continue;
        }

        for (j = 0; j < nnames; j++) {
            if (names[j].len == params[i].name.len
                && ngx_strncmp(names[j].data, params[i].name.data,
                               names[j].len) == 0)
            {
                break;
            }
        }

        if (j == nnames) {
            ngx_http_apisec_openapi_fail(c, ptr, "path parameter \"%V\" is "
                                         "not in the template",
                                         &params[i].name);
            return NULL;
        }

        params[i].capture = j;
    }

    for (j = 0; j < nnames; j++) {
        for (i = 0; i < op->nparams; i++) {
            if (params[i].in == NGX_HTTP_APISEC_OPENAPI_IN_PATH
                && params[i].capture == j)
            {
                break;
            }
        }

        if (i == op->nparams) {
            ngx_http_apisec_openapi_fail(c, ptr, "the template \"{%V}\" has "
                                         "no path parameter", &names[j]);
            return NULL;
        }
    }

    op->params = params;

    rb = json_object_get(ov, "requestBody");

    if (rb) {
        pptr = ngx_http_apisec_openapi_ptr(c, ptr, "requestBody", 11);
        if (pptr.data == NULL) {
            return NULL;
        }

        if (ngx_http_apisec_openapi_body(c, rb, root, &rfile, &pptr, op)
            != NGX_OK)
        {
            return NULL;
        }
    }

    sec = json_object_get(ov, "security");

    if (sec) {
        pptr = ngx_http_apisec_openapi_ptr(c, ptr, "security", 8);

    } else {
        sec = c->security;
        ngx_str_set(&pptr, "/security");
    }

    if (pptr.data == NULL) {
        return NULL;
    }

    if (sec && ngx_http_apisec_openapi_security(c, sec, &pptr, op) != NGX_OK)
    {
        return NULL;
    }

    return op;
}


static ngx_int_t
ngx_http_apisec_openapi_param(ngx_http_apisec_oac_t *c, json_t *pv,
    json_t *root, ngx_str_t *rfile, ngx_str_t *ptr,
    ngx_http_apisec_openapi_param_t *p)
{
    json_t      *v, *schema, *sroot, *items;
    ngx_str_t    sptr, sfile;
    const char  *in, *style, *name;

    static const char  *ins[] = { "path", "query", "header", "cookie", NULL };
    static const char  *styles[] = {
        "simple", "label", "form", "spaceDelimited", "pipeDelimited", NULL
    };

    pv = ngx_http_apisec_openapi_deref(c, pv, &root, rfile, ptr);
    if (pv == NULL) {
        return NGX_ERROR;
    }

    name = json_string_value(json_object_get(pv, "name"));
    in = json_string_value(json_object_get(pv, "in"));

    if (name == NULL || name[0] == '\0' || in == NULL) {
        ngx_http_apisec_openapi_fail(c, ptr, "a parameter needs \"name\" "
                                     "and \"in\"");
        return NGX_ERROR;
    }

    for (p->in = 0; ins[p->in]; p->in++) {
        if (ngx_strcmp(in, ins[p->in]) == 0) {
            break;
        }
    }

    if (ins[p->in] == NULL) {
        ngx_http_apisec_openapi_fail(c, ptr, "unknown \"in\" \"%s\"", in);
        return NGX_ERROR;
    }

    if (p->in == NGX_HTTP_APISEC_OPENAPI_IN_HEADER
        && (ngx_strcasecmp((u_char *) name, (u_char *) "Accept") == 0
            || ngx_strcasecmp((u_char *) name, (u_char *) "Content-Type") == 0
            || ngx_strcasecmp((u_char *) name, (u_char *) "Authorization")
               == 0))
    {
        return NGX_OK;          /* ignored, as OpenAPI says */
    }

    p->name.len = ngx_strlen(name);
    p->name.data = ngx_pstrdup(c->pool, &(ngx_str_t) { p->name.len,
                                                        (u_char *) name });
    if (p->name.data == NULL) {
        return NGX_ERROR;
    }

    v = json_object_get(pv, "required");
    p->required = json_is_true(v);

    if (p->in == NGX_HTTP_APISEC_OPENAPI_IN_PATH && !p->required) {
        ngx_http_apisec_openapi_fail(c, ptr, "a path parameter must be "
                                     "\"required\": true");
        return NGX_ERROR;
    }

    p->empty = json_is_true(json_object_get(pv, "allowEmptyValue"));

    v = json_object_get(pv, "style");

    if (v) {
        style = json_string_value(v);

        if (style == NULL) {
            ngx_http_apisec_openapi_fail(c, ptr, "\"style\" is not a string");
            return NGX_ERROR;
        }

        for (p->style = 0; styles[p->style]; p->style++) {
            if (ngx_strcmp(style, styles[p->style]) == 0) {
                break;
            }
        }

        if (styles[p->style] == NULL) {
            ngx_http_apisec_openapi_fail(c, ptr, "style \"%s\" is unknown or "
                                         "not supported (simple, label, "
                                         "form, spaceDelimited, "
                                         "pipeDelimited are)", style);
            return NGX_ERROR;
        }

        if ((p->in == NGX_HTTP_APISEC_OPENAPI_IN_PATH
             && p->style != NGX_HTTP_APISEC_OPENAPI_SIMPLE
             && p->style != NGX_HTTP_APISEC_OPENAPI_LABEL)
            || (p->in == NGX_HTTP_APISEC_OPENAPI_IN_QUERY
                && p->style < NGX_HTTP_APISEC_OPENAPI_FORM)
            || (p->in == NGX_HTTP_APISEC_OPENAPI_IN_HEADER
                && p->style != NGX_HTTP_APISEC_OPENAPI_SIMPLE)
            || (p->in == NGX_HTTP_APISEC_OPENAPI_IN_COOKIE
                && p->style != NGX_HTTP_APISEC_OPENAPI_FORM))
        {
            ngx_http_apisec_openapi_fail(c, ptr, "style \"%s\" is not one "
                                         "for a parameter in %s", style, in);
            return NGX_ERROR;
        }

    } else {
        p->style = (p->in == NGX_HTTP_APISEC_OPENAPI_IN_QUERY
                    || p->in == NGX_HTTP_APISEC_OPENAPI_IN_COOKIE)
                   ? NGX_HTTP_APISEC_OPENAPI_FORM
                   : NGX_HTTP_APISEC_OPENAPI_SIMPLE;
    }

    v = json_object_get(pv, "explode");
    p->explode = v ? json_is_true(v)
                   : (p->style == NGX_HTTP_APISEC_OPENAPI_FORM);

    if (json_object_get(pv, "content")) {
        ngx_http_apisec_openapi_fail(c, ptr, "parameters with \"content\" "
                                     "are not supported (use \"schema\")");
        return NGX_ERROR;
    }

    schema = json_object_get(pv, "schema");

    if (schema == NULL) {
        p->type = NGX_HTTP_APISEC_OPENAPI_T_STRING;
        return NGX_OK;
    }

    sptr = ngx_http_apisec_openapi_ptr(c, ptr, "schema", 6);
    if (sptr.data == NULL) {
        return NGX_ERROR;
    }

    sroot = root;
    sfile = *rfile;

    p->type = ngx_http_apisec_openapi_type(c, schema, &sroot, &sfile, &sptr);
    if (p->type == (ngx_uint_t) NGX_ERROR) {
        return NGX_ERROR;
    }

    if (p->type == NGX_HTTP_APISEC_OPENAPI_T_ARRAY) {
        items = json_object_get(ngx_http_apisec_openapi_deref(c, schema,
                                                  &sroot, &sfile, &sptr),
                                "items");
        p->item_type = items
                       ? ngx_http_apisec_openapi_type(c, items, &sroot, &sfile,
                                                      &sptr)
                       : NGX_HTTP_APISEC_OPENAPI_T_ANY;

        if (p->item_type == (ngx_uint_t) NGX_ERROR) {
            return NGX_ERROR;
        }

        if (p->item_type >= NGX_HTTP_APISEC_OPENAPI_T_ARRAY) {
            ngx_http_apisec_openapi_fail(c, &sptr, "arrays of arrays or "
                                         "objects are not supported in a "
                                         "parameter");
            return NGX_ERROR;
        }

    } else if (p->type == NGX_HTTP_APISEC_OPENAPI_T_OBJECT) {
        sroot = root;
        sfile = *rfile;
        p->properties = json_object_get(ngx_http_apisec_openapi_deref(c,
                                            schema, &sroot, &sfile, &sptr),
                                        "properties");

        if (p->style == NGX_HTTP_APISEC_OPENAPI_SPACE
            || p->style == NGX_HTTP_APISEC_OPENAPI_PIPE)
        {
            ngx_http_apisec_openapi_fail(c, ptr, "spaceDelimited and "
                                         "pipeDelimited objects are not "
                                         "supported");
            return NGX_ERROR;
        }

        if (p->style == NGX_HTTP_APISEC_OPENAPI_FORM && p->explode
            && !json_is_object(p->properties))
        {
            ngx_http_apisec_openapi_fail(c, ptr, "an exploded form object "
                                         "needs \"properties\"");
            return NGX_ERROR;
        }

    } else if (p->style == NGX_HTTP_APISEC_OPENAPI_SPACE
               || p->style == NGX_HTTP_APISEC_OPENAPI_PIPE)
    {
        ngx_http_apisec_openapi_fail(c, ptr, "spaceDelimited and "
                                     "pipeDelimited are for arrays");
        return NGX_ERROR;
    }

    return ngx_http_apisec_openapi_schema(c, schema, root, rfile, &sptr,
                                          &p->schema);
}


/* what a parameter's text is read as: its schema's one "type" */

static ngx_uint_t
ngx_http_apisec_openapi_type(ngx_http_apisec_oac_t *c, json_t *schema,
    json_t **root, ngx_str_t *rfile, ngx_str_t *ptr)
{
    json_t      *t, *e;
    size_t       i;
    ngx_uint_t   n;
    const char  *name, *one;

    static const char  *types[] = {
        "", "string", "integer", "number", "boolean", "array", "object", NULL
    };

    schema = ngx_http_apisec_openapi_deref(c, schema, root, rfile, ptr);
    if (schema == NULL) {
        return (ngx_uint_t) NGX_ERROR;
    }

    if (json_is_true(schema) || json_is_false(schema)) {
        return NGX_HTTP_APISEC_OPENAPI_T_ANY;
    }

    if (!json_is_object(schema)) {
        ngx_http_apisec_openapi_fail(c, ptr, "not a schema");
        return (ngx_uint_t) NGX_ERROR;
    }

    t = json_object_get(schema, "type");
    one = json_string_value(t);

    if (json_is_array(t)) {
        /* 3.1: ["integer", "null"] is read as an integer */

        n = 0;

        json_array_foreach(t, i, e) {
            name = json_string_value(e);

            if (name && ngx_strcmp(name, "null") != 0) {
                one = name;
                n++;
            }
        }

        if (n != 1) {
            one = NULL;
        }
    }

    if (one == NULL) {
        return NGX_HTTP_APISEC_OPENAPI_T_ANY;
    }

    for (n = 1; types[n]; n++) {
        if (ngx_strcmp(one, types[n]) == 0) {
            return n;
        }
    }

    return NGX_HTTP_APISEC_OPENAPI_T_ANY;
}


static ngx_int_t
ngx_http_apisec_openapi_body(ngx_http_apisec_oac_t *c, json_t *rb,
    json_t *root, ngx_str_t *rfile, ngx_str_t *ptr,
    ngx_http_apisec_openapi_op_t *op)
{
    u_char                           *s, *slash, *semi, *last;
    json_t                           *content, *mv, *schema;
    ngx_str_t                         cptr, mptr;
    ngx_uint_t                        n;
    const char                       *key;
    ngx_http_apisec_openapi_media_t  *m;

    rb = ngx_http_apisec_openapi_deref(c, rb, &root, rfile, ptr);
    if (rb == NULL) {
        return NGX_ERROR;
    }

    content = json_object_get(rb, "content");

    if (!json_is_object(content) || json_object_size(content) == 0) {
        ngx_http_apisec_openapi_fail(c, ptr, "a requestBody needs "
                                     "\"content\"");
        return NGX_ERROR;
    }

    cptr = ngx_http_apisec_openapi_ptr(c, ptr, "content", 7);
    if (cptr.data == NULL) {
        return NGX_ERROR;
    }

    op->body = 1;
    op->body_required = json_is_true(json_object_get(rb, "required"));

    op->media = ngx_pcalloc(c->pool, json_object_size(content)
                                 * sizeof(ngx_http_apisec_openapi_media_t));
    if (op->media == NULL) {
        return NGX_ERROR;
    }

    n = 0;

    json_object_foreach(content, key, mv) {
        m = &op->media[n++];

        mptr = ngx_http_apisec_openapi_ptr(c, &cptr, key, ngx_strlen(key));
        if (mptr.data == NULL) {
            return NGX_ERROR;
        }

        s = (u_char *) key;
        last = s + ngx_strlen(key);

        semi = ngx_strlchr(s, last, ';');
        if (semi) {
            last = semi;
        }

        while (last > s && last[-1] == ' ') {
            last--;
        }

        slash = ngx_strlchr(s, last, '/');

        if (slash == NULL || slash == s || slash + 1 == last
            || ngx_strlchr(slash + 1, last, '/'))
        {
            ngx_http_apisec_openapi_fail(c, &mptr, "not a media type "
                                         "(type/subtype)");
            return NGX_ERROR;
        }

        m->type.data = s;
        m->type.len = slash - s;
        m->subtype.data = slash + 1;
        m->subtype.len = last - slash - 1;

        if (m->type.len == 1 && m->type.data[0] == '*'
            && !(m->subtype.len == 1 && m->subtype.data[0] == '*'))
        {
            ngx_http_apisec_openapi_fail(c, &mptr, "\"*/subtype\" is not a "
                                         "media range");
            return NGX_ERROR;
        }

        /* application/json and application/x+json: the body step's JSON */

        m->json = m->type.len == 11
                  && ngx_strncasecmp(m->type.data, (u_char *) "application",
                                     11) == 0
                  && ((m->subtype.len == 4
                       && ngx_strncasecmp(m->subtype.data, (u_char *) "json",
                                          4) == 0)
                      || (m->subtype.len > 5
                          && ngx_strncasecmp(last - 5, (u_char *) "+json", 5)
                             == 0));

        schema = json_object_get(mv, "schema");

        if (m->json && schema) {
            mptr = ngx_http_apisec_openapi_ptr(c, &mptr, "schema", 6);
            if (mptr.data == NULL) {
                return NGX_ERROR;
            }

            if (ngx_http_apisec_openapi_schema(c, schema, root, rfile, &mptr,
                                               &m->schema)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    op->nmedia = n;

    return NGX_OK;
}


/*
 * "security": a list of alternatives, each a map of scheme names to
 * scopes.  Only schemes the module can check: oauth2, openIdConnect and
 * http bearer (the bearer authenticators: apisec_jwt, apisec_introspect)
 * and apiKey in a header or the query (apisec_api_key).
 */

static ngx_int_t
ngx_http_apisec_openapi_security(ngx_http_apisec_oac_t *c, json_t *sec,
    ngx_str_t *ptr, ngx_http_apisec_openapi_op_t *op)
{
    json_t                         *req, *scopes, *sv, *root, *e;
    size_t                          i, j;
    ngx_str_t                       sptr, rfile, *sc;
    ngx_uint_t                      n;
    const char                     *name, *type, *scheme, *in;
    ngx_http_apisec_openapi_sec_t  *s, *ak;
    ngx_http_apisec_openapi_alt_t  *alt;

    if (!json_is_array(sec)) {
        ngx_http_apisec_openapi_fail(c, ptr, "not an array");
        return NGX_ERROR;
    }

    if (json_array_size(sec) == 0) {
        return NGX_OK;
    }

    op->alts = ngx_pcalloc(c->pool, json_array_size(sec)
                                    * sizeof(ngx_http_apisec_openapi_alt_t));
    if (op->alts == NULL) {
        return NGX_ERROR;
    }

    json_array_foreach(sec, i, req) {
        alt = &op->alts[op->nalts++];

        if (!json_is_object(req)) {
            ngx_http_apisec_openapi_fail(c, ptr, "a requirement that is not "
                                         "an object");
            return NGX_ERROR;
        }

        alt->schemes = ngx_pcalloc(c->pool, (json_object_size(req) + 1)
                                      * sizeof(ngx_http_apisec_openapi_sec_t));
        if (alt->schemes == NULL) {
            return NGX_ERROR;
        }

        json_object_foreach(req, name, scopes) {
            s = &alt->schemes[alt->nschemes++];

            s->name.len = ngx_strlen(name);
            s->name.data = (u_char *) name;

            ngx_str_set(&sptr, "/components/securitySchemes");
            sptr = ngx_http_apisec_openapi_ptr(c, &sptr, name, s->name.len);
            if (sptr.data == NULL) {
                return NGX_ERROR;
            }

            root = c->doc;
            rfile = c->file;
            sv = c->schemes ? json_object_get(c->schemes, name) : NULL;

            if (sv == NULL) {
                ngx_http_apisec_openapi_fail(c, ptr, "security scheme \"%s\" "
                                             "is not in "
                                             "components/securitySchemes",
                                             name);
                return NGX_ERROR;
            }

            sv = ngx_http_apisec_openapi_deref(c, sv, &root, &rfile, &sptr);
            if (sv == NULL) {
                return NGX_ERROR;
            }

            type = json_string_value(json_object_get(sv, "type"));
            scheme = json_string_value(json_object_get(sv, "scheme"));
            in = json_string_value(json_object_get(sv, "in"));

            if (type && (ngx_strcmp(type, "oauth2") == 0
                         || ngx_strcmp(type, "openIdConnect") == 0
                         || (ngx_strcmp(type, "http") == 0 && scheme
                             && ngx_strcasecmp((u_char *) scheme,
                                               (u_char *) "bearer") == 0)))
            {
                s->kind = NGX_HTTP_APISEC_OPENAPI_SEC_BEARER;

            } else if (type && ngx_strcmp(type, "apiKey") == 0 && in
                       && (ngx_strcmp(in, "header") == 0
                           || ngx_strcmp(in, "query") == 0)
                       && json_string_value(json_object_get(sv, "name")))
            {
                s->kind = NGX_HTTP_APISEC_OPENAPI_SEC_APIKEY;

                if (c->oa->apikeys == NULL) {
                    c->oa->apikeys = ngx_array_create(c->pool, 2,
                                        sizeof(ngx_http_apisec_openapi_sec_t));
                    if (c->oa->apikeys == NULL) {
                        return NGX_ERROR;
                    }
                }

                ak = ngx_array_push(c->oa->apikeys);
                if (ak == NULL) {
                    return NGX_ERROR;
                }

                /*
                 * for the check against apisec_api_key: kind is where the
                 * key is (NGX_HTTP_APISEC_APIKEY_HEADER or _QUERY, 1 and
                 * 2), name its header or argument, scopes the scheme
                 */

                ak->kind = (ngx_strcmp(in, "header") == 0) ? 1 : 2;
                ak->name.data = (u_char *) json_string_value(
                                              json_object_get(sv, "name"));
                ak->name.len = ngx_strlen(ak->name.data);
                ak->scopes = &s->name;
                ak->nscopes = 0;

            } else {
                ngx_http_apisec_openapi_fail(c, &sptr, "the module has no "
                                             "authenticator for this scheme "
                                             "(type \"%s\"%s%s%s%s%s%s); "
                                             "oauth2, openIdConnect, http "
                                             "bearer and apiKey in a header "
                                             "or the query it has",
                                             type ? type : "",
                                             scheme ? ", scheme \"" : "",
                                             scheme ? scheme : "",
                                             scheme ? "\"" : "",
                                             in ? ", in \"" : "",
                                             in ? in : "",
                                             in ? "\"" : "");
                return NGX_ERROR;
            }

            c->oa->kinds |= s->kind;

            if (!json_is_array(scopes)) {
                ngx_http_apisec_openapi_fail(c, ptr, "the scopes of \"%s\" "
                                             "are not an array", name);
                return NGX_ERROR;
            }

            n = json_array_size(scopes);

            if (n && s->kind == NGX_HTTP_APISEC_OPENAPI_SEC_APIKEY) {
                ngx_http_apisec_openapi_fail(c, ptr, "roles for the apiKey "
                                             "scheme \"%s\" are not "
                                             "supported", name);
                return NGX_ERROR;
            }

            s->scopes = ngx_pcalloc(c->pool, (n + 1) * sizeof(ngx_str_t));
            if (s->scopes == NULL) {
                return NGX_ERROR;
            }

            json_array_foreach(scopes, j, e) {
                sc = &s->scopes[s->nscopes++];
                sc->data = (u_char *) json_string_value(e);

                if (sc->data == NULL || sc->data[0] == '\0') {
                    ngx_http_apisec_openapi_fail(c, ptr, "a scope of \"%s\" "
                                                 "that is not a string",
                                                 name);
                    return NGX_ERROR;
                }

                sc->len = ngx_strlen(sc->data);
            }
        }
    }

    return NGX_OK;
}


/*
 * A schema, compiled once by the JSON Schema core (ngx_http_apisec_schema.h)
 * in the document it is in ("root", "rfile"), which resolves its "$ref"s
 * (recursive schemas too) and refuses what it cannot check.
 */

static ngx_int_t
ngx_http_apisec_openapi_schema(ngx_http_apisec_oac_t *c, json_t *schema,
    json_t *root, ngx_str_t *rfile, ngx_str_t *ptr,
    ngx_http_apisec_schema_t **out)
{
    json_t                              *target;
    ngx_str_t                            e;
    ngx_uint_t                           i, refs;
    ngx_http_apisec_openapi_file_t      *f;
    ngx_http_apisec_openapi_compiled_t  *cs;

    /*
     * A schema is compiled once, however many operations use it: a lone
     * {"$ref": ...} is the schema it names (a $ref with siblings is the
     * core's to resolve); a schema with no "$ref" anywhere is compiled on
     * its own, not in its document, so that the core's scan of a document
     * is not repeated for every parameter of a large one.
     */

    while (json_is_object(schema) && json_object_size(schema) == 1
           && json_is_string(json_object_get(schema, "$ref")))
    {
        c->one_hop = 1;
        target = ngx_http_apisec_openapi_deref(c, schema, &root, rfile, ptr);
        c->one_hop = 0;

        if (target == NULL) {
            return NGX_ERROR;
        }

        if (target == schema) {
            break;
        }

        schema = target;
    }

    refs = ngx_http_apisec_openapi_refs(schema, 0);

    if (refs == 0) {
        root = schema;

    } else if (refs == 1 && root == c->doc
               && json_is_object(json_object_get(c->doc, "components")))
    {

        /*
         * "#/components/..." only: resolved in {"components": ...} of the
         * document, which the core scans faster than the whole document
         */

        if (c->components == NULL) {
            c->components = json_pack("{s:O}", "components",
                                      json_object_get(c->doc, "components"));
            if (c->components == NULL) {
                ngx_http_apisec_openapi_fail(c, ptr, "json_pack() failed");
                return NGX_ERROR;
            }

            f = ngx_array_push(&c->files);
            if (f == NULL) {
                json_decref(c->components);
                c->components = NULL;
                return NGX_ERROR;
            }

            ngx_str_null(&f->name);
            f->doc = c->components;
        }

        root = c->components;
    }

    cs = c->schemas.elts;

    for (i = 0; i < c->schemas.nelts; i++) {
        if (cs[i].json == schema && cs[i].root == root) {
            *out = cs[i].schema;
            return NGX_OK;
        }
    }

    *out = ngx_http_apisec_schema_compile(c->pool, c->log, root, schema,
                                          rfile, c->dialect, 0, &e);
    if (*out == NULL) {
        ngx_http_apisec_openapi_fail(c, ptr, "%V", &e);
        return NGX_ERROR;
    }

    cs = ngx_array_push(&c->schemas);
    if (cs == NULL) {
        return NGX_ERROR;
    }

    cs->json = schema;
    cs->root = root;
    cs->schema = *out;

    return NGX_OK;
}
