//! Merging Compose trees (`-f a -f b`, `extends`) by the spec's rules, and de-duplicating
//! sequences by key — the same rules, at the same paths, as compose-go's `override` package.
//!
//! `!reset` removes an attribute from the base, `!override` replaces it wholesale; both work at any
//! depth because they are handled wherever two mappings meet.

use crate::diag::{Code, Diagnostic, Result};
use crate::yaml::{Node, NodeKind, Tag};

use super::tree::{key_str, path_matches, s_at};

/// Merges `over` on top of `base` (both raw trees of one Compose document).
pub fn merge(mut base: Node, over: Node) -> Result<Node> {
    apply_resets(&mut base, &over);
    let mut path = Vec::new();
    merge_yaml(base, over, &mut path)
}

/// Removes from `base` every attribute `over` tags `!reset` or `!override` (compose-go's
/// `ResetProcessor.Apply`), before the merge rules run — so a reset deep inside a mapping that
/// the rules would flatten (`environment: {FOO: !reset}`) still applies.
fn apply_resets(base: &mut Node, over: &Node) {
    let (Some(o), true) = (over.as_map(), base.is_map()) else {
        return;
    };
    for (k, v) in o {
        let name = key_str(k);
        if matches!(v.tag, Some(Tag::Reset) | Some(Tag::Override)) {
            super::tree::remove(base, &name);
        } else if let Some(b) = base.get_mut(&name) {
            apply_resets(b, v);
        }
    }
}

type Merger = fn(Node, Node, &mut Vec<String>) -> Result<Node>;

fn special(path: &[String]) -> Option<Merger> {
    const SEQ: &[&str] = &[
        "networks.*.labels",
        "volumes.*.labels",
        "services.*.annotations",
        "services.*.build.args",
        "services.*.build.additional_contexts",
        "services.*.build.labels",
        "services.*.deploy.labels",
        "services.*.dns",
        "services.*.dns_opt",
        "services.*.dns_search",
        "services.*.env_file",
        "services.*.label_file",
        "services.*.environment",
        "services.*.labels",
        "services.*.volumes.*.volume.labels",
        "services.*.sysctls",
        "services.*.tmpfs",
    ];
    if SEQ.iter().any(|p| path_matches(path, p)) {
        return Some(merge_to_sequence);
    }
    let table: &[(&str, Merger)] = &[
        ("networks.*.ipam.config", merge_ipam_config),
        ("services.*.build", merge_build),
        ("services.*.build.extra_hosts", merge_extra_hosts),
        ("services.*.extra_hosts", merge_extra_hosts),
        ("services.*.command", replace),
        ("services.*.entrypoint", replace),
        ("services.*.healthcheck.test", replace),
        ("services.*.depends_on", merge_depends_on),
        ("services.*.logging", merge_logging),
        ("services.*.models", merge_to_mapping),
        ("services.*.networks", merge_to_mapping),
        ("services.*.ulimits.*", merge_ulimit),
    ];
    table
        .iter()
        .find(|(p, _)| path_matches(path, p))
        .map(|(_, m)| *m)
}

fn merge_yaml(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    if over.tag == Some(Tag::Override) {
        return Ok(clean(over));
    }
    if let Some(m) = special(path) {
        return m(base, over, path);
    }
    if over.is_null() {
        return Ok(base);
    }
    let over_is_seq = over.is_seq();
    match (base.kind, over.kind) {
        (NodeKind::Map(b), NodeKind::Map(o)) => {
            merge_mappings(Node::new(NodeKind::Map(b), base.span), o, path)
        }
        (NodeKind::Seq(mut b), NodeKind::Seq(o)) => {
            b.extend(
                o.into_iter()
                    .filter(|n| n.tag != Some(Tag::Reset))
                    .map(clean),
            );
            Ok(Node::new(NodeKind::Seq(b), base.span))
        }
        (NodeKind::Map(_), _) | (NodeKind::Seq(_), _) => Err(Diagnostic::error(format!(
            "cannot override {}: expected {} like the base file",
            path.join("."),
            if over_is_seq {
                "a mapping"
            } else {
                "the same type"
            }
        ))
        .at(over.span)
        .code(Code::ComposeMerge)
        .into()),
        (_, kind) => Ok(clean(Node {
            kind,
            span: over.span,
            tag: over.tag,
        })),
    }
}

fn merge_mappings(mut base: Node, over: Vec<(Node, Node)>, path: &mut Vec<String>) -> Result<Node> {
    for (k, v) in over {
        let name = key_str(&k);
        let entries = base
            .as_map_mut()
            .expect("merge_mappings is given a mapping");
        let pos = entries.iter().position(|(bk, _)| bk.scalar_eq(&name));
        if v.tag == Some(Tag::Reset) {
            if let Some(i) = pos {
                entries.remove(i);
            }
            continue;
        }
        match pos {
            None => entries.push((k, clean(v))),
            Some(i) => {
                let old = std::mem::replace(&mut entries[i].1, Node::null(v.span));
                path.push(name);
                let merged = merge_yaml(old, v, path);
                path.pop();
                let entries = base.as_map_mut().expect("still a mapping");
                entries[i].1 = merged?;
            }
        }
    }
    Ok(base)
}

/// Removes `!reset` nodes and `!override` tags left in a tree that had nothing to apply to.
pub fn clean(mut n: Node) -> Node {
    if n.tag == Some(Tag::Override) {
        n.tag = None;
    }
    match &mut n.kind {
        NodeKind::Map(entries) => {
            let old = std::mem::take(entries);
            *entries = old
                .into_iter()
                .filter(|(_, v)| v.tag != Some(Tag::Reset))
                .map(|(k, v)| (k, clean(v)))
                .collect();
        }
        NodeKind::Seq(items) => {
            let old = std::mem::take(items);
            *items = old
                .into_iter()
                .filter(|v| v.tag != Some(Tag::Reset))
                .map(clean)
                .collect();
        }
        _ => {}
    }
    if n.tag == Some(Tag::Reset) {
        n.tag = None;
        n.kind = NodeKind::Null;
    }
    n
}

fn replace(_: Node, over: Node, _: &mut Vec<String>) -> Result<Node> {
    Ok(clean(over))
}

fn merge_logging(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    let (Some(_), Some(o)) = (base.as_map(), over.as_map()) else {
        return Ok(clean(over));
    };
    let d_over = over.get("driver").and_then(|n| n.scalar_string());
    let d_base = base.get("driver").and_then(|n| n.scalar_string());
    if d_over == d_base || d_over.is_none() || d_base.is_none() {
        let o = o.to_vec();
        merge_mappings(base, o, path)
    } else {
        Ok(clean(over))
    }
}

fn to_build_map(n: Node) -> Node {
    match n.kind {
        NodeKind::Str(_) => {
            let span = n.span;
            Node::new(NodeKind::Map(vec![(super::tree::s("context"), n)]), span)
        }
        _ => n,
    }
}

fn merge_build(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    let base = to_build_map(base);
    let over = to_build_map(over);
    match over.kind {
        NodeKind::Map(o) if base.is_map() => merge_mappings(base, o, path),
        kind => Ok(clean(Node {
            kind,
            span: over.span,
            tag: over.tag,
        })),
    }
}

/// A list of names becomes a mapping; `default` gives each name's value.
fn into_mapping(n: Node, default: Option<&dyn Fn(&Node) -> Node>) -> Node {
    match n.kind {
        NodeKind::Seq(items) => {
            let entries = items
                .into_iter()
                .map(|item| {
                    let v = match default {
                        Some(f) => f(&item),
                        None => Node::null(item.span),
                    };
                    (item, v)
                })
                .collect();
            Node::new(NodeKind::Map(entries), n.span)
        }
        _ => n,
    }
}

pub fn depends_on_default(item: &Node) -> Node {
    use super::tree::{bool_at, s};
    Node::new(
        NodeKind::Map(vec![
            (s("condition"), s_at("service_started", item.span)),
            (s("required"), bool_at(true, item.span)),
        ]),
        item.span,
    )
}

fn merge_depends_on(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    let base = into_mapping(base, Some(&depends_on_default));
    let over = into_mapping(over, Some(&depends_on_default));
    match over.kind {
        NodeKind::Map(o) if base.is_map() => merge_mappings(base, o, path),
        _ => Ok(base),
    }
}

fn merge_to_mapping(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    let base = into_mapping(base, None);
    let over = into_mapping(over, None);
    match over.kind {
        NodeKind::Map(o) if base.is_map() => merge_mappings(base, o, path),
        _ => Ok(base),
    }
}

/// `K=V` strings for a mapping, sorted like compose-go does; sequences pass through.
pub fn into_sequence(n: Node) -> Vec<Node> {
    match n.kind {
        NodeKind::Map(entries) => {
            let mut seq = Vec::new();
            for (k, v) in entries {
                let key = key_str(&k);
                match &v.kind {
                    NodeKind::Null => seq.push(s_at(key, k.span)),
                    NodeKind::Seq(items) => {
                        for it in items {
                            seq.push(s_at(
                                format!("{key}={}", it.scalar_string().unwrap_or_default()),
                                it.span,
                            ));
                        }
                    }
                    _ => seq.push(s_at(
                        format!("{key}={}", v.scalar_string().unwrap_or_default()),
                        v.span,
                    )),
                }
            }
            seq.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            seq
        }
        NodeKind::Seq(items) => items,
        NodeKind::Str(_)
        | NodeKind::Int(_)
        | NodeKind::Uint(_)
        | NodeKind::Float(_)
        | NodeKind::Bool(_)
        | NodeKind::Timestamp(_) => vec![n],
        NodeKind::Null => Vec::new(),
    }
}

fn merge_to_sequence(base: Node, over: Node, _: &mut Vec<String>) -> Result<Node> {
    let span = base.span;
    let mut seq = into_sequence(base);
    seq.extend(into_sequence(clean(over)));
    Ok(Node::new(NodeKind::Seq(seq), span))
}

fn merge_extra_hosts(base: Node, over: Node, _: &mut Vec<String>) -> Result<Node> {
    let span = base.span;
    let mut seq = into_sequence(base);
    for item in into_sequence(clean(over)) {
        if !seq.iter().any(|b| b.kind == item.kind) {
            seq.push(item);
        }
    }
    Ok(Node::new(NodeKind::Seq(seq), span))
}

fn merge_ulimit(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    match over.kind {
        NodeKind::Map(o) if base.is_map() => merge_mappings(base, o, path),
        kind => Ok(clean(Node {
            kind,
            span: over.span,
            tag: over.tag,
        })),
    }
}

fn merge_ipam_config(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    let span = base.span;
    let (NodeKind::Seq(configs), NodeKind::Seq(overrides)) = (base.kind, over.kind) else {
        return Ok(Node::new(NodeKind::Seq(Vec::new()), span));
    };
    let subnet = |n: &Node| n.get("subnet").and_then(|s| s.scalar_string());
    let mut out: Vec<Node> = Vec::new();
    for original in configs {
        for o in &overrides {
            if subnet(o) != subnet(&original) && !out.iter().any(|a| subnet(a) == subnet(o)) {
                out.push(o.clone());
                continue;
            }
            let merged = match &o.kind {
                NodeKind::Map(entries) if original.is_map() => {
                    merge_mappings(original.clone(), entries.clone(), path)?
                }
                _ => o.clone(),
            };
            if let Some(i) = out.iter().position(|a| subnet(a) == subnet(&merged)) {
                out[i] = merged;
            } else {
                out.push(merged);
            }
        }
    }
    Ok(Node::new(NodeKind::Seq(out), span))
}

// ---------------------------------------------------------------------------------------------
// Unicity: later entries replace earlier ones with the same key.

type Indexer = fn(&Node) -> Option<String>;

fn indexer(path: &[String]) -> Option<Indexer> {
    const KV: &[&str] = &[
        "networks.*.labels",
        "networks.*.ipam.options",
        "services.*.annotations",
        "services.*.build.args",
        "services.*.build.additional_contexts",
        "services.*.build.platform",
        "services.*.build.tags",
        "services.*.build.labels",
        "services.*.cap_add",
        "services.*.cap_drop",
        "services.*.deploy.labels",
        "services.*.dns",
        "services.*.dns_opt",
        "services.*.dns_search",
        "services.*.environment",
        "services.*.labels",
        "services.*.links",
        "services.*.networks.*.aliases",
        "services.*.networks.*.link_local_ips",
        "services.*.profiles",
        "services.*.sysctls",
        "services.*.tmpfs",
    ];
    if KV.iter().any(|p| path_matches(path, p)) {
        return Some(key_value_index);
    }
    let table: &[(&str, Indexer)] = &[
        ("services.*.configs", |n| mount_index(n, "")),
        ("services.*.secrets", |n| mount_index(n, "/run/secrets")),
        ("services.*.env_file", env_file_index),
        ("services.*.expose", |n| n.scalar_string()),
        ("services.*.ports", port_index),
        ("services.*.volumes", volume_index),
        ("services.*.devices", device_index),
    ];
    table
        .iter()
        .find(|(p, _)| path_matches(path, p))
        .map(|(_, m)| *m)
}

fn key_value_index(n: &Node) -> Option<String> {
    let v = n.scalar_string()?;
    Some(match v.split_once('=') {
        Some((k, _)) => k.to_string(),
        None => v,
    })
}

fn mount_index(n: &Node, default: &str) -> Option<String> {
    match &n.kind {
        NodeKind::Map(_) => match n.get("target") {
            Some(t) => t.scalar_string(),
            None => Some(format!(
                "{default}/{}",
                n.get("source")
                    .and_then(|s| s.scalar_string())
                    .unwrap_or_default()
            )),
        },
        _ => Some(format!("{default}/{}", n.scalar_string()?)),
    }
}

fn env_file_index(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Map(_) => n.get("path").and_then(|p| p.scalar_string()),
        _ => n.scalar_string(),
    }
}

fn port_index(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Map(_) => {
            let target = n.get("target").and_then(|t| t.scalar_string())?;
            let published = n
                .get("published")
                .and_then(|t| t.scalar_string())
                .unwrap_or_else(|| "%!s(<nil>)".into());
            let host = n
                .get("host_ip")
                .and_then(|t| t.scalar_string())
                .unwrap_or_else(|| "0.0.0.0".into());
            let proto = n
                .get("protocol")
                .and_then(|t| t.scalar_string())
                .unwrap_or_else(|| "tcp".into());
            Some(format!("{host}:{published}:{target}/{proto}"))
        }
        _ => n.scalar_string(),
    }
}

fn volume_index(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Map(_) => n.get("target").and_then(|t| t.scalar_string()),
        NodeKind::Str(s) => super::shortsyntax::parse_volume(s)
            .ok()
            .and_then(|v| v.get("target").and_then(|t| t.as_str()).map(str::to_string)),
        _ => None,
    }
}

fn device_index(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Map(_) => n.get("target").and_then(|t| t.scalar_string()),
        NodeKind::Str(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            Some(if parts.len() == 1 { parts[0] } else { parts[1] }.to_string())
        }
        _ => None,
    }
}

/// Removes redefinitions in the sequences compose-go de-duplicates (last definition wins, at
/// the position of the first).
pub fn enforce_unicity(n: &mut Node) {
    let mut path = Vec::new();
    unicity(n, &mut path);
}

fn unicity(n: &mut Node, path: &mut Vec<String>) {
    match &mut n.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                path.push(key_str(k));
                unicity(v, path);
                path.pop();
            }
        }
        NodeKind::Seq(items) => {
            let Some(index) = indexer(path) else { return };
            let old = std::mem::take(items);
            let mut keys: Vec<(String, usize)> = Vec::new();
            for item in old {
                let key = index(&item).unwrap_or_default();
                if let Some((_, j)) = keys.iter().find(|(k, _)| *k == key) {
                    items[*j] = item;
                } else {
                    keys.push((key, items.len()));
                    items.push(item);
                }
            }
        }
        _ => {}
    }
}
