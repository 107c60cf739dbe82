
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Differential: the claims scanner, ngx_http_apisec_jose_scan(), against
 * jansson, which it stands in for on the hot path.  The input is the
 * claims' JSON text (not its base64url).
 *
 * The scanner's contract (the comment above it in
 * src/ngx_http_apisec_jose.c): NGX_OK only for a text that jansson,
 * json_loadb() with JSON_REJECT_DUPLICATES, accepts as a JSON object, and
 * then exactly the registered claims that ngx_http_apisec_jose_claims_json()
 * finds in jansson's object: each of exp, nbf, iat, sub, iss and aud of the
 * same type; numbers equal as doubles; strings of the same length and
 * bytes; an aud array of as many elements, each of the same type and, for
 * strings and numbers, the same value.  Anything else is NGX_DECLINED, and
 * the scanner refuses nothing: so the target checks too that
 * ngx_http_apisec_jose_claims() (base64url, the scanner, jansson when the
 * scanner declines), on the input's base64url, takes the claims exactly
 * when jansson finds an object, and refuses the others with the reason
 * ngx_http_apisec_jose_load() gives.
 *
 * The text and the decoding buffer are allocations of their own, of
 * exactly their length, so that ASan sees any read past them.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"

#include <stdio.h>


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* verdicts, printed at exit: how much of the input the scanner reads */
static struct {
    ngx_uint_t  scanned;        /* the scanner read an object */
    ngx_uint_t  fallback;       /* declined; jansson took an object */
    ngx_uint_t  refused;        /* declined; jansson refused it */
    ngx_uint_t  aud;            /* scanned with an aud array */
} ngx_http_apisec_fuzz_count;


static void ngx_http_apisec_fuzz_report(void) __attribute__((destructor));

static void
ngx_http_apisec_fuzz_report(void)
{
    fprintf(stderr, "claims_scan: scanned %lu (with an aud array %lu), "
            "declined and taken by jansson %lu, refused by jansson %lu\n",
            (unsigned long) ngx_http_apisec_fuzz_count.scanned,
            (unsigned long) ngx_http_apisec_fuzz_count.aud,
            (unsigned long) ngx_http_apisec_fuzz_count.fallback,
            (unsigned long) ngx_http_apisec_fuzz_count.refused);
}


/* one value as the scanner noted it and as jansson's object has it */

static void
ngx_http_apisec_fuzz_value_eq(ngx_http_apisec_jose_value_t *a,
    ngx_http_apisec_jose_value_t *b)
{
    ngx_http_apisec_fuzz_assert(a->type == b->type);

    switch (a->type) {

    case NGX_HTTP_APISEC_JOSE_NUMBER:
        ngx_http_apisec_fuzz_assert(a->number == b->number);
        break;

    case NGX_HTTP_APISEC_JOSE_STRING:
        ngx_http_apisec_fuzz_assert(a->string.len == b->string.len);
        ngx_http_apisec_fuzz_assert(ngx_memcmp(a->string.data,
                                               b->string.data,
                                               a->string.len)
                                    == 0);
        break;

    default:
        ngx_http_apisec_fuzz_assert(a->type == NGX_HTTP_APISEC_JOSE_ABSENT
                                    || a->type == NGX_HTTP_APISEC_JOSE_ARRAY
                                    || a->type == NGX_HTTP_APISEC_JOSE_OTHER);
    }
}


/* an element of jansson's aud array, typed as the scanner types it */

static void
ngx_http_apisec_fuzz_element(json_t *e, ngx_http_apisec_jose_value_t *v)
{
    ngx_http_apisec_fuzz_assert(e != NULL);

    if (json_is_string(e)) {
        v->type = NGX_HTTP_APISEC_JOSE_STRING;
        v->string.len = json_string_length(e);
        v->string.data = (u_char *) json_string_value(e);

    } else if (json_is_number(e)) {
        v->type = NGX_HTTP_APISEC_JOSE_NUMBER;
        v->number = json_number_value(e);

    } else {
        v->type = NGX_HTTP_APISEC_JOSE_OTHER;
    }
}


/*
 * The scanner's claims (sc: aud's elements in auds[0 .. naud)) against
 * jansson's (js: in aud_json)
 */

static void
ngx_http_apisec_fuzz_claims_eq(ngx_http_apisec_jose_claims_t *sc,
    ngx_http_apisec_jose_claims_t *js)
{
    size_t                        i;
    ngx_http_apisec_jose_value_t  e;

    ngx_http_apisec_fuzz_value_eq(&sc->exp, &js->exp);
    ngx_http_apisec_fuzz_value_eq(&sc->nbf, &js->nbf);
    ngx_http_apisec_fuzz_value_eq(&sc->iat, &js->iat);
    ngx_http_apisec_fuzz_value_eq(&sc->sub, &js->sub);
    ngx_http_apisec_fuzz_value_eq(&sc->iss, &js->iss);
    ngx_http_apisec_fuzz_value_eq(&sc->aud, &js->aud);

    /* the scanner keeps no json_t, jansson's struct no element */

    ngx_http_apisec_fuzz_assert(sc->aud_json == NULL);
    ngx_http_apisec_fuzz_assert(js->naud == 0);
    ngx_http_apisec_fuzz_assert(sc->naud <= NGX_HTTP_APISEC_JOSE_AUD_MAX);

    if (sc->aud.type != NGX_HTTP_APISEC_JOSE_ARRAY) {
        ngx_http_apisec_fuzz_assert(sc->naud == 0);
        ngx_http_apisec_fuzz_assert(js->aud_json == NULL);
        return;
    }

    ngx_http_apisec_fuzz_assert(json_is_array(js->aud_json));
    ngx_http_apisec_fuzz_assert(json_array_size(js->aud_json) == sc->naud);

    for (i = 0; i < sc->naud; i++) {
        ngx_http_apisec_fuzz_element(json_array_get(js->aud_json, i), &e);
        ngx_http_apisec_fuzz_value_eq(&sc->auds[i], &e);
    }
}


/* what the scanner reads is printable ASCII without escapes, or spaces */

static void
ngx_http_apisec_fuzz_subset(ngx_str_t *text)
{
    u_char  *p, *last;

    last = text->data + text->len;

    for (p = text->data; p < last; p++) {
        ngx_http_apisec_fuzz_assert(((*p >= 0x20 && *p < 0x7f) && *p != '\\')
                                    || *p == ' ' || *p == '\t'
                                    || *p == '\n' || *p == '\r');
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                           *why, *why2;
    u_char                         *buf;
    json_t                         *json, *fallback, *none;
    ngx_int_t                       rc, rc2;
    ngx_str_t                       text, seg, decoded;
    ngx_uint_t                      object;
    ngx_pool_t                     *pool;
    json_error_t                    err;
    ngx_http_apisec_jose_claims_t   scanned, loaded, claims;

    pool = ngx_http_apisec_fuzz_pool();

    /* the text, exactly "size" bytes of their own (1 for none) */

    text.len = size;
    text.data = ngx_alloc(size ? size : 1, ngx_http_apisec_fuzz_log);
    ngx_http_apisec_fuzz_assert(text.data != NULL);
    ngx_memcpy(text.data, data, size);

    /* 1. the scanner against jansson */

    ngx_memset(&scanned, 0xa5, sizeof(ngx_http_apisec_jose_claims_t));

    rc = ngx_http_apisec_jose_scan(&text, &scanned);

    ngx_http_apisec_fuzz_assert(rc == NGX_OK || rc == NGX_DECLINED);

    json = json_loadb((char *) text.data, text.len, JSON_REJECT_DUPLICATES,
                      &err);

    object = (json != NULL && json_is_object(json));

    if (object) {
        ngx_memset(&loaded, 0x5a, sizeof(ngx_http_apisec_jose_claims_t));
        ngx_http_apisec_jose_claims_json(json, &loaded);
    }

    if (rc == NGX_OK) {
        ngx_http_apisec_fuzz_assert(object);
        ngx_http_apisec_fuzz_subset(&text);
        ngx_http_apisec_fuzz_claims_eq(&scanned, &loaded);

        ngx_http_apisec_fuzz_count.scanned++;

        if (scanned.aud.type == NGX_HTTP_APISEC_JOSE_ARRAY) {
            ngx_http_apisec_fuzz_count.aud++;
        }

    } else if (object) {
        ngx_http_apisec_fuzz_count.fallback++;

    } else {
        ngx_http_apisec_fuzz_count.refused++;
    }

    /* 2. ngx_http_apisec_jose_claims(), as a token's segment has them */

    seg.data = ngx_pnalloc(pool, ngx_base64_encoded_length(size) + 1);
    ngx_http_apisec_fuzz_assert(seg.data != NULL);

    ngx_encode_base64url(&seg, &text);

    /*
     * the decoded claims are "size" bytes, no more than the 3/4 of the
     * segment the module gives: exactly that, of its own
     */

    ngx_http_apisec_fuzz_assert(size <= seg.len * 3 / 4);

    buf = ngx_alloc(size ? size : 1, ngx_http_apisec_fuzz_log);
    ngx_http_apisec_fuzz_assert(buf != NULL);

    why = NULL;
    fallback = NULL;

    rc2 = ngx_http_apisec_jose_claims(&seg, buf, &decoded, &claims,
                                      &fallback, &why);

    ngx_http_apisec_fuzz_assert(rc2 == NGX_OK || rc2 == NGX_ERROR);
    ngx_http_apisec_fuzz_assert((rc2 == NGX_OK) == object);

    if (rc2 == NGX_OK) {
        ngx_http_apisec_fuzz_assert(why == NULL);
        ngx_http_apisec_fuzz_assert(decoded.data == buf);
        ngx_http_apisec_fuzz_assert(decoded.len == size);
        ngx_http_apisec_fuzz_assert(ngx_memcmp(buf, data, size) == 0);

        /* jansson's object exactly when the scanner declined */

        ngx_http_apisec_fuzz_assert((fallback == NULL) == (rc == NGX_OK));

        if (fallback) {
            ngx_http_apisec_fuzz_assert(json_equal(fallback, json));
            ngx_http_apisec_fuzz_assert(claims.naud == 0);
            ngx_http_apisec_fuzz_assert(claims.aud_json
                                        == json_object_get(fallback, "aud")
                                        || claims.aud_json == NULL);

            /* its claims: those of jansson's object, values and types */

            ngx_http_apisec_fuzz_value_eq(&claims.exp, &loaded.exp);
            ngx_http_apisec_fuzz_value_eq(&claims.nbf, &loaded.nbf);
            ngx_http_apisec_fuzz_value_eq(&claims.iat, &loaded.iat);
            ngx_http_apisec_fuzz_value_eq(&claims.sub, &loaded.sub);
            ngx_http_apisec_fuzz_value_eq(&claims.iss, &loaded.iss);
            ngx_http_apisec_fuzz_value_eq(&claims.aud, &loaded.aud);
            ngx_http_apisec_fuzz_assert((claims.aud_json == NULL)
                                        == (loaded.aud_json == NULL));

            json_decref(fallback);

        } else {

            /* read by the scanner in buf: the same as in the text */

            ngx_http_apisec_fuzz_claims_eq(&claims, &loaded);
        }

    } else {
        ngx_http_apisec_fuzz_assert(why != NULL);
        ngx_http_apisec_fuzz_assert(fallback == NULL);

        /* the reason: jansson's, as ngx_http_apisec_jose_load() gives */

        why2 = NULL;
        none = ngx_http_apisec_jose_load(&text, &why2, "claims");

        ngx_http_apisec_fuzz_assert(none == NULL);
        ngx_http_apisec_fuzz_assert(why2 != NULL);
        ngx_http_apisec_fuzz_assert(ngx_strcmp(why, why2) == 0);

        /* and what it says is what jansson found */

        if (json == NULL) {
            why2 = (json_error_code(&err) == json_error_duplicate_key)
                   ? "duplicate member name in claims"
                   : "claims are not JSON";

        } else {
            why2 = "claims are not a JSON object";
        }

        ngx_http_apisec_fuzz_assert(ngx_strcmp(why, why2) == 0);
    }

    if (json) {
        json_decref(json);
    }

    ngx_free(buf);
    ngx_free(text.data);

    ngx_destroy_pool(pool);

    return 0;
}
