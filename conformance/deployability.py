#!/usr/bin/env python3
"""Would the converted workloads start? A judge over `komply convert` output.

For every project (the bundled examples and tests/fixtures/real/projects.tsv), converts it as a user would (`komply convert`, in the project's
directory, every profile enabled, a clean environment) and judges each workload from the
generated spec alone, with the kubelet's documented behaviour and the facts of data/images.yaml:

  refused-root      runAsNonRoot: true, no runAsUser, and the image runs as root or a user name
                    ("container has runAsNonRoot and image will run as root" / "… non-numeric user")
  unknown-user      as above for an image komply does not know: refused if it runs as root
  needs-root        the image cannot start without root (table: starts_as needs-root)
  not-writable      a path the image writes is not on a writable volume (table: writable, for the
                    uid the pod runs as, and every path under readOnlyRootFilesystem)
  volume-owner      a persistent volume mounted by a non-root pod without fsGroup (its root is
                    owned by root)
  data-init         a fresh volume at a data path the image cannot initialise (table: data_init)
  privileged-port   a port below 1024 bound by a non-root process without
                    net.ipv4.ip_unprivileged_port_start (capabilities do not survive exec)
  file-caps         a binary with file capabilities while the bounding set drops them (exec EPERM)
  oom               a memory limit below the image's documented need (table: min_memory)
  scaled-writer     more than one replica of a single-writer image or of a workload whose
                    ReadWriteOnce claim it shares
  unresolved-name   an environment value names another service that has no Service
  dropped-mount     a host path the service mounted is not carried over (a missing source inside
                    the project is not counted: Docker would mount an empty directory)
  split-volume      a named volume or host directory several services shared is backed by more
                    than one volume in the cluster (claim templates are per pod)
  probe             a probe that cannot succeed (warned by komply: a dropped file, a host that does
                    not resolve)
  node-setting      the image checks a node-level sysctl at start

Steps that are not edits but must happen before the pods start are counted apart: `secrets`
(ExternalSecret keys to create) and `push` (images of build-only services).

A workload "starts" when no reason applies; "after steps" when only steps do; otherwise it
"needs edits", and is "warned" when komply printed a located warning (file:line:col) about it
whose code covers each of its reasons. Every object is also validated strictly
(kubernetes-validate, when importable) and linted (`komply lint`, errors must be 0).

  deployability.py --komply BIN --root REPO [--env ENV] [--write FILE | --check FILE] [--json]
"""

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

WORKLOADS = {"Deployment", "StatefulSet", "Job", "CronJob"}
# Reasons that issue 12 items 3-6 address (config mounts, data directories, Services, start order).
OTHER_ITEMS = {"dropped-mount", "unresolved-name", "split-volume"}

# Reason → the warning codes (prefixes end with *) that tell the user about it.
COVERED_BY = {
    "refused-root": ["generate/unknown-image-user", "generate/user-name", "generate/image-runs-as-root"],
    "unknown-user": ["generate/unknown-image-user", "generate/user-name", "generate/image-runs-as-root"],
    "needs-root": ["generate/image-needs-root"],
    "privileged-port": ["generate/privileged-port"],
    "dropped-mount": ["generate/bind-mount*", "generate/mount*"],
    "split-volume": ["generate/bind-mount", "generate/shared-volume"],
    "probe": ["generate/probe-*"],
    "node-setting": ["generate/node-sysctl"],
    "data-init": ["generate/data-dir"],
    "unresolved-name": ["generate/dns*", "generate/service*", "generate/unreachable*"],
    "oom": [],
    "not-writable": [],
    "volume-owner": [],
    "file-caps": [],
    "scaled-writer": [],
}


# ---- the image table (same semantics as src/generate/image_profile.rs) --------------------------
def load_table(root):
    data = yaml.safe_load((root / "data/images.yaml").read_text())
    return data["images"]


def merge(base, patch):
    out = dict(base)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def parse_ref(image):
    rest, _, _digest = image.strip().partition("@")
    name, tag = rest, None
    i = rest.rfind(":")
    if i >= 0 and "/" not in rest[i:]:
        name, tag = rest[:i], rest[i + 1:]
    parts = [p for p in name.split("/") if p]
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    path = "/".join(parts).lower()
    j = path.rfind("library/")
    if j >= 0 and (j == 0 or path[:j].endswith("/")):
        path = path[j + len("library/"):]
    return path, tag


def seg_match(pat, s):
    return fnmatch.fnmatchcase(s, pat) if "*" in pat else pat == s


def pat_match(pat, path):
    ps, ss = pat.split("/"), path.split("/")
    if len(ss) < len(ps) or (len(ps) == 1 and len(ss) != 1):
        return False
    return all(seg_match(p, s) for p, s in zip(ps, ss[len(ss) - len(ps):]))


def lookup(table, image):
    path, tag = parse_ref(image or "")
    if not path:
        return None
    row = next((r for r in table if any("*" not in p and pat_match(p, path) for p in r["match"])), None)
    if row is None:
        row = next((r for r in table if any(pat_match(p, path) for p in r["match"])), None)
    if row is None:
        return None
    prof = {k: v for k, v in row.items() if k not in ("match", "variants")}
    for v in row.get("variants", []):
        if any(fnmatch.fnmatchcase(tag or "latest", t) for t in v["tags"]):
            prof = merge(prof, {k: x for k, x in v.items() if k != "tags"})
    return prof


# ---- running komply ----------------------------------------------------------------------------
def run(cmd, cwd):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", "NO_COLOR": "1"}
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


WARN = re.compile(r"^warning\[([^\]]+)\]: (.*)$")
LOC = re.compile(r"^\s*--> (\S+):(\d+):(\d+)")


def warnings_of(stderr):
    """(code, message, location) of every warning in komply's stderr."""
    out, cur = [], None
    for line in stderr.splitlines():
        m = WARN.match(line)
        if m:
            if cur:
                out.append(cur)
            cur = [m.group(1), m.group(2), None]
            continue
        m = LOC.match(line)
        if m and cur and cur[2] is None:
            cur[2] = f"{m.group(1)}:{m.group(2)}:{m.group(3)}"
    if cur:
        out.append(cur)
    return [tuple(w) for w in out]


def code_covers(code, patterns):
    return any(code.startswith(p[:-1]) if p.endswith("*") else code == p for p in patterns)


# ---- judging -----------------------------------------------------------------------------------
def quantity(q):
    if q is None:
        return None
    m = re.fullmatch(r"([0-9.]+)([KMGTE]i?)?", str(q))
    if not m:
        return None
    mult = {None: 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    return float(m.group(1)) * mult.get(m.group(2), 1)


def pod_of(obj):
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def hosts_in(value):
    """Host names an environment value points at: `name`, `name:port`, URLs."""
    value = str(value).strip()
    out = set()
    for m in re.finditer(r"[a-z][a-z0-9+.-]*://(?:[^@/\s]*@)?([A-Za-z0-9_.-]+)", value):
        out.add(m.group(1))
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)(?::\d+)?", value)
    if m:
        out.add(m.group(1))
    for part in value.split(","):
        m = re.fullmatch(r"\s*([A-Za-z0-9_.-]+):\d+\s*", part)
        if m:
            out.add(m.group(1))
    return out


def storage_reasons(objects, compose_services, pdir):
    """Workloads whose storage is not what Docker gave them, judged from the specs:
    `split`: a named volume or host directory several services shared, now backed by more than one
    persistent volume (per-pod claim templates), so they no longer see each other's files;
    `dropped`: a bind mount whose target the pod does not mount (or a ConfigMap above it does not
    carry), unless its source does not exist in the project — Docker would mount an empty
    directory there, and the image's own path is what the pod sees."""
    by_service = {}
    for o in objects:
        if o["kind"] in WORKLOADS:
            by_service[o["metadata"]["labels"].get("app.kubernetes.io/name", o["metadata"]["name"])] = o
    users, dropped = {}, set()
    project = Path(pdir).resolve()
    for cname, csvc in compose_services.items():
        o = by_service.get(cname) or by_service.get(re.sub(r"[^a-z0-9-]", "-", cname.lower()))
        if o is None:
            continue
        pod = pod_of(o)
        vols = {v["name"]: v for v in pod.get("volumes") or []}
        templates = {t["metadata"]["name"] for t in o["spec"].get("volumeClaimTemplates") or []}
        mounts = pod["containers"][0].get("volumeMounts") or []
        wname = o["metadata"]["name"]
        for m in csvc.get("volumes") or []:
            if m.get("type") not in ("volume", "bind") or not m.get("source"):
                continue
            target = m["target"].rstrip("/")
            here = next((x for x in mounts if x["mountPath"].rstrip("/") == target), None)
            if here is None:
                carried = any(
                    target.startswith(x["mountPath"].rstrip("/") + "/") and "configMap" in vols.get(x["name"], {})
                    for x in mounts
                )
                src = Path(m["source"])
                missing_in_project = m["type"] == "bind" and not src.exists() and project in src.parents
                if not carried and not missing_in_project:
                    dropped.add(wname)
                continue
            v = vols.get(here["name"], {})
            if "persistentVolumeClaim" in v:
                backing = "pvc/" + v["persistentVolumeClaim"]["claimName"]
            elif here["name"] in templates:
                backing = f"{wname}/{here['name']}"
            else:
                continue  # a ConfigMap or Secret (content), an emptyDir (scratch, logs: per pod by design)
            key = ("volume/" + m["source"]) if m["type"] == "volume" else ("host/" + m["source"])
            users.setdefault(key, set()).add((wname, backing))
    split = set()
    for members in users.values():
        if len({w for w, _ in members}) > 1 and len({b for _, b in members}) > 1:
            split |= {w for w, _ in members}
    return split, dropped


def judge_project(komply, table, pdir, files, env):
    cmd = [komply, "convert"]
    for f in files:
        cmd += ["-f", f]
    cmd += ["--profile", "*"]
    if env:
        cmd += ["--env", env]
    rc, out, err = run(cmd, pdir)
    if rc != 0:
        lines = err.strip().splitlines()
        first = next((x for x in lines if x.startswith("error")), lines[-1] if lines else f"exit {rc}")
        return {"error": first[:200]}
    objects = [o for o in yaml.safe_load_all(out) if o]
    warns = warnings_of(err)
    cfg_rc, cfg, _ = run([komply, "config"] + sum((["-f", f] for f in files), []) + ["--profile", "*"], pdir)
    compose = yaml.safe_load(cfg) if cfg_rc == 0 else {}
    compose_services = (compose or {}).get("services") or {}
    service_names = {o["metadata"]["name"] for o in objects if o["kind"] == "Service"}
    configmaps = {o["metadata"]["name"]: o.get("data") or {} for o in objects if o["kind"] == "ConfigMap"}
    split, dropped = storage_reasons(objects, compose_services, pdir)
    results = []
    for o in objects:
        if o["kind"] not in WORKLOADS:
            continue
        name = o["metadata"]["labels"].get("app.kubernetes.io/name", o["metadata"]["name"])
        csvc = next((v for k, v in compose_services.items() if k == name or re.sub(r"[^a-z0-9-]", "-", k.lower()) == name), {}) or {}
        pod = pod_of(o)
        c = pod["containers"][0]
        image = c.get("image", "")
        built = "image" not in csvc and "build" in csvc
        prof = None if built else lookup(table, image)
        kind = "known" if prof else ("built" if built else "unknown")
        psc, csc = pod.get("securityContext") or {}, c.get("securityContext") or {}
        non_root = csc.get("runAsNonRoot", psc.get("runAsNonRoot", False))
        uid = csc.get("runAsUser", psc.get("runAsUser"))
        reasons, steps = set(), set()
        # Who runs it.
        if non_root and uid is None:
            if prof is None:
                reasons.add("unknown-user")
            elif prof["starts_as"] == "needs-root":
                reasons.add("needs-root")
            elif not str(prof["image_user"]).isdigit():
                reasons.add("refused-root")
        elif prof and prof["starts_as"] == "needs-root" and uid not in (None, 0):
            reasons.add("needs-root")
        runs_non_root = (uid not in (None, 0)) or (non_root and prof is not None and str(prof.get("image_user", "")).isdigit())
        effective_uid = uid if uid is not None else (int(prof["image_user"]) if prof and str(prof.get("image_user", "")).isdigit() else None)
        # Volumes.
        vols = {v["name"]: v for v in pod.get("volumes") or []}
        templates = {t["metadata"]["name"] for t in o["spec"].get("volumeClaimTemplates") or []}
        mounts = c.get("volumeMounts") or []

        def persistent(n):
            return n in templates or "persistentVolumeClaim" in vols.get(n, {})

        def writable_vol(n):
            return persistent(n) or "emptyDir" in vols.get(n, {})

        def covered(path):
            for m in mounts:
                mp = m["mountPath"].rstrip("/")
                if "subPath" in m or m.get("readOnly") or not writable_vol(m["name"]):
                    continue
                if path == mp or path.startswith(mp + "/"):
                    return True
            return False

        read_only = bool(csc.get("readOnlyRootFilesystem"))
        if runs_non_root and any(persistent(m["name"]) and not m.get("readOnly") for m in mounts):
            if psc.get("fsGroup") is None and psc.get("runAsGroup") is None:
                reasons.add("volume-owner")
        if prof and runs_non_root:
            for w in prof.get("writable") or []:
                if "mounted" in w:
                    need = any(m["mountPath"] == w["mounted"] or m["mountPath"].startswith(w["mounted"] + "/") for m in mounts)
                else:
                    need = w["when"] == "always" or read_only
                if need and not covered(w["path"]):
                    reasons.add("not-writable")
            env_names = {e["name"]: e.get("value") for e in c.get("env") or []}
            for ref in c.get("envFrom") or []:
                for k, v in configmaps.get((ref.get("configMapRef") or {}).get("name"), {}).items():
                    env_names.setdefault(k, v)
            for init in prof.get("data_init") or []:
                m = next((m for m in mounts if m["mountPath"].rstrip("/") == init["path"] and writable_vol(m["name"])), None)
                if not m:
                    continue
                ok = "subPath" in m if "sub_path" in init else False
                for k in init.get("env") or {}:
                    v = env_names.get(k)
                    ok = ok or (v is not None and v.rstrip("/") != init["path"])
                if not ok:
                    reasons.add("data-init")
            drop_all = "ALL" in ((csc.get("capabilities") or {}).get("drop") or [])
            add = (csc.get("capabilities") or {}).get("add") or []
            if drop_all and any(cap not in add for cap in prof.get("file_capabilities") or []):
                reasons.add("file-caps")
            if prof.get("min_memory"):
                lim = quantity(((c.get("resources") or {}).get("limits") or {}).get("memory"))
                if lim is not None and lim < quantity(prof["min_memory"]):
                    reasons.add("oom")
            for s in prof.get("node_sysctls") or []:
                exempt = any(env_names.get(k) == v for k, v in (s.get("unless_env") or {}).items())
                if not exempt:
                    reasons.add("node-setting")
        # Ports below 1024.
        if runs_non_root or (non_root and uid is None and prof is None):
            ports = [p["containerPort"] for p in c.get("ports") or []]
            ports += (prof or {}).get("privileged_ports") or []
            low = [p for p in ports if p < 1024]
            if low and (effective_uid or 1) != 0:
                start = next((int(s["value"]) for s in psc.get("sysctls") or [] if s["name"] == "net.ipv4.ip_unprivileged_port_start"), 1024)
                if pod.get("hostNetwork") or start > min(low):
                    reasons.add("privileged-port")
        # Scaling.
        replicas = o["spec"].get("replicas", 1) or 1
        if replicas > 1 and o["kind"] in ("Deployment", "StatefulSet"):
            # A ReadWriteOnce claim attaches to one node: replicas elsewhere never start.
            rwo_claim = any("persistentVolumeClaim" in v for v in vols.values())
            if (prof and prof.get("single_instance")) or rwo_claim:
                reasons.add("scaled-writer")
        # Names the environment reaches.
        values = [e.get("value") for e in c.get("env") or [] if "value" in e]
        for ref in c.get("envFrom") or []:
            values += list(configmaps.get((ref.get("configMapRef") or {}).get("name"), {}).values())
        for v in values:
            for h in hosts_in(v):
                if h in compose_services and h != name and h not in service_names:
                    reasons.add("unresolved-name")
        # What komply said about this service.
        mine = [w for w in warns if f"service `{name}`" in w[1] or any(f"service `{k}`" in w[1] for k in compose_services if re.sub(r"[^a-z0-9-]", "-", k.lower()) == name)]
        wname = o["metadata"]["name"]
        if wname in dropped:
            reasons.add("dropped-mount")
        if wname in split:
            reasons.add("split-volume")
        if any(code_covers(w[0], COVERED_BY["probe"]) for w in mine):
            reasons.add("probe")
        if any((e.get("valueFrom") or {}).get("secretKeyRef") for e in c.get("env") or []) or any("secret" in v for v in vols.values()):
            steps.add("secrets")
        if built:
            steps.add("push")
        unwarned = sorted(r for r in reasons if not any(w[2] and code_covers(w[0], COVERED_BY[r]) for w in mine))
        warned = not unwarned
        verdict = "needs edits" if reasons else ("after steps" if steps else "starts")
        results.append({
            "workload": f'{o["kind"]}/{o["metadata"]["name"]}', "service": name, "image": image,
            "image_kind": kind, "verdict": verdict, "reasons": sorted(reasons), "steps": sorted(steps),
            "warned": warned, "unwarned": unwarned, "asked": asked_for(csvc),
        })
    return {"workloads": results, "objects": objects, "yaml": out}


def asked_for(csvc):
    """Lint rules the compose file asks to break on purpose (komply honours these keys and lint
    reports them; they are the user's decision, not the converter's)."""
    rules = set()
    user = str(csvc.get("user") or "")
    if user.split(":")[0] in ("0", "root"):
        rules.add("KP101")
    if csvc.get("privileged"):
        rules |= {"KP102", "KP103"}
    if csvc.get("network_mode") == "host" or csvc.get("pid") == "host" or csvc.get("ipc") == "host":
        rules.add("KP107")
    caps = [str(c).upper().removeprefix("CAP_") for c in csvc.get("cap_add") or []]
    if caps:
        rules.add("KP105")
    if "SYS_ADMIN" in caps or "ALL" in caps:
        rules.add("KP103")  # an added SYS_ADMIN always allows privilege escalation
    return sorted(rules)


def lint_errors(komply, text):
    p = subprocess.run([komply, "lint", "--format", "json", "--fail-on", "never", "-"], input=text,
                       capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(p.stdout)
    except json.JSONDecodeError:
        return [("lint-did-not-run", "", "lint did not run: " + p.stderr.strip()[:200])]
    return [(f["rule"], (f.get("object") or {}).get("name") or "", f["message"]) for f in report.get("findings", [])
            if f.get("severity") == "error" and not f.get("suppressed")]


def kv_errors(objects):
    try:
        import kubernetes_validate  # noqa: F401
        import kubernetes_validate.utils as kvu
    except ImportError:
        return None
    errs = []
    for o in objects:
        try:
            kvu.validate(o, "1.37.0", strict=True)
        except kvu.SchemaNotFoundError:
            continue  # CRDs (ExternalSecret…): validated by cargo test against komply's CRD schemas
        except kvu.ValidationError as e:
            errs.append(f'{o["kind"]}/{o["metadata"]["name"]}: {e.message}')
        except Exception as e:  # noqa: BLE001 (an unexpected verdict is still a failure)
            errs.append(f'{o["kind"]}/{o["metadata"]["name"]}: {e}')
    return errs


def projects(root):
    out = []
    for c in sorted((root / "examples").glob("*/compose.yaml")):
        out.append((f"examples/{c.parent.name}", c.parent, []))
    tsv = root / "tests/fixtures/real/projects.tsv"
    if tsv.is_file():
        for line in tsv.read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            d, _, f = line.partition("\t")
            files = [x for x in f.strip().split(",") if x]
            label = d + (f" ({files[0]}" + (f" +{len(files) - 1}" if len(files) > 1 else "") + ")" if files else "")
            out.append((f"real/{label}", root / "tests/fixtures/real" / d, files))
    return out


def render(rows, totals, env, komply_label):
    lines = []
    lines.append(f"| project | workloads | start | after steps | need edits | warned | reasons |")
    lines.append("|---|---:|---:|---:|---:|---:|---|")
    for label, r in rows:
        if "error" in r:
            lines.append(f"| {label} | – | – | – | – | – | does not convert: `{r['error'].replace('|', '/')}` |")
            continue
        w = r["workloads"]
        n = len(w)
        cnt = lambda v: sum(1 for x in w if x["verdict"] == v)  # noqa: E731
        edits = [x for x in w if x["verdict"] == "needs edits"]
        warned = sum(1 for x in edits if x["warned"])
        reasons = {}
        for x in edits:
            for rr in x["reasons"]:
                reasons[rr] = reasons.get(rr, 0) + 1
        rs = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
        lines.append(f"| {label} | {n} | {cnt('starts')} | {cnt('after steps')} | {len(edits)} | {warned}/{len(edits)} | {rs} |")
    return "\n".join(lines)


# Measured with komply at 0cd4921 (main before issue 12 items 1, 2, 7, 9), same corpus, same judge:
# `python3 conformance/deployability.py --komply <that binary> --root . --no-validate`.
BEFORE = {
    "default": "9 of 290 workloads start unchanged and 14 more once the steps are done; 6 of 139 on known "
               "images (4.3 %), 125 of them refused by runAsNonRoot; 267 need edits, 8 of them with a located "
               "warning; 254 workloads whose user is unknown without a warning",
    "prod": "7 of 292 workloads start unchanged and 15 more once the steps are done; 3 of 139 on known images "
            "(2.2 %), 125 of them refused by runAsNonRoot; 270 need edits, 7 of them with a located warning",
}

# Reasons of the user / image kind that the target counts as "refused by runAsNonRoot".
REFUSED = {"refused-root", "needs-root"}
USER_REASONS = {"unknown-user", "needs-root", "refused-root"}


def summarise(rows, allw, asked_errors):
    known = [x for x in allw if x["image_kind"] == "known"]
    starts = lambda xs: sum(1 for x in xs if x["verdict"] != "needs edits")  # noqa: E731
    return {
        "projects": sum(1 for _, r in rows if "error" not in r),
        "failed_projects": [label for label, r in rows if "error" in r],
        "workloads": len(allw),
        "starts": sum(1 for x in allw if x["verdict"] == "starts"),
        "after_steps": sum(1 for x in allw if x["verdict"] == "after steps"),
        "needs_edits": sum(1 for x in allw if x["verdict"] == "needs edits"),
        "warned": sum(1 for x in allw if x["verdict"] == "needs edits" and x["warned"]),
        "known": len(known),
        "known_start": starts(known),
        "known_refused": [x for x in known if REFUSED & set(x["reasons"])],
        # Workloads on known images with no reason but those of issue 12 items 3-6 (mounts,
        # Services): what items 1, 2 and 7 alone achieve.
        "known_start_own": sum(1 for x in known if not set(x["reasons"]) - OTHER_ITEMS),
        "unknown": sum(1 for x in allw if x["image_kind"] != "known"),
        "unknown_unwarned": [x for x in allw if USER_REASONS & set(x["unwarned"])],
        "unwarned": [x for x in allw if x["verdict"] == "needs edits" and not x["warned"]],
        "asked_errors": asked_errors,
    }


def pct(a, b):
    return 100.0 * a / b if b else 100.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--komply", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--env", action="append", default=None, help="environments (default: none and prod)")
    ap.add_argument("--write", help="write the Markdown page")
    ap.add_argument("--check", help="fail when this Markdown page is not what this run computes")
    ap.add_argument("--json", action="store_true", help="print every verdict as JSON")
    ap.add_argument("--no-validate", action="store_true", help="skip kubernetes-validate and lint")
    ap.add_argument("--targets", action="store_true", help="fail below the issue's targets")
    a = ap.parse_args()
    a.komply = str(Path(a.komply).resolve())  # projects are converted in their own directory
    root = Path(a.root).resolve()
    table = load_table(root)
    envs = a.env if a.env is not None else ["", "prod"]
    sections = []
    failures = []
    for env in envs:
        name = env or "default"
        rows, allw, asked_errors = [], [], []
        for label, pdir, files in projects(root):
            r = judge_project(a.komply, table, pdir, files, env)
            rows.append((label, r))
            if "error" in r:
                continue
            allw += [dict(x, project=label) for x in r["workloads"]]
            if a.no_validate:
                continue
            asked = {x["workload"].split("/", 1)[1]: set(x["asked"]) for x in r["workloads"]}
            lint = []
            for rule, obj, msg in lint_errors(a.komply, r["yaml"]):
                if rule in asked.get(obj, set()):
                    asked_errors.append((label, rule, msg))
                else:
                    lint.append(f"{rule}: {msg}")
            if lint:
                failures.append(f"{label} [{name}]: komply lint errors: {lint[:3]}")
            kv = kv_errors(r["objects"])
            if kv is None:
                failures.append("kubernetes-validate is not importable: run conformance/venv.sh")
            elif kv:
                failures.append(f"{label} [{name}]: kubernetes-validate: {kv[:3]}")
        t = summarise(rows, allw, asked_errors)
        sections.append((env, rows, t, allw))
        print(
            f"[{name}] {t['projects']} projects, {t['workloads']} workloads: {t['starts']} start, "
            f"{t['after_steps']} after steps, {t['needs_edits']} need edits ({t['warned']} warned); known images "
            f"{t['known_start']}/{t['known']} start ({pct(t['known_start'], t['known']):.1f} %), "
            f"{t['known_start_own']}/{t['known']} free of items 1/2/7 reasons; "
            f"{len(t['known_refused'])} refused by runAsNonRoot; unknown users without the warning: "
            f"{len(t['unknown_unwarned'])}; lint errors the compose file asks for: {len(t['asked_errors'])}"
        )
        if a.targets:
            if pct(t["known_start"], t["known"]) < 90.0:
                failures.append(f"[{name}] only {pct(t['known_start'], t['known']):.1f} % of the workloads on known images start (target: 90 %)")
            for x in t["known_refused"]:
                if "refused-root" in x["reasons"] or x["unwarned"]:
                    failures.append(f"[{name}] {x['project']} {x['workload']}: known image `{x['image']}` refused by runAsNonRoot")
            for x in t["unwarned"]:
                failures.append(f"[{name}] {x['project']} {x['workload']}: needs edits ({', '.join(x['unwarned'])}) without a located warning")
    if a.json:
        print(json.dumps({(e or "default"): w for e, _, _, w in sections}, indent=1))
    doc = render_doc(sections)
    if a.write:
        Path(a.write).write_text(doc)
    if a.check:
        current = Path(a.check).read_text() if Path(a.check).is_file() else ""
        if current != doc:
            failures.append(f"{a.check} is stale: regenerate it with `bash conformance/58-deployability.sh --write`")
    for f in failures:
        print("FAIL " + f)
    sys.exit(1 if failures else 0)


def render_doc(sections):
    out = [HEADER]
    for env, rows, t, allw in sections:
        name = env or "default"
        out.append(f"## {'Without an overlay' if not env else 'With `--env ' + env + '` (the built-in preset)'}\n")
        out.append(
            f"{t['projects']} projects, **{t['workloads']} workloads**: {t['starts']} start unchanged, "
            f"{t['after_steps']} start unchanged once the report's steps are done (secret keys created, images pushed), "
            f"{t['needs_edits']} need edits — {t['warned']} of them with a located warning that says what to do.\n"
        )
        refused = t["known_refused"]
        out.append(
            f"- Workloads on images the table knows: **{t['known_start']} of {t['known']} start unchanged "
            f"({pct(t['known_start'], t['known']):.1f} %)**; {t['known_start_own']} "
            f"({pct(t['known_start_own'], t['known']):.1f} %) have no reason that items 1, 2 and 7 of issue 12 address "
            f"(what is left is host mounts and names: items 3-6).\n"
            f"- Refused by `runAsNonRoot` on a known image: {len(refused)}"
            + (" (" + ", ".join(f"`{x['image']}`, which needs root: warned with its non-root variant" for x in refused) + ")" if refused else "")
            + ".\n"
            f"- Workloads on unknown or built images: {t['unknown']}; without a located warning about their user: "
            f"{len(t['unknown_unwarned'])}.\n"
            f"- Objects that fail strict validation: 0; `komply lint` errors: 0, except {len(t['asked_errors'])} the "
            f"compose files ask for (`user: root`, `privileged: true`, host namespaces), reported at their compose key "
            f"by `komply lint compose.yaml`.\n"
            f"- Before (komply at 0cd4921): {BEFORE.get(name, 'not measured')}.\n"
        )
        if t["failed_projects"]:
            out.append("Projects that do not convert (not counted): " + ", ".join(f"`{p}`" for p in t["failed_projects"]) + ".\n")
        out.append(render(rows, t, env, ""))
        out.append("")
        edits = [x for x in allw if x["verdict"] == "needs edits"]
        if edits:
            out.append(f"<details><summary>The {len(edits)} workloads that need edits ({name})</summary>\n")
            out.append("| project | workload | image | why | without a warning |")
            out.append("|---|---|---|---|---|")
            for x in edits:
                out.append(f"| {x['project']} | {x['workload']} | `{x['image']}` | {', '.join(x['reasons'])} | {', '.join(x['unwarned']) or '–'} |")
            out.append("\n</details>\n")
    return "\n".join(out).rstrip() + "\n"


HEADER = """# Deployability: do converted projects start?

Generated by `bash conformance/58-deployability.sh --write` — do not edit; the suite fails when
this page is stale, when fewer than 90 % of the workloads on known images start, when a known image
is refused by `runAsNonRoot` without a warning, when a workload that needs edits has no located
warning, or when an object fails strict validation or `komply lint`.

It converts the bundled examples and the real-world projects of
[tests/fixtures/real](../tests/fixtures/real/INDEX.md) exactly as a user would (`komply convert` in
the project's directory, every profile enabled, a clean environment; then again with `--env prod`),
and judges every workload from the generated spec alone, with the kubelet's documented behaviour
and the facts of [the image table](../data/images.yaml) — no cluster is involved, so an
application's own configuration errors are not judged. How each reason is judged is written in
`conformance/deployability.py`; in short:

| reason | the pod does not start (or work) because |
|---|---|
| `unknown-user` | `runAsNonRoot: true` without `runAsUser` on an image komply does not know: the kubelet refuses it if the image runs as root or names its user |
| `refused-root` / `needs-root` | the image runs as root or a user name (refused), or cannot start without root |
| `not-writable` / `volume-owner` / `data-init` | a path the image writes is not writable as its user, a volume's root is root-owned (no fsGroup), a fresh data volume cannot be initialised |
| `privileged-port` / `file-caps` | a port below 1024 without `net.ipv4.ip_unprivileged_port_start`; a binary with file capabilities whose bounding set was dropped (exec fails) |
| `oom` / `scaled-writer` | a memory limit below the image's documented need; more than one replica of a single writer |
| `unresolved-name` | an environment value names a service that has no Service |
| `dropped-mount` / `split-volume` | a host path left out; a volume several services shared is split into one per workload |
| `probe` / `node-setting` | a probe that cannot succeed; a node-level sysctl the image checks |

A workload "starts unchanged" when no reason applies. Some do only once the steps of komply's
deployability report are done — the ExternalSecret keys exist in the store, the images of
build-only services are pushed — which are not edits of the manifests (counted apart as "after
steps"). A workload that needs edits is "warned" when komply printed a located warning
(`file:line:col`) whose code covers each of its reasons; the codes and the report are described in
[deployability-report.md](deployability-report.md).
"""


if __name__ == "__main__":
    main()
