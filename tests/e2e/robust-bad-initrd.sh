#!/usr/bin/env bash
# labels: e2e build
# timeout: 120
# An installer initrd that is not gzip/xz/zstd/cpio (random bytes, empty, a text
# file, lz4) on an otherwise good disc: build gives one line naming DISC:/path/of/initrd, exit
# 2, and writes nothing. A gzip initrd on the same disc builds (the disc is fine).
source "$(dirname "$0")/prelude.sh"

printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
mkdir -p "$T/out"

# make_disc NAME: a bootable disc whose isolinux menu boots /install.amd/vmlinuz with
# $T/initrd as /install.amd/initrd.gz.
make_disc() {
    rm -rf "$T/tree"
    mkdir -p "$T/tree/isolinux" "$T/tree/install.amd"
    cp /usr/lib/ISOLINUX/isolinux.bin "$T/tree/isolinux/"
    printf 'default install\nlabel install\n  kernel /install.amd/vmlinuz\n  append initrd=/install.amd/initrd.gz --- quiet\n' \
        >"$T/tree/isolinux/isolinux.cfg"
    head -c 4096 /dev/urandom >"$T/tree/install.amd/vmlinuz"
    cp "$T/initrd" "$T/tree/install.amd/initrd.gz"
    xorriso -as mkisofs -quiet -R -V "$1" -o "$T/$1.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
        -no-emul-boot -boot-load-size 4 -boot-info-table "$T/tree" 2>/dev/null
}

expect_refused() {
    local name=$1 regex=$2
    make_disc "$name"
    expect_status 2 timeout 60 "$IMGBUILD" build "$T/$name.iso" -o "$T/out/x.iso" --preseed "$T/p.cfg" --quiet
    [[ $(error_line_count "$T/last.err") -eq 1 ]] || { cat "$T/last.err" >&2; fail "$name: error is not one line"; }
    grep -qF "$T/$name.iso:/install.amd/initrd.gz" "$T/last.err" || { cat "$T/last.err" >&2; fail "$name: error does not name the initrd"; }
    expect_stderr_match "$regex"
    [[ -z $(ls -A "$T/out") ]] || { ls -la "$T/out" >&2; fail "$name: something was written"; }
}

head -c 100000 /dev/urandom | sed '1s/^\(\x1f\|\xfd\|\x28\|0\|\x02\|\x04\|B\)/X/' >"$T/initrd"
expect_refused random 'not an initrd'
: >"$T/initrd"
expect_refused empty 'initrd'
printf 'DEFAULT linux\n# a text file where the initrd should be\n' >"$T/initrd"
expect_refused text 'not an initrd'
command -v lz4 >/dev/null || fail "lz4 not installed (scripts/install-deps.sh)"
(cd "$T" && echo p.cfg | cpio -o -H newc --quiet) | lz4 -l -q >"$T/initrd"
expect_refused lz4 'lz4'

# Control: a gzip newc initrd on the same kind of disc builds.
(cd "$T" && echo p.cfg | cpio -o -H newc --quiet) | gzip -9n >"$T/initrd"
make_disc good
expect_status 0 "$IMGBUILD" build "$T/good.iso" -o "$T/out/x.iso" --preseed "$T/p.cfg" --quiet
[[ -s $T/out/x.iso ]] || fail "the good disc gave no output"
