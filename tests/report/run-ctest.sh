#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ctest for ./run-tests, and what it says at the end:
#
#   run-ctest.sh BUILD_DIR [CTEST_ARGS...]
#
# Runs ctest on BUILD_DIR with its JUnit report in BUILD_DIR/junit.xml (and its output in
# BUILD_DIR/ctest-output.log), then lists the skipped tests with their reasons
# (skipped.py), says where the JUnit report is and repeats ctest's summary lines, last. The
# exit status is ctest's; with CI=true, 1 also when a test skipped that CI must run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run-ctest.sh BUILD_DIR [CTEST_ARGS...]}" && pwd)
shift
e2e_dir=${IMGBUILD_E2E_DIR:-$here/../e2e}

junit=$build/junit.xml
log=$build/ctest-output.log
rm -f "$junit"
set +e
ctest --test-dir "$build" --output-junit "$junit" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

skip_status=0
/usr/bin/python3 "$here/skipped.py" "$junit" "$e2e_dir" || skip_status=$?
if [[ $status -eq 0 && $skip_status -ne 0 ]]; then
    echo "run-tests: the run fails: tests skipped under CI=true that CI must run (above)"
    status=1
fi
if [[ -f $junit ]]; then echo "JUnit report: $junit"; fi
# ctest's summary last, where a run without this report ends it (.ci/run's log).
sed -n '/tests passed, .* tests failed out of /,$p' "$log"
exit "$status"
