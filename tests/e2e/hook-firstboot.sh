#!/usr/bin/env bash
# labels: e2e hook
# timeout: 240
# The first-boot hook with a stub racadm (tests/hook/stub-racadm) on a scratch
# $IMGBUILD_ROOT: DRAC5, DRAC5 whose read-back stays attached, iDRAC, racadm failing,
# racadm hanging (bounded time), no racadm, racadm only in OMSA's directory; OMSA start;
# VMware payload present/absent; second run does nothing; missing serial port harmless.
# Each case runs under dash and busybox sh (Etch's /bin/sh was bash, its d-i busybox ash).
source "$(dirname "$0")/prelude.sh"
hook=$IMGBUILD_SOURCE_DIR/overlays/pe2950-drac5/target/usr/local/lib/imgbuild/firstboot.sh
stub=$IMGBUILD_SOURCE_DIR/tests/hook/stub-racadm
command -v busybox >/dev/null || fail "busybox not installed (scripts/install-deps.sh)"

# Small bounds so the hanging case stays short; the defaults are checked separately below.
export IMGBUILD_FIRSTBOOT_CALL_TIMEOUT=2 IMGBUILD_FIRSTBOOT_BUDGET=8
export IMGBUILD_FIRSTBOOT_RETRIES=2 IMGBUILD_FIRSTBOOT_RETRY_DELAY=1

# Under busybox sh the tools the hook uses are busybox applets too (as on a small system).
mkdir -p "$T/bbin"
for applet in sed grep tr date sleep cat tail gzip tar rm mkdir cp; do ln -s "$(command -v busybox)" "$T/bbin/$applet"; done

# setup CASE: a scratch root with a serial "port" (a plain file), a logger stub, and a bin
# directory for PATH. Sets r, bin.
setup() {
    r=$T/$1/root bin=$T/$1/bin
    mkdir -p "$r/dev" "$bin"
    : >"$r/dev/ttyS0"
    printf '#!/bin/sh\n[ "$1" = -t ] && shift 2\n[ "$1" = -- ] && shift\necho "$*" >>"%s"\n' "$T/$1/syslog" >"$bin/logger"
    chmod +x "$bin/logger"
}

# run_hook SHELL CASE: runs the hook, records status and seconds taken.
run_hook() {
    local sh=$1 name=$2 start
    start=$(date +%s)
    rc=0
    if [[ $sh == busybox ]]; then
        (cd "$T" && PATH=$bin:$T/bbin:/usr/bin:/bin IMGBUILD_ROOT=$r STUB_RACADM_LOG=$T/$name/racadm.calls \
            busybox sh "$hook" start) >"$T/$name/out" 2>&1 || rc=$?
    else
        (cd "$T" && PATH=$bin:/usr/bin:/bin IMGBUILD_ROOT=$r STUB_RACADM_LOG=$T/$name/racadm.calls \
            "$sh" "$hook" start) >"$T/$name/out" 2>&1 || rc=$?
    fi
    took=$(( $(date +%s) - start )); echo "  $sh/$name: ${took}s" >&2
    [[ $rc -eq 0 ]] || { cat "$T/$name/out" >&2; fail "$sh/$name: hook exited $rc (must always exit 0)"; }
}

serial_is() { # CASE EXPECTED-LINES...
    local name=$1; shift
    local want got
    want=$(printf '%s\n' "$@")
    got=$(cat "$T/$name/root/dev/ttyS0")
    [[ $got == "$want" ]] || { cat "$T/$name/out" >&2; fail "$name: serial markers:
--- got
$got
--- want
$want"; }
}

log_has() { # CASE REGEX
    grep -Eq -- "$2" "$T/$1/root/var/log/imgbuild-firstboot.log" ||
        { cat "$T/$1/root/var/log/imgbuild-firstboot.log" >&2; fail "$1: log lacks /$2/"; }
}

calls_have() { # CASE EXACT-LINE [COUNT]
    local n
    n=$(grep -cxF -- "$2" "$T/$1/racadm.calls" 2>/dev/null || true)
    if [[ -n ${3:-} ]]; then
        [[ $n -eq $3 ]] || fail "$1: racadm '$2' called $n times, expected $3"
    else
        [[ $n -ge 1 ]] || { cat "$T/$1/racadm.calls" >&2 2>/dev/null; fail "$1: racadm '$2' never called"; }
    fi
}

for sh in dash busybox; do
    # DRAC5: detach, read back, done; the second run touches nothing.
    c=$sh-drac5; setup "$c"; ln -s "$stub" "$bin/racadm"
    STUB_RACADM_MODE=drac5 run_hook "$sh" "$c"
    serial_is "$c" IMGBUILD:firstboot-start IMGBUILD:firstboot-detach-ok:drac5 \
        IMGBUILD:firstboot-skipped:vmware-no-tarball IMGBUILD:firstboot-done
    calls_have "$c" "config -g cfgRacVirtual -o cfgVirMediaAttached 0" 1
    calls_have "$c" "getconfig -g cfgRacVirtual -o cfgVirMediaAttached" 1
    [[ $(cat "$T/$c/racadm.calls.state") == 0 ]] || fail "$c: media still attached in the stub"
    [[ -f $r/var/lib/imgbuild/firstboot.done ]] || fail "$c: no state file"
    log_has "$c" "controller type: drac5"
    log_has "$c" "OMSA: dsm_om_connsvc not installed"
    grep -q 'IMGBUILD:firstboot-detach-ok:drac5' "$T/$c/syslog" || fail "$c: nothing sent to syslog (logger)"
    calls_before=$(wc -l <"$T/$c/racadm.calls")
    STUB_RACADM_MODE=drac5 run_hook "$sh" "$c"
    [[ $(wc -l <"$T/$c/racadm.calls") -eq $calls_before ]] || fail "$c: second run called racadm"
    log_has "$c" "already done"
    [[ $(grep -c . "$r/dev/ttyS0") -eq 4 ]] || fail "$c: second run wrote serial markers"

    # DRAC5 whose read-back keeps saying 1: retried, then reported failed.
    c=$sh-drac5-stuck; setup "$c"; ln -s "$stub" "$bin/racadm"
    STUB_RACADM_MODE=drac5-stuck run_hook "$sh" "$c"
    serial_is "$c" IMGBUILD:firstboot-start IMGBUILD:firstboot-detach-failed:drac5 \
        IMGBUILD:firstboot-skipped:vmware-no-tarball IMGBUILD:firstboot-done
    calls_have "$c" "config -g cfgRacVirtual -o cfgVirMediaAttached 0" 2

    # iDRAC7+: set/get through the iDRAC object model, no legacy config call.
    c=$sh-idrac; setup "$c"; ln -s "$stub" "$bin/racadm"
    STUB_RACADM_MODE=idrac run_hook "$sh" "$c"
    serial_is "$c" IMGBUILD:firstboot-start IMGBUILD:firstboot-detach-ok:idrac \
        IMGBUILD:firstboot-skipped:vmware-no-tarball IMGBUILD:firstboot-done
    calls_have "$c" "set iDRAC.VirtualMedia.Attached Detached" 1
    calls_have "$c" "get iDRAC.VirtualMedia.Attached" 1
    grep -q '^config' "$T/$c/racadm.calls" && fail "$c: legacy config used on an iDRAC"

    # racadm present, every call fails: bounded retries, reported, boot goes on.
    c=$sh-fail; setup "$c"; ln -s "$stub" "$bin/racadm"
    STUB_RACADM_MODE=fail run_hook "$sh" "$c"
    serial_is "$c" IMGBUILD:firstboot-start IMGBUILD:firstboot-detach-failed:no-answer \
        IMGBUILD:firstboot-skipped:vmware-no-tarball IMGBUILD:firstboot-done
    calls_have "$c" getsysinfo 2
    [[ -f $r/var/lib/imgbuild/firstboot.done ]] || fail "$c: no state file"

    # racadm hangs forever: each call killed, the whole step within the budget.
    c=$sh-hang; setup "$c"; ln -s "$stub" "$bin/racadm"
    STUB_RACADM_MODE=hang run_hook "$sh" "$c"
    serial_is "$c" IMGBUILD:firstboot-start IMGBUILD:firstboot-detach-failed:no-answer \
        IMGBUILD:firstboot-skipped:vmware-no-tarball IMGBUILD:firstboot-done
    # budget 8 s + one call (2 s) + kill grace (2 s) + watcher polling: well under 20 s.
    [[ $took -le 20 ]] || fail "$c: took ${took}s with a hanging racadm (bound: 20 s)"
    log_has "$c" "no answer within 2s, killed"
    sleep 1.5
    if pgrep -f "$T/$c/bin/racadm" >/dev/null; then fail "$c: a racadm stub is still running"; fi

    # No racadm anywhere: nothing harmful, reported as no-drac.
    c=$sh-nodrac; setup "$c"
    STUB_RACADM_MODE=drac5 run_hook "$sh" "$c"
    serial_is "$c" IMGBUILD:firstboot-start IMGBUILD:firstboot-no-drac:no-racadm \
        IMGBUILD:firstboot-skipped:vmware-no-tarball IMGBUILD:firstboot-done
    [[ ! -e $T/$c/racadm.calls ]] || fail "$c: racadm called"

    # racadm only where OMSA puts it (under $IMGBUILD_ROOT), OMSA service present,
    # VMware tarball in the payload folder, and no serial port at all.
    c=$sh-omsa; setup "$c"; rm -rf "$r/dev"
    mkdir -p "$r/opt/dell/srvadmin/sbin" "$r/etc/init.d" "$r/usr/local/lib/imgbuild/payload"
    cp "$stub" "$r/opt/dell/srvadmin/sbin/racadm"
    printf '#!/bin/sh\necho "$*" >>"%s"\n' "$T/$c/omsa.calls" >"$r/etc/init.d/dsm_om_connsvc"
    chmod +x "$r/etc/init.d/dsm_om_connsvc"
    mkdir -p "$T/$c/vmw/vmware-server-distrib"
    printf '#!/usr/bin/perl\nopen(my $f, ">>", "%s") or die; print $f "@ARGV\\n";\n' "$T/$c/vmware.calls" \
        >"$T/$c/vmw/vmware-server-distrib/vmware-install.pl"
    tar czf "$r/usr/local/lib/imgbuild/payload/VMware-server-1.0.10-203137.tar.gz" -C "$T/$c/vmw" vmware-server-distrib
    STUB_RACADM_MODE=drac5 run_hook "$sh" "$c"
    log_has "$c" "using $r/opt/dell/srvadmin/sbin/racadm"
    log_has "$c" "IMGBUILD:firstboot-detach-ok:drac5"
    log_has "$c" "IMGBUILD:firstboot-done"
    [[ $(cat "$T/$c/omsa.calls" 2>/dev/null) == start ]] || fail "$c: dsm_om_connsvc not started"
    [[ $(cat "$T/$c/vmware.calls" 2>/dev/null) == -d ]] || fail "$c: vmware-install.pl -d not run"
    grep -q 'skipped' "$r/var/log/imgbuild-firstboot.log" && fail "$c: VMware reported skipped with a tarball present"
    [[ ! -e $r/dev/ttyS0 ]] || fail "$c: created a serial port file"

    # Kernel console on the serial port: every marker also goes through /dev/kmsg (a getty
    # starting on ttyS0 cannot swallow those); without console=ttyS the kernel log is left alone.
    c=$sh-kmsg; setup "$c"; ln -s "$stub" "$bin/racadm"
    mkdir -p "$r/proc"; : >"$r/dev/kmsg"
    echo 'BOOT_IMAGE=/boot/vmlinuz root=UUID=x ro console=tty0 console=ttyS0,115200n8 quiet' >"$r/proc/cmdline"
    STUB_RACADM_MODE=drac5 run_hook "$sh" "$c"
    serial_is "$c" IMGBUILD:firstboot-start IMGBUILD:firstboot-detach-ok:drac5 \
        IMGBUILD:firstboot-skipped:vmware-no-tarball IMGBUILD:firstboot-done
    want=$(printf '<3>imgbuild-firstboot: %s\n' IMGBUILD:firstboot-start IMGBUILD:firstboot-detach-ok:drac5 \
        IMGBUILD:firstboot-skipped:vmware-no-tarball IMGBUILD:firstboot-done)
    [[ $(cat "$r/dev/kmsg") == "$want" ]] || { cat "$r/dev/kmsg" >&2; fail "$c: kernel log markers differ"; }
    c=$sh-kmsg-vga; setup "$c"; ln -s "$stub" "$bin/racadm"
    mkdir -p "$r/proc"; : >"$r/dev/kmsg"
    echo 'BOOT_IMAGE=/boot/vmlinuz root=UUID=x ro quiet' >"$r/proc/cmdline"
    STUB_RACADM_MODE=drac5 run_hook "$sh" "$c"
    [[ ! -s $r/dev/kmsg ]] || fail "$c: wrote to the kernel log without a serial console"
done

# Over the network to where the installer sent its syslog (/etc/imgbuild/report-to): with
# util-linux logger -n (the local logger stub hands -n calls to the real one), else, as
# on Etch whose logger cannot send, with perl-base's socket. A UDP listener here receives.
receive() { # PORT: prints each datagram as a line until firstboot-done or 15 s
    /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1]))); s.settimeout(15)
try:
    while True:
        d = s.recv(65536).decode("utf-8", "replace").rstrip("\n")
        print(d, flush=True)
        if d.endswith("IMGBUILD:firstboot-done"): break
except socket.timeout: pass' "$1"
}
for sh in dash busybox; do
    for how in logger perl; do
        c=$sh-report-$how; setup "$c"; ln -s "$stub" "$bin/racadm"
        port=$((20000 + RANDOM % 20000))
        mkdir -p "$r/etc/imgbuild"; echo "127.0.0.1 $port" >"$r/etc/imgbuild/report-to"
        if [[ $how == logger ]]; then
            printf '#!/bin/sh
case " $* " in *" -n "*) exec /usr/bin/logger "$@";; esac
[ "$1" = -t ] && shift 2
[ "$1" = -- ] && shift
echo "$*" >>"%s"
' "$T/$c/syslog" >"$bin/logger"
        else
            printf '#!/bin/sh
case " $* " in *" -n "*) echo "logger: invalid option -- n" >&2; exit 1;; esac
exit 0
' >"$bin/logger"
        fi
        receive "$port" >"$T/$c/udp" &
        listener=$!
        sleep 0.5
        STUB_RACADM_MODE=drac5 run_hook "$sh" "$c"
        wait "$listener"
        for m in start detach-ok:drac5 skipped:vmware-no-tarball done; do
            grep -Eq "^<[0-9]+>.* $(hostname) imgbuild-firstboot.* IMGBUILD:firstboot-$m\$" "$T/$c/udp" ||
                { cat "$T/$c/udp" >&2; fail "$c: IMGBUILD:firstboot-$m not received over UDP with the hostname"; }
        done
    done
done

# The defaults promised in the hook's header (60 s budget, 15 s per call, 3 attempts).
grep -q 'BUDGET=${IMGBUILD_FIRSTBOOT_BUDGET:-60}' "$hook" || fail "default budget is not 60 s"
grep -q 'CALL_TIMEOUT=${IMGBUILD_FIRSTBOOT_CALL_TIMEOUT:-15}' "$hook" || fail "default call timeout is not 15 s"
