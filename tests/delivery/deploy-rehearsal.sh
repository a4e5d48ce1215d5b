#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A deployment rehearsed on emulated servers (Makefile.images deploy-rehearsal):
#
#   deploy-rehearsal.sh CACHE_DIR MACHINE HOSTS.csv OUT_DIR    (IMGBUILD: the imgbuild binary)
#
# 1. the stand-in installer image (tests/delivery/make-image.sh: the flagship's overlays on
#    the stand-in disc), OUT/rehearsal.iso;
# 2. `imgbuild emulate --hosts HOSTS --machine MACHINE --state OUT/state`;
# 3. `imgbuild serve` of the image on 127.0.0.1;
# 4. the inventory with each row's emulated BMC (bmc, bmc_fingerprint from
#    OUT/state/bmcs.json: OUT/report/inventory.csv) deployed at once with
#    `imgbuild deploy --hosts … --until boot --report OUT/report/deploy` (report.json,
#    index.html; the JUnit file OUT/report/deploy-junit.xml), then each host's serial log
#    watched until the image reports that its preseed was loaded (BOOT_TIMEOUT seconds,
#    default 600);
# 5. OUT/report/: report.json (per host: deploy status and seconds, seconds until the
#    image booted from the virtual CD), the deploy's output and report, each host's serial
#    log and the emulator's log; everything stopped (emulate on SIGTERM: no QEMU left).
# Exit 0 when every host booted the image, 1 otherwise.
set -euo pipefail
cache=${1:?usage: deploy-rehearsal.sh CACHE_DIR MACHINE HOSTS.csv OUT_DIR}
machine=${2:?usage: deploy-rehearsal.sh CACHE_DIR MACHINE HOSTS.csv OUT_DIR}
hosts=${3:?usage: deploy-rehearsal.sh CACHE_DIR MACHINE HOSTS.csv OUT_DIR}
out=${4:?usage: deploy-rehearsal.sh CACHE_DIR MACHINE HOSTS.csv OUT_DIR}
: "${IMGBUILD:?set IMGBUILD to the imgbuild binary}"
boot_timeout=${BOOT_TIMEOUT:-600}
here=$(cd "$(dirname "$0")" && pwd)
command -v jq >/dev/null || { echo "deploy-rehearsal: jq is needed (apt-get install jq)" >&2; exit 2; }

mkdir -p "$out/report"
rm -rf "$out/state"
"$here/make-image.sh" "$cache" "$out/rehearsal.iso"
rm -f "$out/report/build-id"
xorriso -report_about FAILURE -indev "$out/rehearsal.iso" -osirrox on -extract /imgbuild/build-id "$out/report/build-id" >/dev/null 2>&1
id=$(tr -d '\n' <"$out/report/build-id")
[[ -n $id ]] || { echo "deploy-rehearsal: $out/rehearsal.iso has no build id" >&2; exit 1; }

pids=()
stop_all() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_all EXIT
"$IMGBUILD" emulate --hosts "$hosts" --machine "$machine" --state "$out/state" \
    >"$out/report/emulate.out" 2>"$out/report/emulate.err" &
pids+=($!)
"$IMGBUILD" serve "$out/rehearsal.iso" --listen 127.0.0.1:0 >"$out/report/serve.out" 2>"$out/report/serve.log" &
pids+=($!)
for _ in $(seq 600); do
    [[ -s $out/state/bmcs.json && -s $out/report/serve.out ]] && break
    kill -0 "${pids[0]}" 2>/dev/null || { cat "$out/report/emulate.err" >&2; exit 2; }
    sleep 0.1
done
[[ -s $out/state/bmcs.json ]] || { echo "deploy-rehearsal: emulate did not start" >&2; cat "$out/report/emulate.err" >&2; exit 1; }
image=$(head -n1 "$out/report/serve.out")
bmcs=$out/state/bmcs.json
cat "$out/report/emulate.out"

# The inventory as deploy --hosts reads it: the rows given, each with its emulated BMC.
/usr/bin/python3 - "$hosts" "$bmcs" "$out/report/inventory.csv" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
bmcs = {b["hostname"]: b for b in json.load(open(sys.argv[2]))["bmcs"]}
fields = list(rows[0].keys()) + ["bmc", "bmc_fingerprint"]
with open(sys.argv[3], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields)
    w.writeheader()
    for row in rows:
        b = bmcs[row["hostname"]]
        w.writerow(dict(row, bmc=b["url"], bmc_fingerprint=b["fingerprint"]))
PY
count=$(jq '.bmcs | length' "$bmcs")
rc=0
"$IMGBUILD" deploy "$out/rehearsal.iso" --hosts "$out/report/inventory.csv" --user "$(jq -r .user "$bmcs")" \
    --password-file "$(jq -r .password_file "$bmcs")" --image-url "$image" --until boot \
    --report "$out/report/deploy" --junit "$out/report/deploy-junit.xml" --force \
    >"$out/report/deploy.out" 2>"$out/report/deploy.log" || rc=$?
end=$(date +%s.%N)
echo "deploy-rehearsal: deploy --hosts exit $rc"
results=()
declare -A deployed_at=()
for i in $(seq 0 $((count - 1))); do
    host=$(jq -r ".bmcs[$i].hostname" "$bmcs")
    deployed_at[$host]=$end
    status=$(jq -r --arg h "$host" '.hosts[] | select(.host == $h) | .status' "$out/report/deploy/report.json" 2>/dev/null || true)
    seconds=$(jq -r --arg h "$host" '.hosts[] | select(.host == $h) | .seconds' "$out/report/deploy/report.json" 2>/dev/null || true)
    results+=("$(jq -n --arg host "$host" --arg status "${status:-unknown}" --arg s "${seconds:-0}" \
        '{hostname: $host, deploy: $status, deploy_seconds: ($s | tonumber)}')")
    echo "deploy-rehearsal: $host: deploy ${status:-unknown}"
done

# Each host's installer, from the serial log: booted from the virtual CD when the image's
# preseed-loaded marker (its build id) appears.
deadline=$((SECONDS + boot_timeout))
declare -A booted=()
while ((SECONDS < deadline)) && ((${#booted[@]} < count)); do
    for i in $(seq 0 $((count - 1))); do
        host=$(jq -r ".bmcs[$i].hostname" "$bmcs")
        [[ -n ${booted[$host]:-} ]] && continue
        if grep -aq "IMGBUILD:preseed-loaded:$id" "$(jq -r ".bmcs[$i].serial_log" "$bmcs")" 2>/dev/null; then
            booted[$host]=$(awk -v a="$(date +%s.%N)" -v b="${deployed_at[$host]}" 'BEGIN { printf "%.1f", a - b }')
            echo "deploy-rehearsal: $host: booted the image from the virtual CD ${booted[$host]} s after its deploy"
        fi
    done
    sleep 1
done

failed=0
report=$(printf '%s\n' "${results[@]}" | jq -s '.')
for i in $(seq 0 $((count - 1))); do
    host=$(jq -r ".bmcs[$i].hostname" "$bmcs")
    dir=$(jq -r ".bmcs[$i].directory" "$bmcs")
    cp "$dir/serial.log" "$out/report/$host.serial.log" 2>/dev/null || true
    cp "$dir/emulate.log" "$out/report/$host.emulate.log" 2>/dev/null || true
    if [[ -n ${booted[$host]:-} && $rc -eq 0 ]]; then
        report=$(jq --arg h "$host" --arg s "${booted[$host]}" 'map(if .hostname == $h then . + {booted: true, boot_seconds: ($s | tonumber)} else . end)' <<<"$report")
    else
        report=$(jq --arg h "$host" 'map(if .hostname == $h then . + {booted: false} else . end)' <<<"$report")
        failed=1
    fi
done
jq -n --arg machine "$machine" --arg image "$image" --argjson hosts "$report" \
    '{machine: $machine, image: $image, hosts: $hosts}' >"$out/report/report.json"
stop_all
trap - EXIT
echo "deploy-rehearsal: report in $out/report/report.json"
exit $failed
