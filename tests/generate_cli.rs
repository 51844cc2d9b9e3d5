//! `komply convert` and `komply schema` end to end (the real binary, files inside the repo).

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn komply(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run komply")
}

#[test]
fn convert_shop_to_stdout_matches_golden() {
    let out = komply(&["convert", "-f", "examples/shop/compose.yaml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let golden = std::fs::read_to_string(root().join("golden/convert/examples/shop.yaml")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), golden);
}

/// A compose file with a key that has no Kubernetes meaning (`ulimits`), in a scratch dir.
fn ulimits_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    ulimits:\n      nofile: 1024\n",
    )
    .unwrap();
    dir
}

#[test]
fn warnings_are_located() {
    let dir = ulimits_project();
    let f = dir.path().join("compose.yaml");
    let out = komply(&["convert", "-f", f.to_str().unwrap()]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("compose.yaml:4:5"), "located warning: {err}");
}

#[test]
fn convert_json_is_a_list() {
    let out = komply(&[
        "convert",
        "-f",
        "examples/shop/compose.yaml",
        "--format",
        "json",
        "-q",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["kind"], "List");
    assert!(v["items"].as_array().unwrap().len() >= 10);
}

#[test]
fn convert_to_directory_writes_one_file_per_object() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let out = komply(&[
        "convert",
        "-f",
        "examples/shop/compose.yaml",
        "-n",
        "shop",
        "-o",
        dir.to_str().unwrap(),
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.contains(&"shop-namespace.yaml".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"users-deployment.yaml".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"db-statefulset.yaml".to_string()),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("komply-tmp")),
        "no temp files left"
    );
    let dep = std::fs::read_to_string(dir.join("users-deployment.yaml")).unwrap();
    assert!(
        dep.starts_with(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: users\n  namespace: shop\n"
        ),
        "{dep}"
    );
}

#[test]
fn strict_fails_with_exit_2_and_location() {
    let dir = ulimits_project();
    let f = dir.path().join("compose.yaml");
    let out = komply(&["convert", "-f", f.to_str().unwrap(), "--strict"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing half-written");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[compose/unsupported-key]"), "{err}");
    assert!(err.contains("compose.yaml:4:5"), "{err}");
}

#[test]
fn schema_x_komply_is_the_embedded_schema() {
    let out = komply(&["schema", "x-komply"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json schema");
    assert_eq!(v["title"], "x-komply");
    assert!(v["$defs"]["service"]["properties"]["autoscale"].is_object());
}

#[test]
fn missing_file_is_exit_2() {
    let out = komply(&["convert", "-f", "does/not/exist.yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Every bundled example (pinned images, healthchecks, resources) converts to output that
/// `komply lint` accepts with zero errors.
#[test]
fn examples_lint_with_zero_errors() {
    use std::io::Write;
    let mut count = 0;
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let compose = entry.unwrap().path().join("compose.yaml");
        if !compose.is_file() {
            continue;
        }
        count += 1;
        let out = komply(&["convert", "-q", "-f", compose.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}: {}",
            compose.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut lint = Command::new(env!("CARGO_BIN_EXE_komply"))
            .args(["lint", "-", "--fail-on", "error"])
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        lint.stdin.take().unwrap().write_all(&out.stdout).unwrap();
        let res = lint.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&res.stdout).to_string()
            + &String::from_utf8_lossy(&res.stderr);
        assert!(
            res.status.success() && text.contains(" 0 errors"),
            "{}:\n{text}",
            compose.display()
        );
    }
    assert!(count >= 1);
}
