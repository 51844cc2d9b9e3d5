#!/usr/bin/env bash
# `komply migrate` against the real `kubectl kustomize`: for every example project, every
# environment overlay it writes (and the base) builds, and the built objects equal
# `komply convert --env E` for the same input (the base: `komply convert`), compared as objects.
# Also runs the README's "Use it in … a one-off migration" snippet, and checks that a non-empty
# output directory is refused (exit 2, nothing changed) unless --force.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/readme.sh"
command -v kubectl >/dev/null || { echo "kubectl not found" >&2; exit 1; }

scratch_with_komply   # $WORK, removed on exit; `komply` on PATH as the snippets expect
failed=0 checked=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2"; failed=$((failed + 1)); }

same() { # NAME EXPECTED ACTUAL [--generated-secret SECRET KEYS]
  checked=$((checked + 1))
  if "$PY" "$ROOT/conformance/same_objects.py" "$2" "$3" "${@:4}" > "$WORK/cmp" 2>&1; then
    ok "$1 ($(tail -1 "$WORK/cmp"))"
  else
    fail "$1" "$WORK/cmp"
  fi
}

# migrate one project (NAME DIR), then compare kubectl kustomize of the base and of every
# overlay with komply convert (--env).
check_project() {
  local name="$1" ex="$2" compose="" c out dir env envs generated keys f secret
  for c in compose.yaml compose.yml docker-compose.yaml docker-compose.yml; do
    [ -f "$ex/$c" ] && { compose="$ex/$c"; break; }
  done
  [ -n "$compose" ] || { fail "$name: no compose file"; return; }
  out="$WORK/$name"
  if ! (cd "$ex" && komply migrate -q -f "$compose" --out "$out") > "$WORK/log" 2>&1; then
    fail "$name: komply migrate" "$WORK/log"; return
  fi
  [ -s "$out/MIGRATION.md" ] || fail "$name: MIGRATION.md missing"
  (cd "$ex" && komply convert -q -f "$compose") > "$WORK/want.yaml"
  if kubectl kustomize "$out/base" > "$WORK/got.yaml" 2> "$WORK/err"; then
    same "$name base = komply convert" "$WORK/want.yaml" "$WORK/got.yaml"
  else
    fail "$name: kubectl kustomize base" "$WORK/err"
  fi
  envs=0
  for dir in "$out"/overlays/*/; do
    [ -d "$dir" ] || continue
    env="$(basename "$dir")"; envs=$((envs + 1))
    if ! (cd "$ex" && komply convert -q -f "$compose" --env "$env") > "$WORK/want.yaml" 2> "$WORK/err"; then
      fail "$name/$env: komply convert --env $env" "$WORK/err"; continue
    fi
    # `secrets: generator`: fill secrets.env and secrets/<key> from the committed example
    # (never values komply wrote: it writes none), as a user would; the generated Secret must
    # hold exactly those keys.
    generated=()
    if [ -f "$dir/secrets.env.example" ]; then
      grep -q '^secrets.env$' "$dir/.gitignore" || fail "$name/$env: .gitignore does not keep secrets.env out"
      grep -q '^secrets/$' "$dir/.gitignore" || fail "$name/$env: .gitignore does not keep secrets/ out"
      grep -E '^[^#].*=$' "$dir/secrets.env.example" | sed 's/=$/=example-value/' > "$dir/secrets.env"
      keys="$(grep -E '^[^#].*=$' "$dir/secrets.env.example" | sed 's/=$//' | paste -sd, -)"
      for f in $(sed -n 's/^#   secrets\///p' "$dir/secrets.env.example"); do
        mkdir -p "$dir/secrets"; echo "example file" > "$dir/secrets/$f"; keys="${keys:+$keys,}$f"
      done
      secret="$(sed -n 's/^  - name: \(.*\)$/\1/p' "$dir/kustomization.yaml" | tail -1)"
      generated=(--generated-secret "$secret" "$keys")
    fi
    if kubectl kustomize "$dir" > "$WORK/got.yaml" 2> "$WORK/err"; then
      same "$name/$env overlay = komply convert --env $env${generated:+ + generated Secret}" "$WORK/want.yaml" "$WORK/got.yaml" "${generated[@]}"
    else
      fail "$name/$env: kubectl kustomize" "$WORK/err"
    fi
  done
  [ "$envs" -gt 0 ] || fail "$name: migrate wrote no overlays/<env>/"
  # No value from the project (planted markers) reaches the tree komply wrote.
  if grep -rlq "planted-marker" --exclude=secrets.env --exclude-dir=secrets "$out"; then
    fail "$name: a secret value reached the migrated tree"
  fi
}

examples=("$ROOT"/examples/*/)
[ "${#examples[@]}" -gt 0 ] || { echo "no examples under $ROOT/examples" >&2; exit 1; }
for ex in "${examples[@]}"; do
  ex="${ex%/}"
  check_project "$(basename "$ex")" "$ex"
done

# Whole secret files in generator mode (a Compose secret, a bind-mounted key file), with
# planted values that must never reach the tree.
p="$WORK/secret-files-src"
mkdir -p "$p/tls"
cat > "$p/compose.yaml" <<'EOF2'
name: secret-files
services:
  api:
    image: ghcr.io/example/api:1.0.0
    user: "10001:10001"
    ports: ["8080:8080"]
    environment:
      API_TOKEN: planted-marker-env
      LOG_LEVEL: info
    secrets: [db_pass]
    volumes:
      - ./tls/site.key:/etc/tls/site.key:ro
      - ./app.conf:/etc/app/app.conf:ro
secrets:
  db_pass:
    file: ./db_pass.txt
EOF2
echo "planted-marker-file" > "$p/db_pass.txt"
printf -- '-----BEGIN PRIVATE KEY-----\nplanted-marker-key\n-----END PRIVATE KEY-----\n' > "$p/tls/site.key"
printf 'listen = 8080\n' > "$p/app.conf"
check_project secret-files "$p"

# The README snippet, in a copy of the shop example.
mkdir -p "$WORK/readme"
cp "$ROOT/examples/shop/compose.yaml" "$WORK/readme/"
readme_snippet migrate > "$WORK/snippet.sh"
if (cd "$WORK/readme" && bash -euo pipefail "$WORK/snippet.sh") > "$WORK/got.yaml" 2> "$WORK/err"; then
  (cd "$WORK/readme" && komply convert -q --env prod) > "$WORK/want.yaml"
  same "README snippet: migrate + kubectl kustomize deploy/overlays/prod" "$WORK/want.yaml" "$WORK/got.yaml"
else
  fail "README snippet: migrate" "$WORK/err"
fi

# A non-empty directory is refused, and nothing in it changes; --force writes.
before="$(cd "$WORK/readme/deploy" && find . -type f -exec md5sum {} + | sort)"
rc=0
(cd "$WORK/readme" && komply migrate compose.yaml --out deploy/ --envs dev) > /dev/null 2> "$WORK/err" || rc=$?
after="$(cd "$WORK/readme/deploy" && find . -type f -exec md5sum {} + | sort)"
if [ "$rc" -eq 2 ] && grep -q -- '--force' "$WORK/err" && [ "$before" = "$after" ]; then
  ok "non-empty --out is refused (exit 2), nothing changed"
else
  fail "non-empty --out is refused (exit $rc)" "$WORK/err"
fi
if (cd "$WORK/readme" && komply migrate -q compose.yaml --out deploy/ --force) 2> "$WORK/err"; then
  ok "--force writes into a non-empty directory"
else
  fail "--force writes into a non-empty directory" "$WORK/err"
fi

echo "migrate: $checked comparisons, $failed failed"
[ "$failed" -eq 0 ]
