#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e
# timeout: 120
# cost: 15
# imgbuild serve as BMCs and QEMU read an image, checked with curl, dd, cmp and QEMU's
# own curl block driver (the way an emulated BMC will fetch it): HEAD headers (size,
# Accept-Ranges, the build id as ETag, Last-Modified), ranged GETs byte for byte, 416,
# If-Range, 304, several ranges answered whole, no path but the image's own (traversal in
# any encoding is a 404), other methods 405, 12 ranged clients at once, HTTPS with a
# self-signed certificate, the log lines, bad input, and SIGTERM ending it cleanly (143).
source "$(dirname "$0")/prelude.sh"

for tool in curl openssl qemu-img cmp; do
    command -v "$tool" >/dev/null || fail "$tool not installed (scripts/install-deps.sh)"
done
[[ -e /usr/lib/x86_64-linux-gnu/qemu/block-curl.so ]] || fail "QEMU's curl driver missing: install qemu-block-extra"

# An imgbuild image (it carries a build id) and a file that is not one.
base=$(fixture_iso modern-amd64)
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
expect_status 0 "$IMGBUILD" build "$base" -o "$T/x.iso" --layout append --preseed "$T/p.cfg" --quiet
build_id=$(iso_cat "$T/x.iso" /imgbuild/build-id | tr -d '\n')
[[ $build_id =~ ^[0-9a-f]{32}$ ]] || fail "no build id on the built image: '$build_id'"
head -c 3000001 /dev/urandom >"$T/other.img"
size=$(stat -c %s "$T/x.iso")

pid=
# start_server ARGS...: serves on a free loopback port; sets $pid and $base_url.
start_server() {
    "$IMGBUILD" serve "$@" >"$T/urls" 2>"$T/serve.err" &
    pid=$!
    # Up to 60 s: under a full test run's load a cold start has taken longer than 10.
    for _ in $(seq 600); do
        [[ -s $T/urls ]] && grep -q x.iso "$T/urls" && break
        kill -0 "$pid" 2>/dev/null || { cat "$T/serve.err" >&2; fail "serve ended before listening: $*"; }
        sleep 0.1
    done
    base_url=$(sed -n 's|/x\.iso$||p' "$T/urls")
    [[ $base_url =~ ^https?://127\.0\.0\.1:[0-9]+$ ]] || { cat "$T/urls" >&2; fail "no URL for x.iso"; }
}
stop_server() { # SIGNAL WANT-STATUS
    local got=0
    kill -"$1" "$pid"
    wait "$pid" || got=$?
    [[ $got -eq $2 ]] || { cat "$T/serve.err" >&2; fail "serve ended with $got after SIG$1, not $2"; }
    pid=
}
trap '_rc=$?; set +e; [[ -n $pid ]] && kill -KILL $pid 2>/dev/null; (exit "$_rc"); _prelude_exit' EXIT

# status URL [curl args...]: prints the HTTP status; headers in $T/h, body in $T/b.
status() {
    local url=$1
    shift
    rm -f "$T/b" "$T/h"
    curl -sS --path-as-is -o "$T/b" -D "$T/h" -w '%{http_code}' "$@" "$url"
}
header() { grep -i "^$1:" "$T/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
slice() { dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" status=none; }

start_server "$T/x.iso" "$T/other.img" --listen 127.0.0.1:0 --log "$T/serve.log"
x=$base_url/x.iso
[[ $(grep -c . "$T/urls") -eq 2 ]] || fail "not one URL per image: $(cat "$T/urls")"
grep -qx "$base_url/other.img" "$T/urls" || fail "no URL for other.img"

# HEAD: the whole image described, nothing sent.
[[ $(status "$x" -I) == 200 ]] || fail "HEAD: not 200"
[[ $(header Content-Length) == "$size" ]] || fail "HEAD: Content-Length $(header Content-Length), file $size"
[[ $(header Accept-Ranges) == bytes ]] || fail "HEAD: no Accept-Ranges: bytes"
[[ $(header ETag) == "\"$build_id\"" ]] || fail "HEAD: ETag $(header ETag), build id $build_id"
[[ $(header Last-Modified) == "$(TZ=GMT LC_ALL=C date -r "$T/x.iso" '+%a, %d %b %Y %H:%M:%S GMT')" ]] ||
    fail "HEAD: Last-Modified $(header Last-Modified)"
# Nothing after the headers (bash's /dev/tcp: a raw HTTP/1.0 exchange, the server closes).
port=${base_url##*:}
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'HEAD /x.iso HTTP/1.0\r\n\r\n' >&3
timeout 10 cat <&3 >"$T/raw-head"
exec 3<&-
[[ $(sed -n '$p' "$T/raw-head" | tr -d '\r') == "" ]] && grep -q "^Content-Length: $size" "$T/raw-head" ||
    fail "HEAD sent a body: $(tail -c 200 "$T/raw-head" | od -c | head)"
etag=$(header ETag)
last_modified=$(header Last-Modified)
[[ $(status "$base_url/other.img" -I) == 200 ]] || fail "HEAD other.img"
[[ $(header ETag) =~ ^\"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+\"$ ]] || fail "other.img: ETag $(header ETag)"

# Ranged GETs, byte for byte against dd of the file.
[[ $(status "$x" -r 1000-66535) == 206 ]] || fail "range: not 206"
[[ $(header Content-Range) == "bytes 1000-66535/$size" ]] || fail "range: Content-Range $(header Content-Range)"
[[ $(header Content-Length) == 65536 ]] || fail "range: Content-Length $(header Content-Length)"
slice "$T/x.iso" 1000 65536 | cmp - "$T/b" || fail "range 1000-66535: other bytes than the file's"
[[ $(status "$x" -r -500) == 206 ]] || fail "suffix range: not 206"
slice "$T/x.iso" $((size - 500)) 500 | cmp - "$T/b" || fail "suffix range: other bytes than the file's"
[[ $(status "$x" -r $((size - 10))-$((size + 100))) == 206 ]] || fail "range past the end: not 206"
[[ $(header Content-Range) == "bytes $((size - 10))-$((size - 1))/$size" ]] || fail "clamped: $(header Content-Range)"

# Past the end: 416 with the size.
[[ $(status "$x" -r "$size"-) == 416 ]] || fail "range at the end: not 416"
[[ $(header Content-Range) == "bytes */$size" ]] || fail "416: Content-Range $(header Content-Range)"

# If-Range: the range while the ETag (or date) matches, else the whole image.
[[ $(status "$x" -r 0-99 -H 'If-Range: "not-this-one"') == 200 ]] || fail "If-Range with another ETag: not 200"
cmp "$T/x.iso" "$T/b" || fail "If-Range with another ETag: not the whole image"
[[ $(status "$x" -r 0-99 -H "If-Range: $etag") == 206 ]] || fail "If-Range with the ETag: not 206"
[[ $(status "$x" -r 0-99 -H "If-Range: $last_modified") == 206 ]] || fail "If-Range with the date: not 206"
# Conditional GETs.
[[ $(status "$x" -H "If-None-Match: $etag") == 304 ]] || fail "If-None-Match: not 304"
[[ ! -s $T/b ]] || fail "304 with a body"
[[ -z $(header Content-Length) || $(header Content-Length) == "$size" ]] || fail "304: Content-Length $(header Content-Length)"
[[ $(status "$x" -H "If-Modified-Since: $last_modified") == 304 ]] || fail "If-Modified-Since: not 304"
[[ $(status "$x" -r 0-99 -H 'If-None-Match: "x"') == 206 ]] || fail "If-None-Match another tag: not 206"
# Several ranges: the whole image.
[[ $(status "$x" -r 0-9,100-109) == 200 ]] || fail "several ranges: not 200"
cmp "$T/x.iso" "$T/b" || fail "several ranges: not the whole image"

# Nothing but the images: traversal in any encoding, the root, other names; other methods.
for path in /../etc/passwd /%2e%2e/etc/passwd /%2E%2E%2Fetc%2Fpasswd / /x.iso/ //x.iso /X.ISO /x.iso/.. \
    "/$(basename "$T")/x.iso" /..%2fx.iso /etc/passwd /x.iso%00 /x.iso%00.txt /x%zziso; do
    got=$(status "$base_url$path")
    [[ $got == 404 ]] || fail "$path: $got, not 404"
    ! grep -q 'root:' "$T/b" || fail "$path: served /etc/passwd"
done
for method in POST PUT DELETE OPTIONS; do
    [[ $(status "$x" -X "$method") == 405 ]] || fail "$method: not 405"
    [[ $(header Allow) == "GET, HEAD" ]] || fail "$method: Allow $(header Allow)"
done
# A percent-encoded name is the same image.
[[ $(status "$base_url/x%2Eiso" -r 0-9) == 206 ]] || fail "/x%2Eiso: not the image"

# 12 clients at once, each reading 6 random 1 MiB ranges on its own connection.
for client in $(seq 12); do
    (
        for i in $(seq 6); do
            offset=$(((RANDOM * 32768 + RANDOM) % (size - 1048576)))
            curl -sS -o "$T/c$client.$i" -r "$offset-$((offset + 1048575))" "$x" &&
                slice "$T/x.iso" "$offset" 1048576 | cmp -s - "$T/c$client.$i" || { echo "client $client read $i at $offset" >"$T/bad.$client"; }
        done
    ) &
done
wait $(jobs -p | grep -vx "$pid")
! compgen -G "$T/bad.*" >/dev/null || fail "parallel clients got other bytes: $(cat "$T"/bad.*)"

# QEMU's curl block driver, as an emulated BMC will read the image.
json="json:{\"file.driver\":\"http\",\"file.url\":\"$x\",\"file.readahead\":65536}"
timeout 60 qemu-img info "$json" >"$T/info" 2>&1 || { cat "$T/info" >&2; fail "qemu-img info over HTTP"; }
grep -q "virtual size: .*($size bytes)" "$T/info" || { cat "$T/info" >&2; fail "qemu-img info: not $size bytes"; }
# -m 1: one request at a time. With convert's default 8 at once, QEMU 7.2's curl driver
# (Debian 12) stalls now and then after a few dozen requests with no connection open, with
# nginx as well (1 run in 3 here); a BMC's guest reads one request at a time anyway.
timeout 60 qemu-img convert -m 1 -f raw -O raw "$json" "$T/qemu.raw" || fail "qemu-img convert over HTTP"
cmp "$T/x.iso" "$T/qemu.raw" || fail "qemu-img convert over HTTP: other bytes than the file's"

stop_server TERM 143
grep -q 'serve stopped by SIGTERM' "$T/serve.err" || fail "no closing line: $(cat "$T/serve.err")"
# The log: one plain line per request (time, client, request line, status, bytes, seconds).
grep -qE "^[0-9-]+T[0-9:]+Z 127\.0\.0\.1:[0-9]+ \"GET /x\.iso HTTP/1\.1\" 206 65536 [0-9.]+s$" "$T/serve.log" ||
    fail "no log line of the ranged GET"
grep -qE " \"HEAD /x\.iso HTTP/1\.1\" 200 0 " "$T/serve.log" || fail "no log line of the HEAD"
grep -qE " \"GET /%2e%2e/etc/passwd HTTP/1\.1\" 404 " "$T/serve.log" || fail "no log line of the 404"
[[ $(grep -c ' 206 1048576 ' "$T/serve.log") -ge 72 ]] || fail "not 72 log lines of the parallel clients"
! grep -q '"GET' "$T/serve.err" || fail "request lines on stderr although --log was given"

# HTTPS with a self-signed certificate made here (OpenBMC takes only HTTPS).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null || fail "openssl could not make a certificate"
start_server "$T/x.iso" --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
[[ $base_url == https://* ]] || fail "HTTPS URL: $base_url"
x=$base_url/x.iso
[[ $(status "$x" --cacert "$T/cert.pem" -r 4096-1052671) == 206 ]] || fail "HTTPS range: not 206"
slice "$T/x.iso" 4096 1048576 | cmp - "$T/b" || fail "HTTPS range: other bytes than the file's"
curl -sS -o /dev/null "$x" 2>/dev/null && fail "HTTPS accepted without the CA: not the certificate made here"
grep -q '"GET /x.iso HTTP/1.1" 206 1048576' "$T/serve.err" || fail "no log line on stderr without --log"
! grep -q 'PRIVATE' "$T/serve.err" || fail "the key reached stderr"
stop_server INT 130

# Bad input: one line naming the file, exit 2, nothing served.
expect_status 2 "$IMGBUILD" serve "$T/missing.iso" --listen 127.0.0.1:0
[[ $(error_line_count "$T/last.err") -eq 1 ]] && grep -q "missing.iso: image does not exist" "$T/last.err" ||
    fail "missing image: $(cat "$T/last.err")"
mkdir "$T/d"
cp "$T/other.img" "$T/d/x.iso"
expect_status 2 "$IMGBUILD" serve "$T/x.iso" "$T/d/x.iso" --listen 127.0.0.1:0
grep -q "same URL" "$T/last.err" || fail "same name twice: $(cat "$T/last.err")"
expect_status 2 "$IMGBUILD" serve "$T/x.iso" --listen 127.0.0.1
grep -q "is not ADDRESS:PORT" "$T/last.err" || fail "bad --listen: $(cat "$T/last.err")"
expect_status 2 "$IMGBUILD" serve "$T/x.iso" --listen 127.0.0.1:0 --tls-cert "$T/key.pem" --tls-key "$T/key.pem"
grep -q "not a PEM certificate" "$T/last.err" || fail "key as certificate: $(cat "$T/last.err")"
