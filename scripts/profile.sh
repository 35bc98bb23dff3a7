#!/usr/bin/env bash
# Instruction counts of a scan, and where they go by function, for this build and optionally another one.
#
#   scripts/profile.sh                       this build, on 20 sessions of the benchmark tree (about 45 MB)
#   scripts/profile.sh /tmp/livelint-before  this build against an earlier binary: totals, the change, the
#                                            functions that changed most, and whether the outputs are identical
#   TOP=40 ARGS="check --format json --jobs 1 /tmp/livelint-bench/big.txt" scripts/profile.sh
#
# Wall time on a shared 2-core machine swings by 2x; instructions counted by cachegrind on one thread do not,
# so a change to a hot loop is judged on them first, and on time side by side after (BENCHMARKS.md). The counts
# are not time: a change that removes branches the processor mispredicts can cost instructions and still win,
# and one that adds spills can save instructions and lose, so both are measured before a change is kept.
# Needs valgrind (apt-get install valgrind); the corpus is made by scripts/bench.sh's generator when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GEN="${SHARED:-$ROOT/../shared/bench}/make_corpus.py"
DIR="${BENCH_DIR:-/tmp/livelint-bench}"
TOP="${TOP:-20}"
BASE="${1:-}"
OUT="$DIR/profile"

command -v valgrind >/dev/null 2>&1 || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
mkdir -p "$DIR" "$OUT"
if [ -z "${ARGS:-}" ]; then
  [ -d "$DIR/tree" ] || python3 "$GEN" --size-mb 100 --files 2000 "$DIR/tree"
  if [ ! -d "$DIR/sub" ]; then
    mkdir -p "$DIR/sub"
    find "$DIR/tree" -mindepth 1 -maxdepth 1 -type d | sort | head -20 | xargs -I{} cp -r {} "$DIR/sub/"
  fi
  ARGS="check --format json --jobs 1 $DIR/sub"
fi

(cd "$ROOT" && cargo build --release -q)
# Copies, as scripts/bench.sh runs them: the file the linker wrote takes more page faults at start.
cp "$ROOT/target/release/livelint" "$OUT/livelint-new"
bins=(new)
if [ -n "$BASE" ]; then
  cp "$BASE" "$OUT/livelint-base"
  bins=(base new)
fi

for b in "${bins[@]}"; do
  # livelint exits 1 when it finds something, which a profile of a corpus full of violations expects; 2 is a
  # usage, rules or input error, and a profile of that run would measure the error.
  status=0
  # shellcheck disable=SC2086
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$OUT/$b.cg" \
    "$OUT/livelint-$b" $ARGS >"$OUT/$b.out" 2>"$OUT/$b.err" || status=$?
  if [ "$status" -gt 1 ]; then
    echo "livelint-$b $ARGS exited with $status:" >&2
    tail -5 "$OUT/$b.err" >&2
    exit 2
  fi
done

python3 - "$OUT" "$TOP" "${bins[@]}" <<'EOF'
import re, subprocess, sys

out, top, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]

def by_function(name):
    text = subprocess.run(["cg_annotate", "--show-percs=no", f"{out}/{name}.cg"],
                          capture_output=True, text=True, check=True).stdout
    total, funcs, section = 0, {}, False
    for line in text.splitlines():
        if "file:function" in line:
            section = True
            continue
        if section and funcs and line.startswith("--"):
            break
        m = re.match(r"^\s*([\d,]+)\s+(.*)$", line)
        if not m:
            continue
        n, what = int(m.group(1).replace(",", "")), m.group(2)
        if "PROGRAM TOTALS" in what:
            total = n
        elif section and ":" in what:
            # file:function, summed over files: inlined code is counted under the function it is inlined into.
            func = what.split(":", 1)[1].split(" [")[0]
            funcs[func] = funcs.get(func, 0) + n
    return total, funcs

counts = {b: by_function(b) for b in bins}
for b in bins:
    print(f"{b:>5}: {counts[b][0]:>16,} instructions")
if len(bins) == 1:
    funcs = counts[bins[0]][1]
    for f, n in sorted(funcs.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{n:>16,}  {100 * n / counts[bins[0]][0]:5.1f}%  {f[:100]}")
    sys.exit(0)
(ta, fa), (tb, fb) = counts["base"], counts["new"]
print(f"change: {tb - ta:+,} ({100 * (tb - ta) / ta:+.2f}%)")
same = open(f"{out}/base.out", "rb").read() == open(f"{out}/new.out", "rb").read()
print("outputs: identical" if same else "outputs: DIFFER (see " + out + "/base.out and new.out)")
print(f"{'base':>16} {'new':>16} {'change':>14}  function")
keys = sorted(set(fa) | set(fb), key=lambda k: -abs(fb.get(k, 0) - fa.get(k, 0)))[:top]
for k in keys:
    a, b = fa.get(k, 0), fb.get(k, 0)
    print(f"{a:>16,} {b:>16,} {b - a:>+14,}  {k[:100]}")
EOF
