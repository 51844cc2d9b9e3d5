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

# release_site DIR: a local stand-in for GitHub releases, for the suites that install komply as
# users do (55, 56). KOMPLY_BIN packed by dist/package.sh as this machine's target, with
# dist/install.sh, under GitHub's URL layout (…/releases/download/vX.Y.Z/,
# …/releases/latest/download/), served over HTTP on 127.0.0.1. Sets RELEASE_TARGET,
# RELEASE_VERSION, RELEASE_DIR (the vX.Y.Z directory), RELEASE_URL (stands for
# https://github.com/komply-dev/komply), RELEASE_LOG (one line per request) and SERVER_PID
# (killed on exit together with $WORK).
release_site() {
  local site="$1"
  RELEASE_VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/Cargo.toml" | head -1)"
  RELEASE_TARGET=x86_64-unknown-linux-gnu
  [ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] && ! ldd --version 2>&1 | grep -qi musl \
    || { echo "release_site packs KOMPLY_BIN as $RELEASE_TARGET: run on x86_64 glibc Linux" >&2; exit 1; }
  local releases="$site/komply-dev/komply/releases"
  RELEASE_DIR="$releases/download/v$RELEASE_VERSION"
  mkdir -p "$RELEASE_DIR" "$releases/latest"
  bash "$ROOT/dist/package.sh" "$RELEASE_TARGET" "$KOMPLY_BIN" "$RELEASE_DIR" > /dev/null
  cp "$ROOT/dist/install.sh" "$RELEASE_DIR/"
  ln -s "../download/v$RELEASE_VERSION" "$releases/latest/download"
  RELEASE_LOG="$site.log"
  local port_file="$site.port"
  python3 -c '
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        with open(sys.argv[2], "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
print(server.server_address[1], flush=True)
server.serve_forever()
' "$site" "$RELEASE_LOG" > "$port_file" 2>> "$site.err" &
  SERVER_PID=$!
  trap 'kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
  local _
  for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
  [ -s "$port_file" ] || { cat "$site.err" >&2; echo "the local release server did not start" >&2; exit 1; }
  RELEASE_URL="http://127.0.0.1:$(head -1 "$port_file")/komply-dev/komply"
}
