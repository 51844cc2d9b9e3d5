//! `extends`: a service built on top of another one, in the same file or another file
//! (compose-go `loader/extends.go`). The base comes first, the local definition is merged on top
//! with the usual merge rules; a chain is walked in a loop (any length, any order) and a cycle,
//! by (canonical file, service), is an error.

use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::yaml::{Node, Span};

use super::tree;
use super::{Ctx, canonical, cast, finish, merge};

/// One `(file, service)` on the current extends chain. The file is canonical (symlinks and
/// `..` resolved), so `extends: {file: ./compose.yaml}` inside `compose.yaml` is the same file.
#[derive(Clone)]
struct Ref {
    file: PathBuf,
    service: String,
}

/// A file's identity for cycle detection and memoisation.
pub(super) fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Resolves `extends` for every service of a document read from `file`.
/// `project_dir` is the loader's working directory: `extends.file` is relative to it (extended
/// files have their paths rebased onto it), like compose-go's resource loader.
pub fn apply_extends(ctx: &mut Ctx, doc: &mut Node, file: &Path, project_dir: &Path) -> Result<()> {
    let Some(services) = doc.get_mut("services") else {
        return Ok(());
    };
    if !services.is_map() {
        return Ok(());
    }
    let file_id = identity(file);
    for name in tree::keys(services) {
        resolve(ctx, &name, services, &file_id, project_dir)?;
    }
    Ok(())
}

/// Where a service of the chain is defined: the document being loaded, or a file read by
/// `extends.file` (kept, by canonical path, in `Ctx::extended`).
#[derive(Clone, PartialEq)]
enum Place {
    Document,
    Extended(PathBuf),
}

fn map_of<'a>(ctx: &'a mut Ctx, services: &'a mut Node, place: &Place) -> &'a mut Node {
    match place {
        Place::Document => services,
        Place::Extended(path) => ctx
            .extended
            .get_mut(path)
            .expect("extended files are loaded before they are visited"),
    }
}

/// One link of a chain being resolved: the service, where it lives, and its `extends`.
struct Link {
    at: Ref,
    place: Place,
    service: Node,
}

/// Resolves the service `name` of `services` (a mapping read from `file`, canonical; relative
/// paths, including `extends.file`, are relative to `dir`, the project directory) and stores
/// the result where each service of its chain was defined, so each is resolved once.
///
/// The chain is walked in a loop, not by recursion: a chain of thousands of services neither
/// exhausts the stack nor depends on the order the services are written in.
fn resolve(ctx: &mut Ctx, name: &str, services: &mut Node, file: &Path, dir: &Path) -> Result<()> {
    let mut chain: Vec<Link> = Vec::new();
    // (file, service) → its index in `chain`, for cycle checks in constant time.
    let mut on_chain: std::collections::HashMap<(PathBuf, String), usize> = Default::default();
    let mut at = Ref {
        file: file.to_path_buf(),
        service: name.to_string(),
    };
    let mut place = Place::Document;
    // Walk down to a service without `extends` (or one resolved already).
    let base = loop {
        let Some(service) = map_of(ctx, services, &place).get(&at.service).cloned() else {
            // Only the first service can be missing: every later one was checked.
            return Ok(());
        };
        let Some(ext) = service.get("extends").cloned() else {
            break service;
        };
        let name = at.service.clone();
        let (reference, other_file) = match (&ext.kind, ext.get("service")) {
            (crate::yaml::NodeKind::Str(s), _) => (s.clone(), None),
            (_, Some(s)) => (
                s.scalar_string().unwrap_or_default(),
                ext.get("file").cloned(),
            ),
            _ => {
                return Err(Failure::one(
                    Diagnostic::error(format!(
                        "services.{name}.extends: expected a service name or {{service, file}}"
                    ))
                    .at(ext.span)
                    .code(Code::ComposeExtends),
                ));
            }
        };
        on_chain.insert((at.file.clone(), at.service.clone()), chain.len());
        chain.push(Link {
            at: at.clone(),
            place: place.clone(),
            service,
        });
        let refs = (&chain, &on_chain);
        match &other_file {
            Some(f) => {
                let rel = f.scalar_string().unwrap_or_default();
                let path = super::project::clean_path(&dir.join(&rel));
                let base_file = identity(&path);
                check_cycle(refs, &base_file, &reference, ext.span)?;
                // The extended file, loaded once per load (rebased onto `dir`).
                if !ctx.extended.contains_key(&base_file) {
                    let loaded = load_services(ctx, &path, f.span, &name, dir)?;
                    ctx.extended.insert(base_file.clone(), loaded);
                }
                if ctx.extended[&base_file].get(&reference).is_none() {
                    return Err(Failure::one(
                        Diagnostic::error(format!(
                            "cannot extend service {name:?}: service {reference:?} not found in {rel}"
                        ))
                        .at(ext.span)
                        .code(Code::ComposeExtends),
                    ));
                }
                place = Place::Extended(base_file.clone());
                at = Ref {
                    file: base_file,
                    service: reference,
                };
            }
            None => {
                if map_of(ctx, services, &place).get(&reference).is_none() {
                    return Err(Failure::one(
                        Diagnostic::error(format!(
                            "cannot extend service {name:?}: service {reference:?} not found"
                        ))
                        .at(ext.span)
                        .code(Code::ComposeExtends),
                    ));
                }
                check_cycle(refs, &at.file, &reference, ext.span)?;
                at.service = reference;
            }
        }
    };
    // Back up the chain: each service merged over its resolved base, stored where it lives.
    let mut base = base;
    for link in chain.into_iter().rev() {
        if base.is_null() {
            // Extending an empty service: the service stays as written.
            base = link.service;
            continue;
        }
        let base_map = if base.is_map() {
            base
        } else {
            tree::map_at(base.span)
        };
        let name = &link.at.service;
        let mut merged = merge::merge(wrap(name, base_map), wrap(name, link.service))?;
        let mut merged = tree::remove(
            merged
                .get_mut("services")
                .unwrap_or(&mut Node::null(Span::SYNTHETIC)),
            name,
        )
        .unwrap_or_else(tree::new_map);
        tree::remove(&mut merged, "extends");
        tree::set(map_of(ctx, services, &link.place), name, merged.clone());
        base = merged;
    }
    Ok(())
}

/// Refuses to follow `extends` to `(file, service)` when that service is already on `chain`,
/// naming the chain the way compose-go does ("Circular reference: …").
#[allow(clippy::type_complexity)]
fn check_cycle(
    (chain, on_chain): (
        &Vec<Link>,
        &std::collections::HashMap<(PathBuf, String), usize>,
    ),
    file: &Path,
    service: &str,
    at: Span,
) -> Result<()> {
    let Some(&start) = on_chain.get(&(file.to_path_buf(), service.to_string())) else {
        return Ok(());
    };
    let chain: Vec<&Ref> = chain.iter().map(|l| &l.at).collect();
    let shown = |r: &Ref| crate::source::display_path(&r.file);
    let mut lines = vec!["Circular reference:".to_string()];
    let first = &chain[start];
    lines.push(format!("  {} in {}", first.service, shown(first)));
    for r in &chain[start + 1..] {
        lines.push(format!("  extends {} in {}", r.service, shown(r)));
    }
    lines.push(format!("  extends {} in {}", first.service, shown(first)));
    Err(Failure::one(
        Diagnostic::error(lines.join("\n"))
            .at(at)
            .code(Code::ComposeExtendsCycle)
            .help("a service cannot extend itself, directly or through other services"),
    ))
}

fn wrap(name: &str, service: Node) -> Node {
    let mut svcs = tree::new_map();
    tree::set(&mut svcs, name, service);
    let mut root = tree::new_map();
    tree::set(&mut root, "services", svcs);
    root
}

fn ctx_home(ctx: &Ctx) -> String {
    ctx.env.get("HOME").cloned().unwrap_or_default()
}

/// `to` relative to `from` (both absolute and clean), as Go's `filepath.Rel` would give.
pub fn relative_dir(from: &Path, to: &Path) -> String {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..f.len() {
        parts.push("..".into());
    }
    for c in &t[common..] {
        parts.push(c.as_os_str().to_string_lossy().to_string());
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Loads an extended file: interpolated, cast, documents merged, canonical (no extends/include),
/// its relative paths rebased onto `dir`; returns its `services` mapping.
fn load_services(ctx: &mut Ctx, path: &Path, at: Span, name: &str, dir: &Path) -> Result<Node> {
    let mut loaded = load_other(ctx, path, at, name)?;
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let prefix = relative_dir(dir, &base_dir);
    finish::rebase_paths(&mut loaded, &prefix, &ctx_home(ctx));
    loaded
        .get("services")
        .cloned()
        .filter(Node::is_map)
        .ok_or_else(|| {
            Failure::one(
                Diagnostic::error(format!(
                    "cannot extend service {name:?}: {} has no services section",
                    crate::source::display_path(path)
                ))
                .at(at)
                .code(Code::ComposeExtends),
            )
        })
}

/// Loads an extended file: interpolated, cast, documents merged, canonical (no extends/include).
fn load_other(ctx: &mut Ctx, path: &Path, at: Span, name: &str) -> Result<Node> {
    if let Err(why) = crate::fsio::probe_file(path) {
        return Err(Failure::one(
            Diagnostic::error(format!("cannot extend service {name:?}: {why}"))
                .at(at)
                .code(Code::ComposeExtends),
        ));
    }
    let mut dict = tree::new_map();
    let saved = ctx.budget.file_left;
    ctx.budget.next_file();
    for mut doc in super::read_documents(path)? {
        cast::interpolate_document(&mut doc, &ctx.env, &mut ctx.warnings, &mut ctx.budget)?;
        cast::cast_types(&mut doc, &mut ctx.warnings)?;
        dict = merge::merge(dict, doc)?;
        merge::enforce_unicity(&mut dict);
        canonical::canonical(&mut dict)?;
        merge::enforce_unicity(&mut dict);
    }
    ctx.budget.file_left = saved;
    Ok(dict)
}
