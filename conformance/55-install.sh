#!/usr/bin/env bash
# README "Install", every snippet run as written, against packages built from this checkout:
#   - install-pip: `pipx install komply`, `uv tool install komply`, `pip install komply`, each in
#     a fresh environment, from a local wheel directory standing in for PyPI (the wheel from
#     dist/build-wheels.sh; PIP_/UV_ FIND_LINKS + NO_INDEX); with KOMPLY_PORTABLE_WHEELS=1 also
#     the manylinux2014 and musllinux_1_2 wheels (zig; minutes), each checked and run;
#   - install-script and install-archive: a local HTTP server with GitHub's release layout
#     (…/releases/latest/download/, …/releases/download/vX.Y.Z/) serving dist/install.sh and the
#     archive dist/package.sh makes from KOMPLY_BIN; the installer detects this machine's target,
#     verifies the checksum and installs; a tampered checksum installs nothing; file:// works;
#   - install-cargo: `cargo install --locked --path .` (CARGO_TARGET_DIR=target: reuses the
#     release build);
#   - kubectl-komply: `kubectl komply …` through kubectl's plugin discovery.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/readme.sh"
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/Cargo.toml" | head -1)"
WANT="$("$KOMPLY_BIN" --version)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export NO_COLOR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
failed=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2"; failed=$((failed + 1)); }
now_ms() { date +%s%3N; }
# expect_version NAME BINARY LOG: the installed binary is this checkout's komply.
expect_version() {
  local got; got="$("$2" --version 2>&1 || true)"
  if [ "$got" = "$WANT" ]; then ok "$1: $got"; else echo "installed: '$got', want '$WANT'" >> "$3"; fail "$1" "$3"; fi
}

# --- PyPI: pipx, uv, pip -----------------------------------------------------------------
WHEELS="$WORK/wheels"
bash "$ROOT/dist/build-wheels.sh" --host --out "$WHEELS" > "$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log"; echo "the wheel did not build" >&2; exit 1; }
readme_snippet install-pip > "$WORK/pip.sh"
[ "$(grep -c . "$WORK/pip.sh")" -eq 3 ] || { echo "install-pip snippet: expected 3 commands" >&2; exit 1; }
while IFS= read -r line; do
  [ -n "$line" ] || continue
  tool="${line%% *}"
  env_dir="$WORK/env-$tool"
  log="$WORK/$tool.log"
  mkdir -p "$env_dir"
  case "$tool" in
    pipx)
      bin="$env_dir/bin"
      runner=(env PATH="$ROOT/.venv/bin:$PATH" PIPX_HOME="$env_dir/home" PIPX_BIN_DIR="$bin"
              PIPX_MAN_DIR="$env_dir/man" PIP_FIND_LINKS="$WHEELS" PIP_NO_INDEX=1
              # pipx installs with uv when uv is on PATH (it is, in .venv/bin)
              UV_FIND_LINKS="$WHEELS" UV_NO_INDEX=1 UV_CACHE_DIR="$env_dir/cache"
              UV_PYTHON_DOWNLOADS=never) ;;
    uv)
      bin="$env_dir/bin"
      runner=(env PATH="$ROOT/.venv/bin:$PATH" UV_TOOL_DIR="$env_dir/tools" UV_TOOL_BIN_DIR="$bin"
              UV_CACHE_DIR="$env_dir/cache" UV_FIND_LINKS="$WHEELS" UV_NO_INDEX=1
              UV_PYTHON_DOWNLOADS=never UV_PYTHON="$(command -v python3)") ;;
    pip)
      python3 -m venv "$env_dir/venv"
      bin="$env_dir/venv/bin"
      # As in an activated venv.
      runner=(env PATH="$bin:$PATH" VIRTUAL_ENV="$env_dir/venv" PIP_FIND_LINKS="$WHEELS" PIP_NO_INDEX=1) ;;
    *) echo "install-pip snippet: unknown tool in: $line" >&2; exit 1 ;;
  esac
  start=$(now_ms)
  if (cd "$WORK" && "${runner[@]}" bash -euo pipefail -c "$line") > "$log" 2>&1; then
    expect_version "README install-pip: $tool ($(( $(now_ms) - start )) ms)" "$bin/komply" "$log"
  else
    fail "README install-pip: $line" "$log"
  fi
done < "$WORK/pip.sh"

# Portable wheels (opt-in, minutes: a zig build per target): manylinux2014 needs nothing newer
# than glibc 2.17; musllinux_1_2 is static. Each is checked and run.
if [ "${KOMPLY_PORTABLE_WHEELS:-}" = 1 ]; then
  for tool in objdump file; do
    command -v "$tool" >/dev/null || { echo "$tool is required for KOMPLY_PORTABLE_WHEELS=1" >&2; exit 1; }
  done
  # zig links against glibc 2.17 / musl (a PyPI package; not in venv.sh: only this opt-in needs it)
  "$PY" -c 'import ziglang' 2>/dev/null \
    || "$ROOT/.venv/bin/pip" install --quiet --disable-pip-version-check ziglang
  PORTABLE="$WORK/portable"
  start=$(now_ms)
  if bash "$ROOT/dist/build-wheels.sh" --manylinux --musllinux --out "$PORTABLE" > "$WORK/portable.log" 2>&1; then
    echo "     portable wheels built in $(( ($(now_ms) - start) / 1000 )) s"
  else
    fail "dist/build-wheels.sh --manylinux --musllinux" "$WORK/portable.log"
  fi
  for policy in manylinux2014 musllinux_1_2; do
    whl="$(ls "$PORTABLE"/komply-"$VERSION"-py3-none-"$policy"_x86_64*.whl 2>/dev/null | head -1)"
    [ -n "$whl" ] || { fail "no $policy x86_64 wheel" "$WORK/portable.log"; continue; }
    log="$WORK/$policy.log"
    case "$policy" in
      manylinux2014)
        # pip takes it on this (glibc) machine: a fresh venv, as users get it.
        python3 -m venv "$WORK/venv-$policy"
        "$WORK/venv-$policy/bin/pip" install --quiet --no-index "$whl" > "$log" 2>&1 \
          || { fail "pip install $(basename "$whl")" "$log"; continue; }
        bin="$WORK/venv-$policy/bin/komply"
        newest="$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
        echo "newest glibc symbol: $newest" >> "$log"
        [ "$(printf '%s\nGLIBC_2.17\n' "$newest" | sort -V | tail -1)" = GLIBC_2.17 ] \
          || fail "$policy: needs $newest, newer than glibc 2.17" "$log" ;;
      musllinux_1_2)
        # pip installs it only on musl systems; the static binary inside runs anywhere.
        bin="$WORK/musl/komply"
        mkdir -p "$WORK/musl"
        python3 -c '
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
name = next(n for n in z.namelist() if n.endswith(".data/scripts/komply"))
open(sys.argv[2], "wb").write(z.read(name))
' "$whl" "$bin" > "$log" 2>&1 || { fail "$policy: no komply in $(basename "$whl")" "$log"; continue; }
        chmod 755 "$bin"
        file "$bin" >> "$log"
        grep -q 'statically linked\|static-pie linked' "$log" || fail "$policy: not a static binary" "$log" ;;
    esac
    expect_version "$(basename "$whl") ($policy)" "$bin" "$log"
  done
else
  echo "     (portable manylinux2014 / musllinux wheels: KOMPLY_PORTABLE_WHEELS=1, minutes)"
fi

# --- Release archives: install.sh and by hand ----------------------------------------------
release_site "$WORK/site"   # KOMPLY_BIN as a release, served on 127.0.0.1 (lib.sh)
TARGET="$RELEASE_TARGET"
# Same bytes on a second run: the archive is reproducible, so its checksum is too.
bash "$ROOT/dist/package.sh" "$TARGET" "$KOMPLY_BIN" "$WORK/again" > /dev/null
if cmp -s "$WORK/again/komply-$TARGET.tar.gz" "$RELEASE_DIR/komply-$TARGET.tar.gz"; then
  ok "dist/package.sh: the same binary gives the same archive bytes"
else
  fail "dist/package.sh is not reproducible"
fi
members="$(tar -tzf "$RELEASE_DIR/komply-$TARGET.tar.gz" | sort | tr '\n' ' ')"
[ "$members" = "komply-$TARGET/ komply-$TARGET/README.md komply-$TARGET/komply " ] \
  && ok "archive layout: $members" || { echo "$members" > "$WORK/m"; fail "archive layout" "$WORK/m"; }
LOCAL="$RELEASE_URL"
to_local() { sed "s#https://github.com/komply-dev/komply#$LOCAL#g"; }

readme_snippet install-script | to_local > "$WORK/script.sh"
grep -qF "$LOCAL/releases/latest/download/install.sh" "$WORK/script.sh" || { echo "install-script snippet: URL not found" >&2; exit 1; }
mkdir -p "$WORK/home"
if (cd "$WORK" && HOME="$WORK/home" KOMPLY_REPO_URL="$LOCAL" bash -euo pipefail "$WORK/script.sh") > "$WORK/script.log" 2>&1; then
  expect_version "README install-script (latest, target $TARGET detected, checksum verified)" "$WORK/home/.local/bin/komply" "$WORK/script.log"
  grep -q "checksum ok" "$WORK/script.log" || fail "install.sh did not report the checksum" "$WORK/script.log"
else
  fail "README install-script" "$WORK/script.log"
fi
# A pinned version, another directory.
if KOMPLY_REPO_URL="$LOCAL" sh "$ROOT/dist/install.sh" --version "$VERSION" --to "$WORK/pinned" > "$WORK/pinned.log" 2>&1; then
  expect_version "install.sh --version $VERSION --to DIR" "$WORK/pinned/komply" "$WORK/pinned.log"
else
  fail "install.sh --version $VERSION" "$WORK/pinned.log"
fi
# A local directory (file://), as a mirror.
if KOMPLY_DOWNLOAD_URL="file://$RELEASE_DIR" KOMPLY_INSTALL_DIR="$WORK/file" sh "$ROOT/dist/install.sh" > "$WORK/file.log" 2>&1; then
  expect_version "install.sh from file:// (KOMPLY_DOWNLOAD_URL)" "$WORK/file/komply" "$WORK/file.log"
else
  fail "install.sh from file://" "$WORK/file.log"
fi
# A tampered checksum: refused, nothing installed.
TAMPERED="$WORK/tampered"
mkdir -p "$TAMPERED"
cp "$RELEASE_DIR/komply-$TARGET.tar.gz" "$TAMPERED/"
printf '%064d  komply-%s.tar.gz\n' 0 "$TARGET" > "$TAMPERED/komply-$TARGET.tar.gz.sha256"
rc=0; KOMPLY_DOWNLOAD_URL="file://$TAMPERED" sh "$ROOT/dist/install.sh" --to "$WORK/bad" > "$WORK/bad.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && grep -q "checksum mismatch" "$WORK/bad.log" && [ ! -e "$WORK/bad/komply" ]; then
  ok "install.sh refuses a checksum mismatch (exit $rc, nothing installed)"
else
  fail "install.sh with a wrong checksum (exit $rc)" "$WORK/bad.log"
fi
rc=0; sh "$ROOT/dist/install.sh" --bogus > "$WORK/usage.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && grep -q "unknown option" "$WORK/usage.log" && ok "install.sh: an unknown option is an error" \
  || fail "install.sh --bogus (exit $rc)" "$WORK/usage.log"

readme_snippet install-archive | to_local > "$WORK/archive.sh"
mkdir -p "$WORK/manual"
if (cd "$WORK/manual" && bash -euo pipefail "$WORK/archive.sh") > "$WORK/archive.log" 2>&1 \
   && grep -qF "$WANT" "$WORK/archive.log" && grep -q ": OK" "$WORK/archive.log"; then
  ok "README install-archive: downloaded, sha256sum -c OK, runs"
else
  fail "README install-archive" "$WORK/archive.log"
fi

# --- cargo --------------------------------------------------------------------------------
readme_snippet install-cargo > "$WORK/cargo.sh"
start=$(now_ms)
if (cd "$ROOT" && CARGO_INSTALL_ROOT="$WORK/cargo" CARGO_TARGET_DIR="$ROOT/target" bash -euo pipefail "$WORK/cargo.sh") > "$WORK/cargo.log" 2>&1; then
  expect_version "README install-cargo ($(( ($(now_ms) - start) / 1000 )) s, target/ reused)" "$WORK/cargo/bin/komply" "$WORK/cargo.log"
else
  fail "README install-cargo" "$WORK/cargo.log"
fi

# --- kubectl plugin -----------------------------------------------------------------------
if command -v kubectl >/dev/null 2>&1; then
  mkdir -p "$WORK/kbin"
  ln -s "$KOMPLY_BIN" "$WORK/kbin/kubectl-komply"
  printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: nginx:1.27.3\n      securityContext:\n        privileged: true\n' > "$WORK/pod.yaml"
  rc=0; (cd "$WORK" && PATH="$WORK/kbin:$PATH" kubectl komply lint pod.yaml) > "$WORK/k.log" 2>&1 || rc=$?
  rc2=0; (PATH="$WORK/kbin:$PATH" kubectl komply lint --bogus) > "$WORK/k2.log" 2>&1 || rc2=$?
  if [ "$rc" -eq 1 ] && grep -q "pod.yaml:10:9" "$WORK/k.log" && [ "$rc2" -eq 2 ] && grep -q "Usage: kubectl komply lint" "$WORK/k2.log"; then
    ok "kubectl komply (plugin discovery of kubectl-komply): findings, exit codes, usage says 'kubectl komply'"
  else
    cat "$WORK/k2.log" >> "$WORK/k.log"; fail "kubectl komply (exit $rc, $rc2)" "$WORK/k.log"
  fi
else
  fail "kubectl not found: the kubectl plugin is not tested"
fi

echo "install: $failed failed"
[ "$failed" -eq 0 ]
