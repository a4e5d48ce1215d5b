#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e
# timeout: 120
# cost: 3
# DMTF's redfishtool against the emulated BMC (builder/bmc), in both dialects, through
# tests/bmc/redfishtool-flow.py (in-process, requests handed to tests/drivers/bmc-stdio):
# its Systems subcommands (setBootOverride Once Cd with the ETag it read, reset On and
# ForceOff, get), a raw InsertMedia whose task monitor it follows, session login and
# logout (-A Session), and a wrong password refused. The effects the machine side gets
# must be exactly those.
source "$(dirname "$0")/prelude.sh"

driver="$IMGBUILD_BUILD_DIR/bmc-stdio"
[ -x "$driver" ] || fail "$driver not built (ninja bmc-stdio)"
python=/usr/bin/python3
"$python" -c 'import redfishtoollib' 2>/dev/null || skip "redfishtool not installed for $python"
flow="$IMGBUILD_SOURCE_DIR/tests/bmc/redfishtool-flow.py"
printf '%s\n' "Emul4ted-$$-secret" > "$T/password"

for dialect in idrac9 idrac8; do
    if [ "$dialect" = idrac9 ]; then
        slot=/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1; id=1
    else
        slot=/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD; id=CD
    fi
    "$python" "$flow" "$driver" "$dialect" "$T/password" "$T/$dialect.effects" -- \
        "Systems -1 setBootOverride Once Cd" \
        "raw POST $slot/Actions/VirtualMedia.InsertMedia -d '{\"Image\":\"http://10.0.2.2/x.iso\"}'" \
        "-A Session Systems -1 reset On" \
        "-P PowerState Systems -1 get" \
        "Systems -1 reset ForceOff" \
        "-p not-the-password Systems -1 get" > "$T/$dialect.out" 2>&1 || { cat "$T/$dialect.out"; fail "$dialect: runner failed"; }
    [ "$(grep -c '^status 0$' "$T/$dialect.out")" -eq 5 ] || { cat "$T/$dialect.out"; fail "$dialect: a redfishtool command failed"; }
    grep -q '^status [1-9]' "$T/$dialect.out" || fail "$dialect: a wrong password was accepted"
    grep -q '"PowerState": "On"' "$T/$dialect.out" || fail "$dialect: PowerState not On after reset On"
    grep -q '^PATCH /redfish/v1/Systems/System.Embedded.1 (If-Match) -> 200$' "$T/$dialect.out" || fail "$dialect: no If-Match on the boot PATCH"
    grep -q '^GET /redfish/v1/TaskService/.*/JID_000000000001 -> 20[04]$' "$T/$dialect.out" || fail "$dialect: task not followed"
    grep -q '^DELETE /redfish/v1/SessionService/Sessions/1 -> 204$' "$T/$dialect.out" || fail "$dialect: session not ended"
    printf '%s\n' "boot-override boot=Cd enabled=Once" "insert-media slot=$id image=http://10.0.2.2/x.iso" \
        "power-on boot=Cd enabled=Once" "power-off forced" > "$T/want"
    diff -u "$T/want" "$T/$dialect.effects" || fail "$dialect: effects differ"
done
