#!/usr/bin/env bash
# Ensure the upstream nginx-1.22.1 source tree exists at build/nginx-1.22.1
# and print its absolute path (the only thing written to stdout).
#
# The tree comes from Debian's nginx source package: only the upstream
# tarball (nginx_1.22.1.orig.tar.gz) is used, none of Debian's patches.
# Steps, each skipped when already done:
#   1. enable deb-src in /etc/apt/sources.list.d/debian.sources (adds
#      "deb-src" to each "Types: deb" line; the original is kept as
#      /etc/apt/debian.sources.before-deb-src) and run
#      apt-get update, if apt knows no source package for nginx;
#   2. apt-get source --download-only nginx, into build/debian-src/;
#   3. extract the orig tarball into build/nginx-1.22.1.
# Needs root for steps 1-2 (sudo is used when not root).  Idempotent.

set -euo pipefail

NGINX_VERSION=1.22.1
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
tree=$build/nginx-$NGINX_VERSION
dl=$build/debian-src
orig=$dl/nginx_$NGINX_VERSION.orig.tar.gz
sources=/etc/apt/sources.list.d/debian.sources
# outside sources.list.d, where apt would complain about the extension
backup=/etc/apt/debian.sources.before-deb-src

say() { echo "nginx-src: $*" >&2; }
die() { echo "nginx-src: error: $*" >&2; exit 1; }

tree_ok() {
    [ -f "$tree/configure" ] && [ -f "$tree/auto/options" ] && [ -f "$tree/src/core/nginx.h" ] \
    && grep -q "define NGINX_VERSION  *\"$NGINX_VERSION\"" "$tree/src/core/nginx.h"
}

if tree_ok; then
    echo "$tree"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
    as_root() { sudo "$@"; }
else
    as_root() { die "need root (or sudo) to run: $*"; }
fi

have_src_index() {
    # (no "| grep -q": with pipefail, apt-cache's SIGPIPE would fail it)
    local out
    out=$(apt-cache showsrc nginx 2>/dev/null) || return 1
    grep -q '^Package: nginx$' <<<"$out"
}

enable_deb_src() {
    if [ -f "$sources" ]; then
        # deb822 format: "Types: deb" -> "Types: deb deb-src" in every stanza
        # whose Types line lacks deb-src; everything else left untouched.
        if grep -Eq '^Types:' "$sources" \
           && grep -E '^Types:' "$sources" | grep -vq 'deb-src'
        then
            say "enabling deb-src in $sources (backup: $backup)"
            as_root cp -p "$sources" "$backup"
            as_root sed -i -E '/^Types:/{/deb-src/!s/$/ deb-src/}' "$sources"
        fi
    elif [ -f /etc/apt/sources.list ] \
         && grep -Eq '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list
    then
        # one-line format: add a deb-src twin of each deb line, once
        local extra=/etc/apt/sources.list.d/nginx-src-deb-src.list
        if [ ! -f "$extra" ] \
           && ! grep -Eqs '^[[:space:]]*deb-src[[:space:]]' \
                /etc/apt/sources.list /etc/apt/sources.list.d/*.list
        then
            say "adding deb-src lines in $extra"
            sed -nE 's/^[[:space:]]*deb([[:space:]])/deb-src\1/p' \
                /etc/apt/sources.list | as_root tee "$extra" >/dev/null
        fi
    else
        die "no apt sources found ($sources or /etc/apt/sources.list);" \
            "add a deb-src entry for Debian 12 (bookworm) by hand"
    fi
}

orig_sums() {
    # sha256 of the orig tarball, as listed by the (signed) Sources indexes
    local out
    out=$(apt-cache showsrc nginx 2>/dev/null) || return 0
    awk -v f="$(basename "$orig")" \
        'length($1) == 64 && $1 ~ /^[0-9a-f]+$/ && $3 == f { print $1 }' <<<"$out" | sort -u
}

# a leftover from an interrupted run: drop it
if [ -e "$orig" ] && ! gzip -tq "$orig" 2>/dev/null; then
    say "removing the damaged $orig"
    rm -f "$orig"
fi

if [ ! -s "$orig" ]; then
    command -v apt-get >/dev/null 2>&1 \
        || die "apt-get not found: this script expects Debian 12"
    if ! have_src_index; then
        enable_deb_src
        say "apt-get update (to fetch the Sources indexes)"
        as_root apt-get update -qq >&2 || die "apt-get update failed"
        have_src_index \
            || die "apt still knows no source package 'nginx' after enabling" \
                   "deb-src in $sources; check the apt sources"
    fi
    mkdir -p "$dl"
    # apt drops privileges to _apt for downloads; let it write here
    chmod 0755 "$dl"
    if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
        chown _apt "$dl" 2>/dev/null || true
    fi
    say "downloading the nginx source package into $dl"
    # Only the orig tarball is used: a mirror lacking the .dsc or the
    # .debian.tar.xz makes apt-get fail, which is tolerated as long as the
    # tarball arrived and matches the checksum in the Sources index.
    rc=0
    (cd "$dl" && as_root apt-get source --download-only -q nginx >&2) || rc=$?
    if [ ! -s "$orig" ]; then
        found=$(cd "$dl" && ls nginx_*.orig.tar.* 2>/dev/null | tr '\n' ' ')
        [ "$rc" -ne 0 ] \
            && die "apt-get source --download-only nginx failed (exit $rc)"
        die "expected $orig, but the source package has: ${found:-nothing}" \
            "(is Debian's nginx no longer $NGINX_VERSION?)"
    fi
    sum=$(sha256sum "$orig" | cut -d' ' -f1)
    sums=$(orig_sums)
    if ! grep -qx "$sum" <<<"$sums"; then
        rm -f "$orig"
        die "$(basename "$orig") does not match the sha256 in apt's" \
            "Sources index (got $sum); removed it"
    fi
    [ "$rc" -eq 0 ] || say "apt-get source exited $rc, but the orig" \
        "tarball is complete (sha256 $sum matches the Sources index)"
fi

say "extracting $(basename "$orig") into $build"
tmp=$(mktemp -d "$build/.nginx-src.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$orig" -C "$tmp" || die "cannot extract $orig"
[ -f "$tmp/nginx-$NGINX_VERSION/configure" ] \
    || die "$orig does not contain nginx-$NGINX_VERSION/configure"
rm -rf "$tree"
mv "$tmp/nginx-$NGINX_VERSION" "$tree"
tree_ok || die "extracted tree at $tree is not nginx $NGINX_VERSION"
echo "$tree"
