
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_AUTHZ_H_INCLUDED_
#define _NGX_HTTP_APISEC_AUTHZ_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>

#include "ngx_http_apisec_conf.h"


/* apisec_require_claim operators */
#define NGX_HTTP_APISEC_OP_EQ        1
#define NGX_HTTP_APISEC_OP_NE        2
#define NGX_HTTP_APISEC_OP_IN        3
#define NGX_HTTP_APISEC_OP_NIN       4
#define NGX_HTTP_APISEC_OP_CONTAINS  5
#define NGX_HTTP_APISEC_OP_GT        6
#define NGX_HTTP_APISEC_OP_GE        7
#define NGX_HTTP_APISEC_OP_LT        8
#define NGX_HTTP_APISEC_OP_LE        9
#define NGX_HTTP_APISEC_OP_MATCH     10
#define NGX_HTTP_APISEC_OP_EXISTS    11

/* the result of a claim condition */
#define NGX_HTTP_APISEC_CLAIM_MET        0
#define NGX_HTTP_APISEC_CLAIM_NOT_MET    1
#define NGX_HTTP_APISEC_CLAIM_MISSING    2
#define NGX_HTTP_APISEC_CLAIM_MISMATCH   3    /* a type that cannot compare */

/* the longest claim path, in bytes */
#define NGX_HTTP_APISEC_CLAIM_PATH_MAX   256

/* a claim as a variable's text (apisec_claim_set) */
#define NGX_HTTP_APISEC_CLAIM_TEXT_MAX       4096   /* bytes, longer: none */
#define NGX_HTTP_APISEC_CLAIM_TEXT_OK        0
#define NGX_HTTP_APISEC_CLAIM_TEXT_NONE      1    /* missing, null, object */
#define NGX_HTTP_APISEC_CLAIM_TEXT_CONTROL   2    /* a control character */
#define NGX_HTTP_APISEC_CLAIM_TEXT_COMMA     3    /* an element with a "," */
#define NGX_HTTP_APISEC_CLAIM_TEXT_TOO_LONG  4


/* a value of apisec_require_claim, parsed once at configuration time */
typedef struct {
    ngx_str_t                   str;        /* a string: without quotes */
    int64_t                     integer;
    double                      number;
    unsigned                    is_string:1;
    unsigned                    is_number:1;
    unsigned                    is_integer:1;
    unsigned                    is_bool:1;
    unsigned                    boolean:1;
} ngx_http_apisec_claim_value_t;


typedef struct {
    ngx_str_t                   path;
    ngx_uint_t                  op;
    ngx_http_apisec_claim_value_t  *values;
    ngx_uint_t                  nvalues;
    void                       *regex;      /* ngx_regex_t *, "match" */
    ngx_str_t                   text;       /* as written: for the log */
} ngx_http_apisec_claim_cond_t;


/* one apisec_require_role or apisec_require_scope line */
typedef struct {
    ngx_str_t                  *values;
    ngx_uint_t                  nvalues;
    ngx_str_t                   text;       /* "a b": log, scope="a b" */
} ngx_http_apisec_authz_line_t;


typedef struct {
    ngx_str_t                   roles_claim;    /* NULL data: unset */
    ngx_array_t                *roles;      /* _authz_line_t; NULL: none */
    ngx_array_t                *scopes;     /* _authz_line_t; NULL: none */
    ngx_array_t                *claims;     /* _claim_cond_t; NULL: none */
    ngx_http_apisec_conf_pos_t  pos;        /* the first requirement */
} ngx_http_apisec_authz_conf_t;


void ngx_http_apisec_authz_create_conf(ngx_http_apisec_authz_conf_t *conf);
char *ngx_http_apisec_authz_merge_conf(ngx_conf_t *cf,
    ngx_http_apisec_authz_conf_t *prev, ngx_http_apisec_authz_conf_t *conf);

char *ngx_http_apisec_roles_claim(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_require_list(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apisec_require_claim(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


/*
 * pure functions (src/ngx_http_apisec_claims.c): jansson only, no request,
 * no configuration, no nginx core beyond the string macros; unit-tested and
 * fuzzed by t/unit/claims.c
 */
json_t *ngx_http_apisec_claim_get(json_t *root, ngx_str_t *path);
ngx_uint_t ngx_http_apisec_claim_path_valid(ngx_str_t *path);
ngx_uint_t ngx_http_apisec_claim_text(json_t *v, u_char *buf, size_t size,
    size_t *len);
ngx_uint_t ngx_http_apisec_claim_has_token(json_t *v, ngx_str_t *token,
    ngx_uint_t commas);
ngx_uint_t ngx_http_apisec_claim_compare(json_t *v, ngx_uint_t op,
    ngx_http_apisec_claim_value_t *values, ngx_uint_t n);
ngx_int_t ngx_http_apisec_claim_value_parse(ngx_str_t *s,
    ngx_http_apisec_claim_value_t *value);
ngx_uint_t ngx_http_apisec_claim_match_subject(json_t *v, ngx_str_t *text);
ngx_int_t ngx_http_apisec_claim_op(ngx_str_t *name);


#endif /* _NGX_HTTP_APISEC_AUTHZ_H_INCLUDED_ */
