#!/usr/bin/env bash
# labels: e2e lint
# timeout: 200
# lint --base takes questions from the udebs on the disc too (DEBIAN/templates of
# pool/**/*.udeb), not only from the initrd: a question only such a udeb knows is not
# "unknown" against the disc, and is against the shipped list alone.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso modern-amd64)
tree=$T/udeb
mkdir -p "$tree/DEBIAN"
printf 'Package: imgbuild-test-udeb\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\nPackage-Type: udeb\nDescription: test\n' >"$tree/DEBIAN/control"
printf 'Template: imgbuild-test/only-on-disc\nType: boolean\nDefault: false\nDescription: a question only this udeb asks\n' >"$tree/DEBIAN/templates"
mkdir -p "$T/ov/pool/main/i/imgbuild-test-udeb"
dpkg-deb --root-owner-group -Zxz --build "$tree" "$T/ov/pool/main/i/imgbuild-test-udeb/imgbuild-test-udeb_1.0_all.udeb" >/dev/null
expect_status 0 "$IMGBUILD" build "$base" -o "$T/disc.iso" --cdrom-overlay "$T/ov" --quiet

# A preseed lint has nothing else to say about (every question it expects answered), plus
# the question only the disc's udeb knows.
{
    printf 'd-i imgbuild-test/only-on-disc boolean true\n'
    printf 'd-i partman-auto/method string regular\n'
    printf 'd-i partman-partitioning/confirm_write_new_label boolean true\n'
    printf 'd-i partman/choose_partition select finish\n'
    printf 'd-i partman/confirm boolean true\n'
    printf 'd-i passwd/root-password-crypted password %s\n' "$(openssl passwd -6 -salt imgbuild changeme)"
    printf 'd-i passwd/make-user boolean false\n'
    printf 'd-i mirror/country string manual\n'
    printf 'd-i mirror/http/hostname string deb.debian.org\n'
    printf 'd-i mirror/http/directory string /debian\n'
    printf 'tasksel tasksel/first multiselect standard\n'
    printf 'd-i grub-installer/bootdev string default\n'
} >"$T/p.cfg"
# Against the shipped list alone: a problem (exit 1), the unknown question named.
expect_status 1 "$IMGBUILD" lint "$T/p.cfg" --release bookworm
grep -q 'unknown question imgbuild-test/only-on-disc' "$T/last.out" || { cat "$T/last.out"; fail "the shipped list alone should not know the question"; }
# Against the disc: clean (exit 0, nothing reported), the udeb counted.
expect_status 0 "$IMGBUILD" lint "$T/p.cfg" --base "$T/disc.iso"
[[ ! -s $T/last.out ]] || { cat "$T/last.out"; fail "lint against the disc reports problems"; }
grep -q ' 0 error(s), 0 warning(s)' "$T/last.err" || { cat "$T/last.err"; fail "lint against the disc is not clean"; }
grep -q '1 udeb(s)' "$T/last.err" || { cat "$T/last.err"; fail "lint did not read the disc's udeb"; }
