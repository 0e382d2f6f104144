#!/usr/bin/env bash
# Benchmarks (not tests: nothing here is asserted). Builds heapbench in release mode first.
#
#   scripts/bench.sh CORE [EXE] [RUNS]       heapbench RUNS times (default 3) in each mode
#                                            (histogram, then top): every run's seconds, the
#                                            median, peak RSS per object beyond the core
#   scripts/bench.sh 18M                     shorthand: .build/bigcores/go1.26.6-18000000
#   scripts/bench.sh shapes [SIZES] [RUNS]   every heap shape of Tests/Fixtures/Shapes at each
#                                            size (default "1M 10M 18M"), made with
#                                            scripts/make-big-core.sh when missing: per shape and
#                                            size, µs per object of each phase, heapbench's
#                                            end-to-end seconds, the wall time of the process
#                                            `heapview histogram` (start to exit, output to
#                                            /dev/null) and, when VIEWCORE names a viewcore
#                                            binary, the wall time of `viewcore histogram` on the
#                                            same core in the same run and the ratio of the two
#                                            wall times (medians)
#   scripts/bench.sh corpus [RUNS]           the same on the real-program corpus
#                                            (scripts/build-corpus.sh)
#
# Add --json after the mode to get the rows as JSON lines. Timings vary from run to run on a
# shared machine (±10% here): compare medians. Each core is read once into the page cache before
# its runs (a core read from disk makes both tools several times slower). viewcore is not part
# of the project: build it yourself from golang/debug
# (cmd/viewcore) and point VIEWCORE at it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build -c release --product heapbench >/dev/null
swift build -c release --product heapview >/dev/null
bench=.build/release/heapbench
heapview=.build/release/heapview
shapes=(list dlist lrulist tree strings maps anys ptrarrays bytes nesting closures mixed)

# row NAME CORE EXE RUNS: one table row (or JSON line) for a core.
row() {
  python3 - "$@" "$bench" "${VIEWCORE:-}" "$json" "$heapview" <<'PY'
import json, statistics, subprocess, sys, time
name, core, exe, runs, bench, viewcore, as_json, heapview = sys.argv[1:9]
runs = int(runs)
# Warm: the core's pages in the page cache, as for every tool measured after it.
with open(core, "rb") as f:
    while f.read(1 << 24):
        pass
phases, totals, objects = {}, [], 0
for _ in range(runs):
    out = subprocess.run([bench, core, exe], capture_output=True, text=True, check=True).stdout
    j = json.loads(out.strip().splitlines()[-1])
    objects = j["objects"]
    totals.append(j["totalSeconds"])
    for p in j["phases"] + [dict(p, phase="beside typing: " + p["phase"]) for p in j["besideTyping"]]:
        phases.setdefault(p["phase"], []).append(p["seconds"])
def wall(cmd):
    t = time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t if r.returncode == 0 else float("nan")
hv = [wall([heapview, "histogram", core, "--exe", exe]) for _ in range(runs)]
vc = []
if viewcore:
    for _ in range(runs):
        vc.append(wall([viewcore, core, "--exe", exe, "histogram"]))
med = {k: statistics.median(v) for k, v in phases.items()}
total = statistics.median(totals)
vmed = statistics.median(vc) if vc else None
hmed = statistics.median(hv)
per = lambda k: med.get(k, 0) / max(objects, 1) * 1e6
rec = {"name": name, "objects": objects, "histogramSeconds": round(total, 3),
       "typingMicrosPerObject": round(per("typing"), 4),
       "scanMicrosPerObject": round(per("beside typing: pointer scan"), 4),
       "markingMicrosPerObject": round(per("beside typing: marking"), 4),
       "heapviewSeconds": round(hmed, 3),
       "viewcoreSeconds": None if vmed is None else round(vmed, 3),
       "ratio": None if not vmed or vmed != vmed else round(hmed / vmed, 3)}
if as_json == "1":
    print(json.dumps(rec))
else:
    v = "" if rec["viewcoreSeconds"] is None else f'{rec["viewcoreSeconds"]:>9.3f} {rec["ratio"] if rec["ratio"] is not None else "failed":>6}'
    print(f'{name:<28} {objects:>10} {rec["typingMicrosPerObject"]:>8.4f} {rec["scanMicrosPerObject"]:>8.4f} '
          f'{rec["markingMicrosPerObject"]:>8.4f} {total:>9.3f} {hmed:>9.3f} {v}')
PY
}

header() {
  [ "$json" = 1 ] && return
  printf '%-28s %10s %8s %8s %8s %9s %9s %9s %6s\n' core objects typing scan marking heapbench heapview viewcore ratio
  printf '%-28s %10s %8s %8s %8s %9s %9s %9s %6s\n' "" "" "µs/obj" "µs/obj" "µs/obj" "s" "s wall" "s wall" ""
}

json=0
case ${1:-} in
  shapes)
    shift
    [ "${1:-}" = --json ] && { json=1; shift; }
    sizes=(${1:-1M 10M 18M})
    runs=${2:-3}
    header
    for size in "${sizes[@]}"; do
      for s in "${shapes[@]}"; do
        n=${size%M}000000
        dir=.build/bigcores/go1.26.6-$s-$n
        [ -s "$dir/core" ] || scripts/make-big-core.sh --shape "$s" "$size" >/dev/null
        row "$s-$size" "$dir/core" "$dir/exe" "$runs"
      done
    done
    ;;
  corpus)
    shift
    [ "${1:-}" = --json ] && { json=1; shift; }
    runs=${1:-3}
    header
    for d in .build/corpus/go*/*-*/; do
      [ -s "$d/core" ] || continue
      row "$(basename "$(dirname "$d")")/$(basename "$d")" "$d/core" "$d/exe" "$runs"
    done
    ;;
  ""|-h|--help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    ;;
  *)
    core=$1
    case "$core" in
      *[0-9]M) n=${core%M}; core="$root/.build/bigcores/go1.26.6-${n}000000/core" ;;
    esac
    exe=${2:-$(dirname "$core")/exe}
    runs=${3:-3}
    for mode in histogram top; do
      flag=""
      [ "$mode" = top ] && flag=--top
      times=()
      line=""
      for _ in $(seq "$runs"); do
        out=$($bench $flag "$core" "$exe")
        times+=("$(echo "$out" | awk '/end to end/ {print $(NF-2)}')")
        line=$(echo "$out" | grep 'peak RSS per object')
      done
      median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
      echo "$mode: runs ${times[*]} s; median $median s; $line"
    done
    ;;
esac
