#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system
# timeout: 900
# cost: 220
#
# Issue 7 part 4: the real Debian 12 installer (the modern-amd64 fixture's kernel and
# initrd from debian-installer-12-netboot-amd64) accepts a repository written by
# builder/repo. The repository is served on 127.0.0.1 (the guest sees 10.0.2.2 through
# QEMU user networking); the image's preseed points the mirror there, unauthenticated.
# Pass needs, from the installer itself:
#   - choose-mirror's check: GET dists/bookworm/Release (Suite/Codename/Architectures);
#   - net-retriever: the Release again, then the udeb index named in its SHA256 list
#     (size and SHA256 checked against the Release by net-retriever);
#   - anna: the udeb from pool/ (SHA256 checked against the Packages entry), unpacked
#     and configured: its postinst prints IMGBUILD-REPO:probe-configured on ttyS0;
#   - the installer's own syslog (log_host): net-retriever without error, anna retrieving it.
# installer-repo-tampered (label slow) runs this script with installer_repo_cases=tamper:
# the same image after one byte is added to the udeb index (and Packages.gz recompressed):
# net-retriever must log a SHA256/size mismatch against the Release and nothing may be
# fetched from pool/. Slow since 2026-12-02: the default run had reached 45 minutes.
#
# builder/repo writes the udeb index where the installer looks for it
# (<component>/debian-installer/binary-<arch>/), listed in the Release it signs off.
source "$(dirname "$0")/prelude.sh"
IMGBUILD_BUILD_DIR=${IMGBUILD_BUILD_DIR:-$(dirname "$IMGBUILD")}
driver="$IMGBUILD_BUILD_DIR/repo-write"
[ -x "$driver" ] || fail "$driver not built (ninja repo-write)"
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 not installed"
boot_timeout=${IMGBUILD_INSTALLER_REPO_TIMEOUT:-600}
start=$SECONDS

# A udeb made here: priority standard, so anna installs it without being asked.
tree=$T/tree
mkdir -p "$tree/DEBIAN" "$tree/usr/share/imgbuild-probe" "$T/debs"
echo probe >"$tree/usr/share/imgbuild-probe/ok"
printf '%s\n' 'Package: imgbuild-probe' 'Version: 1.0' 'Architecture: amd64' \
    'Maintainer: imgbuild e2e <e2e@example.org>' 'Priority: standard' 'Section: debian-installer' \
    'Package-Type: udeb' 'Description: imgbuild repository probe for the installer' >"$tree/DEBIAN/control"
printf '#!/bin/sh\necho IMGBUILD-REPO:probe-configured >/dev/ttyS0 2>/dev/null || true\n' >"$tree/DEBIAN/postinst"
chmod 0755 "$tree/DEBIAN/postinst"
dpkg-deb --root-owner-group -Zgzip --build "$tree" "$T/debs/imgbuild-probe_1.0_amd64.udeb" >/dev/null

repo=$T/www/repo
"$driver" "$T/debs" "$repo" bookworm >"$T/driver.log" 2>&1 ||
    { cat "$T/driver.log"; fail "writing the repository failed"; }
dists=$repo/dists/bookworm
[[ -f $dists/Release && -f $dists/main/debian-installer/binary-amd64/Packages.gz ]] || fail "generator wrote no udeb index"
grep -q ' main/debian-installer/binary-amd64/Packages.gz$' "$dists/Release" || fail "udeb index not listed"

# HTTP + syslog listener, bounded lifetime, killed on exit.
pids=()
cleanup() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
# The prelude's exit handler reads $?: hand it the script's status after cleaning up.
# shellcheck disable=SC2154
trap '_rc=$?; set +e; cleanup; (exit "$_rc"); _prelude_exit' EXIT
python3 "$IMGBUILD_SOURCE_DIR/tests/installer-repo/serve.py" "$T/www" "$T/ports" "$T/http.log" \
    "$T/syslog.log" $((2 * boot_timeout + 120)) 2>"$T/serve.err" &
pids+=($!)
for _ in $(seq 50); do [ -s "$T/ports" ] && break; sleep 0.2; done
[ -s "$T/ports" ] || { cat "$T/serve.err"; fail "server did not start"; }
read -r http_port udp_port <"$T/ports"
curl -fsS "http://127.0.0.1:$http_port/repo/dists/bookworm/Release" >/dev/null || fail "server does not serve the Release"

sed -e "s/@HTTP_PORT@/$http_port/" "$IMGBUILD_SOURCE_DIR/tests/installer-repo/preseed.cfg" >"$T/preseed.cfg"
base=$(fixture_iso modern-amd64)
expect_status 0 "$IMGBUILD" build "$base" -o "$T/test.iso" --preseed "$T/preseed.cfg" --quiet \
    --kernel-args "console=ttyS0,115200n8 log_host=10.0.2.2 log_port=$udp_port"
id=$(iso_cat "$T/test.iso" /imgbuild/build-id | tr -d '\n')

# boot NAME PATTERN FILE: boots the image with a fresh serial log $T/NAME.serial until
# PATTERN shows up in FILE (or the guest stops, or $boot_timeout); sets boot_wall.
boot() {
    local name=$1 pattern=$2 file=$3 qemu
    qemu-system-x86_64 -accel tcg -m 1024 -cdrom "$T/test.iso" -boot d -display none -no-reboot \
        -serial "file:$T/$name.serial" -netdev user,id=n -device e1000,netdev=n \
        -monitor none >"$T/$name.qemu.out" 2>&1 &
    qemu=$!
    pids+=("$qemu")
    local boot_start=$SECONDS
    while ((SECONDS - boot_start < boot_timeout)); do
        grep -aqE "$pattern" "$file" 2>/dev/null && break
        kill -0 "$qemu" 2>/dev/null || break
        sleep 5
    done
    boot_wall=$((SECONDS - boot_start))
    sleep 3  # the step's last syslog lines
    kill "$qemu" 2>/dev/null || true
    wait "$qemu" 2>/dev/null || true
}

accept_case() {
    boot accept 'IMGBUILD-REPO:probe-configured' "$T/accept.serial"
    cp "$T/http.log" "$T/accept.http"
    cp "$T/syslog.log" "$T/accept.syslog"
    echo "--- HTTP requests"; cat "$T/accept.http"
    echo "--- installer syslog (mirror/retriever/anna)"
    grep -aE 'choose-mirror|net-retriever|anna' "$T/accept.syslog" | tail -40 || true
    grep -aq "IMGBUILD:preseed-loaded:$id" "$T/accept.serial" || fail "the installer did not load this image's preseed"
    grep -q '^GET /repo/dists/bookworm/Release 200 ' "$T/accept.http" || fail "the mirror check did not fetch the Release"
    grep -q '^GET /repo/dists/bookworm/main/debian-installer/binary-amd64/Packages.gz 200 ' "$T/accept.http" ||
        fail "net-retriever did not fetch the udeb index"
    grep -q '^GET /repo/pool/main/i/imgbuild-probe/imgbuild-probe_1.0_amd64.udeb 200 ' "$T/accept.http" ||
        fail "anna did not fetch the udeb from pool/"
    grep -aq 'IMGBUILD-REPO:probe-configured' "$T/accept.serial" || fail "the udeb was not configured within $boot_timeout s"
    grep -aqE 'error|mismatch' <(grep -aE 'net-retriever' "$T/accept.syslog") && fail "net-retriever logged an error"
    grep -aq 'anna\[[0-9]*\]: DEBUG: retrieving imgbuild-probe 1.0' "$T/accept.syslog" ||
        fail "anna's syslog does not show it retrieving the probe"
    grep -aqE 'bad sha256sum|install_failed|package retrieval failed' "$T/accept.syslog" && fail "anna reported a failure"
    echo "installer accepted the repository: udeb configured after $boot_wall s of boot"
}

tamper_case() {
    # Negative: the same image against the repository with an index that no longer matches
    # its Release (one byte added, Packages.gz recompressed): net-retriever must refuse it
    # and anna must fetch nothing from pool/.
    di=$dists/main/debian-installer/binary-amd64
    printf '\n' >>"$di/Packages"
    gzip -9n <"$di/Packages" >"$di/Packages.gz"
    http_before=$(wc -l <"$T/http.log")
    syslog_before=$(wc -l <"$T/syslog.log")
    boot tamper 'net-retriever: error:' "$T/syslog.log"
    tail -n +$((http_before + 1)) "$T/http.log" >"$T/tamper.http"
    tail -n +$((syslog_before + 1)) "$T/syslog.log" >"$T/tamper.syslog"
    echo "--- tampered index: HTTP requests"; cat "$T/tamper.http"
    echo "--- tampered index: net-retriever"; grep -a 'net-retriever' "$T/tamper.syslog" || true
    grep -aq "IMGBUILD:preseed-loaded:$id" "$T/tamper.serial" || fail "second boot: preseed not loaded"
    grep -q '^GET /repo/dists/bookworm/main/debian-installer/binary-amd64/Packages.gz 200 ' "$T/tamper.http" ||
        fail "second boot: the tampered index was not fetched (the check proves nothing)"
    grep -aqE 'net-retriever: error: (SHA256|Size) mismatch for main/debian-installer/binary-amd64/Packages.gz' \
        "$T/tamper.syslog" || fail "net-retriever did not refuse an index that does not match the Release"
    grep -q '^GET /repo/pool/' "$T/tamper.http" && fail "anna fetched a udeb through a refused index"
    grep -aq 'IMGBUILD-REPO:probe-configured' "$T/tamper.serial" && fail "the probe was configured from a refused index"
    echo "tampered index refused after $boot_wall s of boot; $((SECONDS - start)) s total"
}

# The default run boots the accepting case; installer-repo-tampered (slow) the refusal,
# which shows net-retriever's own check more than builder/repo (the first boot already
# proves the Release's hashes match what is served).
for case in ${installer_repo_cases:-accept}; do
    "${case}_case"
done
