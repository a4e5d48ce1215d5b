#!/usr/bin/env bash
# labels: e2e build
# timeout: 300
# A full disk: the output directory on a 50 MB tmpfs (the image is ~130 MB), then a
# staging directory ($TMPDIR) on a 1 MB tmpfs. The build fails with one line that says
# it is about space, exit status 3, leaves the previous output intact and no temp file.
# Needs root (mount); reported as skipped (not passed) where tmpfs cannot be mounted.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso modern-amd64)
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
mkdir -p "$T/small" "$T/tiny"
if ! mount -t tmpfs -o size=50m imgbuild-e2e "$T/small" 2>"$T/mount.err" ||
    ! mount -t tmpfs -o size=1m imgbuild-e2e "$T/tiny" 2>>"$T/mount.err"; then
    umount "$T/small" 2>/dev/null || true
    skip "cannot mount a tmpfs here ($(head -1 "$T/mount.err")); run as root"
fi
trap 'rc=$?; umount "$T/small" "$T/tiny" 2>/dev/null || true; (exit $rc); _prelude_exit' EXIT

expect_no_space() {
    local out=$1 before=$2
    [[ $(error_line_count "$T/last.err") -eq 1 ]] || { cat "$T/last.err" >&2; fail "error is not one line"; }
    expect_stderr_match '[Ss]pace'
    [[ $(sha256sum <"$out") == "$before" ]] || fail "the previous output $out was changed"
    leftovers=$(find "$(dirname "$out")" -name '.*.imgbuild-*')
    [[ -z $leftovers ]] || fail "temp file left beside the output: $leftovers"
}

# 1. The output filesystem is too small for the image.
echo "previous output" >"$T/small/x.iso"
before=$(sha256sum <"$T/small/x.iso")
expect_status 3 env TMPDIR="$T" "$IMGBUILD" build "$base" -o "$T/small/x.iso" --preseed "$T/p.cfg" --quiet
expect_no_space "$T/small/x.iso" "$before"
[[ -z $(find "$T" -maxdepth 1 -name 'imgbuild-build-*') ]] || fail "staging directory left in TMPDIR"

# 1b. The same in the append layout: the clone of the base is what runs out of space.
expect_status 3 env TMPDIR="$T" "$IMGBUILD" build "$base" -o "$T/small/x.iso" --layout append --preseed "$T/p.cfg" --quiet
expect_no_space "$T/small/x.iso" "$before"

# 2. The output directory has room, $TMPDIR (staging: initrds with the preseed) has not.
mkdir -p "$T/out"
echo "previous output" >"$T/out/x.iso"
before=$(sha256sum <"$T/out/x.iso")
expect_status 3 env TMPDIR="$T/tiny" "$IMGBUILD" build "$base" -o "$T/out/x.iso" --preseed "$T/p.cfg" --quiet
expect_no_space "$T/out/x.iso" "$before"
expect_stderr_match 'TMPDIR'
[[ -z $(ls -A "$T/tiny") ]] || { ls -la "$T/tiny" >&2; fail "staging files left in the full TMPDIR"; }

# The same build with room succeeds (the failures above came from the space, not the input).
expect_status 0 env TMPDIR="$T" "$IMGBUILD" build "$base" -o "$T/out/x.iso" --preseed "$T/p.cfg" --quiet
[[ $(sha256sum <"$T/out/x.iso") != "$before" ]] || fail "the build with room did not write the output"
