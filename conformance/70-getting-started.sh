#!/usr/bin/env bash
# Tried as a new user would: every ```sh block of docs/getting-started.md runs as written, in
# order, in a fresh copy of the repository (the files git knows about, nothing built), with
# `set -euo pipefail` — any failing command fails the suite. Also checks that the page starts
# with the README's two set-up commands.
#
# To keep CI time sane the copy shares this checkout's cargo target directory (CARGO_TARGET_DIR),
# so `cargo run`/`cargo test` reuse compiled dependencies, and `cargo install` installs into a
# temporary root put first on PATH. A cargo config beside the copy gives the komply package
# itself a different profile fingerprint, so komply is always rebuilt from the copy (its tests see
# the copy's files) and the checkout rebuilds its own afterwards instead of reusing binaries
# that point into the deleted copy. Needs cargo, git and kubectl (for its built-in kustomize).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PAGE="$ROOT/docs/getting-started.md"
command -v cargo >/dev/null || { echo "FAIL: cargo not found" >&2; exit 1; }
command -v git >/dev/null || { echo "FAIL: git not found" >&2; exit 1; }
command -v kubectl >/dev/null || { echo "FAIL: kubectl not found (the page uses kubectl kustomize)" >&2; exit 1; }
[ -f "$PAGE" ] || { echo "FAIL: $PAGE missing" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
COPY="$WORK/komply"
mkdir -p "$COPY"
# Tracked and new (not ignored) files, as a fresh clone of this working tree would have them.
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$COPY"

mkdir -p "$WORK/.cargo"
cat > "$WORK/.cargo/config.toml" <<'TOML'
[profile.dev.package.komply]
codegen-units = 255
[profile.release.package.komply]
codegen-units = 5
TOML

# The page's blocks, in order.
awk '/^```sh[[:space:]]*$/{on=1; next} /^```/{on=0} on' "$PAGE" > "$WORK/steps.sh"
[ -s "$WORK/steps.sh" ] || { echo "FAIL: no \`\`\`sh blocks in $PAGE" >&2; exit 1; }

# The README's set-up commands must be the page's first commands.
readme_setup="$(awk '/^## Set up/{s=1} s && /^```sh/{on=1; next} on && /^```/{exit} on' "$ROOT/README.md")"
page_first="$(awk '/^```sh/{on=1; next} on && /^```/{exit} on' "$PAGE")"
if [ "$readme_setup" != "$page_first" ]; then
  echo "FAIL: the page's first block differs from README's 'Set up' block:" >&2
  diff <(echo "$readme_setup") <(echo "$page_first") >&2 || true
  exit 1
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_INSTALL_ROOT="$WORK/cargo-home"
export PATH="$CARGO_INSTALL_ROOT/bin:$PATH"
echo "running $(grep -cvE '^[[:space:]]*(#|$)' "$WORK/steps.sh") commands of docs/getting-started.md in $COPY"
if ! (cd "$COPY" && bash -euo pipefail -x "$WORK/steps.sh" > "$WORK/out.log" 2>&1); then
  echo "FAIL: a command of docs/getting-started.md failed; the end of its output:"
  tail -n 40 "$WORK/out.log"
  exit 1
fi
# The commands wrote what the page says they write.
for f in deploy/users-deployment.yaml deploy-prod/users-deployment.yaml deploy-all/dev/users-deployment.yaml \
         k8s/MIGRATION.md k8s/overlays/prod/kustomization.yaml komply.sarif shop.mmd shop-prod.dot \
         komply.bash man/komply-convert.1; do
  [ -s "$COPY/$f" ] || { echo "FAIL: the page says it makes $f, it is missing or empty"; exit 1; }
done
if grep -rq "change-me" "$COPY"/deploy* "$COPY/k8s"; then
  echo "FAIL: a secret value reached the output"; exit 1
fi
echo "getting-started: OK ($(grep -c '^+ ' "$WORK/out.log") commands ran)"
