#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Debootstraps a minimal Debian 12 amd64 system (real .debs from this machine's apt mirror)
# and caches it as a tarball, so the target-side test pays for debootstrap once.
# Usage: make-rootfs.sh CACHE_DIR [bios|uefi]   -> prints the path of the cached tarball.
#   bios (default)  GRUB for BIOS (grub-pc): the PowerEdge 2950's boot
#   uefi            the signed UEFI boot chain as Debian 12 installs it under Secure Boot:
#                   shim-signed (Microsoft-signed shim), grub-efi-amd64-signed (Debian-signed
#                   GRUB), efibootmgr, dosfstools (the EFI System Partition's vfat)
# The cache key covers everything that changes the tree: suite, mirror, variant, packages.
set -euo pipefail
cache_dir=${1:?usage: make-rootfs.sh CACHE_DIR [bios|uefi]}
boot=${2:-bios}
suite=bookworm
# The mirror this machine's apt uses (the only archive reachable here); override with
# IMGBUILD_MIRROR.
mirror=${IMGBUILD_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
             /etc/apt/sources.list.d/*.list 2>/dev/null |
           grep -oE 'https?://[^ ]*/debian/?' | grep -v security | head -n1 || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}
# systemd-sysv: an init; linux-image-amd64 + grub-pc: a bootable system; the rest is what a
# Debian "Standard system unchecked" install has and the late-command script relies on.
case $boot in
  bios) include=systemd-sysv,udev,kmod,linux-image-amd64,grub-pc,initramfs-tools,e2fsprogs,ifupdown,iproute2,procps,ca-certificates
        name=rootfs-$suite-amd64 ;;
  uefi) include=systemd-sysv,udev,kmod,linux-image-amd64,initramfs-tools,e2fsprogs,ifupdown,iproute2,procps,ca-certificates
        include=$include,grub-efi-amd64,grub-efi-amd64-signed,shim-signed,efibootmgr,dosfstools
        name=rootfs-$suite-amd64-uefi ;;
  *) echo "usage: make-rootfs.sh CACHE_DIR [bios|uefi]" >&2; exit 2 ;;
esac
key=$(printf '%s\n' "$suite" "$mirror" minbase "$include" v1 | sha256sum | cut -c1-16)
tarball="$cache_dir/$name-$key.tar"
if [ -s "$tarball" ]; then
  echo "$tarball"
  exit 0
fi
mkdir -p "$cache_dir"
# Two tests may ask at once (target-bookworm, package-install): one debootstraps, the
# other waits for its tarball.
exec 9>"$cache_dir/.make-rootfs.lock"
flock 9
if [ -s "$tarball" ]; then
  echo "$tarball"
  exit 0
fi
work=$(mktemp -d "$cache_dir/debootstrap.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
# Normal priority: on a cold cache this is the test run's critical path (niced under a
# load of 4 on 2 cores it took 28 min for 6.5 min of CPU).
DEBIAN_FRONTEND=noninteractive debootstrap --arch=amd64 --variant=minbase \
  --include="$include" "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  echo "make-rootfs: debootstrap from $mirror failed (log above)" >&2
  exit 1
}
rm -rf "$work/root/var/cache/apt/archives/"*.deb
tar -C "$work/root" --numeric-owner --xattrs -cf "$tarball.tmp" .
mv "$tarball.tmp" "$tarball"
echo "make-rootfs: debootstrap took $(( $(date +%s) - start )) s" >&2
echo "$tarball"
