#!/usr/bin/env bash
# komply's YAML reading vs the real readers, on thousands of generated layouts
# (conformance/yaml_cases.py): Docker Compose v2.40.3 (`docker-compose config --format json`,
# go-yaml v3) for compose files, kubectl (`kubectl label --local -f DIR -o json`, go-yaml v2
# through sigs.k8s.io/yaml; offline) for manifests. Acceptance and values must match; every
# difference must be listed with its reason in known-differences/yaml-differential.txt.
. "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || { echo "kubectl not found" >&2; exit 1; }
exec "$PY" "$ROOT/conformance/yaml_differential.py" --komply "$KOMPLY_BIN" --oracle "$ORACLE" \
  --known "$ROOT/conformance/known-differences/yaml-differential.txt" "${@:2}"
