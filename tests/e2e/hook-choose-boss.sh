#!/usr/bin/env bash
# labels: e2e hook
# timeout: 60
# cost: 8
# overlays/poweredge-current's choose-boss.sh picks the BOSS by model on fake sysfs trees of
# current PowerEdges (NVMe BOSS-N1, ATA BOSS-S2), never a USB disk (iDRAC virtual media,
# SECUPD) nor a PERC virtual disk, even when they are larger, named first, or say BOSS;
# with no BOSS it stops the install with an installer error unless the preseed names a
# disk. Run with dash and busybox sh (the installer's shell).
source "$(dirname "$0")/prelude.sh"
source "$IMGBUILD_SOURCE_DIR/tests/hook/fake-sys.sh"
script=$IMGBUILD_SOURCE_DIR/overlays/poweredge-current/target/usr/local/lib/imgbuild/choose-boss.sh

command -v busybox >/dev/null || fail "busybox not installed (scripts/install-deps.sh)"
mkdir -p "$T/bbin"
for applet in ls sed grep cat; do ln -s "$(command -v busybox)" "$T/bbin/$applet"; done

run_choose() { # SHELL ROOT [ARGS]
    local sh=$1 root=$2; shift 2
    if [[ $sh == busybox-sh ]]; then
        PATH=$T/bbin:$PATH IMGBUILD_ROOT=$root busybox sh "$script" "$@"
    else
        IMGBUILD_ROOT=$root "$sh" "$script" "$@"
    fi
}

expect_choice() { # SHELL ROOT WANT MESSAGE
    local sh=$1 root=$2 want=$3 msg=$4 got rc=0
    got=$(run_choose "$sh" "$root" 2>"$T/err") || rc=$?
    if [[ -z $want ]]; then
        [[ $rc -ne 0 && -z $got ]] || fail "$sh: $msg: expected no disk (status 1), got '$got' (status $rc)"
    else
        [[ $rc -eq 0 && $got == "$want" ]] || { cat "$T/err" >&2; fail "$sh: $msg: expected $want, got '$got' (status $rc)"; }
    fi
}

for sh in dash busybox-sh; do
    # R660 during install: iDRAC virtual floppy and SECUPD on USB, two PERC H755 disks
    # (named first, larger), the BOSS-N1 on NVMe.
    r=$T/$sh-r660; mkdir -p "$r"
    fake_sys_disk "$r" sda idracfloppy modern
    fake_sys_disk "$r" sdb idracsecupd modern
    fake_sys_disk "$r" sdc perch755 modern
    fake_sys_disk "$r" sdd perch755 modern
    fake_sys_disk "$r" nvme0n1 bossn1
    expect_choice "$sh" "$r" /dev/nvme0n1 "BOSS-N1 behind iDRAC USB media and the PERC"
    grep -q 'by-id/nvme-Dell_BOSS-N1_' "$T/err" || fail "$sh: the by-id name is not reported: $(cat "$T/err")"

    # 14G/15G: BOSS-S1/S2 is an ATA disk "DELLBOSS VD", here named after the PERC.
    for style in etch modern; do
        r=$T/$sh-$style-s2; mkdir -p "$r"
        fake_sys_disk "$r" sda idracfloppy "$style"
        fake_sys_disk "$r" sdb perch755 "$style"
        fake_sys_disk "$r" sdc bosss2 "$style"
        expect_choice "$sh" "$r" /dev/sdc "BOSS-S2 (ATA DELLBOSS VD) after the PERC ($style sysfs)"
    done

    # No BOSS: an NVMe disk of another model, the PERC, USB media: nothing is chosen.
    r=$T/$sh-noboss; mkdir -p "$r"
    fake_sys_disk "$r" sda idracfloppy modern
    fake_sys_disk "$r" sdb perch755 modern
    fake_sys_disk "$r" nvme0n1 qemunvme
    expect_choice "$sh" "$r" "" "no BOSS: neither the other NVMe disk, nor the PERC, nor USB"
    # ... unless the site names its boot device's model (boot-disk.conf or the environment).
    IMGBUILD_BOOT_MODEL='QEMU NVMe*' expect_choice "$sh" "$r" /dev/nvme0n1 "IMGBUILD_BOOT_MODEL names another model"

    # A USB disk or a PERC virtual disk that says BOSS is still not the BOSS.
    r=$T/$sh-fakes; mkdir -p "$r"
    fake_sys_disk "$r" sda idracfloppy modern "BOSS-N1 image"
    fake_sys_disk "$r" sdb perch755 modern "BOSS"
    expect_choice "$sh" "$r" "" "USB or PERC disks whose model says BOSS"
    fake_sys_disk "$r" nvme1n1 bossn1
    fake_sys_disk "$r" nvme0n1 bossn1
    expect_choice "$sh" "$r" /dev/nvme0n1 "two BOSS disks: the lowest name"

    mkdir -p "$T/$sh-empty"
    expect_choice "$sh" "$T/$sh-empty" "" "no /sys"
done

# --debconf, with the installer's tools stubbed (they record what they are asked).
mkdir -p "$T/bin"
log=$T/debconf.log
printf '#!/bin/sh\necho "set $1=$2" >>"%s"\n' "$log" >"$T/bin/debconf-set"
printf '#!/bin/sh\necho "get $1" >>"%s"; [ "$1" = partman-auto/disk ] && printf %%s "${PRESET:-}"\nexit 0\n' "$log" >"$T/bin/debconf-get"
printf '#!/bin/sh\necho "loadtemplate $1 $(grep ^Template: "$2")" >>"%s"\n' "$log" >"$T/bin/debconf-loadtemplate"
chmod +x "$T/bin/"*
cat >"$T/confmodule" <<CONF
db_subst() { echo "subst \$1 \$2 \$3" >>"$log"; }
db_fset() { :; }
db_input() { echo "input \$1 \$2" >>"$log"; }
db_go() { echo go >>"$log"; }
CONF
debconf_run() { # ROOT -> status
    PATH=$T/bin:$PATH IMGBUILD_CONFMODULE=$T/confmodule TMPDIR=$T IMGBUILD_ROOT=$1 dash "$script" --debconf >/dev/null 2>"$T/err"
}

: >"$log"
debconf_run "$T/dash-r660" || fail "--debconf with a BOSS failed: $(cat "$T/err")"
grep -qx 'set partman-auto/disk=/dev/nvme0n1' "$log" || fail "partman-auto/disk not set to the BOSS: $(cat "$log")"
grep -qx 'set grub-installer/bootdev=/dev/nvme0n1' "$log" || fail "grub-installer/bootdev not set to the BOSS"

# The preseed names a disk: kept, nothing set, no error, even without a BOSS.
: >"$log"
PRESET=/dev/sdb debconf_run "$T/dash-noboss" || fail "--debconf with a preseeded disk failed: $(cat "$T/err")"
grep -q '^set ' "$log" && fail "a preseeded partman-auto/disk must be kept: $(cat "$log")"
grep -q '^input ' "$log" && fail "no error expected when the preseed names the disk"

# No BOSS, nothing preseeded: status 1 and the installer error, saying why.
: >"$log"
debconf_run "$T/dash-noboss" && fail "--debconf without a BOSS must fail (partman then stops)"
grep -q '^set ' "$log" && fail "nothing may be set without a BOSS: $(cat "$log")"
grep -qx 'loadtemplate imgbuild Template: imgbuild/no-boot-disk' "$log" || fail "the error template was not loaded: $(cat "$log")"
grep -qx 'input critical imgbuild/no-boot-disk' "$log" || fail "the error is not shown at critical priority: $(cat "$log")"
grep -q "^subst imgbuild/no-boot-disk WHY No disk with a model matching '\*BOSS\*'.*/dev/nvme0n1 ( QEMU NVMe Ctrl).*preseed partman-auto/disk" "$log" ||
    fail "the error does not say why: $(grep subst "$log")"
true
