#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks run-ctest.sh (./run-tests' ending) on a throwaway CTest project: the skipped tests
# listed with their reasons, the JUnit file, ctest's summary last, ctest's exit status kept,
# and under CI=true a skip that is not declared "# may-skip-in-ci:" failing the run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/src" "$t/e2e"
printf '#!/bin/bash\necho "SKIP rootonly: needs root"; exit 77\n' >"$t/e2e/rootonly.sh"
printf '#!/bin/bash\n# may-skip-in-ci: needs a second NIC\necho "SKIP nic: no second NIC"; exit 77\n' >"$t/e2e/nic.sh"
cat >"$t/src/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(selftest NONE)
enable_testing()
add_test(NAME unit.pass COMMAND sh -c "echo fine")
add_test(NAME unit.fail COMMAND sh -c "echo broken; exit 1")
add_test(NAME e2e.rootonly COMMAND bash "$t/e2e/rootonly.sh")
add_test(NAME e2e.nic COMMAND bash "$t/e2e/nic.sh")
set_tests_properties(e2e.rootonly e2e.nic PROPERTIES SKIP_RETURN_CODE 77)
add_test(NAME unit.gtest-skip COMMAND sh -c "printf 'x_test.cpp:12: Skipped\\\\nbusybox missing\\\\n\\\\n[  SKIPPED ] A.B (0 ms)\\\\n'")
set_tests_properties(unit.gtest-skip PROPERTIES SKIP_REGULAR_EXPRESSION "\\\\[  SKIPPED \\\\]")
CMAKE
cmake -S "$t/src" -B "$t/build" >/dev/null

failures=0
check() {  # check WANT_STATUS DESCRIPTION [env VAR=VALUE...] -- CTEST_ARGS...
    local want=$1 what=$2 rc=0
    shift 2
    local envs=()
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done
    shift
    env -u CI "${envs[@]}" IMGBUILD_E2E_DIR="$t/e2e" "$here/run-ctest.sh" "$t/build" "$@" >"$t/out" 2>&1 || rc=$?
    if [[ $rc -ne $want ]]; then
        echo "FAIL: $what: exit $rc, expected $want" >&2
        cat "$t/out" >&2
        failures=$((failures + 1))
        return 1
    fi
    echo "ok: $what (exit $rc)"
}
has() {  # has TEXT: the last run's output contains the line TEXT
    grep -qxF -- "$1" "$t/out" || { echo "FAIL: no line '$1' in:" >&2; cat "$t/out" >&2; failures=$((failures + 1)); }
}

check 0 "skips listed with their reasons" -- -E unit.fail
has "Skipped tests (3):"
has "  e2e.rootonly: needs root"
has "  e2e.nic: no second NIC"
has "  unit.gtest-skip: busybox missing"
has "JUnit report: $t/build/junit.xml"
grep -q 'status="notrun"' "$t/build/junit.xml" || { echo "FAIL: no JUnit file" >&2; failures=$((failures + 1)); }
# ctest's summary is the end of the output, as before.
[[ $(tail -n 4 "$t/out" | head -n 1) == "The following tests did not run:" ]] ||
    { echo "FAIL: the output does not end with ctest's summary:" >&2; tail -n 6 "$t/out" >&2; failures=$((failures + 1)); }

check 8 "ctest's exit status is kept (a failing test)" -- -R 'unit.(pass|fail)'
tail -n 5 "$t/out" | grep -q " - unit.fail (Failed)" ||
    { echo "FAIL: the summary of the failing run is not last" >&2; failures=$((failures + 1)); }
check 1 "CI=true: an undeclared skip fails the run" CI=true -- -R 'unit.pass|e2e.rootonly'
grep -q "FAIL (CI=true): e2e.rootonly was skipped (needs root)" "$t/out" ||
    { echo "FAIL: no CI message" >&2; failures=$((failures + 1)); }
check 1 "CI=true: a GoogleTest skip fails the run" CI=true -- -R 'unit.gtest-skip'
check 0 "CI=true: a declared skip does not" CI=true -- -R 'unit.pass|e2e.nic'
check 0 "without CI an undeclared skip is only listed" -- -R 'e2e.rootonly'
[[ $failures -eq 0 ]]
