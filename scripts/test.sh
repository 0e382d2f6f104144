#!/usr/bin/env bash
# The whole test suite from a fresh clone: system packages, Go toolchains, fixtures, the
# real-program corpus, build, tests.
#   scripts/test.sh [extra swift test arguments]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
t0=$(date +%s)
scripts/setup.sh
scripts/install-go.sh
t1=$(date +%s)
scripts/build-fixtures.sh
scripts/build-corpus.sh
t2=$(date +%s)
# Release: the corpus holds heaps of millions of objects (a debug build takes minutes a core);
# -enable-testing for the tests that use internal API.
swift build -c release --build-tests -Xswiftc -enable-testing
t3=$(date +%s)
swift test -c release --skip-build -Xswiftc -enable-testing "$@"
t4=$(date +%s)
echo "timings: setup+toolchains $((t1-t0))s, fixtures and corpus $((t2-t1))s, build $((t3-t2))s, tests $((t4-t3))s" >&2
