# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Sourced by tests/e2e/fleet-boot.sh and fleet-boot-slow.sh after prelude.sh (issue 12
# part 5): the rack's inventory in $T/rack.csv (alpha: service tag, static address;
# bravo: two MACs, DHCP), and
#   fleet_image DISC...        builds $T/DISC.iso (DISC: modern = the Debian 12 test base,
#                              etch = the Etch-layout one) with --hosts rack.csv and the
#                              installer's syslog sent to the host ($port)
#   boot NAME ISO IDENTITY STATUS
#                              verify --stage network on the emulated 2950 with that SMBIOS
#                              serial / those MACs, expecting exit STATUS; the guest's
#                              IMGBUILD markers in $T/NAME.markers, the installer's syslog in
#                              $T/NAME/installer-syslog.log
#   syslog_has NAME REGEX WHAT fails unless that syslog matches
#   no_qemu_left               fails if a QEMU of this test still runs
# Each boot stops at the marker it waits for (about 110 s on a quiet machine, 230-260 s
# at load 6).

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
export TMPDIR=$T/tmp
mkdir "$TMPDIR"

cat >"$T/rack.csv" <<'CSV'
hostname,domain,service_tag,mac,address,gateway,nameservers
alpha,rack1.example.org,7ABCD1X,00:1e:c9:aa:bb:01,10.0.2.21/24,10.0.2.2,10.0.2.3
bravo,rack1.example.org,,"00:1e:c9:aa:cc:01 00:1e:c9:aa:cc:02",dhcp,,
CSV
printf 'd-i debian-installer/locale string en_US\nd-i netcfg/choose_interface select auto\n' >"$T/min.cfg"
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

fleet_image() { # DISC...
    local disc base
    for disc in "$@"; do
        case $disc in
            modern) base=$(fixture_iso modern-amd64) ;;
            etch) base=$(fixture_iso etch-i386) ;;
            *) fail "fleet_image: no disc $disc" ;;
        esac
        expect_status 0 "$IMGBUILD" build "$base" -o "$T/$disc.iso" --preseed "$T/min.cfg" --hosts "$T/rack.csv" \
            --kernel-args "log_host=10.0.2.2 log_port=$port" --quiet
    done
}

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
no_qemu_left() {
    if pgrep -f "$T/.*\.iso" >/dev/null; then fail "QEMU still running"; fi
}
