#!/usr/bin/env bash
# labels: e2e build
# timeout: 300
# Progress of build's long steps (issue 13 part 6) as a user sees it: with stderr in a file
# (a CI log) plain lines with totals, one per step; with -q nothing; on a terminal (a pty
# made by script(1)) one live line redrawn with \r. The checksum check, the hash of the
# base, the initrds and the ISO write all report.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso etch-i386)
size=$(stat -c %s "$base")
total_mib=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')
(cd "$(dirname "$base")" && sha256sum "$(basename "$base")") >"$T/SHA256SUMS"
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
args=(--preseed "$T/p.cfg" --arch i386 --base-checksums "$T/SHA256SUMS")

# 1. stderr is a file: plain lines, no carriage return, each step with its total.
expect_status 0 "$IMGBUILD" build "$base" -o "$T/plain.iso" "${args[@]}"
err=$T/last.err
grep -q $'\r' "$err" && fail "carriage return in stderr that is not a terminal: $(cat -A "$err")"
for step in "checking $base against $T/SHA256SUMS" "hashing $base" "reading and rewriting [0-9]+ initrd\\(s\\)" \
            "writing $T/plain.iso"; do
    grep -Eq "^imgbuild: $step: [0-9.]+ of [0-9.]+ MiB \\([0-9]+%\\), [0-9.]+ s, [0-9.]+ MiB/s, done\$" "$err" ||
        fail "no plain progress line for '$step' in: $(cat "$err")"
done
grep -Eq "^imgbuild: hashing $base: $total_mib of $total_mib MiB \\(100%\\)" "$err" ||
    fail "hashing line does not give the base's size ($total_mib MiB): $(cat "$err")"
[[ -s $T/last.out ]] || fail "the summary on stdout is gone"

# 2. -q: nothing on stderr at all.
expect_status 0 "$IMGBUILD" build "$base" -o "$T/quiet.iso" "${args[@]}" -q
[[ ! -s $T/last.err ]] || fail "-q printed: $(cat "$T/last.err")"

# 3. A terminal: script(1) gives imgbuild a pty; the live line is redrawn with \r.
command -v script >/dev/null || fail "script(1) (util-linux) missing"
printf -v cmd '%q ' "$IMGBUILD" build "$base" -o "$T/tty.iso" "${args[@]}"
script -qec "$cmd 2>&1" /dev/null >"$T/tty.log" </dev/null || fail "build on a pty failed: $(cat "$T/tty.log")"
grep -q $'\rhashing ' "$T/tty.log" || fail "no live line on a terminal: $(cat -A "$T/tty.log")"
grep -Eq $'\rwriting [^\r]* of [0-9.]+ MiB \\(100%\\)' "$T/tty.log" || fail "live write line never reached 100%"
grep -q '^imgbuild: ' "$T/tty.log" && fail "plain lines on a terminal: $(cat -A "$T/tty.log")"
cmp -s "$T/plain.iso" "$T/tty.iso" || fail "progress output changed the image"
