# Request bodies: apisec_json_schema, apisec_json_max_depth,
# apisec_json_max_size.  JSON bodies validated in the access phase (after
# authentication and rate limits), refused 400 (not JSON), 413 (too large),
# 415 (not a JSON content type), 422 (the schema refuses it) with
# problem+json and an "errors" array, logged at info; the upstream gets the
# body as the client sent it.  Fixtures: t/data/schema-http/.

use lib 't/lib';
use Test::Apisec 'no_plan';
use Cwd qw(abs_path);

$ENV{TEST_NGINX_DATA} = abs_path('t/data/schema-http');

no_shuffle();
check_accum_error_log();
run_tests();

__DATA__

=== TEST 1: a body that conforms passes, and the upstream gets it unchanged
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
        add_header X-Got $request_body;
    }
    location /sink {
        return 200 "done\n";
    }
--- request
POST /api
{"name":"alice", "age":30,"tags":["a","b"]}
--- more_headers
Content-Type: application/json
--- error_code: 200
--- response_headers
X-Got: {"name":"alice", "age":30,"tags":["a","b"]}
--- response_body
done
--- no_error_log
apisec:



=== TEST 2: a body the schema refuses is 422 with the violations
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        add_header X-Refusal $apisec_refusal always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request
POST /api
{"name":"", "age":"thirty", "tags":["a", 2]}
--- more_headers
Content-Type: application/json; charset=utf-8
--- error_code: 422
--- response_headers
Content-Type: application/problem+json
X-Refusal: invalid_request_body
--- response_body
{"type":"about:blank","title":"Unprocessable Content","status":422,"detail":"The request body does not conform to the schema.","errors":[{"pointer":"/name","detail":"must be at least 1 characters long"},{"pointer":"/age","detail":"must be of type integer, not string"},{"pointer":"/tags/1","detail":"must be of type string, not integer"}]}
--- error_log eval
qr{apisec: request body does not conform to the schema "\S+/user.json": 3 violation\(s\), first at "/name": must be at least 1 characters long}



=== TEST 3: a missing required member, an unknown one: pointers "" and "/x"
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request
PUT /api
{"name":"bob","x~y/z":1}
--- more_headers
Content-Type: application/json
--- error_code: 422
--- response_body
{"type":"about:blank","title":"Unprocessable Content","status":422,"detail":"The request body does not conform to the schema.","errors":[{"pointer":"","detail":"misses the required property \"age\""},{"pointer":"/x~0y~1z","detail":"is not an allowed property"}]}
--- error_log
apisec: request body does not conform to the schema



=== TEST 4: malformed JSON is 400, the log has its position only
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        add_header X-Refusal $apisec_refusal always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request
POST /api
{"name":"alice", "age":30, secret-token-123}
--- more_headers
Content-Type: application/json
--- error_code: 400
--- response_headers
X-Refusal: invalid_request_body
--- response_body
{"type":"about:blank","title":"Bad Request","status":400,"detail":"The request body is not valid JSON."}
--- error_log
apisec: malformed JSON request body at line 1, column 
--- no_error_log
secret-token-123



=== TEST 5: duplicate member names are refused (400)
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request
POST /api
{"name":"alice","age":30,"age":-1}
--- more_headers
Content-Type: application/json
--- error_code: 400
--- response_body
{"type":"about:blank","title":"Bad Request","status":400,"detail":"The request body has a duplicate member name."}
--- error_log eval
qr/apisec: malformed JSON request body at line 1, column \d+: The request body has a duplicate member name\./



=== TEST 6: nesting deeper than apisec_json_max_depth is 400, before parsing
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/any.json;
        apisec_json_max_depth 4;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n[[[[[1]]]]]", "POST /api\n[[[[1]]]]", "POST /api\n[\"[[[[[[\"]"]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 200, 200]
--- error_log
apisec: JSON request body nests deeper than 4



=== TEST 7: the default depth is 64; 100000 brackets are refused cheaply
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/any.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n" . ("[" x 100000), "POST /api\n" . ("[" x 64) . ("]" x 64)]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 200]
--- error_log
apisec: JSON request body nests deeper than 64



=== TEST 8: apisec_json_max_size: Content-Length over it is 413 before reading
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/any.json;
        apisec_json_max_size 16;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n{\"a\":\"123456789\"}", "POST /api\n{\"a\":\"12345678\"}"]
--- more_headers
Content-Type: application/json
--- error_code eval
[413, 200]
--- error_log
apisec: request body of 17 bytes is larger than 16



=== TEST 9: apisec_json_max_size: a chunked body over it is 413 once read
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/any.json;
        apisec_json_max_size 16;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- raw_request eval
"POST /api HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
Transfer-Encoding: chunked\r
Connection: close\r
\r
a\r
{\"a\":\"1234\r
8\r
56789\"}\r
0\r
\r
"
--- error_code: 413
--- error_log
apisec: request body of 18 bytes is larger than 16



=== TEST 10: a chunked body that conforms passes
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- raw_request eval
"POST /api HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
Transfer-Encoding: chunked\r
Connection: close\r
\r
9\r
{\"name\":\"\r
12\r
carol\",\"age\":41}  \r
0\r
\r
"
--- error_code: 200
--- response_body_like: done



=== TEST 11: a body buffered to a temp file is validated from the file
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        client_body_buffer_size 16;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n{\"name\":\"dave\",\"age\":52,\"tags\":[\"" . ("x" x 3000) . "\", 7]}",
 "POST /api\n{\"name\":\"dave\",\"age\":52,\"tags\":[\"" . ("x" x 3000) . "\"]}"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]
--- error_log
a client request body is buffered to a temporary file
apisec: request body does not conform to the schema



=== TEST 12: not a JSON content type is 415 (none, text/plain, latin1)
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/any.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n{}", "POST /api\n{}", "POST /api\n{}", "POST /api\n{}", "POST /api\n{}"]
--- more_headers eval
["", "Content-Type: text/plain", "Content-Type: application/json; charset=iso-8859-1",
 "Content-Type: application/vnd.api+json", "Content-Type: Application/JSON;charset=\"UTF-8\""]
--- error_code eval
[415, 415, 415, 200, 200]
--- error_log
apisec: request body is not JSON (Content-Type)



=== TEST 13: no body: 422 for POST, PUT and PATCH; GET and DELETE pass
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api", "PATCH /api", "GET /api", "DELETE /api"]
--- error_code eval
[422, 422, 200, 200]
--- response_body eval
['{"type":"about:blank","title":"Unprocessable Content","status":422,"detail":"The request body does not conform to the schema.","errors":[{"pointer":"","detail":"a JSON body is required"}]}
', '{"type":"about:blank","title":"Unprocessable Content","status":422,"detail":"The request body does not conform to the schema.","errors":[{"pointer":"","detail":"a JSON body is required"}]}
', "done\n", "done\n"]
--- error_log
apisec: request without the JSON body the schema requires



=== TEST 14: integers beyond 64 bits and reals beyond double are 400
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/any.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n[9223372036854775808]", "POST /api\n[1e400]", "POST /api\n[9223372036854775807]"]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 400, 200]
--- error_log
The request body has a number out of range.



=== TEST 15: invalid UTF-8 and an escaped NUL
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n{\"name\":\"\xff\xfe\",\"age\":1}", "POST /api\n{\"name\":\"a\\u0000b\",\"age\":1}"]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 200]
--- error_log
The request body is not valid UTF-8.



=== TEST 16: a catastrophic pattern ends at the match limit, refused (422)
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n{\"name\":\"n\",\"age\":1,\"note\":\"" . ("a" x 5000) . "!\"}",
 "POST /api\n{\"name\":\"n\",\"age\":1,\"note\":\"aaaa\"}"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]
--- timeout: 5
--- error_log
first at "/note": pattern match exceeds its limit



=== TEST 17: at most 10 errors; long member names cut, control bytes escaped
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
"POST /api\n{\"name\":\"n\",\"age\":1,\"k1\":1,\"k2\":1,\"k3\":1,\"k4\":1,\"k5\":1,\"k6\":1,\"k7\":1,\"k8\":1,\"k9\":1,\"\\u0001" . ("L" x 100) . "\":1,\"k11\":1}"
--- more_headers
Content-Type: application/json
--- error_code: 422
--- response_body_like eval
qr{"errors":\[(\{"pointer":"/k\d","detail":"is not an allowed property"\},){9}\{"pointer":"/\\u0001L{63}","detail":"is not an allowed property"\}\]\}$}
--- error_log
11 violation(s), first at "/k1"



=== TEST 18: "$ref" to a file beside the schema
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/ref-main.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n{\"user\":{\"name\":\"e\"}}", "POST /api\n{\"user\":{\"name\":\"e\",\"age\":3}}"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]
--- error_log
first at "/user": misses the required property "age"



=== TEST 19: inherited from server level; "off" in a location
--- config
    apisec_json_schema $TEST_NGINX_DATA/user.json;
    location /api {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /free {
        apisec_json_schema off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n{}", "POST /free\n{}"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]



=== TEST 20: format=assert makes "format" refuse
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json format=assert;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /lax {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n{\"name\":\"n\",\"age\":1,\"email\":\"no\"}", "POST /lax\n{\"name\":\"n\",\"age\":1,\"email\":\"no\"}"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]
--- error_log
first at "/email": must match the format



=== TEST 21: a refusal carries the security headers and CORS headers
--- config
    location /api {
        apisec_security_headers on;
        apisec_cors_origins https://app.example.com;
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request
POST /api
{"name":1}
--- more_headers
Content-Type: application/json
Origin: https://app.example.com
--- error_code: 422
--- response_headers
X-Content-Type-Options: nosniff
Access-Control-Allow-Origin: https://app.example.com



=== TEST 22: validated after authentication: no credentials is 401, unparsed
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/../hs.jwk;
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request
POST /api
{not json
--- more_headers
Content-Type: application/json
--- error_code: 401
--- no_error_log
apisec: malformed JSON



=== TEST 23: satisfy any: a body another module lets in is still validated
--- config
    location /api {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/../hs.jwk;
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        add_header X-Refusal $apisec_refusal always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n{\"name\":\"n\",\"age\":1}", "POST /api\n{\"name\":\"n\"}"]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 422]
--- response_headers eval
["!X-Refusal", "X-Refusal: invalid_request_body"]



=== TEST 24: nginx -t: a schema file that is not JSON names file, line, column
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/bad-syntax.json;
        empty_gif;
    }
--- must_die
--- error_log eval
qr{"\S+/bad-syntax\.json": .* \(line 2, column \d+\) in \S+:\d+}



=== TEST 25: nginx -t: a bad keyword names its JSON pointer and the reason
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/bad-keyword.json;
        empty_gif;
    }
--- must_die
--- error_log eval
qr{"\S+/bad-keyword\.json": /properties/a/maxLength: must be a non-negative integer in \S+:\d+}



=== TEST 26: nginx -t: an unresolvable "$ref"
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/bad-ref.json;
        empty_gif;
    }
--- must_die
--- error_log eval
qr{/properties/a/\$ref: cannot resolve "file://\S+/bad-ref\.json#/\$defs/nowhere"}



=== TEST 27: nginx -t: duplicate member names in a schema, a missing file
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/bad-dup.json;
        empty_gif;
    }
--- must_die
--- error_log eval
qr{bad-dup\.json": duplicate object key}



=== TEST 28: nginx -t: a missing file
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/nope.json;
        empty_gif;
    }
--- must_die
--- error_log eval
qr{"\S+/nope\.json": unable to open}



=== TEST 29: nginx -t: an unknown parameter, a depth of 0, twice in a block
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json strict;
        empty_gif;
    }
--- must_die
--- error_log
invalid parameter "strict"



=== TEST 30: nginx -t: apisec_json_max_depth out of bounds
--- config
    location /api {
        apisec_json_max_depth 0;
        empty_gif;
    }
--- must_die
--- error_log
value must be between 1 and 1024



=== TEST 31: HTTP/2 (h2c): a body that breaks the schema is 422
--- http2
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "done\n";
        }
    }
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
POST /api
{"name":"h2"}
--- more_headers
Content-Type: application/json
--- error_code: 422
--- response_body_like: "errors":\[\{"pointer":"","detail":"misses the required property \\"age\\""\}\]
--- error_log
first at "": misses the required property "age"



=== TEST 32: HTTP/2 (h2c): a body that conforms passes
--- http2
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "done\n";
        }
    }
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
POST /api
{"name":"h2","age":2}
--- more_headers
Content-Type: application/json
--- error_code: 200
--- response_body
done



=== TEST 33: a body that arrives after the headers: the phases run again
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        add_header X-Refusal $apisec_refusal always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- raw_request eval
["POST /api HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
Content-Length: 25\r
Connection: close\r
\r
", "{\"name\":\"slow\",", "\"age\":\"x\"}"]
--- raw_request_middle_delay: 0.1
--- error_code: 422
--- response_headers
X-Refusal: invalid_request_body
--- error_log
first at "/age": must be of type integer, not string



=== TEST 34: a body that arrives after the headers and conforms is proxied
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/user.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
        add_header X-Got $request_body;
    }
    location /sink {
        return 200 "done\n";
    }
--- raw_request eval
["POST /api HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
Content-Length: 24\r
Connection: close\r
\r
", "{\"name\":\"slow\",", "\"age\":42}"]
--- raw_request_middle_delay: 0.1
--- error_code: 200
--- response_headers
X-Got: {"name":"slow","age":42}
--- response_body
done



=== TEST 35: a pattern that cannot be decided under "not" refuses (fail closed)
--- config
    location /api {
        apisec_json_schema $TEST_NGINX_DATA/not-pattern.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location /sink {
        return 200 "done\n";
    }
--- request eval
["POST /api\n{\"id\":\"" . ("a" x 40) . "!\"}", "POST /api\n{\"id\":\"aaa!\"}"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]
--- error_log
first at "/id": pattern match exceeds its limit
