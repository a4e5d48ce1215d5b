#!/usr/bin/env bash
# labels: e2e deploy
# timeout: 120
# cost: 3
# imgbuild deploy --dry-run end to end over real HTTPS: nginx serves DMTF's public-rackmount1
# mockup (builder/redfish/testdata/dmtf) read-only on the loopback with a throw-away
# self-signed certificate. Checked: an unpinned certificate is refused with the fingerprint
# openssl computes (nothing sent: nginx logs no request), so is a wrong pin and a --ca
# certificate for another host name, --insecure is said in the log with the fingerprint it
# accepted, the pinned run prints the
# requests the flow would send for this mockup (System-level slots without actions:
# PATCHes), nginx's access log shows that only GETs reached the "BMC", and the password
# appears in no output.
source "$(dirname "$0")/prelude.sh"

command -v nginx >/dev/null || skip "nginx is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"

pw=Bmc-Pw-90210
mock=$IMGBUILD_SOURCE_DIR/builder/redfish/testdata/dmtf/public-rackmount1
mkdir -p "$T/www/redfish" "$T/nginx"
cp -r "$mock" "$T/www/redfish/v1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=bmc.example -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "$T/cert.pem" | sed 's/.*=//; s/://g' | tr A-F a-f)

start_nginx() {
    local port=$1
    cat >"$T/nginx/nginx.conf" <<CONF
daemon off;
user $(id -un);
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events {}
http {
  access_log $T/nginx/access.log;
  client_body_temp_path $T/nginx; proxy_temp_path $T/nginx; fastcgi_temp_path $T/nginx;
  uwsgi_temp_path $T/nginx; scgi_temp_path $T/nginx;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $T/cert.pem;
    ssl_certificate_key $T/key.pem;
    root $T/www;
    default_type application/json;
    location / { try_files \$uri \$uri/index.json =404; }
  }
}
CONF
    nginx -p "$T/nginx" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" &
    nginx_pid=$!
    for _ in $(seq 50); do
        curl -sk -o /dev/null "https://127.0.0.1:$port/redfish/v1/" && return 0
        kill -0 "$nginx_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
port=""
for try in 1 2 3 4 5; do
    candidate=$(( 20000 + (RANDOM % 30000) ))
    if start_nginx "$candidate"; then port=$candidate; break; fi
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
done
[[ -n $port ]] || fail "nginx did not start: $(cat "$T/nginx/error.log" 2>/dev/null)"
# Stop nginx, then the prelude's own exit handling (PASS, scratch directory).
trap 'rc=$?; kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null; (exit $rc); _prelude_exit' EXIT
bmc=https://127.0.0.1:$port
# The mockup answers as the BMC would (checked with curl, not imgbuild).
system_json=$(curl -sk "$bmc/redfish/v1/Systems/437XR1138R2")
[[ $system_json == *'"PowerState": "On"'* ]] || fail "nginx does not serve the mockup"

touch "$T/r660.iso"
printf '%s\n' "$pw" >"$T/pw"
: >"$T/nginx/access.log"
deploy=("$IMGBUILD" deploy "$T/r660.iso" --bmc "$bmc" --user root --password-file "$T/pw"
        --image-url http://192.0.2.5/r660.iso --dry-run)

# Not trusted: refused, with the fingerprint to pin; no request was sent.
expect_status 3 "${deploy[@]}"
expect_stderr_match "not trusted.*SHA256:$fingerprint"
[[ ! -s $T/nginx/access.log ]] || fail "a request reached the server before its certificate was trusted"

# A wrong pin: refused before sending.
expect_status 3 "${deploy[@]}" --fingerprint "SHA256:$(printf '0%.0s' $(seq 64))"
expect_stderr_match "not the pinned"
[[ ! -s $T/nginx/access.log ]] || fail "a request reached the server despite a wrong pin"

# --ca checks the host name too: this certificate names bmc.example, not 127.0.0.1.
expect_status 3 "${deploy[@]}" --ca "$T/cert.pem"
expect_stderr_match "not trusted"
[[ ! -s $T/nginx/access.log ]] || fail "a request reached the server under a certificate for another name"

# --insecure works, and says so with the fingerprint it accepted.
expect_status 0 "${deploy[@]}" --insecure
expect_stderr_match "INSECURE.*SHA256:$fingerprint"
: >"$T/nginx/access.log"

# Pinned: the dry run reads the mockup and prints what it would change.
expect_status 0 "${deploy[@]}" --fingerprint "SHA256:$fingerprint"
sys=/redfish/v1/Systems/437XR1138R2
cat >"$T/expected" <<OUT
POST $sys/Actions/ComputerSystem.Reset {"ResetType":"GracefulShutdown"}
PATCH $sys/VirtualMedia/CD1 {"Image":null,"Inserted":false}
PATCH $sys/VirtualMedia/CD2 {"Image":null,"Inserted":false}
PATCH $sys/VirtualMedia/CD1 {"Image":"http://192.0.2.5/r660.iso","Inserted":true,"WriteProtected":true}
PATCH $sys {"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Once"}}
POST $sys/Actions/ComputerSystem.Reset {"ResetType":"On"}
OUT
diff -u "$T/expected" "$T/last.out" || fail "the dry run's requests differ from the expected ones"
grep -q "TLS pinned to SHA256:$fingerprint" "$T/last.err" || fail "the trust used is not in the log"

# Only reads reached the server, and never the session service.
methods=$(awk '{print $6}' "$T/nginx/access.log" | tr -d '"' | sort -u)
[[ $methods == GET ]] || fail "requests other than GET reached the server: $methods"
! grep -q SessionService/Sessions "$T/nginx/access.log" || fail "the dry run opened a session"

# The password is in no output.
! grep -rqF "$pw" "$T/last.out" "$T/last.err" "$T/nginx/access.log" || fail "the password appears in an output"
