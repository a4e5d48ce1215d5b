#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system delivery
# timeout: 2400
# cost: 1000
# The whole delivery on the emulated PowerEdge 1950 (issue 11), with an iDRAC7: the flow of
# tests/e2e/delivery-pe2950.sh on machines/pe1950.toml (SAS 6/iR: QEMU's mptsas1068, Linux
# driver mptsas, a SEAGATE disk with no PERC in its name) with `drac = "idrac7"` put in a
# test copy of the profile. One run proves both things the issue asks beside the 2950:
#   - the flagship's choose-disk.sh picks the disk on mptsas behind the DRAC's USB virtual
#     floppy during the install (by its controller's driver, not by a PERC name), and the
#     installed system boots from it by UUID with and without the media;
#   - the hook's other dialect: getsysinfo says iDRAC7, the hook detaches with
#     `racadm set iDRAC.VirtualMedia.Attached Detached` (DRAC5's words would be refused),
#     reads it back with `get`, and the emulated iDRAC7 unplugs the USB virtual CD and floppy.
# (A real 1950 has a DRAC5; the iDRAC7 here is a test profile, the shipped pe1950 profile
# keeps its DRAC5 and is what `make -f Makefile.images verify-delivery MACHINE=pe1950` runs.)
source "$(dirname "$0")/prelude.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap of the cached Debian 12, the stand-in disc)"
sed 's/^drac = "drac5"/drac = "idrac7"/' "$IMGBUILD_SOURCE_DIR/machines/pe1950.toml" >"$T/pe1950-idrac7.toml"
grep -q '^drac = "idrac7"' "$T/pe1950-idrac7.toml" || fail "machines/pe1950.toml has no drac = \"drac5\" line to vary"
machine=$T/pe1950-idrac7.toml
disk_model="SEAGATE ST373455SS"
detach_call="set iDRAC.VirtualMedia.Attached Detached"
source "$IMGBUILD_SOURCE_DIR/tests/delivery/whole-flow.sh"
grep -q 'DRAC: racadm get iDRAC.VirtualMedia.Attached -> status 0' "$T/logs/timeline.txt" ||
    fail "the hook did not read the iDRAC7's attachment back"
# The disk the stand-in installed on is the mptsas one (its SAS end device), not a USB disk.
grep -Eq '^STANDIN: disk sd[b-z]: SEAGATE +ST373455SS' "$T/serial.txt" ||
    fail "the stand-in did not see the SAS 6/iR's disk behind the virtual media"
