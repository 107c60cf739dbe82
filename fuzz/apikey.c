
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * API-key files (src/ngx_http_apisec_apikey.c): the input is the contents
 * of an apisec_api_key_file, parsed by ngx_http_apisec_apikey_parse() as
 * at configuration time.  A refusal must say why; an accepted table must
 * find every consumer again by its key's digest.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec_apikey.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                             err[256];
    u_char                          *buf;
    ngx_int_t                        rc;
    ngx_uint_t                       line, i;
    ngx_pool_t                      *pool;
    ngx_http_apisec_consumer_t      *c;
    ngx_http_apisec_apikey_table_t  *table;

    pool = ngx_http_apisec_fuzz_pool();

    table = ngx_pcalloc(pool, sizeof(ngx_http_apisec_apikey_table_t));
    ngx_http_apisec_fuzz_assert(table != NULL);

    buf = ngx_http_apisec_fuzz_copy(pool, data, size, 0);

    line = 0;
    err[0] = '\0';

    rc = ngx_http_apisec_apikey_parse(pool, buf, size, table, &line, err,
                                      sizeof(err));

    if (rc != NGX_OK) {
        ngx_http_apisec_fuzz_assert(err[0] != '\0');
        ngx_http_apisec_fuzz_assert(line >= 1);

    } else {
        for (i = 0; i < table->nconsumers; i++) {
            c = ngx_http_apisec_apikey_lookup(table,
                                              table->consumers[i].digest);
            ngx_http_apisec_fuzz_assert(c != NULL);
            ngx_http_apisec_fuzz_assert(
                ngx_memcmp(c->digest, table->consumers[i].digest,
                           NGX_HTTP_APISEC_APIKEY_DIGEST_LEN) == 0);
        }
    }

    ngx_destroy_pool(pool);

    return 0;
}
