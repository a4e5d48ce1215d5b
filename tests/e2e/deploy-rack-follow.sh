#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e deploy
# timeout: 180
# cost: 15
# imgbuild deploy --hosts follows every host's install through one syslog receiver, against
# emulated BMCs hosted over HTTPS (tests/drivers/bmc-serve), no QEMU: a player per host is
# the server. When its BMC powers on from the CD, the player sends what the fleet image's
# installer sends (util-linux logger over UDP, RFC 5424 without a hostname as d-i's BusyBox
# forwarding, one socket): preseed-loaded with the fleet image's build id (the same for
# every host: it routes nothing), the fleet marker IMGBUILD:host:<hostname>:...,
# IMGBUILD:hostname:<hostname> and install-finished; once its BMC ejected the media, its
# installed system's first-boot lines with its own hostname. Every player sends from
# 127.0.0.1, as servers behind one NAT address: the router tells them apart by port.
#   db1  iDRAC9, db2  iDRAC8: done through the first boot;
#   db3  iDRAC9 whose player never reports: fails with the installer timeout diagnosis.
# Checked: exit 1; db1 and db2 done, db3 failed, its diagnosis; on db1 and db2 the BMC's
# next effect after the power-on is the eject (right after install-finished); nothing left
# inserted anywhere; report.json's steps (jq); the fleet image served by --serve. Bad input
# (exit 2, nothing sent): --hostname, an image without log_host, per-host images sending to
# different ports. The password in no output, log, effects or report.
source "$(dirname "$0")/prelude.sh"

driver="${IMGBUILD_BUILD_DIR:-$(dirname "$IMGBUILD")}/bmc-serve"
[ -x "$driver" ] || fail "$driver not built (ninja bmc-serve)"
for tool in openssl xorriso jq logger; do command -v $tool >/dev/null || skip "$tool is not installed"; done
logger --help | grep -q -- '--rfc5424' || skip "logger is not util-linux's (no --rfc5424)"

secret="R4ckF0llow-$$-SeCrEt"
source "$IMGBUILD_SOURCE_DIR/tests/bmc/hosted.sh"
hosted_bmc_setup "$secret"

# The fleet image: a stand-in with what deploy reads of an imgbuild image (its build id, an
# isolinux menu whose unattended entry sends the installer's syslog to 127.0.0.1:$port).
port=$((20000 + RANDOM % 20000))
id=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
followable_iso "$T/fleet.iso" "$id" "log_host=127.0.0.1 log_port=$port"

start_bmc() {  # start_bmc NAME DIALECT
    "$driver" --dialect "$2" --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
        --user root --password-file "$T/pw" --effects "$T/$1.effects" --ready "$T/$1.url" 2>"$T/$1.log" &
    pids+=($!)
    for _ in $(seq 100); do [[ -s $T/$1.url ]] && return 0; sleep 0.05; done
    fail "bmc-serve $1 did not start: $(cat "$T/$1.log")"
}
effects() { jq -r '[.kind, .slot, .image, .boot_device, .boot_enabled] | map(select(. != "")) | join(" ")' "$T/$1.effects"; }
wait_effect() {  # wait_effect NAME PATTERN AFTER: the line number of the first match after AFTER (60 s)
    for _ in $(seq 600); do
        local n
        n=$(effects "$1" 2>/dev/null | awk -v after="$3" -v re="$2" 'NR > after && $0 ~ re { print NR; exit }')
        [[ -n $n ]] && { echo "$n"; return 0; }
        sleep 0.1
    done
    return 1
}
ejected_at_end() { effects "$1" | grep -E '^(insert|eject)-media' | tail -n1 | grep -q '^eject-media'; }

# The installer's lines go out as BusyBox syslogd -R sends them: one UDP socket for the
# whole install (one source port), no hostname in the header. Every player sends from
# 127.0.0.1, as servers behind one NAT address do, so only the port tells the installers
# apart: the fleet marker binds it to the host, as a real installer's does at netcfg.
installer_line() { printf '<13>Dec  7 19:53:39 %s: %s\n' "$1" "$2" >&7; }
# The installed system names itself in every line (a new socket each time, as logger).
system_line() { printf '<13>Dec  7 19:53:38 %s %s: %s' "$1" "$2" "$3" >"/dev/udp/127.0.0.1/$port"; }

play() {  # play NAME: the server's side of its deployment, once its BMC powered on from the CD
    local name=$1 on
    on=$(wait_effect "$name" '^power-on Cd Once' 0) || { echo "never powered on from Cd" >"$T/$name.play"; return; }
    sleep 0.3
    exec 7>"/dev/udp/127.0.0.1/$port"
    installer_line preseed "IMGBUILD:preseed-loaded:$id"
    installer_line netcfg "IMGBUILD:host:$name:mac"
    installer_line main-menu "INFO: Menu item 'netcfg' selected"
    installer_line preseed "IMGBUILD:hostname:$name"
    installer_line preseed "IMGBUILD:install-finished"
    exec 7>&-
    wait_effect "$name" '^eject-media' "$on" >"$T/$name.eject-line" || { echo "never ejected" >"$T/$name.play"; return; }
    system_line "$name" imgbuild-firstboot "IMGBUILD:firstboot-start"
    system_line "$name" imgbuild-firstboot "IMGBUILD:firstboot-done"
    echo "played" >"$T/$name.play"
}

start_bmc db1 idrac9
start_bmc db2 idrac8
start_bmc db3 idrac9
cat >"$T/rack.csv" <<EOF
hostname,bmc,bmc_user,bmc_fingerprint
db1,$(cat "$T/db1.url"),root,SHA256:$fingerprint
db2,$(cat "$T/db2.url"),root,SHA256:$fingerprint
db3,$(cat "$T/db3.url"),root,SHA256:$fingerprint
EOF
for h in db1 db2; do
    play "$h" &
    pids+=($!)
done

expect_status 1 "$IMGBUILD" deploy "$T/fleet.iso" --hosts "$T/rack.csv" --password-file "$T/pw" \
    --serve 127.0.0.1:0 --syslog "127.0.0.1:$port" --timeout installer=5 --parallel 3 --report "$T/report" \
    --log "$T/deploy.log"
R=$T/report/report.json
jq -e '.until == "firstboot"' "$R" >/dev/null || fail "the rack did not go until firstboot by default"
for h in db1 db2; do
    jq -e --arg h "$h" '.hosts[] | select(.host == $h) | .status == "done" and .deployed.until == "firstboot"
        and ([.steps[] | select(.ok) | .name] | contains(["installer", "install", "eject-after-install", "firstboot"]))' \
        "$R" >/dev/null || fail "$h: $(jq -c --arg h "$h" '.hosts[] | select(.host == $h)' "$R")"
    [[ $(cat "$T/$h.play" 2>/dev/null) == played ]] || fail "$h's player: $(cat "$T/$h.play" 2>/dev/null)"
    # The BMC's next effect after the power-on from the CD is the eject.
    on=$(wait_effect "$h" '^power-on Cd Once' 0)
    [[ $(cat "$T/$h.eject-line") -eq $((on + 1)) ]] || { effects "$h"; fail "$h: not ejected right after install-finished"; }
    wait_effect "$h" '^insert-media .*http://127\.0\.0\.1:[0-9]+/fleet\.iso' 0 >/dev/null || fail "$h: not the served URL"
done
jq -e '.hosts[] | select(.host == "db3") | .status == "failed" and (.deployed == null)' "$R" >/dev/null ||
    fail "db3: $(jq -c '.hosts[] | select(.host == "db3")' "$R")"
expect_stderr_match "db3 \(.*rack.csv:4\): failed: installer: no IMGBUILD:preseed-loaded within 5 s of the power-on"
expect_stderr_match "3 hosts: 2 done, 1 failed"
expect_stderr_match "served [0-9]+ requests?, "
for h in db1 db2 db3; do ejected_at_end "$h" || { effects "$h"; fail "$h: media left inserted"; }; done

# Bad input: with --hosts, --hostname is the inventory's; an image without log_host is not followable.
expect_status 2 "$IMGBUILD" deploy "$T/fleet.iso" --hosts "$T/rack.csv" --password-file "$T/pw" \
    --image-url http://192.0.2.1/fleet.iso --hostname db1
expect_stderr_match "--hostname: not with --hosts"
followable_iso "$T/nolog.iso" "$id" ""
lines=$(cat "$T"/db*.effects | wc -l)
expect_status 2 "$IMGBUILD" deploy "$T/nolog.iso" --hosts "$T/rack.csv" --password-file "$T/pw" \
    --image-url http://192.0.2.1/nolog.iso
expect_stderr_match "nolog\.iso: .*no log_host= kernel argument"
# Per-host images that send to different ports: one run receives on one port.
mkdir -p "$T/per"
cp "$T/fleet.iso" "$T/per/db1.iso" && cp "$T/fleet.iso" "$T/per/db3.iso"
followable_iso "$T/per/db2.iso" "$id" "log_host=127.0.0.1 log_port=$((port + 1))"
expect_status 2 "$IMGBUILD" deploy --per-host "$T/per" --image-base-url http://192.0.2.1/ --hosts "$T/rack.csv" \
    --password-file "$T/pw"
expect_stderr_match "per/db2\.iso: its installer sends its syslog to port $((port + 1)), .*per/db1\.iso's to port $port"
[[ $(cat "$T"/db*.effects | wc -l) -eq $lines ]] || fail "something reached a BMC for bad input"

for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
if grep -rlF -e "$secret" "$T" --exclude=pw; then fail "the password leaked into the files above"; fi
