#!/usr/bin/env bash
# labels: e2e build
# timeout: 400
# Every base layout: modern BIOS+UEFI isohybrid, Etch 3-in-1, grub2-only, a bootable disc
# with no installer. Boot setup (El Torito entries, system area) must survive unchanged,
# as xorriso reports it, and the unattended entry must boot the asked architecture.
source "$(dirname "$0")/prelude.sh"

printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"

# boot_shape (prelude.sh) compares boot setups, block addresses and sizes aside. The same
# entry at a block address of another width (5 digits in a grown image instead of 2) is
# the same shape: the right-aligned column's spaces go with the address.
[[ $(boot_shape_of <<<'El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4          53') == \
   "$(boot_shape_of <<<'El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4       64086')" ]] ||
    fail "boot_shape tells an image moved to a wider block address from the same entry"
[[ $(boot_shape_of <<<'El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4          53') != \
   "$(boot_shape_of <<<'El Torito boot img :   1  BIOS  y   none  0x0000  0x00    640          53')" ]] ||
    fail "boot_shape does not see a boot image's size change"

# --- modern amd64, BIOS + UEFI, isohybrid
modern=$(fixture_iso modern-amd64)
expect_status 0 "$IMGBUILD" build "$modern" -o "$T/modern.iso" --preseed "$T/p.cfg" --kernel-args "console=ttyS0,115200n8" --quiet
diff <(boot_shape "$modern") <(boot_shape "$T/modern.iso") || fail "modern: boot setup changed"
report_el_torito "$T/modern.iso" | grep -q 'El Torito boot img :   2  UEFI' || fail "modern: UEFI entry lost"
report_el_torito "$T/modern.iso" | grep -qi 'isohybrid' || fail "modern: isohybrid MBR lost"
iso_cat "$T/modern.iso" /boot/grub/grub.cfg >"$T/grub.cfg"
first_entry=$(grep -m1 -E '^\s*menuentry' "$T/grub.cfg")
[[ $first_entry == *imgbuild* ]] || fail "modern: grub's first entry is not the unattended one: $first_entry"
grep -q 'set timeout=5' "$T/grub.cfg" || fail "modern: grub has no timeout"
grep -E '^\s*linux\s+/install.amd/vmlinuz.*auto=true priority=critical.*console=ttyS0,115200n8' "$T/grub.cfg" >/dev/null ||
    fail "modern: grub unattended entry lacks the args"
grep -c 'menuentry' "$T/grub.cfg" | { read -r n; [[ $n -ge 3 ]]; } || fail "modern: original grub entries lost"
iso_cat "$T/modern.iso" /isolinux/isolinux.cfg | grep -qi '^default imgbuild' || fail "modern: isolinux default not set"
# Both initrds referenced by the menus (text and gtk) carry the preseed.
"$IMGBUILD" inspect "$T/modern.iso" >"$T/inspect"
grep -q 'initrd /install.amd/initrd.gz: preseed.cfg with imgbuild markers' "$T/inspect" || fail "modern: text initrd not preseeded"
grep -q 'initrd /install.amd/gtk/initrd.gz: preseed.cfg with imgbuild markers' "$T/inspect" || fail "modern: gtk initrd not preseeded"

# --- Etch 3-in-1: --arch picks the installer, whatever DEFAULT64 says.
multi=$(fixture_iso etch-multiarch)
expect_status 0 "$IMGBUILD" build "$multi" -o "$T/multi386.iso" --preseed "$T/p.cfg" --arch i386 --quiet
iso_cat "$T/multi386.iso" /isolinux/isolinux.cfg >"$T/m386.cfg"
sed -n '/^label imgbuild$/,/^label /p' "$T/m386.cfg" | grep -q 'kernel /install.386/' || fail "3-in-1 --arch i386 did not choose install.386"
grep -qiE '^\s*default64' "$T/m386.cfg" && fail "3-in-1: an active DEFAULT64 line would boot amd64 on a 64-bit CPU"
expect_status 0 "$IMGBUILD" build "$multi" -o "$T/multiamd.iso" --preseed "$T/p.cfg" --arch amd64 --quiet
iso_cat "$T/multiamd.iso" /isolinux/isolinux.cfg | sed -n '/^label imgbuild$/,/^label /p' | grep -q 'kernel /install.amd/' ||
    fail "3-in-1 --arch amd64 did not choose install.amd"
expect_status 2 "$IMGBUILD" build "$(fixture_iso etch-i386)" -o "$T/x.iso" --preseed "$T/p.cfg" --arch amd64 --quiet
expect_stderr_match 'amd64'
expect_file_absent "$T/x.iso"

# --- grub2-only disc (GRUB El Torito image with boot info, GRUB2 MBR)
grub2=$(fixture_iso grub2-only)
expect_status 0 "$IMGBUILD" build "$grub2" -o "$T/grub2.iso" --preseed "$T/p.cfg" --quiet
diff <(boot_shape "$grub2") <(boot_shape "$T/grub2.iso") || fail "grub2-only: boot setup changed"
iso_cat "$T/grub2.iso" /boot/grub/grub.cfg | grep -m1 -E '^\s*menuentry' | grep -q imgbuild || fail "grub2-only: no unattended entry"

# --- a bootable disc with no installer: overlays yes, a preseed no.
plain=$(fixture_iso plain-data)
mkdir -p "$T/ov"
echo x >"$T/ov/added.txt"
expect_status 0 "$IMGBUILD" build "$plain" -o "$T/plain.iso" --cdrom-overlay "$T/ov" --quiet
iso_ls "$T/plain.iso" | grep -qx /added.txt || fail "plain: overlay file missing"
diff <(boot_shape "$plain") <(boot_shape "$T/plain.iso") || fail "plain: boot setup changed"
expect_status 2 "$IMGBUILD" build "$plain" -o "$T/plain2.iso" --preseed "$T/p.cfg" --quiet
expect_stderr_match 'no Debian installer'
expect_file_absent "$T/plain2.iso"
