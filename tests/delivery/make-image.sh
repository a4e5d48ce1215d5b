#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The image the whole-flow test of `imgbuild verify` delivers (test code):
#
#   make-image.sh CACHE_DIR OUT.iso [pe2950-drac5|poweredge-current]
#                                         (IMGBUILD: the imgbuild binary)
#
# 1. the debootstrapped Debian 12 system (tests/target/make-rootfs.sh, cached);
# 2. the STAND-IN INSTALLER disc around it (tests/standin/, cached by its inputs);
# 3. `imgbuild build` on that disc with a profile's own overlays and preseed:
#    pe2950-drac5 (the default; BIOS): the flagship's choose-disk.sh, late-command.sh and
#      first-boot hook, and the Debian 12 preseed that uses them
#      (preseed/bookworm-amd64-server.cfg: the Etch-only answers of the Etch preseed do
#      not apply to a Debian 12 target);
#    poweredge-current (UEFI, Secure Boot; the R660): the rootfs's `uefi` variant with
#      Debian 12's signed shim and GRUB, so the disc boots by the signed chain and the
#      stand-in installs it; preseed/trixie-amd64-server.cfg with its partman hook
#      (overlays/poweredge-current's choose-boss.sh) and the flagship's late-command.sh
#      and first-boot hook (iDRAC9 dialect). The preseed is Debian 13's example; the
#      stand-in reads only its early_command, late_command and the answers it knows
#      (partman-auto/disk, grub-installer/force-efi-extra-removable), and lays down
#      Debian 12. The test machine's BOSS reads "QEMU NVMe Ctrl" (QEMU 7.2's nvme has no
#      model property): a boot-disk.conf says so, as overlays/poweredge-current/README.md
#      tells a site whose boot device reads otherwise.
#    The target overlay gets one test addition: the stand-in racadm (tests/delivery/racadm)
#    where OMSA puts racadm, which talks to verify's emulated DRAC.
# IMGBUILD_DELIVERY_LATE: replaces the preseed's late_command (the failure tests);
# IMGBUILD_DELIVERY_TARGET_ADD: a directory copied over the target overlay (their scripts);
# IMGBUILD_DELIVERY_HOSTS: an inventory: per-host images (build --hosts … --per-host OUT),
#   OUT is then a directory that gets <hostname>.iso per row (the rack rehearsal);
# IMGBUILD_DELIVERY_KERNEL_ARGS: more installer kernel arguments (log_host=, log_port=).
set -euo pipefail
usage="usage: make-image.sh CACHE_DIR OUT.iso [pe2950-drac5|poweredge-current]"
cache=${1:?$usage}
out=${2:?$usage}
profile=${3:-pe2950-drac5}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
: "${IMGBUILD:?set IMGBUILD to the imgbuild binary}"
case $profile in
    pe2950-drac5) boot=bios preseed=$src/preseed/bookworm-amd64-server.cfg ;;
    poweredge-current) boot=uefi preseed=$src/preseed/trixie-amd64-server.cfg ;;
    *) echo "$usage" >&2; exit 2 ;;
esac

rootfs=$("$src/tests/target/make-rootfs.sh" "$cache/target-bookworm" "$boot")
key=$(cat "$src/tests/standin/init" "$src/tests/standin/make-standin-iso.sh" | sha256sum | cut -c1-12)
standin=$cache/standin/standin-$(basename "$rootfs" .tar)-$key.iso
if [ ! -s "$standin" ]; then
    mkdir -p "$cache/standin"
    "$src/tests/standin/make-standin-iso.sh" "$rootfs" "$standin.tmp.$$"
    mv "$standin.tmp.$$" "$standin"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/delivery-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -a "$src/overlays/pe2950-drac5/target" "$work/target"
install -D -m 755 "$here/racadm" "$work/target/opt/dell/srvadmin/sbin/racadm"
[ -z "${IMGBUILD_DELIVERY_TARGET_ADD:-}" ] || cp -a "$IMGBUILD_DELIVERY_TARGET_ADD/." "$work/target/"
extra=(--cdrom-overlay "$src/overlays/pe2950-drac5/cdrom")
if [ "$profile" = poweredge-current ]; then
    cp -a "$src/overlays/poweredge-current/target/." "$work/target/"
    echo "IMGBUILD_BOOT_MODEL='QEMU NVMe Ctrl'" >"$work/target/usr/local/lib/imgbuild/boot-disk.conf"
    extra=(--arch amd64)
fi
if [ -n "${IMGBUILD_DELIVERY_LATE:-}" ]; then
    grep -v '^d-i preseed/late_command' "$preseed" >"$work/preseed.cfg"
    printf 'd-i preseed/late_command string %s\n' "$IMGBUILD_DELIVERY_LATE" >>"$work/preseed.cfg"
    preseed=$work/preseed.cfg
fi
output=(-o "$out")
[ -z "${IMGBUILD_DELIVERY_HOSTS:-}" ] || output=(--hosts "$IMGBUILD_DELIVERY_HOSTS" --per-host "$out")
"$IMGBUILD" build "$standin" "${output[@]}" --preseed "$preseed" "${extra[@]}" --target-overlay "$work/target" \
    --kernel-args "console=ttyS0,115200n8${IMGBUILD_DELIVERY_KERNEL_ARGS:+ $IMGBUILD_DELIVERY_KERNEL_ARGS}" --timeout 1
