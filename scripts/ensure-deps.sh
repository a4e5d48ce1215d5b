#!/bin/sh
# Runs install-deps.sh only when something it installs is missing, so the test command
# is fast on a prepared machine and complete on a fresh one.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
packages=$(sed -n 's/^ *\([a-z0-9][a-z0-9.+-]*\( [a-z0-9][a-z0-9.+-]*\)*\) *\\\{0,1\}$/\1/p' "$here/install-deps.sh" \
  | tr ' ' '\n' | grep -v -e '^$' -e '^-' || true)
missing=
for p in $packages; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing missing packages:$missing" >&2
  "$here/install-deps.sh"
fi
