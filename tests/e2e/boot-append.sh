#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 1500
# cost: 420
#
# Images built with --layout append boot through `imgbuild verify` to the preseed's
# early_command with their own build id, on boot paths the other tests do not take:
#   - the Debian 12 BIOS+UEFI isohybrid image written to a USB stick (`dd`), under BIOS:
#     the isohybrid MBR must find isolinux.bin at its new block in the grown session;
#   - the same stick under UEFI (OVMF): the firmware reads the GPT (its backup header moved
#     to the grown image's end) and starts grub from the EFI partition, the base's efi.img;
#   - the Etch 3-in-1 (amd64 chosen) from a CD under BIOS: isolinux of the new session,
#     install.amd's initrd rewritten in it.
# The other append boots: verify-etch-pe2950 (BIOS CD), verify-modern-uefi (UEFI CD),
# boot-append-slow (grub2-only BIOS CD, the pe1950 profile). Each boot is 25-100 s under
# TCG on two idle cores (more under load).
source "$(dirname "$0")/prelude.sh"

printf 'd-i debian-installer/locale string en_US\nd-i debconf/priority select critical\n' >"$T/min.cfg"

base=$(fixture_iso modern-amd64)
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
as_usb_stick() {
    grep -q "usb-storage" "$T/log/qemu-command.txt" || fail "$1: not booted as a USB disk"
    grep -q "media=cdrom" "$T/log/qemu-command.txt" && fail "$1: a CD-ROM was attached too"
    return 0
}

verify_boot "$T/stick.iso" --machine "$T/usb-stick.toml" --firmware bios
as_usb_stick "BIOS"
grep -q "if=pflash" "$T/log/qemu-command.txt" && fail "BIOS boot used OVMF"
bios_wall=$wall

rm -rf "$T/log"
verify_boot "$T/stick.iso" --machine "$T/usb-stick.toml" --firmware uefi
as_usb_stick "UEFI"
grep -q "if=pflash" "$T/log/qemu-command.txt" || fail "UEFI: not booted with OVMF"
uefi_wall=$wall
rm -f "$T/stick.iso"

rm -rf "$T/log"
expect_status 0 "$IMGBUILD" build "$(fixture_iso etch-multiarch)" -o "$T/multi.iso" --layout append --arch amd64 \
    --preseed "$T/min.cfg" --no-lint --quiet
verify_boot "$T/multi.iso" --machine generic --firmware bios
grep -q "media=cdrom" "$T/log/qemu-command.txt" || fail "3-in-1: not booted from a CD"
multi_wall=$wall

echo "append images: modern as a USB stick BIOS $bios_wall s, UEFI $uefi_wall s; 3-in-1 (amd64) BIOS CD $multi_wall s (stage boot, wall)"
