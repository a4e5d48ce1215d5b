#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e build
# timeout: 900
# cost: 120
# build --layout append against --layout compact on the Etch i386 and the Debian 12
# BIOS+UEFI isohybrid fixtures (and the 3-in-1 and grub2-only layouts): the same files,
# contents and boot setup to every reader; the base's bytes kept as they were after the
# first 64 KiB (only a new session written after them); the new boot catalog naming the
# new session's boot-info-patched BIOS image and the base's untouched EFI image; the MBR
# and GPT spanning the grown image with the backup GPT header at its new end; md5sum.txt
# right; xorriso -check_media and isoinfo clean; append builds bit-reproducible whatever
# the clock, time zone, umask or working directory.
source "$(dirname "$0")/prelude.sh"

printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
mkdir -p "$T/overlay/tools"
echo hello >"$T/overlay/tools/hello.txt"

build() { # BASE OUT LAYOUT [args...]
    local base=$1 out=$2 layout=$3
    shift 3
    expect_status 0 "$IMGBUILD" build "$base" -o "$out" --layout "$layout" --preseed "$T/p.cfg" \
        --cdrom-overlay "$T/overlay" --quiet "$@"
}

# The PVD's volume space size in 2048-byte blocks (ECMA-119 8.4.8, both-endian: LE half).
volume_blocks() { od -An -tu4 -j $((16 * 2048 + 80)) -N4 "$1" | tr -d ' '; }

# File listing without block addresses: names, modes, owners, sizes, dates.
listing() { xorriso -report_about FAILURE -indev "$1" -find / -exec lsdl 2>/dev/null; }

# The ISO paths whose bytes hold block addresses of their own image: the boot catalog and
# every El Torito image with a boot-info table. They differ between the layouts.
address_holders() {
    local report
    report=$(report_el_torito "$1")
    sed -n 's/^El Torito cat path : //p' <<<"$report"
    local n
    for n in $(sed -n 's/^El Torito img opts : *\([0-9]*\) .*boot-info-table.*/\1/p' <<<"$report"); do
        sed -n "s/^El Torito img path : *$n *//p" <<<"$report"
    done
}

# The boot-info table of the BIOS image at LBA (isolinux/GRUB: bytes 8-15, LE): bi_pvd,
# bi_file. bi_file must be the image's own block; bi_pvd a primary volume descriptor
# with the root directory of the volume (libisofs names the new session's own copy of
# the descriptors when it grows an image: same root, its volume size the session's).
check_boot_info() { # NAME ISO LBA
    local pvd file
    read -r pvd file < <(od -An -tu4 -j $(($3 * 2048 + 8)) -N8 "$2")
    [[ $file -eq $3 ]] || fail "$1: boot-info table of the image at $3 names block $file"
    [[ $(dd if="$2" bs=2048 skip="$pvd" count=1 status=none | head -c 6 | od -An -c | tr -d ' ') == '001CD001' ]] ||
        fail "$1: boot-info table of the image at $3 names block $pvd, not a PVD"
    cmp -s <(dd if="$2" bs=1 skip=$((pvd * 2048 + 156)) count=34 status=none) \
        <(dd if="$2" bs=1 skip=$((16 * 2048 + 156)) count=34 status=none) ||
        fail "$1: the PVD at $pvd (boot-info table) has another root directory than block 16's"
}

# inspect's report, block addresses and sizes of the boot report aside (they differ
# between the layouts; boot_shape compares what they mean).
inspect_shape() {
    "$IMGBUILD" inspect "$1" | sed 1d | sed -E '/^  (El Torito|ISO image size|MBR partition|GPT)/{s/[0-9]+/N/g;s/ +/ /g}'
}

check_layouts() { # NAME BASE [build args...]
    local name=$1 base=$2 compact=$T/$1-compact.iso append=$T/$1-append.iso
    shift 2
    build "$base" "$compact" compact "$@"
    build "$base" "$append" append "$@"

    # The same disc to every reader: files, contents, boot setup.
    diff <(listing "$compact") <(listing "$append") || fail "$name: file listings differ"
    local holders
    holders=$(address_holders "$append" | sort -u)
    [[ $holders == "$(address_holders "$compact" | sort -u)" ]] || fail "$name: boot images differ"
    drop() { grep -vF -f <(sed 's/.*/  &/' <<<"$holders"); }
    diff <("$IMGBUILD" manifest "$compact" | drop) <("$IMGBUILD" manifest "$append" | drop) ||
        fail "$name: manifests differ beyond the boot catalog and boot-info images"
    # imgbuild diff: only the address holders' bytes and the image's size (system area).
    "$IMGBUILD" diff "$compact" "$append" >"$T/diff.txt" && fail "$name: diff sees no difference at all"
    grep -Ev '^boot  system_area  ' "$T/diff.txt" | grep -vE "^changed  ($(paste -sd'|' <<<"$holders"))  ([0-9]+) -> \2 bytes$" && fail "$name: diff between the layouts: above"
    diff <(boot_shape "$base") <(boot_shape "$append") || fail "$name: append changed the boot setup"
    diff <(boot_shape "$compact") <(boot_shape "$append") || fail "$name: boot setups of the layouts differ"
    diff <(inspect_shape "$compact") <(inspect_shape "$append") || fail "$name: inspect differs"

    # Grown: past the first 64 KiB (system area, volume descriptors) the base's volume is
    # there byte for byte, the new session after it.
    local base_bytes=$(($(volume_blocks "$base") * 2048))
    cmp -n $((base_bytes - 65536)) <(tail -c +65537 "$base") <(tail -c +65537 "$append") ||
        fail "$name: the base's bytes were rewritten"
    (($(volume_blocks "$append") > $(volume_blocks "$base"))) || fail "$name: no session grown after the base"

    # The new catalog and each boot-info image are in the new session, the table right.
    local report cat_lba lba
    report=$(report_el_torito "$append")
    cat_lba=$(sed -n 's/^El Torito catalog  : *\([0-9]*\) .*/\1/p' <<<"$report")
    ((cat_lba * 2048 >= base_bytes)) || fail "$name: the boot catalog (block $cat_lba) is not the new session's"
    while read -r n lba; do
        if sed -n "s/^El Torito img opts : *$n //p" <<<"$report" | grep -q boot-info-table; then
            ((lba * 2048 >= base_bytes)) || fail "$name: boot image $n (block $lba) was patched in the base's bytes"
            check_boot_info "$name" "$append" "$lba"
        fi
    done < <(sed -n 's/^El Torito boot img : *\([0-9]*\) .* \([0-9]*\)$/\1 \2/p' <<<"$report")
    xorriso -report_about FAILURE -indev "$append" -check_media what=image -- >"$T/check.txt" 2>&1 ||
        { cat "$T/check.txt"; fail "$name: -check_media failed"; }
    # The whole volume, read block by block, in one good region (the 300 KB of padding
    # after it is not part of the volume: "untested").
    grep -Eq "^Media region : +0 , +$(volume_blocks "$append") , \+ good" "$T/check.txt" ||
        { cat "$T/check.txt"; fail "$name: -check_media did not find the whole volume good"; }
    isoinfo -d -i "$append" >"$T/isoinfo-d.txt" || fail "$name: isoinfo -d failed"
    grep -q "^Volume size is: $(volume_blocks "$append")\$" "$T/isoinfo-d.txt" || fail "$name: isoinfo sees another volume size"
    grep -q 'El Torito' "$T/isoinfo-d.txt" || fail "$name: isoinfo sees no El Torito record"
    isoinfo -R -l -i "$append" >/dev/null 2>"$T/isoinfo-l.err" || fail "$name: isoinfo -l failed"
    [[ ! -s $T/isoinfo-l.err ]] || { cat "$T/isoinfo-l.err"; fail "$name: isoinfo -l complained"; }
    diff <(isoinfo -R -f -i "$compact" | sort) <(isoinfo -R -f -i "$append" | sort) || fail "$name: isoinfo trees differ"

    # md5sum.txt names the bytes of the append image's files.
    if iso_ls "$append" | grep -qx /md5sum.txt; then
        rm -rf "$T/tree"
        xorriso -report_about FAILURE -indev "$append" -osirrox on -extract / "$T/tree" >/dev/null 2>&1
        # A boot-info image's bytes are patched when the image is written, after md5sum.txt
        # was made (the base's own line for it is wrong too): checked in neither layout.
        (cd "$T/tree" && grep -vF -f <(sed 's|^/|  ./|' <<<"$holders") md5sum.txt | md5sum --quiet -c) ||
            fail "$name: md5sum.txt is wrong in the append image"
        chmod -R u+w "$T/tree"
        rm -rf "$T/tree"
    fi
    rm -f "$compact"
}

check_layouts etch-i386 "$(fixture_iso etch-i386)"
check_layouts etch-multiarch "$(fixture_iso etch-multiarch)" --arch i386
check_layouts grub2-only "$(fixture_iso grub2-only)"
modern=$(fixture_iso modern-amd64)
check_layouts modern "$modern"

# isohybrid: the MBR's and the GPT's idea of the disk is the grown image, the backup GPT
# header at its end; the EFI partition is still the base's efi.img.
report=$(report_el_torito "$T/modern-append.iso")
size512=$(sed -n 's/^ISO image size\/512 : *//p' <<<"$report")
[[ $size512 -eq $(($(volume_blocks "$T/modern-append.iso") * 4)) ]] || fail "modern: ISO size/512 $size512 is not the grown volume"
last=$(awk '/^GPT lba range/ { print $NF }' <<<"$report")  # the backup header's block
[[ $last -eq $((size512 - 1)) ]] || fail "modern: backup GPT header at $last, not at the end ($((size512 - 1)))"
(($(stat -c %s "$T/modern-append.iso") >= size512 * 512)) || fail "modern: file shorter than the GPT says"
dd if="$T/modern-append.iso" bs=512 skip="$last" count=1 status=none | head -c 8 | grep -q 'EFI PART' ||
    fail "modern: no GPT header at block $last"
grep -Eq '^MBR partition +: +1 +0x80 +0x00 +0 +'"$size512"'$' <<<"$report" || fail "modern: MBR partition 1 does not span the grown image"
grep -q '^GPT partition path : *2 */boot/grub/efi.img$' <<<"$report" || fail "modern: GPT partition 2 is not efi.img"
cmp <(iso_cat "$modern" /boot/grub/efi.img) <(iso_cat "$T/modern-append.iso" /boot/grub/efi.img) || fail "modern: efi.img changed"

# Reproducible whatever the clock, time zone, umask or working directory.
(
    cd /
    umask 077
    faketime -f '+3d' env TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 \
        "$IMGBUILD" build "$modern" -o "$T/again.iso" --layout append --preseed "$T/p.cfg" --cdrom-overlay "$T/overlay" --quiet
) || fail "second append build failed"
cmp "$T/modern-append.iso" "$T/again.iso" || fail "append builds differ under another TZ/clock/umask"
rm -f "$T/again.iso"

echo "build-append: all layouts agree"
