#!/bin/sh
# choose-disk.sh: print the system disk, chosen by its controller, never by name order.
#
#   sh choose-disk.sh            prints /dev/NAME (exit 0), or nothing (exit 1)
#   sh choose-disk.sh --debconf  also sets partman-auto/disk and grub-installer/bootdev
#
# Why: with DRAC virtual media attached, the DRAC's USB "Virtual Floppy" (and other USB
# disks) can take /dev/sda and /dev/sdb, pushing the PERC virtual disk to /dev/sdc. An
# installer told "/dev/sda" would then partition the virtual floppy.
#
# Rule, first match wins:
#   1. a disk on a Dell storage controller: driver megaraid_sas / megaraid_mbox / megaraid
#      (PERC 5/6 and older) or mptsas (SAS 5/iR, SAS 6/iR: PowerEdge 1950/2950 without a
#      PERC), or whose SCSI vendor/model says PERC or MegaRAID;
#   2. else (IMGBUILD_DISK_FALLBACK=fixed, the default) the first disk that is neither
#      removable nor behind USB, for machines without a PERC (QEMU virtio, modern servers);
#      IMGBUILD_DISK_FALLBACK=none makes "no PERC" an error instead.
# Among several matches the lowest name wins (only between equally qualified disks).
#
# Where it runs: Etch's installer (busybox ash 1.1) from a partman init.d hook that the
# preseed's early_command writes (at early_command time no disk driver is loaded yet; see
# preseed/etch-pe2950-vmware.cfg), and the installed system (late-command.sh). POSIX sh
# only: no readlink -f, no cd -P, no bash-isms.
# Every sysfs path is under $IMGBUILD_ROOT, so tests run it against a fake /sys tree.

R=${IMGBUILD_ROOT:-}
SYS=$R/sys
DRIVERS=${IMGBUILD_DISK_DRIVERS:-megaraid_sas megaraid_mbox megaraid mptsas}
FALLBACK=${IMGBUILD_DISK_FALLBACK:-fixed}

say() {
    echo "choose-disk: $*" >&2
    logger -t imgbuild-choose-disk -- "$*" 2>/dev/null || true
}

# link_name LINK: the last component of a symlink's target, from `ls -l` ("x -> ../y/z").
# No readlink -f or cd -P: Etch's busybox may lack them. The kernel resolves "device/.."
# physically when a path is opened, so walking up needs no resolution in the shell.
link_name() {
    ls -l "$1" 2>/dev/null | sed -n 's|.* -> ||p' | sed 's|/*$||; s|.*/||'
}

# drivers_above BLOCKDIR: the drivers bound to the device's ancestors, nearest first, one
# per line (the device's own driver, sd, is skipped: the first line is the controller).
drivers_above() {
    da_up=/..
    da_n=0
    while [ "$da_n" -lt 12 ]; do
        if [ -e "$1/device$da_up/driver" ]; then
            link_name "$1/device$da_up/driver"
        fi
        da_up=$da_up/..
        da_n=$((da_n + 1))
    done
}

first_line() {
    if [ -r "$1" ]; then
        IFS= read -r fl_line <"$1" || true
        echo "$fl_line"
    fi
}

if [ ! -d "$SYS/block" ]; then
    say "no $SYS/block: sysfs not mounted?"
    exit 1
fi

perc=
fixed=
for blk in "$SYS"/block/*; do
    [ -d "$blk" ] || continue
    name=${blk##*/}
    case $name in
        ram*|loop*|sr*|scd*|fd*|md*|dm-*|nbd*|zram*) continue ;;
    esac
    [ -d "$blk/device" ] || continue
    removable=$(first_line "$blk/removable")
    vendor=$(first_line "$blk/device/vendor")
    model=$(first_line "$blk/device/model")
    above=$(drivers_above "$blk")
    driver=$(echo "$above" | sed -n 1p)
    usb=no
    for d in $above; do
        case $d in
            usb-storage|uas|usb|*hcd|*hcd_*|*-hcd) usb=yes ;;
        esac
    done
    node=/dev/$(echo "$name" | sed 's,!,/,g')
    say "$node: controller=${driver:-unknown} usb=$usb removable=${removable:-?} vendor='$vendor' model='$model'"

    is_perc=no
    for d in $DRIVERS; do
        [ "$driver" = "$d" ] && is_perc=yes
    done
    case "$vendor $model" in
        *PERC*|*MegaRAID*|*MEGARAID*) is_perc=yes ;;
    esac
    if [ $is_perc = yes ] && [ $usb = no ]; then
        [ -n "$perc" ] || perc=$node
    elif [ $usb = no ] && [ "$removable" != 1 ]; then
        [ -n "$fixed" ] || fixed=$node
    fi
done

chosen=
if [ -n "$perc" ]; then
    chosen=$perc
    say "chose $chosen (Dell storage controller: PERC/MegaRAID or SAS 5/iR-6/iR)"
elif [ "$FALLBACK" = fixed ] && [ -n "$fixed" ]; then
    chosen=$fixed
    say "no PERC/MegaRAID disk; chose $chosen (first fixed, non-USB disk)"
else
    say "no suitable disk found (PERC/MegaRAID required: IMGBUILD_DISK_FALLBACK=$FALLBACK)"
fi

if [ "${1:-}" = --debconf ]; then
    # debconf-set (di-utils) talks to the running debconf frontend: this branch only works
    # from a script the installer runs (the partman init.d hook). Without a disk, the
    # question is cleared so partman asks, rather than partitioning the preseed's placeholder.
    debconf-set partman-auto/disk "$chosen"
    if [ -n "$chosen" ]; then
        debconf-set grub-installer/bootdev "$chosen"
    fi
fi

[ -n "$chosen" ] || exit 1
echo "$chosen"
exit 0
