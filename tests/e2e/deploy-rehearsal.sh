#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu deploy
# timeout: 1800
# cost: 500
# A rack deployment rehearsed on emulated servers, as a user runs it:
#   make -f Makefile.images deploy-rehearsal MACHINE=r730,r660 HOSTS=r730.csv,r660.csv OUT=DIR
# Two emulated servers (QEMU), one per Redfish dialect, each behind its emulated BMC on
# HTTPS: a PowerEdge R730 with an iDRAC8 (BIOS; VirtualMedia under the Manager) and an
# R660 with an iDRAC9 (UEFI with Secure Boot; VirtualMedia under the System). One
# `imgbuild deploy --hosts` deploys both at once, each with its per-host image (build
# --per-host), through to the first boot: each BMC makes its QEMU fetch the image over HTTP
# ranges as a USB virtual CD and boots it once; the image's installer (the stand-in
# installer disc, test code standing in for debian-installer: it lays down Debian 12)
# reports over syslog, deploy ejects the media the moment install-finished arrives, and the
# installed system's first-boot hook reports done under the row's hostname. Both servers
# send from 127.0.0.1 (QEMU's user network, as servers behind one NAT address): deploy tells
# them apart by what they say of themselves and by their syslog socket.
# Checked: exit 0; deploy's report.json (jq): both done with every step through firstboot;
# from outside deploy: each BMC's CD slot empty (Redfish GET with curl, the pinned
# certificate checked with openssl), each console shows the image's build id, the install
# and the first-boot hook done, each installed system has its row's hostname and network
# (the R730's static address from the inventory, the R660's by DHCP), the R660's
# installed system booted under Secure Boot by its "debian" boot entry; the JUnit file
# names both hosts; the password in no output, log or report; no QEMU left once it is over.
# Needs root on a cold cache (the stand-in discs' debootstrapped Debian 12).
source "$(dirname "$0")/prelude.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap of the cached Debian 12, the stand-in disc)"
for tool in jq xorriso curl openssl; do command -v $tool >/dev/null || fail "$tool is not installed (scripts/install-deps.sh)"; done
[[ -f /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ]] || fail "OVMF with Secure Boot missing (package ovmf)"

# The R730 with a static address and gateway from the inventory (its installer changes
# address at netcfg, so its syslog reaches deploy from a new port), the R660 by DHCP.
printf 'hostname,service_tag,mac,address,gateway\nrack-r730,R730RH1,52:54:00:73:10:01,10.0.2.21/24,10.0.2.2\n' >"$T/r730.csv"
printf 'hostname,service_tag,mac\nrack-r660,R660RH1,52:54:00:66:10:01\n' >"$T/r660.csv"
rc=0
make -s -C "$IMGBUILD_SOURCE_DIR" -f Makefile.images deploy-rehearsal MACHINE=r730,r660 HOSTS="$T/r730.csv,$T/r660.csv" \
    OUT="$T/out" IMGBUILD="$IMGBUILD" TEST_CACHE="$IMGBUILD_CACHE" >"$T/make.out" 2>"$T/make.err" || rc=$?
sed 's/^/  rehearsal: /' "$T/make.out"
report=$T/out/report
[ "$rc" -eq 0 ] || { tail -n 30 "$T/make.err"; tail -n 30 "$report/deploy.log" 2>/dev/null; fail "make deploy-rehearsal exited with $rc"; }

jq -e '[.hosts[] | select(.status == "done" and .deployed.until == "firstboot")] | length == 2' "$report/deploy/report.json" >/dev/null ||
    fail "deploy --hosts did not report both hosts done: $(jq -c '.hosts[] | {host, status, diagnosis}' "$report/deploy/report.json")"
jq -e 'all(.hosts[]; [.steps[].name] == ["image-check","connect","find-system","power-off","eject","insert","boot-once",
        "power-on","installer","install","eject-after-install","firstboot"] and all(.steps[]; .ok))' \
    "$report/deploy/report.json" >/dev/null || fail "a host's steps are not all there and ok"
jq -e '[.hosts[] | select(.booted and .installed and .firstboot and .media_ejected)] | length == 2' "$report/report.json" >/dev/null ||
    fail "not both emulated servers installed, first-booted and ejected: $(jq -c . "$report/report.json")"
# The two dialects: the iDRAC8's slot under the Manager, the iDRAC9's under the System.
grep -q "rack-r730.*Managers/iDRAC.Embedded.1/VirtualMedia" "$report/deploy.log" || fail "the R730 was not deployed through the Manager's VirtualMedia"
grep -q "rack-r660.*Systems/System.Embedded.1/VirtualMedia" "$report/deploy.log" || fail "the R660 was not deployed through the System's VirtualMedia"
# Each installed system came up as its row, the R660's under Secure Boot by its boot entry.
grep -aq "STANDIN: installed system: hostname rack-r730, network static 10.0.2.21/24 10.0.2.2" "$report/rack-r730.serial.log" ||
    fail "rack-r730: the installed system did not get its row's hostname and static address"
grep -aq "STANDIN: installed system: hostname rack-r660, network dhcp" "$report/rack-r660.serial.log" ||
    fail "rack-r660: the installed system did not get its row's hostname and DHCP"
grep -aq "Secure boot enabled" "$report/rack-r660.serial.log" || fail "the R660 did not boot under Secure Boot"
grep -aq "efibootmgr: Boot.*debian" "$report/rack-r660.serial.log" || fail "the R660's installer wrote no debian boot entry"
/usr/bin/python3 - "$report/deploy-junit.xml" <<'PY' || fail "deploy's JUnit file does not name both hosts"
import sys, xml.etree.ElementTree as E
names = sorted(c.get("name") for c in E.parse(sys.argv[1]).iter("testcase"))
sys.exit(0 if names == ["rack-r660", "rack-r730"] else 1)
PY
password=$(cat "$T/out/bmc-password" 2>/dev/null || true)
[[ -n $password ]] || fail "the rehearsal left no bmc-password"
[[ $(stat -c %a "$T/out/bmc-password") == 600 ]] || fail "bmc-password is not mode 0600"
! grep -rqF -- "$password" "$T/make.out" "$T/make.err" "$report" || fail "the BMC password appears in an output or report"
! pgrep -f "qemu-system.*$T/out/state" >/dev/null || fail "a QEMU of the rehearsal is still running"
echo "  an R730 (iDRAC8, BIOS) and an R660 (iDRAC9, Secure Boot) deployed at once by deploy --hosts through the first boot, media ejected"
