#!/usr/bin/env bash
# labels: e2e package
# timeout: 3600
# cost: 1500
# The Debian package as a user meets it (issue 13 parts 1 and 2): dpkg-buildpackage on a
# clean copy of this tree (the files git tracks, as they are now: the test checks the
# current code, nothing cached), lintian without errors, then the .deb installed with
# apt-get into a throwaway Debian 12 (a copy of the debootstrapped system the test cache
# holds, shared with target-bookworm; the cached tarball is only read), its dependencies
# resolved from Debian's archive. There, as root of that system: imgbuild --version (the
# changelog's version), imgbuild build of the demo image with the installed preseed and
# overlays (data found through /usr/bin/../share/imgbuild, no path of the build machine in
# the binary), inspect --json (parsed by jq on the host, build id checked against the
# disc with xorriso), man -l of the installed pages, and the installed bash completion,
# loaded the way bash-completion loads it, for "imgbuild bu<Tab>", "imgbuild build
# --pre<Tab>" and "imgbuild verify --machine <Tab>".
# Cost: the package build is a second full build of imgbuild (gcc, -O2). It is built with
# DEB_BUILD_OPTIONS=nocheck (which also proves -DBUILD_TESTING=OFF builds): the unit tests
# run in the same CI run already (label unit), not a second time here. With ccache
# present the build goes through it, in a fixed directory so that a second run hits.
# Measured here: see docs/package.md. Needs root (chroot, mounts).
source "$(dirname "$0")/prelude.sh"

[[ $(id -u) -eq 0 ]] || skip "needs root (chroot into the throwaway system)"
for tool in dpkg-buildpackage lintian git unshare jq xorriso; do
    command -v "$tool" >/dev/null || fail "$tool missing (scripts/install-deps.sh)"
done
stamp() { echo "[$(date +%T)] $*"; }
t0=$(date +%s)
version=$(sed -n '1s/^imgbuild (\([^)]*\)).*/\1/p' "$IMGBUILD_SOURCE_DIR/debian/changelog")
[[ -n $version ]] || fail "no version on debian/changelog's first line"

# The Debian 12 system first, in the background: on a cold cache debootstrap is the long
# pole, and the package builds meanwhile.
"$IMGBUILD_SOURCE_DIR/tests/target/make-rootfs.sh" "$IMGBUILD_CACHE/target-bookworm" >"$T/rootfs.path" \
    2>"$T/rootfs.log" &
rootfs_pid=$!

# One fixed build directory (dpkg's -ffile-prefix-map names it, so a ccache entry is only
# reused from the same path), taken by one run at a time.
work=${TMPDIR:-/tmp}/imgbuild-package-build
mkdir -p "$work"
exec 8>"$work/.lock"
flock 8
src=$work/imgbuild-$version
rm -rf "${work:?}"/imgbuild-* "${work:?}"/imgbuild_*
stamp "clean copy of the tree (git ls-files) in $src"
mkdir -p "$src"
git -C "$IMGBUILD_SOURCE_DIR" ls-files -z --cached --others --exclude-standard |
    (cd "$IMGBUILD_SOURCE_DIR" && xargs -0 sh -c 'for f; do [ -e "$f" ] || [ -L "$f" ] && printf "%s\0" "$f"; done' sh) |
    (cd "$IMGBUILD_SOURCE_DIR" && cpio -0 -pdm --quiet "$src") || fail "copying the tree failed"
[[ -f $src/debian/rules ]] || fail "debian/rules missing from the copy"

launcher=()
if command -v ccache >/dev/null; then
    # debhelper gives the build its own HOME: name the user's cache explicitly.
    launcher=(CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
              CCACHE_DIR="${CCACHE_DIR:-$(ccache -k cache_dir 2>/dev/null || echo "$HOME/.cache/ccache")}"
              CCACHE_BASEDIR="$work" CCACHE_NOHASHDIR=1)
fi
stamp "dpkg-buildpackage -us -uc -b (nocheck, parallel=2${launcher:+, ccache})"
tb=$(date +%s)
# Without -g (DEB_*FLAGS_STRIP, dpkg-buildflags(1)): dh_strip removes the debug information
# from the binary anyway and noddebs drops the dbgsym package, and GCC's code does not
# depend on -g, so the .deb's files are what a build with -g gives; the compile costs a
# quarter less (18.4 s against 13.9 s for cli/cmd_verify.cpp).
(cd "$src" && env "${launcher[@]}" DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" \
        DEB_CFLAGS_STRIP=-g DEB_CXXFLAGS_STRIP=-g nice dpkg-buildpackage -us -uc -b) \
    >"$T/dpkg-buildpackage.log" 2>&1 || { tail -n 40 "$T/dpkg-buildpackage.log"; fail "dpkg-buildpackage failed"; }
build_seconds=$(( $(date +%s) - tb ))
grep -q 'BUILD_TESTING=OFF' "$T/dpkg-buildpackage.log" || fail "nocheck did not configure -DBUILD_TESTING=OFF"
mv "$work/imgbuild_${version}_amd64.deb" "$T/" 2>/dev/null || fail "no imgbuild_${version}_amd64.deb (got: $(ls "$work"))"
rm -rf "$src" "${work:?}"/imgbuild_*
flock -u 8
deb=$T/imgbuild_${version}_amd64.deb
dpkg-deb -c "$deb" >"$T/contents"
for path in ./usr/bin/imgbuild ./usr/share/imgbuild/machines/pe2950.toml ./usr/share/imgbuild/preseed/etch-pe2950-vmware.cfg \
            ./usr/share/imgbuild/overlays/pe2950-drac5/target/usr/local/lib/imgbuild/late-command.sh \
            ./usr/share/imgbuild/data/questions/etch.txt ./usr/share/man/man1/imgbuild.1.gz \
            ./usr/share/man/man1/imgbuild-build.1.gz ./usr/share/bash-completion/completions/imgbuild \
            ./usr/share/zsh/vendor-completions/_imgbuild; do
    grep -q " $path" "$T/contents" || fail "$path not in the package"
done
# The scripts that generate data are for developers (data/fleet/identify.sh is data: it
# runs on the installed system).
grep -E '/(build-lists\.sh|gen-questions\.py)$' "$T/contents" && fail "generator scripts in the package"
grep -q 'README.md' "$T/contents" && fail "developer READMEs in the package"

stamp "lintian"
lintian --fail-on error "$deb" >"$T/lintian.log" 2>&1 ||
    { cat "$T/lintian.log"; fail "lintian reports errors"; }
sed 's/^/  lintian: /' "$T/lintian.log"

stamp "waiting for the Debian 12 system (make-rootfs.sh)"
wait "$rootfs_pid" || { cat "$T/rootfs.log"; fail "debootstrap failed"; }
rootfs=$(cat "$T/rootfs.path")
root=$T/root
mkdir -p "$root"
tar -C "$root" -xf "$rootfs" || fail "unpacking $rootfs failed"
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"   # no daemons start in a chroot
chmod 755 "$root/usr/sbin/policy-rc.d"
cp "$deb" "$root/tmp/"
base=$(fixture_iso etch-i386)
cp "$base" "$root/tmp/etch-base.iso"
# The archive's packages are kept between runs (they are Debian's, not ours).
archives=$IMGBUILD_CACHE/package-install-apt
mkdir -p "$archives/partial"

# Runs a command as root of the throwaway system; its mounts live in a private mount
# namespace and vanish with it.
in_root() {
    unshare --mount --propagation private --fork -- bash -c '
        root=$1 archives=$2; shift 2
        mount -t proc proc "$root/proc" && mount --rbind /dev "$root/dev" && mount -t sysfs sys "$root/sys" &&
        mount --bind "$archives" "$root/var/cache/apt/archives" || exit 99
        exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb \
            DEBIAN_FRONTEND=noninteractive "$@"' in_root "$root" "$archives" "$@"
}

stamp "apt-get install ./$(basename "$deb") (dependencies from the archive)"
ti=$(date +%s)
in_root apt-get update -q >"$T/apt.log" 2>&1 || { tail -n 20 "$T/apt.log"; fail "apt-get update failed"; }
# Recommends not pulled (qemu-system-x86 recommends a GUI); the ones this test uses are named.
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" man-db bash-completion memtest86+ \
    >>"$T/apt.log" 2>&1 || { tail -n 30 "$T/apt.log"; fail "apt-get install of the package failed"; }
install_seconds=$(( $(date +%s) - ti ))
in_root dpkg-query -W -f='${Status} ${Version}\n' imgbuild | grep -qx "install ok installed $version" ||
    fail "imgbuild $version not installed"

stamp "imgbuild --version"
got=$(in_root imgbuild --version) || fail "imgbuild --version failed"
[[ $got == "imgbuild $version" ]] || fail "--version says '$got', the changelog $version"
grep -qF "$src" "$root/usr/bin/imgbuild" && fail "the installed binary holds a path of the build machine ($src)"

stamp "imgbuild build (the demo image) with the installed preseed and overlays"
share=/usr/share/imgbuild
in_root imgbuild build /tmp/etch-base.iso -o /tmp/demo.iso --preseed $share/preseed/etch-pe2950-vmware.cfg \
    --cdrom-overlay $share/overlays/pe2950-drac5/cdrom --target-overlay $share/overlays/pe2950-drac5/target \
    --arch i386 --memtest >"$T/build.out" 2>"$T/build.err" || { cat "$T/build.err"; fail "imgbuild build failed"; }
grep -q 'imgbuild: writing /tmp/demo.iso: .* (100%)' "$T/build.err" || fail "no progress lines: $(cat "$T/build.err")"
iso_ls "$root/tmp/demo.iso" | grep -qx /imgbuild/target/usr/local/lib/imgbuild/late-command.sh ||
    fail "the installed target overlay is not on the disc"

stamp "imgbuild inspect --json"
in_root imgbuild inspect --json /tmp/demo.iso >"$T/inspect.json" || fail "inspect --json failed"
id=$(iso_cat "$root/tmp/demo.iso" /imgbuild/build-id | tr -d '\n')
jq -e --arg id "$id" '[.. | strings | select(. == $id)] | length > 0' "$T/inspect.json" >/dev/null ||
    fail "inspect --json does not give the disc's build id $id: $(head -c 600 "$T/inspect.json")"

stamp "man pages"
for page in imgbuild imgbuild-build imgbuild-verify imgbuild-lint; do
    in_root env MANWIDTH=80 man -l "/usr/share/man/man1/$page.1.gz" >"$T/$page.txt" 2>"$T/man.err" ||
        { cat "$T/man.err"; fail "man -l $page.1.gz failed"; }
    for section in NAME SYNOPSIS OPTIONS 'EXIT STATUS' ENVIRONMENT FILES EXAMPLES; do
        grep -q "^$section" "$T/$page.txt" || fail "$page(1) has no $section section"
    done
done
grep -q -- '--preseed' "$T/imgbuild-build.txt" || fail "imgbuild-build(1) does not describe --preseed"
in_root man -w imgbuild-build >/dev/null || fail "man -w imgbuild-build does not find the page"

stamp "bash completion"
# As bash-completion finds it for a user: its loader sources the installed file on the
# first Tab after "imgbuild", and "complete -p" names the function Tab then calls.
complete_words() {  # complete_words WORD...: what Tab offers after the words (last = current)
    in_root bash -c 'source /usr/share/bash-completion/bash_completion || exit 90
        __load_completion imgbuild || exit 91
        spec=$(complete -p imgbuild) || exit 92
        function=$(sed -n "s/.* -F \([^ ]*\) .*/\1/p" <<<"$spec")
        [[ -n $function ]] || exit 93
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        "$function" imgbuild "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' complete "$@" || fail "loading the installed completion failed (status $?)"
}
got=$(complete_words imgbuild bu)
[[ $got == build ]] || fail "imgbuild bu<Tab> gives '$got'"
got=$(complete_words imgbuild build --pre)
[[ $got == --preseed ]] || fail "imgbuild build --pre<Tab> gives '$got'"
machines=$(complete_words imgbuild verify x.iso --machine '' | sort | tr '\n' ' ')
want=$(cd "$IMGBUILD_SOURCE_DIR/machines" && ls *.toml | sed 's/\.toml$//' | sort | tr '\n' ' ')
[[ $machines == "$want" ]] || fail "verify --machine <Tab> gives '$machines', not the installed profiles ($want)"

stamp "done: package build ${build_seconds}s, install ${install_seconds}s, whole test $(( $(date +%s) - t0 ))s"
