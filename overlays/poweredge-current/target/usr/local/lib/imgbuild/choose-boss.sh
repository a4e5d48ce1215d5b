#!/bin/sh
# choose-boss.sh: the boot disk of a current PowerEdge (14G-16G) is its BOSS card, chosen by
# model, never by name order, never a USB device, never the PERC array.
#
#   sh choose-boss.sh            prints /dev/NAME (exit 0), or nothing (exit 1)
#   sh choose-boss.sh --debconf  from the partman init.d hook: sets partman-auto/disk and
#                                grub-installer/bootdev, or stops the install saying why
#
# Why: the BOSS (Boot Optimized Storage Solution: a mirrored M.2 pair) is smaller than the
# PERC virtual disks, and the iDRAC's virtual CD, virtual floppy and (during firmware
# updates) its SECUPD/scrtch disks are USB disks with sd* names. "The first disk" or "the
# biggest disk" erases data; Dell's advice is to pick the BOSS by its /dev/disk/by-id name.
#
# Rule: a whole disk whose model matches IMGBUILD_BOOT_MODEL (a shell pattern; default
# "*BOSS*": "Dell BOSS-N1" NVMe on 16G, "DELLBOSS VD" ATA on BOSS-S1/S2), not behind USB,
# not on a PERC (megaraid_sas, mpi3mr, or a SCSI model saying PERC). Among several, the
# lowest name. IMGBUILD_BOOT_MODEL may be set in boot-disk.conf beside this script
# (IMGBUILD_BOOT_MODEL='...' in sh syntax) for a site whose boot device reads otherwise.
#
# --debconf: when the preseed itself names a disk (partman-auto/disk preseeded, not empty),
# that disk is kept: the site chose. Else the BOSS becomes partman-auto/disk; with no BOSS
# the install stops with an installer error (imgbuild/no-boot-disk) that says why, and
# this script exits 1 so partman fails instead of guessing.
#
# Runs in the Debian 12/13 installer (busybox ash) and tests (dash, busybox sh) against fake
# sysfs trees: every path is under $IMGBUILD_ROOT.

R=${IMGBUILD_ROOT:-}
SYS=$R/sys
HERE=${0%/*}
[ "$HERE" != "$0" ] || HERE=.
if [ -r "$HERE/boot-disk.conf" ]; then
    . "$HERE/boot-disk.conf"
fi
PATTERN=${IMGBUILD_BOOT_MODEL:-*BOSS*}
PERC_DRIVERS="megaraid_sas mpi3mr megaraid_mbox megaraid"
CONFMODULE=${IMGBUILD_CONFMODULE:-/usr/share/debconf/confmodule}

say() {
    echo "choose-boss: $*" >&2
    logger -t imgbuild-choose-boss -- "$*" 2>/dev/null || true
}

# link_name LINK: the last component of a symlink's target, from `ls -l` (no readlink -f).
link_name() {
    ls -l "$1" 2>/dev/null | sed -n 's|.* -> ||p' | sed 's|/*$||; s|.*/||'
}

# drivers_above BLOCKDIR: drivers bound to the device and its ancestors, nearest first.
drivers_above() {
    da_up=
    da_n=0
    while [ "$da_n" -lt 14 ]; do
        if [ -e "$1/device$da_up/driver" ]; then
            link_name "$1/device$da_up/driver"
        fi
        da_up=$da_up/..
        da_n=$((da_n + 1))
    done
}

# Trimmed first line: NVMe models are space-padded to 40 characters.
first_line() {
    if [ -r "$1" ]; then
        IFS= read -r fl_line <"$1" || true
        echo "$fl_line" | sed 's/^[ 	]*//; s/[ 	]*$//'
    fi
}

# by_id_name MODEL SERIAL: the name udev gives an NVMe disk under /dev/disk/by-id.
by_id_name() {
    echo "nvme-$(echo "$1" | sed 's/[^A-Za-z0-9._-]/_/g')_$(echo "$2" | sed 's/[^A-Za-z0-9._-]/_/g')"
}

scan() {
    boss=
    boss_desc=
    seen=
    [ -d "$SYS/block" ] || { say "no $SYS/block: sysfs not mounted?"; return; }
    for blk in "$SYS"/block/*; do
        [ -d "$blk" ] || continue
        name=${blk##*/}
        case $name in
            ram*|loop*|sr*|scd*|fd*|md*|dm-*|nbd*|zram*) continue ;;
        esac
        [ -d "$blk/device" ] || continue
        model=$(first_line "$blk/device/model")
        serial=$(first_line "$blk/device/serial")
        vendor=$(first_line "$blk/device/vendor")
        above=$(drivers_above "$blk")
        usb=no perc=no
        for d in $above; do
            case $d in
                usb-storage|uas|usb|*hcd|*hcd_*|*-hcd) usb=yes ;;
            esac
            for p in $PERC_DRIVERS; do [ "$d" = "$p" ] && perc=yes; done
        done
        case "$vendor $model" in
            *PERC*|*MegaRAID*|*MEGARAID*) perc=yes ;;
        esac
        node=/dev/$(echo "$name" | sed 's,!,/,g')
        say "$node: model='$model' vendor='$vendor' usb=$usb perc=$perc"
        seen="$seen $node ($vendor $model)"
        [ $usb = no ] && [ $perc = no ] || continue
        case $model in
            $PATTERN)
                if [ -z "$boss" ]; then
                    boss=$node
                    case $name in
                        nvme*) boss_desc="$model, /dev/disk/by-id/$(by_id_name "$model" "$serial")" ;;
                        *) boss_desc="$model" ;;
                    esac
                fi ;;
        esac
    done
}

# installer_error WHY: shows imgbuild/no-boot-disk (critical) with the reason, in the
# installer's own dialog; the install stops there.
installer_error() {
    [ -r "$CONFMODULE" ] || return 0
    tmpl=${TMPDIR:-/tmp}/imgbuild-choose-boss.templates
    cat >"$tmpl" <<TEMPLATE
Template: imgbuild/no-boot-disk
Type: error
Description: No BOSS boot disk found
 \${WHY}
TEMPLATE
    (
        . "$CONFMODULE"
        debconf-loadtemplate imgbuild "$tmpl"
        db_subst imgbuild/no-boot-disk WHY "$1"
        db_fset imgbuild/no-boot-disk seen false
        db_input critical imgbuild/no-boot-disk || true
        db_go || true
    )
}

scan
if [ "${1:-}" = --debconf ]; then
    preset=$(debconf-get partman-auto/disk 2>/dev/null || true)
    if [ -n "$preset" ]; then
        say "partman-auto/disk preseeded to $preset: kept${boss:+ (BOSS $boss not used)}"
        echo "$preset"
        exit 0
    fi
    if [ -z "$boss" ]; then
        why="No disk with a model matching '$PATTERN' (Dell BOSS-N1, DELLBOSS VD) outside USB and the PERC was found; disks seen:${seen:- none}. The installer does not guess: preseed partman-auto/disk, or set IMGBUILD_BOOT_MODEL in boot-disk.conf."
        say "$why"
        installer_error "$why"
        exit 1
    fi
    debconf-set partman-auto/disk "$boss"
    debconf-set grub-installer/bootdev "$boss"
fi

if [ -z "$boss" ]; then
    say "no BOSS disk (model '$PATTERN', not USB, not PERC)"
    exit 1
fi
say "chose $boss ($boss_desc)"
echo "$boss"
exit 0
