#!/usr/bin/env bash
# Builds the ground-truth fixtures the tests read: every Go program under
# Tests/Fixtures/Programs/ built with every toolchain variant, run until it
# crashes into a core file.
#
#   scripts/build-fixtures.sh                 # build (or reuse) every fixture
#   scripts/build-fixtures.sh go1.26.6-pie    # only these variants (and/or programs)
#   scripts/build-fixtures.sh --list          # the fixture dirs that must exist, one a line
#   scripts/build-fixtures.sh -j 1            # how many fixtures at once (default 2, or $FIXTURE_JOBS)
#
# Each fixture is .build/fixtures/<variant>/<program>/ holding
#   exe         the executable
#   core        its core file (the process dies of SIGABRT: with GOTRACEBACK=crash the
#               runtime turns the nil-dereference panic into abort(); stderr.txt shows
#               the original "[signal SIGSEGV ...]")
#   truth.json  what the program wrote about itself just before crashing
#   stderr.txt  the crash output (every goroutine's traceback)
#   meta.json   {"variant","goVersion","program","buildmode","stripped","goexperiment"}
#   .hash       sha256 of the inputs (program files, toolchain version, variant flags,
#               this script); a fixture whose .hash matches and whose files all exist
#               is reused.
#
# Variants, for each version V of scripts/versions.sh:
#   goV            default build
#   goV-pie        -buildmode=pie
#   goV-stripped   -ldflags="-s -w" (no symbol table, no DWARF)
# plus GOEXPERIMENT variants: go1.24.*-noswissmap, go1.25.*-greenteagc, go1.26.*-nogreenteagc,
# go1.26.*-goroutineleakprofile (the runtime marks goroutines it finds blocked forever as leaked).
# (Tests/FixtureSupport/Fixtures.swift computes the same set; keep them in step.)
#
# Needs: bash, python3 (for the toolchains and the checks), a kernel that writes
# cores to a plain file (kernel.core_pattern not a pipe) and a core size limit
# that may be raised to unlimited.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
script="$root/scripts/$(basename "$0")"
. "$root/scripts/versions.sh"
programs_dir="$root/Tests/Fixtures/Programs"
out_root="$root/.build/fixtures"

# One line per variant: name version buildmode stripped goexperiment ("-" for none).
variants() {
  local v
  for v in "${GO_VERSIONS[@]}"; do
    echo "go$v $v exe 0 -"
    echo "go$v-pie $v pie 0 -"
    echo "go$v-stripped $v exe 1 -"
    case $v in
      1.24.*) echo "go$v-noswissmap $v exe 0 noswissmap" ;;
      1.25.*) echo "go$v-greenteagc $v exe 0 greenteagc" ;;
      1.26.*) echo "go$v-nogreenteagc $v exe 0 nogreenteagc"
              echo "go$v-goroutineleakprofile $v exe 0 goroutineleakprofile" ;;
    esac
  done
}

programs() {
  local d
  for d in "$programs_dir"/*/; do
    [ -f "$d/main.go" ] && basename "$d"
  done | LC_ALL=C sort
}

die() { echo "build-fixtures: $*" >&2; exit 1; }

# Checks a fixture's run: truth.json parses, its pid and thread ids are the ones
# in the core's NT_PRSTATUS notes, and what it says about memory reads back the
# same from the core. Prints a reason and fails otherwise.
check_run() {  # DIR PROGRAM
  python3 - "$1/truth.json" "$1/core" "$2" <<'PY'
import json, struct, sys
truth_path, core_path, program = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    truth = json.load(open(truth_path))
except Exception as e:
    sys.exit(f"truth.json does not parse: {e}")
common = ("goVersion", "goarch", "pid", "gomaxprocs", "threads", "memstats")
required = {"basics": ("goVersion", "goarch", "pid", "gomaxprocs", "threads", "globals", "callers",
                       "functions", "goroutines", "crash", "memstats"),
            "heap": common + ("objects", "edges", "roots", "maps", "channels", "typeCounts")}
for key in required.get(program, common):
    if key not in truth:
        sys.exit(f"truth.json has no {key!r}")
tids = []
with open(core_path, "rb") as f:
    eh = f.read(64)
    if eh[:4] != b"\x7fELF" or eh[4] != 2 or eh[5] != 1 or struct.unpack_from("<H", eh, 16)[0] != 4:
        sys.exit("core is not a little-endian ELF64 core file")
    phoff, = struct.unpack_from("<Q", eh, 32)
    phentsize, phnum = struct.unpack_from("<HH", eh, 54)
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        ptype, _, off, _, _, filesz = struct.unpack("<IIQQQQ", f.read(40))
        if ptype != 4:  # PT_NOTE
            continue
        f.seek(off)
        data, p = f.read(filesz), 0
        while p + 12 <= len(data):
            namesz, descsz, ntype = struct.unpack_from("<III", data, p)
            p += 12 + ((namesz + 3) & ~3)
            desc = data[p:p + descsz]
            p += (descsz + 3) & ~3
            if ntype == 1:  # NT_PRSTATUS: pr_pid at offset 32 (64-bit Linux)
                tids.append(struct.unpack_from("<I", desc, 32)[0])
    loads = []
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        ptype, _, off, vaddr, _, filesz = struct.unpack("<IIQQQQ", f.read(40))
        if ptype == 1 and filesz:  # PT_LOAD with contents
            loads.append((vaddr, filesz, off))

    def read(addr, n, must=True):
        # n bytes at addr, which may cross adjacent segments.
        out = b""
        while len(out) < n:
            a = addr + len(out)
            for vaddr, filesz, off in loads:
                if vaddr <= a < vaddr + filesz:
                    f.seek(off + a - vaddr)
                    out += f.read(min(n - len(out), vaddr + filesz - a))
                    break
            else:
                if must:
                    sys.exit(f"address {a:#x} is not in the core")
                return None  # e.g. read-only data of the executable, which cores leave out
        return out

    # The globals the truth describes must read back the same from the core.
    for g in truth.get("globals", []):
        addr, kind = int(g["address"], 16), g["kind"]
        raw = read(addr, g["size"])
        want = {"int": lambda: struct.pack("<q", g["int"]), "int64": lambda: struct.pack("<q", g["int"]),
                "uint8": lambda: bytes([g["uint"]]), "bool": lambda: bytes([g["bool"]]),
                "float64": lambda: struct.pack("<d", g["float"]), "array": lambda: bytes(g["bytes"]),
                "string": lambda: struct.pack("<QQ", int(g["data"], 16), g["len"]),
                "slice": lambda: struct.pack("<QQQ", int(g["data"], 16), g["len"], g["cap"]),
                "ptr": lambda: struct.pack("<Q", int(g["target"], 16)),
                "map": lambda: struct.pack("<Q", int(g["target"], 16)),
                "func": lambda: struct.pack("<Q", int(g["target"], 16)),
                "interface": lambda: raw[:8] + struct.pack("<Q", int(g["data"], 16))}.get(kind)
        if want and raw != want():
            sys.exit(f"{g['name']} at {addr:#x} reads {raw.hex()} from the core, truth says {want().hex()}")
        if kind == "string" and read(int(g["data"], 16), g["len"], False) not in (None, g["string"].encode()):
            sys.exit(f"{g['name']}'s bytes differ in the core")

    if program == "heap":
        span = read  # reads may cross adjacent segments
        word = lambda addr: struct.unpack("<Q", span(addr, 8))[0]
        h = lambda s: int(s, 16)
        objs = sorted((h(o["address"]), o["size"], o["type"]) for o in truth["objects"])
        addrs = {a for a, _, _ in objs}
        for (a, n, t), nxt in zip(objs, objs[1:] + [(None, 0, "")]):
            span(a, n)  # all of it is in the core
            if nxt[0] is not None and a + n > nxt[0]:
                sys.exit(f"objects overlap: {t} at {a:#x}+{n} and {nxt[2]} at {nxt[0]:#x}")
        for e in truth["edges"]:
            frm, to = h(e["from"]), h(e["to"])
            if frm not in addrs or to not in addrs:
                sys.exit(f"edge {e} joins objects the truth does not list")
            if word(frm + e["offset"]) != to:
                sys.exit(f"edge {e}: the core holds {word(frm + e['offset']):#x}")
        for r in truth["roots"]:
            if r["kind"] == "global":
                if word(h(r["variable"]) + r["offset"]) != h(r["address"]):
                    sys.exit(f"root {r['name']}: the core holds {word(h(r['variable']) + r['offset']):#x}")
            elif h(r["address"]) not in addrs:
                sys.exit(f"{r['kind']} root {r['address']} is not a listed object")
        for m in truth["maps"]:
            a = h(m["address"])
            if word(a) != m["len"]:
                sys.exit(f"map {m['name']}: the core's count is {word(a)}, truth says {m['len']}")
            if m["impl"] == "classic" and (word(a + 24) != 0) != m["growing"]:
                sys.exit(f"map {m['name']}: oldbuckets {word(a + 24):#x}, truth says growing={m['growing']}")
            if m["impl"] == "classic" and m["name"] == "main.gGrowing" and not m["growing"]:
                sys.exit("main.gGrowing is not growing")
        for c in truth["channels"]:
            a, buf = h(c["address"]), h(c["buf"])
            if (word(a), word(a + 8), word(a + 16)) != (c["len"], c["cap"], buf):
                sys.exit(f"channel {c['name']}: the core's qcount, dataqsiz, buf differ")
            for i, e in enumerate(c["elems"]):
                if word(buf + (c["recvx"] + i) % c["cap"] * 8) != h(e):
                    sys.exit(f"channel {c['name']}: element {i} differs in the core")
        listed = sum(1 for _, _, t in objs if t == "main.Node")
        if not 0 < listed <= truth["typeCounts"].get("main.Node", 0):
            sys.exit(f"{listed} main.Node objects listed, typeCounts says {truth['typeCounts'].get('main.Node')}")
if sorted(tids) != sorted(truth["threads"]):
    sys.exit(f"threads differ: truth {sorted(truth['threads'])}, core {sorted(tids)}")
if truth["pid"] not in tids:
    sys.exit(f"pid {truth['pid']} is not a thread of the core")
PY
}

# build_one VARIANT VERSION BUILDMODE STRIPPED GOEXPERIMENT PROGRAM
build_one() {
  local variant=$1 version=$2 buildmode=$3 stripped=$4 exp=$5 program=$6
  [ "$exp" = "-" ] && exp=""
  local src="$programs_dir/$program" dir="$out_root/$variant/$program"
  local goroot="$root/.toolchains/go$version/go"
  local flags="variant=$variant version=$version buildmode=$buildmode stripped=$stripped goexperiment=$exp"
  local hash
  hash=$({
    echo "$flags"
    (cd "$src" && find . -type f | LC_ALL=C sort | while IFS= read -r f; do
      echo "$f $(sha256sum <"$f" | cut -d' ' -f1)"
    done)
    sha256sum <"$script" | cut -d' ' -f1
  } | sha256sum | cut -d' ' -f1)

  if [ -f "$dir/.hash" ] && [ "$(cat "$dir/.hash")" = "$hash" ]; then
    local f ok=1
    for f in exe core truth.json stderr.txt meta.json; do [ -s "$dir/$f" ] || ok=0; done
    if [ $ok = 1 ]; then echo "cached  $variant/$program"; return 0; fi
  fi

  [ -x "$goroot/bin/go" ] || { echo "FAILED  $variant/$program: no toolchain at $goroot" >&2; return 1; }
  local tmp="$dir.tmp.$$"
  rm -rf "$dir".tmp.* && mkdir -p "$tmp"
  local buildflags=(-buildvcs=false -o "$tmp/exe")
  [ "$buildmode" = pie ] && buildflags+=(-buildmode=pie)
  [ "$stripped" = 1 ] && buildflags+=("-ldflags=-s -w")
  if ! (cd "$src" && env -i PATH="$goroot/bin:/usr/bin:/bin" HOME="${HOME:-/tmp}" TMPDIR="${TMPDIR:-/tmp}" \
      GOROOT="$goroot" GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOENV=off GOWORK=off \
      GOPATH="$root/.build/gopath" GOCACHE="$root/.build/gocache/go$version" \
      CGO_ENABLED=0 GOEXPERIMENT="$exp" \
      go build "${buildflags[@]}" . ) >"$tmp/build.log" 2>&1; then
    echo "FAILED  $variant/$program: go build failed:" >&2
    sed 's/^/    /' "$tmp/build.log" >&2
    return 1
  fi
  rm -f "$tmp/build.log"

  # Run it into a core. The runtime may start a thread at the last moment; the
  # program relists its threads until they settle, and the check below retries.
  local attempt rc why=""
  for attempt in 1 2 3; do
    rm -f "$tmp"/core "$tmp"/core.* "$tmp/truth.json" "$tmp/stderr.txt"
    set +e
    { (cd "$tmp" && ulimit -c unlimited && exec env -i PATH=/usr/bin:/bin GOTRACEBACK=crash GOMAXPROCS=2 \
      timeout -k 10 120 ./exe truth.json 2>stderr.txt >/dev/null); } 2>/dev/null  # (no "Aborted" notice)
    rc=$?
    set -e
    if [ ! -e "$tmp/core" ]; then  # kernel.core_uses_pid=1 names it core.PID
      local c
      for c in "$tmp"/core.*; do [ -e "$c" ] && mv "$c" "$tmp/core"; break; done
    fi
    if [ "$rc" = 0 ]; then why="the program exited 0 instead of crashing"
    elif [ ! -s "$tmp/core" ]; then why="no core written (exit status $rc; see $tmp/stderr.txt)"
    elif [ ! -s "$tmp/truth.json" ]; then why="no truth.json written (exit status $rc)"
    elif why=$(check_run "$tmp" "$program" 2>&1); then why=""; break
    fi
    [ -n "$why" ] && echo "retry   $variant/$program (attempt $attempt): $why" >&2
  done
  if [ -n "$why" ]; then
    echo "FAILED  $variant/$program: $why" >&2
    return 1
  fi

  local stripped_json=false
  [ "$stripped" = 1 ] && stripped_json=true
  printf '{"variant":"%s","goVersion":"go%s","program":"%s","buildmode":"%s","stripped":%s,"goexperiment":"%s"}\n' \
    "$variant" "$version" "$program" "$buildmode" "$stripped_json" "$exp" >"$tmp/meta.json"
  echo "$hash" >"$tmp/.hash"
  rm -rf "$dir" && mv "$tmp" "$dir"
  echo "built   $variant/$program ($(du -h "$dir/core" | cut -f1) core, exit status $rc)"
}

# ---- command line ----

jobs=${FIXTURE_JOBS:-2}
list=0
only=()
while [ $# -gt 0 ]; do
  case $1 in
    --list) list=1 ;;
    -j) shift; jobs=${1:?-j needs a number} ;;
    -j*) jobs=${1#-j} ;;
    --one) shift; build_one "$@"; exit $? ;;  # internal: one fixture (used through xargs)
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) only+=("$1") ;;
  esac
  shift
done

selected() {  # VARIANT PROGRAM -> whether the command line asked for it
  [ ${#only[@]} -eq 0 ] && return 0
  local o
  for o in "${only[@]}"; do [ "$o" = "$1" ] || [ "$o" = "$2" ] && return 0; done
  return 1
}

mapfile -t progs < <(programs)
[ ${#progs[@]} -gt 0 ] || die "no programs under $programs_dir"

if [ $list = 1 ]; then
  while read -r variant _; do
    for p in "${progs[@]}"; do echo ".build/fixtures/$variant/$p"; done
  done < <(variants)
  exit 0
fi

. "$root/scripts/core-dumps.sh"
require_core_dumps

"$root/scripts/install-go.sh"
mkdir -p "$out_root"
exec 9>"$out_root/.lock"
if command -v flock >/dev/null; then
  flock -n 9 || { echo "build-fixtures: another run holds $out_root/.lock; waiting" >&2; flock 9; }
fi

todo=()
while read -r variant version buildmode stripped exp; do
  for p in "${progs[@]}"; do
    selected "$variant" "$p" && todo+=("$variant $version $buildmode $stripped $exp $p")
  done
done < <(variants)
[ ${#todo[@]} -gt 0 ] || die "nothing matches: ${only[*]}"

start=$SECONDS
status=0
printf '%s\n' "${todo[@]}" | xargs -P "$jobs" -L 1 bash "$script" --one || status=$?
if [ $status != 0 ]; then
  die "some fixtures failed (see FAILED lines above)"
fi
echo "build-fixtures: ${#todo[@]} fixtures ready in .build/fixtures ($((SECONDS - start))s)"
