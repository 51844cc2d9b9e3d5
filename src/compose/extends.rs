//! `extends`: a service built on top of another one, in the same file or another file
//! (compose-go `loader/extends.go`). The base comes first, the local definition is merged on top
//! with the usual merge rules; chains resolve recursively and a cycle is an error.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Failure, Result};
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

/// Longest `extends` chain followed. compose-go has no limit (real chains are two or three
/// links long); without one, a chain of thousands of services would exhaust the stack.
pub const MAX_CHAIN: usize = 64;

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
        resolve(ctx, &name, services, &file_id, project_dir, &[])?;
    }
    Ok(())
}

/// Resolves one service of `services` (a mapping read from `file`, canonical; relative paths,
/// including `extends.file`, are relative to `dir`, the project directory), recursively, and
/// stores the result in `services` (so each service is resolved once). Returns the resolved
/// service.
fn resolve(
    ctx: &mut Ctx,
    name: &str,
    services: &mut Node,
    file: &Path,
    dir: &Path,
    chain: &[Ref],
) -> Result<Option<Node>> {
    let Some(service) = services.get(name).cloned() else {
        return Ok(None);
    };
    let Some(ext) = service.get("extends").cloned() else {
        return Ok(Some(service));
    };
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
                .code("compose/extends"),
            ));
        }
    };
    let me = Ref {
        file: file.to_path_buf(),
        service: name.to_string(),
    };
    let mut chain2 = chain.to_vec();
    chain2.push(me);
    if chain2.len() > MAX_CHAIN {
        return Err(Failure::one(
            Diagnostic::error(format!(
                "cannot extend service {name:?}: the extends chain is longer than {MAX_CHAIN} services"
            ))
            .at(ext.span)
            .code("compose/extends")
            .help("a chain this long is almost certainly generated; shorten it"),
        ));
    }
    let base = match &other_file {
        Some(f) => {
            let rel = f.scalar_string().unwrap_or_default();
            let path = super::project::clean_path(&dir.join(&rel));
            let base_file = identity(&path);
            check_cycle(&chain2, &base_file, &reference, ext.span)?;
            // The extended file, loaded once per load (rebased onto `dir`), resolved in place.
            let mut base_services = match ctx.extended.remove(&base_file) {
                Some(svcs) => svcs,
                None => load_services(ctx, &path, f.span, name, dir)?,
            };
            if base_services.get(&reference).is_none() {
                return Err(Failure::one(
                    Diagnostic::error(format!(
                        "cannot extend service {name:?}: service {reference:?} not found in {rel}"
                    ))
                    .at(ext.span)
                    .code("compose/extends"),
                ));
            }
            let r = resolve(
                ctx,
                &reference,
                &mut base_services,
                &base_file,
                dir,
                &chain2,
            );
            ctx.extended.insert(base_file, base_services);
            r?
        }
        None => {
            if services.get(&reference).is_none() {
                return Err(Failure::one(
                    Diagnostic::error(format!(
                        "cannot extend service {name:?}: service {reference:?} not found"
                    ))
                    .at(ext.span)
                    .code("compose/extends"),
                ));
            }
            check_cycle(&chain2, file, &reference, ext.span)?;
            resolve(ctx, &reference, services, file, dir, &chain2)?
        }
    };
    let Some(base) = base.filter(|b| !b.is_null()) else {
        return Ok(Some(service));
    };
    let base = if base.is_map() {
        base
    } else {
        tree::map_at(base.span)
    };
    let wrapped_base = wrap(name, base);
    let wrapped_over = wrap(name, service);
    let mut merged = merge::merge(wrapped_base, wrapped_over)?;
    let mut merged = tree::remove(
        merged
            .get_mut("services")
            .unwrap_or(&mut Node::null(Span::SYNTHETIC)),
        name,
    )
    .unwrap_or_else(tree::new_map);
    tree::remove(&mut merged, "extends");
    tree::set(services, name, merged.clone());
    Ok(Some(merged))
}

/// Refuses to follow `extends` to `(file, service)` when that service is already on `chain`,
/// naming the chain the way compose-go does ("Circular reference: …").
fn check_cycle(chain: &[Ref], file: &Path, service: &str, at: Span) -> Result<()> {
    let Some(start) = chain
        .iter()
        .position(|r| r.file == file && r.service == service)
    else {
        return Ok(());
    };
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
            .code("compose/extends-cycle")
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
                .code("compose/extends"),
            )
        })
}

/// Loads an extended file: interpolated, cast, documents merged, canonical (no extends/include).
fn load_other(ctx: &mut Ctx, path: &Path, at: Span, name: &str) -> Result<Node> {
    if let Err(why) = crate::fsio::probe_file(path) {
        return Err(Failure::one(
            Diagnostic::error(format!("cannot extend service {name:?}: {why}"))
                .at(at)
                .code("compose/extends"),
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
