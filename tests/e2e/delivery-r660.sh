#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system delivery
# timeout: 2400
# cost: 520
# The whole delivery on the emulated PowerEdge R660 with UEFI Secure Boot on in every boot,
# through `imgbuild verify` alone. The installer is the STAND-IN INSTALLER (tests/standin:
# test code standing in for debian-installer, which cannot finish here), a Debian 12 based
# disc booted by Debian 12's signed chain (Microsoft-signed shim -> Debian-signed GRUB ->
# Debian-signed kernel), remastered by `imgbuild build` with the R660's preseed
# (preseed/trixie-amd64-server.cfg) and overlays (tests/delivery/make-image.sh
# poweredge-current). It lays down Debian 12, not Debian 13. The run is the one
#   make -f Makefile.images verify-delivery MACHINE=r660 OUT=DIR
# does (image built, then verify --machine r660 --stage firstboot --expect
# tests/target/bookworm-uefi.expect.toml --report DIR/report), which plays: OVMF (Secure Boot, Microsoft's keys) boots the iDRAC9's USB virtual CD -> shim ->
# GRUB -> kernel (IMGBUILD:secureboot:on) -> the image's choose-boss.sh picks the BOSS
# (NVMe) beside the larger PERC H755 virtual disks and the USB media -> GPT with an ESP,
# Debian's signed shim and GRUB installed (also EFI/BOOT/BOOTX64.EFI), the "debian" boot
# entry written into the firmware's variables -> reboot with the media attached -> the
# firmware starts "debian" -> first-boot hook -> racadm to the emulated iDRAC9 -> QMP
# device_del of the virtual CD and disk -> power cycle without media, the variable store
# kept -> "debian" again, root on the BOSS -> disk judged (ESP, EFI files, fstab by UUID).
# Each kernel says "secureboot: Secure boot enabled" on the console, checked here with grep.
# Needs root on a cold cache (debootstrap of the uefi rootfs, ~150 s).
source "$(dirname "$0")/prelude.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap of the cached Debian 12, the stand-in disc)"
[[ -f /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ]] || fail "OVMF with Secure Boot missing (package ovmf, scripts/install-deps.sh)"

start=$(date +%s)
rc=0
make -s -C "$IMGBUILD_SOURCE_DIR" -f Makefile.images verify-delivery MACHINE=r660 OUT="$T/out" IMGBUILD="$IMGBUILD" \
    TEST_CACHE="$IMGBUILD_CACHE" >"$T/verify.out" 2>"$T/verify.err" || rc=$?
sed 's/^/  verify: /' "$T/verify.out"
[ "$rc" -eq 0 ] || { grep -v 'waiting for stage' "$T/verify.err" | tail -n 30; fail "make verify-delivery MACHINE=r660 exited with $rc"; }
echo "  whole flow (image build and verify): $(( $(date +%s) - start )) s"
[ -s "$T/out/report/index.html" ] || fail "make verify-delivery left no report"
ln -s out/report/logs "$T/logs"
ln -s out/report "$T/report"
ln -s out/delivery-r660.iso "$T/image.iso"

# The image's UEFI path, checked outside imgbuild: shim signed by Microsoft, GRUB and the
# kernel by Debian.
osirrox -indev "$T/image.iso" -extract /boot/grub/efi.img "$T/efi.img" -extract /install.amd/vmlinuz "$T/vmlinuz" \
    >/dev/null 2>&1 || fail "cannot extract the image's EFI image and kernel"
MTOOLS_SKIP_CHECK=1 mcopy -i "$T/efi.img" ::/efi/boot/bootx64.efi ::/efi/boot/grubx64.efi "$T/" ||
    fail "no shim and GRUB in the image's efi.img"
sbverify --list "$T/bootx64.efi" | grep -q 'Microsoft Corporation UEFI CA 2011' || fail "bootx64.efi is not a Microsoft-signed shim"
sbverify --list "$T/grubx64.efi" | grep -q 'Debian Secure Boot' || fail "grubx64.efi is not Debian-signed"
sbverify --list "$T/vmlinuz" | grep -q 'Debian Secure Boot' || fail "the installer kernel is not Debian-signed"

# The phases, from verify's timeline.
tl=$T/logs/timeline.txt
at() { grep -m1 "$1" "$tl" | sed 's/^\[ *\([0-9]*\)s\].*/\1/'; }
t_boot=$(at 'stage boot: preseed loaded') t_install=$(at 'stage install:') t_first=$(at 'first boot: done')
t_cycle=$(at 'power cycle: the machine comes back') t_end=$(at 'power cycle: passed')
echo "  phases: to the preseed ${t_boot} s, install $((t_install - t_boot)) s, reboot and first boot $((t_first - t_install)) s," \
    "power cycle $((t_end - t_cycle)) s"

out=$T/verify.out
grep -q '^verify: PASSED: stage firstboot reached' "$out" || fail "no PASSED line for stage firstboot"
grep -q 'installed disk as .*bookworm-uefi.expect.toml' "$out" || fail "the installed disk was not judged"
for item in 'esp vfat' 'efi-file EFI/debian/shimx64.efi' 'efi-file EFI/BOOT/BOOTX64.EFI' 'fstab uuid-or-label' \
    'package shim-signed' 'package grub-efi-amd64-signed'; do
    grep -q "^ok    $item" "$T/logs/disk-expectations.txt" || fail "disk expectation not met: $item"
done

# Secure Boot in every boot, from the consoles (checked outside imgbuild): the installer's
# marker, and each of the three kernels' own line.
tr -d '\r' <"$T/logs/serial.log" >"$T/serial.txt"
tr -d '\r' <"$T/logs/serial-power-cycle.log" >"$T/serial-2.txt"
grep -q '^IMGBUILD:secureboot:on' "$T/serial.txt" || fail "the installer did not report Secure Boot on"
[ "$(grep -c 'secureboot: Secure boot enabled' "$T/serial.txt")" -eq 2 ] ||
    fail "not both kernels of the first session (installer, first boot) said Secure boot enabled"
grep -q 'secureboot: Secure boot enabled' "$T/serial-2.txt" || fail "the kernel after the power cycle did not say Secure boot enabled"
grep -q 'OVMF_CODE_4M.secboot.fd' "$T/logs/qemu-command.txt" || fail "not OVMF's Secure Boot build"

# The disk choice, on the installer's console: the USB virtual disk and the larger PERC
# virtual disks were there, and choose-boss.sh picked the BOSS's NVMe namespace.
grep -Eq '^STANDIN: disk sd[a-z]: iDRAC +Virtual Floppy' "$T/serial.txt" || fail "the iDRAC's virtual disk was not seen"
[ "$(grep -Ec '^STANDIN: disk sd[a-z]: DELL +PERC H755' "$T/serial.txt")" -eq 2 ] || fail "the PERC's two virtual disks were not seen"
grep -q '^choose-boss: chose /dev/nvme0n1 (QEMU NVMe Ctrl, /dev/disk/by-id/nvme-' "$T/serial.txt" ||
    fail "choose-boss.sh did not pick the BOSS by model and by-id name"
grep -q '^STANDIN: disk chosen: /dev/nvme0n1$' "$T/serial.txt" || fail "the installer did not install on the BOSS"
# The boot entry written at install time, started on the first boot and again after the
# power cycle: the variable store was kept.
grep -Eq '^STANDIN: efibootmgr: Boot[0-9A-F]{4}\* debian.*shimx64\.efi' "$T/serial.txt" || fail "no \"debian\" boot entry written"
grep -Eq '^BdsDxe: starting Boot[0-9A-F]{4} "debian" .*\\EFI\\debian\\shimx64\.efi' "$T/serial.txt" ||
    fail "the first boot did not start the \"debian\" entry"
# The first option started after the power cycle (with the variables lost, the firmware
# would start its own entry for the NVMe disk, whose EFI/BOOT path could recreate "debian"
# through shim's fallback and reset: "debian" would come, but second).
grep -m1 '^BdsDxe: starting ' "$T/serial-2.txt" | grep -Eq '^BdsDxe: starting Boot[0-9A-F]{4} "debian" .*\\EFI\\debian\\shimx64\.efi' ||
    fail "after the power cycle the firmware did not start the \"debian\" entry first (variables lost?): $(grep -m1 '^BdsDxe: starting ' "$T/serial-2.txt")"
# The iDRAC9 dialect and the unplug.
grep -q 'DRAC: racadm set iDRAC.VirtualMedia.Attached Detached -> status 0' "$tl" || fail "no iDRAC9 detach"
grep -q 'DRAC: virtual media detached (QMP device_del vcd-bot, vfd-bot)' "$tl" || fail "the media were not unplugged"
grep -q 'IMGBUILD:firstboot-start' "$T/serial.txt" || fail "no firstboot-start in session 1"
if grep -q 'IMGBUILD:firstboot-start' "$T/serial-2.txt"; then fail "the hook ran again"; fi

# report.json, read by jq: per boot, Secure Boot and where the root was.
jq -e '.passed == true and .media_detached == true and (.boots | length) == 3
       and ([.boots[] | .secure_boot] | all(. == "enabled"))
       and ([.boots[] | .system_disk] | all(. == "nvme0n1"))
       and (.boots[1].boot_option | test("\"debian\"")) and (.boots[2].boot_option | test("\"debian\""))
       and .secure_boot.proven == true' "$T/report/report.json" >/dev/null ||
    fail "report.json does not hold the run's facts: $(jq -c '[.passed, .media_detached, [.boots[] | [.secure_boot, .system_disk, .boot_option]]]' "$T/report/report.json")"
