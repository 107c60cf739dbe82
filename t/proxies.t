# apisec_trusted_proxies: X-Forwarded-Proto and Forwarded (RFC 7239) from
# a trusted peer count for apisec_https_only, HSTS and CSRF's same-origin
# check; from any other peer they are ignored.  The tests connect from
# 127.0.0.1.

use lib 't/lib';
use Test::Apisec 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: trusted peer, X-Forwarded-Proto: https: no redirect
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only redirect;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Host: api.example.com
X-Forwarded-Proto: https
--- error_code: 200
--- response_headers
Content-Type: image/gif
!Location



=== TEST 2: untrusted peer (only 10.0.0.0/8 and ::1 trusted): the header is ignored
--- config
    location /api {
        apisec_trusted_proxies 10.0.0.0/8 ::1;
        apisec_https_only redirect;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Host: api.example.com
X-Forwarded-Proto: https
--- error_code: 308
--- response_headers
Location: https://api.example.com/api



=== TEST 3: without apisec_trusted_proxies the header is ignored (the default)
--- config
    location /api {
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: https
Forwarded: proto=https
--- error_code: 403
--- error_log
apisec: plain HTTP request refused, HTTPS required



=== TEST 4: trusted peer, X-Forwarded-Proto: https: HSTS is sent
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.0/8;
        apisec_hsts max-age=600;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: HTTPS
--- error_code: 200
--- response_headers
Strict-Transport-Security: max-age=600



=== TEST 5: untrusted peer, X-Forwarded-Proto: https: no HSTS
--- config
    location /api {
        apisec_trusted_proxies 10.0.0.0/8 ::1;
        apisec_hsts max-age=600;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: https
--- error_code: 200
--- response_headers
!Strict-Transport-Security



=== TEST 6: trusted peer: a same-origin POST with an https Origin passes CSRF
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
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
Origin: https://api.example.com
X-Forwarded-Proto: https
--- error_code: 200
--- response_body
done



=== TEST 7: untrusted peer: the same POST is refused, the scheme being http
--- config
    location /api {
        apisec_trusted_proxies 10.0.0.0/8 ::1;
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
Origin: https://api.example.com
X-Forwarded-Proto: https
--- error_code: 403
--- error_log
apisec: CSRF check failed: origin "https://api.example.com" not allowed



=== TEST 8: trusted peer says http: an https Origin is another origin, refused
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
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
Origin: https://api.example.com
X-Forwarded-Proto: http
--- error_code: 403
--- error_log
apisec: CSRF check failed: origin "https://api.example.com" not allowed



=== TEST 9: Forwarded: for=...;proto=https from a trusted peer counts
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Forwarded: for=192.0.2.60;proto=https;by=203.0.113.43
--- error_code: 200
--- no_error_log
apisec: plain HTTP request refused



=== TEST 10: Forwarded: quoted values, any case, spaces around ";" and ","
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Forwarded: for=192.0.2.1 , For="[2001:db8:cafe::17]:4711" ; PROTO="HT\TPS"
--- error_code: 200
--- no_error_log
apisec: plain HTTP request refused



=== TEST 11: X-Forwarded-Proto: the last element decides ("http, https" passes)
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: http, https
--- error_code: 200
--- no_error_log
apisec: plain HTTP request refused



=== TEST 12: X-Forwarded-Proto: the last element decides ("https, http" is plain)
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: https, http
--- error_code: 403
--- error_log
apisec: plain HTTP request refused, HTTPS required



=== TEST 13: several X-Forwarded-Proto lines are one list: the last line's last element
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: https
X-Forwarded-Proto: http
--- error_code: 403
--- error_log
apisec: plain HTTP request refused, HTTPS required



=== TEST 14: several lines, the last says https: passes
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: http
X-Forwarded-Proto: https
--- error_code: 200
--- no_error_log
apisec: plain HTTP request refused



=== TEST 15: several lines: an earlier malformed one spoils the list
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: http s
X-Forwarded-Proto: https
--- error_code: 403
--- error_log
apisec: "X-Forwarded-Proto" header from a trusted proxy malformed, taken as plain HTTP
apisec: plain HTTP request refused, HTTPS required



=== TEST 16: Forwarded: the last element has no proto= (an earlier one's is not taken)
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Forwarded: for=192.0.2.1;proto=https, for=10.1.2.3
--- error_code: 403
--- error_log
apisec: plain HTTP request refused, HTTPS required



=== TEST 17: Forwarded with an unterminated quoted-string is ignored, logged
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Forwarded: for="192.0.2.1;proto=https
--- error_code: 403
--- error_log
apisec: "Forwarded" header from a trusted proxy malformed, taken as plain HTTP
apisec: plain HTTP request refused, HTTPS required



=== TEST 18: Forwarded with two proto= in one element is malformed
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Forwarded: proto=http;proto=https
--- error_code: 403
--- error_log
apisec: "Forwarded" header from a trusted proxy malformed, taken as plain HTTP
apisec: plain HTTP request refused, HTTPS required



=== TEST 19: Forwarded without "=" or with a bad token is malformed
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Forwarded: for=192.0.2.1;proto=https;secret, proto=https
--- error_code: 403
--- error_log
apisec: "Forwarded" header from a trusted proxy malformed, taken as plain HTTP



=== TEST 20: X-Forwarded-Proto with a space inside an element is malformed
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: http https
--- error_code: 403
--- error_log
apisec: "X-Forwarded-Proto" header from a trusted proxy malformed, taken as plain HTTP



=== TEST 21: an 8 KB X-Forwarded-Proto is ignored, logged
--- http_config
    large_client_header_buffers 4 16k;
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, http, https
--- error_code: 403
--- error_log
apisec: "X-Forwarded-Proto" header from a trusted proxy too long, taken as plain HTTP
apisec: plain HTTP request refused, HTTPS required



=== TEST 22: 100 elements are too many, ignored, logged
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https, https
--- error_code: 403
--- error_log
apisec: "X-Forwarded-Proto" header from a trusted proxy with too many elements, taken as plain HTTP
apisec: plain HTTP request refused, HTTPS required



=== TEST 23: an empty X-Forwarded-Proto from a trusted peer is taken as plain
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: ,
--- error_code: 403
--- error_log
apisec: "X-Forwarded-Proto" header from a trusted proxy empty, taken as plain HTTP



=== TEST 24: the two headers disagree: plain, logged
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: http
Forwarded: proto=https
--- error_code: 403
--- error_log
apisec: "X-Forwarded-Proto" and "Forwarded" headers from a trusted proxy disagree, taken as plain HTTP
apisec: plain HTTP request refused, HTTPS required



=== TEST 25: the two headers agree: https
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: https
Forwarded: for=192.0.2.1;proto=https
--- error_code: 200
--- no_error_log
apisec: plain HTTP request refused
disagree



=== TEST 26: one header malformed, the other https: plain
--- config
    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: https
Forwarded: proto="https
--- error_code: 403
--- error_log
apisec: "Forwarded" header from a trusted proxy malformed, taken as plain HTTP
apisec: plain HTTP request refused, HTTPS required



=== TEST 27: an untrusted peer's headers are not even parsed (no log)
--- config
    location /api {
        apisec_trusted_proxies 10.0.0.0/8;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Forwarded: proto="https
--- error_code: 403
--- error_log
apisec: plain HTTP request refused, HTTPS required
--- no_error_log
from a trusted proxy



=== TEST 28: realip: a spoofed X-Real-IP naming a trusted address from an untrusted peer does not count
--- config
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Real-IP;

    location /api {
        apisec_trusted_proxies 10.0.0.0/8;
        apisec_https_only redirect;
        add_header X-Remote $remote_addr always;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Host: api.example.com
X-Real-IP: 10.1.2.3
X-Forwarded-Proto: https
--- error_code: 308
--- response_headers
X-Remote: 10.1.2.3
Location: https://api.example.com/api



=== TEST 29: realip: the trusted peer is the one that connected, not the client realip names
--- config
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Real-IP;

    location /api {
        apisec_trusted_proxies 127.0.0.1;
        apisec_https_only redirect;
        add_header X-Remote $remote_addr always;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Host: api.example.com
X-Real-IP: 192.0.2.9
X-Forwarded-Proto: https
--- error_code: 200
--- response_headers
X-Remote: 192.0.2.9
!Location



=== TEST 30: realip: after an internal redirect the peer is still the one that connected
--- config
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Real-IP;
    apisec_trusted_proxies 10.0.0.0/8;

    location /api {
        try_files /nonexistent @next;
    }

    location @next {
        apisec_https_only redirect;
        add_header X-Remote $remote_addr always;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Host: api.example.com
X-Real-IP: 10.1.2.3
X-Forwarded-Proto: https
--- error_code: 308
--- response_headers
X-Remote: 10.1.2.3
Location: https://api.example.com/api



=== TEST 31: an IPv6 peer, and an IPv4 client of a dual-stack listener as its IPv4 address
--- http_config
    server {
        listen [::1]:$TEST_NGINX_RAND_PORT_1;
        listen [::]:$TEST_NGINX_RAND_PORT_2 ipv6only=off;

        location /v6 {
            apisec_trusted_proxies ::1;
            apisec_hsts max-age=600;
            add_header X-Peer $remote_addr always;
            empty_gif;
        }

        location /mapped {
            apisec_trusted_proxies 127.0.0.1;
            apisec_hsts max-age=600;
            add_header X-Peer $remote_addr always;
            empty_gif;
        }

        location /unmapped {
            apisec_trusted_proxies ::1;
            apisec_hsts max-age=600;
            add_header X-Peer $remote_addr always;
            empty_gif;
        }
    }
--- config
    proxy_set_header X-Forwarded-Proto https;

    location /v6 {
        proxy_pass http://[::1]:$TEST_NGINX_RAND_PORT_1;
    }

    location ~ ^/(un)?mapped$ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
["GET /v6", "GET /mapped", "GET /unmapped"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Peer: ::1\nStrict-Transport-Security: max-age=600",
 "X-Peer: ::ffff:127.0.0.1\nStrict-Transport-Security: max-age=600",
 "X-Peer: ::ffff:127.0.0.1\n!Strict-Transport-Security"]



=== TEST 32: a malformed request line (400 before any header is read) with the list and HSTS set
--- config
    apisec_trusted_proxies 127.0.0.1;
    apisec_hsts max-age=600;
--- raw_request eval
"GET /\x01 HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\n\r\n"
--- error_code: 400
--- response_headers
!Strict-Transport-Security
--- no_error_log
[alert]
[crit]



=== TEST 33: inherited from the server level, as a whole list
--- config
    apisec_trusted_proxies 10.0.0.0/8 127.0.0.1;

    location /api {
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: https
--- error_code: 200
--- no_error_log
apisec: plain HTTP request refused



=== TEST 34: a list at a lower level replaces the inherited one
--- config
    apisec_trusted_proxies 127.0.0.1;

    location /api {
        apisec_trusted_proxies 10.0.0.0/8;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: https
--- error_code: 403
--- error_log
apisec: plain HTTP request refused, HTTPS required



=== TEST 35: off at a lower level cancels an inherited list
--- config
    apisec_trusted_proxies 127.0.0.1;

    location /api {
        apisec_trusted_proxies off;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-Forwarded-Proto: https
--- error_code: 403
--- error_log
apisec: plain HTTP request refused, HTTPS required



=== TEST 36: "unix:" trusts a peer on a UNIX socket
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/plain.sock;

        location /hsts {
            apisec_trusted_proxies unix:;
            apisec_hsts max-age=600;
            empty_gif;
        }
    }
--- config
    location /hsts {
        proxy_set_header X-Forwarded-Proto https;
        proxy_pass http://unix:$TEST_NGINX_HTML_DIR/plain.sock;
    }
--- request
GET /hsts
--- error_code: 200
--- response_headers
Strict-Transport-Security: max-age=600



=== TEST 37: a trusted proxy that says http over TLS: the client's hop was plain, no HSTS
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/tls.sock ssl;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;

        location /hsts {
            apisec_trusted_proxies unix:;
            apisec_hsts max-age=600;
            empty_gif;
        }
    }
--- config
    location /hsts {
        proxy_set_header X-Forwarded-Proto http;
        proxy_pass https://unix:$TEST_NGINX_HTML_DIR/tls.sock;
    }
--- request
GET /hsts
--- error_code: 200
--- response_headers
!Strict-Transport-Security



=== TEST 38: over TLS without the headers the connection decides: HSTS
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/tls.sock ssl;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;

        location /hsts {
            apisec_trusted_proxies unix:;
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



=== TEST 39: an invalid address fails nginx -t with file and line
--- config
    apisec_trusted_proxies 10.0.0.300;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid address or network "10\.0\.0\.300" in \S+nginx\.conf:\d+/



=== TEST 40: a network with host bits set fails nginx -t
--- config
    apisec_trusted_proxies 10.0.0.1/8;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid network "10\.0\.0\.1\/8": host bits are set in \S+nginx\.conf:\d+/



=== TEST 41: "off" with addresses fails nginx -t
--- config
    apisec_trusted_proxies off 10.0.0.0/8;
--- must_die
--- error_log eval
qr/\[emerg\] .*"off" must be the only parameter in \S+nginx\.conf:\d+/



=== TEST 42: a duplicate directive fails nginx -t
--- config
    location /api {
        apisec_trusted_proxies 10.0.0.0/8;
        apisec_trusted_proxies 127.0.0.1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_trusted_proxies" directive is duplicate in \S+nginx\.conf:\d+/
