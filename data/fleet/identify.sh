#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imgbuild: which server of the inventory is this? Runs inside the Debian installer
# (busybox sh) after the NIC drivers are loaded and before netcfg configures the network,
# and hands netcfg that host's answers.
#
#   identify.sh [--unknown stop|dhcp]
#
# The table (one host per line: hostname TAB SERVICE_TAG TAB mac mac ..., "-" for none)
# and the answers (<hostname>.cfg) sit beside this script in the installer's initrd.
# Matching, first hit wins:
#   1. the SMBIOS system serial, which is the Dell service tag
#      (/sys/class/dmi/id/product_serial: Linux 2.6.23 and later, so not Etch's 2.6.18);
#   2. any MAC of the host against every NIC's /sys/class/net/*/address: which NIC carries
#      which MAC is a known trap, so every listed MAC counts, and netcfg is then told to use
#      the interface that matched.
# Reports IMGBUILD:host:<hostname>:<how> on the serial port and in the installer's syslog;
# an unknown machine either reports IMGBUILD:host-unknown:<what it saw> and stops at a
# critical error naming it (stop, the default), or reports
# IMGBUILD:host-unknown-dhcp:<what it saw> and carries on with DHCP (dhcp).
#
# Test hooks (never set in the installer): IMGBUILD_ROOT prefixes /sys and /dev,
# IMGBUILD_SERIAL replaces the serial device, IMGBUILD_SET_SELECTIONS replaces
# debconf-set-selections, IMGBUILD_CONFMODULE replaces debconf's confmodule.

unknown=stop
[ "$1" = --unknown ] && unknown=$2

R=${IMGBUILD_ROOT:-}
here=$(cd "$(dirname "$0")" && pwd)
table=$here/table
serial_port=${IMGBUILD_SERIAL:-$R/dev/ttyS0}
set_selections=${IMGBUILD_SET_SELECTIONS:-debconf-set-selections}

say() {
    # The serial port may be missing or busy: a marker must never stop the install.
    { echo "$1" >"$serial_port"; } 2>/dev/null
    logger -t imgbuild "$1" 2>/dev/null || true
    echo "$1" >&2
}

# The service tag, if this kernel can tell. Placeholders that vendors leave in the
# field are no serial at all.
serial=
if [ -r "$R/sys/class/dmi/id/product_serial" ]; then
    serial=$(tr -d ' \t\r\n' <"$R/sys/class/dmi/id/product_serial" | tr 'a-z' 'A-Z')
    case $serial in
        ''|NOTSPECIFIED|TOBEFILLEDBYO.E.M.|0|0123456789|SYSTEMSERIALNUMBER|DEFAULTSTRING) serial= ;;
    esac
fi

# Every NIC with its MAC, in name order: "eth0 00:1e:c9:aa:bb:01".
nics=
for address in "$R"/sys/class/net/*/address; do
    [ -r "$address" ] || continue
    iface=$(basename "$(dirname "$address")")
    mac=$(tr 'A-F' 'a-f' <"$address")
    case $iface:$mac in lo:*|*:00:00:00:00:00:00|*:) continue ;; esac
    nics="$nics$iface $mac
"
done

host= how= iface=
if [ -n "$serial" ]; then
    while IFS='	' read -r name tag macs; do
        if [ "$tag" = "$serial" ]; then host=$name how=service-tag; break; fi
    done <"$table"
fi
if [ -z "$host" ]; then
    # Interfaces in name order, hosts in inventory order: the inventory guarantees that a
    # MAC names one host only, so the order only decides which NIC netcfg is told to use.
    while read -r nic mac; do
        [ -n "$mac" ] || continue
        while IFS='	' read -r name tag macs; do
            for m in $macs; do
                if [ "$m" = "$mac" ]; then host=$name how="mac@$nic" iface=$nic; break 3; fi
            done
        done <"$table"
    done <<EOF
$nics
EOF
fi

if [ -n "$host" ]; then
    say "IMGBUILD:host:$host:$how"
    $set_selections "$here/$host.cfg" || { say "IMGBUILD:host-answers-failed:$host"; exit 1; }
    if [ -n "$iface" ]; then
        echo "d-i netcfg/choose_interface select $iface" >"$here/.interface.cfg"
        $set_selections "$here/.interface.cfg"
    fi
    exit 0
fi

seen_macs=$(echo "$nics" | while read -r nic mac; do [ -n "$mac" ] && printf '%s ' "$nic=$mac"; done)
seen_macs=${seen_macs% }
seen="service tag ${serial:-(none readable)}, NICs ${seen_macs:-(none)}"
if [ "$unknown" = dhcp ]; then
    say "IMGBUILD:host-unknown-dhcp:$seen"
    exit 0
fi
say "IMGBUILD:host-unknown:$seen"

# Stop where an operator at the DRAC console sees why: a critical error naming what the
# machine reported, so the inventory can be fixed (or the row added) and the server rebooted.
# The template goes through the running frontend (X_LOADTEMPLATEFILE, in cdebconf since
# before Etch): the debconf-loadtemplate program would write the database files behind the
# back of the frontend that main-menu runs under, which never rereads them.
. "${IMGBUILD_CONFMODULE:-/usr/share/debconf/confmodule}"
db_x_loadtemplatefile "$here/unknown.templates" imgbuild || true
db_subst imgbuild/host-unknown SEEN "$seen"
db_input critical imgbuild/host-unknown || true
db_go || true
exit 1
