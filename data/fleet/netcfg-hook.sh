#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imgbuild: netcfg's menu step on a fleet image (build --hosts). The image replaces
# netcfg's postinst ("exec netcfg" in every release from Etch to Debian 13) with a call of
# this script, so that the machine is identified (identify.sh beside this script) after
# ethdetect has loaded the NIC drivers and before netcfg reads its answers; then netcfg
# runs as before, and what it configured is reported.
#
#   netcfg-hook.sh [--unknown stop|dhcp]
#
# Exits with netcfg's status (main-menu reads it: 0 done, 10 back to the menu, ...), or 1
# for an unknown machine with --unknown stop, after the critical error identify.sh shows.

here=$(cd "$(dirname "$0")" && pwd)
# A per-host image (build --per-host) knows its host: no identify.sh, only the report.
if [ -f "$here/identify.sh" ]; then
    /bin/sh "$here/identify.sh" "$@" || exit 1
fi

netcfg
rc=$?
if [ "$rc" -eq 0 ]; then
    # What netcfg did, from the kernel: the hostname it set (sethostname) and the IPv4
    # addresses of every interface but lo. The marker goes to the serial port (verify
    # --stage network waits for it) and to syslog, which now reaches a log_host.
    name=$(cat /proc/sys/kernel/hostname 2>/dev/null)
    addresses=$(ip -o -4 addr show 2>/dev/null | while read -r n iface family address rest; do
        [ "$iface" = lo ] || printf '%s ' "$iface=$address"
    done)
    addresses=${addresses% }
    marker="IMGBUILD:network:${name:-unknown}:${addresses:-none}"
    logger -t imgbuild "$marker" 2>/dev/null || true
    { echo "$marker" >/dev/ttyS0; } 2>/dev/null
fi
exit "$rc"
