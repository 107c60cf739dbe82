# apisec_introspect, apisec_introspect_cache: opaque bearer tokens checked
# by RFC 7662 introspection at a mock authorization server
# (t/lib/mock-idp, started on loopback for this file), which counts the
# requests it gets.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use ApisecIdp;
use Digest::SHA qw(sha256_hex);

our %T = (
    jwt => mint(qw(--alg RS256 --key), "$DATA/rsa.key",
                qw(--kid rsa1 --exp 3600 --claims), '{"sub":"jwt-alice"}'),
);

our $KEYS = "svc sha256:" . sha256_hex("k-intro") . " roles=service\n";
our @many = map { "act-user$_" } 1 .. 30;

$ENV{TEST_NGINX_IDP_TLS_PORT} = ApisecIdp::free_port();

worker_connections(1024);
log_level('info');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: an active token: its answer is the caller's identity
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s negative_ttl=10s;
--- config
    location /api {
        apisec_introspect /_introspect;
        add_header X-Sub $apisec_subject always;
        add_header X-Scope $apisec_jwt_claim_scope always;
        add_header X-Client $apisec_jwt_claim_client_id always;
        add_header X-Result $apisec_auth_result always;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_set_header Authorization "Basic Y2xpZW50OnNlY3JldA==";
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks", "GET /api", "GET /ctl/last"]
--- more_headers eval
["", "Authorization: Bearer act-alice\nCookie: session=secret", ""]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["", "X-Sub: alice\nX-Scope: read write\nX-Client: app\nX-Result: ok", ""]
--- response_body_like eval
["ok", "",
 qr/^\{"authorization": "Basic Y2xpZW50OnNlY3JldA==", "body": "token=act-alice&token_type_hint=access_token", "content_type": "application\/x-www-form-urlencoded", "cookie": null, "hint": "access_token", "method": "POST"\}$/]



=== TEST 2: a cache hit costs no subrequest
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s negative_ttl=10s;
--- config
    location /api {
        apisec_introspect /_introspect;
        add_header X-Sub $apisec_subject always;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks", "GET /api", "GET /api", "GET /api", "GET /api",
 "GET /ctl/count?what=introspect"]
--- more_headers eval
["", "Authorization: Bearer act-bob", "Authorization: Bearer act-bob",
 "Authorization: Bearer act-bob", "Authorization: Bearer act-carol", ""]
--- error_code eval
[200, 200, 200, 200, 200, 200]
--- response_headers eval
["", "X-Sub: bob", "X-Sub: bob", "X-Sub: bob", "X-Sub: carol", ""]
--- response_body_like eval
["ok", "", "", "", "", "^2\$"]



=== TEST 3: without apisec_introspect_cache, every request asks
--- config
    location /api {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks", "GET /api", "GET /api", "GET /ctl/count?what=introspect"]
--- more_headers eval
["", "Authorization: Bearer act-bob", "Authorization: Bearer act-bob", ""]
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
["ok", "", "", "^2\$"]



=== TEST 4: "active" must be the JSON true: false, missing, "true" and 1 are refused
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s negative_ttl=10s;
--- config
    location /api {
        apisec_introspect /_introspect;
        add_header X-Sub $apisec_subject always;
        add_header X-Result $apisec_auth_result always;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer off-1", "Authorization: Bearer none-dave",
 "Authorization: Bearer str-dave", "Authorization: Bearer one-dave"]
--- error_code eval
[401, 401, 401, 401]
--- response_headers eval
[('WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="token not active"' . "\nX-Sub:\nX-Result: inactive") x 4]



=== TEST 5: inactive answers are cached for negative_ttl
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s negative_ttl=10s;
--- config
    location /api {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks", "GET /api", "GET /api", "GET /ctl/count?what=introspect"]
--- more_headers eval
["", "Authorization: Bearer off-2", "Authorization: Bearer off-2", ""]
--- error_code eval
[200, 401, 401, 200]
--- response_body_like eval
["ok", "", "", "^1\$"]



=== TEST 6: negative_ttl=0 caches no inactive answer
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s negative_ttl=0;
--- config
    location /api {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks", "GET /api", "GET /api", "GET /ctl/count?what=introspect"]
--- more_headers eval
["", "Authorization: Bearer off-3", "Authorization: Bearer off-3", ""]
--- error_code eval
[200, 401, 401, 200]
--- response_body_like eval
["ok", "", "", "^2\$"]



=== TEST 7: an entry lives at most until the token's exp (here 2s, under ttl=60s)
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s;
--- config
    location /api {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks", "GET /api", "GET /api", "GET /api", "GET /ctl/sleep?s=2.2",
 "GET /api", "GET /api", "GET /ctl/count?token=exp2-erin",
 "GET /ctl/count?token=act-frank"]
--- more_headers eval
["", "Authorization: Bearer exp2-erin", "Authorization: Bearer exp2-erin",
 "Authorization: Bearer act-frank", "",
 "Authorization: Bearer exp2-erin", "Authorization: Bearer act-frank", "", ""]
--- error_code eval
[200, 200, 200, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
["ok", "", "", "", "ok", "", "", "^2\$", "^1\$"]



=== TEST 8: the answer's exp, iss and scope are checked as a JWT's
--- config
    location /api {
        apisec_introspect /_introspect;
        apisec_jwt_issuer https://idp.example;
        add_header X-Result $apisec_auth_result always;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer act-gina", "Authorization: Bearer past-gina",
 "Authorization: Bearer iss-gina", "Authorization: Bearer scp-gina"]
--- error_code eval
[200, 401, 401, 401]
--- response_headers eval
["X-Result: ok", "X-Result: expired", "X-Result: bad_issuer", "X-Result: bad_claim"]



=== TEST 9: an audience is required when apisec_jwt_audience says so
--- config
    location /api {
        apisec_introspect /_introspect;
        apisec_jwt_audience https://api.example;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer act-hank
--- error_code: 401
--- error_log
apisec: JWT refused: no aud



=== TEST 10: an endpoint that fails gives 503, whatever the way
--- config
    location /api {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_read_timeout 500ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /api", "GET /api",
 "GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer down-x", "Authorization: Bearer gzip-x",
 "Authorization: Bearer text-x", "Authorization: Bearer html-x",
 "Authorization: Bearer huge-x", "Authorization: Bearer malformed-x",
 "Authorization: Bearer array-x", "Authorization: Bearer close-x",
 "Authorization: Bearer slow-x"]
--- error_code eval
[503, 503, 503, 503, 503, 503, 503, 503, 503]
--- response_headers eval
[("Content-Type: application/problem+json\n!WWW-Authenticate") x 9]
--- response_body_like eval
[(qr/"status":503/) x 9]



=== TEST 11: why it failed is logged, never the token
--- config
    location /api {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer gzip-secret
--- error_code: 503
--- error_log
apisec: introspection subrequest "/_introspect" failed: compressed answer (Content-Encoding)
apisec: bearer token not checked: introspection failed
--- no_error_log
gzip-secret



=== TEST 12: wrong client credentials at the endpoint (401 there): 503 here
--- config
    location /api {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_set_header Authorization "Basic d3Jvbmc6d3Jvbmc=";
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer authact-ivan
--- error_code: 503
--- error_log
apisec: introspection subrequest "/_introspect" failed: status is not 200



=== TEST 13: the right client credentials (proxy_set_header) pass
--- config
    location /api {
        apisec_introspect /_introspect;
        add_header X-Sub $apisec_subject always;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_set_header Authorization "Basic Y2xpZW50OnNlY3JldA==";
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer authact-ivan
--- error_code: 200
--- response_headers
X-Sub: ivan



=== TEST 14: 50 concurrent requests with one token: one introspection
(the same Host as the request after them: the Host is part of the key)
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s;
--- user_files eval
[["fan.html", CORE::join("", map { "<!--# include virtual=\"/self/api?i=$_\" -->" } 1 .. 50)],
 ["ok.txt", "ok\n"]]
--- config
    location /api {
        apisec_introspect /_introspect;
        alias $TEST_NGINX_HTML_DIR/ok.txt;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
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
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/;
    }
--- request eval
["GET /ctl/jwks?delay=0.5", "GET /fan", "GET /ctl/count?what=introspect",
 "GET /api", "GET /ctl/count?what=introspect"]
--- more_headers eval
["", "Authorization: Bearer slow-judy", "", "Authorization: Bearer slow-judy", ""]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body eval
["ok\n", "ok\n" x 50, "1\n", "ok\n", "1\n"]



=== TEST 15: 50 concurrent requests without a cache: still one introspection
--- user_files eval
[["fan.html", CORE::join("", map { "<!--# include virtual=\"/self/api?i=$_\" -->" } 1 .. 50)],
 ["ok.txt", "ok\n"]]
--- config
    location /api {
        apisec_introspect /_introspect;
        alias $TEST_NGINX_HTML_DIR/ok.txt;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
    location = /fan {
        ssi on;
        ssi_types *;
        alias $TEST_NGINX_HTML_DIR/fan.html;
    }
    location /self/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/;
    }
--- request eval
["GET /ctl/jwks?delay=0.5", "GET /fan", "GET /ctl/count?what=introspect"]
--- more_headers eval
["", "Authorization: Bearer slow-kate", ""]
--- error_code eval
[200, 200, 200]
--- response_body eval
["ok\n", "ok\n" x 50, "1\n"]



=== TEST 16: JWTs are verified locally when keys are configured
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.jwk;
        apisec_introspect /_introspect;
        add_header X-Sub $apisec_subject always;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks", "GET /api", "GET /api", "GET /ctl/count?what=introspect"]
--- more_headers eval
["", "Authorization: Bearer $::T{jwt}", "Authorization: Bearer act-lena", ""]
--- error_code eval
[200, 200, 200, 200]
--- response_headers eval
["", "X-Sub: jwt-alice", "X-Sub: lena", ""]
--- response_body_like eval
["ok", "", "", "^1\$"]



=== TEST 17: jwt=introspect sends JWTs to the endpoint too
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.jwk;
        apisec_introspect /_introspect jwt=introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks", "GET /api", "GET /ctl/count?what=introspect"]
--- more_headers eval
["", "Authorization: Bearer $::T{jwt}", ""]
--- error_code eval
[200, 401, 200]
--- response_body_like eval
["ok", "", "^1\$"]



=== TEST 18: no bearer token: 401 without error, and no introspection
--- config
    location /api {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks", "GET /api", "GET /ctl/count?what=introspect"]
--- error_code eval
[200, 401, 200]
--- response_headers eval
["", 'WWW-Authenticate: Bearer realm="api"', ""]
--- response_body_like eval
["ok", "", "^0\$"]



=== TEST 19: a token with form-special characters is percent-encoded
--- config
    location /api {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /api", "GET /ctl/last"]
--- more_headers eval
["Authorization: Bearer act-a+b/c==", ""]
--- error_code eval
[200, 200]
--- response_body_like eval
["", qr/"body": "token=act-a%2Bb%2Fc%3D%3D&token_type_hint=access_token"/]



=== TEST 20: apisec_introspect off cancels an inherited one
--- config
    apisec_introspect /_introspect;
    location /api {
        apisec_introspect off;
        empty_gif;
    }
--- request
GET /api
--- error_code: 200



=== TEST 21: many tokens in a small zone: the least recently used go, none fails
--- http_config
    apisec_introspect_cache zone=introspect:32k ttl=60s;
--- config
    location /api {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
--- request eval
[map { "GET /api" } @::many]
--- more_headers eval
[map { "Authorization: Bearer $_" } @::many]
--- error_code eval
[map { 200 } @::many]
--- no_error_log
[alert]
[crit]



=== TEST 22: apisec_introspect needs a URI of this server
--- config
    location /api {
        apisec_introspect https://idp.example/introspect;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid URI "https:\/\/idp.example\/introspect" in "apisec_introspect": a location of this server without arguments is expected, as "\/_introspect" in .*nginx.conf:\d+/



=== TEST 23: apisec_introspect with an unknown jwt= value
--- config
    location /api {
        apisec_introspect /_introspect jwt=never;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "jwt=never": "jwt=local" or "jwt=introspect" expected in .*nginx.conf:\d+/



=== TEST 24: apisec_introspect_cache without a zone
--- http_config
    apisec_introspect_cache ttl=60s;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_introspect_cache" must have "zone" parameter in .*nginx.conf:\d+/



=== TEST 25: apisec_introspect_cache is http-only
--- config
    apisec_introspect_cache zone=x:1m;
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_introspect_cache" directive is not allowed here in .*nginx.conf:\d+/



=== TEST 26: apisec_introspect_cache with a zone too small
--- http_config
    apisec_introspect_cache zone=x:8k;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*zone "zone=x:8k" is too small in .*nginx.conf:\d+/



=== TEST 27: apisec_introspect_cache with a bad ttl, and an unknown parameter
--- http_config
    apisec_introspect_cache zone=x:1m ttl=soon;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid ttl "ttl=soon" in .*nginx.conf:\d+/



=== TEST 28: apisec_introspect_cache with an unknown parameter
--- http_config
    apisec_introspect_cache zone=x:1m max=5;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "max=5" in .*nginx.conf:\d+/



=== TEST 29: the configuration of docs/oidc.md (client credentials, TLS verified)
--- http_config
    apisec_introspect_cache zone=introspection:10m ttl=2m negative_ttl=30s;

    upstream idp {
        server 127.0.0.1:$TEST_NGINX_IDP_TLS_PORT;
        keepalive 8;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_IDP_TLS_PORT ssl;
        server_name localhost;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;
        location / {
            proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
        }
    }
--- config
    location /api/ {
        apisec_introspect /_oauth/introspect;
        proxy_set_header  X-User   $apisec_subject;
        proxy_set_header  X-Client $apisec_jwt_claim_client_id;
        proxy_pass        http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/;
    }

    location = /_oauth/introspect {
        internal;

        proxy_set_header Authorization "Basic Y2xpZW50OnNlY3JldA==";

        proxy_http_version 1.1;
        proxy_set_header   Connection "";
        proxy_set_header   Host localhost;
        proxy_set_header   Accept-Encoding "";

        proxy_ssl_verify              on;
        proxy_ssl_trusted_certificate $TEST_NGINX_CERT;
        proxy_ssl_server_name         on;
        proxy_ssl_name                localhost;

        proxy_connect_timeout 2s;
        proxy_read_timeout    3s;

        proxy_pass https://idp/introspect;
    }

    location /backend/ {
        return 200 "user=$http_x_user client=$http_x_client\n";
    }

    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks", "GET /api/orders", "GET /api/orders", "GET /api/orders",
 "GET /ctl/count?what=introspect"]
--- more_headers eval
["", "Authorization: Bearer authact-olga", "Authorization: Bearer authact-olga",
 "Authorization: Bearer authoff-olga", ""]
--- error_code eval
[200, 200, 200, 401, 200]
--- response_body_like eval
["ok", "^user=olga client=app\$", "^user=olga client=app\$", "", "^2\$"]



=== TEST 30: cached answers survive a reload (the zone is kept)
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s;
--- config
    location /api {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- reload_http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s;
--- reload_after: 2
--- request eval
["GET /ctl/jwks", "GET /api", "GET /api", "GET /ctl/count?what=introspect"]
--- more_headers eval
["", "Authorization: Bearer act-pia", "Authorization: Bearer act-pia", ""]
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
["ok", "", "", "^1\$"]
--- skip_eval: 8: $Test::Apisec::Backend ne 'Test::Apisec::Runner'



=== TEST 31: one cached answer, two locations with other requirements
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s;
--- config
    location /a {
        apisec_introspect /_introspect;
        empty_gif;
    }
    location /b {
        apisec_introspect /_introspect;
        apisec_jwt_issuer https://other.example;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks", "GET /a", "GET /a", "GET /b", "GET /a", "GET /b",
 "GET /ctl/count?what=introspect"]
--- more_headers eval
["", ("Authorization: Bearer act-quinn") x 5, ""]
--- error_code eval
[200, 200, 200, 401, 200, 401, 200]
--- response_body_like eval
["ok", "", "", "", "", "", "^1\$"]



=== TEST 32: the client's body is left for the upstream, whatever the wait
--- config
    location /api {
        apisec_introspect /_introspect;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/echo;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
--- request
POST /api
hello=world&token=not-the-token
--- more_headers
Authorization: Bearer act-rita
Content-Type: application/x-www-form-urlencoded
--- error_code: 200
--- response_body chomp
echo:hello=world&token=not-the-token



=== TEST 33: over HTTP/2 (the stream waits for the subrequest)
--- skip_eval: 2: Test::Apisec::cpan_skip('HTTP/2 over TLS through curl failed here in its 0.33 (issue 13)')
--- http2
--- curl_protocol: https
--- curl_options: -k
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_SERVER_PORT ssl http2;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;
        location /api {
            apisec_introspect /_introspect;
            add_header X-Sub $apisec_subject always;
            empty_gif;
        }
        location = /_introspect {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
        }
    }
--- config
--- request
GET /api
--- more_headers
Authorization: Bearer act-sam
--- error_code: 200
--- response_headers
X-Sub: sam



=== TEST 34: the answer feeds authorization: scopes and roles as a JWT's claims
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s;
--- config
    location /write {
        apisec_introspect /_introspect;
        apisec_require_scope write;
        apisec_require_role user;
        add_header X-Roles $apisec_roles always;
        add_header X-Consumer $apisec_consumer always;
        empty_gif;
    }
    location /admin {
        apisec_introspect /_introspect;
        apisec_require_scope admin;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
--- request eval
["GET /write", "GET /admin"]
--- more_headers eval
["Authorization: Bearer act-tom", "Authorization: Bearer act-tom"]
--- error_code eval
[200, 403]
--- response_headers eval
["X-Roles: user\nX-Consumer: app", 'WWW-Authenticate: Bearer realm="api", error="insufficient_scope", scope="admin"']



=== TEST 35: with apisec_api_key in the same location: either credential, a bad one refused
(both valid: the token is the identity, the key names the consumer; an
inactive token is refused even beside a valid key; neither: both
challenges; the key alone while an introspection would be pending for
nobody; the key alone makes the consumer the subject, a token alone its
client_id the consumer)
--- user_files eval
[["keys", $::KEYS]]
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s negative_ttl=10s;
--- config
    location /api {
        apisec_introspect /_introspect;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Sub $apisec_subject always;
        add_header X-Consumer $apisec_consumer always;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/reset", "GET /api", "GET /api", "GET /api", "GET /api",
 "GET /api", "GET /ctl/count?what=introspect"]
--- more_headers eval
["", "Authorization: Bearer act-ann", "X-API-Key: k-intro",
 "Authorization: Bearer act-ben\nX-API-Key: k-intro",
 "Authorization: Bearer off-carl\nX-API-Key: k-intro", "", ""]
--- error_code eval
[200, 200, 200, 200, 401, 401, 200]
--- response_headers eval
["", "X-Sub: ann\nX-Consumer: app", "X-Consumer: svc\nX-Sub: svc",
 "X-Sub: ben\nX-Consumer: svc",
 "X-Consumer: ", 'WWW-Authenticate: Bearer realm="api", ApiKey realm="api"',
 ""]
--- response_body_like eval
["", "", "", "", "", "", qr/^3$/]



=== TEST 36: verdicts never cross servers: same URI, same token, other authorization servers (A admits, B on another port and C by name refuse, in both orders, one shared cache)
--- http_config
    apisec_introspect_cache zone=introspect:1m ttl=60s negative_ttl=10s;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name localhost;
        location /api {
            apisec_introspect /_introspect;
            add_header X-Server b always;
            add_header X-Result $apisec_auth_result always;
            empty_gif;
        }
        location = /_introspect {
            internal;
            default_type application/json;
            return 200 '{"active":false}';
        }
    }
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name c.test;
        location /api {
            apisec_introspect /_introspect;
            add_header X-Server c always;
            add_header X-Result $apisec_auth_result always;
            empty_gif;
        }
        location = /_introspect {
            internal;
            default_type application/json;
            return 200 '{"active":false}';
        }
    }
--- config
    location /api {
        apisec_introspect /_introspect;
        add_header X-Server a always;
        add_header X-Result $apisec_auth_result always;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location /b/ {
        proxy_set_header Host localhost;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/reset",
 "GET /api", "GET /b/api", "GET /api",
 "GET /b/api", "GET /api", "GET /api",
 "GET /api", "GET /b/api",
 "GET /ctl/count?what=introspect"]
--- more_headers eval
["",
 "Authorization: Bearer act-one", "Authorization: Bearer act-one",
 "Host: c.test\nAuthorization: Bearer act-one",
 "Authorization: Bearer act-two",
 "Host: c.test\nAuthorization: Bearer act-two",
 "Authorization: Bearer act-two",
 "Authorization: Bearer act-one", "Authorization: Bearer act-two",
 ""]
--- error_code eval
[200, 200, 401, 401, 401, 401, 200, 200, 401, 200]
--- response_headers eval
["",
 "X-Server: a\nX-Result: ok", "X-Server: b\nX-Result: inactive",
 "X-Server: c\nX-Result: inactive",
 "X-Server: b\nX-Result: inactive", "X-Server: c\nX-Result: inactive",
 "X-Server: a\nX-Result: ok",
 "X-Server: a\nX-Result: ok", "X-Server: b\nX-Result: inactive",
 ""]
--- response_body_like eval
["ok", "", "", "", "", "", "", "", "", qr/^2$/]



=== TEST 37: B's refusal is its own endpoint's, logged (continued)
--- request
GET /b/api
--- more_headers
Authorization: Bearer act-one
--- error_code: 401
--- response_headers
X-Server: b
X-Result: inactive
--- error_log
apisec: JWT refused: token not active (introspection, cached)



=== TEST 38: with discovery and no apisec_jwt_issuer, the first answer after a start waits for the issuer: a wrong iss is refused
--- config
    location /api {
        apisec_introspect /_introspect;
        apisec_jwt_discovery /_oidc;
        apisec_jwt_key_request /_jwks;
        add_header X-Result $apisec_auth_result always;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location = /_oidc {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/.well-known/openid-configuration;
    }
    location = /_jwks {
        internal;
        proxy_pass $apisec_jwks_uri;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer iss-olga
--- error_code: 401
--- response_headers
X-Result: bad_issuer
--- error_log
apisec: discovery from "/_oidc": issuer "https://idp.example"
apisec: JWT refused: iss not accepted



=== TEST 39: the issuer of discovery admits its own tokens (continued)
--- request
GET /api
--- more_headers
Authorization: Bearer act-olga
--- error_code: 200
--- response_headers
X-Result: ok



=== TEST 40: discovery unavailable after a start: 503, never an answer unchecked
--- config
    location /api {
        apisec_introspect /_introspect;
        apisec_jwt_discovery /_oidc;
        apisec_jwt_key_request /_jwks;
        add_header X-Result $apisec_auth_result always;
        empty_gif;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/introspect;
    }
    location = /_oidc {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/.well-known/openid-configuration?mode=down;
    }
    location = /_jwks {
        internal;
        proxy_pass $apisec_jwks_uri;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer iss-petra
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- error_log
apisec: discovery subrequest "/_oidc" failed: status is not 200
apisec: bearer token not checked: no discovery document could be fetched yet



=== TEST 41: apisec_introspect_cache with a zone without a size
--- http_config
    apisec_introspect_cache zone=x;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid zone size "zone=x", "zone=name:size" expected in .*nginx.conf:\d+/
