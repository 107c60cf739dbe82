
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * What validating a request body costs next to parsing it: the body of
 * bench/cases/84-json_schema.conf against bench/order.schema.json.
 *
 *   schema_cost SCHEMA BODYFILE MODE N
 *
 * MODE "none" (setup only: the schema compiled, the body parsed once),
 * "parse" (N × json_loadb() of the body, as the module's parser calls it)
 * or "validate" (N × ngx_http_apisec_schema_validate() with a fresh pool
 * each).  Run under callgrind by bench/schema_cost.sh: the Ir of a mode
 * minus that of "none", divided by N, is the cost of one.  Built like
 * t/schema_unit.t's unit test (nginx's pool and string code compiled in).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>
#include "ngx_http_apisec_schema.h"

#include <stdio.h>
#include <stdlib.h>


volatile ngx_cycle_t  *ngx_cycle;


void ngx_cdecl
ngx_log_error_core(ngx_uint_t level, ngx_log_t *log, ngx_err_t err,
    const char *fmt, ...)
{
}


int
main(int argc, char **argv)
{
    long                              i, n;
    FILE                             *f;
    char                              body[65536];
    size_t                            len;
    json_t                           *schema, *json, *j;
    ngx_str_t                         file, err;
    ngx_log_t                         log;
    ngx_pool_t                       *pool, *vp;
    json_error_t                      jerr;
    ngx_http_apisec_schema_t         *s;
    ngx_http_apisec_schema_result_t   res;

    if (argc != 5) {
        fprintf(stderr, "usage: schema_cost SCHEMA BODY MODE N\n");
        return 2;
    }

    ngx_memzero(&log, sizeof(ngx_log_t));
    ngx_pagesize = getpagesize();
    ngx_cacheline_size = 64;

    f = fopen(argv[2], "r");
    if (f == NULL) {
        return 2;
    }

    len = fread(body, 1, sizeof(body), f);
    fclose(f);

    schema = json_load_file(argv[1], JSON_REJECT_DUPLICATES, &jerr);
    if (schema == NULL) {
        fprintf(stderr, "%s: %s\n", argv[1], jerr.text);
        return 2;
    }

    pool = ngx_create_pool(16384, &log);

    file.data = (u_char *) argv[1];
    file.len = strlen(argv[1]);

    s = ngx_http_apisec_schema_compile(pool, &log, schema, schema, &file,
                                       NGX_HTTP_APISEC_SCHEMA_2020_12, 0,
                                       &err);
    if (s == NULL) {
        fprintf(stderr, "%.*s\n", (int) err.len, err.data);
        return 2;
    }

    json = json_loadb(body, len,
                      JSON_REJECT_DUPLICATES|JSON_DECODE_ANY|JSON_ALLOW_NUL,
                      &jerr);
    if (json == NULL) {
        fprintf(stderr, "body: %s\n", jerr.text);
        return 2;
    }

    n = atol(argv[4]);

    for (i = 0; i < n; i++) {
        if (strcmp(argv[3], "parse") == 0) {
            j = json_loadb(body, len, JSON_REJECT_DUPLICATES|JSON_DECODE_ANY
                                      |JSON_ALLOW_NUL, &jerr);
            json_decref(j);

        } else if (strcmp(argv[3], "validate") == 0) {
            vp = ngx_create_pool(4096, &log);

            if (ngx_http_apisec_schema_validate(s, json, vp, &res) != NGX_OK)
            {
                fprintf(stderr, "the body does not validate: %.*s %.*s\n",
                        (int) res.errors[0].pointer.len,
                        res.errors[0].pointer.data,
                        (int) res.errors[0].detail.len,
                        res.errors[0].detail.data);
                return 1;
            }

            ngx_destroy_pool(vp);
        }
    }

    json_decref(json);
    json_decref(schema);
    ngx_destroy_pool(pool);

    return 0;
}
