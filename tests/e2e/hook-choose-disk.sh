#!/usr/bin/env bash
# labels: e2e hook
# timeout: 60
# choose-disk.sh picks the PERC disk by controller, never by name order: run against fake
# sysfs trees (2.6.18 and modern layouts) with dash and busybox sh (Etch's d-i is busybox ash).
source "$(dirname "$0")/prelude.sh"
source "$IMGBUILD_SOURCE_DIR/tests/hook/fake-sys.sh"
script=$IMGBUILD_SOURCE_DIR/overlays/pe2950-drac5/target/usr/local/lib/imgbuild/choose-disk.sh

shells="dash"
command -v busybox >/dev/null && shells="$shells busybox-sh" || fail "busybox not installed (scripts/install-deps.sh)"

# Under busybox sh, ls/sed/grep/... are busybox applets too, as in the installer.
mkdir -p "$T/bbin"
for applet in ls sed grep cat; do ln -s "$(command -v busybox)" "$T/bbin/$applet"; done

run_choose() { # SHELL ROOT [ARGS] -> prints chosen disk; status of the script
    local sh=$1 root=$2; shift 2
    if [[ $sh == busybox-sh ]]; then
        PATH=$T/bbin:$PATH IMGBUILD_ROOT=$root busybox sh "$script" "$@"
    else
        IMGBUILD_ROOT=$root "$sh" "$script" "$@"
    fi
}

expect_choice() { # SHELL ROOT WANT MESSAGE [env...]
    local sh=$1 root=$2 want=$3 msg=$4 got rc=0
    got=$(run_choose "$sh" "$root" 2>"$T/err") || rc=$?
    if [[ -z $want ]]; then
        [[ $rc -ne 0 && -z $got ]] || fail "$sh: $msg: expected no disk (status 1), got '$got' (status $rc)"
    else
        [[ $rc -eq 0 && $got == "$want" ]] || { cat "$T/err" >&2; fail "$sh: $msg: expected $want, got '$got' (status $rc)"; }
    fi
}

for sh in $shells; do
    for style in etch modern; do
        # The 2950 during install with DRAC virtual media: two USB disks ahead of the PERC.
        r=$T/$sh-$style-drac; mkdir -p "$r"
        fake_sys_disk "$r" sda usbfloppy "$style"
        fake_sys_disk "$r" sdb usbdisk "$style"
        fake_sys_disk "$r" sdc perc "$style"
        expect_choice "$sh" "$r" /dev/sdc "PERC at sdc behind two USB disks ($style sysfs)"

        # QEMU's megasas: vendor QEMU, only the driver says megaraid_sas; an ATA disk first.
        r=$T/$sh-$style-qemu; mkdir -p "$r"
        fake_sys_disk "$r" sda ata "$style"
        fake_sys_disk "$r" sdb usbfloppy "$style"
        fake_sys_disk "$r" sdc megasas "$style"
        expect_choice "$sh" "$r" /dev/sdc "megaraid_sas driver wins over an earlier ATA disk ($style)"

        # PowerEdge 1950 during install: SAS 6/iR (mptsas) disk behind the DRAC's media and
        # an ATA disk named before it; the controller decides, not the order.
        r=$T/$sh-$style-sas; mkdir -p "$r"
        fake_sys_disk "$r" sda usbfloppy "$style"
        fake_sys_disk "$r" sdb ata "$style"
        fake_sys_disk "$r" sdc sas6ir "$style"
        expect_choice "$sh" "$r" /dev/sdc "mptsas (SAS 5/iR-6/iR) disk wins over an earlier ATA disk ($style)"

        # No PERC: first fixed non-USB disk (the virtio/modern server fallback).
        r=$T/$sh-$style-virtio; mkdir -p "$r"
        fake_sys_disk "$r" sda usbdisk "$style"
        fake_sys_disk "$r" vda virtio "$style"
        expect_choice "$sh" "$r" /dev/vda "no PERC: fixed virtio disk, not the USB disk ($style)"
        IMGBUILD_DISK_FALLBACK=none expect_choice "$sh" "$r" "" "no PERC with IMGBUILD_DISK_FALLBACK=none ($style)"

        # Only USB media: nothing is safe to partition.
        r=$T/$sh-$style-usbonly; mkdir -p "$r"
        fake_sys_disk "$r" sda usbfloppy "$style"
        fake_sys_disk "$r" sdb usbdisk "$style"
        expect_choice "$sh" "$r" "" "only USB disks ($style)"
    done
    # No sysfs at all.
    mkdir -p "$T/$sh-empty"
    expect_choice "$sh" "$T/$sh-empty" "" "no /sys"
done

# --debconf: sets both questions through debconf-set (stubbed: it records its arguments).
r=$T/dash-etch-drac
mkdir -p "$T/bin"
printf '#!/bin/sh\necho "$1=$2" >>"%s"\n' "$T/debconf.log" >"$T/bin/debconf-set"
chmod +x "$T/bin/debconf-set"
PATH=$T/bin:$PATH IMGBUILD_ROOT=$r dash "$script" --debconf >/dev/null 2>&1 || fail "--debconf failed"
grep -qx 'partman-auto/disk=/dev/sdc' "$T/debconf.log" || fail "partman-auto/disk not set to /dev/sdc: $(cat "$T/debconf.log")"
grep -qx 'grub-installer/bootdev=/dev/sdc' "$T/debconf.log" || fail "grub-installer/bootdev not set to /dev/sdc"
: >"$T/debconf.log"
PATH=$T/bin:$PATH IMGBUILD_ROOT=$T/dash-etch-usbonly dash "$script" --debconf >/dev/null 2>&1 && fail "--debconf without a disk should fail"
grep -qx 'partman-auto/disk=' "$T/debconf.log" || fail "without a disk, partman-auto/disk must be cleared (partman then asks)"
grep -q 'grub-installer/bootdev' "$T/debconf.log" && fail "without a disk, grub-installer/bootdev must be left alone"
true
