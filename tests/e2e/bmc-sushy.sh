#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e
# timeout: 180
# cost: 12
# A real Redfish client against the emulated BMC (builder/bmc): sushy, the library ironic
# deploys with, drives tests/drivers/bmc-stdio through a requests transport adapter
# (tests/bmc/sushy-flow.py), in both dialects: ironic's virtual-media steps must leave
# the machine side exactly the effects a deployment needs (power off, insert into the CD
# slot, one-time boot from Cd, power on booting Cd, eject), with the boot PATCH carrying
# If-Match and the session ended. Then each fault as a client sees it: a 503 sushy retries,
# a stale Inserted after an eject, an ignored one-time boot, weak ETags (412, then sushy's
# retry with the strong form), an image the BMC cannot reach; and a wrong password refused. The password appears in no output.
source "$(dirname "$0")/prelude.sh"

driver="$IMGBUILD_BUILD_DIR/bmc-stdio"
[ -x "$driver" ] || fail "$driver not built (ninja bmc-stdio)"
python=/usr/bin/python3
"$python" -c 'import sushy' 2>/dev/null || skip "python3-sushy not installed for $python"
flow="$IMGBUILD_SOURCE_DIR/tests/bmc/sushy-flow.py"
password="Emul4ted-$$-secret"
printf '%s\n' "$password" > "$T/password"

# run NAME DIALECT SCENARIO [FAULT...]: output in $T/NAME.out (+ .err), effects in $T/NAME.effects
run() {
    local name=$1 dialect=$2 scenario=$3
    shift 3
    "$python" "$flow" "$driver" "$dialect" "$T/password" "$T/$name.effects" "$scenario" "$@" \
        > "$T/$name.out" 2> "$T/$name.err" || { cat "$T/$name.out" "$T/$name.err"; fail "$name: sushy flow failed"; }
    touch "$T/$name.effects"
}

for dialect in idrac9 idrac8; do
    if [ "$dialect" = idrac9 ]; then cd_slot=1; else cd_slot=CD; fi
    run "$dialect" "$dialect" deploy powered-on=1
    printf '%s\n' "power-off forced" "insert-media slot=$cd_slot image=http://10.0.2.2:8080/trixie-r660.iso" \
        "boot-override boot=Cd enabled=Once" "power-on boot=Cd enabled=Once" "eject-media slot=$cd_slot" > "$T/want"
    diff -u "$T/want" "$T/$dialect.effects" || fail "$dialect: effects of ironic's steps differ"
    grep -q '^PATCH /redfish/v1/Systems/System.Embedded.1 (If-Match) -> 200$' "$T/$dialect.out" || fail "$dialect: boot PATCH without If-Match"
    grep -q '^DELETE /redfish/v1/SessionService/Sessions/1 -> 204$' "$T/$dialect.out" || fail "$dialect: session not ended"
    grep -q '^after eject: inserted False$' "$T/$dialect.out" || fail "$dialect: still inserted after the eject"

    run "$dialect-noboot" "$dialect" deploy ignore-boot-once=1
    grep -qx 'power-on boot=usual' "$T/$dialect-noboot.effects" || fail "$dialect: an ignored one-time boot still booted Cd"

    run "$dialect-stale" "$dialect" deploy stale-inserted=2
    grep -q '^after eject: inserted True$' "$T/$dialect-stale.out" || fail "$dialect: Inserted not stale after the eject"

    # Weak ETags that If-Match must name in their strong form: sushy's 412 retry.
    run "$dialect-weak" "$dialect" deploy weak-etags=1
    grep -A1 '^PATCH /redfish/v1/Systems/System.Embedded.1 (If-Match) -> 412$' "$T/$dialect-weak.out" |
        grep -q '^PATCH /redfish/v1/Systems/System.Embedded.1 (If-Match) -> 200$' || fail "$dialect: no 412 then retry with weak ETags"
    grep -qx 'power-on boot=Cd enabled=Once' "$T/$dialect-weak.effects" || fail "$dialect: weak ETags stopped the one-time boot"

    run "$dialect-unreachable" "$dialect" unreachable unreachable=http://192.0.2.1/
    grep -q 'RAC0904' "$T/$dialect-unreachable.out" || fail "$dialect: no RAC0904 for an unreachable image"
    ! grep -q insert-media "$T/$dialect-unreachable.effects" || fail "$dialect: the machine was handed an unreachable image"

    run "$dialect-badpassword" "$dialect" badpassword
    grep -qx 'refused: AccessError' "$T/$dialect-badpassword.out" || fail "$dialect: a wrong password was not refused"
done

# sushy retries a GET answered 503 (after 3 s); the deployment goes through.
run busy idrac9 deploy unavailable-once=GET:/redfish/v1/Systems/System.Embedded.1
grep -q '^GET /redfish/v1/Systems/System.Embedded.1 -> 503$' "$T/busy.out" || fail "no 503 served"
grep -qx 'power-on boot=Cd enabled=Once' "$T/busy.effects" || fail "the deployment did not survive a 503"

# InsertMedia answering 204 at once, as a real iDRAC does: the same steps, the same effects.
run real idrac9 deploy powered-on=1 insert-task=0
grep -q '/Actions/VirtualMedia.InsertMedia -> 204$' "$T/real.out" || fail "InsertMedia did not answer 204 without tasks"
diff -u <(sed 's/slot=CD/slot=1/' "$T/idrac8.effects") "$T/real.effects" || fail "effects differ without tasks"

! grep -rlF -- "$password" "$T"/*.out "$T"/*.err "$T"/*.effects || fail "the password appears in the BMC's answers, events or effects"
