#!/usr/bin/env bash
# labels: e2e
# timeout: 900
# cost: 300
# --json on every command (issue 13 part 5), on real runs: one document on stdout, read by
# two independent parsers (jq and python3 -m json.tool), always valid UTF-8 even where
# file names are not (a stray byte becomes the text \xNN, docs/json.md), with the
# values checked against xorriso, xxhsum and stat rather than imgbuild's own readers.
# The names carry spaces, both quote characters, a byte 0xff and a Latin-1 0xe9.
source "$(dirname "$0")/prelude.sh"

command -v jq >/dev/null || fail "jq not installed (scripts/install-deps.sh)"

# json_ok FILE: one JSON document, valid for jq and for Python, and valid UTF-8 (Python's
# json.tool reads its input as UTF-8 and fails on anything else).
json_ok() {
    [[ -s $1 ]] || fail "$1: no JSON on stdout"
    jq -e . "$1" >/dev/null || { cat "$1" >&2; fail "$1: jq cannot read it"; }
    [[ $(jq -s length "$1") -eq 1 ]] || fail "$1: not exactly one JSON document"
    python3 -m json.tool "$1" >/dev/null || { cat "$1" >&2; fail "$1: python3 -m json.tool cannot read it"; }
    iconv -f UTF-8 -t UTF-8 "$1" >/dev/null || fail "$1: not valid UTF-8"
}
# run_json STATUS NAME imgbuild-args...: runs imgbuild, keeps stdout as $T/NAME.json
run_json() {
    local want=$1 name=$2
    shift 2
    expect_status "$want" "$IMGBUILD" "$@"
    cp "$T/last.out" "$T/$name.json"
    json_ok "$T/$name.json"
}
# field NAME JQ-FILTER: the raw value
field() { jq -r "$2" "$T/$1.json"; }

bad=$'\xff'     # not UTF-8 at all
latin=$'\xe9'   # Latin-1 e-acute, not UTF-8
base=$(fixture_iso modern-amd64)

# --- build: an overlay whose file names are awkward, an output name with spaces and quotes.
overlay="$T/over lay"
mkdir -p "$overlay/odd dir"
echo "space" >"$overlay/with space.txt"
echo "quotes" >"$overlay/say \"hi\" it's.txt"
echo "not utf-8" >"$overlay/bad${bad}name.txt"
echo "latin-1" >"$overlay/odd dir/caf${latin}.cfg"
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
out="$T/out \"quoted\" it's.iso"
run_json 0 build build "$base" -o "$out" --preseed "$T/p.cfg" --cdrom-overlay "$overlay" --json
[[ $(field build .output) == "$out" ]] || fail "build: output is '$(field build .output)'"
[[ $(field build .size) -eq $(stat -c %s "$out") ]] || fail "build: size differs from stat"
id=$(iso_cat "$out" /imgbuild/build-id)
[[ $(field build .build_id) == "$id" ]] || fail "build: build_id $(field build .build_id), disc says $id"
field build '.preseeded_initrds[]' | grep -qx /install.amd/initrd.gz || fail "build: /install.amd/initrd.gz not listed"
[[ $(field build '.rewritten_menus | length') -ge 2 ]] || fail "build: fewer than two rewritten menus"
# build.json on the disc is JSON too.
iso_cat "$out" /imgbuild/build.json >"$T/build-info.json"
json_ok "$T/build-info.json"
[[ $(jq -r .build_id "$T/build-info.json") == "$id" ]] || fail "build.json: wrong build id"

# The names reached the disc as bytes (xorriso's listing; LC_ALL=C: sed and grep must not
# skip a line that is not UTF-8), so the listings below can show them.
LC_ALL=C iso_ls "$out" >"$T/iso-ls"
LC_ALL=C grep -qxF "/bad${bad}name.txt" "$T/iso-ls" || fail "the 0xff name is not on the disc"

# --- inspect: an image file name with spaces, quotes and a byte 0xff.
odd="$T/image ${bad} \"x\".iso"
ln "$out" "$odd"
run_json 0 inspect inspect --json "$odd"
[[ $(field inspect .path) == "$T/image \\xff \"x\".iso" ]] || fail "inspect: path is '$(field inspect .path)'"
[[ $(field inspect .build_id) == "$id" ]] || fail "inspect: build_id"
[[ $(field inspect '[.installers[] | select(.unattended)] | length') -ge 1 ]] || fail "inspect: no unattended installer"

# --- manifest: every awkward name, the invalid bytes as \xNN, hashes as xxhsum says.
run_json 0 manifest manifest "$out" --json
has_path() { jq -e --arg p "$2" '[.files[] | select(.path == $p)] | length == 1' "$T/$1.json" >/dev/null; }
has_path manifest "/with space.txt" || fail "manifest: '/with space.txt' missing"
has_path manifest "/say \"hi\" it's.txt" || fail "manifest: the quoted name is missing"
has_path manifest '/bad\xffname.txt' || fail "manifest: the 0xff name is not listed as \\xff"
has_path manifest '/odd dir/caf\xe9.cfg' || fail "manifest: the Latin-1 name is not listed as \\xe9"
want=$(xxhsum -H2 <"$overlay/with space.txt" | cut -d' ' -f1)
got=$(jq -r '.files[] | select(.path == "/with space.txt") | .xxh128' "$T/manifest.json")
[[ $got == "$want" ]] || fail "manifest: xxh128 $got, xxhsum says $want"
[[ $(jq -r '.files[] | select(.path == "/odd dir") | .type' "$T/manifest.json") == directory ]] ||
    fail "manifest: '/odd dir' is not a directory"
# Python reads the same names (an independent decoder of the \u and \\ escapes).
python3 - "$T/manifest.json" <<'PY' || fail "manifest: python3 does not see the escaped names"
import json, sys
paths = {f["path"] for f in json.load(open(sys.argv[1], encoding="utf-8"))["files"]}
assert "/bad\\xffname.txt" in paths, sorted(paths)
assert '/say "hi" it\'s.txt' in paths, sorted(paths)
PY

# --- diff: the base and the build differ by the overlay, among others; a disc and itself do not.
run_json 1 diff diff "$base" "$out" --json
[[ $(field diff .same) == false ]] || fail "diff: same is not false"
jq -e '[.differences[] | select(.what == "added" and .path == "/bad\\xffname.txt")] | length == 1' "$T/diff.json" >/dev/null ||
    fail "diff: the 0xff file is not an added difference"
jq -e '[.differences[] | select(.what == "changed" and .path == "/install.amd/initrd.gz")] | length == 1' "$T/diff.json" >/dev/null ||
    fail "diff: the preseeded initrd is not a changed difference"
run_json 0 diff-same diff "$out" "$odd" --json
[[ $(field diff-same .same) == true && $(field diff-same '.differences | length') -eq 0 ]] || fail "diff: a disc differs from itself"

# --- lint: a preseed named with a space and 0xff; one error, one warning.
cfg="$T/my ${bad} preseed.cfg"
printf 'd-i debian-installer/locale string en_US\nd-i passwd/root-password-crypted password not-a-hash\nd-i no/such-question string x\n' >"$cfg"
run_json 1 lint lint "$cfg" --release bookworm --json
[[ $(field lint .file) == "$T/my \\xff preseed.cfg" ]] || fail "lint: file is '$(field lint .file)'"
[[ $(field lint .release) == bookworm ]] || fail "lint: release"
[[ $(field lint .errors) -ge 1 ]] || fail "lint: no error counted"
[[ $(field lint '.diagnostics | length') -eq $(($(field lint .errors) + $(field lint .warnings))) ]] ||
    fail "lint: the list and the counts disagree"
[[ $(field lint '[.diagnostics[] | select(.severity == "error" and .line == 2)] | length') -eq 1 ]] ||
    fail "lint: the error of line 2 is missing"
grep -q "not-a-hash" "$T/lint.json" && fail "lint: the secret's value is in the JSON"
run_json 1 lint-errors lint "$cfg" --release bookworm --json --errors-only
[[ $(field lint-errors '[.diagnostics[] | select(.severity != "error")] | length') -eq 0 ]] || fail "lint --errors-only lists warnings"

# --- errors: exit 2, one line on stderr, nothing on stdout.
expect_status 2 "$IMGBUILD" inspect --json "$T/missing ${bad}.iso"
[[ ! -s $T/last.out ]] || fail "an error with --json printed on stdout"
[[ $(error_line_count "$T/last.err") -eq 1 ]] || fail "an error with --json is not one line on stderr"

# --- inspect-disk: a small ext4 disk made without an appliance (mke2fs -d), whose kernel,
#     apt source file and hostname carry invalid bytes.
root="$T/root"
mkdir -p "$root"/{etc/apt/sources.list.d,bin,boot,var/lib/dpkg,usr/bin}
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' >"$root/etc/os-release"
echo 12.8 >"$root/etc/debian_version"
printf '/dev/sda / ext4 errors=remount-ro 0 1\n' >"$root/etc/fstab"
echo "deb http://deb.debian.org/debian bookworm main" >"$root/etc/apt/sources.list.d/my \"repo\" ${bad}.list"
printf 'Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2+deb12u3\n\n' >"$root/var/lib/dpkg/status"
: >"$root/boot/vmlinuz-6.1.0-${bad}-amd64"
disk="$T/disk ${bad}.img"
truncate -s 64M "$disk"
mkfs.ext4 -q -F -d "$root" "$disk"
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
run_json 0 inspect-disk inspect-disk "$disk" --json
[[ $(field inspect-disk .disk) == "$T/disk \\xff.img" ]] || fail "inspect-disk: disk is '$(field inspect-disk .disk)'"
[[ $(field inspect-disk .facts.os.distribution) == debian ]] || fail "inspect-disk: distribution"
[[ $(field inspect-disk '.facts.packages["openssh-server"]') == "1:9.2p1-2+deb12u3" ]] || fail "inspect-disk: package version"
field inspect-disk '.facts.kernels[]' | grep -qxF '6.1.0-\xff-amd64' || fail "inspect-disk: kernel not listed as \\xff"
field inspect-disk '.facts.apt_sources[].file' | grep -qxF '/etc/apt/sources.list.d/my "repo" \xff.list' ||
    fail "inspect-disk: the apt source file name is not escaped"
