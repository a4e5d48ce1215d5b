#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e
# timeout: 300
# cost: 15
# inspect shows the UEFI Secure Boot chain of a disc, and build keeps it. The disc is made
# here: an El Torito EFI image (FAT, mkfs.vfat + mcopy) and an /EFI tree holding Debian's
# signed shim (bootnetx64.efi: Microsoft's signatures), Debian's signed GRUB and the
# signed Debian 12 installer kernel (all from debian-installer-12-netboot-amd64), an
# unsigned EFI program (memtest86+), one signed here with a throwaway key (sbsign) and a
# copy of it changed after signing. Every answer of `inspect --json` (signed or not, each
# signature's certificates, signer and signer issuers, digest intact or not) is checked
# against sbverify and openssl on the same files extracted with xorriso and mtools; a
# damaged EFI image is reported as such, the rest of the disc still described. Then
# `build --memtest` on that disc: the EFI image and every EFI program and kernel of the
# base are on the output byte for byte, the memtest entry says it is refused under Secure
# Boot, and the Secure Boot notices appear (memtest, an overlay replacing a signed EFI
# program, unsigned kernel modules in the target overlay); on an unsigned base, none.
source "$(dirname "$0")/prelude.sh"

di=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
for f in "$di/bootnetx64.efi" "$di/grubx64.efi" "$di/linux" /boot/memtest86+x64.efi; do
    [[ -r $f ]] || skip "$f missing (debian-installer-12-netboot-amd64, memtest86+: scripts/install-deps.sh)"
done
for tool in sbverify sbsign sbattach mkfs.vfat mcopy jq xorriso openssl cpio; do
    command -v "$tool" >/dev/null || skip "$tool not installed (scripts/install-deps.sh)"
done
export MTOOLS_SKIP_CHECK=1

# ------------------------------------------------------------------ the discs
openssl req -new -x509 -newkey rsa:2048 -nodes -days 30 -sha256 -subj '/O=imgbuild e2e/CN=imgbuild e2e signer' \
    -keyout "$T/test.key" -out "$T/test.crt" 2>/dev/null
sbsign --key "$T/test.key" --cert "$T/test.crt" --output "$T/test-signed.efi" /boot/memtest86+x64.efi 2>/dev/null
cp "$T/test-signed.efi" "$T/tampered.efi"
printf 'X' | dd of="$T/tampered.efi" bs=1 seek=70000 conv=notrunc 2>/dev/null

make_disc() { # OUT LOADER: LOADER is the EFI image's bootx64.efi
    local root=$T/root-$(basename "$1" .iso)
    mkdir -p "$root/boot/grub" "$root/EFI/boot" "$root/EFI/test" "$root/install.amd" "$root/.disk" "$T/initrd"
    cp "$di/bootnetx64.efi" "$root/EFI/boot/bootx64.efi"
    cp "$di/grubx64.efi" "$root/EFI/boot/grubx64.efi"
    cp "$T/test-signed.efi" "$root/EFI/test/signed.efi"
    cp "$T/tampered.efi" "$root/EFI/test/tampered.efi"
    cp "$di/linux" "$root/install.amd/vmlinuz"
    echo init >"$T/initrd/init"
    (cd "$T/initrd" && echo init | cpio -o -H newc --quiet | gzip -n) >"$root/install.amd/initrd.gz"
    printf '%s' 'Debian GNU/Linux 12.0.0 "Bookworm" - imgbuild Secure Boot test disc' >"$root/.disk/info"
    cat >"$root/boot/grub/grub.cfg" <<'CFG'
menuentry 'Install' {
    linux    /install.amd/vmlinuz vga=788 --- quiet
    initrd   /install.amd/initrd.gz
}
CFG
    mkfs.vfat -C --invariant -n EFIBOOT "$root/boot/grub/efi.img" 8192 >/dev/null
    mmd -i "$root/boot/grub/efi.img" ::/EFI ::/EFI/boot ::/EFI/tools
    mcopy -i "$root/boot/grub/efi.img" "$2" ::/EFI/boot/bootx64.efi
    mcopy -i "$root/boot/grub/efi.img" "$di/grubx64.efi" ::/EFI/boot/grubx64.efi
    mcopy -i "$root/boot/grub/efi.img" /boot/memtest86+x64.efi ::/EFI/tools/memtest.efi
    xorriso -report_about FAILURE -as mkisofs -r -J -V SBTEST -o "$1" \
        -e boot/grub/efi.img -no-emul-boot "$root" 2>/dev/null
}
make_disc "$T/signed.iso" "$di/bootnetx64.efi"
make_disc "$T/unsigned.iso" /boot/memtest86+x64.efi

# ------------------------------------------------------------------ inspect against sbverify
expect_status 0 "$IMGBUILD" inspect --json "$T/signed.iso"
cp "$T/last.out" "$T/inspect.json"
jq -e '.secure_boot.efi_image == "/boot/grub/efi.img" and .secure_boot.loader_signed == true' "$T/inspect.json" \
    >/dev/null || fail "inspect: no signed EFI image found"

# Every file inspect should have looked at, independently listed: the FAT image's *.efi
# (mdir) and the ISO's /EFI/**.efi (xorriso), plus the menu's kernel.
xorriso -report_about FAILURE -indev "$T/signed.iso" -osirrox on -extract / "$T/tree" >/dev/null 2>&1
mkdir -p "$T/fat"
mcopy -s -i "$T/tree/boot/grub/efi.img" ::/EFI "$T/fat/"
{
    (cd "$T/fat" && find EFI -name '*.efi' | sed 's|^|/boot/grub/efi.img:/|')
    (cd "$T/tree" && find EFI -name '*.efi' | sed 's|^|/|')
    echo /install.amd/vmlinuz
} | sort >"$T/expected-files"
jq -r '.secure_boot.efi_binaries[] | (if .image then .image + ":" + .path else .path end)' "$T/inspect.json" |
    sort >"$T/inspected-files"
diff "$T/expected-files" "$T/inspected-files" || fail "inspect did not list exactly the disc's EFI programs and kernel"

# sbverify --list, reduced to one line per signature and certificate; the same from inspect.
sbverify_lines() {
    sbverify --list "$1" 2>/dev/null | awk '
        /^signature [0-9]+$/ { sig = $2; next }
        /^image signature issuers:/ { mode = "issuer"; next }
        /^image signature certificates:/ { mode = "cert"; next }
        mode == "issuer" && /^ - / { print sig " signer-issuer " substr($0, 4); next }
        mode == "cert" && /^ - subject: / { subject = substr($0, 13); next }
        mode == "cert" && /^   issuer:  / { print sig " cert " subject " | " substr($0, 13) }'
}
checked=0
while IFS="|" read -r image path kind; do
    where=$path
    if [[ -n $image ]]; then
        file=$T/fat$path
        where=$image:$path
    else
        file=$T/tree$path
    fi
    [[ -f $file ]] || fail "$where: not extracted"
    sel=".secure_boot.efi_binaries[] | select(.path == \"$path\" and (.image // \"\") == \"$image\")"
    jq -r "$sel | .signatures | to_entries[] | (.key + 1 | tostring) as \$n |
           (.value.signer_issuers[] | \$n + \" signer-issuer \" + .),
           (.value.certificates[] | \$n + \" cert \" + .subject + \" | \" + .issuer)" "$T/inspect.json" >"$T/ours"
    sbverify_lines "$file" >"$T/theirs"
    diff "$T/theirs" "$T/ours" || fail "$where: inspect's signatures differ from sbverify --list"
    signed=$(jq -r "$sel | .signed" "$T/inspect.json")
    if sbverify --list "$file" 2>&1 | grep -q 'No signature table present'; then
        [[ $signed == false ]] || fail "$where: inspect says signed, sbverify finds no signature"
        checked=$((checked + 1))
        continue
    fi
    [[ $signed == true ]] || fail "$where: inspect says not signed, sbverify lists signatures"
    # The signer of the first signature: its certificate, given alone to sbverify, verifies
    # the file exactly when inspect says the signed digest is the file's.
    sbattach --detach "$T/sig.p7" "$file" >/dev/null 2>&1
    rm -f "$T"/cert-*.pem
    openssl pkcs7 -inform DER -in "$T/sig.p7" -print_certs | awk -v d="$T" '/BEGIN/{n++} n{print > (d "/cert-" n ".pem")}'
    signer=$(jq -r "$sel | .signatures[0].signer.subject + \" | \" + .signatures[0].signer.issuer" "$T/inspect.json")
    signer_pem=""
    for pem in "$T"/cert-*.pem; do
        name=$(openssl x509 -in "$pem" -noout -subject -nameopt compat | sed 's/^subject=//')
        name+=" | "$(openssl x509 -in "$pem" -noout -issuer -nameopt compat | sed 's/^issuer=//')
        [[ $name == "$signer" ]] && signer_pem=$pem
    done
    [[ -n $signer_pem ]] || fail "$where: inspect's signer '$signer' is not a certificate of the signature"
    # The signer's issuer is the one the signer info names (sbverify's "issuers" line).
    grep -qxF "1 signer-issuer ${signer#* | }" "$T/theirs" || fail "$where: signer '$signer' is not the one the signer info names"
    matches=$(jq -r "$sel | .signatures[0].digest_matches" "$T/inspect.json")
    if sbverify --cert "$signer_pem" "$file" >/dev/null 2>&1; then sb=true; else sb=false; fi
    [[ $matches == "$sb" ]] || fail "$where: inspect says digest_matches=$matches, sbverify --cert its signer says $sb"
    checked=$((checked + 1))
done < <(jq -r '.secure_boot.efi_binaries[] | [(.image // ""), .path, .kind] | join("|")' "$T/inspect.json")
[[ $checked -eq 8 ]] || fail "checked $checked binaries, expected 8"

# What the disc is known to hold, named: the test key's signer, Debian's and Microsoft's.
want() { jq -e "$1" "$T/inspect.json" >/dev/null || fail "inspect: expected $1"; }
want '.secure_boot.efi_binaries[] | select(.path == "/EFI/test/signed.efi") | .signatures[0] |
      .signer.subject == "/O=imgbuild e2e/CN=imgbuild e2e signer" and .digest_matches == true'
want '.secure_boot.efi_binaries[] | select(.path == "/EFI/test/tampered.efi") | .signatures[0].digest_matches == false'
want '.secure_boot.efi_binaries[] | select(.kind == "kernel") | .signatures[0].signer.subject ==
      "/CN=Debian Secure Boot Signer 2022 - linux"'
want '[.secure_boot.efi_binaries[] | select(.path == "/EFI/boot/bootx64.efi") | .signatures[0].signer.subject] ==
      ["/C=US/ST=Washington/L=Redmond/O=Microsoft Corporation/CN=Microsoft Windows UEFI Driver Publisher",
       "/C=US/ST=Washington/L=Redmond/O=Microsoft Corporation/CN=Microsoft Windows UEFI Driver Publisher"]'
want '.secure_boot.efi_binaries[] | select(.path == "/EFI/tools/memtest.efi") | .signed == false'
expect_status 0 "$IMGBUILD" inspect "$T/signed.iso"
grep -qF '/EFI/test/tampered.efi: signed by /O=imgbuild e2e/CN=imgbuild e2e signer' "$T/last.out" ||
    fail "inspect's text does not name the signer"
grep -qF 'DIGEST MISMATCH' "$T/last.out" || fail "inspect's text does not say the tampered file changed"

# A damaged EFI image (cut after its boot sector) is said to be unreadable; the rest of
# the disc is still described.
cp -a "$T/root-signed" "$T/root-broken"
truncate -s 1024 "$T/root-broken/boot/grub/efi.img"
xorriso -report_about FAILURE -as mkisofs -r -J -V SBTEST -o "$T/broken.iso" \
    -e boot/grub/efi.img -no-emul-boot "$T/root-broken" 2>/dev/null
expect_status 0 "$IMGBUILD" inspect --json "$T/broken.iso"
jq -e '(.secure_boot.efi_image_error | test("truncated")) and .secure_boot.loader_signed == false and
       ([.secure_boot.efi_binaries[] | select(.kind == "kernel") | .signed] == [true])' "$T/last.out" >/dev/null ||
    { jq .secure_boot "$T/last.out" >&2; fail "inspect of a disc with a damaged EFI image"; }

# ------------------------------------------------------------------ build keeps the chain
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
mkdir -p "$T/cdrom/EFI/boot" "$T/target/lib/modules/6.1.0/updates"
cp /boot/memtest86+x64.efi "$T/cdrom/EFI/boot/grubx64.efi"
printf 'no signature\n' >"$T/target/lib/modules/6.1.0/updates/driver.ko"

expect_status 0 "$IMGBUILD" build "$T/signed.iso" -o "$T/out.iso" --preseed "$T/p.cfg" --memtest --quiet --json
cp "$T/last.out" "$T/build.json"
grep -q 'imgbuild: note: --memtest: the base boots under Secure Boot' "$T/last.err" || fail "no memtest notice on stderr"
jq -e '[.notices[] | select(test("memtest86\\+.s EFI program .* is not signed"))] | length == 1' "$T/build.json" \
    >/dev/null || fail "no memtest notice in --json"
xorriso -report_about FAILURE -indev "$T/out.iso" -osirrox on -extract / "$T/out" >/dev/null 2>&1
cmp "$T/tree/boot/grub/efi.img" "$T/out/boot/grub/efi.img" || fail "the EFI image changed"
for f in EFI/boot/bootx64.efi EFI/boot/grubx64.efi EFI/test/signed.efi install.amd/vmlinuz; do
    cmp "$T/tree/$f" "$T/out/$f" || fail "/$f changed"
done
mkdir -p "$T/out-fat"
mcopy -s -i "$T/out/boot/grub/efi.img" ::/EFI "$T/out-fat/"
diff -r "$T/fat" "$T/out-fat" || fail "the EFI image's files changed"
# The output's El Torito EFI entry still boots that image.
xorriso -indev "$T/out.iso" -report_el_torito plain 2>/dev/null | grep -q 'El Torito img path :   1  /boot/grub/efi.img' ||
    fail "the output's El Torito EFI entry is not /boot/grub/efi.img"
grep -qF 'if [ x$shim_lock = xy ]; then' "$T/out/boot/grub/grub.cfg" || fail "the memtest entry ignores Secure Boot"
expect_status 0 "$IMGBUILD" inspect --json "$T/out.iso"
jq -e '.secure_boot.loader_signed and ([.secure_boot.efi_binaries[] | select(.path == "/imgbuild/memtest86+x64.efi")
       | .signed] == [false])' "$T/last.out" >/dev/null || fail "inspect of the output: memtest not shown unsigned"

# An overlay replacing a signed EFI program, unsigned modules for the target: one note each.
expect_status 0 "$IMGBUILD" build "$T/signed.iso" -o "$T/overlay.iso" --preseed "$T/p.cfg" \
    --cdrom-overlay "$T/cdrom" --target-overlay "$T/target" --quiet
expect_stderr_match '^imgbuild: note: --cdrom-overlay replaces /EFI/boot/grubx64.efi, signed in the base.s Secure Boot chain, with a file that is not signed'
expect_stderr_match '^imgbuild: note: --target-overlay carries 1 kernel module\(s\) \(/imgbuild/target/lib/modules/6.1.0/updates/driver.ko\)'
[[ $(grep -c 'Secure Boot' "$T/last.err") -eq 2 ]] || { cat "$T/last.err"; fail "expected exactly two Secure Boot notes"; }

# The same on a base whose UEFI loader is not signed: nothing to warn about.
expect_status 0 "$IMGBUILD" build "$T/unsigned.iso" -o "$T/plain.iso" --preseed "$T/p.cfg" --memtest \
    --cdrom-overlay "$T/cdrom" --target-overlay "$T/target" --quiet
! grep -q 'Secure Boot' "$T/last.err" || { cat "$T/last.err"; fail "Secure Boot notes for an unsigned base"; }
