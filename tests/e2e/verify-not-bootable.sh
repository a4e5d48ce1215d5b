#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 300
#
# A data disc without an El Torito boot catalog: SeaBIOS refuses the CD, and verify must
# say so (from the firmware's debug console) instead of blaming the menu or the preseed.
# The run is made with --json and --report, so it also shows the JSON form of a failed
# run: one document on stdout (checked with jq and python3), the verdict on stderr; and
# with --junit (read back with xmllint): the boot stage failed with the diagnosis.
source "$(dirname "$0")/prelude.sh"

iso=$(fixture_iso no-boot)
expect_status 1 "$IMGBUILD" verify "$iso" --machine pe2950 --timeout 30 --accel tcg --log "$T/log" \
    --json --report "$T/report" --junit "$T/junit.xml"
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

xmllint --noout "$T/junit.xml" || fail "verify --junit wrote no well-formed XML"
[[ $(xmllint --xpath 'count(//testcase)' "$T/junit.xml") == 1 ]] || fail "not one testcase: $(cat "$T/junit.xml")"
message=$(xmllint --xpath 'string(//testcase[@name="stage boot"]/failure/@message)' "$T/junit.xml")
[[ -n $message ]] && grep -qF -- "$message" "$T/last.err" ||
    fail "the boot stage's failure is not the verdict's summary: $(cat "$T/junit.xml")"
xmllint --xpath 'string(//failure)' "$T/junit.xml" | grep -q "cause: not bootable" ||
    fail "the failure text does not give the cause: $(cat "$T/junit.xml")"
xmllint --xpath 'string(//system-out)' "$T/junit.xml" | grep -qxF "report: $T/report/index.html" ||
    fail "the report's path is not in the JUnit file: $(cat "$T/junit.xml")"
