#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 300
#
# A data disc without an El Torito boot catalog: SeaBIOS refuses the CD, and verify must
# say so (from the firmware's debug console) instead of blaming the menu or the preseed.
source "$(dirname "$0")/prelude.sh"

iso=$(fixture_iso no-boot)
expect_status 1 "$IMGBUILD" verify "$iso" --machine pe2950 --timeout 30 --accel tcg --log "$T/log"
cat "$T/last.out"
grep -q "likely cause: not bootable" "$T/last.out" || fail "not diagnosed as not bootable"
grep -q "firmware: Could not read from CDROM (code 000[3-5])" "$T/last.out" ||
    fail "SeaBIOS's El Torito error not quoted"
grep -q "Booting from DVD/CD" "$T/log/firmware.log" || fail "firmware log not saved"
