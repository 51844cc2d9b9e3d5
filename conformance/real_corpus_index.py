#!/usr/bin/env python3
"""Regenerate the measured columns of the real-world corpora's INDEX.md files.

tests/fixtures/real/INDEX.md: per Compose project listed in tests/fixtures/real/projects.tsv,
the services and images Docker Compose resolves (the v2.40.3 oracle, `config --format json`),
whether it accepts the project (and its error), and whether `komply config` accepts it (and its
error). Both run in the project's directory, with every profile enabled (`--profile '*'`) and
a clean environment (only PATH and HOME), so only the project's own `.env` counts.

tests/fixtures/real-manifests/INDEX.md: per manifest file, the objects per kind and the
`komply lint --format json` findings per rule.

Only the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` is replaced; the
rest of each INDEX.md is hand-written. `--check` rewrites nothing and exits 1 when a table would
change (so a stale index is noticed).
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml  # PyYAML ships with the venv (pre-commit depends on it)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compose_oracle import json_diff  # noqa: E402  (the oracle suite's own JSON diff)


def run(cmd, cwd):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", "NO_COLOR": "1"}
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return 124, "", "timeout after 120 s"
    return p.returncode, p.stdout, p.stderr


ROOT = ""  # the repository root, replaced by `.` in messages so the index does not depend on it


def cell(text, limit=220):
    text = " ".join(text.split())
    if ROOT:
        text = text.replace(ROOT + "/", "").replace(ROOT, ".")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def oracle_error(stderr):
    lines = [l for l in stderr.splitlines() if l.strip() and "level=warning" not in l]
    return lines[-1] if lines else stderr.strip()


def komply_error(stderr):
    lines = [l for l in stderr.splitlines() if l.strip()]
    for l in lines:
        if "error" in l.lower():
            return l
    return lines[0] if lines else ""


def licence_of(root, rel):
    d = root / rel
    while True:
        src = d / "SOURCE.md"
        if src.is_file():
            m = re.search(r"^- Licence: `([^`]+)`", src.read_text(), re.M)
            return m.group(1) if m else "?"
        if d == root:
            return "?"
        d = d.parent


def images_of(services):
    out = set()
    for name, svc in services.items():
        image = svc.get("image")
        if image:
            out.add(image + (" (+build)" if "build" in svc else ""))
        elif "build" in svc:
            out.add(f"build-only ({name})")
    return sorted(out)


def compose_rows(root, oracle, komply):
    rows = []
    for line in (root / "projects.tsv").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rel, files = (line.split("\t") + [""])[:2]
        files = [f for f in files.split(",") if f]
        cwd = root / rel
        fargs = [a for f in files for a in ("-f", f)]
        prof = ["--profile", "*"]
        orc, out, err = run([oracle, *fargs, *prof, "config", "--format", "json"], cwd)
        services = images = None
        if orc == 0:
            data = json.loads(out)
            services = data.get("services", {})
            images = images_of(services)
            o_cell = "accepts"
        else:
            o_cell = f"**rejects** (exit {orc}): `{cell(oracle_error(err))}`"
        krc, kout, kerr = run([komply, "config", *fargs, *prof, "--format", "json"], cwd)
        same = "–"
        if krc == 0:
            k_cell = "accepts"
            try:
                kdata = json.loads(kout)
                kservices = kdata.get("services", {})
            except ValueError as e:
                kdata = kservices = None
                k_cell = f"accepts, but prints no JSON ({e})"
            if orc == 0 and kdata is not None:
                diff = json_diff(data, kdata)
                same = "yes" if not diff else "no: " + "<br>".join(
                    f"`{cell(d.strip(), 160)}`" for d in diff[:3]) + (" …" if len(diff) > 3 else "")
            if services is not None and kservices is not None and set(kservices) != set(services):
                missing = sorted(set(services) - set(kservices))
                extra = sorted(set(kservices) - set(services))
                k_cell += f"; services differ (missing {missing}, extra {extra})"
        else:
            k_cell = f"**rejects** (exit {krc}): `{cell(komply_error(kerr))}`"
        rows.append(
            {
                "project": rel,
                "files": ", ".join(files) if files else "(default)",
                "services": "–" if services is None else str(len(services)),
                "images": "–" if images is None else "<br>".join(f"`{i}`" for i in images),
                "oracle": o_cell,
                "komply": k_cell,
                "same": same,
                "licence": licence_of(root, rel),
                "ok": (orc == 0, krc == 0),
            }
        )
    return rows


def compose_table(rows):
    out = [
        "| project | compose files | services | images | docker compose 2.40.3 | komply config | same JSON as the oracle | licence |",
        "|---|---|---:|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| [{r['project']}]({r['project']}/SOURCE.md) | {r['files']} | {r['services']} | "
            f"{r['images']} | {r['oracle']} | {r['komply']} | {r['same']} | `{r['licence']}` |"
        )
    n = len(rows)
    o = sum(r["ok"][0] for r in rows)
    k = sum(r["ok"][1] for r in rows)
    both = sum(r["ok"][0] and r["ok"][1] for r in rows)
    same = sum(r["same"] == "yes" for r in rows)
    svc = sum(int(r["services"]) for r in rows if r["services"] != "–")
    out.append("")
    out.append(
        f"{n} compose projects ({svc} services): docker compose accepts {o}, komply accepts {k}, "
        f"both {both}; komply's `config --format json` equals the oracle's on {same}."
    )
    return "\n".join(out)


def manifest_rows(root, komply):
    rows = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if path.name == "kustomization.yaml" or "/kustomize-" in f"/{rel}":
            continue  # kustomization directories are listed by directory below
        kinds = collections.Counter()
        try:
            for doc in yaml.safe_load_all(path.read_text()):
                if isinstance(doc, dict) and "kind" in doc:
                    if doc["kind"].endswith("List") and isinstance(doc.get("items"), list):
                        kinds.update(i.get("kind", "?") for i in doc["items"] if isinstance(i, dict))
                    else:
                        kinds[doc["kind"]] += 1
        except yaml.YAMLError as e:
            kinds["(PyYAML error: %s)" % type(e).__name__] += 1
        rows.append((rel, kinds, lint(komply, [rel], root)))
    return rows


def kustomize_rows(root, komply, kubectl):
    """Each kustomization directory: what `komply lint DIR` reports, and what komply finds in
    the objects `kubectl kustomize DIR` builds from it (what a user deploys)."""
    rows = []
    for kdir in sorted(p.parent for p in root.rglob("kustomization.yaml")):
        rel = kdir.relative_to(root).as_posix()
        direct = lint(komply, [rel], root)
        rc, out, err = run([kubectl, "kustomize", rel], root)
        if rc != 0:
            m = re.search(r'err="(.*)"', err)  # klog lines carry a timestamp and a pid: keep the message
            msg = m.group(1) if m else (err.strip().splitlines() or [""])[-1]
            rows.append((rel, direct, None, f"kubectl kustomize exit {rc}: `{cell(msg, 200)}`"))
            continue
        objects = sum(1 for d in yaml.safe_load_all(out) if isinstance(d, dict) and "kind" in d)
        built = lint_stdin(komply, out, root)
        rows.append((rel, direct, objects, built))
    return rows


def lint_stdin(komply, text, cwd):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", "NO_COLOR": "1"}
    p = subprocess.run([komply, "lint", "-", "--format", "json", "--fail-on", "never"], cwd=cwd,
                       env=env, input=text, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        return {"error": f"exit {p.returncode}: {cell(komply_error(p.stderr))}"}
    findings = [f for f in json.loads(p.stdout)["findings"] if not f.get("suppressed")]
    return {"counts": collections.Counter(f["rule"] for f in findings),
            "severity": collections.Counter(f["severity"] for f in findings)}


def summary(l):
    if "error" in l:
        return f"**{l['error']}**"
    c, s = l["counts"], l["severity"]
    per = ", ".join(f"{r}×{n}" for r, n in sorted(c.items()))
    return f"{sum(c.values())} ({s['error']} errors, {s['warning']} warnings){': ' + per if per else ''}"


def source_table(root, komply):
    """`komply lint SOURCE/` on each source directory as a whole: cross-object rules see every
    object of the source (as in CI), unlike the per-file runs (as in pre-commit)."""
    out = ["| source directory | `komply lint SOURCE/` |", "|---|---|"]
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        out.append(f"| `{d.name}/` | {summary(lint(komply, [d.name], root))} |")
    return "\n".join(out)


def kustomize_table(rows):
    out = ["| kustomization directory | `komply lint DIR` | objects `kubectl kustomize DIR` builds | `kubectl kustomize DIR \\| komply lint -` |",
           "|---|---|---:|---|"]
    for rel, direct, objects, built in rows:
        b = built if isinstance(built, str) else summary(built)
        out.append(f"| `{rel}/` | {summary(direct)} | {'–' if objects is None else objects} | {b} |")
    return "\n".join(out)


def lint(komply, args, cwd):
    rc, out, err = run([komply, "lint", *args, "--format", "json", "--fail-on", "never"], cwd)
    if rc != 0:
        return {"error": f"exit {rc}: {cell(komply_error(err))}"}
    data = json.loads(out)
    findings = [f for f in data["findings"] if not f.get("suppressed")]
    return {
        "counts": collections.Counter(f["rule"] for f in findings),
        "severity": collections.Counter(f["severity"] for f in findings),
        "names": {f["rule"]: (f["name"], f["severity"]) for f in findings},
    }


def manifest_tables(rows):
    out = ["| file | objects | kinds |", "|---|---:|---|"]
    total = collections.Counter()
    for rel, kinds, _ in rows:
        if rel.endswith("(kustomization dir)"):
            continue
        total.update(kinds)
        ks = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        out.append(f"| `{rel}` | {sum(kinds.values())} | {ks} |")
    files = sum(1 for r in rows if not r[0].endswith("(kustomization dir)"))
    out.append("")
    out.append(f"{files} files, {sum(total.values())} objects. Per kind: " +
               ", ".join(f"{k} {n}" for k, n in sorted(total.items(), key=lambda x: (-x[1], x[0]))) + ".")
    out.append("")
    out.append("### `komply lint FILE --format json --fail-on never`, per file")
    out.append("")
    out.append("| input | findings | errors | warnings | info | per rule |")
    out.append("|---|---:|---:|---:|---:|---|")
    grand, files_with, names, sev = collections.Counter(), collections.Counter(), {}, collections.Counter()
    for rel, _, l in rows:
        if "error" in l:
            out.append(f"| `{rel}` | **{l['error']}** | | | | |")
            continue
        c = l["counts"]
        grand.update(c)
        files_with.update(c.keys())
        names.update(l["names"])
        sev.update(l["severity"])
        per = ", ".join(f"{r}×{n}" for r, n in sorted(c.items()))
        s = l["severity"]
        out.append(f"| `{rel}` | {sum(c.values())} | {s['error']} | {s['warning']} | {s['info']} | {per} |")
    out.append("")
    out.append(f"Total: {sum(grand.values())} findings ({sev['error']} errors, {sev['warning']} warnings, "
               f"{sev['info']} info).")
    out.append("")
    out.append("### Findings per rule (all inputs)")
    out.append("")
    out.append("| rule | name | severity | findings | inputs |")
    out.append("|---|---|---|---:|---:|")
    for r, n in sorted(grand.items(), key=lambda x: (-x[1], x[0])):
        name, severity = names[r]
        out.append(f"| {r} | {name} | {severity} | {n} | {files_with[r]} |")
    return "\n".join(out)


def splice(path, name, table, check):
    text = path.read_text()
    start, end = f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"
    if start not in text or end not in text:
        sys.exit(f"{path}: markers {start} … {end} not found")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{start}\n{table}\n{end}{tail}"
    if new == text:
        return False
    if not check:
        path.write_text(new)
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--komply", required=True)
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--root", required=True, help="repository root")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    root = Path(a.root).resolve()
    global ROOT
    ROOT = str(root)
    real, manifests = root / "tests/fixtures/real", root / "tests/fixtures/real-manifests"
    changed = []
    rows = compose_rows(real, a.oracle, a.komply)
    if splice(real / "INDEX.md", "compose", compose_table(rows), a.check):
        changed.append(str(real / "INDEX.md"))
    if (manifests / "INDEX.md").is_file():
        mrows = manifest_rows(manifests, a.komply)
        changed_m = splice(manifests / "INDEX.md", "manifests", manifest_tables(mrows), a.check)
        krows = kustomize_rows(manifests, a.komply, a.kubectl)
        changed_k = splice(manifests / "INDEX.md", "kustomize", kustomize_table(krows), a.check)
        changed_s = splice(manifests / "INDEX.md", "sources", source_table(manifests, a.komply), a.check)
        if changed_m or changed_k or changed_s:
            changed.append(str(manifests / "INDEX.md"))
    for c in changed:
        print(("stale: " if a.check else "updated: ") + c)
    if a.check and changed:
        sys.exit(1)


if __name__ == "__main__":
    main()
