#!/usr/bin/env bash
# Packs one built komply binary as a release archive, the way dist/install.sh, action.yml and
# the krew manifest (dist/krew/komply.yaml) expect it:
#
#   dist/package.sh TARGET BINARY OUTDIR
#
#   OUTDIR/komply-TARGET.tar.gz          (.zip for *-windows-*)
#     komply-TARGET/komply               (komply.exe on Windows)
#     komply-TARGET/README.md
#   OUTDIR/komply-TARGET.tar.gz.sha256   "<sha256>  komply-TARGET.tar.gz" (sha256sum -c format)
#
# Used by .github/workflows/release.yml for every target and by conformance/55-install.sh for
# this machine's. Archive member order, owners and times are fixed, so the same binary gives the
# same archive bytes (and checksum) on every run.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 TARGET BINARY OUTDIR" >&2; exit 2; }
target="$1" binary="$2" out="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$binary" ] || { echo "$binary: no such file" >&2; exit 1; }
case "$target" in
  *-*-*) ;;
  *) echo "$target is not a target triple (e.g. x86_64-unknown-linux-gnu)" >&2; exit 2 ;;
esac

mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
dir="komply-$target"
mkdir -p "$stage/$dir"
case "$target" in
  *-windows-*) exe=komply.exe; archive="$dir.zip" ;;
  *) exe=komply; archive="$dir.tar.gz" ;;
esac
cp "$binary" "$stage/$dir/$exe"
chmod 755 "$stage/$dir/$exe"
cp "$root/README.md" "$stage/$dir/README.md"
chmod 644 "$stage/$dir/README.md"
# A fixed time for every member (the commit's, when there is one): reproducible archives.
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}"
# `touch -t` in UTC: GNU date takes -d @EPOCH, BSD date (macOS) -r EPOCH; BSD touch has no -d @.
stamp="$(date -u -d "@$epoch" +%Y%m%d%H%M.%S 2>/dev/null || date -u -r "$epoch" +%Y%m%d%H%M.%S)"
TZ=UTC touch -t "$stamp" "$stage/$dir" "$stage/$dir/$exe" "$stage/$dir/README.md"

rm -f "$out/$archive"
case "$archive" in
  *.zip)
    if command -v 7z >/dev/null 2>&1; then
      (cd "$stage" && 7z a -tzip -bd -bso0 "$out/$archive" "$dir" >/dev/null)
    else
      (cd "$stage" && zip -q -X -r "$out/$archive" "$dir")
    fi
    ;;
  *)
    # GNU tar's options for a reproducible archive; bsdtar (macOS) has no --sort, so the
    # members are listed in order instead.
    if tar --version 2>/dev/null | grep -q 'GNU tar'; then
      tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
        -cf - "$dir" | gzip -9n > "$out/$archive"
    else
      tar -C "$stage" -n --uid 0 --gid 0 -cf - "$dir" "$dir/$exe" "$dir/README.md" \
        | gzip -9n > "$out/$archive"
    fi
    ;;
esac

if command -v sha256sum >/dev/null 2>&1; then
  sum="$(sha256sum "$out/$archive" | cut -d' ' -f1)"
else
  sum="$(shasum -a 256 "$out/$archive" | cut -d' ' -f1)"
fi
printf '%s  %s\n' "$sum" "$archive" > "$out/$archive.sha256"
echo "$out/$archive $sum"
