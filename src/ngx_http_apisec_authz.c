
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


#define NGX_HTTP_APISEC_AUTHZ_ROLE   1
#define NGX_HTTP_APISEC_AUTHZ_SCOPE  2
#define NGX_HTTP_APISEC_AUTHZ_CLAIM  3


static ngx_uint_t ngx_http_apisec_authz_role(ngx_http_apisec_authz_conf_t *acf,
    ngx_uint_t kind, ngx_http_apisec_ctx_t *ctx, ngx_str_t *role);
static ngx_uint_t ngx_http_apisec_authz_scope(ngx_uint_t kind,
    ngx_http_apisec_ctx_t *ctx, ngx_str_t *scope);
static ngx_uint_t ngx_http_apisec_authz_claim(ngx_http_request_t *r,
    ngx_uint_t kind, ngx_http_apisec_ctx_t *ctx,
    ngx_http_apisec_claim_cond_t *cond);
static ngx_int_t ngx_http_apisec_authz_deny(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_uint_t kind, ngx_uint_t what,
    ngx_str_t *text, ngx_uint_t result);
static ngx_int_t ngx_http_apisec_authz_text(ngx_conf_t *cf, ngx_str_t *args,
    ngx_uint_t n, ngx_str_t *text);


/* refusals: $apisec_auth_result, and the problem's detail */

#define NGX_HTTP_APISEC_AUTHZ_NOBODY     0
#define NGX_HTTP_APISEC_AUTHZ_NO_ROLE    1
#define NGX_HTTP_APISEC_AUTHZ_NO_SCOPE   2
#define NGX_HTTP_APISEC_AUTHZ_CLAIM_RES  3   /* + NGX_HTTP_APISEC_CLAIM_* */

typedef struct {
    ngx_str_t                   name;
    char                       *detail;
} ngx_http_apisec_authz_error_t;


static ngx_http_apisec_authz_error_t  ngx_http_apisec_authz_errors[] = {
    { ngx_string("not_authenticated"), "not authenticated" },
    { ngx_string("role_required"), "role required" },
    { ngx_string("insufficient_scope"), "insufficient scope" },
    { ngx_null_string, NULL },                  /* CLAIM_MET */
    { ngx_string("claim_not_met"), "claim condition not met" },
    { ngx_string("claim_missing"), "claim missing" },
    { ngx_string("claim_type_mismatch"), "claim type mismatch" }
};


/* RFC 6749, 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */

static ngx_inline ngx_uint_t
ngx_http_apisec_scope_char(u_char c)
{
    return c >= 0x21 && c <= 0x7e && c != '"' && c != '\\';
}


/* configuration */

void
ngx_http_apisec_authz_create_conf(ngx_http_apisec_authz_conf_t *conf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     conf->roles_claim = { 0, NULL };
     */

    conf->roles = NGX_CONF_UNSET_PTR;
    conf->scopes = NGX_CONF_UNSET_PTR;
    conf->claims = NGX_CONF_UNSET_PTR;
}


/*
 * Each directive is inherited on its own, whole: a level with any
 * apisec_require_role line replaces the role lines it would inherit (and
 * keeps the inherited scope and claim lines); "off" drops them.
 */

char *
ngx_http_apisec_authz_merge_conf(ngx_conf_t *cf,
    ngx_http_apisec_authz_conf_t *prev, ngx_http_apisec_authz_conf_t *conf)
{
    if (conf->roles_claim.data == NULL) {
        conf->roles_claim = prev->roles_claim;
    }

    if (conf->roles_claim.data == NULL) {
        ngx_str_set(&conf->roles_claim, "roles");
    }

    if (conf->pos.file.data == NULL) {
        conf->pos = prev->pos;
    }

    ngx_conf_merge_ptr_value(conf->roles, prev->roles, NULL);
    ngx_conf_merge_ptr_value(conf->scopes, prev->scopes, NULL);
    ngx_conf_merge_ptr_value(conf->claims, prev->claims, NULL);

    return NGX_CONF_OK;
}


/* apisec_roles_claim path; */

char *
ngx_http_apisec_roles_claim(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_str_t  *value;

    if (alcf->authz.roles_claim.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (!ngx_http_apisec_claim_path_valid(&value[1])) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid claim path \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    alcf->authz.roles_claim = value[1];

    return NGX_CONF_OK;
}


/*
 * apisec_require_role role ... | off;    any of the roles of a line
 * apisec_require_scope scope ... | off;  all of the scopes of a line
 * Every line at a level is a further requirement.
 */

char *
ngx_http_apisec_require_list(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char                        *c;
    ngx_str_t                     *value;
    ngx_uint_t                     i, scope;
    ngx_array_t                  **a;
    ngx_http_apisec_authz_line_t  *line;

    a = (ngx_array_t **) (p + cmd->offset);
    value = cf->args->elts;

    scope = (cmd->offset
             == offsetof(ngx_http_apisec_loc_conf_t, authz.scopes));

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        if (*a != NGX_CONF_UNSET_PTR) {
            return "is duplicate";
        }

        *a = NULL;
        return NGX_CONF_OK;
    }

    if (*a == NULL) {
        return "is duplicate";
    }

    if (((ngx_http_apisec_loc_conf_t *) conf)->authz.pos.file.data == NULL
        && ngx_http_apisec_conf_pos(cf,
                           &((ngx_http_apisec_loc_conf_t *) conf)->authz.pos)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 0) {
            goto invalid;
        }

        for (c = value[i].data; c < value[i].data + value[i].len; c++) {

            if (scope ? !ngx_http_apisec_scope_char(*c)
                      : (*c <= 0x20 || *c == 0x7f || *c == ','))
            {
                goto invalid;
            }
        }
    }

    if (*a == NGX_CONF_UNSET_PTR) {
        *a = ngx_array_create(cf->pool, 2,
                              sizeof(ngx_http_apisec_authz_line_t));
        if (*a == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    line = ngx_array_push(*a);
    if (line == NULL) {
        return NGX_CONF_ERROR;
    }

    /* cf->args is reused by the next directive: the strings stay */

    line->nvalues = cf->args->nelts - 1;
    line->values = ngx_palloc(cf->pool, line->nvalues * sizeof(ngx_str_t));
    if (line->values == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(line->values, &value[1], line->nvalues * sizeof(ngx_str_t));

    if (ngx_http_apisec_authz_text(cf, &value[1], line->nvalues, &line->text)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       scope ? "invalid scope \"%V\" (RFC 6749, 3.3)"
                             : "invalid role \"%V\": no spaces, commas or "
                               "control characters", &value[i]);
    return NGX_CONF_ERROR;
}


/* apisec_require_claim path op [value ...] | off; */

char *
ngx_http_apisec_require_claim(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_int_t                       op;
    ngx_str_t                      *value, *path;
    ngx_uint_t                      i, n;
    ngx_http_apisec_claim_cond_t   *cond;
    ngx_http_apisec_claim_value_t  *v;
#if (NGX_PCRE)
    u_char                          errstr[NGX_MAX_CONF_ERRSTR];
    ngx_regex_compile_t             rc;
#endif

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        if (alcf->authz.claims != NGX_CONF_UNSET_PTR) {
            return "is duplicate";
        }

        alcf->authz.claims = NULL;
        return NGX_CONF_OK;
    }

    if (alcf->authz.claims == NULL) {
        return "is duplicate";
    }

    if (alcf->authz.pos.file.data == NULL
        && ngx_http_apisec_conf_pos(cf, &alcf->authz.pos) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts < 3) {
        return "is missing an operator";
    }

    path = &value[1];

    if (!ngx_http_apisec_claim_path_valid(path)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid claim path \"%V\"", path);
        return NGX_CONF_ERROR;
    }

    op = ngx_http_apisec_claim_op(&value[2]);

    if (op == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown operator \"%V\", expected eq, ne, in, "
                           "nin, contains, gt, ge, lt, le, match or exists",
                           &value[2]);
        return NGX_CONF_ERROR;
    }

    n = cf->args->nelts - 3;

    switch (op) {

    case NGX_HTTP_APISEC_OP_EXISTS:
        if (n != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "operator \"exists\" takes no value");
            return NGX_CONF_ERROR;
        }
        break;

    case NGX_HTTP_APISEC_OP_IN:
    case NGX_HTTP_APISEC_OP_NIN:
    case NGX_HTTP_APISEC_OP_CONTAINS:
        if (n == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "operator \"%V\" needs at least one value",
                               &value[2]);
            return NGX_CONF_ERROR;
        }
        break;

    default:
        if (n != 1) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "operator \"%V\" takes exactly one value",
                               &value[2]);
            return NGX_CONF_ERROR;
        }
    }

    if (alcf->authz.claims == NGX_CONF_UNSET_PTR) {
        alcf->authz.claims = ngx_array_create(cf->pool, 2,
                                       sizeof(ngx_http_apisec_claim_cond_t));
        if (alcf->authz.claims == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    cond = ngx_array_push(alcf->authz.claims);
    if (cond == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(cond, sizeof(ngx_http_apisec_claim_cond_t));

    cond->path = *path;
    cond->op = op;
    cond->nvalues = n;

    if (n) {
        cond->values = ngx_pcalloc(cf->pool,
                                n * sizeof(ngx_http_apisec_claim_value_t));
        if (cond->values == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    for (i = 0; i < n; i++) {
        v = &cond->values[i];

        if (ngx_http_apisec_claim_value_parse(&value[3 + i], v) != NGX_OK
            && op != NGX_HTTP_APISEC_OP_MATCH)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "value \"null\" compares with no claim (a "
                               "null claim meets \"exists\" only); write "
                               "'\"null\"' for the string null");
            return NGX_CONF_ERROR;
        }

        if (op >= NGX_HTTP_APISEC_OP_GT && op <= NGX_HTTP_APISEC_OP_LE
            && !v->is_number)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "operator \"%V\" needs a number, not \"%V\"",
                               &value[2], &value[3 + i]);
            return NGX_CONF_ERROR;
        }

        /* "in" and "nin" with values of two types can only refuse */

        if ((op == NGX_HTTP_APISEC_OP_IN || op == NGX_HTTP_APISEC_OP_NIN)
            && i > 0
            && (v->is_string != cond->values[0].is_string
                || v->is_number != cond->values[0].is_number))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "operator \"%V\" needs values of one type, "
                               "not \"%V\" and \"%V\" (write '\"%V\"' for "
                               "a string that looks like a number or a "
                               "boolean)", &value[2], &value[3],
                               &value[3 + i],
                               v->is_string ? &value[3] : &value[3 + i]);
            return NGX_CONF_ERROR;
        }
    }

    if (op == NGX_HTTP_APISEC_OP_MATCH) {
#if (NGX_PCRE)
        ngx_memzero(&rc, sizeof(ngx_regex_compile_t));

        rc.pattern = value[3];
        rc.pool = cf->pool;
        rc.err.len = NGX_MAX_CONF_ERRSTR;
        rc.err.data = errstr;

        if (ngx_regex_compile(&rc) != NGX_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V", &rc.err);
            return NGX_CONF_ERROR;
        }

        cond->regex = rc.regex;
#else
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "operator \"match\" needs nginx built with PCRE");
        return NGX_CONF_ERROR;
#endif
    }

    if (ngx_http_apisec_authz_text(cf, &value[1], cf->args->nelts - 1,
                                   &cond->text)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_apisec_authz_text(ngx_conf_t *cf, ngx_str_t *args, ngx_uint_t n,
    ngx_str_t *text)
{
    u_char      *p;
    size_t       len;
    ngx_uint_t   i;

    len = 0;

    for (i = 0; i < n; i++) {
        len += args[i].len + 1;
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    text->data = p;

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = ' ';
        }

        p = ngx_cpymem(p, args[i].data, args[i].len);
    }

    text->len = p - text->data;

    return NGX_OK;
}


/*
 * The access phase, after authentication: every line must hold.  Roles and
 * scopes come from the caller's claims (ctx->jwt_claims: a JWT's, or an
 * introspection answer's) or from its API key's entry; an API key has no
 * scopes and no claims.  NGX_DECLINED when the caller may go on; a
 * refusal is 403, waivable under "satisfy any".
 */

ngx_int_t
ngx_http_apisec_authz_access(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    ngx_uint_t                     i, j, kind, found, res;
    ngx_http_apisec_ctx_t         *ctx;
    ngx_http_apisec_authz_conf_t  *acf;
    ngx_http_apisec_authz_line_t  *line;
    ngx_http_apisec_claim_cond_t  *cond;

    static ngx_str_t  nobody = ngx_string("no authenticated caller");

    acf = &alcf->authz;

    kind = ngx_http_apisec_identity(r, &ctx, 1);

    if (kind == NGX_HTTP_APISEC_AUTHN_NONE) {
        return ngx_http_apisec_authz_deny(r, alcf, kind, 0, &nobody,
                                          NGX_HTTP_APISEC_AUTHZ_NOBODY);
    }

    /* a JWT's claims, parsed now: roles, scopes and claims read them */

    if (kind == NGX_HTTP_APISEC_AUTHN_BEARER) {
        (void) ngx_http_apisec_jwt_claims(r, ctx);
    }

    if (acf->roles) {
        line = acf->roles->elts;

        for (i = 0; i < acf->roles->nelts; i++) {
            found = 0;

            for (j = 0; j < line[i].nvalues && !found; j++) {
                found = ngx_http_apisec_authz_role(acf, kind, ctx,
                                                   &line[i].values[j]);
            }

            if (!found) {
                return ngx_http_apisec_authz_deny(r, alcf, kind,
                                                  NGX_HTTP_APISEC_AUTHZ_ROLE,
                                                  &line[i].text,
                                               NGX_HTTP_APISEC_AUTHZ_NO_ROLE);
            }
        }
    }

    if (acf->scopes) {
        line = acf->scopes->elts;

        for (i = 0; i < acf->scopes->nelts; i++) {
            for (j = 0; j < line[i].nvalues; j++) {
                if (!ngx_http_apisec_authz_scope(kind, ctx,
                                                 &line[i].values[j]))
                {
                    return ngx_http_apisec_authz_deny(r, alcf, kind,
                                                NGX_HTTP_APISEC_AUTHZ_SCOPE,
                                                &line[i].text,
                                              NGX_HTTP_APISEC_AUTHZ_NO_SCOPE);
                }
            }
        }
    }

    if (acf->claims) {
        cond = acf->claims->elts;

        for (i = 0; i < acf->claims->nelts; i++) {
            res = ngx_http_apisec_authz_claim(r, kind, ctx, &cond[i]);

            if (res != NGX_HTTP_APISEC_CLAIM_MET) {
                return ngx_http_apisec_authz_deny(r, alcf, kind,
                                                  NGX_HTTP_APISEC_AUTHZ_CLAIM,
                                                  &cond[i].text,
                                       NGX_HTTP_APISEC_AUTHZ_CLAIM_RES + res);
            }
        }
    }

    return NGX_DECLINED;
}


static ngx_uint_t
ngx_http_apisec_authz_role(ngx_http_apisec_authz_conf_t *acf,
    ngx_uint_t kind, ngx_http_apisec_ctx_t *ctx, ngx_str_t *role)
{
    ngx_str_t   *roles;
    ngx_uint_t   i;

    if (kind == NGX_HTTP_APISEC_AUTHN_BEARER) {
        return ngx_http_apisec_claim_has_token(
                   ngx_http_apisec_claim_get(ctx->jwt_claims,
                                             &acf->roles_claim),
                   role, 1);
    }

    if (ctx->consumer == NULL || ctx->consumer->roles == NULL) {
        return 0;
    }

    roles = ctx->consumer->roles->elts;

    for (i = 0; i < ctx->consumer->roles->nelts; i++) {
        if (roles[i].len == role->len
            && ngx_memcmp(roles[i].data, role->data, role->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* "scope" (a space-separated string, RFC 8693) or "scp" (an array) */

static ngx_uint_t
ngx_http_apisec_authz_scope(ngx_uint_t kind, ngx_http_apisec_ctx_t *ctx,
    ngx_str_t *scope)
{
    if (kind != NGX_HTTP_APISEC_AUTHN_BEARER || ctx->jwt_claims == NULL) {
        return 0;
    }

    return ngx_http_apisec_claim_has_token(
               json_object_get(ctx->jwt_claims, "scope"), scope, 0)
           || ngx_http_apisec_claim_has_token(
               json_object_get(ctx->jwt_claims, "scp"), scope, 0);
}


static ngx_uint_t
ngx_http_apisec_authz_claim(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_http_apisec_ctx_t *ctx, ngx_http_apisec_claim_cond_t *cond)
{
    json_t      *v;
    ngx_str_t    s;
    ngx_uint_t   res;

    v = NULL;

    if (kind == NGX_HTTP_APISEC_AUTHN_BEARER) {
        v = ngx_http_apisec_claim_get(ctx->jwt_claims, &cond->path);
    }

    if (cond->op != NGX_HTTP_APISEC_OP_MATCH) {
        return ngx_http_apisec_claim_compare(v, cond->op, cond->values,
                                             cond->nvalues);
    }

    /* a string without control characters: "$" is its end, see there */

    res = ngx_http_apisec_claim_match_subject(v, &s);

    if (res != NGX_HTTP_APISEC_CLAIM_MET) {
        return res;
    }

#if (NGX_PCRE)
    if (ngx_regex_exec(cond->regex, &s, NULL, 0) >= 0) {
        return NGX_HTTP_APISEC_CLAIM_MET;
    }
#endif

    return NGX_HTTP_APISEC_CLAIM_NOT_MET;
}


/*
 * 403, and for a bearer caller the RFC 6750 challenge: error=
 * "insufficient_scope" with scope= naming the unmet line's scopes or roles
 * (when they are all scope-token characters).  The log names the line.
 */

static ngx_int_t
ngx_http_apisec_authz_deny(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_uint_t kind, ngx_uint_t what,
    ngx_str_t *text, ngx_uint_t result)
{
    char                   *why;
    ngx_str_t              *scope;
    ngx_http_apisec_ctx_t  *ctx;

    why = ngx_http_apisec_authz_errors[result].detail;

    ctx = ngx_http_apisec_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->authz_result = &ngx_http_apisec_authz_errors[result].name;

    static char  *directives[] = {
        "", "apisec_require_role ", "apisec_require_scope ",
        "apisec_require_claim "
    };

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apisec: access denied: %s: \"%s%V\"", why,
                  directives[what], text);

    /* the scopes or roles of the unmet line; a claim condition: none */

    scope = (what == NGX_HTTP_APISEC_AUTHZ_ROLE
             || what == NGX_HTTP_APISEC_AUTHZ_SCOPE) ? text : NULL;

    if (kind == NGX_HTTP_APISEC_AUTHN_BEARER
        && ngx_http_apisec_scope_challenge(r, alcf, scope) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_apisec_refuse(r, NGX_HTTP_FORBIDDEN, 1, why);
}


/*
 * RFC 6750, 3.1: the location's bearer challenge with error=
 * "insufficient_scope" and, when "scope" is scope-tokens (RFC 6749, 3.3)
 * separated by spaces, scope="..." naming them; for apisec_require_role
 * and _scope, and an OpenAPI operation's security requirement alike.
 */

ngx_int_t
ngx_http_apisec_scope_challenge(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf, ngx_str_t *scope)
{
    u_char      *p;
    size_t       len;
    ngx_str_t    name, value, base;
    ngx_uint_t   i;

    if (alcf->jwt.challenge.len) {
        base = alcf->jwt.challenge;

    } else {
        ngx_str_set(&base, "Bearer realm=\"api\"");
    }

    for (i = 0; scope && i < scope->len; i++) {
        if (scope->data[i] != ' '
            && !ngx_http_apisec_scope_char(scope->data[i]))
        {
            scope = NULL;
        }
    }

    if (scope && scope->len == 0) {
        scope = NULL;
    }

    len = base.len + sizeof(", error=\"insufficient_scope\"") - 1
          + (scope ? sizeof(", scope=\"\"") - 1 + scope->len : 0);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value.data = p;
    p = ngx_cpymem(p, base.data, base.len);
    p = ngx_cpymem(p, ", error=\"insufficient_scope\"",
                   sizeof(", error=\"insufficient_scope\"") - 1);

    if (scope) {
        p = ngx_sprintf(p, ", scope=\"%V\"", scope);
    }

    value.len = p - value.data;

    ngx_str_set(&name, "WWW-Authenticate");

    r->headers_out.www_authenticate = ngx_http_apisec_set_header(r, &name,
                                                                 &value);

    return r->headers_out.www_authenticate ? NGX_OK : NGX_ERROR;
}
