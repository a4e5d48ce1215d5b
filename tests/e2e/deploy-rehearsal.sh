#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu deploy
# timeout: 900
# cost: 60
# A rack deployment rehearsed on emulated servers, as a user runs it:
#   make -f Makefile.images deploy-rehearsal MACHINE=r730 HOSTS=INVENTORY.csv OUT=DIR
# Two emulated PowerEdge R730s (QEMU, iDRAC8 dialect: VirtualMedia under the Manager), each
# behind its emulated BMC on HTTPS, deployed at once by `imgbuild deploy --hosts` (each BMC's
# certificate pinned from bmcs.json, the image served by `imgbuild serve`): each BMC makes
# its QEMU fetch the image over HTTP ranges (QEMU's curl driver) as a USB virtual CD, boots
# it once, and the image's installer (the stand-in installer disc, test code standing in for
# debian-installer) reports its build id on each machine's serial port.
# Checked: exit 0; deploy's report.json (jq) says both done with every step; the JUnit file
# parses with a testcase per host; the rehearsal's report says both booted the image;
# the password in no output or report; no QEMU left once it is over.
# Needs root on a cold cache (the stand-in disc's debootstrapped Debian 12).
source "$(dirname "$0")/prelude.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap of the cached Debian 12, the stand-in disc)"
for tool in jq xorriso; do command -v $tool >/dev/null || fail "$tool is not installed (scripts/install-deps.sh)"; done

printf 'hostname,service_tag,mac\nrack-a,R730RH1,52:54:00:73:10:01\nrack-b,R730RH2,52:54:00:73:10:02\n' >"$T/hosts.csv"
rc=0
make -s -C "$IMGBUILD_SOURCE_DIR" -f Makefile.images deploy-rehearsal MACHINE=r730 HOSTS="$T/hosts.csv" \
    OUT="$T/out" IMGBUILD="$IMGBUILD" TEST_CACHE="$IMGBUILD_CACHE" >"$T/make.out" 2>"$T/make.err" || rc=$?
sed 's/^/  rehearsal: /' "$T/make.out"
[ "$rc" -eq 0 ] || { tail -n 30 "$T/make.err"; cat "$T/out/report/deploy.log" 2>/dev/null | tail -n 20; fail "make deploy-rehearsal exited with $rc"; }

report=$T/out/report
jq -e '[.hosts[] | select(.status == "done")] | length == 2' "$report/deploy/report.json" >/dev/null ||
    fail "deploy --hosts did not report both hosts done: $(jq -c '.hosts[] | {host, status, diagnosis}' "$report/deploy/report.json")"
jq -e 'all(.hosts[]; [.steps[].name] == ["image-check","connect","find-system","power-off","eject","insert","boot-once","power-on"] and all(.steps[]; .ok))' \
    "$report/deploy/report.json" >/dev/null || fail "a host's steps are not all there and ok"
jq -e '[.hosts[] | select(.booted == true)] | length == 2' "$report/report.json" >/dev/null ||
    fail "not both emulated servers booted the image: $(jq -c . "$report/report.json")"
/usr/bin/python3 - "$report/deploy-junit.xml" <<'PY' || fail "deploy's JUnit file does not name both hosts"
import sys, xml.etree.ElementTree as E
names = sorted(c.get("name") for c in E.parse(sys.argv[1]).iter("testcase"))
sys.exit(0 if names == ["rack-a", "rack-b"] else 1)
PY
password=$(cat "$T/out/state/bmc-password" 2>/dev/null || true)
[[ -n $password ]] || fail "emulate left no bmc-password in its state directory"
! grep -rqF -- "$password" "$T/make.out" "$T/make.err" "$report" || fail "the BMC password appears in an output or report"
! pgrep -f "qemu-system.*$T/out/state" >/dev/null || fail "a QEMU of the rehearsal is still running"
echo "  both emulated R730s deployed by deploy --hosts and booted the image from their virtual CD"
