#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 240
#
# No QEMU may outlive imgbuild verify: not on SIGTERM, not on SIGINT (Ctrl-C), not even
# when imgbuild is SIGKILLed (the kernel kills QEMU through PR_SET_PDEATHSIG). The work
# directory (disk image, sockets) goes too, but the logs of the run so far stay (issue 11:
# an interrupted install must leave its console log): on SIGINT and SIGTERM verify stops
# the machine, writes --log DIR and exits 128+signal.
source "$(dirname "$0")/prelude.sh"

iso=$(fixture_iso etch-i386)
export TMPDIR=$T/tmp
mkdir "$TMPDIR"

# qemu_of PID: the QEMU started by imgbuild PID (its direct child), once it runs.
qemu_of() {
    local i child
    for i in $(seq 100); do
        child=$(pgrep -P "$1" -f qemu-system || true)
        if [[ -n $child ]]; then echo "$child"; return 0; fi
        sleep 0.2
    done
    return 1
}

for sig in TERM INT KILL; do
    "$IMGBUILD" verify "$iso" --machine pe2950 --accel tcg --timeout 120 --quiet --log "$T/$sig-logs" \
        >"$T/$sig.out" 2>&1 &
    pid=$!
    qemu=$(qemu_of "$pid") || { kill -KILL "$pid"; fail "no QEMU child appeared for the $sig case"; }
    sleep 3
    kill "-$sig" "$pid"
    rc=0
    wait "$pid" || rc=$?
    for i in $(seq 50); do
        kill -0 "$qemu" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$qemu" 2>/dev/null; then
        kill -KILL "$qemu"
        fail "QEMU $qemu survived SIG$sig to imgbuild"
    fi
    case $sig in
        TERM) [[ $rc -eq 143 ]] || fail "SIGTERM: exit $rc, expected 143" ;;
        INT) [[ $rc -eq 130 ]] || fail "SIGINT: exit $rc, expected 130" ;;
    esac
    if [[ $sig != KILL ]]; then
        grep -q "^imgbuild: verify: interrupted by SIG$sig.* the logs so far are in $T/$sig-logs\$" "$T/$sig.out" ||
            { cat "$T/$sig.out"; fail "SIG$sig: no one-line message naming the kept logs"; }
        grep -q "^interrupted by SIG$sig" "$T/$sig-logs/verdict.txt" || fail "SIG$sig: verdict.txt does not say interrupted"
        [[ -f $T/$sig-logs/serial.log && -s $T/$sig-logs/qemu-command.txt ]] ||
            fail "SIG$sig: the console log so far was not kept"
    fi
    echo "SIG$sig: imgbuild exit $rc, QEMU $qemu gone"
done

# SIGKILL gives imgbuild no chance to clean up its temp dir; the others must have.
leftover=$(find "$TMPDIR" -maxdepth 1 -name 'imgbuild-verify-*' | wc -l)
[[ $leftover -le 1 ]] || fail "$leftover work directories left in $TMPDIR"
