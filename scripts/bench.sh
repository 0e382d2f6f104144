#!/usr/bin/env bash
# Runs heapbench RUNS times in each mode (histogram, then top) on a core and prints, per mode,
# the end-to-end seconds of every run, their median, and the peak RSS per object beyond the
# core pages mapped in (the last line of each heapbench run).
#
#   scripts/bench.sh CORE [EXE] [RUNS]      # RUNS: default 3
#   scripts/bench.sh 18M                    # shorthand: .build/bigcores/go1.26.6-18000000
#
# Builds heapbench in release mode first. Cores come from scripts/make-big-core.sh. Timings
# vary from run to run on a shared machine (±10% here): compare medians, and run the cores
# once beforehand so that they are in the page cache.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
core=${1:?usage: scripts/bench.sh CORE [EXE] [RUNS]}
case "$core" in
    *[0-9]M) n=${core%M}; core="$root/.build/bigcores/go1.26.6-${n}000000/core" ;;
esac
exe=${2:-$(dirname "$core")/exe}
runs=${3:-3}
cd "$root"
swift build -c release --product heapbench >/dev/null
for mode in histogram top; do
    flag=""
    [ "$mode" = top ] && flag=--top
    times=()
    line=""
    for _ in $(seq "$runs"); do
        out=$(.build/release/heapbench $flag "$core" "$exe")
        times+=("$(echo "$out" | awk '/end to end/ {print $(NF-2)}')")
        line=$(echo "$out" | grep 'peak RSS per object')
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "$mode: runs ${times[*]} s; median $median s; $line"
done
