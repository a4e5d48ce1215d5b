#!/usr/bin/env bash
# labels: e2e build
# timeout: 300
# build --packages: extra .debs become an apt repository in the target overlay, with a
# sources entry; real apt-get (an independent reader) must accept it from the disc's bytes.
# The repository is signed (--sign-key FILE or KEYID: InRelease and Release.gpg, checked by
# gpgv against the keyring the disc carries for the target, and a [signed-by=] source), or
# unsigned only when --unsigned-packages asks for it (reported on stderr and in
# build.json); neither is an error. For an Etch disc the source is plain and the
# late_command adds the key with apt-key, and an Ed25519 key is refused (gpgv 1.4).
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso modern-amd64)
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
make_deb "$T/debs" omsa-like 5.4-1 amd64 'Depends: omsa-lib (>= 1.0)'
make_deb "$T/debs" omsa-lib 1.2-1 amd64

# Throwaway signing keys, made in a scratch GnuPG home (the host's ~/.gnupg is not used).
fpr=$(make_signing_key repo)
ed=$(make_signing_key ed ed25519)
export GNUPGHOME=$T/gnupg

# Neither --sign-key nor --unsigned-packages: refused, naming both.
expect_status 2 "$IMGBUILD" build "$base" -o "$T/none.iso" --preseed "$T/p.cfg" --packages "$T/debs"
expect_stderr_match '--sign-key'
expect_stderr_match '--unsigned-packages'
[ "$(error_line_count "$T/last.err")" -eq 1 ] || fail "more than one line of error"
expect_file_absent "$T/none.iso"

# Signed with a secret key file. The key's home is moved away meanwhile: a key file must not
# need the user's keyring.
mv "$GNUPGHOME" "$T/gnupg.away"
expect_status 0 "$IMGBUILD" build "$base" -o "$T/out.iso" --preseed "$T/p.cfg" --packages "$T/debs" \
    --sign-key "$T/repo.key" --quiet
[ -e "$GNUPGHOME" ] && fail "a build with a key file created $GNUPGHOME"
mv "$T/gnupg.away" "$GNUPGHOME"
[ -s "$T/last.err" ] && { cat "$T/last.err"; fail "a signed build printed something on stderr"; }
files=$(iso_ls "$T/out.iso")
grep -qx /imgbuild/target/etc/apt/sources.list.d/imgbuild.list <<<"$files" || fail "no sources entry"
grep -q '^/imgbuild/target/var/lib/imgbuild/repo/pool/main/o/omsa-like/omsa-like_5.4-1_amd64.deb$' <<<"$files" ||
    fail "omsa-like not in the pool"
iso_cat "$T/out.iso" /imgbuild/target/etc/apt/sources.list.d/imgbuild.list |
    grep -qx 'deb \[signed-by=/usr/share/keyrings/imgbuild-local.gpg\] file:/var/lib/imgbuild/repo imgbuild main' ||
    fail "sources entry wrong"
iso_cat "$T/out.iso" /imgbuild/build.json >"$T/build.json"
[ "$(jq -r '.packages.signed_by' "$T/build.json")" = "$fpr" ] || fail "build.json does not name the signing key"
[ "$(jq -r '.packages.unsigned' "$T/build.json")" = false ] || fail "build.json calls it unsigned"

# gpgv, with only the keyring the disc carries for the target, checks both signatures.
xorriso -report_about FAILURE -indev "$T/out.iso" -osirrox on -extract /imgbuild/target "$T/target" >/dev/null 2>&1
keyring=$T/target/usr/share/keyrings/imgbuild-local.gpg
dists=$T/target/var/lib/imgbuild/repo/dists/imgbuild
gpgv --keyring "$keyring" "$dists/InRelease" 2>"$T/gpgv.log" || { cat "$T/gpgv.log"; fail "gpgv refused InRelease"; }
gpgv --keyring "$keyring" "$dists/Release.gpg" "$dists/Release" 2>>"$T/gpgv.log" ||
    { cat "$T/gpgv.log"; fail "gpgv refused Release.gpg"; }
grep -q "using RSA key $fpr" "$T/gpgv.log" || { cat "$T/gpgv.log"; fail "not signed by $fpr"; }
[ "$(gpg --show-keys --with-colons "$keyring" | grep -c '^pub')" -eq 1 ] || fail "the keyring holds other keys"
gpg --show-keys --with-colons "$keyring" | grep -q '^sec' && fail "the keyring holds a secret key"

# apt reads the repository as extracted from the image, through the source line the disc
# carries for the target (its paths moved into the scratch root).
root=$T/apt
mkdir -p "$root/etc/apt/apt.conf.d" "$root/etc/apt/preferences.d" "$root/etc/apt/sources.list.d" \
    "$root/var/lib/apt/lists/partial" "$root/var/cache/apt/archives/partial" "$root/var/lib/dpkg"
: >"$root/var/lib/dpkg/status"
sed -e "s|/usr/share/keyrings/|$T/target/usr/share/keyrings/|; s|file:/var/lib/imgbuild/repo|copy:$T/target/var/lib/imgbuild/repo|" \
    "$T/target/etc/apt/sources.list.d/imgbuild.list" >"$root/etc/apt/sources.list"
apt_opts=(-o "Dir=$root" -o "Dir::State::status=$root/var/lib/dpkg/status" -o Debug::NoLocking=1
    -o "Dir::Etc::SourceParts=$root/etc/apt/sources.list.d" -o "Dir::Etc::Parts=$root/etc/apt/apt.conf.d"
    -o "Dir::Etc::Trusted=$root/etc/apt/trusted.gpg" -o "Dir::Etc::TrustedParts=$root/etc/apt/trusted.gpg.d"
    -o APT::Architecture=amd64 -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update >"$T/update.log" 2>&1 || { cat "$T/update.log"; fail "apt-get update failed"; }
grep -qE '^(W|E):' "$T/update.log" && { cat "$T/update.log"; fail "apt-get update complained"; }
apt-get "${apt_opts[@]}" install -s -y omsa-like >"$T/sim.log" 2>&1 || { cat "$T/sim.log"; fail "install simulation failed"; }
grep -q '^Inst omsa-lib ' "$T/sim.log" || fail "dependency omsa-lib not installed from the disc's repository"

# The same key from the keyring, by fingerprint: the same repository.
expect_status 0 "$IMGBUILD" build "$base" -o "$T/by-id.iso" --preseed "$T/p.cfg" --packages "$T/debs" \
    --sign-key "$fpr" --quiet
iso_cat "$T/by-id.iso" /imgbuild/target/usr/share/keyrings/imgbuild-local.gpg | cmp -s - "$keyring" ||
    fail "the keyring differs between the key file and the keyring id"
[ "$(iso_cat "$T/by-id.iso" /imgbuild/build-id)" = "$(iso_cat "$T/out.iso" /imgbuild/build-id)" ] ||
    fail "the same key and inputs gave another build id"

# Keys that cannot sign: one line, exit 2, nothing written.
gpg --export "$fpr" >"$T/public.gpg"
printf 'not a key\n' >"$T/garbage.key"
for key in DEADBEEFDEADBEEF "$T/missing.key" "$T/public.gpg" "$T/garbage.key"; do
    expect_status 2 "$IMGBUILD" build "$base" -o "$T/bad-key.iso" --preseed "$T/p.cfg" --packages "$T/debs" --sign-key "$key" --quiet
    [ "$(error_line_count "$T/last.err")" -eq 1 ] || { cat "$T/last.err"; fail "more than one line of error for $key"; }
    expect_stderr_match "$key"
    expect_file_absent "$T/bad-key.iso"
done
ls "${TMPDIR:-/tmp}" | grep -q '^imgbuild-gnupg-' && fail "a temporary GnuPG home was left behind"

# Unsigned, asked for by name: [trusted=yes], said on stderr and in build.json.
expect_status 0 "$IMGBUILD" build "$base" -o "$T/unsigned.iso" --preseed "$T/p.cfg" --packages "$T/debs" \
    --unsigned-packages --quiet
expect_stderr_match '^imgbuild: note: --unsigned-packages: .*without any signature'
iso_cat "$T/unsigned.iso" /imgbuild/target/etc/apt/sources.list.d/imgbuild.list |
    grep -qx 'deb \[trusted=yes\] file:/var/lib/imgbuild/repo imgbuild main' || fail "unsigned sources entry wrong"
[ "$(iso_cat "$T/unsigned.iso" /imgbuild/build.json | jq -r '.packages.unsigned')" = true ] ||
    fail "build.json does not say unsigned"
iso_ls "$T/unsigned.iso" | grep -qE 'InRelease|Release.gpg|imgbuild-local.gpg' && fail "unsigned build carries signatures"
expect_status 2 "$IMGBUILD" build "$base" -o "$T/both.iso" --preseed "$T/p.cfg" --packages "$T/debs" \
    --unsigned-packages --sign-key "$fpr"
expect_file_absent "$T/both.iso"
expect_status 2 "$IMGBUILD" build "$base" -o "$T/nopkg.iso" --preseed "$T/p.cfg" --sign-key "$fpr"
expect_stderr_match '--sign-key.*--packages'

# Etch: apt 0.6 has no Signed-By: a plain source, the key added by apt-key in the
# late_command; its gpgv (GnuPG 1.4) cannot check Ed25519.
etch=$(fixture_iso etch-i386)
make_deb "$T/etch-debs" etch-tool 1.0 i386
expect_status 2 "$IMGBUILD" build "$etch" -o "$T/etch-ed.iso" --packages "$T/etch-debs" --sign-key "$ed"
expect_stderr_match 'RSA'
expect_file_absent "$T/etch-ed.iso"
printf 'd-i debian-installer/locale string en_US\n' >"$T/etch.cfg"
expect_status 0 "$IMGBUILD" build "$etch" -o "$T/etch.iso" --preseed "$T/etch.cfg" --no-lint \
    --packages "$T/etch-debs" --sign-key "$T/repo.key" --quiet
iso_cat "$T/etch.iso" /imgbuild/target/etc/apt/sources.list.d/imgbuild.list |
    grep -qx 'deb file:/var/lib/imgbuild/repo imgbuild main' || fail "Etch sources entry wrong"
# The preseed appended to the installer initrd (a gzip cpio after the original bytes).
iso_cat "$etch" /install.386/initrd.gz >"$T/etch-orig"
iso_cat "$T/etch.iso" /install.386/initrd.gz >"$T/etch-new"
tail -c +$(($(stat -c %s "$T/etch-orig") + 1)) "$T/etch-new" | zcat | (cd "$T" && cpio -i --quiet --to-stdout preseed.cfg) \
    >"$T/etch-preseed.cfg"
grep -q 'cp -a /cdrom/imgbuild/target/. /target/ && in-target apt-key add /usr/share/keyrings/imgbuild-local.gpg' \
    "$T/etch-preseed.cfg" || fail "the Etch late_command does not add the key"

# An unmet dependency is a build error naming it; nothing is written.
make_deb "$T/debs" needs-missing 1.0 amd64 'Depends: not-on-any-disc'
expect_status 2 "$IMGBUILD" build "$base" -o "$T/bad.iso" --preseed "$T/p.cfg" --packages "$T/debs" --sign-key "$T/repo.key"
expect_stderr_match 'not-on-any-disc'
expect_file_absent "$T/bad.iso"
gpgconf --kill gpg-agent
