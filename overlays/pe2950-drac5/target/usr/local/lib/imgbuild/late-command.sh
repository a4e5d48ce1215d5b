#!/bin/sh
# late-command.sh: finishes the installed system from the installer's late_command.
#
#   in-target sh /usr/local/lib/imgbuild/late-command.sh [--ntp-server HOST]
#       [--kernel-flavour 686-bigmem] [--omsa-package dellomsa]
# --omsa-package installs that package from the apt sources (Etch profile: dellomsa);
# without it OMSA is only installed from payload/omsa/*.deb when those exist.
#
# imgbuild's late_command copies /cdrom/imgbuild/target/. into /target first, so this
# script and its neighbours (choose-disk.sh, firstboot.sh, the init script and the systemd
# unit) are already in the target; in-target runs it in the target chroot with /proc and
# /sys mounted. POSIX sh: Etch's /bin/sh is bash, busybox ash and dash must work too.
#
# Device-order safety (the reason this exists): Etch writes /dev/sdXN into /etc/fstab and
# GRUB's root=, and with DRAC virtual media attached the PERC disk is /dev/sdc at install
# time but /dev/sda once the media is detached. So this script
#   1. rewrites /etc/fstab to UUID= (LABEL= when there is no UUID) with vol_id (Etch's
#      udev, /lib/udev/vol_id) or blkid (e2fsprogs; modern systems);
#   2. rewrites GRUB legacy's /boot/grub/menu.lst: root= on "# kopt=" and on every kernel
#      line to UUID=, "# groot=" and every "root (hdX,N)" to (hd0,N) - the BIOS boots the
#      PERC disk as its first disk - and makes the kernel flavour (686-bigmem) the default;
#   3. writes /boot/grub/device.map "(hd0) <PERC disk>", the disk chosen by controller
#      (choose-disk.sh), and reinstalls GRUB legacy there (grub-install --no-floppy (hd0)).
# GRUB 2 systems (modern releases) already use UUIDs; step 2/3 are skipped there.
# Then: OMSA (packages from the payload folder or the apt source apt-setup added,
# `update-rc.d dsm_om_connsvc defaults`), ntpdate server, and the first-boot hook
# (sysvinit: /etc/init.d/imgbuild-firstboot + update-rc.d; systemd: the unit, enabled).
#
# Every path is under $IMGBUILD_ROOT (empty in the installer), so tests run it on a
# scratch tree. With IMGBUILD_ROOT set, commands that change the running system
# (grub-install, update-rc.d, systemctl, apt-get, dpkg) are only logged unless
# IMGBUILD_TEST_COMMANDS=1 (tests set it and put stubs first on PATH).
# Exit status: 0 when done; 1 when the system would not boot reliably (no UUID/LABEL for
# the root filesystem, no entry for the kernel flavour): imgbuild then reports
# IMGBUILD:late-command-failed instead of shipping a machine that breaks on the next boot.

R=${IMGBUILD_ROOT:-}
HERE=${0%/*}
[ "$HERE" != "$0" ] || HERE=.
LIB=/usr/local/lib/imgbuild
LOG=$R/var/log/imgbuild-late-command.log
NTP_SERVER=
FLAVOUR=686-bigmem
OMSA_PACKAGE=

while [ $# -gt 0 ]; do
    case $1 in
        --ntp-server) NTP_SERVER=$2; shift 2 ;;
        --kernel-flavour) FLAVOUR=$2; shift 2 ;;
        --omsa-package) OMSA_PACKAGE=$2; shift 2 ;;
        *) echo "late-command.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

mkdir -p "$R/var/log" 2>/dev/null
log() {
    echo "imgbuild-late-command: $*"
    { echo "$*" >>"$LOG"; } 2>/dev/null
}
die() {
    log "ERROR: $*"
    exit 1
}

# run_sys CMD...: a command that changes the system (see the header).
run_sys() {
    if [ -n "$R" ] && [ "${IMGBUILD_TEST_COMMANDS:-}" != 1 ]; then
        log "not run (IMGBUILD_ROOT=$R): $*"
        return 0
    fi
    log "running: $*"
    "$@"
}

# find_tool NAME EXTRA-PATHS...: on $PATH first, then the given absolute paths.
find_tool() {
    ft_name=$1
    shift
    ft_old_ifs=$IFS
    IFS=:
    for ft_dir in $PATH; do
        if [ -n "$ft_dir" ] && [ -x "$ft_dir/$ft_name" ]; then
            IFS=$ft_old_ifs
            echo "$ft_dir/$ft_name"
            return 0
        fi
    done
    IFS=$ft_old_ifs
    for ft_path in "$@"; do
        [ -x "$ft_path" ] && { echo "$ft_path"; return 0; }
    done
    return 1
}

VOL_ID=$(find_tool vol_id /lib/udev/vol_id /sbin/vol_id) || VOL_ID=
BLKID=$(find_tool blkid /sbin/blkid) || BLKID=

# safe VALUE: UUIDs and labels that can go into fstab and a kernel command line as they are.
safe() {
    case $1 in
        ''|*[!A-Za-z0-9._-]*) return 1 ;;
    esac
    return 0
}

# fs_spec DEV: prints UUID=... or LABEL=... for a block device, or nothing.
fs_spec() {
    fs_uuid= fs_label=
    if [ -n "$VOL_ID" ]; then
        fs_uuid=$("$VOL_ID" --uuid "$1" 2>/dev/null)
        fs_label=$("$VOL_ID" --label "$1" 2>/dev/null)
    fi
    if [ -z "$fs_uuid$fs_label" ] && [ -n "$BLKID" ]; then
        # Plain output (`DEV: LABEL="x" UUID="y" TYPE="z"`): every blkid since Etch's 1.39.
        fs_out=$("$BLKID" "$1" 2>/dev/null)
        fs_uuid=$(echo "$fs_out" | sed -n 's/.* UUID="\([^"]*\)".*/\1/p')
        fs_label=$(echo "$fs_out" | sed -n 's/.* LABEL="\([^"]*\)".*/\1/p')
    fi
    if safe "$fs_uuid"; then
        echo "UUID=$fs_uuid"
    elif safe "$fs_label"; then
        echo "LABEL=$fs_label"
    fi
}

# disk_of PARTITION: /dev/sdc1 -> /dev/sdc, /dev/cciss/c0d0p1 -> /dev/cciss/c0d0.
disk_of() {
    case $1 in
        */c[0-9]*d[0-9]*p[0-9]*) echo "$1" | sed 's/p[0-9]*$//' ;;
        *) echo "$1" | sed 's/[0-9]*$//' ;;
    esac
}

# part_number PARTITION: /dev/sdc1 -> 1
part_number() {
    echo "$1" | sed 's/.*[^0-9]\([0-9][0-9]*\)$/\1/'
}

FSTAB=$R/etc/fstab
MENU=$R/boot/grub/menu.lst
[ -f "$FSTAB" ] || die "$FSTAB not found: not an installed system?"

# The devices of / and /boot as the installer wrote them (before the rewrite).
mount_device() {
    sed -n "s|^\(/dev/[^[:space:]]*\)[[:space:]][[:space:]]*$1[[:space:]].*|\1|p" "$FSTAB" | sed -n 1p
}
ROOT_DEV=$(mount_device /)
BOOT_DEV=$(mount_device /boot)
[ -n "$BOOT_DEV" ] || BOOT_DEV=$ROOT_DEV
log "root filesystem: ${ROOT_DEV:-not a /dev name}, /boot on ${BOOT_DEV:-?}"

# --- 1. fstab -------------------------------------------------------------------------
ROOT_SPEC=
cp "$FSTAB" "$FSTAB.imgbuild-orig" 2>/dev/null || true
tmp=$FSTAB.imgbuild-new
cp "$FSTAB" "$tmp" || die "cannot write next to $FSTAB"
# The disks' device names, once each (fields: spec, mount point, type).
sed -n 's|^\(/dev/[^[:space:]]*\)[[:space:]][[:space:]]*\([^[:space:]]*\)[[:space:]][[:space:]]*\([^[:space:]]*\).*|\1 \2 \3|p' "$FSTAB" >"$tmp.list"
while read -r dev mnt type; do
    case $dev in
        /dev/sd*|/dev/hd*|/dev/vd*|/dev/xvd*|/dev/cciss/*) ;;
        *) continue ;;  # floppies, CD drives, already-symbolic names
    esac
    case $type in
        iso9660|udf|udf,iso9660|iso9660,udf|auto) continue ;;  # removable media
    esac
    spec=$(fs_spec "$dev")
    if [ -z "$spec" ]; then
        [ "$mnt" = / ] && die "no UUID or LABEL for the root filesystem $dev (vol_id: ${VOL_ID:-none}, blkid: ${BLKID:-none})"
        log "warning: no UUID or LABEL for $dev ($mnt, $type): left as $dev"
        continue
    fi
    [ "$mnt" = / ] && ROOT_SPEC=$spec
    log "fstab: $dev ($mnt) -> $spec"
    sed "s|^$dev\([[:space:]]\)|$spec\1|" "$tmp" >"$tmp.2" && mv "$tmp.2" "$tmp"
done <"$tmp.list"
rm -f "$tmp.list"
mv "$tmp" "$FSTAB" || die "cannot replace $FSTAB"
if [ -z "$ROOT_SPEC" ]; then
    ROOT_SPEC=$(sed -n 's|^\([A-Z]*=[^[:space:]]*\)[[:space:]][[:space:]]*/[[:space:]].*|\1|p' "$FSTAB" | sed -n 1p)
    [ -n "$ROOT_SPEC" ] || die "no root filesystem in $FSTAB"
fi

# --- 2./3. GRUB legacy ------------------------------------------------------------------
BOOT_DISK=
if [ -r "$HERE/choose-disk.sh" ]; then
    BOOT_DISK=$(sh "$HERE/choose-disk.sh" 2>>"$LOG") || BOOT_DISK=
fi
if [ -n "$BOOT_DEV" ]; then
    boot_dev_disk=$(disk_of "$BOOT_DEV")
    if [ -z "$BOOT_DISK" ]; then
        BOOT_DISK=$boot_dev_disk
        log "no disk found by controller; using the disk that holds /boot: $BOOT_DISK"
    elif [ "$BOOT_DISK" != "$boot_dev_disk" ]; then
        # GRUB's (hd0,N) must name the disk that holds /boot: that one wins.
        log "warning: the controller's disk $BOOT_DISK does not hold /boot ($BOOT_DEV); using $boot_dev_disk"
        BOOT_DISK=$boot_dev_disk
    fi
fi
log "boot disk (BIOS disk 0 once virtual media is detached): ${BOOT_DISK:-unknown}"

if [ -f "$MENU" ]; then
    [ -n "$BOOT_DEV" ] || die "$FSTAB names no /dev device for / or /boot: cannot compute GRUB's (hd0,N)"
    [ -n "$BOOT_DISK" ] || die "cannot tell which disk to install GRUB on"
    grub_part=$(( $(part_number "$BOOT_DEV") - 1 ))
    cp "$MENU" "$MENU.imgbuild-orig" 2>/dev/null || true
    # The default entry: the first non-single-user entry booting the wanted flavour.
    default=$(
        n=-1 title= found=
        while IFS= read -r line; do
            case $line in
                title[[:space:]]*) n=$((n + 1)); title=$line ;;
                kernel[[:space:]]*-$FLAVOUR[[:space:]]*|kernel[[:space:]]*-$FLAVOUR)
                    case $title in
                        *single-user*|*recovery*) ;;
                        *) [ -n "$found" ] || found=$n ;;
                    esac ;;
            esac
        done <"$MENU"
        echo "$found"
    )
    [ -n "$default" ] || die "no $FLAVOUR kernel entry in $MENU (is linux-image-2.6-$FLAVOUR in pkgsel/include?)"
    log "menu.lst: default $default ($FLAVOUR), root=$ROOT_SPEC, groot=(hd0,$grub_part)"
    sed -e "s|^default\([[:space:]][[:space:]]*\)[^[:space:]]*|default\1$default|" \
        -e "s|^\(# kopt=.*root=\)[^[:space:]]*|\1$ROOT_SPEC|" \
        -e "s|^\(kernel[[:space:]].*[[:space:]]root=\)[^[:space:]]*|\1$ROOT_SPEC|" \
        -e "s|^# groot=.*|# groot=(hd0,$grub_part)|" \
        -e "s|^root\([[:space:]][[:space:]]*\)(hd[0-9]*,[0-9]*)|root\1(hd0,$grub_part)|" \
        "$MENU" >"$MENU.imgbuild-new" && mv "$MENU.imgbuild-new" "$MENU" || die "cannot rewrite $MENU"
    grep -q '^default' "$MENU" || die "$MENU has no default line"
    printf '(hd0)\t%s\n' "$BOOT_DISK" >"$R/boot/grub/device.map" || die "cannot write device.map"
    if GRUB_INSTALL=$(find_tool grub-install /usr/sbin/grub-install /sbin/grub-install); then
        run_sys "$GRUB_INSTALL" --no-floppy '(hd0)' || die "grub-install --no-floppy (hd0) failed (device.map: (hd0) $BOOT_DISK)"
    else
        die "grub-install not found: GRUB legacy cannot be reinstalled on $BOOT_DISK"
    fi
else
    log "no $MENU (GRUB 2 or another boot loader): boot loader left as installed"
fi

# --- OMSA -----------------------------------------------------------------------------
omsa_debs=
for f in "$R$LIB"/payload/omsa/*.deb; do
    [ -f "$f" ] && omsa_debs="$omsa_debs $f"
done
if [ -n "$omsa_debs" ]; then
    # shellcheck disable=SC2086 # one word per .deb, none with blanks (payload convention)
    run_sys dpkg -i $omsa_debs || log "warning: dpkg -i of the OMSA payload failed"
elif [ -n "$OMSA_PACKAGE" ] && [ -x "$R/usr/bin/apt-get" ]; then
    # apt-setup added the OMSA source (apt-setup/local0); when it could not reach it, the
    # line is commented out and this fails: logged, not fatal (the host is gone today).
    run_sys env DEBIAN_FRONTEND=noninteractive apt-get -y -q install "$OMSA_PACKAGE" </dev/null ||
        log "warning: $OMSA_PACKAGE not installed (OMSA repository unreachable?)"
fi
if [ -x "$R/etc/init.d/dsm_om_connsvc" ]; then
    run_sys update-rc.d dsm_om_connsvc defaults || log "warning: update-rc.d dsm_om_connsvc failed"
else
    log "OMSA not installed: no dsm_om_connsvc"
fi

# --- ntpdate --------------------------------------------------------------------------
if [ -n "$NTP_SERVER" ] && [ -f "$R/etc/default/ntpdate" ]; then
    if grep -q '^NTPSERVERS=' "$R/etc/default/ntpdate"; then
        sed "s|^NTPSERVERS=.*|NTPSERVERS=\"$NTP_SERVER\"|" "$R/etc/default/ntpdate" >"$R/etc/default/ntpdate.new" &&
            mv "$R/etc/default/ntpdate.new" "$R/etc/default/ntpdate"
    else
        echo "NTPSERVERS=\"$NTP_SERVER\"" >>"$R/etc/default/ntpdate"
    fi
    log "ntpdate: NTPSERVERS=\"$NTP_SERVER\""
fi

# --- first-boot hook ------------------------------------------------------------------
[ -f "$R$LIB/firstboot.sh" ] || die "$LIB/firstboot.sh missing: was the target overlay copied?"
if [ -e "$R/lib/systemd/systemd" ] || [ -e "$R/usr/lib/systemd/systemd" ]; then
    mkdir -p "$R/etc/systemd/system"
    cp "$R$LIB/imgbuild-firstboot.service" "$R/etc/systemd/system/imgbuild-firstboot.service" ||
        die "cannot install imgbuild-firstboot.service"
    run_sys systemctl enable imgbuild-firstboot.service || die "systemctl enable imgbuild-firstboot.service failed"
    log "first-boot hook: systemd unit imgbuild-firstboot.service enabled"
else
    mkdir -p "$R/etc/init.d"
    cp "$R$LIB/imgbuild-firstboot.init" "$R/etc/init.d/imgbuild-firstboot" &&
        chmod 755 "$R/etc/init.d/imgbuild-firstboot" || die "cannot install /etc/init.d/imgbuild-firstboot"
    run_sys update-rc.d imgbuild-firstboot start 99 2 3 4 5 . || die "update-rc.d imgbuild-firstboot failed"
    log "first-boot hook: /etc/init.d/imgbuild-firstboot, S99 in runlevels 2-5"
fi
log "done"
exit 0
