#!/usr/bin/env bash
# The whole test suite from a fresh clone: system packages, Go toolchains, fixtures, build, tests.
#   scripts/test.sh [extra swift test arguments]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
t0=$(date +%s)
scripts/setup.sh
scripts/install-go.sh
t1=$(date +%s)
scripts/build-fixtures.sh
t2=$(date +%s)
swift build --build-tests
t3=$(date +%s)
swift test --skip-build "$@"
t4=$(date +%s)
echo "timings: setup+toolchains $((t1-t0))s, fixtures $((t2-t1))s, build $((t3-t2))s, tests $((t4-t3))s" >&2
