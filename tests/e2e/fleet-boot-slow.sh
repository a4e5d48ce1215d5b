#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu fleet slow
# timeout: 1500
# cost: 500
#
# Issue 12 part 5, the MAC paths (fleet-boot has the service tag, the unknown machine and
# the per-host image): the fleet image booted on the emulated PowerEdge 2950 up to netcfg
# (verify --stage network) as
#   B  matched by the MAC of its second NIC, DHCP: netcfg uses that NIC and B's hostname;
#   A  on the Etch-layout test disc (release etch: Etch's netcfg answers), matched by MAC.
source "$(dirname "$0")/prelude.sh"
source "$IMGBUILD_SOURCE_DIR/tests/fleet/boot-lib.sh"

fleet_image modern etch

# B: the MAC of its second NIC; DHCP on that NIC, B's hostname.
boot bravo "$T/modern.iso" mac=52:54:00:aa:00:01,mac=00:1e:c9:aa:cc:02 0
nic=$(sed -n 's/^IMGBUILD:host:bravo:mac@\([a-z0-9]*\)$/\1/p' "$T/bravo.markers")
[[ -n $nic ]] || fail "B not matched by a MAC"
grep -Eqx "IMGBUILD:network:bravo:(.* )?$nic=10\.0\.2\.[0-9]+/24( .*)?" "$T/bravo.markers" ||
    fail "netcfg did not configure B's matched NIC $nic by DHCP under B's hostname"
syslog_has bravo "udhcpc.*using $nic" "DHCP on the matched NIC $nic"
syslog_has bravo 'netcfg\[[0-9]+\]: .*bravo' "netcfg's lines about hostname bravo"

# The Etch-layout disc: MACs only (Etch's 2.6.18 has no /sys/class/dmi/id; no serial given here).
boot etch "$T/etch.iso" mac=00:1e:c9:aa:bb:01 0
grep -Eqx 'IMGBUILD:host:alpha:mac@[a-z0-9]+' "$T/etch.markers" || fail "Etch layout: A not matched by its MAC"
grep -Eqx 'IMGBUILD:network:alpha:(.* )?[a-z0-9]+=10\.0\.2\.21/24( .*)?' "$T/etch.markers" ||
    fail "Etch layout: netcfg did not set A's static address (Etch's disable_dhcp answers)"

no_qemu_left
