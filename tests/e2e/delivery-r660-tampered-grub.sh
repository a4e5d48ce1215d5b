#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system delivery slow
# timeout: 1800
# cost: 400
# The R660 whole delivery (tests/e2e/delivery-r660.sh) when the installed system's boot
# chain is broken: the image's late_command, after the usual late-command.sh, changes one
# byte of the GRUB that grub-install put on the EFI System Partition (EFI/debian/grubx64.efi
# and its removable-path copy EFI/BOOT/grubx64.efi). The install itself is sound (the
# installer's own chain is untouched), so the failure must come at the first boot of the
# installed system: the firmware starts the "debian" entry, Debian's shim refuses the
# changed GRUB ("Security Violation"), and verify must fail at once naming shim and its
# words, not wait for a timeout nor pass. Slow: an install under TCG (~5 min).
source "$(dirname "$0")/prelude.sh"
[[ -f /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ]] || fail "OVMF with Secure Boot missing (package ovmf, scripts/install-deps.sh)"
mkdir -p "$T/add/usr/local/lib/imgbuild"
cat >"$T/add/usr/local/lib/imgbuild/tamper-grub.sh" <<'SH'
#!/bin/sh
# One byte of each installed GRUB, past its headers (inside what the signature covers).
for f in /boot/efi/EFI/debian/grubx64.efi /boot/efi/EFI/BOOT/grubx64.efi; do
    [ -f "$f" ] || { echo "tamper-grub: no $f" >&2; exit 1; }
    b=$(od -An -tu1 -j 65536 -N1 "$f" | tr -d ' ')
    printf "$(printf '\\%03o' $((b ^ 255)))" | dd of="$f" bs=1 seek=65536 conv=notrunc status=none
    echo "tamper-grub: changed byte 65536 of $f"
done
SH
target_add=$T/add profile=poweredge-current machine=r660
expect=$IMGBUILD_SOURCE_DIR/tests/target/bookworm-uefi.expect.toml
late='in-target sh /usr/local/lib/imgbuild/late-command.sh && in-target sh /usr/local/lib/imgbuild/tamper-grub.sh'
summary="stage firstboot not reached \(last stage reached: install\): refused by Secure Boot at the shim stage after [0-9]+ s: '.*Security Violation'"
cause="refused by Secure Boot"
source "$IMGBUILD_SOURCE_DIR/tests/delivery/fault.sh"
grep -aq 'tamper-grub: changed byte 65536 of /boot/efi/EFI/debian/grubx64.efi' "$T/logs/serial.log" ||
    fail "the late_command did not change the installed GRUB (the test proves nothing)"
grep -q 'stage install: late_command finished' "$T/logs/timeline.txt" || fail "the install did not finish"
# What the console showed, outside imgbuild: the firmware started the "debian" entry, and
# shim said so.
tr -d '\r' <"$T/logs/serial.log" | grep -Eq '^BdsDxe: starting Boot[0-9A-F]{4} "debian"' ||
    fail "the firmware never started the \"debian\" entry"
grep -aq 'Security Violation' "$T/logs/serial.log" || fail "no Security Violation on the console"
