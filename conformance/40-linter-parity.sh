#!/usr/bin/env bash
# Linter parity: komply lint vs kube-linter, kube-score, Polaris and Checkov fixtures in
# $SHARED/corpus/linters (expected verdicts from each tool's expected.json). Fails on any
# difference not listed, with its reason, in known-differences/linter-parity.txt.
. "$(dirname "$0")/lib.sh"
CORPUS="$SHARED/corpus/linters"
[ -d "$CORPUS" ] || { echo "linter corpus not found at $CORPUS" >&2; exit 1; }
exec "$PY" "$ROOT/conformance/linter_parity.py" "$KOMPLY_BIN" "$CORPUS" \
  "$ROOT/conformance/known-differences/linter-parity.txt"
