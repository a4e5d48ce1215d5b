#!/usr/bin/env bash
# labels: e2e hook
# timeout: 60
# Key-by-key check of the Etch-specific choices in preseed/etch-pe2950-vmware.cfg (issue 4,
# docs/etch-pe2950.md), the "one line per question" rules Etch's loader needs, and the early_command
# run for real on a scratch tree: the partman hook it writes picks the PERC disk at sdc.
source "$(dirname "$0")/prelude.sh"
source "$IMGBUILD_SOURCE_DIR/tests/hook/fake-sys.sh"
p=$IMGBUILD_SOURCE_DIR/preseed/etch-pe2950-vmware.cfg
[[ -f $p ]] || fail "$p missing"

# value QUESTION: the value of the (only) line for QUESTION, as Etch's loader stores it.
value() {
    grep -E "^[^#[:space:]]+[[:space:]]+$1[[:space:]]" "$p" | sed -E 's/^[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]?//'
}
want() { # QUESTION TYPE VALUE WHY
    local line n
    n=$(grep -cE "^[^#[:space:]]+[[:space:]]+$1[[:space:]]" "$p" || true)
    [[ $n -eq 1 ]] || fail "$1: expected exactly one line, found $n ($4)"
    line=$(grep -E "^[^#[:space:]]+[[:space:]]+$1[[:space:]]" "$p")
    [[ $(awk '{print $3}' <<<"$line") == "$2" ]] || fail "$1: type should be $2 ($4)"
    [[ $(value "$1") == "$3" ]] || fail "$1: '$(value "$1")', expected '$3' ($4)"
}

want console-keymaps-at/keymap select us "Etch's keymap question, not keyboard-configuration/*"
want mirror/country string "enter information manually" "Etch's literal, modern d-i says 'manual'"
want mirror/http/hostname string archive.debian.org "Etch lives on the archive"
want mirror/http/directory string /debian "archive.debian.org/debian"
want mirror/suite string etch "archive.debian.org has no 'stable' for Etch"
want apt-setup/security_host string "" "a security host makes the generator stop the install"
want debian-installer/allow_unauthenticated boolean true "the archive keys have expired"
want partman-auto/method string regular "ext3, no LVM"
want partman-auto/choose_recipe select "All files in one partition (recommended for new users)" \
    "Etch matches the translated description; recipe ids need partman-auto 76"
want partman/choose_partition select "Finish partitioning and write changes to disk" "unattended partitioning"
want partman/confirm boolean true "unattended partitioning"
want base-installer/kernel/linux/initramfs-generators string initramfs-tools "root=UUID= needs initramfs-tools"
want grub-installer/only_debian boolean false "only_debian installs to grub's (hd0): maybe the virtual floppy"
want tasksel/first multiselect "" "no Standard system task"
want finish-install/reboot_in_progress note "" "no final message"
want cdrom-detect/eject boolean false "keep the virtual CD"
want passwd/make-user boolean false "root only"

# partman-auto/disk: set explicitly (Etch needs it), to a placeholder that matches no disk.
disk=$(value partman-auto/disk)
[[ $disk == /dev/* ]] || fail "partman-auto/disk must be set explicitly (Etch has no single-disk default)"
[[ ! $disk =~ ^/dev/(sd|hd|vd)[a-z]$ ]] || fail "partman-auto/disk is a real device name ($disk): device order is not stable with DRAC media"
[[ -n $(value grub-installer/bootdev) ]] || fail "grub-installer/bootdev must be preseeded (marks it seen; the hook sets the value)"

# Mirror/OMSA: local0 must not start with "deb"; it names the sara repository.
omsa=$(value apt-setup/local0/repository)
[[ -n $omsa && $omsa != deb* ]] || fail "apt-setup/local0/repository must be set and not start with 'deb' (the generator adds it): '$omsa'"
[[ $omsa == *"sara-omsa dell sara" ]] || fail "apt-setup/local0/repository should be the sara OMSA source: '$omsa'"

# Root password crypted only.
grep -qE '^[^#].*passwd/root-password(-again)?[[:space:]]+password' "$p" && fail "clear-text root password present"
crypted=$(value passwd/root-password-crypted)
[[ $crypted == '$1$'* ]] || fail "passwd/root-password-crypted is not an MD5 crypt (Etch): '$crypted'"
# It is the documented default ("changeme", salt imgbuild).
command -v openssl >/dev/null || fail "openssl not installed (scripts/install-deps.sh)"
[[ $(openssl passwd -1 -salt imgbuild changeme) == "$crypted" ]] || fail "the crypted root password is not the documented default 'changeme'"

# Packages: the bigmem kernel by flavour name, headers not $(uname -r), VMware prerequisites.
include=" $(value pkgsel/include) "
for pkg in ssh ntpdate linux-image-2.6-686-bigmem linux-headers-2.6-686-bigmem libx11-6 libx11-dev \
    libxtst6 xinetd wget build-essential gcc g++ psmisc libxt6 libxrender1 libxi6; do
    [[ $include == *" $pkg "* ]] || fail "pkgsel/include lacks $pkg"
done
[[ $include != *'uname'* ]] || fail "pkgsel/include uses \$(uname -r): that is the installer's kernel"
grep -qE '^[^#]+base-installer/kernel/image' "$p" && fail "base-installer/kernel/image is ignored by Etch (CPU flavour wins): use pkgsel/include"

# Modern-only names that Etch silently ignores.
for modern in keyboard-configuration/ partman-auto/choose_recipe.*atomic partman/early_command \
    'mirror/country string manual' partman/default_filesystem; do
    grep -qE "^[^#]+$modern" "$p" && fail "modern d-i setting that Etch ignores: $modern"
done

# Etch's loader: one line per question, no continuations, no duplicates; commands with
# single spaces and no glob characters; one early_command and one late_command.
grep -qE '\\$' "$p" && fail "continuation line: keep one line per question"
# The installer's loader echoes each line: an echo that interprets \n splits the value and
# the command is cut (the early_command then never runs, not even imgbuild's marker).
grep -vE '^(#|[[:space:]]*$)' "$p" | grep -q '\\' && fail "backslash in a value: the installer's echo may interpret it (use echo lines, not printf '\\n')"
dups=$(grep -vE '^(#|[[:space:]]*$)' "$p" | awk '{print $2}' | sort | uniq -d)
[[ -z $dups ]] || fail "questions set twice: $dups"
for cmd in preseed/early_command preseed/late_command; do
    [[ $(grep -cE "^[^#]+[[:space:]]$cmd[[:space:]]" "$p") -eq 1 ]] || fail "exactly one $cmd line"
    v=$(value "$cmd")
    [[ $v != *'  '* && $v != *'*'* && $v != *'?'* && $v != *'['* ]] ||
        fail "$cmd has double blanks or glob characters: Etch's loader re-splits and globs the line"
done
[[ $(value preseed/late_command) == "in-target sh /usr/local/lib/imgbuild/late-command.sh"* ]] ||
    fail "late_command should run the overlay's late-command.sh in the target"
[[ -f $IMGBUILD_SOURCE_DIR/overlays/pe2950-drac5/target/usr/local/lib/imgbuild/late-command.sh ]] ||
    fail "late_command names a script the target overlay does not have"

# Etch's debconf-set-selections stores "set -- \$line; shift 3; \$*": check the commands
# survive that (busybox sh, as in the installer), run from a directory full of files.
mkdir -p "$T/globdir" && touch "$T/globdir/"{a,b,c}
for cmd in preseed/early_command preseed/late_command partman-auto/choose_recipe; do
    line=$(grep -E "^[^#]+[[:space:]]$cmd[[:space:]]" "$p")
    stored=$(cd "$T/globdir" && busybox sh -c 'set -- $1; shift 3; echo "$*"' sh "$line")
    [[ $stored == "$(value "$cmd")" ]] || fail "$cmd changes when Etch's loader stores it:
$stored"
done

# Run the early_command with / moved to $T: it must write a partman init.d hook that,
# run when the disks exist, sets partman-auto/disk and grub-installer/bootdev to the PERC
# disk (sdc, behind the DRAC's two USB disks).
early=$(value preseed/early_command)
root=$T/di
mkdir -p "$root/cdrom/imgbuild/target" "$root/bin"
cp -a "$IMGBUILD_SOURCE_DIR/overlays/pe2950-drac5/target/." "$root/cdrom/imgbuild/target/"
moved=${early//\/lib\/partman/$root\/lib\/partman}
(cd "$T" && busybox sh -c "$moved") || fail "early_command failed: $moved"
hook=$(ls "$root/lib/partman/init.d/")
[[ $hook =~ ^0[0-9][a-z_]+$ ]] || fail "partman hook name '$hook' does not sort among partman's init.d scripts"
[[ -x $root/lib/partman/init.d/$hook ]] || fail "partman hook not executable"
fake_sys_disk "$root" sda usbfloppy
fake_sys_disk "$root" sdb usbdisk
fake_sys_disk "$root" sdc perc
printf '#!/bin/sh\necho "$1=$2" >>"%s"\n' "$T/debconf.log" >"$root/bin/debconf-set"
chmod +x "$root/bin/debconf-set"
sed "s|/cdrom/|$root/cdrom/|g" "$root/lib/partman/init.d/$hook" >"$T/hook"
PATH=$root/bin:$PATH IMGBUILD_ROOT=$root busybox sh "$T/hook" 2>"$T/hook.err" || fail "partman hook exited non-zero"
grep -qx 'partman-auto/disk=/dev/sdc' "$T/debconf.log" || { cat "$T/hook.err" >&2; fail "partman hook did not set partman-auto/disk=/dev/sdc"; }
grep -qx 'grub-installer/bootdev=/dev/sdc' "$T/debconf.log" || fail "partman hook did not set grub-installer/bootdev=/dev/sdc"
# Without the disc's script (no target overlay) the hook still exits 0 (partman goes on
# and stops at the placeholder disk instead of guessing).
rm -rf "$root/cdrom/imgbuild"
PATH=$root/bin:$PATH IMGBUILD_ROOT=$root busybox sh "$T/hook" 2>/dev/null || fail "partman hook fails without the disc's script"

# imgbuild's own lint (the binary under test) must find nothing.
[[ -x $IMGBUILD ]] || fail "$IMGBUILD is not built: the lint step cannot run"
"$IMGBUILD" lint --release etch "$p" >"$T/lint.out" 2>&1 || { cat "$T/lint.out" >&2; fail "imgbuild lint --release etch reports problems"; }
grep -q ' 0 error(s), 0 warning(s)' "$T/lint.out" || { cat "$T/lint.out" >&2; fail "imgbuild lint --release etch: not clean"; }
