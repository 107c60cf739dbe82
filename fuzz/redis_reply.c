
/*
 * Copyright (C) ngx_http_apisec_module authors
 */


/*
 * What a Redis server answers (apisec_redis, src/ngx_http_apisec_redis.c):
 * the input is a chunk-size byte, then the bytes of the connection, fed to
 * the module's reader (hiredis's redisReader with the module's bounded
 * reply objects) in chunks of that size, as the read handler does; every
 * answer parsed is interpreted as the answer to each question
 * (ngx_http_apisec_redis_interpret()).  Checked:
 *
 *  - the reader never holds more than the module's bound of unparsed
 *    bytes before the connection would be dropped, and an error leaves it
 *    failed (the connection goes, nothing after is read);
 *  - no array answer has more than 16 elements, no string more than
 *    64 KiB (the bounds of the reply objects);
 *  - an interpretation is NGX_OK, NGX_ERROR or NOSCRIPT; NOSCRIPT only for
 *    an error answer beginning with "NOSCRIPT"; NGX_OK never for an
 *    error; a LIMIT answer that is NGX_OK is {0 or 1, 0 .. 2^53}; a
 *    BANNED, FAILURE or REFUND one an integer from -2 to 2^31 - 1; AUTH
 *    only "+OK"; LOAD only a 40-byte string;
 *  - every reply is freed (LeakSanitizer).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <hiredis/hiredis.h>
#include "ngx_http_apisec_fuzz.h"
#include "ngx_http_apisec.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ngx_http_apisec_fuzz_reply(redisReply *reply, ngx_uint_t depth);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void         *reply;
    size_t        chunk, n;
    int64_t       value[2];
    ngx_int_t     rc;
    ngx_uint_t    what, failed;
    redisReader  *reader;
    redisReply   *rp;

    if (size < 1) {
        return 0;
    }

    chunk = (data[0] % 64) + 1;
    data++;
    size--;

    reader = ngx_http_apisec_redis_reader_create();
    ngx_http_apisec_fuzz_assert(reader != NULL);

    failed = 0;

    while (size && !failed) {
        n = ngx_min(chunk, size);

        if (redisReaderFeed(reader, (const char *) data, n) != REDIS_OK) {
            break;
        }

        data += n;
        size -= n;

        if (reader->len - reader->pos > 1024 * 1024) {
            break;      /* the read handler drops the connection here */
        }

        for ( ;; ) {
            reply = NULL;

            if (redisReaderGetReply(reader, &reply) != REDIS_OK) {
                ngx_http_apisec_fuzz_assert(reply == NULL);
                failed = 1;
                break;
            }

            if (reply == NULL) {
                break;
            }

            rp = reply;

            ngx_http_apisec_fuzz_reply(rp, 0);

            for (what = 0; what <= NGX_HTTP_APISEC_REDIS_LOAD; what++) {
                rc = ngx_http_apisec_redis_interpret(rp, what, value);

                ngx_http_apisec_fuzz_assert(rc == NGX_OK || rc == NGX_ERROR
                                || rc == NGX_HTTP_APISEC_REDIS_NOSCRIPT);

                if (rc == NGX_HTTP_APISEC_REDIS_NOSCRIPT) {
                    ngx_http_apisec_fuzz_assert(
                        rp->type == REDIS_REPLY_ERROR && rp->len >= 8
                        && ngx_strncmp(rp->str, "NOSCRIPT", 8) == 0);
                }

                if (rc != NGX_OK) {
                    continue;
                }

                ngx_http_apisec_fuzz_assert(rp->type != REDIS_REPLY_ERROR);

                switch (what) {

                case NGX_HTTP_APISEC_REDIS_LIMIT:
                    ngx_http_apisec_fuzz_assert(
                        rp->type == REDIS_REPLY_ARRAY && rp->elements == 2
                        && (value[0] == 0 || value[0] == 1)
                        && value[1] >= 0
                        && value[1] <= ((int64_t) 1 << 53));
                    break;

                case NGX_HTTP_APISEC_REDIS_AUTH:
                    ngx_http_apisec_fuzz_assert(
                        rp->type == REDIS_REPLY_STATUS && rp->len == 2
                        && rp->str[0] == 'O' && rp->str[1] == 'K');
                    break;

                case NGX_HTTP_APISEC_REDIS_LOAD:
                    ngx_http_apisec_fuzz_assert(
                        rp->type == REDIS_REPLY_STRING && rp->len == 40);
                    break;

                default:
                    ngx_http_apisec_fuzz_assert(
                        rp->type == REDIS_REPLY_INTEGER
                        && value[0] >= -2 && value[0] <= NGX_MAX_INT32_VALUE);
                }
            }

            freeReplyObject(rp);
        }
    }

    redisReaderFree(reader);

    return 0;
}


/* the bounds of the reply objects, at every depth */

static void
ngx_http_apisec_fuzz_reply(redisReply *reply, ngx_uint_t depth)
{
    size_t  i;

    ngx_http_apisec_fuzz_assert(reply != NULL && depth < 16);

    switch (reply->type) {

    case REDIS_REPLY_ARRAY:
        ngx_http_apisec_fuzz_assert(reply->elements <= 16);

        for (i = 0; i < reply->elements; i++) {
            ngx_http_apisec_fuzz_reply(reply->element[i], depth + 1);
        }

        break;

    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        ngx_http_apisec_fuzz_assert(reply->len <= 65536
                                    && reply->str[reply->len] == '\0');
        break;
    }
}
