#!/usr/bin/env bash
# The main job: heapview on the bundled sample core (Examples/sample).
#   scripts/demo.sh [heapview command, default: overview] [options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
out=.build/sample
mkdir -p "$out"
for f in core exe; do
  if [ ! -s "$out/$f" ] || [ "Examples/sample/sample.$f.xz" -nt "$out/$f" ]; then
    xz -dc "Examples/sample/sample.$f.xz" > "$out/$f.tmp" && mv "$out/$f.tmp" "$out/$f"
  fi
done
chmod +x "$out/exe"
swift build -c release --product heapview >&2
cmd=${1:-overview}
[ $# -gt 0 ] && shift
exec "$(swift build -c release --show-bin-path)/heapview" "$cmd" "$out/core" --exe "$out/exe" "$@"
