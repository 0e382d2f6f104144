#!/usr/bin/env bash
# Compares the live set with another tool's, core by core, object by object:
#
#   VIEWCORE=/path/to/viewcore scripts/compare-live.sh [CORE_DIR...]
#
# CORE_DIRs hold core and exe (default: every core of .build/corpus). For each, viewcore's
# `objects` (its live objects) is compared with heapbench --diff-live: how many objects each
# finds live, the objects only one of them finds, and, for those only heapview finds, where the
# other tool lost them (the object live in both, and its field, whose pointer leads into what
# it missed). viewcore is not part of the project: build it yourself from golang/debug.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${VIEWCORE:?set VIEWCORE to a viewcore binary}"
swift build -c release --product heapbench >/dev/null
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(.build/corpus/go*/*-*/)
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.diff"' EXIT
for d in "${dirs[@]}"; do
  d=${d%/}
  [ -s "$d/core" ] || continue
  echo "== $d"
  if ! "$VIEWCORE" "$d/core" --exe "$d/exe" objects >"$tmp" 2>/dev/null; then
    echo "viewcore failed: $(tail -c 300 "$tmp" | tr '\n' ' ')"
    continue
  fi
  .build/release/heapbench --diff-live "$d/core" "$d/exe" "$tmp" >"$tmp.diff" || { echo "heapbench failed"; continue; }
  sed -n '1,2p;/by bytes/,$p' "$tmp.diff" | head -22
done
