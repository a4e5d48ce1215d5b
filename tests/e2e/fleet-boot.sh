#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu fleet
# timeout: 1800
# cost: 700
#
# Issue 12 part 5: one fleet image (build --hosts) from the Debian 12 test base, booted on
# the emulated PowerEdge 2950 with the real Debian 12 installer up to netcfg
# (verify --stage network), as two machines:
#   A  matched by its service tag (SMBIOS serial), static address: netcfg sets A's
#      hostname and address;
#   an unknown machine: stopped before netcfg with IMGBUILD:host-unknown naming its
#      service tag and MACs (verify: cause "machine not in the inventory").
# The installer's syslog comes to the host over the network (--syslog-port): netcfg's own
# lines and the hook's IMGBUILD:network line, sent once netcfg is done. Then the per-host
# image of A (build --per-host) comes up as A on a machine that is in no row.
# The MAC paths (B by its second NIC with DHCP; the Etch-layout disc with Etch's netcfg
# answers) boot in fleet-boot-slow: two more boots of about 120-250 s each did not fit the
# default run's 45 minutes; tests/e2e/fleet-identify.sh checks the MAC matching itself.
source "$(dirname "$0")/prelude.sh"
source "$IMGBUILD_SOURCE_DIR/tests/fleet/boot-lib.sh"

fleet_image modern

# A: service tag; static address and hostname set by netcfg.
boot alpha "$T/modern.iso" serial=7ABCD1X 0
grep -qx 'IMGBUILD:host:alpha:service-tag' "$T/alpha.markers" || fail "A not matched by its service tag"
grep -Eqx 'IMGBUILD:network:alpha:([a-z0-9]+=[0-9./]+ )*[a-z0-9]+=10\.0\.2\.21/24( .*)?' "$T/alpha.markers" ||
    fail "netcfg did not set A's static address and hostname"
syslog_has alpha 'netcfg\[[0-9]+\]: .*alpha' "netcfg's lines about hostname alpha"
syslog_has alpha 'imgbuild: IMGBUILD:network:alpha:.*10\.0\.2\.21/24' "the network line of A"

# An unknown machine: stopped before netcfg, naming what it saw.
boot unknown "$T/modern.iso" serial=0NTINV1,mac=00:1e:c9:ff:00:01 1
grep -Fq "machine not in the inventory" "$T/last.out" || { cat "$T/last.out" >&2; fail "verify did not name the cause"; }
# (QEMU numbers its default MACs over the NICs that have none: the second NIC gets :56.)
grep -Eqx 'IMGBUILD:host-unknown:service tag 0NTINV1, NICs [a-z0-9]+=00:1e:c9:ff:00:01 [a-z0-9]+=52:54:00:12:34:[0-9a-f]{2}' \
    "$T/unknown.markers" || fail "the unknown machine's marker does not name its service tag and MACs"
! grep -q 'IMGBUILD:network' "$T/unknown.markers" || fail "netcfg ran on an unknown machine"

# Part 3's images: the per-host image of A boots on a machine that is in no row (QEMU's
# own serial and MACs) straight to A's hostname and static address: no identification.
expect_status 0 "$IMGBUILD" build "$(fixture_iso modern-amd64)" --preseed "$T/min.cfg" --hosts "$T/rack.csv" --per-host "$T/per-host" \
    --kernel-args "log_host=10.0.2.2 log_port=$port" --quiet
boot per-host-alpha "$T/per-host/alpha.iso" serial=0NTINV1 0
! grep -q 'IMGBUILD:host' "$T/per-host-alpha.markers" || fail "a per-host image identified the machine"
grep -Eqx 'IMGBUILD:network:alpha:(.* )?[a-z0-9]+=10\.0\.2\.21/24( .*)?' "$T/per-host-alpha.markers" ||
    fail "the per-host image of A did not come up as A"
syslog_has per-host-alpha 'netcfg\[[0-9]+\]: .*alpha' "netcfg's lines about hostname alpha"

no_qemu_left
