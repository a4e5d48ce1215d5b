#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system delivery
# timeout: 2400
# cost: 700
# The whole delivery (tests/e2e/delivery-pe2950.sh) with fstab and the boot loader naming
# the root disk by its kernel name, as Etch's installer wrote them (issue 11): the
# late_command runs the flagship's late-command.sh, then puts back the installer's fstab
# (/dev/sdb1, the PERC disk behind the USB virtual floppy during the install) and makes
# GRUB name it too (GRUB_DISABLE_LINUX_UUID). The installed system's kernel names the disk
# otherwise, so it cannot find its root: `verify --stage firstboot` must say the installed
# system did not come up, quote the console's reason (the root device that does not
# exist) and the kernel command line, at once rather than after the whole timeout.
# In QEMU the installed kernel loads megaraid_sas before the USB media have settled, so the
# PERC disk is sda already on the first boot with the media attached: this is caught at
# that boot, before the power cycle (on the real 2950 it was sdc until the detach).
source "$(dirname "$0")/prelude.sh"
late='in-target sh /usr/local/lib/imgbuild/late-command.sh && cp /target/etc/fstab.imgbuild-orig /target/etc/fstab && echo GRUB_DISABLE_LINUX_UUID=true >>/target/etc/default/grub && in-target update-grub'
summary='the installed system did not come up: .*/dev/sd[b-z]1 does not exist'
cause='installed system did not boot'
source "$IMGBUILD_SOURCE_DIR/tests/delivery/fault.sh"
grep -Eq '^  kernel command line: .*root=/dev/sd[b-z]1' "$T/verify.out" || fail "the verdict does not show the kernel's root= by kernel name"
