# Inheritance http -> server -> location, and nginx's add_header pitfall.

use lib 't/lib';
use Test::Apisec 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the preset set at http level reaches a location
--- http_config
    apisec_security_headers on;
--- config
    location /api {
        empty_gif;
    }
--- request
GET /api
--- error_code: 200
--- response_headers
X-Frame-Options: DENY
Cache-Control: no-store



=== TEST 2: add_header in a location does not drop the inherited preset
--- http_config
    apisec_security_headers on;
    add_header X-Http-Level yes;
--- config
    location /api {
        add_header X-Location-Level yes;
        empty_gif;
    }
--- request
GET /api
--- error_code: 200
--- response_headers
X-Location-Level: yes
!X-Http-Level
X-Frame-Options: DENY
X-Content-Type-Options: nosniff



=== TEST 3: off at the location cancels the inherited preset
--- http_config
    apisec_security_headers on;
--- config
    location /public {
        apisec_security_headers off;
        empty_gif;
    }
--- request
GET /public
--- error_code: 200
--- response_headers
!X-Frame-Options
!Content-Security-Policy



=== TEST 4: a server-level CSP overrides the http-level preset's policy
--- http_config
    apisec_security_headers on;
--- config
    apisec_csp "default-src 'self'";
    location /api {
        empty_gif;
    }
--- request
GET /api
--- error_code: 200
--- response_headers
Content-Security-Policy: default-src 'self'
X-Frame-Options: DENY



=== TEST 5: the preset off at the server, on in one location
--- http_config
    apisec_security_headers on;
--- config
    apisec_security_headers off;
    location /api {
        apisec_security_headers on;
        empty_gif;
    }
    location /other {
        empty_gif;
    }
--- request eval
["GET /api", "GET /other"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Frame-Options: DENY", "!X-Frame-Options"]



=== TEST 6: HSTS off at a location cancels the inherited HSTS
--- http_config
    apisec_hsts max-age=600;
    server {
        listen unix:$TEST_NGINX_HTML_DIR/tls.sock ssl;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;

        location /on { empty_gif; }
        location /off { apisec_hsts off; empty_gif; }
    }
--- config
    location /o {
        apisec_hsts off;
        proxy_pass https://unix:$TEST_NGINX_HTML_DIR/tls.sock;
    }
--- request eval
["GET /on", "GET /off"]
--- error_code eval
[200, 200]
--- response_headers eval
["Strict-Transport-Security: max-age=600", "!Strict-Transport-Security"]



=== TEST 7: nested locations inherit from the enclosing one
--- config
    location /api/ {
        apisec_security_headers on;
        location /api/v2/ {
            apisec_csp "default-src 'self'";
            empty_gif;
        }
    }
--- request
GET /api/v2/x
--- error_code: 200
--- response_headers
Content-Security-Policy: default-src 'self'
X-Frame-Options: DENY
