//! The secret values a Compose project holds, for the redactor and the generator.
//!
//! The loader calls [`document`] on every compose document twice — as written (before
//! interpolation: an interpolation error quotes the raw text) and once interpolated — so the
//! values are registered before any error of the same run can print them ([`before_failure`]
//! when the run fails before a compose file is read). [`project`] then collects the project's
//! [`Known`] secrets for the generator (deterministically, from the project alone) and registers
//! them too: environment values (`env_file` included), build args, logging and driver options,
//! the interpolation variables whose name or value is secret-like, Compose `secrets:` read from
//! a variable or a file, the secret files services bind-mount, and every value shape anywhere
//! in the project. [`model`] does the same for a typed model. The policy, the registry and the
//! [`Known`] set are `crate::secrets`' (below this module).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::secrets::harvest::{add_public, secret_pieces};
use crate::secrets::registry::{self, registry};
use crate::secrets::{Known, KnownSecret, Origin, Policy, shapes};
use crate::yaml::{Node, NodeKind, Span};

use super::model::Model;
use super::{LoadOptions, Project};

/// The text files a bind mount of `source` carries out of the project directory, as the
/// generator reads them: `(path relative to the project, real path, text)`. The generator
/// supplies it (`generate::bind_mount_texts`), so the harvest asks about exactly the files it
/// keeps out of ConfigMaps.
pub type MountTexts<'a> = &'a dyn Fn(&Path, &str) -> Vec<(String, PathBuf, String)>;

/// Loader hook: registers the secrets of one compose document, raw (with the interpolation
/// environment, to catch the variables it reads) or interpolated (`env` = `None`).
pub fn document(doc: &Node, env: Option<&IndexMap<String, String>>) {
    let mut known = Known::default();
    scan_document(doc, Policy::standard(), env, &mut known);
    known.register();
}

/// Loader hook for a run that fails before the compose files are read (a `.env` error): reads
/// the compose files it would have read (`-f`, or the default names in the project
/// directory) and the `env_file`s they name, and registers their secrets, so the error's
/// message and code frame cannot print one of them. Best effort: unreadable files are skipped.
pub fn before_failure(opts: &LoadOptions) {
    let base = opts
        .project_directory
        .as_ref()
        .map(|d| opts.working_dir.join(d))
        .unwrap_or_else(|| opts.working_dir.clone());
    let files: Vec<PathBuf> = if opts.files.is_empty() {
        super::project::DEFAULT_FILES
            .iter()
            .map(|f| base.join(f))
            .filter(|p| p.is_file())
            .take(1)
            .collect()
    } else {
        opts.files
            .iter()
            .map(|f| opts.working_dir.join(f))
            .collect()
    };
    for file in files {
        let Ok(text) = crate::fsio::read_text(&file) else {
            continue;
        };
        let Ok(docs) = crate::yaml::parse_documents(
            crate::yaml::SourceId::NONE,
            &text,
            &crate::yaml::Limits::default(),
        ) else {
            continue;
        };
        let dir = file.parent().unwrap_or(&base).to_path_buf();
        for doc in &docs {
            document(doc, None);
            for (_, svc) in doc.get("services").and_then(Node::as_map).unwrap_or(&[]) {
                let env_files: Vec<String> = match svc.get("env_file").map(|n| &n.kind) {
                    Some(NodeKind::Seq(items)) => items
                        .iter()
                        .filter_map(|i| {
                            i.scalar_string()
                                .or_else(|| i.get("path").and_then(Node::scalar_string))
                        })
                        .collect(),
                    Some(_) => svc
                        .get("env_file")
                        .and_then(Node::scalar_string)
                        .into_iter()
                        .collect(),
                    None => Vec::new(),
                };
                for f in env_files {
                    if let Ok(t) = crate::fsio::read_text(&dir.join(&f)) {
                        // Each entry registers itself as it is parsed (`dotenv_entry`).
                        let _ = super::dotenv::parse_dotenv_raw(crate::yaml::SourceId::NONE, &t);
                    }
                }
            }
        }
    }
}

/// The [`Known`] secrets of a loaded project under `policy` (also registered); `mounts` is
/// the generator's reading of bind mounts ([`MountTexts`]).
pub fn project(project: &Project, policy: &Policy, mounts: MountTexts) -> Known {
    let mut known = Known::default();
    known.public.push(project.name.clone());
    scan_document(&project.canonical, policy, None, &mut known);
    // Interpolation variables: every secret-like one (OS environment, `.env`, `--env-file`).
    for (name, value) in &project.environment {
        if policy.is_secret(name, value) {
            known.add(KnownSecret {
                value: value.clone(),
                name: name.clone(),
                service: None,
                origin: Origin::Interpolation,
                span: Span::SYNTHETIC,
            });
        }
    }
    // Compose secrets: from a variable, or the content of a file (read, never written).
    for (k, def) in project
        .canonical
        .get("secrets")
        .and_then(Node::as_map)
        .unwrap_or(&[])
    {
        let name = k.scalar_string().unwrap_or_default();
        let value = if let Some(var) = def.get("environment").and_then(Node::as_str) {
            project.environment.get(var).cloned()
        } else if let Some(file) = def.get("file").and_then(Node::as_str) {
            secret_file(&project.project_dir.join(file))
        } else {
            None
        };
        if let Some(value) = value {
            for piece in secret_pieces(&value) {
                known.add(KnownSecret {
                    value: piece,
                    name: name.clone(),
                    service: None,
                    origin: Origin::ComposeSecret,
                    span: k.span,
                });
            }
        }
    }
    files(project, policy, mounts, &mut known);
    known.register();
    // What the loader registered under the built-in policy but this project calls plain.
    for (_, svc) in project
        .canonical
        .get("services")
        .and_then(Node::as_map)
        .unwrap_or(&[])
    {
        if let Some(env) = svc.get("environment") {
            for (_, value, _) in pairs(env) {
                if !known
                    .entries
                    .iter()
                    .any(|e| registry::occurs_in(&value, &e.value))
                {
                    registry().forget(&value);
                }
            }
        }
    }
    known
}

/// The project's files that services read as files: a bind-mounted file, or a file of a
/// bind-mounted directory, that the project's policy calls a secret file
/// ([`Policy::is_secret_file`], asked about the same files with the same project-relative
/// paths as the generator: `*.key`, `*.pem`, `*password*`, a PEM private key, a secret-like
/// `name = value` line…) is a secret as a whole; in any other bind-mounted file and in
/// `configs:` files, the credential shapes are. Only small text files inside the project
/// directory are read; `mounts` says which files a bind mount carries.
fn files(project: &Project, policy: &Policy, mounts: MountTexts, known: &mut Known) {
    let inside = |p: &Path| {
        let dir = project.project_dir.canonicalize().ok();
        p.canonicalize()
            .ok()
            .zip(dir)
            .is_some_and(|(p, d)| p.starts_with(d))
    };
    let add_shapes = |known: &mut Known, text: &str, name: &str, span: Span| {
        for f in shapes::find(text) {
            known.add(KnownSecret {
                value: text[f.range].to_string(),
                name: format!("{} in `{name}`", f.shape.describe()),
                service: None,
                origin: Origin::Shape,
                span,
            });
        }
    };
    let services = project
        .canonical
        .get("services")
        .and_then(Node::as_map)
        .unwrap_or(&[]);
    for (_, svc) in services {
        for v in svc.get("volumes").and_then(Node::as_seq).unwrap_or(&[]) {
            if v.get("type").and_then(Node::as_str) != Some("bind") {
                continue;
            }
            let Some(source) = v.get("source").and_then(Node::as_str) else {
                continue;
            };
            for (rel, path, text) in mounts(&project.project_dir, source) {
                let shown = crate::source::display_path(&path);
                if policy.is_secret_file(&rel, &text) {
                    for piece in policy.file_secret_values(&text) {
                        known.add(KnownSecret {
                            value: piece,
                            name: shown.clone(),
                            service: None,
                            origin: Origin::File,
                            span: v.span,
                        });
                    }
                } else {
                    add_shapes(known, &text, &shown, v.span);
                }
            }
        }
    }
    for (_, def) in project
        .canonical
        .get("configs")
        .and_then(Node::as_map)
        .unwrap_or(&[])
    {
        if let Some(file) = def.get("file").and_then(Node::as_str) {
            let path = project.project_dir.join(file);
            if inside(&path)
                && let Some(text) = secret_file(&path)
            {
                add_shapes(known, &text, &crate::source::display_path(&path), def.span);
            }
        }
    }
}

/// The [`Known`] secrets of a typed model (what the generator sees when it is called without
/// [`project`]): environment values under the policy and the service's forced lists.
pub fn model(model: &Model, policy: &Policy) -> Known {
    let mut known = Known::default();
    add_public(&mut known.public, &model.name);
    for svc in &model.services {
        add_public(&mut known.public, &svc.name);
        if let Some(v) = &svc.image {
            add_public(&mut known.public, v);
        }
        let (forced_secret, forced_plain) = forced(svc.x_komply.as_ref());
        for var in &svc.environment {
            let Some(value) = &var.value else { continue };
            if forced_plain.contains(&var.name) {
                continue;
            }
            if (forced_secret.contains(&var.name) && !value.trim().is_empty())
                || policy.is_secret(&var.name, value)
            {
                known.add(KnownSecret {
                    value: value.clone(),
                    name: var.name.clone(),
                    service: Some(svc.name.clone()),
                    origin: Origin::Environment,
                    span: var.span,
                });
            }
        }
    }
    for name in model
        .volumes
        .keys()
        .chain(model.secrets.keys())
        .chain(model.configs.keys())
    {
        add_public(&mut known.public, name);
    }
    known
}

/// What one compose document (raw or interpolated) holds; see the module doc.
fn scan_document(
    doc: &Node,
    policy: &Policy,
    env: Option<&IndexMap<String, String>>,
    known: &mut Known,
) {
    let services = doc.get("services").and_then(Node::as_map).unwrap_or(&[]);
    for (k, svc) in services {
        let Some(service) = k.scalar_string() else {
            continue;
        };
        add_public(&mut known.public, &service);
        // Names others refer to. (A `hostname` or `container_name` is no such name: a secret
        // there is replaced like anywhere else.)
        if let Some(v) = svc.get("image").and_then(Node::scalar_string) {
            add_public(&mut known.public, &v);
        }
        let (forced_secret, forced_plain) = forced(svc.get("x-komply"));
        let mut data: Vec<(&Node, Origin)> = Vec::new();
        if let Some(e) = svc.get("environment") {
            data.push((e, Origin::Environment));
        }
        if let Some(a) = svc.get("build").and_then(|b| b.get("args")) {
            data.push((a, Origin::Option));
        }
        if let Some(o) = svc.get("logging").and_then(|l| l.get("options")) {
            data.push((o, Origin::Option));
        }
        for (node, origin) in data {
            for (name, value, span) in pairs(node) {
                let env = origin == Origin::Environment;
                if env && forced_plain.contains(&name) {
                    continue;
                }
                if (env && forced_secret.contains(&name) && !value.trim().is_empty())
                    || policy.is_secret(&name, &value)
                {
                    known.add(KnownSecret {
                        value,
                        name,
                        service: Some(service.clone()),
                        origin: origin.clone(),
                        span,
                    });
                }
            }
        }
    }
    for section in ["volumes", "networks", "configs", "secrets"] {
        for (k, def) in doc.get(section).and_then(Node::as_map).unwrap_or(&[]) {
            if let Some(name) = k.scalar_string() {
                add_public(&mut known.public, &name);
            }
            if let Some(opts) = def.get("driver_opts") {
                for (name, value, span) in pairs(opts) {
                    if policy.is_secret(&name, &value) {
                        known.add(KnownSecret {
                            value,
                            name,
                            service: None,
                            origin: Origin::Option,
                            span,
                        });
                    }
                }
            }
        }
    }
    let mut all = Vec::new();
    scalars(doc, &mut all);
    // A variable is judged once, however many values read it (10,000 labels of one 100 KB
    // variable would otherwise scan a gigabyte).
    let mut judged: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (s, span) in all {
        for f in shapes::find(s) {
            known.add(KnownSecret {
                value: s[f.range].to_string(),
                name: f.shape.describe(),
                service: None,
                origin: Origin::Shape,
                span,
            });
        }
        // Interpolation variables this document reads whose value is a secret.
        if let Some(env) = env {
            for var in referenced_vars(s) {
                if !judged.insert(var) {
                    continue;
                }
                if let Some(value) = env.get(var)
                    && policy.is_secret(var, value)
                {
                    known.add(KnownSecret {
                        value: value.clone(),
                        name: var.to_string(),
                        service: None,
                        origin: Origin::Interpolation,
                        span,
                    });
                }
            }
        }
    }
}

/// A secret file's content, when it is a small text file.
fn secret_file(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 64 * 1024 {
        return None;
    }
    crate::fsio::read_text(path).ok()
}

/// The scalar entries of an `environment` / `args` / `options` node: a mapping, or a list of
/// `KEY=VALUE` strings. (name, value, span of the value).
fn pairs(node: &Node) -> Vec<(String, String, Span)> {
    let mut out = Vec::new();
    match &node.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                if let (Some(name), Some(value)) = (k.scalar_string(), v.scalar_string()) {
                    out.push((name, value, v.span));
                }
            }
        }
        NodeKind::Seq(items) => {
            for item in items {
                if let Some(s) = item.as_str()
                    && let Some((k, v)) = s.split_once('=')
                {
                    out.push((k.to_string(), v.to_string(), item.span));
                }
            }
        }
        _ => {}
    }
    out
}

/// Every scalar string of a tree, with its span.
fn scalars<'a>(node: &'a Node, out: &mut Vec<(&'a str, Span)>) {
    match &node.kind {
        NodeKind::Str(s) => out.push((s.as_str(), node.span)),
        NodeKind::Seq(items) => items.iter().for_each(|i| scalars(i, out)),
        NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| scalars(v, out)),
        _ => {}
    }
}

/// Variable names a template references (`$NAME`, `${NAME…}`).
fn referenced_vars(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            if b.get(i + 1) == Some(&b'$') {
                i += 2;
                continue;
            }
            let start = if b.get(i + 1) == Some(&b'{') {
                i + 2
            } else {
                i + 1
            };
            let end = start
                + s[start.min(s.len())..]
                    .bytes()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    .count();
            if end > start {
                out.push(&s[start..end]);
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// A service's `x-komply.secret_env` and `plain_env`: the user's decision wins.
fn forced(x: Option<&Node>) -> (Vec<String>, Vec<String>) {
    let list = |key: &str| -> Vec<String> {
        x.and_then(|x| x.get(key))
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::scalar_string)
            .collect()
    };
    (list("secret_env"), list("plain_env"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(referenced_vars("a ${B:-x} $C $$D ${E}"), ["B", "C", "E"]);
    }
}
