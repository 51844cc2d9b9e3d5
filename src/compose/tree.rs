//! Small helpers to edit [`Node`] mappings while keeping spans.

use crate::yaml::{Node, NodeKind, Span};

/// A synthetic string node (a key or value komply made itself).
pub fn s(v: impl Into<String>) -> Node {
    Node::synthetic(NodeKind::Str(v.into()))
}

/// A string node carrying the span of `from`.
pub fn s_at(v: impl Into<String>, span: Span) -> Node {
    Node::new(NodeKind::Str(v.into()), span)
}

pub fn new_map() -> Node {
    Node::synthetic(NodeKind::Map(Vec::new()))
}

pub fn map_at(span: Span) -> Node {
    Node::new(NodeKind::Map(Vec::new()), span)
}

pub fn seq_at(items: Vec<Node>, span: Span) -> Node {
    Node::new(NodeKind::Seq(items), span)
}

pub fn int_at(v: i64, span: Span) -> Node {
    Node::new(NodeKind::Int(v), span)
}

pub fn bool_at(v: bool, span: Span) -> Node {
    Node::new(NodeKind::Bool(v), span)
}

/// The string form of a mapping key.
pub fn key_str(k: &Node) -> String {
    k.scalar_string().unwrap_or_default()
}

/// Sets `key` in a mapping (replacing the value in place, or appending). No-op on non-maps.
pub fn set(map: &mut Node, key: &str, value: Node) {
    if let Some(entries) = map.as_map_mut() {
        if let Some(e) = entries.iter_mut().find(|(k, _)| k.scalar_eq(key)) {
            e.1 = value;
        } else {
            entries.push((s(key), value));
        }
    }
}

/// Like [`set`] but keeps the given key node (for its span) when inserting.
pub fn set_entry(map: &mut Node, key: Node, value: Node) {
    let name = key_str(&key);
    if let Some(entries) = map.as_map_mut() {
        if let Some(e) = entries.iter_mut().find(|(k, _)| k.scalar_eq(&name)) {
            e.1 = value;
        } else {
            entries.push((key, value));
        }
    }
}

pub fn remove(map: &mut Node, key: &str) -> Option<Node> {
    let entries = map.as_map_mut()?;
    let i = entries.iter().position(|(k, _)| k.scalar_eq(key))?;
    Some(entries.remove(i).1)
}

pub fn has(map: &Node, key: &str) -> bool {
    map.get(key).is_some()
}

/// Keys of a mapping as strings.
pub fn keys(map: &Node) -> Vec<String> {
    map.as_map()
        .map(|e| e.iter().map(|(k, _)| key_str(k)).collect())
        .unwrap_or_default()
}

/// Does a dotted path (`services.*.ports`) match a concrete path?
pub fn path_matches(path: &[String], pattern: &str) -> bool {
    let pat: Vec<&str> = pattern.split('.').collect();
    pat.len() == path.len() && pat.iter().zip(path).all(|(p, s)| *p == "*" || p == s)
}

/// A scalar rendered the way Go's `fmt` `%v` prints the decoded YAML value.
pub fn go_string(n: &Node) -> String {
    n.scalar_string().unwrap_or_default()
}

/// Is the node "empty" in Go's `omitempty` sense (zero scalar, empty collection)?
pub fn is_empty_value(n: &Node) -> bool {
    match &n.kind {
        NodeKind::Null => true,
        NodeKind::Bool(b) => !*b,
        NodeKind::Int(i) => *i == 0,
        NodeKind::Uint(_) | NodeKind::Timestamp(_) => false,
        NodeKind::Float(f) => *f == 0.0,
        NodeKind::Str(s) => s.is_empty(),
        NodeKind::Seq(v) => v.is_empty(),
        NodeKind::Map(v) => v.is_empty(),
    }
}
