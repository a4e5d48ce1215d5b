#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e
# timeout: 120
#
# `imgbuild verify` refuses bad input with exit 2 and one line naming what is wrong,
# before any QEMU is started.
source "$(dirname "$0")/prelude.sh"

iso=$(fixture_iso plain-data)
# A private TMPDIR: the QEMU work directory (and its socket path) would be under it.
export TMPDIR=$T/tmp
mkdir "$TMPDIR"

expect_status 2 "$IMGBUILD" verify "$T/missing.iso"
expect_stderr_match 'missing\.iso: ISO does not exist'

mkdir "$T/dir.iso"
expect_status 2 "$IMGBUILD" verify "$T/dir.iso"
expect_stderr_match 'is a directory'

echo "not an iso" >"$T/text.iso"
expect_status 2 "$IMGBUILD" verify "$T/text.iso"
expect_stderr_match 'text\.iso'

expect_status 2 "$IMGBUILD" verify "$iso" --machine pe9999
expect_stderr_match 'unknown machine profile.*known: .*generic.*pe2950'

# A --junit report that could not be written is refused before the run, not after it.
expect_status 2 "$IMGBUILD" verify "$iso" --junit "$T/no-such-dir/junit.xml"
expect_stderr_match 'no-such-dir.*does not exist'

# bad_machine NAME TEXT REGEX: the profile NAME.toml holding TEXT is refused, stderr matching REGEX.
bad_machine() {
    printf '%b' "$2" >"$T/$1.toml"
    expect_status 2 "$IMGBUILD" verify "$iso" --machine "$T/$1.toml"
    expect_stderr_match "$3"
}
bad_machine noiso 'memory = 64\nqemu = ["-machine pc"]\n' 'noiso\.toml: the profile never attaches the ISO'
bad_machine kernel 'memory = 64\nqemu = [\n  "-drive file={iso}",\n  "-kernel /boot/vmlinuz",\n]\n' \
    'kernel\.toml:4: option -kernel is set by imgbuild'
# Profiles are TOML, checked at file:line: a type, a key, a placeholder, the old format.
bad_machine type 'memory = "16G"\nqemu = ["-drive file={iso}"]\n' 'type\.toml:1: memory must be an integer'
bad_machine key 'qemu = ["-drive file={iso}"]\ncolour = "red"\n' "key\.toml:2: unknown key 'colour'"
bad_machine placeholder 'qemu = [\n  "-drive file={iso}",\n  "-device x,drive={cdrom}",\n]\n' \
    'placeholder\.toml:3: unknown placeholder \{cdrom\}'
bad_machine old 'memory = 64\nqemu = -drive file={iso}\n' 'old\.toml:2: .*TOML'
[[ $(error_line_count "$T/last.err") -eq 1 ]] || fail "a TOML syntax error is not one line"

expect_status 2 "$IMGBUILD" verify "$iso" --stage reboot
expect_status 2 "$IMGBUILD" verify "$iso" --firmware coreboot

# Secure Boot needs SMM (q35): asked for on the command line or in a profile, a machine
# without it is refused naming the line of its -machine; an unknown firmware names its line.
pe_line=$(grep -n '"-machine pc"' "$IMGBUILD_SOURCE_DIR/machines/pe2950.toml" | cut -d: -f1)
expect_status 2 "$IMGBUILD" verify "$iso" --machine pe2950 --firmware uefi-secureboot
expect_stderr_match "machines/pe2950\.toml:$pe_line: --firmware uefi-secureboot needs SMM, which machine type \"pc\""
[[ $(error_line_count "$T/last.err") -eq 1 ]] || fail "Secure Boot on pc: error is not one line"
bad_machine sb-pc 'firmware = "uefi-secureboot"
qemu = [
  "-machine pc",
  "-drive file={iso}",
]
' \
    'sb-pc\.toml:3: firmware = "uefi-secureboot" \(line 1\) needs SMM'
bad_machine sb-default 'firmware = "uefi-secureboot"
qemu = ["-drive file={iso}"]
' \
    'sb-default\.toml: .*needs SMM, but the profile sets no -machine'
bad_machine fw-name 'qemu = ["-machine q35", "-drive file={iso}"]
firmware = "uefi-sb"
' \
    'fw-name\.toml:2: unknown firmware "uefi-sb"'
expect_status 2 "$IMGBUILD" verify "$iso" --accel hvf
expect_status 2 "$IMGBUILD" verify "$iso" --timeout 0

# --expect judges an installed disk: refused for stage boot, and a bad profile is refused
# before a 20-minute installation starts.
expect_status 2 "$IMGBUILD" verify "$iso" --expect "$IMGBUILD_SOURCE_DIR/tests/target/bookworm.expect.toml"
expect_stderr_match 'bookworm\.expect\.toml: --expect judges the installed disk.*--stage firstboot'
[[ $(error_line_count "$T/last.err") -eq 1 ]] || fail "--expect with stage boot: error is not one line"
expect_status 2 "$IMGBUILD" verify "$iso" --stage install --expect "$T/missing.toml"
expect_stderr_match 'missing\.toml'
printf 'package = ["openssh-server"]\nbogus-key = 1\n' >"$T/bad.toml"
expect_status 2 "$IMGBUILD" verify "$iso" --stage firstboot --expect "$T/bad.toml"
expect_stderr_match "bad\\.toml:2: unknown key 'bogus-key'"
printf 'package = ["openssh-server"]\nfirstboot = true\n' >"$T/type.expect.toml"
expect_status 2 "$IMGBUILD" verify "$iso" --stage firstboot --expect "$T/type.expect.toml"
expect_stderr_match 'type\.expect\.toml:2: firstboot must be a string'

# None of these may have left a QEMU behind.
if pgrep -f "$TMPDIR/imgbuild-verify-" >/dev/null; then fail "a QEMU started for bad input"; fi
[[ -z $(ls -A "$TMPDIR") ]] || fail "bad input left files in TMPDIR: $(ls -A "$TMPDIR")"
