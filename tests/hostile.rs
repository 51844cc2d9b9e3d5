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
