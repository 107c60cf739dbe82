# apisec_error_format: problem+json (RFC 9457) for refusals and nginx's own
# error pages; nothing internal in the body.

use lib 't/lib';
use Test::Apisec 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a refusal of the module gets problem+json with a generic detail
--- config
    location /api {
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- error_code: 403
--- response_headers
Content-Type: application/problem+json
Content-Length: 85
--- response_body
{"type":"about:blank","title":"Forbidden","status":403,"detail":"HTTPS is required"}



=== TEST 2: nginx's own 404 in an apisec location
--- config
    location /files/ {
        apisec_security_headers on;
        root html;
    }
--- request
GET /files/nothing/here
--- error_code: 404
--- response_headers
Content-Type: application/problem+json
--- response_body
{"type":"about:blank","title":"Not Found","status":404}



=== TEST 3: nginx's own 405, 413 and 414 pages
--- config
    location /api {
        client_max_body_size 10;
        apisec_security_headers on;
        root html;
    }
--- request eval
["POST /api/x\n0123456789abcdef", "DELETE /api/x"]
--- error_code eval
[413, 405]
--- response_body eval
['{"type":"about:blank","title":"Content Too Large","status":413}
', '{"type":"about:blank","title":"Method Not Allowed","status":405}
']



=== TEST 4: the body never reveals the server software
--- config
    location /api {
        apisec_security_headers on;
        return 502;
    }
--- request
GET /api
--- error_code: 502
--- response_body_unlike: nginx
--- response_body
{"type":"about:blank","title":"Bad Gateway","status":502}



=== TEST 5: an upstream's own error body is left alone
--- config
    location /app {
        apisec_security_headers on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/json;
        return 404 '{"error":"no such order"}';
    }
--- request
GET /app
--- error_code: 404
--- response_headers
Content-Type: application/json
--- response_body: {"error":"no such order"}



=== TEST 6: an error_page of the operator is left alone
--- config
    location /api {
        apisec_security_headers on;
        error_page 404 /errors/404.txt;
        root html;
    }
    location /errors/ {
        apisec_security_headers on;
        root html;
    }
--- user_files
>>> errors/404.txt
custom not found
--- request
GET /api/missing
--- error_code: 404
--- response_body
custom not found



=== TEST 7: html keeps nginx's own page
--- config
    location /api {
        apisec_error_format html;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- error_code: 403
--- response_headers
Content-Type: text/html
--- response_body_like: 403 Forbidden



=== TEST 8: json at the http level converts error pages where nothing else is on
--- http_config
    apisec_error_format json;
--- config
    location /api {
        root html;
    }
--- request
GET /api/nope
--- error_code: 404
--- response_headers
Content-Type: application/problem+json



=== TEST 9: the module loaded but unused changes nothing
--- config
    location /api {
        root html;
    }
--- request
GET /api/nope
--- error_code: 404
--- response_headers
Content-Type: text/html
!X-Frame-Options



=== TEST 10: HEAD gets the problem+json headers and no body
--- config
    location /api {
        apisec_https_only reject;
        empty_gif;
    }
--- request
HEAD /api
--- error_code: 403
--- response_headers
Content-Type: application/problem+json
Content-Length: 85
--- response_body



=== TEST 11: a bad request answered before any location uses the server's settings
--- config
    apisec_security_headers on;
--- raw_request eval
"GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n"
--- error_code: 400
--- response_headers
X-Frame-Options: DENY
Content-Type: application/problem+json
--- response_body
{"type":"about:blank","title":"Bad Request","status":400}
