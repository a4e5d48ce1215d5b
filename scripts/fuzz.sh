#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds every libFuzzer harness (builder/*/*_fuzz.cpp) with clang, ASan and UBSan, and
# runs each for SECONDS_EACH seconds (default 30) through tests/fuzz/run-harness.sh:
# past findings replayed first, then fuzzing on a copy of the seed corpus.
# ./run-tests runs the same harnesses as CTest tests fuzz.NAME (IMGBUILD_FUZZ_SECONDS each);
# this script is for longer runs by hand:
#
#   scripts/fuzz.sh [SECONDS_EACH]
#
# Build directory: $IMGBUILD_FUZZ_BUILD (default build-fuzz). Exit 1 names the failing
# harnesses and prints each reproducer's path.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
build=${IMGBUILD_FUZZ_BUILD:-$here/build-fuzz}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: $0 [SECONDS_EACH]" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is not installed (apt-get install clang libclang-rt-14-dev)" >&2; exit 3; }

CC=clang CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DIMGBUILD_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
mapfile -t harnesses < <(cd "$here/builder" && ls -1 -- */*_fuzz.cpp | sed 's|.*/||; s|\.cpp$||' | sort)
[[ ${#harnesses[@]} -gt 0 ]] || { echo "fuzz.sh: no *_fuzz.cpp harness found" >&2; exit 3; }
cmake --build "$build" -j "$(nproc)" --target "${harnesses[@]}"

failed=()
for harness in "${harnesses[@]}"; do
    echo "== $harness"
    "$here/tests/fuzz/run-harness.sh" "$build/$harness" "$seconds" "$build/fuzz-work/${harness%_fuzz}" ||
        failed+=("$harness")
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz.sh: ${#failed[@]} harness(es) failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz.sh: all ${#harnesses[@]} harnesses ran ${seconds}s each without a finding"
