# Shared helpers for conformance suites. Source it: . "$(dirname "$0")/lib.sh"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${1:-${KOMPLY_SHARED:-$ROOT/../shared}}"
[ -d "$SHARED/corpus" ] || { echo "corpus not found at $SHARED/corpus (pass the shared/ path)" >&2; exit 1; }
SHARED="$(cd "$SHARED" && pwd)"
KOMPLY_BIN="${KOMPLY_BIN:-$ROOT/target/release/komply}"
[ -x "$KOMPLY_BIN" ] || { echo "komply binary not found at $KOMPLY_BIN (cargo build --release)" >&2; exit 1; }
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || { echo "no venv: run conformance/venv.sh first" >&2; exit 1; }
ORACLE="$("$PY" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')"

# A scratch directory $WORK (removed on exit) with `komply` on PATH, for suites that run the
# README's snippets exactly as written.
scratch_with_komply() {
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  mkdir -p "$WORK/bin"
  ln -s "$KOMPLY_BIN" "$WORK/bin/komply"
  export PATH="$WORK/bin:$PATH" NO_COLOR=1
}
