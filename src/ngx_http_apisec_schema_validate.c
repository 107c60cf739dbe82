
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * The JSON Schema core, its validation half.  One walk of the compiled
 * nodes over the instance; subschemas whose failure is not an error
 * (anyOf, oneOf, not, if, contains) run "quiet" and stop at the first
 * failure.  Annotations (which members and items were evaluated) are kept
 * only under a node with unevaluatedProperties or unevaluatedItems, as a
 * bitmap over the instance's members or items.  Every node entered and
 * every member or item visited is a step; past the limit the instance is
 * refused, so the work is bounded whatever "$ref" cycles and nested
 * applicators the schema has.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_schema_node.h"

#include <math.h>


typedef struct ngx_http_apisec_spath_s  ngx_http_apisec_spath_t;

struct ngx_http_apisec_spath_s {
    ngx_http_apisec_spath_t    *parent;
    const u_char               *key;        /* NULL: an index */
    size_t                      len;        /* or the index */
};


typedef struct {
    ngx_uint_t                  n;
    u_char                     *bits;
} ngx_http_apisec_sann_t;


typedef struct {
    ngx_http_apisec_schema_t   *schema;
    ngx_pool_t                 *pool;
    ngx_http_apisec_schema_result_t  *res;
    ngx_uint_t                  steps;
    ngx_uint_t                  depth;
    ngx_uint_t                  quiet;
    ngx_uint_t                  nscope;
    ngx_http_apisec_sres_t     *scope[NGX_HTTP_APISEC_SCHEMA_MAX_SCOPE];
    unsigned                    exhausted:1;
    unsigned                    aborted:1;      /* an undecided pattern */
} ngx_http_apisec_svc_t;


static ngx_int_t ngx_http_apisec_schema_run(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_snode_t *node, json_t *inst, ngx_http_apisec_spath_t *path,
    ngx_http_apisec_sann_t *ann);
static ngx_int_t ngx_http_apisec_schema_quiet(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_snode_t *node, json_t *inst, ngx_http_apisec_spath_t *path,
    ngx_http_apisec_sann_t *ann);
static ngx_int_t ngx_http_apisec_schema_object(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_snode_t *node, json_t *inst, ngx_http_apisec_spath_t *path,
    ngx_http_apisec_sann_t *ann);
static ngx_int_t ngx_http_apisec_schema_array(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_snode_t *node, json_t *inst, ngx_http_apisec_spath_t *path,
    ngx_http_apisec_sann_t *ann);
static ngx_int_t ngx_http_apisec_schema_applicators(
    ngx_http_apisec_svc_t *vc, ngx_http_apisec_snode_t *node, json_t *inst,
    ngx_http_apisec_spath_t *path, ngx_http_apisec_sann_t *ann);
static ngx_int_t ngx_http_apisec_schema_pattern(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_sregex_t *re, u_char *s, size_t len,
    ngx_http_apisec_spath_t *path);
static ngx_int_t ngx_http_apisec_schema_error(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_spath_t *path, const char *fmt, ...);
static ngx_uint_t ngx_http_apisec_schema_type(json_t *inst);
static ngx_int_t ngx_http_apisec_schema_ann_init(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_sann_t *ann, json_t *inst);
static void ngx_http_apisec_schema_ann_merge(ngx_http_apisec_sann_t *to,
    ngx_http_apisec_sann_t *from);


#define ngx_http_apisec_ann_set(ann, i)                                       \
    ngx_http_apisec_schema_ann_set(ann, i)

#define ngx_http_apisec_ann_get(ann, i)                                       \
    ((ann)->bits[(i) >> 3] & (1 << ((i) & 7)))


static ngx_inline void
ngx_http_apisec_schema_ann_set(ngx_http_apisec_sann_t *ann, size_t i)
{
    if (ann && ann->bits) {
        ann->bits[i >> 3] |= 1 << (i & 7);
    }
}


static const char  *ngx_http_apisec_type_names[] = {
    "null", "boolean", "object", "array", "number", "string", "integer"
};


ngx_int_t
ngx_http_apisec_schema_validate(ngx_http_apisec_schema_t *schema,
    json_t *instance, ngx_pool_t *pool, ngx_http_apisec_schema_result_t *res)
{
    ngx_int_t               rc;
    ngx_http_apisec_svc_t   vc;

    ngx_memzero(res, sizeof(ngx_http_apisec_schema_result_t));

    vc.schema = schema;
    vc.pool = pool;
    vc.res = res;
    vc.steps = 0;
    vc.depth = 0;
    vc.quiet = 0;
    vc.nscope = 0;
    vc.exhausted = 0;
    vc.aborted = 0;

    rc = ngx_http_apisec_schema_run(&vc, schema->root, instance, NULL, NULL);

    if (rc == NGX_ERROR && vc.aborted) {
        return NGX_DECLINED;
    }

    if (rc == NGX_ERROR && vc.exhausted) {
        vc.quiet = 0;
        (void) ngx_http_apisec_schema_error(&vc, NULL,
                                 "validation exceeds its work limit");
        return NGX_DECLINED;
    }

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_OK && res->total) {
        /* cannot happen: an error was recorded, yet the schema held */
        return NGX_DECLINED;
    }

    return rc;
}


/*
 * Returns NGX_OK, NGX_DECLINED (the instance fails; errors recorded unless
 * quiet), or NGX_ERROR: no memory, or the work limit (vc->exhausted), to
 * be passed up at once: a "not" must never turn it into a success.
 */

static ngx_int_t
ngx_http_apisec_schema_run(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_snode_t *node, json_t *inst, ngx_http_apisec_spath_t *path,
    ngx_http_apisec_sann_t *ann)
{
    size_t                    len, i;
    u_char                   *s;
    ngx_int_t                 rc, result, cmp;
    ngx_uint_t                type, pushed, j;
    ngx_http_apisec_sann_t    mine, *use;
    ngx_http_apisec_sname_t  *dyn;
    ngx_http_apisec_snode_t  *target;

    if (++vc->steps > NGX_HTTP_APISEC_SCHEMA_MAX_STEPS
        || vc->depth >= NGX_HTTP_APISEC_SCHEMA_MAX_DEPTH)
    {
        vc->exhausted = 1;
        return NGX_ERROR;
    }

    if (node->kind == NGX_HTTP_APISEC_SN_TRUE) {
        return NGX_OK;
    }

    if (node->kind == NGX_HTTP_APISEC_SN_FALSE) {
        return ngx_http_apisec_schema_error(vc, path, "not allowed");
    }

    vc->depth++;

    /* the dynamic scope: the resources entered, outermost first */

    pushed = 0;

    if (vc->nscope == 0 || vc->scope[vc->nscope - 1] != node->resource) {
        if (vc->nscope == NGX_HTTP_APISEC_SCHEMA_MAX_SCOPE) {
            vc->exhausted = 1;
            return NGX_ERROR;
        }

        vc->scope[vc->nscope++] = node->resource;
        pushed = 1;
    }

    result = NGX_OK;
    type = ngx_http_apisec_schema_type(inst);

    /* a node with unevaluated* collects the annotations of its own */

    use = ann;

    if (node->tracks
        && (type & (NGX_HTTP_APISEC_ST_OBJECT|NGX_HTTP_APISEC_ST_ARRAY)))
    {
        if (ngx_http_apisec_schema_ann_init(vc, &mine, inst) != NGX_OK) {
            return NGX_ERROR;
        }

        use = &mine;
    }

    if (node->ref) {
        rc = ngx_http_apisec_schema_run(vc, node->ref, inst, path, use);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_DECLINED) {
            result = NGX_DECLINED;

            if (vc->quiet) {
                goto done;
            }
        }
    }

    if (node->dynamic_ref) {
        target = node->dynamic_ref;

        if (node->dynamic_name.len) {
            for (j = 0; j < vc->nscope; j++) {
                dyn = vc->scope[j]->dynamic.elts;

                for (i = 0; i < vc->scope[j]->dynamic.nelts; i++) {
                    if (dyn[i].name.len == node->dynamic_name.len
                        && ngx_memcmp(dyn[i].name.data,
                                      node->dynamic_name.data,
                                      node->dynamic_name.len) == 0)
                    {
                        target = dyn[i].schema;
                        goto found;
                    }
                }
            }
        }

    found:

        rc = ngx_http_apisec_schema_run(vc, target, inst, path, use);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_DECLINED) {
            result = NGX_DECLINED;

            if (vc->quiet) {
                goto done;
            }
        }
    }

    if (node->types) {
        if (!(node->types & type)
            && !((type & NGX_HTTP_APISEC_ST_INTEGER)
                 && (node->types & NGX_HTTP_APISEC_ST_NUMBER))
            && !(node->nullable && type == NGX_HTTP_APISEC_ST_NULL))
        {
            for (j = 0; !(type & (1 << j)); j++) { /* void */ }
            for (i = 0; !(node->types & (1 << i)); i++) { /* void */ }

            result = ngx_http_apisec_schema_error(vc, path,
                                         "must be of type %s%s, not %s",
                                         ngx_http_apisec_type_names[i],
                                         (node->types & (node->types - 1))
                                         ? " (or another allowed)" : "",
                                         ngx_http_apisec_type_names[j]);
            goto done;
        }
    }

    if (node->enumeration) {
        for (i = 0; i < json_array_size(node->enumeration); i++) {
            if (ngx_http_apisec_schema_equal(
                                     json_array_get(node->enumeration, i),
                                     inst, &vc->steps))
            {
                break;
            }
        }

        if (i == json_array_size(node->enumeration)) {
            result = ngx_http_apisec_schema_error(vc, path,
                                               "must be one of the values "
                                               "of enum");
            if (vc->quiet) {
                goto done;
            }
        }
    }

    if (node->constant
        && !ngx_http_apisec_schema_equal(node->constant, inst, &vc->steps))
    {
        result = ngx_http_apisec_schema_error(vc, path,
                                              "must be the value of const");
        if (vc->quiet) {
            goto done;
        }
    }

    if (type & (NGX_HTTP_APISEC_ST_NUMBER|NGX_HTTP_APISEC_ST_INTEGER)) {

        if (node->multiple_of) {
            rc = ngx_http_apisec_schema_multiple(inst, node->multiple_of);

            if (rc != NGX_OK) {
                result = ngx_http_apisec_schema_error(vc, path,
                                    "must be a multiple of multipleOf");
                if (vc->quiet) {
                    goto done;
                }
            }
        }

        cmp = node->maximum
              ? ngx_http_apisec_schema_numcmp(inst, node->maximum) : 0;

        if (cmp > 0) {
            result = ngx_http_apisec_schema_error(vc, path,
                                                  "must be at most maximum");
            if (vc->quiet) {
                goto done;
            }
        }

        cmp = node->exclusive_maximum
              ? ngx_http_apisec_schema_numcmp(inst, node->exclusive_maximum)
              : -1;

        if (cmp >= 0) {
            result = ngx_http_apisec_schema_error(vc, path,
                                     "must be less than exclusiveMaximum");
            if (vc->quiet) {
                goto done;
            }
        }

        cmp = node->minimum
              ? ngx_http_apisec_schema_numcmp(inst, node->minimum) : 0;

        if (cmp < 0) {
            result = ngx_http_apisec_schema_error(vc, path,
                                                  "must be at least minimum");
            if (vc->quiet) {
                goto done;
            }
        }

        cmp = node->exclusive_minimum
              ? ngx_http_apisec_schema_numcmp(inst, node->exclusive_minimum)
              : 1;

        if (cmp <= 0) {
            result = ngx_http_apisec_schema_error(vc, path,
                                     "must be greater than exclusiveMinimum");
            if (vc->quiet) {
                goto done;
            }
        }
    }

    if (type == NGX_HTTP_APISEC_ST_STRING) {
        s = (u_char *) json_string_value(inst);
        len = json_string_length(inst);

        if (node->max_length >= 0 || node->min_length >= 0) {

            /* code points: the bytes that do not continue a sequence */

            for (i = 0, j = 0; i < len; i++) {
                j += ((s[i] & 0xc0) != 0x80);
            }

            if (node->max_length >= 0 && j > (ngx_uint_t) node->max_length) {
                result = ngx_http_apisec_schema_error(vc, path,
                                         "must be at most %i characters long",
                                         node->max_length);
                if (vc->quiet) {
                    goto done;
                }
            }

            if (node->min_length >= 0 && j < (ngx_uint_t) node->min_length) {
                result = ngx_http_apisec_schema_error(vc, path,
                                        "must be at least %i characters long",
                                        node->min_length);
                if (vc->quiet) {
                    goto done;
                }
            }
        }

        if (node->pattern) {
            rc = ngx_http_apisec_schema_pattern(vc, node->pattern, s, len,
                                                path);
            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_DECLINED) {
                result = ngx_http_apisec_schema_error(vc, path,
                                                      "must match the "
                                                      "pattern");
                if (vc->quiet) {
                    goto done;
                }
            }
        }

        if (node->format
            && ngx_http_apisec_schema_format_check(node->format, s, len)
               != NGX_OK)
        {
            result = ngx_http_apisec_schema_error(vc, path,
                                                  "must match the format");
            if (vc->quiet) {
                goto done;
            }
        }
    }

    if (type == NGX_HTTP_APISEC_ST_OBJECT) {
        rc = ngx_http_apisec_schema_object(vc, node, inst, path, use);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_DECLINED) {
            result = NGX_DECLINED;

            if (vc->quiet) {
                goto done;
            }
        }
    }

    if (type == NGX_HTTP_APISEC_ST_ARRAY) {
        rc = ngx_http_apisec_schema_array(vc, node, inst, path, use);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_DECLINED) {
            result = NGX_DECLINED;

            if (vc->quiet) {
                goto done;
            }
        }
    }

    rc = ngx_http_apisec_schema_applicators(vc, node, inst, path, use);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        result = NGX_DECLINED;

        if (vc->quiet) {
            goto done;
        }
    }

    /* last: what no other keyword of this node or below evaluated */

    if (use == &mine) {
        if (node->unevaluated_properties
            && type == NGX_HTTP_APISEC_ST_OBJECT)
        {
            void                     *it;
            ngx_http_apisec_spath_t   sub;

            for (it = json_object_iter(inst), i = 0;
                 it;
                 it = json_object_iter_next(inst, it), i++)
            {
                if (ngx_http_apisec_ann_get(&mine, i)) {
                    continue;
                }

                sub.parent = path;
                sub.key = (u_char *) json_object_iter_key(it);
                sub.len = json_object_iter_key_len(it);

                rc = ngx_http_apisec_schema_run(vc,
                                                node->unevaluated_properties,
                                                json_object_iter_value(it),
                                                &sub, NULL);
                if (rc == NGX_ERROR) {
                    return NGX_ERROR;
                }

                if (rc == NGX_DECLINED) {
                    result = NGX_DECLINED;

                    if (vc->quiet) {
                        goto done;
                    }
                }

                ngx_http_apisec_ann_set(&mine, i);
            }
        }

        if (node->unevaluated_items && type == NGX_HTTP_APISEC_ST_ARRAY) {
            ngx_http_apisec_spath_t  sub;

            for (i = 0; i < json_array_size(inst); i++) {
                if (ngx_http_apisec_ann_get(&mine, i)) {
                    continue;
                }

                sub.parent = path;
                sub.key = NULL;
                sub.len = i;

                rc = ngx_http_apisec_schema_run(vc, node->unevaluated_items,
                                                json_array_get(inst, i),
                                                &sub, NULL);
                if (rc == NGX_ERROR) {
                    return NGX_ERROR;
                }

                if (rc == NGX_DECLINED) {
                    result = NGX_DECLINED;

                    if (vc->quiet) {
                        goto done;
                    }
                }

                ngx_http_apisec_ann_set(&mine, i);
            }
        }

        if (ann && result == NGX_OK) {
            ngx_http_apisec_schema_ann_merge(ann, &mine);
        }
    }

done:

    vc->depth--;

    if (pushed) {
        vc->nscope--;
    }

    return result;
}


/* a subschema whose failure is not itself an error */

static ngx_int_t
ngx_http_apisec_schema_quiet(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_snode_t *node, json_t *inst, ngx_http_apisec_spath_t *path,
    ngx_http_apisec_sann_t *ann)
{
    ngx_int_t  rc;

    vc->quiet++;
    rc = ngx_http_apisec_schema_run(vc, node, inst, path, ann);
    vc->quiet--;

    return rc;
}


static ngx_int_t
ngx_http_apisec_schema_object(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_snode_t *node, json_t *inst, ngx_http_apisec_spath_t *path,
    ngx_http_apisec_sann_t *ann)
{
    void                        *it;
    size_t                       n, i, klen, lo, hi, mid;
    json_t                      *value, *name;
    ngx_int_t                    rc, result, cmp;
    ngx_str_t                   *req;
    ngx_uint_t                   j, k, matched;
    const char                  *key;
    ngx_http_apisec_spath_t      sub;
    ngx_http_apisec_sname_t     *nm;
    ngx_http_apisec_spattern_t  *pp;

    result = NGX_OK;
    n = json_object_size(inst);

    if (node->max_properties >= 0 && n > (size_t) node->max_properties) {
        result = ngx_http_apisec_schema_error(vc, path,
                                         "must have at most %i properties",
                                         node->max_properties);
        if (vc->quiet) {
            return result;
        }
    }

    if (node->min_properties >= 0 && n < (size_t) node->min_properties) {
        result = ngx_http_apisec_schema_error(vc, path,
                                         "must have at least %i properties",
                                         node->min_properties);
        if (vc->quiet) {
            return result;
        }
    }

    if (node->required) {
        req = node->required->elts;

        for (j = 0; j < node->required->nelts; j++) {
            if (json_object_getn(inst, (char *) req[j].data, req[j].len)
                == NULL)
            {
                result = ngx_http_apisec_schema_error(vc, path,
                                           "misses the required property "
                                           "\"%*s\"",
                                           ngx_min(req[j].len, 64),
                                           req[j].data);
                if (vc->quiet) {
                    return result;
                }
            }
        }
    }

    if (node->dependent_required) {
        nm = node->dependent_required->elts;

        for (j = 0; j < node->dependent_required->nelts; j++) {
            if (json_object_getn(inst, (char *) nm[j].name.data,
                                 nm[j].name.len)
                == NULL)
            {
                continue;
            }

            req = nm[j].names->elts;

            for (k = 0; k < nm[j].names->nelts; k++) {
                if (json_object_getn(inst, (char *) req[k].data, req[k].len)
                    == NULL)
                {
                    result = ngx_http_apisec_schema_error(vc, path,
                                    "misses the property \"%*s\" that "
                                    "\"%*s\" requires",
                                    ngx_min(req[k].len, 64), req[k].data,
                                    ngx_min(nm[j].name.len, 64),
                                    nm[j].name.data);
                    if (vc->quiet) {
                        return result;
                    }
                }
            }
        }
    }

    if (node->nproperties == 0 && node->pattern_properties == NULL
        && node->additional_properties == NULL
        && node->property_names == NULL)
    {
        return result;
    }

    for (it = json_object_iter(inst), i = 0;
         it;
         it = json_object_iter_next(inst, it), i++)
    {
        if (++vc->steps > NGX_HTTP_APISEC_SCHEMA_MAX_STEPS) {
            vc->exhausted = 1;
            return NGX_ERROR;
        }

        key = json_object_iter_key(it);
        klen = json_object_iter_key_len(it);
        value = json_object_iter_value(it);

        sub.parent = path;
        sub.key = (u_char *) key;
        sub.len = klen;

        matched = 0;

        /* properties: a binary search of the sorted names */

        lo = 0;
        hi = node->nproperties;

        while (lo < hi) {
            mid = lo + (hi - lo) / 2;
            nm = &node->properties[mid];

            cmp = ngx_memcmp(key, nm->name.data, ngx_min(klen, nm->name.len));
            if (cmp == 0) {
                cmp = (klen > nm->name.len) - (klen < nm->name.len);
            }

            if (cmp == 0) {
                matched = 1;

                rc = ngx_http_apisec_schema_run(vc, nm->schema, value, &sub,
                                                NULL);
                if (rc == NGX_ERROR) {
                    return NGX_ERROR;
                }

                if (rc == NGX_DECLINED) {
                    result = NGX_DECLINED;

                    if (vc->quiet) {
                        return result;
                    }
                }

                break;
            }

            if (cmp < 0) {
                hi = mid;

            } else {
                lo = mid + 1;
            }
        }

        if (node->pattern_properties) {
            pp = node->pattern_properties->elts;

            for (j = 0; j < node->pattern_properties->nelts; j++) {
                rc = ngx_http_apisec_schema_pattern(vc, pp[j].regex,
                                                    (u_char *) key, klen,
                                                    &sub);
                if (rc == NGX_ERROR) {
                    return NGX_ERROR;
                }

                if (rc == NGX_DECLINED) {
                    continue;
                }

                matched = 1;

                rc = ngx_http_apisec_schema_run(vc, pp[j].schema, value, &sub,
                                                NULL);
                if (rc == NGX_ERROR) {
                    return NGX_ERROR;
                }

                if (rc == NGX_DECLINED) {
                    result = NGX_DECLINED;

                    if (vc->quiet) {
                        return result;
                    }
                }
            }
        }

        if (!matched && node->additional_properties) {
            matched = 1;

            if (node->additional_properties->kind == NGX_HTTP_APISEC_SN_FALSE)
            {
                result = ngx_http_apisec_schema_error(vc, &sub,
                                           "is not an allowed property");
                if (vc->quiet) {
                    return result;
                }

            } else {
                rc = ngx_http_apisec_schema_run(vc,
                                                node->additional_properties,
                                                value, &sub, NULL);
                if (rc == NGX_ERROR) {
                    return NGX_ERROR;
                }

                if (rc == NGX_DECLINED) {
                    result = NGX_DECLINED;

                    if (vc->quiet) {
                        return result;
                    }
                }
            }
        }

        if (matched) {
            ngx_http_apisec_ann_set(ann, i);
        }

        if (node->property_names) {
            name = json_stringn_nocheck(key, klen);
            if (name == NULL) {
                return NGX_ERROR;
            }

            rc = ngx_http_apisec_schema_quiet(vc, node->property_names, name,
                                              &sub, NULL);
            json_decref(name);

            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_DECLINED) {
                result = ngx_http_apisec_schema_error(vc, &sub,
                                       "is a property name propertyNames "
                                       "does not allow");
                if (vc->quiet) {
                    return result;
                }
            }
        }
    }

    return result;
}


static ngx_int_t
ngx_http_apisec_schema_array(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_snode_t *node, json_t *inst, ngx_http_apisec_spath_t *path,
    ngx_http_apisec_sann_t *ann)
{
    size_t                     n, i, nprefix, matches;
    ngx_int_t                  rc, result;
    ngx_http_apisec_spath_t    sub;
    ngx_http_apisec_snode_t  **prefix;
    ngx_http_apisec_shash_t   *h;

    result = NGX_OK;
    n = json_array_size(inst);

    if (node->max_items >= 0 && n > (size_t) node->max_items) {
        result = ngx_http_apisec_schema_error(vc, path,
                                              "must have at most %i items",
                                              node->max_items);
        if (vc->quiet) {
            return result;
        }
    }

    if (node->min_items >= 0 && n < (size_t) node->min_items) {
        result = ngx_http_apisec_schema_error(vc, path,
                                              "must have at least %i items",
                                              node->min_items);
        if (vc->quiet) {
            return result;
        }
    }

    if (node->unique_items && n > 1) {

        /* sorted by a hash that equal values share: n log n, not n^2 */

        h = ngx_palloc(vc->pool, n * sizeof(ngx_http_apisec_shash_t));
        if (h == NULL) {
            return NGX_ERROR;
        }

        for (i = 0; i < n; i++) {
            h[i].value = json_array_get(inst, i);
            h[i].hash = ngx_http_apisec_schema_hash(h[i].value);
        }

        vc->steps += n;

        ngx_qsort(h, n, sizeof(ngx_http_apisec_shash_t),
                  ngx_http_apisec_schema_hash_cmp);

        for (i = 1; i < n; i++) {
            if (h[i].hash == h[i - 1].hash
                && ngx_http_apisec_schema_equal(h[i].value, h[i - 1].value,
                                                &vc->steps))
            {
                break;
            }
        }

        ngx_pfree(vc->pool, h);

        if (i < n) {
            result = ngx_http_apisec_schema_error(vc, path,
                                               "must not have equal items");
            if (vc->quiet) {
                return result;
            }
        }
    }

    nprefix = node->prefix_items ? node->prefix_items->nelts : 0;
    prefix = node->prefix_items ? node->prefix_items->elts : NULL;

    for (i = 0; i < n; i++) {
        if (i >= nprefix && node->items == NULL) {
            break;
        }

        if (++vc->steps > NGX_HTTP_APISEC_SCHEMA_MAX_STEPS) {
            vc->exhausted = 1;
            return NGX_ERROR;
        }

        sub.parent = path;
        sub.key = NULL;
        sub.len = i;

        rc = ngx_http_apisec_schema_run(vc, i < nprefix ? prefix[i]
                                                        : node->items,
                                        json_array_get(inst, i), &sub, NULL);
        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_DECLINED) {
            result = NGX_DECLINED;

            if (vc->quiet) {
                return result;
            }
        }

        ngx_http_apisec_ann_set(ann, i);
    }

    if (node->contains) {
        matches = 0;

        for (i = 0; i < n; i++) {
            sub.parent = path;
            sub.key = NULL;
            sub.len = i;

            rc = ngx_http_apisec_schema_quiet(vc, node->contains,
                                              json_array_get(inst, i), &sub,
                                              NULL);
            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_OK) {
                matches++;
                ngx_http_apisec_ann_set(ann, i);
            }
        }

        if (node->min_contains >= 0 ? matches < (size_t) node->min_contains
                                    : matches == 0)
        {
            result = ngx_http_apisec_schema_error(vc, path,
                                           "does not contain enough items "
                                           "that match contains");
            if (vc->quiet) {
                return result;
            }
        }

        if (node->max_contains >= 0 && matches > (size_t) node->max_contains)
        {
            result = ngx_http_apisec_schema_error(vc, path,
                                           "contains too many items that "
                                           "match contains");
            if (vc->quiet) {
                return result;
            }
        }
    }

    return result;
}


/* allOf, anyOf, oneOf, not, if/then/else, dependentSchemas: in place */

static ngx_int_t
ngx_http_apisec_schema_applicators(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_snode_t *node, json_t *inst, ngx_http_apisec_spath_t *path,
    ngx_http_apisec_sann_t *ann)
{
    ngx_int_t                  rc, result;
    ngx_uint_t                 i, valid;
    ngx_http_apisec_sann_t     tmp, *tp;
    ngx_http_apisec_sname_t   *nm;
    ngx_http_apisec_snode_t  **sub;

    result = NGX_OK;

    if (node->all_of) {
        sub = node->all_of->elts;

        for (i = 0; i < node->all_of->nelts; i++) {
            rc = ngx_http_apisec_schema_run(vc, sub[i], inst, path, ann);

            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_DECLINED) {
                result = NGX_DECLINED;

                if (vc->quiet) {
                    return result;
                }
            }
        }
    }

    /* annotations of a failed branch do not count: each its own bitmap */

    tp = NULL;

    if (ann && ann->bits
        && (node->any_of || node->one_of || node->if_))
    {
        if (ngx_http_apisec_schema_ann_init(vc, &tmp, inst) != NGX_OK) {
            return NGX_ERROR;
        }

        tp = &tmp;
    }

    if (node->any_of) {
        sub = node->any_of->elts;
        valid = 0;

        for (i = 0; i < node->any_of->nelts; i++) {
            if (tp) {
                ngx_memzero(tp->bits, (tp->n + 7) / 8);
            }

            rc = ngx_http_apisec_schema_quiet(vc, sub[i], inst, path, tp);

            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_OK) {
                valid++;

                if (tp == NULL) {
                    break;
                }

                ngx_http_apisec_schema_ann_merge(ann, tp);
            }
        }

        if (valid == 0) {
            result = ngx_http_apisec_schema_error(vc, path,
                                               "must match a schema of "
                                               "anyOf");
            if (vc->quiet) {
                return result;
            }
        }
    }

    if (node->one_of) {
        sub = node->one_of->elts;
        valid = 0;

        for (i = 0; i < node->one_of->nelts; i++) {
            if (tp) {
                ngx_memzero(tp->bits, (tp->n + 7) / 8);
            }

            rc = ngx_http_apisec_schema_quiet(vc, sub[i], inst, path, tp);

            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_OK) {
                if (++valid > 1) {
                    break;
                }

                if (tp) {
                    ngx_http_apisec_schema_ann_merge(ann, tp);
                }
            }
        }

        if (valid != 1) {
            result = ngx_http_apisec_schema_error(vc, path,
                                           valid ? "must match only one "
                                                   "schema of oneOf"
                                                 : "must match a schema "
                                                   "of oneOf");
            if (vc->quiet) {
                return result;
            }
        }
    }

    if (node->not) {
        rc = ngx_http_apisec_schema_quiet(vc, node->not, inst, path, NULL);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_OK) {
            result = ngx_http_apisec_schema_error(vc, path,
                                             "must not match the schema of "
                                             "not");
            if (vc->quiet) {
                return result;
            }
        }
    }

    if (node->if_) {
        if (tp) {
            ngx_memzero(tp->bits, (tp->n + 7) / 8);
        }

        rc = ngx_http_apisec_schema_quiet(vc, node->if_, inst, path, tp);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_OK && tp) {
            ngx_http_apisec_schema_ann_merge(ann, tp);
        }

        sub = (rc == NGX_OK) ? &node->then : &node->else_;

        if (*sub) {
            rc = ngx_http_apisec_schema_run(vc, *sub, inst, path, ann);

            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_DECLINED) {
                result = NGX_DECLINED;

                if (vc->quiet) {
                    return result;
                }
            }
        }
    }

    if (node->dependent_schemas && json_is_object(inst)) {
        nm = node->dependent_schemas->elts;

        for (i = 0; i < node->dependent_schemas->nelts; i++) {
            if (json_object_getn(inst, (char *) nm[i].name.data,
                                 nm[i].name.len)
                == NULL)
            {
                continue;
            }

            rc = ngx_http_apisec_schema_run(vc, nm[i].schema, inst, path,
                                            ann);
            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_DECLINED) {
                result = NGX_DECLINED;

                if (vc->quiet) {
                    return result;
                }
            }
        }
    }

    return result;
}


/*
 * One violation: kept (the first MAX_ERRORS) with its RFC 6901 pointer,
 * each member name cut to DETAIL_MAX bytes and the whole to 8 of them.
 */

static ngx_int_t ngx_cdecl
ngx_http_apisec_schema_error(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_spath_t *path, const char *fmt, ...)
{
    u_char                           *p, *last, *seg, buf[128];
    size_t                            len, n, k;
    va_list                           args;
    ngx_uint_t                        depth, i;
    ngx_http_apisec_spath_t          *pp, *stack[64];
    ngx_http_apisec_schema_error_t   *e;

    if (vc->quiet) {
        return NGX_DECLINED;
    }

    vc->res->total++;

    if (vc->res->nerrors == NGX_HTTP_APISEC_SCHEMA_MAX_ERRORS) {
        return NGX_DECLINED;
    }

    e = &vc->res->errors[vc->res->nerrors];

    va_start(args, fmt);
    p = ngx_vslprintf(buf, buf + sizeof(buf), fmt, args);
    va_end(args);

    e->detail.len = p - buf;
    e->detail.data = ngx_pnalloc(vc->pool, e->detail.len);
    if (e->detail.data == NULL) {
        return NGX_DECLINED;
    }

    ngx_memcpy(e->detail.data, buf, e->detail.len);

    /* the path, outermost first; deeper than 64 levels is cut */

    depth = 0;

    for (pp = path; pp; pp = pp->parent) {
        depth++;
    }

    n = 0;

    for (pp = path, i = depth; pp; pp = pp->parent) {
        i--;
        if (i < 64) {
            stack[i] = pp;
            n++;
        }
    }

    len = 8 * NGX_HTTP_APISEC_SCHEMA_DETAIL_MAX;

    e->pointer.data = ngx_pnalloc(vc->pool, len);
    if (e->pointer.data == NULL) {
        return NGX_DECLINED;
    }

    p = e->pointer.data;
    last = p + len;

    for (i = 0; i < n && i < depth; i++) {
        pp = stack[i];

        if (last - p < NGX_HTTP_APISEC_SCHEMA_DETAIL_MAX * 2 + 2) {
            break;
        }

        *p++ = '/';

        if (pp->key == NULL) {
            p = ngx_sprintf(p, "%uz", pp->len);
            continue;
        }

        seg = (u_char *) pp->key;
        k = ngx_min(pp->len, NGX_HTTP_APISEC_SCHEMA_DETAIL_MAX);

        /* never cut inside a UTF-8 sequence */

        while (k < pp->len && k > 0 && (seg[k] & 0xc0) == 0x80) {
            k--;
        }

        for ( /* void */ ; k; k--, seg++) {
            if (*seg == '~') {
                *p++ = '~';
                *p++ = '0';

            } else if (*seg == '/') {
                *p++ = '~';
                *p++ = '1';

            } else {
                *p++ = *seg;
            }
        }
    }

    e->pointer.len = p - e->pointer.data;

    vc->res->nerrors++;

    return NGX_DECLINED;
}


static ngx_uint_t
ngx_http_apisec_schema_type(json_t *inst)
{
    double  d;

    switch (json_typeof(inst)) {

    case JSON_OBJECT:
        return NGX_HTTP_APISEC_ST_OBJECT;

    case JSON_ARRAY:
        return NGX_HTTP_APISEC_ST_ARRAY;

    case JSON_STRING:
        return NGX_HTTP_APISEC_ST_STRING;

    case JSON_INTEGER:
        return NGX_HTTP_APISEC_ST_INTEGER;

    case JSON_REAL:
        d = json_real_value(inst);

        /* 1.0 is an integer (draft-06 onwards) */

        if (d == floor(d)) {
            return NGX_HTTP_APISEC_ST_INTEGER;
        }

        return NGX_HTTP_APISEC_ST_NUMBER;

    case JSON_TRUE:
    case JSON_FALSE:
        return NGX_HTTP_APISEC_ST_BOOLEAN;

    default:
        return NGX_HTTP_APISEC_ST_NULL;
    }
}


static ngx_int_t
ngx_http_apisec_schema_ann_init(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_sann_t *ann, json_t *inst)
{
    ann->n = json_is_object(inst) ? json_object_size(inst)
                                  : json_array_size(inst);

    ann->bits = ngx_pcalloc(vc->pool, (ann->n + 7) / 8 + 1);
    if (ann->bits == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_apisec_schema_ann_merge(ngx_http_apisec_sann_t *to,
    ngx_http_apisec_sann_t *from)
{
    ngx_uint_t  i;

    if (to == NULL || to->bits == NULL || to->n != from->n) {
        return;
    }

    for (i = 0; i < (to->n + 7) / 8; i++) {
        to->bits[i] |= from->bits[i];
    }
}


/*
 * A match with a growing limit: 1000, 10000, then the schema's limit
 * (NGX_HTTP_APISEC_SCHEMA_MATCH_LIMIT).  Every limit a match runs into is
 * charged to the validation's steps, so that many strings each matched
 * just under the limit still end at the work limit; the matches of sane
 * patterns never reach the first one.
 */

ngx_int_t
ngx_http_apisec_schema_regex_match(ngx_http_apisec_schema_t *schema,
    ngx_http_apisec_sregex_t *re, u_char *s, size_t len, ngx_uint_t *steps)
{
    int       rc;
    uint32_t  limit;

    limit = 1000;

    for ( ;; ) {
        pcre2_set_match_limit(schema->match_context, limit);

        rc = pcre2_match(re->code, s, len, 0, 0, re->match,
                         schema->match_context);

        if (rc != PCRE2_ERROR_MATCHLIMIT) {
            break;
        }

        *steps += limit;

        if (limit >= NGX_HTTP_APISEC_SCHEMA_MATCH_LIMIT) {
            return NGX_ERROR;
        }

        limit = ngx_min(limit * 10, NGX_HTTP_APISEC_SCHEMA_MATCH_LIMIT);
    }

    if (rc >= 0) {
        return NGX_OK;
    }

    if (rc == PCRE2_ERROR_NOMATCH) {
        return NGX_DECLINED;
    }

    /* the heap limit, invalid UTF-8: never a match */

    return NGX_ERROR;
}


/*
 * A pattern: NGX_ERROR when it cannot be decided (a limit), with the error
 * recorded even in a quiet subschema and the validation ended: a "not" or
 * an "anyOf" must never turn an undecided match into a success.
 */

static ngx_int_t
ngx_http_apisec_schema_pattern(ngx_http_apisec_svc_t *vc,
    ngx_http_apisec_sregex_t *re, u_char *s, size_t len,
    ngx_http_apisec_spath_t *path)
{
    ngx_int_t   rc;
    ngx_uint_t  quiet;

    rc = ngx_http_apisec_schema_regex_match(vc->schema, re, s, len,
                                            &vc->steps);

    if (rc == NGX_ERROR) {
        quiet = vc->quiet;
        vc->quiet = 0;
        (void) ngx_http_apisec_schema_error(vc, path,
                                          "pattern match exceeds its limit");
        vc->quiet = quiet;
        vc->aborted = 1;
        return NGX_ERROR;
    }

    if (vc->steps > NGX_HTTP_APISEC_SCHEMA_MAX_STEPS) {
        vc->exhausted = 1;
        return NGX_ERROR;
    }

    return rc;
}
