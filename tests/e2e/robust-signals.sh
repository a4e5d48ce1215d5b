#!/usr/bin/env bash
# labels: e2e build
# timeout: 300
# No lost work: SIGINT or SIGTERM while `imgbuild build` writes the ISO (either layout) ends it with
# 128+signal, leaves no output, no temp file beside it and no staging directory, and the
# previous output of the same name is intact.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso modern-amd64)
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
mkdir -p "$T/out" "$T/tmp"
echo "previous output" >"$T/out/x.iso"
before=$(sha256sum <"$T/out/x.iso")

# append: the temp file grows from the clone of the base, then the new session after it.
for layout in compact append; do
for signal in INT TERM; do
    want=$((128 + $(kill -l "$signal")))
    # Staging under a private TMPDIR: other builds on this host must not count.
    TMPDIR=$T/tmp "$IMGBUILD" build "$base" -o "$T/out/x.iso" --layout "$layout" --preseed "$T/p.cfg" --quiet \
        >"$T/build.out" 2>"$T/build.err" &
    pid=$!
    # Wait for the temp file beside the output, then for it to grow: the write is under way.
    seen=""
    for _ in $(seq 1 3000); do
        tmp=$(compgen -G "$T/out/.x.iso.imgbuild-*" | head -1 || true)
        if [[ -n $tmp && $(stat -c %s "$tmp" 2>/dev/null || echo 0) -gt 0 ]]; then
            seen=$tmp
            break
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    [[ -n $seen ]] || { wait "$pid" || true; cat "$T/build.err" >&2; fail "$layout: SIG$signal: no temp file appeared while building"; }
    kill "-$signal" "$pid"
    rc=0
    wait "$pid" || rc=$?
    [[ $rc -eq $want ]] || { cat "$T/build.err" >&2; fail "$layout: SIG$signal mid-write: exit $rc, expected $want"; }
    leftovers=$(find "$T/out" -name '.x.iso.imgbuild-*')
    [[ -z $leftovers ]] || fail "$layout: SIG$signal left a temp file: $leftovers"
    [[ -z $(ls -A "$T/tmp") ]] || { ls -la "$T/tmp" >&2; fail "$layout: SIG$signal left a staging directory in TMPDIR"; }
    [[ $(sha256sum <"$T/out/x.iso") == "$before" ]] || fail "$layout: SIG$signal changed the previous output"
    [[ $(ls -A "$T/out") == x.iso ]] || { ls -la "$T/out" >&2; fail "$layout: SIG$signal: unexpected files in the output directory"; }
    ! grep -q 'ABORT' "$T/build.err" || { cat "$T/build.err" >&2; fail "$layout: SIG$signal: libburn's abort handler ran instead of imgbuild's"; }
done
done

# The same build, not interrupted, does replace the previous output (the test above
# would pass for a build that never writes).
expect_status 0 "$IMGBUILD" build "$base" -o "$T/out/x.iso" --preseed "$T/p.cfg" --quiet
[[ $(sha256sum <"$T/out/x.iso") != "$before" ]] || fail "an uninterrupted build did not replace the output"
[[ $(ls -A "$T/out") == x.iso ]] || fail "temp files after a successful build"
