//! `env_file` and `label_file` read and folded into `environment` and `labels`.

use indexmap::IndexMap;

use crate::diag::{Code, Failure, Result};
use crate::yaml::{Node, Span};

use super::mapping::{to_mapping, to_mapping_with_equals};
use super::paths::is_abs;
use super::{fail, services_mut};
use crate::compose::interpolate::Budget;
use crate::compose::project::Setup;
use crate::compose::tree::{self, s_at};
use crate::compose::{Ctx, dotenv};

/// `env_file` → `environment` (environment wins; later files win), then `env_file` is dropped
/// like `docker compose config` does.
pub fn resolve_env_files(ctx: &mut Ctx, dict: &mut Node, setup: &Setup) -> Result<()> {
    let budget = &mut ctx.budget;
    for svc in services_mut(dict) {
        resolve_label_files(svc, setup, budget)?;
        resolve_service_env_files(svc, setup, budget)?;
    }
    Ok(())
}

/// One service's `env_file`s read in order and merged under its own `environment`.
fn resolve_service_env_files(svc: &mut Node, setup: &Setup, budget: &mut Budget) -> Result<()> {
    let files = tree::remove(svc, "env_file");
    let span = svc.span;
    let mut own = svc
        .get("environment")
        .cloned()
        .unwrap_or_else(|| tree::map_at(span));
    to_mapping_with_equals(&mut own);
    let Some(files) = files else { return Ok(()) };
    let mut acc: IndexMap<String, (String, Span)> = IndexMap::new();
    for f in files.as_seq().unwrap_or_default() {
        read_env_file(f, &own, &mut acc, setup, budget)?;
    }
    let mut merged = tree::map_at(own.span);
    for (k, (v, sp)) in acc {
        tree::set(&mut merged, &k, s_at(v, sp));
    }
    for (k, v) in own.as_map().unwrap_or_default() {
        tree::set_entry(&mut merged, k.clone(), v.clone());
    }
    if merged.as_map().is_some_and(|m| !m.is_empty()) {
        tree::set(svc, "environment", merged);
    }
    Ok(())
}

/// One `env_file` entry (`path`, `required`, `format`): its variables added to `acc` (a missing
/// optional file adds nothing).
fn read_env_file(
    f: &Node,
    own: &Node,
    acc: &mut IndexMap<String, (String, Span)>,
    setup: &Setup,
    budget: &mut Budget,
) -> Result<()> {
    let Some(path_node) = f.get("path") else {
        return Ok(());
    };
    let path = path_node.scalar_string().unwrap_or_default();
    let required = f.get("required").and_then(|r| r.as_bool()).unwrap_or(true);
    let raw = f.get("format").and_then(|r| r.as_str()) == Some("raw");
    let full = if is_abs(&path) {
        std::path::PathBuf::from(&path)
    } else {
        setup.project_dir.join(&path)
    };
    match crate::fsio::probe_file(&full) {
        Ok(()) => {}
        // Outside a KRM package root: refused whether it exists or not.
        Err(why) if why.is_outside() => {
            return Err(fail(why.to_string(), path_node.span, Code::ComposeEnvFile));
        }
        Err(_) if !required => return Ok(()),
        Err(_) => {
            return Err(fail(
                format!("env file {} not found", full.display()),
                path_node.span,
                Code::ComposeEnvFile,
            ));
        }
    }
    let text = crate::fsio::read_text(&full)?;
    let src = crate::source::sources().add(&full, text.as_str());
    // Checked with the oracle: project env first, then the service's own
    // `environment`, then values from earlier env files.
    let project_env = &setup.environment;
    let snapshot = acc.clone();
    let lookup = move |k: &str| {
        project_env
            .get(k)
            .cloned()
            .or_else(|| own.get(k).and_then(|v| v.as_str().map(str::to_string)))
            .or_else(|| snapshot.get(k).map(|(v, _)| v.clone()))
    };
    let parsed = if raw {
        dotenv::parse_dotenv_raw_with_lookup(src, &text, &lookup)
    } else {
        budget.next_file();
        dotenv::parse_dotenv_within(src, &text, &lookup, &mut Vec::new(), budget)
    }
    .map_err(Failure::one)?;
    for e in parsed {
        acc.insert(e.key, (e.value, e.span));
    }
    Ok(())
}

/// `label_file` → `labels` (explicit labels win; later files win), then dropped, as `config` does.
fn resolve_label_files(svc: &mut Node, setup: &Setup, budget: &mut Budget) -> Result<()> {
    let Some(files) = tree::remove(svc, "label_file") else {
        return Ok(());
    };
    let mut acc: Vec<(String, String, Span)> = Vec::new();
    for f in files.as_seq().unwrap_or_default() {
        let path = f.scalar_string().unwrap_or_default();
        let full = if is_abs(&path) {
            std::path::PathBuf::from(&path)
        } else {
            setup.project_dir.join(&path)
        };
        if let Err(why) = crate::fsio::probe_file(&full) {
            let msg = if why.is_outside() {
                why.to_string()
            } else {
                format!("label file {} not found", full.display())
            };
            return Err(fail(msg, f.span, Code::ComposeLabelFile));
        }
        let text = crate::fsio::read_text(&full)?;
        let src = crate::source::sources().add(&full, text.as_str());
        let lookup = |k: &str| setup.environment.get(k).cloned();
        budget.next_file();
        let parsed = dotenv::parse_dotenv_within(src, &text, &lookup, &mut Vec::new(), budget);
        for e in parsed.map_err(Failure::one)? {
            acc.retain(|(k, _, _)| *k != e.key);
            acc.push((e.key, e.value, e.span));
        }
    }
    let span = svc.span;
    let mut labels = svc
        .get("labels")
        .cloned()
        .unwrap_or_else(|| tree::map_at(span));
    to_mapping(&mut labels, Some(""));
    let mut merged = tree::map_at(labels.span);
    for (k, v, sp) in acc {
        tree::set(&mut merged, &k, s_at(v, sp));
    }
    for (k, v) in labels.as_map().unwrap_or_default() {
        tree::set_entry(&mut merged, k.clone(), v.clone());
    }
    if merged.as_map().is_some_and(|m| !m.is_empty()) {
        tree::set(svc, "labels", merged);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{error_code, node};
    use super::*;
    use serde_json::json;

    fn setup(dir: &std::path::Path) -> Setup {
        Setup {
            files: Vec::new(),
            project_dir: dir.to_path_buf(),
            environment: [("TAG".to_string(), "v1".to_string())]
                .into_iter()
                .collect(),
            name: "p".into(),
            profiles: Vec::new(),
            warnings: Vec::new(),
            budget: Budget::new(),
        }
    }

    fn run(dir: &std::path::Path, svc: serde_json::Value) -> Result<serde_json::Value> {
        let setup = setup(dir);
        let mut svc = node(svc);
        let mut budget = Budget::new();
        resolve_label_files(&mut svc, &setup, &mut budget)?;
        resolve_service_env_files(&mut svc, &setup, &mut budget)?;
        Ok(svc.to_json())
    }

    #[test]
    fn env_files_fold_under_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.env"), "A=1\nB=${TAG}\nC=from-file\n").unwrap();
        std::fs::write(dir.path().join("b.env"), "A=2\nD=$C\n").unwrap();
        std::fs::write(dir.path().join("labels"), "l=${TAG}\nm=file\n").unwrap();
        let out = run(
            dir.path(),
            json!({
                "environment": {"C": "own"},
                "env_file": [
                    {"path": "a.env"},
                    {"path": "b.env", "required": true},
                    {"path": "missing.env", "required": false}
                ],
                "labels": ["m=own"],
                "label_file": ["labels"]
            }),
        )
        .ok()
        .unwrap();
        assert_eq!(
            out,
            json!({
                "environment": {"A": "2", "B": "v1", "C": "own", "D": "own"},
                "labels": {"l": "v1", "m": "own"}
            })
        );
    }

    #[test]
    fn a_missing_required_file_fails() {
        let dir = tempfile::tempdir().unwrap();
        let env = json!({"env_file": [{"path": "missing.env"}]});
        assert_eq!(error_code(run(dir.path(), env)), "compose/env-file");
        let labels = json!({"label_file": ["missing"]});
        assert_eq!(error_code(run(dir.path(), labels)), "compose/label-file");
    }
}
