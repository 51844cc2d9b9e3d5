//! `komply lint` / `komply rules` end to end: formats (SARIF validated against the official
//! 2.1.0 schema), exit codes, suppression, configuration discovery, inputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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

fn komply_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn komply");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const F: &str = "tests/fixtures/lint";

fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/sarif-2.1.0.json")).unwrap(),
    )
    .unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("SARIF schema compiles")
}

fn assert_valid_sarif(text: &str) -> serde_json::Value {
    // The whole of stdout must be the SARIF document: nothing before or after it.
    let v: serde_json::Value =
        serde_json::from_str(text).expect("stdout is exactly one JSON document");
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid: {errors:#?}");
    v
}

#[test]
fn sarif_clean_run_has_an_empty_results_array_and_validates() {
    let o = komply(
        &root(),
        &["lint", &format!("{F}/clean.yaml"), "--format", "sarif"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = assert_valid_sarif(&stdout(&o));
    assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), komply::lint::rules::ALL.len());
    assert_eq!(rules[3]["id"], "KP004");
    assert_eq!(rules[4]["id"], "KP101");
    assert!(
        o.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn sarif_with_findings_validates_with_relative_uris_and_regions() {
    let o = komply(
        &root(),
        &[
            "lint",
            &format!("{F}/families.yaml"),
            &format!("{F}/suppress/app.yaml"),
            "--format",
            "sarif",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let v = assert_valid_sarif(&stdout(&o));
    let results = v["runs"][0]["results"].as_array().unwrap();
    let privileged = results
        .iter()
        .find(|r| r["ruleId"] == "KP102")
        .expect("KP102 result");
    let loc = &privileged["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "tests/fixtures/lint/families.yaml"
    );
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 33);
    assert_eq!(loc["region"]["startColumn"], 13);
    assert_eq!(privileged["level"], "error");
    // Suppressed findings are kept, marked as suppressed with their justification.
    let suppressed = results
        .iter()
        .find(|r| r["ruleId"] == "KP106" && r.get("suppressions").is_some())
        .unwrap();
    assert_eq!(
        suppressed["suppressions"][0]["justification"],
        "writes its cache to the root fs; tracked in SHOP-12"
    );
}

#[test]
fn sarif_schema_check_can_fail() {
    // Guards the guard: a level SARIF does not have must be rejected by the validator.
    let o = komply(
        &root(),
        &["lint", &format!("{F}/families.yaml"), "--format", "sarif"],
    );
    let mut v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    v["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!sarif_validator().is_valid(&v));
}

#[test]
fn sarif_for_an_unparsable_file_still_validates_and_exits_2() {
    let o = komply(
        &root(),
        &[
            "lint",
            &format!("{F}/invalid.yaml"),
            &format!("{F}/clean.yaml"),
            "--format",
            "sarif",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let v = assert_valid_sarif(&stdout(&o));
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "KP001");
}

/// Text output (colour off) for a finding of each rule family, compared with golden/lint/.
#[test]
fn text_output_golden() {
    let o = komply(
        &root(),
        &["lint", &format!("{F}/families.yaml"), "--color", "never"],
    );
    assert_eq!(o.status.code(), Some(1));
    let got = stdout(&o);
    let path = root().join("golden/lint/families.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .expect("golden/lint/families.txt (UPDATE_GOLDEN=1 to create)");
    assert_eq!(
        got, want,
        "text output changed; review and re-run with UPDATE_GOLDEN=1"
    );
    for family in ["KP102", "KP203", "KP301", "KP403", "KP501", "KP601"] {
        assert!(got.contains(&format!("[{family}/")), "{family} missing");
    }
    assert!(got.ends_with("1 file, 4 errors, 3 warnings, 0 suppressed\n"));
    assert!(!got.contains('\u{1b}'), "no colour codes when not on a TTY");
}

#[test]
fn github_annotations_are_escaped() {
    let o = komply(
        &root(),
        &["lint", &format!("{F}/families.yaml"), "--format", "github"],
    );
    let out = stdout(&o);
    assert!(
        out.contains("::error file=tests/fixtures/lint/families.yaml,line=33,col=13,endLine=33,endColumn=23,title=KP102 privileged::Deployment/shop/web: container \"web\" is privileged\n"),
        "{out}"
    );
    assert_eq!(
        komply::lint::output::gh_escape_property("a:b,c%d\r\n"),
        "a%3Ab%2Cc%25d%0D%0A"
    );
    assert_eq!(
        komply::lint::output::gh_escape_data("50%\nnext: x, y"),
        "50%25%0Anext: x, y"
    );
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("::notice title=komply::1 file, 4 errors")
    );
}

#[test]
fn json_and_junit_formats() {
    let o = komply(
        &root(),
        &[
            "lint",
            &format!("{F}/families.yaml"),
            &format!("{F}/clean.yaml"),
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["summary"]["errors"], 4);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "KP102")
        .unwrap();
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(33), Some(13))
    );
    assert_eq!(f["object"]["kind"], "Deployment");
    assert_eq!(f["container"], "web");

    let o = komply(
        &root(),
        &[
            "lint",
            &format!("{F}/families.yaml"),
            &format!("{F}/clean.yaml"),
            "--format",
            "junit",
        ],
    );
    let x = stdout(&o);
    assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"komply lint\" tests=\"8\" failures=\"7\""), "{x}");
    assert!(
        x.contains("<testcase name=\"komply lint\" classname=\"tests/fixtures/lint/clean.yaml\"/>")
    );
    assert!(x.contains("container &quot;web&quot; is privileged"));
    assert_eq!(x.matches("<testsuite ").count(), 2);
}

#[test]
fn fail_on_thresholds_and_exit_codes() {
    let o = komply(&root(), &["lint", &format!("{F}/clean.yaml")]);
    assert_eq!(o.status.code(), Some(0));
    let o = komply(
        &root(),
        &["lint", &format!("{F}/families.yaml"), "--fail-on", "never"],
    );
    assert_eq!(o.status.code(), Some(0));
    let o = komply(&root(), &["lint", &format!("{F}/families.yaml")]);
    assert_eq!(o.status.code(), Some(1));
    // Only info findings (unknown document): fail only with --fail-on info.
    let o = komply(
        &root(),
        &["lint", &format!("{F}/values.yaml"), "--fail-on", "warning"],
    );
    assert_eq!(o.status.code(), Some(0));
    let o = komply(
        &root(),
        &["lint", &format!("{F}/values.yaml"), "--fail-on", "info"],
    );
    assert_eq!(o.status.code(), Some(1));
    // Bad input wins over findings; usage errors are 2 as well.
    let o = komply(
        &root(),
        &["lint", &format!("{F}/invalid.yaml"), "--fail-on", "never"],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = komply(&root(), &["lint", "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = komply(&root(), &["lint", &format!("{F}/does-not-exist.yaml")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).contains("does-not-exist.yaml: cannot read: no such file or directory"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn compose_input_that_cannot_be_converted_is_reported_with_exit_2() {
    let o = komply(&root(), &["lint", &format!("{F}/docker-compose.yml")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).contains("docker-compose.yml:4:12: error[KP002]")
            || stdout(&o).contains("docker-compose.yml:4:12"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("cannot convert the compose file: `ports`"));
}

#[test]
fn suppression_by_annotation_and_config() {
    let dir = root().join(F).join("suppress");
    // .komply.yaml is discovered in the current directory.
    let o = komply(
        &dir,
        &["lint", "app.yaml", "--format", "json", "--fail-on", "never"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let active: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == false)
        .collect();
    assert_eq!(active.len(), 1, "{active:#?}");
    // `name: web` matches only web, never web-2: the kube-system Deployment is still reported,
    // with the severity the config set.
    assert_eq!(active[0]["rule"], "KP107");
    assert_eq!(active[0]["severity"], "warning");
    assert_eq!(v["summary"]["suppressed"], 5);
    let reasons: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["suppressionReason"].as_str())
        .collect();
    assert!(
        reasons.contains(&"pinned by the release pipeline"),
        "pod-template annotation by rule name"
    );
    assert!(
        reasons.contains(&"writes its cache to the root fs; tracked in SHOP-12"),
        "object annotation by rule id"
    );
    assert!(
        reasons.contains(&"injected sidecar, resources set by the mesh"),
        "config ignore by container"
    );

    let o = komply(
        &dir,
        &[
            "lint",
            "app.yaml",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--no-inline-ignores",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["summary"]["suppressed"], 3,
        "only the config ignores remain"
    );

    let o = komply(&dir, &["lint", "app.yaml"]);
    assert!(
        stdout(&o).ends_with("1 file, 0 errors, 1 warning, 5 suppressed\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bad_config_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join(".komply.yaml"),
        "rules:\n  disable: [no-such-rule]\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    let o = komply(tmp.path(), &["lint", "a.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown rule \"no-such-rule\""));
}

#[test]
fn stdin_directories_gitignore_and_symlink_loops() {
    let o = komply_stdin(
        &root(),
        &["lint", "-", "--format", "json", "--fail-on", "never"],
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: nginx\n",
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "KP301")
        .unwrap();
    assert_eq!(
        (f["file"].as_str(), f["line"].as_u64(), f["column"].as_u64()),
        (Some("<stdin>"), Some(7), Some(14))
    );

    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir_all(d.join("deploy/nested")).unwrap();
    std::fs::create_dir_all(d.join("build")).unwrap();
    std::fs::write(d.join(".gitignore"), "build/\n").unwrap();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {password: x}\n";
    std::fs::write(d.join("deploy/a.yaml"), cm).unwrap();
    std::fs::write(
        d.join("deploy/nested/b.yml"),
        cm.replace("name: a", "name: b"),
    )
    .unwrap();
    std::fs::write(
        d.join("deploy/nested/c.json"),
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"token":"x"}}"#,
    )
    .unwrap();
    std::fs::write(d.join("deploy/notes.txt"), "not yaml").unwrap();
    std::fs::write(
        d.join("build/generated.yaml"),
        cm.replace("name: a", "name: ignored"),
    )
    .unwrap();
    std::fs::write(d.join("deploy/broken.yaml"), "a: [\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("deploy"), d.join("deploy/nested/loop")).unwrap();
    let o = komply(d, &["lint", ".", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let files: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert_eq!(
        files,
        [
            "deploy/a.yaml",
            "deploy/broken.yaml",
            "deploy/nested/b.yml",
            "deploy/nested/c.json"
        ],
        "{v:#}"
    );
    let rules: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rules.iter().filter(|(r, _)| *r == "KP110").count(),
        3,
        "{rules:#?}"
    );
    assert!(
        rules
            .iter()
            .any(|(r, m)| *r == "KP001" && m.contains("cannot parse")),
        "the broken file is reported"
    );
    #[cfg(unix)]
    assert!(
        rules
            .iter()
            .any(|(r, m)| *r == "KP001" && m.contains("loop")),
        "the symlink loop is reported: {rules:#?}"
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "unparsable input means exit 2, after linting the rest"
    );
}

#[test]
fn rules_list_and_explain() {
    let o = komply(&root(), &["rules"]);
    let out = stdout(&o);
    assert!(out.contains("KP101  run-as-non-root"), "{out}");
    assert!(
        out.contains("KP302  image-digest             images      (warning)"),
        "{out}"
    );
    let by_id = stdout(&komply(&root(), &["rules", "explain", "KP301"]));
    let by_name = stdout(&komply(&root(), &["rules", "explain", "image-tag"]));
    assert_eq!(by_id, by_name);
    assert!(by_id.starts_with("# KP301 image-tag\n"));
    assert!(by_id.contains("`registry:5000/nginx` has **no** tag"));
    let o = komply(&root(), &["rules", "explain", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}
