#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 400
#
# An unmodified base ISO (no preseed, no /imgbuild/build-id) boots but can never reach
# stage boot: exit 1, naming the stage and why, with the evidence saved (serial log,
# PNG screenshot of the waiting menu).
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso etch-i386)
expect_status 1 "$IMGBUILD" verify "$base" --machine pe2950 --timeout 45 --accel tcg --log "$T/log"
cat "$T/last.out"
grep -q "has no /imgbuild/build-id" "$T/last.out" || fail "no note about the missing build id"
grep -q "^verify: FAILED: stage boot not reached (last stage reached: none)" "$T/last.out" ||
    fail "the failure does not name the stage"
grep -q "likely cause: no build id" "$T/last.out" || fail "cause not named"
# The Etch menu waits at its boot: prompt; the diagnosis sees that no kernel started.
grep -q "no kernel running" "$T/last.out" || fail "CPU state not reported"
# The evidence, each piece checked for what it must hold. The serial log: an unmodified
# Etch disc prints nothing on the serial port (its isolinux has no SERIAL line and no
# kernel ran), so the saved log is there and empty, and verify says so instead of
# showing stale or made-up lines.
[[ -f $T/log/serial.log ]] || fail "no serial log saved"
[[ ! -s $T/log/serial.log ]] || { strings "$T/log/serial.log" | head >&2; fail "serial output where the disc prints none"; }
grep -q "serial output: none" "$T/last.out" || fail "verify does not say that nothing came on the serial port"
# The firmware log (SeaBIOS's debug port): the machine started and booted the CD.
grep -aq '^SeaBIOS (version' "$T/log/firmware.log" || fail "firmware log lacks SeaBIOS's banner"
grep -aq '^Booting from DVD/CD' "$T/log/firmware.log" || fail "firmware log does not show the CD boot"
# The text screen: isolinux's prompt, waiting.
grep -q '^boot:' "$T/log/vga-text.txt" || { cat "$T/log/vga-text.txt" >&2; fail "the saved screen text is not the waiting boot: prompt"; }
head -c 8 "$T/log/screen.png" | od -An -c | grep -q 'P   N   G' || fail "screen.png is not a PNG"
grep -q "screenshot: $T/log/screen.png" "$T/last.out" || fail "screenshot path not printed"
