//! `komply lint` on Compose files: converted like `komply convert -f FILE`, linted in the same
//! context as the other inputs, every finding located at the compose key that caused it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const F: &str = "tests/fixtures/lint_compose";
const MARKER: &str = "PLANTED-SECRET-7c1e9a";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn komply(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_komply"));
    // The loader reads the process environment: keep the caller's Compose settings out.
    for var in [
        "COMPOSE_PROJECT_NAME",
        "COMPOSE_FILE",
        "COMPOSE_PROFILES",
        "COMPOSE_DISABLE_ENV_FILE",
    ] {
        cmd.env_remove(var);
    }
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run komply")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// (rule, file, line, column, message) of the active findings.
fn findings(v: &serde_json::Value) -> Vec<(String, String, u64, u64, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == false)
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn compose_findings_point_at_the_compose_keys() {
    let file = format!("{F}/risky/compose.yaml");
    let o = komply(&root(), &["lint", &file, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let got = findings(&json(&o));
    let at = |rule: &str, object: &str| -> (u64, u64) {
        let hits: Vec<_> = got
            .iter()
            .filter(|f| f.0 == rule && f.4.starts_with(object))
            .collect();
        assert_eq!(hits.len(), 1, "{rule} on {object}: {got:#?}");
        assert_eq!(hits[0].1, file, "{rule}: findings carry the compose path");
        (hits[0].2, hits[0].3)
    };
    // `image: example/users:latest` → the image value.
    assert_eq!(at("KP301", "Deployment/users"), (4, 12));
    // `privileged: true` → its key, for both privileged and privilege escalation.
    assert_eq!(at("KP102", "Deployment/users"), (5, 5));
    assert_eq!(at("KP103", "Deployment/users"), (5, 5));
    // `user: root` → runAsUser 0.
    assert_eq!(at("KP101", "Deployment/users"), (6, 5));
    // `cap_add: [SYS_ADMIN]`.
    assert_eq!(at("KP105", "Deployment/users"), (7, 5));
    // Missing healthcheck / resources / read_only → the service's own key `users:`.
    assert_eq!(at("KP401", "Deployment/users"), (3, 3));
    assert_eq!(at("KP402", "Deployment/users"), (3, 3));
    assert_eq!(at("KP201", "Deployment/users"), (3, 3));
    assert_eq!(at("KP203", "Deployment/users"), (3, 3));
    assert_eq!(at("KP106", "Deployment/users"), (3, 3));
    // `api` has `deploy.resources` without a memory limit → `resources:` under `deploy`.
    assert_eq!(at("KP203", "Deployment/api"), (18, 7));
    // `api` is otherwise clean: healthcheck, read_only, non-root user, pinned image.
    let api: Vec<_> = got
        .iter()
        .filter(|f| f.4.contains("/api:") && f.0 != "KP203")
        .collect();
    assert!(api.is_empty(), "{api:#?}");
}

#[test]
fn text_output_shows_the_compose_line_and_names_the_generated_object() {
    let o = komply(&root(), &["lint", &format!("{F}/risky/compose.yaml")]);
    let out = stdout(&o);
    assert!(
        out.contains("error[KP102/privileged]: Deployment/users: container \"users\" is privileged\n --> tests/fixtures/lint_compose/risky/compose.yaml:5:5"),
        "{out}"
    );
    assert!(out.contains("5 |     privileged: true"), "{out}");
}

#[test]
fn sarif_and_github_carry_the_compose_path() {
    let file = format!("{F}/risky/compose.yaml");
    let o = komply(&root(), &["lint", &file, "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let results = v["runs"][0]["results"].as_array().unwrap();
    let r = results.iter().find(|r| r["ruleId"] == "KP301").unwrap();
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], file.as_str());
    assert_eq!(loc["region"]["startLine"], 4);
    assert_eq!(loc["region"]["startColumn"], 12);
    assert!(
        results.iter().all(
            |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == file.as_str()
        ),
        "{results:#?}"
    );

    let o = komply(&root(), &["lint", &file, "--format", "github"]);
    let out = stdout(&o);
    assert!(
        out.contains(&format!("::error file={file},line=5,col=5,")),
        "{out}"
    );
}

#[test]
fn the_bundled_example_lints_without_errors() {
    let o = komply(
        &root(),
        &["lint", "examples/shop/compose.yaml", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(v["summary"]["errors"], 0, "{v:#}");
    // It was really converted and checked: the StatefulSet of `db` is there to be warned about.
    assert!(
        findings(&v)
            .iter()
            .any(|f| f.4.starts_with("StatefulSet/db") && f.1 == "examples/shop/compose.yaml"),
        "{v:#}"
    );
}

#[test]
fn compose_and_manifests_form_one_context() {
    let compose = format!("{F}/mixed/compose.yaml");
    let manifest = format!("{F}/mixed/service.yaml");
    let rules_of = |args: &[&str]| -> Vec<(String, String)> {
        let mut a = vec!["lint"];
        a.extend_from_slice(args);
        a.extend(["--format", "json"]);
        findings(&json(&komply(&root(), &a)))
            .into_iter()
            .map(|f| (f.0, f.4))
            .collect()
    };
    // Alone, the manifest's Service selects nothing; alone, the worker needs no readiness probe.
    let alone = rules_of(&[&manifest]);
    assert!(alone.iter().any(|f| f.0 == "KP501"), "{alone:#?}");
    let alone = rules_of(&[&compose]);
    assert!(!alone.iter().any(|f| f.0 == "KP401"), "{alone:#?}");
    // Together: the Service selects the compose-generated pods, which now need readiness.
    let both = rules_of(&[&compose, &manifest]);
    assert!(!both.iter().any(|f| f.0 == "KP501"), "{both:#?}");
    assert!(
        both.iter()
            .any(|f| f.0 == "KP401" && f.1.starts_with("Deployment/worker")),
        "{both:#?}"
    );
    // A directory holding both works the same way.
    let dir = rules_of(&[&format!("{F}/mixed")]);
    assert_eq!(dir, both);
}

#[test]
fn a_compose_file_with_a_syntax_error_exits_2_at_its_location() {
    let o = komply(&root(), &["lint", &format!("{F}/broken/compose.yaml")]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("--> tests/fixtures/lint_compose/broken/compose.yaml:5:3"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_compose_file_that_cannot_be_converted_exits_2_at_the_key() {
    let o = komply(
        &root(),
        &[
            "lint",
            &format!("{F}/unconvertible/compose.yaml"),
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let got = findings(&json(&o));
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].0, "KP002");
    assert_eq!((got[0].2, got[0].3), (6, 7), "{got:#?}");
    assert!(got[0].4.contains("x-komply"), "{got:#?}");
}

#[test]
fn no_secret_value_from_the_compose_file_in_any_format() {
    let file = format!("{F}/secrets/compose.yaml");
    for format in ["text", "json", "sarif", "github", "junit"] {
        let o = komply(&root(), &["lint", &file, "--format", format, "-v"]);
        // The run did lint the file (the `:latest` image and the ConfigMap secret are
        // reported) …
        assert!(stdout(&o).contains("KP301"), "{format}: {}", stdout(&o));
        assert!(stdout(&o).contains("KP110"), "{format}: {}", stdout(&o));
        // … and no output carries the planted value.
        let err = String::from_utf8_lossy(&o.stderr);
        // Neither the secret, nor the value the narrowed policy left in a ConfigMap (the
        // linter's own policy calls it secret).
        for m in [MARKER, "PLANTED-PLAIN-5d2f0b"] {
            assert!(!stdout(&o).contains(m), "{format}: {}", stdout(&o));
            assert!(!err.contains(m), "{format}: {err}");
        }
    }
}

#[test]
fn a_finding_about_a_secret_variable_points_at_environment_not_its_line() {
    let o = komply(
        &root(),
        &[
            "lint",
            &format!("{F}/secrets/compose.yaml"),
            "--format",
            "json",
        ],
    );
    let got = findings(&json(&o));
    let kp110: Vec<_> = got.iter().filter(|f| f.0 == "KP110").collect();
    assert_eq!(kp110.len(), 1, "{got:#?}");
    // Line 9 is `environment:`; line 11 (`POSTGRES_PASSWORD: …`) would print the value.
    assert_eq!((kp110[0].2, kp110[0].3), (9, 5), "{got:#?}");
    assert!(kp110[0].4.starts_with("ConfigMap/db-env"), "{got:#?}");
}

#[test]
fn komply_yaml_ignores_apply_to_generated_objects() {
    let dir = root().join(F).join("suppress");
    let o = komply(&dir, &["lint", "compose.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    assert!(findings(&v).is_empty(), "{v:#}");
    let suppressed = v["summary"]["suppressed"].as_u64().unwrap();
    assert!(suppressed >= 1, "{v:#}");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "KP301"
                && f["suppressionReason"] == "generated from compose, reviewed"),
        "{v:#}"
    );
}

#[test]
fn a_code_frame_on_a_line_holding_a_secret_shows_it_redacted() {
    let file = format!("{F}/secrets-inline/compose.yaml");
    for format in ["text", "json", "sarif", "github", "junit"] {
        let o = komply(
            &root(),
            &["lint", &file, "--format", format, "--color", "never"],
        );
        let all = format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
        assert!(!all.contains("PLANTED-INLINE-4b2d"), "{format}: {all}");
        if format == "text" {
            // The finding is still there, at the same place, with the value masked.
            assert!(all.contains("KP110"), "{all}");
            assert!(
                all.contains("POSTGRES_PASSWORD: *******************}"),
                "{all}"
            );
        }
    }
}

/// Several compose inputs: the compose files they read are registered on parallel threads, so
/// findings must be ordered by path, not by registration; the report is the same every run.
#[test]
fn findings_of_several_compose_inputs_come_in_a_stable_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = vec!["lint", "--format", "json", "--fail-on", "never"];
    let names: Vec<String> = (1..=6).map(|i| format!("d{i}")).collect();
    for (i, n) in names.iter().enumerate() {
        std::fs::create_dir(tmp.path().join(n)).unwrap();
        std::fs::write(
            tmp.path().join(n).join("compose.yaml"),
            format!("services:\n  web{i}:\n    image: nginx\n    privileged: true\n"),
        )
        .unwrap();
    }
    args.extend(names.iter().map(String::as_str));
    let files = |o: &Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}:{}:{}", f["file"], f["line"], f["rule"]))
            .collect()
    };
    let first = files(&komply(tmp.path(), &args));
    let order: Vec<&str> = first.iter().map(|f| f.split(':').next().unwrap()).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "findings grouped by file in path order");
    for _ in 0..5 {
        assert_eq!(files(&komply(tmp.path(), &args)), first);
    }
}
