#!/usr/bin/env bash
# The instructions (callgrind Ir) of one json_loadb() of the 1 KB body of
# bench/cases/84-json_schema.conf, and of one validation of it against
# bench/order.schema.json (bench/schema_cost.c says how).  Needs a
# configured tree under build/ (make build) and util/nginx-src.sh's tree.

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tree=build/nginx-dev-src
src=$(util/nginx-src.sh)
tmp=$(mktemp -d /tmp/apisec-schema-cost-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

sed -n 's/^# body: //p' bench/cases/84-json_schema.conf | tr -d '\n' \
    > "$tmp/body.json"

gcc -std=gnu99 -O2 -g -Wall -Wextra -Wno-unused-parameter \
    -I"$tree/objs" -I"$tree/src/core" -I"$tree/src/event" \
    -I"$tree/src/event/modules" -I"$tree/src/os/unix" -Isrc \
    bench/schema_cost.c src/ngx_http_apisec_schema.c \
    src/ngx_http_apisec_schema_ref.c \
    src/ngx_http_apisec_schema_validate.c src/ngx_http_apisec_schema_format.c \
    "$src/src/core/ngx_palloc.c" "$src/src/core/ngx_array.c" \
    "$src/src/core/ngx_string.c" "$src/src/os/unix/ngx_alloc.c" \
    -ljansson -lpcre2-8 -lm -o "$tmp/schema_cost"

n=${N:-2000}

ir() {
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
        "$tmp/schema_cost" bench/order.schema.json "$tmp/body.json" "$1" \
        "$n" 2>&1 | sed -n 's/.*Collected : //p'
}

none=$(ir none)
parse=$(ir parse)
validate=$(ir validate)

p=$(( (parse - none) / n ))
v=$(( (validate - none) / n ))

echo "body: $(wc -c < "$tmp/body.json") bytes, $n iterations"
echo "json_loadb():  $p instructions"
echo "validation:    $v instructions ($(awk "BEGIN { printf \"%.2f\", $v / $p }") x the parse)"
