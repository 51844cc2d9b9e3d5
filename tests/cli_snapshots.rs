//! Snapshots of what people read (colour off): `--help` of every command (found by walking the
//! clap definition, so a new subcommand gets a snapshot without touching this file), and
//! `komply graph` of every bundled example. Snapshots live in `golden/cli/`; review and accept
//! changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test --test cli_snapshots`
//! and read the diff).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn komply(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let o = Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .stdin(Stdio::null())
        .output()
        .expect("run komply");
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.code().unwrap_or(-1),
    )
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => root().join("golden/cli"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

/// Every command path: `[]`, `["convert"]`, `["rules", "explain"]`, …
fn command_paths(cmd: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" || sub.is_hide_set() {
            continue;
        }
        let mut p = prefix.clone();
        p.push(sub.get_name().to_string());
        command_paths(sub, p, out);
    }
}

fn all_paths() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    command_paths(&komply::cli::command(), Vec::new(), &mut out);
    out
}

#[test]
fn help_of_every_command() {
    for path in all_paths() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let (out, err, code) = komply(&root(), &args);
        assert_eq!(code, 0, "komply {args:?}: {err}");
        let name = std::iter::once("komply")
            .chain(path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("-");
        snapshot!(format!("help__{name}"), out);
    }
}

#[test]
fn every_leaf_command_shows_an_example() {
    for path in all_paths() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let (out, _, _) = komply(&root(), &args);
        let has_subcommands = out.contains("\nCommands:\n");
        assert!(
            has_subcommands && path.is_empty() || out.contains("Example"),
            "`komply {}` --help has no example",
            path.join(" ")
        );
    }
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("compose.yaml").is_file())
        .collect();
    v.sort();
    v
}

#[test]
fn graph_of_every_example() {
    for dir in examples() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        for format in ["mermaid", "dot"] {
            let (out, err, code) = komply(&dir, &["graph", "-q", "--format", format]);
            assert_eq!(code, 0, "graph of {name}: {err}");
            snapshot!(format!("graph__{name}.{format}"), out);
        }
    }
}

#[test]
fn graph_is_deterministic_and_stdout_only() {
    let dir = root().join("examples/shop");
    let a = komply(&dir, &["graph"]);
    let b = komply(&dir, &["graph"]);
    assert_eq!(a.0, b.0);
    assert!(a.0.starts_with("---\ntitle:"));
    assert!(!a.0.contains("warning"), "diagnostics go to stderr");
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef komply"),
        ("fish", "complete -c komply"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (out, err, code) = komply(&root(), &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains(marker), "{shell} completion lacks {marker:?}");
        // Every subcommand is completable, however many others add.
        for path in all_paths().iter().filter(|p| p.len() == 1) {
            assert!(out.contains(&path[0]), "{shell} completion lacks {}", path[0]);
        }
    }
}

#[test]
fn man_pages_for_every_command() {
    let (out, _, code) = komply(&root(), &["man"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH komply 1"));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    let (_, err, code) = komply(&root(), &["man", "--out", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    for path in all_paths() {
        let file = std::iter::once("komply")
            .chain(path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("-")
            + ".1";
        let text = std::fs::read_to_string(dir.join(&file))
            .unwrap_or_else(|_| panic!("no man page {file}"));
        assert!(text.contains(".SH NAME"), "{file}");
    }
}

#[test]
fn readme_picture_is_current() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README.md has a ```mermaid block");
    let (out, err, code) = komply(&root(), &["graph", "-q", "-f", "examples/shop/compose.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        block, out,
        "README's picture is stale: paste `komply graph -f examples/shop/compose.yaml` into it"
    );
}
