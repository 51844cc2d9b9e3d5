//! `include`: other Compose projects imported into this one (compose-go `loader/include.go`).
//! Each include is loaded as its own project — its own directory for relative paths, its own
//! `.env` — and its resources are added to the including model. The local environment wins over
//! the included project's `.env`. A name clash is an error (as in v2.40.3).

use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::yaml::{Node, NodeKind};

use super::extends::{identity, relative_dir};
use super::project::clean_path;
use super::tree::{self, key_str};
use super::{Ctx, finish};

pub fn apply_include(ctx: &mut Ctx, doc: &mut Node, file: &Path, project_dir: &Path) -> Result<()> {
    let Some(inc) = tree::remove(doc, "include") else {
        return Ok(());
    };
    let NodeKind::Seq(items) = inc.kind else {
        return Err(Failure::one(
            Diagnostic::error(
                "include: expected a sequence of paths or {path, project_directory, env_file}",
            )
            .at(inc.span)
            .code(Code::ComposeInclude),
        ));
    };
    for item in items {
        let (paths, pd, env_files) = match &item.kind {
            NodeKind::Str(p) => (vec![(p.clone(), item.span)], None, Vec::new()),
            NodeKind::Map(_) => {
                let paths = match item.get("path") {
                    Some(p) if p.is_seq() => p
                        .as_seq()
                        .unwrap_or_default()
                        .iter()
                        .map(|n| (n.scalar_string().unwrap_or_default(), n.span))
                        .collect(),
                    Some(p) => vec![(p.scalar_string().unwrap_or_default(), p.span)],
                    None => Vec::new(),
                };
                let pd = item
                    .get("project_directory")
                    .and_then(|n| n.scalar_string());
                let envs: Vec<String> = match item.get("env_file") {
                    Some(e) if e.is_seq() => e
                        .as_seq()
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|n| n.scalar_string())
                        .collect(),
                    Some(e) => e.scalar_string().into_iter().collect(),
                    None => Vec::new(),
                };
                (paths, pd, envs)
            }
            _ => continue,
        };
        if paths.is_empty() {
            continue;
        }
        let files: Vec<PathBuf> = paths
            .iter()
            .map(|(p, _)| clean_path(&project_dir.join(p)))
            .collect();
        for (f, (_, span)) in files.iter().zip(&paths) {
            if let Err(why) = crate::fsio::probe_file(f) {
                return Err(Failure::one(
                    Diagnostic::error(format!("include: {why}"))
                        .at(*span)
                        .code(Code::ComposeInclude),
                ));
            }
        }
        let main = files[0].clone();
        let inc_dir = match &pd {
            Some(d) => clean_path(&project_dir.join(d)),
            None => main.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let main_id = identity(&main);
        if ctx.include_stack.contains(&main_id) || main_id == identity(file) {
            let mut chain: Vec<String> = ctx
                .include_stack
                .iter()
                .chain(std::iter::once(&identity(file)))
                .map(|p| crate::source::display_path(p))
                .collect();
            chain.push(crate::source::display_path(&main));
            return Err(Failure::one(
                Diagnostic::error(format!(
                    "include cycle detected:\n{}",
                    chain.join("\n include ")
                ))
                .at(paths[0].1)
                .code(Code::ComposeIncludeCycle)
                .help("a file cannot include itself, directly or through the files it includes"),
            ));
        }
        // The included project's environment: ours, plus its `.env` / env_file for what we lack.
        let env_paths: Vec<PathBuf> = if env_files.is_empty() {
            let dot = inc_dir.join(".env");
            if crate::fsio::is_readable_file(&dot) {
                vec![dot]
            } else {
                Vec::new()
            }
        } else {
            env_files
                .iter()
                .filter(|f| f.as_str() != "/dev/null")
                .map(|f| clean_path(&project_dir.join(f)))
                .collect()
        };
        let mut env = ctx.env.clone();
        super::project::apply_env_files(&mut env, &env_paths, &mut ctx.warnings, &mut ctx.budget)?;
        // Memoised: a file included along several paths (a diamond) with the same directory and
        // environment is loaded once; without this, each file including the next two costs 2^n.
        let key = IncludeKey::new(&files, &inc_dir, &env);
        let mut imported = match ctx.included.get(&key) {
            Some(done) => done.clone(),
            None => {
                let mut sub = Ctx {
                    env,
                    warnings: Vec::new(),
                    resolve_paths: true,
                    include_stack: ctx.include_stack.clone(),
                    profiles: ctx.profiles.clone(),
                    budget: ctx.budget,
                    extended: Default::default(),
                    included: std::mem::take(&mut ctx.included),
                };
                sub.include_stack.push(identity(file));
                let loaded = super::load_model(&mut sub, &files, &inc_dir);
                ctx.budget = sub.budget;
                ctx.included = std::mem::take(&mut sub.included);
                ctx.warnings.append(&mut sub.warnings);
                let loaded = loaded?;
                ctx.included.insert(key, loaded.clone());
                loaded
            }
        };
        let prefix = relative_dir(project_dir, &inc_dir);
        let home = ctx.env.get("HOME").cloned().unwrap_or_default();
        finish::set_defaults(&mut imported);
        finish::rebase_paths(&mut imported, &prefix, &home);
        import_resources(doc, imported, item.span)?;
    }
    Ok(())
}

fn import_resources(doc: &mut Node, imported: Node, at: crate::yaml::Span) -> Result<()> {
    let NodeKind::Map(entries) = imported.kind else {
        return Ok(());
    };
    for (k, v) in entries {
        let kind = key_str(&k);
        if !matches!(
            kind.as_str(),
            "services" | "volumes" | "networks" | "secrets" | "configs" | "models"
        ) {
            continue;
        }
        let NodeKind::Map(res) = v.kind else { continue };
        if doc.get(&kind).is_none_or(|n| n.is_null()) {
            tree::set(doc, &kind, tree::map_at(v.span));
        }
        let target = doc.get_mut(&kind).expect("just set");
        for (name_node, value) in res {
            let name = key_str(&name_node);
            if let Some(existing) = target.get(&name) {
                if existing.to_json() != value.to_json() {
                    let singular = kind.trim_end_matches('s');
                    return Err(Failure::one(
                        Diagnostic::error(format!(
                            "imported compose file defines conflicting {singular} {name}"
                        ))
                        .at(existing.span)
                        .related(at, "included here")
                        .code(Code::ComposeIncludeConflict),
                    ));
                }
                continue;
            }
            tree::set_entry(target, name_node, value);
        }
    }
    Ok(())
}

/// What an included project's model depends on: its files, its directory and its environment
/// (the same file included from two places with different `env_file`s is two projects).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IncludeKey {
    files: Vec<PathBuf>,
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl IncludeKey {
    fn new(files: &[PathBuf], dir: &Path, env: &indexmap::IndexMap<String, String>) -> IncludeKey {
        let mut env: Vec<(String, String)> =
            env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        env.sort();
        IncludeKey {
            files: files.iter().map(|f| identity(f)).collect(),
            dir: dir.to_path_buf(),
            env,
        }
    }
}
