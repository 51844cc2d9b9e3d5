#!/usr/bin/env bash
# The pre-commit hooks with the real pre-commit (PyPI, in .venv by conformance/venv.sh), as a
# user gets them (README "Install … pre-commit", .pre-commit-hooks.yaml):
#   1. the wheel: dist/build-wheels.sh builds it (reusing target/release), `pip install komply`
#      into a fresh venv from a local wheel directory (PIP_FIND_LINKS + PIP_NO_INDEX stand in for
#      PyPI) gives a working `komply`;
#   2. the mirror: dist/pre-commit-mirror.sh makes komply-pre-commit at tag v<version>; the
#      README's .pre-commit-config.yaml snippet, pointed at it, on a fresh PRE_COMMIT_HOME:
#      setup + first run, then a second run, are timed against the targets (20 s, 1 s; the suite
#      fails beyond 3×); bad files fail with the findings at file:line:col, for both hooks;
#   3. the -system hooks of this repository (rev HEAD) with the komply on PATH.
# This repository's own `language: python` hooks build komply from source with maturin
# (minutes): run with KOMPLY_PRE_COMMIT_FROM_SOURCE=1 to include them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/readme.sh"
PRE_COMMIT="$ROOT/.venv/bin/pre-commit"
[ -x "$PRE_COMMIT" ] || { echo "pre-commit not found at $PRE_COMMIT: run conformance/venv.sh" >&2; exit 1; }
command -v git >/dev/null || { echo "git is required" >&2; exit 1; }
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/Cargo.toml" | head -1)"

HEAD="$(git -C "$ROOT" rev-parse HEAD)"
if [ -n "$(git -C "$ROOT" status --porcelain -- .pre-commit-hooks.yaml)" ]; then
  echo "note: the -system hooks are read from the committed .pre-commit-hooks.yaml of HEAD $HEAD"
fi

scratch_with_komply   # $WORK, removed on exit; `komply` (KOMPLY_BIN) on PATH for -system hooks
export NO_COLOR=1
failed=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' <<<"$2"; failed=$((failed + 1)); }
now_ms() { date +%s%3N; }
# timed NAME TARGET_MS MS: prints the time against its target; fails beyond 3× the target.
timed() {
  local name="$1" target="$2" ms="$3"
  local shown; shown="$(awk -v ms="$ms" -v t="$target" 'BEGIN { printf "%.2f s (target < %.0f s, fails > %.0f s)", ms / 1000, t / 1000, 3 * t / 1000 }')"
  if [ "$ms" -gt $((3 * target)) ]; then fail "$name: $shown"; else ok "$name: $shown"; fi
}

# 1. The wheel, and pip installing it into a fresh venv.
WHEELS="$WORK/wheels"
start=$(now_ms)
bash "$ROOT/dist/build-wheels.sh" --host --out "$WHEELS" > "$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log"; echo "the wheel did not build" >&2; exit 1; }
wheel="$(ls "$WHEELS"/komply-"$VERSION"-py3-none-*.whl 2>/dev/null | head -1)"
[ -n "$wheel" ] || { cat "$WORK/build.log"; echo "no komply $VERSION wheel in $WHEELS" >&2; exit 1; }
echo "     wheel: $(basename "$wheel") ($(( $(stat -c %s "$wheel") / 1024 )) KiB, built in $(( $(now_ms) - start )) ms)"
# The mirror's build backend, for pip's isolated build without an index (PyPI serves it to users).
"$ROOT/.venv/bin/pip" download --quiet --disable-pip-version-check --only-binary :all: \
  --dest "$WHEELS" "setuptools>=61" > "$WORK/dl.log" 2>&1 \
  || { cat "$WORK/dl.log"; echo "cannot fetch setuptools for the mirror's build" >&2; exit 1; }
export PIP_FIND_LINKS="$WHEELS" PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1

python3 -m venv "$WORK/venv"
start=$(now_ms)
out="$("$WORK/venv/bin/pip" install --quiet komply 2>&1)" || fail "pip install komply into a fresh venv" "$out"
install_ms=$(( $(now_ms) - start ))
shown="$("$WORK/venv/bin/komply" --version 2>&1 || true)"
if [ "$shown" = "$("$KOMPLY_BIN" --version)" ]; then
  ok "pip install komply (fresh venv, $install_ms ms): $shown"
else
  fail "the wheel's komply --version: '$shown', want '$("$KOMPLY_BIN" --version)'"
fi

# 2. The mirror and the README's config on a fresh PRE_COMMIT_HOME.
MIRROR="$WORK/komply-pre-commit"
bash "$ROOT/dist/pre-commit-mirror.sh" "$VERSION" "$MIRROR" > /dev/null
out="$("$PRE_COMMIT" validate-manifest "$MIRROR/.pre-commit-hooks.yaml" 2>&1)" \
  && ok "the mirror's .pre-commit-hooks.yaml is a valid manifest" || fail "validate-manifest" "$out"

export PRE_COMMIT_HOME="$WORK/cache"
REPO="$WORK/repo"
mkdir -p "$REPO/deploy"
git -C "$REPO" init -q
git -C "$REPO" config user.email t@example.invalid
git -C "$REPO" config user.name t
# Clean inputs: the shop example and what komply makes from it (warnings only, no errors).
cp "$ROOT/examples/shop/compose.yaml" "$REPO/compose.yaml"
"$KOMPLY_BIN" convert -q -f "$REPO/compose.yaml" > "$REPO/deploy/shop.yaml"
readme_snippet pre-commit-config > "$WORK/config.yaml"
readme_rev="$(sed -n 's/^ *rev: *//p' "$WORK/config.yaml")"
[ "$readme_rev" = "v$VERSION" ] || fail "README pre-commit snippet: rev $readme_rev, but Cargo.toml says $VERSION"
sed -e "s#repo: https://github.com/komply-dev/komply-pre-commit#repo: $MIRROR#" "$WORK/config.yaml" \
  > "$REPO/.pre-commit-config.yaml"
grep -q "repo: $MIRROR" "$REPO/.pre-commit-config.yaml" \
  || { echo "README snippet: the repo line is not the mirror's" >&2; exit 1; }
git -C "$REPO" add -A

run() { # run NAME WANT_RC CMD...: sets $out and $rc
  local name="$1" want="$2"; shift 2
  rc=0; out="$(cd "$REPO" && "$@" 2>&1)" || rc=$?
  [ "$rc" -eq "$want" ] || fail "$name: exit $rc (want $want)" "$out"
}
start=$(now_ms)
run "README config, fresh cache: clean repository passes" 0 "$PRE_COMMIT" run --all-files
first_ms=$(( $(now_ms) - start ))
for hook in "komply lint (Compose files)" "komply lint (Kubernetes manifests)"; do
  grep -q "^$hook\.*Passed" <<<"$out" || fail "hook did not run and pass: $hook" "$out"
done
timed "setup + first run (hook env from the wheel)" 20000 "$first_ms"
start=$(now_ms)
run "second run" 0 "$PRE_COMMIT" run --all-files
timed "second run" 1000 "$(( $(now_ms) - start ))"

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
printf 'services:\n  web:\n    image: nginx:1.27.3\n    privileged: true\n' > "$REPO/bad/docker-compose.yml"
git -C "$REPO" add -A
run "README config: bad files fail" 1 "$PRE_COMMIT" run --all-files
for want in "deploy/bad.yaml:10:9" "bad/docker-compose.yml:4:" "KP102"; do
  grep -qF -- "$want" <<<"$out" || fail "findings lack $want" "$out"
done
for hook in "komply lint (Compose files)" "komply lint (Kubernetes manifests)"; do
  grep -q "^$hook\.*Failed" <<<"$out" || fail "hook did not fail: $hook" "$out"
done
[ "$failed" -eq 0 ] && ok "README config: bad files fail both hooks with file:line:col"

# 3. The -system hooks of this repository at HEAD, with the komply on PATH (nothing to install;
#    try-repo without a hook id would also install this repository's python hooks, from source).
cat > "$REPO/system.yaml" <<YAML
repos:
  - repo: $ROOT
    rev: $HEAD
    hooks:
      - id: komply-compose-system
      - id: komply-manifests-system
        files: ^deploy/
YAML
start=$(now_ms)
run "-system hooks: bad files" 1 "$PRE_COMMIT" run --all-files --config system.yaml
if grep -q '^komply lint (Compose files)\.*Failed' <<<"$out" && grep -q '^komply lint (Kubernetes manifests)\.*Failed' <<<"$out" \
   && grep -qF "deploy/bad.yaml:10:9" <<<"$out"; then
  ok "-system hooks (rev HEAD): bad files fail both hooks ($(( $(now_ms) - start )) ms, fresh clone of the hook repo)"
else
  fail "-system hooks did not report the findings" "$out"
fi
git -C "$REPO" rm -q -r --cached bad deploy/bad.yaml && rm -rf "$REPO/bad" "$REPO/deploy/bad.yaml"
run "-system hooks: clean repository passes" 0 "$PRE_COMMIT" run --all-files --config system.yaml
grep -q "^komply lint (Kubernetes manifests)\.*Passed" <<<"$out" && ok "-system hooks: clean repository passes" \
  || fail "-system hooks did not pass" "$out"

if [ "${KOMPLY_PRE_COMMIT_FROM_SOURCE:-}" = 1 ]; then
  # This repository's python hooks: pip builds komply from this checkout with maturin.
  unset PIP_NO_INDEX PIP_FIND_LINKS
  export CARGO_TARGET_DIR="$ROOT/target"
  sed -e "s#komply-compose-system#komply-compose#; s#komply-manifests-system#komply-manifests#" \
    "$REPO/system.yaml" > "$REPO/source.yaml"
  start=$(now_ms)
  run "from source: clean repository passes" 0 "$PRE_COMMIT" run --all-files --config source.yaml
  echo "     from source (maturin via pip): setup + first run $(( ($(now_ms) - start) / 1000 )) s"
fi

echo "pre-commit: $failed failed"
[ "$failed" -eq 0 ]
