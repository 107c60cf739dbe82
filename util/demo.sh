#!/usr/bin/env bash
# The demo: nginx in the foreground on 127.0.0.1 with every shipped apisec
# feature switched on: security headers, HSTS and https_only, JWT with a
# key made for the demo and its verified-token cache, authorization, API
# keys, CORS, rate limits with RateLimit headers, bans, OpenID Connect
# discovery with remote JWKS, and RFC 7662 introspection (against the mock
# provider of the tests, t/lib/mock-idp, started beside nginx).  Prints a
# token minted for the demo key and
# a curl line for each feature.  DEMO_PORT / DEMO_TLS_PORT change the ports.

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
port=${DEMO_PORT:-8080}
tls_port=${DEMO_TLS_PORT:-8443}
nginx=${NGINX:-/usr/sbin/nginx}
module=${APISEC_MODULE:-$root/build/ngx_http_apisec_module.so}
dir=${DEMO_DIR:-$root/build/demo}

# nginx started as root runs its workers as "nobody", which cannot read
# files under a home directory such as /root (mode 700): the demo's files
# then live where every user may read them
if [ "$(id -u)" = 0 ] && [ -z "${DEMO_DIR:-}" ]; then
    dir=/tmp/apisec-demo
fi

umask 022

if [ ! -f "$module" ]; then
    echo "demo: $module is missing; run \"make\" first" >&2
    exit 1
fi

mkdir -p "$dir/conf" "$dir/logs" "$dir/html"
chmod 755 "$dir" "$dir/html"
chmod 700 "$dir/conf"      # keys: read by nginx's master and the mint only

if [ ! -f "$dir/conf/demo.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$dir/conf/demo.key" -out "$dir/conf/demo.crt" 2>/dev/null
fi

# the demo's JWT key pair: the identity provider signs with the private key,
# nginx verifies with the public one (made once, kept in build/demo/conf)
if [ ! -f "$dir/conf/demo-jwt.key" ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
        -out "$dir/conf/demo-jwt.key" 2>/dev/null
    openssl pkey -in "$dir/conf/demo-jwt.key" -pubout \
        -out "$dir/conf/demo-jwt.pub"
fi

# tokens minted now by t/lib/jwt-mint (python3-jwt): a valid one for an
# hour, and one that expired a minute ago
claims='{"sub":"alice","iss":"https://idp.demo.example","aud":"orders-api","scope":"orders:read"}'
token=$("$root/t/lib/jwt-mint" --alg RS256 --key "$dir/conf/demo-jwt.key" \
        --kid demo-1 --claims "$claims" --exp 3600)
expired=$("$root/t/lib/jwt-mint" --alg RS256 --key "$dir/conf/demo-jwt.key" \
          --kid demo-1 --claims "$claims" --exp -60)
echo "$token" > "$dir/token"

# a partner's API key, made now; only its SHA-256 goes into the key file
apikey=$("$root/util/apikey-new" partner-demo roles=partner allow=127.0.0.1 \
         rate=2r/s)
key=$(echo "$apikey" | sed -n 's/^key:  //p')
echo "$apikey" | sed -n 's/^line: //p' > "$dir/conf/partners.keys"

# the demo key as a JWKS, and an OpenID Connect discovery document, served
# by the demo nginx itself as if it were the provider
/usr/bin/python3 - "$dir/conf/demo-jwt.pub" "$dir/html/jwks.json" <<'PY'
import json, sys
from jwt.algorithms import RSAAlgorithm
key = RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(open(sys.argv[1]).read())
jwk = json.loads(RSAAlgorithm.to_jwk(key))
jwk.update({"kid": "demo-1", "alg": "RS256", "use": "sig"})
json.dump({"keys": [jwk]}, open(sys.argv[2], "w"))
PY
cat > "$dir/html/openid-configuration" <<JSON
{"issuer":"https://idp.demo.example","jwks_uri":"http://127.0.0.1:$port/idp/jwks.json"}
JSON

# the mock authorization server for introspection: "act-<sub>" tokens are
# active (scope "read write"), anything else is not
idp_port=${DEMO_IDP_PORT:-8090}
mkdir -p "$dir/idp"

cat > "$dir/html/orders.json" <<'JSON'
[{"id":1,"item":"widget","qty":3},{"id":2,"item":"gadget","qty":1}]
JSON

cat > "$dir/conf/nginx.conf" <<CONF
load_module $module;

worker_processes 1;
error_log logs/error.log info;
pid logs/nginx.pid;

events {
    worker_connections 256;
}

http {
    access_log logs/access.log;
    default_type application/octet-stream;

    # every response: the API preset, HSTS on TLS, problem+json errors
    apisec_security_headers on;
    apisec_hsts max-age=31536000 includeSubDomains;
    apisec_error_format json;

    # rate limits per caller (the JWT's subject), counted across workers
    apisec_limit_zone \$apisec_subject zone=per_subject:1m rate=600r/m;
    apisec_limit_zone \$apisec_subject zone=tight:1m rate=6r/m;

    # introspection answers, shared by the workers, kept 2 minutes at most
    apisec_introspect_cache zone=introspection:1m ttl=2m negative_ttl=30s;

    # 5 authentication failures within a minute ban the address for 30 s
    apisec_ban_zone \$binary_remote_addr zone=brute:1m
                    threshold=5 window=1m duration=30s;

    server {
        listen 127.0.0.1:$port;
        listen 127.0.0.1:$tls_port ssl;
        server_name localhost;

        ssl_certificate     $dir/conf/demo.crt;
        ssl_certificate_key $dir/conf/demo.key;

        # the API: TLS only (plain HTTP gets a 308 to https), a JWT signed
        # by the demo key, verified tokens cached, CORS for one web app,
        # rate limits with RateLimit headers, bans after repeated failures
        location /api/ {
            apisec_https_only redirect port=$tls_port;

            apisec_ban zone=brute;

            apisec_jwt "demo";
            apisec_jwt_key_file $dir/conf/demo-jwt.pub;
            apisec_jwt_algorithms RS256;
            apisec_jwt_issuer https://idp.demo.example;
            apisec_jwt_audience orders-api;
            apisec_jwt_cache zone=demo_jwt:1m valid=10m;

            apisec_cors_origins https://app.example.com;
            apisec_cors_headers Authorization;
            apisec_cors_max_age 10m;

            apisec_limit zone=per_subject burst=20 nodelay;
            apisec_limit_headers on;

            # identity for the upstream would go in proxy_set_header;
            # here it is shown to the client
            add_header X-Subject \$apisec_subject always;
            add_header X-JWT-Cache \$apisec_jwt_cache_status always;

            location = /api/orders {
                apisec_require_scope orders:read;
                default_type application/json;
                alias $dir/html/orders.json;
            }

            # the token has no role "admin": 403 insufficient_scope
            location = /api/admin {
                apisec_require_role admin;
                default_type application/json;
                alias $dir/html/orders.json;
            }

            # the same API with a tight limit: 6 requests a minute, burst 2
            location = /api/limited {
                apisec_limit zone=tight burst=2 nodelay;
                default_type application/json;
                alias $dir/html/orders.json;
            }
        }

        # partners with an API key (X-API-Key), from 127.0.0.1 only, at the
        # key's own rate (rate=2r/s replaces the zone's)
        location = /partner/orders {
            apisec_api_key on;
            apisec_api_key_file $dir/conf/partners.keys;
            apisec_require_role partner;
            apisec_limit zone=per_subject burst=2 nodelay;
            apisec_limit_headers on;
            add_header X-Consumer \$apisec_consumer always;
            default_type application/json;
            alias $dir/html/orders.json;
        }

        # OpenID Connect: the issuer and the JWKS found by discovery, keys
        # fetched by subrequests and refreshed without a reload
        location /oidc/ {
            apisec_jwt "demo-oidc";
            apisec_jwt_discovery /_oidc/discovery;
            apisec_jwt_key_request /_oidc/jwks;
            apisec_jwt_key_cache 10m;
            apisec_jwt_audience orders-api;
            add_header X-Subject \$apisec_subject always;
            default_type application/json;
            alias $dir/html/;
        }

        location = /_oidc/discovery {
            internal;
            proxy_pass http://127.0.0.1:$port/idp/openid-configuration;
        }

        location = /_oidc/jwks {
            internal;
            proxy_pass \$apisec_jwks_uri;
        }

        # the "provider" of the demo: static discovery and JWKS
        location /idp/ {
            allow 127.0.0.1;
            deny all;
            default_type application/json;
            alias $dir/html/;
        }

        # opaque tokens, validated by RFC 7662 introspection at the mock
        # authorization server; answers cached in shared memory
        location /introspected/ {
            apisec_introspect /_oauth/introspect;
            apisec_require_scope read;
            add_header X-Subject \$apisec_subject always;
            default_type application/json;
            alias $dir/html/;
        }

        location = /_oauth/introspect {
            internal;
            proxy_set_header Authorization "Basic Y2xpZW50OnNlY3JldA==";
            proxy_connect_timeout 2s;
            proxy_read_timeout 3s;
            proxy_pass http://127.0.0.1:$idp_port/introspect;
        }

        # plain HTTP refused outright
        location /admin/ {
            apisec_https_only reject;
            root $dir/html;
        }

        # a public page with its own CSP
        location = /public {
            apisec_csp "default-src 'self'";
            empty_gif;
        }
    }
}
CONF

"$nginx" -p "$dir" -c conf/nginx.conf -t -q

https=https://127.0.0.1:$tls_port
http=http://127.0.0.1:$port

cat <<TXT

apisec demo: nginx on $http and $https
(config: $dir/conf/nginx.conf, log: $dir/logs/error.log; Ctrl-C stops it)

A token for the demo key (RS256, sub "alice", valid for an hour; also in
$dir/token), and one that has expired:

  TOKEN=$token
  EXPIRED=$expired

Try (paste the two lines above first):

  # JWT: 200 with the caller's identity; the first request verifies the
  # signature (X-JWT-Cache: MISS), the next ones find it cached (HIT)
  curl -ski $https/api/orders -H "Authorization: Bearer \$TOKEN"
  curl -ski $https/api/orders -H "Authorization: Bearer \$TOKEN"

  # refusals: no token (401, bare challenge), an expired token (401
  # invalid_token), a malformed header (400 invalid_request)
  curl -ski $https/api/orders
  curl -ski $https/api/orders -H "Authorization: Bearer \$EXPIRED"
  curl -ski $https/api/orders -H "Authorization: Bearer a b"

  # authorization: the token lacks the role admin (403, insufficient_scope)
  curl -ski $https/api/admin -H "Authorization: Bearer \$TOKEN"

  # API keys: a partner's key (made now; its line is in
  # $dir/conf/partners.keys), a wrong one (401 ApiKey challenge)
  curl -si $http/partner/orders -H "X-API-Key: $key"
  curl -si $http/partner/orders -H "X-API-Key: wrong"

  # OpenID Connect: discovery, then the JWKS, fetched on first need (200);
  # introspection: an active opaque token (200), an inactive one (401)
  curl -ski $https/oidc/orders.json -H "Authorization: Bearer \$TOKEN"
  curl -ski $https/introspected/orders.json -H "Authorization: Bearer act-bob"
  curl -ski $https/introspected/orders.json -H "Authorization: Bearer off-bob"

  # transport and headers: 308 to https; HSTS, CSP, nosniff, DENY,
  # no-store on TLS; 403 for plain HTTP; nginx's 404 as problem+json; a CSP
  curl -si $http/api/orders
  curl -si $http/admin/
  curl -ski $https/nothing
  curl -sI $http/public

  # CORS: a preflight from the web app (204, no token needed), and a
  # request from it (Access-Control-Allow-Origin); another origin gets 403
  curl -ski -X OPTIONS $https/api/orders -H "Origin: https://app.example.com" -H "Access-Control-Request-Method: GET" -H "Access-Control-Request-Headers: authorization"
  curl -ski $https/api/orders -H "Origin: https://app.example.com" -H "Authorization: Bearer \$TOKEN"
  curl -ski -X OPTIONS $https/api/orders -H "Origin: https://evil.example" -H "Access-Control-Request-Method: GET"

  # rate limits: RateLimit-Policy and RateLimit headers on every answer;
  # 6 a minute with a burst of 2 on /api/limited, then 429 with Retry-After
  for i in 1 2 3 4 5; do curl -sk -o /dev/null -w '%{http_code} ' $https/api/limited -H "Authorization: Bearer \$TOKEN"; done; echo
  curl -ski $https/api/limited -H "Authorization: Bearer \$TOKEN"

  # bans: 5 failed authentications within a minute (the 401s above count)
  # ban the address for 30 s: 429 with Retry-After, before any signature
  # work; run this last
  for i in 1 2 3 4 5 6; do curl -sk -o /dev/null -w '%{http_code} ' $https/api/orders -H "Authorization: Bearer \$EXPIRED"; done; echo

TXT

/usr/bin/python3 "$root/t/lib/mock-idp" "$idp_port" "$dir/idp" \
    > "$dir/logs/mock-idp.log" 2>&1 &
idp_pid=$!
trap 'kill $idp_pid 2>/dev/null' EXIT

"$nginx" -p "$dir" -c conf/nginx.conf -g "daemon off; master_process on;"
