#!/usr/bin/env bash
# labels: e2e build
# timeout: 300
# Hostile or damaged base images: directory records that loop (a directory containing
# itself) or point past the end of the image, and a boot menu over 1 MB. `inspect` and
# `build` must answer with one line naming the image, exit 2, within a bounded time, and
# write nothing.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso modern-amd64)
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
mkdir -p "$T/out"

# expect_rejected IMAGE REGEX: inspect and build both fail cleanly on IMAGE.
expect_rejected() {
    local image=$1 regex=$2
    for command in inspect build; do
        local args=("$command" "$image")
        [[ $command == build ]] && args+=(-o "$T/out/x.iso" --preseed "$T/p.cfg" --quiet)
        # timeout: a hang is a failure (status 124), not a stalled test.
        expect_status 2 timeout 60 "$IMGBUILD" "${args[@]}"
        [[ $(error_line_count "$T/last.err") -eq 1 ]] || { cat "$T/last.err" >&2; fail "$command $image: error is not one line"; }
        grep -qF -- "$image" "$T/last.err" || { cat "$T/last.err" >&2; fail "$command: error does not name $image"; }
        expect_stderr_match "$regex"
        [[ -z $(ls -A "$T/out") ]] || { ls -la "$T/out" >&2; fail "$command $image wrote into the output directory"; }
    done
}

# The fixture itself is fine (the checks below are about the damage, not the disc).
expect_status 0 timeout 60 "$IMGBUILD" inspect "$base"

for mode in loop past-end root-past-end; do
    cp "$base" "$T/$mode.iso"
    python3 "$IMGBUILD_SOURCE_DIR/tests/fuzz/damage-iso.py" "$mode" "$T/$mode.iso"
    expect_rejected "$T/$mode.iso" 'damaged|loop|extent|[Tt]runcated'
    rm -f "$T/$mode.iso"
done

# A boot menu of 1.5 MB is not a menu: refused, naming the file on the disc.
mkdir -p "$T/tree/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin "$T/tree/isolinux/"
{
    printf 'default install\nlabel install\n  kernel /install.amd/vmlinuz\n  append initrd=/install.amd/initrd.gz ---\n'
    head -c 1600000 /dev/zero | tr '\0' '#'
    echo
} >"$T/tree/isolinux/isolinux.cfg"
xorriso -as mkisofs -quiet -R -V BIGMENU -o "$T/bigmenu.iso" -b isolinux/isolinux.bin \
    -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table "$T/tree" 2>/dev/null
expect_rejected "$T/bigmenu.iso" '/isolinux/isolinux.cfg.* bytes, more than'
