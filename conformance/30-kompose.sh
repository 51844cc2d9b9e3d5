#!/usr/bin/env bash
# komply convert over the kompose corpus: converts every compose input (agreeing with the Docker
# Compose oracle on which inputs are valid), validates every emitted object with komply's strict
# schemas and `kubernetes-validate --strict -k 1.37.0`, and checks the object kinds against
# kompose's expected outputs (every intended difference listed with its reason in
# known-differences/kompose.txt).
. "$(dirname "$0")/lib.sh"
KV="$ROOT/.venv/bin/kubernetes-validate"
[ -x "$KV" ] || { echo "kubernetes-validate not found at $KV (conformance/venv.sh)" >&2; exit 1; }
exec "$PY" "$ROOT/conformance/kompose_convert.py" --shared "$SHARED" --komply "$KOMPLY_BIN" \
  --oracle "$ORACLE" --kv "$KV" --known "$ROOT/conformance/known-differences/kompose.txt"
