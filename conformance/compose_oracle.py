#!/usr/bin/env python3
"""Compare `komply config --format json` with the Docker Compose v2.40.3 oracle.

Groups: the 19 compose-go scenarios, the 71 extracted merge cases, the 71 interpolation cases,
full-example, every compose input of the kompose corpus, our own fixtures and the real public projects
of tests/fixtures/real/. Both tools run live, in the same
directory with the same flags and environment; outputs are compared as JSON.

Exit 1 on any mismatch not listed (with its reason) in the known-differences file, and on any
listed difference that no longer occurs (so the list only shrinks).
"""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def run(cmd, cwd, env):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/home/user"}
    base.update(env)
    try:
        p = subprocess.run(cmd, cwd=cwd, env=base, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return 124, "", "timeout"
    return p.returncode, p.stdout, p.stderr


def json_diff(a, b, path="", out=None):
    """Paths where a (oracle) and b (komply) differ, short."""
    if out is None:
        out = []
    if len(out) >= 6:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = f"{path}.{k}" if path else k
            if k not in a:
                out.append(f"  + {p}: {json.dumps(b[k])[:160]} (only komply)")
            elif k not in b:
                out.append(f"  - {p}: {json.dumps(a[k])[:160]} (only oracle)")
            else:
                json_diff(a[k], b[k], p, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            json_diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"  ~ {path}: oracle {json.dumps(a)[:160]} komply {json.dumps(b)[:160]}")
    return out


class Suite:
    def __init__(self, komply, oracle, known):
        self.komply = komply
        self.oracle = oracle
        self.known = known
        self.results = {}  # group -> [passed, failed, skipped]
        self.failures = []  # (name, detail)
        self.skips = []
        self.seen_known = set()

    def compare(self, group, name, cwd, global_args, config_args, env, oracle_global=None):
        """global_args: -p / -f / --profile / --env-file / --project-directory."""
        r = self.results.setdefault(group, [0, 0, 0])
        og = oracle_global if oracle_global is not None else global_args
        ocode, oout, oerr = run([self.oracle, *og, "config", "--format", "json", *config_args], cwd, env)
        kcode, kout, kerr = run([self.komply, "config", *global_args, "--format", "json", *config_args], cwd, env)
        detail = None
        if ocode != 0:
            if kcode == 2:
                pass
            elif kcode == 0:
                detail = f"  oracle fails ({first_line(oerr)}) but komply succeeds"
            else:
                detail = f"  oracle fails, komply exit {kcode} (want 2): {first_line(kerr)}"
        elif kcode != 0:
            detail = f"  komply exit {kcode}: {first_line(kerr)}"
        else:
            try:
                a, b = json.loads(oout), json.loads(kout)
            except json.JSONDecodeError as e:
                a, b = None, e
            if a != b:
                detail = "\n".join(json_diff(a, b) or [f"  {b}"])
        full = f"{group}/{name}"
        if detail is None:
            if full in self.known:
                self.seen_known.add(full)
                self.failures.append((full, "  listed in known differences but now passes: remove it"))
                r[1] += 1
            else:
                r[0] += 1
        else:
            if full in self.known:
                self.seen_known.add(full)
                r[1] += 1
                print(f"known difference {full}: {self.known[full]}")
            else:
                r[1] += 1
                self.failures.append((full, detail))
        return detail

    def skip(self, group, name, reason):
        r = self.results.setdefault(group, [0, 0, 0])
        r[2] += 1
        self.skips.append((f"{group}/{name}", reason))


def first_line(s):
    lines = [l for l in s.strip().splitlines() if "level=warning" not in l]
    return (lines[0] if lines else "").strip()[:200]


def scenarios(suite, root):
    d = root / "compose-go/_generated/scenarios"
    for sc in json.loads((d / "scenarios.json").read_text()):
        argv = shlex.split(sc["command"])
        assert argv[:2] == ["docker", "compose"], argv
        argv = argv[2:]
        i = argv.index("config")
        global_args = argv[:i]
        rest = [a for a in argv[i + 1:]]
        # drop --format json (we add it)
        cfg = []
        skip = False
        for a in rest:
            if skip:
                skip = False
                continue
            if a == "--format":
                skip = True
                continue
            cfg.append(a)
        suite.compare("scenarios", sc["scenario"], d / sc["cwd"], global_args, cfg, sc.get("env", {}))


def overrides(suite, root):
    d = root / "compose-go/_extracted/override"
    for case in sorted(d.glob("*/*")):
        if (case / "base.yaml").exists():
            files = ["-f", "base.yaml", "-f", "override.yaml"]
        elif (case / "input.yaml").exists():
            files = ["-f", "input.yaml"]
        else:
            continue
        name = f"{case.parent.name}/{case.name}"
        # Fragments the oracle rejects (no image, undefined network…) must be rejected by komply too.
        suite.compare("override", name, case, ["-p", "demo", *files], ["--no-path-resolution"], {})


def interpolation(suite, root):
    data = json.loads((root / "compose-go/_generated/interpolation-cases.json").read_text())
    env = data["env"]
    tmp = Path(tempfile.mkdtemp(prefix="komply-interp-"))
    try:
        for i, case in enumerate(data["cases"]):
            cdir = tmp / f"c{i:02d}"
            cdir.mkdir()
            t = case["template"]
            (cdir / "compose.yaml").write_text(
                "services:\n  s:\n    image: busybox\n    environment:\n      V: " + json.dumps(t) + "\n"
            )
            suite.compare("interpolation", f"{i:02d} {t}", cdir, ["-p", "demo", "-f", "compose.yaml"], ["--no-path-resolution"], env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def full_example(suite, root):
    d = root / "compose-go/loader"
    env = {"HOME": "/home/user", "BAR": "this is a secret", "QUX": "qux_from_environment"}
    suite.compare("full-example", "full-example.yml", d, ["-p", "demo", "-f", "full-example.yml"], ["--no-path-resolution"], env)


def is_compose(path):
    name = path.name
    if name.startswith("output") or "-k8s" in name or "-os" in name:
        return False
    try:
        text = path.read_text()
    except (UnicodeDecodeError, OSError):
        return False
    return "services:" in text


def kompose(suite, root):
    base = root / "kompose"
    files = sorted(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file() and is_compose(p))
    for f in files:
        rel = f.relative_to(base)
        suite.compare("kompose", str(rel), f.parent, ["-p", "kompose", "-f", f.name], ["--no-path-resolution"], {})


def kompose_resolved(suite, root):
    """The same inputs with path resolution on (absolute paths from the same cwd)."""
    base = root / "kompose"
    files = sorted(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file() and is_compose(p))
    for f in files:
        rel = f.relative_to(base)
        suite.compare("kompose-resolved", str(rel), f.parent, ["-p", "kompose", "-f", f.name], [], {})


def compose_go_testdata(suite, root):
    """Every compose file of compose-go's loader/cli test data, loaded on its own."""
    base = root / "compose-go"
    files = sorted(
        p
        for d in ("loader/testdata", "cli/testdata", "schema")
        for p in (base / d).rglob("*")
        if p.suffix in (".yaml", ".yml") and p.is_file() and "remote" not in p.parts
    )
    env = {"HOME": "/home/user"}
    for f in files:
        rel = f.relative_to(base)
        suite.compare("compose-go-testdata", str(rel), f.parent, ["-p", "demo", "-f", f.name], ["--no-path-resolution"], env)


def fixtures(suite, root, repo):
    """Our own oracle-checked cases: tests/fixtures/compose/<case>/case.json = {args, env}."""
    base = repo / "tests/fixtures/compose"
    for case in sorted(base.glob("*/case.json")):
        spec = json.loads(case.read_text())
        envs = [spec.get("env", {})] + [v["env"] for v in spec.get("variants", [])]
        for j, env in enumerate(envs):
            for i, args in enumerate(spec["runs"]):
                name = f"{case.parent.name}#{i}" + (f".{j}" if j else "")
                cwd = case.parent / spec.get("cwd", ".")
                suite.compare("fixtures", name, cwd, args, spec.get("config_args", ["--no-path-resolution"]), env)


def real_projects(suite, repo):
    """The real public Compose projects of tests/fixtures/real/ (projects.tsv: dir <TAB> files)."""
    base = repo / "tests/fixtures/real"
    for line in (base / "projects.tsv").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        d, _, files = line.partition("\t")
        args = ["-p", "real"]
        for f in filter(None, files.strip().split(",")):
            args += ["-f", f]
        name = d + (f"[{files.strip()}]" if files.strip() else "")
        suite.compare("real", name, base / d, args, [], {"HOME": "/home/user"})


def load_known(path):
    known = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition("  ")
            if not reason.strip():
                print(f"known-differences entry without a reason: {line}", file=sys.stderr)
                sys.exit(1)
            known[name.strip()] = reason.strip()
    return known


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", required=True)
    ap.add_argument("--komply", required=True)
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--known", required=True)
    ap.add_argument("--only", default=None, help="run one group")
    args = ap.parse_args()
    root = Path(args.shared) / "corpus"
    suite = Suite(args.komply, args.oracle, load_known(Path(args.known)))
    groups = {
        "scenarios": scenarios,
        "override": overrides,
        "interpolation": interpolation,
        "full-example": full_example,
        "kompose": kompose,
        "kompose-resolved": kompose_resolved,
        "compose-go-testdata": compose_go_testdata,
        "fixtures": lambda s, r: fixtures(s, r, Path(__file__).resolve().parent.parent),
        "real": lambda s, r: real_projects(s, Path(__file__).resolve().parent.parent),
    }
    for name, fn in groups.items():
        if args.only and name != args.only:
            continue
        fn(suite, root)
    for name, detail in suite.failures:
        print(f"MISMATCH {name}\n{detail}")
    for name, reason in suite.skips:
        print(f"skipped {name}: {reason}")
    total_p = total_f = 0
    for g, (p, f, s) in suite.results.items():
        print(f"{g}: {p} passed, {f} failed, {s} skipped")
        total_p += p
        total_f += f
    stale = [k for k in suite.known if k not in suite.seen_known and (not args.only or k.startswith(args.only + "/"))]
    for k in stale:
        print(f"known difference {k} was not seen: remove it from the list")
    print(f"{total_p} passed, {total_f} failed")
    unexplained = [n for n, _ in suite.failures]
    sys.exit(1 if unexplained or stale else 0)


if __name__ == "__main__":
    main()
