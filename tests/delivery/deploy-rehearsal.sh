#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A rack deployment rehearsed on emulated servers (Makefile.images deploy-rehearsal):
#
#   deploy-rehearsal.sh CACHE_DIR MACHINES HOSTS OUT_DIR     (IMGBUILD: the imgbuild binary)
#
# MACHINES is a machine profile (r730) or several separated by commas (r730,r660), HOSTS an
# inventory or as many, paired in order: the rows of each inventory are servers of that
# model. UNTIL (boot, install or firstboot; default firstboot) is how far deploy follows.
# 1. per-host images for each inventory (tests/delivery/make-image.sh: the stand-in
#    installer disc with the profile's overlays; BIOS profiles get the flagship's, UEFI
#    ones the Secure Boot disc and overlays/poweredge-current), their installers sending
#    syslog to the host (log_host=10.0.2.2, QEMU's user network, and a free port):
#    OUT/images/<hostname>.iso;
# 2. `imgbuild emulate --hosts HOSTS --machine MACHINE --state OUT/state-MACHINE` per pair,
#    with one password file (OUT/bmc-password, mode 0600);
# 3. `imgbuild serve` of the images on 127.0.0.1;
# 4. one inventory of every row with its emulated BMC (bmc, bmc_fingerprint from the
#    bmcs.json files: OUT/report/inventory.csv), deployed at once with
#    `imgbuild deploy --hosts … --per-host OUT/images --until UNTIL --report OUT/report/deploy`
#    (report.json, index.html; JUnit: OUT/report/deploy-junit.xml);
# 5. after it, per host from outside deploy: its BMC's CD slots (Redfish GET, curl with the
#    pinned certificate: nothing left inserted), its serial log (the installer booted from
#    the virtual CD with its own build id, the install finished, the installed system's
#    first-boot hook done);
# 6. OUT/report/: report.json (per host: machine, deploy status and seconds, booted,
#    installed, firstboot, media_ejected), the deploy's output and report, each host's
#    serial and emulator log; everything stopped (emulate on SIGTERM: no QEMU left).
# Exit 0 when deploy succeeded for every host and the checks above agree, 1 otherwise.
set -euo pipefail
usage="usage: deploy-rehearsal.sh CACHE_DIR MACHINE[,MACHINE...] HOSTS.csv[,HOSTS.csv...] OUT_DIR"
cache=${1:?$usage}
machines=${2:?$usage}
hosts_files=${3:?$usage}
out=${4:?$usage}
: "${IMGBUILD:?set IMGBUILD to the imgbuild binary}"
until=${UNTIL:-firstboot}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
for tool in jq curl xorriso; do
    command -v $tool >/dev/null || { echo "deploy-rehearsal: $tool is needed (scripts/install-deps.sh)" >&2; exit 2; }
done
IFS=, read -r -a machine_list <<<"$machines"
IFS=, read -r -a hosts_list <<<"$hosts_files"
[[ ${#machine_list[@]} -eq ${#hosts_list[@]} ]] ||
    { echo "deploy-rehearsal: ${#machine_list[@]} machines but ${#hosts_list[@]} inventories: give one inventory per machine" >&2; exit 2; }
for i in "${!machine_list[@]}"; do
    [[ -f $src/machines/${machine_list[$i]}.toml ]] ||
        { echo "deploy-rehearsal: no machine profile machines/${machine_list[$i]}.toml: name one of machines/*.toml with a Redfish BMC (r730, r660)" >&2; exit 2; }
    [[ -f ${hosts_list[$i]} ]] || { echo "deploy-rehearsal: ${hosts_list[$i]}: no such inventory: give HOSTS= an inventory CSV (hostname, service_tag, mac)" >&2; exit 2; }
    hosts_list[$i]=$(cd "$(dirname "${hosts_list[$i]}")" && pwd)/$(basename "${hosts_list[$i]}")
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/report" "$out/images" "$out"/state-*
mkdir -p "$out/report" "$out/images"

# The installers' syslog port: deploy listens there on every address; the guests reach
# this machine as 10.0.2.2 on QEMU's user network.
port=$((20000 + RANDOM % 20000))
for i in "${!machine_list[@]}"; do
    machine=${machine_list[$i]}
    case $(sed -n 's/^firmware *= *"\(.*\)".*/\1/p' "$src/machines/$machine.toml") in
        uefi*) profile=poweredge-current ;;
        *) profile=pe2950-drac5 ;;
    esac
    IMGBUILD_DELIVERY_HOSTS=${hosts_list[$i]} IMGBUILD_DELIVERY_KERNEL_ARGS="log_host=10.0.2.2 log_port=$port" \
        "$here/make-image.sh" "$cache" "$out/images-$machine" "$profile" >"$out/report/build-$machine.log" 2>&1 ||
        { tail -n 20 "$out/report/build-$machine.log" >&2; echo "deploy-rehearsal: the $machine images failed to build" >&2; exit 1; }
    mv "$out/images-$machine"/*.iso "$out/images/"
    rm -rf "$out/images-$machine"
done

pids=()
stop_all() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
}
trap stop_all EXIT
(umask 077 && head -c 18 /dev/urandom | base64 >"$out/bmc-password")
for i in "${!machine_list[@]}"; do
    machine=${machine_list[$i]}
    "$IMGBUILD" emulate --hosts "${hosts_list[$i]}" --machine "$machine" --state "$out/state-$machine" \
        --password-file "$out/bmc-password" >"$out/report/emulate-$machine.out" 2>"$out/report/emulate-$machine.err" &
    pids+=($!)
done
"$IMGBUILD" serve "$out"/images/*.iso --listen 127.0.0.1:0 >"$out/report/serve.out" 2>"$out/report/serve.log" &
pids+=($!)
emulates=${#machine_list[@]}
for _ in $(seq 1200); do
    ready=0
    for machine in "${machine_list[@]}"; do [[ -s $out/state-$machine/bmcs.json ]] && ready=$((ready + 1)); done
    [[ $ready -eq $emulates && -s $out/report/serve.out ]] && break
    for p in "${pids[@]}"; do
        kill -0 "$p" 2>/dev/null || { cat "$out"/report/emulate-*.err "$out/report/serve.log" >&2; echo "deploy-rehearsal: emulate or serve stopped" >&2; exit 1; }
    done
    sleep 0.1
done
[[ $ready -eq $emulates ]] || { cat "$out"/report/emulate-*.err >&2; echo "deploy-rehearsal: emulate did not start" >&2; exit 1; }
base_url=$(head -n1 "$out/report/serve.out")
base_url=${base_url%/*}/
cat "$out"/report/emulate-*.out

# One inventory as deploy --hosts reads it: every row, each with its emulated BMC.
bmcs=()
for machine in "${machine_list[@]}"; do bmcs+=("$out/state-$machine/bmcs.json"); done
jq -s '{bmcs: [.[] | .bmcs[]], user: .[0].user}' "${bmcs[@]}" >"$out/report/bmcs.json"
/usr/bin/python3 - "$out/report/bmcs.json" "$out/report/inventory.csv" "${hosts_list[@]}" <<'PY'
import csv, json, sys
bmcs = {b["hostname"]: b for b in json.load(open(sys.argv[1]))["bmcs"]}
rows, fields = [], []
for name in sys.argv[3:]:
    for row in csv.DictReader(open(name, newline="")):
        rows.append(row)
        fields += [f for f in row if f not in fields]
fields += ["bmc", "bmc_fingerprint"]
with open(sys.argv[2], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields)
    w.writeheader()
    for row in rows:
        b = bmcs[row["hostname"]]
        w.writerow(dict(row, bmc=b["url"], bmc_fingerprint=b["fingerprint"]))
PY
count=$(jq '.bmcs | length' "$out/report/bmcs.json")
rc=0
"$IMGBUILD" deploy --hosts "$out/report/inventory.csv" --per-host "$out/images" --image-base-url "$base_url" \
    --user "$(jq -r .user "$out/report/bmcs.json")" --password-file "$out/bmc-password" --until "$until" \
    --parallel "$count" --report "$out/report/deploy" --junit "$out/report/deploy-junit.xml" --force \
    >"$out/report/deploy.out" 2>"$out/report/deploy.log" || rc=$?
echo "deploy-rehearsal: deploy --hosts exit $rc"

# Each host from outside deploy: its BMC (Redfish, the pinned certificate) and its console.
# redfish_get URL PATH: the BMC's answer (the password through curl's config on a pipe,
# never on its command line).
redfish_get() {
    curl -s --fail -k --config <(printf 'url = "%s%s"\nuser = "%s:%s"\n' "$1" "$2" \
        "$(jq -r .user "$out/report/bmcs.json")" "$(cat "$out/bmc-password")")
}
# slot_states URL FINGERPRINT: "inserted" or "empty" per CD slot the BMC lists (curl -k
# only once openssl saw the pinned certificate there).
slot_states() {
    local url=$1 pin path member seen
    pin=$(tr -d ':' <<<"${2#SHA256:}" | tr 'A-F' 'a-f')
    seen=$(openssl s_client -connect "${url#https://}" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 |
        sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
    [[ $seen == "$pin" ]] || { echo "certificate-not-pinned"; return; }
    for path in /redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia /redfish/v1/Systems/System.Embedded.1/VirtualMedia; do
        for member in $(redfish_get "$url" "$path" 2>/dev/null | jq -r '.Members[]?."@odata.id"' || true); do
            redfish_get "$url" "$member" |
                jq -r 'select((.MediaTypes // []) | any(. == "CD" or . == "DVD")) | if .Inserted then "inserted" else "empty" end'
        done
    done
}
declare -A machine_of=()
for m in "${machine_list[@]}"; do
    for h in $(jq -r '.bmcs[].hostname' "$out/state-$m/bmcs.json"); do machine_of[$h]=$m; done
done
results=()
failed=$((rc != 0))
for i in $(seq 0 $((count - 1))); do
    host=$(jq -r ".bmcs[$i].hostname" "$out/report/bmcs.json")
    dir=$(jq -r ".bmcs[$i].directory" "$out/report/bmcs.json")
    id=$(xorriso -report_about FAILURE -indev "$out/images/$host.iso" -osirrox on -extract /imgbuild/build-id /dev/stdout 2>/dev/null | tr -d '\n')
    cp "$dir/serial.log" "$out/report/$host.serial.log" 2>/dev/null || true
    cp "$dir/emulate.log" "$out/report/$host.emulate.log" 2>/dev/null || true
    log=$out/report/$host.serial.log
    booted=false installed=false firstboot=false ejected=false
    grep -aq "IMGBUILD:preseed-loaded:$id" "$log" 2>/dev/null && booted=true
    grep -aq "STANDIN: install finished" "$log" 2>/dev/null && installed=true
    grep -aq "IMGBUILD:firstboot-done" "$log" 2>/dev/null && firstboot=true
    states=$(slot_states "$(jq -r ".bmcs[$i].url" "$out/report/bmcs.json")" "$(jq -r ".bmcs[$i].fingerprint" "$out/report/bmcs.json")")
    [[ -n $states ]] && ! grep -qv '^empty$' <<<"$states" && ejected=true
    status=$(jq -r --arg h "$host" '.hosts[] | select(.host == $h) | .status' "$out/report/deploy/report.json" 2>/dev/null || true)
    seconds=$(jq -r --arg h "$host" '.hosts[] | select(.host == $h) | .seconds' "$out/report/deploy/report.json" 2>/dev/null || true)
    machine=${machine_of[$host]}
    echo "deploy-rehearsal: $host ($machine): deploy ${status:-unknown}; booted the image $booted, installed $installed," \
        "first boot $firstboot, media ejected $ejected"
    results+=("$(jq -n --arg host "$host" --arg machine "$machine" --arg status "${status:-unknown}" --arg s "${seconds:-0}" \
        --argjson booted "$booted" --argjson installed "$installed" --argjson firstboot "$firstboot" --argjson ejected "$ejected" \
        '{hostname: $host, machine: $machine, deploy: $status, deploy_seconds: ($s | tonumber), booted: $booted,
          installed: $installed, firstboot: $firstboot, media_ejected: $ejected}')")
    [[ $status == done && $booted == true && $ejected == true ]] || failed=1
    case $until in
        install) [[ $installed == true ]] || failed=1 ;;
        firstboot) [[ $installed == true && $firstboot == true ]] || failed=1 ;;
    esac
done
printf '%s\n' "${results[@]}" | jq -s --arg until "$until" --arg machines "$machines" --arg url "$base_url" \
    '{machines: ($machines | split(",")), until: $until, image_base_url: $url, hosts: .}' >"$out/report/report.json"
stop_all
trap - EXIT
echo "deploy-rehearsal: report in $out/report/report.json"
exit $failed
