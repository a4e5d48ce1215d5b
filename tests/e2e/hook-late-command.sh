#!/usr/bin/env bash
# labels: e2e hook
# timeout: 120
# late-command.sh on a scratch tree shaped like an Etch install done with DRAC virtual
# media attached (PERC disk at /dev/sdc): fstab and menu.lst (486 and 686-bigmem kernels,
# kopt/groot) rewritten to UUID=/LABEL= and (hd0,0), bigmem default, device.map and
# grub-install by controller, OMSA and first-boot hook links. vol_id (Etch) and blkid
# (modern) stubs; a GRUB 2 + systemd tree; failure when / has no UUID. dash and busybox sh.
source "$(dirname "$0")/prelude.sh"
source "$IMGBUILD_SOURCE_DIR/tests/hook/fake-sys.sh"
overlay=$IMGBUILD_SOURCE_DIR/overlays/pe2950-drac5/target
fixtures=$IMGBUILD_SOURCE_DIR/tests/hook/etch
command -v busybox >/dev/null || fail "busybox not installed (scripts/install-deps.sh)"

ROOT_UUID=5f1e7c2a-0b3d-4e8f-9a61-2c4d8b7e9f10
SWAP_UUID=0c9d3b52-6a7e-4f11-8d2c-7b5e1a9f3c44

# setup CASE TOOL: scratch root with the overlay copied in (as imgbuild's late_command
# does), Etch fstab/menu.lst, fake sysfs (USB floppy sda, USB disk sdb, PERC sdc), and stub
# commands recording their arguments in $T/CASE/calls. TOOL: vol_id, blkid or none.
setup() {
    c=$1 r=$T/$1/root bin=$T/$1/bin
    mkdir -p "$r/etc/default" "$r/etc/init.d" "$r/boot/grub" "$bin"
    cp -a "$overlay/." "$r/"
    cp "$fixtures/fstab" "$r/etc/fstab"
    cp "$fixtures/menu.lst" "$r/boot/grub/menu.lst"
    printf 'NTPSERVERS="pool.ntp.org"\nNTPOPTIONS=""\n' >"$r/etc/default/ntpdate"
    fake_sys_disk "$r" sda usbfloppy
    fake_sys_disk "$r" sdb usbdisk
    fake_sys_disk "$r" sdc perc
    for cmd in grub-install update-rc.d systemctl dpkg apt-get; do
        printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$cmd" "$T/$c/calls" >"$bin/$cmd"
    done
    case $2 in
        vol_id)
            cat >"$bin/vol_id" <<STUB
#!/bin/sh
case "\$1 \$2" in
    "--uuid /dev/sdc1") echo $ROOT_UUID ;;
    "--uuid /dev/sdc5") echo $SWAP_UUID ;;
    "--label /dev/sdc1") echo rootfs ;;
    "--label "*) ;;
    *) echo "vol_id stub: unexpected \$*" >&2; exit 2 ;;
esac
STUB
            ;;
        blkid) # swap without a UUID but with a label, like an old mkswap -L
            cat >"$bin/blkid" <<STUB
#!/bin/sh
case "\$*" in
    /dev/sdc1) echo '/dev/sdc1: UUID="$ROOT_UUID" SEC_TYPE="ext2" TYPE="ext3"' ;;
    /dev/sdc5) echo '/dev/sdc5: LABEL="swap0" TYPE="swap"' ;;
    *) exit 2 ;;
esac
STUB
            ;;
        none) ;;
    esac
    chmod +x "$bin"/*
    # OMSA installed (its init script), for update-rc.d dsm_om_connsvc defaults.
    printf '#!/bin/sh\nexit 0\n' >"$r/etc/init.d/dsm_om_connsvc"; chmod +x "$r/etc/init.d/dsm_om_connsvc"
}

# Under busybox sh the tools are busybox applets too, as in a small installer environment.
mkdir -p "$T/bbin"
for applet in sed grep cp mv cat ls rm mkdir chmod; do ln -s "$(command -v busybox)" "$T/bbin/$applet"; done

run_late() { # SHELL CASE [env...]: status in $rc
    local sh=$1 name=$2; shift 2
    local shcmd=("$sh") tools=
    [[ $sh == busybox ]] && shcmd=(busybox sh) tools=$T/bbin:
    rc=0
    (cd "$T" && env PATH="$T/$name/bin:$tools/usr/bin:/bin" IMGBUILD_ROOT="$T/$name/root" IMGBUILD_TEST_COMMANDS=1 "$@" \
        "${shcmd[@]}" "$T/$name/root/usr/local/lib/imgbuild/late-command.sh" --ntp-server ntp.example.org ${LATE_ARGS:-}) \
        >"$T/$name/out" 2>&1 || rc=$?
}

has() { # FILE REGEX MESSAGE
    grep -Eq -- "$2" "$1" || { echo "--- $1" >&2; cat "$1" >&2; fail "$3"; }
}
lacks() { # FILE REGEX MESSAGE
    ! grep -Eq -- "$2" "$1" || { echo "--- $1" >&2; grep -En -- "$2" "$1" >&2; fail "$3"; }
}

for sh in dash busybox; do
    # --- Etch: vol_id, GRUB legacy, sysvinit --------------------------------------------
    setup "$sh-etch" vol_id
    mkdir -p "$r/usr/bin"; printf '#!/bin/sh\n' >"$r/usr/bin/apt-get"; chmod +x "$r/usr/bin/apt-get"
    LATE_ARGS="--omsa-package dellomsa" run_late "$sh" "$c"
    [[ $rc -eq 0 ]] || { cat "$T/$c/out" >&2; fail "$c: exit $rc"; }
    f=$r/etc/fstab
    has "$f" "^UUID=$ROOT_UUID[[:space:]]+/[[:space:]]+ext3[[:space:]]+defaults,errors=remount-ro" "$c: root not by UUID in fstab"
    has "$f" "^UUID=$SWAP_UUID[[:space:]]+none[[:space:]]+swap" "$c: swap not by UUID"
    has "$f" '^/dev/scd0[[:space:]]+/media/cdrom0' "$c: CD line changed"
    has "$f" '^/dev/fd0[[:space:]]+/media/floppy0' "$c: floppy line changed"
    has "$f" '^proc[[:space:]]+/proc' "$c: proc line lost"
    lacks "$f" '^/dev/sd' "$c: a /dev/sd name is left in fstab"
    [[ $(grep -vc '^#' "$f") -eq 5 ]] || fail "$c: fstab line count changed"
    m=$r/boot/grub/menu.lst
    has "$m" '^default[[:space:]]+2$' "$c: default is not the 686-bigmem entry (2)"
    has "$m" "^# kopt=root=UUID=$ROOT_UUID ro$" "$c: kopt not by UUID"
    has "$m" '^# groot=\(hd0,0\)$' "$c: groot not (hd0,0)"
    lacks "$m" '^kernel.*root=/dev/' "$c: a kernel line still has root=/dev/..."
    [[ $(grep -c "^kernel.* root=UUID=$ROOT_UUID ro" "$m") -eq 4 ]] || fail "$c: not every kernel line has root=UUID="
    [[ $(grep -Ec '^root[[:space:]]+\(hd0,0\)$' "$m") -eq 4 ]] || fail "$c: not every root line is (hd0,0)"
    has "$m" '^## e.g. kopt=root=/dev/hda1 ro$' "$c: the comment example was changed"
    has "$m" 'kernel.*686-bigmem root=UUID=.* ro single$' "$c: single-user options lost"
    [[ $(printf '(hd0)\t/dev/sdc') == "$(cat "$r/boot/grub/device.map")" ]] || fail "$c: device.map is not (hd0) /dev/sdc: $(cat "$r/boot/grub/device.map")"
    calls=$T/$c/calls
    has "$calls" '^grub-install --no-floppy \(hd0\)$' "$c: grub-install (hd0) not run"
    has "$calls" '^update-rc.d dsm_om_connsvc defaults$' "$c: OMSA service not linked"
    has "$calls" '^apt-get -y -q install dellomsa$' "$c: dellomsa not installed with --omsa-package"
    has "$calls" '^update-rc.d imgbuild-firstboot start 99 2 3 4 5 \.$' "$c: first-boot hook not linked"
    lacks "$calls" '^systemctl' "$c: systemctl used on a sysvinit system"
    [[ -x $r/etc/init.d/imgbuild-firstboot ]] || fail "$c: /etc/init.d/imgbuild-firstboot not installed"
    has "$r/etc/default/ntpdate" '^NTPSERVERS="ntp.example.org"$' "$c: ntpdate server not set"
    cmp -s "$fixtures/fstab" "$r/etc/fstab.imgbuild-orig" || fail "$c: original fstab not kept"

    # --- blkid only (no vol_id): swap has only a label ------------------------------------
    setup "$sh-blkid" blkid
    run_late "$sh" "$c"
    [[ $rc -eq 0 ]] || { cat "$T/$c/out" >&2; fail "$c: exit $rc"; }
    has "$r/etc/fstab" "^UUID=$ROOT_UUID[[:space:]]+/[[:space:]]" "$c: root not by UUID (blkid)"
    has "$r/etc/fstab" '^LABEL=swap0[[:space:]]+none[[:space:]]+swap' "$c: swap not by LABEL (blkid)"
    has "$r/boot/grub/menu.lst" "^kernel.*686-bigmem root=UUID=$ROOT_UUID ro$" "$c: menu.lst not by UUID (blkid)"

    # --- neither tool answers: refusing is the only safe outcome -------------------------
    setup "$sh-none" none
    run_late "$sh" "$c"
    [[ $rc -eq 1 ]] || { cat "$T/$c/out" >&2; fail "$c: expected exit 1 without UUIDs, got $rc"; }
    has "$T/$c/out" 'no UUID or LABEL for the root filesystem /dev/sdc1' "$c: no clear error"

    # --- no bigmem kernel installed: refused ----------------------------------------------
    setup "$sh-nobigmem" vol_id
    grep -v 686-bigmem "$fixtures/menu.lst" >"$r/boot/grub/menu.lst"
    run_late "$sh" "$c"
    [[ $rc -eq 1 ]] || fail "$c: expected exit 1 without a 686-bigmem entry, got $rc"
    has "$T/$c/out" 'no 686-bigmem kernel entry' "$c: no clear error"

    # --- modern: GRUB 2 (no menu.lst), systemd, fstab already by UUID --------------------
    setup "$sh-modern" blkid
    mkdir -p "$r/usr/bin"; printf '#!/bin/sh\n' >"$r/usr/bin/apt-get"; chmod +x "$r/usr/bin/apt-get"
    rm "$r/boot/grub/menu.lst"
    printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$ROOT_UUID" >"$r/etc/fstab"
    mkdir -p "$r/lib/systemd"; printf '' >"$r/lib/systemd/systemd"
    run_late "$sh" "$c"
    [[ $rc -eq 0 ]] || { cat "$T/$c/out" >&2; fail "$c: exit $rc"; }
    has "$T/$c/calls" '^systemctl enable imgbuild-firstboot.service$' "$c: unit not enabled"
    [[ -f $r/etc/systemd/system/imgbuild-firstboot.service ]] || fail "$c: unit not installed"
    lacks "$T/$c/calls" '^update-rc.d imgbuild-firstboot' "$c: sysvinit links on a systemd system"
    lacks "$T/$c/calls" '^grub-install' "$c: grub-install run on a GRUB 2 system"
    lacks "$T/$c/calls" '^apt-get' "$c: apt-get run without --omsa-package"
    [[ ! -e $r/etc/init.d/imgbuild-firstboot ]] || fail "$c: init script installed on a systemd system"

    # --- IMGBUILD_ROOT without IMGBUILD_TEST_COMMANDS: nothing outside the tree runs -----
    setup "$sh-guard" vol_id
    run_late "$sh" "$c" IMGBUILD_TEST_COMMANDS=
    [[ $rc -eq 0 ]] || { cat "$T/$c/out" >&2; fail "$c: exit $rc"; }
    [[ ! -e $T/$c/calls ]] || fail "$c: system commands ran with IMGBUILD_ROOT set: $(cat "$T/$c/calls")"
    has "$T/$c/out" 'not run \(IMGBUILD_ROOT=' "$c: skipped commands not logged"
done
