#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 900
# cost: 60
#
# An image built by `imgbuild build` from a Debian 13 disc with the signed boot chain
# (tests/fixtures/make-trixie-base.sh) boots on the PowerEdge R660 profile under UEFI
# with Secure Boot on, the profile's firmware (the iDRAC9's USB virtual CD on xHCI), up
# to the preseed's early_command, the installer proving Secure Boot was on, and the
# machine looks like an R660 from inside: the early_command reports the PCI functions it
# sees on the serial port (the BOSS NVMe, the PERC stand-in, the xHCI controller, two
# e1000e) and the emulated iDRAC9 answers racadm on ttyS1 as an iDRAC9.
source "$(dirname "$0")/prelude.sh"

[[ -f /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ]] || fail "OVMF with Secure Boot missing (package ovmf, scripts/install-deps.sh)"
base=$(trixie_iso signed)
# The boot stage ends at the early_command's marker, so the probe runs before it, from
# preseed/include_command (run as the preseed is read; its output names no file): it
# prints vendor:device:class of every PCI function to the console port, then asks the
# iDRAC for getsysinfo on its channel (ttyS1, held open so no byte of the answer is lost)
# and copies the answer's nine lines to the console.
cat >"$T/r660.cfg" <<'CFG'
d-i debian-installer/locale string en_US
d-i preseed/include_command string for d in /sys/bus/pci/devices/*; do echo "R660-PCI $(cat $d/vendor):$(cat $d/device):$(cat $d/class)" >/dev/ttyS0; done; { echo 'IMGBUILD-RACADM getsysinfo' >&9; head -n 9 <&9 | sed 's/^/R660-DRAC /' >/dev/ttyS0; } 9<>/dev/ttyS1
CFG
expect_status 0 "$IMGBUILD" build "$base" -o "$T/r660.iso" --layout append --preseed "$T/r660.cfg" --no-lint --quiet

verify_boot "$T/r660.iso" --machine r660
serial=$T/log/serial.log
grep -q "OVMF_CODE_4M.secboot.fd" "$T/log/qemu-command.txt" || fail "not booted with OVMF's Secure Boot build"
grep -aq "IMGBUILD:secureboot:on" "$T/log/serial.log" || fail "the installer did not report Secure Boot on"
grep -q "Secure Boot" "$T/last.out" || fail "verify does not say Secure Boot was proven"
grep -q "product=Virtual CD,bootindex=0" "$T/log/qemu-command.txt" || fail "not booted from the iDRAC virtual CD"
pci() { grep -a "^R660-PCI $1" "$serial" | tr -d '\r' | wc -l; }
[[ $(pci 0x1b36:0x0010) -eq 1 ]] || fail "no NVMe controller (the BOSS) in the guest: $(grep -a R660-PCI "$serial")"
[[ $(pci 0x1000:0x0079) -eq 1 ]] || fail "no MegaRAID (the PERC stand-in) in the guest"
[[ $(pci 0x1b36:0x000d) -eq 1 ]] || fail "no xHCI controller (the iDRAC's USB) in the guest"
[[ $(pci 0x8086:0x10d3) -eq 2 ]] || fail "not two e1000e NICs in the guest"
grep -aq "^R660-DRAC RAC Type *= iDRAC9" "$serial" || fail "the iDRAC did not answer getsysinfo as an iDRAC9: $(grep -a R660-DRAC "$serial")"
grep -aq "^R660-DRAC System Model *= PowerEdge R660" "$serial" || fail "getsysinfo does not name the R660"
echo "Debian 13 signed image on r660 (UEFI Secure Boot): stage boot after $wall s wall"
