#!/usr/bin/env bash
# labels: e2e deploy
# timeout: 120
# cost: 3
# imgbuild deploy --dry-run end to end over real HTTPS: nginx serves DMTF's public-rackmount1
# mockup (builder/redfish/testdata/dmtf) read-only on the loopback with a throw-away
# self-signed certificate, and the ISO over plain HTTP. Checked: an unpinned certificate is
# refused with the fingerprint openssl computes (nothing sent: nginx logs no request), so
# are a wrong pin and a --ca certificate for another host name; --insecure is said in the
# log with the fingerprint it accepted; an image URL serving another file or without Range
# support (python's http.server) is refused before the BMC is asked anything; the pinned
# run prints the requests the flow would send for this mockup (System-level slots without
# actions: PATCHes), nginx's access log shows that only GETs reached the "BMC" and no
# session was opened, and the password appears in no output.
source "$(dirname "$0")/prelude.sh"

command -v nginx >/dev/null || skip "nginx is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"

pw=Bmc-Pw-90210
mock=$IMGBUILD_SOURCE_DIR/builder/redfish/testdata/dmtf/public-rackmount1
mkdir -p "$T/www/redfish" "$T/nginx" "$T/images"
cp -r "$mock" "$T/www/redfish/v1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=bmc.example -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "$T/cert.pem" | sed 's/.*=//; s/://g' | tr A-F a-f)

# nginx on PORT (HTTPS, the mockup) and PORT+1 (HTTP, the images).
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
  server {
    listen 127.0.0.1:$((port + 1));
    root $T/images;
    access_log $T/nginx/images.log;
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
for _ in 1 2 3 4 5; do
    candidate=$(( 20000 + (RANDOM % 12000) ))  # below the ephemeral ports (32768-)
    if start_nginx "$candidate"; then port=$candidate; break; fi
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
done
[[ -n $port ]] || fail "nginx did not start: $(cat "$T/nginx/error.log" 2>/dev/null)"
# Stop the servers, then the prelude's own exit handling (PASS, scratch directory).
py_pid=""
trap 'rc=$?; kill $nginx_pid $py_pid 2>/dev/null; wait 2>/dev/null; (exit $rc); _prelude_exit' EXIT
bmc=https://127.0.0.1:$port
# The mockup answers as the BMC would (checked with curl, not imgbuild).
system_json=$(curl -sk "$bmc/redfish/v1/Systems/437XR1138R2")
[[ $system_json == *'"PowerState": "On"'* ]] || fail "nginx does not serve the mockup"

head -c 1048576 /dev/urandom >"$T/images/r660.iso"
cp "$T/images/r660.iso" "$T/r660.iso"
image=http://127.0.0.1:$((port + 1))/r660.iso
printf '%s\n' "$pw" >"$T/pw"
: >"$T/nginx/access.log"
deploy() {  # deploy ISO IMAGE-URL MORE-OPTIONS...
    local iso=$1 url=$2
    shift 2
    "$IMGBUILD" deploy "$iso" --bmc "$bmc" --user root --password-file "$T/pw" --image-url "$url" --dry-run --until boot "$@"
}

# Not trusted: refused, with the fingerprint to pin; no request was sent.
expect_status 3 deploy "$T/r660.iso" "$image"
expect_stderr_match "not trusted.*SHA256:$fingerprint"
[[ ! -s $T/nginx/access.log ]] || fail "a request reached the server before its certificate was trusted"

# A wrong pin: refused before sending.
expect_status 3 deploy "$T/r660.iso" "$image" --fingerprint "SHA256:$(printf '0%.0s' $(seq 64))"
expect_stderr_match "not the pinned"
[[ ! -s $T/nginx/access.log ]] || fail "a request reached the server despite a wrong pin"

# --ca checks the host name too: this certificate names bmc.example, not 127.0.0.1.
expect_status 3 deploy "$T/r660.iso" "$image" --ca "$T/cert.pem"
expect_stderr_match "not trusted"
[[ ! -s $T/nginx/access.log ]] || fail "a request reached the server under a certificate for another name"

# --insecure works, and says so with the fingerprint it accepted.
expect_status 0 deploy "$T/r660.iso" "$image" --insecure
expect_stderr_match "INSECURE.*SHA256:$fingerprint"

# An image URL serving another file, or a server without Range support (python's
# http.server), is refused before the BMC is asked anything.
: >"$T/nginx/access.log"
head -c 1000 /dev/urandom >"$T/other.iso"
expect_status 2 deploy "$T/other.iso" "$image" --fingerprint "SHA256:$fingerprint"
expect_stderr_match "serves 1048576 bytes, the ISO has 1000"
py_up=""
for py_port in $((port + 2)) $((port + 3)) $((port + 4)); do
    /usr/bin/python3 -m http.server --bind 127.0.0.1 "$py_port" --directory "$T/images" >/dev/null 2>&1 &
    py_pid=$!
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$py_port/" && { py_up=1; break; }
        kill -0 "$py_pid" 2>/dev/null || break  # the port was taken
        sleep 0.1
    done
    [[ -n $py_up ]] && break
done
[[ -n $py_up ]] || fail "python's http.server did not start"
expect_status 2 deploy "$T/r660.iso" "http://127.0.0.1:$py_port/r660.iso" --fingerprint "SHA256:$fingerprint"
expect_stderr_match "ignores Range requests"
[[ ! -s $T/nginx/access.log ]] || fail "the BMC was asked something despite an unusable image URL"

# Pinned: the dry run reads the mockup and prints what it would change.
expect_status 0 deploy "$T/r660.iso" "$image" --fingerprint "SHA256:$fingerprint"
sys=/redfish/v1/Systems/437XR1138R2
cat >"$T/expected" <<OUT
POST $sys/Actions/ComputerSystem.Reset {"ResetType":"GracefulShutdown"}
PATCH $sys/VirtualMedia/CD1 {"Image":null,"Inserted":false}
PATCH $sys/VirtualMedia/CD2 {"Image":null,"Inserted":false}
PATCH $sys/VirtualMedia/CD1 {"Image":"$image","Inserted":true,"WriteProtected":true}
PATCH $sys {"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Once"}}
POST $sys/Actions/ComputerSystem.Reset {"ResetType":"On"}
OUT
diff -u "$T/expected" "$T/last.out" || fail "the dry run's requests differ from the expected ones"
grep -q "TLS pinned to SHA256:$fingerprint" "$T/last.err" || fail "the trust used is not in the log"
grep -q "served with Range support, 1048576 bytes" "$T/last.err" || fail "the image URL was not checked"
grep -q '"GET /r660.iso HTTP/1.1" 206 1 ' "$T/nginx/images.log" || fail "no ranged GET of the image in nginx's log"

# Only reads reached the server, and never the session service.
methods=$(awk '{print $6}' "$T/nginx/access.log" | tr -d '"' | sort -u)
[[ $methods == GET ]] || fail "requests other than GET reached the server: $methods"
! grep -q SessionService/Sessions "$T/nginx/access.log" || fail "the dry run opened a session"

# The password is in no output.
! grep -rqF "$pw" "$T/last.out" "$T/last.err" "$T/nginx/" || fail "the password appears in an output"
