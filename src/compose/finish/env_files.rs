//! `env_file` and `label_file` read and folded into `environment` and `labels`.

use indexmap::IndexMap;

use crate::diag::{Failure, Result};
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
    let project_env = &setup.environment;
    let budget = &mut ctx.budget;
    for svc in services_mut(dict) {
        resolve_label_files(svc, setup, budget)?;
        let files = tree::remove(svc, "env_file");
        let span = svc.span;
        let mut own = svc
            .get("environment")
            .cloned()
            .unwrap_or_else(|| tree::map_at(span));
        to_mapping_with_equals(&mut own);
        let Some(files) = files else { continue };
        let mut acc: IndexMap<String, (String, Span)> = IndexMap::new();
        for f in files.as_seq().unwrap_or_default() {
            let Some(path_node) = f.get("path") else {
                continue;
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
                    return Err(fail(why.to_string(), path_node.span, "compose/env-file"));
                }
                Err(_) if !required => continue,
                Err(_) => {
                    return Err(fail(
                        format!("env file {} not found", full.display()),
                        path_node.span,
                        "compose/env-file",
                    ));
                }
            }
            let text = crate::fsio::read_text(&full)?;
            let src = crate::source::sources().add(&full, text.as_str());
            // Checked with the oracle: project env first, then the service's own
            // `environment`, then values from earlier env files.
            let snapshot = acc.clone();
            let own_env = &own;
            let lookup = move |k: &str| {
                project_env
                    .get(k)
                    .cloned()
                    .or_else(|| own_env.get(k).and_then(|v| v.as_str().map(str::to_string)))
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
            return Err(fail(msg, f.span, "compose/label-file"));
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
