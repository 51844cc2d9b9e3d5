//! `extends`: a service built on top of another one, in the same file or another file
//! (compose-go `loader/extends.go`). The base comes first, the local definition is merged on top
//! with the usual merge rules; chains resolve recursively and a cycle is an error.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Failure, Result};
use crate::yaml::{Node, Span};

use super::tree::{self, key_str};
use super::{Ctx, canonical, cast, finish, merge};

/// One `(file, service)` already on the current extends chain.
#[derive(Clone, PartialEq)]
struct Ref {
    file: PathBuf,
    service: String,
    span: Span,
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
    for name in tree::keys(services) {
        resolve(ctx, &name, services, file, project_dir, &[])?;
    }
    Ok(())
}

/// Resolves one service of `services` (a mapping read from `file`; relative paths, including
/// `extends.file`, are relative to `dir`, the project directory), recursively. Returns the
/// resolved service.
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
    let (mut base_services, base_file, base_dir) = match &other_file {
        Some(f) => {
            let rel = f.scalar_string().unwrap_or_default();
            let path = super::project::clean_path(&dir.join(&rel));
            let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let mut loaded = load_other(ctx, &path, f.span, name)?;
            let prefix = relative_dir(dir, &base_dir);
            finish::rebase_paths(&mut loaded, &prefix, &ctx_home(ctx));
            let svcs = loaded.get("services").cloned().filter(Node::is_map);
            let Some(svcs) = svcs else {
                return Err(Failure::one(
                    Diagnostic::error(format!(
                        "cannot extend service {name:?}: {} has no services section",
                        crate::source::display_path(&path)
                    ))
                    .at(f.span)
                    .code("compose/extends"),
                ));
            };
            if svcs.get(&reference).is_none() {
                return Err(Failure::one(
                    Diagnostic::error(format!(
                        "cannot extend service {name:?}: service {reference:?} not found in {rel}"
                    ))
                    .at(ext.span)
                    .code("compose/extends"),
                ));
            }
            (Some(svcs), path, dir.to_path_buf())
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
            (None, file.to_path_buf(), dir.to_path_buf())
        }
    };
    let me = Ref {
        file: base_file.clone(),
        service: name.to_string(),
        span: ext.span,
    };
    if chain.contains(&me) {
        let mut lines = vec!["Circular reference:".to_string()];
        let first = &chain[0];
        lines.push(format!(
            "  {} in {}",
            first.service,
            crate::source::display_path(&first.file)
        ));
        for r in chain[1..].iter().chain(std::iter::once(&me)) {
            lines.push(format!(
                "  extends {} in {}",
                r.service,
                crate::source::display_path(&r.file)
            ));
        }
        return Err(Failure::one(
            Diagnostic::error(lines.join("\n"))
                .at(ext.span)
                .code("compose/extends-cycle"),
        ));
    }
    let mut chain2 = chain.to_vec();
    chain2.push(me);
    let base = match base_services.as_mut() {
        Some(bs) => resolve(ctx, &reference, bs, &base_file, &base_dir, &chain2)?,
        None => resolve(ctx, &reference, services, file, dir, &chain2)?,
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

/// Loads an extended file: interpolated, cast, documents merged, canonical (no extends/include).
fn load_other(ctx: &mut Ctx, path: &Path, at: Span, name: &str) -> Result<Node> {
    if !path.is_file() {
        let why = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => "it is a directory",
            Ok(_) => "not a regular file",
            Err(_) => "no such file",
        };
        return Err(Failure::one(
            Diagnostic::error(format!(
                "cannot extend service {name:?}: cannot read {}: {why}",
                crate::source::display_path(path)
            ))
            .at(at)
            .code("compose/extends"),
        ));
    }
    let mut dict = tree::new_map();
    for mut doc in super::read_documents(path)? {
        cast::interpolate_document(&mut doc, &ctx.env, &mut ctx.warnings)?;
        cast::cast_types(&mut doc, &mut ctx.warnings)?;
        dict = merge::merge(dict, doc)?;
        merge::enforce_unicity(&mut dict);
        canonical::canonical(&mut dict)?;
        merge::enforce_unicity(&mut dict);
    }
    let _ = key_str;
    Ok(dict)
}
