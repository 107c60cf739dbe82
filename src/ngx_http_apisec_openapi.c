
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


/*
 * apisec_openapi: the request against an OpenAPI document, in two steps
 * of the access pipeline.  The route (404, 405) runs early, before bans
 * and authentication: it is a few hash lookups and costs no cryptography.
 * The rest (security requirements, parameters, the body's media type and
 * schema) runs after authentication, authorization and the rate limits,
 * so that an anonymous caller learns nothing of the parameters' schemas
 * and a flood of bad requests is limited like any other.
 */


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   value;      /* raw: %XX and "+" */
} ngx_http_apisec_openapi_arg_t;


typedef struct {
    ngx_uint_t                  n;
    ngx_uint_t                  total;
    ngx_str_t                   name[NGX_HTTP_APISEC_SCHEMA_MAX_ERRORS];
    ngx_uint_t                  in[NGX_HTTP_APISEC_SCHEMA_MAX_ERRORS];
    ngx_str_t                   detail[NGX_HTTP_APISEC_SCHEMA_MAX_ERRORS];
    ngx_str_t                   pointer[NGX_HTTP_APISEC_SCHEMA_MAX_ERRORS];
} ngx_http_apisec_openapi_errors_t;


static ngx_int_t ngx_http_apisec_openapi_deny(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_http_apisec_ctx_t *ctx,
    ngx_uint_t status, char *detail, ngx_str_t *op, const char *fmt,
    ngx_str_t *arg);
static ngx_int_t ngx_http_apisec_openapi_security_check(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_http_apisec_ctx_t *ctx,
    ngx_http_apisec_openapi_op_t *op, ngx_uint_t *reason);
static ngx_int_t ngx_http_apisec_openapi_params(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_http_apisec_ctx_t *ctx,
    ngx_http_apisec_openapi_match_t *m);
static ngx_int_t ngx_http_apisec_openapi_args(ngx_http_request_t *r,
    ngx_array_t *args);
static void ngx_http_apisec_openapi_error(ngx_http_apisec_openapi_errors_t *e,
    ngx_http_apisec_openapi_param_t *p, char *detail, ngx_str_t *pointer);
static ngx_int_t ngx_http_apisec_openapi_render(ngx_http_request_t *r,
    ngx_http_apisec_openapi_errors_t *e, ngx_str_t *out);
static ngx_int_t ngx_http_apisec_openapi_media(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_http_apisec_ctx_t *ctx,
    ngx_http_apisec_openapi_op_t *op, ngx_uint_t *reason);


static ngx_str_t  ngx_http_apisec_openapi_ins[] = {
    ngx_string("path"), ngx_string("query"), ngx_string("header"),
    ngx_string("cookie")
};


/* apisec_openapi path [dry_run] | off; */

char *
ngx_http_apisec_openapi(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    u_char                     *buf, *p;
    json_t                     *doc;
    ssize_t                     n;
    ngx_fd_t                    fd;
    ngx_str_t                  *value, file, dir, err;
    ngx_uint_t                  i;
    ngx_file_info_t             fi;
    ngx_pool_cleanup_t         *cln;
    ngx_http_apisec_openapi_t  *oa;

    if (alcf->openapi != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    alcf->openapi_dry_run = 0;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        alcf->openapi = NULL;
        return NGX_CONF_OK;
    }

    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_strcmp(value[i].data, "dry_run") == 0) {
            alcf->openapi_dry_run = 1;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(file.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "apisec_openapi \"%V\": cannot open it", &file);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || !ngx_is_file(&fi)
        || ngx_file_size(&fi) > NGX_HTTP_APISEC_OPENAPI_MAX_SIZE)
    {
        ngx_close_file(fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apisec_openapi \"%V\": not a file of at most "
                           "%d bytes", &file,
                           NGX_HTTP_APISEC_OPENAPI_MAX_SIZE);
        return NGX_CONF_ERROR;
    }

    buf = ngx_pnalloc(cf->temp_pool, ngx_file_size(&fi) + 1);
    if (buf == NULL) {
        ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, buf, ngx_file_size(&fi));
    ngx_close_file(fd);

    if (n != (ssize_t) ngx_file_size(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "apisec_openapi \"%V\": cannot read it", &file);
        return NGX_CONF_ERROR;
    }

    doc = ngx_http_apisec_openapi_parse(buf, n, cf->temp_pool, &err);

    if (doc == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "apisec_openapi \"%V\": %V",
                           &file, &err);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        json_decref(doc);
        return NGX_CONF_ERROR;
    }

    cln->handler = (ngx_pool_cleanup_pt) json_decref;
    cln->data = doc;

    /* $refs to files: in the document's directory */

    dir = file;

    for (p = dir.data + dir.len; p > dir.data && p[-1] != '/'; p--) {
        /* void */
    }

    dir.len = p - dir.data;

    oa = ngx_http_apisec_openapi_compile(cf->pool, cf->log, doc, &file, &dir,
                                         &err);
    if (oa == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "apisec_openapi \"%V\": %V",
                           &file, &err);
        return NGX_CONF_ERROR;
    }

    alcf->openapi = oa;

    if (ngx_http_apisec_conf_pos(cf, &alcf->openapi_pos) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


void
ngx_http_apisec_openapi_create_conf(ngx_http_apisec_loc_conf_t *conf)
{
    conf->openapi = NGX_CONF_UNSET_PTR;
    conf->openapi_dry_run = NGX_CONF_UNSET;
}


/*
 * After the authenticators' merge: a security scheme the document
 * requires needs the authenticator that checks it, configured here, or
 * nginx -t fails (a requirement nobody checks would be a hole).
 */

char *
ngx_http_apisec_openapi_merge(ngx_conf_t *cf,
    ngx_http_apisec_loc_conf_t *prev, ngx_http_apisec_loc_conf_t *conf)
{
    ngx_uint_t                      i;
    ngx_http_apisec_openapi_t      *oa;
    ngx_http_apisec_openapi_sec_t  *ak;

    if (conf->openapi == NGX_CONF_UNSET_PTR) {
        conf->openapi = prev->openapi;
        conf->openapi_dry_run = prev->openapi_dry_run;
        conf->openapi_pos = prev->openapi_pos;
    }

    if (conf->openapi == NGX_CONF_UNSET_PTR) {
        conf->openapi = NULL;
    }

    ngx_conf_merge_value(conf->openapi_dry_run, prev->openapi_dry_run, 0);

    oa = conf->openapi;

    if (oa == NULL) {
        return NGX_CONF_OK;
    }

    if ((oa->kinds & NGX_HTTP_APISEC_OPENAPI_SEC_BEARER) && !conf->jwt.enable)
    {
        ngx_http_apisec_merge_error(cf, NGX_LOG_EMERG, &conf->openapi_pos,
                                    "apisec_openapi \"%V\": the document "
                                    "requires an OAuth2, OpenID Connect or "
                                    "bearer scheme, but neither "
                                    "\"apisec_jwt\" nor \"apisec_introspect\" "
                                    "authenticates here", &oa->file);
        return NGX_CONF_ERROR;
    }

    if (oa->apikeys == NULL) {
        return NGX_CONF_OK;
    }

    ak = oa->apikeys->elts;

    for (i = 0; i < oa->apikeys->nelts; i++) {
        if (conf->apikey.mode == NGX_HTTP_APISEC_APIKEY_OFF) {
            ngx_http_apisec_merge_error(cf, NGX_LOG_EMERG, &conf->openapi_pos,
                                        "apisec_openapi \"%V\": the document "
                                        "requires the apiKey scheme \"%V\", "
                                        "but \"apisec_api_key\" is not "
                                        "configured here", &oa->file,
                                        &ak[i].scopes[0]);
            return NGX_CONF_ERROR;
        }

        if (ak[i].kind != conf->apikey.mode
            || ak[i].name.len != conf->apikey.name.len
            || (ak[i].kind == NGX_HTTP_APISEC_APIKEY_HEADER
                ? ngx_strncasecmp(ak[i].name.data, conf->apikey.name.data,
                                  ak[i].name.len)
                : ngx_strncmp(ak[i].name.data, conf->apikey.name.data,
                              ak[i].name.len)) != 0)
        {
            ngx_http_apisec_merge_error(cf, NGX_LOG_EMERG, &conf->openapi_pos,
                                        "apisec_openapi \"%V\": the apiKey "
                                        "scheme \"%V\" is the %s \"%V\", but "
                                        "\"apisec_api_key\" reads the %s "
                                        "\"%V\"", &oa->file, &ak[i].scopes[0],
                                        ak[i].kind == 1 ? "header"
                                                        : "argument",
                                        &ak[i].name,
                                        conf->apikey.mode == 1 ? "header"
                                                               : "argument",
                                        &conf->apikey.name);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/*
 * A refusal, or under dry_run a warning (once a request) and nothing
 * refused.  The log names the operation (a template of the document, not
 * request bytes) and the module's own words.
 */

static ngx_int_t
ngx_http_apisec_openapi_deny(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_http_apisec_ctx_t *ctx,
    ngx_uint_t status, char *detail, ngx_str_t *op, const char *fmt,
    ngx_str_t *arg)
{
    u_char  *p, *last;
    u_char   buf[512];

    last = buf + sizeof(buf);

    p = op ? ngx_slprintf(buf, last, "%V: ", op) : buf;
    p = ngx_slprintf(p, last, fmt, arg);

    if (alcf->openapi_dry_run) {
        ctx->errors.len = 0;

        if (!ctx->openapi_logged) {
            ctx->openapi_logged = 1;
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "apisec: openapi dry_run: would refuse with %ui: "
                          "%*s", status, p - buf, buf);
        }

        return NGX_DECLINED;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apisec: openapi: %*s", p - buf, buf);

    return ngx_http_apisec_refuse(r, status, 0, detail);
}


/* the early step: 404 for a path the document has not, 405 for a method */

ngx_int_t
ngx_http_apisec_openapi_route_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_uint_t *reason)
{
    ngx_int_t                         i;
    ngx_http_apisec_ctx_t            *ctx;
    ngx_http_apisec_openapi_node_t   *node;
    ngx_http_apisec_openapi_match_t  *m;

    ctx = ngx_http_apisec_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    m = ctx->openapi;

    if (m == NULL) {
        m = ngx_palloc(r->pool, sizeof(ngx_http_apisec_openapi_match_t));
        if (m == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ctx->openapi = m;
    }

    m->op = NULL;

    node = ngx_http_apisec_openapi_route(alcf->openapi, &r->uri, m);

    if (node == NULL) {
        *reason = NGX_HTTP_APISEC_REFUSAL_UNKNOWN_PATH;
        return ngx_http_apisec_openapi_deny(r, alcf, ctx, NGX_HTTP_NOT_FOUND,
                                            "no such path", NULL,
                                            "no path of the document "
                                            "matches the URI", NULL);
    }

    i = ngx_http_apisec_openapi_method(&r->method_name);

    if (i == NGX_HTTP_APISEC_OPENAPI_HEAD
        && node->ops[NGX_HTTP_APISEC_OPENAPI_HEAD] == NULL)
    {
        i = NGX_HTTP_APISEC_OPENAPI_GET;
    }

    if (i == NGX_ERROR || node->ops[i] == NULL) {
        *reason = NGX_HTTP_APISEC_REFUSAL_METHOD_NOT_ALLOWED;

        /* Allow: by the header filter, on this refusal only */

        return ngx_http_apisec_openapi_deny(r, alcf, ctx,
                                            NGX_HTTP_NOT_ALLOWED,
                                            "method not allowed", NULL,
                                            "the path has no operation for "
                                            "the method (Allow: %V)",
                                            &node->allow);
    }

    m->op = node->ops[i];

    return NGX_DECLINED;
}


/*
 * The header filter's part: "Allow" on our own 405, never on what an
 * error_page or another location answers after it (the ctx is gone then,
 * or its status is not the response's).
 */

ngx_int_t
ngx_http_apisec_openapi_headers(ngx_http_request_t *r)
{
    ngx_http_apisec_ctx_t  *ctx;

    static ngx_str_t  allow = ngx_string("Allow");

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    if (ctx == NULL || ctx->status != NGX_HTTP_NOT_ALLOWED
        || r->headers_out.status != NGX_HTTP_NOT_ALLOWED
        || ctx->openapi == NULL || ctx->openapi->node == NULL
        || ctx->openapi->node->allow.len == 0)
    {
        return NGX_OK;
    }

    if (ngx_http_apisec_set_header(r, &allow, &ctx->openapi->node->allow)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The late step, after authentication, authorization and the rate
 * limits: the operation's security requirements, its parameters, its
 * request body's media type.
 */

ngx_int_t
ngx_http_apisec_openapi_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_uint_t waived, ngx_uint_t *reason)
{
    ngx_int_t                         rc;
    ngx_http_apisec_ctx_t            *ctx;
    ngx_http_apisec_openapi_op_t     *op;
    ngx_http_apisec_openapi_match_t  *m;

    ctx = ngx_http_apisec_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    m = ctx->openapi;

    ctx->body_schema = NULL;

    if (m == NULL || m->op == NULL) {
        return NGX_DECLINED;        /* dry_run passed a bad route */
    }

    op = m->op;

    if (op->nalts && !waived) {
        rc = ngx_http_apisec_openapi_security_check(r, alcf, ctx, op, reason);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (op->nparams) {
        *reason = NGX_HTTP_APISEC_REFUSAL_INVALID_PARAMETER;

        rc = ngx_http_apisec_openapi_params(r, alcf, ctx, m);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    return ngx_http_apisec_openapi_media(r, alcf, ctx, op, reason);
}


/*
 * dry_run: the body step's refusal of an operation's body is logged (the
 * request's one warning) and undone.
 */

ngx_int_t
ngx_http_apisec_openapi_body_dry_run(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apisec_module);

    if (ctx == NULL || ctx->body_schema == NULL
        || rc == NGX_HTTP_INTERNAL_SERVER_ERROR)
    {
        return rc;
    }

    if (!ctx->openapi_logged) {
        ctx->openapi_logged = 1;
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "apisec: openapi dry_run: would refuse with %i: %V: "
                      "the request body", rc, ctx->body_label);
    }

    ctx->status = 0;
    ngx_str_null(&ctx->errors);
    ngx_str_null(&ctx->detail);

    return NGX_DECLINED;
}


/*
 * One alternative of the requirements must hold, every scheme of it: a
 * bearer scheme (oauth2, openIdConnect, http bearer) by a caller that
 * the bearer authenticators identified, with every scope listed ("scope"
 * or "scp"); an apiKey scheme by a valid API key of this location.  The
 * location's authentication still applies to every operation: an empty
 * requirement ({} or "security: []") never lets an anonymous caller past
 * apisec_jwt or apisec_api_key.
 */

static ngx_int_t
ngx_http_apisec_openapi_security_check(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_http_apisec_ctx_t *ctx,
    ngx_http_apisec_openapi_op_t *op, ngx_uint_t *reason)
{
    ngx_str_t                      *missing;
    ngx_uint_t                      a, s, k, kind, ok, scopes;
    ngx_http_apisec_ctx_t          *ictx;
    ngx_http_apisec_openapi_sec_t  *sec;

    kind = ngx_http_apisec_identity(r, &ictx, 1);

    scopes = 0;
    missing = NULL;

    for (a = 0; a < op->nalts; a++) {
        ok = 1;

        for (s = 0; ok && s < op->alts[a].nschemes; s++) {
            sec = &op->alts[a].schemes[s];

            if (sec->kind == NGX_HTTP_APISEC_OPENAPI_SEC_APIKEY) {
                ok = (ictx && ictx->apikey_conf == &alcf->apikey
                      && ictx->apikey_result == NGX_HTTP_APISEC_APIKEY_OK);
                continue;
            }

            if (kind != NGX_HTTP_APISEC_AUTHN_BEARER || ictx == NULL
                || ngx_http_apisec_jwt_claims(r, ictx) == NULL)
            {
                ok = 0;
                continue;
            }

            for (k = 0; k < sec->nscopes; k++) {
                if (!ngx_http_apisec_claim_has_token(
                        json_object_get(ictx->jwt_claims, "scope"),
                        &sec->scopes[k], 0)
                    && !ngx_http_apisec_claim_has_token(
                        json_object_get(ictx->jwt_claims, "scp"),
                        &sec->scopes[k], 0))
                {
                    if (!scopes) {
                        missing = &sec->scopes[k];
                    }

                    scopes = 1;
                    ok = 0;
                    break;
                }
            }
        }

        if (ok) {
            return NGX_DECLINED;
        }
    }

    if (missing) {
        *reason = NGX_HTTP_APISEC_REFUSAL_SCOPE;

        if (kind == NGX_HTTP_APISEC_AUTHN_BEARER && !alcf->openapi_dry_run
            && ngx_http_apisec_scope_challenge(r, alcf, missing) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_apisec_openapi_deny(r, alcf, ctx, NGX_HTTP_FORBIDDEN,
                                            "insufficient scope", &op->text,
                                            "no security requirement is met "
                                            "(scope \"%V\" missing)",
                                            missing);
    }

    *reason = NGX_HTTP_APISEC_REFUSAL_SECURITY;
    return ngx_http_apisec_openapi_deny(r, alcf, ctx, NGX_HTTP_FORBIDDEN,
                                        "security requirement not met",
                                        &op->text,
                                        "no security requirement is met "
                                        "by the caller's credentials", NULL);
}


static ngx_int_t
ngx_http_apisec_openapi_params(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_http_apisec_ctx_t *ctx,
    ngx_http_apisec_openapi_match_t *m)
{
    char                              *detail;
    json_t                            *v, *obj, *pv;
    ngx_str_t                          texts[16], name, *first, text;
    ngx_uint_t                         i, j, n, hn;
    ngx_array_t                        args;
    const char                        *key;
    ngx_http_apisec_openapi_op_t      *op;
    ngx_http_apisec_openapi_arg_t     *arg;
    ngx_http_apisec_openapi_param_t   *p, prop;
    ngx_http_apisec_openapi_errors_t   errs;
    u_char                             line[256];
    ngx_http_apisec_schema_result_t    res;

    op = m->op;
    errs.n = 0;
    errs.total = 0;
    args.nelts = 0;
    args.elts = NULL;

    for (i = 0; i < op->nparams; i++) {
        if (op->params[i].in == NGX_HTTP_APISEC_OPENAPI_IN_QUERY) {
            if (ngx_array_init(&args, r->pool, 8,
                               sizeof(ngx_http_apisec_openapi_arg_t))
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (ngx_http_apisec_openapi_args(r, &args) != NGX_OK) {
                return ngx_http_apisec_openapi_deny(r, alcf, ctx,
                                                    NGX_HTTP_BAD_REQUEST,
                                                    "too many query "
                                                    "arguments", &op->text,
                                                    "more than 128 query "
                                                    "arguments", NULL);
            }

            break;
        }
    }

    arg = args.elts;

    for (i = 0; i < op->nparams; i++) {
        p = &op->params[i];
        n = 0;
        v = NULL;
        detail = NULL;

        switch (p->in) {

        case NGX_HTTP_APISEC_OPENAPI_IN_PATH:
            texts[n++] = m->captures[p->capture];
            break;

        case NGX_HTTP_APISEC_OPENAPI_IN_QUERY:

            if (p->type == NGX_HTTP_APISEC_OPENAPI_T_OBJECT
                && p->style == NGX_HTTP_APISEC_OPENAPI_FORM && p->explode)
            {
                /* ?role=admin&first=Alex: the object's properties */

                obj = json_object();
                if (obj == NULL) {
                    return NGX_HTTP_INTERNAL_SERVER_ERROR;
                }

                json_object_foreach(p->properties, key, pv) {
                    name.data = (u_char *) key;
                    name.len = ngx_strlen(key);

                    first = NULL;
                    hn = 0;

                    for (j = 0; j < args.nelts; j++) {
                        if (arg[j].name.len == name.len
                            && ngx_strncmp(arg[j].name.data, name.data,
                                           name.len) == 0)
                        {
                            first = first ? first : &arg[j].value;
                            hn++;
                        }
                    }

                    if (first == NULL) {
                        continue;
                    }

                    ngx_memzero(&prop, sizeof(prop));
                    prop.in = NGX_HTTP_APISEC_OPENAPI_IN_QUERY;
                    prop.type = NGX_HTTP_APISEC_OPENAPI_T_ANY;

                    v = (hn > 1) ? NULL
                                 : ngx_http_apisec_openapi_value(&prop, first,
                                                                 1, &detail);
                    if (v == NULL) {
                        detail = detail ? detail : "is given more than once";
                        break;
                    }

                    if (json_object_set_new(obj, key, v) != 0) {
                        json_decref(obj);
                        return NGX_HTTP_INTERNAL_SERVER_ERROR;
                    }
                }

                if (detail) {
                    json_decref(obj);
                    ngx_http_apisec_openapi_error(&errs, p, detail, NULL);
                    continue;
                }

                if (json_object_size(obj) == 0) {
                    json_decref(obj);

                    if (p->required) {
                        ngx_http_apisec_openapi_error(&errs, p,
                                                      "is required", NULL);
                    }

                    continue;
                }

                v = obj;
                break;
            }

            for (j = 0; j < args.nelts; j++) {
                if (arg[j].name.len == p->name.len
                    && ngx_strncmp(arg[j].name.data, p->name.data,
                                   p->name.len) == 0)
                {
                    if (n == 16) {
                        detail = "is given more than 16 times";
                        break;
                    }

                    texts[n++] = arg[j].value;
                }
            }

            break;

        case NGX_HTTP_APISEC_OPENAPI_IN_HEADER:
            hn = ngx_http_apisec_request_header(r, &p->name, &texts[0]);
            if (hn > 1 && p->type != NGX_HTTP_APISEC_OPENAPI_T_ARRAY) {
                detail = "is given more than once";
            }

            n = hn ? 1 : 0;
            break;

        default: /* NGX_HTTP_APISEC_OPENAPI_IN_COOKIE */
            if (ngx_http_parse_multi_header_lines(&r->headers_in.cookies,
                                                  &p->name, &texts[0])
                != NGX_DECLINED)
            {
                n = 1;
            }

            break;
        }

        if (detail) {
            ngx_http_apisec_openapi_error(&errs, p, detail, NULL);
            continue;
        }

        if (v == NULL) {
            if (n == 0) {
                if (p->required) {
                    ngx_http_apisec_openapi_error(&errs, p, "is required",
                                                  NULL);
                }

                continue;
            }

            v = ngx_http_apisec_openapi_value(p, texts, n, &detail);

            if (v == NULL) {
                ngx_http_apisec_openapi_error(&errs, p,
                                              detail ? detail
                                                     : "is not valid",
                                              NULL);
                continue;
            }
        }

        if (p->schema) {
            ngx_memzero(&res, sizeof(res));

            switch (ngx_http_apisec_schema_validate(p->schema, v, r->pool,
                                                    &res))
            {
            case NGX_OK:
                break;

            case NGX_DECLINED:
                for (j = 0; j < res.nerrors; j++) {
                    ngx_http_apisec_openapi_error(&errs, p, "",
                                                  &res.errors[j].pointer);

                    if (errs.n && errs.total == errs.n) {
                        errs.detail[errs.n - 1] = res.errors[j].detail;
                    }
                }

                errs.total += res.total - res.nerrors;

                break;

            default:
                json_decref(v);
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }

        json_decref(v);
    }

    if (errs.total == 0) {
        return NGX_DECLINED;
    }

    if (!alcf->openapi_dry_run
        && ngx_http_apisec_openapi_render(r, &errs, &ctx->errors) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the log names the first: "parameter "petId" in path is not ..." */

    text.data = line;
    text.len = ngx_snprintf(line, sizeof(line), "parameter \"%V\" in %V %V",
                            &errs.name[0],
                            &ngx_http_apisec_openapi_ins[errs.in[0]],
                            &errs.detail[0])
               - line;

    return ngx_http_apisec_openapi_deny(r, alcf, ctx, NGX_HTTP_BAD_REQUEST,
                                        "invalid parameter", &op->text,
                                        "%V", &text);
}


/* the query string's arguments, their names decoded, their values raw */

static ngx_int_t
ngx_http_apisec_openapi_args(ngx_http_request_t *r, ngx_array_t *args)
{
    u_char                         *p, *last, *start, *eq, *d, *s;
    ngx_http_apisec_openapi_arg_t  *a;

    p = r->args.data;
    last = p + r->args.len;

    while (p < last) {
        start = p;

        while (p < last && *p != '&') {
            p++;
        }

        if (p > start) {
            if (args->nelts == NGX_HTTP_APISEC_OPENAPI_MAX_ARGS) {
                return NGX_ERROR;
            }

            a = ngx_array_push(args);
            if (a == NULL) {
                return NGX_ERROR;
            }

            eq = ngx_strlchr(start, p, '=');

            a->name.data = start;
            a->name.len = (eq ? eq : p) - start;

            a->value.data = eq ? eq + 1 : p;
            a->value.len = eq ? p - eq - 1 : 0;

            if (ngx_strlchr(a->name.data, a->name.data + a->name.len, '%')
                || ngx_strlchr(a->name.data, a->name.data + a->name.len, '+'))
            {
                /* a copy: r->args stays as it came */

                s = ngx_pnalloc(r->pool, 2 * a->name.len);
                if (s == NULL) {
                    return NGX_ERROR;
                }

                d = s + a->name.len;
                ngx_memcpy(s, a->name.data, a->name.len);

                for (eq = s; eq < s + a->name.len; eq++) {
                    if (*eq == '+') {
                        *eq = ' ';
                    }
                }

                a->name.data = d;
                ngx_unescape_uri(&d, &s, a->name.len, 0);
                a->name.len = d - a->name.data;
            }
        }

        p++;
    }

    return NGX_OK;
}


static void
ngx_http_apisec_openapi_error(ngx_http_apisec_openapi_errors_t *e,
    ngx_http_apisec_openapi_param_t *p, char *detail, ngx_str_t *pointer)
{
    e->total++;

    if (e->n == NGX_HTTP_APISEC_SCHEMA_MAX_ERRORS) {
        return;
    }

    e->name[e->n] = p->name;
    e->in[e->n] = p->in;
    e->detail[e->n].data = (u_char *) detail;
    e->detail[e->n].len = ngx_strlen(detail);

    if (pointer) {
        e->pointer[e->n] = *pointer;

    } else {
        ngx_str_null(&e->pointer[e->n]);
    }

    e->n++;
}


/*
 * [{"parameter":"petId","in":"path","detail":"is not an integer"},...]:
 * the names are the document's, the details the module's or the schema
 * core's short words; never the value itself.
 */

static ngx_int_t
ngx_http_apisec_openapi_render(ngx_http_request_t *r,
    ngx_http_apisec_openapi_errors_t *e, ngx_str_t *out)
{
    u_char      *p;
    size_t       len;
    ngx_uint_t   i;

    len = 2;

    for (i = 0; i < e->n; i++) {
        len += sizeof("{\"parameter\":\"\",\"in\":\"\",\"pointer\":\"\","
                      "\"detail\":\"\"},") - 1
               + e->name[i].len
               + ngx_escape_json(NULL, e->name[i].data, e->name[i].len)
               + sizeof("header")
               + e->pointer[i].len
               + ngx_escape_json(NULL, e->pointer[i].data, e->pointer[i].len)
               + e->detail[i].len
               + ngx_escape_json(NULL, e->detail[i].data, e->detail[i].len);
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;

    *p++ = '[';

    for (i = 0; i < e->n; i++) {
        if (i) {
            *p++ = ',';
        }

        p = ngx_cpymem(p, "{\"parameter\":\"", sizeof("{\"parameter\":\"") - 1);
        p = (u_char *) ngx_escape_json(p, e->name[i].data, e->name[i].len);
        p = ngx_sprintf(p, "\",\"in\":\"%V\"",
                        &ngx_http_apisec_openapi_ins[e->in[i]]);

        if (e->pointer[i].len) {
            p = ngx_cpymem(p, ",\"pointer\":\"", sizeof(",\"pointer\":\"") - 1);
            p = (u_char *) ngx_escape_json(p, e->pointer[i].data,
                                           e->pointer[i].len);
            *p++ = '"';
        }

        p = ngx_cpymem(p, ",\"detail\":\"", sizeof(",\"detail\":\"") - 1);
        p = (u_char *) ngx_escape_json(p, e->detail[i].data,
                                       e->detail[i].len);
        *p++ = '"';
        *p++ = '}';
    }

    *p++ = ']';

    out->len = p - out->data;

    return NGX_OK;
}


/*
 * The request body: none where the operation requires one is 400; one
 * where it declares none, or of a media type it does not declare, is 415.
 */

static ngx_int_t
ngx_http_apisec_openapi_media(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_http_apisec_ctx_t *ctx,
    ngx_http_apisec_openapi_op_t *op, ngx_uint_t *reason)
{
    u_char                           *p, *last, *slash;
    ngx_str_t                         type, subtype;
    ngx_uint_t                        i;
    ngx_http_apisec_openapi_media_t  *m;

    if (r->headers_in.content_length_n <= 0 && !r->headers_in.chunked) {
        if (op->body_required) {
            *reason = NGX_HTTP_APISEC_REFUSAL_INVALID_BODY;
            return ngx_http_apisec_openapi_deny(r, alcf, ctx,
                                                NGX_HTTP_BAD_REQUEST,
                                                "a request body is required",
                                                &op->text,
                                                "no request body", NULL);
        }

        return NGX_DECLINED;
    }

    *reason = NGX_HTTP_APISEC_REFUSAL_UNSUPPORTED_MEDIA_TYPE;

    if (!op->body) {
        return ngx_http_apisec_openapi_deny(r, alcf, ctx,
                                            NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                            "the operation takes no request "
                                            "body", &op->text,
                                            "a request body the operation "
                                            "does not declare", NULL);
    }

    if (r->headers_in.content_type == NULL) {
        return ngx_http_apisec_openapi_deny(r, alcf, ctx,
                                            NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                            "no Content-Type", &op->text,
                                            "a request body without "
                                            "Content-Type", NULL);
    }

    p = r->headers_in.content_type->value.data;
    last = p + r->headers_in.content_type->value.len;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    type.data = p;

    while (p < last && *p != ';' && *p != ' ' && *p != '\t') {
        p++;
    }

    slash = ngx_strlchr(type.data, p, '/');

    if (slash == NULL) {
        goto unsupported;
    }

    type.len = slash - type.data;
    subtype.data = slash + 1;
    subtype.len = p - slash - 1;

    m = op->media;

    for (i = 0; i < op->nmedia; i++) {
        if (m[i].type.len == 1 && m[i].type.data[0] == '*') {
            break;
        }

        if (m[i].type.len != type.len
            || ngx_strncasecmp(m[i].type.data, type.data, type.len) != 0)
        {
            continue;
        }

        if ((m[i].subtype.len == 1 && m[i].subtype.data[0] == '*')
            || (m[i].subtype.len == subtype.len
                && ngx_strncasecmp(m[i].subtype.data, subtype.data,
                                   subtype.len) == 0))
        {
            break;
        }
    }

    if (i == op->nmedia) {
        goto unsupported;
    }

    /*
     * a JSON body against its schema: read and checked by the body step
     * (ngx_http_apisec_body.c), 400 malformed, 413 too large, 422
     */

    if (m[i].json && m[i].schema) {
        ctx->body_schema = m[i].schema;
        ctx->body_label = &op->text;
    }

    return NGX_DECLINED;

unsupported:

    return ngx_http_apisec_openapi_deny(r, alcf, ctx,
                                        NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                        "content type not declared for the "
                                        "operation", &op->text,
                                        "a Content-Type the operation does "
                                        "not declare", NULL);
}
