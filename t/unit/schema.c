
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Unit test of the JSON Schema core (src/ngx_http_apisec_schema*.c),
 * built and run by t/schema_unit.t without a server: prints TAP.
 *
 *   schema FILE...
 *
 * Each FILE is in the JSON-Schema-Test-Suite's format, an array of
 *
 *   {"description": ..., "schema": ..., "tests": [
 *       {"description": ..., "data": ..., "valid": true|false,
 *        "pointers": ["/a/0", ...]}          (optional: the errors' pointers)
 *   ]}
 *
 * with optional members of a group: "dialect" ("draft7", "oas30"),
 * "format": true (format assertion), "file" (the document's path, for
 * "$ref"s to files beside it) and "compile_error" (a substring of the
 * message compile must fail with; no tests then).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>
#include "ngx_http_apisec_schema.h"

#include <stdio.h>
#include <stdlib.h>


/* nginx's core is not linked: its pool, array and string code only */

void ngx_cdecl
ngx_log_error_core(ngx_uint_t level, ngx_log_t *log, ngx_err_t err,
    const char *fmt, ...)
{
}


volatile ngx_cycle_t  *ngx_cycle;


static ngx_uint_t  ngx_http_apisec_test_n;
static ngx_uint_t  ngx_http_apisec_test_failed;


static void
ngx_http_apisec_test_ok(int ok, const char *group, const char *test,
    const char *why)
{
    ngx_http_apisec_test_n++;

    if (!ok) {
        ngx_http_apisec_test_failed++;
    }

    printf("%sok %lu - %s: %s%s%s\n", ok ? "" : "not ",
           (unsigned long) ngx_http_apisec_test_n, group, test,
           why ? " # " : "", why ? why : "");
}


static void
ngx_http_apisec_test_group(json_t *g, ngx_log_t *log)
{
    u_char                           *p;
    size_t                            i, k;
    json_t                           *t, *tests, *ptrs, *v, *doc, *target;
    ngx_str_t                         err, file;
    ngx_int_t                         rc;
    ngx_uint_t                        dialect, flags, ok;
    ngx_pool_t                       *pool;
    const char                       *desc, *d, *want;
    ngx_http_apisec_schema_t         *schema;
    ngx_http_apisec_schema_result_t   res;
    char                              why[512], path[PATH_MAX];
    char                              full[PATH_MAX + 512];

    desc = json_string_value(json_object_get(g, "description"));
    if (desc == NULL) {
        desc = "(group)";
    }

    dialect = NGX_HTTP_APISEC_SCHEMA_2020_12;
    d = json_string_value(json_object_get(g, "dialect"));

    if (d && strcmp(d, "draft7") == 0) {
        dialect = NGX_HTTP_APISEC_SCHEMA_DRAFT7;

    } else if (d && strcmp(d, "oas30") == 0) {
        dialect = NGX_HTTP_APISEC_SCHEMA_OAS30;
    }

    flags = json_is_true(json_object_get(g, "format"))
            ? NGX_HTTP_APISEC_SCHEMA_FORMAT_ASSERT : 0;

    /* the directives give the full name: so does the test */

    d = json_string_value(json_object_get(g, "file"));
    file.data = NULL;
    file.len = 0;

    if (d) {
        snprintf(why, sizeof(why), "%s", d);
        p = (u_char *) strrchr(why, '/');
        *p = '\0';

        if (realpath(why, path) != NULL) {
            snprintf(full, sizeof(full), "%s/%s", path, (char *) p + 1);
            file.data = (u_char *) full;
            file.len = ngx_strlen(full);
        }
    }

    pool = ngx_create_pool(4096, log);
    if (pool == NULL) {
        ngx_http_apisec_test_ok(0, desc, "pool", NULL);
        return;
    }

    /* "at": the keys of a schema inside the document (OpenAPI's way) */

    doc = json_object_get(g, "schema");
    target = doc;

    json_array_foreach(json_object_get(g, "at"), k, v) {
        target = json_object_get(target, json_string_value(v));
    }

    schema = ngx_http_apisec_schema_compile(pool, log, doc, target, &file,
                                            dialect, flags, &err);

    want = json_string_value(json_object_get(g, "compile_error"));

    if (want) {
        p = err.len ? ngx_pnalloc(pool, err.len + 1) : NULL;
        if (p) {
            ngx_memcpy(p, err.data, err.len);
            p[err.len] = '\0';
        }

        snprintf(why, sizeof(why), "got \"%s\"", p ? (char *) p : "");
        ngx_http_apisec_test_ok(schema == NULL && p
                                && strstr((char *) p, want) != NULL,
                                desc, "compile fails", why);
        ngx_destroy_pool(pool);
        return;
    }

    if (schema == NULL) {
        snprintf(why, sizeof(why), "compile: %.*s", (int) err.len,
                 err.data ? (char *) err.data : "");
        ngx_http_apisec_test_ok(0, desc, "compiles", why);
        ngx_destroy_pool(pool);
        return;
    }

    tests = json_object_get(g, "tests");

    json_array_foreach(tests, i, t) {
        d = json_string_value(json_object_get(t, "description"));

        rc = ngx_http_apisec_schema_validate(schema,
                                             json_object_get(t, "data"),
                                             pool, &res);

        ok = (rc == NGX_OK) == json_is_true(json_object_get(t, "valid"))
             && rc != NGX_ERROR;

        why[0] = '\0';

        if (res.nerrors) {
            snprintf(why, sizeof(why), "%lu errors, first \"%.*s\": %.*s",
                     (unsigned long) res.total,
                     (int) res.errors[0].pointer.len,
                     (char *) res.errors[0].pointer.data,
                     (int) res.errors[0].detail.len,
                     (char *) res.errors[0].detail.data);
        }

        /* the invariants of a refusal: errors, bounded, pointers sane */

        if (rc == NGX_DECLINED && (res.nerrors == 0 || res.total == 0)) {
            ok = 0;
        }

        for (k = 0; k < res.nerrors; k++) {
            if (res.errors[k].pointer.len
                && res.errors[k].pointer.data[0] != '/')
            {
                ok = 0;
            }

            if (res.errors[k].detail.len > 128) {
                ok = 0;
            }
        }

        ptrs = json_object_get(t, "pointers");

        if (ptrs) {
            if (json_array_size(ptrs) != res.nerrors) {
                ok = 0;
            }

            json_array_foreach(ptrs, k, v) {
                if (k >= res.nerrors
                    || json_string_length(v) != res.errors[k].pointer.len
                    || ngx_memcmp(json_string_value(v),
                                  res.errors[k].pointer.data,
                                  res.errors[k].pointer.len) != 0)
                {
                    ok = 0;
                }
            }
        }

        ngx_http_apisec_test_ok(ok, desc, d ? d : "(test)",
                                why[0] ? why : NULL);
    }

    ngx_destroy_pool(pool);
}


int
main(int argc, char **argv)
{
    int            i;
    size_t         k;
    json_t        *doc, *g;
    ngx_log_t      log;
    json_error_t   jerr;

    ngx_memzero(&log, sizeof(ngx_log_t));
    log.log_level = NGX_LOG_EMERG;

    ngx_pagesize = getpagesize();
    ngx_cacheline_size = 64;

    for (i = 1; i < argc; i++) {
        doc = json_load_file(argv[i], JSON_REJECT_DUPLICATES, &jerr);
        if (doc == NULL) {
            printf("not ok %lu - %s: %s (line %d)\n",
                   (unsigned long) ++ngx_http_apisec_test_n, argv[i],
                   jerr.text, jerr.line);
            ngx_http_apisec_test_failed++;
            continue;
        }

        json_array_foreach(doc, k, g) {
            ngx_http_apisec_test_group(g, &log);
        }

        json_decref(doc);
    }

    printf("1..%lu\n", (unsigned long) ngx_http_apisec_test_n);

    return ngx_http_apisec_test_failed ? 1 : 0;
}
