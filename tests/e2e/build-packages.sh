#!/usr/bin/env bash
# labels: e2e build
# timeout: 300
# build --packages: extra .debs become an apt repository in the target overlay, with a
# sources entry; real apt-get (an independent reader) must accept it from the disc's bytes.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso modern-amd64)
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
make_deb() { # name version arch [control lines]
    local tree=$T/tree-$1
    mkdir -p "$tree/DEBIAN" "$tree/usr/share/doc/$1"
    echo "$1" >"$tree/usr/share/doc/$1/README"
    { printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: t <t@example.org>\n' "$1" "$2" "$3"
      [[ -n ${4:-} ]] && printf '%b\n' "$4"
      printf 'Description: imgbuild test package %s\n' "$1"; } >"$tree/DEBIAN/control"
    dpkg-deb --root-owner-group -Zgzip --build "$tree" "$T/debs/${1}_$2_$3.deb" >/dev/null
}
mkdir -p "$T/debs"
make_deb omsa-like 5.4-1 amd64 'Depends: omsa-lib (>= 1.0)'
make_deb omsa-lib 1.2-1 amd64

expect_status 0 "$IMGBUILD" build "$base" -o "$T/out.iso" --preseed "$T/p.cfg" --packages "$T/debs" --quiet
files=$(iso_ls "$T/out.iso")
grep -qx /imgbuild/target/etc/apt/sources.list.d/imgbuild.list <<<"$files" || fail "no sources entry"
grep -q '^/imgbuild/target/var/lib/imgbuild/repo/pool/main/o/omsa-like/omsa-like_5.4-1_amd64.deb$' <<<"$files" ||
    fail "omsa-like not in the pool"
iso_cat "$T/out.iso" /imgbuild/target/etc/apt/sources.list.d/imgbuild.list | grep -q '^deb \[trusted=yes\] file:/var/lib/imgbuild/repo imgbuild main$' ||
    fail "sources entry wrong"

# apt reads the repository as extracted from the image.
xorriso -report_about FAILURE -indev "$T/out.iso" -osirrox on -extract /imgbuild/target/var/lib/imgbuild/repo "$T/repo" >/dev/null 2>&1
root=$T/apt
mkdir -p "$root/etc/apt/apt.conf.d" "$root/etc/apt/preferences.d" "$root/etc/apt/sources.list.d" \
    "$root/var/lib/apt/lists/partial" "$root/var/cache/apt/archives/partial" "$root/var/lib/dpkg"
: >"$root/var/lib/dpkg/status"
echo "deb [trusted=yes] copy:$T/repo imgbuild main" >"$root/etc/apt/sources.list"
apt_opts=(-o "Dir=$root" -o "Dir::State::status=$root/var/lib/dpkg/status" -o Debug::NoLocking=1
    -o "Dir::Etc::SourceParts=$root/etc/apt/sources.list.d" -o "Dir::Etc::Parts=$root/etc/apt/apt.conf.d"
    -o APT::Architecture=amd64 -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update >"$T/update.log" 2>&1 || { cat "$T/update.log"; fail "apt-get update failed"; }
grep -qE '^(W|E):' "$T/update.log" && { cat "$T/update.log"; fail "apt-get update complained"; }
apt-get "${apt_opts[@]}" install -s -y omsa-like >"$T/sim.log" 2>&1 || { cat "$T/sim.log"; fail "install simulation failed"; }
grep -q '^Inst omsa-lib ' "$T/sim.log" || fail "dependency omsa-lib not installed from the disc's repository"

# An unmet dependency is a build error naming it; nothing is written.
make_deb needs-missing 1.0 amd64 'Depends: not-on-any-disc'
expect_status 2 "$IMGBUILD" build "$base" -o "$T/bad.iso" --preseed "$T/p.cfg" --packages "$T/debs"
expect_stderr_match 'not-on-any-disc'
expect_file_absent "$T/bad.iso"
