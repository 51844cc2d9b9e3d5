//! The integrations end to end with the real binary (hermetic: files in the repo and temp dirs):
//! `komply check`, `komply diff` (in sync, drift, missing file, extra file), `komply krm`
//! (generator, validator, confinement, hostile input), the legacy kustomize plugin (including
//! the `Komply` program name) and `komply migrate`. The same integrations are proven against the
//! real tools (pre-commit, kpt, kubectl) by conformance/5*.sh.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    run_exe(Path::new(env!("CARGO_BIN_EXE_komply")), dir, args, stdin)
}

fn run_exe(exe: &Path, dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(exe)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run komply");
    {
        let mut input = child.stdin.take().unwrap();
        let _ = input.write_all(stdin.unwrap_or("").as_bytes());
    }
    child.wait_with_output().expect("wait for komply")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// A temp directory holding a copy of the shop example's compose file.
fn shop() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("examples/shop/compose.yaml"),
        tmp.path().join("compose.yaml"),
    )
    .unwrap();
    tmp
}

const PRIVILEGED_COMPOSE: &str =
    "services:\n  web:\n    image: nginx:1.27.3\n    privileged: true\n";

// ---- komply diff ------------------------------------------------------------------------------

fn converted_dir(tmp: &Path) -> PathBuf {
    let o = run_in(tmp, &["convert", "-q", "-o", "out"], None);
    assert_eq!(code(&o), 0, "{}", err(&o));
    tmp.join("out")
}

#[test]
fn diff_in_sync_exits_0_and_prints_nothing() {
    let tmp = shop();
    converted_dir(tmp.path());
    let o = run_in(tmp.path(), &["diff", "--out", "out"], None);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(out(&o), "");
    assert!(err(&o).contains("in sync"), "{}", err(&o));
}

#[test]
fn diff_reports_a_changed_file_as_a_unified_diff() {
    let tmp = shop();
    let dir = converted_dir(tmp.path());
    let f = dir.join("users-deployment.yaml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, text.replace("replicas: 2", "replicas: 5")).unwrap();
    let o = run_in(tmp.path(), &["diff", "--out", "out"], None);
    assert_eq!(code(&o), 1, "{}", err(&o));
    let d = out(&o);
    assert!(
        d.contains("--- a/out/users-deployment.yaml\n+++ b/out/users-deployment.yaml\n"),
        "{d}"
    );
    assert!(d.contains("\n-  replicas: 5\n+  replicas: 2\n"), "{d}");
    assert!(
        err(&o).contains("1 changed, 0 missing, 0 extra"),
        "{}",
        err(&o)
    );
}

#[test]
fn diff_reports_a_missing_file() {
    let tmp = shop();
    let dir = converted_dir(tmp.path());
    std::fs::remove_file(dir.join("cache-service.yaml")).unwrap();
    let o = run_in(tmp.path(), &["diff", "--out", "out"], None);
    assert_eq!(code(&o), 1);
    assert!(
        out(&o).contains("--- /dev/null\n+++ b/out/cache-service.yaml\n"),
        "{}",
        out(&o)
    );
    assert!(
        err(&o).contains("0 changed, 1 missing, 0 extra"),
        "{}",
        err(&o)
    );
}

#[test]
fn diff_reports_an_extra_file() {
    let tmp = shop();
    let dir = converted_dir(tmp.path());
    std::fs::write(
        dir.join("old-service.yaml"),
        "apiVersion: v1\nkind: Service\n",
    )
    .unwrap();
    std::fs::write(dir.join("README.txt"), "not a manifest\n").unwrap();
    let o = run_in(tmp.path(), &["diff", "--out", "out"], None);
    assert_eq!(code(&o), 1);
    let d = out(&o);
    assert!(
        d.contains("--- a/out/old-service.yaml\n+++ /dev/null\n"),
        "{d}"
    );
    assert!(!d.contains("README.txt"), "{d}");
    assert!(
        err(&o).contains("0 changed, 0 missing, 1 extra"),
        "{}",
        err(&o)
    );
}

#[test]
fn diff_without_the_directory_or_with_a_broken_project_exits_2() {
    let tmp = shop();
    let o = run_in(tmp.path(), &["diff", "--out", "nowhere"], None);
    assert_eq!(code(&o), 2);
    assert!(
        err(&o).contains("nowhere: no such directory"),
        "{}",
        err(&o)
    );
    std::fs::write(tmp.path().join("compose.yaml"), "services:\n  web: [\n").unwrap();
    std::fs::create_dir(tmp.path().join("out")).unwrap();
    let o = run_in(tmp.path(), &["diff", "--out", "out"], None);
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("compose.yaml:"), "{}", err(&o));
}

// ---- komply check -----------------------------------------------------------------------------

#[test]
fn check_of_a_clean_project_exits_0() {
    let tmp = shop();
    let o = run_in(tmp.path(), &["check", "-q"], None);
    assert_eq!(code(&o), 0, "{}{}", out(&o), err(&o));
}

#[test]
fn check_reports_findings_at_the_compose_line_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("compose.yaml"), PRIVILEGED_COMPOSE).unwrap();
    let o = run_in(tmp.path(), &["check", "-q", "--format", "github"], None);
    assert_eq!(code(&o), 1);
    assert!(
        out(&o).contains("::error file=compose.yaml,line=4,"),
        "{}",
        out(&o)
    );
    let o = run_in(tmp.path(), &["check", "-q", "--format", "sarif"], None);
    assert_eq!(code(&o), 1);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "KP102"), "{sarif}");
    let o = run_in(tmp.path(), &["check", "-q", "--fail-on", "never"], None);
    assert_eq!(code(&o), 0);
}

#[test]
fn check_of_a_broken_project_is_a_located_kp002_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  web:\n    ports: \"x\n",
    )
    .unwrap();
    let o = run_in(tmp.path(), &["check", "--format", "json"], None);
    assert_eq!(code(&o), 2, "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "KP002", "{v}");
    assert_eq!(f["file"], "compose.yaml", "{v}");
    assert!(f["line"].as_u64().unwrap() >= 3, "{v}");
}

// ---- komply krm -------------------------------------------------------------------------------

fn resource_list(items: &str, function_config: &str) -> String {
    format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}functionConfig:\n{function_config}"
    )
}

const KEPT_ITEM: &str = "- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: kept
    annotations:
      config.kubernetes.io/index: '0'
      config.kubernetes.io/path: 'kept.yaml'
      internal.config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/path: 'kept.yaml'
      config.k8s.io/id: '1'
      example.com/owner: team-a
  data:
    LEVEL: info
";

#[test]
fn krm_generator_appends_the_objects_and_keeps_existing_items() {
    let tmp = shop();
    // One service with a mount komply cannot carry over, so the conversion has a warning.
    let compose = tmp.path().join("compose.yaml");
    let text = std::fs::read_to_string(&compose).unwrap().replacen(
        "services:\n",
        "services:\n  agent:\n    image: ghcr.io/example/agent:1.0\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
        1,
    );
    std::fs::write(&compose, text).unwrap();
    let input = resource_list(
        KEPT_ITEM,
        "  apiVersion: komply.dev/v1alpha1\n  kind: Komply\n  metadata: {name: shop}\n  spec:\n    compose: compose.yaml\n    path: k8s\n",
    );
    let o = run_in(tmp.path(), &["krm"], Some(&input));
    assert_eq!(code(&o), 0, "{}", err(&o));
    let text = out(&o);
    let docs: Vec<serde_json::Value> = parse_yaml_stream(&text);
    let list = &docs[0];
    assert_eq!(list["kind"], "ResourceList");
    let items = list["items"].as_array().unwrap();
    let kept = &items[0];
    assert_eq!(kept["metadata"]["name"], "kept");
    let ann = &kept["metadata"]["annotations"];
    for k in [
        "config.kubernetes.io/index",
        "config.kubernetes.io/path",
        "internal.config.kubernetes.io/index",
        "internal.config.kubernetes.io/path",
        "config.k8s.io/id",
        "example.com/owner",
    ] {
        assert!(ann.get(k).is_some(), "annotation {k} lost: {ann}");
    }
    let dep = items
        .iter()
        .find(|i| i["kind"] == "Deployment" && i["metadata"]["name"] == "users")
        .expect("Deployment/users generated");
    assert_eq!(
        dep["metadata"]["annotations"]["internal.config.kubernetes.io/path"],
        "k8s/users-deployment.yaml"
    );
    // The objects are exactly what `komply convert` makes (bookkeeping annotations aside).
    let conv = run_in(tmp.path(), &["convert", "-q", "--format", "json"], None);
    let want: serde_json::Value = serde_json::from_slice(&conv.stdout).unwrap();
    assert_eq!(items.len(), 1 + want["items"].as_array().unwrap().len());
    // Conversion warnings become results (the host's docker socket is left out).
    assert!(text.contains("docker.sock"), "{text}");
}

#[test]
fn krm_validator_reports_results_and_fails_on_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let items = "- apiVersion: v1
  kind: Pod
  metadata:
    name: bad
    annotations:
      internal.config.kubernetes.io/path: pods/bad.yaml
      internal.config.kubernetes.io/index: '0'
  spec:
    containers:
      - name: app
        image: nginx:1.27.3
        securityContext:
          privileged: true
";
    let input = format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}");
    let o = run_in(tmp.path(), &["krm"], Some(&input));
    assert_eq!(code(&o), 1, "{}", err(&o));
    let docs = parse_yaml_stream(&out(&o));
    let results = docs[0]["results"].as_array().expect("results");
    let r = results
        .iter()
        .find(|r| r["tags"]["rule"] == "KP102")
        .expect("KP102 result");
    assert_eq!(r["severity"], "error");
    assert_eq!(
        r["resourceRef"],
        serde_json::json!({"apiVersion": "v1", "kind": "Pod", "name": "bad"})
    );
    assert_eq!(
        r["field"]["path"],
        "spec.containers[0].securityContext.privileged"
    );
    assert_eq!(r["file"]["path"], "pods/bad.yaml");
    assert_eq!(r["file"]["index"], 0);
    // The item itself passes through unchanged.
    assert_eq!(docs[0]["items"][0]["metadata"]["name"], "bad");
}

#[test]
fn krm_validator_passes_warnings_only() {
    let tmp = shop();
    let conv = run_in(tmp.path(), &["convert", "-q", "--format", "json"], None);
    let list: serde_json::Value = serde_json::from_slice(&conv.stdout).unwrap();
    let input = serde_json::json!({
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": list["items"],
    });
    let o = run_in(tmp.path(), &["krm"], Some(&input.to_string()));
    assert_eq!(
        code(&o),
        0,
        "JSON input accepted; warnings only: {}",
        err(&o)
    );
    let docs = parse_yaml_stream(&out(&o));
    assert!(
        docs[0]["results"]
            .as_array()
            .is_some_and(|r| r.iter().all(|r| r["severity"] != "error"))
    );
}

#[test]
fn krm_refuses_paths_outside_the_package_root() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    std::fs::write(tmp.path().join("compose.yaml"), PRIVILEGED_COMPOSE).unwrap();
    std::fs::write(tmp.path().join("secret.env"), "API_TOKEN=s3cr3t\n").unwrap();
    let cfg = |spec: &str| {
        resource_list(
            "",
            &format!(
                "  apiVersion: komply.dev/v1alpha1\n  kind: Komply\n  metadata: {{name: x}}\n  spec:\n{spec}"
            ),
        )
    };
    let o = run_in(&pkg, &["krm"], Some(&cfg("    compose: ../compose.yaml\n")));
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("outside the package root"), "{}", err(&o));
    assert!(
        err(&o).contains("<stdin>:9:14"),
        "located at the value: {}",
        err(&o)
    );
    assert_eq!(out(&o), "", "nothing on stdout");
    // Where kpt files the generated objects may not leave the package either.
    for bad in ["../out", "/etc", "k8s/../../x"] {
        let o = run_in(
            &pkg,
            &["krm"],
            Some(&cfg(&format!(
                "    compose: compose.yaml\n    path: {bad}\n"
            ))),
        );
        assert_eq!(code(&o), 2, "{bad}: {}", err(&o));
        assert!(err(&o).contains("<stdin>:10:11"), "{bad}: {}", err(&o));
    }
    // A project inside the root that reads a file outside it.
    std::fs::write(
        pkg.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27.3\n    env_file: ../secret.env\n",
    )
    .unwrap();
    let o = run_in(&pkg, &["krm"], Some(&cfg("    compose: compose.yaml\n")));
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("outside the package root"), "{}", err(&o));
    assert!(!err(&o).contains("s3cr3t"), "{}", err(&o));
    // The outside file is malformed: its parse error (which quotes the line) must not be
    // shown; the escape is reported instead.
    std::fs::write(tmp.path().join("secret.env"), "=s3cr3t\n").unwrap();
    let o = run_in(&pkg, &["krm"], Some(&cfg("    compose: compose.yaml\n")));
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("outside the package root"), "{}", err(&o));
    assert!(!err(&o).contains("s3cr3t"), "{}", err(&o));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(tmp.path().join("compose.yaml"), pkg.join("link.yaml")).unwrap();
        let o = run_in(&pkg, &["krm"], Some(&cfg("    compose: link.yaml\n")));
        assert_eq!(code(&o), 2);
        assert!(err(&o).contains("outside the package root"), "{}", err(&o));
    }
}

#[test]
fn krm_bad_input_is_a_located_error_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        ("", "empty input"),
        (
            "apiVersion: v1\nkind: List\nitems: []\n",
            "expected a ResourceList",
        ),
        (
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: 1}\n",
            "<stdin>:3:8",
        ),
        ("items: [\n", "<stdin>:"),
        ("a: &a [*a, *a]\n", "<stdin>:"),
        (
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: komply.dev/v1alpha1\n  kind: Komply\n  spec:\n    composee: x.yaml\n",
            "<stdin>:8:5",
        ),
        ("\u{0}\u{1}binary", "NUL byte"),
    ];
    for (input, want) in cases {
        let o = run_in(tmp.path(), &["krm"], Some(input));
        assert_eq!(code(&o), 2, "{input:?}: {}", err(&o));
        assert!(
            err(&o).contains(want),
            "{input:?}: want {want:?} in {}",
            err(&o)
        );
        assert!(!err(&o).contains("panicked"), "{}", err(&o));
        assert_eq!(out(&o), "", "{input:?}");
    }
}

// ---- legacy kustomize plugin ------------------------------------------------------------------

#[test]
fn plugin_generator_prints_the_objects_and_validator_prints_nothing() {
    let tmp = shop();
    let gen_cfg = tmp.path().join("gen.yaml");
    std::fs::write(
        &gen_cfg,
        "apiVersion: komply.dev/v1alpha1\nkind: Komply\nmetadata:\n  name: shop\nspec:\n  compose: compose.yaml\n",
    )
    .unwrap();
    let o = run_in(
        tmp.path(),
        &["-q", "kustomize-plugin", gen_cfg.to_str().unwrap()],
        None,
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    let conv = run_in(tmp.path(), &["convert", "-q"], None);
    assert_eq!(
        out(&o),
        out(&conv),
        "the generator prints what convert prints"
    );

    let val_cfg = tmp.path().join("lint.yaml");
    std::fs::write(
        &val_cfg,
        "apiVersion: komply.dev/v1alpha1\nkind: Komply\nmetadata:\n  name: lint\nspec:\n  mode: validate\n",
    )
    .unwrap();
    let o = run_in(
        tmp.path(),
        &["kustomize-plugin", val_cfg.to_str().unwrap()],
        Some(&out(&conv)),
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(out(&o), "", "a validator prints nothing");
    let bad = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27.3\n      securityContext:\n        privileged: true\n";
    let o = run_in(
        tmp.path(),
        &["kustomize-plugin", val_cfg.to_str().unwrap()],
        Some(bad),
    );
    assert_eq!(code(&o), 1);
    assert_eq!(out(&o), "");
    assert!(err(&o).contains("KP102"), "{}", err(&o));
}

#[cfg(unix)]
#[test]
fn the_binary_named_komply_with_a_capital_k_is_the_plugin() {
    let tmp = shop();
    let exe = tmp.path().join("Komply");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_komply"), &exe).unwrap();
    std::fs::write(
        tmp.path().join("gen.yaml"),
        "apiVersion: komply.dev/v1alpha1\nkind: Komply\nmetadata:\n  name: shop\nspec:\n  compose: compose.yaml\n",
    )
    .unwrap();
    let o = run_exe(&exe, tmp.path(), &["gen.yaml"], None);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(out(&o).contains("kind: Deployment"), "{}", out(&o));
    std::fs::write(
        tmp.path().join("gen.yaml"),
        "apiVersion: komply.dev/v1alpha1\nkind: Komply\nmetadata:\n  name: shop\nspec:\n  compose: ../../etc/passwd\n",
    )
    .unwrap();
    let o = run_exe(&exe, tmp.path(), &["gen.yaml"], None);
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("gen.yaml:6:12"), "{}", err(&o));
    assert!(err(&o).contains("outside the package root"), "{}", err(&o));
}

// ---- komply migrate ---------------------------------------------------------------------------

#[test]
fn migrate_writes_base_and_report_and_refuses_a_non_empty_directory() {
    let tmp = shop();
    let o = run_in(
        tmp.path(),
        &[
            "migrate",
            "-q",
            "compose.yaml",
            "--out",
            "deploy",
            "--envs",
            "",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    let base = tmp.path().join("deploy/base");
    let k = std::fs::read_to_string(base.join("kustomization.yaml")).unwrap();
    let conv = run_in(tmp.path(), &["convert", "-q", "-o", "conv"], None);
    assert_eq!(code(&conv), 0);
    for entry in std::fs::read_dir(tmp.path().join("conv")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            k.contains(&format!("- {name}\n")),
            "{name} not listed in {k}"
        );
        assert_eq!(
            std::fs::read(base.join(&name)).unwrap(),
            std::fs::read(tmp.path().join("conv").join(&name)).unwrap(),
            "{name}"
        );
    }
    // MIGRATION.md names every key of every service (as `komply config` shows them).
    let report = std::fs::read_to_string(tmp.path().join("deploy/MIGRATION.md")).unwrap();
    let cfg = run_in(tmp.path(), &["config", "--format", "json"], None);
    let cfg: serde_json::Value = serde_json::from_slice(&cfg.stdout).unwrap();
    for (svc, body) in cfg["services"].as_object().unwrap() {
        let section = report
            .split(&format!("### `{svc}`\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("no section for {svc}"));
        let section = section.split("\n### ").next().unwrap();
        for key in body.as_object().unwrap().keys() {
            assert!(
                section.contains(&format!("| `{key}` |")),
                "{svc}.{key} missing"
            );
        }
    }
    assert!(
        report.lines().any(|l| l.starts_with("| `depends_on` |")
            && l.contains("| mapped |")
            && l.contains("`wait-for-db`")),
        "the depends_on row names the wait init containers: {report}"
    );
    assert!(
        !report.contains("change-me"),
        "no value from the compose file: {report}"
    );

    let before = std::fs::read_to_string(base.join("kustomization.yaml")).unwrap();
    let o = run_in(
        tmp.path(),
        &["migrate", "compose.yaml", "--out", "deploy", "--envs", ""],
        None,
    );
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("--force"), "{}", err(&o));
    assert_eq!(
        std::fs::read_to_string(base.join("kustomization.yaml")).unwrap(),
        before
    );
    let o = run_in(
        tmp.path(),
        &[
            "migrate",
            "-q",
            "compose.yaml",
            "--out",
            "deploy",
            "--envs",
            "",
            "--force",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
}

#[test]
fn migrate_of_a_broken_project_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  web:\n    image: [\n",
    )
    .unwrap();
    let o = run_in(
        tmp.path(),
        &["migrate", "compose.yaml", "--out", "deploy"],
        None,
    );
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("compose.yaml:"), "{}", err(&o));
    assert!(!tmp.path().join("deploy").exists());
}

/// A YAML stream as JSON values, read with komply's own parser through `komply` is circular;
/// serde_json cannot read YAML, so this uses the library's parser directly.
fn parse_yaml_stream(text: &str) -> Vec<serde_json::Value> {
    let id = komply::source::sources().add_named("<test>", text);
    komply::yaml::parse_documents(id, text, &komply::yaml::Limits::default())
        .expect("valid YAML")
        .iter()
        .map(|n| n.to_json())
        .collect()
}

// ---- environments -----------------------------------------------------------------------------

#[test]
fn check_and_diff_take_the_environment() {
    let tmp = shop();
    let o = run_in(tmp.path(), &["check", "-q", "--env", "prod"], None);
    assert_eq!(code(&o), 0, "{}{}", out(&o), err(&o));
    let o = run_in(
        tmp.path(),
        &["convert", "-q", "--env", "prod", "-o", "prod"],
        None,
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    let o = run_in(
        tmp.path(),
        &["diff", "--env", "prod", "--out", "prod"],
        None,
    );
    assert_eq!(
        code(&o),
        0,
        "prod output is in sync with --env prod: {}",
        out(&o)
    );
    let o = run_in(tmp.path(), &["diff", "--out", "prod"], None);
    assert_eq!(code(&o), 1, "but drifts from the env-less output");
    let o = run_in(
        tmp.path(),
        &["diff", "--env", "nope", "--out", "prod"],
        None,
    );
    assert_eq!(
        code(&o),
        2,
        "an unknown environment is bad input: {}",
        err(&o)
    );
}

#[test]
fn migrate_writes_an_overlay_per_environment() {
    let tmp = shop();
    let o = run_in(
        tmp.path(),
        &["migrate", "-q", "compose.yaml", "--out", "deploy"],
        None,
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    for env in ["dev", "staging", "prod"] {
        let k = std::fs::read_to_string(
            tmp.path()
                .join(format!("deploy/overlays/{env}/kustomization.yaml")),
        )
        .unwrap_or_else(|e| panic!("overlays/{env}: {e}"));
        assert!(k.contains("  - ../../base\n"), "{env}: {k}");
    }
    let report = std::fs::read_to_string(tmp.path().join("deploy/MIGRATION.md")).unwrap();
    assert!(report.contains("- `overlays/prod/`:"), "{report}");
    // A user environment (overlays/<env>.yaml beside the compose file) is picked up too, and
    // `--envs` chooses.
    std::fs::create_dir(tmp.path().join("overlays")).unwrap();
    std::fs::write(tmp.path().join("overlays/qa.yaml"), "extends: dev\n").unwrap();
    let o = run_in(
        tmp.path(),
        &["migrate", "-q", "compose.yaml", "--out", "d2"],
        None,
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(
        tmp.path()
            .join("d2/overlays/qa/kustomization.yaml")
            .exists()
    );
    let o = run_in(
        tmp.path(),
        &[
            "migrate",
            "-q",
            "compose.yaml",
            "--out",
            "d3",
            "--envs",
            "prod",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(tmp.path().join("d3/overlays/prod").is_dir());
    assert!(!tmp.path().join("d3/overlays/dev").exists());
    let o = run_in(
        tmp.path(),
        &[
            "migrate",
            "compose.yaml",
            "--out",
            "d4",
            "--envs",
            "prod,nope",
        ],
        None,
    );
    assert_eq!(code(&o), 2, "{}", err(&o));
    assert!(
        !tmp.path().join("d4").exists(),
        "nothing written when one environment fails"
    );
}

// ---- `secrets: generator` ---------------------------------------------------------------------

/// A project with secret variables in two services, a Compose secret and a secret-looking
/// bind-mounted file; every value is a planted marker that must never reach an output.
fn generator_project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::create_dir(p.join("tls")).unwrap();
    std::fs::write(
        p.join("compose.yaml"),
        "name: gen\nservices:\n  api:\n    image: ghcr.io/example/api:1.0.0\n    ports: [\"8080:8080\"]\n    environment:\n      API_TOKEN: planted-marker-env-1\n      DB_PASSWORD: planted-marker-env-2\n      LOG_LEVEL: info\n    secrets: [db_pass]\n    volumes:\n      - ./tls/site.key:/etc/tls/site.key:ro\n    depends_on: [db]\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: planted-marker-env-3\nsecrets:\n  db_pass:\n    file: ./db_pass.txt\n",
    )
    .unwrap();
    std::fs::write(p.join("db_pass.txt"), "planted-marker-file-4\n").unwrap();
    std::fs::write(
        p.join("tls/site.key"),
        "-----BEGIN PRIVATE KEY-----\nplanted-marker-file-5\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    tmp
}

fn every_file(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            every_file(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn convert_in_generator_mode_reads_one_secret_and_says_how_to_create_it() {
    let tmp = generator_project();
    let o = run_in(tmp.path(), &["convert", "--env", "dev"], None);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let (stdout, stderr) = (out(&o), err(&o));
    assert!(!stdout.contains("planted-marker") && !stderr.contains("planted-marker"));
    let objects = parse_yaml_stream(&stdout);
    assert!(
        objects.iter().all(|o| o["kind"] != "ExternalSecret"),
        "no ExternalSecret in generator mode"
    );
    assert!(
        objects.iter().all(|o| o["kind"] != "Secret"),
        "convert writes no Secret: it would need the values"
    );
    let api = objects
        .iter()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "api")
        .unwrap();
    let pod = &api["spec"]["template"]["spec"];
    let env = pod["containers"][0]["env"].as_array().unwrap();
    let refs: Vec<(String, String)> = env
        .iter()
        .map(|e| {
            let r = &e["valueFrom"]["secretKeyRef"];
            (
                r["name"].as_str().unwrap().to_string(),
                r["key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        refs,
        [
            ("gen-secrets".to_string(), "api.API_TOKEN".to_string()),
            ("gen-secrets".to_string(), "api.DB_PASSWORD".to_string())
        ]
    );
    let secret_volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "secrets")
        .unwrap();
    assert_eq!(secret_volume["secret"]["secretName"], "gen-secrets");
    let keys: Vec<&str> = secret_volume["secret"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["db_pass", "tls_site.key"]);
    assert!(
        stderr.contains("warning[overlay/secret-generator]")
            && stderr.contains("--> <preset dev>:")
            && stderr.contains(
                "keys: api.API_TOKEN, api.DB_PASSWORD, db.POSTGRES_PASSWORD, db_pass, tls_site.key"
            )
            && stderr.contains("kubectl create secret generic gen-secrets --from-env-file=secrets.env --from-file=db_pass=<file> --from-file=tls_site.key=<file>"),
        "{stderr}"
    );
    // The output still lints clean.
    std::fs::write(tmp.path().join("dev.yaml"), &stdout).unwrap();
    let o = run_in(tmp.path(), &["lint", "dev.yaml"], None);
    assert_eq!(code(&o), 0, "{}{}", out(&o), err(&o));
    assert!(out(&o).contains(", 0 errors,"), "{}", out(&o));

    // Other environments keep the ExternalSecrets; a user overlay can switch dev back.
    let o = run_in(tmp.path(), &["convert", "-q", "--env", "prod"], None);
    assert!(out(&o).contains("kind: ExternalSecret"));
    std::fs::create_dir(tmp.path().join("overlays")).unwrap();
    std::fs::write(tmp.path().join("overlays/dev.yaml"), "secrets: external\n").unwrap();
    let o = run_in(tmp.path(), &["convert", "--env", "dev"], None);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(out(&o).contains("kind: ExternalSecret"));
    assert!(!err(&o).contains("overlay/secret-generator"), "{}", err(&o));
    std::fs::write(tmp.path().join("overlays/dev.yaml"), "secrets: vault\n").unwrap();
    let o = run_in(tmp.path(), &["convert", "--env", "dev"], None);
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("overlays/dev.yaml:1:"), "{}", err(&o));
}

#[test]
fn migrate_in_generator_mode_writes_a_secret_generator_keys_only() {
    let tmp = generator_project();
    let o = run_in(
        tmp.path(),
        &[
            "migrate",
            "-q",
            "compose.yaml",
            "--out",
            "deploy",
            "--envs",
            "dev,prod",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    let dev = tmp.path().join("deploy/overlays/dev");
    let k = std::fs::read_to_string(dev.join("kustomization.yaml")).unwrap();
    let generator = k.split("secretGenerator:\n").nth(1).expect(&k);
    assert_eq!(
        generator,
        "  - name: gen-secrets\n    options:\n      labels:\n        app.kubernetes.io/instance: gen\n        app.kubernetes.io/managed-by: komply\n        app.kubernetes.io/part-of: gen\n        komply.dev/env: dev\n    envs:\n      - secrets.env\n    files:\n      - db_pass=secrets/db_pass\n      - tls_site.key=secrets/tls_site.key\n"
    );
    // The base's ExternalSecrets are deleted in this overlay.
    assert!(
        k.contains("- path: delete-api-secrets-externalsecret.yaml")
            && k.contains("- path: delete-db-secrets-externalsecret.yaml"),
        "{k}"
    );
    let example = std::fs::read_to_string(dev.join("secrets.env.example")).unwrap();
    let keys: Vec<&str> = example
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(
        keys,
        [
            "api.API_TOKEN=",
            "api.DB_PASSWORD=",
            "db.POSTGRES_PASSWORD="
        ]
    );
    assert!(example.contains("#   secrets/db_pass\n#   secrets/tls_site.key\n"));
    let ignore = std::fs::read_to_string(dev.join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "secrets.env") && ignore.lines().any(|l| l == "secrets/"));
    assert!(
        !dev.join("secrets.env").exists(),
        "komply never writes the values file"
    );
    // prod keeps its ExternalSecrets and has no generator.
    let prod = std::fs::read_to_string(tmp.path().join("deploy/overlays/prod/kustomization.yaml"))
        .unwrap();
    assert!(!prod.contains("secretGenerator"));
    assert!(
        !tmp.path()
            .join("deploy/overlays/prod/secrets.env.example")
            .exists()
    );
    // MIGRATION.md lists the keys to fill, per environment.
    let report = std::fs::read_to_string(tmp.path().join("deploy/MIGRATION.md")).unwrap();
    assert!(report.contains("## Secrets of `overlays/dev/` (`secrets: generator`)"));
    assert!(report.contains("- `api.DB_PASSWORD`: `DB_PASSWORD` of service `api`"));
    assert!(report.contains("- `secrets/tls_site.key`: the whole file `tls_site.key`"));
    // No value anywhere.
    let mut files = Vec::new();
    every_file(&tmp.path().join("deploy"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(!text.contains("planted-marker"), "{}", f.display());
    }
}
