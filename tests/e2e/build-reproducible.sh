#!/usr/bin/env bash
# labels: e2e build
# timeout: 300
# Same inputs, same bytes: whatever the wall clock, time zone, umask, locale or working
# directory. Dates come from SOURCE_DATE_EPOCH when set, else from the base's volume date.
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso modern-amd64)
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
mkdir -p "$T/overlay/a/b"
echo data >"$T/overlay/a/b/file"

build() { # OUT [env...]
    local out=$1
    shift
    env "$@" "$IMGBUILD" build "$base" -o "$out" --preseed "$T/p.cfg" --cdrom-overlay "$T/overlay" --quiet
}

build "$T/one.iso" TZ=UTC LC_ALL=C
(
    cd /
    umask 077
    faketime -f '+3d' env TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 \
        "$IMGBUILD" build "$base" -o "$T/two.iso" --preseed "$T/p.cfg" --cdrom-overlay "$T/overlay" --quiet
)
# The overlay's files touched (new mtimes) and re-owned: still the same image.
touch -d '2020-01-01' "$T/overlay/a/b/file"
chown 1234:1234 "$T/overlay/a/b/file"
build "$T/three.iso" TZ=America/New_York
cmp "$T/one.iso" "$T/two.iso" || fail "builds under another TZ/clock/umask/cwd differ"
cmp "$T/one.iso" "$T/three.iso" || fail "builds differ after touching/chowning overlay files"

# SOURCE_DATE_EPOCH sets the dates (and so the bytes); the volume date follows it.
build "$T/sde.iso" SOURCE_DATE_EPOCH=1700000000
cmp -s "$T/one.iso" "$T/sde.iso" && fail "SOURCE_DATE_EPOCH did not change the image"
pvd_time() { xorriso -report_about FAILURE -indev "$1" -pvd_info 2>/dev/null | sed -n 's/^Creation Time: *//p'; }
[[ $(pvd_time "$T/sde.iso") == 2023111422132000 ]] || fail "volume date $(pvd_time "$T/sde.iso") does not follow SOURCE_DATE_EPOCH"
build "$T/sde2.iso" SOURCE_DATE_EPOCH=1700000000 TZ=Asia/Kolkata
cmp "$T/sde.iso" "$T/sde2.iso" || fail "SOURCE_DATE_EPOCH builds differ"

# Without SOURCE_DATE_EPOCH the base's own volume date is used.
base_date=$(pvd_time "$base")
out_date=$(pvd_time "$T/one.iso")
[[ $base_date == "$out_date" ]] || fail "volume date '$out_date' is not the base's '$base_date'"

# The base's digest (in the build id) as util/hash.hpp defines it, computed here with
# xxhsum: XXH3-128 of a header (three length-prefixed fields) and each 64 MiB segment's
# XXH128, whatever the number of threads that read it. imgbuild keeps it in its digest
# cache, which is where it is read back.
IMGBUILD_DIGEST_CACHE=$T/digests build "$T/digest.iso"
cmp "$T/one.iso" "$T/digest.iso" || fail "a build with the digest cache on differs"
entries=("$T"/digests/*)
[[ ${#entries[@]} -eq 1 ]] || fail "expected one digest cache entry, got ${#entries[@]}"
got=$(sed -n 2p "${entries[0]}")
field() { # TEXT: 8-byte big-endian length, then the text
    printf "$(printf '%016x' "${#1}" | sed 's/../\\x&/g')%s" "$1"
}
hex_bytes() { printf "$(sed 's/../\\x&/g')"; }
segment=$((64 << 20))
size=$(stat -c %s "$base")
segments=$(( (size + segment - 1) / segment ))
[[ $segments -ge 2 ]] || fail "the test base has fewer than two segments ($size bytes)"
want=$({
    field imgbuild-segmented-xxh3-128
    field "$segment"
    field "$size"
    for ((i = 0; i < segments; i++)); do
        dd if="$base" bs=1M skip=$((i * 64)) count=64 status=none | xxhsum -H2 | cut -d' ' -f1 | hex_bytes
    done
} | xxhsum -H2 | cut -d' ' -f1)
[[ $got == "$want" ]] || fail "base digest $got, xxhsum over the segments says $want"
