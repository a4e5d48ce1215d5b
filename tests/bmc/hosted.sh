# SPDX-License-Identifier: GPL-2.0-or-later
# Shared set-up of the e2e scripts that drive emulated BMCs hosted over TLS (sourced after
# tests/e2e/prelude.sh): the BMC password in $T/pw, a throw-away certificate $T/cert.pem
# with its key (valid for 127.0.0.1, so --ca can check it too) and its SHA-256
# $fingerprint, and $pids: every process added there is killed when the script ends.
#
#   hosted_bmc_setup SECRET
hosted_bmc_setup() {
    printf '%s\n' "$1" >"$T/pw"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=bmc.example -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null || fail "openssl could not make a test certificate"
    fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "$T/cert.pem" | sed 's/.*=//; s/://g' | tr A-F a-f)
    pids=()
    trap 'rc=$?; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; (exit $rc); _prelude_exit' EXIT
}
