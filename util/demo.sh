#!/usr/bin/env bash
# The demo: nginx in the foreground on 127.0.0.1 with every shipped apisec
# feature switched on.  DEMO_PORT / DEMO_TLS_PORT change the ports.

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
port=${DEMO_PORT:-8080}
tls_port=${DEMO_TLS_PORT:-8443}
nginx=${NGINX:-/usr/sbin/nginx}
module=${APISEC_MODULE:-$root/build/ngx_http_apisec_module.so}
dir=$root/build/demo

if [ ! -f "$module" ]; then
    echo "demo: $module is missing; run \"make\" first" >&2
    exit 1
fi

mkdir -p "$dir/conf" "$dir/logs" "$dir/html"

if [ ! -f "$dir/conf/demo.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$dir/conf/demo.key" -out "$dir/conf/demo.crt" 2>/dev/null
fi

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

    server {
        listen 127.0.0.1:$port;
        listen 127.0.0.1:$tls_port ssl;
        server_name localhost;

        ssl_certificate     $dir/conf/demo.crt;
        ssl_certificate_key $dir/conf/demo.key;

        # the API answers over TLS only: plain HTTP gets a 308 to https
        location = /api/orders {
            apisec_https_only redirect port=$tls_port;
            default_type application/json;
            alias $dir/html/orders.json;
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

cat <<TXT

apisec demo: nginx on http://127.0.0.1:$port and https://127.0.0.1:$tls_port
(config: $dir/conf/nginx.conf, log: $dir/logs/error.log; Ctrl-C stops it)

Try:
  curl -si http://127.0.0.1:$port/api/orders          # 308 to https, with the security headers
  curl -ski https://127.0.0.1:$tls_port/api/orders    # 200 with HSTS, CSP, nosniff, DENY, no-store
  curl -si http://127.0.0.1:$port/admin/              # 403, application/problem+json
  curl -ski https://127.0.0.1:$tls_port/nothing       # nginx's 404 as problem+json
  curl -si http://127.0.0.1:$port/public              # the location's own CSP

TXT

exec "$nginx" -p "$dir" -c conf/nginx.conf -g "daemon off; master_process on;"
