"""Runs a composite GitHub Action (action.yml) locally, the way the runner does, for
conformance/56-action.sh: inputs with their defaults, `${{ }}` expressions in `env:`, `with:`,
`if:` and outputs (the subset GitHub documents: contexts, literals, ==, !=, !, &&, ||, parentheses,
always() / success() / failure(); string comparison ignores case as GitHub's does), `run:` steps
under `bash --noprofile --norc -eo pipefail` with GITHUB_OUTPUT / GITHUB_PATH / GITHUB_ENV files
and a faked runner environment. `uses:` steps (third-party actions) are not run: their evaluated
`with:` is recorded for the caller to check.

    python action_runner.py ACTION.yml WORKSPACE --ref REF [--input NAME=VALUE]... > result.json

Prints a JSON result: every step's outcome, exit code, outputs, output text and `with:`; the
action's outputs; whether the job failed.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml


def tokenize(expr):
    spec = r"""\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\)|,)|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z_*][A-Za-z0-9_\-]*)*))"""
    pos, out = 0, []
    expr = expr.strip()
    while pos < len(expr):
        m = re.compile(spec).match(expr, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot parse expression at {expr[pos:]!r}")
        pos = m.end()
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
    return out


class Evaluator:
    def __init__(self, contexts, status):
        self.contexts = contexts
        self.status = status  # "success" or "failure" so far

    def eval(self, expr):
        self.toks = tokenize(expr)
        self.i = 0
        v = self.or_()
        if self.i != len(self.toks):
            raise ValueError(f"trailing tokens in {expr!r}")
        return v

    def peek(self):
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def or_(self):
        v = self.and_()
        while self.peek() == "||":
            self.take()
            r = self.and_()
            v = v if truthy(v) else r
        return v

    def and_(self):
        v = self.cmp()
        while self.peek() == "&&":
            self.take()
            r = self.cmp()
            v = r if truthy(v) else v
        return v

    def cmp(self):
        v = self.unary()
        while self.peek() in ("==", "!="):
            op = self.take()[1]
            r = self.unary()
            eq = equal(v, r)
            v = eq if op == "==" else not eq
        return v

    def unary(self):
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        return self.atom()

    def atom(self):
        kind, text = self.take()
        if text == "(":
            v = self.or_()
            assert self.take()[1] == ")"
            return v
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek() == "(":
            self.take()
            assert self.take()[1] == ")", "only argument-less functions are supported"
            return {"always": True, "success": self.status == "success",
                    "failure": self.status == "failure", "cancelled": False}[text]
        value = self.contexts
        for part in text.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return "" if value is None and text.startswith("steps.") else value


def truthy(v):
    return v not in (None, False, 0, "", 0.0)


def equal(a, b):
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return a == b


def uses_status_function(expr):
    return re.search(r"\b(always|success|failure|cancelled)\s*\(", expr) is not None


def interpolate(text, ev):
    if not isinstance(text, str):
        return text

    def one(m):
        v = ev.eval(m.group(1))
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def read_output_file(path):
    """key=value lines and key<<DELIMITER … DELIMITER blocks (GitHub's format)."""
    out, lines = {}, open(path).read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delim = line.split("<<", 1)
            body = []
            i += 1
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            out[key] = "\n".join(body)
        elif "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
        i += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("action")
    ap.add_argument("workspace")
    ap.add_argument("--ref", default="")
    ap.add_argument("--input", action="append", default=[])
    args = ap.parse_args()

    action = yaml.safe_load(open(args.action))
    action_path = os.path.dirname(os.path.abspath(args.action))
    assert action["runs"]["using"] == "composite", "not a composite action"
    declared = action.get("inputs", {})
    given = dict(kv.split("=", 1) for kv in args.input)
    unknown = sorted(set(given) - set(declared))
    if unknown:
        sys.exit(f"unexpected inputs {unknown}: action.yml declares {sorted(declared)}")

    tmp = tempfile.mkdtemp(prefix="runner-")
    runner = {"temp": os.path.join(tmp, "temp"), "os": "Linux", "arch": "X64", "tool_cache": os.path.join(tmp, "tool")}
    os.makedirs(runner["temp"])
    github = {"action_path": action_path, "action_ref": args.ref, "token": "fake-token",
              "workspace": os.path.abspath(args.workspace), "repository": "example/shop",
              "server_url": "https://github.com"}
    contexts = {"github": github, "runner": runner, "inputs": {}, "steps": {}, "env": {}}
    # Input defaults may be expressions (token: ${{ github.token }}).
    ev0 = Evaluator(contexts, "success")
    for name, spec in declared.items():
        default = (spec or {}).get("default", "")
        contexts["inputs"][name] = given.get(name, interpolate(str(default), ev0))

    path_file = os.path.join(tmp, "path")
    env_file = os.path.join(tmp, "env")
    open(path_file, "w").close()
    open(env_file, "w").close()
    base_env = dict(os.environ)
    base_env.update({
        "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": github["workspace"],
        "GITHUB_ACTION_PATH": action_path, "GITHUB_ACTION_REF": args.ref,
        "GITHUB_REPOSITORY": github["repository"], "GITHUB_PATH": path_file,
        "GITHUB_ENV": env_file, "RUNNER_TEMP": runner["temp"], "RUNNER_OS": runner["os"],
        "RUNNER_ARCH": runner["arch"], "RUNNER_TOOL_CACHE": runner["tool_cache"],
    })

    status = "success"
    results = []
    for n, step in enumerate(action["runs"]["steps"]):
        sid = step.get("id", f"__step{n}")
        ev = Evaluator(contexts, status)
        cond = str(step.get("if", "")).strip()
        if cond.startswith("${{") and cond.endswith("}}"):
            cond = cond[3:-2]
        if cond and not uses_status_function(cond):
            cond = f"success() && ({cond})"
        run_it = truthy(ev.eval(cond)) if cond else status == "success"
        rec = {"id": sid, "name": step.get("name", sid), "outcome": "skipped", "outputs": {}}
        if "uses" in step:
            rec["uses"] = step["uses"]
        contexts["steps"][sid] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
        if not run_it:
            results.append(rec)
            continue
        if "uses" in step:
            rec["with"] = {k: interpolate(str(v), ev) for k, v in (step.get("with") or {}).items()}
            rec["outcome"] = "success"
            contexts["steps"][sid].update(outcome="success", conclusion="success")
            results.append(rec)
            continue
        script = step["run"]
        assert "${{" not in script, f"step {rec['name']!r}: an expression inside run: (pass it through env:)"
        assert step.get("shell") == "bash", f"step {rec['name']!r}: composite run steps need shell: bash"
        env = dict(base_env)
        for line in open(env_file).read().splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                env[k] = v
        for k, v in (step.get("env") or {}).items():
            env[k] = interpolate(str(v), ev)
        extra = [p for p in open(path_file).read().splitlines() if p]
        env["PATH"] = os.pathsep.join(list(reversed(extra)) + [base_env["PATH"]])
        out_file = os.path.join(tmp, f"output-{n}")
        open(out_file, "w").close()
        env["GITHUB_OUTPUT"] = out_file
        script_file = os.path.join(tmp, f"step-{n}.sh")
        with open(script_file, "w") as f:
            f.write(script)
        cwd = os.path.join(github["workspace"], interpolate(step.get("working-directory", "."), ev))
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script_file],
                           cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        rec["exit"] = p.returncode
        rec["log"] = p.stdout
        rec["outputs"] = read_output_file(out_file)
        rec["outcome"] = "success" if p.returncode == 0 else "failure"
        contexts["steps"][sid] = {"outputs": rec["outputs"], "outcome": rec["outcome"], "conclusion": rec["outcome"]}
        if p.returncode != 0:
            status = "failure"
        results.append(rec)

    ev = Evaluator(contexts, status)
    outputs = {k: interpolate(str(v.get("value", "")), ev) for k, v in (action.get("outputs") or {}).items()}
    json.dump({"steps": results, "outputs": outputs, "failed": status == "failure",
               "path": [p for p in open(path_file).read().splitlines() if p]}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
