#!/usr/bin/env python3
"""Differential test of komply's YAML reading against the real Docker Compose and kubectl.

Every layout of `yaml_cases.py` is written twice: as a Compose file (read by Docker Compose
v2.40.3: `docker-compose config --format json`, go-yaml v3 through compose-go) and as a
Kubernetes object (read by kubectl: `kubectl label --local -f DIR -o json`, go-yaml v2 through
sigs.k8s.io/yaml). `kubectl create --dry-run=client -f` needs the API server's discovery to map
kinds to resources even in dry-run; `--local` on `label` takes the same reading path
(cli-runtime's builder: YAMLOrJSONDecoder → sigs.k8s.io/yaml → unstructured) without a server.

komply reads the same files through `komply yaml-json --as compose|kubernetes` (compose: each
file loaded as its own project, exactly as `komply config --format json`; kubernetes: as
`komply lint` reads manifests). Both acceptance and the resulting value are compared; numbers
compare by value (JSON cannot tell 1 from 1.0), everything else exactly.

Batching keeps it fast: kubectl reads one directory of files in one call; Compose reads many
cases concatenated into one file (their keys are unique), and when a batch fails it is split
until the failing case is found. Cases komply rejects are confirmed one file at a time.

Exit 1 on any difference not listed in the known-differences file (`oracle<TAB>case<TAB>reason`)
and on any listed difference that no longer occurs.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from yaml_cases import all_cases  # noqa: E402

COMPOSE_HEADER = "services:\n  s:\n    image: x\n"
BATCH = 250


def key_of(n):
    return f"x-c{n}"


def render(case, n, target):
    """The file text of case number n for `compose` or `kube`."""
    docs = []
    for j, d in enumerate(case.docs):
        body = d.replace("@K", key_of(n)).replace("@A", f"a{n}")
        if target == "kube":
            head = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{n}-{j}\n"
        else:
            head = COMPOSE_HEADER if j == 0 else ""
        docs.append(head + body)
    text = case.prefix
    for j, d in enumerate(docs):
        if j > 0:
            text += case.sep + "\n"
        text += d
    text += case.suffix
    if case.crlf:
        text = text.replace("\n", "\r\n")
    if case.bom:
        text = "\ufeff" + text
    return text


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def short(v, n=300):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "…"


def run(cmd, cwd=None, timeout=120):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp",
                            "NO_COLOR": "1"})
    return p.returncode, p.stdout, p.stderr


def shown_id(cid):
    return cid.encode("unicode_escape").decode("ascii")


class Differences:
    def __init__(self, known_path):
        self.known = {}
        for line in Path(known_path).read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 3:
                sys.exit(f"{known_path}: bad line (want oracle<TAB>case<TAB>reason): {line!r}")
            self.known[(parts[0], parts[1])] = parts[2]
        self.found = []  # (oracle, id, detail)

    def add(self, oracle, cid, detail):
        self.found.append((oracle, shown_id(cid), detail))

    def report(self, oracles):
        unlisted = [f for f in self.found if (f[0], f[1]) not in self.known]
        found_keys = {(f[0], f[1]) for f in self.found}
        stale = [k for k in self.known if k[0] in oracles and k not in found_keys]
        for o, cid, detail in unlisted:
            print(f"DIFFERENCE [{o}] {cid}\n    {detail}")
        for o, cid in stale:
            print(f"LISTED BUT GONE [{o}] {cid} (remove it from the known-differences file)")
        listed = len(self.found) - len(unlisted)
        return unlisted, stale, listed


def parse_json_stream(text):
    dec = json.JSONDecoder()
    i, out = 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        v, i = dec.raw_decode(text, i)
        out.append(v)


def komply_read(komply, dialect, files, cwd):
    """komply yaml-json over files (in chunks, to keep command lines short): name → line."""
    out = {}
    for i in range(0, len(files), 2000):
        chunk = files[i:i + 2000]
        code, stdout, stderr = run([komply, "yaml-json", "--as", dialect, *chunk], cwd=cwd)
        if code != 0:
            sys.exit(f"komply yaml-json failed (exit {code}): {stderr[:2000]}")
        for line in stdout.split("\n"):
            if not line:
                continue
            rec = json.loads(line)
            out[rec["file"]] = rec
    return out


# ---- kubectl ---------------------------------------------------------------------------------

def check_kubectl(cases, work, komply, kubectl, diffs):
    d = work / "kube"
    d.mkdir()
    names = []
    for n, c in enumerate(cases):
        if c.only == "compose":
            continue
        name = f"c{n}.yaml"
        (d / name).write_text(render(c, n, "kube"), encoding="utf-8", newline="")
        names.append(name)
    code, stdout, stderr = run([kubectl, "label", "--local", "-f", ".", "-o", "json",
                                "komply-probe=1"], cwd=d, timeout=300)
    rejected = {}
    for line in stderr.split("\n"):
        m = re.search(r"\bc(\d+)\.yaml\b", line)
        if m:
            rejected.setdefault(int(m.group(1)), line.strip())
        elif line.strip():
            sys.exit(f"kubectl: unexpected message: {line}")
    objects = {}
    for obj in parse_json_stream(stdout):
        labels = obj.get("metadata", {}).get("labels", {})
        labels.pop("komply-probe", None)
        if not labels:
            obj["metadata"].pop("labels", None)
        m = re.fullmatch(r"c(\d+)-(\d+)", obj["metadata"]["name"])
        objects.setdefault(int(m.group(1)), []).append((int(m.group(2)), obj))
    ours = komply_read(komply, "kubernetes", names, d)
    stats = {"cases": len(names), "accepted": 0, "rejected": 0}
    for n, c in enumerate(cases):
        if c.only == "compose":
            continue
        rec = ours[f"c{n}.yaml"]
        o_ok = n not in rejected
        k_ok = "documents" in rec
        stats["accepted" if o_ok else "rejected"] += 1
        if o_ok != k_ok:
            if o_ok:
                diffs.add("kubectl", c.id, f"kubectl accepts, komply rejects: {rec['error'][:300]}")
            else:
                diffs.add("kubectl", c.id, f"kubectl rejects ({rejected[n][:200]}), komply accepts")
            continue
        if o_ok:
            want = [o for _, o in sorted(objects.get(n, []), key=lambda t: t[0])]
            got = rec["documents"]
            if not same(want, got):
                diffs.add("kubectl", c.id, f"kubectl {short(want)}\n    komply  {short(got)}")
    return stats


# ---- Docker Compose --------------------------------------------------------------------------

class Compose:
    def __init__(self, oracle, work):
        self.oracle = oracle
        self.work = work
        self.calls = 0
        self.counter = 0

    def config(self, files):
        """(ok, json or error text) for a project of these files (absolute paths)."""
        self.calls += 1
        args = [self.oracle, "-p", "t", "--project-directory", str(self.work)]
        for f in files:
            args += ["-f", str(f)]
        code, out, err = run(args + ["config", "--format", "json"], timeout=300)
        if code == 0:
            return True, json.loads(out)
        return False, err.strip()

    def batch_file(self, cases_with_n, bom, crlf):
        self.counter += 1
        text = COMPOSE_HEADER + "".join(
            c.docs[0].replace("@K", key_of(n)).replace("@A", f"a{n}") for n, c in cases_with_n)
        if crlf:
            text = text.replace("\n", "\r\n")
        if bom:
            text = "\ufeff" + text
        p = self.work / "batch" / f"b{self.counter}.yaml"
        p.write_text(text, encoding="utf-8", newline="")
        return p


def case_keys(value, n):
    k = key_of(n)
    return {key: v for key, v in value.items() if key == k or key.startswith(k + "-")}


def check_compose(cases, work, komply, oracle, diffs):
    d = work / "compose"
    d.mkdir()
    (work / "batch").mkdir()
    names = {}
    for n, c in enumerate(cases):
        if c.only == "kube":
            continue
        name = f"c{n}.yaml"
        (d / name).write_text(render(c, n, "compose"), encoding="utf-8", newline="")
        names[n] = name
    ours = komply_read(komply, "compose", list(names.values()), d)
    compose = Compose(oracle, work)
    stats = {"cases": len(names), "accepted": 0, "rejected": 0}
    accepted = {n: ours[names[n]] for n in names if "value" in ours[names[n]]}
    rejected = [n for n in names if "value" not in ours[names[n]]]

    # Cases komply rejects: the oracle must reject each file on its own.
    def one(n):
        ok, res = compose.config([d / names[n]])
        return n, ok, res
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for n, ok, res in pool.map(one, rejected):
            stats["accepted" if ok else "rejected"] += 1
            if ok:
                err = ours[names[n]]["error"]
                diffs.add("compose", cases[n].id,
                          f"Docker Compose accepts ({short(case_keys(res, n))}), komply rejects: {err[:300]}")

    # Cases komply accepts: compared in batches; a failing batch is split to find the case.
    def compare_values(oracle_value, n, ours_value):
        want, got = case_keys(oracle_value, n), case_keys(ours_value, n)
        if not same(want, got):
            diffs.add("compose", cases[n].id, f"compose {short(want)}\n    komply  {short(got)}")

    def settle(group, bom, crlf):
        """Compares a group of batchable accepted cases, splitting on failure."""
        path = compose.batch_file([(n, cases[n]) for n in group], bom, crlf)
        ok, res = compose.config([path])
        if ok:
            mine = komply_read(komply, "compose", [str(path)], work)[str(path)]
            if "value" not in mine:
                # Read alone, each case passed: the batch itself is at fault; compare one by one.
                for n in group:
                    settle_single(n)
                return
            for n in group:
                stats["accepted"] += 1
                compare_values(res, n, mine["value"])
            return
        if len(group) == 1:
            settle_single(group[0])
            return
        half = len(group) // 2
        settle(group[:half], bom, crlf)
        settle(group[half:], bom, crlf)

    def settle_single(n):
        ok, res = compose.config([d / names[n]])
        if ok:
            stats["accepted"] += 1
            compare_values(res, n, accepted[n]["value"])
        else:
            stats["rejected"] += 1
            diffs.add("compose", cases[n].id, f"Docker Compose rejects ({res[:300]}), komply accepts")

    groups = {}
    singles = []
    for n in accepted:
        c = cases[n]
        if c.batchable:
            groups.setdefault((c.bom, c.crlf), []).append(n)
        else:
            singles.append(n)
    for (bom, crlf), ns in groups.items():
        for i in range(0, len(ns), BATCH):
            settle(ns[i:i + BATCH], bom, crlf)

    # Cases that must stay whole files: several files per project (Compose merges them).
    def settle_files(ns):
        ok, res = compose.config([d / names[n] for n in ns])
        if ok:
            for n in ns:
                stats["accepted"] += 1
                compare_values(res, n, accepted[n]["value"])
        elif len(ns) == 1:
            settle_single(ns[0])
        else:
            settle_files(ns[: len(ns) // 2])
            settle_files(ns[len(ns) // 2:])
    for i in range(0, len(singles), 40):
        settle_files(singles[i:i + 40])
    stats["oracle calls"] = compose.calls
    return stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--komply", required=True)
    ap.add_argument("--oracle", required=True, help="docker-compose binary")
    ap.add_argument("--kubectl", default="kubectl")
    ap.add_argument("--known", required=True)
    ap.add_argument("--only", choices=["compose", "kubectl"])
    ap.add_argument("--keep", help="write the generated files here instead of a temporary dir")
    args = ap.parse_args()
    started = time.monotonic()
    cases = all_cases()
    diffs = Differences(args.known)
    # Thousands of small files: in memory when possible (deleting them from a disk mounted with
    # `discard` took longer than the comparison).
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="komply-yamldiff-", dir=shm))
    if args.keep:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    try:
        oracles = []
        if args.only in (None, "kubectl"):
            if not shutil.which(args.kubectl):
                sys.exit("kubectl not found")
            t = time.monotonic()
            s = check_kubectl(cases, work, args.komply, args.kubectl, diffs)
            print(f"[{time.monotonic() - started:.1f}s] kubectl: {s['cases']} cases ({s['accepted']} read, {s['rejected']} refused), "
                  f"{time.monotonic() - t:.1f}s")
            oracles.append("kubectl")
        if args.only in (None, "compose"):
            t = time.monotonic()
            s = check_compose(cases, work, args.komply, args.oracle, diffs)
            print(f"[{time.monotonic() - started:.1f}s] compose: {s['cases']} cases ({s['accepted']} read, {s['rejected']} refused), "
                  f"{s['oracle calls']} docker-compose calls, {time.monotonic() - t:.1f}s")
            oracles.append("compose")
    finally:
        if not args.keep:
            t = time.monotonic()
            shutil.rmtree(work, ignore_errors=True)
            print(f"[{time.monotonic() - started:.1f}s] cleaned up in {time.monotonic() - t:.1f}s")
    unlisted, stale, listed = diffs.report(oracles)
    print(f"{len(cases)} generated layouts, {len(diffs.found)} differences "
          f"({listed} listed with a reason, {len(unlisted)} unlisted), {len(stale)} stale entries; "
          f"{time.monotonic() - started:.1f}s")
    sys.exit(1 if unlisted or stale else 0)


if __name__ == "__main__":
    main()
