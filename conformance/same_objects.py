"""Compares two sets of Kubernetes objects as objects (order-insensitive), for the integration
suites: `python same_objects.py EXPECTED ACTUAL [--generated-secret NAME KEY,KEY…]` where each
is a YAML stream file, a directory of YAML files, or `-` (stdin). With `--generated-secret`, ACTUAL
holds a kustomize-generated Secret `NAME-<hash>` that EXPECTED (komply convert in `secrets:
generator` mode) leaves out: it must exist with exactly those keys, every reference to it must
use its hashed name, and it is then removed and the references put back to NAME. Function bookkeeping annotations (config.kubernetes.io/*,
internal.config.kubernetes.io/*, config.k8s.io/id, kustomize.config.k8s.io/*) are ignored, and
so is an `annotations: {}` left empty by removing them. Prints every difference; exit 1 if any."""
import difflib
import json
import os
import sys

import yaml

BOOKKEEPING = ("config.kubernetes.io/", "internal.config.kubernetes.io/", "config.k8s.io/",
               "kustomize.config.k8s.io/")


def load(arg):
    if arg == "-":
        texts = [sys.stdin.read()]
    elif os.path.isdir(arg):
        texts = []
        for dirpath, _, names in sorted(os.walk(arg)):
            for n in sorted(names):
                if n.endswith((".yaml", ".yml")) and not n.startswith("."):
                    with open(os.path.join(dirpath, n)) as f:
                        texts.append(f.read())
    else:
        with open(arg) as f:
            texts = [f.read()]
    objs = []
    for t in texts:
        for d in yaml.safe_load_all(t):
            if d is None:
                continue
            if d.get("kind", "").endswith("List") and isinstance(d.get("items"), list):
                objs.extend(d["items"])
            else:
                objs.append(d)
    for o in objs:
        meta = o.get("metadata") or {}
        ann = meta.get("annotations")
        if isinstance(ann, dict):
            for k in [k for k in ann if k.startswith(BOOKKEEPING)]:
                del ann[k]
            if not ann:
                del meta["annotations"]
    return objs


def key(o):
    m = o.get("metadata") or {}
    return (o.get("apiVersion", ""), o.get("kind", ""), m.get("namespace") or "", m.get("name", ""))


def replace_strings(v, old, new):
    if isinstance(v, dict):
        return {k: replace_strings(x, old, new) for k, x in v.items()}
    if isinstance(v, list):
        return [replace_strings(x, old, new) for x in v]
    return new if v == old else v


def take_generated_secret(got, name, keys):
    """Checks and removes the generated Secret; returns (objects, problems)."""
    secrets = [o for o in got if o.get("kind") == "Secret"
               and (o.get("metadata") or {}).get("name", "").startswith(name + "-")]
    if len(secrets) != 1:
        return got, [f"expected one generated Secret {name}-<hash>, found {len(secrets)}"]
    s = secrets[0]
    hashed = s["metadata"]["name"]
    problems = []
    have = sorted((s.get("data") or {}).keys())
    if have != sorted(keys):
        problems.append(f"generated Secret {hashed} has keys {have}, expected {sorted(keys)}")
    rest = [replace_strings(o, hashed, name) for o in got if o is not s]
    if any(name + "-" in json.dumps(o) and hashed in json.dumps(o) for o in rest):
        problems.append(f"a reference to {hashed} was left")
    return rest, problems


def main():
    args = sys.argv[1:]
    generated = None
    if "--generated-secret" in args:
        i = args.index("--generated-secret")
        generated = (args[i + 1], [k for k in args[i + 2].split(",") if k])
        del args[i:i + 3]
    want, got = load(args[0]), load(args[1])
    pre = []
    if generated:
        got, pre = take_generated_secret(got, *generated)
        for p in pre:
            print(p)
    w = {key(o): o for o in want}
    g = {key(o): o for o in got}
    bad = len(pre)
    for k in sorted(set(w) | set(g)):
        name = "/".join(p for p in k if p)
        if k not in g:
            print(f"missing: {name}")
            bad += 1
        elif k not in w:
            print(f"unexpected: {name}")
            bad += 1
        elif w[k] != g[k]:
            a = json.dumps(w[k], indent=1, sort_keys=True).splitlines()
            b = json.dumps(g[k], indent=1, sort_keys=True).splitlines()
            print(f"differs: {name}")
            for line in difflib.unified_diff(a, b, "expected", "actual", lineterm="", n=2):
                print("    " + line)
            bad += 1
    if len(want) != len(w) or len(got) != len(g):
        print(f"duplicate objects: {len(want)} vs {len(w)} expected, {len(got)} vs {len(g)} actual")
        bad += 1
    print(f"{len(w)} expected, {len(g)} actual, {bad} differences")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
