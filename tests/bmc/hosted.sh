# SPDX-License-Identifier: GPL-2.0-or-later
# Shared set-up of the e2e scripts that drive emulated BMCs hosted over TLS (sourced after
# tests/e2e/prelude.sh): the BMC password in $T/pw, a throw-away certificate $T/cert.pem
# with its key (valid for 127.0.0.1, so --ca can check it too) and its SHA-256
# $fingerprint, and $pids: every process added there is killed when the script ends.
#
#   hosted_bmc_setup SECRET
#   followable_iso OUT.iso BUILD-ID KERNEL-ARGS: a stand-in for an imgbuild image with what
#     deploy reads of one (its build id, an isolinux menu whose unattended entry carries
#     KERNEL-ARGS, e.g. log_host=127.0.0.1 log_port=PORT)
hosted_bmc_setup() {
    printf '%s\n' "$1" >"$T/pw"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=bmc.example -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null || fail "openssl could not make a test certificate"
    fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "$T/cert.pem" | sed 's/.*=//; s/://g' | tr A-F a-f)
    pids=()
    trap 'rc=$?; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; (exit $rc); _prelude_exit' EXIT
}

followable_iso() {
    local tree
    tree=$(mktemp -d "$T/tree.XXXXXX")
    mkdir -p "$tree/imgbuild" "$tree/isolinux"
    echo "$2" >"$tree/imgbuild/build-id"
    printf '%s\n' "default imgbuild" "# imgbuild: begin (written by imgbuild build; a rebuild replaces this block)" \
        "label imgbuild" "  kernel /install.amd/vmlinuz" \
        "  append auto=true priority=critical $3 initrd=/install.amd/initrd.gz --- quiet" \
        "# imgbuild: end" >"$tree/isolinux/isolinux.cfg"
    xorriso -as mkisofs -quiet -R -V FOLLOW -o "$1" "$tree" 2>/dev/null || fail "xorriso could not make $1"
}
