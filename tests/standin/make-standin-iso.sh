#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the STAND-IN INSTALLER test disc (test code; see tests/standin/init for what the
# stand-in does and does not prove): a Debian-CD-like layout that `imgbuild build` can
# remaster (isolinux, install.amd/vmlinuz + initrd.gz, .disk/info, md5sum.txt), whose
# "installer" is a busybox initrd running tests/standin/init, and which carries the
# debootstrapped Debian 12 system (tests/target/make-rootfs.sh) as /standin/rootfs.tar.
#
#   make-standin-iso.sh ROOTFS.tar OUT.iso
#
# Kernel and modules are the target system's own (from the tarball), so the stand-in
# drives the same megaraid_sas/mptsas/usb-storage/nvme the installed system will. The few
# tools busybox lacks (sfdisk, mke2fs for ext4, mkfs.vfat, kmod's modprobe for compressed
# modules) are this host's Debian 12 binaries with their libraries. Output deterministic up
# to the inputs.
#
# UEFI: when the rootfs is make-rootfs.sh's `uefi` variant (it holds Debian 12's signed
# shim and GRUB), the disc also boots through UEFI with Secure Boot on, by the same signed
# chain as Debian's own discs (debian-cd's tools/boot/bookworm/boot-x86, as
# tests/fixtures/make-trixie-base.sh lays out Debian 13's): the El Torito EFI image
# boot/grub/efi.img holds the Microsoft-signed shim as EFI/boot/bootx64.efi, Debian's signed
# CD GRUB (gcdx64.efi.signed) as EFI/boot/grubx64.efi and the stub efi/debian/grub.cfg that
# finds the disc by /.disk/id/<uuid>; /boot/grub/grub.cfg has the menu. The kernel is the
# target's own linux-image-amd64, which Debian signs (checked with sbverify): so shim ->
# GRUB -> kernel is Debian 12's real chain, and `imgbuild build` must keep it. The disc is
# Debian 12 based (bookworm's shim 15.x, GRUB 2.06, kernel 6.1), not Debian 13's installer.
set -euo pipefail
rootfs=${1:?usage: make-standin-iso.sh ROOTFS.tar OUT.iso}
out=${2:?usage: make-standin-iso.sh ROOTFS.tar OUT.iso}
here=$(cd "$(dirname "$0")" && pwd)
ISOLINUX_DIR=${ISOLINUX_DIR:-/usr/lib/ISOLINUX}
SYSLINUX_MODULES=${SYSLINUX_MODULES:-/usr/lib/syslinux/modules/bios}
export TZ=UTC SOURCE_DATE_EPOCH=1686355200 # Debian 12.0, 2023-06-10
for tool in xorriso cpio gzip busybox kmod depmod sfdisk mke2fs mkfs.vfat mmd mcopy sbverify; do
    command -v "$tool" >/dev/null || { echo "make-standin-iso: $tool not found" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/standin-iso.XXXXXX")
trap 'rm -rf "$work" "$out.tmp.$$"' EXIT
disc=$work/disc initrd=$work/initrd sys=$work/sys
mkdir -p "$disc/install.amd" "$disc/isolinux" "$disc/standin" "$disc/.disk" "$initrd" "$sys"

# The target's kernel and module tree.
tar -C "$sys" -xf "$rootfs" --wildcards './boot/vmlinuz-*' './lib/modules/*' './usr/lib/modules/*' 2>/dev/null ||
    tar -C "$sys" -xf "$rootfs" --wildcards './boot/vmlinuz-*' './usr/lib/modules/*' 2>/dev/null ||
    tar -C "$sys" -xf "$rootfs" --wildcards './boot/vmlinuz-*' './lib/modules/*'
kernel=$(ls "$sys"/boot/vmlinuz-* | head -n1)
# The signed UEFI chain, when the rootfs has it (make-rootfs.sh uefi).
shim= grub_cd=
if tar -C "$sys" -xf "$rootfs" ./usr/lib/shim/shimx64.efi.signed ./usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed 2>/dev/null; then
    shim=$sys/usr/lib/shim/shimx64.efi.signed
    grub_cd=$sys/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed
    # Under Secure Boot GRUB starts only a kernel signed by a key shim trusts.
    sbverify --list "$kernel" 2>&1 | grep -q 'signature 1' ||
        { echo "make-standin-iso: $kernel is not signed (sbverify --list): no Secure Boot chain" >&2; exit 1; }
fi
version=${kernel##*/vmlinuz-}
# Merged /usr (Debian 12): the tree is under usr/lib; modprobe -d looks in lib/modules.
[ -e "$sys/lib" ] || ln -s usr/lib "$sys/lib"
moddir=$sys/lib/modules
[ -d "$moddir/$version" ] || { echo "make-standin-iso: no modules for $version in $rootfs" >&2; exit 1; }
cp "$kernel" "$disc/install.amd/vmlinuz"

# initrd: busybox, the host tools busybox lacks (with their libraries), the modules.
mkdir -p "$initrd"/{bin,sbin,usr/bin,usr/sbin,etc,lib,lib64,proc,sys,dev,tmp}
copy_exec() {  # copy_exec BINARY NAME: the binary as /sbin/NAME plus its shared libraries
    cp "$1" "$initrd/sbin/$2"
    ldd "$1" | grep -oE '/[^ ]+' | while read -r lib; do
        mkdir -p "$initrd$(dirname "$lib")"
        cp -L "$lib" "$initrd$lib"
    done
}
copy_exec "$(command -v busybox)" busybox
mv "$initrd/sbin/busybox" "$initrd/bin/busybox"
copy_exec "$(command -v sfdisk)" sfdisk
copy_exec "$(command -v mke2fs)" mke2fs
copy_exec "$(command -v mkfs.vfat)" mkfs.vfat
copy_exec "$(command -v kmod)" kmod
for applet in $("$initrd/bin/busybox" --list); do
    [ -e "$initrd/bin/$applet" ] || ln -s busybox "$initrd/bin/$applet"
done
rm -f "$initrd/bin/modprobe" "$initrd/bin/insmod" "$initrd/bin/sfdisk" "$initrd/bin/mke2fs" "$initrd/bin/mkfs.vfat"
ln -s kmod "$initrd/sbin/modprobe"
ln -s kmod "$initrd/sbin/insmod"
cp /etc/mke2fs.conf "$initrd/etc/mke2fs.conf"
modules="ehci-pci uhci-hcd ohci-pci xhci-pci usb-storage uas sd_mod sr_mod isofs megaraid_sas mptsas mptspi ahci ata_piix
         nvme virtio_blk virtio_scsi virtio_pci ext4 crc32c_generic vfat nls_cp437 nls_ascii efivarfs"
# The NICs, for the installer's syslog over the network when the image has log_host=.
modules="$modules e1000 e1000e virtio_net"
for m in $modules; do
    kmod_list=$(modprobe -S "$version" -d "$sys" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" { print $2 }') || true
    for ko in $kmod_list; do
        rel=${ko#"$sys"}
        rel=/lib/modules/${rel#*/modules/}
        mkdir -p "$initrd$(dirname "$rel")"
        cp "$ko" "$initrd$rel"
    done
done
cp "$moddir/$version/modules.order" "$moddir/$version/modules.builtin" "$initrd/lib/modules/$version/" 2>/dev/null || true
cp "$moddir/$version/modules.builtin.modinfo" "$initrd/lib/modules/$version/" 2>/dev/null || true
depmod -b "$initrd" "$version"
install -m 755 "$here/init" "$initrd/init"
(cd "$initrd" && find . -print0 | LC_ALL=C sort -z | cpio --quiet -o -0 -H newc --reproducible) |
    gzip -n -9 >"$disc/install.amd/initrd.gz"

# uefi_boot: the disc's UEFI path, laid out as debian-cd does it (see the header). GRUB's
# menu has the one entry isolinux has; the stub in efi.img (GRUB's prefix there is
# /EFI/debian) finds the disc by its id file.
uefi_boot() {
    local id=5a9d1c2e-12a0-4e5b-8c1d-7374616e6469  # fixed: the disc stays reproducible
    mkdir -p "$disc/.disk/id" "$disc/boot/grub/x86_64-efi"
    : >"$disc/.disk/id/$id"
    cat >"$disc/boot/grub/grub.cfg" <<'CFG'
menuentry 'Install' {
    linux    /install.amd/vmlinuz vga=normal console=ttyS0,115200n8 --
    initrd   /install.amd/initrd.gz
}
CFG
    echo 'source $prefix/grub.cfg' >"$disc/boot/grub/x86_64-efi/grub.cfg"
    printf 'search --file --set=root /.disk/id/%s\nset prefix=($root)/boot/grub\nsource $prefix/x86_64-efi/grub.cfg\n' \
        "$id" >"$work/stub.cfg"
    local img=$disc/boot/grub/efi.img
    mkfs.vfat -C --invariant -i 5e1f0012 -n EFIBOOT "$img" 8192 >/dev/null
    MTOOLS_SKIP_CHECK=1 mmd -i "$img" ::/efi ::/efi/boot ::/efi/debian
    MTOOLS_SKIP_CHECK=1 mcopy -i "$img" "$shim" ::/efi/boot/bootx64.efi
    MTOOLS_SKIP_CHECK=1 mcopy -i "$img" "$grub_cd" ::/efi/boot/grubx64.efi
    MTOOLS_SKIP_CHECK=1 mcopy -i "$img" "$work/stub.cfg" ::/efi/debian/grub.cfg
}

# The disc: a Debian-CD-like layout.
cp "$rootfs" "$disc/standin/rootfs.tar"
cp "$ISOLINUX_DIR/isolinux.bin" "$SYSLINUX_MODULES/ldlinux.c32" "$disc/isolinux/"
cat >"$disc/isolinux/isolinux.cfg" <<'CFG'
DEFAULT install
LABEL install
	kernel /install.amd/vmlinuz
	append vga=normal initrd=/install.amd/initrd.gz console=ttyS0,115200n8 --
TIMEOUT 0
PROMPT 1
CFG
printf 'imgbuild STAND-IN INSTALLER test disc (not debian-installer), Debian 12 amd64 target' >"$disc/.disk/info"
efi_args=()
[ -z "$shim" ] || { uefi_boot; efi_args=(-eltorito-alt-boot -e boot/grub/efi.img -no-emul-boot); }
(cd "$disc" && find . -type f ! -name md5sum.txt ! -path './isolinux/*' -print0 | LC_ALL=C sort -z |
    xargs -0 md5sum) >"$disc/md5sum.txt"
xorriso -report_about WARNING -as mkisofs -r -J -V "STANDIN 12 amd64" -o "$out.tmp.$$" \
    -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
    "${efi_args[@]}" "$disc" 2>"$work/xorriso.log" || { cat "$work/xorriso.log" >&2; exit 1; }
mv "$out.tmp.$$" "$out"
echo "make-standin-iso: $out (kernel $version)" >&2
