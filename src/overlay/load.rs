//! Finds an environment's overlay layers (preset < user overlay < `--overlay` files), parses and
//! schema-validates each one on its own (so errors point into the right file), and merges them
//! into one span-carrying tree.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::source::sources;
use crate::yaml::{Limits, Node, NodeKind, parse_documents};

/// The built-in presets, embedded: `(name, text)`.
pub const PRESETS: [(&str, &str); 3] = [
    ("dev", include_str!("../../overlays/dev.yaml")),
    ("staging", include_str!("../../overlays/staging.yaml")),
    ("prod", include_str!("../../overlays/prod.yaml")),
];

/// One parsed overlay file.
#[derive(Debug, Clone)]
pub struct Layer {
    /// How the layer is named in messages: `preset prod`, or the file path.
    pub name: String,
    pub node: Node,
}

fn preset_text(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The user overlay file for `env` beside the compose file, if there is one.
pub fn user_overlay(project_dir: &Path, env: &str) -> Option<PathBuf> {
    ["yaml", "yml"]
        .iter()
        .map(|ext| project_dir.join("overlays").join(format!("{env}.{ext}")))
        .find(|p| p.is_file())
}

/// Every environment that can be rendered: the presets and the user overlays
/// (`overlays/*.yaml` beside the compose file), sorted, without duplicates. `all` is reserved
/// (`--env all` means every environment), so `overlays/all.yaml` is not one.
pub fn available_envs(project_dir: &Path) -> Vec<String> {
    let mut envs: BTreeSet<String> = PRESETS.iter().map(|(n, _)| n.to_string()).collect();
    if let Ok(entries) = std::fs::read_dir(project_dir.join("overlays")) {
        for e in entries.flatten() {
            let p = e.path();
            let is_yaml = matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml"));
            if is_yaml
                && p.is_file()
                && let Some(stem) = p.file_stem().and_then(|s| s.to_str())
                && is_env_name(stem)
                && stem != "all"
            {
                envs.insert(stem.to_string());
            }
        }
    }
    envs.into_iter().collect()
}

/// Environment names are used as directory names (`--env all -o DIR`): keep them plain.
pub fn is_env_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        && !s.starts_with('.')
}

fn parse_one(name: String, id: crate::yaml::SourceId, text: &str) -> Result<Layer> {
    let docs = parse_documents(id, text, &Limits::default()).map_err(Diagnostic::from)?;
    let node = match docs.len() {
        0 => Node::synthetic(NodeKind::Map(Vec::new())),
        1 => docs
            .into_iter()
            .next()
            .unwrap_or_else(|| Node::synthetic(NodeKind::Null)),
        _ => {
            return Err(Failure::one(
                Diagnostic::error("an overlay is one YAML document; this file has several")
                    .at(docs[1].span)
                    .code(Code::OverlayDocuments),
            ));
        }
    };
    // An empty file is an empty overlay.
    let node = if node.is_null() {
        Node::new(NodeKind::Map(Vec::new()), node.span)
    } else {
        node
    };
    let errors = crate::validate::validate_overlay(&node);
    if !errors.is_empty() {
        return Err(Failure(errors));
    }
    Ok(Layer { name, node })
}

fn load_preset(name: &str) -> Option<Result<Layer>> {
    let text = preset_text(name)?;
    let id = sources().add_named(&format!("<preset {name}>"), text);
    Some(parse_one(format!("preset {name}"), id, text))
}

fn load_file(path: &Path) -> Result<Layer> {
    let text = crate::fsio::read_text(path)?;
    let id = sources().add(path, text.as_str());
    parse_one(crate::source::display_path(path), id, &text)
}

/// What a layer says about its base: `Some(Some(name))` extends `name`, `Some(None)` opts out
/// (`extends: false`), `None` says nothing.
fn extends_of(layer: &Layer) -> Option<(Option<String>, crate::yaml::Span)> {
    let v = layer.node.get("extends")?;
    Some((v.as_str().map(str::to_string), v.span))
}

/// The layers of environment `env`, base first.
fn env_chain(
    project_dir: &Path,
    env: &str,
    from_user: Option<&Path>,
    seen: &mut Vec<String>,
    at: Option<crate::yaml::Span>,
) -> Result<Vec<Layer>> {
    // A user overlay `overlays/<env>.yaml` wins over the preset of the same name, except when
    // it is the file asking (`overlays/prod.yaml` saying `extends: prod` means the preset).
    let user = user_overlay(project_dir, env).filter(|p| Some(p.as_path()) != from_user);
    // Cycles are between files (a user overlay and the preset of the same name are two layers).
    let identity = match &user {
        Some(p) => crate::source::display_path(p),
        None => format!("preset {env}"),
    };
    if seen.contains(&identity) {
        let mut d = Diagnostic::error(format!(
            "overlays extend each other in a cycle: {} → {identity}",
            seen.join(" → ")
        ))
        .code(Code::OverlayExtendsCycle);
        if let Some(span) = at {
            d = d.at(span);
        }
        return Err(Failure::one(d));
    }
    seen.push(identity);
    let result = match user {
        Some(path) => {
            let layer = load_file(&path)?;
            let mut chain = match extends_of(&layer) {
                Some((Some(base), span)) => {
                    env_chain(project_dir, &base, Some(&path), seen, Some(span))?
                }
                Some((None, _)) => Vec::new(),
                None => match load_preset(env) {
                    Some(p) => vec![p?],
                    None => Vec::new(),
                },
            };
            chain.push(layer);
            chain
        }
        None => match load_preset(env) {
            Some(p) => {
                let layer = p?;
                let mut chain = match extends_of(&layer) {
                    Some((Some(base), span)) => {
                        env_chain(project_dir, &base, None, seen, Some(span))?
                    }
                    _ => Vec::new(),
                };
                chain.push(layer);
                chain
            }
            None => {
                let known = available_envs(project_dir).join(", ");
                let mut d = Diagnostic::error(format!(
                    "unknown environment `{env}`: no preset and no overlays/{env}.yaml beside the compose file"
                ))
                .code(Code::OverlayUnknownEnv)
                .help(format!("available: {known}"));
                if let Some(span) = at {
                    d = d.at(span);
                }
                return Err(Failure::one(d));
            }
        },
    };
    seen.pop();
    Ok(result)
}

/// All layers, in application order: the environment's chain, then each `--overlay` file
/// (with the chain it `extends`, minus layers already applied).
pub fn layers(project_dir: &Path, env: Option<&str>, extra: &[PathBuf]) -> Result<Vec<Layer>> {
    let mut out: Vec<Layer> = Vec::new();
    if let Some(env) = env {
        if !is_env_name(env) {
            return Err(Failure::one(
                Diagnostic::error(format!(
                    "`{env}` is not an environment name (lowercase letters, digits, '-', '_', '.')"
                ))
                .code(Code::OverlayUnknownEnv),
            ));
        }
        out = env_chain(project_dir, env, None, &mut Vec::new(), None)?;
    }
    for path in extra {
        let layer = load_file(path)?;
        if let Some((Some(base), span)) = extends_of(&layer) {
            for l in env_chain(project_dir, &base, Some(path), &mut Vec::new(), Some(span))? {
                if !out.iter().any(|o| o.name == l.name) {
                    out.push(l);
                }
            }
        }
        out.push(layer);
    }
    Ok(out)
}

/// Merges layers: mappings key by key (the later layer wins, recursively), `patches`
/// concatenated, everything else replaced. Nodes keep their spans, so a merged value still
/// points at the file that set it.
pub fn merge(layers: &[Layer]) -> Node {
    let mut acc = Node::synthetic(NodeKind::Map(Vec::new()));
    for l in layers {
        let mut node = l.node.clone();
        if let Some(map) = node.as_map_mut() {
            map.retain(|(k, _)| !k.scalar_eq("extends"));
        }
        // Only a layer that has its own `patches` adds to the list; without the key the merge
        // keeps the earlier list as it is (appending it again would run those patches twice).
        let patches_before = if node.get("patches").is_some() {
            acc.get("patches").cloned()
        } else {
            None
        };
        acc = merge_nodes(acc, node);
        if let (Some(before), Some(entry)) = (patches_before, acc.get_mut("patches"))
            && let (Some(old), Some(new)) = (before.as_seq(), entry.as_seq_mut())
        {
            let mut all = old.to_vec();
            all.append(new);
            *new = all;
        }
    }
    acc
}

/// Deep merge of two nodes (`over` wins).
pub fn merge_nodes(base: Node, over: Node) -> Node {
    match (base.kind, over.kind) {
        (NodeKind::Map(mut b), NodeKind::Map(o)) => {
            for (k, v) in o {
                match b
                    .iter()
                    .position(|(bk, _)| bk.scalar_string() == k.scalar_string())
                {
                    Some(i) => {
                        let (_, old) = b.remove(i);
                        b.insert(i, (k, merge_nodes(old, v)));
                    }
                    None => b.push((k, v)),
                }
            }
            Node {
                kind: NodeKind::Map(b),
                span: over.span,
                tag: over.tag,
            }
        }
        (_, kind) => Node {
            kind,
            span: over.span,
            tag: over.tag,
        },
    }
}
