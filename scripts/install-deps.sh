#!/bin/sh
# Installs everything imgbuild needs to build, test and verify images on Debian 12.
# Debian packages only. As root it runs apt-get itself; as a user, through sudo.
set -eu
SUDO=
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "install-deps: installing packages needs root: run $0 as root (no sudo here), then try again" >&2
        exit 1
    }
    SUDO=sudo
fi
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
    liblzma-dev libzstd-dev \
    scdoc debhelper dpkg-dev fakeroot lintian man-db bash-completion zsh \
    gnupg gpgv jq bc chromium btrfs-progs xfsprogs libcsv-dev \
    libssl-dev sbsigntool libmicrohttpd-dev libcurl4-openssl-dev qemu-block-extra \
    python3-sushy redfishtool python3-jsonschema nginx libxml2-utils curl
