#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the target-side test disk: what Debian's installer leaves on the PERC disk, with
# the image's own late-command script run in it the way the installer runs it.
#
#   make-disk.sh ROOTFS.tar OVERLAY_TARGET_DIR OUT.img
#
# Steps, in the installer's order:
#   partman       one msdos partition, ext4, fstab naming it /dev/sda1 (d-i writes kernel
#                 names; the late-command script must turn them into UUID=)
#   base-installer/pkgsel   the debootstrapped tree (tests/target/make-rootfs.sh)
#   grub-installer          update-grub in the target chroot (GRUB 2 writes root=UUID=
#                 itself) and GRUB's boot code in the MBR
#   late_command  the target overlay copied in (/cdrom/imgbuild/target/. -> /target), then
#                 `sh /usr/local/lib/imgbuild/late-command.sh` in the target chroot with
#                 /proc and /sys mounted, as in-target does
# plus, for the test only, a stub racadm and a unit that reports on the serial port and
# powers off (tests/target/guest/).
# Needs root and loop devices (mount of an offset loop device; no partition scanning, so
# GRUB's core image is written with grub-mkimage + dd instead of grub-install).
set -euo pipefail
rootfs=${1:?usage: make-disk.sh ROOTFS.tar OVERLAY_TARGET_DIR OUT.img}
overlay=${2:?}
out=${3:?}
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
size_mib=${IMGBUILD_TARGET_DISK_MIB:-3072}
start_sector=2048

mnt=$(mktemp -d "${TMPDIR:-/tmp}/imgbuild-target-mnt.XXXXXX")
loop=
# The filesystem is mounted through a node of its own name, not /dev/loopN: GRUB's
# 10_linux skips a root on /dev/loop[0-9] ("devices loop-mounted from files").
host_node=/dev/imgbuild-target-$$
cleanup() {
    for m in dev/pts dev sys proc ""; do
        mountpoint -q "$mnt/$m" 2>/dev/null && umount -l "$mnt/$m"
    done
    [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
    rm -f "$host_node"
    rmdir "$mnt" 2>/dev/null || true
}
trap cleanup EXIT

rm -f "$out"
truncate -s "${size_mib}M" "$out"
printf 'label: dos\nstart=%s, type=83, bootable\n' "$start_sector" | sfdisk -q "$out"
part_bytes=$(( (size_mib * 1048576) - start_sector * 512 ))
loop=$(losetup -f --show -o $((start_sector * 512)) --sizelimit "$part_bytes" "$out")
mkfs.ext4 -q "$loop"
uuid=$(blkid -s UUID -o value "$loop")
read -r hex_major hex_minor <<<"$(stat -L -c '%t %T' "$loop")"
mknod -m 600 "$host_node" b $((16#$hex_major)) $((16#$hex_minor))
mount "$host_node" "$mnt"
tar -C "$mnt" --numeric-owner --xattrs -xpf "$rootfs"

# partman's fstab: by kernel name, as the installer writes it.
cat >"$mnt/etc/fstab" <<FSTAB
# /etc/fstab: static file system information.
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
/dev/sda1 / ext4 errors=remount-ro 0 1
FSTAB
echo pe2950 >"$mnt/etc/hostname"
printf 'auto lo\niface lo inet loopback\n\nallow-hotplug ens3\niface ens3 inet dhcp\n' >"$mnt/etc/network/interfaces"
# A root password, so a human can log in on the serial console when debugging.
chroot "$mnt" sh -c 'echo root:imgbuild | chpasswd'

# The chroot's /dev: the nodes the installer's /dev would have for this disk. The test host
# has no /dev/sda: /dev/sda1 is the loop device that holds the filesystem.
mount -t proc proc "$mnt/proc"
mount -t sysfs sysfs "$mnt/sys" 2>/dev/null || echo "make-disk: sysfs not mountable here; /sys left empty" >&2
mount -t tmpfs -o mode=755 dev "$mnt/dev"
for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0 console:5:1; do
    IFS=: read -r name major minor <<<"$node"
    mknod -m 666 "$mnt/dev/$name" c "$major" "$minor"
done
mknod -m 660 "$mnt/dev/sda1" b $((16#$hex_major)) $((16#$hex_minor))
mknod -m 660 "$mnt$host_node" b $((16#$hex_major)) $((16#$hex_minor))
mkdir -p "$mnt/dev/disk/by-uuid" "$mnt/dev/pts"
ln -s ../../sda1 "$mnt/dev/disk/by-uuid/$uuid"

# grub-installer: a serial console (d-i carries console=ttyS0 over to the target when it was
# installed over serial), then update-grub in the target.
sed -i -e 's/^GRUB_TIMEOUT=.*/GRUB_TIMEOUT=1/' \
       -e 's/^GRUB_CMDLINE_LINUX_DEFAULT=.*/GRUB_CMDLINE_LINUX_DEFAULT="console=tty0 console=ttyS0,115200n8"/' \
       "$mnt/etc/default/grub"
echo 'GRUB_TERMINAL="console serial"' >>"$mnt/etc/default/grub"
echo 'GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"' >>"$mnt/etc/default/grub"
chroot "$mnt" update-grub >/dev/null 2>&1 || { chroot "$mnt" update-grub; exit 1; }
grep -q "root=UUID=$uuid" "$mnt/boot/grub/grub.cfg" ||
    { grep -n 'linux\|search' "$mnt/boot/grub/grub.cfg" | head -n 5 >&2
      echo "make-disk: update-grub did not write root=UUID=$uuid" >&2; exit 1; }
# GRUB's boot code, from the target's own GRUB: what grub-install would write, built here
# because the partition has no device node of its own (see the header).
mkdir -p "$mnt/boot/grub/i386-pc"
cp "$mnt/usr/lib/grub/i386-pc/"*.mod "$mnt/usr/lib/grub/i386-pc/"*.lst "$mnt/boot/grub/i386-pc/"
chroot "$mnt" grub-mkimage -O i386-pc -d /usr/lib/grub/i386-pc -o /boot/grub/i386-pc/core.img \
    -p '(hd0,msdos1)/boot/grub' biosdisk part_msdos ext2
cp "$mnt/usr/lib/grub/i386-pc/boot.img" "$mnt/boot/grub/i386-pc/boot.img"
chroot "$mnt" grub-editenv /boot/grub/grubenv create

# late_command: the target overlay, then the image's script in the target chroot.
cp -a "$overlay/." "$mnt/"
chroot "$mnt" sh /usr/local/lib/imgbuild/late-command.sh >"$out.late-command.log" 2>&1 || {
    cat "$out.late-command.log" >&2
    echo "make-disk: late-command.sh failed" >&2
    exit 1
}

# Test-only additions: the stub racadm (where OMSA would put racadm) and the report unit.
install -d "$mnt/usr/local/lib/imgbuild-test" "$mnt/opt/dell/srvadmin/sbin"
install -m 755 "$source_dir/tests/hook/stub-racadm" "$mnt/usr/local/lib/imgbuild-test/stub-racadm"
install -m 755 "$here/guest/racadm" "$mnt/opt/dell/srvadmin/sbin/racadm"
install -m 755 "$here/guest/report.sh" "$mnt/usr/local/lib/imgbuild-test/report.sh"
install -m 644 "$here/guest/imgbuild-test-report.service" "$mnt/etc/systemd/system/imgbuild-test-report.service"
chroot "$mnt" systemctl enable imgbuild-test-report.service >/dev/null 2>&1
# The getty on ttyS0 that systemd starts for console=ttyS0 stays, as on a real server:
# its vhangup() revokes every open descriptor of the port while it starts, which is why
# the first-boot hook also sends its markers through the kernel log, and why the report
# unit runs after getty.target.

core_img=$(mktemp)
boot_img=$(mktemp)
cp "$mnt/boot/grub/i386-pc/core.img" "$core_img"
cp "$mnt/boot/grub/i386-pc/boot.img" "$boot_img"
for m in dev sys proc; do mountpoint -q "$mnt/$m" && umount "$mnt/$m"; done
umount "$mnt"
losetup -d "$loop"
loop=
rm -f "$host_node"

# MBR boot code (440 bytes: the partition table stays) and core.img right after the MBR.
# boot.img reads core.img from sector 1 and core.img's first sector (diskboot) loads the
# rest from sector 2 on: the defaults both images are built with.
core_sectors=$(( ($(stat -c %s "$core_img") + 511) / 512 ))
[ "$core_sectors" -lt "$start_sector" ] || { echo "make-disk: core.img does not fit before the partition" >&2; exit 1; }
dd if="$boot_img" of="$out" bs=440 count=1 conv=notrunc status=none
dd if="$core_img" of="$out" bs=512 seek=1 conv=notrunc status=none
rm -f "$core_img" "$boot_img"
echo "make-disk: $out (root UUID=$uuid, core.img $core_sectors sectors)" >&2
