#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 300
#
# A data disc without an El Torito boot catalog: SeaBIOS refuses the CD, and verify must
# say so (from the firmware's debug console) instead of blaming the menu or the preseed.
# The run is made with --json and --report, so it also shows the JSON form of a failed
# run: one document on stdout (checked with jq and python3), the verdict on stderr.
source "$(dirname "$0")/prelude.sh"

iso=$(fixture_iso no-boot)
expect_status 1 "$IMGBUILD" verify "$iso" --machine pe2950 --timeout 30 --accel tcg --log "$T/log" \
    --json --report "$T/report"
cat "$T/last.err"
grep -q "likely cause: not bootable" "$T/last.err" || fail "not diagnosed as not bootable"
grep -q "firmware: Could not read from CDROM (code 000[3-5])" "$T/last.err" ||
    fail "SeaBIOS's El Torito error not quoted"
grep -q "Booting from DVD/CD" "$T/log/firmware.log" || fail "firmware log not saved"

python3 -m json.tool "$T/last.out" >/dev/null || fail "verify --json printed no valid JSON"
jq -e --arg iso "$iso" '.iso == $iso and .passed == false and .cause == "not bootable"
    and .machine == "pe2950" and .stage == "boot" and (.logs | length) > 0' "$T/last.out" >/dev/null ||
    fail "verify --json does not carry the run's facts: $(cat "$T/last.out")"
# Paths in the stdout document are as given; report.json has them relative to the report.
jq -e --arg log "$T/log/firmware.log" '.logs | index($log) != null' "$T/last.out" >/dev/null ||
    fail "verify --json does not list $T/log/firmware.log"
jq -e '.cause == "not bootable" and (.logs | all(startswith("/") | not))' "$T/report/report.json" >/dev/null ||
    fail "report.json differs: $(cat "$T/report/report.json")"
