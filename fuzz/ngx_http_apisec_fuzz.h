
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_FUZZ_H_INCLUDED_
#define _NGX_HTTP_APISEC_FUZZ_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec_jwt.h"
#include "ngx_http_apisec_keys.h"


/*
 * What every fuzz target shares (fuzz/ngx_http_apisec_fuzz.c): nginx's core
 * set up as far as the module's parsers need it, a log that goes nowhere
 * (formatted at debug level all the same, so that every %V is read), and a
 * fresh pool and configuration context for each input.
 */

extern ngx_log_t   *ngx_http_apisec_fuzz_log;

/* a pool, and a ngx_conf_t on it as a directive handler would see it */
ngx_pool_t *ngx_http_apisec_fuzz_pool(void);
ngx_conf_t *ngx_http_apisec_fuzz_conf(ngx_pool_t *pool);

/*
 * A copy of the input in an allocation of its own, exactly "size" bytes
 * (nul = 0: ASan sees a read one past the end) or "size" + 1 with a NUL
 * there (nul = 1, for parsers that want C strings).
 */
u_char *ngx_http_apisec_fuzz_copy(ngx_pool_t *pool, const uint8_t *data,
    size_t size, ngx_uint_t nul);

/* "line\nrest": both copied as above; NGX_DECLINED without a newline */
ngx_int_t ngx_http_apisec_fuzz_line(ngx_pool_t *pool, const uint8_t *data,
    size_t size, ngx_str_t *line, ngx_str_t *rest);

/*
 * An identity provider's answer: "Content-Type\nbody", checked and parsed
 * as a subrequest's; NULL when refused (the caller owns the reference)
 */
json_t *ngx_http_apisec_fuzz_answer(ngx_pool_t *pool, const uint8_t *data,
    size_t size);

/* maps and initialises the zones added since the last call (see the .c) */
void ngx_http_apisec_fuzz_shm(void);

/* a JWT location's configuration with every check on (the same each call) */
ngx_http_apisec_jwt_conf_t *ngx_http_apisec_fuzz_jwt_conf(void);

/* the target's own initialisation, optional */
int ngx_http_apisec_fuzz_init(void) __attribute__((weak));

/* a broken invariant: prints it and aborts, which libFuzzer reports */
#define ngx_http_apisec_fuzz_assert(cond)                                     \
    if (!(cond)) {                                                            \
        ngx_http_apisec_fuzz_fail(__FILE__, __LINE__, #cond);                 \
    }

void ngx_http_apisec_fuzz_fail(const char *file, int line, const char *what);


#endif /* _NGX_HTTP_APISEC_FUZZ_H_INCLUDED_ */
