#!/usr/bin/env bash
# Rebuilds the README's example: Examples/sample/sample.exe.xz and sample.core.xz
# (and sample.stderr.txt, the crash output), from main.go, with Go 1.26.6.
#
#   Examples/sample/make-sample.sh
#
# The core holds a pid, thread ids and (on Go 1.26+) randomized heap addresses,
# so every run gives different bytes; the executable is the same for a given
# checkout path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=1.26.6

"$root/scripts/install-go.sh" "$version"
goroot="$root/.toolchains/go$version/go"
command -v xz >/dev/null || { echo "make-sample: xz is needed (apt-get install xz-utils)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Build: the fixtures' default variant (see scripts/build-fixtures.sh).
(cd "$here" && env -i PATH="$goroot/bin:/usr/bin:/bin" HOME="${HOME:-/tmp}" \
  GOROOT="$goroot" GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOENV=off GOWORK=off \
  GOPATH="$root/.build/gopath" GOCACHE="$root/.build/gocache/go$version" CGO_ENABLED=0 \
  go build -buildvcs=false -o "$work/sample" .)

# Run it into a core.
rc=0
{ (cd "$work" && ulimit -c unlimited && exec env -i GOTRACEBACK=crash GOMAXPROCS=2 \
    ./sample 2>stderr.txt); } 2>/dev/null || rc=$?
if [ "$rc" = 0 ] || [ ! -s "$work/core" ]; then
  echo "make-sample: no core (exit status $rc); kernel.core_pattern is $(cat /proc/sys/kernel/core_pattern)" >&2
  cat "$work/stderr.txt" >&2 || true
  exit 1
fi

xz -9 -T1 -c "$work/sample" >"$here/sample.exe.xz"
xz -9 -T1 -c "$work/core" >"$here/sample.core.xz"
cp "$work/stderr.txt" "$here/sample.stderr.txt"
ls -l "$here"/sample.exe.xz "$here"/sample.core.xz
