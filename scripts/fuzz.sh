#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds every libFuzzer harness (builder/*/*_fuzz.cpp) with clang, ASan and UBSan, and
# runs each for SECONDS_EACH seconds (default 30) on its seed corpus.
#
#   scripts/fuzz.sh [SECONDS_EACH]
#
# Build directory: $IMGBUILD_FUZZ_BUILD (default build-fuzz). A harness NAME_fuzz uses
# tests/fuzz/NAME/ as seeds when that folder exists; it runs on a copy in the build
# directory, so the committed corpus never changes. Any crash, leak, sanitizer report or
# input slower than 10 s fails the script (exit 1) and prints the reproducer's path;
# rerun it with `build-fuzz/NAME_fuzz REPRODUCER`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
build=${IMGBUILD_FUZZ_BUILD:-$here/build-fuzz}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: $0 [SECONDS_EACH]" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is not installed (apt-get install clang libclang-rt-dev)" >&2; exit 3; }

CC=clang CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DIMGBUILD_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
mapfile -t harnesses < <(cd "$here/builder" && ls -1 -- */*_fuzz.cpp | sed 's|.*/||; s|\.cpp$||' | sort)
[[ ${#harnesses[@]} -gt 0 ]] || { echo "fuzz.sh: no *_fuzz.cpp harness found" >&2; exit 3; }
cmake --build "$build" -j "$(nproc)" --target "${harnesses[@]}"

failed=()
for harness in "${harnesses[@]}"; do
    name=${harness%_fuzz}
    corpus=$build/fuzz-corpus/$name
    artifacts=$build/fuzz-artifacts/$name
    rm -rf "$corpus" "$artifacts"
    mkdir -p "$corpus" "$artifacts"
    if [[ -d $here/tests/fuzz/$name ]]; then
        find "$here/tests/fuzz/$name" -maxdepth 1 -type f ! -name '*.py' ! -name '*.sh' \
            -exec cp -t "$corpus" {} +
    fi
    log=$build/fuzz-$name.log
    echo "== $harness: ${seconds}s, $(find "$corpus" -type f | wc -l) seeds"
    rc=0
    # -fork 0 (the default) so a crash stops the run with its reproducer written at once;
    # leaks are reported at exit by LeakSanitizer (-detect_leaks=1 is libFuzzer's default).
    "$build/$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || rc=$?
    reproducers=$(find "$artifacts" -type f | sort)
    if [[ $rc -ne 0 || -n $reproducers ]]; then
        grep -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error|SUMMARY' "$log" | head -5 >&2 || true
        echo "FAIL $harness (exit $rc); log: $log" >&2
        for r in $reproducers; do echo "  reproducer: $r   (rerun: $build/$harness $r)" >&2; done
        failed+=("$harness")
    else
        grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" | tr '\n' ' ' || true
        echo
        echo "ok   $harness"
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz.sh: ${#failed[@]} harness(es) failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz.sh: all ${#harnesses[@]} harnesses ran ${seconds}s each without a finding"
