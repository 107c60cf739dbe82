# Security headers: the preset, HSTS and CSP on every response of the
# location, never twice.

use lib 't/lib';
use Test::Apisec 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the preset on a 200 from a content handler
--- config
    location /api {
        apisec_security_headers on;
        empty_gif;
    }
--- request
GET /api
--- error_code: 200
--- response_headers
X-Content-Type-Options: nosniff
X-Frame-Options: DENY
Referrer-Policy: no-referrer
Cache-Control: no-store
Content-Security-Policy: default-src 'none'; frame-ancestors 'none'
!Strict-Transport-Security
--- no_error_log
[error]



=== TEST 2: the preset on nginx's own 404
--- config
    location /static/ {
        apisec_security_headers on;
        root html;
    }
--- request
GET /static/missing.json
--- error_code: 404
--- response_headers
X-Content-Type-Options: nosniff
X-Frame-Options: DENY
Content-Type: application/problem+json



=== TEST 3: the preset on nginx's own 500
--- config
    location /boom {
        apisec_security_headers on;
        return 500;
    }
--- request
GET /boom
--- error_code: 500
--- response_headers
X-Frame-Options: DENY
Referrer-Policy: no-referrer
Content-Type: application/problem+json



=== TEST 4: the preset on a 502 from an unreachable upstream
--- config
    location /up {
        apisec_security_headers on;
        proxy_pass http://unix:$TEST_NGINX_HTML_DIR/nobody-listens.sock;
    }
--- request
GET /up
--- error_code: 502
--- response_headers
X-Frame-Options: DENY
Cache-Control: no-store
Content-Type: application/problem+json
--- error_log
nobody-listens.sock



=== TEST 5: the preset on nginx's own 301
--- config
    location /old {
        apisec_security_headers on;
        return 301 /new;
    }
--- request
GET /old
--- error_code: 301
--- response_headers
X-Frame-Options: DENY
X-Content-Type-Options: nosniff



=== TEST 6: the preset on a refusal by the access module (deny)
--- config
    location /denied {
        apisec_security_headers on;
        deny all;
        empty_gif;
    }
--- request
GET /denied
--- error_code: 403
--- response_headers
X-Frame-Options: DENY
Content-Type: application/problem+json
--- response_body
{"type":"about:blank","title":"Forbidden","status":403}
--- error_log
access forbidden by rule



=== TEST 7: the preset on an auth_basic refusal, whose challenge is kept
--- config
    location /basic {
        apisec_security_headers on;
        auth_basic "private";
        auth_basic_user_file $TEST_NGINX_HTML_DIR/htpasswd;
        empty_gif;
    }
--- user_files
>>> htpasswd
alice:{PLAIN}secret
--- request
GET /basic
--- error_code: 401
--- response_headers
WWW-Authenticate: Basic realm="private"
X-Frame-Options: DENY
Referrer-Policy: no-referrer



=== TEST 8: an upstream's own security header is replaced, not duplicated
--- config
    location /app {
        apisec_security_headers on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        add_header X-Frame-Options SAMEORIGIN;
        add_header X-Content-Type-Options sniff-me;
        add_header Referrer-Policy unsafe-url;
        add_header Content-Security-Policy "default-src *";
        empty_gif;
    }
--- request
GET /app
--- error_code: 200
--- response_headers
X-Frame-Options: DENY
X-Content-Type-Options: nosniff
Referrer-Policy: no-referrer
Content-Security-Policy: default-src 'none'; frame-ancestors 'none'



=== TEST 9: add_header of the same name in the same location: apisec wins, once
--- config
    location /both {
        apisec_security_headers on;
        add_header X-Frame-Options SAMEORIGIN;
        add_header X-Extra yes;
        empty_gif;
    }
--- request
GET /both
--- error_code: 200
--- response_headers
X-Frame-Options: DENY
X-Extra: yes



=== TEST 10: a Cache-Control the upstream sent is kept
--- config
    location /cached {
        apisec_security_headers on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/cc;
    }
    location /cc {
        add_header Cache-Control "public, max-age=60";
        empty_gif;
    }
--- request
GET /cached
--- error_code: 200
--- response_headers
Cache-Control: public, max-age=60
X-Frame-Options: DENY



=== TEST 11: a Cache-Control set by expires is kept
--- config
    location /expires {
        apisec_security_headers on;
        expires 1h;
        empty_gif;
    }
--- request
GET /expires
--- error_code: 200
--- response_headers
Cache-Control: max-age=3600
X-Content-Type-Options: nosniff



=== TEST 12: apisec_csp replaces the preset's policy
--- config
    location /csp {
        apisec_security_headers on;
        apisec_csp "default-src 'self'; img-src https:";
        empty_gif;
    }
--- request
GET /csp
--- error_code: 200
--- response_headers
Content-Security-Policy: default-src 'self'; img-src https:
X-Frame-Options: DENY



=== TEST 13: apisec_csp off removes CSP from the preset only
--- config
    location /nocsp {
        apisec_security_headers on;
        apisec_csp off;
        empty_gif;
    }
--- request
GET /nocsp
--- error_code: 200
--- response_headers
!Content-Security-Policy
X-Frame-Options: DENY



=== TEST 14: apisec_csp alone, without the preset
--- config
    location /csponly {
        apisec_csp "default-src 'none'";
        empty_gif;
    }
--- request
GET /csponly
--- error_code: 200
--- response_headers
Content-Security-Policy: default-src 'none'
!X-Frame-Options
!Cache-Control



=== TEST 15: HSTS is never sent over plain HTTP
--- config
    location /hsts {
        apisec_hsts max-age=31536000 includeSubDomains;
        empty_gif;
    }
--- request
GET /hsts
--- error_code: 200
--- response_headers
!Strict-Transport-Security



=== TEST 16: HSTS is sent over TLS (client -> TLS server through a proxy)
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/tls.sock ssl;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;

        location /hsts {
            apisec_hsts max-age=31536000 includeSubDomains preload;
            empty_gif;
        }
    }
--- config
    location /hsts {
        proxy_pass https://unix:$TEST_NGINX_HTML_DIR/tls.sock;
    }
--- request
GET /hsts
--- error_code: 200
--- response_headers
Strict-Transport-Security: max-age=31536000; includeSubDomains; preload



=== TEST 17: an upstream's own HSTS header over TLS is replaced, not duplicated
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/tls.sock ssl;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;

        location /hsts {
            add_header Strict-Transport-Security "max-age=60";
            apisec_hsts max-age=600;
            empty_gif;
        }
    }
--- config
    location /hsts {
        proxy_pass https://unix:$TEST_NGINX_HTML_DIR/tls.sock;
    }
--- request
GET /hsts
--- error_code: 200
--- response_headers
Strict-Transport-Security: max-age=600



=== TEST 18: HSTS and the preset on errors over TLS too
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/tls.sock ssl;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;

        location / {
            apisec_hsts max-age=600;
            apisec_security_headers on;
            root html;
        }
    }
--- config
    location /missing {
        proxy_pass https://unix:$TEST_NGINX_HTML_DIR/tls.sock;
    }
--- request
GET /missing
--- error_code: 404
--- response_headers
Strict-Transport-Security: max-age=600
X-Frame-Options: DENY



=== TEST 19: the preset on a HEAD request to an error
--- config
    location /head {
        apisec_security_headers on;
        deny all;
    }
--- request
HEAD /head
--- error_code: 403
--- response_headers
X-Frame-Options: DENY
Content-Type: application/problem+json
--- response_body



=== TEST 20: nothing is added where nothing is configured
--- config
    location /plain {
        empty_gif;
    }
--- request
GET /plain
--- error_code: 200
--- response_headers
!X-Frame-Options
!Content-Security-Policy
!Cache-Control
!X-Content-Type-Options



=== TEST 21: subrequests are passed through; the main response carries the headers once
--- config
    location /main {
        apisec_security_headers on;
        auth_request /sub;
        empty_gif;
    }
    location /sub {
        apisec_security_headers on;
        empty_gif;
    }
--- request
GET /main
--- error_code: 200
--- response_headers
X-Frame-Options: DENY
