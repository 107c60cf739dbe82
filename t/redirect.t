# Verdicts and internal redirects: a result made under one location's conf
# never serves another's, a result never computed is never a grant, the
# target of a redirect applies its own protection (authentication, API
# keys, limits), "satisfy any" keeps rate limits final, and an API key in
# the query string leaves the request line before any refusal.  The
# regressions of the review of 2026-12 (issue 12, findings 1, 2, 3, 5, 6
# and 14); t/interplay.t holds the generated matrix.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use Digest::SHA qw(sha256_hex);

my @hs = ('--alg', 'HS256', '--key', "$DATA/hs.jwk", '--kid', 'hs1',
          '--exp', 600);

our %T = (
    plain => mint(@hs, '--claims', '{"sub":"alice","aud":"a"}'),
    admin => mint(@hs, '--claims', '{"sub":"alice","aud":"a",'
                                   . '"roles":["admin"]}'),
    rsa   => mint('--alg', 'RS256', '--key', "$DATA/rsa.key", '--kid', 'rsa',
                  '--exp', 600, '--claims', '{"sub":"mallory","aud":"b"}'),
);

our $KEY = 'key-bob-' . sha256_hex('seed-bob');
our $FILE = 'bob sha256:' . sha256_hex($KEY) . "\n";

# several requests a block: the whole log is read
check_accum_error_log();
no_shuffle();
run_tests();

__DATA__

=== TEST 1: finding 1: a CSRF refusal redirected to a JWT location does not admit without a token
--- config
    location /csrf/ {
        apisec_csrf origin;
        error_page 403 = @jwt;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location @jwt {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        rewrite ^ /backend break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /backend {
        return 200 "backend\n";
    }
--- request
POST /csrf/x
x=1
--- more_headers
Origin: https://evil.example
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- error_log
apisec: CSRF check failed: origin "https://evil.example" not allowed
apisec: JWT refused: no Authorization header
--- no_error_log
[alert]



=== TEST 2: finding 1: HTTPS-only, ban and preflight refusals redirected to a JWT location: 401
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=1 window=10s
                    duration=10s;
--- config
    location /plain/ {
        apisec_https_only reject;
        error_page 403 = @jwt;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /pre/ {
        apisec_cors_origins https://app.example.com;
        error_page 403 = @jwt;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /ban/ {
        apisec_ban zone=auth;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        error_page 429 = @jwt;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location @jwt {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        rewrite ^ /backend break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /backend {
        return 200 "backend\n";
    }
--- request eval
["GET /plain/x", "OPTIONS /pre/x", "GET /ban/x", "GET /ban/x"]
--- more_headers eval
["", "Origin: https://evil.example\r\nAccess-Control-Request-Method: PUT",
 "", ""]
--- error_code eval
[401, 401, 401, 401]
--- no_error_log
[alert]



=== TEST 3: finding 1: a token refused for a role at A is not admitted by @b, which trusts other keys
--- config
    location /a/ {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        apisec_jwt_audience b;
        apisec_require_role admin;
        error_page 403 = @b;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location @b {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_jwt_audience a;
        rewrite ^ /backend break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /backend {
        return 200 "backend\n";
    }
--- more_headers eval
"Authorization: Bearer $::T{rsa}"
--- request
GET /a/x
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="unknown key"
--- error_log
apisec: access denied: role required: "apisec_require_role admin"



=== TEST 4: finding 1: the positive control: @jwt admits what it would admit directly
--- config
    location /plain/ {
        apisec_https_only reject;
        error_page 403 = @jwt;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location @jwt {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        add_header X-Sub $apisec_subject always;
        rewrite ^ /backend break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /backend {
        return 200 "backend\n";
    }
--- request
GET /plain/x
--- more_headers eval
"Authorization: Bearer $::T{plain}"
--- error_code: 200
--- response_headers
X-Sub: alice
--- response_body
backend



=== TEST 5: finding 1: authorization alone at the target reads no identity of the origin
--- config
    location /a/ {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        error_page 404 = @roles;
        proxy_intercept_errors on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/missing;
    }
    location @roles {
        apisec_require_role admin;
        rewrite ^ /backend break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /missing {
        return 404;
    }
    location /backend {
        return 200 "backend\n";
    }
--- more_headers eval
"Authorization: Bearer $::T{admin}"
--- request
GET /a/x
--- error_code: 403
--- error_log
apisec: access denied: not authenticated: "no authenticated caller"



=== TEST 6: finding 2: a CSRF refusal redirected to a URI under apisec_api_key: 401, no crash
--- user_files eval
[["keys", $::FILE]]
--- config
    apisec_api_key on;
    apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
    location /csrf/ {
        apisec_api_key off;
        apisec_csrf origin;
        error_page 403 /errors/403.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /errors/ {
        rewrite ^ /backend break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /backend {
        apisec_api_key off;
        return 200 "backend\n";
    }
--- request eval
["POST /csrf/x", "GET /errors/x"]
--- more_headers eval
["Origin: https://evil.example", "X-API-Key: $::KEY"]
--- error_code eval
[401, 200]
--- no_error_log
[alert]
signal



=== TEST 7: finding 3: apisec_jwt on at http level protects every server and location
--- http_config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
--- config
    location /api/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        apisec_jwt off;
        return 200 "backend\n";
    }
--- request eval
["GET /api/x", "GET /api/x"]
--- more_headers eval
["", "Authorization: Bearer $::T{plain}"]
--- error_code eval
[401, 200]
--- error_log
apisec: JWT refused: no Authorization header



=== TEST 8: finding 3: off at server level cancels apisec_jwt on of http
--- http_config
    apisec_jwt "corp";
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
--- config
    apisec_jwt off;
    location /api/ {
        empty_gif;
    }
    location /in/ {
        apisec_jwt on;
        empty_gif;
    }
--- request eval
["GET /api/x", "GET /in/x"]
--- error_code eval
[200, 401]
--- response_headers eval
["", "WWW-Authenticate: Bearer realm=\"api\""]



=== TEST 9: finding 5: try_files into a stricter named location applies its own zone
--- http_config
    apisec_limit_zone $remote_addr zone=loose:1m rate=100r/s;
    apisec_limit_zone $remote_addr zone=strict:1m rate=1r/m;
--- config
    location /a/ {
        apisec_limit zone=loose burst=10 nodelay;
        try_files /nonexistent @strict;
    }
    location @strict {
        apisec_limit zone=strict;
        apisec_limit zone=loose burst=10 nodelay;
        rewrite ^ /backend break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /backend {
        return 200 "backend\n";
    }
--- pipelined_requests eval
["GET /a/x", "GET /a/x"]
--- error_code eval
[200, 429]
--- error_log eval
qr/limiting requests, excess: (?:0\.9\d\d|1\.000) by zone "strict"/



=== TEST 10: finding 5: a zone is charged once per request across a redirect
--- http_config
    apisec_limit_zone $remote_addr zone=two:1m rate=2r/m;
--- config
    location /a/ {
        apisec_limit zone=two burst=1 nodelay;
        error_page 404 = @b;
        proxy_intercept_errors on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/missing;
    }
    location @b {
        apisec_limit zone=two burst=1 nodelay;
        rewrite ^ /backend break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /missing {
        return 404;
    }
    location /backend {
        return 200 "backend\n";
    }
--- request eval
["GET /a/x", "GET /a/x", "GET /a/x"]
--- error_code eval
[200, 200, 429]



=== TEST 11: finding 14: satisfy any: allow grants, the rate limit still refuses
--- http_config
    apisec_limit_zone $remote_addr zone=one:1m rate=1r/m;
--- config
    location /api/ {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_limit zone=one;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "backend\n";
    }
--- pipelined_requests eval
["GET /api/x", "GET /api/x"]
--- error_code eval
[200, 429]
--- response_headers eval
["", "Retry-After: 60"]
--- error_log eval
qr/limiting requests, excess: (?:0\.9\d\d|1\.000) by zone "one"/



=== TEST 12: finding 14: satisfy any: an authorization refusal waived by allow is still limited
--- http_config
    apisec_limit_zone $remote_addr zone=one:1m rate=1r/m;
--- config
    location /api/ {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role admin;
        apisec_limit zone=one;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "backend\n";
    }
--- request eval
["GET /api/x", "GET /api/x"]
--- more_headers eval
["Authorization: Bearer $::T{plain}", "Authorization: Bearer $::T{plain}"]
--- error_code eval
[200, 429]



=== TEST 13: finding 6: a stripped query key never reaches the log of a request refused before authentication
--- user_files eval
[["keys", $::FILE]]
--- http_config
    log_format keys '$request|$request_uri|$args';
--- config
    location /api/ {
        access_log logs/access.log keys;
        apisec_https_only reject;
        apisec_api_key query=api_key strip;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "backend\n";
    }
--- request eval
"GET /api/x?a=1&api_key=$::KEY"
--- error_code: 403
--- access_log
GET /api/x?a=1 HTTP/1.1|/api/x?a=1|a=1
--- no_access_log eval
$::KEY
--- no_error_log eval
qr/request: "[^"]*key-bob/
