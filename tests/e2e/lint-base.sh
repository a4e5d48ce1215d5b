#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e
# timeout: 900
#
# `imgbuild lint --base ISO`: the questions come from the templates inside the disc's
# installer initrds (the fixtures carry Debian 12's real netboot initrds) and the release
# from .disk/info.
source "$(dirname "$0")/prelude.sh"

lint_dir=$IMGBUILD_SOURCE_DIR/tests/lint
modern=$(fixture_iso modern-amd64)
etch=$(fixture_iso etch-i386)

expect_status 0 "$IMGBUILD" lint "$lint_dir/good/bookworm-complete.cfg" --base "$modern"
expect_stderr_match 'templates of [1-9][0-9]* installer initrd\(s\) and [0-9]+ udeb\(s\) on .*and the bookworm question list'

# A question of a udeb inside the initrd (console-setup-udeb), misspelled: found through
# the disc's own templates, with the nearest name from them.
cat >"$T/typo.cfg" <<'CFG'
d-i keyboard-configuration/xkb-keymapp select us
CFG
expect_status 1 "$IMGBUILD" lint "$T/typo.cfg" --base "$modern"
grep -q "typo.cfg:1: error: unknown question keyboard-configuration/xkb-keymapp, .*did you mean keyboard-configuration/xkb-keymap?" "$T/last.out" ||
    { cat "$T/last.out" >&2; fail "typo not reported"; }
# A value outside the disc's own choices for that question.
cat >"$T/choice.cfg" <<'CFG'
d-i keyboard-configuration/xkb-keymap select no-such-map
CFG
expect_status 1 "$IMGBUILD" lint "$T/choice.cfg" --base "$modern"
grep -q "'no-such-map' is not a choice of keyboard-configuration/xkb-keymap" "$T/last.out" ||
    { cat "$T/last.out" >&2; fail "choice not checked against the disc"; }

# The Etch-layout disc says "Etch" in .disk/info: Etch's pitfalls apply.
expect_status 1 "$IMGBUILD" lint "$lint_dir/broken/etch-pitfalls.cfg" --base "$etch"
grep -q "Etch matches partman-auto/choose_recipe" "$T/last.out" ||
    { cat "$T/last.out" >&2; fail "release not taken from .disk/info"; }

# The disc's templates win over the list: the Etch-layout fixture carries Debian 12
# initrds, whose netcfg knows netcfg/hostname (Etch's did not).
cat >"$T/hostname.cfg" <<'CFG'
d-i netcfg/hostname string pe2950
CFG
expect_status 1 "$IMGBUILD" lint "$T/hostname.cfg" --release etch
grep -q "unknown question netcfg/hostname" "$T/last.out" || fail "etch list should not know netcfg/hostname"
expect_status 1 "$IMGBUILD" lint "$T/hostname.cfg" --base "$etch"
if grep -q "hostname.cfg:1:" "$T/last.out"; then cat "$T/last.out" >&2; fail "disc templates not used"; fi

# Not an ISO: bad input.
expect_status 2 "$IMGBUILD" lint "$lint_dir/good/etch-complete.cfg" --base "$lint_dir/good/etch-complete.cfg"
