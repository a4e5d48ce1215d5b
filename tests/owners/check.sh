#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The module rule, checked: a library's headers are included only by the module that owns
# it (builder/OWNERS). Prints every offending include as FILE:LINE and exits 1. Also checks
# that OWNERS covers every header each listed Debian package ships (dpkg -L): a header of
# an owned library that no line names (zdict.h beside zstd.h) could be included anywhere.
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

# The headers a Debian package ships, as include names: "zstd.h", "openssl/ssl.h" (the
# multiarch directory /usr/include/TRIPLET/ is an include directory too). dpkg -L lists
# directories as well: a path that another path continues is one, and is left out.
package_headers() {
    "${OWNERS_DPKG:-dpkg}" -L "$1" 2>/dev/null |
        sed -nE 's#^/usr/include/##p' |
        sed -E 's#^[a-z0-9_]+-linux-gnu[a-z0-9_]*(/|$)##' |
        awk 'NF { path[++n] = $0 }
             END {
                 for (i = 1; i <= n; ++i) {
                     dir = 0
                     for (j = 1; j <= n; ++j) if (index(path[j], path[i] "/") == 1) { dir = 1; break }
                     if (!dir) print path[i]
                 }
             }' | sort -u
}

# coverage ROOT: every header of each package named in ROOT/builder/OWNERS (4th column) is
# matched by a prefix of the same owner. A package that is not installed is named once
# (its headers cannot be listed here) and does not fail the check.
coverage() {
    local root=$1 package owner missing=0 header
    while read -r package owner; do
        local headers
        headers=$(package_headers "$package")
        if [[ -z $headers ]]; then
            echo "check.sh: note: $package is not installed here: its headers not checked against builder/OWNERS" >&2
            continue
        fi
        while IFS= read -r header; do
            if ! awk -v h="$header" -v o="$owner" '
                    /^[ \t]*(#|$)/ { next }
                    $2 == o && (($1 ~ /\/$/) ? index(h, $1) == 1 : h == $1) { found = 1 }
                    END { exit !found }' "$root/builder/OWNERS"; then
                echo "builder/OWNERS: <$header> (from $package) is not listed: add a line for it owned by $owner/"
                missing=1
            fi
        done <<<"$headers"
    done < <(awk '!/^[ \t]*(#|$)/ && NF >= 4 { print $4, $2 }' "$root/builder/OWNERS" | sort -u)
    return $missing
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
    # Coverage: a fake dpkg whose libzstd-dev ships zstd.h, zdict.h and a directory.
    printf '#!/bin/sh\n[ "$2" = libzstd-dev ] || exit 1\nprintf "/usr\\n/usr/include\\n/usr/include/zstd.h\\n/usr/include/zdict.h\\n/usr/include/x86_64-linux-gnu\\n/usr/include/x86_64-linux-gnu/zstd\\n/usr/include/x86_64-linux-gnu/zstd/more.h\\n/usr/lib/libzstd.so\\n"\n' >"$t/dpkg"
    chmod +x "$t/dpkg"
    printf 'zstd.h initrd libzstd libzstd-dev\nzstd/ initrd libzstd libzstd-dev\n' >"$t/builder/OWNERS"
    rc=0
    out=$(OWNERS_DPKG="$t/dpkg" coverage "$t" 2>&1) || rc=$?
    expected='builder/OWNERS: <zdict.h> (from libzstd-dev) is not listed: add a line for it owned by initrd/'
    if [[ $rc -ne 1 || $out != "$expected" ]]; then
        echo "self-test FAILED (coverage): exit $rc, output:" >&2
        echo "$out" >&2
        return 1
    fi
    printf 'zdict.h initrd libzstd libzstd-dev\n' >>"$t/builder/OWNERS"
    rc=0
    out=$(OWNERS_DPKG="$t/dpkg" coverage "$t" 2>&1) || rc=$?
    if [[ $rc -ne 0 || -n $out ]]; then
        echo "self-test FAILED (coverage, complete list): exit $rc, output:" >&2
        echo "$out" >&2
        return 1
    fi
    echo "self-test ok: the check flags includes outside their owner and only those, and headers of an owned package no line names"
}

if [[ ${1:-} == --self-test ]]; then
    self_test
else
    root=$(cd "${1:-$here}" && pwd)
    rc=0
    check "$root" || rc=$?
    coverage "$root" || rc=1
    [[ $rc -eq 0 ]] || exit $rc
    echo "every library header is included by its owner only ($(grep -cEv '^[[:space:]]*(#|$)' "$root/builder/OWNERS") prefixes in builder/OWNERS)"
fi
