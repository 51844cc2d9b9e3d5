//! Hostile inputs (issue 7, SPEC §8): every case runs the built binary and must exit 2 (never
//! 101, a panic), say what is wrong — at `file:line:col` where the input has a location — and
//! write nothing. Big inputs are generated here, not committed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_komply");

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    use std::io::Write;
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("run komply");
    {
        let mut sin = child.stdin.take().unwrap();
        if let Some(data) = stdin {
            let _ = sin.write_all(data);
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Asserts exit 2, no panic, and that the output (stdout + stderr) contains every `needles`.
fn assert_bad_input(r: &Run, what: &str, needles: &[&str]) {
    let all = format!("{}\n{}", r.stdout, r.stderr);
    assert!(
        !all.contains("panicked") && r.code != Some(101),
        "{what}: panicked\n{all}"
    );
    assert_eq!(r.code, Some(2), "{what}: exit code\n{all}");
    // A needle `a|b` accepts either text.
    for n in needles {
        assert!(
            n.split('|').any(|alt| all.contains(alt)),
            "{what}: expected {n:?} in\n{all}"
        );
    }
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, content).unwrap();
    p
}

/// `komply convert -f FILE -o out` must exit 2 and not create `out`.
fn convert_fails(dir: &Path, file: &str, what: &str, needles: &[&str]) {
    let r = run_in(dir, &["convert", "-f", file, "-o", "out"], None);
    assert_bad_input(&r, what, needles);
    assert!(!dir.join("out").exists(), "{what}: output was written");
}

/// `komply lint FILE` must exit 2 with the message.
fn lint_fails(dir: &Path, file: &str, what: &str, needles: &[&str]) {
    let r = run_in(dir, &["lint", file], None);
    assert_bad_input(&r, what, needles);
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

// ---- YAML-level hostility: both the compose loader (convert) and lint ----

#[test]
fn alias_bomb() {
    let d = tmp();
    let mut y = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
    let mut prev = "a";
    for n in names {
        y.push_str(&format!(
            "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = n;
    }
    write(
        d.path(),
        "compose.yaml",
        format!(
            "services:\n  web:\n    image: x\nx-bomb:\n  {}",
            y.replace('\n', "\n  ")
        ),
    );
    write(d.path(), "bomb.yaml", &y);
    convert_fails(
        d.path(),
        "compose.yaml",
        "alias bomb (convert)",
        &["compose.yaml:", "alias bomb"],
    );
    lint_fails(
        d.path(),
        "bomb.yaml",
        "alias bomb (lint)",
        &["bomb.yaml:", "alias bomb"],
    );
}

/// A bomb just under the budget, repeated in 300 `---` documents: the budget is per file, so the
/// run stops early instead of expanding 300 near-budget documents (2.5 GB before the fix).
#[test]
fn alias_bomb_split_over_documents() {
    let d = tmp();
    // 9^5 = 59,049 expanded nodes per document: under the budget alone, far over it twice.
    let mut doc = String::from("a: &a [1,1,1,1,1,1,1,1,1]\n");
    let mut prev = "a".to_string();
    for n in ["b", "c", "d", "e"] {
        doc.push_str(&format!(
            "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = n.to_string();
    }
    let y: String = (0..300).map(|_| format!("---\n{doc}")).collect();
    write(d.path(), "bombs.yaml", &y);
    lint_fails(
        d.path(),
        "bombs.yaml",
        "alias bomb over documents (lint)",
        &["bombs.yaml:", "alias bomb"],
    );
}

#[test]
fn deep_nesting() {
    let d = tmp();
    let deep = format!("x: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    write(
        d.path(),
        "compose.yaml",
        format!("services:\n  web:\n    image: x\n{deep}"),
    );
    write(d.path(), "deep.yaml", &deep);
    convert_fails(
        d.path(),
        "compose.yaml",
        "10,000-deep nesting (convert)",
        &[
            "compose.yaml:4:",
            "nesting deeper than|recursion limit exceeded",
        ],
    );
    lint_fails(
        d.path(),
        "deep.yaml",
        "10,000-deep nesting (lint)",
        &[
            "deep.yaml:1:",
            "nesting deeper than|recursion limit exceeded",
        ],
    );
    // Block style nesting too: `- - - … x` on one line.
    let block = format!("{}x\n", "- ".repeat(10_000));
    write(d.path(), "block.yaml", &block);
    lint_fails(
        d.path(),
        "block.yaml",
        "10,000-deep block nesting (lint)",
        &[
            "block.yaml:1:",
            "nesting deeper than|recursion limit exceeded",
        ],
    );
}

#[test]
fn huge_scalar() {
    let d = tmp();
    let mut big = String::with_capacity(50 * 1024 * 1024 + 64);
    big.push_str("services:\n  web:\n    image: \"");
    big.push_str(&"x".repeat(50 * 1024 * 1024));
    big.push_str("\"\n");
    write(d.path(), "compose.yaml", &big);
    convert_fails(
        d.path(),
        "compose.yaml",
        "50 MB scalar (convert)",
        &["compose.yaml", "byte limit"],
    );
    lint_fails(
        d.path(),
        "compose.yaml",
        "50 MB scalar (lint)",
        &["compose.yaml", "byte limit"],
    );
    // The same through stdin.
    let r = run_in(d.path(), &["lint", "-"], Some(big.as_bytes()));
    assert_bad_input(&r, "50 MB scalar (lint stdin)", &["<stdin>", "byte limit"]);
    let r = run_in(d.path(), &["krm"], Some(big.as_bytes()));
    assert_bad_input(&r, "50 MB scalar (krm stdin)", &["<stdin>", "byte limit"]);
}

#[test]
fn invalid_utf8_binary_and_nul() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        b"services:\n  web:\n    image: \xff\xfe\n",
    );
    convert_fails(
        d.path(),
        "compose.yaml",
        "invalid UTF-8 (convert)",
        &["compose.yaml:3:12: invalid UTF-8"],
    );
    lint_fails(
        d.path(),
        "compose.yaml",
        "invalid UTF-8 (lint)",
        &["compose.yaml:3:12: invalid UTF-8"],
    );

    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
    write(d.path(), "bin.yaml", &binary);
    convert_fails(
        d.path(),
        "bin.yaml",
        "binary file (convert)",
        &["bin.yaml:1:1: NUL byte"],
    );
    lint_fails(
        d.path(),
        "bin.yaml",
        "binary file (lint)",
        &["bin.yaml:1:1: NUL byte"],
    );

    write(
        d.path(),
        "nul.yaml",
        b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"x\0y\"\n",
    );
    lint_fails(
        d.path(),
        "nul.yaml",
        "NUL byte (lint)",
        &["nul.yaml:4:8: NUL byte"],
    );
    write(
        d.path(),
        "nul-compose.yaml",
        b"services:\n  web:\n    image: a\0b\n",
    );
    convert_fails(
        d.path(),
        "nul-compose.yaml",
        "NUL byte (convert)",
        &["nul-compose.yaml:3:13: NUL byte"],
    );
}

#[test]
fn duplicate_keys() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: a\n    image: b\n",
    );
    convert_fails(
        d.path(),
        "compose.yaml",
        "duplicate key (convert)",
        &["compose.yaml:4:5", "duplicate key `image`"],
    );
    write(
        d.path(),
        "dup.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
    );
    // kubectl reads a manifest with a duplicate key (the last wins), so komply reads it the same
    // way and reports the duplicate as a finding (KP004, severity error: exit 1), both places.
    let r = run_in(d.path(), &["lint", "dup.yaml"], None);
    let all = format!("{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.code, Some(1), "duplicate key (lint): exit code\n{all}");
    for n in [
        "KP004",
        "dup.yaml:5:3",
        "duplicate key `name`",
        "first defined at 4:3",
    ] {
        assert!(
            all.contains(n),
            "duplicate key (lint): expected {n:?} in\n{all}"
        );
    }
}

/// The alias budget counts what aliases expand to, not the nodes written: large streams without
/// aliases load whatever their size (a 50,000-item ResourceList, a 1,000,000-key ConfigMap), and
/// a bomb still fails at once.
#[test]
fn large_streams_are_not_alias_bombs() {
    let d = tmp();
    let mut list =
        String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for i in 0..50_000 {
        list.push_str(&format!(
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c{i}\n  data:\n    k: v\n"
        ));
    }
    let r = run_in(d.path(), &["krm"], Some(list.as_bytes()));
    assert_eq!(
        r.code,
        Some(0),
        "50k-item ResourceList\n{}",
        &r.stderr[..r.stderr.len().min(2000)]
    );
    assert_eq!(r.stdout.matches("kind: ConfigMap").count(), 50_000);

    let mut cm = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n");
    for i in 0..1_000_000 {
        cm.push_str(&format!("  k{i}: v\n"));
    }
    write(d.path(), "big.yaml", &cm);
    let r = run_in(d.path(), &["lint", "--format", "json", "big.yaml"], None);
    assert!(
        matches!(r.code, Some(0 | 1)),
        "1M-key ConfigMap\n{}",
        &r.stderr[..r.stderr.len().min(2000)]
    );
    assert!(!r.stdout.contains("alias bomb") && !r.stderr.contains("alias bomb"));

    // Shared anchors used many times are fine too (go-yaml counts aliases, not their size).
    let mut shared =
        String::from("x-base: &base {a: 1, b: 2, c: [1, 2, 3], d: {e: f}}\nservices:\n");
    for i in 0..5_000 {
        shared.push_str(&format!("  s{i}:\n    image: x\n    x-conf: *base\n"));
    }
    write(d.path(), "compose.yaml", &shared);
    let r = run_in(d.path(), &["config", "-f", "compose.yaml", "-p", "p"], None);
    assert_eq!(r.code, Some(0), "5,000 aliases of one anchor\n{}", r.stderr);
}

// ---- Compose references ----

#[test]
fn env_file_extends_include_pointing_at_a_directory() {
    let d = tmp();
    std::fs::create_dir(d.path().join("adir")).unwrap();
    write(
        d.path(),
        "env.yaml",
        "services:\n  web:\n    image: a\n    env_file: adir\n",
    );
    // Docker Compose's wording: "env file … not found".
    convert_fails(
        d.path(),
        "env.yaml",
        "env_file is a directory",
        &["env.yaml:4:15", "adir"],
    );
    write(
        d.path(),
        "ext.yaml",
        "services:\n  web:\n    extends:\n      file: adir\n      service: base\n",
    );
    convert_fails(
        d.path(),
        "ext.yaml",
        "extends.file is a directory",
        &["adir", "directory"],
    );
    write(
        d.path(),
        "inc.yaml",
        "include:\n  - adir\nservices:\n  web:\n    image: a\n",
    );
    convert_fails(
        d.path(),
        "inc.yaml",
        "include is a directory",
        &["adir", "directory"],
    );
}

#[test]
fn missing_file() {
    let d = tmp();
    convert_fails(
        d.path(),
        "nope.yaml",
        "missing compose file",
        &["nope.yaml", "no such file"],
    );
    lint_fails(
        d.path(),
        "nope.yaml",
        "missing manifest",
        &["nope.yaml", "no such file"],
    );
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: a\n    env_file: missing.env\n",
    );
    convert_fails(
        d.path(),
        "compose.yaml",
        "missing env_file",
        &["missing.env"],
    );
}

#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let d = tmp();
    let p = write(
        d.path(),
        "secret.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    );
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        // Running as root: permissions do not stop reads. A FIFO stands in (it would block a
        // naive reader forever); it must be refused without being opened.
        std::fs::remove_file(&p).unwrap();
        let fifo = d.path().join("secret.yaml");
        let ok = Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "mkfifo");
        lint_fails(
            d.path(),
            "secret.yaml",
            "unreadable (FIFO) file",
            &["secret.yaml", "not a regular file"],
        );
        return;
    }
    lint_fails(
        d.path(),
        "secret.yaml",
        "unreadable file",
        &["secret.yaml", "permission denied"],
    );
    convert_fails(
        d.path(),
        "secret.yaml",
        "unreadable compose file",
        &["secret.yaml", "permission denied"],
    );
}

#[test]
fn device_as_env_file_is_refused_not_read_forever() {
    let d = tmp();
    // Before fsio refused non-regular files, these read /dev/zero until memory ran out.
    lint_fails(
        d.path(),
        "/dev/zero",
        "lint /dev/zero",
        &["/dev/zero: not a regular file"],
    );
    convert_fails(
        d.path(),
        "/dev/zero",
        "convert -f /dev/zero",
        &["/dev/zero: not a regular file"],
    );
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: a\n    env_file: /dev/zero\n",
    );
    convert_fails(
        d.path(),
        "compose.yaml",
        "env_file /dev/zero",
        &["compose.yaml:4:15", "/dev/zero"],
    );
}

#[test]
fn symlink_loop_under_a_linted_directory() {
    let d = tmp();
    let m = d.path().join("manifests");
    std::fs::create_dir_all(m.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", m.join("sub/loop")).unwrap();
    write(
        &m,
        "app.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: nope}\n  ports: [{port: 80}]\n",
    );
    let r = run_in(d.path(), &["lint", "manifests"], None);
    // The loop is reported and the rest is still linted.
    assert_bad_input(&r, "symlink loop", &["symbolic link loop", "KP501"]);
}

#[test]
fn include_cycle() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "include:\n  - b.yaml\nservices:\n  web:\n    image: a\n",
    );
    write(
        d.path(),
        "b.yaml",
        "include:\n  - compose.yaml\nservices:\n  db:\n    image: b\n",
    );
    convert_fails(d.path(), "compose.yaml", "include cycle", &["cycle"]);
}

#[test]
fn required_variable_unset() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: \"nginx:${TAG:?set TAG}\"\n",
    );
    convert_fails(
        d.path(),
        "compose.yaml",
        "${X:?} unset",
        &["compose.yaml:3:19", "required variable TAG", "set TAG"],
    );
}

#[test]
fn port_out_of_range() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: a\n    ports:\n      - \"70000:80\"\n",
    );
    convert_fails(
        d.path(),
        "compose.yaml",
        "port out of range",
        &["compose.yaml:5:", "70000"],
    );
}

#[test]
fn negative_replica_count() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: a\n    deploy:\n      replicas: -1\n",
    );
    convert_fails(
        d.path(),
        "compose.yaml",
        "negative replicas",
        &["compose.yaml:5:", "replicas"],
    );
}

#[test]
fn krm_path_escaping_the_root() {
    let d = tmp();
    let pkg = d.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    write(
        d.path(),
        "outside/compose.yaml",
        "services:\n  web:\n    image: a\n",
    );
    let rl = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: komply.dev/v1alpha1\n  kind: Komply\n  metadata: {name: app}\n  spec:\n    compose: [../outside/compose.yaml]\n";
    let r = run_in(&pkg, &["krm"], Some(rl.as_bytes()));
    let all = format!("{}\n{}", r.stdout, r.stderr);
    assert!(
        r.code != Some(101) && !all.contains("panicked"),
        "krm panicked\n{all}"
    );
    assert!(
        all.contains("outside"),
        "krm: expected an outside-the-root error\n{all}"
    );
    assert!(
        !all.contains("image: a"),
        "krm: converted a file outside the root\n{all}"
    );
    // A KRM function reports errors in the ResourceList it returns (results) with exit 1, or
    // fails with exit 2 when it cannot run at all: either way not success.
    assert!(
        matches!(r.code, Some(1) | Some(2)),
        "krm exit code {:?}\n{all}",
        r.code
    );
}

// ---- Output writing ----

#[test]
fn failed_convert_leaves_previous_output_intact() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n  db:\n    image: postgres:16\n",
    );
    let r = run_in(d.path(), &["convert", "-o", "out"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let before: Vec<(PathBuf, Vec<u8>)> = snapshot(&d.path().join("out"));
    assert!(before.len() >= 3, "{before:?}");
    // Make one target of the next run a directory: the run fails midway through writing.
    let (victim, _) = before.last().unwrap().clone();
    std::fs::remove_file(&victim).unwrap();
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("keep"), b"x").unwrap();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.28\n    ports: [\"8080:80\"]\n  db:\n    image: postgres:17\n",
    );
    let r = run_in(d.path(), &["convert", "-o", "out"], None);
    assert_bad_input(&r, "convert into a blocked output", &["cannot write"]);
    for (p, content) in &before {
        if p == &victim {
            continue;
        }
        assert_eq!(
            &std::fs::read(p).unwrap(),
            content,
            "{} changed",
            p.display()
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(d.path().join("out"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("komply-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let c = std::fs::read(&p).unwrap();
            (p, c)
        })
        .collect();
    v.sort();
    v
}

// ---- Issue 15: bounded work, no escapes, nothing half done ----

/// A ResourceList on stdin naming `compose` (and more `spec` lines).
fn resource_list(compose: &str, spec: &str) -> String {
    format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: komply.dev/v1alpha1\n  kind: Komply\n  metadata: {{name: app}}\n  spec:\n    compose: [{compose}]\n{spec}"
    )
}

/// `convert`, `lint` and `krm` of the same compose file all fail with the needles.
fn every_command_fails(dir: &Path, file: &str, what: &str, needles: &[&str]) {
    convert_fails(dir, file, &format!("{what} (convert)"), needles);
    lint_fails(dir, file, &format!("{what} (lint)"), needles);
    let r = run_in(dir, &["krm"], Some(resource_list(file, "").as_bytes()));
    assert_bad_input(&r, &format!("{what} (krm)"), needles);
}

#[test]
fn extends_itself_through_file() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: a\n    extends:\n      file: compose.yaml\n      service: web\n",
    );
    every_command_fails(
        d.path(),
        "compose.yaml",
        "extends itself through file:",
        &[
            "compose.yaml:5:7",
            "Circular reference",
            "extends web in compose.yaml",
        ],
    );
    // The same file under another spelling is the same file.
    write(
        d.path(),
        "spelled.yaml",
        "services:\n  web:\n    image: a\n    extends:\n      file: ./sub/../spelled.yaml\n      service: web\n",
    );
    std::fs::create_dir(d.path().join("sub")).unwrap();
    convert_fails(
        d.path(),
        "spelled.yaml",
        "extends itself (other spelling)",
        &["Circular reference"],
    );
}

#[test]
fn extends_cycle_across_two_files() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: a\n    extends:\n      file: b.yaml\n      service: base\n",
    );
    write(
        d.path(),
        "b.yaml",
        "services:\n  base:\n    image: a\n    extends:\n      file: compose.yaml\n      service: web\n",
    );
    every_command_fails(
        d.path(),
        "compose.yaml",
        "two-file extends cycle",
        &[
            "b.yaml:5:7",
            "web in compose.yaml",
            "extends base in b.yaml",
            "extends web in compose.yaml",
        ],
    );
}

/// A chain of 5,000 services, the first written first (so resolving it walks the whole chain):
/// walked in a loop, not by recursion, so no stack overflow, and the right result.
#[test]
fn a_long_extends_chain_is_resolved_without_recursion() {
    let d = tmp();
    let mut y = String::from("services:\n");
    for i in 0..4999 {
        y.push_str(&format!("  s{i}:\n    extends: s{}\n", i + 1));
        if i == 2500 {
            y.push_str("    labels: [l2500=x]\n");
        }
    }
    y.push_str("  s4999:\n    image: nginx:1.27\n");
    write(d.path(), "compose.yaml", &y);
    let r = run_in(d.path(), &["config", "--format", "json"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["services"]["s0"]["image"], "nginx:1.27");
    assert_eq!(v["services"]["s0"]["labels"]["l2500"], "x");
}

/// Each file includes the next two: 2^40 loads without memoisation. Docker Compose itself takes
/// 15 s at 16 files; the result (every service once) is what it prints for small diamonds.
#[test]
fn include_diamond_of_forty_files() {
    let d = tmp();
    let n = 40;
    for i in 0..n {
        let mut y = String::new();
        let next: Vec<String> = [i + 1, i + 2]
            .iter()
            .filter(|&&j| j < n)
            .map(|j| format!("  - f{j}.yaml\n"))
            .collect();
        if !next.is_empty() {
            y.push_str("include:\n");
            y.push_str(&next.concat());
        }
        y.push_str(&format!("services:\n  s{i}:\n    image: img{i}\n"));
        write(d.path(), &format!("f{i}.yaml"), y);
    }
    let r = run_in(
        d.path(),
        &["config", "-f", "f0.yaml", "--format", "json"],
        None,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["services"].as_object().unwrap().len(), n);
    let r = run_in(d.path(), &["convert", "-f", "f0.yaml"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.matches("kind: Deployment").count(), n);
    // A cycle through the diamond is still an error.
    write(
        d.path(),
        "f39.yaml",
        "include:\n  - f0.yaml\nservices:\n  s39:\n    image: x\n",
    );
    convert_fails(
        d.path(),
        "f0.yaml",
        "include cycle through a diamond",
        &["f39.yaml:2:5", "include cycle"],
    );
}

#[test]
fn dotenv_that_doubles_a_value_even_when_unused() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: a\n",
    );
    let mut env = String::from("V0=xxxxxxxxxx\n");
    for i in 1..=25 {
        env.push_str(&format!("V{i}=${{V{p}}}${{V{p}}}\n", p = i - 1));
    }
    write(d.path(), ".env", env);
    convert_fails(
        d.path(),
        "compose.yaml",
        "doubling .env",
        &[".env:21:11", "compose/interpolation-budget", "16 MiB"],
    );
}

#[test]
fn a_big_variable_in_ten_thousand_labels() {
    let d = tmp();
    let mut y = String::from("services:\n  web:\n    image: a\n    labels:\n");
    for i in 0..10_000 {
        y.push_str(&format!("      l{i}: \"${{A}}\"\n"));
    }
    write(d.path(), "compose.yaml", y);
    write(d.path(), ".env", format!("A={}\n", "x".repeat(100_000)));
    every_command_fails(
        d.path(),
        "compose.yaml",
        "10,000 labels of a 100 KB variable",
        &["compose.yaml:172:14", "interpolation budget", "l167"],
    );
}

/// Each file stays within its 16 MiB (120 × 100 KB), the three together cross the run's 32 MiB:
/// the error is at the first value past it, in the third file.
#[test]
fn the_run_budget_spans_files() {
    let d = tmp();
    for f in ["a", "b", "c"] {
        let mut y = format!("services:\n  web{f}:\n    image: a\n    labels:\n");
        for i in 0..120 {
            y.push_str(&format!("      l{i}: \"${{A}}\"\n"));
        }
        write(d.path(), &format!("{f}.yaml"), y);
    }
    write(d.path(), ".env", format!("A={}\n", "x".repeat(100_000)));
    let two = run_in(d.path(), &["config", "-f", "a.yaml", "-f", "b.yaml"], None);
    assert_eq!(
        two.code,
        Some(0),
        "two files are within the budget\n{}",
        two.stderr
    );
    let r = run_in(
        d.path(),
        &["convert", "-f", "a.yaml", "-f", "b.yaml", "-f", "c.yaml"],
        None,
    );
    assert_bad_input(
        &r,
        "three files of 12 MB each",
        &["c.yaml:100:13", "this run would exceed 32 MiB", "l95"],
    );
}

/// 100,000 lines took 15 s (each line searched all earlier ones twice).
#[test]
fn a_dotenv_of_a_hundred_thousand_lines() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: \"nginx:${V99999}\"\n",
    );
    let mut env = String::from("V0=1\n");
    for i in 1..100_000 {
        env.push_str(&format!("V{i}=${{V{}}}\n", i - 1));
    }
    write(d.path(), ".env", env);
    let r = run_in(d.path(), &["config", "--format", "json"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("\"image\": \"nginx:1\""), "{}", r.stdout);
}

#[test]
fn remote_key_templates_are_bounded() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n      DB_PASSWORD: hunter2\n",
    );
    for (template, needle) in [
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}x",
            "template instructions",
        ),
        (
            "{% for i in range(1000) %}{{ 'x' * 10000000 }}{% endfor %}",
            "65536 bytes",
        ),
    ] {
        write(
            d.path(),
            "overlays/prod.yaml",
            format!("secret_store:\n  remote_key: \"{template}\"\n"),
        );
        let r = run_in(d.path(), &["convert", "--env", "prod", "-o", "out"], None);
        assert_bad_input(&r, template, &["overlays/prod.yaml:2:15", needle]);
        assert!(!d.path().join("out").exists());
    }
}

#[test]
fn lint_does_not_follow_a_directory_symlink_out_of_its_roots() {
    let d = tmp();
    let outside = d.path().join("outside");
    write(
        &outside,
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n",
    );
    write(
        d.path(),
        "repo/ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n",
    );
    std::os::unix::fs::symlink(&outside, d.path().join("repo/link")).unwrap();
    std::os::unix::fs::symlink("/", d.path().join("repo/root")).unwrap();
    let r = run_in(d.path(), &["lint", "repo", "--verbose"], None);
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("1 file,"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("skipped repo/link (a symbolic link to a directory outside"),
        "{}",
        r.stderr
    );
    // --follow opts in (the link to / is removed first: the test must not walk the machine).
    std::fs::remove_file(d.path().join("repo/root")).unwrap();
    let r = run_in(d.path(), &["lint", "repo", "--follow"], None);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stdout.contains("repo/link/bad.yaml"), "{}", r.stdout);
    // A link back inside the given directories is followed as before.
    std::os::unix::fs::symlink(&outside, d.path().join("repo/link2")).unwrap();
    let r = run_in(d.path(), &["lint", "repo", "outside"], None);
    assert!(r.stdout.contains("outside/bad.yaml"), "{}", r.stdout);
}

#[test]
fn namespace_cannot_write_outside_the_output_directory() {
    let d = tmp();
    write(
        d.path(),
        "p/compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    let p = d.path().join("p");
    let r = run_in(&p, &["convert", "-n", "../../x", "-o", "out"], None);
    assert_bad_input(&r, "-n ../../x", &["'../../x'", "RFC 1123"]);
    assert!(!p.join("out").exists());
    assert!(!d.path().join("x-namespace.yaml").exists());
    for (file, text, at) in [
        (
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\nx-komply:\n  namespace: ../../x\n",
            "compose.yaml:5:14",
        ),
        (
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\nx-komply:\n  namespace: Bad_NS!\n",
            "compose.yaml:5:14",
        ),
    ] {
        write(&p, file, text);
        let r = run_in(&p, &["convert", "-o", "out"], None);
        assert_bad_input(&r, text, &[at]);
        assert!(!p.join("out").exists());
    }
    write(
        &p,
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    let r = run_in(
        &p,
        &["krm"],
        Some(resource_list("compose.yaml", "    namespace: ../../x\n").as_bytes()),
    );
    assert_bad_input(&r, "KRM spec.namespace", &["<stdin>:10:16", "namespace"]);
}

#[test]
fn a_symlinked_output_subdirectory_is_not_written_through() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    std::fs::create_dir_all(d.path().join("elsewhere")).unwrap();
    std::fs::create_dir_all(d.path().join("out")).unwrap();
    std::os::unix::fs::symlink("../elsewhere", d.path().join("out/dev")).unwrap();
    let r = run_in(d.path(), &["convert", "--env", "all", "-o", "out"], None);
    assert_bad_input(
        &r,
        "out/dev -> ../elsewhere",
        &["out/dev is a symbolic link leading outside out"],
    );
    assert_eq!(
        std::fs::read_dir(d.path().join("elsewhere"))
            .unwrap()
            .count(),
        0
    );
    assert_eq!(std::fs::read_dir(d.path().join("out")).unwrap().count(), 1);
}

#[test]
fn krm_spec_path_through_a_symlinked_directory() {
    let d = tmp();
    let pkg = d.path().join("pkg");
    write(
        &pkg,
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    std::fs::create_dir_all(d.path().join("outside")).unwrap();
    std::os::unix::fs::symlink("../outside", pkg.join("k8s")).unwrap();
    let r = run_in(
        &pkg,
        &["krm"],
        Some(resource_list("compose.yaml", "    path: k8s/app\n").as_bytes()),
    );
    assert_bad_input(
        &r,
        "spec.path through a symlink",
        &["<stdin>:10:11", "leads outside the package root"],
    );
}

/// The same refusal, at the reference, whether the outside file exists or not; never its text.
#[test]
fn krm_refuses_an_outside_env_file_before_opening_it() {
    let d = tmp();
    let pkg = d.path().join("pkg");
    write(
        d.path(),
        "outside/secret.env",
        "SECRET=hunter2\nbroken line\n",
    );
    let mut messages = Vec::new();
    // Names of one length: the messages must be equal up to the name, code frame included.
    for env_file in ["../outside/secret.env", "../outside/absent.env"] {
        write(
            &pkg,
            "compose.yaml",
            format!("services:\n  web:\n    image: nginx:1.27\n    env_file: {env_file}\n"),
        );
        let r = run_in(
            &pkg,
            &["krm"],
            Some(resource_list("compose.yaml", "").as_bytes()),
        );
        assert_bad_input(
            &r,
            env_file,
            &["compose.yaml:4:15", "outside the package root"],
        );
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(
            !all.contains("hunter2") && !all.contains("broken line"),
            "{all}"
        );
        messages.push(all.replace("secret.env", "X").replace("absent.env", "X"));
    }
    assert_eq!(
        messages[0], messages[1],
        "existence leaks through the message"
    );
    // The compose file itself, `include` and `extends` are refused the same way, located.
    write(
        &pkg,
        "compose.yaml",
        "include:\n  - ../outside/secret.env\nservices:\n  web:\n    image: a\n",
    );
    let r = run_in(
        &pkg,
        &["krm"],
        Some(resource_list("compose.yaml", "").as_bytes()),
    );
    assert_bad_input(
        &r,
        "include outside",
        &["compose.yaml:2:5", "outside the package root"],
    );
    let r = run_in(
        &pkg,
        &["krm"],
        Some(resource_list("../outside/secret.env", "").as_bytes()),
    );
    assert_bad_input(
        &r,
        "spec.compose outside",
        &["<stdin>:9:15", "outside the package root"],
    );
}

#[test]
fn krm_compose_that_is_a_directory_is_located() {
    let d = tmp();
    let r = run_in(d.path(), &["krm"], Some(resource_list(".", "").as_bytes()));
    assert_bad_input(&r, "compose: [.]", &["<stdin>:9:15", "`.` is a directory"]);
    let r = run_in(d.path(), &["convert", "-f", "."], None);
    assert_bad_input(&r, "convert -f .", &["error: .: is a directory"]);
}

#[test]
fn diff_never_follows_a_symlink_planted_in_the_output() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n",
    );
    let r = run_in(d.path(), &["convert", "-o", "out"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    write(d.path(), "secret.txt", "root:SECRET-CONTENT\n");
    std::fs::remove_file(d.path().join("out/web-service.yaml")).unwrap();
    std::os::unix::fs::symlink(
        d.path().join("secret.txt"),
        d.path().join("out/web-service.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(d.path().join("secret.txt"), d.path().join("out/extra.yaml"))
        .unwrap();
    let r = run_in(d.path(), &["diff", "--out", "out"], None);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(
        !all.contains("SECRET-CONTENT") && !all.contains("secret.txt"),
        "{all}"
    );
    assert!(
        all.contains("out/web-service.yaml (not a regular file"),
        "{all}"
    );
    assert!(all.contains("out/extra.yaml (not a regular file"), "{all}");
}

/// `db` with a named volume makes the Service `db-headless`; so does a service of that name.
#[test]
fn two_services_generating_the_same_object() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  db:\n    image: postgres:16\n    ports: [\"5432:5432\"]\n    volumes: [data:/var/lib/postgresql/data]\n  db-headless:\n    image: nginx:1.27\n    ports: [\"80:80\"]\nvolumes:\n  data: {}\n",
    );
    let needles = [
        "compose.yaml:6:3",
        "Service/db-headless is generated twice",
        "service `db`",
        "service `db-headless`",
    ];
    let r = run_in(d.path(), &["convert"], None);
    assert_bad_input(&r, "duplicate object (stdout)", &needles);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    convert_fails(d.path(), "compose.yaml", "duplicate object (-o)", &needles);
    // An earlier output is left exactly as it was.
    write(d.path(), "out/db-service.yaml", "old\n");
    let before = snapshot(&d.path().join("out"));
    let r = run_in(d.path(), &["convert", "-o", "out"], None);
    assert_bad_input(&r, "duplicate object over an earlier output", &needles);
    assert_eq!(snapshot(&d.path().join("out")), before);
}

#[test]
fn objects_the_schemas_refuse_are_errors_before_anything_is_written() {
    let d = tmp();
    // `pid: host` used to become `hostPid`, which the API refuses; now it is `hostPID`.
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    pid: host\n    ipc: host\n",
    );
    let r = run_in(d.path(), &["convert"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains("hostPID: true") && r.stdout.contains("hostIPC: true"),
        "{}",
        r.stdout
    );
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n    x-komply:\n      ingress:\n        host: a/../../b\n",
    );
    convert_fails(
        d.path(),
        "compose.yaml",
        "ingress host a/../../b",
        &["compose.yaml:5:5", "validate/name", "host \"a/../../b\""],
    );
    // An overlay patch that writes a field the schema does not know.
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    write(
        d.path(),
        "overlays/prod.yaml",
        "patches:\n  - target: {kind: Deployment, name: web}\n    json_patch:\n      - {op: add, path: /spec/template/spec/hostPid, value: true}\n",
    );
    let r = run_in(d.path(), &["convert", "--env", "prod", "-o", "out"], None);
    assert_bad_input(
        &r,
        "patched unknown field",
        &[
            "overlays/prod.yaml:2:5",
            "hostPid",
            "did you mean `hostPID`",
        ],
    );
    assert!(!d.path().join("out").exists());
    // A patch that moves an object into a namespace no API server takes (and that would become
    // a directory name): refused at the patch.
    write(
        d.path(),
        "overlays/prod.yaml",
        "patches:\n  - target: {kind: Deployment, name: web}\n    merge_patch: {metadata: {namespace: ../up}}\n",
    );
    let r = run_in(d.path(), &["convert", "--env", "prod", "-o", "out"], None);
    assert_bad_input(
        &r,
        "patched namespace",
        &[
            "overlays/prod.yaml:2:5",
            "namespace \"../up\" is not a valid name",
        ],
    );
    assert!(!d.path().join("out").exists());
    // A compose label the API server refuses as an annotation key (Docker takes any key; long
    // Traefik router keys are common): left out of the annotations with a located warning, so
    // the project still converts and the API server never sees it.
    std::fs::remove_dir_all(d.path().join("overlays")).unwrap();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    labels:\n      \"bad key!\": v\n      good: v\n",
    );
    let r = run_in(d.path(), &["convert"], None);
    assert_eq!(r.code, Some(0), "annotation key with a space\n{}", r.stderr);
    for n in [
        "generate/invalid-annotation-key",
        "compose.yaml:5:7",
        "`bad key!`",
    ] {
        assert!(r.stderr.contains(n), "expected {n:?} in\n{}", r.stderr);
    }
    assert!(!r.stdout.contains("bad key!"), "{}", r.stdout);
    assert!(r.stdout.contains("good: v"), "{}", r.stdout);
}

#[test]
fn read_errors_are_not_prefixed_twice() {
    let d = tmp();
    let r = run_in(d.path(), &["lint", "nope.yaml"], None);
    assert!(
        r.stdout
            .contains("error[KP001/invalid-input]: nope.yaml: cannot read"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("error: nope.yaml"), "{}", r.stdout);
}

/// A process killed by SIGKILL leaves `.NAME.komply-tmp-PID` files; the next write into the
/// directory removes those of dead processes (and puts a moved-aside file back).
#[test]
fn temp_files_of_dead_writers_are_cleaned_up() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    // A pid that is certainly not running (above the kernel's pid_max) and one that is (ours).
    let dead = 4_194_305u32;
    let alive = std::process::id();
    for i in 0..300 {
        write(
            d.path(),
            &format!("out/.f{i}.yaml.komply-tmp-{dead}"),
            "partial",
        );
    }
    write(
        d.path(),
        &format!("out/.kept.yaml.komply-tmp-{alive}"),
        "in progress",
    );
    write(
        d.path(),
        &format!("out/.old.yaml.komply-bak-{dead}"),
        "previous content\n",
    );
    let r = run_in(d.path(), &["convert", "-o", "out"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let names: Vec<String> = std::fs::read_dir(d.path().join("out"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains(&format!("-{dead}"))),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.contains(&format!("kept.yaml.komply-tmp-{alive}"))),
        "{names:?}"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("out/old.yaml")).unwrap(),
        "previous content\n"
    );
}

/// SIGTERM / SIGINT at any moment of a large `-o` run: either every file landed (the signal came
/// after the write) or the directory is exactly as before; never a temporary file left behind.
#[test]
fn a_signal_during_the_write_rolls_it_back() {
    use std::time::Duration;
    let d = tmp();
    let mut y = String::from("services:\n");
    for i in 0..400 {
        y.push_str(&format!(
            "  s{i}:\n    image: nginx:1.27\n    ports: [\"80\"]\n"
        ));
    }
    write(d.path(), "compose.yaml", &y);
    write(d.path(), "out/s0-service.yaml", "old\n");
    let before = snapshot(&d.path().join("out"));
    for (i, delay) in [5u64, 20, 40, 60, 80, 120, 160, 250].iter().enumerate() {
        let sig = if i % 2 == 0 { "-TERM" } else { "-INT" };
        let mut child = Command::new(BIN)
            .args(["convert", "-q", "-o", "out"])
            .current_dir(d.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(*delay));
        let _ = Command::new("kill")
            .arg(sig)
            .arg(child.id().to_string())
            .status();
        let status = child.wait().unwrap();
        let now = snapshot(&d.path().join("out"));
        let leftovers: Vec<_> = std::fs::read_dir(d.path().join("out"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".komply-"))
            .map(|e| e.file_name())
            .collect();
        assert!(
            leftovers.is_empty(),
            "{sig} after {delay} ms: {leftovers:?}"
        );
        let complete = now.len() == 800 && now != before;
        if status.success() {
            assert!(complete, "{sig} after {delay} ms: exit 0 but files missing");
        } else {
            // Killed before the handler was installed (default action), rolled back by it, or
            // interrupted after the last rename (everything landed; exit 128 + signal).
            assert!(
                now == before || complete,
                "{sig} after {delay} ms ({status}): a partial output ({} files)",
                now.len()
            );
        }
        // Start from the old state again.
        if now != before {
            std::fs::remove_dir_all(d.path().join("out")).unwrap();
            write(d.path(), "out/s0-service.yaml", "old\n");
        }
    }
}

/// "found a an integer": a type name already carries its article.
#[test]
fn type_names_are_said_with_one_article() {
    let d = tmp();
    let r = run_in(
        d.path(),
        &["krm"],
        Some(b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 5\n"),
    );
    assert_bad_input(
        &r,
        "items: 5",
        &["<stdin>:3:8", "`items` must be a list, found an integer"],
    );
    let r = run_in(d.path(), &["krm"], Some(b"[1]\n"));
    assert_bad_input(
        &r,
        "a sequence on stdin",
        &["found a sequence without apiVersion / kind"],
    );
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    hostname: [a]\n",
    );
    let r = run_in(d.path(), &["convert"], None);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(!all.contains("a a ") && !all.contains("a an "), "{all}");
}

/// A custom tag other than `!reset`/`!override` keeps its text, as Docker Compose (go-yaml v3)
/// does: `image: !custom x` is the image `x`, never an empty value.
#[test]
fn custom_tags_keep_their_text() {
    let d = tmp();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: !custom x\n    command: !custom [a, b]\n",
    );
    let r = run_in(d.path(), &["config", "--format", "json"], None);
    assert_eq!(r.code, Some(0), "!custom\n{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let web = &v["services"]["web"];
    assert_eq!(web["image"], "x", "{}", r.stdout);
    assert_eq!(
        web["command"],
        serde_json::json!(["a", "b"]),
        "{}",
        r.stdout
    );
}
