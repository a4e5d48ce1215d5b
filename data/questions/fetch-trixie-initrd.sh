#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Downloads debian-installer-13-netboot-amd64 from Debian 13 "trixie" with a private apt
# state (nothing of the host's apt configuration is read or changed, nothing is installed)
# and unpacks it into DIR. Prints the images directory for build-lists.sh's TRIXIE_INITRD
# and the package version for TRIXIE_VERSION.
#   usage: fetch-trixie-initrd.sh DIR [MIRROR]
set -eu
dir=${1:?usage: fetch-trixie-initrd.sh DIR [MIRROR]}
mirror=${2:-http://deb.debian.org/debian}
mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/deb"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$dir/sources.list"
set -- -o Dir::State::Lists="$dir/lists" -o Dir::Etc::sourcelist="$dir/sources.list" \
  -o Dir::Etc::sourceparts=/nonexistent -o Dir::Cache="$dir/cache" \
  -o Dir::State::status=/dev/null -o APT::Architecture=amd64
apt-get "$@" -q update >&2
(cd "$dir/deb" && apt-get "$@" -q download debian-installer-13-netboot-amd64 >&2)
deb=$(ls "$dir"/deb/debian-installer-13-netboot-amd64_*.deb)
dpkg-deb -x "$deb" "$dir/unpacked"
echo "TRIXIE_INITRD=$dir/unpacked/usr/lib/debian-installer/images/13/amd64"
echo "TRIXIE_VERSION=$(dpkg-deb -f "$deb" Version)"
