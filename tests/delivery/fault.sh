# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The body of the delivery fault tests (tests/e2e/delivery-fault-*.sh), sourced after
# prelude.sh with: late (the image's late_command, replacing the flagship's), summary (an
# extended regex the verdict line must match), cause (the "likely cause:" it must name,
# empty when the verdict has none); optionally profile and machine (make-image.sh's
# profile and verify's machine: pe2950-drac5 on pe2950 unless set), expect (verify's
# --expect file) and target_add (a directory added to the target overlay). The image is the
# whole-flow test's, built by tests/delivery/make-image.sh with that late_command; verify
# must exit 1 with the diagnosis, keep its logs, and no QEMU of this run may be left.
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap of the cached Debian 12, the stand-in disc)"
IMGBUILD_DELIVERY_LATE=$late IMGBUILD_DELIVERY_TARGET_ADD=${target_add:-} \
    "$IMGBUILD_SOURCE_DIR/tests/delivery/make-image.sh" "$IMGBUILD_CACHE" "$T/image.iso" "${profile:-pe2950-drac5}" \
    >"$T/build.log" 2>&1 || { tail -n 30 "$T/build.log"; fail "building the delivery image failed"; }
start=$(date +%s)
rc=0
"$IMGBUILD" verify "$T/image.iso" --machine "${machine:-pe2950}" --stage firstboot --accel tcg \
    --expect "${expect:-$IMGBUILD_SOURCE_DIR/tests/target/bookworm.expect.toml}" --log "$T/logs" >"$T/verify.out" 2>&1 || rc=$?
sed 's/^/  verify: /' "$T/verify.out" | grep -v '^  verify:     |' | grep -v 'waiting for stage'
echo "  verify ran $(( $(date +%s) - start )) s"
[ "$rc" -eq 1 ] || fail "verify exited with $rc, expected 1 (a failed run)"
grep -Eq "^verify: FAILED: .*$summary" "$T/verify.out" || fail "the verdict does not say /$summary/"
if [ -n "$cause" ]; then
    grep -q "^  likely cause: $cause\$" "$T/verify.out" || fail "the likely cause is not '$cause'"
fi
[ -s "$T/logs/serial.log" ] && [ -s "$T/logs/verdict.txt" ] || fail "the logs of the failed run were not kept"
if pgrep -f "qemu-system.*$(basename "$T")" >/dev/null; then fail "a QEMU of this run is still running"; fi
