#!/usr/bin/env bash
# labels: e2e build
# timeout: 200
# An image recipe is one small file: options from a CLI11 config file (--config) give
# the same image as the same options on the command line.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso etch-i386)
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
mkdir -p "$T/ov"
echo x >"$T/ov/file"
cat >"$T/recipe.toml" <<CFG
# pe2950-like recipe
[build]
preseed = "$T/p.cfg"
cdrom-overlay = ["$T/ov"]
arch = "i386"
timeout = 7
memtest = true
CFG
expect_status 0 "$IMGBUILD" --config "$T/recipe.toml" build "$base" -o "$T/a.iso" --quiet
expect_status 0 "$IMGBUILD" build "$base" -o "$T/b.iso" --preseed "$T/p.cfg" --cdrom-overlay "$T/ov" \
    --arch i386 --timeout 7 --memtest --quiet
cmp "$T/a.iso" "$T/b.iso" || fail "profile and command line give different images"
iso_cat "$T/a.iso" /isolinux/isolinux.cfg | grep -qi '^timeout 70' || fail "profile timeout not applied"

expect_status 2 "$IMGBUILD" --config "$T/missing.toml" build "$base" -o "$T/c.iso"
expect_stderr_match 'missing.toml'
expect_file_absent "$T/c.iso"
