//! Every load error names `file:line:col` and says what was expected. The same inputs are
//! checked against the oracle (it must fail too) by conformance/10-compose-oracle.sh.

use std::path::{Path, PathBuf};

use komply::compose::{LoadOptions, load};
use komply::diag::Failure;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/compose")
        .join(name)
}

fn opts(dir: &Path, env: &[(&str, &str)]) -> LoadOptions {
    LoadOptions {
        files: vec![dir.join("compose.yaml")],
        environment: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        working_dir: dir.to_path_buf(),
        resolve_paths: true,
        ..Default::default()
    }
}

/// Loads a fixture that must fail; returns (location, message, code) of the first error.
fn first_error(name: &str, env: &[(&str, &str)]) -> (String, String, String) {
    let Err(Failure(diags)) = load(&opts(&fixture(name), env)) else {
        panic!("{name}: expected a load error");
    };
    let d = &diags[0];
    (
        d.location().unwrap_or_default(),
        d.message.clone(),
        d.code.map(|c| c.to_string()).unwrap_or_default(),
    )
}

fn assert_at(loc: &str, file_line_col: &str) {
    assert!(
        loc.ends_with(file_line_col),
        "error at {loc}, expected …{file_line_col}"
    );
}

#[test]
fn typo_key_is_a_schema_error_at_the_key() {
    let (loc, msg, code) = first_error("errors-typo", &[]);
    assert_at(&loc, "errors-typo/compose.yaml:4:5");
    assert_eq!(code, "compose/schema");
    assert!(msg.contains("enviroment"), "{msg}");
}

#[test]
fn wrong_type_is_reported_at_the_value() {
    let (loc, msg, code) = first_error("errors-type", &[]);
    assert_at(&loc, "errors-type/compose.yaml:5:17");
    assert_eq!(code, "compose/type");
    assert!(msg.contains("replicas") && msg.contains("integer"), "{msg}");
}

#[test]
fn duplicate_key_is_reported_at_the_second_key() {
    let (loc, msg, _) = first_error("errors-dup", &[]);
    assert_at(&loc, "errors-dup/compose.yaml:4:3");
    assert!(msg.contains("duplicate key `web`"), "{msg}");
}

#[test]
fn extends_cycle_is_an_error_naming_the_chain() {
    let (loc, msg, code) = first_error("errors-cycle", &[]);
    // At the reference that closes the loop (`b` extends `a` again).
    assert_at(&loc, "errors-cycle/compose.yaml:7:7");
    assert_eq!(code, "compose/extends-cycle");
    assert!(msg.starts_with("Circular reference:"), "{msg}");
    assert!(
        msg.contains("extends b") && msg.contains("extends a"),
        "{msg}"
    );
}

#[test]
fn missing_required_env_file_is_reported_at_its_path() {
    let (loc, msg, code) = first_error("errors-envfile", &[]);
    assert_at(&loc, "errors-envfile/compose.yaml:6:15");
    assert_eq!(code, "compose/env-file");
    assert!(
        msg.contains("absent.env") && msg.contains("not found"),
        "{msg}"
    );
}

#[test]
fn required_variable_error_points_at_the_dollar() {
    let (loc, msg, code) = first_error("errors-required", &[]);
    assert_at(&loc, "errors-required/compose.yaml:3:19");
    assert_eq!(code, "compose/interpolation");
    assert!(
        msg.contains("required variable TAG is missing a value: TAG must be set"),
        "{msg}"
    );
    // …and with the variable set, the same file loads.
    let p = load(&opts(&fixture("errors-required"), &[("TAG", "1.27")])).expect("loads");
    assert_eq!(
        p.canonical
            .at(&["services", "web", "image"])
            .and_then(|n| n.as_str()),
        Some("nginx:1.27")
    );
}

#[test]
fn scale_and_replicas_must_agree() {
    let (loc, msg, code) = first_error("errors-scale", &[]);
    assert_at(&loc, "errors-scale/compose.yaml:4:12");
    assert_eq!(code, "compose/scale-replicas");
    assert!(
        msg.contains("scale") && msg.contains("deploy.replicas"),
        "{msg}"
    );
}

#[test]
fn empty_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("compose.yaml"), "# nothing here\n").expect("write");
    let Err(Failure(diags)) = load(&opts(dir.path(), &[])) else {
        panic!("an empty file must not load");
    };
    assert!(
        diags[0].message.contains("empty compose file"),
        "{}",
        diags[0].message
    );
}

#[test]
fn no_panic_on_odd_shapes() {
    let dir = tempfile::tempdir().expect("tempdir");
    for text in [
        "- a\n- b\n",
        "services: 3\n",
        "services:\n  s: [1, 2]\n",
        "services:\n  s:\n    image: x\n    ports: {a: 1}\n",
        "services:\n  s:\n    image: x\n    extends: {service: nope}\n",
        "services:\n  s:\n    image: x\n    volumes: [\"::\"]\n",
        "services:\n  s:\n    image: x\n    ports: [\"99999999:1\"]\n",
        "include: 3\nservices: {}\n",
        "services:\n  s:\n    image: x\n    depends_on: {missing: {}}\n",
    ] {
        std::fs::write(dir.path().join("compose.yaml"), text).expect("write");
        // Either outcome is fine; an error must carry a message.
        if let Err(Failure(diags)) = load(&opts(dir.path(), &[])) {
            assert!(!diags.is_empty() && !diags[0].message.is_empty(), "{text}");
        }
    }
}

#[test]
fn unset_variable_in_dotenv_warns_at_its_place() {
    // Docker Compose v2.40.3 warns `The "UNSET_IN_DOTENV" variable is not set` for this .env.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".env"), "A=${UNSET_IN_DOTENV}x\nTAG=1.25\n").unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:${TAG}\n    environment:\n      A: $A\n",
    )
    .unwrap();
    let project = load(&opts(dir.path(), &[])).expect("loads");
    let w: Vec<String> = project.warnings.iter().map(|d| d.to_string()).collect();
    let hit = w
        .iter()
        .find(|s| s.contains("\"UNSET_IN_DOTENV\" variable is not set"));
    let hit = hit.unwrap_or_else(|| panic!("no warning in {w:#?}"));
    assert!(hit.contains(".env:1:3"), "{hit}");
    let web = project
        .canonical
        .at(&["services", "web", "environment", "A"])
        .unwrap();
    assert_eq!(web.as_str(), Some("x"));
}

#[test]
fn a_command_shellwords_cannot_split_is_an_error_at_the_value() {
    let (loc, msg, code) = first_error("errors-command", &[]);
    assert_at(&loc, "errors-command/compose.yaml:5:14");
    assert_eq!(code, "compose/command");
    assert!(msg.contains("invalid command line string"), "{msg}");
}
