#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system delivery
# timeout: 1800
# cost: 120
# The whole delivery (tests/e2e/delivery-pe2950.sh) with a broken late_command:
# the image calls the flagship's late-command script by a misspelt path, as a typo in a
# preseed would. The stand-in installer runs it through imgbuild's chained late_command,
# which reports IMGBUILD:late-command-failed:<status>; `verify --stage firstboot` must stop
# there at once (not wait for a first boot) and say the late_command failed, with the
# status (sh's 2 for a script it cannot open), and keep the installer's console.
source "$(dirname "$0")/prelude.sh"
late='in-target sh /usr/local/lib/imgbuild/late-comand.sh'
summary='stage firstboot not reached \(last stage reached: boot\): late_command failed: late_command failed with status 2'
cause='late_command failed'
source "$IMGBUILD_SOURCE_DIR/tests/delivery/fault.sh"
grep -q 'IMGBUILD:late-command-failed:' "$T/logs/serial.log" || fail "no late-command-failed marker on the console"
grep -Eq '^  boot 1 \(installer\): sda: Dell Virtual Floppy, sdb: DELL PERC 6/i(; root sdb1)?$' "$T/verify.out" ||
    fail "the verdict does not name the disks the installer saw"
