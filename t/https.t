# apisec_https_only: 308 to https, or 403, for plain-HTTP requests.

use lib 't/lib';
use Test::Apisec 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: redirect answers 308 to the same host and URI on https
--- config
    location /api {
        apisec_https_only redirect;
        empty_gif;
    }
--- request
GET /api/orders?id=7&x=y
--- more_headers
Host: api.example.com
--- error_code: 308
--- response_headers
Location: https://api.example.com/api/orders?id=7&x=y



=== TEST 2: redirect keeps the method (308, not 301) for a POST
--- config
    location /api {
        apisec_https_only redirect;
        empty_gif;
    }
--- request
POST /api/orders
{"a":1}
--- more_headers
Host: api.example.com
Content-Type: application/json
--- error_code: 308
--- response_headers
Location: https://api.example.com/api/orders



=== TEST 3: redirect with port= for a non-default https port; Host's port dropped
--- config
    location /api {
        apisec_https_only redirect port=8443;
        empty_gif;
    }
--- request
GET /api/x
--- more_headers
Host: api.example.com:8080
--- error_code: 308
--- response_headers
Location: https://api.example.com:8443/api/x



=== TEST 4: reject answers 403 with problem+json and logs why at info
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
!Location
--- response_body
{"type":"about:blank","title":"Forbidden","status":403,"detail":"HTTPS is required"}
--- error_log
apisec: plain HTTP request refused, HTTPS required



=== TEST 5: requests over TLS pass
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/tls.sock ssl;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;

        location /api {
            apisec_https_only reject;
            empty_gif;
        }
    }
--- config
    location /api {
        proxy_pass https://unix:$TEST_NGINX_HTML_DIR/tls.sock;
    }
--- request
GET /api
--- error_code: 200
--- no_error_log
HTTPS required



=== TEST 6: redirect passes requests over TLS too
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/tls.sock ssl;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;

        location /api {
            apisec_https_only redirect;
            empty_gif;
        }
    }
--- config
    location /api {
        proxy_pass https://unix:$TEST_NGINX_HTML_DIR/tls.sock;
    }
--- request
GET /api
--- error_code: 200
--- response_headers
!Location



=== TEST 7: "satisfy any" does not waive the HTTPS requirement
--- config
    location /api {
        satisfy any;
        allow all;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- error_code: 403
--- error_log
HTTPS required



=== TEST 8: off at a lower level cancels an inherited setting
--- config
    apisec_https_only reject;

    location /health {
        apisec_https_only off;
        empty_gif;
    }
--- request
GET /health
--- error_code: 200



=== TEST 9: inherited from the server level
--- config
    apisec_https_only reject;

    location /api {
        empty_gif;
    }
--- request
GET /api
--- error_code: 403



=== TEST 10: HTTP/1.0 without Host redirects to the server_name
--- config
    location /api {
        apisec_https_only redirect;
        empty_gif;
    }
--- raw_request eval
"GET /api/v1 HTTP/1.0\r\n\r\n"
--- error_code: 308
--- response_headers
Location: https://localhost/api/v1



=== TEST 11: a hostile Host header cannot inject into Location
--- config
    location /api {
        apisec_https_only redirect;
        empty_gif;
    }
--- raw_request eval
"GET /api HTTP/1.1\r\nHost: evil.example/../x\r\nConnection: close\r\n\r\n"
--- error_code: 400
--- response_headers
!Location



=== TEST 12: a Host that would change the URL's authority is not used: the server_name is used instead
--- config
    location /api {
        apisec_https_only redirect;
        empty_gif;
    }
--- request eval
[("GET /api/x?q=1") x 5]
--- more_headers eval
["Host: a\@evil.example", "Host: evil.example?x", "Host: evil.example#x",
 "Host: evil.example\\x", "Host: [::1\@evil.example]"]
--- error_code eval
[(308) x 5]
--- response_headers eval
[("Location: https://localhost/api/x?q=1") x 5]



=== TEST 13: a port, user info before it, an IPv4 and an IPv6 literal, upper case
--- config
    location /api {
        apisec_https_only redirect;
        empty_gif;
    }
--- request eval
[("GET /api/x?q=1") x 5]
--- more_headers eval
["Host: user:pw\@evil.example", "Host: 192.0.2.7:8080",
 "Host: [2001:db8::7]:8080", "Host: [::1]", "Host: API.Example.COM:80"]
--- error_code eval
[(308) x 5]
--- response_headers eval
["Location: https://user/api/x?q=1",
 "Location: https://192.0.2.7/api/x?q=1",
 "Location: https://[2001:db8::7]/api/x?q=1",
 "Location: https://[::1]/api/x?q=1",
 "Location: https://api.example.com/api/x?q=1"]



=== TEST 14: HTTP/1.0 without Host and a regex server_name only: 403, no regex in a Location
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/regex.sock;
        server_name ~^www\.(?<d>.+)$ *.example.com;

        location /api {
            apisec_https_only redirect;
            empty_gif;
        }
    }
--- config
    location /api {
        proxy_set_header Host "";
        proxy_redirect off;
        proxy_pass http://unix:$TEST_NGINX_HTML_DIR/regex.sock;
    }
--- request
GET /api/x
--- error_code: 403
--- response_headers
!Location
Content-Type: application/problem+json
--- error_log
apisec: plain HTTP request without a usable host refused, HTTPS required



=== TEST 15: HTTP/1.0 without Host: the first plain server_name, never a regex
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/plain.sock;
        server_name ~^www\.(?<d>.+)$ *.example.com api.example.com;

        location /api {
            apisec_https_only redirect;
            empty_gif;
        }
    }
--- config
    location /api {
        proxy_set_header Host "";
        proxy_redirect off;
        proxy_pass http://unix:$TEST_NGINX_HTML_DIR/plain.sock;
    }
--- request
GET /api/x
--- error_code: 308
--- response_headers
Location: https://api.example.com/api/x



=== TEST 16: a request target beginning with "//" stays a path of the host
--- config
    location /evil.example/ {
        apisec_https_only redirect;
        empty_gif;
    }
--- request
GET //evil.example/x?y=1
--- error_code: 308
--- response_headers
Location: https://localhost//evil.example/x?y=1
