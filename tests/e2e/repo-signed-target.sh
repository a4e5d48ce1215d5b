#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e installed-system
# timeout: 2400
# cost: 300
# Issue 14 part 7: apt inside the installed system trusts the disc's signed repository, and
# only it. A debootstrapped Debian 12 (tests/target/make-rootfs.sh, cached) is unpacked into
# a scratch root, the image's target overlay (as extracted from the ISO by xorriso) copied
# in as the late_command does (cp -a), and apt-get runs in it by chroot:
#   - update + install of a package (and its dependency) from the repository: accepted;
#   - the Packages index changed after signing: refused (hash sum mismatch);
#   - the repository of another build, signed by another key: refused (NO_PUBKEY);
#   - the same repository on a source line without signed-by: refused (the key is not
#     trusted for any other source: not in trusted.gpg or trusted.gpg.d).
# The chroot's own sources (the Debian mirror) are removed: nothing is fetched from the
# network. Needs root (chroot).
source "$(dirname "$0")/prelude.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (chroot into the debootstrapped system)"
rootfs=$("$IMGBUILD_SOURCE_DIR/tests/target/make-rootfs.sh" "$IMGBUILD_CACHE/target-bookworm") ||
    fail "debootstrap failed"

base=$(fixture_iso modern-amd64)
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
make_deb "$T/debs" omsa-like 5.4-1 amd64 'Depends: omsa-lib (>= 1.0)'
make_deb "$T/debs" omsa-lib 1.2-1 amd64

# Two throwaway keys in a scratch GnuPG home ($T/good.key, $T/other.key).
make_signing_key good >/dev/null
other=$(make_signing_key other)
export GNUPGHOME=$T/gnupg
gpgconf --kill gpg-agent

for who in good other; do
    expect_status 0 "$IMGBUILD" build "$base" -o "$T/$who.iso" --preseed "$T/p.cfg" --packages "$T/debs" \
        --sign-key "$T/$who.key" --quiet
    xorriso -report_about FAILURE -indev "$T/$who.iso" -osirrox on -extract /imgbuild/target "$T/$who-target" \
        >/dev/null 2>&1 || fail "cannot extract the target overlay of $who.iso"
done

root=$T/root
mkdir "$root"
tar -C "$root" --numeric-owner -xf "$rootfs" || fail "cannot unpack $rootfs"
rm -f "$root/etc/apt/sources.list" "$root/etc/apt/sources.list.d/"*
rm -rf "$root/var/lib/apt/lists/"*
# What the late_command does: cp -a /cdrom/imgbuild/target/. /target/
cp -a "$T/good-target/." "$root/"
grep -rl imgbuild "$root/etc/apt/trusted.gpg.d" "$root/etc/apt/trusted.gpg" 2>/dev/null &&
    fail "the key landed in apt's global trust"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"; }
# update LOG: apt-get update from scratch; its status, output in $T/LOG.
update() {
    rm -rf "$root/var/lib/apt/lists/"*
    local rc=0
    in_root apt-get update >"$T/$1" 2>&1 || rc=$?
    sed "s/^/  $1: /" "$T/$1"
    return "$rc"
}
repo=$root/var/lib/imgbuild/repo

# Accepted: update without a warning, install from it.
update accept.log || fail "apt-get update refused the signed repository"
grep -qE '^(W|E):' "$T/accept.log" && fail "apt-get update complained about the signed repository"
in_root apt-get install -y omsa-like >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "apt-get install failed"; }
in_root dpkg-query -W -f '${Package} ${Version} ${Status}\n' omsa-like omsa-lib | tee "$T/installed"
grep -qx 'omsa-like 5.4-1 install ok installed' "$T/installed" || fail "omsa-like not installed"
grep -qx 'omsa-lib 1.2-1 install ok installed' "$T/installed" || fail "omsa-lib not installed"
in_root dpkg --purge omsa-like omsa-lib >/dev/null

# A Packages index changed after signing (one field edited, Packages.gz made again).
packages=$repo/dists/imgbuild/main/binary-amd64/Packages
cp -a "$repo" "$T/repo.signed"
sed -i 's/^Version: 5.4-1$/Version: 5.4-2/' "$packages"
cmp -s "$packages" "$T/repo.signed/dists/imgbuild/main/binary-amd64/Packages" && fail "the tampering changed nothing"
gzip -9n <"$packages" >"$packages.gz"
if update tampered.log && ! grep -qE '^(W|E):' "$T/tampered.log"; then fail "apt accepted a modified Packages file"; fi
grep -qiE 'hash sum mismatch|hashes' "$T/tampered.log" || fail "apt refused the modified index, but not for its hash"
in_root apt-cache policy omsa-like | grep -q 'Candidate: 5.4-2' && fail "the modified index reached apt's cache"

# The repository of another build, signed by another key, in place of this one.
rm -rf "$repo"
cp -a "$T/other-target/var/lib/imgbuild/repo" "$repo"
if update other-key.log && ! grep -qE '^(W|E):' "$T/other-key.log"; then
    fail "apt accepted a repository signed by another key"
fi
grep -qE "NO_PUBKEY (${other:24}|$other)" "$T/other-key.log" || fail "apt did not report the other key as unknown"
in_root apt-get install -y omsa-like >"$T/install-other.log" 2>&1 && fail "apt installed from the repository signed by another key"

# The right repository again, but on a source without signed-by: the key vouches for the
# source that names it, not for any other.
rm -rf "$repo"
cp -a "$T/repo.signed" "$repo"
update again.log || fail "the untouched repository is refused after the negative cases"
echo 'deb file:/var/lib/imgbuild/repo imgbuild main' >"$root/etc/apt/sources.list.d/imgbuild.list"
if update no-signed-by.log && ! grep -qE '^(W|E):' "$T/no-signed-by.log"; then
    fail "the key is trusted for a source that does not name it"
fi
grep -q 'NO_PUBKEY' "$T/no-signed-by.log" || fail "apt did not report the key as untrusted without signed-by"
