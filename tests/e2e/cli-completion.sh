#!/usr/bin/env bash
# labels: e2e cli
# timeout: 120
# The completion scripts generated from the CLI11 definition (issue 13 part 4), exercised
# the way the shells call them: bash's _imgbuild with COMP_WORDS/COMP_CWORD set, in a
# directory holding files of every type; zsh's script checked by zsh's own parser and
# loaded by compinit. The scripts installed (build/completions) are the ones tested.
source "$(dirname "$0")/prelude.sh"

build_dir=${IMGBUILD_BUILD_DIR:-$(dirname "$IMGBUILD")}
bash_script=$build_dir/completions/imgbuild
zsh_script=$build_dir/completions/_imgbuild
[[ -s $bash_script && -s $zsh_script ]] || fail "completion scripts not generated in $build_dir/completions"
"$IMGBUILD" completion bash | cmp -s - "$bash_script" || fail "build/completions/imgbuild is stale"

mkdir -p "$T/work/overlays.d" "$T/work/sub"
touch "$T/work/base.iso" "$T/work/other.iso" "$T/work/my.cfg" "$T/work/notes.txt" "$T/work/sub/inner.iso"
cd "$T/work"

# complete WORD...: the words Tab offers after the command line (the last word is the one
# being completed), one per line, sorted.
complete() {
    IMGBUILD_BIN=$IMGBUILD bash -c 'source "$0"
        COMP_WORDS=("$@"); COMP_WORDS[0]=$IMGBUILD_BIN; COMP_CWORD=$(( $# - 1 ))
        _imgbuild imgbuild "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' "$bash_script" "$@" | sed '/^$/d' | LC_ALL=C sort | tr '\n' ' '
}
expect() {  # expect "WANTED" WORD...
    local want=$1 got
    shift
    got=$(complete "$@")
    [[ $got == "$want" ]] || fail "imgbuild ${*:2}<Tab>: got '$got', want '$want'"
}
expect "build " imgbuild bu
all=$(complete imgbuild '')
for c in build inspect manifest diff verify lint inspect-disk deploy completion; do
    [[ " $all" == *" $c "* ]] || fail "imgbuild <Tab> lacks $c: $all"
done
expect "--preseed " imgbuild build --pre
expect "--config " imgbuild --con
expect "--target-overlay --timeout " imgbuild build base.iso --t
expect "amd64 i386 " imgbuild build base.iso --arch ''
expect "dhcp stop " imgbuild build base.iso --unknown-host ''
expect "bios uefi uefi-secureboot " imgbuild verify x.iso --firmware ''
expect "boot firstboot install network " imgbuild verify x.iso --stage ''
expect "bookworm etch lenny trixie " imgbuild lint my.cfg --release ''
# The profiles the data directory holds, not a list kept here.
expect "$(cd "$IMGBUILD_SOURCE_DIR/machines" && ls *.toml | sed 's/\.toml$//' | sort | tr '\n' ' ')" \
    imgbuild verify x.iso --machine ''
# Files by type: ISOs for ISO arguments, preseeds for --preseed, directories to descend.
expect "base.iso other.iso overlays.d sub " imgbuild build ''
expect "base.iso other.iso overlays.d sub " imgbuild build base.iso -o ''
expect "my.cfg overlays.d sub " imgbuild build base.iso --preseed ''
expect "my.cfg overlays.d sub " imgbuild lint ''
expect "overlays.d sub " imgbuild build base.iso --cdrom-overlay ''
expect "sub/inner.iso " imgbuild inspect sub/
# --opt=value: bash splits at '='.
expect "my.cfg overlays.d sub " imgbuild build base.iso --preseed = ''
# A value already given is not taken for a positional: the next one is still an ISO.
expect "base.iso other.iso overlays.d sub " imgbuild diff base.iso ''
expect "" imgbuild build --kernel-args ''
expect "--dry-run " imgbuild deploy x.iso --dr
expect "boot firstboot install " imgbuild deploy x.iso --until ''

# zsh: its parser accepts the script, and compinit loads it as the completer of imgbuild.
if command -v zsh >/dev/null; then
    zsh -n "$zsh_script" || fail "zsh cannot parse $zsh_script"
    mkdir -p "$T/zfunc"
    cp "$zsh_script" "$T/zfunc/_imgbuild"
    out=$(HOME=$T zsh -fc 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -d "$HOME/.zcompdump"
        print -r -- ${_comps[imgbuild]}' zsh "$T/zfunc") || fail "zsh compinit failed"
    [[ $out == _imgbuild ]] || fail "compinit did not register _imgbuild for imgbuild (got '$out')"
else
    fail "zsh missing (scripts/install-deps.sh installs it)"
fi
