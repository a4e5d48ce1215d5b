#!/usr/bin/env bash
# labels: e2e hook
# timeout: 60
# preseed/bookworm-amd64-server.cfg: modern question names (not Etch's), the same
# device-order safety (placeholder disk + the partman hook, identical to the Etch
# profile's) and the same late-command.sh; Etch-only settings absent.
source "$(dirname "$0")/prelude.sh"
p=$IMGBUILD_SOURCE_DIR/preseed/bookworm-amd64-server.cfg
etch=$IMGBUILD_SOURCE_DIR/preseed/etch-pe2950-vmware.cfg
[[ -f $p ]] || fail "$p missing"

value() { # FILE QUESTION
    grep -E "^[^#[:space:]]+[[:space:]]+$2[[:space:]]" "$1" | sed -E 's/^[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]?//'
}
want() { # QUESTION VALUE WHY
    [[ $(grep -cE "^[^#[:space:]]+[[:space:]]+$1[[:space:]]" "$p") -eq 1 ]] || fail "$1: expected exactly one line ($3)"
    [[ $(value "$p" "$1") == "$2" ]] || fail "$1: '$(value "$p" "$1")', expected '$2' ($3)"
}

want keyboard-configuration/xkb-keymap us "modern keymap question"
want mirror/country manual "modern choose-mirror"
want partman-auto/method regular "no LVM"
want partman-auto/choose_recipe atomic "recipe ids work since partman-auto 76"
want partman/choose_partition finish "modern partman takes the id"
want grub-installer/only_debian false "only_debian would take grub's (hd0)"
want cdrom-detect/eject false "keep the virtual CD"
[[ $(value "$p" partman-auto/disk) == "$(value "$etch" partman-auto/disk)" ]] || fail "partman-auto/disk: not the same placeholder as the Etch profile"
[[ $(value "$p" preseed/early_command) == "$(value "$etch" preseed/early_command)" ]] || fail "early_command differs from the Etch profile's (the same partman hook)"
[[ $(value "$p" preseed/late_command) == "in-target sh /usr/local/lib/imgbuild/late-command.sh"* ]] || fail "late_command does not run late-command.sh"
[[ $(value "$p" passwd/root-password-crypted) == '$6$'* ]] || fail "root password is not a SHA-512 crypt"
grep -qE '^[^#].*passwd/root-password(-again)?[[:space:]]+password' "$p" && fail "clear-text root password"
for etch_only in console-keymaps- 'enter information manually' archive.debian.org allow_unauthenticated \
    initramfs-generators 'All files in one partition'; do
    grep -qE "^[^#].*$etch_only" "$p" && fail "Etch-only setting in the modern profile: $etch_only"
done
dups=$(grep -vE '^(#|[[:space:]]*$)' "$p" | awk '{print $2}' | sort | uniq -d)
[[ -z $dups ]] || fail "questions set twice: $dups"
grep -qE '\\$' "$p" && fail "continuation line"
true

# imgbuild's own lint (the binary under test) must find nothing.
[[ -x $IMGBUILD ]] || fail "$IMGBUILD is not built: the lint step cannot run"
"$IMGBUILD" lint --release bookworm "$p" >"$T/lint.out" 2>&1 || { cat "$T/lint.out" >&2; fail "imgbuild lint --release bookworm reports problems"; }
grep -q ' 0 error(s), 0 warning(s)' "$T/lint.out" || { cat "$T/lint.out" >&2; fail "imgbuild lint --release bookworm: not clean"; }
