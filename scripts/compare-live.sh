#!/usr/bin/env bash
# Compares the live set with another tool's, core by core, object by object:
#
#   VIEWCORE=/path/to/viewcore scripts/compare-live.sh [CORE_DIR...]
#
# CORE_DIRs hold core and exe (default: every core of .build/corpus). For each, viewcore's
# `objects` (its live objects) is compared with heapbench --diff-live: how many objects each
# finds live; each object only viewcore finds, with the stack and heap words that point into it
# and whether the runtime's own bitmap calls them pointers; and, for those only heapview finds,
# where the other tool lost them (the object live in both, and its field, whose pointer leads
# into what it missed, with the runtime's word on that pointer). viewcore is not part of the
# project: build it yourself from golang/debug.
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
  # The counts, every object only viewcore calls live (with what points into it), the kinds of
  # entry of those only heapview calls live, then its biggest regions with their entries.
  sed -n '1,/^-- by count/p' "$tmp.diff" | grep -v '^-- by count' || true
  sed -n '/^-- by bytes/,$p' "$tmp.diff" | head -21 || true
done
