#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu slow
# timeout: 1500
# cost: 320
#
# More boots of --layout append images through `imgbuild verify` to the preseed's
# early_command with their own build id (the default run's are in boot-append):
#   - the grub2-only fixture from a CD under BIOS: GRUB's El Torito image, its grub2
#     boot-info patched in the new session, grub.cfg of the new session;
#   - the Etch i386 image on the pe1950 profile (DRAC5 USB virtual CD, BIOS): what a
#     1950 of the rack boots (verify-etch-pe2950 boots the same kind of image on a 2950).
source "$(dirname "$0")/prelude.sh"

printf 'd-i debian-installer/locale string en_US\nd-i debconf/priority select critical\n' >"$T/min.cfg"

expect_status 0 "$IMGBUILD" build "$(fixture_iso grub2-only)" -o "$T/grub2.iso" --layout append \
    --preseed "$T/min.cfg" --no-lint --quiet
verify_boot "$T/grub2.iso" --machine generic --firmware bios
grep -q "media=cdrom" "$T/log/qemu-command.txt" || fail "grub2-only: not booted from a CD"
grub2_wall=$wall
rm -f "$T/grub2.iso"

rm -rf "$T/log"
expect_status 0 "$IMGBUILD" build "$(fixture_iso etch-i386)" -o "$T/etch.iso" --layout append \
    --preseed "$T/min.cfg" --no-lint --quiet
verify_boot "$T/etch.iso" --machine pe1950 --firmware bios
for device in mptsas1068 "product=Virtual CDROM" "-m 8192"; do
    grep -q -- "$device" "$T/log/qemu-command.txt" || fail "pe1950: QEMU command lacks $device"
done
pe1950_wall=$wall

echo "append images: grub2-only BIOS CD $grub2_wall s; etch-i386 on pe1950 $pe1950_wall s (stage boot, wall)"
