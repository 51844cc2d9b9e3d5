#!/usr/bin/env bash
# The pre-commit hooks (.pre-commit-hooks.yaml, language: rust) with the real pre-commit (PyPI,
# installed into .venv by conformance/venv.sh):
#   1. `pre-commit try-repo` at the committed HEAD (not the working tree: try-repo would otherwise
#      snapshot uncommitted changes): a clean file passes, a bad one fails with the finding
#      printed, for both hooks (komply-compose, komply-manifests);
#   2. the README's .pre-commit-config.yaml snippet (repo and rev pointed at this checkout) with
#      `pre-commit run --all-files`.
# pre-commit installs the hook with `cargo install --path <clone>` (try-repo: on every call, in a
# fresh store). CARGO_TARGET_DIR points at this repo's target/ so the release build's
# dependencies are reused: the first install builds only the few crates cargo resolves newer than
# Cargo.lock (pre-commit passes no --locked) and komply itself; the second must build no
# dependency at all (checked). Install times are printed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/readme.sh"
PRE_COMMIT="$ROOT/.venv/bin/pre-commit"
[ -x "$PRE_COMMIT" ] || { echo "pre-commit not found at $PRE_COMMIT: run conformance/venv.sh" >&2; exit 1; }
command -v git >/dev/null || { echo "git is required" >&2; exit 1; }
command -v cargo >/dev/null || { echo "cargo is required (pre-commit's rust language)" >&2; exit 1; }

HEAD="$(git -C "$ROOT" rev-parse HEAD)"
git -C "$ROOT" cat-file -e "$HEAD:.pre-commit-hooks.yaml" 2>/dev/null \
  || { echo ".pre-commit-hooks.yaml is not committed at HEAD $HEAD" >&2; exit 1; }
if [ -n "$(git -C "$ROOT" status --porcelain -- .pre-commit-hooks.yaml src Cargo.toml Cargo.lock)" ]; then
  echo "note: uncommitted changes are NOT tested: pre-commit uses the committed HEAD $HEAD"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export PRE_COMMIT_HOME="$WORK/cache"      # a fresh hook install every run
export CARGO_TARGET_DIR="$ROOT/target"    # reuse the release build's dependencies
export NO_COLOR=1
REPO="$WORK/repo"
mkdir -p "$REPO/deploy"
git -C "$REPO" init -q
git -C "$REPO" config user.email t@example.invalid
git -C "$REPO" config user.name t

# Clean inputs: the shop example and what komply makes from it (warnings only, no errors).
cp "$ROOT/examples/shop/compose.yaml" "$REPO/compose.yaml"
"$KOMPLY_BIN" convert -q -f "$REPO/compose.yaml" > "$REPO/deploy/shop.yaml"
# Bad inputs: a privileged container (KP102, an error) in a manifest and in a compose file.
cat > "$REPO/deploy/bad.yaml" <<'YAML'
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
mkdir -p "$REPO/bad"
cat > "$REPO/bad/docker-compose.yml" <<'YAML'
services:
  web:
    image: nginx:1.27.3
    privileged: true
YAML
git -C "$REPO" add -A

failed=0
check() { # check NAME WANT_RC GREP CMD...
  local name="$1" want="$2" grep_for="$3"; shift 3
  local rc=0 out
  out="$(cd "$REPO" && "$@" 2>&1)" || rc=$?
  out_last="$out"
  if [ "$rc" -ne "$want" ] || { [ -n "$grep_for" ] && ! grep -qF -- "$grep_for" <<<"$out"; }; then
    echo "FAIL $name: exit $rc (want $want)${grep_for:+, output must contain '$grep_for'}"
    sed 's/^/    /' <<<"$out"
    failed=$((failed + 1))
  else
    echo "ok   $name"
  fi
}

# try-repo makes a fresh store (so a fresh `cargo install`) on every call: two calls, all hooks.
marker="$WORK/marker"; touch "$marker"
start=$(date +%s)
check "try-repo (both hooks): clean files pass" 0 "Passed" \
  "$PRE_COMMIT" try-repo "$ROOT" --ref "$HEAD" --files deploy/shop.yaml compose.yaml
secs=$(( $(date +%s) - start ))
# pre-commit runs `cargo install` without --locked, so cargo resolves the newest compatible
# versions instead of Cargo.lock's: those few crates are built once; everything else is reused.
rebuilt="$(find "$CARGO_TARGET_DIR/release/deps" -name 'lib*.rlib' ! -name 'libkomply*' -newer "$marker" | wc -l)"
total="$(find "$CARGO_TARGET_DIR/release/deps" -name 'lib*.rlib' ! -name 'libkomply*' | wc -l)"
echo "     first hook install + run: ${secs}s; dependency libraries built: $rebuilt (of $total in target/release)"
for want in "komply lint (Compose files)" "komply lint (Kubernetes manifests)"; do
  grep -q "^$want\.*Passed" <<<"$out_last" || { echo "FAIL hook did not run and pass: $want"; failed=$((failed + 1)); }
done
touch "$marker"; start=$(date +%s)
check "try-repo (both hooks): bad files fail with the manifest finding" 1 "deploy/bad.yaml:10:9" \
  "$PRE_COMMIT" try-repo "$ROOT" --ref "$HEAD" --files deploy/bad.yaml bad/docker-compose.yml deploy/shop.yaml
for want in "KP102" "bad/docker-compose.yml:4:" "komply lint (Compose files)" "komply lint (Kubernetes manifests)"; do
  grep -qF -- "$want" <<<"$out_last" || { echo "FAIL output lacks: $want"; sed 's/^/    /' <<<"$out_last"; failed=$((failed + 1)); }
done
grep -q '^komply lint (Compose files)\.*Failed' <<<"$out_last" || { echo "FAIL the compose hook did not fail"; failed=$((failed + 1)); }
# The second install (try-repo's fresh store) must rebuild komply only.
secs=$(( $(date +%s) - start ))
rebuilt="$(find "$CARGO_TARGET_DIR/release/deps" -name 'lib*.rlib' ! -name 'libkomply*' -newer "$marker" | wc -l)"
echo "     second hook install + run: ${secs}s; dependency libraries built: $rebuilt"
if [ "$rebuilt" -ne 0 ]; then
  echo "FAIL a second cargo install rebuilt $rebuilt dependencies: CARGO_TARGET_DIR is not reused"
  failed=$((failed + 1))
fi

# The README snippet, pointed at this checkout.
readme_snippet pre-commit-config \
  | sed -e "s#repo: https://github.com/komply-dev/komply#repo: $ROOT#" -e "s#rev: v0.1.0#rev: $HEAD#" \
  > "$REPO/.pre-commit-config.yaml"
grep -q "rev: $HEAD" "$REPO/.pre-commit-config.yaml" || { echo "README snippet: repo/rev lines not found" >&2; exit 1; }
git -C "$REPO" add -A
check "README config: bad files fail (both hooks)" 1 "KP102" \
  "$PRE_COMMIT" run --all-files
git -C "$REPO" rm -q -r --cached bad deploy/bad.yaml && rm -rf "$REPO/bad" "$REPO/deploy/bad.yaml"
check "README config: clean repository passes" 0 "Passed" \
  "$PRE_COMMIT" run --all-files

echo "pre-commit: $failed failed"
[ "$failed" -eq 0 ]
