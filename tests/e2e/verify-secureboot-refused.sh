#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 900
# cost: 90
#
# Under `verify --firmware uefi-secureboot` a binary the boot chain does not trust fails
# the run at once, naming the stage that refused it and quoting the console: an unsigned
# GRUB as the disc's loader (the Debian 12 layout fixture, grub-mkimage's) is refused by
# the firmware ("Access Denied"), GRUB with one byte changed by shim ("Security
# Violation"), a kernel with one byte changed by GRUB ("bad shim signature"). The images
# are built by imgbuild from those discs (tampered Debian 13 discs:
# tests/fixtures/make-trixie-base.sh).
#
# refused_cases (environment) picks the cases: "unsigned grub kernel" (default).
source "$(dirname "$0")/prelude.sh"

command -v jq >/dev/null || fail "jq not installed (scripts/install-deps.sh)"
[[ -f /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ]] || skip "OVMF with Secure Boot missing (package ovmf)"
printf 'd-i debian-installer/locale string en_US\n' >"$T/min.cfg"

# refused CASE BASE STAGE WORDS: the image built from BASE fails at STAGE with WORDS on
# the console, well before the timeout.
refused() {
    local name=$1 base=$2 stage=$3 words=$4 start wall timeout=400
    expect_status 0 "$IMGBUILD" build "$base" -o "$T/$name.iso" --preseed "$T/min.cfg" --no-lint --quiet
    start=$SECONDS
    expect_status 1 "$IMGBUILD" verify "$T/$name.iso" --machine generic --firmware uefi-secureboot \
        --timeout "$timeout" --accel tcg --log "$T/$name-log" --json
    wall=$((SECONDS - start))
    cat "$T/last.err"
    jq -e --arg stage "$stage" --arg words "$words" \
        '.passed == false and .cause == "refused by Secure Boot" and .secure_boot.proven == false
         and .secure_boot.refused.stage == $stage and (.secure_boot.refused.words | contains($words))' \
        "$T/last.out" >/dev/null || { jq . "$T/last.out" >&2; fail "$name: not refused at the $stage stage with '$words'"; }
    grep -q "^verify: FAILED: .*refused by Secure Boot at the $stage stage.*$words" "$T/last.err" ||
        fail "$name: the verdict does not name the $stage stage and '$words'"
    grep -aq "$words" "$T/$name-log/serial.log" || fail "$name: '$words' is not in the saved serial log"
    # At once: nowhere near the timeout (a boot to this point takes well under a minute).
    ((wall < timeout / 2)) || fail "$name: took $wall s, not failing fast"
    echo "$name: refused at the $stage stage after $wall s wall"
}

# Bases in assignments: a fixture that cannot be built (or a trixie suite out of reach, a
# skip) ends the test there.
for c in ${refused_cases:-unsigned grub kernel}; do
    case $c in
    unsigned)
        base=$(fixture_iso modern-amd64)
        refused unsigned "$base" firmware "Access Denied"
        ;;
    grub)
        base=$(trixie_iso grub-tampered)
        refused grub "$base" shim "Security Violation"
        ;;
    kernel)
        base=$(trixie_iso kernel-tampered)
        refused kernel "$base" GRUB "bad shim signature"
        ;;
    *) fail "unknown case $c" ;;
    esac
done
