
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * The JSON Schema core, its compile half: a schema (2020-12, draft-07 or
 * the OpenAPI 3.0 Schema Object) becomes a graph of nodes once, at
 * configuration time.  "$id", "$anchor" and "$dynamicAnchor" are found by
 * a scan of each document before anything is compiled; "$ref"s are
 * resolved then, into the document, into the documents of files beside it
 * (read here, never later, never from the network); a node is compiled
 * once whatever refers to it, so cycles are just edges.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_schema_node.h"


static void ngx_http_apisec_schema_cleanup(void *data);
static ngx_int_t ngx_http_apisec_schema_where(ngx_http_apisec_scc_t *cc,
    json_t *doc, json_t *target, ngx_str_t *loc, ngx_uint_t depth);
static ngx_http_apisec_snode_t *ngx_http_apisec_schema_node(
    ngx_http_apisec_scc_t *cc, json_t *json, ngx_http_apisec_sres_t *res,
    ngx_str_t *loc);
static ngx_int_t ngx_http_apisec_schema_keywords(ngx_http_apisec_scc_t *cc,
    ngx_http_apisec_snode_t *node, json_t *json, ngx_str_t *loc);
static ngx_int_t ngx_http_apisec_schema_loc(ngx_http_apisec_scc_t *cc,
    ngx_str_t *loc, const char *kw, ngx_str_t *out);
static ngx_int_t ngx_http_apisec_schema_count(ngx_http_apisec_scc_t *cc,
    json_t *json, const char *kw, ngx_str_t *loc, ngx_int_t *out);
static ngx_int_t ngx_http_apisec_schema_sub(ngx_http_apisec_scc_t *cc,
    json_t *json, const char *kw, ngx_http_apisec_sres_t *res,
    ngx_str_t *loc, ngx_http_apisec_snode_t **out);
static ngx_int_t ngx_http_apisec_schema_list(ngx_http_apisec_scc_t *cc,
    json_t *json, const char *kw, ngx_http_apisec_sres_t *res,
    ngx_str_t *loc, ngx_array_t **out);
static ngx_int_t ngx_http_apisec_schema_names(ngx_http_apisec_scc_t *cc,
    json_t *json, ngx_str_t *loc, const char *kw, ngx_array_t **out);
static ngx_int_t ngx_http_apisec_schema_map_of(ngx_http_apisec_scc_t *cc,
    json_t *json, const char *kw, ngx_http_apisec_sres_t *res,
    ngx_str_t *loc, ngx_array_t **out);
static ngx_int_t ngx_http_apisec_schema_number(ngx_http_apisec_scc_t *cc,
    json_t *json, const char *kw, ngx_str_t *loc, json_t **out);
static ngx_int_t ngx_http_apisec_schema_types(ngx_http_apisec_scc_t *cc,
    json_t *type, ngx_str_t *loc, ngx_uint_t *out);
static ngx_http_apisec_sregex_t *ngx_http_apisec_schema_regex(
    ngx_http_apisec_scc_t *cc, u_char *p, size_t len, ngx_str_t *loc,
    const char *kw);
static int ngx_http_apisec_schema_name_cmp(const void *a, const void *b);


static ngx_str_t  ngx_http_apisec_schema_default_base =
    ngx_string("urn:apisec:schema");


ngx_http_apisec_schema_t *
ngx_http_apisec_schema_compile(ngx_pool_t *pool, ngx_log_t *log,
    json_t *root, json_t *schema, ngx_str_t *file, ngx_uint_t dialect,
    ngx_uint_t flags, ngx_str_t *err)
{
    u_char                    *p;
    json_t                    *js, **doc;
    ngx_str_t                  base, loc;
    ngx_uint_t                 i, j;
    ngx_pool_cleanup_t        *cln;
    ngx_http_apisec_sres_t    *res, **resp;
    ngx_http_apisec_sname_t   *dyn;
    ngx_http_apisec_scc_t      cc;
    ngx_http_apisec_schema_t  *s;

    ngx_str_null(err);

    s = ngx_pcalloc(pool, sizeof(ngx_http_apisec_schema_t));
    if (s == NULL) {
        return NULL;
    }

    if (ngx_array_init(&s->regexes, pool, 4, sizeof(void *)) != NGX_OK
        || ngx_array_init(&s->documents, pool, 2, sizeof(json_t *))
           != NGX_OK)
    {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_apisec_schema_cleanup;
    cln->data = s;

    doc = ngx_array_push(&s->documents);
    if (doc == NULL) {
        return NULL;
    }

    *doc = json_incref(root);

    s->match_context = pcre2_match_context_create(NULL);
    if (s->match_context == NULL) {
        ngx_str_set(err, "pcre2_match_context_create() failed");
        return NULL;
    }

    pcre2_set_heap_limit(s->match_context,
                         NGX_HTTP_APISEC_SCHEMA_HEAP_LIMIT);

    if (schema == NULL) {
        schema = root;
    }

    /* "$schema" of the schema itself chooses the dialect */

    js = json_is_object(schema) ? json_object_get(schema, "$schema") : NULL;

    if (js) {
        p = (u_char *) (json_is_string(js) ? json_string_value(js) : "");

        if (ngx_strstr(p, "json-schema.org/draft/2020-12/")
            || ngx_strstr(p, "spec.openapis.org/oas/3.1/dialect"))
        {
            dialect = NGX_HTTP_APISEC_SCHEMA_2020_12;

        } else if (ngx_strstr(p, "json-schema.org/draft-07/")
                   || ngx_strstr(p, "json-schema.org/draft-06/"))
        {
            dialect = NGX_HTTP_APISEC_SCHEMA_DRAFT7;

        } else {
            ngx_str_set(err, "/$schema: unsupported dialect (2020-12, "
                        "draft-07 and draft-06 are)");
            return NULL;
        }
    }

    s->dialect = dialect;
    s->flags = flags;

    ngx_memzero(&cc, sizeof(ngx_http_apisec_scc_t));

    cc.pool = pool;
    cc.log = log;
    cc.schema = s;
    cc.dialect = dialect;
    cc.err = err;

    if (ngx_array_init(&cc.uris, pool, 8, sizeof(ngx_http_apisec_suri_t))
        != NGX_OK
        || ngx_array_init(&cc.resources, pool, 4, sizeof(void *)) != NGX_OK)
    {
        return NULL;
    }

    if (file && file->len) {
        base.len = sizeof("file://") - 1 + file->len;
        base.data = ngx_pnalloc(pool, base.len);
        if (base.data == NULL) {
            return NULL;
        }

        p = ngx_cpymem(base.data, "file://", sizeof("file://") - 1);
        ngx_memcpy(p, file->data, file->len);

    } else {
        base = ngx_http_apisec_schema_default_base;
    }

    res = ngx_http_apisec_schema_resource(&cc, &base, root);
    if (res == NULL) {
        return NULL;
    }

    if (ngx_http_apisec_schema_scan(&cc, root, res, 0) != NGX_OK) {
        return NULL;
    }

    ngx_str_set(&loc, "");

    if (schema != root
        && ngx_http_apisec_schema_where(&cc, root, schema, &loc, 0)
           != NGX_OK)
    {
        /* not inside the document: "$ref"s resolve against it all the same */
        ngx_str_set(&loc, "(schema)");
    }

    s->root = ngx_http_apisec_schema_node(&cc, schema, res, &loc);
    if (s->root == NULL) {
        return NULL;
    }

    /* the nodes of "$dynamicAnchor"s, for "$dynamicRef"s to find */

    for (i = 0; i < cc.resources.nelts; i++) {
        resp = cc.resources.elts;
        res = resp[i];
        dyn = res->dynamic.elts;

        for (j = 0; j < res->dynamic.nelts; j++) {
            if (dyn[j].schema) {
                continue;
            }

            ngx_str_set(&loc, "($dynamicAnchor)");

            dyn[j].schema = ngx_http_apisec_schema_node(&cc, dyn[j].json,
                                                        res, &loc);
            if (dyn[j].schema == NULL) {
                return NULL;
            }

            /* compiling may have added resources: elts may have moved */
            dyn = res->dynamic.elts;
        }
    }

    return s;
}


/* the JSON pointer of a schema inside its document, for messages */

static ngx_int_t
ngx_http_apisec_schema_where(ngx_http_apisec_scc_t *cc, json_t *doc,
    json_t *target, ngx_str_t *loc, ngx_uint_t depth)
{
    u_char       buf[NGX_INT_T_LEN + 1];
    size_t       i;
    json_t      *v;
    ngx_str_t    sub;
    const char  *key;

    if (doc == target) {
        return NGX_OK;
    }

    if (depth > NGX_HTTP_APISEC_SCHEMA_MAX_NEST) {
        return NGX_DECLINED;
    }

    if (json_is_object(doc)) {
        json_object_foreach(doc, key, v) {
            if (!json_is_object(v) && !json_is_array(v) && v != target) {
                continue;
            }

            if (ngx_http_apisec_schema_loc(cc, loc, key, &sub) != NGX_OK) {
                return NGX_ERROR;
            }

            if (ngx_http_apisec_schema_where(cc, v, target, &sub, depth + 1)
                == NGX_OK)
            {
                *loc = sub;
                return NGX_OK;
            }
        }

    } else if (json_is_array(doc)) {
        json_array_foreach(doc, i, v) {
            *ngx_sprintf(buf, "%uz", i) = '\0';

            if (ngx_http_apisec_schema_loc(cc, loc, (char *) buf, &sub)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            if (ngx_http_apisec_schema_where(cc, v, target, &sub, depth + 1)
                == NGX_OK)
            {
                *loc = sub;
                return NGX_OK;
            }
        }
    }

    return NGX_DECLINED;
}


static void
ngx_http_apisec_schema_cleanup(void *data)
{
    ngx_http_apisec_schema_t *s = data;

    json_t                    **doc;
    ngx_uint_t                  i;
    ngx_http_apisec_sregex_t  **re;

    re = s->regexes.elts;

    for (i = 0; i < s->regexes.nelts; i++) {
        if (re[i]->match) {
            pcre2_match_data_free(re[i]->match);
        }

        if (re[i]->code) {
            pcre2_code_free(re[i]->code);
        }
    }

    doc = s->documents.elts;

    for (i = 0; i < s->documents.nelts; i++) {
        json_decref(doc[i]);
    }

    if (s->match_context) {
        pcre2_match_context_free(s->match_context);
    }
}


static ngx_http_apisec_snode_t *
ngx_http_apisec_schema_node(ngx_http_apisec_scc_t *cc, json_t *json,
    ngx_http_apisec_sres_t *res, ngx_str_t *loc)
{
    json_t                   *ref, *target;
    ngx_str_t                 s, sub;
    ngx_http_apisec_sres_t   *tres;
    ngx_http_apisec_smap_t   *e;
    ngx_http_apisec_snode_t  *node;

    if (json_is_boolean(json)) {
        node = ngx_pcalloc(cc->pool, sizeof(ngx_http_apisec_snode_t));
        if (node == NULL) {
            return NULL;
        }

        node->kind = json_is_true(json) ? NGX_HTTP_APISEC_SN_TRUE
                                        : NGX_HTTP_APISEC_SN_FALSE;
        node->resource = res;
        return node;
    }

    if (!json_is_object(json)) {
        ngx_http_apisec_schema_fail(cc, loc, NULL,
                                    "a schema must be an object or a "
                                    "boolean");
        return NULL;
    }

    e = ngx_http_apisec_schema_map(cc, json, 1);
    if (e == NULL) {
        return NULL;
    }

    if (e->node) {
        return e->node;
    }

    if (e->resource) {
        res = e->resource;

    } else {
        e->resource = res;
    }

    if (cc->nest++ > NGX_HTTP_APISEC_SCHEMA_MAX_NEST) {
        ngx_http_apisec_schema_fail(cc, loc, NULL, "schemas nest too deeply");
        return NULL;
    }

    node = ngx_pcalloc(cc->pool, sizeof(ngx_http_apisec_snode_t));
    if (node == NULL) {
        return NULL;
    }

    e->node = node;

    node->kind = NGX_HTTP_APISEC_SN_OBJECT;
    node->resource = res;
    node->max_length = -1;
    node->min_length = -1;
    node->max_items = -1;
    node->min_items = -1;
    node->max_contains = -1;
    node->min_contains = -1;
    node->max_properties = -1;
    node->min_properties = -1;

    ref = json_object_get(json, "$ref");

    if (ref) {
        if (!json_is_string(ref)) {
            ngx_http_apisec_schema_fail(cc, loc, "$ref", "must be a string");
            return NULL;
        }

        s.data = (u_char *) json_string_value(ref);
        s.len = json_string_length(ref);

        target = ngx_http_apisec_schema_deref(cc, &s, res, loc, &tres);
        if (target == NULL) {
            return NULL;
        }

        if (ngx_http_apisec_schema_loc(cc, loc, "$ref", &sub) != NGX_OK) {
            return NULL;
        }

        node->ref = ngx_http_apisec_schema_node(cc, target, tres, &sub);
        if (node->ref == NULL) {
            return NULL;
        }

        /* before 2019-09, "$ref" stood alone: its siblings are ignored */

        if (cc->dialect != NGX_HTTP_APISEC_SCHEMA_2020_12) {
            cc->nest--;
            return node;
        }
    }

    if (ngx_http_apisec_schema_keywords(cc, node, json, loc) != NGX_OK) {
        return NULL;
    }

    cc->nest--;

    return node;
}


static ngx_int_t
ngx_http_apisec_schema_keywords(ngx_http_apisec_scc_t *cc,
    ngx_http_apisec_snode_t *node, json_t *json, ngx_str_t *loc)
{
    size_t                       klen;
    json_t                      *v, *d, *target, *excl;
    ngx_str_t                    s, sub, anchor;
    ngx_uint_t                   i, j, draft7, oas30;
    const char                  *key;
    ngx_array_t                 *deps;
    ngx_http_apisec_sres_t      *res, *tres;
    ngx_http_apisec_sname_t     *nm;
    ngx_http_apisec_spattern_t  *pp;

    res = node->resource;
    draft7 = (cc->dialect == NGX_HTTP_APISEC_SCHEMA_DRAFT7);
    oas30 = (cc->dialect == NGX_HTTP_APISEC_SCHEMA_OAS30);

    /* core */

    v = json_object_get(json, "$dynamicRef");

    if (v && !draft7 && !oas30) {
        if (!json_is_string(v)) {
            return ngx_http_apisec_schema_fail(cc, loc, "$dynamicRef",
                                               "must be a string");
        }

        s.data = (u_char *) json_string_value(v);
        s.len = json_string_length(v);

        target = ngx_http_apisec_schema_deref(cc, &s, res, loc, &tres);
        if (target == NULL) {
            return NGX_ERROR;
        }

        if (ngx_http_apisec_schema_loc(cc, loc, "$dynamicRef", &sub)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        node->dynamic_ref = ngx_http_apisec_schema_node(cc, target, tres,
                                                        &sub);
        if (node->dynamic_ref == NULL) {
            return NGX_ERROR;
        }

        /*
         * "bookending": dynamic only when the first target has a
         * "$dynamicAnchor" of the fragment's name
         */

        anchor.data = ngx_strlchr(s.data, s.data + s.len, '#');

        if (anchor.data && json_is_object(target)) {
            anchor.data++;
            anchor.len = s.data + s.len - anchor.data;

            d = json_object_get(target, "$dynamicAnchor");

            if (json_is_string(d) && json_string_length(d) == anchor.len
                && ngx_strncmp(json_string_value(d), anchor.data,
                               anchor.len) == 0)
            {
                node->dynamic_name = anchor;
            }
        }
    }

    /* validation keywords */

    v = json_object_get(json, "type");

    if (v && ngx_http_apisec_schema_types(cc, v, loc, &node->types)
             != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (oas30 && json_is_true(json_object_get(json, "nullable"))) {
        node->nullable = 1;
    }

    v = json_object_get(json, "enum");

    if (v) {
        if (!json_is_array(v)) {
            return ngx_http_apisec_schema_fail(cc, loc, "enum",
                                               "must be an array");
        }

        node->enumeration = v;
    }

    if (!oas30) {
        node->constant = json_object_get(json, "const");
    }

    if (ngx_http_apisec_schema_number(cc, json, "multipleOf", loc,
                                      &node->multiple_of)
        != NGX_OK
        || ngx_http_apisec_schema_number(cc, json, "maximum", loc,
                                         &node->maximum)
           != NGX_OK
        || ngx_http_apisec_schema_number(cc, json, "minimum", loc,
                                         &node->minimum)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (node->multiple_of) {
        d = json_integer(0);
        if (d == NULL) {
            return NGX_ERROR;
        }

        i = (ngx_http_apisec_schema_numcmp(node->multiple_of, d) <= 0);
        json_decref(d);

        if (i) {
            return ngx_http_apisec_schema_fail(cc, loc, "multipleOf",
                                               "must be greater than 0");
        }
    }

    if (oas30) {
        /* the draft-04 booleans of OpenAPI 3.0 */

        excl = json_object_get(json, "exclusiveMaximum");

        if (json_is_true(excl)) {
            node->exclusive_maximum = node->maximum;
            node->maximum = NULL;

        } else if (excl && !json_is_boolean(excl)) {
            return ngx_http_apisec_schema_fail(cc, loc, "exclusiveMaximum",
                                               "must be a boolean");
        }

        excl = json_object_get(json, "exclusiveMinimum");

        if (json_is_true(excl)) {
            node->exclusive_minimum = node->minimum;
            node->minimum = NULL;

        } else if (excl && !json_is_boolean(excl)) {
            return ngx_http_apisec_schema_fail(cc, loc, "exclusiveMinimum",
                                               "must be a boolean");
        }

    } else if (ngx_http_apisec_schema_number(cc, json, "exclusiveMaximum",
                                             loc, &node->exclusive_maximum)
               != NGX_OK
               || ngx_http_apisec_schema_number(cc, json, "exclusiveMinimum",
                                                loc,
                                                &node->exclusive_minimum)
                  != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_apisec_schema_count(cc, json, "maxLength", loc,
                                     &node->max_length) != NGX_OK
        || ngx_http_apisec_schema_count(cc, json, "minLength", loc,
                                        &node->min_length) != NGX_OK
        || ngx_http_apisec_schema_count(cc, json, "maxItems", loc,
                                        &node->max_items) != NGX_OK
        || ngx_http_apisec_schema_count(cc, json, "minItems", loc,
                                        &node->min_items) != NGX_OK
        || ngx_http_apisec_schema_count(cc, json, "maxProperties", loc,
                                        &node->max_properties) != NGX_OK
        || ngx_http_apisec_schema_count(cc, json, "minProperties", loc,
                                        &node->min_properties) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!draft7 && !oas30
        && (ngx_http_apisec_schema_count(cc, json, "maxContains", loc,
                                         &node->max_contains) != NGX_OK
            || ngx_http_apisec_schema_count(cc, json, "minContains", loc,
                                            &node->min_contains) != NGX_OK))
    {
        return NGX_ERROR;
    }

    v = json_object_get(json, "uniqueItems");

    if (v) {
        if (!json_is_boolean(v)) {
            return ngx_http_apisec_schema_fail(cc, loc, "uniqueItems",
                                               "must be a boolean");
        }

        node->unique_items = json_is_true(v);
    }

    v = json_object_get(json, "pattern");

    if (v) {
        if (!json_is_string(v)) {
            return ngx_http_apisec_schema_fail(cc, loc, "pattern",
                                               "must be a string");
        }

        node->pattern = ngx_http_apisec_schema_regex(cc,
                                           (u_char *) json_string_value(v),
                                           json_string_length(v), loc,
                                           "pattern");
        if (node->pattern == NULL) {
            return NGX_ERROR;
        }
    }

    v = json_object_get(json, "format");

    if (json_is_string(v)
        && (cc->schema->flags & NGX_HTTP_APISEC_SCHEMA_FORMAT_ASSERT))
    {
        node->format = ngx_http_apisec_schema_format_name(
                                                      json_string_value(v));
    }

    if (ngx_http_apisec_schema_names(cc, json, loc, "required",
                                     &node->required)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* applicators */

    if (ngx_http_apisec_schema_list(cc, json, "allOf", res, loc,
                                    &node->all_of) != NGX_OK
        || ngx_http_apisec_schema_list(cc, json, "anyOf", res, loc,
                                       &node->any_of) != NGX_OK
        || ngx_http_apisec_schema_list(cc, json, "oneOf", res, loc,
                                       &node->one_of) != NGX_OK
        || ngx_http_apisec_schema_sub(cc, json, "not", res, loc,
                                      &node->not) != NGX_OK
        || ngx_http_apisec_schema_sub(cc, json, "contains", res, loc,
                                      &node->contains) != NGX_OK
        || ngx_http_apisec_schema_sub(cc, json, "additionalProperties", res,
                                      loc, &node->additional_properties)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!oas30
        && (ngx_http_apisec_schema_sub(cc, json, "if", res, loc, &node->if_)
            != NGX_OK
            || ngx_http_apisec_schema_sub(cc, json, "then", res, loc,
                                          &node->then) != NGX_OK
            || ngx_http_apisec_schema_sub(cc, json, "else", res, loc,
                                          &node->else_) != NGX_OK
            || ngx_http_apisec_schema_sub(cc, json, "propertyNames", res,
                                          loc, &node->property_names)
               != NGX_OK))
    {
        return NGX_ERROR;
    }

    v = json_object_get(json, "items");

    if (json_is_array(v) && draft7) {
        /* draft-07: an array of "items" is 2020-12's "prefixItems" */

        if (ngx_http_apisec_schema_list(cc, json, "items", res, loc,
                                        &node->prefix_items) != NGX_OK
            || ngx_http_apisec_schema_sub(cc, json, "additionalItems", res,
                                          loc, &node->items) != NGX_OK)
        {
            return NGX_ERROR;
        }

    } else if (ngx_http_apisec_schema_sub(cc, json, "items", res, loc,
                                          &node->items)
               != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!draft7 && !oas30
        && (ngx_http_apisec_schema_list(cc, json, "prefixItems", res, loc,
                                        &node->prefix_items) != NGX_OK
            || ngx_http_apisec_schema_sub(cc, json, "unevaluatedItems", res,
                                          loc, &node->unevaluated_items)
               != NGX_OK
            || ngx_http_apisec_schema_sub(cc, json, "unevaluatedProperties",
                                          res, loc,
                                          &node->unevaluated_properties)
               != NGX_OK
            || ngx_http_apisec_schema_map_of(cc, json, "dependentSchemas",
                                             res, loc,
                                             &node->dependent_schemas)
               != NGX_OK))
    {
        return NGX_ERROR;
    }

    node->tracks = (node->unevaluated_items || node->unevaluated_properties);

    if (!draft7 && !oas30) {
        v = json_object_get(json, "dependentRequired");

        if (v) {
            if (!json_is_object(v)) {
                return ngx_http_apisec_schema_fail(cc, loc,
                                                   "dependentRequired",
                                                   "must be an object");
            }

            node->dependent_required = ngx_array_create(cc->pool,
                                             json_object_size(v) + 1,
                                             sizeof(ngx_http_apisec_sname_t));
            if (node->dependent_required == NULL) {
                return NGX_ERROR;
            }

            json_object_keylen_foreach(v, key, klen, d) {
                nm = ngx_array_push(node->dependent_required);
                if (nm == NULL) {
                    return NGX_ERROR;
                }

                ngx_memzero(nm, sizeof(ngx_http_apisec_sname_t));
                nm->name.data = (u_char *) key;
                nm->name.len = klen;

                if (ngx_http_apisec_schema_names(cc, v, loc, key, &nm->names)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }
            }
        }
    }

    if (draft7) {
        /* "dependencies": arrays are dependentRequired, else schemas */

        v = json_object_get(json, "dependencies");

        if (v) {
            if (!json_is_object(v)) {
                return ngx_http_apisec_schema_fail(cc, loc, "dependencies",
                                                   "must be an object");
            }

            node->dependent_required = ngx_array_create(cc->pool,
                                             json_object_size(v) + 1,
                                             sizeof(ngx_http_apisec_sname_t));
            node->dependent_schemas = ngx_array_create(cc->pool,
                                             json_object_size(v) + 1,
                                             sizeof(ngx_http_apisec_sname_t));
            if (node->dependent_required == NULL
                || node->dependent_schemas == NULL)
            {
                return NGX_ERROR;
            }

            if (ngx_http_apisec_schema_loc(cc, loc, "dependencies", &sub)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            json_object_keylen_foreach(v, key, klen, d) {
                deps = json_is_array(d) ? node->dependent_required
                                        : node->dependent_schemas;

                nm = ngx_array_push(deps);
                if (nm == NULL) {
                    return NGX_ERROR;
                }

                ngx_memzero(nm, sizeof(ngx_http_apisec_sname_t));
                nm->name.data = (u_char *) key;
                nm->name.len = klen;

                if (json_is_array(d)) {
                    if (ngx_http_apisec_schema_names(cc, v, &sub, key,
                                                     &nm->names)
                        != NGX_OK)
                    {
                        return NGX_ERROR;
                    }

                    continue;
                }

                nm->schema = ngx_http_apisec_schema_node(cc, d, res, &sub);
                if (nm->schema == NULL) {
                    return NGX_ERROR;
                }
            }
        }
    }

    /* "properties", sorted for a binary search by member name */

    v = json_object_get(json, "properties");

    if (v) {
        if (!json_is_object(v)) {
            return ngx_http_apisec_schema_fail(cc, loc, "properties",
                                               "must be an object");
        }

        if (ngx_http_apisec_schema_loc(cc, loc, "properties", &sub)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        node->nproperties = json_object_size(v);
        node->properties = ngx_pcalloc(cc->pool, (node->nproperties + 1)
                                       * sizeof(ngx_http_apisec_sname_t));
        if (node->properties == NULL) {
            return NGX_ERROR;
        }

        i = 0;

        json_object_keylen_foreach(v, key, klen, d) {
            nm = &node->properties[i++];
            nm->name.data = (u_char *) key;
            nm->name.len = klen;

            if (ngx_http_apisec_schema_loc(cc, &sub, key, &s) != NGX_OK) {
                return NGX_ERROR;
            }

            nm->schema = ngx_http_apisec_schema_node(cc, d, res, &s);
            if (nm->schema == NULL) {
                return NGX_ERROR;
            }
        }

        ngx_qsort(node->properties, node->nproperties,
                  sizeof(ngx_http_apisec_sname_t),
                  ngx_http_apisec_schema_name_cmp);
    }

    v = json_object_get(json, "patternProperties");

    if (v && !oas30) {
        if (!json_is_object(v)) {
            return ngx_http_apisec_schema_fail(cc, loc, "patternProperties",
                                               "must be an object");
        }

        if (ngx_http_apisec_schema_loc(cc, loc, "patternProperties", &sub)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        node->pattern_properties = ngx_array_create(cc->pool,
                                          json_object_size(v) + 1,
                                          sizeof(ngx_http_apisec_spattern_t));
        if (node->pattern_properties == NULL) {
            return NGX_ERROR;
        }

        json_object_keylen_foreach(v, key, klen, d) {
            pp = ngx_array_push(node->pattern_properties);
            if (pp == NULL) {
                return NGX_ERROR;
            }

            pp->regex = ngx_http_apisec_schema_regex(cc, (u_char *) key,
                                                     klen, &sub, key);
            if (pp->regex == NULL) {
                return NGX_ERROR;
            }

            if (ngx_http_apisec_schema_loc(cc, &sub, key, &s) != NGX_OK) {
                return NGX_ERROR;
            }

            pp->schema = ngx_http_apisec_schema_node(cc, d, res, &s);
            if (pp->schema == NULL) {
                return NGX_ERROR;
            }
        }
    }

    /* the subschemas of "$defs" are compiled for their errors only */

    for (j = 0; j < 2; j++) {
        v = json_object_get(json, j ? "definitions" : "$defs");

        if (!json_is_object(v)) {
            continue;
        }

        if (ngx_http_apisec_schema_loc(cc, loc, j ? "definitions" : "$defs",
                                       &sub)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        json_object_keylen_foreach(v, key, klen, d) {
            if (ngx_http_apisec_schema_loc(cc, &sub, key, &s) != NGX_OK) {
                return NGX_ERROR;
            }

            if (ngx_http_apisec_schema_node(cc, d, res, &s) == NULL) {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_apisec_schema_fail(ngx_http_apisec_scc_t *cc, ngx_str_t *loc,
    const char *kw, const char *reason)
{
    size_t   len;
    u_char  *p;

    len = loc->len + (kw ? ngx_strlen(kw) * 2 + 1 : 0)
          + ngx_strlen(reason) + 8;

    p = ngx_pnalloc(cc->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    cc->err->data = p;

    p = ngx_cpymem(p, loc->data, loc->len);

    if (kw) {
        *p++ = '/';

        for ( /* void */ ; *kw; kw++) {
            if (*kw == '~' || *kw == '/') {
                *p++ = '~';
                *p++ = (*kw == '~') ? '0' : '1';

            } else {
                *p++ = *kw;
            }
        }
    }

    if (p == cc->err->data) {
        *p++ = '/';
    }

    p = ngx_sprintf(p, ": %s", reason);

    cc->err->len = p - cc->err->data;

    return NGX_ERROR;
}


/* the schema's JSON pointer one level down, for messages */

static ngx_int_t
ngx_http_apisec_schema_loc(ngx_http_apisec_scc_t *cc, ngx_str_t *loc,
    const char *kw, ngx_str_t *out)
{
    u_char  *p;
    size_t   len;

    len = ngx_strlen(kw);

    out->data = ngx_pnalloc(cc->pool, loc->len + 1 + 2 * len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(out->data, loc->data, loc->len);
    *p++ = '/';

    for ( /* void */ ; *kw; kw++) {
        if (*kw == '~' || *kw == '/') {
            *p++ = '~';
            *p++ = (*kw == '~') ? '0' : '1';

        } else {
            *p++ = *kw;
        }
    }

    out->len = p - out->data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_schema_count(ngx_http_apisec_scc_t *cc, json_t *json,
    const char *kw, ngx_str_t *loc, ngx_int_t *out)
{
    double   d;
    json_t  *v;

    v = json_object_get(json, kw);

    if (v == NULL) {
        return NGX_OK;
    }

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (json_integer_value(v) > NGX_MAX_INT_T_VALUE)
               ? NGX_MAX_INT_T_VALUE : (ngx_int_t) json_integer_value(v);
        return NGX_OK;
    }

    if (json_is_real(v)) {
        d = json_real_value(v);

        if (d >= 0 && d == (double) (int64_t) d && d < 9.2e18) {
            *out = (ngx_int_t) d;
            return NGX_OK;
        }
    }

    return ngx_http_apisec_schema_fail(cc, loc, kw,
                                       "must be a non-negative integer");
}


static ngx_int_t
ngx_http_apisec_schema_sub(ngx_http_apisec_scc_t *cc, json_t *json,
    const char *kw, ngx_http_apisec_sres_t *res, ngx_str_t *loc,
    ngx_http_apisec_snode_t **out)
{
    json_t     *v;
    ngx_str_t   sub;

    v = json_object_get(json, kw);

    if (v == NULL) {
        return NGX_OK;
    }

    if (ngx_http_apisec_schema_loc(cc, loc, kw, &sub) != NGX_OK) {
        return NGX_ERROR;
    }

    *out = ngx_http_apisec_schema_node(cc, v, res, &sub);

    return *out ? NGX_OK : NGX_ERROR;
}


static ngx_int_t
ngx_http_apisec_schema_list(ngx_http_apisec_scc_t *cc, json_t *json,
    const char *kw, ngx_http_apisec_sres_t *res, ngx_str_t *loc,
    ngx_array_t **out)
{
    u_char                    buf[NGX_INT_T_LEN + 1];
    size_t                    i;
    json_t                   *v, *d;
    ngx_str_t                 sub, s;
    ngx_http_apisec_snode_t  **n;

    v = json_object_get(json, kw);

    if (v == NULL) {
        return NGX_OK;
    }

    if (!json_is_array(v) || json_array_size(v) == 0) {
        return ngx_http_apisec_schema_fail(cc, loc, kw,
                                           "must be a non-empty array");
    }

    if (ngx_http_apisec_schema_loc(cc, loc, kw, &sub) != NGX_OK) {
        return NGX_ERROR;
    }

    *out = ngx_array_create(cc->pool, json_array_size(v), sizeof(void *));
    if (*out == NULL) {
        return NGX_ERROR;
    }

    json_array_foreach(v, i, d) {
        n = ngx_array_push(*out);
        if (n == NULL) {
            return NGX_ERROR;
        }

        *ngx_sprintf(buf, "%uz", i) = '\0';

        if (ngx_http_apisec_schema_loc(cc, &sub, (char *) buf, &s)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        *n = ngx_http_apisec_schema_node(cc, d, res, &s);
        if (*n == NULL) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_schema_names(ngx_http_apisec_scc_t *cc, json_t *json,
    ngx_str_t *loc, const char *kw, ngx_array_t **out)
{
    size_t      i;
    json_t     *v, *d;
    ngx_str_t  *name;

    v = json_object_get(json, kw);

    if (v == NULL) {
        return NGX_OK;
    }

    if (!json_is_array(v)) {
        return ngx_http_apisec_schema_fail(cc, loc, kw,
                                           "must be an array of strings");
    }

    *out = ngx_array_create(cc->pool, json_array_size(v) + 1,
                            sizeof(ngx_str_t));
    if (*out == NULL) {
        return NGX_ERROR;
    }

    json_array_foreach(v, i, d) {
        if (!json_is_string(d)) {
            return ngx_http_apisec_schema_fail(cc, loc, kw,
                                               "must be an array of "
                                               "strings");
        }

        name = ngx_array_push(*out);
        if (name == NULL) {
            return NGX_ERROR;
        }

        name->data = (u_char *) json_string_value(d);
        name->len = json_string_length(d);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_schema_map_of(ngx_http_apisec_scc_t *cc, json_t *json,
    const char *kw, ngx_http_apisec_sres_t *res, ngx_str_t *loc,
    ngx_array_t **out)
{
    size_t                    klen;
    json_t                   *v, *d;
    ngx_str_t                 sub, s;
    const char               *key;
    ngx_http_apisec_sname_t  *nm;

    v = json_object_get(json, kw);

    if (v == NULL) {
        return NGX_OK;
    }

    if (!json_is_object(v)) {
        return ngx_http_apisec_schema_fail(cc, loc, kw, "must be an object");
    }

    if (ngx_http_apisec_schema_loc(cc, loc, kw, &sub) != NGX_OK) {
        return NGX_ERROR;
    }

    *out = ngx_array_create(cc->pool, json_object_size(v) + 1,
                            sizeof(ngx_http_apisec_sname_t));
    if (*out == NULL) {
        return NGX_ERROR;
    }

    json_object_keylen_foreach(v, key, klen, d) {
        nm = ngx_array_push(*out);
        if (nm == NULL) {
            return NGX_ERROR;
        }

        ngx_memzero(nm, sizeof(ngx_http_apisec_sname_t));
        nm->name.data = (u_char *) key;
        nm->name.len = klen;

        if (ngx_http_apisec_schema_loc(cc, &sub, key, &s) != NGX_OK) {
            return NGX_ERROR;
        }

        nm->schema = ngx_http_apisec_schema_node(cc, d, res, &s);
        if (nm->schema == NULL) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_schema_number(ngx_http_apisec_scc_t *cc, json_t *json,
    const char *kw, ngx_str_t *loc, json_t **out)
{
    json_t  *v;

    v = json_object_get(json, kw);

    if (v == NULL) {
        return NGX_OK;
    }

    if (!json_is_number(v)) {
        return ngx_http_apisec_schema_fail(cc, loc, kw, "must be a number");
    }

    *out = v;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_schema_types(ngx_http_apisec_scc_t *cc, json_t *type,
    ngx_str_t *loc, ngx_uint_t *out)
{
    size_t       i, n;
    json_t      *t;
    ngx_uint_t   k;
    const char  *name;

    static const char  *names[] = {
        "null", "boolean", "object", "array", "number", "string", "integer"
    };

    n = json_is_array(type) ? json_array_size(type) : 1;

    if (n == 0) {
        return ngx_http_apisec_schema_fail(cc, loc, "type",
                                           "must not be empty");
    }

    *out = 0;

    for (i = 0; i < n; i++) {
        t = json_is_array(type) ? json_array_get(type, i) : type;

        if (!json_is_string(t)) {
            return ngx_http_apisec_schema_fail(cc, loc, "type",
                                               "must be a string or an "
                                               "array of strings");
        }

        name = json_string_value(t);

        for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
            if (ngx_strcmp(name, names[k]) == 0) {
                break;
            }
        }

        if (k == sizeof(names) / sizeof(names[0])) {
            return ngx_http_apisec_schema_fail(cc, loc, "type",
                                               "unknown type");
        }

        *out |= (ngx_uint_t) 1 << k;
    }

    return NGX_OK;
}


/*
 * ECMA-262 patterns on PCRE2: UTF mode (a "." is a code point), "$" only
 * at the very end as in ECMA-262, no implicit anchoring; the match limit
 * and heap limit of the schema's match context bound each match.
 */

static ngx_http_apisec_sregex_t *
ngx_http_apisec_schema_regex(ngx_http_apisec_scc_t *cc, u_char *p,
    size_t len, ngx_str_t *loc, const char *kw)
{
    int                         rc;
    u_char                      msg[128], reason[256];
    PCRE2_SIZE                  off;
    pcre2_compile_context      *ccx;
    ngx_http_apisec_sregex_t   *re, **rep;

    re = ngx_pcalloc(cc->pool, sizeof(ngx_http_apisec_sregex_t));
    if (re == NULL) {
        return NULL;
    }

    rep = ngx_array_push(&cc->schema->regexes);
    if (rep == NULL) {
        return NULL;
    }

    *rep = re;

    re->source.data = p;
    re->source.len = len;

    /* ECMA-262's escapes: \uhhhh, \u{h...}, \xhh (PCRE2's \x{} is not) */

    ccx = pcre2_compile_context_create(NULL);
    if (ccx == NULL) {
        return NULL;
    }

    pcre2_set_compile_extra_options(ccx, PCRE2_EXTRA_ALT_BSUX);

    re->code = pcre2_compile(p, len,
                             PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX,
                             &rc, &off, ccx);

    pcre2_compile_context_free(ccx);

    if (re->code == NULL) {
        pcre2_get_error_message(rc, msg, sizeof(msg));
        *ngx_snprintf(reason, sizeof(reason) - 1,
                      "invalid regular expression: %s at offset %uz",
                      msg, (size_t) off) = '\0';
        ngx_http_apisec_schema_fail(cc, loc, kw, (char *) reason);
        return NULL;
    }

    (void) pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);

    re->match = pcre2_match_data_create(1, NULL);
    if (re->match == NULL) {
        return NULL;
    }

    return re;
}


static int
ngx_http_apisec_schema_name_cmp(const void *a, const void *b)
{
    size_t                          len;
    ngx_int_t                       rc;
    const ngx_http_apisec_sname_t  *na = a, *nb = b;

    len = ngx_min(na->name.len, nb->name.len);

    rc = ngx_memcmp(na->name.data, nb->name.data, len);

    if (rc) {
        return rc;
    }

    return (na->name.len > nb->name.len) - (na->name.len < nb->name.len);
}
