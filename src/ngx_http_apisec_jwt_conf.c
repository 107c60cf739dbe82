
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_apisec.h"


/*
 * The bearer authenticator's configuration: apisec_jwt, apisec_jwt_token,
 * apisec_jwt_key_file, apisec_jwt_algorithms and the lists; the merge that
 * prepares a location's policy, key set fingerprint and challenge.  The
 * request side is ngx_http_apisec_jwt.c.
 */


static ngx_int_t ngx_http_apisec_jwt_token_name(ngx_str_t *name);
static ngx_int_t ngx_http_apisec_jwt_wording(ngx_conf_t *cf,
    ngx_http_apisec_jwt_conf_t *conf);


/* configuration */

void
ngx_http_apisec_jwt_create_conf(ngx_http_apisec_jwt_conf_t *conf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     conf->realm = { 0, NULL };
     *     conf->challenge = { 0, NULL };
     */

    conf->enable = NGX_CONF_UNSET;
    conf->token = NGX_CONF_UNSET;
    conf->keys = NGX_CONF_UNSET_PTR;
    conf->algorithms = NGX_CONF_UNSET_UINT;
    conf->issuers = NGX_CONF_UNSET_PTR;
    conf->audiences = NGX_CONF_UNSET_PTR;
    conf->types = NGX_CONF_UNSET_PTR;
    conf->leeway = NGX_CONF_UNSET;
    conf->max_size = NGX_CONF_UNSET_SIZE;
    conf->cache = NGX_CONF_UNSET_PTR;

    ngx_http_apisec_jwks_create_conf(conf);
}


char *
ngx_http_apisec_jwt_merge_conf(ngx_conf_t *cf,
    ngx_http_apisec_jwt_conf_t *prev, ngx_http_apisec_jwt_conf_t *conf)
{
    u_char                      *p;
    ngx_uint_t                   i, algs, set;
    ngx_http_apisec_jwt_key_t  **key;

    set = (conf->algorithms != NGX_CONF_UNSET_UINT);

    if (!set) {
        conf->algorithms_pos = prev->algorithms_pos;
    }

    /*
     * remote keys (ngx_http_apisec_jwks.c), then the introspection
     * endpoint bound to this server (ngx_http_apisec_introspect.c)
     */

    if (ngx_http_apisec_jwks_merge_conf(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_apisec_introspect_bind(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    /*
     * enable_set is the directive's own mark: the http level's conf is
     * never merged, so that "apisec_jwt on" at http reaches every server
     */

    conf->enable_set = (conf->enable_set || prev->enable_set);

    if (conf->enable == NGX_CONF_UNSET && prev->enable_set) {
        conf->enable = prev->enable;
        conf->realm = prev->realm;
        conf->enable_pos = prev->enable_pos;
    }

    if (conf->enable == NGX_CONF_UNSET) {

        /* apisec_introspect alone, where apisec_jwt is not set, is on */

        conf->enable = (conf->introspect != NULL);
        ngx_str_set(&conf->realm, "api");
    }

    /* apisec_jwt_token is inherited whole: where, the name, "strip" */

    if (conf->token == NGX_CONF_UNSET) {
        conf->token = prev->token;
        conf->token_from = prev->token_from;
        conf->token_name = prev->token_name;
        conf->token_strip = prev->token_strip;
    }

    if (conf->token == NGX_CONF_UNSET) {
        conf->token = NGX_HTTP_APISEC_JWT_TOKEN_HEADER;
        conf->token_from = NGX_HTTP_APISEC_JWT_FROM_HEADER;
    }

    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);
    ngx_conf_merge_uint_value(conf->algorithms, prev->algorithms,
                              NGX_HTTP_APISEC_ALGS_ALL);
    ngx_conf_merge_ptr_value(conf->issuers, prev->issuers, NULL);
    ngx_conf_merge_ptr_value(conf->audiences, prev->audiences, NULL);
    ngx_conf_merge_ptr_value(conf->types, prev->types, NULL);
    ngx_conf_merge_sec_value(conf->leeway, prev->leeway, 0);
    ngx_conf_merge_size_value(conf->max_size, prev->max_size, 8192);
    ngx_conf_merge_ptr_value(conf->cache, prev->cache, NULL);

    /* what a token is checked against, "now" and discovery aside */

    conf->policy.algorithms = conf->algorithms;
    conf->policy.issuers = conf->issuers;

    /*
     * keys bound to issuers (issuer=): where every key is bound, and
     * without apisec_jwt_issuer, the bound issuers are the accepted ones
     */

    if (ngx_http_apisec_jwks_bind(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->issuers == NULL && conf->bound && !conf->unbound
        && conf->introspect == NULL)
    {
        conf->policy.issuers = conf->bound;
    }

    conf->policy.audiences = conf->audiences;
    conf->policy.types = conf->types;
    conf->policy.leeway = conf->leeway;
    conf->policy.now = 0;

    if (!conf->enable) {
        return NGX_CONF_OK;
    }

    if ((conf->keys == NULL || conf->keys->nelts == 0)
        && conf->jwks == NULL && conf->introspect == NULL)
    {
        ngx_http_apisec_merge_error(cf, NGX_LOG_EMERG, &conf->enable_pos,
                                    "\"apisec_jwt\" is on, but no "
                                    "\"apisec_jwt_key_file\" is set (nor "
                                    "\"apisec_jwt_key_request\", "
                                    "\"apisec_introspect\")");
        return NGX_CONF_ERROR;
    }

    if (conf->keys == NULL) {
        conf->keys = ngx_array_create(cf->pool, 1,
                                      sizeof(ngx_http_apisec_jwt_key_t *));
        if (conf->keys == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    algs = 0;
    key = conf->keys->elts;

    for (i = 0; i < conf->keys->nelts; i++) {
        algs |= key[i]->algs;
    }

    /*
     * fetched keys are not known yet: any algorithm may come with them;
     * without any, a list no key can serve refuses every token
     */

    if (conf->algorithms_pos.file.data && conf->jwks == NULL
        && conf->introspect == NULL && conf->keys->nelts
        && (conf->algorithms & algs) == 0)
    {
        ngx_http_apisec_merge_error(cf, NGX_LOG_EMERG, &conf->algorithms_pos,
                                    "no key can verify any of "
                                    "\"apisec_jwt_algorithms\": every "
                                    "token would be refused");
        return NGX_CONF_ERROR;
    }

    if (set && conf->jwks == NULL && conf->keys->nelts) {
        for (i = 0; i < NGX_HTTP_APISEC_NALGS; i++) {
            if ((conf->algorithms & NGX_HTTP_APISEC_ALG_BIT(i))
                && !(algs & NGX_HTTP_APISEC_ALG_BIT(i)))
            {
                ngx_http_apisec_merge_error(cf, NGX_LOG_WARN,
                                            &conf->algorithms_pos,
                                            "no key can verify \"%V\" of "
                                            "\"apisec_jwt_algorithms\"",
                                        &ngx_http_apisec_jose_algs[i].name);
            }
        }
    }

    if (conf->keyset.data == NULL) {
        conf->keyset.data = ngx_pnalloc(cf->pool, NGX_HTTP_APISEC_KEY_FP_LEN);
        if (conf->keyset.data == NULL) {
            return NGX_CONF_ERROR;
        }

        if (ngx_http_apisec_jwt_keyset_fingerprint(conf->keys,
                                                   conf->keyset.data)
            != NGX_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "EVP_Digest() failed");
            return NGX_CONF_ERROR;
        }

        conf->keyset.len = NGX_HTTP_APISEC_KEY_FP_LEN;
    }

    if (ngx_http_apisec_jwt_wording(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->challenge.data == NULL
        && conf->token_from == NGX_HTTP_APISEC_JWT_FROM_COOKIE)
    {
        /*
         * no scheme is registered for a cookie, and a 401 must carry a
         * challenge (RFC 9110, 15.5.2): the "Cookie" scheme of
         * draft-broyer-http-cookie-auth, as some frameworks send; RFC
         * 6750's error parameters are Bearer's, and not added
         */

        conf->challenge.len = sizeof("Cookie realm=\"\", cookie-name=\"\"")
                              - 1 + conf->realm.len + conf->token_name.len;
        conf->challenge.data = ngx_pnalloc(cf->pool, conf->challenge.len);
        if (conf->challenge.data == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_sprintf(conf->challenge.data,
                    "Cookie realm=\"%V\", cookie-name=\"%V\"",
                    &conf->realm, &conf->token_name);
    }

    if (conf->challenge.data == NULL) {
        conf->challenge.len = sizeof("Bearer realm=\"\"") - 1
                              + conf->realm.len;
        conf->challenge.data = ngx_pnalloc(cf->pool, conf->challenge.len);
        if (conf->challenge.data == NULL) {
            return NGX_CONF_ERROR;
        }

        p = ngx_cpymem(conf->challenge.data, "Bearer realm=\"",
                       sizeof("Bearer realm=\"") - 1);
        p = ngx_cpymem(p, conf->realm.data, conf->realm.len);
        *p = '"';
    }

    return NGX_CONF_OK;
}


/* apisec_jwt off | on | "realm"; */

char *
ngx_http_apisec_jwt(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    u_char     *p;
    ngx_str_t  *value;

    if (alcf->jwt.enable != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    alcf->jwt.enable_set = 1;

    if (ngx_http_apisec_conf_pos(cf, &alcf->jwt.enable_pos) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_strcmp(value[1].data, "off") == 0) {
        alcf->jwt.enable = 0;
        return NGX_CONF_OK;
    }

    alcf->jwt.enable = 1;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        ngx_str_set(&alcf->jwt.realm, "api");
        return NGX_CONF_OK;
    }

    /* a quoted-string without quoted-pairs: nothing to escape, ever */

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (*p == '"' || *p == '\\' || *p < 0x20 || *p == 0x7f) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid realm \"%V\": quotes, backslashes "
                               "and control characters are not allowed",
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    alcf->jwt.realm = value[1];

    return NGX_CONF_OK;
}


/*
 * apisec_jwt_token $variable | query=name [strip] | off;
 *
 * Where the token is read decides the challenge and the wording of a
 * refusal: a query argument ("query=", $arg_name) and a cookie
 * ($cookie_name) are named, the Authorization header stays "bearer".
 */

char *
ngx_http_apisec_jwt_token(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_str_t                   *value, name;
    ngx_http_apisec_jwt_conf_t  *jcf;

    jcf = &alcf->jwt;

    if (jcf->token != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    jcf->token_strip = 0;
    ngx_str_null(&jcf->token_name);

    if (cf->args->nelts == 3) {
        if (ngx_strcmp(value[2].data, "strip") != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        if (ngx_strncmp(value[1].data, "query=", 6) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"strip\" is for \"query=\" only");
            return NGX_CONF_ERROR;
        }

        jcf->token_strip = 1;
    }

    if (ngx_strcmp(value[1].data, "off") == 0) {
        jcf->token = NGX_HTTP_APISEC_JWT_TOKEN_HEADER;
        jcf->token_from = NGX_HTTP_APISEC_JWT_FROM_HEADER;
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value[1].data, "query=", 6) == 0) {
        name.len = value[1].len - 6;
        name.data = value[1].data + 6;

        if (name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "empty argument name in \"query=\"");
            return NGX_CONF_ERROR;
        }

        if (ngx_http_apisec_jwt_token_name(&name) != NGX_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid argument name \"%V\"", &name);
            return NGX_CONF_ERROR;
        }

        jcf->token = NGX_HTTP_APISEC_JWT_TOKEN_QUERY;
        jcf->token_from = NGX_HTTP_APISEC_JWT_FROM_QUERY;
        jcf->token_name = name;
        return NGX_CONF_OK;
    }

    if (value[1].len < 2 || value[1].data[0] != '$') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid variable name \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    name.len = value[1].len - 1;
    name.data = value[1].data + 1;

    jcf->token_from = NGX_HTTP_APISEC_JWT_FROM_VARIABLE;

    if (name.len > 7 && ngx_strncmp(name.data, "cookie_", 7) == 0) {
        jcf->token_from = NGX_HTTP_APISEC_JWT_FROM_COOKIE;
        jcf->token_name.len = name.len - 7;
        jcf->token_name.data = name.data + 7;

    } else if (name.len > 4 && ngx_strncmp(name.data, "arg_", 4) == 0) {
        jcf->token_from = NGX_HTTP_APISEC_JWT_FROM_QUERY;
        jcf->token_name.len = name.len - 4;
        jcf->token_name.data = name.data + 4;
    }

    if (jcf->token_name.len
        && ngx_http_apisec_jwt_token_name(&jcf->token_name) != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid variable name \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    jcf->token = ngx_http_get_variable_index(cf, &name);

    if (jcf->token == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * an argument or cookie name, shown in a log, a problem detail and a
 * quoted-string of the challenge: a token (RFC 9110), no '&', '='
 */

static ngx_int_t
ngx_http_apisec_jwt_token_name(ngx_str_t *name)
{
    u_char  *p;

    for (p = name->data; p < name->data + name->len; p++) {
        if (*p <= 0x20 || *p >= 0x7f
            || ngx_strchr("\"(),/:;<=>?@[\\]{}&", *p))
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * The refusal's words for a token that is not there, or several (query
 * arguments): the Authorization header's stay "no bearer token"
 */

static ngx_int_t
ngx_http_apisec_jwt_wording(ngx_conf_t *cf, ngx_http_apisec_jwt_conf_t *conf)
{
    size_t   len;
    u_char  *p;
    char    *where;

    conf->missing = ngx_http_apisec_jwt_result_detail(
                        NGX_HTTP_APISEC_JWT_MISSING);
    conf->several = NULL;

    switch (conf->token_from) {

    case NGX_HTTP_APISEC_JWT_FROM_QUERY:
        where = "argument";
        break;

    case NGX_HTTP_APISEC_JWT_FROM_COOKIE:
        where = "cookie";
        break;

    case NGX_HTTP_APISEC_JWT_FROM_VARIABLE:
        conf->missing = "no token";
        return NGX_OK;

    default: /* NGX_HTTP_APISEC_JWT_FROM_HEADER */
        return NGX_OK;
    }

    len = sizeof("no token in  \"\"") + ngx_strlen(where)
          + conf->token_name.len;

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    *ngx_sprintf(p, "no token in %s \"%V\"", where, &conf->token_name) = '\0';
    conf->missing = (char *) p;

    if (conf->token != NGX_HTTP_APISEC_JWT_TOKEN_QUERY) {
        return NGX_OK;
    }

    len = sizeof("several \"\" arguments") + conf->token_name.len;

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    *ngx_sprintf(p, "several \"%V\" arguments", &conf->token_name) = '\0';
    conf->several = (char *) p;

    return NGX_OK;
}


/*
 * apisec_jwt_key_file path [issuer=iss]; repeatable: every file adds its
 * keys, bound to the issuer when one is named
 */

char *
ngx_http_apisec_jwt_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    char                        *rv;
    ngx_str_t                   *value, issuer;
    ngx_uint_t                   i, n;
    ngx_http_apisec_jwt_key_t  **key;

    value = cf->args->elts;

    ngx_str_null(&issuer);

    if (cf->args->nelts > 2
        && ngx_http_apisec_jwt_issuer_param(cf, &value[2], &issuer)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (alcf->jwt.keys == NGX_CONF_UNSET_PTR) {
        alcf->jwt.keys = ngx_array_create(cf->pool, 4,
                                      sizeof(ngx_http_apisec_jwt_key_t *));
        if (alcf->jwt.keys == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    n = alcf->jwt.keys->nelts;

    rv = ngx_http_apisec_jwt_keys_load(cf, &value[1], alcf->jwt.keys);

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    key = alcf->jwt.keys->elts;

    for (i = n; i < alcf->jwt.keys->nelts; i++) {
        key[i]->issuer = issuer;
    }

    /* for apisec_admin's list of key sets */

    if (ngx_http_apisec_admin_key_file(cf, &value[1], alcf->jwt.keys, n,
                                       alcf->jwt.keys->nelts)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* apisec_jwt_algorithms alg ...; */

char *
ngx_http_apisec_jwt_algorithms(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    ngx_int_t    alg;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (alcf->jwt.algorithms != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    alcf->jwt.algorithms = 0;

    if (ngx_http_apisec_conf_pos(cf, &alcf->jwt.algorithms_pos) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 4
            && ngx_strncasecmp(value[i].data, (u_char *) "none", 4) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "algorithm \"%V\" is never accepted",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        alg = ngx_http_apisec_jose_alg(value[i].data, value[i].len);

        if (alg == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "unknown algorithm \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        alcf->jwt.algorithms |= NGX_HTTP_APISEC_ALG_BIT(alg);
    }

    return NGX_CONF_OK;
}


/*
 * apisec_jwt_issuer iss ... | off; apisec_jwt_audience aud ... | off;
 * apisec_jwt_type typ ... | off;  Repeating one at a level adds to its list.
 */

char *
ngx_http_apisec_jwt_list(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t     *value, *s;
    ngx_uint_t     i;
    ngx_array_t  **a;

    a = (ngx_array_t **) (p + cmd->offset);
    value = cf->args->elts;

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

    if (*a == NGX_CONF_UNSET_PTR) {
        *a = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
        if (*a == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "empty value in \"%V\"", &cmd->name);
            return NGX_CONF_ERROR;
        }

        s = ngx_array_push(*a);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];

        if (cmd->offset == offsetof(ngx_http_apisec_loc_conf_t, jwt.types)
            && ngx_http_apisec_jose_strip_media(s) != NGX_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid token type \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}
