#!/bin/sh
# komply installer: downloads the release archive for this machine, verifies its SHA-256 and
# installs the `komply` binary.
#
#   curl -fsSL https://github.com/komply-dev/komply/releases/latest/download/install.sh | sh
#   curl -fsSL …/install.sh | sh -s -- --version 0.1.0 --to /usr/local/bin
#
# Options (or the environment variables beside them):
#   --version V    KOMPLY_VERSION       release to install: 0.1.0 / v0.1.0, or latest (default)
#   --to DIR       KOMPLY_INSTALL_DIR   where komply goes (default: $HOME/.local/bin)
#   --target T     KOMPLY_TARGET        a Rust target triple instead of the detected one
#   --url URL      KOMPLY_DOWNLOAD_URL  base URL of the release assets: a mirror, GitHub
#                                       Enterprise, a local directory (file:///…)
#                  KOMPLY_REPO_URL      the repository whose releases to use (a fork, GitHub
#                                       Enterprise); default https://github.com/komply-dev/komply
# Archives are named komply-<target>.tar.gz (.zip on Windows) with a komply-<target>.<ext>.sha256
# beside each (dist/package.sh makes them). Nothing is installed unless the checksum matches.
# POSIX sh; needs curl or wget, tar (or unzip), and sha256sum, shasum or openssl.
set -eu

# KOMPLY_REPO_URL: the releases of a fork or of a GitHub Enterprise copy.
REPO_URL="${KOMPLY_REPO_URL:-https://github.com/komply-dev/komply}"
REPO_URL="${REPO_URL%/}"
version="${KOMPLY_VERSION:-latest}"
install_dir="${KOMPLY_INSTALL_DIR:-${HOME:-}/.local/bin}"
target="${KOMPLY_TARGET:-}"
base_url="${KOMPLY_DOWNLOAD_URL:-}"

usage() {
  cat <<'EOF'
Installs komply from its release archives (checksum verified).
  --version V   release to install: 0.1.0, v0.1.0 or latest (KOMPLY_VERSION; default latest)
  --to DIR      install directory (KOMPLY_INSTALL_DIR; default $HOME/.local/bin)
  --target T    Rust target triple instead of the detected one (KOMPLY_TARGET)
  --url URL     base URL of the release assets (KOMPLY_DOWNLOAD_URL; default GitHub releases)
EOF
}
say() { printf 'komply-install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || die "--version needs a value"; version="$2"; shift 2 ;;
    --to) [ $# -ge 2 ] || die "--to needs a directory"; install_dir="$2"; shift 2 ;;
    --target) [ $# -ge 2 ] || die "--target needs a target triple"; target="$2"; shift 2 ;;
    --url) [ $# -ge 2 ] || die "--url needs a URL"; base_url="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option: $1 (try --help)" ;;
  esac
done
[ -n "$install_dir" ] || die "no install directory: set KOMPLY_INSTALL_DIR or --to"

# The Rust target triple of this machine, as the release archives are named.
detect_target() {
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$arch" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
    *) die "no komply release for the CPU '$arch' (build from source: cargo install --locked --git $REPO_URL komply)" ;;
  esac
  case "$os" in
    Linux)
      # musl systems (Alpine…) get the static musl build; glibc ones the gnu build.
      if ldd --version 2>&1 | grep -qi musl || ls /lib/ld-musl-* >/dev/null 2>&1; then
        echo "$arch-unknown-linux-musl"
      else
        echo "$arch-unknown-linux-gnu"
      fi
      ;;
    Darwin)
      # An x86_64 shell under Rosetta on Apple silicon: the native build is better.
      if [ "$arch" = x86_64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
        arch=aarch64
      fi
      echo "$arch-apple-darwin"
      ;;
    MINGW*|MSYS*|CYGWIN*|Windows_NT)
      [ "$arch" = x86_64 ] || die "no komply release for Windows on '$arch'"
      echo "x86_64-pc-windows-msvc"
      ;;
    *) die "no komply release for the OS '$os' (build from source: cargo install --locked --git $REPO_URL komply)" ;;
  esac
}

fetch() { # fetch URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    case "$1" in
      file://*) cp "${1#file://}" "$2" ;;   # wget has no file:// support
      *) wget --quiet --tries=3 --output-document="$2" "$1" ;;
    esac
  else
    die "neither curl nor wget is installed"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 "$1" | sed 's/^.*= *//'
  else
    die "no SHA-256 tool (sha256sum, shasum or openssl): refusing to install unverified"
  fi
}

[ -n "$target" ] || target="$(detect_target)"
case "$target" in
  *-windows-*) ext=zip; exe=komply.exe ;;
  *) ext=tar.gz; exe=komply ;;
esac
if [ -z "$base_url" ]; then
  case "$version" in
    latest) base_url="$REPO_URL/releases/latest/download" ;;
    v*) base_url="$REPO_URL/releases/download/$version" ;;
    *) base_url="$REPO_URL/releases/download/v$version" ;;
  esac
fi
base_url="${base_url%/}"
archive="komply-$target.$ext"

tmp="$(mktemp -d 2>/dev/null || mktemp -d -t komply)"
trap 'rm -rf "$tmp"' EXIT INT TERM

say "downloading $base_url/$archive"
fetch "$base_url/$archive" "$tmp/$archive" || die "cannot download $base_url/$archive"
fetch "$base_url/$archive.sha256" "$tmp/$archive.sha256" || die "cannot download $base_url/$archive.sha256"
want="$(cut -d' ' -f1 < "$tmp/$archive.sha256" | tr -d '\r\n' | tr 'A-F' 'a-f')"
got="$(sha256_of "$tmp/$archive")"
case "$want" in
  *[!0-9a-f]*|"") die "$archive.sha256 holds no SHA-256" ;;
esac
[ "${#want}" -eq 64 ] || die "$archive.sha256 holds no SHA-256"
[ "$want" = "$got" ] || die "checksum mismatch for $archive: expected $want, got $got"
say "checksum ok ($got)"

mkdir -p "$tmp/x"
case "$ext" in
  zip)
    if command -v unzip >/dev/null 2>&1; then unzip -q "$tmp/$archive" -d "$tmp/x"
    else tar -xf "$tmp/$archive" -C "$tmp/x"; fi ;;
  *) tar -xzf "$tmp/$archive" -C "$tmp/x" ;;
esac
bin="$tmp/x/komply-$target/$exe"
[ -f "$bin" ] || die "$archive has no komply-$target/$exe"

# Copy next to the destination, then rename: a running komply is never half overwritten.
mkdir -p "$install_dir"
cp "$bin" "$install_dir/.$exe.tmp.$$"
chmod 755 "$install_dir/.$exe.tmp.$$"
mv -f "$install_dir/.$exe.tmp.$$" "$install_dir/$exe"
say "installed $("$install_dir/$exe" --version 2>/dev/null || echo komply) to $install_dir/$exe"
case ":${PATH:-}:" in
  *":$install_dir:"*) ;;
  *) say "note: $install_dir is not on PATH; add it: export PATH=\"$install_dir:\$PATH\"" ;;
esac
