#!/usr/bin/env bash
# Builds komply's Python wheels (pyproject.toml: maturin, `bindings = "bin"`: the binary in a
# py3-none-<platform> wheel) into target/wheels/ (or --out DIR).
#
#   dist/build-wheels.sh [--out DIR] [--host] [--manylinux] [--musllinux] [--sdist] [--all]
#
#   --host        (default) a wheel for this machine, tagged with the oldest manylinux policy its
#                 symbols allow. It is built in target/release with the same flags as
#                 `cargo build --release`, so after that build it only re-links: seconds.
#   --manylinux   manylinux2014 (glibc 2.17) wheels for x86_64, and aarch64 when that rustup
#                 target is installed, linked against glibc 2.17 by zig (`--zig`; ziglang from
#                 PyPI). Builds everything again under target/<triple>/: minutes.
#   --musllinux   musllinux_1_2 wheels (static), same way; needs
#                 `rustup target add x86_64-unknown-linux-musl` (aarch64-… for arm64).
#   --sdist       the source distribution (pip builds it with maturin where no wheel fits).
#   --all         all of the above that this machine can build; says what it skipped and why.
#
# maturin: $MATURIN, else `maturin` on PATH, else .venv/bin/maturin
# (`pip install maturin ziglang`). zig: `zig` on PATH or the ziglang package beside maturin.
#
# On this project's machines (x86_64 glibc Linux; rustup targets x86_64-unknown-linux-gnu and
# -musl; ziglang from PyPI in .venv) --host, --manylinux and --musllinux x86_64 and --sdist build
# (measured on 2 busy cores: manylinux2014 345 s after its dependencies, musllinux_1_2 914 s from
# nothing; conformance/55 with KOMPLY_PORTABLE_WHEELS=1 installs and runs both); aarch64 is
# skipped: its rustup targets cannot be downloaded here.
# macOS and Windows wheels cannot be built here; the release workflow
# (.github/workflows/release.yml, PyO3/maturin-action) builds them on their own runners:
#   macOS x86_64   macos-15-intel  maturin build --release --locked --target x86_64-apple-darwin
#   macOS arm64    macos-15        maturin build --release --locked --target aarch64-apple-darwin
#   Windows x64    windows-latest  maturin build --release --locked --target x86_64-pc-windows-msvc
# and the Linux ones above in maturin-action's manylinux2014 / musllinux_1_2 containers.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/target/wheels"
want=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --host|--manylinux|--musllinux|--sdist) want+=("${1#--}"); shift ;;
    --all) want+=(host manylinux musllinux sdist); shift ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#want[@]} -gt 0 ] || want=(host)
mkdir -p "$out"
out="$(cd "$out" && pwd)"

maturin="${MATURIN:-}"
if [ -z "$maturin" ]; then
  if command -v maturin >/dev/null 2>&1; then maturin="$(command -v maturin)"
  elif [ -x "$root/.venv/bin/maturin" ]; then maturin="$root/.venv/bin/maturin"
  else echo "maturin not found: pip install maturin (or set MATURIN)" >&2; exit 1; fi
fi
# maturin finds zig as `python -m ziglang` with the python beside it.
export PATH="$(dirname "$maturin"):$PATH"
cd "$root"

have_zig() { command -v zig >/dev/null 2>&1 || python3 -c 'import ziglang' >/dev/null 2>&1; }
have_target() { rustup target list --installed 2>/dev/null | grep -qx "$1"; }
skipped=()
build() { # build LABEL ARGS...: one maturin build, timed
  local label="$1" start; shift
  start=$(date +%s)
  echo "== $label: maturin build $*" >&2
  "$maturin" build --release --locked --out "$out" "$@" >&2
  echo "   $label: $(( $(date +%s) - start ))s" >&2
}

for w in "${want[@]}"; do
  case "$w" in
    host) build host ;;
    manylinux|musllinux)
      if ! have_zig; then skipped+=("$w: no zig (pip install ziglang)"); continue; fi
      for arch in x86_64 aarch64; do
        if [ "$w" = manylinux ]; then triple="$arch-unknown-linux-gnu" policy=manylinux2014
        else triple="$arch-unknown-linux-musl" policy=musllinux_1_2; fi
        if ! have_target "$triple"; then
          skipped+=("$w $arch: rustup target $triple is not installed (rustup target add $triple)")
          continue
        fi
        build "$policy $arch" --zig --target "$triple" --compatibility "$policy"
      done
      ;;
    sdist) echo "== sdist" >&2; "$maturin" sdist --out "$out" >&2 ;;
  esac
done
for s in ${skipped[@]+"${skipped[@]}"}; do echo "skipped $s" >&2; done
ls -1 "$out"/komply-* 2>/dev/null || true
