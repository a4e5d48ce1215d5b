#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 900
#
# A modern (Debian 12 layout) image built by `imgbuild build` boots on the generic
# profile under UEFI (OVMF, private variable store): grub from the disc's efi.img, its
# unattended entry, the preseed's early_command with this ISO's build id.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso modern-amd64)
printf 'd-i debian-installer/locale string en_US\n' >"$T/min.cfg"
# Grown onto a clone of the base (--layout append): the new session's boot catalog names
# the base's untouched efi.img (compact layout: verify-memtest-uefi).
expect_status 0 "$IMGBUILD" build "$base" -o "$T/modern.iso" --layout append --preseed "$T/min.cfg" --no-lint --quiet
id=$(iso_cat "$T/modern.iso" /imgbuild/build-id | tr -d '\n')

start=$SECONDS
expect_status 0 "$IMGBUILD" verify "$T/modern.iso" --machine generic --firmware uefi --stage boot \
    --timeout 600 --log "$T/log"
wall=$((SECONDS - start))
cat "$T/last.out"
grep -q "^verify: PASSED: stage boot reached in" "$T/last.out" || fail "no PASSED line"
grep -aq "IMGBUILD:preseed-loaded:$id" "$T/log/serial.log" || fail "marker not in the saved serial log"
grep -q "if=pflash" "$T/log/qemu-command.txt" || fail "not booted with OVMF"
grep -q "OVMF_VARS_4M.fd" "$T/log/qemu-command.txt" && fail "the shared OVMF variable store was used"
echo "modern-amd64 on generic (UEFI): stage boot after $wall s wall"
