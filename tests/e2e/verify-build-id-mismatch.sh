#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 600
#
# The preseed that runs reports another image's build id (here: the disc's
# /imgbuild/build-id was replaced after the build, as if a stale image sat on the virtual
# media): verify must fail as soon as the marker arrives, naming both ids.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso etch-i386)
printf 'd-i debian-installer/locale string en_US\n' >"$T/min.cfg"
expect_status 0 "$IMGBUILD" build "$base" -o "$T/built.iso" --preseed "$T/min.cfg" --no-lint --quiet
real=$(iso_cat "$T/built.iso" /imgbuild/build-id | tr -d '\n')
other=ffffffffffffffffffffffffffffffff
echo "$other" >"$T/build-id"
xorriso -report_about FAILURE -indev "$T/built.iso" -outdev "$T/other.iso" -boot_image any replay \
    -map "$T/build-id" /imgbuild/build-id -commit >"$T/xorriso.log" 2>&1 ||
    { cat "$T/xorriso.log" >&2; fail "xorriso could not replace the build id"; }

start=$SECONDS
expect_status 1 "$IMGBUILD" verify "$T/other.iso" --machine pe2950 --timeout 400 --accel tcg
cat "$T/last.out"
grep -q "likely cause: build-id mismatch" "$T/last.out" || fail "mismatch not diagnosed"
grep -q "$real" "$T/last.out" || fail "the id that booted is not named"
grep -q "$other" "$T/last.out" || fail "the ISO's id is not named"
echo "mismatch found after $((SECONDS - start)) s wall"
