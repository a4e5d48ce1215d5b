#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu slow
# timeout: 2700
#
# The base-ISO fixtures really boot the Debian installer, through the boot path each
# layout stands for: etch-i386 (isolinux, BIOS), modern-amd64 (isolinux vesamenu, BIOS;
# grub from efi.img, UEFI), grub2-only (grub El Torito image, BIOS). If a fixture stopped
# booting, every imgbuild boot test built on it would fail for the wrong reason.
#
# The fixtures wait at their menus like the real discs, so each boot uses a scratch copy
# whose menus only gain `console=ttyS0` and a short timeout (xorriso -map, boot records
# replayed). Success: d-i asks its first question ("Select a language") on the serial
# console. About 2 minutes per boot under TCG on an idle 2-core machine, 4 at load 16.
source "$(dirname "$0")/prelude.sh"

# scratch_copy ISO OUT PATH FILTER [PATH FILTER]...: OUT = ISO with each PATH replaced by
# the output of sed FILTER on it.
scratch_copy() {
    local iso=$1 out=$2
    shift 2
    local maps=() n=0
    while [[ $# -gt 0 ]]; do
        n=$((n + 1))
        iso_cat "$iso" "$1" | sed -e "$2" >"$T/map$n"
        cmp -s <(iso_cat "$iso" "$1") "$T/map$n" && fail "$1: sed '$2' changed nothing"
        maps+=(-map "$T/map$n" "$1")
        shift 2
    done
    xorriso -report_about FAILURE -indev "$iso" -outdev "$out" -boot_image any replay "${maps[@]}" -commit \
        >"$T/xorriso.log" 2>&1 || { cat "$T/xorriso.log" >&2; fail "xorriso could not make $out"; }
}

# boot_until NAME ISO bios|uefi: boots ISO, fails unless d-i's language question shows up
# on the serial console within 600 s.
boot_until() {
    local name=$1 iso=$2 firmware=$3 serial=$T/$1.serial
    local fw=()
    if [[ $firmware == uefi ]]; then
        cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/$name.vars"
        fw=(-drive "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
            -drive "if=pflash,format=raw,file=$T/$name.vars")
    fi
    : >"$serial"
    qemu-system-x86_64 -accel tcg -m 1024 -cdrom "$iso" -display none -monitor none \
        -serial "file:$serial" -no-reboot "${fw[@]}" 2>"$T/$name.qemu.log" &
    local pid=$! start=$SECONDS
    while ((SECONDS - start < 600)); do
        if grep -aq 'Select a language' "$serial"; then
            kill "$pid"
            wait "$pid" 2>/dev/null || true
            echo "$name: d-i language question after $((SECONDS - start)) s"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 2
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    tail -c 2000 "$serial" >&2
    fail "$name: no d-i language question on the serial console after $((SECONDS - start)) s (log: $serial)"
}

console='console=ttyS0,115200'

iso=$(fixture_iso etch-i386)
scratch_copy "$iso" "$T/etch.iso" /isolinux/isolinux.cfg \
    "s|^PROMPT 1|PROMPT 0|; s|^TIMEOUT 0|TIMEOUT 1|; s|^\(	append .*\) --\$|\1 $console --|"
boot_until etch-i386-bios "$T/etch.iso" bios
rm "$T/etch.iso"

# isolinux: vesamenu times out onto its `menu default` entry (Graphical install; d-i
# switches to the text frontend on a serial console). grub: entry 0, the same one.
iso=$(fixture_iso modern-amd64)
scratch_copy "$iso" "$T/modern.iso" \
    /isolinux/isolinux.cfg 's|^timeout 0|timeout 1|' \
    /isolinux/gtk.cfg "s|^\(	append .*\) --- quiet|\1 $console --- quiet|" \
    /boot/grub/grub.cfg "1i set timeout=1
s|^\(    linux .*\) --- quiet|\1 $console --- quiet|"
boot_until modern-amd64-bios "$T/modern.iso" bios
boot_until modern-amd64-uefi "$T/modern.iso" uefi
rm "$T/modern.iso"

iso=$(fixture_iso grub2-only)
scratch_copy "$iso" "$T/grub2.iso" /boot/grub/grub.cfg "1i set timeout=1
s|^\(    linux .*\) --- quiet|\1 $console --- quiet|"
boot_until grub2-only-bios "$T/grub2.iso" bios
