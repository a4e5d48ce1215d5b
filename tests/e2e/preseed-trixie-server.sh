#!/usr/bin/env bash
# labels: e2e hook
# timeout: 60
# cost: 1
# preseed/trixie-amd64-server.cfg lints clean against Debian 13's question list (made from
# the Debian 13 installer's own templates) and carries the current-PowerEdge settings (the
# BOSS hook, UEFI removable path, UUID mounts, NIC by auto); the same preseed made i386
# (a 686 kernel) is refused for trixie with the reason, and accepted for bookworm.
source "$(dirname "$0")/prelude.sh"
p=$IMGBUILD_SOURCE_DIR/preseed/trixie-amd64-server.cfg
[[ -f $p ]] || fail "$p missing"
export IMGBUILD_DATA_DIR=$IMGBUILD_SOURCE_DIR

"$IMGBUILD" lint --release trixie --json "$p" >"$T/lint.json" || fail "lint of $p failed: $(cat "$T/lint.json")"
jq -e '.release == "trixie" and .errors == 0 and .warnings == 0' "$T/lint.json" >/dev/null ||
    fail "not clean against trixie: $(jq -c '.diagnostics' "$T/lint.json")"
list=$IMGBUILD_SOURCE_DIR/data/questions/trixie.txt
grep -q '^# origin: templates of the udebs in the Debian 13 netboot initrds' "$list" ||
    fail "trixie.txt is not made from the Debian 13 installer's templates"
[[ $(jq '.questions.count' "$T/lint.json") -eq $(grep -cv '^#' "$list") ]] ||
    fail "not checked against trixie.txt: $(jq -c '.questions' "$T/lint.json")"

value() { # QUESTION
    grep -E "^[^#[:space:]]+[[:space:]]+$1[[:space:]]" "$p" | sed -E 's/^[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]?//'
}
want() { # QUESTION VALUE WHY
    [[ $(value "$1") == "$2" ]] || fail "$1: '$(value "$1")', expected '$2' ($3)"
}
want grub-installer/force-efi-extra-removable true "firmware that ignores the debian boot entry"
want partman/mount_style uuid "fstab by UUID"
want netcfg/choose_interface auto "never an interface name"
want base-installer/kernel/image linux-image-amd64 "amd64 only"
[[ -z $(value partman-auto/disk) ]] || fail "partman-auto/disk is set: the BOSS hook would keep it"
[[ $(value preseed/early_command) == *"/lib/partman/init.d/"*"choose-boss.sh --debconf"* ]] ||
    fail "early_command does not install the BOSS hook"
[[ -f $IMGBUILD_SOURCE_DIR/overlays/poweredge-current/target/usr/local/lib/imgbuild/choose-boss.sh ]] ||
    fail "the hook the preseed runs is not in overlays/poweredge-current"
grep -qE '^[^#].*passwd/(root|user)-password(-again)?[[:space:]]+password' "$p" && fail "clear-text password"

# The same preseed installing a 32-bit kernel: Debian 13 has no i386 installer.
sed 's/linux-image-amd64/linux-image-686-pae/' "$p" >"$T/i386.cfg"
rc=0
"$IMGBUILD" lint --release trixie "$T/i386.cfg" >"$T/out" 2>&1 || rc=$?
[[ $rc -ne 0 ]] || fail "an i386 trixie preseed passed lint: $(cat "$T/out")"
grep -q "i386.cfg:[0-9]*: error: an i386 install: Debian 13 has no i386 installer" "$T/out" ||
    fail "the refusal does not give the reason: $(cat "$T/out")"
"$IMGBUILD" lint --release bookworm "$T/i386.cfg" >"$T/out12" 2>&1 || true
grep -q "no i386 installer" "$T/out12" && fail "bookworm has an i386 installer: $(cat "$T/out12")"
true
