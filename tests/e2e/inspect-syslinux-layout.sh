#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e build
# timeout: 300
# A disc whose isolinux configuration is /syslinux/syslinux.cfg (a layout `build` reads and
# rewrites): `inspect` must read the same menu, so it shows the unattended entry build
# added and the preseed in the initrd that entry boots (it once looked only at the
# isolinux/ paths and reported no installer at all on such a disc).
source "$(dirname "$0")/prelude.sh"

modern=$(fixture_iso modern-amd64)
stage=$T/stage
mkdir -p "$stage/syslinux" "$stage/install.amd"
for f in vmlinuz initrd.gz; do
    iso_cat "$modern" "/install.amd/$f" >"$stage/install.amd/$f" || fail "fixture has no /install.amd/$f"
done
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$stage/syslinux/"
cat >"$stage/syslinux/syslinux.cfg" <<'EOF'
default install
prompt 1
timeout 0
label install
    kernel /install.amd/vmlinuz
    append vga=788 initrd=/install.amd/initrd.gz --- quiet
EOF
xorriso -as mkisofs -quiet -R -J -V 'SYSLINUX LAYOUT' -o "$T/base.iso" \
    -b syslinux/isolinux.bin -c syslinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
    "$stage" 2>"$T/xorriso.err" || { cat "$T/xorriso.err" >&2; fail "xorriso could not make the base disc"; }

printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
expect_status 0 "$IMGBUILD" build "$T/base.iso" -o "$T/out.iso" --preseed "$T/p.cfg" --quiet
# build rewrote the menu (checked with xorriso, not with imgbuild) ...
iso_cat "$T/out.iso" /syslinux/syslinux.cfg | grep -qi '^default imgbuild' || fail "build did not rewrite /syslinux/syslinux.cfg"

# ... and inspect shows what it boots.
expect_status 0 "$IMGBUILD" inspect "$T/out.iso"
grep -q "isolinux 'imgbuild': /install.amd/vmlinuz + /install.amd/initrd.gz (amd64) \[unattended\]" "$T/last.out" ||
    { cat "$T/last.out" >&2; fail "inspect does not show the unattended entry of /syslinux/syslinux.cfg"; }
grep -q "isolinux 'install': /install.amd/vmlinuz + /install.amd/initrd.gz" "$T/last.out" ||
    { cat "$T/last.out" >&2; fail "inspect does not show the disc's own entry"; }
grep -q 'initrd /install.amd/initrd.gz: preseed.cfg with imgbuild markers' "$T/last.out" ||
    { cat "$T/last.out" >&2; fail "inspect does not see the preseed in the initrd"; }
