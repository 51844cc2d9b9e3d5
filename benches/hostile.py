#!/usr/bin/env python3
"""Hostile-input measurements (issue 15, SPEC §8): builds each case of docs/hostile-inputs.md in
a scratch directory, runs the release binary under `/usr/bin/time -v`, and prints one Markdown
row per case: exit code, wall time, peak RSS and the first located line of the message.

usage: benches/hostile.py [WORK_DIR]   (needs: cargo build --release; KOMPLY_BIN to override)
Fails (exit 1) when a case exceeds 2 s or 200 MB, exits with an unexpected code, or has no
location where one is promised.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("KOMPLY_BIN", os.path.join(ROOT, "target/release/komply"))
WORK = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.environ.get("TMPDIR", "/tmp"), "komply-hostile")
MAX_WALL_S, MAX_RSS_MB = 2.0, 200.0


def write(d, name, text):
    p = os.path.join(d, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)


def resource_list(compose, spec=""):
    return (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n"
        "  apiVersion: komply.dev/v1alpha1\n  kind: Komply\n  metadata: {name: app}\n  spec:\n"
        f"    compose: [{compose}]\n{spec}"
    )


def fresh(name):
    d = os.path.join(WORK, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def measure(d, args, stdin=None):
    """(exit code, wall s, peak RSS MB, stdout+stderr) of `komply ARGS` in `d`."""
    env = dict(os.environ, NO_COLOR="1")
    p = subprocess.run(
        ["/usr/bin/time", "-v", BIN] + args,
        cwd=d,
        input=stdin.encode() if stdin else b"",
        capture_output=True,
        env=env,
    )
    err = p.stderr.decode(errors="replace")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", err)
    h, m, s = wall.groups()
    secs = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1)) / 1024
    code = int(re.search(r"Exit status: (\d+)", err).group(1)) if "Exit status" in err else None
    signalled = re.search(r"Command terminated by signal (\d+)", err)
    if signalled:
        code = 128 + int(signalled.group(1))
    own = err.split("\tCommand being timed")[0]
    return code, secs, rss, p.stdout.decode(errors="replace") + own


def first_location(text):
    m = re.search(r"--> (\S+:\d+:\d+)", text) or re.search(r"^(\S+:\d+:\d+)", text, re.M)
    return m.group(1) if m else ""


def first_message(text):
    for line in text.splitlines():
        if line.startswith(("error", "warning")) or "error[" in line:
            return line.strip()[:110]
    return text.strip().splitlines()[0][:110] if text.strip() else ""


# Each case: (name, setup(dir) -> (args, stdin), expected exit code, location expected?)
CASES = []


def case(name, code, located=True):
    def deco(f):
        CASES.append((name, f, code, located))
        return f

    return deco


EXTENDS_SELF = "services:\n  web:\n    image: a\n    extends:\n      file: compose.yaml\n      service: web\n"


@case("extends itself through `file:` (convert)", 2)
def _(d):
    write(d, "compose.yaml", EXTENDS_SELF)
    return ["convert"], None


@case("extends itself through `file:` (lint)", 2)
def _(d):
    write(d, "compose.yaml", EXTENDS_SELF)
    return ["lint", "compose.yaml"], None


@case("extends itself through `file:` (krm)", 2)
def _(d):
    write(d, "compose.yaml", EXTENDS_SELF)
    return ["krm"], resource_list("compose.yaml")


@case("extends cycle across two files", 2)
def _(d):
    write(d, "compose.yaml", "services:\n  web:\n    image: a\n    extends:\n      file: b.yaml\n      service: base\n")
    write(d, "b.yaml", "services:\n  base:\n    image: a\n    extends:\n      file: compose.yaml\n      service: web\n")
    return ["convert"], None


@case("extends chain of 5,000 services (correct result)", 0, located=False)
def _(d):
    y = "services:\n" + "".join(f"  s{i}:\n    extends: s{i + 1}\n" for i in range(4999))
    write(d, "compose.yaml", y + "  s4999:\n    image: nginx:1.27\n")
    return ["convert", "-q"], None


@case(".env of 25 lines doubling a value, unused", 2)
def _(d):
    write(d, "compose.yaml", "services:\n  web:\n    image: a\n")
    env = "V0=xxxxxxxxxx\n" + "".join(f"V{i}=${{V{i - 1}}}${{V{i - 1}}}\n" for i in range(1, 26))
    write(d, ".env", env)
    return ["convert"], None


@case("10,000 `${A}` labels, `A` of 100 KB", 2)
def _(d):
    y = "services:\n  web:\n    image: a\n    labels:\n" + "".join(f'      l{i}: "${{A}}"\n' for i in range(10000))
    write(d, "compose.yaml", y)
    write(d, ".env", "A=" + "x" * 100000 + "\n")
    return ["convert"], None


@case("three files of 120 `${A}` labels, `A` of 100 KB (run budget)", 2)
def _(d):
    for f in "abc":
        y = f"services:\n  web{f}:\n    image: a\n    labels:\n" + "".join(f'      l{i}: "${{A}}"\n' for i in range(120))
        write(d, f"{f}.yaml", y)
    write(d, ".env", "A=" + "x" * 100000 + "\n")
    return ["convert", "-f", "a.yaml", "-f", "b.yaml", "-f", "c.yaml"], None


@case("include diamond of 40 files (correct result)", 0, located=False)
def _(d):
    n = 40
    for i in range(n):
        nxt = [j for j in (i + 1, i + 2) if j < n]
        y = ("include:\n" + "".join(f"  - f{j}.yaml\n" for j in nxt)) if nxt else ""
        write(d, f"f{i}.yaml", y + f"services:\n  s{i}:\n    image: img{i}\n")
    return ["convert", "-q", "-f", "f0.yaml"], None


@case(".env of 100,000 lines (correct result)", 0, located=False)
def _(d):
    write(d, "compose.yaml", 'services:\n  web:\n    image: "nginx:${V99999}"\n')
    write(d, ".env", "V0=1\n" + "".join(f"V{i}=${{V{i - 1}}}\n" for i in range(1, 100000)))
    return ["convert", "-q"], None


def template(d, t):
    write(d, "compose.yaml", "services:\n  web:\n    image: nginx:1.27\n    environment:\n      DB_PASSWORD: x\n")
    write(d, "overlays/prod.yaml", f'secret_store:\n  remote_key: "{t}"\n')
    return ["convert", "--env", "prod", "-o", "out"], None


@case("remote-key template: loop of loops (fuel)", 2)
def _(d):
    return template(d, "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}x")


@case("remote-key template: a gigabyte of output", 2)
def _(d):
    return template(d, "{% for i in range(1000) %}{{ 'x' * 10000000 }}{% endfor %}")


@case("lint DIR with a symlink to `/` (skipped; correct result)", 0, located=False)
def _(d):
    write(d, "repo/ok.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n")
    os.symlink("/", os.path.join(d, "repo/root"))
    return ["lint", "repo", "--verbose"], None


@case("convert -n ../../x -o out", 2, located=False)
def _(d):
    write(d, "compose.yaml", "services:\n  web:\n    image: nginx:1.27\n")
    return ["convert", "-n", "../../x", "-o", "out"], None


@case("x-komply namespace ../../x -o out", 2)
def _(d):
    write(d, "compose.yaml", "services:\n  web:\n    image: nginx:1.27\nx-komply:\n  namespace: ../../x\n")
    return ["convert", "-o", "out"], None


@case("KRM spec.namespace ../../x", 2)
def _(d):
    write(d, "compose.yaml", "services:\n  web:\n    image: nginx:1.27\n")
    return ["krm"], resource_list("compose.yaml", "    namespace: ../../x\n")


@case("KRM spec.path through a symlinked directory", 2)
def _(d):
    write(d, "pkg/compose.yaml", "services:\n  web:\n    image: nginx:1.27\n")
    os.makedirs(os.path.join(d, "outside"))
    os.symlink("../outside", os.path.join(d, "pkg/k8s"))
    return ["krm"], resource_list("compose.yaml", "    path: k8s/app\n")


def krm_env_file(d, name):
    write(d, "outside/secret.env", "SECRET=hunter2\n")
    write(d, "pkg/compose.yaml", f"services:\n  web:\n    image: nginx:1.27\n    env_file: ../outside/{name}\n")
    return ["krm"], resource_list("compose.yaml")


@case("KRM env_file outside the root (exists)", 2)
def _(d):
    return krm_env_file(d, "secret.env")


@case("KRM env_file outside the root (missing)", 2)
def _(d):
    return krm_env_file(d, "absent.env")


@case("KRM spec.compose outside the root", 2)
def _(d):
    write(d, "outside/compose.yaml", "services:\n  web:\n    image: a\n")
    os.makedirs(os.path.join(d, "pkg"))
    return ["krm"], resource_list("../outside/compose.yaml")


@case("KRM `compose: .`", 2)
def _(d):
    return ["krm"], resource_list(".")


@case("diff --out with planted symlinks (drift, nothing read)", 1, located=False)
def _(d):
    write(d, "compose.yaml", 'services:\n  web:\n    image: nginx:1.27\n    ports: ["80:80"]\n')
    subprocess.run([BIN, "convert", "-q", "-o", "out"], cwd=d, check=True)
    write(d, "secret.txt", "root:SECRET\n")
    os.remove(os.path.join(d, "out/web-service.yaml"))
    os.symlink(os.path.join(d, "secret.txt"), os.path.join(d, "out/web-service.yaml"))
    os.symlink(os.path.join(d, "secret.txt"), os.path.join(d, "out/extra.yaml"))
    return ["diff", "--out", "out"], None


DUP = ('services:\n  db:\n    image: postgres:16\n    ports: ["5432:5432"]\n    volumes: [data:/var/lib/postgresql/data]\n'
       '  db-headless:\n    image: nginx:1.27\n    ports: ["80:80"]\nvolumes:\n  data: {}\n')


@case("two services generating Service/db-headless (stdout)", 2)
def _(d):
    write(d, "compose.yaml", DUP)
    return ["convert"], None


@case("two services generating Service/db-headless (-o over an earlier output)", 2)
def _(d):
    write(d, "compose.yaml", DUP)
    write(d, "out/db-service.yaml", "old\n")
    return ["convert", "-o", "out"], None


@case("300 temp files of a SIGKILLed run (cleaned; correct result)", 0, located=False)
def _(d):
    write(d, "compose.yaml", "services:\n  web:\n    image: nginx:1.27\n")
    for i in range(300):
        write(d, f"out/.f{i}.yaml.komply-tmp-4194305", "partial")
    return ["convert", "-q", "-o", "out"], None


@case("`pid: host` (correct result: hostPID)", 0, located=False)
def _(d):
    write(d, "compose.yaml", "services:\n  web:\n    image: nginx:1.27\n    pid: host\n")
    return ["convert", "-q"], None


@case("namespace `Bad_NS!`", 2)
def _(d):
    write(d, "compose.yaml", "services:\n  web:\n    image: nginx:1.27\nx-komply:\n  namespace: Bad_NS!\n")
    return ["convert"], None


@case("ingress host `a/../../b`", 2)
def _(d):
    write(d, "compose.yaml", 'services:\n  web:\n    image: nginx:1.27\n    ports: ["80:80"]\n    x-komply:\n      ingress:\n        host: a/../../b\n')
    return ["convert"], None


@case("`convert -f .` (a directory)", 2, located=False)
def _(d):
    return ["convert", "-f", "."], None


@case("lint of a missing file (KP001, one `error`)", 2, located=False)
def _(d):
    return ["lint", "nope.yaml"], None


@case("KRM `items: 5` (one article)", 2)
def _(d):
    return ["krm"], "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 5\n"


def krm_dir(d):
    """KRM cases run inside their package (`pkg/` when there is one)."""
    return os.path.join(d, "pkg") if os.path.isdir(os.path.join(d, "pkg")) else d


def signal_during_write():
    """SIGINT in the middle of a 2,000-file `-o` write: time from the signal to exit, result."""
    d = fresh("signal")
    y = "services:\n" + "".join(f'  s{i}:\n    image: nginx:1.27\n    ports: ["80"]\n' for i in range(1000))
    write(d, "compose.yaml", y)
    # How long the whole run takes, to aim the signal at the write.
    t0 = time.monotonic()
    subprocess.run([BIN, "convert", "-q", "-o", "full"], cwd=d, check=True)
    full = time.monotonic() - t0
    rows = []
    for frac in (0.5, 0.8, 0.95):
        shutil.rmtree(os.path.join(d, "out"), ignore_errors=True)
        p = subprocess.Popen([BIN, "convert", "-q", "-o", "out"], cwd=d)
        time.sleep(full * frac)
        t1 = time.monotonic()
        p.send_signal(signal.SIGINT)
        code = p.wait()
        after = (time.monotonic() - t1) * 1000
        files = os.listdir(os.path.join(d, "out")) if os.path.isdir(os.path.join(d, "out")) else []
        rows.append((frac, code, after, len(files)))
    return full, rows


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit(f"no release binary at {BIN} (cargo build --release)")
    os.makedirs(WORK, exist_ok=True)
    print(f"komply {subprocess.run([BIN, '--version'], capture_output=True, text=True).stdout.strip()}; "
          f"{os.cpu_count()} cores; load {open('/proc/loadavg').read().split()[:3]}")
    print()
    print("| case | exit | wall | peak RSS | message (first line) | location |")
    print("|---|---|---|---|---|---|")
    bad = []
    for name, setup, want, located in CASES:
        d = fresh(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60])
        args, stdin = setup(d)
        run_dir = krm_dir(d) if args and args[0] == "krm" else d
        code, wall, rss, text = measure(run_dir, args, stdin)
        loc = first_location(text)
        msg = first_message(text).replace("|", "\\|")
        print(f"| {name} | {code} | {wall:.2f} s | {rss:.0f} MB | `{msg}` | {loc or '—'} |")
        if code != want or wall > MAX_WALL_S or rss > MAX_RSS_MB or (located and not loc):
            bad.append(f"{name}: exit {code} (want {want}), {wall:.2f} s, {rss:.0f} MB, location {loc!r}")
    full, rows = signal_during_write()
    print()
    print(f"SIGINT during a 2,000-file `convert -o` (whole run {full * 1000:.0f} ms):")
    print()
    print("| signal at | exit | signal → exit | files in out/ afterwards |")
    print("|---|---|---|---|")
    for frac, code, after, n in rows:
        print(f"| {frac:.0%} of the run | {code} | {after:.0f} ms | {n} |")
        if n not in (0, 2000):
            bad.append(f"SIGINT at {frac:.0%}: {n} files (partial)")
    if bad:
        print("\nFAILED:\n" + "\n".join(bad), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
