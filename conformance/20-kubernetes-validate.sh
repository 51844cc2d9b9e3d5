#!/usr/bin/env bash
# kubernetes-validate (PyPI, strict Kubernetes 1.37 schemas) as a second opinion on our schema verdicts.
#
# As a library (other suites):   . "$(dirname "$0")/20-kubernetes-validate.sh"; kv_check DIR
#   kv_check DIR  validates every *.yaml / *.yml under DIR with
#                 `kubernetes-validate --strict -k 1.37.0 --quiet`; prints each failure and
#                 returns non-zero if any object fails or any file cannot be read. Objects of kinds
#                 it has no schema for (CRDs) are WARNings, not failures.
#   kv_verdict FILE  prints "valid" or "invalid" for one file.
#
# Run directly (by .ci/run, with the shared/ path as $1), it checks that:
#   1. every known-valid fixture (tests/fixtures/validate/k8s/valid) passes kubernetes-validate
#      (cargo test asserts komply's verdict on the same files: tests/validate_k8s.rs);
#   2. every known-invalid fixture (tests/fixtures/validate/k8s/invalid) fails it too
#      (cargo test asserts komply finds a violation in each, with line:col and message);
#   3. everything under golden/ (generator outputs) passes it, and so does every environment
#      of every example as the release binary renders it (`convert --env all -o DIR`; the
#      Istio / Flagger / ESO objects are CRDs it does not know: cargo test validates those
#      against komply's strict CRD schemas, tests/overlay_example.rs);
#   4. on the shared corpora (kompose expected outputs, linter fixtures), `komply lint` and
#      kubernetes-validate give every YAML file the same schema verdict: komply calls a file
#      invalid when it has a schema finding (KP601), is unparsable (KP001) or holds a document
#      that is not an object (KP003); kubernetes-validate when it exits non-zero.
# Any disagreement is a failure unless listed with its reason in
# conformance/known-differences/20-kubernetes-validate.txt (one "path<TAB>reason" per line).

KV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KV_BIN="${KV_BIN:-$KV_ROOT/.venv/bin/kubernetes-validate}"
KV_K8S_VERSION="1.37.0"

kv_require() {
  [ -x "$KV_BIN" ] || { echo "kubernetes-validate not found at $KV_BIN: run conformance/venv.sh" >&2; return 1; }
}

# kv_verdict FILE -> "valid" | "invalid"; the tool's output goes to stderr.
kv_verdict() {
  kv_require || return 1
  local out rc=0
  out="$("$KV_BIN" --strict -k "$KV_K8S_VERSION" --quiet --no-warn "$1" 2>&1)" || rc=$?
  [ -n "$out" ] && printf '%s\n' "$out" >&2
  if [ "$rc" -eq 0 ]; then echo valid; else echo invalid; fi
}

# kv_check DIR: every YAML file under DIR must validate.
kv_check() {
  kv_require || return 1
  local dir="$1" failed=0 count=0 f
  [ -d "$dir" ] || { echo "kv_check: no such directory: $dir" >&2; return 1; }
  while IFS= read -r -d '' f; do
    count=$((count + 1))
    if [ "$(kv_verdict "$f")" != valid ]; then
      echo "kubernetes-validate rejects $f" >&2
      failed=$((failed + 1))
    fi
  done < <(find "$dir" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 | sort -z)
  [ "$count" -gt 0 ] || { echo "kv_check: no YAML files under $dir" >&2; return 1; }
  [ "$failed" -eq 0 ]
}

# Sourced as a library: stop here.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  return 0
fi

. "$(dirname "$0")/lib.sh"
kv_require || exit 1

KNOWN="$ROOT/conformance/known-differences/20-kubernetes-validate.txt"
passed=0
failed=0

is_known() {
  local rel="$1"
  [ -f "$KNOWN" ] && cut -f1 "$KNOWN" | grep -qxF "$rel"
}

expect() {
  local want="$1" file="$2" rel got
  rel="${file#"$ROOT"/}"
  got="$(kv_verdict "$file" 2>/tmp/kv-$$.log)"
  if [ "$got" = "$want" ]; then
    passed=$((passed + 1))
  elif is_known "$rel"; then
    echo "known difference: $rel ($(grep -F "$rel" "$KNOWN" | cut -f2))"
    passed=$((passed + 1))
  else
    echo "FAIL $rel: expected $want, kubernetes-validate says $got"
    sed 's/^/    /' /tmp/kv-$$.log
    failed=$((failed + 1))
  fi
  rm -f /tmp/kv-$$.log
}

FIX="$ROOT/tests/fixtures/validate/k8s"
[ -d "$FIX/valid" ] && [ -d "$FIX/invalid" ] || { echo "fixtures missing under $FIX" >&2; exit 1; }
for f in "$FIX"/valid/*.yaml; do expect valid "$f"; done
for f in "$FIX"/invalid/*.yaml; do expect invalid "$f"; done

if [ -d "$ROOT/golden" ]; then
  while IFS= read -r -d '' f; do
    expect valid "$f"
  done < <(find "$ROOT/golden" -type f \( -name '*.yaml' -o -name '*.yml' \) ! -name '*.snap' -print0 | sort -z)
else
  echo "no golden/ directory yet: generator outputs not checked"
fi

ENV_OUT="$(mktemp -d)"
for compose in "$ROOT"/examples/*/compose.yaml; do
  ex="$(basename "$(dirname "$compose")")"
  if ! "$KOMPLY_BIN" convert -q -f "$compose" --env all -o "$ENV_OUT/$ex" >/tmp/kv-env-$$.log 2>&1; then
    echo "FAIL examples/$ex: komply convert --env all failed"; sed 's/^/    /' /tmp/kv-env-$$.log
    failed=$((failed + 1))
    continue
  fi
  for envdir in "$ENV_OUT/$ex"/*/; do
    env="$(basename "$envdir")"
    stream="$ENV_OUT/$ex-$env.yaml"
    for f in "$envdir"*.yaml; do printf -- '---\n'; cat "$f"; done > "$stream"
    expect valid "$stream"
  done
done
rm -rf "$ENV_OUT" /tmp/kv-env-$$.log

# 4. Corpus agreement. kubernetes-validate runs in one Python process through the same
# `utils.validate_file` its CLI calls (a file it cannot parse counts as invalid, as in the CLI).
corpus_files() {
  find "$SHARED/corpus/kompose" -type f -name '*output*.yaml' -print0
  find "$SHARED/corpus/linters" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0
}
mapfile -d '' CORPUS < <(corpus_files | sort -z)
[ "${#CORPUS[@]}" -gt 0 ] || { echo "no corpus files under $SHARED/corpus" >&2; exit 1; }
KV_VERDICTS="$(mktemp)"; KOMPLY_JSON="$(mktemp)"
trap 'rm -f "$KV_VERDICTS" "$KOMPLY_JSON"' EXIT
printf '%s\0' "${CORPUS[@]}" | "$PY" -c '
import contextlib, io, sys
import kubernetes_validate.utils as utils
for path in sys.stdin.read().split("\0"):
    if not path:
        continue
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            rc = utils.validate_file(path, "1.37.0", True, True, True)
    except SystemExit:
        rc = 1
    except Exception:
        rc = 2
    print(("valid" if rc == 0 else "invalid") + "\t" + path)
' > "$KV_VERDICTS"
# Exit 2 is expected: some corpus files are unparsable on purpose (KP001).
lint_rc=0
"$KOMPLY_BIN" lint --format json --fail-on never "${CORPUS[@]}" > "$KOMPLY_JSON" || lint_rc=$?
[ "$lint_rc" -le 2 ] && [ -s "$KOMPLY_JSON" ] || {
  echo "komply lint failed on the corpus (exit $lint_rc)" >&2; exit 1; }
"$PY" - "$KV_VERDICTS" "$KOMPLY_JSON" "$KNOWN" "$SHARED" <<'PY' || failed=$((failed + 1))
import json, os, sys
kv_file, komply_file, known_file, shared = sys.argv[1:5]
kv = dict(reversed(line.rstrip("\n").split("\t", 1)) for line in open(kv_file) if line.strip())
report = json.load(open(komply_file))
schema_rules = {"KP601", "KP001", "KP003"}
invalid = set()
for f in report["findings"]:
    if f["rule"] in schema_rules:
        invalid.add(os.path.realpath(f["file"]))
known = {}
if os.path.exists(known_file):
    for line in open(known_file):
        if line.strip() and not line.startswith("#"):
            path, reason = line.rstrip("\n").split("\t", 1)
            known[path] = reason
agree = differ = known_seen = 0
for path, verdict in sorted(kv.items()):
    ours = "invalid" if os.path.realpath(path) in invalid else "valid"
    rel = "corpus/" + os.path.relpath(path, os.path.join(shared, "corpus"))
    if ours == verdict:
        agree += 1
    elif rel in known:
        known_seen += 1
        print(f"known difference: {rel}: komply {ours}, kubernetes-validate {verdict} ({known[rel]})")
    else:
        differ += 1
        print(f"DIFF {rel}: komply {ours}, kubernetes-validate {verdict}")
print(f"corpus: {len(kv)} files, {agree} agree, {known_seen} known differences, {differ} differ")
sys.exit(1 if differ else 0)
PY
[ "$failed" -eq 0 ] && passed=$((passed + 1))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
