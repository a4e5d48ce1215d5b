#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs one libFuzzer harness (built by -DIMGBUILD_FUZZ=ON: clang, ASan, UBSan) for a
# bounded time. Used by CTest (tests fuzz.NAME, label "fuzz", and fuzz-long.NAME, label
# "slow") and by scripts/fuzz.sh.
#
#   run-harness.sh HARNESS_BINARY SECONDS WORK_DIR [RUNS]
#
# NAME is the binary's name without _fuzz. First every past finding for NAME
# (tests/fuzz/findings/NAME-*) is replayed: a fixed bug must stay fixed. Then the harness
# fuzzes on a copy of tests/fuzz/NAME/ (the committed seeds never change):
#  - with RUNS: exactly RUNS inputs from a fixed seed (-seed=1), so the same commit always
#    tries the same inputs and a red CI run means the commit, not the dice. SECONDS is
#    then a cap: a run it stops before RUNS inputs fails (it did not test what the commit
#    is judged on; raise IMGBUILD_FUZZ_SECONDS or lower IMGBUILD_FUZZ_RUNS).
#  - without RUNS: SECONDS of random exploration (a new seed each time) to find new bugs.
# Any crash, leak, sanitizer report or input slower than 10 s fails (exit 1) and the
# reproducer's path is printed; rerun it with `HARNESS_BINARY REPRODUCER`.
set -euo pipefail
harness=${1:?usage: run-harness.sh HARNESS_BINARY SECONDS WORK_DIR}
seconds=${2:?usage: run-harness.sh HARNESS_BINARY SECONDS WORK_DIR}
work=${3:?usage: run-harness.sh HARNESS_BINARY SECONDS WORK_DIR [RUNS]}
runs=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$harness")
name=${name%_fuzz}
[[ -x $harness ]] || { echo "run-harness: $harness is not built (configure with -DIMGBUILD_FUZZ=ON)" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "run-harness: SECONDS must be a positive integer, not '$seconds'" >&2; exit 2; }
[[ -z $runs || ( $runs =~ ^[0-9]+$ && $runs -gt 0 ) ]] || { echo "run-harness: RUNS must be a positive integer, not '$runs'" >&2; exit 2; }

corpus=$work/corpus
artifacts=$work/artifacts
rm -rf "$corpus" "$artifacts"
mkdir -p "$corpus" "$artifacts"
if [[ -d $here/$name ]]; then
    find "$here/$name" -maxdepth 1 -type f -exec cp -t "$corpus" {} +
fi
log=$work/fuzz.log
: >"$log"

report() {  # the few lines that say what went wrong, then the reproducers
    grep -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error|SUMMARY' "$log" | head -5 >&2 || true
    echo "FAIL ${name}_fuzz: $1; log: $log" >&2
    find "$artifacts" -type f | sort | while read -r r; do
        echo "  reproducer: $r   (rerun: $harness $r)" >&2
    done
    exit 1
}

mapfile -t findings < <(find "$here/findings" -maxdepth 1 -type f -name "$name-*" 2>/dev/null | sort)
if [[ ${#findings[@]} -gt 0 ]]; then
    # Given files (not folders), libFuzzer runs each input once and exits non-zero on a crash.
    "$harness" -timeout=10 -rss_limit_mb=2048 "${findings[@]}" >>"$log" 2>&1 ||
        report "a past finding fails again"
    echo "replayed ${#findings[@]} past finding(s) for $name"
fi

seeds=$(find "$corpus" -type f | wc -l)
if [[ -n $runs ]]; then
    echo "fuzzing $name: $runs inputs from seed 1 and $seeds corpus files (cap ${seconds}s)"
    mode=(-seed=1 -runs="$runs")
else
    echo "fuzzing $name for ${seconds}s from $seeds corpus files (random seed)"
    mode=()
fi
rc=0
# -fork 0 (the default): a crash stops the run with its reproducer written at once; leaks
# are reported at exit by LeakSanitizer (-detect_leaks=1 is libFuzzer's default).
"$harness" "${mode[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" >>"$log" 2>&1 || rc=$?
if [[ $rc -ne 0 || -n $(find "$artifacts" -type f) ]]; then
    report "exit $rc"
fi
executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" | tr '\n' ' ' || true
echo
if [[ -n $runs && ${executed:-0} -lt $runs ]]; then
    echo "FAIL ${name}_fuzz: the ${seconds}s cap stopped the fixed-seed run after ${executed:-0} of $runs inputs;" \
        "log: $log (raise IMGBUILD_FUZZ_SECONDS or lower IMGBUILD_FUZZ_RUNS)" >&2
    exit 1
fi
echo "ok ${name}_fuzz: no finding"
