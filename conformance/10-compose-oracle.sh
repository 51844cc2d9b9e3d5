#!/usr/bin/env bash
# komply config --format json vs the Docker Compose v2.40.3 oracle (`docker compose config`), on
# the compose-go scenarios, merge and interpolation cases, full-example and the kompose corpus.
. "$(dirname "$0")/lib.sh"
exec "$PY" "$ROOT/conformance/compose_oracle.py" --shared "$SHARED" --komply "$KOMPLY_BIN" \
  --oracle "$ORACLE" --known "$ROOT/conformance/known-differences/compose-oracle.txt" "${@:2}"
