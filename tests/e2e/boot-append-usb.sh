#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 900
#
# A Debian 12 BIOS+UEFI isohybrid image built with --layout append, written to a USB
# stick (`dd`): the BIOS starts the isohybrid MBR, which must find isolinux.bin at its
# new block in the grown session, and isolinux's unattended entry reaches the preseed's
# early_command with this ISO's build id. The El Torito paths of append images are booted
# by verify-etch-pe2950 (BIOS CD) and verify-modern-uefi (UEFI CD).
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso modern-amd64)
printf 'd-i debian-installer/locale string en_US\n' >"$T/min.cfg"
expect_status 0 "$IMGBUILD" build "$base" -o "$T/stick.iso" --layout append --preseed "$T/min.cfg" --no-lint --quiet
# The MBR's boot code names isolinux.bin's block (times 4, at byte 432) of the grown image.
lba=$(report_el_torito "$T/stick.iso" | sed -n 's/^El Torito boot img : *1 *BIOS .* \([0-9]*\)$/\1/p')
[[ $(od -An -tu4 -j 432 -N4 "$T/stick.iso" | tr -d ' ') -eq $((lba * 4)) ]] ||
    fail "the isohybrid MBR does not name isolinux.bin's new block $lba"

# The generic PC with the image as a USB mass-storage disk instead of a CD.
cat >"$T/usb-stick.toml" <<'TOML'
description = "generic PC (q35, the ISO as a USB stick, virtio disk, 1 GB)"
memory = 1024
cpus = 2
disk-size = "8G"
qemu = [
  "-machine q35",
  "-vga std",
  "-device qemu-xhci,id=xhci",
  "-drive if=none,id=stick,format=raw,readonly=on,file={iso}",
  "-device usb-storage,bus=xhci.0,drive=stick,removable=on,bootindex={cd-bootindex}",
  "-drive if=none,id=disk0,format=qcow2,file={disk}",
  "-device virtio-blk-pci,drive=disk0,bootindex={disk-bootindex}",
  "-netdev user,id=net0",
  "-device virtio-net-pci,netdev=net0",
]
TOML
verify_boot "$T/stick.iso" --machine "$T/usb-stick.toml" --firmware bios
grep -q "usb-storage" "$T/log/qemu-command.txt" || fail "not booted as a USB disk"
grep -q "media=cdrom" "$T/log/qemu-command.txt" && fail "a CD-ROM was attached too"
echo "modern-amd64 append image as a USB stick (BIOS): stage boot after $wall s wall"
