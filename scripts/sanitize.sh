#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer (gcc is fine):
# configures $IMGBUILD_ASAN_BUILD (default build-asan) with -DIMGBUILD_SANITIZE=ON, builds,
# and runs the unit tests (ctest -L unit) and the fast e2e build tests (ctest -R e2e.build-)
# with the instrumented imgbuild. Any sanitizer report fails the test that triggered it
# (halt_on_error, -fno-sanitize-recover), so a non-zero exit names the failing tests.
#
#   scripts/sanitize.sh [extra ctest arguments, e.g. -R unit.iso]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${IMGBUILD_ASAN_BUILD:-$here/build-asan}

cmake -S "$here" -B "$build" -G Ninja -DIMGBUILD_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)"

# detect_leaks: LeakSanitizer on every exit path; abort_on_error gives a core-like stop.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

rc=0
echo "== unit tests under ASan+UBSan"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -L unit "$@" || rc=1
echo "== e2e build tests under ASan+UBSan"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -R '^e2e\.build-' "$@" || rc=1
if [[ $rc -ne 0 ]]; then
    echo "sanitize.sh: failures under ASan+UBSan (see above)" >&2
    exit 1
fi
echo "sanitize.sh: unit and e2e build tests clean under ASan+UBSan"
