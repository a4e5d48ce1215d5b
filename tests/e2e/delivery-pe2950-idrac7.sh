#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system delivery slow
# timeout: 2400
# cost: 1000
# The whole delivery with an iDRAC7 (issue 11): tests/e2e/delivery-pe2950.sh on the same
# emulated PowerEdge 2950 with `drac = "idrac7"`, so the first-boot hook's other dialect is
# played end to end through `imgbuild verify`: getsysinfo says iDRAC7, the hook detaches
# with `racadm set iDRAC.VirtualMedia.Attached Detached` (the DRAC5 words would be refused),
# reads it back with `get`, and the emulated iDRAC7 unplugs the USB virtual CD and floppy.
# Not on pe1950: under QEMU 7.2's mptsas1068 the Linux 6.1 mptsas driver brings the HBA up
# but never reports its disk (the stand-in waits 180 s), so no install can happen there.
source "$(dirname "$0")/prelude.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap of the cached Debian 12, the stand-in disc)"
sed 's/^drac = "drac5"/drac = "idrac7"/' "$IMGBUILD_SOURCE_DIR/machines/pe2950.toml" >"$T/pe2950-idrac7.toml"
grep -q '^drac = "idrac7"' "$T/pe2950-idrac7.toml" || fail "machines/pe2950.toml has no drac = \"drac5\" line to vary"
machine=$T/pe2950-idrac7.toml
disk_model="DELL PERC 6/i"
detach_call="set iDRAC.VirtualMedia.Attached Detached"
source "$IMGBUILD_SOURCE_DIR/tests/delivery/whole-flow.sh"
grep -q 'DRAC: racadm get iDRAC.VirtualMedia.Attached -> status 0' "$T/logs/timeline.txt" ||
    fail "the hook did not read the iDRAC7's attachment back"
