
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


#ifndef _NGX_HTTP_APISEC_DIGEST_H_INCLUDED_
#define _NGX_HTTP_APISEC_DIGEST_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/evp.h>


/* the hashes, an index: 0 .. 2 are also the algorithms' "md" */
#define NGX_HTTP_APISEC_SHA256          0
#define NGX_HTTP_APISEC_SHA384          1
#define NGX_HTTP_APISEC_SHA512          2
#define NGX_HTTP_APISEC_SHA512_256      3
#define NGX_HTTP_APISEC_NMDS            4

/* ngx_http_apisec_digest(): each part preceded by its length, 8 bytes BE */
#define NGX_HTTP_APISEC_DIGEST_PREFIXED 1


EVP_MD *ngx_http_apisec_md(ngx_uint_t md);
EVP_MD_CTX *ngx_http_apisec_md_ctx(ngx_uint_t md);
EVP_MD_CTX *ngx_http_apisec_md_ctx_spare(void);
ngx_int_t ngx_http_apisec_digest(ngx_uint_t md, u_char *out,
    ngx_str_t *parts, ngx_uint_t n, ngx_uint_t flags);
ngx_int_t ngx_http_apisec_sha256(u_char *out, ngx_str_t *parts,
    ngx_uint_t n);
void ngx_http_apisec_digest_exit(void);
ngx_uint_t ngx_http_apisec_equal(u_char *a, u_char *b, size_t len);


#endif /* _NGX_HTTP_APISEC_DIGEST_H_INCLUDED_ */
