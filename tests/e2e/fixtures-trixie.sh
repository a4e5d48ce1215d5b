#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e
# timeout: 600
# cost: 70
#
# The Debian 13 fixture with the signed UEFI boot chain (tests/fixtures/make-trixie-base.sh):
# the disc has debian-cd's trixie layout and boot records, its efi.img holds a
# Microsoft-signed shim as EFI/boot/bootx64.efi, Debian's signed GRUB as grubx64.efi and
# the stub that finds the disc by /.disk/id/<uuid>; the kernel is signed; the tampered
# variants differ from it in one byte of exactly the file they name; building twice gives
# the same bytes. Checked with xorriso, mtools, sbverify and cmp. Skips when the trixie
# suite cannot be reached.
source "$(dirname "$0")/prelude.sh"

command -v sbverify >/dev/null || fail "sbverify not installed (scripts/install-deps.sh)"
signed=$(trixie_iso signed)
grub_tampered=$(trixie_iso grub-tampered)
kernel_tampered=$(trixie_iso kernel-tampered)

listing=$(iso_ls "$signed")
for p in /isolinux/isolinux.bin /isolinux/isolinux.cfg /boot/grub/grub.cfg /boot/grub/x86_64-efi/grub.cfg \
    /boot/grub/efi.img /install.amd/vmlinuz /install.amd/initrd.gz /install.amd/gtk/initrd.gz /.disk/info \
    /md5sum.txt; do
    grep -qxF -- "$p" <<<"$listing" || fail "$p missing"
done
uuid=$(grep -o '^/\.disk/id/[0-9a-f-]*$' <<<"$listing" | sed 's|^/.disk/id/||')
[[ -n $uuid ]] || fail "no /.disk/id/<uuid>"
iso_cat "$signed" /.disk/info | grep -q '^Debian GNU/Linux 13' || fail ".disk/info is not Debian 13's"
report=$(report_el_torito "$signed")
grep -Eq 'El Torito boot img : +1 +BIOS' <<<"$report" || fail "no BIOS El Torito entry"
grep -Eq 'El Torito boot img : +2 +UEFI' <<<"$report" || fail "no UEFI El Torito entry"
grep -Eq 'El Torito img path : +2 +/boot/grub/efi.img' <<<"$report" || { echo "$report" >&2; fail "UEFI entry is not efi.img"; }

# efi.img: shim, GRUB and the stub, with their signatures (sbverify --list, not imgbuild).
iso_cat "$signed" /boot/grub/efi.img >"$T/efi.img"
export MTOOLS_SKIP_CHECK=1
mcopy -n -i "$T/efi.img" ::/efi/boot/bootx64.efi "$T/shim.efi"
mcopy -n -i "$T/efi.img" ::/efi/boot/grubx64.efi "$T/grub.efi"
mcopy -n -i "$T/efi.img" ::/efi/debian/grub.cfg "$T/stub.cfg"
sbverify --list "$T/shim.efi" 2>&1 | grep -q 'Microsoft Corporation UEFI CA 2011' || fail "bootx64.efi is not shim signed by Microsoft's UEFI CA"
sbverify --list "$T/grub.efi" 2>&1 | grep -q 'Debian Secure Boot' || fail "grubx64.efi is not signed by Debian"
grep -qx "search --file --set=root /.disk/id/$uuid" "$T/stub.cfg" || fail "the stub does not find the disc by its uuid"
iso_cat "$signed" /install.amd/vmlinuz >"$T/vmlinuz"
sbverify --list "$T/vmlinuz" 2>&1 | grep -q 'Debian Secure Boot' || fail "the kernel is not signed by Debian"
(cd "$T" && iso_cat "$signed" /md5sum.txt | grep ' ./install.amd/vmlinuz$' | sed 's|./install.amd/||' | md5sum -c --quiet) ||
    fail "md5sum.txt does not match the kernel"

# The tampered variants: one byte of the named file, nothing else on the disc's files.
iso_cat "$grub_tampered" /boot/grub/efi.img >"$T/efi-t.img"
mcopy -n -i "$T/efi-t.img" ::/efi/boot/grubx64.efi "$T/grub-t.efi"
[[ $(cmp -l "$T/grub.efi" "$T/grub-t.efi" | wc -l) -eq 1 ]] || fail "grub-tampered: grubx64.efi does not differ in exactly one byte"
mcopy -n -i "$T/efi-t.img" ::/efi/boot/bootx64.efi "$T/shim-t.efi"
cmp -s "$T/shim.efi" "$T/shim-t.efi" || fail "grub-tampered: shim changed too"
iso_cat "$kernel_tampered" /install.amd/vmlinuz >"$T/vmlinuz-t"
[[ $(cmp -l "$T/vmlinuz" "$T/vmlinuz-t" | wc -l) -eq 1 ]] || fail "kernel-tampered: vmlinuz does not differ in exactly one byte"
iso_cat "$kernel_tampered" /boot/grub/efi.img | cmp -s - "$T/efi.img" || fail "kernel-tampered: efi.img changed too"

# Deterministic: a second build from the same packages gives the same bytes.
"$IMGBUILD_SOURCE_DIR/tests/fixtures/make-trixie-base.sh" signed "$IMGBUILD_CACHE/trixie-apt" \
    "$IMGBUILD_CACHE/trixie-debs" "$T/again.iso" 2>"$T/again.err" || { cat "$T/again.err" >&2; fail "second build failed"; }
cmp -s "$signed" "$T/again.iso" || fail "building the signed disc twice gave different bytes"
