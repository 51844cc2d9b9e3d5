#!/usr/bin/env bash
# The GitHub Action (action.yml), its steps run locally by conformance/action_runner.py as the
# runner would (inputs, expressions, `if:`, GITHUB_OUTPUT / GITHUB_PATH, bash -eo pipefail),
# against KOMPLY_BIN published as a release on a local server (lib.sh release_site):
#   1. the README "action" snippet as written (its `with:` and its @v<version> ref): installs
#      that release (checksum verified), `komply check --env prod` is clean, the SARIF is valid
#      2.1.0 with category komply/check/prod/, upload-sarif gets it, the job passes;
#   2. a lint error: exit-code 1, SARIF still uploaded, the job fails;
#   3. a broken compose file: the check step fails (exit 2), the SARIF (KP002) is still uploaded;
#   4. inputs: compose-file in a subdirectory (SARIF paths from the repository root),
#      category, fail-on warning, args; @main installs the latest release;
#   5. a wrong checksum installs nothing and nothing runs; a bad fail-on is rejected.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/readme.sh"
SARIF_SCHEMA="$SHARED/schemas/sarif-2.1.0.json"
[ -f "$SARIF_SCHEMA" ] || SARIF_SCHEMA="$ROOT/schemas/sarif-2.1.0.json"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export NO_COLOR=1
release_site "$WORK/site"
export KOMPLY_REPO_URL="$RELEASE_URL"   # install.sh: "GitHub" is the local server
WANT="$("$KOMPLY_BIN" --version)"
failed=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2"; failed=$((failed + 1)); }

# run_action NAME WORKSPACE REF [NAME=VALUE…]: runs action.yml, result in $WORK/NAME.json
run_action() {
  local name="$1" ws="$2" ref="$3"; shift 3
  local inputs=()
  for kv in "$@"; do inputs+=(--input "$kv"); done
  "$PY" "$ROOT/conformance/action_runner.py" "$ROOT/action.yml" "$ws" --ref "$ref" \
    ${inputs[@]+"${inputs[@]}"} > "$WORK/$name.json" 2> "$WORK/$name.err" \
    || { cat "$WORK/$name.err" >> "$WORK/$name.json"; return 1; }
}
# check NAME LABEL PYTHON-ASSERTIONS: assertions on the result of run_action NAME: r (dict),
# step(id), upload(), sarif(path) (validates against the 2.1.0 schema).
check() {
  local name="$1" label="$2" code="$3"
  if "$PY" - "$WORK/$name.json" "$SARIF_SCHEMA" > "$WORK/$name.check" 2>&1 <<PY
import json, sys, jsonschema
r = json.load(open(sys.argv[1]))
schema = json.load(open(sys.argv[2]))
def step(sid):
    return next(s for s in r["steps"] if s["id"] == sid)
def upload():
    return next(s for s in r["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
def sarif(path):
    doc = json.load(open(path))
    jsonschema.validate(doc, schema)
    return doc
$code
PY
  then ok "$label"; else cat "$WORK/$name.json" >> "$WORK/$name.check"; fail "$label" "$WORK/$name.check"; fi
}
workspace() { # workspace DIR: a checkout of the shop example
  mkdir -p "$1"
  cp "$ROOT/examples/shop/compose.yaml" "$1/compose.yaml"
}

# 1. The README snippet, as written.
readme_snippet action > "$WORK/workflow.yml"
eval "$("$PY" - "$WORK/workflow.yml" <<'PY'
import shlex, sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
steps = [s for job in wf["jobs"].values() for s in job["steps"]]
step = next(s for s in steps if str(s.get("uses", "")).startswith("komply-dev/komply@"))
ref = step["uses"].split("@", 1)[1]
print(f"README_REF={shlex.quote(ref)}")
print("README_INPUTS=(" + " ".join(shlex.quote(f"{k}={v}") for k, v in (step.get("with") or {}).items()) + ")")
PY
)"
[ "$README_REF" = "v$RELEASE_VERSION" ] || fail "README action snippet uses @$README_REF, but Cargo.toml says v$RELEASE_VERSION"
workspace "$WORK/ws1"
: > "$RELEASE_LOG"
run_action readme "$WORK/ws1" "$README_REF" "${README_INPUTS[@]}" || true
check readme "README snippet (@$README_REF, ${README_INPUTS[*]}): installs, checks clean, uploads SARIF" "
assert not r['failed'], 'job failed'
inst = step('install'); assert inst['outcome'] == 'success', inst['log']
assert 'checksum ok' in inst['log'], inst['log']
assert r['outputs']['komply-version'] == '''$WANT''', r['outputs']
c = step('check'); assert c['outputs']['exit-code'] == '0', c
assert '::notice title=komply::' in c['log'], 'annotations missing: ' + c['log']
u = upload(); assert u['outcome'] == 'success'
assert u['with']['sarif_file'] == r['outputs']['sarif-file'] == '$WORK/ws1/komply.sarif', u
assert u['with']['token'] == 'fake-token', u
doc = sarif(u['with']['sarif_file'])
assert doc['runs'][0]['automationDetails']['id'] == 'komply/check/prod/', doc['runs'][0]['automationDetails']
fail_step = next(s for s in r['steps'] if s['name'] == 'Fail on findings')
assert fail_step['outcome'] == 'skipped'
"
grep -q "GET /komply-dev/komply/releases/download/v$RELEASE_VERSION/komply-$RELEASE_TARGET.tar.gz" "$RELEASE_LOG" \
  && grep -q "GET /komply-dev/komply/releases/download/v$RELEASE_VERSION/komply-$RELEASE_TARGET.tar.gz.sha256" "$RELEASE_LOG" \
  && ok "the action's ref v$RELEASE_VERSION chose release v$RELEASE_VERSION and its checksum" \
  || fail "the action did not download release v$RELEASE_VERSION" "$RELEASE_LOG"

# 2. A lint error.
workspace "$WORK/ws2"
sed -i 's/^  cache:$/  cache:\n    privileged: true/' "$WORK/ws2/compose.yaml"
line="$(grep -n 'privileged: true' "$WORK/ws2/compose.yaml" | cut -d: -f1)"
run_action lint-error "$WORK/ws2" "v$RELEASE_VERSION" env=prod || true
check lint-error "a lint error: exit-code 1, SARIF uploaded, the job fails" "
assert r['failed']
assert step('check')['outputs']['exit-code'] == '1'
doc = sarif(upload()['with']['sarif_file'])
hits = [x for x in doc['runs'][0]['results'] if x['ruleId'] == 'KP102']
loc = hits[0]['locations'][0]['physicalLocation']
assert loc['artifactLocation']['uri'] == 'compose.yaml' and loc['region']['startLine'] == $line, loc
fail_step = next(s for s in r['steps'] if s['name'] == 'Fail on findings')
assert fail_step['outcome'] == 'failure' and fail_step['exit'] == 1
"

# 3. A compose file that does not load.
mkdir -p "$WORK/ws3"
printf 'services:\n  web:\n    image: nginx:1.27.3\n    ports: "oops\n' > "$WORK/ws3/compose.yaml"
run_action broken "$WORK/ws3" "v$RELEASE_VERSION" || true
check broken "a broken compose file: the check step fails (exit 2), the KP002 SARIF is uploaded" "
assert r['failed']
c = step('check'); assert c['outcome'] == 'failure' and c['exit'] == 2 and c['outputs']['exit-code'] == '2', c
assert 'could not convert' in c['log']
doc = sarif(upload()['with']['sarif_file'])
assert any(x['ruleId'] == 'KP002' for x in doc['runs'][0]['results'])
"

# 4. Inputs, and @main (latest).
mkdir -p "$WORK/ws4/apps/shop"
cp "$ROOT/examples/shop/compose.yaml" "$WORK/ws4/apps/shop/compose.yaml"
want_rc=0
(cd "$WORK/ws4" && "$KOMPLY_BIN" check -q -f apps/shop/compose.yaml --env staging --namespace shop --fail-on warning > /dev/null 2>&1) || want_rc=$?
: > "$RELEASE_LOG"
run_action inputs "$WORK/ws4" main compose-file=apps/shop/compose.yaml env=staging \
  category=shop/staging fail-on=warning "args=--namespace shop" sarif-file=reports/komply.sarif annotations=false || true
check inputs "inputs: compose-file, env, args, fail-on, category, sarif-file (komply's own exit code: $want_rc)" "
c = step('check'); assert c['outputs']['exit-code'] == '$want_rc', c
assert '::' not in c['log'], 'annotations=false still annotated'
path = r['outputs']['sarif-file']; assert path == '$WORK/ws4/reports/komply.sarif', path
doc = sarif(path)
run = doc['runs'][0]
assert run['automationDetails']['id'] == 'shop/staging/'
uris = {l['physicalLocation']['artifactLocation']['uri'] for x in run['results'] for l in x.get('locations', [])}
assert uris == {'apps/shop/compose.yaml'}, uris
assert r['failed'] == ($want_rc != 0)
"
grep -q "GET /komply-dev/komply/releases/latest/download/komply-$RELEASE_TARGET.tar.gz" "$RELEASE_LOG" \
  && ok "@main installs the latest release" || fail "@main did not install latest" "$RELEASE_LOG"

# 5. A wrong checksum; a bad input.
mkdir -p "$WORK/tampered"
cp "$RELEASE_DIR/komply-$RELEASE_TARGET.tar.gz" "$WORK/tampered/"
printf '%064d  komply-%s.tar.gz\n' 0 "$RELEASE_TARGET" > "$WORK/tampered/komply-$RELEASE_TARGET.tar.gz.sha256"
workspace "$WORK/ws5"
run_action tampered "$WORK/ws5" "v$RELEASE_VERSION" "download-url=file://$WORK/tampered" || true
check tampered "a wrong checksum: install fails, nothing installed, nothing else runs" "
assert r['failed']
i = step('install'); assert i['outcome'] == 'failure' and 'checksum mismatch' in i['log'], i
assert r['path'] == [], r['path']
assert step('check')['outcome'] == 'skipped' and upload()['outcome'] == 'skipped'
"
run_action bad-fail-on "$WORK/ws5" "v$RELEASE_VERSION" fail-on=critical || true
check bad-fail-on "fail-on=critical is rejected before komply runs" "
c = step('check'); assert c['outcome'] == 'failure' and 'fail-on must be' in c['log'], c
assert upload()['outcome'] == 'skipped'
"

echo "action: $failed failed"
[ "$failed" -eq 0 ]
