#!/usr/bin/env bash
# The pull-request check (README "Use it in … a pull-request check", docs/github-actions.md):
# `komply check --env prod --format sarif` and `komply diff --env prod --out deploy/prod`, run as
# the README prints them, on a copy of the shop example:
#   1. in sync and clean: exit 0, SARIF valid against the official 2.1.0 schema;
#   2. drift (a changed, a missing and an extra file): the snippet fails, diff exits 1;
#   3. a lint error in the compose file: check exits 1, the SARIF result names the rule and the
#      compose line; a broken compose file: exit 2, still valid SARIF with the KP002 result.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/readme.sh"
SARIF_SCHEMA="$SHARED/schemas/sarif-2.1.0.json"
[ -f "$SARIF_SCHEMA" ] || SARIF_SCHEMA="$ROOT/schemas/sarif-2.1.0.json"
[ -f "$SARIF_SCHEMA" ] || { echo "SARIF schema not found" >&2; exit 1; }

scratch_with_komply   # $WORK, removed on exit; `komply` on PATH as the snippets expect
failed=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2"; failed=$((failed + 1)); }
valid_sarif() {
  "$PY" - "$SARIF_SCHEMA" "$1" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
print(len(doc["runs"][0]["results"]), "results")
PY
}

REPO="$WORK/repo"
mkdir -p "$REPO"
cp "$ROOT/examples/shop/compose.yaml" "$REPO/"
readme_snippet ci > "$WORK/ci.sh"
(cd "$REPO" && komply convert -q --env prod -o deploy/prod) || { echo "convert --env prod failed" >&2; exit 1; }

rc=0; (cd "$REPO" && bash -euo pipefail "$WORK/ci.sh") > "$WORK/log" 2>&1 || rc=$?
[ "$rc" -eq 0 ] && ok "README snippet: clean and in sync (exit 0)" || fail "README snippet: clean and in sync (exit $rc)" "$WORK/log"
valid_sarif "$REPO/komply.sarif" > "$WORK/v" 2>&1 && ok "SARIF is valid 2.1.0 ($(cat "$WORK/v"))" || fail "SARIF is valid 2.1.0" "$WORK/v"

# Drift: one changed, one missing, one extra file.
first="$(ls "$REPO/deploy/prod" | head -1)"; second="$(ls "$REPO/deploy/prod" | sed -n 2p)"
echo "# edited by hand" >> "$REPO/deploy/prod/$first"
rm "$REPO/deploy/prod/$second"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stray\n' > "$REPO/deploy/prod/stray-configmap.yaml"
rc=0; (cd "$REPO" && bash -euo pipefail "$WORK/ci.sh") > "$WORK/log" 2>&1 || rc=$?
if [ "$rc" -eq 1 ] && grep -qF "+++ b/deploy/prod/$second" "$WORK/log" && grep -qF -- "-# edited by hand" "$WORK/log" \
   && grep -qF -- "--- a/deploy/prod/stray-configmap.yaml" "$WORK/log"; then
  ok "README snippet: drift fails (exit 1) with a unified diff"
else
  fail "README snippet: drift fails (exit $rc)" "$WORK/log"
fi
(cd "$REPO" && rm -rf deploy/prod && komply convert -q --env prod -o deploy/prod)

# A lint error, and a broken project.
sed -i 's/^  cache:$/  cache:\n    privileged: true/' "$REPO/compose.yaml"
rc=0; (cd "$REPO" && komply check -q --env prod --format sarif > komply.sarif) 2> "$WORK/log" || rc=$?
line="$(grep -n 'privileged: true' "$REPO/compose.yaml" | cut -d: -f1)"
if [ "$rc" -eq 1 ] && "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1])); line = int(sys.argv[2])
hits = [r for r in d["runs"][0]["results"] if r["ruleId"] == "KP102"]
loc = hits[0]["locations"][0]["physicalLocation"]
assert loc["artifactLocation"]["uri"] == "compose.yaml", loc
assert loc["region"]["startLine"] == line, (loc, line)
' "$REPO/komply.sarif" "$line" 2>> "$WORK/log"; then
  ok "check: a compose lint error exits 1, SARIF points at compose.yaml:$line"
else
  fail "check: a compose lint error (exit $rc)" "$WORK/log"
fi
printf 'services:\n  web:\n    image: nginx:1.27.3\n    ports: "oops\n' > "$REPO/compose.yaml"
rc=0; (cd "$REPO" && komply check -q --format sarif > komply.sarif) 2> "$WORK/log" || rc=$?
if [ "$rc" -eq 2 ] && valid_sarif "$REPO/komply.sarif" >> "$WORK/log" 2>&1 && grep -q '"KP002"' "$REPO/komply.sarif"; then
  ok "check: a broken compose file exits 2 with a valid SARIF KP002 result"
else
  fail "check: a broken compose file (exit $rc)" "$WORK/log"
fi

echo "ci: $failed failed"
[ "$failed" -eq 0 ]
