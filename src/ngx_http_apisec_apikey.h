
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_APIKEY_H_INCLUDED_
#define _NGX_HTTP_APISEC_APIKEY_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_apisec_conf.h"


/* apisec_api_key: where the key is */
#define NGX_HTTP_APISEC_APIKEY_OFF        0
#define NGX_HTTP_APISEC_APIKEY_HEADER     1
#define NGX_HTTP_APISEC_APIKEY_QUERY      2

#define NGX_HTTP_APISEC_APIKEY_DIGEST_LEN 32     /* SHA-256 */
#define NGX_HTTP_APISEC_APIKEY_MAX_LEN    512    /* longer keys: invalid */
#define NGX_HTTP_APISEC_APIKEY_MAX_NAME   128
#define NGX_HTTP_APISEC_APIKEY_MAX_FILE   (256 * 1024 * 1024)

/* results of API-key authentication, $apisec_auth_result; 0: never computed */
#define NGX_HTTP_APISEC_APIKEY_NONE       0
#define NGX_HTTP_APISEC_APIKEY_OK         1
#define NGX_HTTP_APISEC_APIKEY_MISSING    2
#define NGX_HTTP_APISEC_APIKEY_SEVERAL    3
#define NGX_HTTP_APISEC_APIKEY_UNKNOWN    4
#define NGX_HTTP_APISEC_APIKEY_REVOKED    5
#define NGX_HTTP_APISEC_APIKEY_EXPIRED    6
#define NGX_HTTP_APISEC_APIKEY_ADDRESS    7
#define NGX_HTTP_APISEC_APIKEY_ERROR      8


/* one line of the key file: a consumer and one of its keys */
typedef struct {
    u_char                      digest[NGX_HTTP_APISEC_APIKEY_DIGEST_LEN];
    ngx_str_t                   name;
    ngx_array_t                *roles;      /* ngx_str_t; NULL: none */
    ngx_str_t                   roles_text; /* "a,b": $apisec_roles */
    ngx_array_t                *allow;      /* ngx_cidr_t; NULL: any */
    time_t                      expires;    /* 0: never */
    uint64_t                    rate;       /* requests a day; 0 */
    ngx_uint_t                  line;
    unsigned                    revoked:1;
} ngx_http_apisec_consumer_t;


/*
 * The consumers of one key file, in an open-addressing hash table indexed
 * by the SHA-256 of the key (uniformly distributed, so its first bytes are
 * the hash): a lookup costs one digest and, on average, little more than
 * one comparison, whatever the number of consumers.
 */
typedef struct {
    ngx_str_t                   file;
    ngx_http_apisec_consumer_t *consumers;
    ngx_uint_t                  nconsumers;
    ngx_http_apisec_consumer_t **buckets;
    ngx_uint_t                  mask;       /* buckets: mask + 1 */
} ngx_http_apisec_apikey_table_t;


typedef struct {
    ngx_uint_t                  mode;       /* NGX_HTTP_APISEC_APIKEY_* */
    ngx_http_apisec_conf_pos_t  mode_pos;
    ngx_str_t                   name;       /* header or argument name */
    ngx_flag_t                  strip;
    ngx_http_apisec_apikey_table_t  *table;
} ngx_http_apisec_apikey_conf_t;


void ngx_http_apisec_apikey_create_conf(ngx_http_apisec_apikey_conf_t *conf);
char *ngx_http_apisec_apikey_merge_conf(ngx_conf_t *cf,
    ngx_http_apisec_apikey_conf_t *prev, ngx_http_apisec_apikey_conf_t *conf);

char *ngx_http_apisec_api_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_api_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

ngx_str_t *ngx_http_apisec_apikey_result_name(ngx_uint_t result);

/*
 * pure functions: the key file parser (a buffer in, a table out; the line
 * and the reason on failure), the table's lookup, and the query strip
 */
ngx_int_t ngx_http_apisec_apikey_parse(ngx_pool_t *pool, u_char *buf,
    size_t len, ngx_http_apisec_apikey_table_t *table, ngx_uint_t *line,
    char *err, size_t errlen);
ngx_http_apisec_consumer_t *ngx_http_apisec_apikey_lookup(
    ngx_http_apisec_apikey_table_t *table, u_char *digest);
ngx_uint_t ngx_http_apisec_apikey_strip_arg(ngx_str_t *args, ngx_str_t *name,
    ngx_str_t *value, ngx_uint_t strip);


#endif /* _NGX_HTTP_APISEC_APIKEY_H_INCLUDED_ */
