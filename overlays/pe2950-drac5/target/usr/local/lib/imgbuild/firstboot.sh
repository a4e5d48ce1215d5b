#!/bin/sh
# imgbuild first-boot hook: runs once on the installed system, never blocks or fails the boot.
#
#   sh /usr/local/lib/imgbuild/firstboot.sh start
#
# Started by /etc/init.d/imgbuild-firstboot (sysvinit: Etch, in the background) or by
# imgbuild-firstboot.service (systemd, Type=oneshot). One POSIX sh script for both: Etch
# has no systemd, no `timeout` command and bash or busybox as /bin/sh.
#
# What it does, in order:
#   1. OMSA: starts dsm_om_connsvc (web UI on port 1311) if it is installed.
#   2. DRAC virtual media: detaches it with local racadm, so the PERC disk is the first
#      disk again and nothing boots from the virtual CD/floppy:
#        DRAC5 (and iDRAC6, which keeps the legacy group):
#          racadm config -g cfgRacVirtual -o cfgVirMediaAttached 0, read back with getconfig
#        iDRAC7+: racadm set iDRAC.VirtualMedia.Attached Detached, else racadm remoteimage -d
#      racadm is looked up on $PATH, then /opt/dell/srvadmin/bin, /opt/dell/srvadmin/sbin,
#      /usr/sbin. Every racadm call is bounded (IMGBUILD_FIRSTBOOT_CALL_TIMEOUT, 15 s) and
#      the whole DRAC step too (IMGBUILD_FIRSTBOOT_BUDGET, 60 s), with at most
#      IMGBUILD_FIRSTBOOT_RETRIES (3) attempts per step.
#   3. VMware Server 1.0: if the payload folder holds VMware-server-1.0.*.tar.gz, runs its
#      vmware-install.pl -d (bounded by IMGBUILD_FIRSTBOOT_VMWARE_TIMEOUT, 1800 s), else
#      logs "skipped".
# Then it writes the state file; a later run logs "already done" and touches nothing.
#
# Reports: syslog (logger -t imgbuild-firstboot), /var/log/imgbuild-firstboot.log, and
# serial markers on /dev/ttyS0 (and /dev/kmsg when the kernel console is serial):
# IMGBUILD:firstboot-start, -detach-ok, -detach-failed, -no-drac, -skipped, -done
# (":detail" after some). The markers also go over the network, as syslog over UDP, to
# where the installer sent its own syslog (/etc/imgbuild/report-to, "HOST PORT", written
# by the late command from log_host/log_port): `imgbuild deploy` follows the first boot
# there. util-linux logger -n; Etch's logger cannot send, so perl-base's IO::Socket.
# Every path is under $IMGBUILD_ROOT (empty on a real system) so tests run it on a scratch
# tree with a stub racadm; commands found on $PATH are not prefixed.

R=${IMGBUILD_ROOT:-}
LOG=$R/var/log/imgbuild-firstboot.log
STATE_DIR=$R/var/lib/imgbuild
STATE=$STATE_DIR/firstboot.done
SERIAL=${IMGBUILD_SERIAL:-$R/dev/ttyS0}
KMSG=$R/dev/kmsg
PAYLOAD=${IMGBUILD_PAYLOAD_DIR:-$R/usr/local/lib/imgbuild/payload}
CALL_TIMEOUT=${IMGBUILD_FIRSTBOOT_CALL_TIMEOUT:-15}
BUDGET=${IMGBUILD_FIRSTBOOT_BUDGET:-60}
RETRIES=${IMGBUILD_FIRSTBOOT_RETRIES:-3}
RETRY_DELAY=${IMGBUILD_FIRSTBOOT_RETRY_DELAY:-5}
VMWARE_TIMEOUT=${IMGBUILD_FIRSTBOOT_VMWARE_TIMEOUT:-1800}
OUT=${TMPDIR:-/tmp}/imgbuild-firstboot.$$
REPORT_TO=$R/etc/imgbuild/report-to

log() {
    echo "imgbuild-firstboot: $*"
    { echo "$(date '+%Y-%m-%d %H:%M:%S') $*" >>"$LOG"; } 2>/dev/null
    logger -t imgbuild-firstboot -- "$*" 2>/dev/null || true
}

# A serial marker: to the console/log and to the serial port. A missing or dead port is
# harmless: the write is skipped when the node does not exist and its errors are dropped.
# When the kernel's console is a serial port (console=ttyS... on the command line, which
# also makes systemd start a getty there), the marker goes through the kernel log too:
# agetty's vhangup() revokes every open descriptor of the port while it starts, so a
# marker written at that moment is lost, while the kernel's console writes below the tty
# layer. Level 3 so that "quiet" (console_loglevel 4) does not hide it.
# report MARKER: the marker as syslog over UDP to the report-to host, when there is one.
# The network may come up a moment after the hook starts: three tries, a second apart.
report() {
    [ -r "$REPORT_TO" ] || return 0
    rp_host= rp_port=
    read -r rp_host rp_port <"$REPORT_TO" 2>/dev/null
    [ -n "$rp_host" ] || return 0
    rp_port=${rp_port:-514}
    rp_n=0
    while [ "$rp_n" -lt 3 ]; do
        logger -n "$rp_host" -P "$rp_port" -d -t imgbuild-firstboot -- "$1" 2>/dev/null && return 0
        perl -MIO::Socket::INET -e '
            my ($host, $port, $text) = @ARGV;
            my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => "udp") or exit 1;
            my $name = `hostname`; chomp $name;
            $s->send("<13>" . substr(scalar localtime, 4, 15) . " $name imgbuild-firstboot: $text") or exit 1;
            ' "$rp_host" "$rp_port" "$1" 2>/dev/null && return 0
        rp_n=$((rp_n + 1))
        sleep 1
    done
    log "could not send $1 to $rp_host:$rp_port"
    return 0
}

mark() {
    log "IMGBUILD:firstboot-$1"
    report "IMGBUILD:firstboot-$1"
    if [ -e "$SERIAL" ]; then
        { echo "IMGBUILD:firstboot-$1" >>"$SERIAL"; } 2>/dev/null || true
    fi
    if [ -e "$KMSG" ] && grep -q 'console=ttyS' "$R/proc/cmdline" 2>/dev/null; then
        { echo "<3>imgbuild-firstboot: IMGBUILD:firstboot-$1" >>"$KMSG"; } 2>/dev/null || true
    fi
}

now() {
    date +%s 2>/dev/null || echo 0
}

# run_bounded SECONDS CMD...: runs CMD with its output in $OUT; status 124 when it had to be
# killed. POSIX sh has no `timeout` (Etch neither): a watcher subshell polls once a second,
# marks the timeout and kills the command when time is up (TERM, then KILL); the caller
# kills the watcher as soon as the command ends. Its fds are /dev/null so a leftover
# `sleep 1` holds no pipe open.
run_bounded() {
    rb_secs=$1
    shift
    rm -f "$OUT.timedout"
    "$@" >"$OUT" 2>&1 </dev/null &
    rb_pid=$!
    (
        rb_i=0
        while [ "$rb_i" -lt "$rb_secs" ]; do
            sleep 1
            kill -0 "$rb_pid" 2>/dev/null || exit 0
            rb_i=$((rb_i + 1))
        done
        : >"$OUT.timedout"
        kill -TERM "$rb_pid" 2>/dev/null
        sleep 1
        kill -KILL "$rb_pid" 2>/dev/null
    ) >/dev/null 2>&1 </dev/null &
    rb_watch=$!
    wait "$rb_pid"
    rb_rc=$?
    kill "$rb_watch" 2>/dev/null
    wait "$rb_watch" 2>/dev/null
    if [ -e "$OUT.timedout" ]; then
        rm -f "$OUT.timedout"
        return 124
    fi
    return $rb_rc
}

# racadm ARGS: one bounded call, stops when the DRAC budget is spent. Output in $OUT.
racadm_call() {
    if [ $(($(now) - DRAC_START)) -ge "$BUDGET" ]; then
        log "racadm $*: not run, the ${BUDGET}s budget is spent"
        : >"$OUT"
        return 125
    fi
    run_bounded "$CALL_TIMEOUT" "$RACADM" "$@"
    rc_rc=$?
    rc_first=$(sed -n '1p' "$OUT" 2>/dev/null)
    case $rc_rc in
        0) log "racadm $*: ok${rc_first:+ ($rc_first)}" ;;
        124) log "racadm $*: no answer within ${CALL_TIMEOUT}s, killed" ;;
        *) log "racadm $*: failed with status $rc_rc${rc_first:+ ($rc_first)}" ;;
    esac
    return $rc_rc
}

# retry CMD...: up to $RETRIES attempts, $RETRY_DELAY seconds apart, within the budget.
retry() {
    rt_n=1
    while :; do
        "$@" && return 0
        [ "$rt_n" -lt "$RETRIES" ] || return 1
        [ $(($(now) - DRAC_START + RETRY_DELAY)) -lt "$BUDGET" ] || return 1
        rt_n=$((rt_n + 1))
        sleep "$RETRY_DELAY"
    done
}

find_racadm() {
    fr_old_ifs=$IFS
    IFS=:
    for fr_dir in $PATH; do
        if [ -n "$fr_dir" ] && [ -x "$fr_dir/racadm" ] && [ ! -d "$fr_dir/racadm" ]; then
            IFS=$fr_old_ifs
            echo "$fr_dir/racadm"
            return 0
        fi
    done
    IFS=$fr_old_ifs
    for fr_dir in /opt/dell/srvadmin/bin /opt/dell/srvadmin/sbin /usr/sbin; do
        if [ -x "$R$fr_dir/racadm" ]; then
            echo "$R$fr_dir/racadm"
            return 0
        fi
    done
    return 1
}

# DRAC5 (also iDRAC6): the legacy cfgRacVirtual group. Success only when the read-back says 0.
drac5_detach() {
    racadm_call config -g cfgRacVirtual -o cfgVirMediaAttached 0 || return 1
    racadm_call getconfig -g cfgRacVirtual -o cfgVirMediaAttached || return 1
    # getconfig -o prints the bare value; some firmware prints "cfgVirMediaAttached=0".
    tr -d '\r' <"$OUT" | grep -Eq '^[[:space:]]*(cfgVirMediaAttached[[:space:]]*=[[:space:]]*)?0[[:space:]]*$'
}

idrac_detach() {
    if racadm_call set iDRAC.VirtualMedia.Attached Detached; then
        # Read back when the firmware can; an old one without `get` counts the set as done.
        if racadm_call get iDRAC.VirtualMedia.Attached; then
            tr -d '\r' <"$OUT" | grep -Eq 'Attached[[:space:]]*=[[:space:]]*Detached' && return 0
            log "read-back does not say Detached: $(tr -d '\r' <"$OUT" | tr '\n' ' ')"
        else
            return 0
        fi
    fi
    racadm_call remoteimage -d
}

detach_virtual_media() {
    DRAC_START=$(now)
    if ! RACADM=$(find_racadm); then
        log "racadm not found (PATH, /opt/dell/srvadmin/bin, /opt/dell/srvadmin/sbin, /usr/sbin): nothing to detach"
        mark no-drac:no-racadm
        return 0
    fi
    log "using $RACADM"
    # Which DRAC: getsysinfo names it; when it says neither, the legacy group decides.
    kind=
    if retry racadm_call getsysinfo; then
        if tr -d '\r' <"$OUT" | grep -Eqi 'idrac'; then
            kind=idrac
        elif tr -d '\r' <"$OUT" | grep -Eqi 'drac[ ]?5'; then
            kind=drac5
        fi
    else
        # racadm is there but the RAC does not answer (no DRAC, service down, or hung).
        log "getsysinfo never succeeded: no DRAC answering"
        mark detach-failed:no-answer
        return 0
    fi
    if [ -z "$kind" ]; then
        if racadm_call getconfig -g cfgRacVirtual; then kind=drac5; else kind=idrac; fi
    fi
    log "controller type: $kind"
    if [ "$kind" = drac5 ]; then
        if retry drac5_detach; then mark detach-ok:drac5; return 0; fi
    else
        if retry idrac_detach; then mark detach-ok:idrac; return 0; fi
    fi
    mark detach-failed:$kind
    return 0
}

start_omsa() {
    if [ -x "$R/etc/init.d/dsm_om_connsvc" ]; then
        if run_bounded 120 "$R/etc/init.d/dsm_om_connsvc" start; then
            log "OMSA: dsm_om_connsvc started (https://$(hostname 2>/dev/null || echo HOST):1311)"
        else
            log "OMSA: dsm_om_connsvc start failed: $(tr '\n' ' ' <"$OUT")"
        fi
    else
        log "OMSA: dsm_om_connsvc not installed"
    fi
}

install_vmware() {
    tarball=
    for f in "$PAYLOAD"/VMware-server-1.0.*.tar.gz; do
        [ -f "$f" ] && tarball=$f
    done
    if [ -z "$tarball" ]; then
        log "VMware Server: skipped (no VMware-server-1.0.*.tar.gz in $PAYLOAD)"
        mark skipped:vmware-no-tarball
        return 0
    fi
    work=$R/var/tmp/imgbuild-vmware
    rm -rf "$work" && mkdir -p "$work" || { log "VMware Server: cannot create $work"; return 0; }
    if ! (cd "$work" && gzip -dc "$tarball" | tar xf -); then
        log "VMware Server: cannot unpack $tarball"
        return 0
    fi
    installer=$work/vmware-server-distrib/vmware-install.pl
    if [ ! -f "$installer" ]; then
        log "VMware Server: $tarball has no vmware-server-distrib/vmware-install.pl"
        return 0
    fi
    log "VMware Server: running vmware-install.pl -d from $tarball"
    if (cd "$work/vmware-server-distrib" && run_bounded "$VMWARE_TIMEOUT" perl ./vmware-install.pl -d); then
        log "VMware Server: vmware-install.pl -d finished; run vmware-config.pl to accept the EULA and enter the serial"
    else
        log "VMware Server: vmware-install.pl -d failed (status $?): $(tail -n 5 "$OUT" | tr '\n' ' ')"
    fi
    # Keep the output for the administrator.
    cp "$OUT" "$R/var/log/imgbuild-vmware-install.log" 2>/dev/null || true
}

main() {
    mkdir -p "$R/var/log" "$STATE_DIR" 2>/dev/null
    if [ -e "$STATE" ]; then
        log "already done ($STATE exists); nothing to do"
        return 0
    fi
    mark start
    start_omsa
    detach_virtual_media
    install_vmware
    { date '+%Y-%m-%d %H:%M:%S' >"$STATE"; } 2>/dev/null || log "cannot write $STATE: the hook will run again next boot"
    # On the disk before anyone power-cycles the server from its DRAC (a hard power cycle
    # loses what is still in the page cache, and with it the state: the hook would run again).
    sync
    mark done
}

case "${1:-start}" in
    start)
        main
        rm -f "$OUT" "$OUT.timedout"
        ;;
    *)
        echo "usage: $0 start" >&2
        ;;
esac
# Never fail the boot.
exit 0
