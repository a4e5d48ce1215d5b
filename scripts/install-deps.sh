#!/bin/sh
# Installs everything imgbuild needs to build, test and verify images on Debian 12.
# Debian packages only; run as root (or through sudo).
set -eu
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    build-essential cmake ninja-build pkg-config git ca-certificates \
    libarchive-dev libisoburn-dev libisofs-dev libburn-dev libcli11-dev libxxhash-dev nettle-dev \
    libguestfs-dev googletest libgtest-dev libgmock-dev \
    clang libclang-rt-14-dev \
    qemu-system-x86 qemu-utils ovmf seabios \
    xorriso genisoimage cpio libarchive-tools faketime libfaketime gzip xz-utils zstd lz4 \
    isolinux syslinux-common memtest86+ mtools dosfstools \
    grub-efi-amd64-bin grub-pc-bin grub-common \
    time openssl xxhash \
    debian-installer-12-netboot-i386 debian-installer-12-netboot-amd64 \
    linux-image-amd64 debootstrap e2fsprogs fdisk python3 busybox \
    nlohmann-json3-dev libgpgme-dev libapt-pkg-dev libtomlplusplus-dev \
    zlib1g-dev liblzma-dev libzstd-dev \
    scdoc debhelper dpkg-dev fakeroot lintian man-db bash-completion zsh \
    gnupg gpgv jq chromium btrfs-progs xfsprogs libcsv-dev \
    libssl-dev sbsigntool libmicrohttpd-dev libcurl4-openssl-dev qemu-block-extra \
    python3-sushy redfishtool python3-jsonschema nginx curl
