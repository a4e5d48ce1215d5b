# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Sourced by every tests/e2e/*.sh script (mold style: one scenario per script).
#
# Environment (set by CTest, see CMakeLists.txt; defaults let a script run by hand from
# the source tree after `cmake --build build`):
#   IMGBUILD             the imgbuild binary under test
#   IMGBUILD_SOURCE_DIR  the source checkout
#   IMGBUILD_CACHE       where built fixtures are kept between runs
#
# What a script gets:
#   $T                   a scratch directory for this test: removed when the script
#                        succeeds, kept (and its path printed) when it fails
#   fixture_iso LAYOUT   prints the path of a cached base ISO built by
#                        tests/fixtures/make-base-iso.sh (built once, even when CTest
#                        runs scripts in parallel)
#   trixie_iso VARIANT   the same for tests/fixtures/make-trixie-base.sh (Debian 13, signed
#                        shim/GRUB/kernel); skips the test when trixie cannot be reached
#   fail MSG             fails the test with MSG
#   skip MSG             the test cannot run here (not root, a tool missing): exits with
#                        $SKIP_STATUS, which CTest reports as "Skipped" (SKIP_RETURN_CODE
#                        in CMakeLists.txt), never as passed
#   expect_status N CMD...      runs CMD, fails unless it exits with status N; its stdout
#                               goes to $T/last.out and stderr to $T/last.err
#   error_line_count FILE       lines of a stderr file other than progress lines
#   expect_stderr_match REGEX   fails unless the last expect_status's stderr matches
#   expect_file_absent PATH     fails if PATH exists
#   iso_ls ISO           lists every path on the disc, one per line ("/isolinux/isolinux.cfg")
#   iso_cat ISO PATH     prints a file from the disc
#   report_el_torito ISO prints xorriso's El Torito + system area report
#   boot_shape ISO       the lines of that report that say what boots how, block
#                        addresses and sizes aside (boot_shape_of: the same filter on stdin)
#   make_deb DIR NAME VERSION ARCH [CONTROL]   builds DIR/NAME_VERSION_ARCH.deb with
#                        dpkg-deb; CONTROL: more control lines ('Depends: b (>= 1)\n...')
#   make_signing_key NAME [ALGO]   a throwaway key without passphrase ("NAME@example.org",
#                        rsa2048 by default) in the scratch GnuPG home $T/gnupg (exported
#                        as GNUPGHOME), its secret key exported to $T/NAME.key; prints
#                        its fingerprint
#
# iso_ls / iso_cat / report_el_torito use xorriso, not imgbuild: a check must not use the
# code it checks. When the script ends normally it prints "PASS <name>".

set -euo pipefail

IMGBUILD_SOURCE_DIR=${IMGBUILD_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
IMGBUILD=${IMGBUILD:-$IMGBUILD_SOURCE_DIR/build/imgbuild}
IMGBUILD_CACHE=${IMGBUILD_CACHE:-$IMGBUILD_SOURCE_DIR/build/cache}
export IMGBUILD IMGBUILD_SOURCE_DIR IMGBUILD_CACHE

test_name=$(basename "$0" .sh)
# CTest's SKIP_RETURN_CODE for every e2e script (CMakeLists.txt): a test that cannot run
# here says so instead of passing.
SKIP_STATUS=77
T=$(mktemp -d "${TMPDIR:-/tmp}/imgbuild-e2e-$test_name.XXXXXX")

_prelude_exit() {
    local rc=$?
    if [[ $rc -eq 0 ]]; then
        rm -rf "$T"
        echo "PASS $test_name"
    elif [[ $rc -eq $SKIP_STATUS ]]; then
        rm -rf "$T"
    else
        echo "FAIL $test_name (exit $rc); scratch kept in $T" >&2
    fi
    exit "$rc"
}
trap _prelude_exit EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "SKIP $test_name: $*"
    exit "$SKIP_STATUS"
}

# shellcheck source=../fixtures/cache.sh
source "$IMGBUILD_SOURCE_DIR/tests/fixtures/cache.sh"

fixture_iso() {
    cached_fixture_iso "$1" "$IMGBUILD_CACHE" || fail "fixture $1 could not be built"
}

# trixie_iso VARIANT: a cached Debian 13 disc with the signed UEFI boot chain
# (tests/fixtures/make-trixie-base.sh: signed, grub-tampered, kernel-tampered). Skips the
# test when the trixie suite cannot be reached: without it nothing here can be proven.
trixie_iso() {
    local rc=0 iso
    iso=$(cached_trixie_iso "$1" "$IMGBUILD_CACHE") || rc=$?
    [[ $rc -eq 0 ]] || {
        # In $(...): the message goes to stderr, the status ends the test (set -e).
        [[ $rc -eq 77 ]] && skip "Debian's trixie suite cannot be reached to fetch the signed boot chain" >&2
        fail "fixture trixie-$1 could not be built"
    }
    echo "$iso"
}

expect_status() {
    local want=$1 got=0
    shift
    "$@" >"$T/last.out" 2>"$T/last.err" || got=$?
    if [[ $got -ne $want ]]; then
        echo "--- stderr of: $*" >&2
        cat "$T/last.err" >&2
        fail "expected exit status $want, got $got: $*"
    fi
}

# The lines of a stderr file that are not progress (util/progress writes plain lines
# "imgbuild: WHAT: N of M MiB (P%), S s, R MiB/s[, done]" when stderr is not a terminal):
# an error is one line among them.
error_lines() {
    grep -avE '^imgbuild: .*: [0-9.]+ (of [0-9.]+ )?MiB.*, [0-9.]+ s, [0-9.]+ MiB/s(, done)?$' "$1" || true
}
error_line_count() { error_lines "$1" | wc -l; }

# tcg_seconds N: N seconds of guest progress under TCG on a quiet 2-core machine, stretched
# by the load now (each runnable process beyond the cores slows the guest about as much;
# at most 4x). For tests that must cut a run short at a given point of the guest's boot,
# not at a wall-clock time: under a loaded CI run the same point comes later.
tcg_seconds() {
    awk -v n="$1" -v cores="$(nproc)" '{ f = $1 / cores; if (f < 1) f = 1; if (f > 4) f = 4; printf "%d\n", n * f }' /proc/loadavg
}

expect_stderr_match() {
    grep -Eq -- "$1" "$T/last.err" ||
        { cat "$T/last.err" >&2; fail "stderr does not match /$1/"; }
}

expect_file_absent() {
    [[ ! -e $1 && ! -L $1 ]] || fail "$1 exists but should not"
}

# -find prints quoted paths ('/a b'); strip the quotes. Paths with quotes in their names
# do not occur on the discs we test.
iso_ls() {
    xorriso -report_about FAILURE -indev "$1" -find / -exec echo 2>/dev/null | sed -n "s/^'\(.*\)'\$/\1/p"
}

# Extracts into $T, never to /dev/stdout: xorriso replaces an existing target file, and
# /dev/stdout is a symlink it would overwrite. Fails (status 1) when PATH is missing.
iso_cat() {
    local out
    out=$(mktemp "$T/iso_cat.XXXXXX")
    rm -f "$out"
    xorriso -report_about FAILURE -indev "$1" -osirrox on -extract "$2" "$out" >/dev/null 2>&1 ||
        { rm -f "$out"; echo "iso_cat: $2 not found on $1" >&2; return 1; }
    cat "$out"
    rm -f "$out"
}

report_el_torito() {
    xorriso -report_about FAILURE -indev "$1" -report_el_torito plain -report_system_area plain 2>&1
}

# Lines of the boot report that must be identical between two images with the same boot
# setup: El Torito entries without their load address, the system area's kind, MBR
# partition types, GPT partition names. The address column of "El Torito boot img" is
# right-aligned: the spaces before it go with it, or an image moved to a block address
# of another width (a grown image's new session) would read as another entry.
boot_shape_of() {
    grep -E '^(El Torito (boot img|img path|img opts) |System area (options|summary):|MBR partition  |GPT partname local)' |
        sed -E 's/^(El Torito boot img.*[^ ]) +[0-9]+$/\1/; s/^(MBR partition +:.*0x[0-9a-f]+).*/\1/; s/^(GPT entry +: +[0-9]+ +).*(  [^ ]+)$/\1\2/'
}
boot_shape() { report_el_torito "$1" | boot_shape_of; }

make_deb() {
    local dir=$1 name=$2 version=$3 arch=$4 tree
    tree=$(mktemp -d "$T/deb-tree.XXXXXX")
    mkdir -p "$tree/DEBIAN" "$tree/usr/share/doc/$name" "$dir"
    echo "$name $version" >"$tree/usr/share/doc/$name/README"
    { printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: imgbuild e2e <e2e@example.org>\n' \
          "$name" "$version" "$arch"
      [[ -n ${5:-} ]] && printf '%b\n' "$5"
      printf 'Description: imgbuild test package %s\n' "$name"; } >"$tree/DEBIAN/control"
    dpkg-deb --root-owner-group -Zgzip --build "$tree" "$dir/${name}_${version}_$arch.deb" >/dev/null
}

make_signing_key() {
    export GNUPGHOME=$T/gnupg
    mkdir -p -m 700 "$GNUPGHOME"
    local gpg=(gpg --batch --pinentry-mode loopback --passphrase '')
    "${gpg[@]}" --quick-gen-key "imgbuild e2e $1 <$1@example.org>" "${2:-rsa2048}" sign 0 2>/dev/null ||
        fail "gpg could not make a key for $1"
    "${gpg[@]}" --export-secret-keys "$1@example.org" >"$T/$1.key"
    gpg --with-colons --list-secret-keys "$1@example.org" | awk -F: '$1 == "fpr" {print $10; exit}'
}

# verify_boot ISO [verify options...]: `imgbuild verify ISO --stage boot` must pass and the
# serial log must hold the preseed marker with ISO's own build id; sets $wall (seconds).
# Logs in $T/log.
verify_boot() {
    local iso=$1 id start=$SECONDS
    shift
    id=$(iso_cat "$iso" /imgbuild/build-id | tr -d '\n')
    expect_status 0 "$IMGBUILD" verify "$iso" --stage boot --timeout 600 --log "$T/log" "$@"
    wall=$((SECONDS - start))
    cat "$T/last.out"
    grep -q "^verify: PASSED: stage boot reached in" "$T/last.out" || fail "no PASSED line"
    grep -aq "IMGBUILD:preseed-loaded:$id" "$T/log/serial.log" || fail "marker not in the saved serial log"
}
