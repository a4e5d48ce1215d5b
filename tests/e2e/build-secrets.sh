#!/usr/bin/env bash
# labels: e2e build
# timeout: 600
# Secrets (issue 6): passwords reach a disc only as crypt(3) hashes unless the user passes
# --allow-plaintext-password; even then the value appears in no output of imgbuild (build,
# inspect, manifest, lint), not in /imgbuild/build.json or the build id (two builds
# differing only in the plaintext share an id), only in the preseed inside the initrds,
# where the installer needs it. Checked with xorriso, zcat, cpio and grep, not imgbuild.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso etch-i386)
pw=Sekr1t-Pw-4711
mkdir -p "$T/out" "$T/tmp"
export TMPDIR=$T/tmp # imgbuild's temp directories, checked empty after a refusal

# Everything imgbuild prints in this test, searched for the password at the end.
: >"$T/all-output"
run() { # STATUS imgbuild-args...
    local want=$1
    shift
    expect_status "$want" "$IMGBUILD" "$@"
    cat "$T/last.out" "$T/last.err" >>"$T/all-output"
}

preseed() { # FILE LINE... : a small Etch preseed plus the given lines
    local file=$1
    shift
    {
        echo 'd-i debian-installer/locale string en_US'
        printf '%s\n' "$@"
        echo 'd-i passwd/make-user boolean false'
    } >"$file"
}

# refused CFG REGEX [args...]: exit 2, one line naming the preseed and matching REGEX,
# nothing on stdout, no output, no temp file (beside the output or in $TMPDIR).
refused() {
    local cfg=$1 regex=$2
    shift 2
    run 2 build "$base" -o "$T/out/x.iso" --preseed "$cfg" "$@"
    [[ $(error_line_count "$T/last.err") -eq 1 ]] || { cat "$T/last.err" >&2; fail "error is not one line"; }
    grep -qF -- "$cfg" "$T/last.err" || { cat "$T/last.err" >&2; fail "error does not name $cfg"; }
    expect_stderr_match "$regex"
    [[ ! -s $T/last.out ]] || fail "refused build printed on stdout"
    [[ -z $(ls -A "$T/out") ]] || { ls -la "$T/out" >&2; fail "output directory not empty after a refusal"; }
    [[ -z $(ls -A "$T/tmp") ]] || { ls -la "$T/tmp" >&2; fail "temp files left in \$TMPDIR after a refusal"; }
}

# The preseed.cfg appended to an initrd on DISC, extracted with xorriso, tail, zcat, cpio.
embedded_preseed() { # DISC INITRD
    iso_cat "$base" "$2" >"$T/orig"
    iso_cat "$1" "$2" >"$T/new"
    tail -c +$(($(stat -c %s "$T/orig") + 1)) "$T/new" | zcat | (cd "$T" && cpio -i --quiet --to-stdout preseed.cfg)
}

disc_build_id() { iso_cat "$1" /imgbuild/build-id; }

# 1. A plaintext root password is refused without the flag, naming file, line, question
#    and both ways out, never the value.
preseed "$T/plain.cfg" "d-i passwd/root-password password $pw" "d-i passwd/root-password-again password $pw"
refused "$T/plain.cfg" "plain\.cfg:2: passwd/root-password is a plaintext secret.*\(and 1 more\).*passwd/root-password-crypted.*openssl passwd -1.*--allow-plaintext-password"
# The installer ignores the type: a password given as a string is one all the same.
preseed "$T/string.cfg" "d-i passwd/root-password string $pw"
refused "$T/string.cfg" "string\.cfg:2: passwd/root-password is a plaintext secret"
# A "-crypted" answer that is no crypt(3) hash is refused too (it is a plaintext on the disc).
preseed "$T/badhash.cfg" "d-i passwd/root-password-crypted password $pw"
refused "$T/badhash.cfg" "badhash\.cfg:2: passwd/root-password-crypted does not hold a crypt\(3\) hash"
# ... and, with the flag, lint still stops it (an error for the Etch installer on the disc).
run 2 build "$base" -o "$T/out/x.iso" --preseed "$T/badhash.cfg" --allow-plaintext-password
grep -q 'badhash.cfg:2: error: passwd/root-password-crypted does not hold a crypt(3) hash' "$T/last.err" ||
    { cat "$T/last.err" >&2; fail "lint does not report the malformed hash"; }
[[ -z $(ls -A "$T/out") ]] || fail "output left after a lint refusal"
# Passwords on the kernel command line (kernel-line preseeding) are checked the same way.
preseed "$T/crypted1.cfg" "d-i passwd/root-password-crypted password $(openssl passwd -1 -salt one "$pw")"
run 2 build "$base" -o "$T/out/x.iso" --preseed "$T/crypted1.cfg" --kernel-args "passwd/root-password=$pw"
[[ $(error_line_count "$T/last.err") -eq 1 ]] && grep -q -- '--kernel-args: passwd/root-password is a plaintext secret' "$T/last.err" ||
    { cat "$T/last.err" >&2; fail "a password on --kernel-args is not refused in one line"; }
[[ -z $(ls -A "$T/out") ]] || fail "output left after a --kernel-args refusal"

# 2. With the flag the build goes ahead: the password is in the initrds' preseed (what the
#    user asked for), so the checks below cannot pass by the password missing altogether.
run 0 build "$base" -o "$T/plain.iso" --preseed "$T/plain.cfg" --allow-plaintext-password
grep -q 'plaintext root password' "$T/last.err" || fail "no lint warning about the plaintext root password"
for initrd in /install.386/initrd.gz /install.386/gtk/initrd.gz; do
    embedded_preseed "$T/plain.iso" "$initrd" >"$T/embedded.cfg"
    grep -qx "d-i passwd/root-password password $pw" "$T/embedded.cfg" || fail "$initrd: the password did not reach the preseed"
    grep -qx "d-i passwd/root-password-again password $pw" "$T/embedded.cfg" || fail "$initrd: -again line lost"
done
# Nowhere else on the disc: every file extracted (the initrds are gzip, so they do not match).
xorriso -report_about FAILURE -osirrox on -indev "$T/plain.iso" -extract / "$T/plain-files" >/dev/null 2>&1 ||
    fail "xorriso could not extract the image"
found=$(grep -rlF -- "$pw" "$T/plain-files" || true)
[[ -z $found ]] || fail "the password is in these files of the disc: $found"
grep -q '"preseed": "plain.cfg"' "$T/plain-files/imgbuild/build.json" || fail "build.json does not name the preseed"
id=$(disc_build_id "$T/plain.iso")
[[ $id =~ ^[0-9a-f]{32}$ ]] || fail "build id '$id' malformed"
chmod -R u+w "$T/plain-files" && rm -rf "$T/plain-files"

# The same through a profile (--config), as every build option.
cat >"$T/recipe.toml" <<CFG
[build]
preseed = "$T/plain.cfg"
allow-plaintext-password = true
CFG
run 0 --config "$T/recipe.toml" build "$base" -o "$T/profile.iso" --quiet
cmp "$T/plain.iso" "$T/profile.iso" || fail "profile and command line give different images"

# 3. inspect (text and JSON) names the secret answers and their form, never the value.
run 0 inspect "$T/plain.iso"
grep -q 'secret answer passwd/root-password (line [0-9]*): plaintext, value withheld' "$T/last.out" ||
    { cat "$T/last.out" >&2; fail "inspect does not flag the plaintext secret"; }
run 0 inspect --json "$T/plain.iso"
python3 - "$T/last.out" <<'PY' || fail "inspect --json does not list the secret answers"
import json, sys
d = json.load(open(sys.argv[1]))
forms = {(s["question"], s["form"]) for i in d["initrds"] for s in i["preseed_secrets"]}
assert ("passwd/root-password", "plaintext") in forms, forms
assert ("passwd/root-password-again", "plaintext") in forms, forms
PY
# 4. manifest and lint.
run 0 manifest "$T/plain.iso"
grep -q '  /install.386/initrd.gz$' "$T/last.out" || fail "manifest does not list the initrd"
run 1 lint "$T/plain.cfg" --release etch
grep -q 'plain.cfg:2: warning: plaintext root password' "$T/last.out" || fail "lint does not warn about the plaintext"
run 1 lint "$T/badhash.cfg" --release etch
grep -q 'error: passwd/root-password-crypted does not hold a crypt(3) hash' "$T/last.out" ||
    fail "lint does not report the malformed hash"

# 5. The build id does not depend on a plaintext password (it is published and XXH3 is
#    quick to brute-force); it does depend on a crypted hash.
preseed "$T/plain2.cfg" "d-i passwd/root-password password other-$pw" "d-i passwd/root-password-again password other-$pw"
run 0 build "$base" -o "$T/plain2.iso" --preseed "$T/plain2.cfg" --allow-plaintext-password --quiet
cmp -s "$T/plain.iso" "$T/plain2.iso" && fail "different passwords gave the same image"
[[ $(disc_build_id "$T/plain2.iso") == "$id" ]] || fail "the build id changes with the plaintext password"
embedded_preseed "$T/plain2.iso" /install.386/initrd.gz >"$T/embedded.cfg"
grep -q "IMGBUILD:preseed-loaded:$id" "$T/embedded.cfg" || fail "the preseed's marker does not carry the build id"
grep -qx "d-i passwd/root-password password other-$pw" "$T/embedded.cfg" || fail "the other password did not reach the preseed"

preseed "$T/crypted2.cfg" "d-i passwd/root-password-crypted password $(openssl passwd -1 -salt two "$pw")"
run 0 build "$base" -o "$T/crypted1.iso" --preseed "$T/crypted1.cfg" --quiet
run 0 build "$base" -o "$T/crypted2.iso" --preseed "$T/crypted2.cfg" --quiet
[[ $(disc_build_id "$T/crypted1.iso") != $(disc_build_id "$T/crypted2.iso") ]] ||
    fail "two different crypted hashes give the same build id"
run 0 inspect "$T/crypted1.iso"
grep -q 'secret answer passwd/root-password-crypted (line [0-9]*): crypted, value withheld' "$T/last.out" ||
    fail "inspect does not list the crypted answer"
grep -qF "$(openssl passwd -1 -salt one "$pw")" "$T/last.out" && fail "inspect shows the crypted hash"

# 6. A password on the kernel command line, allowed: in the boot menu (where the installer
#    reads it), not in build.json nor in the build id.
run 0 build "$base" -o "$T/kargs.iso" --preseed "$T/crypted1.cfg" --kernel-args "passwd/root-password=$pw" \
    --allow-plaintext-password --quiet
iso_cat "$T/kargs.iso" /isolinux/isolinux.cfg >"$T/kargs-isolinux.cfg"
grep -qF "passwd/root-password=$pw" "$T/kargs-isolinux.cfg" ||
    fail "the kernel argument did not reach the boot menu"
iso_cat "$T/kargs.iso" /imgbuild/build.json >"$T/kargs.json"
grep -qF "$pw" "$T/kargs.json" && fail "build.json holds the password from --kernel-args"
grep -qF '"kernel_args": "passwd/root-password=<secret withheld by imgbuild>"' "$T/kargs.json" ||
    { cat "$T/kargs.json" >&2; fail "build.json does not show the withheld kernel argument"; }
run 0 build "$base" -o "$T/kargs2.iso" --preseed "$T/crypted1.cfg" --kernel-args "passwd/root-password=x$pw" \
    --allow-plaintext-password --quiet
[[ $(disc_build_id "$T/kargs.iso") == $(disc_build_id "$T/kargs2.iso") ]] ||
    fail "the build id changes with a plaintext password on --kernel-args"
run 0 inspect "$T/kargs.iso"
run 0 manifest "$T/kargs.iso"

# 7. Nothing imgbuild printed holds the password (nor the other one).
grep -c . "$T/all-output" >/dev/null || fail "no output collected"
if grep -nF -- "$pw" "$T/all-output" >&2; then fail "imgbuild printed the password (lines above)"; fi
