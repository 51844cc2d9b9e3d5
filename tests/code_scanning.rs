//! What CI integrations read from komply: SARIF as GitHub code scanning expects it (validated
//! against the official 2.1.0 schema with every field komply adds), the JSON report against its
//! published schema (`komply schema lint-report`), and `--version` with the commit.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn komply(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run komply")
}

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}); stderr: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

const F: &str = "tests/fixtures/lint";

fn validator(schema_text: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(schema_text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

fn assert_valid(v: &Value, validator: &jsonschema::Validator, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what} invalid: {errors:#?}");
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schemas/sarif-2.1.0.json")).unwrap();
    validator(&text)
}

fn sarif(dir: &Path, args: &[&str]) -> Value {
    let o = komply(dir, args);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json_out(&o);
    assert_valid(&v, &sarif_validator(), "SARIF");
    v
}

fn fingerprints(run: &Value) -> Vec<(String, String)> {
    run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .expect("every result has a primaryLocationLineHash")
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn sarif_carries_what_code_scanning_reads_and_validates() {
    let v = sarif(
        &root(),
        &[
            "lint",
            &format!("{F}/families.yaml"),
            &format!("{F}/suppress/app.yaml"),
            "--format",
            "sarif",
        ],
    );
    let run = &v["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(
        driver["informationUri"],
        "https://github.com/komply-dev/komply"
    );
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["automationDetails"]["id"], "komply/lint/");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), komply::lint::rules::ALL.len());
    for (r, rule) in rules.iter().zip(komply::lint::rules::ALL) {
        let id = r["id"].as_str().unwrap();
        assert_eq!(id, rule.id.code());
        // helpUri: the generated page of the rule, which must exist at that path.
        let uri = r["helpUri"].as_str().unwrap();
        let page = uri
            .strip_prefix("https://github.com/komply-dev/komply/blob/v")
            .and_then(|rest| rest.split_once('/'))
            .map(|(version, path)| {
                assert_eq!(version, env!("CARGO_PKG_VERSION"), "{uri}");
                path.to_string()
            })
            .unwrap_or_else(|| panic!("{id}: helpUri {uri} is not a rule page of this version"));
        assert_eq!(page, format!("docs/rules/{id}.md"));
        assert!(root().join(&page).is_file(), "{id}: {page} does not exist");
        let props = &r["properties"];
        let tags: Vec<&str> = props["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&rule.family.as_str()), "{id}: {tags:?}");
        assert!(
            ["very-high", "high", "medium", "low"].contains(&props["precision"].as_str().unwrap()),
            "{id}: precision {}",
            props["precision"]
        );
        // GitHub treats a result as a security alert when its rule is tagged `security`, and
        // ranks it by `security-severity` (a string holding a number in 0.0–10.0).
        if tags.contains(&"security") {
            let score = props["security-severity"]
                .as_str()
                .unwrap_or_else(|| panic!("{id} is a security rule without security-severity"));
            let n: f64 = score.parse().unwrap();
            assert!((0.1..=10.0).contains(&n), "{id}: {score}");
        } else {
            assert!(props.get("security-severity").is_none(), "{id}");
        }
    }
    let prints = fingerprints(run);
    assert!(!prints.is_empty());
    let unique: HashSet<&(String, String)> = prints.iter().collect();
    assert_eq!(
        unique.len(),
        prints.len(),
        "fingerprints must be unique: {prints:#?}"
    );
}

#[test]
fn every_security_rule_has_a_security_severity() {
    for r in komply::lint::rules::ALL {
        let is_security = r.family == komply::lint::rules::Family::Security;
        match r.security_severity {
            Some(s) => {
                assert!(is_security, "{}: only security rules are scored", r.id);
                let n: f64 = s.parse().unwrap_or_else(|_| panic!("{}: {s:?}", r.id));
                assert!((0.1..=10.0).contains(&n), "{}: {s}", r.id);
                assert!(r.security_level().is_some());
            }
            None => assert!(
                !is_security,
                "{} is a security rule without a security_severity",
                r.id
            ),
        }
    }
}

#[test]
fn fingerprints_survive_lines_moving_and_tell_objects_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join(F).join("families.yaml")).unwrap();
    std::fs::write(tmp.path().join("app.yaml"), &text).unwrap();
    let before = sarif(tmp.path(), &["lint", "app.yaml", "--format", "sarif"]);
    // Ten comment lines on top: every finding moves down ten lines.
    std::fs::write(
        tmp.path().join("app.yaml"),
        format!("{}{text}", "# moved\n".repeat(10)),
    )
    .unwrap();
    let after = sarif(tmp.path(), &["lint", "app.yaml", "--format", "sarif"]);
    let line = |v: &Value| {
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(line(&after), line(&before) + 10);
    assert_eq!(
        fingerprints(&before["runs"][0]),
        fingerprints(&after["runs"][0])
    );
    // The same manifest under another file name is another alert (GitHub also keys on the path).
    std::fs::rename(tmp.path().join("app.yaml"), tmp.path().join("other.yaml")).unwrap();
    let renamed = sarif(tmp.path(), &["lint", "other.yaml", "--format", "sarif"]);
    assert_ne!(
        fingerprints(&before["runs"][0]),
        fingerprints(&renamed["runs"][0])
    );
}

#[test]
fn check_names_its_category_after_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("examples/shop/compose.yaml"),
        tmp.path().join("compose.yaml"),
    )
    .unwrap();
    let v = sarif(
        tmp.path(),
        &["check", "-q", "--env", "prod", "--format", "sarif"],
    );
    assert_eq!(
        v["runs"][0]["automationDetails"]["id"],
        "komply/check/prod/"
    );
    let v = sarif(tmp.path(), &["check", "-q", "--format", "sarif"]);
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "komply/check/");
    let v = sarif(
        tmp.path(),
        &[
            "check",
            "-q",
            "--format",
            "sarif",
            "--sarif-category",
            "shop/prod",
        ],
    );
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "shop/prod/");
    let v = sarif(
        &root(),
        &[
            "lint",
            &format!("{F}/clean.yaml"),
            "--format",
            "sarif",
            "--sarif-category",
            "deploy",
        ],
    );
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "deploy/");
}

#[test]
fn schema_lint_report_prints_the_published_schema() {
    let o = komply(&root(), &["schema", "lint-report"]);
    assert_eq!(o.status.code(), Some(0));
    let on_disk = std::fs::read_to_string(root().join("schemas/lint-report.schema.json")).unwrap();
    assert_eq!(String::from_utf8(o.stdout).unwrap(), on_disk);
}

/// Real reports — findings of every family, suppressed ones, a parse error, compose input, a
/// clean run, stdin — validate against the schema, and the schema is strict enough to fail.
#[test]
fn json_reports_validate_against_the_lint_report_schema() {
    let schema = validator(komply::lint::output::REPORT_SCHEMA);
    let runs: &[&[&str]] = &[
        &[
            "lint",
            "tests/fixtures/lint/families.yaml",
            "tests/fixtures/lint/suppress/app.yaml",
        ],
        &[
            "lint",
            "tests/fixtures/lint/invalid.yaml",
            "tests/fixtures/lint/clean.yaml",
        ],
        &["lint", "tests/fixtures/lint/docker-compose.yml"],
        &["lint", "tests/fixtures/lint/clean.yaml"],
        &["lint", "tests/fixtures/lint"],
    ];
    let mut seen_suppressed = false;
    let mut seen_null_location = false;
    for args in runs {
        let mut args = args.to_vec();
        args.extend(["--format", "json"]);
        let o = komply(&root(), &args);
        assert!(matches!(o.status.code(), Some(0..=2)), "{args:?}");
        let v = json_out(&o);
        assert_valid(&v, &schema, &format!("report of {args:?}"));
        for f in v["findings"].as_array().unwrap() {
            seen_suppressed |= f["suppressed"] == true;
            seen_null_location |= f["object"].is_null();
        }
    }
    assert!(
        seen_suppressed && seen_null_location,
        "the runs cover suppressed and object-less findings"
    );
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("examples/shop/compose.yaml"),
        tmp.path().join("compose.yaml"),
    )
    .unwrap();
    let v = json_out(&komply(
        tmp.path(),
        &["check", "-q", "--env", "prod", "--format", "json"],
    ));
    assert_valid(&v, &schema, "check report");
    // Guard the guard: an unknown field or a wrong severity is rejected.
    let mut bad = v.clone();
    bad["summary"]["fatal"] = serde_json::json!(1);
    assert!(!schema.is_valid(&bad));
    let mut bad = json_out(&komply(
        &root(),
        &[
            "lint",
            "tests/fixtures/lint/families.yaml",
            "--format",
            "json",
        ],
    ));
    bad["findings"][0]["severity"] = serde_json::json!("fatal");
    assert!(!schema.is_valid(&bad));
}

/// `--version` names the commit when built from a git checkout of this repository (build.rs),
/// while `komply man` (generated pages) and the reports stay free of it.
#[test]
fn version_includes_the_commit() {
    let o = komply(&root(), &["--version"]);
    let shown = String::from_utf8(o.stdout).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let git = Command::new("git")
        .args(["rev-parse", "--show-toplevel", "HEAD"])
        .current_dir(root())
        .output();
    let commit = git.ok().filter(|o| o.status.success()).and_then(|o| {
        let text = String::from_utf8(o.stdout).ok()?;
        let mut lines = text.lines();
        let top = PathBuf::from(lines.next()?);
        (top.canonicalize().ok()? == root().canonicalize().ok()?)
            .then(|| lines.next().map(str::to_string))?
    });
    match commit {
        Some(head) => assert_eq!(shown, format!("komply {version} ({})\n", &head[..12])),
        None => assert!(shown.starts_with(&format!("komply {version}")), "{shown}"),
    }
    let man = String::from_utf8(komply(&root(), &["man"]).stdout).unwrap();
    assert!(
        man.contains(&format!("\"komply {version}\"")),
        "man page header: the bare version"
    );
    assert!(
        !man.contains(&format!("{version} (")),
        "no commit in man pages"
    );
    let v = sarif(
        &root(),
        &["lint", &format!("{F}/clean.yaml"), "--format", "sarif"],
    );
    assert_eq!(v["runs"][0]["tool"]["driver"]["semanticVersion"], version);
}
