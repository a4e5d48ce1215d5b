#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system delivery
# timeout: 2400
# cost: 1000
# The whole delivery on the emulated PowerEdge 2950 (issue 11), through `imgbuild verify`
# alone: the STAND-IN INSTALLER disc (tests/standin: test code standing in for
# debian-installer, which cannot finish here) remastered with the flagship's overlays
# (tests/delivery/make-image.sh), then
#   verify --machine pe2950 --stage firstboot --expect tests/target/bookworm.expect.toml
# which plays: installer boot -> preseed loaded -> the flagship's choose-disk.sh picks
# the PERC disk behind the DRAC's USB virtual floppy and CD -> install finished -> reboot
# with the media attached -> first-boot hook -> racadm to the emulated DRAC5 -> QMP
# device_del of the virtual CD and floppy -> guest still healthy -> power cycle without
# media -> boots by UUID from the PERC disk, now sda, hook not run again -> disk judged.
# Needs root on a cold cache (debootstrap).
source "$(dirname "$0")/prelude.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap of the cached Debian 12, the stand-in disc)"
machine=pe2950
disk_model="DELL PERC 6/i"
detach_call="config -g cfgRacVirtual -o cfgVirMediaAttached 0"
source "$IMGBUILD_SOURCE_DIR/tests/delivery/whole-flow.sh"
