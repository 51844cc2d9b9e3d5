//! What ships komply, checked without external tools (the conformance suites 50, 55–57 run the
//! real pre-commit, pip, the installer, the action's steps and the workflow linters): the
//! versions that documents pin agree with Cargo.toml, the wheel and mirror hooks agree with each
//! other, the action never puts an expression inside a script, and `kubectl-komply` names
//! itself `kubectl komply`.

use std::path::PathBuf;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> Value {
    use komply::yaml::{Limits, parse_documents};
    let text = read(path);
    let id = komply::source::sources().add_named(path, text.as_str());
    let docs =
        parse_documents(id, &text, &Limits::default()).unwrap_or_else(|e| panic!("{path}: {e:?}"));
    assert_eq!(docs.len(), 1, "{path}: one document");
    docs[0].to_json()
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The code block after `<!-- snippet: NAME -->` (what conformance/readme.sh reads).
fn snippet(name: &str) -> String {
    let readme = read("README.md");
    let marker = format!("<!-- snippet: {name} -->\n");
    let at = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README has no snippet {name}"));
    let rest = &readme[at + marker.len()..];
    let body = rest.split_once('\n').unwrap().1;
    body[..body.find("```").unwrap()].to_string()
}

/// The README's text from `## {title}` to the next `## ` heading.
fn section(title: &str) -> String {
    let readme = read("README.md");
    let start = readme
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("README has no section {title}"));
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
    rest[..end].to_string()
}

#[test]
fn readme_install_lists_every_way_and_pins_this_version() {
    // Every way to install, in the Install section itself (each snippet is run by
    // conformance/50, 55 or 56).
    let install = section("Install");
    for name in [
        "install-pip",
        "install-script",
        "install-archive",
        "install-cargo",
        "pre-commit-config",
        "action",
    ] {
        assert!(!snippet(name).trim().is_empty(), "{name}");
        assert!(
            install.contains(&format!("<!-- snippet: {name} -->\n")),
            "README snippet {name} is not under ## Install"
        );
    }
    let pip = snippet("install-pip");
    for cmd in [
        "pipx install komply",
        "uv tool install komply",
        "pip install komply",
    ] {
        assert!(
            pip.lines().any(|l| l.starts_with(cmd)),
            "install-pip lacks {cmd}"
        );
    }
    assert!(snippet("pre-commit-config").contains(&format!("rev: v{VERSION}\n")));
    assert!(
        snippet("pre-commit-config")
            .contains("repo: https://github.com/komply-dev/komply-pre-commit\n")
    );
    assert!(snippet("action").contains(&format!("uses: komply-dev/komply@v{VERSION}\n")));
    assert!(
        read("docs/github-actions.md").contains(&format!("uses: komply-dev/komply@v{VERSION}\n"))
    );
    // The README's set-up section keeps its two commands.
    let setup = section("Set up");
    let commands: Vec<&str> = setup
        .split("```sh\n")
        .skip(1)
        .flat_map(|b| b[..b.find("```").unwrap()].lines())
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
}

#[test]
fn pyproject_builds_the_binary_wheel() {
    let p = read("pyproject.toml");
    assert!(p.contains("build-backend = \"maturin\""));
    assert!(p.contains("bindings = \"bin\""));
    assert!(p.contains("name = \"komply\""));
    assert!(
        p.contains("dynamic = [\"version\"]"),
        "the version comes from Cargo.toml"
    );
    assert!(
        !p.contains("\nstrip"),
        "strip makes maturin relink instead of reusing target/release"
    );
}

#[test]
fn every_hook_has_a_system_twin_with_the_same_files() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().unwrap();
    let by_id = |id: &str| {
        hooks
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("no hook {id}"))
    };
    assert_eq!(hooks.len(), 4);
    for id in ["komply-compose", "komply-manifests"] {
        let (main, system) = (by_id(id), by_id(&format!("{id}-system")));
        assert_eq!(main["language"], "python", "{id}: installs the wheel");
        assert_eq!(system["language"], "system");
        for key in [
            "entry",
            "files",
            "exclude",
            "types",
            "pass_filenames",
            "require_serial",
            "name",
        ] {
            assert_eq!(
                main.get(key),
                system.get(key),
                "{id}: {key} differs from the -system hook"
            );
        }
    }
}

#[test]
fn action_scripts_take_inputs_through_env_only() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().unwrap();
    let docs = read("docs/github-actions.md");
    for name in inputs.keys() {
        assert!(
            docs.contains(&format!("| `{name}` |")),
            "docs/github-actions.md does not document input {name}"
        );
    }
    for step in action["runs"]["steps"].as_array().unwrap() {
        if let Some(run) = step.get("run").and_then(Value::as_str) {
            assert!(
                !run.contains("${{"),
                "{}: an expression inside run:",
                step["name"]
            );
            assert_eq!(step["shell"], "bash", "{}", step["name"]);
        }
    }
    // The install step runs the same installer users run.
    let install = &action["runs"]["steps"][0];
    assert!(install["run"].as_str().unwrap().contains("dist/install.sh"));
}

#[cfg(unix)]
#[test]
fn kubectl_komply_names_itself_kubectl_komply() {
    let tmp = tempfile::tempdir().unwrap();
    let link = tmp.path().join("kubectl-komply");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_komply"), &link).unwrap();
    let o = std::process::Command::new(&link)
        .args(["lint", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("Usage: kubectl komply lint"), "{err}");
    let o = std::process::Command::new(&link)
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).starts_with(&format!("komply {VERSION}")));
}
