
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * apisec_json_schema: the JSON request body of a location validated
 * against a JSON Schema (the core: ngx_http_apisec_schema*.c).  The body
 * is read in the access phase without blocking, as the mirror module does:
 * ngx_http_read_client_request_body() with a handler that runs the phases
 * again; the pipeline then finds the verdict in the ctx.  The body itself
 * is left as nginx read it, for the upstream.
 *
 *   415  a body that is not application/json or application/...+json
 *   413  larger than apisec_json_max_size
 *   400  not JSON: malformed, duplicate member names, nested deeper than
 *        apisec_json_max_depth, a number out of range, invalid UTF-8
 *   422  JSON that the schema refuses, or no body for POST, PUT, PATCH
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


#define NGX_HTTP_APISEC_UNPROCESSABLE  422


static void ngx_http_apisec_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_body_check(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
static ngx_int_t ngx_http_apisec_body_type(ngx_http_request_t *r);
static ngx_int_t ngx_http_apisec_body_missing(ngx_http_request_t *r);
static size_t ngx_http_apisec_body_max(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf);
static void ngx_http_apisec_body_json_cleanup(void *data);
static u_char *ngx_http_apisec_body_escape(u_char *dst, ngx_str_t *src);


char *
ngx_http_apisec_json_schema(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    json_t        *json;
    ngx_str_t     *value, file, err;
    ngx_uint_t     i, flags;
    json_error_t   jerr;

    if (alcf->body.schema != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts > 2) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        alcf->body.schema = NULL;
        return NGX_CONF_OK;
    }

    flags = 0;

    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_strcmp(value[i].data, "format=assert") == 0) {
            flags |= NGX_HTTP_APISEC_SCHEMA_FORMAT_ASSERT;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    json = json_load_file((char *) file.data,
                          JSON_REJECT_DUPLICATES|JSON_DECODE_ANY, &jerr);

    if (json == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": %s (line %d, column %d)",
                           &file, jerr.text, jerr.line, jerr.column);
        return NGX_CONF_ERROR;
    }

    alcf->body.schema = ngx_http_apisec_schema_compile(cf->pool, cf->log,
                                                       json, json, &file,
                                            NGX_HTTP_APISEC_SCHEMA_2020_12,
                                                       flags, &err);
    json_decref(json);

    if (alcf->body.schema == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": %V", &file, &err);
        return NGX_CONF_ERROR;
    }

    alcf->body.file = file;

    return NGX_CONF_OK;
}


void
ngx_http_apisec_body_create_conf(ngx_http_apisec_body_conf_t *conf)
{
    conf->schema = NGX_CONF_UNSET_PTR;
    conf->max_depth = NGX_CONF_UNSET;
    conf->max_size = NGX_CONF_UNSET_SIZE;
}


void
ngx_http_apisec_body_merge_conf(ngx_http_apisec_body_conf_t *prev,
    ngx_http_apisec_body_conf_t *conf)
{
    if (conf->schema == NGX_CONF_UNSET_PTR) {
        conf->schema = prev->schema;
        conf->file = prev->file;
    }

    if (conf->schema == NGX_CONF_UNSET_PTR) {
        conf->schema = NULL;
    }

    ngx_conf_merge_value(conf->max_depth, prev->max_depth, 64);
    ngx_conf_merge_size_value(conf->max_size, prev->max_size, 0);
}


/*
 * The pipeline's step: NGX_DECLINED when the body holds (or there is
 * nothing to check), NGX_DONE while it is read, or the refusal.
 */

ngx_int_t
ngx_http_apisec_body_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    off_t                   max;
    ngx_int_t               rc;
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_apisec_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* apisec_openapi's operation left its schema, or none (its own checks) */

    if (ctx->body_schema == NULL && alcf->body.schema == NULL) {
        return NGX_DECLINED;
    }

    if (ctx->body_rc) {
        return ctx->body_rc;
    }

    if (ctx->body_reading) {
        return NGX_DONE;
    }

    if (r->headers_in.content_length_n <= 0 && !r->headers_in.chunked) {
        ctx->body_rc = ngx_http_apisec_body_missing(r);
        return ctx->body_rc;
    }

    rc = ngx_http_apisec_body_type(r);
    if (rc != NGX_DECLINED) {
        ctx->body_rc = rc;
        return rc;
    }

    max = ngx_http_apisec_body_max(r, alcf);

    if (max && r->headers_in.content_length_n > max) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: request body of %O bytes is larger than "
                      "%O", r->headers_in.content_length_n, max);

        ctx->body_rc = ngx_http_apisec_refuse(r,
                                     NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, 0,
                                     "The request body is too large.");
        return ctx->body_rc;
    }

    ctx->body_reading = 1;

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_apisec_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        /* nginx's own refusal: client_max_body_size, a bad chunk */
        ctx->body_reading = 0;
        return rc;
    }

    /* the reference the read took is the handler's from here */

    ngx_http_finalize_request(r, NGX_DONE);

    if (ctx->body_reading) {
        ctx->body_async = 1;
        return NGX_DONE;
    }

    return ctx->body_rc;
}


static void
ngx_http_apisec_body_handler(ngx_http_request_t *r)
{
    ngx_http_apisec_ctx_t       *ctx;
    ngx_http_apisec_loc_conf_t  *alcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);
    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);

    if (ctx == NULL) {
        /* cannot happen: the step made it */
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->body_reading = 0;
    ctx->body_rc = ngx_http_apisec_body_check(r, alcf);

    if (!ctx->body_async) {
        return;
    }

    /* the access phase again: the pipeline finds the verdict */

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


static ngx_int_t
ngx_http_apisec_body_check(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    u_char                           *p, *buf;
    off_t                             len, max;
    char                             *detail;
    json_t                           *json;
    ssize_t                           n;
    ngx_int_t                         rc;
    ngx_buf_t                        *b;
    ngx_chain_t                      *cl;
    ngx_pool_cleanup_t               *cln;
    ngx_http_apisec_ctx_t            *ctx;
    ngx_http_apisec_schema_result_t  *res;
    u_char                            where[4 * 64 + 1];

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return ngx_http_apisec_body_missing(r);
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;
        len += b->in_file ? b->file_last - b->file_pos : b->last - b->pos;
    }

    if (len == 0) {
        return ngx_http_apisec_body_missing(r);
    }

    max = ngx_http_apisec_body_max(r, alcf);

    if (max && len > max) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: request body of %O bytes is larger than "
                      "%O", len, max);

        return ngx_http_apisec_refuse(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, 0,
                                      "The request body is too large.");
    }

    /* one buffer in memory is parsed where it is; else gathered */

    b = r->request_body->bufs->buf;

    if (r->request_body->bufs->next == NULL && !b->in_file) {
        buf = b->pos;

    } else {
        buf = ngx_pnalloc(r->pool, len);
        if (buf == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = buf;

        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            b = cl->buf;

            if (!b->in_file) {
                p = ngx_cpymem(p, b->pos, b->last - b->pos);
                continue;
            }

            n = ngx_read_file(b->file, p, b->file_last - b->file_pos,
                              b->file_pos);

            if (n != b->file_last - b->file_pos) {
                ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                              "apisec: cannot read the request body from "
                              "\"%V\"", &b->file->name);
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            p += n;
        }
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_apisec_body_json_cleanup;
    cln->data = NULL;

    if (ngx_http_apisec_json_parse(r->connection->log, buf, len,
                                   alcf->body.max_depth, &json, &detail)
        != NGX_OK)
    {
        return ngx_http_apisec_refuse(r, NGX_HTTP_BAD_REQUEST, 0, detail);
    }

    cln->data = json;

    res = ngx_pcalloc(r->pool, sizeof(ngx_http_apisec_schema_result_t));
    if (res == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = ngx_http_apisec_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_apisec_schema_validate(ctx->body_schema ? ctx->body_schema
                                                          : alcf->body.schema,
                                         json, r->pool, res);

    if (rc == NGX_OK) {
        return NGX_DECLINED;
    }

    if (rc != NGX_DECLINED || res->nerrors == 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *ngx_http_apisec_body_escape(where, &res->errors[0].pointer) = '\0';

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apisec: request body does not conform to the schema "
                  "\"%V\": %ui violation(s), first at \"%s\": %V",
                  ctx->body_schema ? ctx->body_label : &alcf->body.file,
                  res->total, where, &res->errors[0].detail);

    if (ngx_http_apisec_problem_errors(r->pool, res, &ctx->errors)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_apisec_refuse(r, NGX_HTTP_APISEC_UNPROCESSABLE, 0,
                                  "The request body does not conform to "
                                  "the schema.");
}


/*
 * The JSON of a request body: NGX_OK and *json (the caller's reference),
 * or NGX_DECLINED and a client-safe *detail.  The depth is checked before
 * jansson runs (its own limit is 2048): one pass over the bytes, strings
 * skipped.  Any JSON value is a body, not only objects and arrays.
 */

ngx_int_t
ngx_http_apisec_json_parse(ngx_log_t *log, u_char *p, size_t len,
    ngx_uint_t max_depth, json_t **json, char **detail)
{
    u_char        *last, c;
    ngx_uint_t     depth, in_string;
    json_error_t   jerr;

    depth = 0;
    in_string = 0;

    for (last = p + len; p < last; p++) {
        c = *p;

        if (in_string) {
            if (c == '\\') {
                p++;

            } else if (c == '"') {
                in_string = 0;
            }

            continue;
        }

        switch (c) {

        case '"':
            in_string = 1;
            break;

        case '[':
        case '{':
            if (++depth > max_depth) {
                ngx_log_error(NGX_LOG_INFO, log, 0,
                              "apisec: JSON request body nests deeper than "
                              "%ui", max_depth);
                *detail = "The request body nests too deeply.";
                return NGX_DECLINED;
            }
            break;

        case ']':
        case '}':
            if (depth) {
                depth--;
            }
            break;
        }
    }

    p = last - len;

    *json = json_loadb((char *) p, len,
                       JSON_REJECT_DUPLICATES|JSON_DECODE_ANY|JSON_ALLOW_NUL,
                       &jerr);

    if (*json != NULL) {
        return NGX_OK;
    }

    switch (json_error_code(&jerr)) {

    case json_error_duplicate_key:
        *detail = "The request body has a duplicate member name.";
        break;

    case json_error_numeric_overflow:
        *detail = "The request body has a number out of range.";
        break;

    case json_error_invalid_utf8:
        *detail = "The request body is not valid UTF-8.";
        break;

    default:
        *detail = "The request body is not valid JSON.";
    }

    /* jansson's text may quote the body: its position only */

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "apisec: malformed JSON request body at line %d, "
                  "column %d: %s", jerr.line, jerr.column, *detail);

    return NGX_DECLINED;
}


/* application/json or application/<anything>+json, in UTF-8 */

static ngx_int_t
ngx_http_apisec_body_type(ngx_http_request_t *r)
{
    u_char     *p, *last, *semi, *v;
    ngx_str_t   type;

    if (r->headers_in.content_type == NULL) {
        goto refuse;
    }

    type = r->headers_in.content_type->value;
    p = type.data;
    last = p + type.len;

    semi = ngx_strlchr(p, last, ';');
    v = semi ? semi : last;

    while (v > p && (v[-1] == ' ' || v[-1] == '\t')) {
        v--;
    }

    if (!((v - p == sizeof("application/json") - 1
           && ngx_strncasecmp(p, (u_char *) "application/json",
                              v - p) == 0)
          || (v - p > (ssize_t) (sizeof("application/+json") - 1)
              && ngx_strncasecmp(p, (u_char *) "application/",
                                 sizeof("application/") - 1) == 0
              && ngx_strncasecmp(v - 5, (u_char *) "+json", 5) == 0)))
    {
        goto refuse;
    }

    /* a charset, if any, is UTF-8 (RFC 8259 8.1) */

    if (semi) {
        v = ngx_strlcasestrn(semi, last, (u_char *) "charset=", 8 - 1);

        if (v) {
            v += 8;

            if (v < last && *v == '"') {
                v++;
            }

            if (last - v < 5
                || (ngx_strncasecmp(v, (u_char *) "utf-8", 5) != 0
                    && ngx_strncasecmp(v, (u_char *) "utf8", 4) != 0))
            {
                goto refuse;
            }
        }
    }

    return NGX_DECLINED;

refuse:

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apisec: request body is not JSON (Content-Type)");

    return ngx_http_apisec_refuse(r, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE, 0,
                                  "The request body must be JSON.");
}


/* no body: a refusal where the method sends one, else nothing to check */

static ngx_int_t
ngx_http_apisec_body_missing(ngx_http_request_t *r)
{
    ngx_http_apisec_ctx_t            *ctx;
    ngx_http_apisec_schema_result_t  *res;

    if (!(r->method & (NGX_HTTP_POST|NGX_HTTP_PUT|NGX_HTTP_PATCH))) {
        return NGX_DECLINED;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apisec: request without the JSON body the schema "
                  "requires");

    ctx = ngx_http_apisec_get_ctx(r);
    res = ngx_pcalloc(r->pool, sizeof(ngx_http_apisec_schema_result_t));

    if (ctx == NULL || res == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    res->nerrors = 1;
    res->total = 1;
    ngx_str_set(&res->errors[0].detail, "a JSON body is required");

    if (ngx_http_apisec_problem_errors(r->pool, res, &ctx->errors)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_apisec_refuse(r, NGX_HTTP_APISEC_UNPROCESSABLE, 0,
                                  "The request body does not conform to "
                                  "the schema.");
}


static size_t
ngx_http_apisec_body_max(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    ngx_http_core_loc_conf_t  *clcf;

    if (alcf->body.max_size) {
        return alcf->body.max_size;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    return clcf->client_max_body_size;
}


static void
ngx_http_apisec_body_json_cleanup(void *data)
{
    json_t  *json = data;

    if (json) {
        json_decref(json);
    }
}


/* a pointer for the log: printable ASCII as is, the rest as \xHH */

static u_char *
ngx_http_apisec_body_escape(u_char *dst, ngx_str_t *src)
{
    size_t   i, n;
    u_char   c;

    static u_char  hex[] = "0123456789abcdef";

    n = ngx_min(src->len, 64);

    for (i = 0; i < n; i++) {
        c = src->data[i];

        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            *dst++ = '\\';
            *dst++ = 'x';
            *dst++ = hex[c >> 4];
            *dst++ = hex[c & 0xf];

        } else {
            *dst++ = c;
        }
    }

    return dst;
}
