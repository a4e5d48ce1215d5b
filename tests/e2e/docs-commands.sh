#!/usr/bin/env bash
# labels: e2e docs
# timeout: 600
# cost: 120
# The commands the user documentation shows are the commands the product accepts: every
# fenced block of README.md and docs/*.md is either run here or says why not.
#   ```sh run      run, in order, one bash -euo pipefail per block, in a scratch tree per
#                  document (files a block makes are there for the next); the source
#                  tree's top-level files and folders are symlinked into it, so a block
#                  writes new names only (out/, images/, first.iso ...)
#   ```sh          preceded by <!-- not-run: REASON --> (a whole install, root, a package
#                  build, the set-up itself); a sh block without either fails the test
#   ```text, toml, csv, json ...   output and file contents, not run
# A block without an info string fails the test: each one is a decision.
# The bases are the test fixtures: BASE (Debian 12 amd64 netinst layout) and ETCH_BASE
# (Debian 4.0 i386 netinst layout); a block's own `BASE=...` line is replaced by them.
# `build/imgbuild` is the binary under test. `verify` runs with --timeout $verify_timeout
# (a boot takes minutes under TCG; the qemu tests prove the boots): its options, profiles
# and files are checked and QEMU starts (with --accel tcg unless the block names one);
# exit 1 (stage not reached in time) is accepted, 2 (bad input) is not.
# Also: README's command table names every subcommand `imgbuild --help` lists, and
# docs/architecture.md's table every folder of builder/; relative links lead somewhere.
# By hand: IMGBUILD=build/imgbuild bash tests/e2e/docs-commands.sh (DOCS_SOURCE_DIR: read
# the documents from another checkout; DOCS_VERIFY_TIMEOUT: seconds, default 3).
source "$(dirname "$0")/prelude.sh"

verify_timeout=${DOCS_VERIFY_TIMEOUT:-3}
docs_dir=${DOCS_SOURCE_DIR:-$IMGBUILD_SOURCE_DIR}
docs=("$docs_dir/README.md" "$docs_dir"/docs/*.md)

BASE=$(fixture_iso modern-amd64)
ETCH_BASE=$(fixture_iso etch-i386)
export BASE ETCH_BASE

# 1. README's command table against the CLI.
"$IMGBUILD" --help >"$T/help"
commands=$(sed -n '/^Subcommands:/,$p' "$T/help" | awk 'NR > 1 && NF { print $1 }')
[[ -n $commands ]] || fail "no subcommands in imgbuild --help"
for c in $commands; do
    grep -q "^| \`$c[ \`]" "$docs_dir/README.md" || fail "README.md's command table has no row for $c"
done
for c in $(sed -n 's/^| `\([a-z-]*\)[ `].*/\1/p' "$docs_dir/README.md"); do
    grep -qx "$c" <<<"$commands" || fail "README.md's command table names $c, which imgbuild --help does not list"
done

# docs/architecture.md's table has a row for each folder of builder/, and no other.
for d in "$IMGBUILD_SOURCE_DIR"/builder/*/; do
    m=$(basename "$d")
    grep -q "^| \`$m/\`" "$docs_dir/docs/architecture.md" || fail "docs/architecture.md has no row for builder/$m/"
done
for m in $(sed -n 's/^| `\([a-z0-9_-]*\)\/`.*/\1/p' "$docs_dir/docs/architecture.md"); do
    [[ -d $IMGBUILD_SOURCE_DIR/builder/$m ]] || fail "docs/architecture.md has a row for builder/$m/, which does not exist"
done

# Every relative link of the documents names a file or directory that exists.
for doc in "${docs[@]}"; do
    while read -r link; do
        [[ -e $(dirname "$doc")/$link ]] || fail "$doc links to $link, which does not exist"
    done < <(grep -o '](\([^)#]*\))' "$doc" | sed 's/^](//; s/)$//' | grep -v -e '^[a-z]*:' -e '^$' || true)
done

# 2. The blocks. extract DOC: one file per block in $T/blocks/DOC/NNN.{run,skip}, or an error.
extract() {
    awk -v out="$2" -v doc="$1" '
        function die(msg) { printf "%s:%d: %s\n", doc, NR, msg > "/dev/stderr"; bad = 1 }
        /^<!-- not-run: .+ -->$/ { notrun = NR; next }
        !inblock && /^```/ {
            info = substr($0, 4); inblock = 1; n++; start = NR
            file = sprintf("%s/%03d", out, n)
            if (info == "") die("a fenced block without an info string (sh run, sh with a not-run comment, text, toml ...)")
            else if (info == "sh run") { kind = "run" }
            else if (info == "sh" || info == "bash" || info == "shell" || info == "console") {
                if (notrun == NR - 1) kind = "skip"; else die("a " info " block neither `sh run` nor after <!-- not-run: REASON -->")
            } else kind = "other"
            if (kind != "other") { file = file "." kind; printf "# %s:%d\n", doc, start + 1 > file }
            next
        }
        inblock && /^```$/ { inblock = 0; if (kind != "other") close(file); next }
        inblock && kind != "other" { print > file }
        END { if (inblock) die("an unclosed fenced block"); exit bad }' "$1"
}

# The scratch tree a document's blocks run in: the source tree's files by symlink, and
# build/imgbuild the binary under test (verify with the short timeout).
make_tree() {
    local tree=$1 f
    mkdir -p "$tree/build"
    for f in "$IMGBUILD_SOURCE_DIR"/*; do
        case $(basename "$f") in build | build-* | out | cache) continue ;; esac
        ln -s "$f" "$tree/"
    done
    cat >"$tree/build/imgbuild" <<EOF
#!/usr/bin/env bash
sub= prev=
for a in "\$@"; do
    [[ -z \$sub && \$prev != --config && \$a != -* ]] && sub=\$a
    prev=\$a
done
[[ \$sub == verify ]] || exec "$IMGBUILD" "\$@"
args=() drop=0
for a in "\$@"; do
    if [[ \$drop -eq 1 ]]; then drop=0; continue; fi
    case \$a in --timeout) drop=1; continue ;; --timeout=*) continue ;; esac
    args+=("\$a")
done
# KVM's probe boot (--accel auto) costs seconds each time; the run is cut short anyway.
[[ " \$* " == *" --accel "* || " \$* " == *" --accel="* ]] || args+=(--accel tcg)
rc=0
"$IMGBUILD" "\${args[@]}" --timeout $verify_timeout || rc=\$?
[[ \$rc -eq 1 ]] && { echo "docs-commands: verify stopped after $verify_timeout s (exit 1), as intended" >&2; exit 0; }
exit \$rc
EOF
    chmod +x "$tree/build/imgbuild"
}

ran=0 skipped=0
for doc in "${docs[@]}"; do
    name=$(basename "$doc" .md)
    mkdir -p "$T/blocks/$name"
    extract "$doc" "$T/blocks/$name" || fail "$doc: unmarked or malformed blocks (above)"
    make_tree "$T/tree-$name"
    for block in "$T/blocks/$name"/*.run "$T/blocks/$name"/*.skip; do
        [[ -e $block ]] || continue
        if [[ $block == *.skip ]]; then skipped=$((skipped + 1)); continue; fi
        where=$(head -1 "$block" | cut -c3-)
        # The bases come from the test: a block's own assignment of them is dropped.
        sed -i -E '/^(BASE|ETCH_BASE)=[^ ]+( +#.*)?$/d' "$block"
        start=$SECONDS
        mkdir -p "$T/tmp"   # verify's logs of a run cut short, and any other temp file
        if ! (cd "$T/tree-$name" && TMPDIR=$T/tmp bash -euo pipefail "$block") >"$block.log" 2>&1; then
            echo "--- $where:"; sed -n '2,$p' "$block"; echo "--- its output:"; tail -30 "$block.log"
            fail "the block at $where failed"
        fi
        echo "ran $where ($((SECONDS - start)) s)"
        ran=$((ran + 1))
    done
done
[[ $ran -gt 0 ]] || fail "no runnable block found"
echo "$ran blocks run, $skipped not run (marked with their reason)"
