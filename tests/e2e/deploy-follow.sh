#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e deploy
# timeout: 180
# cost: 12
# imgbuild deploy follows the install after the power-on, against the emulated BMC hosted
# over HTTPS (tests/drivers/bmc-serve), no QEMU: a player here is the server. When the BMC
# powers on with the image inserted and a one-time Cd boot, the player sends the syslog
# lines the image's installer and first-boot hook send (util-linux logger over UDP:
# RFC 5424 without a hostname as d-i's BusyBox forwarding, then with the installed
# system's hostname as firstboot.sh), and watches the BMC's effects. Checked:
#  - --until firstboot with --serve: exit 0; the media ejected right after install-finished
#    (the eject is the BMC's next effect after the power-on, within seconds of the line,
#    and before the first boot); the ISO was served in-process with ranges;
#  - another build id (the server booted another image), silence (the one-time boot
#    ignored), a first-boot marker instead of the installer (its own disk), the late
#    command failing: each its diagnosis, exit 4, and nothing left inserted;
#  - Ctrl-C while it waits: exit 130, the image ejected;
#  - an image without log_host: exit 2 naming the ISO and --kernel-args, nothing sent;
#  - --serve 0.0.0.0:PORT refused (the BMC cannot fetch from 0.0.0.0);
#  - the password in no output, log or effects file.
# The ISO is a hand-made stand-in for an imgbuild image (build id file, an isolinux menu
# with imgbuild's block): what deploy reads of it, nothing more.
source "$(dirname "$0")/prelude.sh"

driver="$IMGBUILD_BUILD_DIR/bmc-serve"
[ -x "$driver" ] || fail "$driver not built (ninja bmc-serve)"
for tool in openssl xorriso jq logger; do command -v $tool >/dev/null || skip "$tool is not installed"; done
logger --help | grep -q -- '--rfc5424' || skip "logger is not util-linux's (no --rfc5424)"

secret="F0llow-$$-SeCrEt"
source "$IMGBUILD_SOURCE_DIR/tests/bmc/hosted.sh"
hosted_bmc_setup "$secret"

# The image: its build id and an isolinux menu whose unattended entry sends the
# installer's syslog to 127.0.0.1:$port.
port=$((20000 + RANDOM % 20000))
id=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
other_id=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
followable_iso "$T/follow.iso" "$id" "log_host=127.0.0.1 log_port=$port"
followable_iso "$T/nolog.iso" "$id" "console=ttyS0"

start_bmc() {  # start_bmc NAME: the URL in $T/NAME.url
    "$driver" --dialect idrac9 --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
        --user root --password-file "$T/pw" --effects "$T/$1.effects" --ready "$T/$1.url" 2>"$T/$1.log" &
    pids+=($!)
    for _ in $(seq 100); do [[ -s $T/$1.url ]] && return 0; sleep 0.05; done
    fail "bmc-serve $1 did not start: $(cat "$T/$1.log")"
}

effects() { jq -r '[.kind, .slot, .image, .boot_device, .boot_enabled] | map(select(. != "")) | join(" ")' "$T/$1.effects"; }

# wait_effect NAME PATTERN AFTER: waits (60 s at most) for an effect line matching PATTERN
# after line AFTER; prints its line number.
wait_effect() {
    for _ in $(seq 600); do
        local n
        n=$(effects "$1" 2>/dev/null | awk -v after="$3" -v re="$2" 'NR > after && $0 ~ re { print NR; exit }')
        [[ -n $n ]] && { echo "$n"; return 0; }
        sleep 0.1
    done
    return 1
}

installer_line() { logger -n 127.0.0.1 -P "$port" -d --rfc5424=nohost -t "$1" -- "$2"; }
system_line() { logger -n 127.0.0.1 -P "$port" -d -t "$1" -- "$2"; }

# The server side of one deployment: plays MODE once the BMC powered on from the CD.
play() {  # play NAME MODE
    local name=$1 mode=$2 on
    on=$(wait_effect "$name" '^power-on Cd Once' 0) || { echo "never powered on from Cd" >"$T/$name.play"; return; }
    sleep 0.3
    case $mode in
        ok)
            installer_line preseed "IMGBUILD:preseed-loaded:$id"
            installer_line main-menu "INFO: Menu item 'netcfg' selected"
            installer_line anna "INFO: retrieving partman-base"
            installer_line preseed "IMGBUILD:install-finished"
            date +%s.%N >"$T/$name.finished"
            if ejected=$(wait_effect "$name" '^eject-media' "$on"); then
                date +%s.%N >"$T/$name.ejected"
                echo "$ejected" >"$T/$name.eject-line"
                system_line imgbuild-firstboot "IMGBUILD:firstboot-start"
                system_line imgbuild-firstboot "IMGBUILD:firstboot-done"
            fi
            ;;
        wrong-id) installer_line preseed "IMGBUILD:preseed-loaded:$other_id" ;;
        own-disk) system_line imgbuild-firstboot "IMGBUILD:firstboot-start" ;;
        late-fails)
            installer_line preseed "IMGBUILD:preseed-loaded:$id"
            installer_line preseed "IMGBUILD:late-command-failed:7"
            ;;
        silent) ;;
        started) installer_line preseed "IMGBUILD:preseed-loaded:$id" ;;
    esac
    echo "played $mode" >"$T/$name.play"
}

deploy() {  # deploy NAME ISO MORE-OPTIONS...
    local name=$1 iso=$2
    shift 2
    "$IMGBUILD" deploy "$T/$iso.iso" --bmc "$(cat "$T/$name.url")" --user root --password-file "$T/pw" \
        --fingerprint "SHA256:$fingerprint" --syslog "127.0.0.1:$port" "$@"
}
keep() { cat "$T/last.out" >>"$T/all.out"; cat "$T/last.err" >>"$T/all.err"; }

# Nothing left inserted: the last media effect is an eject.
ejected_at_end() { effects "$1" | grep -E '^(insert|eject)-media' | tail -n1 | grep -q '^eject-media'; }

# 1. Through to the first boot, the image served by deploy itself.
start_bmc ok
play ok ok &
pids+=($!)
expect_status 0 deploy ok follow --serve 127.0.0.1:0 --until firstboot --hostname "$(hostname)"
keep
grep -q "first boot done" "$T/last.out" || fail "no 'first boot done' line"
expect_stderr_match "installer ok .*preseed-loaded:$id"
expect_stderr_match "install ok \(.*\): install-finished$"
expect_stderr_match "eject-after-install ok"
expect_stderr_match "firstboot ok"
expect_stderr_match "served [0-9]+ requests?, "
wait_effect ok '^insert-media 1 http://127\.0\.0\.1:[0-9]+/follow\.iso' 0 >/dev/null || fail "not the served URL"
[[ -s $T/ok.ejected ]] || { effects ok; fail "the media were not ejected after install-finished"; }
# The BMC's very next effect after the power-on is the eject, seconds after the line.
on=$(wait_effect ok '^power-on Cd Once' 0)
[[ $(cat "$T/ok.eject-line") -eq $((on + 1)) ]] || { effects ok; fail "something came between the power-on and the eject"; }
lag=$(awk -v a="$(cat "$T/ok.finished")" -v b="$(cat "$T/ok.ejected")" 'BEGIN { printf "%.1f", b - a }')
awk -v lag="$lag" 'BEGIN { exit !(lag < 10) }' || fail "the eject came $lag s after install-finished"
echo "eject $lag s after install-finished"
ejected_at_end ok || fail "media left inserted"

# 2. The diagnoses: each exit 4, the media out again.
check_fault() {  # check_fault MODE PATTERN MORE-OPTIONS...
    local mode=$1 pattern=$2
    shift 2
    start_bmc "$mode"
    play "$mode" "$mode" &
    pids+=($!)
    expect_status 4 deploy "$mode" follow --image-url http://192.0.2.1/follow.iso --no-image-check "$@"
    keep
    expect_stderr_match "$pattern"
    ejected_at_end "$mode" || { effects "$mode"; fail "$mode: media left inserted"; }
}
check_fault wrong-id "installer: the server booted another image: its installer reported build id $other_id, the ISO's is $id"
check_fault own-disk "installer: the machine booted its own disk"
check_fault silent "installer: no IMGBUILD:preseed-loaded within 3 s of the power-on: the one-time CD boot was ignored or the image did not start" \
    --timeout installer=3
check_fault late-fails "install: the image's late_command failed with status 7"

# Ctrl-C while deploy waits for the install: exit 130, the image ejected.
start_bmc interrupt
play interrupt started &
pids+=($!)
"$IMGBUILD" deploy "$T/follow.iso" --bmc "$(cat "$T/interrupt.url")" --user root --password-file "$T/pw" \
    --fingerprint "SHA256:$fingerprint" --syslog "127.0.0.1:$port" --image-url http://192.0.2.1/follow.iso \
    --no-image-check >"$T/int.out" 2>"$T/int.err" &
dpid=$!
pids+=($dpid)
for _ in $(seq 300); do grep -q "installer ok" "$T/int.err" && break; sleep 0.1; done
grep -q "installer ok" "$T/int.err" || { cat "$T/int.err"; fail "interrupt: the installer step never ended"; }
kill -INT "$dpid"
rc=0; wait "$dpid" || rc=$?
cat "$T/int.out" >>"$T/all.out"; cat "$T/int.err" >>"$T/all.err"
[[ $rc -eq 130 ]] || { cat "$T/int.err"; fail "interrupt: exit $rc, not 130"; }
grep -q "interrupted" "$T/int.err" || fail "interrupt: not said"
ejected_at_end interrupt || { effects interrupt; fail "interrupt: media left inserted"; }

# 3. Bad input, before anything reaches the BMC: an image without log_host; --serve 0.0.0.0.
start_bmc bad
expect_status 2 deploy bad nolog --image-url http://192.0.2.1/nolog.iso
keep
expect_stderr_match "nolog\.iso: its unattended entry \(/isolinux/isolinux.cfg\) has no log_host= kernel argument.*--kernel-args \"log_host=ADDR log_port=PORT\""
[[ $(error_line_count "$T/last.err") -eq 1 ]] || fail "not one error line"
expect_status 2 deploy bad follow --serve 0.0.0.0:8080
keep
expect_stderr_match "--serve.*give an address of this machine the BMC reaches"
[[ ! -s $T/bad.effects ]] || fail "something reached the BMC for bad input"

for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
if grep -rlF -e "$secret" "$T" --exclude=pw; then fail "the password leaked into the files above"; fi
