#!/usr/bin/env bash
# labels: e2e fleet
# timeout: 120
# lint --hosts: every malformed inventory of the corpus (tests/fleet/bad/NAME.csv, with the
# expected message as a regex in NAME.expect) is refused with one line naming file, line
# and column, exit 2, and nothing on stdout; a good inventory passes its checks and each
# host's preseed is linted, a mistake in a host's fragment named by the fragment's own
# path and line.
source "$(dirname "$0")/prelude.sh"
corpus=$IMGBUILD_SOURCE_DIR/tests/fleet
preseed=$IMGBUILD_SOURCE_DIR/preseed/bookworm-amd64-server.cfg

n=0
for csv in "$corpus"/bad/*.csv; do
    name=$(basename "$csv" .csv)
    expect_status 2 "$IMGBUILD" lint "$preseed" --release bookworm --hosts "$csv"
    [[ $(error_line_count "$T/last.err") -eq 1 ]] || { cat "$T/last.err" >&2; fail "$name: expected one line on stderr"; }
    [[ ! -s $T/last.out ]] || fail "$name: nothing belongs on stdout"
    expect_stderr_match "$(cat "$corpus/bad/$name.expect")"
    expect_stderr_match "\\("  # the fix, in parentheses
    n=$((n + 1))
done
[[ $n -ge 10 ]] || fail "corpus too small ($n)"

# The good rack: the image's preseed is clean for bookworm, so what lint reports is the
# fragment's misspelt question, at hosts/vm02.cfg:3, and nothing about vm01.
expect_status 0 "$IMGBUILD" lint "$preseed" --release bookworm
expect_status 1 "$IMGBUILD" lint "$preseed" --release bookworm --hosts "$corpus/good/rack.csv"
grep -q "^$corpus/good/hosts/vm02.cfg:3: .*partman-auto/diks" "$T/last.out" ||
    { cat "$T/last.out" >&2; fail "the fragment's unknown question is not named at its own file:line"; }
! grep -q "vm01" "$T/last.out" || { cat "$T/last.out" >&2; fail "vm01 is clean"; }
# The generated answers are valid for bookworm: without the fragment's mistake, lint is clean.
mkdir -p "$T/rack/hosts"
cp "$corpus/good/rack.csv" "$T/rack/"
grep -v diks "$corpus/good/hosts/vm02.cfg" >"$T/rack/hosts/vm02.cfg"
expect_status 0 "$IMGBUILD" lint "$preseed" --release bookworm --hosts "$T/rack/rack.csv"
# ... and for Etch's question list too (disable_dhcp, no netcfg/hostname).
expect_status 0 "$IMGBUILD" lint "$IMGBUILD_SOURCE_DIR/preseed/etch-pe2950-vmware.cfg" --release etch --hosts "$T/rack/rack.csv" --errors-only
