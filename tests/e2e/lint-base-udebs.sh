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

printf 'd-i imgbuild-test/only-on-disc boolean true\n' >"$T/p.cfg"
"$IMGBUILD" lint "$T/p.cfg" --release bookworm >"$T/list.out" 2>&1 || true
grep -q 'unknown question imgbuild-test/only-on-disc' "$T/list.out" || { cat "$T/list.out"; fail "the shipped list alone should not know the question"; }
"$IMGBUILD" lint "$T/p.cfg" --base "$T/disc.iso" >"$T/disc.out" 2>&1 || true
grep -i 'unknown' "$T/disc.out" | grep -q 'only-on-disc' && { cat "$T/disc.out"; fail "question from the disc's udeb reported unknown"; }
grep -q '1 udeb(s)' "$T/disc.out" || { cat "$T/disc.out"; fail "lint did not read the disc's udeb"; }
