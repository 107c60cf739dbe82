#!/usr/bin/env bash
# Builds the libFuzzer targets listed in fuzz/targets into build/fuzz/bin/.
#
# The targets call the module's real code, linked with the real nginx: the
# complete nginx-1.22.1 tree (util/nginx-src.sh) and the module are built by
# util/build-asan.sh with clang, AddressSanitizer, UndefinedBehaviorSanitizer
# and libFuzzer's coverage instrumentation (-fsanitize=fuzzer-no-link) into
# build/fuzz/nginx/objs; each target then links its own file and
# fuzz/ngx_http_apisec_fuzz.c with every object of that build (nginx's
# main() renamed away, libFuzzer's main() instead) and the module's objects.
#
# Environment: CC (default clang), FUZZ_TARGETS (default: fuzz/targets).

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/fuzz
cc=${CC:-clang}

say() { echo "fuzz-build: $*" >&2; }
die() { echo "fuzz-build: error: $*" >&2; exit 1; }

command -v "$cc" >/dev/null || die "no $cc (util/deps.sh fuzz)"

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# as util/build-asan.sh: two UBSan checks nginx 1.22.1's core fails itself
san="$san -fno-sanitize=nonnull-attribute,alignment"

CC=$cc SANITIZE_FLAGS="$san -fsanitize=fuzzer-no-link" \
ASAN_BUILD_DIR=$out/nginx "$root/util/build-asan.sh" >/dev/null \
    || die "util/build-asan.sh failed"

objs=$out/nginx/objs
tree=$("$root/util/nginx-src.sh")

[ -f "$objs/src/core/nginx.o" ] || die "no $objs/src/core/nginx.o"

# nginx's objects, its main() renamed so that libFuzzer's is used
mkdir -p "$out/bin" "$out/o"
objcopy --redefine-sym main=ngx_http_apisec_fuzz_nginx_main \
    "$objs/src/core/nginx.o" "$out/o/nginx-nomain.o"

mapfile -t core < <(find "$objs/src" -name '*.o' ! -path '*/src/core/nginx.o' \
                    | sort)
core+=("$objs/ngx_modules.o" "$out/o/nginx-nomain.o")

# the module's objects (the dynamic module's own *_modules.o excepted: it
# repeats ngx_modules[])
mapfile -t module < <(find "$objs/addon" -name '*.o' | sort)
[ ${#module[@]} -gt 0 ] || die "no module objects in $objs/addon"

# libraries of the nginx link and of the module's
libs=$(awk '/\$\(LINK\) -o /,/^$/' "$objs/Makefile" \
       | tr ' \t\\' '\n\n\n' | grep -E '^-l' | awk '!seen[$0]++' | tr '\n' ' ')

cflags=$(sed -n 's/^CFLAGS =//p' "$objs/Makefile")
incs=(-I "$tree/src/core" -I "$tree/src/event" -I "$tree/src/event/modules"
      -I "$tree/src/os/unix" -I "$objs" -I "$tree/src/http"
      -I "$tree/src/http/modules" -I "$tree/src/http/v2" -I "$root/src"
      -I "$root/fuzz")

# shellcheck disable=SC2086
"$cc" -c $cflags "${incs[@]}" -o "$out/o/ngx_http_apisec_fuzz.o" \
    "$root/fuzz/ngx_http_apisec_fuzz.c"

targets=${FUZZ_TARGETS:-$(grep -v '^#' "$root/fuzz/targets")}

for t in $targets; do
    src=$root/fuzz/$t.c
    [ -f "$src" ] || die "no $src for target $t"

    # shellcheck disable=SC2086
    "$cc" -c $cflags "${incs[@]}" \
        -DNGX_HTTP_APISEC_FUZZ_SRCDIR="\"$root/fuzz\"" \
        -o "$out/o/$t.o" "$src" \
        || die "cannot compile $src"

    # a target's own libraries: libjwt, the second verifier of the
    # differential target, is linked there only, never into the module
    extra=
    case $t in
        jws_differential) extra=-ljwt ;;
    esac

    # shellcheck disable=SC2086
    "$cc" $san -fsanitize=fuzzer -o "$out/bin/$t" "$out/o/$t.o" \
        "$out/o/ngx_http_apisec_fuzz.o" "${module[@]}" "${core[@]}" $libs \
        $extra || die "cannot link $t"

    say "$out/bin/$t"
done
