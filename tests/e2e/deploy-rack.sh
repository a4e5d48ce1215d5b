#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e deploy
# timeout: 120
# cost: 12
# imgbuild deploy --hosts: a rack of five emulated BMCs (builder/bmc hosted over HTTPS by
# tests/drivers/bmc-serve, no QEMU) deployed --until boot, all at once:
#   db1  iDRAC9, certificate pinned by the inventory's bmc_fingerprint
#   db2  iDRAC8, certificate checked with --ca, its own password (bmc_password_file)
#   web1 iDRAC9 answering 503 once to InsertMedia (retried: done)
#   web2 iDRAC9 that knows another password (fails: 401, not retried)
#   web3 iDRAC8 that cannot fetch the image (fails quoting the BMC's task message)
# Checked with tools that are not imgbuild: exit 1; the good hosts done, each bad one its
# own diagnosis; each BMC asked (curl) what its CD slot holds: the image on the good
# hosts, nothing on the failed ones; report.json with jq, index.html with xmllint, the
# JUnit file with Python's XML parser; no password in any output, log or report. A second
# run with the same --report skips the hosts done (their BMCs see nothing), --force
# deploys them again, and a Ctrl-C (SIGINT) after an insert ends with exit 130, the image
# ejected, the hosts not started reported so.
source "$(dirname "$0")/prelude.sh"

driver="${IMGBUILD_BUILD_DIR:-$(dirname "$IMGBUILD")}/bmc-serve"
[ -x "$driver" ] || fail "$driver not built (ninja bmc-serve)"
for tool in openssl xorriso jq curl xmllint; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
done

secret="R4ck-$$-SeCrEt"
secret2="Db2-$$-0wn-pass"
source "$IMGBUILD_SOURCE_DIR/tests/bmc/hosted.sh"
hosted_bmc_setup "$secret"
mkdir -p "$T/secrets" && printf '%s\n' "$secret2" >"$T/secrets/db2.pw"
printf '%s\n' "Wr0ng-$$-pass" >"$T/wrong"
bmc_pids=()

mkdir -p "$T/tree" && echo emulated >"$T/tree/README"
xorriso -as mkisofs -quiet -V EMU -o "$T/emu.iso" "$T/tree" 2>/dev/null
"$IMGBUILD" serve "$T/emu.iso" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s $T/serve.out ]] && break; sleep 0.05; done
image=$(head -n1 "$T/serve.out")
[[ $image == http://127.0.0.1:*/emu.iso ]] || fail "imgbuild serve did not start: $(cat "$T/serve.log")"

idrac9_slot=/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1
idrac8_slot=/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD
declare -A dialect_of password_of
start_bmc() {  # start_bmc NAME DIALECT PASSWORD-FILE [--fault F]
    local name=$1 dialect=$2 password=$3
    shift 3
    dialect_of[$name]=$dialect password_of[$name]=$password
    rm -f "$T/$name.url"
    "$driver" --dialect "$dialect" --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
        --user root --password-file "$password" --effects "$T/$name.effects" --ready "$T/$name.url" "$@" \
        2>"$T/$name.log" &
    pids+=($!) bmc_pids+=($!)
    for _ in $(seq 100); do [[ -s $T/$name.url ]] && return 0; sleep 0.05; done
    fail "bmc-serve $name did not start: $(cat "$T/$name.log")"
}
url() { cat "$T/$1.url"; }

# What a BMC's CD slot holds, asked over Redfish with curl (Basic authentication, the
# password in a netrc file, never on argv): "inserted IMAGE" or "empty".
slot_state() {
    local name=$1 path
    [[ ${dialect_of[$name]} == idrac9 ]] && path=$idrac9_slot || path=$idrac8_slot
    printf 'machine 127.0.0.1 login root password %s\n' "$(cat "${password_of[$name]}")" >"$T/netrc"
    curl -sf --cacert "$T/cert.pem" --netrc-file "$T/netrc" "$(url "$name")$path" |
        jq -r 'if .Inserted then "inserted " + .Image else "empty" end'
    rm -f "$T/netrc"
}
effects() { jq -r '.kind' "$T/$1.effects" 2>/dev/null | tr '\n' ' '; }

start_bmc db1 idrac9 "$T/pw"
start_bmc db2 idrac8 "$T/secrets/db2.pw"
start_bmc web1 idrac9 "$T/pw" --fault "503-once:$idrac9_slot/Actions/VirtualMedia.InsertMedia"
start_bmc web2 idrac9 "$T/wrong"
start_bmc web3 idrac8 "$T/pw" --fault image-unreachable

cat >"$T/rack.csv" <<EOF
hostname,bmc,bmc_user,bmc_fingerprint,bmc_password_file
db1,$(url db1),root,SHA256:$fingerprint,
db2,$(url db2),,,secrets/db2.pw
web1,$(url web1),root,SHA256:$fingerprint,
web2,$(url web2),root,SHA256:$fingerprint,
web3,$(url web3),root,,
EOF

rack() {  # rack MORE-OPTIONS...: the rack above, the fleet image, rows without bmc_user as root
    "$IMGBUILD" deploy --until boot "$T/emu.iso" --hosts "$T/rack.csv" --image-url "$image" --user root \
        --password-file "$T/pw" --ca "$T/cert.pem" "$@"
}

# Bad input first: exit 2, one line naming the file, line and column; nothing sent.
printf 'hostname,bmc\ndb1,%s\ndb9,\n' "$(url db1)" >"$T/nobmc.csv"
expect_status 2 "$IMGBUILD" deploy --until boot "$T/emu.iso" --hosts "$T/nobmc.csv" --image-url "$image" --user root \
    --password-file "$T/pw"
expect_stderr_match "nobmc.csv:3: column bmc: host db9 has no BMC address"
printf 'hostname,bmc\ndb1,http://127.0.0.1:1\n' >"$T/badurl.csv"
expect_status 2 "$IMGBUILD" lint "$IMGBUILD_SOURCE_DIR/preseed/bookworm-amd64-server.cfg" --release bookworm \
    --hosts "$T/badurl.csv"
expect_stderr_match "badurl.csv:2: column bmc: 'http://127.0.0.1:1' is not a BMC address"
printf 'hostname,bmc,bmc_fingerprint\ndb1,%s,SHA256:abc\n' "$(url db1)" >"$T/badfp.csv"
expect_status 2 "$IMGBUILD" deploy --until boot "$T/emu.iso" --hosts "$T/badfp.csv" --image-url "$image" --user root \
    --password-file "$T/pw"
expect_stderr_match "badfp.csv:2: column bmc_fingerprint: 'SHA256:abc' is not a SHA-256 fingerprint"
[[ ! -s $T/db1.effects ]] || fail "something was sent for bad input"

# A certificate nothing pins: that host fails (nothing sent), with the fingerprint openssl
# computes and where to pin it.
printf 'hostname,bmc\ndb1,%s\n' "$(url db1)" >"$T/unpinned.csv"
expect_status 1 "$IMGBUILD" deploy --until boot "$T/emu.iso" --hosts "$T/unpinned.csv" --image-url "$image" --user root \
    --password-file "$T/pw"
expect_stderr_match "db1 \(.*unpinned.csv:2\): failed: connect: .*not trusted.*bmc_fingerprint column: SHA256:$fingerprint"
[[ ! -s $T/db1.effects ]] || fail "something was done for an untrusted certificate"

# The rack, all five at once.
expect_status 1 rack --parallel 5 --report "$T/report" --junit "$T/junit.xml" --log "$T/deploy.log" --json
cp "$T/last.out" "$T/run1.json"; cp "$T/last.err" "$T/run1.err"
R=$T/report/report.json
jq -e . "$R" >/dev/null || fail "report.json is not JSON"
cmp <(jq -S . "$R") <(jq -S . "$T/run1.json") || fail "--json differs from report.json"
for host in db1 db2 web1; do
    jq -e --arg h "$host" '.hosts[] | select(.host == $h) | .status == "done" and (.steps | length) == 8
        and .deployed.until == "boot" and (.steps | all(.ok and (.seconds | type) == "number"))' "$R" >/dev/null ||
        fail "$host is not done in report.json: $(jq -c --arg h "$host" '.hosts[] | select(.host == $h)' "$R")"
    [[ $(slot_state "$host") == "inserted $image" ]] || fail "$host: the BMC's slot holds $(slot_state "$host")"
done
jq -e '.hosts[] | select(.host == "db1") | .trust | test("pinned.*SHA256:'"$fingerprint"'")' "$R" >/dev/null ||
    fail "db1's trust note does not name the pinned fingerprint"
jq -e '.hosts[] | select(.host == "db2") | .trust | test("--ca")' "$R" >/dev/null || fail "db2 not checked with --ca"
jq -e '.hosts[] | select(.host == "web2") | .status == "failed" and (.diagnosis | test("connect: .*refused user .root."))
    and .deployed == null' "$R" >/dev/null || fail "web2's diagnosis: $(jq -c '.hosts[3]' "$R")"
jq -e '.hosts[] | select(.host == "web3") | .status == "failed"
    and (.diagnosis | test("insert: .*The remote file location is not accessible or reachable"))
    and (.bmc_answer | test("not accessible or reachable")) and (.bmc_answer | test("RAC0904|Exception"))
    and .media_left_inserted == false' "$R" >/dev/null || fail "web3's diagnosis: $(jq -c '.hosts[4]' "$R")"
jq -e '.exit_status == 1 and .counts == {"done": 3, "skipped": 0, "failed": 2, "interrupted": 0}' "$R" >/dev/null ||
    fail "counts: $(jq -c .counts "$R")"
for host in web2 web3; do
    [[ $(slot_state "$host") == empty ]] || fail "$host: the failed host's slot holds $(slot_state "$host")"
done
grep -q "^web1: .*HTTP 503\|503" "$T/deploy.log" || fail "the 503 retry is not in the log"
[[ $(effects web2) == "" ]] || fail "web2: something was done with a wrong password: $(effects web2)"
grep -q "web2 (.*rack.csv:5): failed: connect: " "$T/run1.err" || fail "no summary line for web2: $(cat "$T/run1.err")"
grep -q "web3 (.*rack.csv:6): failed: insert: " "$T/run1.err" || fail "no summary line for web3"
grep -q "5 hosts: 3 done, 2 failed" "$T/run1.err" || fail "no count line"

# The page: valid HTML, a row per host, the BMC's message for web3.
xmllint --html --noout "$T/report/index.html" 2>"$T/xmllint.err" || fail "index.html: $(cat "$T/xmllint.err")"
[[ ! -s $T/xmllint.err ]] || fail "index.html: $(cat "$T/xmllint.err")"
xmllint --html --xpath 'count(//table[1]/tr[td])' "$T/report/index.html" 2>/dev/null | grep -qx 5 ||
    fail "index.html has not one row per host"
grep -q "The remote file location is not accessible or reachable" "$T/report/index.html" ||
    fail "index.html does not quote web3's BMC"

# JUnit: a testcase per host, the failures' messages are the diagnoses.
/usr/bin/python3 - "$T/junit.xml" "$R" <<'EOF' || fail "junit.xml does not match the report"
import json, sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot().find("testsuite")
report = json.load(open(sys.argv[2]))
cases = {c.get("name"): c for c in suite.findall("testcase")}
assert sorted(cases) == sorted(h["host"] for h in report["hosts"]), cases
assert suite.get("tests") == "5" and suite.get("failures") == "2", suite.attrib
for host in report["hosts"]:
    failure = cases[host["host"]].find("failure")
    if host["status"] == "done":
        assert failure is None, host["host"]
    else:
        assert failure.get("message") == host["diagnosis"], (failure.get("message"), host["diagnosis"])
EOF

# Second run, same report: the hosts done are skipped (their BMCs see no request that
# changes anything), the failed ones tried again.
for host in db1 db2 web1 web2 web3; do : >"$T/$host.effects"; done
expect_status 1 rack --report "$T/report" --log "$T/deploy.log"
cp "$T/last.err" "$T/run2.err"
jq -e '[.hosts[] | select(.status == "skipped") | .host] == ["db1", "db2", "web1"]
    and (.hosts[0].deployed.until == "boot")' "$R" >/dev/null || fail "run 2: $(jq -c '[.hosts[] | .status]' "$R")"
for host in db1 db2 web1; do
    [[ $(effects "$host") == "" ]] || fail "$host was deployed again: $(effects "$host")"
done
grep -q "db1: skipped: deployed until boot" "$T/run2.err" || fail "run 2 does not say why db1 was skipped"

# --force: deployed again (power off, eject, insert, boot override, power on).
expect_status 1 rack --report "$T/report" --force
cp "$T/last.err" "$T/run3.err"
[[ $(effects db1) == "power-off eject-media insert-media boot-override power-on " ]] ||
    fail "--force: db1's effects: $(effects db1)"
jq -e '[.hosts[] | select(.status == "done") | .host] == ["db1", "db2", "web1"]' "$R" >/dev/null ||
    fail "run 3: $(jq -c '[.hosts[] | .status]' "$R")"

# A dry run changes nothing, on the BMCs or in the record of what is deployed.
for host in db1 db2 web1; do : >"$T/$host.effects"; done
expect_status 1 rack --report "$T/report" --dry-run --force
grep -q "^db1: POST .*InsertMedia" "$T/last.out" || fail "the dry run did not print db1's requests"
for host in db1 db2 web1; do
    [[ $(effects "$host") == "" ]] || fail "the dry run changed $host: $(effects "$host")"
done
jq -e '[.hosts[] | select(.deployed != null) | .host] == ["db1", "db2", "web1"]' "$R" >/dev/null ||
    fail "the dry run lost the record of the hosts deployed"

# Per-host images (build --per-host's DIR/<hostname>.iso): each BMC is given its own URL,
# --image-base-url + <hostname>.iso; a host whose image is missing is bad input.
mkdir -p "$T/per"
for host in db1 db2; do
    echo "$host" >"$T/tree/HOST"
    xorriso -as mkisofs -quiet -V "$host" -o "$T/per/$host.iso" "$T/tree" 2>/dev/null
done
"$IMGBUILD" serve "$T/per/db1.iso" "$T/per/db2.iso" --listen 127.0.0.1:0 >"$T/serve-per.out" 2>"$T/serve-per.log" &
pids+=($!)
for _ in $(seq 100); do [[ -f $T/serve-per.out && $(wc -l <"$T/serve-per.out") -eq 2 ]] && break; sleep 0.05; done
base=$(head -n1 "$T/serve-per.out"); base=${base%db1.iso}
head -n3 "$T/rack.csv" >"$T/per.csv"
expect_status 0 "$IMGBUILD" deploy --until boot --per-host "$T/per" --image-base-url "$base" --hosts "$T/per.csv" --user root \
    --password-file "$T/pw" --ca "$T/cert.pem" --report "$T/per-report"
for host in db1 db2; do
    [[ $(slot_state "$host") == "inserted ${base}$host.iso" ]] || fail "$host: per-host slot holds $(slot_state "$host")"
done
rm "$T/per/db2.iso"
expect_status 2 "$IMGBUILD" deploy --until boot --per-host "$T/per" --image-base-url "$base" --hosts "$T/per.csv" --user root \
    --password-file "$T/pw" --ca "$T/cert.pem" --force
expect_stderr_match "per.csv:3: host db2: no image .*/per/db2.iso"

# Ctrl-C after the image is inserted: the BMC answers 503 to the boot override once (a
# retry 2 s later), SIGINT meanwhile. One host at a time: the second never starts.
start_bmc int1 idrac9 "$T/pw" --fault "503-once:/redfish/v1/Systems/System.Embedded.1"
start_bmc int2 idrac8 "$T/pw"
printf 'hostname,bmc,bmc_user,bmc_fingerprint\nint1,%s,root,SHA256:%s\nint2,%s,root,SHA256:%s\n' \
    "$(url int1)" "$fingerprint" "$(url int2)" "$fingerprint" >"$T/int.csv"
# An earlier run deployed int2 (a record written here): --force starts over, but int2,
# never started, keeps that record.
mkdir -p "$T/int-report"
jq -n --arg bmc "$(url int2)" '{kind: "imgbuild deploy --hosts", hosts: [{host: "int2",
    deployed: {until: "boot", finished: "2026-01-01T00:00:00Z", bmc: $bmc, image_url: "http://x/a.iso"}}]}' \
    >"$T/int-report/report.json"
"$IMGBUILD" deploy --until boot "$T/emu.iso" --hosts "$T/int.csv" --image-url "$image" --password-file "$T/pw" --parallel 1 \
    --report "$T/int-report" --junit "$T/int-junit.xml" --force >"$T/int.out" 2>"$T/int.err" &
deploy_pid=$!
for _ in $(seq 200); do grep -q insert-media "$T/int1.effects" 2>/dev/null && break; sleep 0.05; done
grep -q insert-media "$T/int1.effects" || fail "int1: no insert before the interrupt: $(cat "$T/int.err")"
kill -INT "$deploy_pid"
rc=0; wait "$deploy_pid" || rc=$?
[[ $rc -eq 130 ]] || fail "SIGINT: exit $rc, not 130: $(cat "$T/int.err")"
[[ $(slot_state int1) == empty ]] || fail "int1: left inserted after Ctrl-C: $(slot_state int1)"
[[ $(effects int1) == *"insert-media "*"eject-media "* ]] || fail "int1: not ejected: $(effects int1)"
[[ ! -s $T/int2.effects ]] || fail "int2 was started after Ctrl-C"
jq -e '.interrupted and .exit_status == 130 and .hosts[0].status == "interrupted"
    and .hosts[1].diagnosis == "not started (interrupted)" and .hosts[1].deployed.finished == "2026-01-01T00:00:00Z"
    and .hosts[0].deployed == null' "$T/int-report/report.json" >/dev/null ||
    fail "the interrupted run's report: $(jq -c '[.interrupted, (.hosts[] | .status, .diagnosis)]' "$T/int-report/report.json")"
/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$T/int-junit.xml" ||
    fail "the interrupted run's junit.xml does not parse"

# The passwords are nowhere: outputs, logs, reports, effects.
for p in "${bmc_pids[@]}"; do kill -TERM "$p"; wait "$p" || fail "bmc-serve did not stop cleanly"; done
# Every session opened was closed, also after the failures and the Ctrl-C (leaked sessions
# exhaust an iDRAC): the model's event log, written when it stops.
for host in db1 db2 web1 web3 int1; do
    created=$(grep -c "^bmc: session .* created" "$T/$host.log" || true)
    ended=$(grep -c "^bmc: session .* ended" "$T/$host.log" || true)
    [[ $created -gt 0 && $created -eq $ended ]] || fail "$host: $created sessions created, $ended ended"
done
if grep -rlF -e "$secret" -e "$secret2" -e "Wr0ng-$$-pass" "$T" --exclude=pw --exclude=wrong --exclude=db2.pw; then
    fail "a password leaked into the files above"
fi
