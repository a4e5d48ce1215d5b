#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e
# timeout: 120
#
# `imgbuild lint` over tests/lint: every good/*.cfg lints clean (exit 0, no output) and
# every broken/*.cfg yields exactly broken/*.expected ("exit N", the diagnostics on
# stdout, and for exit 2 the one-line error). Each .cfg names its release in a
# "# lint-release: NAME" line. The flagship preseed must lint clean against Etch.
source "$(dirname "$0")/prelude.sh"

cd "$IMGBUILD_SOURCE_DIR/tests/lint"

release_of() {
    sed -n 's/^# lint-release: *//p' "$1" | head -n1
}

# What a run looks like, in the form of the .expected files.
lint_transcript() {
    local cfg=$1 rc=0
    "$IMGBUILD" lint "$cfg" --release "$(release_of "$cfg")" >"$T/out" 2>"$T/err" || rc=$?
    echo "exit $rc"
    cat "$T/out"
    if [[ $rc -eq 2 ]]; then sed 's/^/stderr: /' "$T/err"; fi
}

checked=0
for cfg in good/*.cfg; do
    [[ -n "$(release_of "$cfg")" ]] || fail "$cfg has no '# lint-release:' line"
    got=$(lint_transcript "$cfg")
    [[ "$got" == "exit 0" ]] || fail "$cfg should lint clean, got:"$'\n'"$got"
    checked=$((checked + 1))
done

for cfg in broken/*.cfg; do
    expected=${cfg%.cfg}.expected
    [[ -f "$expected" ]] || fail "$cfg has no $expected"
    lint_transcript "$cfg" >"$T/got"
    if ! diff -u "$expected" "$T/got" >&2; then
        fail "$cfg: diagnostics differ from $expected"
    fi
    checked=$((checked + 1))
done
[[ $checked -ge 10 ]] || fail "only $checked corpus files checked"

# The flagship image's preseed (Etch on the PowerEdge 2950): it must exist and lint clean.
flagship=$IMGBUILD_SOURCE_DIR/preseed/etch-pe2950-vmware.cfg
[[ -f "$flagship" ]] || fail "$flagship is missing: the flagship preseed must lint clean against Etch"
expect_status 0 "$IMGBUILD" lint "$flagship" --release etch

# Bad input: exit 2 with one line naming the problem.
expect_status 2 "$IMGBUILD" lint good/etch-complete.cfg --release sarge
expect_stderr_match 'sarge.*etch, lenny, bookworm, trixie'
expect_status 2 "$IMGBUILD" lint good/etch-complete.cfg
expect_stderr_match 'release'
expect_status 2 "$IMGBUILD" lint "$T/missing.cfg" --release etch
expect_status 2 "$IMGBUILD" lint /dev/null --release etch
