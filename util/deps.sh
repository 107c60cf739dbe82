#!/usr/bin/env bash
# Install the Debian 12 packages that are missing, and only those.
#
#   util/deps.sh            build + test dependencies
#   util/deps.sh demo       build + demo dependencies only (make demo)
#   util/deps.sh bench      ... and wrk, valgrind for bench/
#   util/deps.sh asan fuzz  ... and what the sanitizer build / fuzzers need

set -euo pipefail

# what building the module and running the demo need
pkgs=(
    make gcc                        # build
    nginx nginx-dev                 # the stock nginx and its module tree
    libssl-dev libjansson-dev
    libhiredis-dev                  # apisec_redis: its reply reader
    libyaml-dev                     # apisec_openapi: YAML documents
    libpcre2-dev zlib1g-dev         # nginx's configure checks for them
    openssl curl                    # certificates, the demo's curl lines
    python3-jwt python3-cryptography  # tokens minted by a library we did not write
)

# what the test suite needs besides (not installed by "util/deps.sh demo")
test_pkgs=(
    libtest-base-perl perl          # the test runner
    chromium                        # t/cors_browser.t: CORS in a real browser
    wrk                             # t/reload_load.t: reloads under load
    libnginx-mod-http-modsecurity   # t/waf.t: ModSecurity beside the module
    modsecurity-crs                 # ... with the OWASP Core Rule Set
    prometheus                      # t/status.t: promtool, a real scrape
    redis-server                    # t/redis.t: zones shared through Redis
    python3-jsonschema              # t/schema_unit.t: the differential cases
)

if [ "${1:-}" = demo ]; then
    shift
else
    pkgs+=("${test_pkgs[@]}")
fi

for extra in "$@"; do
    case $extra in
        bench) pkgs+=(wrk valgrind redis-server) ;;
        asan)  pkgs+=(dpkg-dev) ;;
        # libjwt: the second verifier of fuzz/jws_differential.c only
        fuzz)  pkgs+=(clang libclang-rt-14-dev libjwt-dev) ;;
        valgrind) pkgs+=(valgrind) ;;
        *) echo "deps: unknown group \"$extra\"" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
         | grep -q "install ok installed"
    then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "deps: installing ${missing[*]}"

sudo=
if [ "$(id -u)" != 0 ]; then
    sudo=sudo
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
