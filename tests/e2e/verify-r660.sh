#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 900
# cost: 190
#
# A modern image built by `imgbuild build` boots on the PowerEdge R660 profile under UEFI
# (the iDRAC9's USB virtual CD on xHCI) up to the preseed's early_command, and the
# machine looks like an R660 from inside: the early_command reports the PCI functions it
# sees on the serial port (the BOSS NVMe, the PERC stand-in, the xHCI controller, two
# e1000e) and the emulated iDRAC9 answers racadm on ttyS1 as an iDRAC9.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso modern-amd64)
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

verify_boot "$T/r660.iso" --machine r660 --firmware uefi
serial=$T/log/serial.log
grep -q "if=pflash" "$T/log/qemu-command.txt" || fail "not booted with OVMF"
grep -q "product=Virtual CD,bootindex=0" "$T/log/qemu-command.txt" || fail "not booted from the iDRAC virtual CD"
pci() { grep -a "^R660-PCI $1" "$serial" | tr -d '\r' | wc -l; }
[[ $(pci 0x1b36:0x0010) -eq 1 ]] || fail "no NVMe controller (the BOSS) in the guest: $(grep -a R660-PCI "$serial")"
[[ $(pci 0x1000:0x0079) -eq 1 ]] || fail "no MegaRAID (the PERC stand-in) in the guest"
[[ $(pci 0x1b36:0x000d) -eq 1 ]] || fail "no xHCI controller (the iDRAC's USB) in the guest"
[[ $(pci 0x8086:0x10d3) -eq 2 ]] || fail "not two e1000e NICs in the guest"
grep -aq "^R660-DRAC RAC Type *= iDRAC9" "$serial" || fail "the iDRAC did not answer getsysinfo as an iDRAC9: $(grep -a R660-DRAC "$serial")"
grep -aq "^R660-DRAC System Model *= PowerEdge R660" "$serial" || fail "getsysinfo does not name the R660"
echo "modern-amd64 on r660 (UEFI): stage boot after $wall s wall"
