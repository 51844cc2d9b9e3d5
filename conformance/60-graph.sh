#!/usr/bin/env bash
# `komply graph` renders: the Mermaid output through the real Mermaid renderer
# (@mermaid-js/mermaid-cli from npm, headless Chromium), the DOT output through Graphviz `dot`.
# For every bundled example in every environment (presets, examples/*/overlays/*.yaml, and
# `--env all`), every
# kompose fixture with a compose.yaml, and the ```mermaid block of the README:
#   - `dot -Tsvg` must succeed with nothing on stderr (no syntax warnings);
#   - `mmdc` must render an SVG that holds every object's name (a syntax error renders nothing);
# Installs what it needs (apt-get: graphviz, chromium; npm: mermaid-cli into conformance/.out)
# and fails loudly if it cannot.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KOMPLY_BIN="${KOMPLY_BIN:-$ROOT/target/release/komply}"
[ -x "$KOMPLY_BIN" ] || { echo "komply binary not found at $KOMPLY_BIN (cargo build --release)" >&2; exit 1; }
OUT="$ROOT/conformance/.out/graph"
TOOLS="$ROOT/conformance/.out/tools"
MMDC_VERSION="11.17.0"
rm -rf "$OUT"; mkdir -p "$OUT" "$TOOLS"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need_apt=()
command -v dot >/dev/null || need_apt+=(graphviz)
CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$CHROMIUM" ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} (apt-get)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_apt[@]}" >/dev/null
  CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
fi
command -v dot >/dev/null || { echo "FAIL: graphviz 'dot' not available" >&2; exit 1; }
[ -n "$CHROMIUM" ] || { echo "FAIL: no chromium for mermaid-cli" >&2; exit 1; }

MMDC="$TOOLS/mermaid-cli/node_modules/.bin/mmdc"
if [ ! -x "$MMDC" ]; then
  command -v npm >/dev/null || { echo "FAIL: npm not available" >&2; exit 1; }
  echo "installing @mermaid-js/mermaid-cli@$MMDC_VERSION (npm, browser download skipped: system chromium)"
  mkdir -p "$TOOLS/mermaid-cli"
  (cd "$TOOLS/mermaid-cli" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund \
    "@mermaid-js/mermaid-cli@$MMDC_VERSION" >/dev/null)
fi
[ -x "$MMDC" ] || { echo "FAIL: mmdc not installed at $MMDC" >&2; exit 1; }
PPCONF="$TOOLS/puppeteer.json"
printf '{"executablePath":"%s","args":["--no-sandbox","--disable-gpu"]}\n' "$CHROMIUM" > "$PPCONF"

fail=0; checked=0
check() { # check NAME DIR [komply graph args…]
  local name="$1" dir="$2"; shift 2
  local mmd="$OUT/$name.mmd" dotf="$OUT/$name.dot"
  if ! (cd "$dir" && "$KOMPLY_BIN" graph -q "$@" --format mermaid > "$mmd" && "$KOMPLY_BIN" graph -q "$@" --format dot > "$dotf"); then
    echo "FAIL $name: komply graph failed"; fail=1; return
  fi
  if ! dot -Tsvg "$dotf" -o "$OUT/$name.dot.svg" 2> "$OUT/$name.dot.err" || [ -s "$OUT/$name.dot.err" ]; then
    echo "FAIL $name: dot rejected the DOT output:"; cat "$OUT/$name.dot.err"; fail=1
  fi
  render_mermaid "$name" "$mmd"
  checked=$((checked + 1))
}
render_mermaid() { # render_mermaid NAME FILE
  local name="$1" mmd="$2" svg="$OUT/$1.svg"
  if ! "$MMDC" -q -p "$PPCONF" -i "$mmd" -o "$svg" > "$OUT/$name.mmdc.log" 2>&1; then
    echo "FAIL $name: mermaid-cli could not render it:"; cat "$OUT/$name.mmdc.log"; fail=1; return
  fi
  # Every node label (second line: the object's name) must be in the picture.
  local missing
  missing="$(grep -oE '<br/>[a-z0-9.-]+' "$mmd" | sed 's/<br\/>//' | sort -u | while read -r n; do
    grep -q ">$n<\|>$n \| $n<" "$svg" || echo "$n"; done)"
  if [ -n "$missing" ]; then echo "FAIL $name: rendered SVG lacks: $missing"; fail=1; fi
}

for dir in "$ROOT"/examples/*/; do
  ex="$(basename "$dir")"
  check "example-$ex" "$dir"
  # Every environment (presets and overlays/*.yaml), and all of them in one picture.
  for env in dev staging prod; do check "example-$ex-$env" "$dir" --env "$env"; done
  for ov in "$dir"overlays/*.yaml; do
    [ -e "$ov" ] || continue
    env="$(basename "$ov" .yaml)"
    case "$env" in dev|staging|prod) ;; *) check "example-$ex-$env" "$dir" --env "$env" ;; esac
  done
  check "example-$ex-all" "$dir" --env all
done
for dir in "$ROOT"/tests/fixtures/generate/kompose/*/; do
  [ -f "$dir/compose.yaml" ] || continue
  check "kompose-$(basename "$dir")" "$dir"
done
# The README's picture must render too.
awk '/^```mermaid/{on=1;next} /^```/{on=0} on' "$ROOT/README.md" > "$OUT/readme.mmd"
if [ -s "$OUT/readme.mmd" ]; then render_mermaid readme "$OUT/readme.mmd"; checked=$((checked + 1));
else echo "FAIL: README.md has no \`\`\`mermaid block"; fail=1; fi

echo "graph: $checked pictures rendered by mermaid-cli $("$MMDC" --version) and $(dot -V 2>&1)"
[ "$fail" = 0 ] || { echo "graph: FAILED"; exit 1; }
echo "graph: OK (pictures in $OUT)"
