#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The image the whole-flow test of `imgbuild verify` delivers (test code):
#
#   make-image.sh CACHE_DIR OUT.iso       (IMGBUILD: the imgbuild binary)
#
# 1. the debootstrapped Debian 12 system (tests/target/make-rootfs.sh, cached);
# 2. the STAND-IN INSTALLER disc around it (tests/standin/, cached by its inputs);
# 3. `imgbuild build` on that disc with the flagship's own overlays: its choose-disk.sh,
#    late-command.sh and first-boot hook, and the Debian 12 preseed that uses them
#    (preseed/bookworm-amd64-server.cfg: the Etch-only answers of the Etch preseed do not
#    apply to a Debian 12 target). The target overlay gets one test addition: the stand-in
#    racadm (tests/delivery/racadm) where OMSA puts racadm, which talks to verify's
#    emulated DRAC.
# IMGBUILD_DELIVERY_LATE: replaces the preseed's late_command (the failure tests).
set -euo pipefail
cache=${1:?usage: make-image.sh CACHE_DIR OUT.iso}
out=${2:?usage: make-image.sh CACHE_DIR OUT.iso}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
: "${IMGBUILD:?set IMGBUILD to the imgbuild binary}"

rootfs=$("$src/tests/target/make-rootfs.sh" "$cache/target-bookworm")
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
preseed=$src/preseed/bookworm-amd64-server.cfg
if [ -n "${IMGBUILD_DELIVERY_LATE:-}" ]; then
    grep -v '^d-i preseed/late_command' "$preseed" >"$work/preseed.cfg"
    printf 'd-i preseed/late_command string %s\n' "$IMGBUILD_DELIVERY_LATE" >>"$work/preseed.cfg"
    preseed=$work/preseed.cfg
fi
"$IMGBUILD" build "$standin" -o "$out" --preseed "$preseed" \
    --cdrom-overlay "$src/overlays/pe2950-drac5/cdrom" --target-overlay "$work/target" \
    --kernel-args "console=ttyS0,115200n8" --timeout 1
