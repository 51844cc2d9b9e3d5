#!/usr/bin/env bash
# Lint benchmark (SPEC §7): komply lint on 1 / 1,000 / 10,000 files of Deployment + Service,
# median of >= 5 runs (hyperfine), peak RSS (/usr/bin/time -v), the parse-only floor, and
# checkov on the same 1,000 files when `checkov` (or $CHECKOV) is available.
# usage: benches/lint.sh [WORK_DIR]     (needs: cargo build --release; hyperfine)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${KOMPLY_BIN:-$ROOT/target/release/komply}"
WORK="${1:-${TMPDIR:-/tmp}/komply-lint-bench}"
RUNS="${RUNS:-10}"
command -v hyperfine >/dev/null || { echo "hyperfine not found (apt-get install hyperfine)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no release binary at $BIN (cargo build --release)" >&2; exit 1; }
"$ROOT/benches/gen-lint-inputs.sh" "$WORK" 1 1000 10000 >/dev/null
cd "$WORK"
echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d" " -f1-3 /proc/loadavg); komply $("$BIN" --version)"

median() { # hyperfine JSON -> "median ms (min, max, runs)"
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.1f ms (min %.1f, max %.1f, %d runs; CPU user+sys %.1f ms)" % (r["median"] * 1000, r["min"] * 1000, r["max"] * 1000, len(r["times"]), (r["user"] + r["system"]) * 1000))
PY
}
rss() { # peak RSS in MB of one run
  /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.txt" || true
  awk -F: '/Maximum resident set size/ {printf "%.1f MB\n", $2/1024}' "$WORK/time.txt"
}

for n in 1 1000 10000; do
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$WORK/lint-$n.json" \
    "$BIN lint d$n --fail-on never" >/dev/null 2>&1
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$WORK/parse-$n.json" \
    "$BIN lint d$n --parse-only" >/dev/null 2>&1
  echo "lint  $n files: $(median "$WORK/lint-$n.json"); peak RSS $(rss "$BIN" lint "d$n" --fail-on never)"
  echo "parse $n files: $(median "$WORK/parse-$n.json"); peak RSS $(rss "$BIN" lint "d$n" --parse-only)"
done
# One small file, cold process: the pre-commit case.
hyperfine -N --warmup 2 --runs 30 --export-json "$WORK/lint-one.json" \
  "$BIN lint d1/app-00000.yaml --fail-on never" >/dev/null 2>&1
echo "lint  one small file (cold process): $(median "$WORK/lint-one.json")"

CHECKOV="${CHECKOV:-$(command -v checkov || true)}"
if [ -n "$CHECKOV" ]; then
  hyperfine -N --runs "${CHECKOV_RUNS:-3}" --export-json "$WORK/checkov-1000.json" -i \
    "$CHECKOV -d d1000 --framework kubernetes --compact --quiet --skip-download" >/dev/null 2>&1
  echo "checkov 1000 files: $(median "$WORK/checkov-1000.json"); peak RSS $(rss "$CHECKOV" -d d1000 --framework kubernetes --compact --quiet --skip-download)"
  python3 -c 'import json,sys; k=json.load(open(sys.argv[1]))["results"][0]["median"]; c=json.load(open(sys.argv[2]))["results"][0]["median"]; print(f"ratio checkov/komply on 1000 files: {c/k:.0f}x")' "$WORK/lint-1000.json" "$WORK/checkov-1000.json"
else
  echo "checkov: not installed (set CHECKOV=/path/to/checkov to compare)"
fi
