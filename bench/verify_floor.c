
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * The floor of a cold token: what OpenSSL itself needs to verify one JWS
 * signature on this machine, with everything that can be prepared once
 * prepared (the key parsed, the hash fetched, the verify context set up),
 * for the same keys and the same tokens as the bench cases.  bench/run
 * builds it, runs it natively (ns a verification) and under callgrind
 * (instructions a verification, CALLGRIND_DUMP_STATS_AT around N calls),
 * and prints it beside the cases.
 *
 *   cc -O2 -o /tmp/verify_floor bench/verify_floor.c -lcrypto -ljansson
 *   /tmp/verify_floor ALG KEY TOKENS [iterations] [ns|cg]
 *
 * ALG: RS256 PS256 ES256 EdDSA HS256; KEY: a PEM public key, or for HS256
 * a JWK ("k"); TOKENS: one token a line ("Authorization: Bearer " allowed
 * in front, as in a case's .cycle file).  Every token must verify: a
 * failure is an error (exit 1).
 *
 * For each algorithm, every way OpenSSL 3 offers is measured, and the
 * cheapest is the floor:
 *
 *   pkey      EVP_Digest() with a prefetched EVP_MD, then EVP_PKEY_verify()
 *             with an EVP_PKEY_CTX set up once (padding, md) and reused
 *   digestvfy EVP_DigestVerify{Update,Final}() on an EVP_MD_CTX set up
 *             once by EVP_DigestVerifyInit_ex() and copied per call
 *   oneshot   EDDSA: EVP_DigestVerifyInit_ex() + EVP_DigestVerify() each
 *             call; the copy of a prepared context, as digestvfy
 *   mac       HS256: EVP_MAC_CTX with the key, dup'ed per call
 *   hmacpads  HS256: the inner and outer SHA-256 states after the key's
 *             blocks, copied per call (RFC 2104 by hand)
 *   sha256ctx HS256: the same with SHA256_CTX copies (the low-level API
 *             OpenSSL 3 deprecates but keeps: no provider call, no
 *             allocation)
 *   hmac      HS256: HMAC() one-shot (fetches per call)
 *
 * What is measured per call is the signature check only: the token's
 * signing input and decoded signature are ready (the module's base64url
 * and JSON work is not part of the floor).  ES256: R || S to DER is
 * included (OpenSSL needs DER; it is a few hundred instructions).
 */


#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND  1
#endif
#endif

#ifndef HAVE_CALLGRIND
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(label)
#endif


#define MAX_TOKENS  4096


typedef struct {
    unsigned char  *input;
    size_t          input_len;
    unsigned char   sig[1024];
    size_t          sig_len;
} token_t;


typedef int (*verify_pt)(token_t *t);


static token_t      tokens[MAX_TOKENS];
static size_t       ntokens;

static EVP_PKEY    *pkey;
static EVP_MD      *sha256;
static EVP_PKEY_CTX *pctx;
static EVP_MD_CTX  *dvctx, *work;
static EVP_MAC_CTX *macctx;
static EVP_MD_CTX  *inner, *outer;
static unsigned char secret[256];
static size_t       secret_len;
static int          pss;
static SHA256_CTX   sha_inner, sha_outer;


static void
die(const char *what)
{
    fprintf(stderr, "verify_floor: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}


static size_t
b64url(unsigned char *dst, const char *src, size_t len)
{
    size_t          i, n;
    unsigned int    acc, bits, v;
    unsigned char   c;

    acc = 0;
    bits = 0;
    n = 0;

    for (i = 0; i < len; i++) {
        c = src[i];

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
            die("bad base64url");
        }

        acc = (acc << 6) | v;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            dst[n++] = (unsigned char) (acc >> bits);
        }
    }

    return n;
}


static void
load_tokens(const char *path)
{
    char     line[8192], *p, *dot;
    size_t   len;
    FILE    *f;
    token_t *t;

    f = fopen(path, "r");
    if (f == NULL) {
        die("cannot open the tokens");
    }

    while (ntokens < MAX_TOKENS && fgets(line, sizeof(line), f)) {
        len = strcspn(line, "\r\n");
        line[len] = '\0';

        p = strstr(line, "Bearer ");
        p = p ? p + 7 : line;

        if (*p == '\0' || *p == '#') {
            continue;
        }

        dot = strrchr(p, '.');
        if (dot == NULL || sizeof(tokens[0].sig) < (strlen(dot) * 3) / 4) {
            die("bad token");
        }

        t = &tokens[ntokens++];
        t->input_len = dot - p;
        t->input = (unsigned char *) strndup(p, t->input_len);
        t->sig_len = b64url(t->sig, dot + 1, strlen(dot + 1));
    }

    fclose(f);

    if (ntokens == 0) {
        die("no tokens");
    }
}


static void
load_key(const char *alg, const char *path)
{
    FILE          *f;
    json_t        *jwk, *k;
    const char    *s;
    json_error_t   err;

    if (strcmp(alg, "HS256") == 0) {
        jwk = json_load_file(path, 0, &err);
        k = json_object_get(jwk, "k");
        s = json_string_value(k);

        if (s == NULL || strlen(s) * 3 / 4 > sizeof(secret)) {
            die("no \"k\" in the JWK");
        }

        secret_len = b64url(secret, s, strlen(s));
        json_decref(jwk);
        return;
    }

    f = fopen(path, "r");
    if (f == NULL) {
        die("cannot open the key");
    }

    pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);

    if (pkey == NULL) {
        die("PEM_read_PUBKEY() failed");
    }
}


/* ---------------------------------------------------------- preparation */

static void
prepare(const char *alg)
{
    OSSL_PARAM      params[2];
    unsigned char   k[64], pad[64];
    size_t          i;

    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    work = EVP_MD_CTX_new();

    if (sha256 == NULL || work == NULL) {
        die("EVP_MD_fetch() failed");
    }

    pss = (strcmp(alg, "PS256") == 0);

    if (strcmp(alg, "HS256") == 0) {
        EVP_MAC  *mac;

        mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        macctx = mac ? EVP_MAC_CTX_new(mac) : NULL;

        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                     "SHA256", 0);
        params[1] = OSSL_PARAM_construct_end();

        if (macctx == NULL
            || !EVP_MAC_init(macctx, secret, secret_len, params))
        {
            die("EVP_MAC_init() failed");
        }

        memset(k, 0, sizeof(k));

        if (secret_len > 64) {
            EVP_Digest(secret, secret_len, k, NULL, sha256, NULL);
        } else {
            memcpy(k, secret, secret_len);
        }

        inner = EVP_MD_CTX_new();
        outer = EVP_MD_CTX_new();

        for (i = 0; i < 64; i++) {
            pad[i] = k[i] ^ 0x36;
        }

        if (!EVP_DigestInit_ex(inner, sha256, NULL)
            || !EVP_DigestUpdate(inner, pad, 64))
        {
            die("EVP_DigestInit_ex() failed");
        }

        for (i = 0; i < 64; i++) {
            pad[i] = k[i] ^ 0x5c;
        }

        if (!EVP_DigestInit_ex(outer, sha256, NULL)
            || !EVP_DigestUpdate(outer, pad, 64))
        {
            die("EVP_DigestInit_ex() failed");
        }

        SHA256_Init(&sha_outer);
        SHA256_Update(&sha_outer, pad, 64);

        for (i = 0; i < 64; i++) {
            pad[i] = k[i] ^ 0x36;
        }

        SHA256_Init(&sha_inner);
        SHA256_Update(&sha_inner, pad, 64);

        return;
    }

    dvctx = EVP_MD_CTX_new();
    if (dvctx == NULL) {
        die("EVP_MD_CTX_new() failed");
    }

    if (strcmp(alg, "EdDSA") == 0) {
        if (EVP_DigestVerifyInit_ex(dvctx, NULL, NULL, NULL, NULL, pkey,
                                    NULL) != 1)
        {
            die("EVP_DigestVerifyInit_ex() failed");
        }

        return;
    }

    /* the EVP_PKEY_verify() context */

    pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);

    if (pctx == NULL
        || EVP_PKEY_verify_init(pctx) <= 0
        || EVP_PKEY_CTX_set_signature_md(pctx, sha256) <= 0)
    {
        die("EVP_PKEY_verify_init() failed");
    }

    if (strcmp(alg, "RS256") == 0
        && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
    {
        die("EVP_PKEY_CTX_set_rsa_padding() failed");
    }

    if (pss
        && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0
            || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST)
               <= 0
            || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, sha256) <= 0))
    {
        die("EVP_PKEY_CTX_set_rsa_padding() failed");
    }

    /* the EVP_DigestVerify*() context */

    {
        EVP_PKEY_CTX  *dpctx;

        if (EVP_DigestVerifyInit_ex(dvctx, &dpctx, "SHA256", NULL, NULL,
                                    pkey, NULL) != 1)
        {
            die("EVP_DigestVerifyInit_ex() failed");
        }

        if (strcmp(alg, "RS256") == 0
            && EVP_PKEY_CTX_set_rsa_padding(dpctx, RSA_PKCS1_PADDING) <= 0)
        {
            die("EVP_PKEY_CTX_set_rsa_padding() failed");
        }

        if (pss
            && (EVP_PKEY_CTX_set_rsa_padding(dpctx, RSA_PKCS1_PSS_PADDING)
                <= 0
                || EVP_PKEY_CTX_set_rsa_pss_saltlen(dpctx,
                                                    RSA_PSS_SALTLEN_DIGEST)
                   <= 0))
        {
            die("EVP_PKEY_CTX_set_rsa_padding() failed");
        }
    }
}


/* ES256: R || S (32 bytes each) to DER */

static size_t
ecdsa_der(unsigned char *der, const unsigned char *rs)
{
    int             i, j, n, len[2], off[2];
    unsigned char  *p;

    for (i = 0; i < 2; i++) {
        for (j = 0; j < 31 && rs[32 * i + j] == 0; j++) {
            /* void */
        }

        off[i] = j;
        n = 32 - j;
        len[i] = n + ((rs[32 * i + j] & 0x80) ? 1 : 0);
    }

    p = der;
    *p++ = 0x30;
    *p++ = (unsigned char) (len[0] + len[1] + 4);

    for (i = 0; i < 2; i++) {
        *p++ = 0x02;
        *p++ = (unsigned char) len[i];

        if (len[i] > 32 - off[i]) {
            *p++ = 0;
        }

        memcpy(p, rs + 32 * i + off[i], 32 - off[i]);
        p += 32 - off[i];
    }

    return p - der;
}


/* ------------------------------------------------------------- variants */

static int
v_pkey(token_t *t)
{
    unsigned char   dgst[32], der[80];
    unsigned char  *sig;
    size_t          siglen;

    if (!EVP_Digest(t->input, t->input_len, dgst, NULL, sha256, NULL)) {
        return 0;
    }

    sig = t->sig;
    siglen = t->sig_len;

    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC) {
        siglen = ecdsa_der(der, t->sig);
        sig = der;
    }

    return EVP_PKEY_verify(pctx, sig, siglen, dgst, 32) == 1;
}


static int
v_digestvfy(token_t *t)
{
    unsigned char   der[80];
    unsigned char  *sig;
    size_t          siglen;

    sig = t->sig;
    siglen = t->sig_len;

    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC) {
        siglen = ecdsa_der(der, t->sig);
        sig = der;
    }

    if (!EVP_MD_CTX_copy_ex(work, dvctx)) {
        return 0;
    }

    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
        return EVP_DigestVerify(work, sig, siglen, t->input, t->input_len)
               == 1;
    }

    return EVP_DigestVerifyUpdate(work, t->input, t->input_len) == 1
           && EVP_DigestVerifyFinal(work, sig, siglen) == 1;
}


static int
v_oneshot(token_t *t)
{
    int  rc;

    EVP_MD_CTX_reset(work);

    if (EVP_DigestVerifyInit_ex(work, NULL, NULL, NULL, NULL, pkey, NULL)
        != 1)
    {
        return 0;
    }

    rc = EVP_DigestVerify(work, t->sig, t->sig_len, t->input, t->input_len);

    EVP_MD_CTX_reset(work);

    return rc == 1;
}


static int
v_mac(token_t *t)
{
    int             ok;
    size_t          n;
    unsigned char   out[32];
    EVP_MAC_CTX    *c;

    c = EVP_MAC_CTX_dup(macctx);
    if (c == NULL) {
        return 0;
    }

    ok = EVP_MAC_update(c, t->input, t->input_len)
         && EVP_MAC_final(c, out, &n, sizeof(out));

    EVP_MAC_CTX_free(c);

    return ok && n == t->sig_len && CRYPTO_memcmp(out, t->sig, n) == 0;
}


static int
v_hmacpads(token_t *t)
{
    unsigned int    n;
    unsigned char   out[32];

    if (!EVP_MD_CTX_copy_ex(work, inner)
        || !EVP_DigestUpdate(work, t->input, t->input_len)
        || !EVP_DigestFinal_ex(work, out, &n)
        || !EVP_MD_CTX_copy_ex(work, outer)
        || !EVP_DigestUpdate(work, out, n)
        || !EVP_DigestFinal_ex(work, out, &n))
    {
        return 0;
    }

    return n == t->sig_len && CRYPTO_memcmp(out, t->sig, n) == 0;
}


static int
v_sha256ctx(token_t *t)
{
    unsigned char   out[32];
    SHA256_CTX      c;

    c = sha_inner;
    SHA256_Update(&c, t->input, t->input_len);
    SHA256_Final(out, &c);

    c = sha_outer;
    SHA256_Update(&c, out, 32);
    SHA256_Final(out, &c);

    OPENSSL_cleanse(&c, sizeof(c));

    return t->sig_len == 32 && CRYPTO_memcmp(out, t->sig, 32) == 0;
}


static int
v_hmac(token_t *t)
{
    unsigned int    n;
    unsigned char   out[32];

    if (HMAC(sha256, secret, secret_len, t->input, t->input_len, out, &n)
        == NULL)
    {
        return 0;
    }

    return n == t->sig_len && CRYPTO_memcmp(out, t->sig, n) == 0;
}


/* ----------------------------------------------------------------- main */

static void
run(const char *alg, const char *name, verify_pt fn, long iters,
    const char *mode)
{
    long             i, n;
    double           ns;
    char             label[64];
    struct timespec  t0, t1;

    /* warm up, and every token must verify */

    for (i = 0; i < (long) ntokens && i < 64; i++) {
        if (!fn(&tokens[i])) {
            fprintf(stderr, "verify_floor: %s %s: token %ld does not "
                    "verify\n", alg, name, i);
            ERR_print_errors_fp(stderr);
            exit(1);
        }
    }

    snprintf(label, sizeof(label), "floor %s %s %ld", alg, name, iters);

    if (strcmp(mode, "cg") == 0) {
#ifndef HAVE_CALLGRIND
        die("built without <valgrind/callgrind.h> (util/deps.sh bench)");
#endif
        CALLGRIND_ZERO_STATS;

        for (i = 0; i < iters; i++) {
            fn(&tokens[i % ntokens]);
        }

        CALLGRIND_DUMP_STATS_AT(label);
        printf("%s %s cg %ld\n", alg, name, iters);
        return;
    }

    /* ns: batches until half a second has passed */

    n = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    do {
        for (i = 0; i < 64; i++) {
            fn(&tokens[(n + i) % ntokens]);
        }

        n += 64;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);

    } while (ns < 5e8 || n < iters);

    printf("%s %s ns %.1f\n", alg, name, ns / n);
}


int
main(int argc, char **argv)
{
    long         iters;
    const char  *alg, *mode;

    if (argc < 4) {
        fprintf(stderr, "usage: verify_floor ALG KEY TOKENS [iterations] "
                "[ns|cg]\n");
        return 2;
    }

    alg = argv[1];
    iters = argc > 4 ? atol(argv[4]) : 200;
    mode = argc > 5 ? argv[5] : "ns";

    load_key(alg, argv[2]);
    load_tokens(argv[3]);
    prepare(alg);

    if (strcmp(alg, "HS256") == 0) {
        run(alg, "mac", v_mac, iters, mode);
        run(alg, "hmacpads", v_hmacpads, iters, mode);
        run(alg, "sha256ctx", v_sha256ctx, iters, mode);
        run(alg, "hmac", v_hmac, iters, mode);

    } else if (strcmp(alg, "EdDSA") == 0) {
        run(alg, "oneshot", v_oneshot, iters, mode);
        run(alg, "digestvfy", v_digestvfy, iters, mode);

    } else if (strcmp(alg, "RS256") == 0 || strcmp(alg, "PS256") == 0
               || strcmp(alg, "ES256") == 0)
    {
        run(alg, "pkey", v_pkey, iters, mode);
        run(alg, "digestvfy", v_digestvfy, iters, mode);

    } else {
        die("unknown ALG");
    }

    return 0;
}
