#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks run-harness.sh's verdicts with a fake harness (no clang build needed): a
# fixed-seed run that completes its input count passes; one the time cap stopped early
# fails, as does a harness that reports a crash.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/bin"
# The fake libFuzzer binary: executes FAKE_EXECUTED inputs (RUNS when unset), exits FAKE_RC.
cat >"$t/bin/selftest_fuzz" <<'FAKE'
#!/bin/sh
runs=0
for arg; do case $arg in -runs=*) runs=${arg#-runs=} ;; esac; done
echo "stat::number_of_executed_units: ${FAKE_EXECUTED:-$runs}"
exit "${FAKE_RC:-0}"
FAKE
chmod +x "$t/bin/selftest_fuzz"
failures=0
expect() {  # expect STATUS DESCRIPTION [VAR=VALUE...]
    local want=$1 what=$2 rc=0
    shift 2
    env "$@" bash "$here/run-harness.sh" "$t/bin/selftest_fuzz" 5 "$t/work" 100 >"$t/out" 2>&1 || rc=$?
    if [[ $rc -ne $want ]]; then
        echo "FAIL: $what: exit $rc, expected $want" >&2
        cat "$t/out" >&2
        failures=$((failures + 1))
    else
        echo "ok: $what (exit $rc)"
    fi
}
expect 0 "all 100 inputs run"
expect 1 "the cap stopped it after 40 of 100 inputs" FAKE_EXECUTED=40
grep -q "stopped the fixed-seed run after 40 of 100 inputs" "$t/out" ||
    { echo "FAIL: the early stop is not said" >&2; cat "$t/out" >&2; failures=$((failures + 1)); }
expect 1 "the harness reported a crash" FAKE_RC=77
[[ $failures -eq 0 ]]
