#!/usr/bin/env bash
# Makes a big core file for benchmarks: builds Tests/Fixtures/Generator with one
# Go toolchain and runs it until it crashes with a heap of about N live objects
# (about 60 bytes each on average: 18 M objects ≈ 1.1 GB of heap); or, with
# --shape, Tests/Fixtures/Shapes, a heap of one shape (list, dlist, tree, strings,
# maps, anys, ptrarrays, bytes, nesting, closures, mixed; see its main.go).
#
#   scripts/make-big-core.sh N [GOVERSION]               # N: 1_000_000, 18000000, 18M, ...
#                                                        # GOVERSION: default 1.26.6; a
#                                                        # -noswissmap suffix builds with it
#   scripts/make-big-core.sh --shape SHAPE N [GOVERSION]
#
# The result is .build/bigcores/go<GOVERSION>-<N>/ (N in plain digits; with a
# shape, go<GOVERSION>-<SHAPE>-<N>/) holding
#   exe         the generator executable
#   core        its core file (SIGABRT: GOTRACEBACK=crash turns the nil-dereference
#               panic into abort())
#   truth.json  what the generator wrote just before crashing: goVersion, n, the
#               objects per category, runtime.MemStats (HeapObjects, HeapAlloc, ...)
#               after its last GC, peak RSS (see the comment of Generator/main.go)
#   stderr.txt  the generator's summary line and the crash output
#   meta.json   {"goVersion","n","seconds","coreBytes","coreDiskBytes"}
#   .hash       sha256 of the inputs (generator sources, this script, version, N);
#               a directory whose .hash matches and whose files all exist is reused.
#
# Prints the core's size (on disk and apparent) and how long the generation took.
# Needs what scripts/build-fixtures.sh needs: bash, python3, a kernel that writes
# cores to a plain file named core (kernel.core_pattern not a pipe) and a core size
# limit that may be raised to unlimited; and memory: about 1.3 times the heap
# (peak RSS of 18 M objects ≈ 1.4 GB).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
script="$root/scripts/$(basename "$0")"
src="$root/Tests/Fixtures/Generator"
shape=""
if [ "${1:-}" = --shape ]; then
  shape=${2:?--shape needs a shape}
  [[ $shape =~ ^[a-z]+$ ]] || { echo "make-big-core: bad shape $shape" >&2; exit 2; }
  src="$root/Tests/Fixtures/Shapes"
  shift 2
fi

die() { echo "make-big-core: $*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
case ${1:-} in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
esac
n=${1//_/}
[[ $n =~ ^[0-9]+[kKmMgG]?$ ]] || die "N must be a number of objects (e.g. 1_000_000 or 18M), not $1"
case $n in
  *[kK]) n=$(( 10#${n%?} * 1000 )) ;;
  *[mM]) n=$(( 10#${n%?} * 1000000 )) ;;
  *[gG]) n=$(( 10#${n%?} * 1000000000 )) ;;
  *) n=$(( 10#$n )) ;;
esac
[ "$n" -ge 10000 ] || die "N must be at least 10000, not $1"
version=${2:-1.26.6}
version=${version#go}
experiment=""
case $version in
  *-noswissmap) experiment=noswissmap; version=${version%-noswissmap} ;;
esac
[[ $version =~ ^1\.[0-9]+\.[0-9]+$ ]] || die "GOVERSION must look like 1.26.6 or 1.24.11-noswissmap, not $2"

. "$root/scripts/core-dumps.sh"
require_core_dumps

out_root="$root/.build/bigcores"
name="go$version${experiment:+-$experiment}${shape:+-$shape}-$n"
dir="$out_root/$name"
goroot="$root/.toolchains/go$version/go"

report() {  # DIR
  local d=$1 secs
  secs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$d/meta.json")
  echo "core:       $d/core"
  echo "core size:  $(du -h "$d/core" | cut -f1) on disk, $(du -h --apparent-size "$d/core" | cut -f1) apparent"
  echo "generation: ${secs}s (run, GC and core dump; the build of exe excluded)"
  sed -n 's/^\(generator\|shapes\): /summary:    /p' "$d/stderr.txt" | head -1
}

hash=$({
  echo "version=$version experiment=$experiment shape=$shape n=$n"
  (cd "$src" && find . -type f | LC_ALL=C sort | while IFS= read -r f; do
    echo "$f $(sha256sum <"$f" | cut -d' ' -f1)"
  done)
  sha256sum <"$script" | cut -d' ' -f1
} | sha256sum | cut -d' ' -f1)

mkdir -p "$out_root"
exec 9>"$out_root/.lock"
if command -v flock >/dev/null; then
  flock -n 9 || { echo "make-big-core: another run holds $out_root/.lock; waiting" >&2; flock 9; }
fi

if [ -f "$dir/.hash" ] && [ "$(cat "$dir/.hash")" = "$hash" ]; then
  ok=1
  for f in exe core truth.json stderr.txt meta.json; do [ -s "$dir/$f" ] || ok=0; done
  if [ $ok = 1 ]; then
    echo "cached  $name"
    report "$dir"
    exit 0
  fi
fi

"$root/scripts/install-go.sh" "$version"
[ -x "$goroot/bin/go" ] || die "no toolchain at $goroot"

tmp="$dir.tmp.$$"
rm -rf "$dir".tmp.* && mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$src" && env -i PATH="$goroot/bin:/usr/bin:/bin" HOME="${HOME:-/tmp}" TMPDIR="${TMPDIR:-/tmp}" \
    GOROOT="$goroot" GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOENV=off GOWORK=off \
    GOPATH="$root/.build/gopath" GOCACHE="$root/.build/gocache/go$version" \
    CGO_ENABLED=0 GOEXPERIMENT="$experiment" \
    go build -buildvcs=false -o "$tmp/exe" . ) >"$tmp/build.log" 2>&1; then
  sed 's/^/    /' "$tmp/build.log" >&2
  die "go build failed"
fi
rm -f "$tmp/build.log"

echo "running $name (about $((n * 60 / 1000000)) MB of heap)..." >&2
start=$(date +%s.%N)
set +e
{ (cd "$tmp" && ulimit -c unlimited && exec env -i PATH=/usr/bin:/bin GOTRACEBACK=crash \
  timeout -k 30 3600 ./exe ${shape:+"$shape"} "$n" truth.json 2>stderr.txt >/dev/null); } 2>/dev/null  # (no "Aborted" notice)
rc=$?
set -e
end=$(date +%s.%N)
if [ ! -e "$tmp/core" ]; then  # kernel.core_uses_pid=1 names it core.PID
  for c in "$tmp"/core.*; do [ -e "$c" ] && mv "$c" "$tmp/core"; break; done
fi
[ "$rc" != 0 ] || die "the generator exited 0 instead of crashing"
if [ ! -s "$tmp/core" ]; then
  sed 's/^/    /' "$tmp/stderr.txt" | head -20 >&2
  die "no core written (exit status $rc)"
fi
[ -s "$tmp/truth.json" ] || die "no truth.json written (exit status $rc)"
python3 - "$tmp" "$n" "$start" "$end" <<'PY' || die "the run's results do not check out"
import json, os, sys
d, n, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
truth = json.load(open(os.path.join(d, "truth.json")))
if truth.get("n") != n:
    sys.exit(f"truth.json says n={truth.get('n')}, not {n}")
with open(os.path.join(d, "core"), "rb") as f:
    eh = f.read(18)
if eh[:4] != b"\x7fELF" or eh[16] != 4:
    sys.exit("core is not an ELF core file")
st = os.stat(os.path.join(d, "core"))
meta = {"goVersion": truth["goVersion"], "n": n, "seconds": round(end - start, 2),
        "coreBytes": st.st_size, "coreDiskBytes": st.st_blocks * 512}
json.dump(meta, open(os.path.join(d, "meta.json"), "w"))
open(os.path.join(d, "meta.json"), "a").write("\n")
PY
echo "$hash" >"$tmp/.hash"
rm -rf "$dir" && mv "$tmp" "$dir"
trap - EXIT
echo "built   $name (exit status $rc)"
report "$dir"
