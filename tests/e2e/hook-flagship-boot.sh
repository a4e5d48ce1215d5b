#!/usr/bin/env bash
# labels: e2e hook qemu
# timeout: 900
# The flagship profile as `make -f Makefile.images demo` builds it (Etch-layout fixture,
# preseed/etch-pe2950-vmware.cfg, overlays/pe2950-drac5, --arch i386 --memtest) boots on
# the pe2950 machine (USB virtual CD + floppy ahead of the megasas disk) to the preseed's
# early_command, which reports this ISO's build id; and the disc carries the overlay.
# (A value the installer's loader mangles - e.g. printf '\n' in the early_command - shows
# up here as no preseed-loaded marker.)
source "$(dirname "$0")/prelude.sh"
cd "$IMGBUILD_SOURCE_DIR"

mkdir -p "$T/out"
cp "$(fixture_iso etch-i386)" "$T/out/etch-i386-fixture.iso"   # newer than make-base-iso.sh: not rebuilt
make --no-print-directory -f Makefile.images demo OUT="$T/out" IMGBUILD="$IMGBUILD" >"$T/make.log" 2>&1 ||
    { cat "$T/make.log" >&2; fail "make demo failed"; }
iso=$T/out/pe2950-etch-vmware-demo.iso
id=$(iso_cat "$iso" /imgbuild/build-id | tr -d '\n')
[[ $id =~ ^[0-9a-f]{32}$ ]] || fail "no build id on the disc"
for f in /README.txt /imgbuild/target/usr/local/lib/imgbuild/choose-disk.sh \
    /imgbuild/target/usr/local/lib/imgbuild/late-command.sh /imgbuild/target/usr/local/lib/imgbuild/firstboot.sh \
    /imgbuild/target/usr/local/lib/imgbuild/imgbuild-firstboot.init /imgbuild/target/usr/local/lib/imgbuild/imgbuild-firstboot.service; do
    iso_ls "$iso" | grep -qxF "$f" || fail "$f missing from the disc"
done
iso_cat "$iso" /isolinux/isolinux.cfg | grep -qi memtest || fail "no memtest86+ entry in isolinux.cfg (--memtest)"

start=$SECONDS
expect_status 0 "$IMGBUILD" verify "$iso" --machine pe2950 --stage boot --timeout 600 --log "$T/log"
cat "$T/last.out"
grep -aq "IMGBUILD:preseed-loaded:$id" "$T/log/serial.log" || fail "preseed-loaded marker with this build id not in the serial log"
echo "flagship demo on pe2950: stage boot after $((SECONDS - start)) s"
