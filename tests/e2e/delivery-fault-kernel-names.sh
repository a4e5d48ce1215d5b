#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system delivery
# timeout: 2400
# cost: 240
# The verdict it checks (the console's "ALERT! /dev/sdb1 does not exist" as the reason the
# installed system did not come up) is also read from recorded consoles by the unit tests
# in builder/vm/verify_test.cpp and boots_test.cpp.
# The whole delivery (tests/e2e/delivery-pe2950.sh) with fstab and the boot loader naming
# the root disk by its kernel name, as Etch's installer wrote them: the
# late_command runs the flagship's late-command.sh, then puts back the installer's fstab
# (/dev/sdb1, the PERC disk behind the USB virtual floppy during the install) and makes
# GRUB name it too (GRUB_DISABLE_LINUX_UUID). The installed system's kernel names the disk
# otherwise, so it cannot find its root: `verify --stage firstboot` must say the installed
# system did not come up, quote the console's reason (the root device that does not
# exist) and the kernel command line, at once rather than after the whole timeout.
# In QEMU the installed kernel loads megaraid_sas before the USB media have settled, so the
# PERC disk is sda already on the first boot with the media attached: this is caught at
# that boot, before the power cycle (on the real 2950 it was sdc until the detach).
# Why no profile arrangement changes that (tried 2026-12-02 on the installed Debian 12,
# kernel 6.1.0-50): every storage and USB driver is a module (CONFIG_SCSI_MOD, USB,
# MEGARAID_SAS, FUSION_SAS, USB_STORAGE, USB_UAS =m), loaded by udev in parallel, and sd_mod
# comes after both HBAs have registered their devices, so the names follow which SCSI device
# appeared first. QEMU's megasas is READY the moment it exists (megasas_scsi_realize sets
# fw_state = MFI_FWSTATE_READY; a real PERC 6/i takes seconds) and has no property to delay
# it; usb-storage waits delay_use (1 s) before scanning. EHCI already sits on a lower slot
# (00:03) than megasas (00:04). Measured: media on usb-bot, PERC INQUIRY at 24.56 s, floppy
# at 26.43 s; media on usb-uas (no delay_use, though no DRAC presents UAS), PERC at 38.76 s,
# floppy at 38.95 s: PERC sda both times, and a race either way. The same on pe1950
# (mptsas's disk at 119.05 s, the floppy at 121.71 s). Only kernel parameters or module
# order in the installed system would change it, which a real server would not have.
source "$(dirname "$0")/prelude.sh"
late='in-target sh /usr/local/lib/imgbuild/late-command.sh && cp /target/etc/fstab.imgbuild-orig /target/etc/fstab && echo GRUB_DISABLE_LINUX_UUID=true >>/target/etc/default/grub && in-target update-grub'
summary='the installed system did not come up: .*/dev/sd[b-z]1 does not exist'
cause='installed system did not boot'
source "$IMGBUILD_SOURCE_DIR/tests/delivery/fault.sh"
grep -Eq '^  kernel command line: .*root=/dev/sd[b-z]1' "$T/verify.out" || fail "the verdict does not show the kernel's root= by kernel name"
