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
        // And each environment the example defines (`overlays/<env>.yaml`).
        let mut envs: Vec<String> = std::fs::read_dir(dir.join("overlays"))
            .into_iter()
            .flatten()
            .filter_map(|e| {
                let p = e.ok()?.path();
                let stem = p.file_stem()?.to_string_lossy().into_owned();
                (p.extension()? == "yaml").then_some(stem)
            })
            .collect();
        envs.sort();
        for env in envs {
            for format in ["mermaid", "dot"] {
                let (out, err, code) =
                    komply(&dir, &["graph", "-q", "--env", &env, "--format", format]);
                assert_eq!(code, 0, "graph of {name} --env {env}: {err}");
                snapshot!(format!("graph__{name}@{env}.{format}"), out);
            }
        }
        if dir.join("overlays").is_dir() {
            for format in ["mermaid", "dot"] {
                let (out, err, code) =
                    komply(&dir, &["graph", "-q", "--env", "all", "--format", format]);
                assert_eq!(code, 0, "graph of {name} --env all: {err}");
                snapshot!(format!("graph__{name}@all.{format}"), out);
            }
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
            // As a whole word: a short name such as `man` is inside `command` anyway.
            let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
            let whole = out
                .match_indices(path[0].as_str())
                .any(|(i, m)| !out[..i].ends_with(word) && !out[i + m.len()..].starts_with(word));
            assert!(whole, "{shell} completion lacks {}", path[0]);
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
    let (out, err, code) = komply(
        &root(),
        &["graph", "-q", "-f", "examples/shop/compose.yaml"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        block, out,
        "README's picture is stale: paste `komply graph -f examples/shop/compose.yaml` into it"
    );
}

/// One finding of each rule family, as `komply lint` prints it (code frame, `help:` line).
#[test]
fn a_finding_of_each_rule_family() {
    let (out, _, code) = komply(
        &root(),
        &[
            "lint",
            "tests/fixtures/lint/invalid.yaml",
            "tests/fixtures/lint/families.yaml",
        ],
    );
    assert_eq!(code, 2, "an unparsable file is bad input");
    for (family, digit) in [
        ("input", '0'),
        ("security", '1'),
        ("resources", '2'),
        ("images", '3'),
        ("probes", '4'),
        ("references", '5'),
        ("schema", '6'),
    ] {
        let block = out
            .split("\n\n")
            .find(|b| {
                b.split_once("[KP")
                    .is_some_and(|(_, r)| r.starts_with(digit))
            })
            .unwrap_or_else(|| panic!("no {family} finding in:\n{out}"));
        let head = block.lines().next().unwrap();
        assert!(head.contains('/'), "rule id and name in {head:?}");
        assert!(block.contains(" --> ") && block.contains('^'), "code frame");
        assert_eq!(
            block.lines().filter(|l| l.starts_with("help: ")).count(),
            1,
            "one help line"
        );
        snapshot!(format!("finding__{family}"), block);
    }
    assert!(
        out.ends_with("2 files, 5 errors, 3 warnings, 0 suppressed\n"),
        "{out}"
    );
}

#[test]
fn quiet_prints_findings_only_and_verbose_says_what_was_read_and_skipped() {
    let args = ["lint", "tests/fixtures/lint/families.yaml"];
    let (loud, _, _) = komply(&root(), &args);
    let (quiet, qerr, _) = komply(&root(), &[&args[..], &["-q"]].concat());
    assert!(loud.ends_with("0 suppressed\n"));
    assert!(!quiet.contains("suppressed\n"), "no summary with --quiet");
    assert_eq!(
        loud.rsplit_once("\n1 file").unwrap().0,
        quiet.trim_end_matches('\n').to_string() + "\n"
    );
    assert!(qerr.is_empty());

    let (out, err, code) = komply(&root(), &["lint", "-v", "tests/fixtures/cli/mixed"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("komply: read tests/fixtures/cli/mixed/clean.yaml\n"),
        "{err}"
    );
    assert!(
        err.contains("komply: skipped tests/fixtures/cli/mixed/NOTES.txt"),
        "{err}"
    );
    assert!(err.contains("komply: linted 1 file, "), "{err}");
    assert!(out.ends_with("1 file, 0 errors, 0 warnings, 0 suppressed\n"));
    // Suppressed findings are listed with their reason.
    let (_, err, _) = komply(
        &root(),
        &[
            "lint",
            "-v",
            "tests/fixtures/lint/suppress/app.yaml",
            "--config",
            "tests/fixtures/lint/suppress/.komply.yaml",
        ],
    );
    assert!(
        err.contains("komply: suppressed KP201 at tests/fixtures/lint/suppress/app.yaml:29:11: "),
        "{err}"
    );
    // No progress line or escape code ever reaches a pipe.
    assert!(!err.contains('\r') && !err.contains('\u{1b}'));
}

/// A Compose error from `convert`: `file:line:col`, code frame, exit 2, nothing on stdout.
#[test]
fn convert_error_is_a_code_frame() {
    let dir = root().join("tests/fixtures/cli/bad-ports");
    let (out, err, code) = komply(&dir, &["convert"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    snapshot!("convert_error__bad-ports", err);
    let (_, verbose, _) = komply(&dir, &["convert", "-v"]);
    assert_eq!(
        verbose, err,
        "nothing was converted, so nothing more to say"
    );
}

#[test]
fn no_color_wins_over_color_always() {
    let o = Command::new(env!("CARGO_BIN_EXE_komply"))
        .args([
            "lint",
            "--color",
            "always",
            "tests/fixtures/lint/families.yaml",
        ])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&o.stdout).contains('\u{1b}'));
    let o = Command::new(env!("CARGO_BIN_EXE_komply"))
        .args([
            "lint",
            "--color",
            "always",
            "tests/fixtures/lint/families.yaml",
        ])
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains('\u{1b}'),
        "--color always colours a pipe"
    );
}
