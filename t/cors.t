# CORS (Fetch standard): origin matching, preflights answered in the access
# phase, and the CORS headers on every actual response of the location,
# refusals included, never twice.

use lib 't/lib';
use Test::Apisec 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a preflight from an allowed origin is answered 204
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_methods GET POST PUT DELETE;
        apisec_cors_headers Authorization Content-Type X-Request-Id;
        apisec_cors_max_age 10m;
        apisec_cors_credentials on;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: PUT
Access-Control-Request-Headers: authorization,content-type
--- error_code: 204
--- response_headers
Access-Control-Allow-Origin: https://app.example.com
Access-Control-Allow-Methods: GET, POST, PUT, DELETE
Access-Control-Allow-Headers: Authorization, Content-Type, X-Request-Id
Access-Control-Max-Age: 600
Access-Control-Allow-Credentials: true
Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers
!Access-Control-Expose-Headers
!Content-Type
--- response_body
--- no_error_log
[error]



=== TEST 2: a preflight needs no credentials (auth_basic is not asked)
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_methods DELETE;
        auth_basic "private";
        auth_basic_user_file $TEST_NGINX_HTML_DIR/htpasswd;
        empty_gif;
    }
--- user_files
>>> htpasswd
alice:{PLAIN}secret
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: DELETE
--- error_code: 204
--- response_headers
Access-Control-Allow-Origin: https://app.example.com
Access-Control-Allow-Methods: DELETE
!Access-Control-Allow-Headers
!Access-Control-Allow-Credentials
!Access-Control-Max-Age
!WWW-Authenticate



=== TEST 3: a preflight is answered before "deny all" under "satisfy all"
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        deny all;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
Access-Control-Request-Headers: x-anything-not-listed
--- error_code: 403
--- response_headers
!Access-Control-Allow-Origin
Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers
--- error_log
apisec: CORS preflight refused: request headers not allowed for origin "https://app.example.com"



=== TEST 4: a preflight from a disallowed origin: 403 and no CORS headers
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_credentials on;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://evil.example.net
Access-Control-Request-Method: GET
--- error_code: 403
--- response_headers
!Access-Control-Allow-Origin
!Access-Control-Allow-Credentials
!Access-Control-Allow-Methods
Content-Type: application/problem+json
--- response_body
{"type":"about:blank","title":"Forbidden","status":403,"detail":"CORS preflight refused"}
--- error_log
apisec: CORS preflight refused: origin "https://evil.example.net" not allowed



=== TEST 5: a preflight for a method not listed: 403
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_methods GET PUT;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: DELETE
--- error_code: 403
--- response_headers
!Access-Control-Allow-Origin
!Access-Control-Allow-Methods
--- error_log
apisec: CORS preflight refused: method not allowed for origin "https://app.example.com"



=== TEST 6: methods compare case-sensitively, as Fetch does ("patch" is not "PATCH")
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_methods PATCH;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: patch
--- error_code: 403
--- error_log
method not allowed



=== TEST 7: safelisted methods (GET, HEAD, POST) never need listing
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_methods PUT;
        apisec_cors_headers X-Request-Id;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
Access-Control-Request-Headers: x-request-id
--- error_code: 204
--- response_headers
Access-Control-Allow-Methods: PUT
Access-Control-Allow-Headers: X-Request-Id



=== TEST 8: "*" headers do not cover Authorization (Fetch)
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_headers *;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: GET
Access-Control-Request-Headers: x-one, authorization
--- error_code: 403
--- error_log
request headers not allowed



=== TEST 9: "*" headers cover the others, answered as "*"
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_headers *;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: GET
Access-Control-Request-Headers: x-one, x-two
--- error_code: 204
--- response_headers
Access-Control-Allow-Headers: *



=== TEST 10: OPTIONS without Access-Control-Request-Method is not a preflight
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        auth_basic "private";
        auth_basic_user_file $TEST_NGINX_HTML_DIR/htpasswd;
        empty_gif;
    }
--- user_files
>>> htpasswd
alice:{PLAIN}secret
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
--- error_code: 401
--- response_headers
Access-Control-Allow-Origin: https://app.example.com
WWW-Authenticate: Basic realm="private"



=== TEST 11: a preflight carries the security preset, not a problem body
--- config
    location /api {
        apisec_security_headers on;
        apisec_cors_origins https://app.example.com;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: GET
--- error_code: 204
--- response_headers
X-Content-Type-Options: nosniff
Cache-Control: no-store
Access-Control-Allow-Methods: GET, HEAD, POST
!Content-Type
!Content-Length
--- response_body



=== TEST 12: an actual request from an allowed origin
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_credentials on;
        apisec_cors_expose_headers X-Request-Id;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Origin: https://app.example.com
--- error_code: 200
--- response_headers
Access-Control-Allow-Origin: https://app.example.com
Access-Control-Allow-Credentials: true
Access-Control-Expose-Headers: X-Request-Id, WWW-Authenticate, Retry-After, RateLimit, RateLimit-Policy
Vary: Origin
!Access-Control-Allow-Methods
!Access-Control-Max-Age



=== TEST 13: an actual request from a disallowed origin carries no CORS header
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_credentials on;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Origin: https://app.example.com.evil.net
--- error_code: 200
--- response_headers
!Access-Control-Allow-Origin
!Access-Control-Allow-Credentials
!Access-Control-Expose-Headers
Vary: Origin



=== TEST 14: a request without Origin gets Vary: Origin only
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        empty_gif;
    }
--- request
GET /api
--- error_code: 200
--- response_headers
!Access-Control-Allow-Origin
Vary: Origin



=== TEST 15: CORS headers on a 401 refusal, challenge exposed
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_credentials on;
        auth_basic "private";
        auth_basic_user_file $TEST_NGINX_HTML_DIR/htpasswd;
        empty_gif;
    }
--- user_files
>>> htpasswd
alice:{PLAIN}secret
--- request
GET /api
--- more_headers
Origin: https://app.example.com
--- error_code: 401
--- response_headers
Access-Control-Allow-Origin: https://app.example.com
Access-Control-Allow-Credentials: true
Access-Control-Expose-Headers: WWW-Authenticate, Retry-After, RateLimit, RateLimit-Policy
WWW-Authenticate: Basic realm="private"



=== TEST 16: CORS headers on a 403 refusal
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        deny all;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Origin: https://app.example.com
--- error_code: 403
--- response_headers
Access-Control-Allow-Origin: https://app.example.com
Content-Type: application/problem+json



=== TEST 17: CORS headers on a 429 refusal (limit_req)
--- http_config
    limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        limit_req zone=one;
        limit_req_status 429;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api"]
--- more_headers
Origin: https://app.example.com
--- error_code eval
[200, 429]
--- response_headers eval
["Access-Control-Allow-Origin: https://app.example.com",
 "Access-Control-Allow-Origin: https://app.example.com"]



=== TEST 18: CORS headers on nginx's own 404 and 500
--- config
    location /static/ {
        apisec_cors_origins https://app.example.com;
        root html;
    }
--- request
GET /static/missing.json
--- more_headers
Origin: https://app.example.com
--- error_code: 404
--- response_headers
Access-Control-Allow-Origin: https://app.example.com
Content-Type: application/problem+json



=== TEST 19: an upstream's own CORS headers are replaced, Vary merged, nothing doubled
--- config
    location /app {
        apisec_cors_origins https://app.example.com;
        apisec_cors_credentials on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        add_header Access-Control-Allow-Origin *;
        add_header Access-Control-Allow-Origin https://other.example.com;
        add_header Access-Control-Allow-Credentials false;
        add_header Access-Control-Allow-Methods "GET, PUT";
        add_header Vary Accept-Encoding;
        empty_gif;
    }
--- request
GET /app
--- more_headers
Origin: https://app.example.com
--- error_code: 200
--- response_headers
Access-Control-Allow-Origin: https://app.example.com
Access-Control-Allow-Credentials: true
Vary: Accept-Encoding, Origin
!Access-Control-Allow-Methods
--- raw_response_headers_unlike: (?s)Access-Control-Allow-Origin.*Access-Control-Allow-Origin|(?s)Vary.*Vary|(?s)Credentials.*Credentials



=== TEST 20: an upstream's CORS headers are removed for a disallowed origin
--- config
    location /app {
        apisec_cors_origins https://app.example.com;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        add_header Access-Control-Allow-Origin *;
        add_header Access-Control-Allow-Credentials true;
        add_header Vary "Origin";
        empty_gif;
    }
--- request
GET /app
--- more_headers
Origin: https://evil.example.net
--- error_code: 200
--- response_headers
!Access-Control-Allow-Origin
!Access-Control-Allow-Credentials
Vary: Origin
--- raw_response_headers_unlike: (?s)Vary.*Vary



=== TEST 21: Vary: * is left alone
--- config
    location /app {
        apisec_cors_origins https://app.example.com;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        add_header Vary *;
        empty_gif;
    }
--- request
GET /app
--- more_headers
Origin: https://app.example.com
--- error_code: 200
--- response_headers
Vary: *
Access-Control-Allow-Origin: https://app.example.com



=== TEST 22: wildcard matches one label
--- config
    location /api {
        apisec_cors_origins https://*.example.com;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Origin: https://a.example.com
--- response_headers
Access-Control-Allow-Origin: https://a.example.com



=== TEST 23: wildcard matches several labels
--- config
    location /api {
        apisec_cors_origins https://*.example.com;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Origin: https://a.b-2.example.com
--- response_headers
Access-Control-Allow-Origin: https://a.b-2.example.com



=== TEST 24: wildcard refuses the bare domain, look-alikes, other schemes, ports, trailing dot, uppercase
--- config
    location /api {
        apisec_cors_origins https://*.example.com;
        empty_gif;
    }
--- request eval
[map { "GET /api?$_" } 1 .. 10]
--- more_headers eval
["Origin: https://example.com",
 "Origin: https://example.com.evil.net",
 "Origin: https://evilexample.com",
 "Origin: http://a.example.com",
 "Origin: https://a.example.com.",
 "Origin: https://A.example.com",
 "Origin: https://a.example.com:8443",
 "Origin: https://.example.com",
 "Origin: https://a..example.com",
 "Origin: https://a.example.com/"]
--- error_code eval
[(200) x 10]
--- response_headers eval
[("!Access-Control-Allow-Origin") x 10]



=== TEST 25: exact origins: scheme, host and port all count
--- config
    location /api {
        apisec_cors_origins https://app.example.com http://localhost:8080;
        empty_gif;
    }
--- request eval
[map { "GET /api?$_" } 1 .. 7]
--- more_headers eval
["Origin: https://app.example.com",
 "Origin: http://localhost:8080",
 "Origin: http://app.example.com",
 "Origin: https://app.example.com:444",
 "Origin: http://localhost:8081",
 "Origin: http://localhost",
 "Origin: https://APP.example.com"]
--- response_headers eval
["Access-Control-Allow-Origin: https://app.example.com",
 "Access-Control-Allow-Origin: http://localhost:8080",
 "!Access-Control-Allow-Origin",
 "!Access-Control-Allow-Origin",
 "!Access-Control-Allow-Origin",
 "!Access-Control-Allow-Origin",
 "!Access-Control-Allow-Origin"]



=== TEST 26: a configured default port and uppercase are normalised to what browsers send
--- config
    location /api {
        apisec_cors_origins HTTPS://App.Example.COM:443;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Origin: https://app.example.com
--- response_headers
Access-Control-Allow-Origin: https://app.example.com



=== TEST 27: regex origins, compiled at configuration time
--- config
    location /api {
        apisec_cors_origins "~^https://(app|admin)\.example\.org$";
        empty_gif;
    }
--- request eval
["GET /api?1", "GET /api?2", "GET /api?3"]
--- more_headers eval
["Origin: https://admin.example.org",
 "Origin: https://admin.example.org.evil.net",
 "Origin: https://x.example.org"]
--- response_headers eval
["Access-Control-Allow-Origin: https://admin.example.org",
 "!Access-Control-Allow-Origin",
 "!Access-Control-Allow-Origin"]



=== TEST 28: an unanchored regex is a warning
--- config
    location /api {
        apisec_cors_origins "~https://app\.example\.org";
        empty_gif;
    }
--- request
GET /api
--- error_code: 200
--- error_log
origin regex "https://app\.example\.org" is not anchored



=== TEST 29: "null" is not allowed unless listed
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Origin: null
--- response_headers
!Access-Control-Allow-Origin



=== TEST 30: "null" listed literally
--- config
    location /api {
        apisec_cors_origins null;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Origin: null
--- response_headers
Access-Control-Allow-Origin: null



=== TEST 31: malformed and repeated Origin headers are never allowed
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        empty_gif;
    }
--- request eval
[map { "GET /api?$_" } 1 .. 4]
--- more_headers eval
["Origin: https://app.example.com\r\nOrigin: https://app.example.com",
 "Origin: https://app.example.com x",
 "Origin: https://app.ex\xc3\xa4mple.com",
 "Origin: https://user\@app.example.com"]
--- response_headers eval
[("!Access-Control-Allow-Origin") x 4]



=== TEST 32: a preflight with two Origin headers is refused
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Origin: https://app.example.com
Access-Control-Request-Method: GET
--- error_code: 403
--- error_log
apisec: CORS preflight refused: malformed or several Origin headers



=== TEST 33: "*" without credentials answers "*", no Vary: Origin
--- config
    location /api {
        apisec_cors_origins *;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Origin: https://anyone.example.net
--- response_headers
Access-Control-Allow-Origin: *
!Access-Control-Allow-Credentials
!Vary



=== TEST 34: "*" preflight
--- config
    location /api {
        apisec_cors_origins *;
        apisec_cors_methods PUT;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://anyone.example.net
Access-Control-Request-Method: PUT
--- error_code: 204
--- response_headers
Access-Control-Allow-Origin: *
Vary: Access-Control-Request-Method, Access-Control-Request-Headers



=== TEST 35: "*" with credentials fails nginx -t
--- config
    location /api {
        apisec_cors_origins *;
        apisec_cors_credentials on;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/"apisec_cors_origins \*" cannot be used with "apisec_cors_credentials on".* in \S+:\d+/



=== TEST 36: "*" with credentials fails even across levels
--- http_config
    apisec_cors_credentials on;
--- config
    location /api {
        apisec_cors_origins *;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/cannot be used with "apisec_cors_credentials on"/



=== TEST 37: an origin with a path fails nginx -t
--- config
    location /api {
        apisec_cors_origins https://app.example.com/;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/invalid origin "https:\/\/app.example.com\/": an origin has no path.* in \S+:\d+/



=== TEST 38: a wildcard elsewhere than the first label fails nginx -t
--- config
    location /api {
        apisec_cors_origins https://app.*.example.com;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/invalid origin "https:\/\/app\.\*\.example\.com"/



=== TEST 39: a bad regex fails nginx -t
--- config
    location /api {
        apisec_cors_origins "~^https://(app$";
        empty_gif;
    }
--- must_die
--- error_log eval
qr/pcre2?_compile\(\) failed|missing closing parenthesis/



=== TEST 40: "*" with another origin fails nginx -t
--- config
    location /api {
        apisec_cors_origins https://app.example.com *;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/"\*" must be the only origin/



=== TEST 41: "*" methods with credentials fails nginx -t
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_methods *;
        apisec_cors_credentials on;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/"\*" in "apisec_cors_methods" or "apisec_cors_headers" cannot be used/



=== TEST 42: settings are inherited, and "off" cancels them
--- http_config
    apisec_cors_origins https://app.example.com;
    apisec_cors_credentials on;
--- config
    location /api {
        empty_gif;
    }
    location /public {
        apisec_cors_origins off;
        empty_gif;
    }
--- request eval
["GET /api", "GET /public"]
--- more_headers
Origin: https://app.example.com
--- response_headers eval
["Access-Control-Allow-Origin: https://app.example.com\nAccess-Control-Allow-Credentials: true",
 "!Access-Control-Allow-Origin\n!Vary"]



=== TEST 43: a lower level replaces the origin list, never merges it
--- http_config
    apisec_cors_origins https://app.example.com;
--- config
    location /api {
        apisec_cors_origins https://admin.example.com;
        empty_gif;
    }
--- request eval
["GET /api?1", "GET /api?2"]
--- more_headers eval
["Origin: https://app.example.com", "Origin: https://admin.example.com"]
--- response_headers eval
["!Access-Control-Allow-Origin",
 "Access-Control-Allow-Origin: https://admin.example.com"]



=== TEST 44: an invalid method token fails nginx -t
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_methods "GET,PUT";
        empty_gif;
    }
--- must_die
--- error_log eval
qr/invalid value "GET,PUT", expected a token/



=== TEST 45: preflights are not counted by apisec_limit; a 429 carries CORS headers
--- http_config
    apisec_limit_zone $binary_remote_addr zone=cors_one:1m rate=1r/m;
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_limit zone=cors_one;
        empty_gif;
    }
--- request eval
["OPTIONS /api", "OPTIONS /api", "OPTIONS /api", "GET /api", "GET /api"]
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: GET
--- error_code eval
[204, 204, 204, 200, 429]
--- response_headers eval
["Access-Control-Allow-Origin: https://app.example.com",
 "Access-Control-Allow-Origin: https://app.example.com",
 "Access-Control-Allow-Origin: https://app.example.com",
 "Access-Control-Allow-Origin: https://app.example.com",
 "Access-Control-Allow-Origin: https://app.example.com\nAccess-Control-Expose-Headers: WWW-Authenticate, Retry-After, RateLimit, RateLimit-Policy"]



=== TEST 46: a preflight passes through limit_except and satisfy any
--- config
    location /api {
        apisec_cors_origins https://app.example.com;
        apisec_cors_methods PUT;
        satisfy any;
        limit_except GET {
            deny all;
        }
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: PUT
--- error_code: 204
--- response_headers
Access-Control-Allow-Origin: https://app.example.com
Access-Control-Allow-Methods: PUT
