#!/usr/bin/env bash
# Deployability (issue 12): would the converted workloads start on a real cluster?
# Converts the bundled examples and every project of tests/fixtures/real/projects.tsv with the
# release binary (no overlay, then `--env prod`) and judges every workload from the generated spec
# with the kubelet's documented behaviour and data/images.yaml (conformance/deployability.py says
# how; nothing is fetched, no cluster is needed). Fails when:
#   - docs/deployability.md is not what this run computes (`--write` regenerates it);
#   - fewer than 90 % of the workloads on known images start, a known image is refused by
#     runAsNonRoot without a warning, or a workload that needs edits has no located warning
#     covering each of its reasons;
#   - an object does not validate strictly (kubernetes-validate, Kubernetes 1.37) or `komply lint`
#     finds an error the compose file does not ask for (`user: root`, `privileged`, host namespaces).
# Usage: bash conformance/58-deployability.sh [--write] [SHARED]
MODE=check
if [ "${1:-}" = "--write" ]; then MODE=write; shift; fi
. "$(dirname "$0")/lib.sh"
args=(--komply "$KOMPLY_BIN" --root "$ROOT" --targets)
if [ "$MODE" = write ]; then
  args+=(--write "$ROOT/docs/deployability.md")
else
  args+=(--check "$ROOT/docs/deployability.md")
fi
exec "$PY" "$ROOT/conformance/deployability.py" "${args[@]}"
