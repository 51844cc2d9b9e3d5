#!/usr/bin/env bash
# Makes the pre-commit mirror repository (komply-dev/komply-pre-commit) for one release, the
# way ruff-pre-commit mirrors ruff: a git repository whose placeholder Python package depends on
# `komply==VERSION`, so pre-commit's `language: python` installs the komply wheel from PyPI
# (seconds) instead of building komply (minutes). The hooks are this repository's
# .pre-commit-hooks.yaml, verbatim.
#
#   dist/pre-commit-mirror.sh VERSION DIR     # DIR: a new directory, or an existing clone
#
# It commits "komply VERSION" and tags vVERSION. The release workflow pushes DIR to the mirror;
# conformance/50-pre-commit.sh points pre-commit at DIR and serves the wheel from a local
# directory (PIP_FIND_LINKS, PIP_NO_INDEX): the same files, minus PyPI.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 VERSION DIR" >&2; exit 2; }
version="${1#v}" dir="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
case "$version" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "$version is not a version (X.Y.Z)" >&2; exit 2 ;;
esac

mkdir -p "$dir"
[ -d "$dir/.git" ] || git -C "$dir" init -q
cp "$root/.pre-commit-hooks.yaml" "$dir/.pre-commit-hooks.yaml"
cat > "$dir/pyproject.toml" <<EOF
# A placeholder package: installing it installs komply's wheel. Made by dist/pre-commit-mirror.sh
# in komply-dev/komply; do not edit here.
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "komply-pre-commit"
version = "$version"
description = "pre-commit hooks for komply (installs the komply wheel)"
dependencies = ["komply==$version"]

[tool.setuptools]
py-modules = []
EOF
cat > "$dir/README.md" <<EOF
# komply-pre-commit

[pre-commit](https://pre-commit.com) hooks for [komply](https://github.com/komply-dev/komply),
installed from its prebuilt wheel on PyPI (no Rust toolchain, a few seconds on first use).
Made from komply's own \`.pre-commit-hooks.yaml\` at each release; issues and changes go to
komply-dev/komply.

\`\`\`yaml
repos:
  - repo: https://github.com/komply-dev/komply-pre-commit
    rev: v$version
    hooks:
      - id: komply-compose     # compose.yaml, docker-compose.*.yml: converted, then linted
      - id: komply-manifests   # Kubernetes YAML
        files: ^deploy/
\`\`\`

\`komply-compose-system\` and \`komply-manifests-system\` run the komply on PATH instead.
EOF
git -C "$dir" add .pre-commit-hooks.yaml pyproject.toml README.md
if ! git -C "$dir" diff --cached --quiet 2>/dev/null || ! git -C "$dir" rev-parse -q --verify HEAD >/dev/null; then
  ident=()
  git -C "$dir" config user.email >/dev/null \
    || ident=(-c user.name="komply release" -c user.email="release@komply.invalid")
  git -C "$dir" ${ident[@]+"${ident[@]}"} commit -q -m "komply $version"
fi
git -C "$dir" tag -f "v$version" >/dev/null
echo "$dir: komply $version, tag v$version"
