#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e fleet
# timeout: 300
# cost: 20
#
# build --hosts (issue 12 parts 1-3): one image for a rack carries the inventory in every
# installer initrd (checked with cpio, not imgbuild's reader), with netcfg's postinst
# replaced by the identification hook; the same inputs give the same bytes; every
# malformed inventory of the corpus is refused like lint refuses it (exit 2, one line,
# nothing written), and so are options that make no sense together. verify --identity
# refuses malformed identities before anything starts (exit 2).
source "$(dirname "$0")/prelude.sh"

base=$(fixture_iso modern-amd64)
corpus=$IMGBUILD_SOURCE_DIR/tests/fleet
printf 'd-i debian-installer/locale string en_US\nd-i netcfg/choose_interface select auto\n' >"$T/min.cfg"
mkdir -p "$T/rack/hosts"
cp "$corpus/good/rack.csv" "$T/rack/"
grep -v diks "$corpus/good/hosts/vm02.cfg" >"$T/rack/hosts/vm02.cfg"

expect_status 0 "$IMGBUILD" build "$base" -o "$T/fleet.iso" --preseed "$T/min.cfg" --hosts "$T/rack/rack.csv" --quiet
id=$(iso_cat "$T/fleet.iso" /imgbuild/build-id)

# The appended cpio of each installer initrd.
initrds=$(iso_cat "$T/fleet.iso" /imgbuild/build.json | jq -r '.preseeded_initrds[]')
[[ -n $initrds ]] || fail "no preseeded initrd in build.json"
for initrd in $initrds; do
    iso_cat "$base" "$initrd" >"$T/orig"
    iso_cat "$T/fleet.iso" "$initrd" >"$T/new"
    size=$(stat -c %s "$T/orig")
    cmp -n "$size" "$T/orig" "$T/new" || fail "$initrd: original bytes changed"
    tail -c +$((size + 1)) "$T/new" >"$T/appendix.gz"
    rm -rf "$T/x" && mkdir "$T/x"
    (cd "$T/x" && zcat ../appendix.gz | cpio -i -d --quiet) || fail "$initrd: appendix is not a cpio"
    (cd "$T/x" && zcat ../appendix.gz | cpio -t -v --quiet) >"$T/listing"
    for f in preseed.cfg imgbuild/hosts/table imgbuild/hosts/vm01.cfg imgbuild/hosts/vm02.cfg \
             imgbuild/hosts/identify.sh imgbuild/hosts/netcfg-hook.sh imgbuild/hosts/unknown.templates \
             var/lib/dpkg/info/netcfg.postinst; do
        [[ -f $T/x/$f ]] || fail "$initrd: $f missing from the appended cpio"
    done
    grep -Eq '^-rwxr-xr-x .* imgbuild/hosts/identify.sh$' "$T/listing" || fail "$initrd: identify.sh not 0755"
    grep -Eq '^-rwxr-xr-x .* var/lib/dpkg/info/netcfg.postinst$' "$T/listing" || fail "$initrd: netcfg.postinst not 0755"
    cmp "$T/x/imgbuild/hosts/identify.sh" "$IMGBUILD_SOURCE_DIR/data/fleet/identify.sh" || fail "identify.sh differs"
    printf 'vm01\t7ABCD1X\t00:1e:c9:aa:bb:01 00:1e:c9:aa:bb:02\nvm02\t-\t00:1e:c9:aa:cc:01 00:1e:c9:aa:cc:02\n' |
        cmp - "$T/x/imgbuild/hosts/table" || fail "$initrd: identification table wrong"
    # Debian 12's netcfg (modern keys) with vm01's static address, and vm02's own fragment.
    grep -qx 'd-i netcfg/get_ipaddress string 192.0.2.11' "$T/x/imgbuild/hosts/vm01.cfg" || fail "vm01's address"
    grep -qx 'd-i netcfg/disable_autoconfig boolean true' "$T/x/imgbuild/hosts/vm01.cfg" || fail "vm01: DHCP not off"
    grep -qx 'd-i netcfg/hostname string vm02' "$T/x/imgbuild/hosts/vm02.cfg" || fail "vm02's hostname"
    while read -r line; do
        grep -qxF -- "$line" "$T/x/imgbuild/hosts/vm02.cfg" || fail "vm02's fragment line '$line' not in its answers"
    done < <(grep -v '^#' "$T/rack/hosts/vm02.cfg" | grep -v '^$')
    grep -q 'netcfg-hook.sh --unknown stop$' "$T/x/var/lib/dpkg/info/netcfg.postinst" || fail "netcfg hook not installed"
    sh -n "$T/x/var/lib/dpkg/info/netcfg.postinst" && sh -n "$T/x/imgbuild/hosts/netcfg-hook.sh" || fail "hook syntax"
    grep -q "IMGBUILD:preseed-loaded:$id" "$T/x/preseed.cfg" || fail "$initrd: marker with build id missing"
done
iso_cat "$T/fleet.iso" /imgbuild/build.json | jq -e '.hosts == {"inventory": "rack.csv", "count": 2, "unknown_host": "stop"}' >/dev/null ||
    fail "build.json: hosts $(iso_cat "$T/fleet.iso" /imgbuild/build.json | jq -c .hosts)"

# Reproducible; --unknown-host dhcp is another image (another hook, another id).
expect_status 0 "$IMGBUILD" build "$base" -o "$T/again.iso" --preseed "$T/min.cfg" --hosts "$T/rack/rack.csv" --quiet
cmp "$T/fleet.iso" "$T/again.iso" || fail "two builds of the same inputs differ"
expect_status 0 "$IMGBUILD" build "$base" -o "$T/dhcp.iso" --preseed "$T/min.cfg" --hosts "$T/rack/rack.csv" \
    --unknown-host dhcp --quiet
[[ $(iso_cat "$T/dhcp.iso" /imgbuild/build-id) != "$id" ]] || fail "--unknown-host dhcp did not change the build id"
# A profile names the inventory (and what to do with unknown machines) like any option.
printf '[build]\npreseed = "%s"\nhosts = "%s"\nunknown-host = "dhcp"\n' "$T/min.cfg" "$T/rack/rack.csv" >"$T/rack.toml"
expect_status 0 "$IMGBUILD" --config "$T/rack.toml" build "$base" -o "$T/profile.iso" --quiet
cmp "$T/profile.iso" "$T/dhcp.iso" || fail "the profile's hosts/unknown-host keys did not give the --hosts image"

# The inventory is part of the build id: one changed address, another image.
sed 's|192.0.2.11/24|192.0.2.12/24|' "$T/rack/rack.csv" >"$T/rack/moved.csv"
expect_status 0 "$IMGBUILD" build "$base" -o "$T/moved.iso" --preseed "$T/min.cfg" --hosts "$T/rack/moved.csv" --quiet
[[ $(iso_cat "$T/moved.iso" /imgbuild/build-id) != "$id" ]] || fail "a changed inventory kept the build id"

# --per-host: DIR/<hostname>.iso per row with that host's answers in its preseed (no
# identification table), its kernel_args on the unattended entry, its own build id;
# DIR/hosts.json says which is which; two runs give the same bytes.
printf 'hostname,mac,address,gateway,kernel_args\nvm01,00:1e:c9:aa:bb:01,192.0.2.11/24,192.0.2.1,\nvm02,00:1e:c9:aa:cc:01,dhcp,,console=ttyS1\n' \
    >"$T/rack/args.csv"
for run in 1 2; do
    expect_status 0 "$IMGBUILD" build "$base" --preseed "$T/min.cfg" --hosts "$T/rack/args.csv" --per-host "$T/per$run" --quiet
done
iso_cat "$base" /install.amd/initrd.gz >"$T/orig"
[[ $(ls "$T/per1" | sort | tr '\n' ' ') == "hosts.json vm01.iso vm02.iso " ]] || fail "per-host files: $(ls -A "$T/per1")"
for h in vm01 vm02; do
    cmp "$T/per1/$h.iso" "$T/per2/$h.iso" || fail "per-host $h.iso differs between two runs"
    hid=$(iso_cat "$T/per1/$h.iso" /imgbuild/build-id)
    jq -e --arg h "$h" --arg id "$hid" --argjson size "$(stat -c %s "$T/per1/$h.iso")" \
        '.hosts[$h] == {"iso": ($h + ".iso"), "build_id": $id, "size": $size}' "$T/per1/hosts.json" >/dev/null ||
        fail "hosts.json entry of $h: $(jq -c ".hosts.$h" "$T/per1/hosts.json") (id $hid)"
    [[ $hid != "$id" ]] || fail "$h.iso has the fleet image's build id"
    iso_cat "$T/per1/$h.iso" /install.amd/initrd.gz >"$T/new"
    tail -c +$(($(stat -c %s "$T/orig") + 1)) "$T/new" >"$T/appendix.gz"
    rm -rf "$T/x" && mkdir "$T/x"
    (cd "$T/x" && zcat ../appendix.gz | cpio -i -d --quiet)
    grep -qx "d-i netcfg/hostname string $h" "$T/x/preseed.cfg" || fail "$h.iso: its answers are not in its preseed"
    [[ ! -e $T/x/imgbuild/hosts/table && ! -e $T/x/imgbuild/hosts/identify.sh ]] || fail "$h.iso carries the identification"
    grep -q 'netcfg-hook.sh' "$T/x/var/lib/dpkg/info/netcfg.postinst" || fail "$h.iso: no netcfg report hook"
    iso_cat "$T/per1/$h.iso" /imgbuild/build.json | jq -e --arg h "$h" '.hosts.host == $h' >/dev/null || fail "$h: build.json"
done
[[ $(iso_cat "$T/per1/vm01.iso" /imgbuild/build-id) != $(iso_cat "$T/per1/vm02.iso" /imgbuild/build-id) ]] ||
    fail "two hosts share a build id"
iso_cat "$T/per1/vm02.iso" /isolinux/isolinux.cfg | grep -q 'console=ttyS1' || fail "vm02's kernel_args not on its menu"
! iso_cat "$T/per1/vm01.iso" /isolinux/isolinux.cfg | grep -q 'console=ttyS1' || fail "vm02's kernel_args on vm01's menu"
# A fleet image cannot give each host its own command line: said, not silently dropped.
expect_status 0 "$IMGBUILD" build "$base" -o "$T/args.iso" --preseed "$T/min.cfg" --hosts "$T/rack/args.csv" --quiet
expect_stderr_match 'args.csv:3: kernel_args apply to per-host images only'
expect_status 2 "$IMGBUILD" build "$base" -o "$T/bad.iso" --preseed "$T/min.cfg" --hosts "$T/rack/args.csv" --per-host "$T/per3" --quiet
expect_stderr_match '^imgbuild: -o: --per-host writes'
expect_status 2 "$IMGBUILD" build "$base" --preseed "$T/min.cfg" --hosts "$T/rack/args.csv" --per-host "$T/per3" \
    --unknown-host dhcp --quiet
expect_stderr_match 'a per-host image knows its host'
expect_file_absent "$T/per3"
expect_status 2 "$IMGBUILD" build "$base" --preseed "$T/min.cfg" --hosts "$corpus/bad/bad-mac.csv" --per-host "$T/per3" --quiet
expect_file_absent "$T/per3"

# Every malformed inventory of the corpus: exit 2, one line naming file:line and column, nothing written.
n=0
for csv in "$corpus"/bad/*.csv; do
    name=$(basename "$csv" .csv)
    expect_status 2 "$IMGBUILD" build "$base" -o "$T/bad.iso" --preseed "$T/min.cfg" --hosts "$csv" --quiet
    [[ $(error_line_count "$T/last.err") -eq 1 ]] || { cat "$T/last.err" >&2; fail "$name: expected one line on stderr"; }
    expect_stderr_match "$(cat "$corpus/bad/$name.expect")"
    expect_file_absent "$T/bad.iso"
    [[ -z $(ls -A "$T" | grep -E '^\.bad\.iso|imgbuild-tmp' || true) ]] || fail "$name: temp files left"
    n=$((n + 1))
done
[[ $n -ge 10 ]] || fail "corpus too small ($n)"

# Options that make no sense together: exit 2, one line, nothing written.
expect_status 2 "$IMGBUILD" build "$base" -o "$T/bad.iso" --hosts "$T/rack/rack.csv" --quiet
expect_stderr_match '--hosts: .*add --preseed'
expect_status 2 "$IMGBUILD" build "$base" -o "$T/bad.iso" --preseed "$T/min.cfg" --unknown-host dhcp --quiet
expect_stderr_match '--unknown-host: only means something with --hosts'
expect_status 2 "$IMGBUILD" build "$base" --preseed "$T/min.cfg" --quiet
expect_stderr_match '-o: no output given'
expect_file_absent "$T/bad.iso"

# verify --identity: malformed identities are refused before QEMU starts.
for identity in "serial=7ABCD1X,mac=00:1e:c9:aa:bb" "mac=01:00:5e:00:00:01" "serial=A,serial=B" "uuid=1" \
                "mac=00:1e:c9:aa:bb:01,mac=00:1e:c9:aa:bb:02,mac=00:1e:c9:aa:bb:03"; do
    expect_status 2 "$IMGBUILD" verify "$T/fleet.iso" --machine pe2950 --identity "$identity" --accel tcg
    [[ $(error_line_count "$T/last.err") -eq 1 ]] || { cat "$T/last.err" >&2; fail "$identity: expected one line"; }
    expect_stderr_match '--identity '
done
if pgrep -f "$T/fleet.iso" >/dev/null; then fail "QEMU started for a malformed identity"; fi
echo "fleet image $id: $(stat -c %s "$T/fleet.iso") bytes, $n malformed inventories refused"
