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
#   1. a disk whose controller driver is megaraid_sas / megaraid_mbox / megaraid (PERC
#      5/6 and older), or whose SCSI vendor/model says PERC or MegaRAID;
#   2. else (IMGBUILD_DISK_FALLBACK=fixed, the default) the first disk that is neither
#      removable nor behind USB, for machines without a PERC (QEMU virtio, modern servers);
#      IMGBUILD_DISK_FALLBACK=none makes "no PERC" an error instead.
# Among several matches the lowest name wins (only between equally qualified disks).
#
# Where it runs: Etch's installer (busybox ash 1.1) from a partman init.d hook that the
# preseed's early_command writes (at early_command time no disk driver is loaded yet; see
# preseed/etch-pe2950-vmware.cfg), and the installed system (late-command.sh). POSIX sh
# only: no readlink -f (resolved with cd -P / pwd -P), no bash-isms.
# Every sysfs path is under $IMGBUILD_ROOT, so tests run it against a fake /sys tree.

R=${IMGBUILD_ROOT:-}
SYS=$R/sys
DRIVERS=${IMGBUILD_DISK_DRIVERS:-megaraid_sas megaraid_mbox megaraid}
FALLBACK=${IMGBUILD_DISK_FALLBACK:-fixed}

say() {
    echo "choose-disk: $*" >&2
    logger -t imgbuild-choose-disk -- "$*" 2>/dev/null || true
}

# Physical path of a directory (symlinks resolved); empty if it does not exist.
resolve_dir() {
    (cd -P "$1" 2>/dev/null && pwd -P) || readlink -f "$1" 2>/dev/null || true
}

# The controller driver above a SCSI/block device directory: the first `driver` link found
# walking up from the device's parent (the device's own driver is sd, not the controller).
controller_driver() {
    cd_dev=$1
    cd_p=${cd_dev%/*}
    while :; do
        case $cd_p in
            "$SYS_REAL"/devices/?*) ;;
            *) break ;;
        esac
        if [ -e "$cd_p/driver" ]; then
            cd_d=$(resolve_dir "$cd_p/driver")
            if [ -n "$cd_d" ]; then
                echo "${cd_d##*/}"
                return 0
            fi
        fi
        cd_p=${cd_p%/*}
    done
    return 1
}

first_line() {
    if [ -r "$1" ]; then
        IFS= read -r fl_line <"$1" || true
        echo "$fl_line"
    fi
}

SYS_REAL=$(resolve_dir "$SYS")
if [ -z "$SYS_REAL" ] || [ ! -d "$SYS/block" ]; then
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
    dev=$(resolve_dir "$blk/device")
    [ -n "$dev" ] || continue
    removable=$(first_line "$blk/removable")
    vendor=$(first_line "$blk/device/vendor")
    model=$(first_line "$blk/device/model")
    driver=$(controller_driver "$dev") || driver=
    usb=no
    case $dev in
        */usb[0-9]*) usb=yes ;;
    esac
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
    say "chose $chosen (PERC/MegaRAID controller)"
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
