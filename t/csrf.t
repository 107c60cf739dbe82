# CSRF: apisec_csrf origin | double_submit on state-changing requests.
# Refusals are 403, final under any "satisfy", logged at info.

use lib 't/lib';
use Test::Apisec 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: origin: a same-origin POST passes
--- config
    location /api {
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- more_headers
Host: api.example.com
Origin: http://api.example.com
--- error_code: 200
--- response_body
done



=== TEST 2: origin: a cross-site POST is refused
--- config
    location /api {
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- more_headers
Host: api.example.com
Origin: https://evil.example.net
--- error_code: 403
--- response_headers
Content-Type: application/problem+json
--- response_body
{"type":"about:blank","title":"Forbidden","status":403,"detail":"cross-site request refused"}
--- error_log
apisec: CSRF check failed: origin "https://evil.example.net" not allowed



=== TEST 3: origin: the scheme counts (http origin, https expected would differ)
--- config
    location /api {
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
DELETE /api
--- more_headers
Host: api.example.com
Origin: https://api.example.com
--- error_code: 403
--- error_log
apisec: CSRF check failed: origin "https://api.example.com" not allowed



=== TEST 4: origin: Host with a default port, and in other case, is this host
--- config
    location /api {
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
PUT /api
x
--- more_headers
Host: API.example.com:80
Origin: http://api.example.com
--- error_code: 200



=== TEST 5: origin: an origin listed in apisec_cors_origins passes
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- more_headers
Host: api.example.com
Origin: https://app.example.com
--- error_code: 200
--- response_headers
Access-Control-Allow-Origin: https://app.example.com



=== TEST 6: origin: "apisec_cors_origins *" does not make every site trusted
--- config
    location /api {
        apisec_cors_origins *;
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- more_headers
Host: api.example.com
Origin: https://evil.example.net
--- error_code: 403
--- error_log
CSRF check failed



=== TEST 7: origin: without Origin, the Referer's origin is used
--- config
    location /api {
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request eval
["POST /api\nx=1", "POST /api\nx=1", "POST /api\nx=1"]
--- more_headers eval
["Host: api.example.com\nReferer: http://api.example.com/page?x=1",
 "Host: api.example.com\nReferer: http://api.example.com.evil.net/page",
 "Host: api.example.com\nReferer: http://api.example.com"]
--- error_code eval
[200, 403, 200]



=== TEST 8: origin: neither Origin nor Referer is refused
--- config
    location /api {
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- error_code: 403
--- error_log
apisec: CSRF check failed: no Origin or Referer header



=== TEST 9: origin: "null" is refused unless listed
--- config
    location /api {
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /null {
        apisec_cors_origins null;
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request eval
["POST /api\nx=1", "POST /null\nx=1"]
--- more_headers
Origin: null
--- error_code eval
[403, 200]



=== TEST 10: GET, HEAD and OPTIONS are never refused
--- config
    location /api {
        apisec_csrf origin;
        empty_gif;
    }
--- request eval
["GET /api", "HEAD /api", "OPTIONS /api"]
--- more_headers
Origin: https://evil.example.net
--- error_code eval
[200, 200, 405]
--- no_error_log
CSRF check failed



=== TEST 11: a bearer token exempts the request
--- config
    location /api {
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- more_headers
Origin: https://evil.example.net
Authorization: Bearer abc.def.ghi
--- error_code: 200
--- no_error_log
CSRF check failed



=== TEST 12: an API key header exempts the request
--- config
    location /api {
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- more_headers
Origin: https://evil.example.net
X-API-Key: k-123
--- error_code: 200



=== TEST 13: Basic credentials, which browsers attach, do not exempt
--- config
    location /api {
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- more_headers
Origin: https://evil.example.net
Authorization: Basic YWxpY2U6c2VjcmV0
--- error_code: 403
--- error_log
CSRF check failed



=== TEST 14: "always" checks bearer requests too
--- config
    location /api {
        apisec_csrf origin always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- more_headers
Origin: https://evil.example.net
Authorization: Bearer abc.def.ghi
--- error_code: 403
--- error_log
CSRF check failed



=== TEST 15: the refusal is final under "satisfy any"
--- config
    location /api {
        satisfy any;
        allow all;
        apisec_csrf origin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- more_headers
Origin: https://evil.example.net
--- error_code: 403
--- error_log
CSRF check failed



=== TEST 16: double_submit: header equal to cookie passes
--- config
    location /api {
        apisec_csrf double_submit;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- more_headers
Cookie: session=s1; csrf_token=Zm9vYmFy0123
X-CSRF-Token: Zm9vYmFy0123
--- error_code: 200



=== TEST 17: double_submit: mismatch, missing header, missing cookie, empty values
--- config
    location /api {
        apisec_csrf double_submit;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request eval
[("POST /api\nx=1") x 5]
--- more_headers eval
["Cookie: csrf_token=Zm9vYmFy0123\nX-CSRF-Token: Zm9vYmFy0124",
 "Cookie: csrf_token=Zm9vYmFy0123",
 "X-CSRF-Token: Zm9vYmFy0123",
 "Cookie: csrf_token=\nX-CSRF-Token: ",
 "Cookie: csrf_token=abc\nX-CSRF-Token: abc\nX-CSRF-Token: abc"]
--- error_code eval
[403, 403, 403, 403, 403]
--- error_log
apisec: CSRF check failed:



=== TEST 18: double_submit: the mismatch is logged by name, never by value
--- config
    location /api {
        apisec_csrf double_submit;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request
POST /api
x=1
--- more_headers
Cookie: csrf_token=Zm9vYmFy0123
X-CSRF-Token: Zm9vYmFy0124
--- error_code: 403
--- error_log
apisec: CSRF check failed: "X-CSRF-Token" header does not match the "csrf_token" cookie
--- log_level: info
--- no_error_log
Zm9vYmFy0124



=== TEST 19: double_submit with custom names
--- config
    location /api {
        apisec_csrf double_submit cookie=__Host-xsrf header=X-XSRF-Token;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "done\n";
    }
--- request eval
["POST /api\nx=1", "POST /api\nx=1"]
--- more_headers eval
["Cookie: __Host-xsrf=t0k3n\nX-XSRF-Token: t0k3n",
 "Cookie: csrf_token=t0k3n\nX-CSRF-Token: t0k3n"]
--- error_code eval
[200, 403]



=== TEST 20: inherited whole, "off" cancels
--- http_config
    apisec_csrf origin;
--- config
    location /api {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /open {
        apisec_csrf off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        apisec_csrf off;
        return 200 "done\n";
    }
--- request eval
["POST /api\nx=1", "POST /open\nx=1"]
--- more_headers
Origin: https://evil.example.net
--- error_code eval
[403, 200]



=== TEST 21: unknown parameters fail nginx -t
--- config
    location /api {
        apisec_csrf origin cookie=x;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/invalid parameter "cookie=x" in \S+:\d+/



=== TEST 22: unknown mode fails nginx -t
--- config
    location /api {
        apisec_csrf referer;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/invalid value "referer", expected "off", "origin" or "double_submit"/
