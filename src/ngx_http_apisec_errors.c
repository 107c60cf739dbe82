
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


typedef struct {
    ngx_uint_t   status;
    ngx_str_t    title;
} ngx_http_apisec_title_t;


/* RFC 9110 reason phrases: with "type":"about:blank" the title is one */

static ngx_http_apisec_title_t  ngx_http_apisec_titles[] = {
    { 400, ngx_string("Bad Request") },
    { 401, ngx_string("Unauthorized") },
    { 403, ngx_string("Forbidden") },
    { 404, ngx_string("Not Found") },
    { 405, ngx_string("Method Not Allowed") },
    { 406, ngx_string("Not Acceptable") },
    { 408, ngx_string("Request Timeout") },
    { 409, ngx_string("Conflict") },
    { 410, ngx_string("Gone") },
    { 411, ngx_string("Length Required") },
    { 412, ngx_string("Precondition Failed") },
    { 413, ngx_string("Content Too Large") },
    { 414, ngx_string("URI Too Long") },
    { 415, ngx_string("Unsupported Media Type") },
    { 416, ngx_string("Range Not Satisfiable") },
    { 421, ngx_string("Misdirected Request") },
    { 422, ngx_string("Unprocessable Content") },
    { 429, ngx_string("Too Many Requests") },
    { 500, ngx_string("Internal Server Error") },
    { 501, ngx_string("Not Implemented") },
    { 502, ngx_string("Bad Gateway") },
    { 503, ngx_string("Service Unavailable") },
    { 504, ngx_string("Gateway Timeout") },
    { 505, ngx_string("HTTP Version Not Supported") },
    { 507, ngx_string("Insufficient Storage") },
    { 0, ngx_null_string }
};


static ngx_str_t  ngx_http_apisec_client_error = ngx_string("Client Error");
static ngx_str_t  ngx_http_apisec_server_error = ngx_string("Server Error");


/*
 * A refusal of ours: the status and a generic, client-safe detail are kept
 * for the header filter, which writes the challenge-free problem+json body.
 * A waivable refusal (401/403 of authentication and authorization) is left
 * to "satisfy any"; the others (transport, bans, CSRF) are final under any
 * "satisfy".
 */

ngx_int_t
ngx_http_apisec_refuse(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t waivable, char *detail)
{
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_apisec_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->status = status;
    ctx->final = !waivable;

    if (detail) {
        ctx->detail.len = ngx_strlen(detail);
        ctx->detail.data = (u_char *) detail;
    }

    /* the access handler finalizes a final refusal under "satisfy any" */

    return status;
}


/*
 * Called by the header filter for an error status with the json format.
 * Bodies replaced: a refusal of this module, and nginx's own error pages
 * (r->err_status) that no error_page of the operator redirected and no
 * internal redirect produced.  Upstream error bodies are never touched.
 */

ngx_int_t
ngx_http_apisec_error_header(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    ngx_str_t              *detail, *errors;
    ngx_http_apisec_ctx_t  *ctx;

    if (r->err_status == 0) {
        return NGX_OK;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);
    errors = NULL;

    if (ctx && ctx->status == r->headers_out.status) {
        detail = &ctx->detail;
        errors = &ctx->errors;

    } else if (!r->error_page && !r->internal) {
        detail = NULL;

    } else {
        return NGX_OK;
    }

    if (ctx == NULL) {
        ctx = ngx_http_apisec_get_ctx(r);
        if (ctx == NULL) {
            return NGX_ERROR;
        }
    }

    if (ngx_http_apisec_problem_json(r->pool, r->headers_out.status, detail,
                                     errors, &ctx->body)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    r->headers_out.content_type_len = sizeof("application/problem+json") - 1;
    ngx_str_set(&r->headers_out.content_type, "application/problem+json");
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.charset.len = 0;

    ngx_http_clear_content_length(r);
    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    r->headers_out.content_length_n = ctx->body.len;

    ctx->replace_body = 1;

    return NGX_OK;
}


/* the body filter's part: our body once, whatever nginx meant to send */

ngx_int_t
ngx_http_apisec_error_body(ngx_http_request_t *r, ngx_chain_t *in,
    ngx_http_output_body_filter_pt next)
{
    ngx_buf_t              *b;
    ngx_chain_t            *cl, out;
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;
    }

    if (ctx->body_sent) {
        return NGX_OK;
    }

    ctx->body_sent = 1;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ctx->body.data;
    b->last = ctx->body.data + ctx->body.len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return next(r, &out);
}


/*
 * {"type":"about:blank","title":"...","status":NNN,"detail":"..."}
 * The detail is one of the module's own generic strings, escaped anyway.
 * A validation refusal adds "errors": a JSON array its step rendered
 * (at most 10 entries, no long echo of the request).
 */

ngx_int_t
ngx_http_apisec_problem_json(ngx_pool_t *pool, ngx_uint_t status,
    ngx_str_t *detail, ngx_str_t *errors, ngx_str_t *out)
{
    u_char                   *p;
    size_t                    len;
    uintptr_t                 escape;
    ngx_str_t                *title;
    ngx_http_apisec_title_t  *t;

    title = (status >= 500) ? &ngx_http_apisec_server_error
                            : &ngx_http_apisec_client_error;

    for (t = ngx_http_apisec_titles; t->status; t++) {
        if (t->status == status) {
            title = &t->title;
            break;
        }
    }

    len = sizeof("{\"type\":\"about:blank\",\"title\":\"\",\"status\":}\n") - 1
          + title->len + NGX_INT_T_LEN;

    escape = 0;

    if (detail && detail->len) {
        escape = ngx_escape_json(NULL, detail->data, detail->len);
        len += sizeof(",\"detail\":\"\"") - 1 + detail->len + escape;
    }

    if (errors && errors->len) {
        len += sizeof(",\"errors\":") - 1 + errors->len;
    }

    p = ngx_pnalloc(pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;

    p = ngx_cpymem(p, "{\"type\":\"about:blank\",\"title\":\"",
                   sizeof("{\"type\":\"about:blank\",\"title\":\"") - 1);
    p = ngx_cpymem(p, title->data, title->len);
    p = ngx_sprintf(p, "\",\"status\":%ui", status);

    if (detail && detail->len) {
        p = ngx_cpymem(p, ",\"detail\":\"", sizeof(",\"detail\":\"") - 1);

        if (escape) {
            p = (u_char *) ngx_escape_json(p, detail->data, detail->len);

        } else {
            p = ngx_cpymem(p, detail->data, detail->len);
        }

        *p++ = '"';
    }

    if (errors && errors->len) {
        p = ngx_cpymem(p, ",\"errors\":", sizeof(",\"errors\":") - 1);
        p = ngx_cpymem(p, errors->data, errors->len);
    }

    *p++ = '}';
    *p++ = LF;

    out->len = p - out->data;

    return NGX_OK;
}


/*
 * A validation refusal's violations, for the problem+json body's "errors"
 * (ngx_http_apisec_problem_json()): [{"pointer":"/a/0","detail":"..."}],
 * at most NGX_HTTP_APISEC_SCHEMA_MAX_ERRORS; the pointers carry the
 * client's member names, cut by the validator, escaped here.  No
 * violations: an empty string, no "errors".
 */

ngx_int_t
ngx_http_apisec_problem_errors(ngx_pool_t *pool,
    ngx_http_apisec_schema_result_t *res, ngx_str_t *out)
{
    u_char                          *p;
    size_t                           len;
    ngx_uint_t                       i;
    ngx_http_apisec_schema_error_t  *e;

    ngx_str_null(out);

    if (res->nerrors == 0) {
        return NGX_OK;
    }

    len = sizeof("[]") - 1;

    for (i = 0; i < res->nerrors; i++) {
        e = &res->errors[i];
        len += sizeof("{\"pointer\":\"\",\"detail\":\"\"},") - 1
               + e->pointer.len
               + ngx_escape_json(NULL, e->pointer.data, e->pointer.len)
               + e->detail.len
               + ngx_escape_json(NULL, e->detail.data, e->detail.len);
    }

    p = ngx_pnalloc(pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;

    *p++ = '[';

    for (i = 0; i < res->nerrors; i++) {
        e = &res->errors[i];

        if (i) {
            *p++ = ',';
        }

        p = ngx_cpymem(p, "{\"pointer\":\"", sizeof("{\"pointer\":\"") - 1);
        p = (u_char *) ngx_escape_json(p, e->pointer.data, e->pointer.len);
        p = ngx_cpymem(p, "\",\"detail\":\"", sizeof("\",\"detail\":\"") - 1);
        p = (u_char *) ngx_escape_json(p, e->detail.data, e->detail.len);
        *p++ = '"';
        *p++ = '}';
    }

    *p++ = ']';

    out->len = p - out->data;

    return NGX_OK;
}


/*
 * Configuration mistakes found at merge time are reported where the
 * directive was read (ngx_conf_log_error() would name the closing "}" of
 * http), with the server and location the merge found them in.
 */

ngx_int_t
ngx_http_apisec_conf_pos(ngx_conf_t *cf, ngx_http_apisec_conf_pos_t *pos)
{
    /* an included file's name lives as long as the glob that found it */

    pos->file.len = cf->conf_file->file.name.len;
    pos->file.data = ngx_pstrdup(cf->pool, &cf->conf_file->file.name);
    if (pos->file.data == NULL) {
        return NGX_ERROR;
    }

    pos->line = cf->conf_file->line;

    return NGX_OK;
}


void ngx_cdecl
ngx_http_apisec_merge_error(ngx_conf_t *cf, ngx_uint_t level,
    ngx_http_apisec_conf_pos_t *pos, const char *fmt, ...)
{
    u_char                    *p, *last;
    va_list                    args;
    ngx_str_t                 *server;
    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_core_srv_conf_t  *cscf;
    u_char                     errstr[NGX_MAX_CONF_ERRSTR];

    last = errstr + NGX_MAX_CONF_ERRSTR;

    va_start(args, fmt);
    p = ngx_vslprintf(errstr, last, fmt, args);
    va_end(args);

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);
    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    server = (cscf && cscf->server_name.len) ? &cscf->server_name : NULL;

    if (clcf && clcf->name.len) {
        p = ngx_slprintf(p, last, " (location \"%V\"", &clcf->name);

    } else {
        p = ngx_slprintf(p, last, " (server level");
    }

    if (server) {
        p = ngx_slprintf(p, last, " of server \"%V\")", server);

    } else {
        p = ngx_slprintf(p, last, ")");
    }

    if (pos == NULL || pos->file.data == NULL) {
        ngx_conf_log_error(level, cf, 0, "%*s", p - errstr, errstr);
        return;
    }

    ngx_log_error(level, cf->log, 0, "%*s in %V:%ui",
                  p - errstr, errstr, &pos->file, pos->line);
}
