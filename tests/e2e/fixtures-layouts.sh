#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e
# timeout: 300
#
# The base-ISO fixtures every other test builds on: each layout has the boot setup and
# files of the real disc it stands for (checked with xorriso, not imgbuild), and building
# a layout twice gives the same bytes.
source "$(dirname "$0")/prelude.sh"

# has_file ISO PATH...: every PATH is on the disc.
has_file() {
    local iso=$1 listing
    shift
    listing=$(iso_ls "$iso")
    local p
    for p in "$@"; do
        grep -qxF -- "$p" <<<"$listing" || fail "$(basename "$iso"): $p missing"
    done
}

# report_has ISO REGEX...: every REGEX matches a line of the El Torito/system area report.
report_has() {
    local iso=$1 report
    shift
    report=$(report_el_torito "$iso")
    local re
    for re in "$@"; do
        grep -Eq -- "$re" <<<"$report" || { echo "$report" >&2; fail "$(basename "$iso"): no /$re/ in the boot report"; }
    done
}

report_lacks() {
    local iso=$1 re=$2
    ! report_el_torito "$iso" | grep -Eq -- "$re" || fail "$(basename "$iso"): unexpected /$re/ in the boot report"
}

# El Torito report lines look like
#   El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4          53
bios_noemul='El Torito boot img : +1 +BIOS +y +none '
uefi_noemul='El Torito boot img : +2 +UEFI +y +none '

# --- etch-i386
iso=$(fixture_iso etch-i386)
report_has "$iso" "$bios_noemul" 'El Torito img path : +1 +/isolinux/isolinux.bin$' \
    'El Torito cat path : /isolinux/boot.cat$' 'boot-info-table'
isoinfo -d -i "$iso" | grep -qx 'Volume id: Debian 4.0 r9 i386 Bin-1' || fail "etch volume id"
report_lacks "$iso" 'UEFI'
has_file "$iso" /isolinux/isolinux.bin /isolinux/ldlinux.c32 /isolinux/isolinux.cfg \
    /install.386/vmlinuz /install.386/initrd.gz /install.386/gtk/initrd.gz \
    /.disk/info /.disk/base_components /dists/etch/Release \
    /dists/etch/main/binary-i386/Packages.gz /md5sum.txt /debian /dists/stable
cfg=$(iso_cat "$iso" /isolinux/isolinux.cfg)
grep -qx 'DEFAULT install' <<<"$cfg" || fail "etch isolinux.cfg: no DEFAULT install"
for label in install linux installgui expert rescue auto; do
    grep -qx "LABEL $label" <<<"$cfg" || fail "etch isolinux.cfg: no LABEL $label"
done
grep -q 'append vga=normal initrd=/install.386/initrd.gz --$' <<<"$cfg" || fail "etch isolinux.cfg: no install append line"
iso_cat "$iso" /.disk/info | grep -q '^Debian GNU/Linux 4.0 r9 "Etch" - Official i386 NETINST Binary-1' ||
    fail "etch .disk/info"
# md5sum.txt must be right for the files it lists (a checker on the disc uses it).
mkdir "$T/etch"
xorriso -report_about FAILURE -indev "$iso" -osirrox on -extract / "$T/etch" >/dev/null 2>&1
(cd "$T/etch" && md5sum --quiet -c md5sum.txt) || fail "etch md5sum.txt does not match the files"
grep -q '  \./install.386/initrd.gz$' "$T/etch/md5sum.txt" || fail "etch md5sum.txt lacks ./install.386/initrd.gz"
[[ $(readlink "$T/etch/debian") == . ]] || fail "etch: debian is not a symlink to ."
[[ $(readlink "$T/etch/dists/stable") == etch ]] || fail "etch: dists/stable is not a symlink to etch"
gzip -dc "$T/etch/dists/etch/main/binary-i386/Packages.gz" | grep -q '^Filename: pool/' ||
    fail "etch Packages.gz lists no pool file"
rm -rf "$T/etch"

# --- etch-multiarch
iso=$(fixture_iso etch-multiarch)
report_has "$iso" "$bios_noemul" 'El Torito img path : +1 +/isolinux/isolinux.bin$'
has_file "$iso" /install.386/vmlinuz /install.386/initrd.gz /install.amd/vmlinuz /install.amd/initrd.gz \
    /dists/etch/main/binary-amd64/Packages.gz
cfg=$(iso_cat "$iso" /isolinux/isolinux.cfg)
grep -qx 'DEFAULT64 amd64-install' <<<"$cfg" || fail "multiarch isolinux.cfg: no DEFAULT64"
grep -qx 'LABEL amd64-install' <<<"$cfg" || fail "multiarch isolinux.cfg: no amd64-install label"
grep -q 'initrd=/install.amd/initrd.gz' <<<"$cfg" || fail "multiarch isolinux.cfg: no amd64 initrd"

# --- modern-amd64: BIOS isolinux + UEFI efi.img, isohybrid MBR + GPT
iso=$(fixture_iso modern-amd64)
report_has "$iso" "$bios_noemul" "$uefi_noemul" \
    'El Torito img path : +1 +/isolinux/isolinux.bin$' 'El Torito img path : +2 +/boot/grub/efi.img$' \
    'System area summary: MBR isohybrid' 'GPT' 'MBR partition +: +2 .* 0xef '
has_file "$iso" /isolinux/isolinux.cfg /isolinux/menu.cfg /isolinux/txt.cfg /isolinux/gtk.cfg \
    /isolinux/vesamenu.c32 /isolinux/ldlinux.c32 /isolinux/libcom32.c32 /isolinux/libutil.c32 \
    /boot/grub/grub.cfg /boot/grub/efi.img /install.amd/vmlinuz /install.amd/initrd.gz \
    /install.amd/gtk/initrd.gz /.disk/info /md5sum.txt
iso_cat "$iso" /isolinux/isolinux.cfg | grep -qx 'include menu.cfg' || fail "modern isolinux.cfg: no include menu.cfg"
iso_cat "$iso" /boot/grub/grub.cfg | grep -q "^menuentry --hotkey=i 'Install'" || fail "modern grub.cfg: no Install entry"
# The FAT image really holds the UEFI loader (mtools reads it without mounting).
iso_cat "$iso" /boot/grub/efi.img >"$T/efi.img"
MTOOLS_SKIP_CHECK=1 mdir -b -i "$T/efi.img" ::/EFI/boot | grep -qi 'bootx64.efi' || fail "efi.img has no EFI/boot/bootx64.efi"

# --- grub2-only: grub's own El Torito image, no isolinux
iso=$(fixture_iso grub2-only)
report_has "$iso" "$bios_noemul" "$uefi_noemul" \
    'El Torito img path : +1 +/boot/grub/i386-pc/eltorito.img$' 'grub2-boot-info' 'grub2-mbr'
iso_ls "$iso" | grep -q '^/isolinux' && fail "grub2-only has an isolinux directory"
has_file "$iso" /boot/grub/grub.cfg /install.amd/vmlinuz /install.amd/initrd.gz

# --- plain-data: bootable, no installer
iso=$(fixture_iso plain-data)
report_has "$iso" "$bios_noemul"
iso_ls "$iso" | grep -Eq '^/install\.|/initrd' && fail "plain-data has an installer"
has_file "$iso" /boot/memtest86+.bin /isolinux/isolinux.cfg

# --- no-boot: no El Torito catalog at all
iso=$(fixture_iso no-boot)
report_lacks "$iso" 'El Torito'
has_file "$iso" /README.txt /data/file1.txt

# --- determinism: a fresh build of each layout equals the cached one, byte for byte,
# even in another time zone.
for layout in etch-i386 modern-amd64 grub2-only plain-data no-boot; do
    TZ=Pacific/Kiritimati "$IMGBUILD_SOURCE_DIR/tests/fixtures/make-base-iso.sh" "$layout" "$T/again.iso"
    cmp "$(fixture_iso "$layout")" "$T/again.iso" || fail "$layout: a second build differs"
    rm "$T/again.iso"
done
