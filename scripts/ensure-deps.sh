#!/bin/sh
# Runs install-deps.sh only when something it installs is missing, so the test command
# is fast on a prepared machine and complete on a fresh one (./setup, ./run-tests). As a
# user it needs sudo only when something is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# The package names: the words of install-deps.sh's `apt-get install` command (the line
# that starts it and its continuation lines), options aside.
packages=$(awk '/apt-get install/ { on = 1; sub(/.*apt-get install/, "") }
                on { c = sub(/\\$/, ""); print; if (!c) on = 0 }' "$here/install-deps.sh" \
  | tr ' ' '\n' | grep -v -e '^$' -e '^-' || true)
[ -n "$packages" ] || { echo "ensure-deps: no package list found in $here/install-deps.sh" >&2; exit 1; }
missing=
for p in $packages; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing missing packages:$missing" >&2
  "$here/install-deps.sh"
fi
