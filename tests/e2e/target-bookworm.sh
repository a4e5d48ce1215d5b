#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system slow
# timeout: 3600
# cost: 900
# Target-side end-to-end test (issue 7 part 3): a minimal Debian 12 amd64 system
# debootstrapped from this machine's apt mirror (cached in $IMGBUILD_CACHE), the image's
# late-command script run in it as the installer runs it, GRUB, then two boots in QEMU (TCG)
# on a PowerEdge 2950-like machine: PERC (megasas) disk with bootindex=0, DRAC5 USB
# "Virtual CDROM" and "Virtual Floppy" attached, a stub racadm in the guest.
# Pass = the system boots by UUID with the floppy taking an sd name beside the PERC disk,
# the first-boot hook detaches the virtual media and reports IMGBUILD:firstboot-done, the
# second boot does not run it again, and `imgbuild inspect-disk --expect` agrees.
# Needs root (debootstrap, loop mount, chroot). Measured here (2 shared cores, TCG): the
# debootstrap once per cache (51 min under a load of 15, mostly update-initramfs), then
# 5-9 min: disk 20-30 s, each boot 3-3.5 min, each inspect-disk 1.5 min.
source "$(dirname "$0")/prelude.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, loop devices, chroot)"
overlay="$IMGBUILD_SOURCE_DIR/overlays/pe2950-drac5/target"
[ -f "$overlay/usr/local/lib/imgbuild/late-command.sh" ] || fail "no late-command.sh in $overlay"
boot_timeout=${IMGBUILD_TARGET_BOOT_TIMEOUT:-600}
memory=${IMGBUILD_TARGET_MEMORY:-2048}
stamp() { echo "[$(date +%T)] $*"; }
t0=$(date +%s)

stamp "rootfs (debootstrap, cached in $IMGBUILD_CACHE/target-bookworm)"
rootfs=$("$IMGBUILD_SOURCE_DIR/tests/target/make-rootfs.sh" "$IMGBUILD_CACHE/target-bookworm") ||
    fail "debootstrap failed"
t1=$(date +%s)

stamp "disk: partition, filesystem, update-grub, late-command.sh, GRUB boot code"
disk=$T/pe2950-sda.img
"$IMGBUILD_SOURCE_DIR/tests/target/make-disk.sh" "$rootfs" "$overlay" "$disk" || fail "building the disk failed"
sed 's/^/  late-command: /' "$disk.late-command.log"
t2=$(date +%s)

# DRAC5 virtual media: a small ISO as the virtual CD, a blank 1.44 MB virtual floppy.
mkdir -p "$T/cd"
echo "imgbuild target-side test virtual CD" >"$T/cd/README.TXT"
xorriso -as mkisofs -quiet -V IMGBUILD_VCD -o "$T/vcd.iso" "$T/cd" 2>/dev/null || fail "xorriso failed"
truncate -s 1440K "$T/vfd.img"

boot() {  # boot N: one boot to power-off, serial log in $T/serial-N.log
    local log=$T/serial-$1.log
    : >"$log"
    qemu-system-x86_64 -accel tcg -machine pc -m "$memory" -smp 2 -display none -no-reboot \
        -serial "file:$log" -monitor none \
        -device usb-ehci,id=ehci \
        -drive if=none,id=vcd,media=cdrom,readonly=on,format=raw,file="$T/vcd.iso" \
        -device usb-bot,bus=ehci.0,id=vcd-bot \
        -device "scsi-cd,bus=vcd-bot.0,drive=vcd,vendor=Dell,product=Virtual CDROM" \
        -drive if=none,id=vfd,format=raw,file="$T/vfd.img" \
        -device usb-bot,bus=ehci.0,id=vfd-bot \
        -device "scsi-hd,bus=vfd-bot.0,drive=vfd,removable=on,vendor=Dell,product=Virtual Floppy" \
        -device megasas,id=perc \
        -drive if=none,id=disk0,format=raw,file="$disk" \
        -device scsi-hd,bus=perc.0,drive=disk0,bootindex=0 \
        -netdev user,id=net0 -device e1000,netdev=net0 &
    local pid=$! waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$waited" -ge "$boot_timeout" ]; then
            kill "$pid"; wait "$pid" 2>/dev/null
            tail -n 40 "$log" | tr -d '\r'
            fail "boot $1: no power-off within ${boot_timeout}s"
        fi
        sleep 2; waited=$((waited + 2))
    done
    wait "$pid" || fail "boot $1: QEMU failed"
    tr -d '\r' <"$log" >"$log.txt"
    grep -q 'IMGBUILD-TEST:boot-finished' "$log.txt" || { tail -n 40 "$log.txt"; fail "boot $1: the guest did not finish booting"; }
    grep -E 'IMGBUILD(-TEST)?:' "$log.txt" | sed "s/^/  boot $1: /"
}

# Before any boot the hook has not run: inspect-disk --expect must say so (exit 1, per item).
stamp "inspect-disk --expect before the first boot (must fail on the first-boot items only)"
rc=0
"$IMGBUILD" inspect-disk "$disk" --expect "$IMGBUILD_SOURCE_DIR/tests/target/bookworm.expect.toml" \
    >"$T/inspect-before.out" 2>&1 || rc=$?
grep -E '^FAIL|expectations' "$T/inspect-before.out" | sed 's/^/  /'
[ "$rc" -eq 1 ] || fail "inspect-disk before the first boot exited with $rc, expected 1"
[ "$(grep -c '^FAIL' "$T/inspect-before.out")" -eq 2 ] &&
    grep -q '^FAIL  firstboot done' "$T/inspect-before.out" &&
    grep -q '^FAIL  firstboot-log' "$T/inspect-before.out" ||
    fail "inspect-disk before the first boot: expected exactly the two first-boot items to fail"
t2b=$(date +%s)

stamp "boot 1 (first boot: the hook must run)"
boot 1
t3=$(date +%s)
log1=$T/serial-1.log.txt
grep -q 'IMGBUILD-TEST:cmdline:.*root=UUID=' "$log1" || fail "boot 1: kernel not booted with root=UUID="
grep -q 'IMGBUILD-TEST:fstab-root:UUID=' "$log1" || fail "boot 1: / not mounted by UUID in /etc/fstab"
grep -q 'IMGBUILD-TEST:disk:sd[a-z]*:Dell/Virtual Floppy' "$log1" ||
    fail "boot 1: the USB Virtual Floppy did not take an sd name (the hazard is not reproduced)"
grep -q 'IMGBUILD:firstboot-start' "$log1" || fail "boot 1: no IMGBUILD:firstboot-start"
grep -q 'IMGBUILD:firstboot-detach-ok' "$log1" || fail "boot 1: the hook did not detach the virtual media (stub racadm)"
grep -q 'IMGBUILD:firstboot-done' "$log1" || fail "boot 1: no IMGBUILD:firstboot-done"

stamp "boot 2 (the hook must not run again)"
boot 2
t4=$(date +%s)
log2=$T/serial-2.log.txt
if grep -q 'IMGBUILD:firstboot-' "$log2"; then fail "boot 2: the first-boot hook ran again"; fi
grep -q 'IMGBUILD-TEST:cmdline:.*root=UUID=' "$log2" || fail "boot 2: kernel not booted with root=UUID="

stamp "inspect-disk --expect tests/target/bookworm.expect.toml --json"
rc=0
"$IMGBUILD" inspect-disk "$disk" --json --expect "$IMGBUILD_SOURCE_DIR/tests/target/bookworm.expect.toml" \
    >"$T/inspect.json" 2>"$T/inspect.err" || rc=$?
sed 's/^/  inspect-disk: /' "$T/inspect.err"
# Python reads the JSON (an independent parser) and prints the per-item verdicts.
python3 - "$T/inspect.json" <<'PY' || fail "inspect-disk --json is not valid JSON or lacks its verdicts"
import json, sys
report = json.load(open(sys.argv[1]))
for v in report["verdicts"]:
    print(("ok    " if v["ok"] else "FAIL  ") + v["item"] + ": " + v["detail"])
facts = report["facts"]
print("os:", facts["os"]["distribution"], facts["os"]["product"], "kernels:", " ".join(facts["kernels"]))
assert isinstance(report["ok"], bool)
PY
[ "$rc" -eq 0 ] || fail "inspect-disk --expect exited with $rc"
t5=$(date +%s)
stamp "times: rootfs $((t1 - t0)) s, disk $((t2 - t1)) s, inspect before $((t2b - t2)) s, boot 1 $((t3 - t2b)) s, boot 2 $((t4 - t3)) s, inspect-disk $((t5 - t4)) s, total $((t5 - t0)) s"
