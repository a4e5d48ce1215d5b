#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The module rule, checked: a library's headers are included only by the module that owns
# it (builder/OWNERS). Prints every offending include as FILE:LINE and exits 1.
#
#   tests/owners/check.sh [SOURCE_DIR]     check SOURCE_DIR/builder (default: this tree)
#   tests/owners/check.sh --self-test      show that the check catches a stray include
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)

# check ROOT: ROOT/builder/OWNERS against ROOT/builder/*/*.{cpp,hpp,h}
check() {
    local root=$1
    [[ -f $root/builder/OWNERS ]] || { echo "check.sh: no $root/builder/OWNERS" >&2; return 2; }
    awk '
        FNR == NR {                       # builder/OWNERS
            if ($0 ~ /^[ \t]*(#|$)/) next
            if (NF < 2) { printf "%s:%d: expected HEADER-PREFIX OWNER-MODULE\n", FILENAME, FNR; bad = 1; next }
            prefix[++n] = $1; owner[n] = $2; lib[n] = (NF >= 3 ? $3 : $1)
            next
        }
        FNR == 1 {
            module = FILENAME
            sub(/.*\/builder\//, "", module)
            sub(/\/.*/, "", module)
        }
        /^[ \t]*#[ \t]*include[ \t]*[<"]/ {
            header = $0
            sub(/^[ \t]*#[ \t]*include[ \t]*[<"]/, "", header)
            sub(/[>"].*/, "", header)
            for (i = 1; i <= n; ++i) {
                p = prefix[i]
                hit = (p ~ /\/$/) ? (index(header, p) == 1) : (header == p)
                if (hit && module != owner[i]) {
                    printf "%s:%d: includes <%s>, but %s belongs to %s/ (builder/OWNERS): call that module instead\n",
                           substr(FILENAME, length(root) + 2), FNR, header, lib[i], owner[i]
                    bad = 1
                }
            }
        }
        END { exit bad }
    ' root="$root" "$root/builder/OWNERS" $(find "$root/builder" -mindepth 2 -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) | sort)
}

self_test() {
    local t
    t=$(mktemp -d)
    trap 'rm -rf "$t"' RETURN
    mkdir -p "$t/builder/archive" "$t/builder/repo"
    printf 'archive.h archive libarchive\nnettle/ digest nettle\n' >"$t/builder/OWNERS"
    printf '#include <archive.h>\n' >"$t/builder/archive/reader.cpp"
    printf '#include "repo/deb.hpp"\n#include <nettle/md5.h>\n  #  include <archive.h>\n' >"$t/builder/repo/deb.cpp"
    local out rc=0
    out=$(check "$t" 2>&1) || rc=$?
    local expected='builder/repo/deb.cpp:2: includes <nettle/md5.h>, but nettle belongs to digest/ (builder/OWNERS): call that module instead
builder/repo/deb.cpp:3: includes <archive.h>, but libarchive belongs to archive/ (builder/OWNERS): call that module instead'
    if [[ $rc -ne 1 || $out != "$expected" ]]; then
        echo "self-test FAILED: exit $rc, output:" >&2
        echo "$out" >&2
        return 1
    fi
    echo "self-test ok: the check flags includes outside their owner and only those"
}

if [[ ${1:-} == --self-test ]]; then
    self_test
else
    root=$(cd "${1:-$here}" && pwd)
    check "$root"
    echo "every library header is included by its owner only ($(grep -cEv '^[[:space:]]*(#|$)' "$root/builder/OWNERS") prefixes in builder/OWNERS)"
fi
