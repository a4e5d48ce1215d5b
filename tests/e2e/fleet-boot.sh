#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu fleet
# timeout: 2400
# cost: 1200
#
# Issue 12 part 5: one fleet image (build --hosts) from the Debian 12 test base, booted on
# the emulated PowerEdge 2950 with the real Debian 12 installer up to netcfg
# (verify --stage network), as three machines:
#   A  matched by its service tag (SMBIOS serial), static address: netcfg sets A's
#      hostname and address;
#   B  matched by the MAC of its second NIC, DHCP: netcfg uses that NIC and B's hostname;
#   an unknown machine: stopped before netcfg with IMGBUILD:host-unknown naming its
#      service tag and MACs (verify: cause "machine not in the inventory").
# The installer's syslog comes to the host over the network (--syslog-port): netcfg's own
# lines and the hook's IMGBUILD:network line, sent once netcfg is done. Then the
# Etch-layout test disc (release etch: Etch's netcfg answers) runs the MAC path the same
# way, and the per-host image of A (build --per-host) comes up as A on a machine that is
# in no row. Each boot stops at the marker it waits for; their times are printed (about
# 110 s each on a quiet machine, 230-260 s at load 6).
source "$(dirname "$0")/prelude.sh"

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
modern=$(fixture_iso modern-amd64)
etch=$(fixture_iso etch-i386)
export TMPDIR=$T/tmp
mkdir "$TMPDIR"

cat >"$T/rack.csv" <<'CSV'
hostname,domain,service_tag,mac,address,gateway,nameservers
alpha,rack1.example.org,7ABCD1X,00:1e:c9:aa:bb:01,10.0.2.21/24,10.0.2.2,10.0.2.3
bravo,rack1.example.org,,"00:1e:c9:aa:cc:01 00:1e:c9:aa:cc:02",dhcp,,
CSV
printf 'd-i debian-installer/locale string en_US\nd-i netcfg/choose_interface select auto\n' >"$T/min.cfg"
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for disc in modern etch; do
    expect_status 0 "$IMGBUILD" build "${!disc}" -o "$T/$disc.iso" --preseed "$T/min.cfg" --hosts "$T/rack.csv" \
        --kernel-args "log_host=10.0.2.2 log_port=$port" --quiet
done

timeout=$(tcg_seconds 300)
echo "timeout ${timeout} s per boot (load $(cut -d' ' -f1 /proc/loadavg))"
boot() { # NAME ISO IDENTITY STATUS
    local name=$1 iso=$2 identity=$3 status=$4 start=$SECONDS
    expect_status "$status" "$IMGBUILD" verify "$iso" --machine pe2950 --stage network --timeout "$timeout" \
        --accel tcg --log "$T/$name" --syslog-port "$port" --identity "$identity"
    echo "boot $name: $((SECONDS - start)) s, exit $status"
    sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$T/$name/serial.log" | tr -d '\r' | grep -ao 'IMGBUILD:.*' >"$T/$name.markers" || true
    cat "$T/$name.markers"
}
syslog_has() { # NAME REGEX WHAT
    grep -Eaq -- "$2" "$T/$1/installer-syslog.log" ||
        { grep -a 'netcfg\|imgbuild\|udhcpc' "$T/$1/installer-syslog.log" | tail -n 20 >&2; fail "$1: syslog lacks $3"; }
}

# A: service tag; static address and hostname set by netcfg.
boot alpha "$T/modern.iso" serial=7ABCD1X 0
grep -qx 'IMGBUILD:host:alpha:service-tag' "$T/alpha.markers" || fail "A not matched by its service tag"
grep -Eqx 'IMGBUILD:network:alpha:([a-z0-9]+=[0-9./]+ )*[a-z0-9]+=10\.0\.2\.21/24( .*)?' "$T/alpha.markers" ||
    fail "netcfg did not set A's static address and hostname"
syslog_has alpha 'netcfg\[[0-9]+\]: .*alpha' "netcfg's lines about hostname alpha"
syslog_has alpha 'imgbuild: IMGBUILD:network:alpha:.*10\.0\.2\.21/24' "the network line of A"

# B: the MAC of its second NIC; DHCP on that NIC, B's hostname.
boot bravo "$T/modern.iso" mac=52:54:00:aa:00:01,mac=00:1e:c9:aa:cc:02 0
nic=$(sed -n 's/^IMGBUILD:host:bravo:mac@\([a-z0-9]*\)$/\1/p' "$T/bravo.markers")
[[ -n $nic ]] || fail "B not matched by a MAC"
grep -Eqx "IMGBUILD:network:bravo:(.* )?$nic=10\.0\.2\.[0-9]+/24( .*)?" "$T/bravo.markers" ||
    fail "netcfg did not configure B's matched NIC $nic by DHCP under B's hostname"
syslog_has bravo "udhcpc.*using $nic" "DHCP on the matched NIC $nic"
syslog_has bravo 'netcfg\[[0-9]+\]: .*bravo' "netcfg's lines about hostname bravo"

# An unknown machine: stopped before netcfg, naming what it saw.
boot unknown "$T/modern.iso" serial=0NTINV1,mac=00:1e:c9:ff:00:01 1
grep -Fq "machine not in the inventory" "$T/last.out" || { cat "$T/last.out" >&2; fail "verify did not name the cause"; }
# (QEMU numbers its default MACs over the NICs that have none: the second NIC gets :56.)
grep -Eqx 'IMGBUILD:host-unknown:service tag 0NTINV1, NICs [a-z0-9]+=00:1e:c9:ff:00:01 [a-z0-9]+=52:54:00:12:34:[0-9a-f]{2}' \
    "$T/unknown.markers" || fail "the unknown machine's marker does not name its service tag and MACs"
! grep -q 'IMGBUILD:network' "$T/unknown.markers" || fail "netcfg ran on an unknown machine"

# The Etch-layout disc: MACs only (Etch's 2.6.18 has no /sys/class/dmi/id; no serial given here).
boot etch "$T/etch.iso" mac=00:1e:c9:aa:bb:01 0
grep -Eqx 'IMGBUILD:host:alpha:mac@[a-z0-9]+' "$T/etch.markers" || fail "Etch layout: A not matched by its MAC"
grep -Eqx 'IMGBUILD:network:alpha:(.* )?[a-z0-9]+=10\.0\.2\.21/24( .*)?' "$T/etch.markers" ||
    fail "Etch layout: netcfg did not set A's static address (Etch's disable_dhcp answers)"

# Part 3's images: the per-host image of A boots on a machine that is in no row (QEMU's
# own serial and MACs) straight to A's hostname and static address: no identification.
expect_status 0 "$IMGBUILD" build "$modern" --preseed "$T/min.cfg" --hosts "$T/rack.csv" --per-host "$T/per-host" \
    --kernel-args "log_host=10.0.2.2 log_port=$port" --quiet
boot per-host-alpha "$T/per-host/alpha.iso" serial=0NTINV1 0
! grep -q 'IMGBUILD:host' "$T/per-host-alpha.markers" || fail "a per-host image identified the machine"
grep -Eqx 'IMGBUILD:network:alpha:(.* )?[a-z0-9]+=10\.0\.2\.21/24( .*)?' "$T/per-host-alpha.markers" ||
    fail "the per-host image of A did not come up as A"
syslog_has per-host-alpha 'netcfg\[[0-9]+\]: .*alpha' "netcfg's lines about hostname alpha"

if pgrep -f "$T/modern.iso" >/dev/null || pgrep -f "$T/etch.iso" >/dev/null; then fail "QEMU still running"; fi
