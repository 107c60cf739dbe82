# apisec_introspect with two worker processes and one shared cache: a
# request that waits for its worker's introspection and finds the answer
# in the cache (the other worker's) goes on without the flight, and the
# flight's landing later leaves it alone (t/lib/mock-idp, on loopback).
# Under valgrind (one process) the blocks that need two workers are
# skipped.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecIdp;

workers(2);
master_on();
worker_connections(1024);
log_level('info');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: set up: the first introspection of a token takes 3 s
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s;
    apisec_limit_zone $apisec_subject zone=per_sub:1m rate=2r/s;

    # the protected API: one listening socket per worker (reuseport), so
    # that the connections of /fan spread over both workers
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1 reuseport;
        server_name localhost;
        location /api {
            apisec_introspect /_introspect;
            apisec_limit zone=per_sub burst=100;
            alias $TEST_NGINX_HTML_DIR/ok.txt;
        }
        location = /_introspect {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
        }
    }
--- user_files eval
[["fan.html", CORE::join("", map { "<!--# include virtual=\"/self/api?i=$_\" -->" } 1 .. 12)],
 ["ok.txt", "ok\n"]]
--- config
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
    location = /fan {
        ssi on;
        ssi_types *;
        alias $TEST_NGINX_HTML_DIR/fan.html;
    }
    location /self/ {
        proxy_set_header Host localhost;
        proxy_set_header Authorization "Bearer slowfirst-una";
        proxy_read_timeout 30s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
--- request
GET /ctl/jwks?delay=3
--- response_body
ok



=== TEST 2: 12 concurrent requests over two workers, one token, rate-limited with delays: every one is answered
(each worker introspects once: one answer comes at once and fills the
cache, the other after 3 s; the requests that wait for the slow one find
the cache filled at their 1 s look and go on to the limit's delay, which
the slow answer's landing must not cancel: before, it deleted their delay
timers and they hung)
--- request
GET /fan
--- timeout: 20
--- response_body eval
"ok\n" x 12
--- error_log
delaying request by
--- skip_eval: 3: $ENV{TEST_NGINX_USE_VALGRIND}  # one process: never two workers, and the second reuseport socket is never accepted on



=== TEST 3: the token was introspected once per worker (continued): both workers took part
--- request
GET /ctl/count?token=slowfirst-una
--- response_body
2
--- skip_eval: 2: $ENV{TEST_NGINX_USE_VALGRIND}  # one process, see TEST 2
