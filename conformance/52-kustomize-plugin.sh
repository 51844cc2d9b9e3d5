#!/usr/bin/env bash
# komply as a legacy kustomize exec plugin under the real `kubectl kustomize
# --enable-alpha-plugins` (kubectl's bundled kustomize has no --enable-exec, so KRM exec functions
# cannot run there), installed and configured with the README's "Use it in … kustomize" snippets:
#   1. generator (argv[1] = config path, YAML on stdout): the build equals
#      `komply convert --env prod` (compared as objects), with the validator in the same build;
#   2. validator (prints nothing, exits non-zero on errors): a lint error fails the build and the
#      finding is printed;
#   3. confinement: a compose path leaving the kustomization root fails the build, clearly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/readme.sh"
command -v kubectl >/dev/null || { echo "kubectl not found" >&2; exit 1; }

scratch_with_komply   # $WORK, removed on exit; `komply` on PATH as the snippets expect
export KUSTOMIZE_PLUGIN_HOME="$WORK/plugins"
failed=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2"; failed=$((failed + 1)); }

readme_snippet kustomize-install > "$WORK/install.sh"
bash -euo pipefail "$WORK/install.sh" || { echo "install snippet failed" >&2; exit 1; }
[ -x "$KUSTOMIZE_PLUGIN_HOME/komply.dev/v1alpha1/komply/Komply" ] \
  || { echo "install snippet did not create the plugin" >&2; exit 1; }

APP="$WORK/app"
mkdir -p "$APP"
cp "$ROOT/examples/shop/compose.yaml" "$APP/"
readme_snippet kustomize-generator > "$APP/komply.yaml"
readme_snippet kustomize-validator > "$APP/komply-lint.yaml"
readme_snippet kustomize-kustomization > "$APP/kustomization.yaml"
readme_snippet kustomize-build > "$WORK/build.sh"

if (cd "$APP" && bash -euo pipefail "$WORK/build.sh") > "$WORK/built.yaml" 2> "$WORK/err"; then
  ok "README snippet: kubectl kustomize --enable-alpha-plugins (generator + validator)"
else
  fail "README snippet: kubectl kustomize --enable-alpha-plugins" "$WORK/err"
fi
(cd "$APP" && komply convert -q -f compose.yaml --env prod) > "$WORK/want.yaml"
if "$PY" "$ROOT/conformance/same_objects.py" "$WORK/want.yaml" "$WORK/built.yaml" > "$WORK/cmp" 2>&1; then
  ok "build = komply convert --env prod ($(tail -1 "$WORK/cmp"))"
else
  fail "build = komply convert --env prod" "$WORK/cmp"
fi

# 2. A failing validator fails the build and says why.
cat > "$APP/bad.yaml" <<'YAML'
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
printf 'resources: [bad.yaml]\n' >> "$APP/kustomization.yaml"
rc=0
(cd "$APP" && kubectl kustomize --enable-alpha-plugins .) > "$WORK/out" 2> "$WORK/err" || rc=$?
if [ "$rc" -ne 0 ] && grep -q 'KP102' "$WORK/err" && [ ! -s "$WORK/out" ]; then
  ok "a lint error fails the build (exit $rc) with the finding on stderr"
else
  fail "a lint error fails the build (exit $rc)" "$WORK/err"
fi
readme_snippet kustomize-kustomization > "$APP/kustomization.yaml"

# 3. Confinement, and a located error for a bad config.
mkdir -p "$WORK/outside"
printf 'services:\n  web:\n    image: nginx:1.27.3\n' > "$WORK/outside/compose.yaml"
sed -i 's#compose: compose.yaml#compose: ../outside/compose.yaml#' "$APP/komply.yaml"
rc=0
(cd "$APP" && kubectl kustomize --enable-alpha-plugins .) > "$WORK/out" 2> "$WORK/err" || rc=$?
if [ "$rc" -ne 0 ] && grep -q 'outside the package root' "$WORK/err"; then
  ok "a compose path leaving the kustomization root fails (exit $rc)"
else
  fail "a compose path leaving the kustomization root fails (exit $rc)" "$WORK/err"
fi
readme_snippet kustomize-generator > "$APP/komply.yaml"
sed -i 's/^  env: prod$/  env: prod\n  replicas: 3/' "$APP/komply.yaml"
rc=0
(cd "$APP" && kubectl kustomize --enable-alpha-plugins .) > "$WORK/out" 2> "$WORK/err" || rc=$?
if [ "$rc" -ne 0 ] && grep -q ':9:3' "$WORK/err" && grep -qi 'replicas' "$WORK/err"; then
  ok "an unknown config key fails with its line:col (exit $rc)"
else
  fail "an unknown config key fails with its line:col (exit $rc)" "$WORK/err"
fi

echo "kustomize plugin: $failed failed"
[ "$failed" -eq 0 ]
