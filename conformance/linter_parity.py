#!/usr/bin/env python3
"""Linter parity: komply's verdicts vs kube-linter, kube-score, Polaris and Checkov fixtures.

For every fixture whose peer check maps to komply rules, run `komply lint --format json` on it and
compare the verdict per unit (object, container, or file — whatever the peer's expectation is
about). A difference fails unless `conformance/known-differences/linter-parity.txt` lists it
with a reason. A listed difference that no longer happens also fails (the list must stay true).

usage: linter_parity.py KOMPLY_BIN CORPUS_LINTERS_DIR KNOWN_DIFFERENCES_FILE
"""

import json
import os
import subprocess
import sys
import tempfile

# peer check -> komply rule ids whose findings make komply's verdict "finding".
KUBE_LINTER = {
    "run-as-non-root": ["KP101"],
    "privileged-container": ["KP102"],
    "privilege-escalation-container": ["KP103"],
    "no-read-only-root-fs": ["KP106"],
    "drop-net-raw-capability": ["KP104", "KP105"],
    "unset-cpu-requirements": ["KP201"],
    "unset-memory-requirements": ["KP203"],
    "latest-tag": ["KP301"],
    "no-liveness-probe": ["KP402"],
    "no-readiness-probe": ["KP401"],
    "liveness-port": ["KP403:livenessProbe"],
    "readiness-port": ["KP403:readinessProbe"],
    "startup-port": ["KP403:startupProbe"],
    "no-anti-affinity": ["KP508"],
    "dangling-horizontalpodautoscaler": ["KP502"],
    "dangling-service": ["KP501"],
    "env-var-secret": ["KP109"],
}

# kube-score check id -> (rules, which object kinds the check runs on)
WORKLOAD = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
            "ReplicationController"]
KUBE_SCORE = {
    "container-resources": (["KP201", "KP202", "KP203"], WORKLOAD),
    "container-image-tag": (["KP301"], WORKLOAD),
    "container-image-pull-policy": (["KP303"], WORKLOAD),
    "pod-probes": (["KP401"], WORKLOAD),
    "pod-probes-identical": (["KP404"], WORKLOAD),
    "service-targets-pod": (["KP501"], ["Service"]),
    "horizontalpodautoscaler-has-target": (["KP502"], ["HorizontalPodAutoscaler"]),
    "deployment-targeted-by-hpa-does-not-have-replicas-configured": (["KP504"], ["Deployment"]),
    "deployment-has-host-podantiaffinity": (["KP508"], ["Deployment"]),
    "statefulset-has-host-podantiaffinity": (["KP508"], ["StatefulSet"]),
    "container-security-context-privileged": (["KP102"], WORKLOAD),
    "container-security-context-readonlyrootfilesystem": (["KP106"], WORKLOAD),
    "container-security-context-user-group-id": (["KP101"], WORKLOAD),
}

POLARIS = {
    "runAsRootAllowed": ["KP101"],
    "runAsPrivileged": ["KP102"],
    "privilegeEscalationAllowed": ["KP103"],
    "notReadOnlyRootFilesystem": ["KP106"],
    "insecureCapabilities": ["KP104"],
    "dangerousCapabilities": ["KP105"],
    "cpuRequestsMissing": ["KP201"],
    "memoryRequestsMissing": ["KP202"],
    "memoryLimitsMissing": ["KP203"],
    "tagNotSpecified": ["KP301"],
    "pullPolicyNotAlways": ["KP303"],
    "livenessProbeMissing": ["KP402"],
    "readinessProbeMissing": ["KP401"],
    "sensitiveContainerEnvVar": ["KP109"],
}

CHECKOV = {
    "CKV_K8S_23": ["KP101"],
    "CKV_K8S_16": ["KP102"],
    "CKV_K8S_20": ["KP103"],
    "CKV_K8S_22": ["KP106"],
    "CKV_K8S_37": ["KP104"],
    "CKV_K8S_25": ["KP105"],
    "CKV_K8S_39": ["KP105"],
    "CKV_K8S_10": ["KP201"],
    "CKV_K8S_12": ["KP202"],
    "CKV_K8S_13": ["KP203"],
    "CKV_K8S_14": ["KP301"],
    "CKV_K8S_43": ["KP302"],
    "CKV_K8S_15": ["KP303"],
    "CKV_K8S_8": ["KP402"],
    "CKV_K8S_9": ["KP401"],
}

# Opt-in rules the mapping needs.
CONFIG = "rules:\n  enable: [image-digest]\n"


class Runner:
    def __init__(self, komply, config):
        self.komply = komply
        self.config = config
        self.cache = {}

    def lint(self, files):
        key = tuple(files)
        if key not in self.cache:
            p = subprocess.run(
                [self.komply, "lint", "--format", "json", "--fail-on", "never",
                 "--config", self.config, *files],
                capture_output=True, text=True)
            if p.returncode not in (0, 1, 2) or not p.stdout.strip():
                raise SystemExit(f"komply lint {' '.join(files)} exited {p.returncode}:\n{p.stderr}{p.stdout[:2000]}")
            self.cache[key] = json.loads(p.stdout)
        return self.cache[key]


def invalid(report):
    """komply refused the input (KP001): its verdict is "invalid input", not pass or fail."""
    return any(f["rule"] == "KP001" for f in report["findings"])


def rule_hit(f, rules):
    for r in rules:
        rid, _, needle = r.partition(":")
        if f["rule"] == rid and (not needle or needle in f["message"]):
            return True
    return False


def objects_in_order(files):
    """(kind, name) of every document, in file order, without a YAML library: read through
    `komply lint --format json` would lose objects without findings, so parse minimally."""
    out = []
    for path in files:
        kind = name = None
        in_meta = False
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        if path.endswith(".json"):
            try:
                d = json.loads(text)
                out.append((d.get("kind"), (d.get("metadata") or {}).get("name")))
            except ValueError:
                pass
            continue
        for line in text.splitlines() + ["---"]:
            if line.startswith("---"):
                if kind:
                    out.append((kind, name))
                kind = name = None
                in_meta = False
                continue
            if line.startswith("kind:"):
                kind = line.split(":", 1)[1].strip().strip("'\"")
            elif line.startswith("metadata:"):
                in_meta = True
            elif in_meta and line.startswith("  name:") and name is None:
                name = line.split(":", 1)[1].strip().strip("'\"")
            elif line and not line.startswith(" ") and not line.startswith("#"):
                in_meta = False
    return out


def main():
    komply, corpus, known_path = sys.argv[1:4]
    known = {}
    with open(known_path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, reason = line.partition(" -- ")
            if not sep or not reason.strip():
                raise SystemExit(f"{known_path}:{n}: expected `TOOL CHECK FIXTURE UNIT -- reason`")
            known[" ".join(key.split())] = reason.strip()
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as cfg:
        cfg.write(CONFIG)
    run = Runner(komply, cfg.name)
    results = {}  # tool -> list of (key, peer, ours, rules)

    def compare(tool, check, fixture, unit, peer_fires, our_fires, rules):
        key = " ".join([tool, check, fixture, unit])
        results.setdefault(tool, []).append((key, peer_fires, our_fires, rules))

    # kube-linter: per object (or per container for the *-port checks).
    kl = json.load(open(os.path.join(corpus, "kube-linter/expected.json")))
    for t in kl["tests"]:
        rules = KUBE_LINTER.get(t["check"])
        if not rules:
            continue
        path = os.path.join(corpus, "kube-linter", t["fixture"])
        report = run.lint([path])
        findings = [f for f in report["findings"] if not f["suppressed"] and rule_hit(f, rules)]
        seen = set()
        for u in t["units_by_naming_convention"]:
            kind, name = u["object"].split("/", 1)
            containers = u.get("containers")
            if containers is None:
                containers = [u["container"]]
            unit = f"{u['object']}[{','.join(containers)}]"
            if unit in seen:
                continue
            seen.add(unit)

            def mine(f):
                o = f.get("object") or {}
                if o.get("kind") != kind:
                    return False
                if name != "None" and o.get("name") != name:
                    return False
                return not containers or f.get("container") in containers or f.get("container") is None
            compare("kube-linter", t["check"], t["fixture"], unit, u["expect"] == "finding",
                    "invalid-input" if invalid(report) else any(mine(f) for f in findings), rules)

    # kube-score: the first object the check runs on, graded.
    ks = json.load(open(os.path.join(corpus, "kube-score/expected.json")))
    for c in ks["cases"]:
        mapping = KUBE_SCORE.get(c["check_id"])
        grade = c["expected_grade"]
        if not mapping or grade not in ("AllOK", "AlmostOK", "Warning", "Critical"):
            continue  # skipped / annotation-driven cases say nothing about a verdict
        if any(rc.endswith("Annotation") for rc in c["run_config"]):
            continue  # driven by kube-score's own annotations
        rules, kinds = mapping
        paths = [os.path.join(corpus, "kube-score", f) for f in c["fixtures"]]
        objs = [o for o in objects_in_order(paths) if o[0] in kinds]
        if not objs:
            continue
        kind, name = objs[0]
        report = run.lint(paths)
        findings = [f for f in report["findings"] if not f["suppressed"] and rule_hit(f, rules)]
        ours = "invalid-input" if invalid(report) else any((f.get("object") or {}).get("kind") == kind and (f.get("object") or {}).get("name") == name
                   for f in findings)
        rc = ("[" + ",".join(c["run_config"]) + "]") if c["run_config"] else ""
        compare("kube-score", c["check_id"] + rc, ",".join(c["fixtures"]), f"{kind}/{name}",
                grade in ("Warning", "Critical"), ours, rules)

    # Polaris: per file, FAIL = at least one danger.
    po = json.load(open(os.path.join(corpus, "polaris/expected.json")))
    for c in po["cases"]:
        rules = POLARIS.get(c["check"])
        if not rules or c["kind"] != "audit":
            continue
        path = os.path.join(corpus, "polaris", c["fixture"])
        report = run.lint([path])
        findings = [f for f in report["findings"] if not f["suppressed"] and rule_hit(f, rules)]
        compare("polaris", c["check"], c["fixture"], "file", c["expected"].startswith("FAIL"),
                "invalid-input" if invalid(report) else bool(findings), rules)

    # Checkov: per resource (Kind.namespace.name) as reported by checkov 3.3.30.
    ck = json.load(open(os.path.join(corpus, "checkov/expected.json")))
    for c in ck["cases"]:
        rules = CHECKOV.get(c["check_id"])
        if not rules:
            continue
        seen = set()
        for r in c["per_resource"]:
            if r["result"] not in ("PASSED", "FAILED"):
                continue
            unit = f"{r['file']}#{r['resource']}"
            if unit in seen:
                continue  # checkov reports two same-named pods under one id
            seen.add(unit)
            kind, ns, name = r["resource"].split(".", 2)
            path = os.path.join(corpus, "checkov", r["file"])
            report = run.lint([path])
            findings = [f for f in report["findings"] if not f["suppressed"] and rule_hit(f, rules)]
            ours = "invalid-input" if invalid(report) else any((f.get("object") or {}).get("kind") == kind
                       and (f.get("object") or {}).get("name") == name
                       and ((f.get("object") or {}).get("namespace") or "default") == ns
                       for f in findings)
            compare("checkov", c["check_id"], r["file"], r["resource"],
                    r["result"] == "FAILED", ours, rules)

    passed = failed = 0
    observed = set()
    verdict = lambda b: b if isinstance(b, str) else ("finding" if b else "no-finding")
    for tool in ("kube-linter", "kube-score", "polaris", "checkov"):
        rows = results.get(tool, [])
        agree = [r for r in rows if r[1] == r[2]]
        differ = [r for r in rows if r[1] != r[2]]
        print(f"{tool}: {len(agree)} agree, {len(differ)} differ")
        passed += len(agree)
        for key, peer, ours, rules in differ:
            observed.add(key)
            reason = known.get(key)
            tag = "known" if reason else "UNEXPECTED"
            print(f"  {tag}: {key}: {tool}={verdict(peer)} komply={verdict(ours)} ({'+'.join(rules)})")
            if reason:
                print(f"      reason: {reason}")
                passed += 1
            else:
                failed += 1
    for key in sorted(set(known) - observed):
        print(f"  STALE known difference (no longer differs; remove it): {key}")
        failed += 1
    os.unlink(cfg.name)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
