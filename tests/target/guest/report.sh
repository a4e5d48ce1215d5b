#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs on every boot of the target-side test guest, after the first-boot hook: prints what
# the host checks on the serial port (how the system was booted, which disks it sees), then
# powers the guest off so the host knows the boot is over and the disk is clean.
# Each line goes to ttyS0 and through the kernel log: the getty on ttyS0 may start while
# this runs, and its vhangup() revokes the port's open descriptors (a line written then is
# lost; seen here), while the kernel's serial console writes below the tty layer.
emit() {
    while IFS= read -r line; do
        { echo "$line" >>/dev/ttyS0; } 2>/dev/null
        { echo "<3>$line" >/dev/kmsg; } 2>/dev/null
    done
}
{
    echo "IMGBUILD-TEST:cmdline:$(cat /proc/cmdline)"
    echo "IMGBUILD-TEST:root-source:$(findmnt -n -o SOURCE /)"
    echo "IMGBUILD-TEST:fstab-root:$(awk '$2 == "/" { print $1 }' /etc/fstab)"
    for d in /sys/block/sd*; do
        [ -e "$d" ] || continue
        vendor=$(sed 's/[[:space:]]*$//' "$d/device/vendor" 2>/dev/null)
        model=$(sed 's/[[:space:]]*$//' "$d/device/model" 2>/dev/null)
        echo "IMGBUILD-TEST:disk:${d##*/}:$vendor/$model"
    done
    echo "IMGBUILD-TEST:firstboot-unit:$(systemctl show -p ActiveState --value imgbuild-firstboot.service)"
    echo "IMGBUILD-TEST:boot-finished"
} 2>&1 | emit
sync
systemctl --no-block poweroff
