
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <yaml.h>
#include "ngx_http_apisec_openapi.h"


/*
 * An OpenAPI document as jansson values: JSON through jansson, YAML
 * through libyaml's event parser.  Pure logic (no request, no nginx
 * configuration): fuzz/openapi_load.c calls it on arbitrary bytes.
 *
 * YAML is read as YAML 1.2's core schema, never 1.1: "yes", "no", "on"
 * and "off" are strings, "0o17" is octal and "017" decimal.  Aliases and
 * anchors are refused outright (no "billion laughs"), so is any tag
 * beyond the core schema's, a key that is not a scalar, a duplicate key,
 * .inf and .nan (JSON has neither), and more than one document.
 */


typedef struct {
    json_t                     *value;      /* a container */
    u_char                     *key;        /* a mapping's pending key */
    size_t                      key_len;
    unsigned                    has_key:1;
} ngx_http_apisec_yaml_level_t;


typedef struct {
    ngx_pool_t                 *pool;
    ngx_str_t                  *err;
    ngx_uint_t                  nodes;
    ngx_uint_t                  depth;
    json_t                     *root;
    ngx_http_apisec_yaml_level_t  stack[NGX_HTTP_APISEC_OPENAPI_MAX_DEPTH];
} ngx_http_apisec_yaml_t;


static json_t *ngx_http_apisec_openapi_json(u_char *data, size_t len,
    ngx_pool_t *pool, ngx_str_t *err);
static ngx_int_t ngx_http_apisec_openapi_bounds(json_t *v, ngx_uint_t depth,
    ngx_uint_t *nodes);
static json_t *ngx_http_apisec_openapi_yaml(u_char *data, size_t len,
    ngx_pool_t *pool, ngx_str_t *err);
static ngx_int_t ngx_http_apisec_yaml_event(ngx_http_apisec_yaml_t *y,
    yaml_event_t *ev);
static ngx_int_t ngx_http_apisec_yaml_add(ngx_http_apisec_yaml_t *y,
    json_t *v);
static json_t *ngx_http_apisec_yaml_scalar(ngx_http_apisec_yaml_t *y,
    yaml_event_t *ev);
static ngx_int_t ngx_http_apisec_yaml_tag(yaml_char_t *tag, ngx_str_t *kind);
static json_t *ngx_http_apisec_yaml_plain(u_char *s, size_t len,
    ngx_uint_t *bad);
static void ngx_http_apisec_openapi_error(ngx_pool_t *pool, ngx_str_t *err,
    const char *fmt, ...);


json_t *
ngx_http_apisec_openapi_parse(u_char *data, size_t len, ngx_pool_t *pool,
    ngx_str_t *err)
{
    size_t  i;

    /* what an allocation failure says; every other failure says why */

    ngx_str_set(err, "out of memory");

    if (len > NGX_HTTP_APISEC_OPENAPI_MAX_SIZE) {
        ngx_http_apisec_openapi_error(pool, err,
                                      "larger than %uz bytes",
                                (size_t) NGX_HTTP_APISEC_OPENAPI_MAX_SIZE);
        return NULL;
    }

    for (i = 0; i < len; i++) {
        if (data[i] != ' ' && data[i] != '\t' && data[i] != CR
            && data[i] != LF)
        {
            break;
        }
    }

    if (i < len && data[i] == '{') {
        return ngx_http_apisec_openapi_json(data, len, pool, err);
    }

    return ngx_http_apisec_openapi_yaml(data, len, pool, err);
}


static json_t *
ngx_http_apisec_openapi_json(u_char *data, size_t len, ngx_pool_t *pool,
    ngx_str_t *err)
{
    json_t        *v;
    ngx_uint_t     nodes;
    json_error_t   e;

    v = json_loadb((char *) data, len, JSON_REJECT_DUPLICATES, &e);

    if (v == NULL) {
        ngx_http_apisec_openapi_error(pool, err, "line %d: %s",
                                      e.line, e.text);
        return NULL;
    }

    nodes = 0;

    if (ngx_http_apisec_openapi_bounds(v, 0, &nodes) != NGX_OK) {
        json_decref(v);
        ngx_http_apisec_openapi_error(pool, err,
                                      "nested deeper than %d or more than "
                                      "%d values",
                                      NGX_HTTP_APISEC_OPENAPI_MAX_DEPTH,
                                      NGX_HTTP_APISEC_OPENAPI_MAX_NODES);
        return NULL;
    }

    return v;
}


static ngx_int_t
ngx_http_apisec_openapi_bounds(json_t *v, ngx_uint_t depth, ngx_uint_t *nodes)
{
    size_t       i;
    json_t      *e;
    const char  *k;

    if (++*nodes > NGX_HTTP_APISEC_OPENAPI_MAX_NODES) {
        return NGX_ERROR;
    }

    if (!json_is_object(v) && !json_is_array(v)) {
        return NGX_OK;
    }

    if (++depth > NGX_HTTP_APISEC_OPENAPI_MAX_DEPTH) {
        return NGX_ERROR;
    }

    if (json_is_array(v)) {
        json_array_foreach(v, i, e) {
            if (ngx_http_apisec_openapi_bounds(e, depth, nodes) != NGX_OK) {
                return NGX_ERROR;
            }
        }

        return NGX_OK;
    }

    json_object_foreach(v, k, e) {
        if (ngx_http_apisec_openapi_bounds(e, depth, nodes) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static json_t *
ngx_http_apisec_openapi_yaml(u_char *data, size_t len, ngx_pool_t *pool,
    ngx_str_t *err)
{
    ngx_int_t                rc;
    ngx_uint_t               i, done;
    yaml_event_t             ev;
    yaml_parser_t            parser;
    ngx_http_apisec_yaml_t  *y;

    y = ngx_pcalloc(pool, sizeof(ngx_http_apisec_yaml_t));
    if (y == NULL) {
        return NULL;
    }

    y->pool = pool;
    y->err = err;

    if (!yaml_parser_initialize(&parser)) {
        ngx_http_apisec_openapi_error(pool, err, "yaml_parser_initialize() "
                                      "failed");
        return NULL;
    }

    yaml_parser_set_input_string(&parser, data, len);

    rc = NGX_OK;
    done = 0;

    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            ngx_http_apisec_openapi_error(pool, err, "line %uz: %s",
                                          parser.problem_mark.line + 1,
                                          parser.problem ? parser.problem
                                                         : "invalid YAML");
            rc = NGX_ERROR;
            break;
        }

        done = (ev.type == YAML_STREAM_END_EVENT);

        rc = ngx_http_apisec_yaml_event(y, &ev);

        if (rc != NGX_OK) {
            ngx_http_apisec_openapi_error(pool, err, "line %uz: %V",
                                          ev.start_mark.line + 1, err);
        }

        yaml_event_delete(&ev);

        if (rc != NGX_OK) {
            break;
        }
    }

    yaml_parser_delete(&parser);

    if (rc != NGX_OK) {
        /* the containers still open are owned by their parents or root */

        if (y->root) {
            json_decref(y->root);

        } else if (y->depth) {
            json_decref(y->stack[0].value);
        }

        for (i = 0; i < y->depth; i++) {
            y->stack[i].value = NULL;
        }

        return NULL;
    }

    if (y->root == NULL) {
        ngx_http_apisec_openapi_error(pool, err, "an empty document");
        return NULL;
    }

    return y->root;
}


static ngx_int_t
ngx_http_apisec_yaml_event(ngx_http_apisec_yaml_t *y, yaml_event_t *ev)
{
    json_t                        *v;
    ngx_str_t                      kind;
    yaml_char_t                   *anchor, *tag;
    ngx_http_apisec_yaml_level_t  *top;

    switch (ev->type) {

    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        return NGX_OK;

    case YAML_DOCUMENT_START_EVENT:
        if (y->root) {
            ngx_http_apisec_openapi_error(y->pool, y->err,
                                          "more than one document");
            return NGX_ERROR;
        }

        return NGX_OK;

    case YAML_ALIAS_EVENT:
        ngx_http_apisec_openapi_error(y->pool, y->err,
                                      "aliases are not allowed");
        return NGX_ERROR;

    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
        break;

    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        break;

    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        break;

    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        y->depth--;
        y->stack[y->depth].value = NULL;
        return NGX_OK;

    default:
        ngx_http_apisec_openapi_error(y->pool, y->err, "unexpected event");
        return NGX_ERROR;
    }

    if (anchor) {
        ngx_http_apisec_openapi_error(y->pool, y->err,
                                      "anchors are not allowed");
        return NGX_ERROR;
    }

    if (ngx_http_apisec_yaml_tag(tag, &kind) != NGX_OK) {
        ngx_http_apisec_openapi_error(y->pool, y->err,
                                      "a tag beyond the core schema");
        return NGX_ERROR;
    }

    if (++y->nodes > NGX_HTTP_APISEC_OPENAPI_MAX_NODES) {
        ngx_http_apisec_openapi_error(y->pool, y->err,
                                      "more than %d values",
                                      NGX_HTTP_APISEC_OPENAPI_MAX_NODES);
        return NGX_ERROR;
    }

    top = y->depth ? &y->stack[y->depth - 1] : NULL;

    if (ev->type == YAML_SCALAR_EVENT) {

        if (top && json_is_object(top->value) && !top->has_key) {

            /* a key: its text, whatever it would resolve to (200: ...) */

            if (kind.len && ngx_strcmp(kind.data, "str") != 0) {
                ngx_http_apisec_openapi_error(y->pool, y->err,
                                              "a key that is not a string");
                return NGX_ERROR;
            }

            if (ngx_strlchr(ev->data.scalar.value,
                            ev->data.scalar.value + ev->data.scalar.length,
                            '\0'))
            {
                ngx_http_apisec_openapi_error(y->pool, y->err,
                                              "a key with a NUL byte");
                return NGX_ERROR;
            }

            if (json_object_getn(top->value, (char *) ev->data.scalar.value,
                                 ev->data.scalar.length))
            {
                ngx_http_apisec_openapi_error(y->pool, y->err,
                                              "a duplicate key");
                return NGX_ERROR;
            }

            top->key = ngx_pnalloc(y->pool, ev->data.scalar.length + 1);
            if (top->key == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(top->key, ev->data.scalar.value,
                       ev->data.scalar.length);
            top->key_len = ev->data.scalar.length;
            top->has_key = 1;

            return NGX_OK;
        }

        v = ngx_http_apisec_yaml_scalar(y, ev);
        if (v == NULL) {
            return NGX_ERROR;
        }

        return ngx_http_apisec_yaml_add(y, v);
    }

    if (top && json_is_object(top->value) && !top->has_key) {
        ngx_http_apisec_openapi_error(y->pool, y->err,
                                      "a key that is not a scalar");
        return NGX_ERROR;
    }

    if (kind.len
        && ngx_strcmp(kind.data,
                      (ev->type == YAML_MAPPING_START_EVENT ? "map" : "seq"))
           != 0)
    {
        ngx_http_apisec_openapi_error(y->pool, y->err,
                                      "a tag that does not fit its node");
        return NGX_ERROR;
    }

    if (y->depth >= NGX_HTTP_APISEC_OPENAPI_MAX_DEPTH) {
        ngx_http_apisec_openapi_error(y->pool, y->err,
                                      "nested deeper than %d",
                                      NGX_HTTP_APISEC_OPENAPI_MAX_DEPTH);
        return NGX_ERROR;
    }

    v = (ev->type == YAML_MAPPING_START_EVENT) ? json_object() : json_array();
    if (v == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_apisec_yaml_add(y, v) != NGX_OK) {
        return NGX_ERROR;
    }

    y->stack[y->depth].value = v;
    y->stack[y->depth].has_key = 0;
    y->depth++;

    return NGX_OK;
}


/* v (a new reference) goes to its parent, or becomes the root */

static ngx_int_t
ngx_http_apisec_yaml_add(ngx_http_apisec_yaml_t *y, json_t *v)
{
    ngx_http_apisec_yaml_level_t  *top;

    if (y->depth == 0) {
        if (y->root) {
            json_decref(v);
            ngx_http_apisec_openapi_error(y->pool, y->err,
                                          "more than one document");
            return NGX_ERROR;
        }

        y->root = v;
        return NGX_OK;
    }

    top = &y->stack[y->depth - 1];

    if (json_is_array(top->value)) {
        return json_array_append_new(top->value, v) == 0 ? NGX_OK
                                                        : NGX_ERROR;
    }

    top->has_key = 0;

    return json_object_setn_new(top->value, (char *) top->key, top->key_len,
                                v) == 0 ? NGX_OK : NGX_ERROR;
}


static json_t *
ngx_http_apisec_yaml_scalar(ngx_http_apisec_yaml_t *y, yaml_event_t *ev)
{
    u_char      *s;
    size_t       len;
    json_t      *v;
    ngx_str_t    kind;
    ngx_uint_t   bad;

    s = ev->data.scalar.value;
    len = ev->data.scalar.length;

    (void) ngx_http_apisec_yaml_tag(ev->data.scalar.tag, &kind);

    if ((kind.len && ngx_strcmp(kind.data, "str") == 0)
        || (kind.len == 0
            && (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE
                || ev->data.scalar.tag)))
    {
        /* quoted, a block scalar, "!" or "!!str": a string */

        v = json_stringn((char *) s, len);
        if (v == NULL) {
            ngx_http_apisec_openapi_error(y->pool, y->err,
                                          "a string that is not UTF-8");
        }

        return v;
    }

    if (kind.len
        && (ngx_strcmp(kind.data, "map") == 0
            || ngx_strcmp(kind.data, "seq") == 0))
    {
        ngx_http_apisec_openapi_error(y->pool, y->err,
                                      "a tag that does not fit its node");
        return NULL;
    }

    bad = 0;
    v = ngx_http_apisec_yaml_plain(s, len, &bad);

    if (bad) {
        ngx_http_apisec_openapi_error(y->pool, y->err,
                                      bad == 1 ? "an integer out of range"
                                               : ".inf and .nan have no JSON "
                                                 "value");
        return NULL;
    }

    if (v == NULL) {
        ngx_http_apisec_openapi_error(y->pool, y->err,
                                      "a string that is not UTF-8");
        return NULL;
    }

    if (kind.len == 0) {
        return v;
    }

    /* "!!int 12" must be an integer, "!!bool" a boolean ... */

    if ((ngx_strcmp(kind.data, "int") == 0 && json_is_integer(v))
        || (ngx_strcmp(kind.data, "float") == 0 && json_is_number(v))
        || (ngx_strcmp(kind.data, "bool") == 0 && json_is_boolean(v))
        || (ngx_strcmp(kind.data, "null") == 0 && json_is_null(v)))
    {
        return v;
    }

    json_decref(v);

    ngx_http_apisec_openapi_error(y->pool, y->err,
                                  "a value that does not fit its tag");
    return NULL;
}


/* the core schema's tags: kind is "str", "int", ... or "" for none */

static ngx_int_t
ngx_http_apisec_yaml_tag(yaml_char_t *tag, ngx_str_t *kind)
{
    size_t       n;
    ngx_uint_t   i;

    static const char  *prefix = "tag:yaml.org,2002:";
    static const char  *kinds[] = {
        "str", "int", "float", "bool", "null", "seq", "map", NULL
    };

    kind->len = 0;
    kind->data = NULL;

    if (tag == NULL || ngx_strcmp(tag, "!") == 0) {
        return NGX_OK;
    }

    n = ngx_strlen(prefix);

    if (ngx_strncmp(tag, prefix, n) != 0) {
        return NGX_ERROR;
    }

    for (i = 0; kinds[i]; i++) {
        if (ngx_strcmp(tag + n, kinds[i]) == 0) {
            kind->data = (u_char *) kinds[i];
            kind->len = ngx_strlen(kinds[i]);
            return NGX_OK;
        }
    }

    return NGX_ERROR;
}


/*
 * YAML 1.2 core schema, a plain scalar: null, booleans, integers (decimal,
 * 0o octal, 0x hex), floats; anything else is a string.  *bad: 1 an
 * integer out of range, 2 .inf or .nan.
 */

static json_t *
ngx_http_apisec_yaml_plain(u_char *s, size_t len, ngx_uint_t *bad)
{
    u_char      *p, *last;
    double       d;
    int64_t      n, base, digit, limit;
    ngx_uint_t   neg, digits, frac, exp;
    u_char       buf[64];

    static const char  *nulls[] = { "~", "null", "Null", "NULL", NULL };
    static const char  *trues[] = { "true", "True", "TRUE", NULL };
    static const char  *falses[] = { "false", "False", "FALSE", NULL };
    static const char  *specials[] = {
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
        "-.INF", ".nan", ".NaN", ".NAN", NULL
    };
    const char  **w;

    if (len == 0) {
        return json_null();
    }

    if (len < 8) {
        for (w = nulls; *w; w++) {
            if (len == ngx_strlen(*w) && ngx_strncmp(s, *w, len) == 0) {
                return json_null();
            }
        }

        for (w = trues; *w; w++) {
            if (len == ngx_strlen(*w) && ngx_strncmp(s, *w, len) == 0) {
                return json_true();
            }
        }

        for (w = falses; *w; w++) {
            if (len == ngx_strlen(*w) && ngx_strncmp(s, *w, len) == 0) {
                return json_false();
            }
        }

        for (w = specials; *w; w++) {
            if (len == ngx_strlen(*w) && ngx_strncmp(s, *w, len) == 0) {
                *bad = 2;
                return NULL;
            }
        }
    }

    p = s;
    last = s + len;

    /* 0o17, 0x1f */

    if (len > 2 && p[0] == '0' && (p[1] == 'o' || p[1] == 'x')) {
        base = (p[1] == 'o') ? 8 : 16;
        n = 0;

        for (p += 2; p < last; p++) {
            if (*p >= '0' && *p <= '7') {
                digit = *p - '0';

            } else if (base == 16 && *p >= '8' && *p <= '9') {
                digit = *p - '0';

            } else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
            {
                digit = (*p | 0x20) - 'a' + 10;

            } else {
                break;
            }

            if (n > (INT64_MAX - digit) / base) {
                *bad = 1;
                return NULL;
            }

            n = n * base + digit;
        }

        if (p == last) {
            return json_integer(n);
        }

        return json_stringn((char *) s, len);
    }

    /* [-+]? digits, or a float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)(e...)? */

    neg = 0;

    if (*p == '-' || *p == '+') {
        neg = (*p == '-');
        p++;
    }

    digits = 0;
    frac = 0;
    exp = 0;

    while (p < last && *p >= '0' && *p <= '9') {
        p++;
        digits++;
    }

    if (p < last && *p == '.') {
        p++;

        while (p < last && *p >= '0' && *p <= '9') {
            p++;
            frac++;
        }

        if (digits == 0 && frac == 0) {
            return json_stringn((char *) s, len);
        }

        frac = frac ? frac : 1;
    }

    if (digits + frac && p < last && (*p == 'e' || *p == 'E')) {
        p++;

        if (p < last && (*p == '-' || *p == '+')) {
            p++;
        }

        while (p < last && *p >= '0' && *p <= '9') {
            p++;
            exp++;
        }

        if (exp == 0) {
            return json_stringn((char *) s, len);
        }
    }

    if (p != last || digits + frac == 0) {
        return json_stringn((char *) s, len);
    }

    if (frac == 0 && exp == 0) {
        n = 0;
        limit = INT64_MAX;

        for (p = s + (s[0] == '-' || s[0] == '+'); p < last; p++) {
            digit = *p - '0';

            if (n > (limit - digit) / 10) {
                *bad = 1;
                return NULL;
            }

            n = n * 10 + digit;
        }

        return json_integer(neg ? -n : n);
    }

    if (len >= sizeof(buf)) {
        return json_stringn((char *) s, len);
    }

    ngx_memcpy(buf, s, len);
    buf[len] = '\0';

    d = strtod((char *) buf, NULL);

    if (d != d || d > 1.7976931348623157e308 || d < -1.7976931348623157e308)
    {
        *bad = 2;
        return NULL;
    }

    return json_real(d);
}


static void ngx_cdecl
ngx_http_apisec_openapi_error(ngx_pool_t *pool, ngx_str_t *err,
    const char *fmt, ...)
{
    u_char   *p;
    va_list   args;
    u_char    buf[NGX_MAX_CONF_ERRSTR];

    va_start(args, fmt);
    p = ngx_vslprintf(buf, buf + sizeof(buf), fmt, args);
    va_end(args);

    err->data = ngx_pnalloc(pool, p - buf);
    if (err->data == NULL) {
        err->len = 0;
        return;
    }

    err->len = ngx_cpymem(err->data, buf, p - buf) - err->data;
}
