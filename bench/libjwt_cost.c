
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * Why the module verifies with OpenSSL itself and not with libjwt
 * (docs/install.md): the cost of one verification, per call, of
 *
 *   jwt_decode()          libjwt 1.10.2, key as PEM text (its only form);
 *   PEM + EVP             PEM_read_bio_PUBKEY() then EVP_DigestVerify():
 *                         what jwt_decode() does inside;
 *   EVP                   EVP_DigestVerify() with an EVP_PKEY parsed once,
 *                         as the module does (keys parsed at configuration).
 *
 *   cc -O2 -o /tmp/libjwt_cost bench/libjwt_cost.c -ljwt -lcrypto
 *   /tmp/libjwt_cost t/data [iterations]
 *
 * Not part of the build or of bench/run; libjwt is a test-time dependency.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>


static char *
slurp(const char *dir, const char *file, int *len)
{
    long   n;
    char   path[4096], *buf;
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, file);

    f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);

    buf = malloc(n + 1);
    if (buf == NULL || fread(buf, 1, n, f) != (size_t) n) {
        exit(1);
    }

    buf[n] = '\0';
    fclose(f);

    *len = (int) n;

    return buf;
}


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static void
one(const char *dir, const char *name, jwt_alg_t alg, const char *priv,
    const char *pub, const EVP_MD *md, int n)
{
    int             i, plen, klen;
    char           *token, *privpem, *pubpem, *dot;
    size_t          siglen;
    double          t0, t_libjwt, t_pem, t_evp;
    jwt_t          *jwt;
    BIO            *bio;
    EVP_PKEY       *pkey, *skey;
    EVP_MD_CTX     *ctx;
    unsigned char   sig[512];

    privpem = slurp(dir, priv, &plen);
    pubpem = slurp(dir, pub, &klen);

    /* a token signed by libjwt itself */

    if (jwt_new(&jwt) != 0
        || jwt_add_grant(jwt, "sub", "alice") != 0
        || jwt_set_alg(jwt, alg, (unsigned char *) privpem, plen) != 0
        || (token = jwt_encode_str(jwt)) == NULL)
    {
        fprintf(stderr, "%s: cannot sign\n", name);
        exit(1);
    }

    jwt_free(jwt);

    t0 = now();

    for (i = 0; i < n; i++) {
        if (jwt_decode(&jwt, token, (unsigned char *) pubpem, klen) != 0) {
            fprintf(stderr, "%s: jwt_decode() failed\n", name);
            exit(1);
        }

        jwt_free(jwt);
    }

    t_libjwt = (now() - t0) / n;

    /* OpenSSL over the same signing input, a DER signature of its own */

    dot = strrchr(token, '.');

    bio = BIO_new_mem_buf(privpem, plen);
    skey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);

    ctx = EVP_MD_CTX_new();
    siglen = sizeof(sig);

    if (skey == NULL
        || EVP_DigestSignInit(ctx, NULL, md, NULL, skey) != 1
        || EVP_DigestSign(ctx, sig, &siglen, (unsigned char *) token,
                          dot - token) != 1)
    {
        fprintf(stderr, "%s: EVP_DigestSign() failed\n", name);
        exit(1);
    }

    EVP_PKEY_free(skey);

    t0 = now();

    for (i = 0; i < n; i++) {
        bio = BIO_new_mem_buf(pubpem, klen);
        pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        BIO_free(bio);

        EVP_MD_CTX_reset(ctx);

        if (pkey == NULL
            || EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) != 1
            || EVP_DigestVerify(ctx, sig, siglen, (unsigned char *) token,
                                dot - token) != 1)
        {
            fprintf(stderr, "%s: PEM + EVP failed\n", name);
            exit(1);
        }

        EVP_PKEY_free(pkey);
    }

    t_pem = (now() - t0) / n;

    bio = BIO_new_mem_buf(pubpem, klen);
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);

    t0 = now();

    for (i = 0; i < n; i++) {
        EVP_MD_CTX_reset(ctx);

        if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) != 1
            || EVP_DigestVerify(ctx, sig, siglen, (unsigned char *) token,
                                dot - token) != 1)
        {
            fprintf(stderr, "%s: EVP failed\n", name);
            exit(1);
        }
    }

    t_evp = (now() - t0) / n;

    printf("%-6s jwt_decode() %7.1f us   PEM + EVP %7.1f us   "
           "EVP (key parsed once) %6.1f us\n",
           name, t_libjwt * 1e6, t_pem * 1e6, t_evp * 1e6);

    EVP_PKEY_free(pkey);
    EVP_MD_CTX_free(ctx);
    free(token);
    free(privpem);
    free(pubpem);
}


int
main(int argc, char **argv)
{
    int             i, n;
    char           *token;
    double          t0, t;
    jwt_t          *jwt;
    unsigned char   secret[32];

    if (argc < 2) {
        fprintf(stderr, "usage: %s t/data [iterations]\n", argv[0]);
        return 2;
    }

    n = (argc > 2) ? atoi(argv[2]) : 2000;

    one(argv[1], "RS256", JWT_ALG_RS256, "rsa.key", "rsa.pub", EVP_sha256(),
        n);
    one(argv[1], "ES256", JWT_ALG_ES256, "ec256.key", "ec256.pub",
        EVP_sha256(), n);

    /* HS256: no key to parse, libjwt's own cost only */

    memset(secret, 'k', sizeof(secret));

    if (jwt_new(&jwt) != 0
        || jwt_add_grant(jwt, "sub", "alice") != 0
        || jwt_set_alg(jwt, JWT_ALG_HS256, secret, sizeof(secret)) != 0
        || (token = jwt_encode_str(jwt)) == NULL)
    {
        return 1;
    }

    jwt_free(jwt);

    t0 = now();

    for (i = 0; i < n; i++) {
        if (jwt_decode(&jwt, token, secret, sizeof(secret)) != 0) {
            return 1;
        }

        jwt_free(jwt);
    }

    t = (now() - t0) / n;

    printf("HS256  jwt_decode() %7.1f us\n", t * 1e6);

    free(token);

    return 0;
}
