
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <openssl/crypto.h>
#include "ngx_http_apisec.h"
#include "ngx_http_apisec_digest.h"


#define NGX_HTTP_APISEC_APIKEY_ERRLEN  256

/* the options of a key-file line, each allowed once */
#define NGX_HTTP_APISEC_SEEN_ROLES    0x01
#define NGX_HTTP_APISEC_SEEN_ALLOW    0x02
#define NGX_HTTP_APISEC_SEEN_EXPIRES  0x04
#define NGX_HTTP_APISEC_SEEN_RATE     0x08
#define NGX_HTTP_APISEC_SEEN_REVOKED  0x10


typedef struct {
    ngx_str_t                   name;       /* $apisec_auth_result */
    char                       *description;    /* client-safe */
} ngx_http_apisec_apikey_error_t;


static ngx_uint_t ngx_http_apisec_apikey_authenticate(ngx_http_request_t *r,
    ngx_http_apisec_apikey_conf_t *akcf, ngx_http_apisec_ctx_t *ctx);
static ngx_uint_t ngx_http_apisec_apikey_get(ngx_http_request_t *r,
    ngx_http_apisec_apikey_conf_t *akcf, ngx_str_t *key);
static ngx_int_t ngx_http_apisec_apikey_parse_line(ngx_pool_t *pool,
    u_char *p, u_char *last, ngx_http_apisec_consumer_t *c, char *err,
    size_t errlen);
static ngx_int_t ngx_http_apisec_apikey_parse_time(u_char *p, size_t len,
    time_t *t);
static ngx_int_t ngx_http_apisec_apikey_table_build(ngx_pool_t *pool,
    ngx_http_apisec_apikey_table_t *table, ngx_uint_t *line, char *err,
    size_t errlen);


static ngx_http_apisec_apikey_error_t  ngx_http_apisec_apikey_errors[] = {
    { ngx_string("none"), "internal error" },
    { ngx_string("ok"), NULL },
    { ngx_string("missing"), "API key required" },
    { ngx_string("invalid_request"), "several API keys" },
    { ngx_string("unknown_key"), "invalid API key" },
    { ngx_string("revoked_key"), "invalid API key" },
    { ngx_string("expired_key"), "API key expired" },
    { ngx_string("address_not_allowed"), "invalid API key" },
    { ngx_string("error"), "internal error" }
};


static ngx_str_t  ngx_http_apisec_apikey_default_header =
    ngx_string("X-API-Key");


/* configuration */

void
ngx_http_apisec_apikey_create_conf(ngx_http_apisec_apikey_conf_t *conf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     conf->name = { 0, NULL };
     */

    conf->mode = NGX_CONF_UNSET_UINT;
    conf->strip = NGX_CONF_UNSET;
    conf->table = NGX_CONF_UNSET_PTR;
}


/* apisec_api_key is inherited whole: where the key is, and "strip" */

char *
ngx_http_apisec_apikey_merge_conf(ngx_conf_t *cf,
    ngx_http_apisec_apikey_conf_t *prev, ngx_http_apisec_apikey_conf_t *conf)
{
    if (conf->mode == NGX_CONF_UNSET_UINT) {
        conf->mode = prev->mode;
        conf->mode_pos = prev->mode_pos;
        conf->name = prev->name;
        conf->strip = prev->strip;
    }

    if (conf->mode == NGX_CONF_UNSET_UINT) {
        conf->mode = NGX_HTTP_APISEC_APIKEY_OFF;
        conf->name = ngx_http_apisec_apikey_default_header;
    }

    ngx_conf_merge_value(conf->strip, prev->strip, 0);
    ngx_conf_merge_ptr_value(conf->table, prev->table, NULL);

    if (conf->mode != NGX_HTTP_APISEC_APIKEY_OFF && conf->table == NULL) {
        ngx_http_apisec_merge_error(cf, NGX_LOG_EMERG, &conf->mode_pos,
                                    "\"apisec_api_key\" is on, but no "
                                    "\"apisec_api_key_file\" is set");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* apisec_api_key off | on | header=Name | query=name [strip]; */

char *
ngx_http_apisec_api_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    u_char     *p;
    ngx_str_t  *value, s;
    ngx_uint_t  i;

    if (alcf->apikey.mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_http_apisec_conf_pos(cf, &alcf->apikey.mode_pos) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    alcf->apikey.strip = 0;
    alcf->apikey.name = ngx_http_apisec_apikey_default_header;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        alcf->apikey.mode = NGX_HTTP_APISEC_APIKEY_OFF;
        i = 2;
        goto done;
    }

    if (ngx_strcmp(value[1].data, "on") == 0) {
        alcf->apikey.mode = NGX_HTTP_APISEC_APIKEY_HEADER;
        i = 2;
        goto done;
    }

    if (value[1].len > 7 && ngx_strncmp(value[1].data, "header=", 7) == 0) {
        alcf->apikey.mode = NGX_HTTP_APISEC_APIKEY_HEADER;
        s.data = value[1].data + 7;
        s.len = value[1].len - 7;

    } else if (value[1].len > 6
               && ngx_strncmp(value[1].data, "query=", 6) == 0)
    {
        alcf->apikey.mode = NGX_HTTP_APISEC_APIKEY_QUERY;
        s.data = value[1].data + 6;
        s.len = value[1].len - 6;

    } else {
        i = 1;
        goto invalid;
    }

    /* a header field-name (token) or an argument name: no '=', '&' */

    for (p = s.data; p < s.data + s.len; p++) {
        if (*p <= 0x20 || *p >= 0x7f || ngx_strchr("\"(),/:;<=>?@[\\]{}&",
                                                   *p))
        {
            i = 1;
            goto invalid;
        }
    }

    alcf->apikey.name = s;

    i = 2;

    if (i < cf->args->nelts && ngx_strcmp(value[i].data, "strip") == 0) {
        if (alcf->apikey.mode != NGX_HTTP_APISEC_APIKEY_QUERY) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"strip\" is for \"query=\" only");
            return NGX_CONF_ERROR;
        }

        alcf->apikey.strip = 1;
        i++;
    }

done:

    if (i < cf->args->nelts) {
        goto invalid;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


/*
 * apisec_api_key_file path;  Read and parsed here, at every configuration
 * load (so a reload reads it again); a bad line fails "nginx -t" with the
 * file, the line and the reason.
 */

char *
ngx_http_apisec_api_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apisec_loc_conf_t *alcf = conf;

    u_char                          *buf;
    off_t                            size;
    ssize_t                          n;
    ngx_fd_t                         fd;
    ngx_str_t                       *value, name;
    ngx_uint_t                       line;
    ngx_file_info_t                  fi;
    ngx_http_apisec_apikey_table_t  *table;
    char                             err[NGX_HTTP_APISEC_APIKEY_ERRLEN];

    if (alcf->apikey.table != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        alcf->apikey.table = NULL;
        return NGX_CONF_OK;
    }

    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &name);
        return NGX_CONF_ERROR;
    }

    buf = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", &name);
        goto failed;
    }

    size = ngx_file_size(&fi);

    if (size > NGX_HTTP_APISEC_APIKEY_MAX_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "API key file \"%V\" is too large", &name);
        goto failed;
    }

    buf = ngx_alloc((size_t) size + 1, cf->log);
    if (buf == NULL) {
        goto failed;
    }

    n = ngx_read_fd(fd, buf, (size_t) size);

    if (n != (ssize_t) size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_read_fd_n " \"%V\" failed", &name);
        goto failed;
    }

    ngx_close_file(fd);
    fd = NGX_INVALID_FILE;

    table = ngx_pcalloc(cf->pool, sizeof(ngx_http_apisec_apikey_table_t));
    if (table == NULL) {
        goto failed;
    }

    table->file = name;

    line = 0;

    if (ngx_http_apisec_apikey_parse(cf->pool, buf, (size_t) size, table,
                                     &line, err, sizeof(err))
        != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid API key file \"%V\", line %ui: %s",
                           &name, line, err);
        goto failed;
    }

    if (table->nconsumers == 0) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "API key file \"%V\" has no consumers", &name);
    }

    ngx_free(buf);

    alcf->apikey.table = table;

    return NGX_CONF_OK;

failed:

    if (fd != NGX_INVALID_FILE) {
        ngx_close_file(fd);
    }

    if (buf) {
        ngx_free(buf);
    }

    return NGX_CONF_ERROR;
}


/*
 * The key file: one consumer a line,
 *
 *   name sha256:<64 hex> [roles=a,b] [allow=cidr,...]
 *        [expires=YYYY-MM-DD | YYYY-MM-DDTHH:MM:SSZ]
 *        [rate=<N>r/s | <N>r/m | <N>r/h | <N>r/d] [revoked]
 *
 * "#" starts a comment, blank lines are skipped.  A consumer may have
 * several lines (several keys, for rotation); a key may not appear twice.
 * On failure, *line and err say where and why.
 */

ngx_int_t
ngx_http_apisec_apikey_parse(ngx_pool_t *pool, u_char *buf, size_t len,
    ngx_http_apisec_apikey_table_t *table, ngx_uint_t *line, char *err,
    size_t errlen)
{
    u_char                      *p, *last, *eol, *start;
    ngx_uint_t                   n, lines;
    ngx_http_apisec_consumer_t  *c;

    last = buf + len;
    lines = 1;

    for (p = buf; p < last; p++) {
        if (*p == '\n') {
            lines++;
        }
    }

    table->consumers = ngx_palloc(pool,
                                  lines * sizeof(ngx_http_apisec_consumer_t));
    if (table->consumers == NULL) {
        ngx_cpystrn((u_char *) err, (u_char *) "out of memory", errlen);
        return NGX_ERROR;
    }

    n = 0;
    *line = 0;

    for (p = buf; p < last; p = eol + 1) {
        (*line)++;

        eol = ngx_strlchr(p, last, '\n');
        if (eol == NULL) {
            eol = last;
        }

        start = p;

        /* a comment, trailing spaces and a CR are not part of the line */

        p = ngx_strlchr(start, eol, '#');
        if (p == NULL) {
            p = eol;
        }

        while (p > start
               && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\r'))
        {
            p--;
        }

        while (start < p && (*start == ' ' || *start == '\t')) {
            start++;
        }

        if (start == p) {
            continue;
        }

        c = &table->consumers[n];
        ngx_memzero(c, sizeof(ngx_http_apisec_consumer_t));
        c->line = *line;

        if (ngx_http_apisec_apikey_parse_line(pool, start, p, c, err, errlen)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        n++;
    }

    table->nconsumers = n;

    return ngx_http_apisec_apikey_table_build(pool, table, line, err,
                                              errlen);
}


static ngx_int_t
ngx_http_apisec_apikey_parse_line(ngx_pool_t *pool, u_char *p, u_char *last,
    ngx_http_apisec_consumer_t *c, char *err, size_t errlen)
{
    u_char      *s, *e, *q, *v, *r;
    u_char       rate[NGX_INT64_LEN + 3];
    ngx_int_t    hi, lo, rc;
    ngx_str_t    word, item, *role;
    ngx_uint_t   field, i, seen;
    ngx_cidr_t  *cidr;

    field = 0;
    seen = 0;

    while (p < last) {

        while (p < last && (*p == ' ' || *p == '\t')) {
            p++;
        }

        s = p;

        while (p < last && *p != ' ' && *p != '\t') {
            if (*p < 0x20 || *p == 0x7f) {
                ngx_snprintf((u_char *) err, errlen,
                             "control character%Z");
                return NGX_ERROR;
            }

            p++;
        }

        word.data = s;
        word.len = p - s;

        if (word.len == 0) {
            break;
        }

        field++;

        if (field == 1) {

            /* the consumer's name: safe in logs and headers as it is */

            if (word.len > NGX_HTTP_APISEC_APIKEY_MAX_NAME) {
                ngx_snprintf((u_char *) err, errlen,
                             "consumer name longer than %d bytes%Z",
                             NGX_HTTP_APISEC_APIKEY_MAX_NAME);
                return NGX_ERROR;
            }

            for (q = s; q < p; q++) {
                if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')
                      || (*q >= '0' && *q <= '9')
                      || ngx_strchr("._-@:+", *q)))
                {
                    ngx_snprintf((u_char *) err, errlen,
                                 "invalid consumer name \"%*s\": letters, "
                                 "digits and ._-@:+ only%Z",
                                 ngx_min(word.len, 64), s);
                    return NGX_ERROR;
                }
            }

            /* names and roles are copied: the buffer is the caller's */

            c->name.len = word.len;
            c->name.data = ngx_pstrdup(pool, &word);
            if (c->name.data == NULL) {
                goto nomem;
            }

            continue;
        }

        if (field == 2) {
            if (word.len != 7 + 2 * NGX_HTTP_APISEC_APIKEY_DIGEST_LEN
                || ngx_strncmp(s, "sha256:", 7) != 0)
            {
                ngx_snprintf((u_char *) err, errlen,
                             "expected \"sha256:\" and 64 hex digits after "
                             "the consumer name%Z");
                return NGX_ERROR;
            }

            for (i = 0; i < NGX_HTTP_APISEC_APIKEY_DIGEST_LEN; i++) {
                hi = ngx_hextoi(s + 7 + 2 * i, 1);
                lo = ngx_hextoi(s + 8 + 2 * i, 1);

                if (hi == NGX_ERROR || lo == NGX_ERROR) {
                    ngx_snprintf((u_char *) err, errlen,
                                 "invalid hex digit in the key digest%Z");
                    return NGX_ERROR;
                }

                c->digest[i] = (u_char) (hi * 16 + lo);
            }

            continue;
        }

        if (word.len == 7 && ngx_strncmp(s, "revoked", 7) == 0) {
            if (seen & NGX_HTTP_APISEC_SEEN_REVOKED) {
                goto duplicate;
            }

            seen |= NGX_HTTP_APISEC_SEEN_REVOKED;
            c->revoked = 1;
            continue;
        }

        v = ngx_strlchr(s, p, '=');

        if (v == NULL || v + 1 == p) {
            ngx_snprintf((u_char *) err, errlen,
                         "invalid parameter \"%*s\"%Z",
                         ngx_min(word.len, 64), s);
            return NGX_ERROR;
        }

        v++;

        if (v - s == 6 && ngx_strncmp(s, "roles=", 6) == 0) {
            if (seen & NGX_HTTP_APISEC_SEEN_ROLES) {
                goto duplicate;
            }

            seen |= NGX_HTTP_APISEC_SEEN_ROLES;

            c->roles = ngx_array_create(pool, 2, sizeof(ngx_str_t));
            if (c->roles == NULL) {
                goto nomem;
            }

            item.data = v;
            item.len = p - v;

            c->roles_text.len = item.len;
            c->roles_text.data = ngx_pstrdup(pool, &item);
            if (c->roles_text.data == NULL) {
                goto nomem;
            }

            e = c->roles_text.data + c->roles_text.len;

            for (q = c->roles_text.data; q <= e; q = r + 1) {
                r = ngx_strlchr(q, e, ',');
                if (r == NULL) {
                    r = e;
                }

                if (r == q) {
                    ngx_snprintf((u_char *) err, errlen,
                                 "empty role in \"roles=\"%Z");
                    return NGX_ERROR;
                }

                role = ngx_array_push(c->roles);
                if (role == NULL) {
                    goto nomem;
                }

                role->data = q;
                role->len = r - q;
            }

            continue;
        }

        if (v - s == 6 && ngx_strncmp(s, "allow=", 6) == 0) {
            if (seen & NGX_HTTP_APISEC_SEEN_ALLOW) {
                goto duplicate;
            }

            seen |= NGX_HTTP_APISEC_SEEN_ALLOW;

            c->allow = ngx_array_create(pool, 2, sizeof(ngx_cidr_t));
            if (c->allow == NULL) {
                goto nomem;
            }

            for (q = v; q <= p; q = e + 1) {
                e = ngx_strlchr(q, p, ',');
                if (e == NULL) {
                    e = p;
                }

                item.data = q;
                item.len = e - q;

                cidr = ngx_array_push(c->allow);
                if (cidr == NULL) {
                    goto nomem;
                }

                /* NGX_DONE: host bits set ("10.0.0.1/8"), refused too */

                if (item.len == 0 || ngx_ptocidr(&item, cidr) != NGX_OK) {
                    ngx_snprintf((u_char *) err, errlen,
                                 "invalid address or network \"%*s\" in "
                                 "\"allow=\"%Z", ngx_min(item.len, 64),
                                 item.data);
                    return NGX_ERROR;
                }
            }

            continue;
        }

        if (v - s == 8 && ngx_strncmp(s, "expires=", 8) == 0) {
            if (seen & NGX_HTTP_APISEC_SEEN_EXPIRES) {
                goto duplicate;
            }

            seen |= NGX_HTTP_APISEC_SEEN_EXPIRES;

            if (ngx_http_apisec_apikey_parse_time(v, p - v, &c->expires)
                != NGX_OK)
            {
                ngx_snprintf((u_char *) err, errlen,
                             "invalid date \"%*s\" in \"expires=\", "
                             "expected YYYY-MM-DD or "
                             "YYYY-MM-DDTHH:MM:SSZ%Z",
                             ngx_min((size_t) (p - v), 64), v);
                return NGX_ERROR;
            }

            continue;
        }

        if (v - s == 5 && ngx_strncmp(s, "rate=", 5) == 0) {
            if (seen & NGX_HTTP_APISEC_SEEN_RATE) {
                goto duplicate;
            }

            seen |= NGX_HTTP_APISEC_SEEN_RATE;

            /*
             * "rate=10r/s", the one spelling of limit zones; the older
             * "rate=10 r/s" (the number, then the unit as a word of its
             * own) is read too, so that key files written for it still load
             */

            for (q = v; q < p && *q >= '0' && *q <= '9'; q++) {
                /* void */
            }

            e = p;

            if (q == p) {
                while (e < last && (*e == ' ' || *e == '\t')) {
                    e++;
                }

                r = e;

                while (e < last && *e != ' ' && *e != '\t') {
                    e++;
                }

                if (e - r != 3 || r[0] != 'r' || r[1] != '/') {
                    /* not a unit: "rate=10" alone, refused below */
                    e = p;
                }
            }

            if (e == p) {
                rc = ngx_http_apisec_limit_parse_rate(v, p - v, &c->rate);

            } else if ((size_t) (q - v) > NGX_INT64_LEN) {
                rc = NGX_DECLINED;

            } else {
                ngx_memcpy(ngx_cpymem(rate, v, q - v), r, 3);

                rc = ngx_http_apisec_limit_parse_rate(rate, q - v + 3,
                                                      &c->rate);
                p = e;
            }

            if (rc == NGX_DECLINED) {
                ngx_snprintf((u_char *) err, errlen,
                             "\"rate=\" too high, the most is "
                             "rate=1000000r/s%Z");
                return NGX_ERROR;
            }

            if (rc != NGX_OK) {
                ngx_snprintf((u_char *) err, errlen,
                             "invalid \"rate=\", expected rate=<N>r/s, "
                             "r/m, r/h or r/d with N > 0%Z");
                return NGX_ERROR;
            }

            continue;
        }

        ngx_snprintf((u_char *) err, errlen,
                     "invalid parameter \"%*s\"%Z", ngx_min(word.len, 64), s);
        return NGX_ERROR;
    }

    if (field < 2) {
        ngx_snprintf((u_char *) err, errlen,
                     "expected a consumer name and \"sha256:<hex>\"%Z");
        return NGX_ERROR;
    }

    return NGX_OK;

duplicate:

    ngx_snprintf((u_char *) err, errlen, "duplicate parameter \"%*s\"%Z",
                 ngx_min(word.len, 64), word.data);
    return NGX_ERROR;

nomem:

    ngx_snprintf((u_char *) err, errlen, "out of memory%Z");
    return NGX_ERROR;
}


/*
 * "YYYY-MM-DD": the key is valid through that day (UTC), and expires at
 * the midnight that ends it; "YYYY-MM-DDTHH:MM:SSZ": at that second.
 */

static ngx_int_t
ngx_http_apisec_apikey_parse_time(u_char *p, size_t len, time_t *t)
{
    ngx_int_t  y, mo, d, h, mi, s, era, yoe, doy, doe;
    ngx_int_t  days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if ((len != 10 && len != 20)
        || p[4] != '-' || p[7] != '-')
    {
        return NGX_ERROR;
    }

    y = ngx_atoi(p, 4);
    mo = ngx_atoi(p + 5, 2);
    d = ngx_atoi(p + 8, 2);

    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1
        || d > days[mo - 1]
        || (mo == 2 && d == 29
            && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
    {
        return NGX_ERROR;
    }

    h = 0;
    mi = 0;
    s = 0;

    if (len == 20) {
        if (p[10] != 'T' || p[13] != ':' || p[16] != ':' || p[19] != 'Z') {
            return NGX_ERROR;
        }

        h = ngx_atoi(p + 11, 2);
        mi = ngx_atoi(p + 14, 2);
        s = ngx_atoi(p + 17, 2);

        if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) {
            return NGX_ERROR;
        }

    } else {
        d++;        /* the midnight after the day */
    }

    /* days since the epoch (H. Hinnant's days_from_civil) */

    y -= (mo <= 2);
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    *t = (time_t) (era * 146097 + doe - 719468) * 86400
         + h * 3600 + mi * 60 + s;

    return NGX_OK;
}


/*
 * Open addressing, linear probing, at most half full: the digest of a key
 * is uniformly distributed, so its first bytes index the table directly.
 */

static ngx_int_t
ngx_http_apisec_apikey_table_build(ngx_pool_t *pool,
    ngx_http_apisec_apikey_table_t *table, ngx_uint_t *line, char *err,
    size_t errlen)
{
    uint64_t                     h;
    ngx_uint_t                   i, size;
    ngx_http_apisec_consumer_t  *c, **b;

    size = 16;

    while (size < 2 * table->nconsumers) {
        size <<= 1;
    }

    table->buckets = ngx_pcalloc(pool,
                                 size * sizeof(ngx_http_apisec_consumer_t *));
    if (table->buckets == NULL) {
        ngx_snprintf((u_char *) err, errlen, "out of memory%Z");
        return NGX_ERROR;
    }

    table->mask = size - 1;

    for (i = 0; i < table->nconsumers; i++) {
        c = &table->consumers[i];

        ngx_memcpy(&h, c->digest, sizeof(uint64_t));

        for (b = &table->buckets[h & table->mask];
             *b;
             b = &table->buckets[(b - table->buckets + 1) & table->mask])
        {
            if (ngx_memcmp((*b)->digest, c->digest,
                           NGX_HTTP_APISEC_APIKEY_DIGEST_LEN)
                == 0)
            {
                *line = c->line;
                ngx_snprintf((u_char *) err, errlen,
                             "the key of consumer \"%V\" is already the key "
                             "of line %ui%Z", &c->name, (*b)->line);
                return NGX_ERROR;
            }
        }

        *b = c;
    }

    return NGX_OK;
}


/*
 * The consumer whose key has this digest, or NULL.  Each candidate is
 * compared in constant time (CRYPTO_memcmp).  Which buckets are probed
 * depends only on the digest of the key presented, which its sender knows
 * anyway: the timing tells nothing about the stored keys beyond whether a
 * stored digest shares leading bits with the sender's, and SHA-256 is not
 * invertible, so that is no step towards a valid key.
 */

ngx_http_apisec_consumer_t *
ngx_http_apisec_apikey_lookup(ngx_http_apisec_apikey_table_t *table,
    u_char *digest)
{
    uint64_t                     h;
    ngx_uint_t                   i;
    ngx_http_apisec_consumer_t  *c;

    ngx_memcpy(&h, digest, sizeof(uint64_t));

    for (i = h & table->mask; /* void */; i = (i + 1) & table->mask) {
        c = table->buckets[i];

        if (c == NULL) {
            return NULL;
        }

        if (CRYPTO_memcmp(c->digest, digest,
                          NGX_HTTP_APISEC_APIKEY_DIGEST_LEN)
            == 0)
        {
            return c;
        }
    }
}


ngx_str_t *
ngx_http_apisec_apikey_result_name(ngx_uint_t result)
{
    return &ngx_http_apisec_apikey_errors[result].name;
}


char *
ngx_http_apisec_apikey_result_detail(ngx_uint_t result)
{
    return ngx_http_apisec_apikey_errors[result].description;
}


/*
 * The result of API-key authentication for this request, computed at the
 * first need and kept in the ctx with the conf it was computed for, under
 * the rules of ngx_http_apisec_jwt_result(): only a ctx of this location's
 * conf is read, the access phase ("access") always gets a result.
 */

ngx_http_apisec_ctx_t *
ngx_http_apisec_apikey_result(ngx_http_request_t *r, ngx_uint_t access)
{
    ngx_http_apisec_ctx_t          *ctx;
    ngx_http_apisec_loc_conf_t     *alcf;
    ngx_http_apisec_apikey_conf_t  *akcf;

    r = r->main;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apisec_module);
    akcf = &alcf->apikey;

    if (akcf->mode == NGX_HTTP_APISEC_APIKEY_OFF) {
        return ngx_http_apisec_find_ctx(r);
    }

    ctx = ngx_http_apisec_loc_ctx(r);

    if (ctx && ctx->apikey_conf == akcf) {
        return ctx;
    }

    /* a variable alone: never for a response refused or answered before */

    if (!access && ngx_http_apisec_answered(r, ctx)) {
        return ctx;
    }

    ctx = ngx_http_apisec_get_ctx(r);
    if (ctx == NULL) {
        return NULL;
    }

    ctx->apikey_conf = akcf;
    ctx->consumer = NULL;
    ctx->apikey_result = ngx_http_apisec_apikey_authenticate(r, akcf, ctx);

    return ctx;
}


static ngx_uint_t
ngx_http_apisec_apikey_authenticate(ngx_http_request_t *r,
    ngx_http_apisec_apikey_conf_t *akcf, ngx_http_apisec_ctx_t *ctx)
{
    u_char                          *p;
    ngx_str_t                        key;
    ngx_uint_t                       rc, i;
    ngx_http_apisec_consumer_t      *c;
    ngx_http_apisec_apikey_table_t  *table;
    u_char                           digest[EVP_MAX_MD_SIZE];
    u_char                           hex[9];

    rc = ngx_http_apisec_apikey_get(r, akcf, &key);

    if (rc != NGX_HTTP_APISEC_APIKEY_OK) {
        if (rc == NGX_HTTP_APISEC_APIKEY_SEVERAL) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "apisec: API key refused: several keys");
        }

        return rc;
    }

    table = akcf->table;

    if (key.len > NGX_HTTP_APISEC_APIKEY_MAX_LEN) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: API key refused: key too long");
        return NGX_HTTP_APISEC_APIKEY_UNKNOWN;
    }

    if (ngx_http_apisec_digest(NGX_HTTP_APISEC_SHA256, digest, &key, 1, 0)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apisec: EVP_Digest() failed");
        return NGX_HTTP_APISEC_APIKEY_ERROR;
    }

    c = ngx_http_apisec_apikey_lookup(table, digest);

    if (c == NULL) {

        /* a short digest identifies the key in the log, never the key */

        p = hex;
        for (i = 0; i < 4; i++) {
            p = ngx_sprintf(p, "%02xd", digest[i]);
        }

        *p = '\0';

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: API key refused: unknown key, "
                      "sha256 \"%s...\"", hex);
        return NGX_HTTP_APISEC_APIKEY_UNKNOWN;
    }

    if (c->revoked) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: API key refused: revoked key of consumer "
                      "\"%V\" (line %ui)", &c->name, c->line);
        return NGX_HTTP_APISEC_APIKEY_REVOKED;
    }

    if (c->expires && ngx_time() >= c->expires) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: API key refused: expired key of consumer "
                      "\"%V\" (line %ui)", &c->name, c->line);
        return NGX_HTTP_APISEC_APIKEY_EXPIRED;
    }

    /* the client address as realip left it */

    if (c->allow
        && !ngx_http_apisec_cidr_match(r->connection->sockaddr, c->allow))
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apisec: API key refused: address %V not allowed for "
                      "consumer \"%V\"", &r->connection->addr_text,
                      &c->name);
        return NGX_HTTP_APISEC_APIKEY_ADDRESS;
    }

    ctx->consumer = c;

    return NGX_HTTP_APISEC_APIKEY_OK;
}


/* the key as the request carries it: one header, or one argument */

static ngx_uint_t
ngx_http_apisec_apikey_get(ngx_http_request_t *r,
    ngx_http_apisec_apikey_conf_t *akcf, ngx_str_t *key)
{
    ngx_uint_t  n;

    if (akcf->mode == NGX_HTTP_APISEC_APIKEY_HEADER) {
        n = ngx_http_apisec_request_header(r, &akcf->name, key);

    } else {
        n = ngx_http_apisec_query_arg(r, &akcf->name,
                                      NGX_HTTP_APISEC_STRIP_APIKEY, key);
    }

    if (n > 1) {
        return NGX_HTTP_APISEC_APIKEY_SEVERAL;
    }

    if (n == 0 || key->len == 0) {
        return NGX_HTTP_APISEC_APIKEY_MISSING;
    }

    return NGX_HTTP_APISEC_APIKEY_OK;
}


/*
 * Finds the arguments "name=value" (and a bare "name") in args, names
 * compared in any case as $arg_name does: returns how many there are and
 * (without "strip") the first one's value; with "strip", args without any
 * of them instead, written over the old text (pass a copy; value, whose
 * text that overwrites, is not set and may be NULL).
 */

ngx_uint_t
ngx_http_apisec_apikey_strip_arg(ngx_str_t *args, ngx_str_t *name,
    ngx_str_t *value, ngx_uint_t strip)
{
    u_char      *p, *last, *amp, *eq, *dst;
    ngx_uint_t   n;

    n = 0;
    p = args->data;
    last = p + args->len;
    dst = p;

    while (p < last) {
        amp = ngx_strlchr(p, last, '&');
        if (amp == NULL) {
            amp = last;
        }

        eq = ngx_strlchr(p, amp, '=');
        if (eq == NULL) {
            eq = amp;
        }

        if ((size_t) (eq - p) == name->len
            && ngx_strncasecmp(p, name->data, name->len) == 0)
        {
            if (n++ == 0 && !strip) {
                value->data = (eq < amp) ? eq + 1 : amp;
                value->len = amp - value->data;
            }

        } else if (strip) {
            if (dst != args->data) {
                *dst++ = '&';
            }

            if (dst != p) {
                ngx_memmove(dst, p, amp - p);
            }

            dst += amp - p;
        }

        p = amp + 1;
    }

    if (strip) {
        args->len = dst - args->data;
    }

    return n;
}


/*
 * The arguments "name" of the query string: how many, and the first one's
 * value; none left there, what "strip" took of that name (before an
 * internal redirect, maybe), kept in the request state under "which".
 */

ngx_uint_t
ngx_http_apisec_query_arg(ngx_http_request_t *r, ngx_str_t *name,
    ngx_uint_t which, ngx_str_t *value)
{
    ngx_uint_t              n;
    ngx_http_apisec_req_t  *req;

    n = ngx_http_apisec_apikey_strip_arg(&r->args, name, value, 0);

    if (n == 0) {
        req = ngx_http_apisec_req(r, 0);

        if (req
            && req->stripped[which].n
            && req->stripped[which].name.len == name->len
            && ngx_strncasecmp(req->stripped[which].name.data, name->data,
                               name->len) == 0)
        {
            *value = req->stripped[which].value;
            n = req->stripped[which].n;
        }
    }

    return n;
}


/*
 * apisec_api_key query=name strip, apisec_jwt_token query=name strip: the
 * key and the token leave $args, $request_uri and $request (the access
 * log's default format), and so what proxy_pass sends upstream; they are
 * kept, for authentication after an internal redirect, in the request
 * state.  Both leave when both are there; once per request (what is gone
 * is not found again).
 */

ngx_int_t
ngx_http_apisec_query_strip(ngx_http_request_t *r,
    ngx_http_apisec_loc_conf_t *alcf)
{
    u_char                 *p, *q;
    size_t                  len;
    ngx_str_t               args, value, name[NGX_HTTP_APISEC_STRIP_N];
    ngx_uint_t              i, n, found;
    ngx_http_apisec_req_t  *req;

    if (r != r->main || r->args.len == 0) {
        return NGX_OK;
    }

    ngx_str_null(&name[NGX_HTTP_APISEC_STRIP_APIKEY]);
    ngx_str_null(&name[NGX_HTTP_APISEC_STRIP_TOKEN]);

    if (alcf->apikey.strip) {
        name[NGX_HTTP_APISEC_STRIP_APIKEY] = alcf->apikey.name;
    }

    if (alcf->jwt.token == NGX_HTTP_APISEC_JWT_TOKEN_QUERY
        && alcf->jwt.token_strip)
    {
        name[NGX_HTTP_APISEC_STRIP_TOKEN] = alcf->jwt.token_name;
    }

    req = NULL;
    found = 0;

    for (i = 0; i < NGX_HTTP_APISEC_STRIP_N; i++) {
        if (name[i].len == 0) {
            continue;
        }

        /*
         * the value is read from the request's own arguments: stripping
         * moves the arguments after it over its text in the copy
         */

        n = ngx_http_apisec_apikey_strip_arg(&r->args, &name[i], &value, 0);

        if (n == 0) {
            name[i].len = 0;
            continue;
        }

        if (req == NULL) {
            req = ngx_http_apisec_req(r, 1);
            if (req == NULL) {
                return NGX_ERROR;
            }
        }

        /* several: the count is kept, and the request stays refused */

        req->stripped[i].name = name[i];
        req->stripped[i].n = n;
        req->stripped[i].value.len = value.len;
        req->stripped[i].value.data = ngx_pnalloc(r->pool, value.len + 1);
        if (req->stripped[i].value.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(req->stripped[i].value.data, value.data, value.len);

        found = 1;
    }

    if (!found) {
        return NGX_OK;
    }

    args.len = r->args.len;
    args.data = ngx_pnalloc(r->pool, args.len);
    if (args.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(args.data, r->args.data, args.len);

    for (i = 0; i < NGX_HTTP_APISEC_STRIP_N; i++) {
        if (name[i].len) {
            (void) ngx_http_apisec_apikey_strip_arg(&args, &name[i], NULL, 1);
        }
    }

    /* $request_uri: the path as it came, then the arguments left */

    p = ngx_strlchr(r->unparsed_uri.data,
                    r->unparsed_uri.data + r->unparsed_uri.len, '?');
    len = p ? (size_t) (p - r->unparsed_uri.data) : r->unparsed_uri.len;

    q = ngx_pnalloc(r->pool, len + 1 + args.len);
    if (q == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(q, r->unparsed_uri.data, len);

    if (args.len) {
        *p++ = '?';
        p = ngx_cpymem(p, args.data, args.len);
    }

    r->unparsed_uri.data = q;
    r->unparsed_uri.len = p - q;

    r->args = args;

    /* $request: method, the new URI, protocol */

    len = r->method_name.len + 1 + r->unparsed_uri.len
          + (r->http_protocol.len ? 1 + r->http_protocol.len : 0);

    q = ngx_pnalloc(r->pool, len);
    if (q == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(q, r->method_name.data, r->method_name.len);
    *p++ = ' ';
    p = ngx_cpymem(p, r->unparsed_uri.data, r->unparsed_uri.len);

    if (r->http_protocol.len) {
        *p++ = ' ';
        p = ngx_cpymem(p, r->http_protocol.data, r->http_protocol.len);
    }

    r->request_line.data = q;
    r->request_line.len = p - q;

    return NGX_OK;
}
