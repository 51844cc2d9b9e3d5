#!/usr/bin/env python3
"""`komply convert` over the kompose corpus.

1. Every compose input listed in corpus/kompose/INDEX.md: komply must convert it exactly when the
   Docker Compose oracle accepts it (`docker compose config`), and reject it (exit 2) when the
   oracle rejects it. Every object komply emits must validate with komply's strict schemas
   (`komply lint`, rules KP601/KP602) and with `kubernetes-validate --strict -k 1.37.0` (CRDs,
   which kubernetes-validate has no schema for, are validated by komply only).
2. The 44 kompose comparisons of tests.sh: the objects komply emits (kind -> count) are compared
   with kompose's expected output. Every difference is intended and must be listed, with its
   reason, in the known-differences file (`<expected output> <Kind> kompose=N komply=M  reason`).

Exit 1 on any unlisted difference, any listed difference that no longer occurs, any conversion
disagreeing with the oracle, or any schema error. Prints `N passed, M failed` on its own line.
"""

import argparse
import collections
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(cmd, cwd, env=None, timeout=120):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/home/user", "NO_COLOR": "1"}
    base.update(env or {})
    try:
        p = subprocess.run(cmd, cwd=cwd, env=base, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "", "timeout"
    return p.returncode, p.stdout, p.stderr


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


def compose_inputs(index):
    rows = []
    for line in index.read_text().splitlines():
        m = re.match(r"\| `([^`]+)` \| compose-input \|", line)
        if m:
            rows.append(m.group(1))
    return rows


def kompose_commands(index):
    """(files, env, flags, expected) for each tests.sh comparison."""
    out = []
    for line in index.read_text().splitlines():
        m = re.match(r"\| `(.*kompose .*)` \| `([^`]+)` \|$", line)
        if not m:
            continue
        words = shlex.split(m.group(1))
        env, files, flags = {}, [], []
        i = 0
        while i < len(words) and "=" in words[i] and not words[i].startswith("-"):
            k, _, v = words[i].partition("=")
            env[k] = v
            i += 1
        words = words[i + 1 :]  # drop `kompose`
        j = 0
        while j < len(words):
            w = words[j]
            if w == "-f":
                files.append(words[j + 1])
                j += 2
                continue
            if w == "-n":
                flags += ["--namespace", words[j + 1]]
                j += 2
                continue
            j += 1
        if not files and "COMPOSE_FILE" in env:
            files = env.pop("COMPOSE_FILE").split()
        out.append((files, env, flags, m.group(2)))
    return out


def kinds_of_yaml_stream(text):
    counts = collections.Counter()
    for m in re.finditer(r"^kind: (\S+)\s*$", text, re.M):
        counts[m.group(1)] += 1
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", required=True)
    ap.add_argument("--komply", required=True)
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--kv", required=True, help="kubernetes-validate executable")
    ap.add_argument("--known", required=True)
    args = ap.parse_args()
    corpus = Path(args.shared) / "corpus" / "kompose"
    index = corpus / "INDEX.md"
    known = load_known(Path(args.known))
    seen_known = set()
    passed, failed = 0, 0
    failures = []
    converted = rejected = objects_total = oracle_ok = 0
    kinds_total = collections.Counter()
    slowest = (0.0, "")

    # 1. every compose input
    for rel in compose_inputs(index):
        path = corpus / rel
        cwd = path.parent
        orc, _, oerr = run([args.oracle, "-f", path.name, "config", "--format", "json"], cwd)
        oracle_ok += orc == 0
        with tempfile.TemporaryDirectory() as tmp:
            outdir = Path(tmp) / "out"
            t0 = time.monotonic()
            krc, _, kerr = run([args.komply, "convert", "-q", "-f", path.name, "-o", str(outdir)], cwd)
            elapsed = time.monotonic() - t0
            if elapsed > slowest[0]:
                slowest = (elapsed, rel)
            problems = []
            if orc == 0 and krc != 0:
                problems.append(f"oracle accepts, komply fails (exit {krc}): {kerr.strip()[:300]}")
            elif orc != 0 and krc == 0:
                problems.append(f"oracle rejects ({oerr.strip()[:160]}), komply converts")
            elif orc != 0 and krc != 2:
                problems.append(f"rejected with exit {krc}, not 2")
            if krc == 0:
                converted += 1
                files = sorted(outdir.glob("*.yaml")) if outdir.exists() else []
                objects_total += len(files)
                for f in files:
                    kinds_total.update(kinds_of_yaml_stream(f.read_text()))
                if files:
                    lrc, lout, lerr = run([args.komply, "lint", str(outdir), "--format", "json", "--fail-on", "never"], cwd)
                    try:
                        findings = json.loads(lout)["findings"]
                    except (ValueError, KeyError):
                        findings = None
                        problems.append(f"komply lint output unreadable: {lerr.strip()[:200]}")
                    for fnd in findings or []:
                        if fnd["rule"] in ("KP001", "KP601", "KP602"):
                            problems.append(f"komply schema: {fnd['message'][:200]}")
                    core = [str(f) for f in files if not f.name.endswith("-externalsecret.yaml")]
                    if core:
                        vrc, vout, verr = run([args.kv, "--strict", "-k", "1.37.0", "--quiet", *core], cwd)
                        if vrc != 0:
                            problems.append(f"kubernetes-validate: {(vout + verr).strip()[:400]}")
            elif orc != 0:
                rejected += 1
        key = f"input/{rel}"
        if problems:
            if key in known:
                seen_known.add(key)
                print(f"known difference {key}: {known[key]}")
                passed += 1
            else:
                failed += 1
                failures.append((key, problems))
        else:
            if key in known:
                seen_known.add(key)
                failed += 1
                failures.append((key, ["listed in known differences but now passes: remove it"]))
            else:
                passed += 1

    # 2. object kinds vs kompose's expected outputs
    for files, env, flags, expected in kompose_commands(index):
        exp_path = corpus / expected
        if not exp_path.exists():
            continue
        want = kinds_of_yaml_stream(exp_path.read_text())
        first = corpus / files[0]
        cwd = first.parent
        rel_files = [os.path.relpath(corpus / f, cwd) for f in files]
        cmd = [args.komply, "convert", "-q"]
        for f in rel_files:
            cmd += ["-f", f]
        krc, kout, kerr = run(cmd + flags, cwd, env)
        got = kinds_of_yaml_stream(kout) if krc == 0 else collections.Counter()
        if krc != 0:
            key = f"kinds/{expected} convert"
            diffs = [(key, f"komply fails: {kerr.strip()[:200]}")]
        else:
            diffs = []
            for kind in sorted(set(want) | set(got)):
                if want[kind] != got[kind]:
                    key = f"kinds/{expected} {kind} kompose={want[kind]} komply={got[kind]}"
                    diffs.append((key, "object count differs"))
        for key, msg in diffs:
            if key in known:
                seen_known.add(key)
                passed += 1
            else:
                failed += 1
                failures.append((key, [msg]))
        if not diffs:
            passed += 1

    stale = [k for k in known if k not in seen_known]
    for k in stale:
        failed += 1
        failures.append((k, ["listed in known differences but not seen: remove it"]))
    for key, problems in failures:
        print(f"FAIL {key}")
        for p in problems:
            print(f"  {p}")
    total = len(compose_inputs(index))
    print(f"kompose inputs: {total}; the oracle accepts {oracle_ok}; komply converts {converted}, "
          f"rejects {rejected} of the {total - oracle_ok} the oracle rejects")
    print(f"objects emitted and validated: {objects_total} ({', '.join(f'{k} {v}' for k, v in sorted(kinds_total.items()))})")
    print(f"slowest convert: {slowest[0]*1000:.0f} ms ({slowest[1]})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
