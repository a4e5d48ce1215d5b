#!/usr/bin/env bash
# labels: e2e build
# timeout: 300
# Build from the Etch-layout fixture, then check the result with tools that are not
# imgbuild: xorriso's El Torito report, isoinfo, cpio, md5sum, xxhsum.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso etch-i386)
cat >"$T/test.cfg" <<'CFG'
d-i debian-installer/locale string en_US
d-i preseed/early_command string echo user-early
d-i preseed/late_command string echo user-late
CFG
mkdir -p "$T/cdrom/extra" "$T/target/etc"
echo "hello from the disc" >"$T/cdrom/extra/README.txt"
echo "target file" >"$T/target/etc/imgbuild-test"
printf '#!/bin/sh\necho hook\n' >"$T/target/etc/hook.sh"
chmod 700 "$T/target/etc/hook.sh"   # a private mode on disk: normalised to 0755 on the disc

expect_status 0 "$IMGBUILD" build "$base" -o "$T/out.iso" --preseed "$T/test.cfg" --arch i386 \
    --cdrom-overlay "$T/cdrom" --target-overlay "$T/target" --memtest --quiet
out=$T/out.iso
[[ -s $out ]] || fail "no output"
ls -a "$T" | grep -q imgbuild- && fail "temp files left in the output directory"

# Boot setup kept: BIOS no-emulation entry with boot-info-table.
report=$(report_el_torito "$out")
grep -q 'El Torito boot img :   1  BIOS  y   none' <<<"$report" || fail "BIOS boot entry missing: $report"
grep -q 'El Torito img opts :   1  boot-info-table' <<<"$report" || fail "boot-info-table lost: $report"
isoinfo -d -i "$out" | grep -q 'Volume id: Debian 4.0 r9 i386 Bin-1' || fail "volume id changed"

# Files the build adds.
files=$(iso_ls "$out")
for f in /imgbuild/build-id /imgbuild/build.json /imgbuild/memtest86+ /extra/README.txt \
         /imgbuild/target/etc/imgbuild-test /imgbuild/target/etc/hook.sh; do
    grep -qx "$f" <<<"$files" || fail "$f missing from the image"
done
id=$(iso_cat "$out" /imgbuild/build-id)
[[ $id =~ ^[0-9a-f]{32}$ ]] || fail "build id '$id' malformed"
isoinfo -R -l -i "$out" | grep -E 'hook.sh' | grep -q '^-rwxr-xr-x' || fail "hook.sh not 0755 on the disc"
# /imgbuild itself is readable by all: with --memtest it once took the staging directory's 0700.
xorriso -report_about FAILURE -indev "$out" -lsdl /imgbuild 2>/dev/null | grep -q "^drwxr-xr-x .*'/imgbuild'\$" ||
    fail "/imgbuild is not 0755 on the disc: $(xorriso -report_about FAILURE -indev "$out" -lsdl /imgbuild 2>/dev/null)"

# Every installer initrd: the original bytes untouched, a newc+gzip cpio appended whose
# preseed.cfg carries the marker with the build id and the user's commands.
for initrd in /install.386/initrd.gz /install.386/gtk/initrd.gz; do
    iso_cat "$base" "$initrd" >"$T/orig"
    iso_cat "$out" "$initrd" >"$T/new"
    size=$(stat -c %s "$T/orig")
    cmp -n "$size" "$T/orig" "$T/new" || fail "$initrd: original bytes changed"
    tail -c +$((size + 1)) "$T/new" >"$T/appendix.gz"
    gzip -t "$T/appendix.gz" || fail "$initrd: appendix is not gzip"
    (cd "$T" && zcat appendix.gz | cpio -i --quiet --to-stdout preseed.cfg) >"$T/preseed.cfg"
    grep -q "IMGBUILD:preseed-loaded:$id" "$T/preseed.cfg" || fail "$initrd: marker with build id missing"
    grep -q "echo user-early" "$T/preseed.cfg" || fail "$initrd: user's early_command lost"
    grep -q "echo user-late" "$T/preseed.cfg" || fail "$initrd: user's late_command lost"
    grep -q "cp -a /cdrom/imgbuild/target/. /target/" "$T/preseed.cfg" || fail "$initrd: target overlay copy missing"
    # The cpio's entries are owned by root with fixed dates (no builder uid, no wall clock).
    (cd "$T" && zcat appendix.gz | cpio -t -v --quiet) | grep -q '^-rw-r--r--   1 root     root' ||
        fail "$initrd: appended cpio entries not owned by root"
done

# The menu: unattended entry is the default, with a timeout, the disc's entries kept.
iso_cat "$out" /isolinux/isolinux.cfg >"$T/isolinux.cfg"
grep -qi '^default imgbuild' "$T/isolinux.cfg" || fail "unattended entry is not the default"
grep -qi '^timeout 50' "$T/isolinux.cfg" || fail "no 5 s timeout"
grep -q 'auto=true priority=critical' "$T/isolinux.cfg" || fail "no auto=true priority=critical"
grep -qx 'label memtest' "$T/isolinux.cfg" || fail "no memtest label to type at the boot: prompt"
for label in install expert rescue; do
    grep -qi "^label $label" "$T/isolinux.cfg" || fail "original label $label lost"
done

# md5sum.txt names the new bytes (what the installer's CD check and users verify).
iso_cat "$out" /md5sum.txt >"$T/md5sum.txt"
for f in /install.386/initrd.gz /extra/README.txt /imgbuild/build-id; do
    want=$(iso_cat "$out" "$f" | md5sum | cut -d' ' -f1)
    grep -q "^$want  \.$f\$" "$T/md5sum.txt" || fail "md5sum.txt has no correct line for $f"
done

# manifest agrees with xxhsum on the extracted bytes.
"$IMGBUILD" manifest "$out" >"$T/manifest"
want=$(iso_cat "$out" /isolinux/isolinux.cfg | xxhsum -H2 | cut -d' ' -f1)
grep -q "^$want  [0-9]*  /isolinux/isolinux.cfg\$" "$T/manifest" || fail "manifest hash of isolinux.cfg differs from xxhsum"

# inspect reports the same build id; diff base vs out lists the changes and exits 1.
"$IMGBUILD" inspect "$out" >"$T/inspect"
grep -q "build id:     $id" "$T/inspect" || fail "inspect does not report the build id"
grep -q "isolinux 'imgbuild': /install.386/vmlinuz + /install.386/initrd.gz (i386) \[unattended\]" "$T/inspect" ||
    fail "inspect does not show the unattended entry"
"$IMGBUILD" inspect --json "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["build_id"]' ||
    fail "inspect --json is not valid JSON with a build id"
expect_status 1 "$IMGBUILD" diff "$base" "$out"
grep -q '^added  /imgbuild/build-id' "$T/last.out" || fail "diff does not list the build id as added"
grep -q '^changed  /install.386/initrd.gz' "$T/last.out" || fail "diff does not list the initrd as changed"
grep -q 'el_torito' "$T/last.out" && fail "diff reports a boot setup change that did not happen"
expect_status 0 "$IMGBUILD" diff "$out" "$out"
