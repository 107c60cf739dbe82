
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Differential: the module's signature verification against an
 * independent second verifier, libjwt 1.10.2 (Debian's libjwt0, OpenSSL
 * back end), on the same tokens and the same key material.  libjwt is
 * linked into this target only, never into the module (docs/install.md).
 *
 * The input's first byte picks one of the nine algs both implement
 * (HS256/384/512, RS256/384/512, ES256/384/512; libjwt 1.10.2 has no PS*
 * and no EdDSA) and with it one of the test suite's keys (t/data); the rest
 * is a compact JWS, mutated from seeds signed with those keys
 * (fuzz/seeds.py).  For the pair (alg, key):
 *
 *   the module: ngx_http_apisec_jose_split(), the signature's
 *   ngx_http_apisec_base64url_decode(), ngx_http_apisec_jwt_verify_key()
 *   with the key as the module's loader parsed it, and the alg pinned: the
 *   signature verdict of ngx_http_apisec_jwt_authenticate(), without its
 *   header and claims policy;
 *
 *   libjwt: jwt_decode() with the PEM text of the public key (RS*, ES*) or
 *   the raw HMAC secret (HS*), then jwt_get_alg() must be the pinned alg.
 *
 * Both must agree on "signature valid".  What else each one checks never
 * changes that verdict for these inputs: a signature the module accepts
 * is over a header and claims signed by the seeds (nobody else knows the
 * keys), and those are JSON objects with the pinned alg and no "typ" but
 * "JWT" (libjwt 1.10.2 refuses any other typ, and non-object JSON).
 *
 * The known disagreements, each counted, asserted, and printed at exit:
 *
 *   1. libjwt does not pin the alg to the key: jwt_decode() takes the alg
 *      from the token's header.  Given the RSA public key's PEM text, it
 *      accepts an HS256 token whose HMAC was keyed with that text (the
 *      RS256 -> HS256 key confusion, RFC 8725, 3.1).  The target pins the
 *      alg for libjwt with jwt_get_alg() and asserts that the module, which
 *      never lets an RSA key verify an HMAC, refuses such a token.  A seed
 *      holds one (HS256 keyed with t/data/rsa.pub, under RS256).
 *
 *   2. libjwt reads the signature segment laxly: everything after the
 *      second dot, decoded by libb64 (Debian's patch), which skips any
 *      character outside the base64 alphabet and accepts padding, "+" and
 *      "/".  So "h.p.s==", "h.p.s.x" or "h.p.s s" can verify with libjwt
 *      for RS* and ES*.  The module refuses them as malformed (RFC 7515,
 *      7.1: three segments, base64url without padding): the target asserts
 *      that the module refused them before any signature was computed,
 *      never in ngx_http_apisec_jwt_verify_key(), and that the text after
 *      the second dot is indeed not canonical base64url (checked by the
 *      target itself, so that a module too strict would fail it).
 *
 * Any other disagreement aborts.  Not fed: an ES* header alg over a key of
 * another curve (libjwt checks only that the key is EC, RFC 7518 3.4 wants
 * the curve of the alg), since no seed is signed that way.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_apisec_fuzz.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <jwt.h>


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
    unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);


/* where the module's verdict was made */
#define NGX_HTTP_APISEC_FUZZ_SPLIT       0   /* not three segments */
#define NGX_HTTP_APISEC_FUZZ_BASE64      1   /* signature not base64url */
#define NGX_HTTP_APISEC_FUZZ_VERIFY      2   /* _jwt_verify_key() said */

/* the largest token tried: libjwt copies and decodes it whole */
#define NGX_HTTP_APISEC_FUZZ_MAX_TOKEN   8192


typedef struct {
    char                        *file;      /* in t/data */
    ngx_uint_t                   alg;       /* NGX_HTTP_APISEC_* */
    jwt_alg_t                    jwt_alg;   /* libjwt's */

    ngx_http_apisec_jwt_key_t   *key;       /* as the module loaded it */
    u_char                      *material;  /* libjwt's: PEM, or secret */
    size_t                       len;
} ngx_http_apisec_fuzz_pair_t;


static ngx_http_apisec_fuzz_pair_t  ngx_http_apisec_fuzz_pairs[] = {
    { "hs256.jwk",  NGX_HTTP_APISEC_HS256, JWT_ALG_HS256, NULL, NULL, 0 },
    { "hs.jwk",     NGX_HTTP_APISEC_HS384, JWT_ALG_HS384, NULL, NULL, 0 },
    { "hs.jwk",     NGX_HTTP_APISEC_HS512, JWT_ALG_HS512, NULL, NULL, 0 },
    { "rsa.pub",    NGX_HTTP_APISEC_RS256, JWT_ALG_RS256, NULL, NULL, 0 },
    { "rsa.pub",    NGX_HTTP_APISEC_RS384, JWT_ALG_RS384, NULL, NULL, 0 },
    { "rsa.pub",    NGX_HTTP_APISEC_RS512, JWT_ALG_RS512, NULL, NULL, 0 },
    { "ec256.pub",  NGX_HTTP_APISEC_ES256, JWT_ALG_ES256, NULL, NULL, 0 },
    { "ec384.pub",  NGX_HTTP_APISEC_ES384, JWT_ALG_ES384, NULL, NULL, 0 },
    { "ec521.pub",  NGX_HTTP_APISEC_ES512, JWT_ALG_ES512, NULL, NULL, 0 }
};

#define NGX_HTTP_APISEC_FUZZ_NPAIRS                                           \
    (sizeof(ngx_http_apisec_fuzz_pairs) / sizeof(ngx_http_apisec_fuzz_pair_t))


/*
 * One function per pair, each a coverage point of its own for each
 * verdict: libFuzzer keeps, for every alg, inputs that both verify, that
 * both refuse, and each known disagreement, rather than one for all algs
 * (the module's code path is the same for RS256, RS384 and RS512).
 */

#define NGX_HTTP_APISEC_FUZZ_BOTH_VALID    0
#define NGX_HTTP_APISEC_FUZZ_BOTH_INVALID  1
#define NGX_HTTP_APISEC_FUZZ_UNPINNED      2
#define NGX_HTTP_APISEC_FUZZ_LAX           3

static volatile ngx_uint_t  ngx_http_apisec_fuzz_seen[9][4];

#define ngx_http_apisec_fuzz_seen_pair(i)                                     \
    static void __attribute__((noinline))                                     \
    ngx_http_apisec_fuzz_seen_##i(ngx_uint_t verdict)                         \
    {                                                                         \
        switch (verdict) {                                                    \
        case NGX_HTTP_APISEC_FUZZ_BOTH_VALID:                                 \
            ngx_http_apisec_fuzz_seen[i][0]++;                                \
            break;                                                            \
        case NGX_HTTP_APISEC_FUZZ_BOTH_INVALID:                               \
            ngx_http_apisec_fuzz_seen[i][1]++;                                \
            break;                                                            \
        case NGX_HTTP_APISEC_FUZZ_UNPINNED:                                   \
            ngx_http_apisec_fuzz_seen[i][2]++;                                \
            break;                                                            \
        default:                                                              \
            ngx_http_apisec_fuzz_seen[i][3]++;                                \
        }                                                                     \
    }

ngx_http_apisec_fuzz_seen_pair(0)
ngx_http_apisec_fuzz_seen_pair(1)
ngx_http_apisec_fuzz_seen_pair(2)
ngx_http_apisec_fuzz_seen_pair(3)
ngx_http_apisec_fuzz_seen_pair(4)
ngx_http_apisec_fuzz_seen_pair(5)
ngx_http_apisec_fuzz_seen_pair(6)
ngx_http_apisec_fuzz_seen_pair(7)
ngx_http_apisec_fuzz_seen_pair(8)

static void (*ngx_http_apisec_fuzz_seen_of[])(ngx_uint_t) = {
    ngx_http_apisec_fuzz_seen_0, ngx_http_apisec_fuzz_seen_1,
    ngx_http_apisec_fuzz_seen_2, ngx_http_apisec_fuzz_seen_3,
    ngx_http_apisec_fuzz_seen_4, ngx_http_apisec_fuzz_seen_5,
    ngx_http_apisec_fuzz_seen_6, ngx_http_apisec_fuzz_seen_7,
    ngx_http_apisec_fuzz_seen_8
};


/* the keys' pool, for the whole run */
static ngx_pool_t  *ngx_http_apisec_fuzz_keys_pool;

/* verdicts, printed at exit */
static struct {
    ngx_uint_t  valid;          /* both: valid */
    ngx_uint_t  invalid;        /* both: not valid */
    ngx_uint_t  unpinned;       /* 1: libjwt accepted another alg */
    ngx_uint_t  lax;            /* 2: libjwt accepted a malformed segment */
} ngx_http_apisec_fuzz_count;


static u_char *
ngx_http_apisec_fuzz_read(ngx_pool_t *pool, char *dir, char *file,
    size_t *len)
{
    long     n;
    char     path[NGX_MAX_PATH];
    FILE    *f;
    u_char  *buf;

    snprintf(path, sizeof(path), "%s/%s", dir, file);

    f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);

    buf = ngx_pnalloc(pool, n + 1);
    ngx_http_apisec_fuzz_assert(buf != NULL);
    ngx_http_apisec_fuzz_assert(fread(buf, 1, n, f) == (size_t) n);
    buf[n] = '\0';
    fclose(f);

    *len = n;

    return buf;
}


/*
 * The HMAC secret of a JWK for libjwt, decoded by OpenSSL's base64 rather
 * than by the module's base64url, so that the two verifiers share no code
 * but OpenSSL's primitives.
 */

static u_char *
ngx_http_apisec_fuzz_secret(ngx_pool_t *pool, u_char *text, size_t len,
    size_t *n)
{
    int          rc;
    u_char      *b64, *secret;
    size_t       i, k;
    json_t      *jwk;
    const char  *s;

    jwk = json_loadb((char *) text, len, 0, NULL);
    ngx_http_apisec_fuzz_assert(jwk != NULL);

    s = json_string_value(json_object_get(jwk, "k"));
    ngx_http_apisec_fuzz_assert(s != NULL);

    k = ngx_strlen(s);

    b64 = ngx_pnalloc(pool, k + 4);
    secret = ngx_pnalloc(pool, k + 4);
    ngx_http_apisec_fuzz_assert(b64 != NULL && secret != NULL);

    for (i = 0; i < k; i++) {
        b64[i] = (s[i] == '-') ? '+' : (s[i] == '_') ? '/' : s[i];
    }

    while (i % 4) {
        b64[i++] = '=';
    }

    rc = EVP_DecodeBlock(secret, b64, i);
    ngx_http_apisec_fuzz_assert(rc > 0);

    /* EVP_DecodeBlock() counts the padding's bytes too */

    *n = rc - (i - k);

    json_decref(jwk);

    return secret;
}


int
ngx_http_apisec_fuzz_init(void)
{
    char                         *dir, *rv;
    u_char                       *text;
    size_t                        len;
    ngx_str_t                     name;
    ngx_uint_t                    i;
    ngx_conf_t                   *cf;
    ngx_pool_t                   *pool;
    ngx_array_t                  *keys;
    ngx_http_apisec_fuzz_pair_t  *pair;

    /* the keys of the test suite: APISEC_FUZZ_KEYS, or t/data beside us */
    dir = getenv("APISEC_FUZZ_KEYS");
    if (dir == NULL) {
        dir = NGX_HTTP_APISEC_FUZZ_SRCDIR "/../t/data";
    }

    pool = ngx_http_apisec_fuzz_pool();
    ngx_http_apisec_fuzz_keys_pool = pool;

    cf = ngx_http_apisec_fuzz_conf(pool);

    for (i = 0; i < NGX_HTTP_APISEC_FUZZ_NPAIRS; i++) {
        pair = &ngx_http_apisec_fuzz_pairs[i];

        text = ngx_http_apisec_fuzz_read(pool, dir, pair->file, &len);

        /* the module's copy of the key: one file, one key */

        keys = ngx_array_create(pool, 1, sizeof(ngx_http_apisec_jwt_key_t *));
        ngx_http_apisec_fuzz_assert(keys != NULL);

        name.len = ngx_strlen(pair->file);
        name.data = (u_char *) pair->file;

        rv = ngx_http_apisec_jwt_keys_text(cf, &name, text, len, keys);
        if (rv != NGX_CONF_OK || keys->nelts != 1) {
            fprintf(stderr, "%s: not loaded as one key\n", pair->file);
            exit(1);
        }

        pair->key = ((ngx_http_apisec_jwt_key_t **) keys->elts)[0];

        /* _jwt_verify_key() wants a key that allows the alg */

        ngx_http_apisec_fuzz_assert(pair->key->algs
                                    & NGX_HTTP_APISEC_ALG_BIT(pair->alg));

        /* libjwt's: the PEM text itself, or the raw secret */

        if (pair->key->kty == NGX_HTTP_APISEC_KTY_OCT) {
            pair->material = ngx_http_apisec_fuzz_secret(pool, text, len,
                                                         &pair->len);

        } else {
            pair->material = text;
            pair->len = len;
        }
    }

    return 0;
}


static void ngx_http_apisec_fuzz_report(void) __attribute__((destructor));

static void
ngx_http_apisec_fuzz_report(void)
{
    ngx_uint_t  i;

    fprintf(stderr, "jws_differential: both valid %lu, both invalid %lu, "
            "libjwt alone (unpinned alg) %lu, libjwt alone (malformed "
            "signature segment) %lu\n",
            (unsigned long) ngx_http_apisec_fuzz_count.valid,
            (unsigned long) ngx_http_apisec_fuzz_count.invalid,
            (unsigned long) ngx_http_apisec_fuzz_count.unpinned,
            (unsigned long) ngx_http_apisec_fuzz_count.lax);

    for (i = 0; i < NGX_HTTP_APISEC_FUZZ_NPAIRS; i++) {
        fprintf(stderr, "jws_differential: %s (%s): %lu valid, %lu invalid, "
                "%lu unpinned, %lu malformed\n",
                ngx_http_apisec_jose_algs[ngx_http_apisec_fuzz_pairs[i].alg]
                    .name.data,
                ngx_http_apisec_fuzz_pairs[i].file,
                (unsigned long) ngx_http_apisec_fuzz_seen[i][0],
                (unsigned long) ngx_http_apisec_fuzz_seen[i][1],
                (unsigned long) ngx_http_apisec_fuzz_seen[i][2],
                (unsigned long) ngx_http_apisec_fuzz_seen[i][3]);
    }
}


/*
 * Whether the text after a token's second dot is a signature segment as
 * RFC 7515 writes it: base64url characters only, no padding, zero unused
 * bits (RFC 4648, 3.5).  Checked here, independently of the module's
 * parser, for the tokens libjwt alone accepts: the module may refuse only
 * those that are not.
 */

static ngx_uint_t
ngx_http_apisec_fuzz_canonical(ngx_str_t *token)
{
    u_char      *p, *last, c, v;
    size_t       len;
    ngx_uint_t   dots;

    last = token->data + token->len;
    dots = 0;

    for (p = token->data; p < last && dots < 2; p++) {
        if (*p == '.') {
            dots++;
        }
    }

    len = last - p;

    if (dots < 2 || len % 4 == 1) {
        return 0;
    }

    v = 0;

    for ( /* void */ ; p < last; p++) {
        c = *p;

        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';

        } else if (c >= 'a' && c <= 'z') {
            v = c - 'a' + 26;

        } else if (c >= '0' && c <= '9') {
            v = c - '0' + 52;

        } else if (c == '-') {
            v = 62;

        } else if (c == '_') {
            v = 63;

        } else {
            return 0;
        }
    }

    /* the last character's unused bits: 4 after 2 characters, 2 after 3 */

    if ((len % 4 == 2 && (v & 0x0f)) || (len % 4 == 3 && (v & 0x03))) {
        return 0;
    }

    return 1;
}


/* the module's verdict: NGX_OK or not, and where it was made */

static ngx_int_t
ngx_http_apisec_fuzz_module(ngx_pool_t *pool,
    ngx_http_apisec_fuzz_pair_t *pair, ngx_str_t *token, ngx_uint_t *stage)
{
    ngx_int_t  rc;
    ngx_str_t  seg[3], sig;

    *stage = NGX_HTTP_APISEC_FUZZ_SPLIT;

    if (ngx_http_apisec_jose_split(token, seg) != NGX_OK) {
        return NGX_DECLINED;
    }

    *stage = NGX_HTTP_APISEC_FUZZ_BASE64;

    sig.data = ngx_pnalloc(pool, seg[2].len + 1);
    ngx_http_apisec_fuzz_assert(sig.data != NULL);

    if (ngx_http_apisec_base64url_decode(&sig, &seg[2]) != NGX_OK) {
        return NGX_DECLINED;
    }

    *stage = NGX_HTTP_APISEC_FUZZ_VERIFY;

    /* the signing input: the header and claims segments and their dot */

    rc = ngx_http_apisec_jwt_verify_key(pair->key, pair->alg, token->data,
                                        seg[1].data + seg[1].len
                                        - token->data,
                                        sig.data, sig.len);

    ngx_http_apisec_fuzz_assert(rc == NGX_OK || rc == NGX_DECLINED);

    return rc;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                           rc;
    jwt_t                        *jwt;
    jwt_alg_t                     alg;
    ngx_str_t                     token;
    ngx_uint_t                    i, module, libjwt, stage;
    ngx_pool_t                   *pool;
    ngx_http_apisec_fuzz_pair_t  *pair;

    if (size < 2 || size - 1 > NGX_HTTP_APISEC_FUZZ_MAX_TOKEN) {
        return 0;
    }

    /* libjwt reads a C string: a token with a NUL is not the same token */

    if (memchr(data + 1, '\0', size - 1) != NULL) {
        return 0;
    }

    i = data[0] % NGX_HTTP_APISEC_FUZZ_NPAIRS;
    pair = &ngx_http_apisec_fuzz_pairs[i];

    pool = ngx_http_apisec_fuzz_pool();

    token.len = size - 1;
    token.data = ngx_http_apisec_fuzz_copy(pool, data + 1, size - 1, 1);

    module = (ngx_http_apisec_fuzz_module(pool, pair, &token, &stage)
              == NGX_OK);

    jwt = NULL;
    alg = JWT_ALG_INVAL;

    rc = jwt_decode(&jwt, (char *) token.data, pair->material,
                    (int) pair->len);

    if (rc == 0) {
        alg = jwt_get_alg(jwt);
        jwt_free(jwt);
    }

    libjwt = (rc == 0 && alg == pair->jwt_alg);

    if (rc == 0 && alg != pair->jwt_alg) {

        /*
         * 1. libjwt verified the token under the alg of its header, not
         * the key's (e.g. HS256 keyed with the RSA key's PEM text): the
         * module, the alg pinned, must refuse it
         */

        ngx_http_apisec_fuzz_assert(!module);
        ngx_http_apisec_fuzz_count.unpinned++;
        ngx_http_apisec_fuzz_seen_of[i](NGX_HTTP_APISEC_FUZZ_UNPINNED);

    } else if (module == libjwt) {

        if (module) {
            ngx_http_apisec_fuzz_count.valid++;
            ngx_http_apisec_fuzz_seen_of[i](NGX_HTTP_APISEC_FUZZ_BOTH_VALID);

        } else {
            ngx_http_apisec_fuzz_count.invalid++;
            ngx_http_apisec_fuzz_seen_of[i](
                                         NGX_HTTP_APISEC_FUZZ_BOTH_INVALID);
        }

    } else if (libjwt) {

        /*
         * 2. libjwt alone: only a signature segment the module refuses as
         * malformed, before any signature is computed, and rightly: not
         * canonical base64url, or not the last of three segments
         */

        ngx_http_apisec_fuzz_assert(stage != NGX_HTTP_APISEC_FUZZ_VERIFY);
        ngx_http_apisec_fuzz_assert(!ngx_http_apisec_fuzz_canonical(&token));
        ngx_http_apisec_fuzz_count.lax++;
        ngx_http_apisec_fuzz_seen_of[i](NGX_HTTP_APISEC_FUZZ_LAX);

    } else {

        /* the module alone: never */

        ngx_http_apisec_fuzz_fail(__FILE__, __LINE__,
                                  "the module accepted a signature "
                                  "libjwt refused");
    }

    ngx_destroy_pool(pool);

    return 0;
}


/*
 * The mutator.  A mutation of the header or the claims only makes tokens
 * that both verifiers refuse (the signing input is no longer one the seeds
 * signed), so seven mutations in eight leave the signing input alone:
 *
 *   1 in 8: libFuzzer's mutation of the whole input (pair, token);
 *   1 in 8: of the signature segment's text (encoding, padding, dots);
 *   2 in 8: of the signature's bytes, encoded back as canonical base64url;
 *   4 in 8: one bit flipped in the signature's bytes, four times in five
 *           at an edge: its first or last byte, or either side of its
 *           middle (R || S for ES*), where the conversions of both
 *           verifiers have their special cases.
 */

static u_char  ngx_http_apisec_fuzz_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
    unsigned int seed)
{
    u_char      *p, *d, *last;
    size_t       off, len, i, pos, room;
    uint32_t     v;
    ngx_str_t    src, dst;
    ngx_uint_t   dots;

    static u_char  sig[NGX_HTTP_APISEC_FUZZ_MAX_TOKEN];

    if (size < 2 || seed % 8 == 0) {
        goto whole;
    }

    last = data + size;
    dots = 0;

    for (p = data + 1; p < last; p++) {
        if (*p == '.' && ++dots == 2) {
            break;
        }
    }

    if (dots != 2) {
        goto whole;
    }

    off = ++p - data;

    if (off >= max) {
        goto whole;
    }

    if (seed % 8 == 1) {
        goto text;
    }

    /* the signature's bytes */

    src.data = p;
    src.len = size - off;
    dst.data = sig;

    if (src.len > sizeof(sig)
        || ngx_http_apisec_base64url_decode(&dst, &src) != NGX_OK
        || dst.len == 0)
    {
        goto text;
    }

    len = dst.len;
    room = ngx_min((max - off) * 3 / 4, sizeof(sig));

    if (len > room) {
        goto text;
    }

    if (seed % 8 < 4) {
        len = LLVMFuzzerMutate(sig, len, room);

    } else {
        v = seed >> 3;

        switch (v % 5) {
        case 0:  pos = 0; break;
        case 1:  pos = len - 1; break;
        case 2:  pos = len / 2 ? len / 2 - 1 : 0; break;
        case 3:  pos = len / 2; break;
        default: pos = (v / 5) % len;
        }

        sig[pos] ^= (u_char) (1 << ((v / 5) % 8));
    }

    if (off + (len * 4 + 2) / 3 > max) {
        goto text;
    }

    for (d = p, i = 0; i + 2 < len; i += 3) {
        *d++ = ngx_http_apisec_fuzz_b64[sig[i] >> 2];
        *d++ = ngx_http_apisec_fuzz_b64[(sig[i] & 3) << 4 | sig[i + 1] >> 4];
        *d++ = ngx_http_apisec_fuzz_b64[(sig[i + 1] & 0x0f) << 2
                                        | sig[i + 2] >> 6];
        *d++ = ngx_http_apisec_fuzz_b64[sig[i + 2] & 0x3f];
    }

    if (len - i == 1) {
        *d++ = ngx_http_apisec_fuzz_b64[sig[i] >> 2];
        *d++ = ngx_http_apisec_fuzz_b64[(sig[i] & 3) << 4];

    } else if (len - i == 2) {
        *d++ = ngx_http_apisec_fuzz_b64[sig[i] >> 2];
        *d++ = ngx_http_apisec_fuzz_b64[(sig[i] & 3) << 4 | sig[i + 1] >> 4];
        *d++ = ngx_http_apisec_fuzz_b64[(sig[i + 1] & 0x0f) << 2];
    }

    return d - data;

text:

    return off + LLVMFuzzerMutate(data + off, size - off, max - off);

whole:

    return LLVMFuzzerMutate(data, size, max);
}
