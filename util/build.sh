#!/usr/bin/env bash
# Build build/ngx_http_apisec_module.so.
#
# Against Debian 12's nginx-dev tree (/usr/share/nginx/src) by default, with
# that package's own configure flags plus --with-compat, so that the stock
# /usr/sbin/nginx loads the module.  NGINX_SRC=<nginx-1.22.1 tree> builds the
# same module against upstream source instead.
#
# The source tree is copied under build/ (configure writes objs/ and a
# Makefile into the tree it runs in); configure runs again only when the
# module's config script changes.

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src=${NGINX_SRC:-/usr/share/nginx/src}
cflags_extra="-Wall -Wextra -Werror -Wno-unused-parameter"

if [ ! -f "$src/auto/configure" ] && [ ! -f "$src/configure" ]; then
    echo "build: no nginx source tree at $src" >&2
    echo "build: apt-get install nginx-dev, or set NGINX_SRC" >&2
    exit 1
fi

if [ -n "${NGINX_SRC:-}" ]; then
    tree=$root/build/upstream-src
else
    tree=$root/build/nginx-dev-src
fi

flags=()
if [ -f "$src/conf_flags" ]; then
    # Debian's nginx-dev: NGX_CONF_FLAGS=( ... )
    # shellcheck disable=SC1091
    . "$src/conf_flags"
    flags=("${NGX_CONF_FLAGS[@]}")
else
    # upstream tree: the flags of the nginx binary installed here
    if [ -f /usr/share/nginx/src/conf_flags ]; then
        . /usr/share/nginx/src/conf_flags
        flags=("${NGX_CONF_FLAGS[@]}")
    else
        flags=(--with-compat --with-http_ssl_module --with-threads)
    fi
fi

stamp=$tree/.apisec-configured
if [ ! -f "$tree/objs/Makefile" ] || [ "$root/config" -nt "$stamp" ] \
   || [ "$src" != "$(cat "$stamp" 2>/dev/null)" ]
then
    rm -rf "$tree"
    mkdir -p "$tree"
    cp -a "$src/." "$tree/"
    [ -x "$tree/configure" ] || cp "$tree/auto/configure" "$tree/configure"
    echo "build: configuring against $src"
    (cd "$tree" && ./configure "${flags[@]}" --with-compat \
        --with-cc-opt="-g -O2 -fstack-protector-strong -Wformat -Werror=format-security -fPIC -D_FORTIFY_SOURCE=2 $cflags_extra" \
        --with-ld-opt="-Wl,-z,relro -Wl,-z,now -fPIC" \
        --add-dynamic-module="$root" > "$tree/configure.log" 2>&1) || {
        cat "$tree/configure.log" >&2
        echo "build: configure failed (full log: $tree/configure.log)" >&2
        exit 1
    }
    echo "$src" > "$stamp"
fi

make -s -C "$tree" -f objs/Makefile modules
mkdir -p "$root/build"
# copy, then rename: a running nginx that has the old file mapped keeps it
cp "$tree/objs/ngx_http_apisec_module.so" "$root/build/.ngx_http_apisec_module.so.$$"
mv -f "$root/build/.ngx_http_apisec_module.so.$$" "$root/build/ngx_http_apisec_module.so"
echo "build: $root/build/ngx_http_apisec_module.so"
