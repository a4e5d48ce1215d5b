# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The body of the whole-delivery tests (tests/e2e/delivery-*.sh), sourced after prelude.sh
# with: machine (a profile name or path), disk_model (vendor/model of the system disk as
# the kernel names it), detach_call (the racadm call the hook's dialect must use).

"$IMGBUILD_SOURCE_DIR/tests/delivery/make-image.sh" "$IMGBUILD_CACHE" "$T/image.iso" >"$T/build.log" 2>&1 ||
    { tail -n 30 "$T/build.log"; fail "building the delivery image failed"; }
start=$(date +%s)
rc=0
"$IMGBUILD" verify "$T/image.iso" --machine "$machine" --stage firstboot --accel tcg \
    --expect "$IMGBUILD_SOURCE_DIR/tests/target/bookworm.expect.toml" --log "$T/logs" --report "$T/report" >"$T/verify.out" 2>&1 || rc=$?
sed 's/^/  verify: /' "$T/verify.out"
[ "$rc" -eq 0 ] || fail "verify exited with $rc"
echo "  whole flow: $(( $(date +%s) - start )) s"

out=$T/verify.out
grep -q '^verify: PASSED: stage firstboot reached' "$out" || fail "no PASSED line for stage firstboot"
grep -q 'installed disk as .*bookworm.expect.toml' "$out" || fail "the installed disk was not judged"
# The DRAC saw the hook's dialect and unplugged its media.
grep -q 'DRAC: racadm getsysinfo' "$T/logs/timeline.txt" || fail "the hook never asked the DRAC"
grep -q "DRAC: racadm $detach_call -> status 0" "$T/logs/timeline.txt" || fail "no $detach_call to the DRAC"
grep -q 'DRAC: virtual media detached (QMP device_del vcd-bot, vfd-bot)' "$T/logs/timeline.txt" ||
    fail "the media were not unplugged"
# Disk names: during the install the system disk came after the USB virtual floppy (sdb
# here, sdc on the real 2950; checked on the console below); after the power cycle it is sda.
grep -Eq "after the power cycle, no virtual media\\): sda: $disk_model" "$out" ||
    fail "after the power cycle the $disk_model disk is not sda"
# The hook ran once: its start marker only in the first session's log.
grep -q 'IMGBUILD:firstboot-start' "$T/logs/serial.log" || fail "no firstboot-start in session 1"
if grep -q 'IMGBUILD:firstboot-start' "$T/logs/serial-power-cycle.log"; then fail "the hook ran again"; fi
# The installer's console, from the stand-in (checked outside imgbuild): the USB virtual
# floppy took sda, and the flagship's choose-disk.sh picked the controller's disk after it.
tr -d '\r' <"$T/logs/serial.log" >"$T/serial.txt"
grep -Eq '^STANDIN: disk sda: Dell +Virtual Floppy' "$T/serial.txt" ||
    fail "during the install the virtual floppy was not sda (the hazard is not reproduced)"
grep -q '^choose-disk: chose /dev/sd[b-z] (Dell storage controller' "$T/serial.txt" ||
    fail "choose-disk.sh did not pick the $disk_model disk behind the media"

# The report: its JSON read by jq, its page rendered by a real browser, which must have
# loaded the screenshots (picture-like blocks in the rendering, not broken-image icons).
jq -e '.passed == true and .media_detached == true and ([.screenshots[] | select(.file != "")] | length) >= 3
       and ([.boots[] | .system_disk] | last) == "sda"' "$T/report/report.json" >/dev/null ||
    fail "report.json does not hold the run's facts"
shots=$(jq '[.screenshots[] | select(.file != "")] | length' "$T/report/report.json")
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$T/chromium.XXXXXX")" --window-size=1280,6000 \
    --screenshot="$T/page.png" "file://$T/report/index.html" >"$T/chromium.log" 2>&1 ||
    { tail -n 5 "$T/chromium.log"; fail "chromium could not render the report"; }
python3 "$IMGBUILD_SOURCE_DIR/tests/delivery/page-check.py" "$T/page.png" "$(( shots < 4 ? shots : 4 ))" ||
    fail "the report page did not show its screenshots"
