#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e
# timeout: 180
# builder/repo against an independent reader: lay out real .debs (built here with
# dpkg-deb) as an apt repository with repo::Repository, then point a real apt-get at it
# through a scratch configuration (copy: source, [trusted=yes], empty dpkg status): apt
# must accept the Release and Packages, resolve a dependency chain through an alternative,
# a versioned relation and a Provides, download the .debs checking their SHA256, and
# refuse the repository once an index no longer matches the Release.
source "$(dirname "$0")/prelude.sh"
IMGBUILD_BUILD_DIR=${IMGBUILD_BUILD_DIR:-$(dirname "$IMGBUILD")}
driver="$IMGBUILD_BUILD_DIR/repo-write"
[ -x "$driver" ] || fail "$driver not built (ninja repo-write)"
work=$T

make_deb() {  # name version arch [extra control lines]
  local tree="$work/tree-$1"
  mkdir -p "$tree/DEBIAN" "$tree/usr/share/imgbuild-e2e"
  echo "$1 $2" >"$tree/usr/share/imgbuild-e2e/$1"
  { printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: e2e <e2e@example.org>\n' "$1" "$2" "$3"
    [ -n "${4:-}" ] && printf '%b\n' "$4"
    printf 'Description: imgbuild e2e package %s\n' "$1"; } >"$tree/DEBIAN/control"
  dpkg-deb --root-owner-group -Zxz --build "$tree" "$work/debs/${1}_${2##*:}_$3.deb" >/dev/null
}
mkdir -p "$work/debs"
make_deb imgbuild-app 1.0-1 amd64 'Depends: imgbuild-lib (>= 2.0~rc1) | imgbuild-missing, imgbuild-virtual\nPre-Depends: imgbuild-lib'
make_deb imgbuild-lib 2.0-1 amd64 'Source: imgbuild-libsrc (2.0)'
make_deb imgbuild-provider 1:0.5 all 'Provides: imgbuild-virtual'

"$driver" "$work/debs" "$work/repo" >"$work/driver.log" 2>&1 ||
  { cat "$work/driver.log"; fail "writing the repository failed"; }
find "$work/repo" -type f | sed "s|$work/repo/||" | sort

# A scratch apt: its own sources, lists, cache and an empty dpkg status, so nothing of the
# host's package state takes part.
root="$work/apt"
mkdir -p "$root/etc/apt/apt.conf.d" "$root/etc/apt/preferences.d" "$root/etc/apt/sources.list.d" \
         "$root/var/lib/apt/lists/partial" "$root/var/cache/apt/archives/partial" "$root/var/lib/dpkg"
: >"$root/var/lib/dpkg/status"
# copy: is file: that copies the .debs into the cache, so the download step verifies them.
echo "deb [trusted=yes] copy:$work/repo bookworm main" >"$root/etc/apt/sources.list"
apt_opts=(-o "Dir=$root" -o "Dir::State::status=$root/var/lib/dpkg/status"
          -o "Dir::Etc::SourceParts=$root/etc/apt/sources.list.d" -o "Dir::Etc::Parts=$root/etc/apt/apt.conf.d"
          -o Debug::NoLocking=1 -o APT::Architecture=amd64 -o APT::Sandbox::User=root)

apt-get "${apt_opts[@]}" update 2>&1 | tee "$work/update.log"
if grep -qE '^(W|E):' "$work/update.log"; then fail "apt-get update complained"; fi
apt-cache "${apt_opts[@]}" policy imgbuild-app | tee "$work/policy.log"
grep -q 'Candidate: 1.0-1' "$work/policy.log" || { fail "apt does not see imgbuild-app 1.0-1"; }

apt-get "${apt_opts[@]}" install -s -y imgbuild-app | tee "$work/simulate.log"
for package in imgbuild-app imgbuild-lib imgbuild-provider; do
  grep -q "^Inst $package " "$work/simulate.log" || { fail "simulation does not install $package"; }
done
# Downloading checks every .deb against the Packages sums.
apt-get "${apt_opts[@]}" install --download-only -y imgbuild-app 2>&1 | tee "$work/download.log"
n=$(find "$root/var/cache/apt/archives" -name '*.deb' | wc -l)
[ "$n" -eq 3 ] || { fail "expected 3 downloaded .debs, got $n"; }

# Negative: an index that no longer matches the Release must be refused by apt.
rm -rf "$root/var/lib/apt/lists/"*
printf '\n' >>"$work/repo/dists/bookworm/main/binary-amd64/Packages"
gzip -9n <"$work/repo/dists/bookworm/main/binary-amd64/Packages" >"$work/repo/dists/bookworm/main/binary-amd64/Packages.gz"
if apt-get "${apt_opts[@]}" update >"$work/tampered.log" 2>&1 && ! grep -qE '^(W|E):' "$work/tampered.log"; then
  cat "$work/tampered.log"; fail "apt accepted an index that does not match the Release"
fi
grep -iE 'hash sum mismatch|mismatch|size' "$work/tampered.log" | head -3
