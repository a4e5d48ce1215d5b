#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e installed-system
# timeout: 600
# cost: 60
# inspect-disk on an installed disk whose fstab names / by the kernel name the installer saw
# with the DRAC's virtual media attached (/dev/sdb1), while the disk alone is /dev/sda:
# libguestfs cannot mount that device, and before this the disk read nothing (verify said
# "no installer log on the disk" after a broken late_command). imgbuild must mount the root
# filesystem inspection found, read the installer's log from it, and flag the fstab line.
# The disk is made without root or a VM: sfdisk and mke2fs -d on a file.
source "$(dirname "$0")/prelude.sh"
# An imgbuild built without libguestfs has the command, but it only says so (exit 3): asked
# about a disk that does not exist, one with libguestfs names the disk instead.
if ! "$IMGBUILD" inspect-disk "$T/no-such-disk.img" >"$T/probe.out" 2>&1 &&
    grep -q 'built without libguestfs' "$T/probe.out"; then
    skip "this imgbuild was built without libguestfs (libguestfs-dev missing when it was configured)"
fi
for tool in sfdisk mke2fs; do command -v "$tool" >/dev/null || fail "$tool missing (scripts/install-deps.sh)"; done

root=$T/root
mkdir -p "$root/etc" "$root/var/log/installer" "$root/bin"
printf '/dev/sdb1 / ext4 errors=remount-ro 0 1\n' >"$root/etc/fstab"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' \
    >"$root/etc/os-release"
echo 12.0 >"$root/etc/debian_version"
echo pe-kernel-names >"$root/etc/hostname"
echo "late_command: sh: cannot open /usr/local/lib/imgbuild/late-comand.sh" >"$root/var/log/installer/late-command.log"
cp /bin/ls "$root/bin/"
truncate -s 200M "$T/disk.img"
echo 'start=2048, type=83' | sfdisk -q "$T/disk.img"
mke2fs -q -F -t ext4 -E offset=$((2048 * 512)) -d "$root" "$T/disk.img" 190M

expect_status 0 "$IMGBUILD" inspect-disk "$T/disk.img"
grep -q '^imgbuild inspect-disk: mounted the root filesystem /dev/sda1 on / instead (its fstab names /dev/sdb1)$' \
    "$T/last.err" || { cat "$T/last.err"; fail "the root filesystem was not mounted in place of /dev/sdb1"; }
grep -q '^os: .*hostname pe-kernel-names' "$T/last.out" || { cat "$T/last.out"; fail "the disk was not read"; }
grep -q '^fstab: *\/dev\/sdb1 / ext4.*KERNEL NAME' "$T/last.out" || { cat "$T/last.out"; fail "the kernel-name fstab line is not flagged"; }
