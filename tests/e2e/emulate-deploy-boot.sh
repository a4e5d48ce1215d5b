#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 900
# cost: 150
#
# imgbuild emulate as a rack to rehearse on: two emulated servers, a PowerEdge R730 behind
# an iDRAC8 (BIOS, virtual media under the Manager) and an R660 behind an iDRAC9 (UEFI
# Secure Boot, virtual media under the System), one emulate process per profile. Each
# gets an image served by `imgbuild serve` through the existing `imgbuild deploy --until
# boot`, pinned to the fingerprint emulate printed (before it, an image URL nothing
# serves: the deploy fails quoting QEMU's fetch error). Then, from outside imgbuild:
#  - the machine really booted the virtual CD: the image's preseed-loaded marker (its
#    build id) and the row's service tag read by the installer from SMBIOS, on the
#    serial log; on BIOS SeaBIOS's own log says it booted the DVD/CD;
#  - QEMU fetched the image over HTTP (QMP on the observer socket: an http block node
#    with the served URL) and the USB virtual CD is plugged in;
#  - the one-time boot is spent: a reset (redfishtool, DMTF's client, on the iDRAC8)
#    boots the usual order, the blank disk, and not the CD again: SeaBIOS's log says so,
#    and on the R660 OVMF's BdsDxe lines on the console (the NVMe tried, the USB CD not);
#  - eject (sushy, ironic's library, on the iDRAC8; a raw POST on the iDRAC9) unplugs
#    the device and frees the image;
#  - SIGTERM ends emulate with 0, SIGINT with 130, no QEMU left, sockets and the
#    temporary state gone; the BMC password is in no output or log.
source "$(dirname "$0")/prelude.sh"

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
command -v jq >/dev/null || skip "jq is not installed"
python=/usr/bin/python3
"$python" -c 'import sushy' 2>/dev/null || skip "python3-sushy is not installed (scripts/install-deps.sh)"
command -v redfishtool >/dev/null || skip "redfishtool is not installed (scripts/install-deps.sh)"
[[ -f /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ]] || fail "OVMF with Secure Boot missing (package ovmf)"
qmp() { "$python" "$IMGBUILD_SOURCE_DIR/tests/emulate/qmp.py" "$@"; }

pids=()
trap 'rc=$?; for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null; (exit $rc); _prelude_exit' EXIT

# The images: a Debian 12 test base (BIOS) and the signed Debian 13 one (Secure Boot),
# each with a preseed that reports the machine's SMBIOS serial as soon as it is read.
cat >"$T/emulated.cfg" <<'CFG'
d-i debian-installer/locale string en_US
d-i preseed/include_command string echo "EMULATED-SERVER serial=$(cat /sys/class/dmi/id/product_serial)" >/dev/ttyS0
CFG
expect_status 0 "$IMGBUILD" build "$(fixture_iso modern-amd64)" -o "$T/r730.iso" --layout append \
    --preseed "$T/emulated.cfg" --no-lint --quiet
expect_status 0 "$IMGBUILD" build "$(trixie_iso signed)" -o "$T/r660.iso" --layout append \
    --preseed "$T/emulated.cfg" --no-lint --quiet
id730=$(iso_cat "$T/r730.iso" /imgbuild/build-id | tr -d '\n')
id660=$(iso_cat "$T/r660.iso" /imgbuild/build-id | tr -d '\n')

printf 'hostname,service_tag,mac\nrack-r730,R730EM1,52:54:00:73:00:01\n' >"$T/r730.csv"
printf 'hostname,service_tag,mac\nrack-r660,R660EM1,52:54:00:66:00:01\n' >"$T/r660.csv"
secret="Rehe4rse-$$-SeCrEt"
printf '%s\n' "$secret" >"$T/pw"

# A DRAC5 has no Redfish: one line naming the profile and what to do by hand, exit 2.
expect_status 2 "$IMGBUILD" emulate --hosts "$T/r730.csv" --machine pe2950 --password-file "$T/pw"
[[ $(error_line_count "$T/last.err") -eq 1 ]] || fail "the DRAC5 refusal is not one line"
grep -q "machines/pe2950.toml: a DRAC5 has no Redfish.*vmcli" "$T/last.err" || fail "the DRAC5 refusal: $(cat "$T/last.err")"

start=$SECONDS
# R730: the password given, and a fault: its first InsertMedia answers 503 (as a busy
# iDRAC does). R660: the password generated, in its state directory. The R660's state is
# temporary (no --state): emulate --json prints bmcs.json's document, which names it.
insert730=/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD/Actions/VirtualMedia.InsertMedia
"$IMGBUILD" emulate --hosts "$T/r730.csv" --machine r730 --state "$T/s730" --password-file "$T/pw" \
    --fault "rack-r730:unavailable-once:POST:$insert730" >"$T/e730.out" 2>"$T/e730.err" &
pids+=($!); e730=$!
"$IMGBUILD" emulate --hosts "$T/r660.csv" --machine r660 --json >"$T/e660.out" 2>"$T/e660.err" &
pids+=($!); e660=$!
"$IMGBUILD" serve "$T/r730.iso" "$T/r660.iso" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.log" &
pids+=($!)
for _ in $(seq 300); do
    [[ -s $T/s730/bmcs.json && $(wc -l <"$T/serve.out") -eq 2 ]] && jq -e .state "$T/e660.out" >/dev/null 2>&1 && break
    sleep 0.1
done
s660=$(jq -r .state "$T/e660.out" 2>/dev/null || true)
[[ -s $T/s730/bmcs.json && -n $s660 && -s $s660/bmcs.json ]] ||
    fail "emulate did not start: $(cat "$T/e730.out" "$T/e730.err" "$T/e660.out" "$T/e660.err")"
cat "$T/e730.out" "$T/e660.out"
[[ $(stat -c %a "$s660/bmc-password") == 600 ]] || fail "the generated password file is not 0600"
! grep -qF "$(cat "$s660/bmc-password")" "$s660/bmcs.json" "$T/e660.out" || fail "the generated password is printed"
jq -e '.password_file and (.bmcs[0].fingerprint | startswith("SHA256:")) and .user == "root"' "$s660/bmcs.json" >/dev/null ||
    fail "bmcs.json lacks the password file, user or fingerprint"

deploy() {  # deploy STATE ISO: the existing single-host deploy, pinned to the printed fingerprint
    local state=$1 iso=$2
    expect_status 0 "$IMGBUILD" deploy "$T/$iso.iso" --bmc "$(jq -r '.bmcs[0].url' "$state/bmcs.json")" \
        --user root --password-file "$(jq -r .password_file "$state/bmcs.json")" \
        --fingerprint "$(jq -r '.bmcs[0].fingerprint' "$state/bmcs.json")" \
        --image-url "$(grep "/$iso.iso\$" "$T/serve.out")" --until boot
    cat "$T/last.out" "$T/last.err" >>"$T/deploy.log"
}
# An image the emulated BMC cannot fetch (nothing listens there): QEMU's curl driver fails
# the fetch, the BMC's task fails with QEMU's reason, deploy quotes it, nothing is plugged.
expect_status 3 "$IMGBUILD" deploy "$T/r730.iso" --bmc "$(jq -r '.bmcs[0].url' "$T/s730/bmcs.json")" --user root \
    --password-file "$T/pw" --fingerprint "$(jq -r '.bmcs[0].fingerprint' "$T/s730/bmcs.json")" \
    --image-url http://127.0.0.1:1/r730.iso --no-image-check --until boot
expect_stderr_match "Couldn't connect to server"
# (the --fault: that first InsertMedia was answered 503, and retried)
expect_stderr_match "503"
cat "$T/last.out" "$T/last.err" >>"$T/deploy.log"

deploy "$T/s730" r730
deploy "$s660" r660

serial730=$T/s730/rack-r730/serial.log
serial660=$s660/rack-r660/serial.log
for _ in $(seq 600); do
    grep -aq "IMGBUILD:preseed-loaded:$id730" "$serial730" 2>/dev/null &&
        grep -aq "IMGBUILD:preseed-loaded:$id660" "$serial660" 2>/dev/null && break
    sleep 1
done
boot=$((SECONDS - start))
grep -aq "IMGBUILD:preseed-loaded:$id730" "$serial730" || fail "the R730 did not boot the image: $(tail -c 600 "$serial730")"
grep -aq "IMGBUILD:preseed-loaded:$id660" "$serial660" || fail "the R660 did not boot the image: $(tail -c 600 "$serial660")"
grep -aq "EMULATED-SERVER serial=R730EM1" "$serial730" || fail "the R730's installer did not read its service tag"
grep -aq "EMULATED-SERVER serial=R660EM1" "$serial660" || fail "the R660's installer did not read its service tag"
grep -aq "IMGBUILD:secureboot:on" "$serial660" || fail "the R660 did not boot with Secure Boot on"
[[ $(grep -ac "Booting from DVD/CD" "$T/s730/rack-r730/firmware.log") -eq 1 ]] || fail "SeaBIOS did not boot the virtual CD once"
echo "both machines booted their image from the virtual CD $boot s after emulate started"

# What QEMU holds: the USB virtual CD, its image read over HTTP from the served URL.
m730=$(jq -r '.bmcs[0].qmp_socket' "$T/s730/bmcs.json")
m660=$(jq -r '.bmcs[0].qmp_socket' "$s660/bmcs.json")
qmp "$m730" qom-list '{"path":"/machine/peripheral"}' | jq -e 'map(.name) | index("vmedia-CD")' >/dev/null ||
    fail "no virtual CD device on the R730"
qmp "$m730" query-named-block-nodes | jq -e --arg url "$(grep '/r730.iso$' "$T/serve.out")" \
    'map(select(.drv == "http" and .file == $url and .ro)) | length == 1' >/dev/null ||
    fail "the R730's virtual CD is not the served URL over HTTP: $(qmp "$m730" query-named-block-nodes)"
grep -q '"GET /r730.iso HTTP/1.1" 206' "$T/serve.log" || fail "QEMU did not read the image with ranged GETs"

# The one-time boot is spent: a reset boots the usual order (the blank disk), not the CD.
# R730 through redfishtool; R660 with a plain POST (its password is the generated one).
printf 'user = "root:%s"\n' "$(cat "$s660/bmc-password")" >"$T/curl.cfg"
chmod 600 "$T/curl.cfg"
post660() {  # post660 PATH BODY: the HTTP status
    curl -s -o /dev/null -w '%{http_code}' --cacert "$s660/rack-r660/bmc-cert.pem" -K "$T/curl.cfg" -X POST \
        -H 'Content-Type: application/json' -d "$2" "$(jq -r '.bmcs[0].url' "$s660/bmcs.json")$1"
}
rhost=$(jq -r '.bmcs[0].url' "$T/s730/bmcs.json"); rhost=${rhost#https://}
redfishtool -S Always -r "$rhost" -u root -p "$secret" Systems -1 reset ForceRestart >"$T/rft.reset" 2>&1 ||
    { cat "$T/rft.reset"; fail "redfishtool reset failed"; }
code=$(post660 /redfish/v1/Systems/System.Embedded.1/Actions/ComputerSystem.Reset '{"ResetType":"ForceRestart"}')
[[ $code == 204 ]] || fail "iDRAC9 ForceRestart answered $code"
# OVMF names what it tries: after the reset the BOSS (blank: Not Found), never the USB CD.
nvme_failed='BdsDxe: failed to load Boot[0-9]* "UEFI QEMU NVMe Ctrl'
for _ in $(seq 240); do
    grep -aq "No bootable device" "$T/s730/rack-r730/firmware.log" && grep -aq "$nvme_failed" "$serial660" && break
    sleep 0.5
done
grep -aq "Booting from Hard Disk" "$T/s730/rack-r730/firmware.log" || fail "the R730's reset did not boot the usual order"
[[ $(grep -ac "Booting from DVD/CD" "$T/s730/rack-r730/firmware.log") -eq 1 ]] || fail "the R730's CD booted again after the reset"
grep -aq "$nvme_failed" "$serial660" || fail "the R660's reset did not boot the usual order: $(tail -c 600 "$serial660")"
[[ $(grep -ac 'BdsDxe: starting Boot[0-9]* "UEFI QEMU QEMU USB' "$serial660") -eq 1 ]] ||
    fail "OVMF started the R660's virtual CD again after the reset"
[[ $(grep -ac "IMGBUILD:preseed-loaded:$id660" "$serial660") -eq 1 ]] || fail "the R660 booted the image twice"

# Eject: sushy on the iDRAC8 (Manager-level virtual media, what Debian's sushy knows),
# trusting only the BMC's own certificate (requests lets REQUESTS_CA_BUNDLE and
# CURL_CA_BUNDLE override a session's CA file: unset here).
env -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE "$python" - "$T/s730/bmcs.json" "$T/pw" >"$T/sushy.out" 2>&1 <<'PY' || { cat "$T/sushy.out"; fail "sushy eject failed"; }
import json, sys
import sushy
bmc = json.load(open(sys.argv[1]))
password = open(sys.argv[2]).readline().strip()
root = sushy.Sushy(bmc["bmcs"][0]["url"] + "/redfish/v1", username=bmc["user"], password=password,
                   verify=bmc["bmcs"][0]["directory"] + "/bmc-cert.pem")
manager = root.get_manager("/redfish/v1/Managers/iDRAC.Embedded.1")
cd = manager.virtual_media.get_member("/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD")
print("before", cd.inserted, cd.image)
cd.eject_media()
cd.refresh()
print("after", cd.inserted)
PY
grep -q '^after False$' "$T/sushy.out" || { cat "$T/sushy.out"; fail "sushy: still inserted after the eject"; }
qmp "$m730" qom-list '{"path":"/machine/peripheral"}' | jq -e 'map(.name) | index("vmedia-CD") | not' >/dev/null ||
    fail "the R730's virtual CD is still plugged in after the eject"
qmp "$m730" query-named-block-nodes | jq -e 'map(select(.drv == "http")) | length == 0' >/dev/null ||
    fail "the R730's image is still open after the eject"

# iDRAC9: the System-level slot, ejected with a plain POST.
code=$(post660 /redfish/v1/Systems/System.Embedded.1/VirtualMedia/1/Actions/VirtualMedia.EjectMedia '{}')
rm -f "$T/curl.cfg"
[[ $code == 204 ]] || fail "iDRAC9 EjectMedia answered $code"
for _ in $(seq 50); do
    qmp "$m660" qom-list '{"path":"/machine/peripheral"}' | jq -e 'map(.name) | index("vmedia-1") | not' >/dev/null && break
    sleep 0.1
done
qmp "$m660" qom-list '{"path":"/machine/peripheral"}' | jq -e 'map(.name) | index("vmedia-1") | not' >/dev/null ||
    fail "the R660's virtual CD is still plugged in after the eject"

# Stop: SIGTERM -> 0, SIGINT -> 130; nothing left.
generated=$(cat "$s660/bmc-password")
qemu730=$(pgrep -f "imgbuild-emulate-r730 .*$T/s730" || true)
[[ -n $qemu730 ]] || fail "no QEMU of the R730 found before the stop"
kill -TERM "$e730"; rc=0; wait "$e730" || rc=$?
[[ $rc -eq 0 ]] || fail "emulate ended with $rc on SIGTERM, not 0: $(cat "$T/e730.err")"
kill -INT "$e660"; rc=0; wait "$e660" || rc=$?
[[ $rc -eq 130 ]] || fail "emulate ended with $rc on SIGINT, not 130: $(cat "$T/e660.err")"
pids=("${pids[@]:2}")
sleep 0.5
! pgrep -af 'imgbuild-emulate-r(730|660)' | grep -F -e "$T" -e "$s660" || fail "a QEMU is left running"
! pgrep -f "$(dirname "$m660")" >/dev/null || fail "a process still uses the R660's sockets"
[[ ! -e $m730 && ! -e $m660 && ! -e $(dirname "$m660") ]] || fail "QMP sockets left behind"
[[ ! -e $s660 ]] || fail "the temporary state directory is left behind"
[[ -s $T/s730/rack-r730/serial.log ]] || fail "--state lost the serial log"

if grep -rlaF -e "$secret" -e "$generated" "$T" --exclude=pw --exclude=bmc-password --exclude='*.qcow2' --exclude='*.iso'; then
    fail "the BMC password leaked into the files above"
fi
echo "emulate-deploy-boot: $((SECONDS - start)) s from emulate's start to its stop"
