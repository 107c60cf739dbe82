
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_CONF_H_INCLUDED_
#define _NGX_HTTP_APISEC_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


/*
 * Where a directive was read: a mistake found only when the configuration
 * is merged (at the closing "}" of http) is reported where it was made,
 * not where nginx happens to be reading (ngx_http_apisec_errors.c).
 */
typedef struct {
    ngx_str_t                   file;       /* data NULL: not recorded */
    ngx_uint_t                  line;
} ngx_http_apisec_conf_pos_t;


ngx_int_t ngx_http_apisec_conf_pos(ngx_conf_t *cf,
    ngx_http_apisec_conf_pos_t *pos);
void ngx_cdecl ngx_http_apisec_merge_error(ngx_conf_t *cf, ngx_uint_t level,
    ngx_http_apisec_conf_pos_t *pos, const char *fmt, ...);


#endif /* _NGX_HTTP_APISEC_CONF_H_INCLUDED_ */
