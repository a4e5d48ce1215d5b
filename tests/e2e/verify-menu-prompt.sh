#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 600
#
# A built image whose isolinux menu was edited back to wait for the user (PROMPT 1,
# TIMEOUT 0): nothing selects the unattended entry, so verify must fail and say that the
# menu did not auto-select (no kernel ever ran), not "timeout" or "preseed not found".
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso etch-i386)
printf 'd-i debian-installer/locale string en_US\n' >"$T/min.cfg"
expect_status 0 "$IMGBUILD" build "$base" -o "$T/built.iso" --preseed "$T/min.cfg" --no-lint --quiet
iso_cat "$T/built.iso" /isolinux/isolinux.cfg >"$T/isolinux.cfg"
sed -i -e 's/^\([Tt][Ii][Mm][Ee][Oo][Uu][Tt]\) .*/\1 0/' -e 's/^\([Pp][Rr][Oo][Mm][Pp][Tt]\) .*/\1 1/' "$T/isolinux.cfg"
grep -iq '^timeout 0' "$T/isolinux.cfg" || fail "no timeout line to edit in the built isolinux.cfg"
grep -iq '^prompt' "$T/isolinux.cfg" || echo "PROMPT 1" >>"$T/isolinux.cfg"
xorriso -report_about FAILURE -indev "$T/built.iso" -outdev "$T/waiting.iso" -boot_image any replay \
    -map "$T/isolinux.cfg" /isolinux/isolinux.cfg -commit >"$T/xorriso.log" 2>&1 ||
    { cat "$T/xorriso.log" >&2; fail "xorriso could not edit the menu"; }

expect_status 1 "$IMGBUILD" verify "$T/waiting.iso" --machine pe2950 --timeout 60 --accel tcg --log "$T/log"
cat "$T/last.out"
grep -q "^verify: FAILED: stage boot not reached (last stage reached: none)" "$T/last.out" || fail "stage not named"
grep -q "likely cause: menu did not auto-select" "$T/last.out" || fail "menu cause not diagnosed"
head -c 8 "$T/log/screen.png" | od -An -c | grep -q 'P   N   G' || fail "screen.png is not a PNG"
