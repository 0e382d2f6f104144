#!/usr/bin/env bash
# Builds the real-program corpus the tests read: programs nobody here wrote — the Go compiler,
# vet and the go command — rebuilt with DWARF from each toolchain's own GOROOT (same source,
# same heap behaviour as the shipped tools), stopped in the middle of real work two ways:
#   quit    SIGQUIT under GOTRACEBACK=crash: the runtime prints every goroutine and aborts (a
#           kernel core, with the crash traceback in stderr.txt)
#   gcore   gdb's gcore of the live process (no signal frame, threads wherever they were), then
#           the process is killed
#
#   scripts/build-corpus.sh                  # build (or reuse) every corpus core
#   scripts/build-corpus.sh go1.26.6 vet     # only these versions and/or programs
#   scripts/build-corpus.sh --list           # the corpus dirs that must exist, one a line
#
# The work each program is stopped in:
#   compile   compiling cmd/compile/internal/ssa (about 90 files) with -c=2
#   vet       vet (every analyzer) of cmd/compile/internal/ssa, from the vet.cfg `go vet` writes
#   go        go list -e -deps -test -json std cmd
# Each is stopped halfway through: the work is first run to the end once and timed; when a
# stopped run ends before its delay anyway, the delay is halved and it is run again.
#
# Each core is .build/corpus/<goV>/<program>-<mode>/ holding exe (a hard link to the program
# built once per version), core, stderr.txt, meta.json
# {"goVersion","program","mode","delay"} and .hash (sha256 of the version, program, mode and
# this script); a directory whose .hash matches and whose files exist is reused.
#
# Needs what build-fixtures.sh needs, and gdb (for gcore; scripts/setup.sh installs it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/versions.sh"
out_root="$root/.build/corpus"
programs=(compile vet go)
modes=(quit gcore)

die() { echo "build-corpus: $*" >&2; exit 1; }

list=0
only=()
while [ $# -gt 0 ]; do
  case $1 in
    --list) list=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) only+=("$1") ;;
  esac
  shift
done
# selected VERSION PROGRAM: whether the command line asked for it (versions and programs
# named on it narrow the set independently).
selected() {
  local o v=0 vok=0 p=0 pok=0
  for o in "${only[@]}"; do
    case $o in
      go1.*) v=1; [ "$o" = "$1" ] && vok=1 ;;
      *) p=1; [ "$o" = "$2" ] && pok=1 ;;
    esac
  done
  { [ $v = 0 ] || [ $vok = 1 ]; } && { [ $p = 0 ] || [ $pok = 1 ]; }
}

if [ $list = 1 ]; then
  for v in "${CORPUS_VERSIONS[@]}"; do
    for p in "${programs[@]}"; do for m in "${modes[@]}"; do echo ".build/corpus/go$v/$p-$m"; done; done
  done
  exit 0
fi

. "$root/scripts/core-dumps.sh"
require_core_dumps
command -v gcore >/dev/null || die "gcore (gdb) is needed: run scripts/setup.sh"
"$root/scripts/install-go.sh" "${CORPUS_VERSIONS[@]}"
mkdir -p "$out_root"
exec 9>"$out_root/.lock"
command -v flock >/dev/null && { flock -n 9 || { echo "build-corpus: waiting for another run" >&2; flock 9; }; }
script_hash=$(sha256sum <"$0" | cut -d' ' -f1)

# goenv GOROOT VERSION: sets `run` to the command prefix of the target's environment
# (nothing of ours leaks in; env execs the program, so its pid is the program's).
goenv() {
  run=(env -i PATH="$1/bin:/usr/bin:/bin" HOME="${HOME:-/tmp}" TMPDIR="${TMPDIR:-/tmp}"
    GOROOT="$1" GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOENV=off GOWORK=off
    GOPATH="$root/.build/gopath" GOCACHE="$root/.build/gocache/go$2" CGO_ENABLED=0
    GOTRACEBACK=crash GOMAXPROCS=2)
}

# stop_one DIR MODE DELAY CMD...: runs CMD in DIR, stops it after DELAY seconds by MODE and
# leaves DIR/core. Returns 2 when the work ended before the delay, 1 on failure.
stop_one() {
  local dir=$1 mode=$2 delay=$3; shift 3
  rm -f "$dir"/core "$dir"/core.* "$dir"/gcore.*
  (cd "$dir" && ulimit -c unlimited && exec "$@" >/dev/null 2>"$dir/stderr.txt") &
  local pid=$!
  sleep "$delay"
  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; return 2; fi
  if [ "$mode" = quit ]; then
    kill -QUIT "$pid"
    wait "$pid" 2>/dev/null || true
    if [ ! -e "$dir/core" ]; then
      local c
      for c in "$dir"/core.*; do [ -e "$c" ] && mv "$c" "$dir/core"; break; done
    fi
  else
    gcore -o "$dir/gcore" "$pid" >"$dir/gcore.log" 2>&1 || true
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    [ -s "$dir/gcore.$pid" ] && mv "$dir/gcore.$pid" "$dir/core"
    # gcore writes the zeros of untouched and reserved memory; punch them out as the kernel does.
    [ -s "$dir/core" ] && command -v fallocate >/dev/null && fallocate --dig-holes "$dir/core" 2>/dev/null || true
    rm -f "$dir/gcore.log"
  fi
  [ -s "$dir/core" ] || { echo "no core written (see $dir/stderr.txt)" >&2; return 1; }
}

for v in "${CORPUS_VERSIONS[@]}"; do
  any=0
  for p in "${programs[@]}"; do selected "go$v" "$p" && any=1; done
  [ $any = 1 ] || continue
  goroot="$root/.toolchains/go$v/go"
  goenv "$goroot" "$v"
  vdir="$out_root/go$v"
  bin="$vdir/bin"
  mkdir -p "$bin"
  # The programs, with DWARF, from this toolchain's own source.
  for p in "${programs[@]}"; do
    if [ ! -x "$bin/$p" ] || [ "$(cat "$bin/.$p.hash" 2>/dev/null)" != "$v" ]; then
      echo "build   go$v/$p" >&2
      (cd "$vdir" && "${run[@]}" go build -buildvcs=false -o "$bin/$p.tmp" "cmd/$p") || die "go build cmd/$p failed"
      mv "$bin/$p.tmp" "$bin/$p"
      echo "$v" >"$bin/.$p.hash"
    fi
  done
  # What compile and vet work on: cmd/compile/internal/ssa, its files, and the export data of
  # its dependencies (an importcfg for the compiler; a vet.cfg as `go vet` writes one).
  ssa=cmd/compile/internal/ssa
  if [ ! -s "$vdir/ssa.vet.cfg" ]; then
    imports=$("${run[@]}" go list -f '{{join .Imports " "}}' $ssa)
    # shellcheck disable=SC2086
    "${run[@]}" go list -export -deps -f '{{if .Export}}packagefile {{.ImportPath}}={{.Export}}{{end}}' $imports >"$vdir/ssa.importcfg"
    "${run[@]}" go list -f '{{range .GoFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}' $ssa >"$vdir/ssa.files"
    python3 - "$vdir" $ssa "$("${run[@]}" go list -f '{{.Dir}}' $ssa)" $imports >"$vdir/ssa.vet.cfg.tmp" <<'PY'
import json, sys
vdir, path, src, imports = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
files = [l for l in open(vdir + "/ssa.files").read().split("\n") if l]
pkgfile = {}
for line in open(vdir + "/ssa.importcfg"):
    k, _, v = line.strip().partition(" ")[2].partition("=")
    if k: pkgfile[k] = v
print(json.dumps({"ID": path, "Compiler": "gc", "Dir": src, "ImportPath": path, "GoFiles": files,
                  "NonGoFiles": [], "IgnoredFiles": [], "ImportMap": {i: i for i in imports},
                  "PackageFile": pkgfile, "Standard": {k: True for k in pkgfile}, "PackageVetx": {},
                  "VetxOnly": False, "VetxOutput": vdir + "/ssa.vetx", "SucceedOnTypecheckFailure": False},
                 indent=1))
PY
    mv "$vdir/ssa.vet.cfg.tmp" "$vdir/ssa.vet.cfg"
  fi
  mapfile -t files <"$vdir/ssa.files"
  for p in "${programs[@]}"; do
    for m in "${modes[@]}"; do
      selected "go$v" "$p" || continue
      dir="$vdir/$p-$m"
      hash=$(printf '%s\n' "$v $p $m $script_hash" | sha256sum | cut -d' ' -f1)
      if [ "$(cat "$dir/.hash" 2>/dev/null)" = "$hash" ] && [ -s "$dir/core" ] && [ -s "$dir/exe" ] && [ -s "$dir/meta.json" ]; then
        echo "cached  go$v/$p-$m"
        continue
      fi
      tmp="$dir.tmp"
      rm -rf "$tmp" && mkdir -p "$tmp"
      ln -f "$bin/$p" "$tmp/exe" 2>/dev/null || cp "$bin/$p" "$tmp/exe"
      # The work, and how long into it to stop it.
      case $p in
        compile) cmd=("$tmp/exe" -o "$tmp/ssa.a" -p cmd/compile/internal/ssa -std -importcfg "$vdir/ssa.importcfg" -pack -c=2 "${files[@]}") ;;
        vet) cmd=("$tmp/exe" "$vdir/ssa.vet.cfg") ;;
        go) cmd=("$tmp/exe" list -e -deps -test -json std cmd) ;;
      esac
      # Halfway through the work: timed once per version and program, on a run to the end
      # (which also warms the caches the stopped run reads).
      if [ ! -s "$vdir/$p.seconds" ]; then
        t0=$(date +%s.%N)
        (cd "$tmp" && "${run[@]}" "${cmd[@]}" >/dev/null 2>&1) || die "go$v/$p: the work failed"
        t1=$(date +%s.%N)
        python3 -c "print(round(max(0.3, ($t1 - $t0) / 2), 2))" >"$vdir/$p.seconds"
      fi
      delay=$(cat "$vdir/$p.seconds")
      echo "stop    go$v/$p-$m after ${delay}s" >&2
      ok=0
      for attempt in 1 2 3 4 5; do
        set +e
        stop_one "$tmp" "$m" "$delay" "${run[@]}" "${cmd[@]}"
        rc=$?
        set -e
        [ $rc = 0 ] && { ok=1; break; }
        [ $rc = 2 ] && { delay=$(python3 -c "print($delay / 2)"); echo "retry   go$v/$p-$m: the work ended first; now ${delay}s" >&2; continue; }
        echo "retry   go$v/$p-$m (attempt $attempt)" >&2
      done
      [ $ok = 1 ] || die "go$v/$p-$m: no core"
      rm -f "$tmp/ssa.a"
      [ "$m" = gcore ] && rm -f "$tmp/stderr.txt" && : >"$tmp/stderr.txt"
      printf '{"goVersion":"go%s","program":"%s","mode":"%s","delay":%s}\n' "$v" "$p" "$m" "$delay" >"$tmp/meta.json"
      echo "$hash" >"$tmp/.hash"
      rm -rf "$dir" && mv "$tmp" "$dir"
      echo "built   go$v/$p-$m ($(du -h "$dir/core" | cut -f1) core)"
    done
  done
done
echo "build-corpus: ready in .build/corpus"
