#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e deploy
# timeout: 120
# cost: 11
# imgbuild deploy against the emulated BMC (builder/bmc) hosted over real HTTPS by
# tests/drivers/bmc-serve (http/'s server, a throw-away self-signed certificate), in both
# dialects (iDRAC9: media under the System; iDRAC8: under the Manager), with the image
# served by `imgbuild serve`. Written independently, client and model check each other:
#  - a redeploy (the machine on, an image inserted) makes the machine side do exactly:
#    power off, eject, insert that URL, one-time boot from Cd, power on;
#  - the same with iDRAC's stale Inserted after the eject (waited out; iDRAC9 only);
#  - a 503 on InsertMedia is retried and the deploy still succeeds;
#  - a wrong password fails with exit 3 at once (no retry: one session attempt), nothing
#    done, and the password is in no output, log or effects file;
#  - an image the BMC cannot fetch fails quoting the BMC's task message, after one
#    InsertMedia (no other body tried: the refusal is about the image, not the request);
#  - an unpinned certificate is refused with the fingerprint openssl computes.
# DMTF's redfishtool drives the hosted emulator too (Systems get, setBootOverride Once Cd)
# with its own throw-away password (redfishtool only takes it on argv, and never verifies
# the certificate: it has no option to).
source "$(dirname "$0")/prelude.sh"

driver="$IMGBUILD_BUILD_DIR/bmc-serve"
[ -x "$driver" ] || fail "$driver not built (ninja bmc-serve)"
command -v openssl >/dev/null || skip "openssl is not installed"
command -v xorriso >/dev/null || skip "xorriso is not installed"
command -v jq >/dev/null || skip "jq is not installed"
command -v redfishtool >/dev/null && /usr/bin/python3 -c 'import redfishtoollib' 2>/dev/null ||
    skip "redfishtool is not installed (scripts/install-deps.sh)"

secret="Depl0y-$$-SeCrEt"
source "$IMGBUILD_SOURCE_DIR/tests/bmc/hosted.sh"
hosted_bmc_setup "$secret"
printf '%s\n' "Wr0ng-$$-pass" >"$T/wrong"

# A small ISO, served with Range support by imgbuild serve on a free port.
mkdir -p "$T/tree" && echo emulated >"$T/tree/README"
xorriso -as mkisofs -quiet -V EMU -o "$T/emu.iso" "$T/tree" 2>/dev/null
"$IMGBUILD" serve "$T/emu.iso" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s $T/serve.out ]] && break; sleep 0.05; done
image=$(head -n1 "$T/serve.out")
[[ $image == http://127.0.0.1:*/emu.iso ]] || fail "imgbuild serve did not start: $(cat "$T/serve.log")"

start_bmc() {  # start_bmc NAME DIALECT PASSWORD-FILE [--fault F]: the URL in $T/NAME.url
    local name=$1 dialect=$2 password=$3
    shift 3
    "$driver" --dialect "$dialect" --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
        --user root --password-file "$password" --effects "$T/$name.effects" --ready "$T/$name.url" "$@" \
        2>"$T/$name.log" &
    pids+=($!)
    for _ in $(seq 100); do [[ -s $T/$name.url ]] && return 0; sleep 0.05; done
    fail "bmc-serve $name did not start: $(cat "$T/$name.log")"
}

deploy() {  # deploy NAME MORE-OPTIONS...: against the BMC NAME, the image pinned to its certificate
    local name=$1
    shift
    "$IMGBUILD" deploy "$T/emu.iso" --bmc "$(cat "$T/$name.url")" --user root --image-url "$image" --until boot "$@"
}

# What the machine side did, one line an effect, from the JSON lines.
effects() { jq -r '[.kind, .slot, .image, .boot_device, .boot_enabled, (if .graceful then "graceful" else "" end)] | map(select(. != "")) | join(" ")' "$T/$1.effects"; }

for dialect in idrac9 idrac8; do
    if [[ $dialect == idrac9 ]]; then
        slot=1 action=/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1/Actions/VirtualMedia.InsertMedia
    else
        slot=CD action=/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD/Actions/VirtualMedia.InsertMedia
    fi
    start_bmc "$dialect" "$dialect" "$T/pw"
    start_bmc "$dialect-503" "$dialect" "$T/pw" --fault "503-once:$action"
    start_bmc "$dialect-unreachable" "$dialect" "$T/pw" --fault image-unreachable

    # Not trusted: refused with openssl's fingerprint; the BMC saw nothing.
    expect_status 3 deploy "$dialect" --password-file "$T/pw"
    expect_stderr_match "not trusted.*SHA256:$fingerprint"
    [[ ! -s $T/$dialect.effects ]] || fail "$dialect: something was done for an untrusted certificate"

    # First deploy (machine off, slots empty), then a redeploy: the full sequence.
    expect_status 0 deploy "$dialect" --password-file "$T/pw" --fingerprint "SHA256:$fingerprint"
    cp "$T/last.out" "$T/$dialect.out"; cp "$T/last.err" "$T/$dialect.err"
    : >"$T/$dialect.effects"
    expect_status 0 deploy "$dialect" --password-file "$T/pw" --fingerprint "SHA256:$fingerprint"
    cat "$T/last.out" >>"$T/$dialect.out"; cat "$T/last.err" >>"$T/$dialect.err"
    printf '%s\n' "power-off graceful" "eject-media $slot" "insert-media $slot $image" \
        "boot-override Cd Once" "power-on Cd Once" >"$T/want"
    effects "$dialect" | diff -u "$T/want" - || fail "$dialect: redeploy effects differ"

    # iDRAC's stale Inserted after an eject (one more read): waited out (one 5 s poll, so
    # in one dialect only), same sequence.
    if [[ $dialect == idrac9 ]]; then
        start_bmc "$dialect-stale" "$dialect" "$T/pw" --fault stale-inserted:1
        expect_status 0 deploy "$dialect-stale" --password-file "$T/pw" --fingerprint "SHA256:$fingerprint"
        : >"$T/$dialect-stale.effects"
        expect_status 0 deploy "$dialect-stale" --password-file "$T/pw" --fingerprint "SHA256:$fingerprint"
        cat "$T/last.out" >>"$T/$dialect.out"; cat "$T/last.err" >>"$T/$dialect.err"
        effects "$dialect-stale" | diff -u "$T/want" - || fail "$dialect: redeploy effects with a stale Inserted differ"
    fi

    # A wrong password: exit 3, one failed login (no retry), nothing done.
    : >"$T/$dialect.effects"
    expect_status 3 deploy "$dialect" --password-file "$T/wrong" --fingerprint "SHA256:$fingerprint"
    expect_stderr_match "refused user 'root'"
    cat "$T/last.out" >>"$T/$dialect.out"; cat "$T/last.err" >>"$T/$dialect.err"
    [[ ! -s $T/$dialect.effects ]] || fail "$dialect: something was done with a wrong password"

    # 503 on InsertMedia: answered (the model says so), retried, done once.
    expect_status 0 deploy "$dialect-503" --password-file "$T/pw" --fingerprint "SHA256:$fingerprint"
    cat "$T/last.out" >>"$T/$dialect.out"; cat "$T/last.err" >>"$T/$dialect.err"
    expect_stderr_match "503"
    printf '%s\n' "insert-media $slot $image" "boot-override Cd Once" "power-on Cd Once" >"$T/want"
    effects "$dialect-503" | diff -u "$T/want" - || fail "$dialect: effects with a 503 differ"

    # The BMC cannot fetch the image: the deploy fails quoting the BMC's task message.
    expect_status 3 deploy "$dialect-unreachable" --password-file "$T/pw" --fingerprint "SHA256:$fingerprint"
    cat "$T/last.out" >>"$T/$dialect.out"; cat "$T/last.err" >>"$T/$dialect.err"
    expect_stderr_match "The remote file location is not accessible or reachable"
    ! effects "$dialect-unreachable" | grep -q '^power-on' || fail "$dialect: powered on without the image"
done

# Stop the BMCs cleanly (SIGTERM: they log their events and exit 0), then look for the
# password everywhere: outputs, logs, effects.
for p in "${pids[@]:1}"; do kill -TERM "$p"; wait "$p" || fail "bmc-serve did not stop cleanly on SIGTERM"; done
for dialect in idrac9 idrac8; do
    # The model's event log: the wrong password was tried once (no retry, no fallback to
    # Basic authentication), and only the two good deploys opened sessions.
    [[ $(grep -c "^bmc: refused" "$T/$dialect.log") -eq 1 ]] &&
        grep -q "^bmc: refused a session for root (wrong credentials)$" "$T/$dialect.log" ||
        { cat "$T/$dialect.log"; fail "$dialect: the wrong password was not tried exactly once"; }
    [[ $(grep -c "^bmc: session .* created" "$T/$dialect.log") -eq 2 ]] || fail "$dialect: not exactly two sessions"
    grep -q "^bmc: answered POST .* with 503" "$T/$dialect-503.log" || fail "$dialect: the 503 fault was not served"
    # The image the BMC cannot reach was asked for once: its refusal is about the image, so
    # no other InsertMedia body was tried (those are for a BMC refusing the body's form).
    [[ $(grep -c "^bmc: insert .*: the BMC cannot reach it" "$T/$dialect-unreachable.log") -eq 1 ]] ||
        { grep "^bmc: insert" "$T/$dialect-unreachable.log"; fail "$dialect: the unreachable image was not inserted exactly once"; }
done
if grep -rlF -e "$secret" -e "Wr0ng-$$-pass" "$T" --exclude=pw --exclude=wrong; then
    fail "a password leaked into the files above"
fi

# redfishtool over HTTPS, with its own throw-away password (it takes it on argv only).
{
    rft_pw="rft-throwaway-$$"
    printf '%s\n' "$rft_pw" >"$T/rft.pw"
    start_bmc rft idrac9 "$T/rft.pw"
    rft_url=$(cat "$T/rft.url")
    rhost=${rft_url#https://}
    redfishtool -S Always -r "$rhost" -u root -p "$rft_pw" Systems -1 get >"$T/rft.get" 2>&1 ||
        { cat "$T/rft.get"; fail "redfishtool Systems get failed"; }
    jq -e '.Id == "System.Embedded.1" and .PowerState == "Off"' "$T/rft.get" >/dev/null ||
        { cat "$T/rft.get"; fail "redfishtool Systems get: not the emulated system"; }
    redfishtool -S Always -r "$rhost" -u root -p "$rft_pw" Systems -1 setBootOverride Once Cd >"$T/rft.set" 2>&1 ||
        { cat "$T/rft.set"; fail "redfishtool setBootOverride failed"; }
    printf '%s\n' "boot-override Cd Once" >"$T/want"
    effects rft | diff -u "$T/want" - || fail "redfishtool: effects differ"
}
