#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 900
#
# The flagship path: an Etch-layout image built by `imgbuild build` boots on the pe2950
# profile (BIOS, ISO on a DRAC-style USB CD-ROM, PERC disk on megasas, USB virtual
# floppy, 16 GB) through isolinux's unattended entry to the preseed's early_command, which
# reports the ISO's own build id. --accel auto must pick something that works (TCG where
# KVM is missing or broken) and say why.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso etch-i386)
printf 'd-i debian-installer/locale string en_US\nd-i debconf/priority select critical\n' >"$T/min.cfg"
# Grown onto a clone of the base (--layout append): the new session's boot catalog and
# boot-info-patched isolinux.bin are what the BIOS boots (compact: hook-flagship-boot).
expect_status 0 "$IMGBUILD" build "$base" -o "$T/etch.iso" --layout append --preseed "$T/min.cfg" --no-lint --quiet
id=$(iso_cat "$T/etch.iso" /imgbuild/build-id | tr -d '\n')
[[ $id =~ ^[0-9a-f]{32}$ ]] || fail "built ISO has no build id ($id)"

start=$SECONDS
expect_status 0 "$IMGBUILD" verify "$T/etch.iso" --machine pe2950 --firmware bios --stage boot \
    --timeout 600 --accel auto --log "$T/log"
wall=$((SECONDS - start))
cat "$T/last.out"
grep -q "^verify: PASSED: stage boot reached in" "$T/last.out" || fail "no PASSED line"
grep -Eq "^accel: (tcg|kvm) \(auto: " "$T/last.out" || fail "accel choice not explained"
grep -aq "IMGBUILD:preseed-loaded:$id" "$T/log/serial.log" || fail "marker not in the saved serial log"
for device in megasas "product=Virtual CDROM,bootindex=0" "product=Virtual Floppy" "-m 16384"; do
    grep -q -- "$device" "$T/log/qemu-command.txt" || fail "QEMU command lacks $device"
done
grep -q -- "-kernel" "$T/log/qemu-command.txt" && fail "booted with -kernel, not as delivered"
# Stopped as soon as the stage was reached: no QEMU left.
pgrep -f "file=$T/etch.iso" >/dev/null && fail "QEMU still running after verify returned"
echo "etch-i386 on pe2950 (BIOS, $(sed -n 's/^accel: \([a-z]*\).*/\1/p' "$T/last.out")): stage boot after $wall s wall"
