#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 900
# cost: 120
#
# An image built from a Debian 13 disc with the signed boot chain (Microsoft-signed shim,
# Debian-signed GRUB and kernel: tests/fixtures/make-trixie-base.sh) boots under
# `verify --firmware uefi-secureboot` (OVMF enforcing Secure Boot, Microsoft's keys) to
# its preseed, and the run proves Secure Boot was on: the installer read it and said so on
# the serial port.
#
# secureboot_cases (environment): "secure" (default); verify-secureboot-other.sh (slow)
# runs "plain bios": the same image under plain UEFI and under BIOS passes too, the
# installer reporting Secure Boot off and bios, and nothing is counted as proven.
source "$(dirname "$0")/prelude.sh"

command -v jq >/dev/null || fail "jq not installed (scripts/install-deps.sh)"
command -v sbverify >/dev/null || fail "sbverify not installed (scripts/install-deps.sh)"
[[ -f /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ]] || skip "OVMF with Secure Boot missing (package ovmf)"

base=$(trixie_iso signed)
printf 'd-i debian-installer/locale string en_US\n' >"$T/min.cfg"
expect_status 0 "$IMGBUILD" build "$base" -o "$T/sb.iso" --preseed "$T/min.cfg" --no-lint --quiet
id=$(iso_cat "$T/sb.iso" /imgbuild/build-id | tr -d '\n')
# The build kept the signed kernel (checked with sbverify, not imgbuild).
iso_cat "$T/sb.iso" /install.amd/vmlinuz >"$T/vmlinuz"
sbverify --list "$T/vmlinuz" 2>&1 | grep -q 'signature 1' || fail "the built image's kernel lost its signature"

# other FIRMWARE STATE: the image passes under FIRMWARE; the installer reports STATE.
other() {
    local start=$SECONDS
    expect_status 0 "$IMGBUILD" verify "$T/sb.iso" --machine generic --firmware "$1" --stage boot --timeout 600 \
        --accel tcg --json
    jq -e --arg state "$2" '.passed == true and .secure_boot.enforced == false and .secure_boot.reported == $state
        and .secure_boot.proven == false' "$T/last.out" >/dev/null ||
        { jq . "$T/last.out" >&2; fail "$1: Secure Boot not reported $2"; }
    echo "Debian 13 signed image on generic under $1: stage boot after $((SECONDS - start)) s wall"
}
cases=${secureboot_cases:-secure}
[[ $cases == *plain* ]] && other uefi off
[[ $cases == *bios* ]] && other bios bios
[[ $cases == *secure* ]] || exit 0

start=$SECONDS
expect_status 0 "$IMGBUILD" verify "$T/sb.iso" --machine generic --firmware uefi-secureboot --stage boot \
    --timeout 600 --accel tcg --log "$T/log" --json
sb_wall=$((SECONDS - start))
cp "$T/last.out" "$T/sb.json"
cat "$T/last.err"
jq -e '.passed == true and .firmware == "uefi-secureboot"' "$T/sb.json" >/dev/null || fail "not passed under uefi-secureboot"
jq -e '.secure_boot == {"enforced": true, "reported": "on", "proven": true, "refused": null}' "$T/sb.json" >/dev/null ||
    { jq .secure_boot "$T/sb.json" >&2; fail "Secure Boot not proven in --json"; }
grep -q "Secure Boot: on (reported by the installer), as the firmware enforces" "$T/last.err" ||
    fail "the verdict does not say Secure Boot was on"
# The evidence: the guest's own marker, right before this image's preseed marker.
grep -ao 'IMGBUILD:[a-z0-9:-]*' "$T/log/serial.log" | grep -A1 -x 'IMGBUILD:secureboot:on' |
    grep -qx "IMGBUILD:preseed-loaded:$id" || fail "IMGBUILD:secureboot:on not followed by the preseed marker"
cmdline=$(tr '\n' ' ' <"$T/log/qemu-command.txt")
for want in OVMF_CODE_4M.secboot.fd "smm=on" "driver=cfi.pflash01,property=secure,value=on" "ICH9-LPC.disable_s3=1"; do
    [[ $cmdline == *"$want"* ]] || fail "QEMU was not started with $want"
done
[[ $cmdline == *"/usr/share/OVMF/OVMF_VARS_4M.ms.fd"* ]] && fail "the shared Microsoft-keys variable store was used"
echo "Debian 13 signed image on generic under uefi-secureboot: stage boot after $sb_wall s wall"
