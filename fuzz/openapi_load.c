
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * apisec_openapi's loader and compiler (src/ngx_http_apisec_openapi_load.c,
 * _openapi_compile.c) on arbitrary bytes: JSON or YAML, then compiled as a
 * document with no directory (a "$ref" to a file is refused).  Invariants:
 * a refusal always says why; a parsed document is a JSON value jansson can
 * dump again; a document the compiler refuses has a reason, never the
 * "out of memory" of a path that forgot to give one; every path template
 * of a compiled document, its templates
 * filled with "1" and under the servers' base path, routes to a path item
 * (the route never returns NULL for a path the document declares), and
 * its operations' methods are in that item's Allow.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec_openapi.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ngx_http_apisec_fuzz_openapi_route(ngx_pool_t *pool,
    ngx_http_apisec_openapi_t *oa, const char *tmpl);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                       *dump;
    u_char                     *buf;
    json_t                     *doc, *paths, *v;
    ngx_str_t                   err, file, dir;
    ngx_pool_t                 *pool;
    const char                 *key;
    ngx_http_apisec_openapi_t  *oa;

    pool = ngx_http_apisec_fuzz_pool();

    buf = ngx_http_apisec_fuzz_copy(pool, data, size, 0);

    ngx_str_null(&err);

    doc = ngx_http_apisec_openapi_parse(buf, size, pool, &err);

    if (doc == NULL) {
        ngx_http_apisec_fuzz_assert(err.len > 0);
        ngx_destroy_pool(pool);
        return 0;
    }

    dump = json_dumps(doc, JSON_ENCODE_ANY);
    ngx_http_apisec_fuzz_assert(dump != NULL);
    free(dump);

    ngx_str_set(&file, "fuzz.yaml");
    ngx_str_null(&dir);
    ngx_str_null(&err);

    oa = ngx_http_apisec_openapi_compile(pool, ngx_http_apisec_fuzz_log, doc,
                                         &file, &dir, &err);

    if (oa == NULL) {
        /* a reason, never the allocation failure a fuzz pool never has */

        ngx_http_apisec_fuzz_assert(err.len > 0
                                    && !(err.len == 13
                                         && ngx_strncmp(err.data,
                                                        "out of memory", 13)
                                            == 0));

    } else {
        paths = json_object_get(doc, "paths");

        json_object_foreach(paths, key, v) {
            ngx_http_apisec_fuzz_openapi_route(pool, oa, key);
        }
    }

    ngx_destroy_pool(pool);
    json_decref(doc);

    return 0;
}


static void
ngx_http_apisec_fuzz_openapi_route(ngx_pool_t *pool,
    ngx_http_apisec_openapi_t *oa, const char *tmpl)
{
    u_char                           *p, *uri;
    size_t                            len;
    ngx_str_t                         u;
    ngx_uint_t                        intmpl;
    ngx_http_apisec_openapi_node_t   *node;
    ngx_http_apisec_openapi_match_t   m;

    len = ngx_strlen(tmpl);

    uri = ngx_pnalloc(pool, oa->base.len + len + 1);
    ngx_http_apisec_fuzz_assert(uri != NULL);

    p = ngx_cpymem(uri, oa->base.data, oa->base.len);

    intmpl = 0;

    for ( /* void */ ; *tmpl; tmpl++) {
        if (*tmpl == '{') {
            intmpl = 1;
            *p++ = '1';
            continue;
        }

        if (*tmpl == '}') {
            intmpl = 0;
            continue;
        }

        if (!intmpl) {
            *p++ = *tmpl;
        }
    }

    u.data = uri;
    u.len = p - uri;

    node = ngx_http_apisec_openapi_route(oa, &u, &m);

    ngx_http_apisec_fuzz_assert((node != NULL && node->path)
                                || m.visits
                                   > NGX_HTTP_APISEC_OPENAPI_MAX_VISITS);
}
