#!/usr/bin/env bash
# `komply krm` as a KRM function under the real kpt (`kpt fn eval --exec`), driven by the README's
# "Use it in … kpt" snippets:
#   1. generator: the package gets exactly the objects `komply convert --env prod` makes
#      (compared as objects), and a second run changes nothing;
#   2. validator: passes a clean package without touching its files (comments, quoting and
#      foreign annotations kept; the generator leaves them alone too), fails kpt on a lint error, and writes results[] (severity, message,
#      resourceRef, field.path, file) that kpt records in its FunctionResultList;
#   3. confinement: a config or project reading outside the package root fails kpt, clearly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/readme.sh"
command -v kpt >/dev/null || { echo "kpt not found (apt-get install google-cloud-cli-kpt)" >&2; exit 1; }

scratch_with_komply   # $WORK, removed on exit; `komply` on PATH as the snippets expect
failed=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2"; failed=$((failed + 1)); }

PKG="$WORK/pkg"
mkdir -p "$PKG"
cp "$ROOT/examples/shop/compose.yaml" "$PKG/"
readme_snippet krm-fn-config > "$WORK/komply-fn.yaml"
readme_snippet krm-kpt > "$WORK/snippet.sh"

# 1. The README snippet: generate, then validate the generated package.
if (cd "$PKG" && bash -euo pipefail "$WORK/snippet.sh") > "$WORK/log" 2>&1; then
  ok "README snippet: kpt generate + validate"
else
  fail "README snippet: kpt generate + validate" "$WORK/log"
fi
(cd "$PKG" && komply convert -q -f compose.yaml --env prod) > "$WORK/want.yaml"
if "$PY" "$ROOT/conformance/same_objects.py" "$WORK/want.yaml" "$PKG/k8s" > "$WORK/cmp" 2>&1; then
  ok "generated package = komply convert --env prod ($(tail -1 "$WORK/cmp"))"
else
  fail "generated package = komply convert --env prod" "$WORK/cmp"
fi
(cd "$PKG" && kpt fn eval . --exec "komply krm" --fn-config ../komply-fn.yaml) > "$WORK/log" 2>&1 \
  || fail "generator second run" "$WORK/log"
if "$PY" "$ROOT/conformance/same_objects.py" "$WORK/want.yaml" "$PKG/k8s" > "$WORK/cmp" 2>&1; then
  ok "a second generator run changes nothing"
else
  fail "a second generator run changes nothing" "$WORK/cmp"
fi

# 2. Validator. A clean manifest with a comment and foreign annotations survives untouched.
cat > "$PKG/extra.yaml" <<'YAML'
# hand-written, keep this comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: extra
  annotations:
    example.com/owner: "team-a"
data:
  LEVEL: info
YAML
cp "$PKG/extra.yaml" "$WORK/extra.before"
if (cd "$PKG" && kpt fn eval . --exec "komply krm" --truncate-output=false) > "$WORK/log" 2>&1; then
  ok "validator passes a clean package"
else
  fail "validator passes a clean package" "$WORK/log"
fi
if diff -u "$WORK/extra.before" "$PKG/extra.yaml" > "$WORK/d"; then
  ok "validator keeps comments and annotations"
else
  fail "validator keeps comments and annotations" "$WORK/d"
fi
(cd "$PKG" && kpt fn eval . --exec "komply krm" --fn-config ../komply-fn.yaml) > "$WORK/log" 2>&1 \
  || fail "generator run with a hand-written file" "$WORK/log"
if diff -u "$WORK/extra.before" "$PKG/extra.yaml" > "$WORK/d"; then
  ok "generator keeps other files byte for byte"
else
  fail "generator keeps other files byte for byte" "$WORK/d"
fi
cat > "$PKG/bad.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  containers:
    - name: app
      image: nginx:1.27.3
      securityContext:
        privileged: true
YAML
rc=0
(cd "$PKG" && kpt fn eval . --exec "komply krm" --truncate-output=false --results-dir "$WORK/results") \
  > "$WORK/log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && grep -q '\[FAIL\]' "$WORK/log" && grep -q 'KP102' "$WORK/log"; then
  ok "a lint error fails kpt (exit $rc)"
else
  fail "a lint error fails kpt (exit $rc)" "$WORK/log"
fi
"$PY" - "$WORK/results/results.yaml" > "$WORK/r" 2>&1 <<'PY' && ok "results[] carry severity, message, resourceRef, field.path, file" || fail "results[] fields" "$WORK/r"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
results = [r for item in doc["items"] for r in item.get("results", [])]
hit = [r for r in results if r.get("tags", {}).get("rule") == "KP102"]
assert hit, results
r = hit[0]
assert r["severity"] == "error", r
assert "privileged" in r["message"], r
assert r["resourceRef"] == {"apiVersion": "v1", "kind": "Pod", "name": "bad"}, r
assert r["field"]["path"] == "spec.containers[0].securityContext.privileged", r
assert r["file"]["path"] == "bad.yaml", r
print("ok", r)
PY
rm "$PKG/bad.yaml"

# 3. Paths may not leave the package root.
mkdir -p "$WORK/outside"
printf 'services:\n  web:\n    image: nginx:1.27.3\n' > "$WORK/outside/compose.yaml"
printf 'API_TOKEN=s3cr3t-value\n' > "$WORK/outside/secret.env"
expect_refused() { # NAME CONFIG_SPEC
  printf 'apiVersion: komply.dev/v1alpha1\nkind: Komply\nmetadata:\n  name: x\nspec:\n%s\n' "$2" > "$WORK/cfg.yaml"
  local rc=0
  (cd "$PKG" && kpt fn eval . --exec "komply krm" --fn-config ../cfg.yaml --truncate-output=false) > "$WORK/log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ] && grep -q 'outside the package root' "$WORK/log" && ! grep -q 's3cr3t' "$WORK/log"; then
    ok "refused: $1"
  else
    fail "refused: $1 (exit $rc)" "$WORK/log"
  fi
}
expect_refused "compose file above the root" "  compose: ../outside/compose.yaml"
expect_refused "absolute compose path" "  compose: $WORK/outside/compose.yaml"
ln -s "$WORK/outside/compose.yaml" "$PKG/linked.yaml"
echo linked.yaml >> "$PKG/.krmignore"
expect_refused "symlink pointing out of the root" "  compose: linked.yaml"
printf 'services:\n  web:\n    image: nginx:1.27.3\n    env_file: ../outside/secret.env\n' > "$PKG/leaky.yaml"
echo leaky.yaml >> "$PKG/.krmignore"
expect_refused "env_file above the root" "  compose: leaky.yaml"
expect_refused "env file flag above the root" "  compose: compose.yaml
  envFiles: [../outside/secret.env]"

echo "kpt: $failed failed"
[ "$failed" -eq 0 ]
