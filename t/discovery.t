# apisec_jwt_discovery: an OpenID Connect discovery document (mock-idp, on
# loopback) gives the JWKS location ($apisec_jwks_uri) and the issuer.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use ApisecIdp;

our %T = (
    idp => mint(qw(--alg RS256 --key), "$DATA/rsa.key",
                qw(--kid ka --exp 3600 --claims),
                '{"sub":"alice","iss":"https://idp.example"}'),
    other => mint(qw(--alg RS256 --key), "$DATA/rsa.key",
                  qw(--kid ka --exp 3600 --claims),
                  '{"sub":"mallory","iss":"https://other.example"}'),
    guide => mint(qw(--alg RS256 --key), "$DATA/rsa.key",
                  qw(--kid ka --exp 3600 --claims),
                  '{"sub":"alice","iss":"https://idp.example","aud":"orders-api"}'),
    noiss => mint(qw(--alg RS256 --key), "$DATA/rsa.key",
                  qw(--kid ka --exp 3600 --claims), '{"sub":"nobody"}'),
);

$ENV{TEST_NGINX_IDP_TLS_PORT} = ApisecIdp::free_port();

log_level('info');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: discovery, then the JWKS at its jwks_uri; its issuer is expected
--- config
    apisec_jwt on;
    apisec_jwt_discovery /_oidc;
    apisec_jwt_key_request /_jwks;
    location /api {
        add_header X-Sub $apisec_subject always;
        empty_gif;
    }
    location /jwks-uri {
        apisec_jwt off;
        return 200 "$apisec_jwks_uri\n";
    }
    location = /_oidc {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/.well-known/openid-configuration;
    }
    location = /_jwks {
        internal;
        proxy_pass $apisec_jwks_uri;
    }
    location /ctl/ {
        apisec_jwt off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /ctl/disc?issuer=https://idp.example&jwks_uri=http://127.0.0.1:$ENV{TEST_NGINX_IDP_PORT}/jwks2",
 "GET /api", "GET /api", "GET /api", "GET /api",
 "GET /ctl/count?what=disc", "GET /ctl/count?what=jwks", "GET /ctl/last?what=jwks",
 "GET /jwks-uri"]
--- more_headers eval
["", "", "Authorization: Bearer $::T{idp}", "Authorization: Bearer $::T{idp}",
 "Authorization: Bearer $::T{other}", "Authorization: Bearer $::T{noiss}",
 "", "", "", ""]
--- error_code eval
[200, 200, 200, 200, 401, 401, 200, 200, 200, 200]
--- response_headers eval
["", "", "X-Sub: alice", "X-Sub: alice", "X-Sub:", "X-Sub:", "", "", "", ""]
--- response_body_like eval
["ok", "ok", "", "", "", "", "^1\$", "^1\$", qr/"path": "\/jwks2"/,
 "^http://127.0.0.1:\\d+/jwks2\$"]



=== TEST 2: what discovery found is logged (continued)
--- request
GET /ctl/count?what=disc
--- error_log eval
qr/apisec: discovery from "\/_oidc": issuer "https:\/\/idp.example", jwks_uri "http:\/\/127.0.0.1:\d+\/jwks2"/



=== TEST 3: apisec_jwt_issuer wins over the discovery issuer
--- config
    apisec_jwt on;
    apisec_jwt_discovery /_oidc;
    apisec_jwt_key_request /_jwks;
    apisec_jwt_issuer https://other.example;
    location /api {
        empty_gif;
    }
    location = /_oidc {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/.well-known/openid-configuration?issuer=https://idp.example&mode=ok;
    }
    location = /_jwks {
        internal;
        proxy_pass $apisec_jwks_uri;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{other}", "Authorization: Bearer $::T{idp}"]
--- error_code eval
[200, 401]



=== TEST 4: discovery down: 503 (no keys can be fetched)
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_discovery /_oidc;
        apisec_jwt_key_request /_jwks;
        empty_gif;
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
--- more_headers eval
"Authorization: Bearer $::T{idp}"
--- error_code: 503
--- error_log
apisec: discovery subrequest "/_oidc" failed: status is not 200
apisec: bearer token not checked: no discovery document could be fetched yet



=== TEST 5: a jwks_uri that is not http(s) is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_discovery /_oidc;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
    location = /_oidc {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/.well-known/openid-configuration?jwks_uri=file:///etc/passwd&mode=ok;
    }
    location = /_jwks {
        internal;
        proxy_pass $apisec_jwks_uri;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{idp}"
--- error_code: 503
--- error_log
apisec: discovery document from "/_oidc" refused: "jwks_uri" is not an http(s) URL



=== TEST 6: a discovery document without jwks_uri is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_discovery /_oidc;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
    location = /_oidc {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/.well-known/openid-configuration?jwks_uri=none&mode=ok;
    }
    location = /_jwks {
        internal;
        proxy_pass $apisec_jwks_uri;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{idp}"
--- error_code: 503
--- error_log
apisec: discovery document from "/_oidc" refused: no valid "jwks_uri"



=== TEST 7: a discovery document that is not JSON is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_discovery /_oidc;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
    location = /_oidc {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/.well-known/openid-configuration?mode=html;
    }
    location = /_jwks {
        internal;
        proxy_pass $apisec_jwks_uri;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{idp}"
--- error_code: 503
--- error_log
apisec: discovery subrequest "/_oidc" failed: answer is not JSON



=== TEST 8: an issuer with a control character is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_discovery /_oidc;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
    location = /_oidc {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/.well-known/openid-configuration?issuer=a%0Ab&mode=ok;
    }
    location = /_jwks {
        internal;
        proxy_pass $apisec_jwks_uri;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{idp}"
--- error_code: 503
--- error_log
apisec: discovery document from "/_oidc" refused: "issuer" holds a character not allowed



=== TEST 9: a failed discovery refresh keeps the last document and keys
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_discovery /_oidc;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 1s;
        empty_gif;
    }
    location = /_oidc {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/.well-known/openid-configuration;
    }
    location = /_jwks {
        internal;
        proxy_pass $apisec_jwks_uri;
    }
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka",
 "GET /ctl/disc?issuer=https://idp.example&jwks_uri=http://127.0.0.1:$ENV{TEST_NGINX_IDP_PORT}/jwks",
 "GET /api", "GET /ctl/disc?mode=down", "GET /ctl/sleep?s=1.1", "GET /api",
 "GET /ctl/count?what=disc"]
--- more_headers eval
["", "", "Authorization: Bearer $::T{idp}", "", "",
 "Authorization: Bearer $::T{idp}", ""]
--- error_code eval
[200, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
["ok", "ok", "", "ok", "ok", "", "^2\$"]



=== TEST 10: the failed refresh is logged (continued)
--- request
GET /ctl/disc?mode=ok
--- error_log
apisec: the last discovery document from "/_oidc" serves on



=== TEST 11: apisec_jwt_discovery needs apisec_jwt_key_request
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.jwk;
        apisec_jwt_discovery /_oidc;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_jwt_discovery" needs "apisec_jwt_key_request" \(a location that proxies to \$apisec_jwks_uri\) \(location "\/api" of server "localhost"\) in .*nginx.conf:\d+/



=== TEST 12: apisec_jwt_discovery needs a URI of this server
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_discovery https://idp.example/.well-known/openid-configuration;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid URI "https:\/\/idp.example\/.well-known\/openid-configuration" in "apisec_jwt_discovery"/



=== TEST 13: the configuration of docs/oidc.md (provider behind TLS, verified)
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_IDP_TLS_PORT ssl;
        server_name localhost;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;
        location / {
            proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
        }
    }
--- user_files
>>> apisec-idp.conf
proxy_ssl_verify              on;
proxy_ssl_verify_depth        3;
proxy_ssl_trusted_certificate $TEST_NGINX_CERT;
proxy_ssl_server_name         on;
proxy_ssl_name                localhost;
proxy_ssl_protocols           TLSv1.2 TLSv1.3;
proxy_connect_timeout 2s;
proxy_send_timeout    2s;
proxy_read_timeout    3s;
proxy_set_header Accept-Encoding "";
proxy_buffering on;
--- config
    apisec_jwt             "api";
    apisec_jwt_discovery   /_oidc/discovery;
    apisec_jwt_key_request /_oidc/jwks;
    apisec_jwt_key_cache   10m refetch=1m retry=10s;
    apisec_jwt_audience    orders-api;
    apisec_jwt_algorithms  RS256 ES256;

    location /api/ {
        proxy_set_header X-User $apisec_subject;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/;
    }

    location = /_oidc/discovery {
        internal;
        proxy_pass https://127.0.0.1:$TEST_NGINX_IDP_TLS_PORT/.well-known/openid-configuration;
        include $TEST_NGINX_HTML_DIR/apisec-idp.conf;
    }

    location = /_oidc/jwks {
        internal;
        proxy_pass $apisec_jwks_uri;
        include $TEST_NGINX_HTML_DIR/apisec-idp.conf;
    }

    location /backend/ {
        apisec_jwt off;
        return 200 "user=$http_x_user\n";
    }

    location /ctl/ {
        apisec_jwt off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka,ec256.jwk",
 "GET /ctl/disc?issuer=https://idp.example&jwks_uri=https://127.0.0.1:$ENV{TEST_NGINX_IDP_TLS_PORT}/jwks",
 "GET /api/orders", "GET /api/orders", "GET /api/orders",
 "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "", "Authorization: Bearer $::T{guide}", "Authorization: Bearer $::T{idp}", "", ""]
--- error_code eval
[200, 200, 200, 401, 401, 200]
--- response_headers eval
["", "", "", 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="audience not accepted"',
 'WWW-Authenticate: Bearer realm="api"', ""]
--- response_body_like eval
["ok", "ok", "^user=alice\$", "", "", "^1\$"]
