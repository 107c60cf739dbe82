#!/usr/bin/env bash
# Runs every fuzz target (fuzz/targets) built by fuzz/build.sh:
#
#   1. replays its seed corpus, fuzz/corpus/<target>/ (inputs that once
#      crashed stay there as regression tests), then
#   2. fuzzes for FUZZ_SECONDS (default 60) from that corpus and from what
#      earlier runs found (build/fuzz/corpus/<target>/, not committed).
#
# Fails, after running all of them, if any target crashed, leaked, hit a
# sanitizer report, broke an invariant or timed out; the input that did it
# is kept as build/fuzz/artifacts/<target>-crash-<sha1> and printed: fix the
# bug, then commit the input under fuzz/corpus/<target>/.
#
# Environment: FUZZ_SECONDS (per target), FUZZ_TARGETS (names, default all),
# FUZZ_FLAGS (more libFuzzer flags), FUZZ_JOBS (targets fuzzed at once,
# default: the number of CPUs; each target still gets FUZZ_SECONDS of one
# CPU, so CI's time is targets * FUZZ_SECONDS / FUZZ_JOBS).

set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/fuzz
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-$(grep -v '^#' "$root/fuzz/targets")}

# leaks are errors too; a target's slow input fails after 10 s
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1

# one target: replay, fuzz; its verdict in $out/<target>.result
fuzz_one() {
    local t=$1 bin seeds work log dict
    bin=$out/bin/$t
    seeds=$root/fuzz/corpus/$t
    work=$out/corpus/$t
    log=$out/$t.log

    if [ ! -x "$bin" ]; then
        echo "fuzz: $t: no $bin (fuzz/build.sh)" >&2
        echo FAILED >"$out/$t.result"
        return
    fi

    mkdir -p "$work" "$out/artifacts"

    dict=()
    [ -f "$root/fuzz/$t.dict" ] && dict=(-dict="$root/fuzz/$t.dict")

    # 1. the seeds, and the regression inputs among them, once each
    if ! "$bin" -runs=0 -timeout=10 "${dict[@]}" \
         -artifact_prefix="$out/artifacts/$t-" "$seeds" >"$log" 2>&1
    then
        echo "fuzz: $t: FAILED replaying $seeds (log: $log)" >&2
        tail -n 40 "$log" >&2
        echo FAILED >"$out/$t.result"
        return
    fi

    # 2. fuzzing
    echo "fuzz: $t: ${seconds}s" >&2
    # shellcheck disable=SC2086
    if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
         -print_final_stats=1 "${dict[@]}" ${FUZZ_FLAGS:-} \
         -artifact_prefix="$out/artifacts/$t-" "$work" "$seeds" \
         >>"$log" 2>&1
    then
        echo "fuzz: $t: FAILED (log: $log)" >&2
        grep -E 'ERROR|SUMMARY|invariant|Test unit written|Base64' "$log" \
            | head -n 20 >&2
        echo FAILED >"$out/$t.result"
        return
    fi

    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$log" \
        | sed "s/^/fuzz: $t: /" >&2
    echo ok >"$out/$t.result"
}

mkdir -p "$out"
running=0

for t in $targets; do
    rm -f "$out/$t.result"
    fuzz_one "$t" &
    running=$((running + 1))

    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done

wait

failed=()

for t in $targets; do
    [ "$(cat "$out/$t.result" 2>/dev/null)" = ok ] || failed+=("$t")
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]}" >&2
    exit 1
fi

echo "fuzz: all targets passed (${seconds}s each, $jobs at a time)" >&2
