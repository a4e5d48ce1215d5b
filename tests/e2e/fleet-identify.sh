#!/usr/bin/env bash
# labels: e2e fleet
# timeout: 60
# data/fleet/identify.sh, the install-time choice of a host from the inventory, run with
# busybox sh (the installer's shell) and dash against fake /sys trees: a modern kernel
# (service tag in /sys/class/dmi/id) and Etch's 2.6.18 (no dmi directory: MACs only), a
# host found by its second NIC, an unknown machine (critical error, or DHCP when the build
# said so) and vendor placeholder serials. debconf-set-selections and the confmodule are
# replaced by recorders: what reaches them is what the installer would be told.
source "$(dirname "$0")/prelude.sh"
script=$IMGBUILD_SOURCE_DIR/data/fleet/identify.sh
command -v busybox >/dev/null || fail "busybox not installed (scripts/install-deps.sh)"
mkdir -p "$T/bbin"
for applet in tr cat basename dirname logger; do ln -s "$(command -v busybox)" "$T/bbin/$applet"; done

# The initrd's /imgbuild/hosts: the script, the table and one answers file per host.
hosts=$T/hosts
mkdir -p "$hosts"
cp "$script" "$IMGBUILD_SOURCE_DIR/data/fleet/unknown.templates" "$hosts/"
printf 'vm01\t7ABCD1X\t00:1e:c9:aa:bb:01 00:1e:c9:aa:bb:02\nvm02\t-\t00:1e:c9:aa:cc:01 00:1e:c9:aa:cc:02\nvm03\tHX42\t-\n' >"$hosts/table"
for h in vm01 vm02 vm03; do echo "d-i netcfg/get_hostname string $h" >"$hosts/$h.cfg"; done

cat >"$T/record-selections" <<'REC'
#!/bin/sh
echo "set-selections $(cat "$1")" >>"$RECORD"
REC
cat >"$T/confmodule" <<'REC'
db_subst() { echo "db_subst $*" >>"$RECORD"; }
db_input() { echo "db_input $*" >>"$RECORD"; }
db_go() { echo "db_go" >>"$RECORD"; }
db_x_loadtemplatefile() { echo "loadtemplate $2 $(head -1 "$1")" >>"$RECORD"; }
REC
chmod +x "$T/record-selections"

machine() { # ROOT SERIAL|none IFACE=MAC...
    local root=$1 serial=$2; shift 2
    rm -rf "$root"; mkdir -p "$root/sys/class/net/lo" "$root/dev"
    echo 00:00:00:00:00:00 >"$root/sys/class/net/lo/address"
    if [[ $serial != none ]]; then
        mkdir -p "$root/sys/class/dmi/id"; printf '%s\n' "$serial" >"$root/sys/class/dmi/id/product_serial"
    fi
    for nic in "$@"; do
        mkdir -p "$root/sys/class/net/${nic%%=*}"; echo "${nic#*=}" >"$root/sys/class/net/${nic%%=*}/address"
    done
}

run() { # SHELL ROOT [ARGS] -> status; serial port in $T/serial, calls in $T/record
    local sh=$1 root=$2; shift 2
    : >"$T/serial"; : >"$T/record"
    local rc=0
    if [[ $sh == busybox ]]; then
        PATH=$T/bbin:$PATH RECORD=$T/record IMGBUILD_ROOT=$root IMGBUILD_SERIAL=$T/serial \
            IMGBUILD_SET_SELECTIONS=$T/record-selections IMGBUILD_CONFMODULE=$T/confmodule \
            busybox sh "$hosts/identify.sh" "$@" 2>"$T/err" || rc=$?
    else
        PATH=$T/bbin:$PATH RECORD=$T/record IMGBUILD_ROOT=$root IMGBUILD_SERIAL=$T/serial \
            IMGBUILD_SET_SELECTIONS=$T/record-selections IMGBUILD_CONFMODULE=$T/confmodule \
            "$sh" "$hosts/identify.sh" "$@" 2>"$T/err" || rc=$?
    fi
    return $rc
}

expect_serial() { grep -qxF -- "$1" "$T/serial" || { cat "$T/serial" "$T/err" >&2; fail "$2: serial port lacks '$1'"; }; }
expect_record() { grep -qF -- "$1" "$T/record" || { cat "$T/record" >&2; fail "$2: expected '$1' in what the installer was told"; }; }
expect_no_record() { ! grep -qF -- "$1" "$T/record" || { cat "$T/record" >&2; fail "$2: unexpected '$1'"; }; }

for sh in busybox dash; do
    m=$T/m-$sh
    # Modern kernel, service tag matches (lower case and padded as some BIOSes report it);
    # its NICs' MACs would match vm02, but the service tag comes first.
    machine "$m" " 7abcd1x " eth0=00:1e:c9:aa:cc:01
    run $sh "$m" || fail "$sh: known service tag: status $?"
    expect_serial "IMGBUILD:host:vm01:service-tag" "$sh service tag"
    expect_record "set-selections d-i netcfg/get_hostname string vm01" "$sh service tag"
    expect_no_record "choose_interface" "$sh service tag"

    # Etch's 2.6.18: no /sys/class/dmi; vm02 is found by its second NIC's MAC, in capitals
    # as some drivers print it, and netcfg is pointed at that interface.
    machine "$m" none eth0=00:1e:c9:99:99:99 eth1=00:1E:C9:AA:CC:02
    run $sh "$m" || fail "$sh: MAC on second NIC: status $?"
    expect_serial "IMGBUILD:host:vm02:mac@eth1" "$sh second NIC"
    expect_record "set-selections d-i netcfg/get_hostname string vm02" "$sh second NIC"
    expect_record "set-selections d-i netcfg/choose_interface select eth1" "$sh second NIC"

    # A vendor's placeholder serial is no serial: vm03 has no MAC, so nothing matches.
    machine "$m" "To Be Filled By O.E.M." eth0=52:54:00:12:34:56
    rc=0; run $sh "$m" || rc=$?
    [[ $rc -eq 1 ]] || fail "$sh: unknown machine must stop (status 1), got $rc"
    expect_serial "IMGBUILD:host-unknown:service tag (none readable), NICs eth0=52:54:00:12:34:56" "$sh unknown"
    expect_record "db_input critical imgbuild/host-unknown" "$sh unknown"
    expect_record "db_subst imgbuild/host-unknown SEEN service tag (none readable), NICs eth0=52:54:00:12:34:56" "$sh unknown"
    expect_record "loadtemplate imgbuild Template: imgbuild/host-unknown" "$sh unknown"
    expect_no_record "set-selections" "$sh unknown"

    # The same machine with --unknown dhcp: reported, then the install goes on.
    run $sh "$m" --unknown dhcp || fail "$sh: --unknown dhcp must carry on, status $?"
    expect_serial "IMGBUILD:host-unknown-dhcp:service tag (none readable), NICs eth0=52:54:00:12:34:56" "$sh dhcp"
    expect_no_record "db_input" "$sh dhcp"

    # A service tag alone (no MAC in the inventory).
    machine "$m" HX42 eth0=52:54:00:12:34:57
    run $sh "$m" || fail "$sh: vm03 by tag: status $?"
    expect_serial "IMGBUILD:host:vm03:service-tag" "$sh vm03"
done
