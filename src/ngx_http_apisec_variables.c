
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


/* apisec_claim_set: what a declared variable shows, in the conf pool */
typedef struct {
    ngx_str_t                   name;       /* without "$", for the log */
    ngx_str_t                   path;
} ngx_http_apisec_claim_set_t;


static ngx_int_t ngx_http_apisec_variable_subject(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_apisec_variable_consumer(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_apisec_variable_roles(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_apisec_variable_auth_result(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_apisec_variable_refusal(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_apisec_variable_jwt_cache(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_apisec_variable_jwt_claim(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_apisec_variable_jwt_header(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_apisec_variable_claim_set(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_apisec_variable_set_json(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, json_t *json);
static ngx_int_t ngx_http_apisec_variable_json(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, json_t *object, ngx_str_t *name,
    size_t prefix);
static ngx_int_t ngx_http_apisec_json_value(ngx_pool_t *pool, json_t *json,
    ngx_str_t *out);
static size_t ngx_http_apisec_json_scalar(json_t *json, u_char *buf);


static ngx_http_variable_t  ngx_http_apisec_vars[] = {

    { ngx_string("apisec_subject"), NULL,
      ngx_http_apisec_variable_subject, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apisec_consumer"), NULL,
      ngx_http_apisec_variable_consumer, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apisec_roles"), NULL,
      ngx_http_apisec_variable_roles, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apisec_auth_result"), NULL,
      ngx_http_apisec_variable_auth_result, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apisec_refusal"), NULL,
      ngx_http_apisec_variable_refusal, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apisec_jwt_cache_status"), NULL,
      ngx_http_apisec_variable_jwt_cache, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apisec_jwt_claim_"), NULL,
      ngx_http_apisec_variable_jwt_claim, 0,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

    { ngx_string("apisec_jwt_header_"), NULL,
      ngx_http_apisec_variable_jwt_header, 0,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_apisec_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_apisec_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/*
 * apisec_claim_set $variable path;  (http only: it declares a variable)
 *
 * Declaring the same variable again with the same path is allowed;
 * any other variable of that name (built in, "set", "map", another
 * path) is an error, so that no claim silently replaces a variable the
 * configuration uses for something else, or the other way round.
 */

char *
ngx_http_apisec_claim_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    u_char                       *p, *last;
    ngx_str_t                    *value, name;
    ngx_uint_t                    i;
    ngx_hash_key_t               *key;
    ngx_http_variable_t          *var;
    ngx_http_apisec_claim_set_t  *cs;
    ngx_http_core_main_conf_t    *cmcf;

    value = cf->args->elts;

    name = value[1];

    if (name.len < 2 || name.data[0] != '$') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid variable name \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    name.len--;
    name.data++;

    last = name.data + name.len;

    for (p = name.data; p < last; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid variable name \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    if (!ngx_http_apisec_claim_path_valid(&value[2])) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid claim path \"%V\"", &value[2]);
        return NGX_CONF_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    key = cmcf->variables_keys->keys.elts;

    for (i = 0; i < cmcf->variables_keys->keys.nelts; i++) {
        if (name.len != key[i].key.len
            || ngx_strncasecmp(name.data, key[i].key.data, name.len) != 0)
        {
            continue;
        }

        var = key[i].value;

        if (var->get_handler != ngx_http_apisec_variable_claim_set) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "the duplicate \"%V\" variable", &name);
            return NGX_CONF_ERROR;
        }

        cs = (ngx_http_apisec_claim_set_t *) var->data;

        if (cs->path.len == value[2].len
            && ngx_strncmp(cs->path.data, value[2].data, value[2].len) == 0)
        {
            return NGX_CONF_OK;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "variable \"$%V\" is already set to claim \"%V\"",
                           &name, &cs->path);
        return NGX_CONF_ERROR;
    }

    cs = ngx_palloc(cf->pool, sizeof(ngx_http_apisec_claim_set_t));
    if (cs == NULL) {
        return NGX_CONF_ERROR;
    }

    cs->name = name;
    cs->path = value[2];

    var = ngx_http_add_variable(cf, &name, NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_CONF_ERROR;
    }

    var->get_handler = ngx_http_apisec_variable_claim_set;
    var->data = (uintptr_t) cs;

    return NGX_CONF_OK;
}


/*
 * A variable of apisec_claim_set: the claim of the identity that
 * authenticated the request in this location (or, in a location that does
 * not authenticate, before it), as ngx_http_apisec_claim_text() writes it.
 * A value that would be refused or cut is not found, with an INFO line
 * (the value is not logged: it may be personal data).
 */

static ngx_int_t
ngx_http_apisec_variable_claim_set(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_apisec_claim_set_t  *cs = (ngx_http_apisec_claim_set_t *) data;

    char                   *why;
    size_t                  len;
    json_t                 *claim;
    ngx_uint_t              kind, rc;
    ngx_http_apisec_ctx_t  *ctx;
    u_char                  buf[NGX_HTTP_APISEC_CLAIM_TEXT_MAX];

    kind = ngx_http_apisec_identity(r, &ctx, 0);

    if (kind != NGX_HTTP_APISEC_AUTHN_BEARER || ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    claim = ngx_http_apisec_claim_get(ngx_http_apisec_jwt_claims(r, ctx),
                                      &cs->path);

    rc = ngx_http_apisec_claim_text(claim, buf, sizeof(buf), &len);

    switch (rc) {

    case NGX_HTTP_APISEC_CLAIM_TEXT_OK:
        break;

    case NGX_HTTP_APISEC_CLAIM_TEXT_CONTROL:
        why = "has a control character";
        goto refused;

    case NGX_HTTP_APISEC_CLAIM_TEXT_COMMA:
        why = "has an element with a comma";
        goto refused;

    case NGX_HTTP_APISEC_CLAIM_TEXT_TOO_LONG:
        why = "is longer than "
              ngx_value(NGX_HTTP_APISEC_CLAIM_TEXT_MAX) " bytes";
        goto refused;

    default: /* NGX_HTTP_APISEC_CLAIM_TEXT_NONE */
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = ngx_pnalloc(r->pool, len);
    if (v->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(v->data, buf, len);

    v->len = len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;

refused:

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apisec: claim \"%V\" of \"$%V\" %s, not set",
                  &cs->path, &cs->name, why);

    v->not_found = 1;

    return NGX_OK;
}


/*
 * The identity variables are found only for an authenticated request: the
 * claims of a refused token (expired, of another issuer) are never shown.
 */

static ngx_int_t
ngx_http_apisec_variable_subject(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    json_t                 *sub;
    ngx_uint_t              kind;
    ngx_http_apisec_ctx_t  *ctx;

    kind = ngx_http_apisec_identity(r, &ctx, 0);

    if (kind == NGX_HTTP_APISEC_AUTHN_APIKEY) {
        v->len = ctx->consumer->name.len;
        v->data = ctx->consumer->name.data;
        v->valid = 1;
        v->no_cacheable = 1;
        v->not_found = 0;
        return NGX_OK;
    }

    sub = (kind == NGX_HTTP_APISEC_AUTHN_BEARER)
          ? json_object_get(ngx_http_apisec_jwt_claims(r, ctx), "sub")
          : NULL;

    return ngx_http_apisec_variable_set_json(r, v, sub);
}


/*
 * The calling application: an API key's consumer name; for a bearer
 * token, the OAuth client ("client_id", RFC 9068, else "azp"), else "sub".
 */

static ngx_int_t
ngx_http_apisec_variable_consumer(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    json_t                 *c;
    ngx_uint_t              kind;
    ngx_http_apisec_ctx_t  *ctx;

    kind = ngx_http_apisec_identity(r, &ctx, 0);

    if (kind == NGX_HTTP_APISEC_AUTHN_NONE) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ctx->consumer && ctx->apikey_result == NGX_HTTP_APISEC_APIKEY_OK) {
        v->len = ctx->consumer->name.len;
        v->data = ctx->consumer->name.data;
        v->valid = 1;
        v->no_cacheable = 1;
        v->not_found = 0;
        return NGX_OK;
    }

    (void) ngx_http_apisec_jwt_claims(r, ctx);

    c = json_object_get(ctx->jwt_claims, "client_id");

    if (!json_is_string(c)) {
        c = json_object_get(ctx->jwt_claims, "azp");
    }

    if (!json_is_string(c)) {
        c = json_object_get(ctx->jwt_claims, "sub");
    }

    return ngx_http_apisec_variable_set_json(r, v, c);
}


/*
 * The caller's roles, joined with commas: from the roles claim
 * (apisec_roles_claim) of a bearer token, or an API key's "roles=".
 */

static ngx_int_t
ngx_http_apisec_variable_roles(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                      *p;
    json_t                      *roles;
    ngx_str_t                    value;
    ngx_uint_t                   kind;
    ngx_http_apisec_ctx_t       *ctx;
    ngx_http_apisec_loc_conf_t  *alcf;

    kind = ngx_http_apisec_identity(r, &ctx, 0);

    if (kind == NGX_HTTP_APISEC_AUTHN_APIKEY) {
        if (ctx->consumer->roles == NULL) {
            v->not_found = 1;
            return NGX_OK;
        }

        v->len = ctx->consumer->roles_text.len;
        v->data = ctx->consumer->roles_text.data;
        v->valid = 1;
        v->no_cacheable = 1;
        v->not_found = 0;
        return NGX_OK;
    }

    if (kind != NGX_HTTP_APISEC_AUTHN_BEARER) {
        v->not_found = 1;
        return NGX_OK;
    }

    alcf = ngx_http_get_module_loc_conf(r->main, ngx_http_apisec_module);

    roles = ngx_http_apisec_claim_get(ngx_http_apisec_jwt_claims(r, ctx),
                                      &alcf->authz.roles_claim);

    if (!json_is_string(roles) && !json_is_array(roles)) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ngx_http_apisec_json_value(r->pool, roles, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    /* "a b,c" as a string claim: "a,b,c" as for an array */

    if (json_is_string(roles)) {
        for (p = value.data; p < value.data + value.len; p++) {
            if (*p == ' ') {
                *p = ',';
            }
        }
    }

    v->len = value.len;
    v->data = value.data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_variable_auth_result(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  *name;

    name = ngx_http_apisec_authn_result(r);

    if (name == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = name->len;
    v->data = name->data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * $apisec_refusal: one word for the module's refusal of the request
 * (ngx_http_apisec_status.c has the list), empty (not "-") when it
 * refused nothing
 */

static ngx_int_t
ngx_http_apisec_variable_refusal(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  *name;

    name = ngx_http_apisec_refusal_name(r);

    if (name == NULL) {
        v->len = 0;
        v->data = (u_char *) "";

    } else {
        v->len = name->len;
        v->data = name->data;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * "HIT": the signature was verified before, "MISS": it was verified now;
 * not found when the location has no cache or the token was refused before
 * the cache was asked (a malformed token, a refused alg)
 */

static ngx_int_t
ngx_http_apisec_variable_jwt_cache(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_apisec_jwt_result(r, 0);

    if (ctx == NULL || ctx->jwt_conf == NULL
        || ctx->jwt_cache == NGX_HTTP_APISEC_JWT_CACHE_NONE)
    {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ctx->jwt_cache == NGX_HTTP_APISEC_JWT_CACHE_HIT) {
        v->len = sizeof("HIT") - 1;
        v->data = (u_char *) "HIT";

    } else {
        v->len = sizeof("MISS") - 1;
        v->data = (u_char *) "MISS";
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apisec_variable_jwt_claim(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_apisec_jwt_result(r, 0);

    if (ctx == NULL || ctx->jwt_conf == NULL
        || ctx->jwt_result != NGX_HTTP_APISEC_JWT_OK)
    {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_apisec_variable_json(r, v,
                                         ngx_http_apisec_jwt_claims(r, ctx),
                                         (ngx_str_t *) data,
                                         sizeof("apisec_jwt_claim_") - 1);
}


static ngx_int_t
ngx_http_apisec_variable_jwt_header(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_apisec_ctx_t  *ctx;

    ctx = ngx_http_apisec_jwt_result(r, 0);

    if (ctx == NULL || ctx->jwt_conf == NULL
        || ctx->jwt_result != NGX_HTTP_APISEC_JWT_OK)
    {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_apisec_variable_json(r, v, ctx->jwt_header,
                                         (ngx_str_t *) data,
                                         sizeof("apisec_jwt_header_") - 1);
}


static ngx_int_t
ngx_http_apisec_variable_json(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, json_t *object, ngx_str_t *name,
    size_t prefix)
{
    u_char      *key;
    size_t       len;
    json_t      *json, *member;
    const char  *k;

    json = NULL;

    if (object && name->len > prefix) {
        key = name->data + prefix;
        len = name->len - prefix;

        json = json_object_getn(object, (char *) key, len);

        /* nginx lowercases variable names: "userId" is "$..._userid" */

        if (json == NULL) {
            json_object_foreach(object, k, member) {
                if (ngx_strlen(k) == len
                    && ngx_strncasecmp((u_char *) k, key, len) == 0)
                {
                    json = member;
                    break;
                }
            }
        }
    }

    return ngx_http_apisec_variable_set_json(r, v, json);
}


/* a member of the claims or header as the variable's value; NULL: not found */

static ngx_int_t
ngx_http_apisec_variable_set_json(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, json_t *json)
{
    ngx_str_t  value;

    if (json == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ngx_http_apisec_json_value(r->pool, json, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    v->len = value.len;
    v->data = value.data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * A JSON value as a variable's value: strings as they are, numbers in
 * decimal, true and false, null as "", arrays as their elements joined with
 * commas, objects as compact JSON.  Control characters in strings are
 * percent-encoded (%0D%0A), so that no claim can split a header line.
 */

static ngx_int_t
ngx_http_apisec_json_value(ngx_pool_t *pool, json_t *json, ngx_str_t *out)
{
    u_char      *p, *s, *last;
    json_t      *e;
    size_t       len, i, n;
    ngx_str_t   *elts;
    ngx_uint_t   esc;
    u_char       buf[NGX_INT64_LEN + 32];

    switch (json_typeof(json)) {

    case JSON_STRING:
        s = (u_char *) json_string_value(json);
        last = s + json_string_length(json);

        esc = 0;

        for (p = s; p < last; p++) {
            if (*p < 0x20 || *p == 0x7f) {
                esc++;
            }
        }

        /* a copy: the claims may be replaced within the request */

        out->data = ngx_pnalloc(pool, (last - s) + 2 * esc);
        if (out->data == NULL) {
            return NGX_ERROR;
        }

        if (esc == 0) {
            out->len = last - s;
            ngx_memcpy(out->data, s, out->len);
            return NGX_OK;
        }

        p = out->data;

        for ( /* void */ ; s < last; s++) {
            if (*s < 0x20 || *s == 0x7f) {
                p = ngx_sprintf(p, "%%%02XD", *s);

            } else {
                *p++ = *s;
            }
        }

        out->len = p - out->data;
        return NGX_OK;

    case JSON_ARRAY:
        n = json_array_size(json);

        if (n == 0) {
            out->len = 0;
            out->data = (u_char *) "";
            return NGX_OK;
        }

        /* each element on its own, then joined */

        elts = ngx_palloc(pool, n * sizeof(ngx_str_t));
        if (elts == NULL) {
            return NGX_ERROR;
        }

        for (i = 0; i < n; i++) {
            e = json_array_get(json, i);

            if (json_is_array(e)) {
                /* a nested array is compact JSON, not joined again */
                len = json_dumpb(e, NULL, 0, JSON_COMPACT);

                elts[i].data = ngx_pnalloc(pool, len);
                if (elts[i].data == NULL) {
                    return NGX_ERROR;
                }

                elts[i].len = json_dumpb(e, (char *) elts[i].data, len,
                                         JSON_COMPACT);

            } else if (ngx_http_apisec_json_value(pool, e, &elts[i])
                       != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        len = n - 1;

        for (i = 0; i < n; i++) {
            len += elts[i].len;
        }

        p = ngx_pnalloc(pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        out->data = p;

        for (i = 0; i < n; i++) {
            if (i) {
                *p++ = ',';
            }

            p = ngx_cpymem(p, elts[i].data, elts[i].len);
        }

        out->len = p - out->data;

        return NGX_OK;

    case JSON_OBJECT:
        len = json_dumpb(json, NULL, 0, JSON_COMPACT);

        out->data = ngx_pnalloc(pool, len);
        if (out->data == NULL) {
            return NGX_ERROR;
        }

        out->len = json_dumpb(json, (char *) out->data, len, JSON_COMPACT);
        return NGX_OK;

    default:
        len = ngx_http_apisec_json_scalar(json, buf);

        out->data = ngx_pnalloc(pool, len);
        if (out->data == NULL) {
            return NGX_ERROR;
        }

        out->len = len;
        ngx_memcpy(out->data, buf, len);
        return NGX_OK;
    }
}


static size_t
ngx_http_apisec_json_scalar(json_t *json, u_char *buf)
{
    size_t  len;

    switch (json_typeof(json)) {

    case JSON_INTEGER:
        return ngx_sprintf(buf, "%L", (int64_t) json_integer_value(json))
               - buf;

    case JSON_REAL:
        len = json_dumpb(json, (char *) buf, NGX_INT64_LEN + 32,
                         JSON_ENCODE_ANY);
        return (len <= NGX_INT64_LEN + 32) ? len : 0;

    case JSON_TRUE:
        ngx_memcpy(buf, "true", 4);
        return 4;

    case JSON_FALSE:
        ngx_memcpy(buf, "false", 5);
        return 5;

    default: /* JSON_NULL */
        return 0;
    }
}
