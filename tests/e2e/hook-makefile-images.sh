#!/usr/bin/env bash
# labels: e2e hook
# timeout: 120
# Makefile.images without the internet: the one-line message when the mirror cannot be
# reached; the download path against a local HTTP server (checksum files fetched and
# checked, a corrupted ISO refused and never renamed into place); ETCH_BASE_ISO=path uses
# a local copy with no download; the build/verify command lines; OUT/IMGBUILD honoured.
source "$(dirname "$0")/prelude.sh"
cd "$IMGBUILD_SOURCE_DIR"
mk() { make --no-print-directory -f Makefile.images CACHE="$T/cache" OUT="$T/out" IMGBUILD=/bin/true "$@"; }

# 1. No route to the mirror (a closed local port stands in for "no internet").
rc=0; mk fetch-etch-base ETCH_MIRROR=http://127.0.0.1:9/iso-cd >"$T/out1" 2>"$T/err1" || rc=$?
[[ $rc -ne 0 ]] || fail "fetch without a reachable mirror succeeded"
[[ $(grep -c '^Makefile.images:' "$T/err1") -eq 1 ]] || { cat "$T/err1" >&2; fail "expected one Makefile.images: line"; }
grep -q '^Makefile.images: cannot reach http://127.0.0.1:9/iso-cd (no internet?): .*ETCH_BASE_ISO=/path/to/debian-40r9-i386-netinst.iso' "$T/err1" ||
    { cat "$T/err1" >&2; fail "no clear no-internet message"; }
[[ ! -e $T/cache/etch-4.0r9-i386/debian-40r9-i386-netinst.iso ]] || fail "an ISO appeared without a download"

# 2. A local mirror: fake ISO + MD5SUMS + SHA1SUMS (no SHA256SUMS/SHA512SUMS, as on old archives).
www=$T/www; mkdir -p "$www"
head -c 300000 /dev/urandom >"$www/debian-40r9-i386-netinst.iso"
(cd "$www" && md5sum debian-40r9-i386-netinst.iso >MD5SUMS && sha1sum debian-40r9-i386-netinst.iso >SHA1SUMS)
echo "0123 other.iso" >>"$www/SHA1SUMS"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$www" >"$T/http.log" 2>&1 &
server=$!
trap 'st=$?; kill $server 2>/dev/null; set +e; (exit $st); _prelude_exit' EXIT
port=
for _ in $(seq 50); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/http.log" | head -1)
    [[ -n $port ]] && break
    sleep 0.1
done
[[ -n $port ]] || fail "local HTTP server did not start"
mirror=http://127.0.0.1:$port

mk fetch-etch-base ETCH_MIRROR="$mirror" >"$T/out2" 2>&1 || { cat "$T/out2" >&2; fail "download from the local mirror failed"; }
iso=$T/cache/etch-4.0r9-i386/debian-40r9-i386-netinst.iso
cmp -s "$iso" "$www/debian-40r9-i386-netinst.iso" || fail "downloaded ISO differs"
grep -q 'MD5SUMS ok' "$T/out2" && grep -q 'SHA1SUMS ok' "$T/out2" || { cat "$T/out2" >&2; fail "checksums not both verified"; }
[[ -f $T/cache/etch-4.0r9-i386/SHA1SUMS && ! -e $T/cache/etch-4.0r9-i386/SHA256SUMS ]] || fail "checksum files not kept as published"
# Already there: nothing is downloaded again.
mk fetch-etch-base ETCH_MIRROR="$mirror" >"$T/out3" 2>&1 || fail "second fetch failed"
grep -q downloading "$T/out3" && fail "the ISO was downloaded twice"

# 3. A corrupted download is refused and not renamed into place.
rm -rf "$T/cache"
cp "$www/debian-40r9-i386-netinst.iso" "$T/good.iso"
printf 'x' | dd of="$www/debian-40r9-i386-netinst.iso" bs=1 seek=1000 conv=notrunc 2>/dev/null
rc=0; mk fetch-etch-base ETCH_MIRROR="$mirror" >"$T/out4" 2>"$T/err4" || rc=$?
[[ $rc -ne 0 ]] || fail "a corrupted ISO was accepted"
grep -q 'does not match MD5SUMS' "$T/err4" || { cat "$T/err4" >&2; fail "no checksum mismatch message"; }
[[ ! -e $iso ]] || fail "the corrupted ISO was renamed into place"

# 4. ETCH_BASE_ISO=path: no download, that file is the base; the full build/verify commands.
mk -n pe2950-etch-vmware.iso verify-pe2950-etch-vmware ETCH_BASE_ISO="$T/good.iso" ETCH_MIRROR=http://127.0.0.1:9/x >"$T/plan"
grep -Eq 'wget|curl' "$T/plan" && fail "ETCH_BASE_ISO set but the plan downloads"
want_build="/bin/true build $T/good.iso -o $T/out/pe2950-etch-vmware.iso --preseed preseed/etch-pe2950-vmware.cfg --cdrom-overlay overlays/pe2950-drac5/cdrom --target-overlay overlays/pe2950-drac5/target --arch i386 --memtest"
tr -d '\\\n' <"$T/plan" | tr -s ' ' | grep -qF "$want_build" || { cat "$T/plan" >&2; fail "build command line differs from: $want_build"; }
grep -qxF "/bin/true verify $T/out/pe2950-etch-vmware.iso --machine pe2950 --stage boot" "$T/plan" || { cat "$T/plan" >&2; fail "verify command line"; }

# 5. demo: the fixture, then the flagship profile on it.
mk -n demo >"$T/demo"
grep -qF "tests/fixtures/make-base-iso.sh etch-i386 $T/out/etch-i386-fixture.iso" "$T/demo" || { cat "$T/demo" >&2; fail "demo does not build the etch-i386 fixture"; }
tr -d '\\\n' <"$T/demo" | tr -s ' ' | grep -qF "/bin/true build $T/out/etch-i386-fixture.iso -o $T/out/pe2950-etch-vmware-demo.iso --preseed preseed/etch-pe2950-vmware.cfg" ||
    { cat "$T/demo" >&2; fail "demo does not build the flagship profile from the fixture"; }

# 6. A missing imgbuild binary is named clearly.
rc=0; make --no-print-directory -f Makefile.images OUT="$T/out" IMGBUILD="$T/nope/imgbuild" ETCH_BASE_ISO="$T/good.iso" \
    pe2950-etch-vmware.iso >/dev/null 2>"$T/err6" || rc=$?
[[ $rc -ne 0 ]] && grep -q "$T/nope/imgbuild not found" "$T/err6" || { cat "$T/err6" >&2; fail "missing IMGBUILD not reported"; }
