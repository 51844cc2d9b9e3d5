//! JSON pointer → the span of a key or value in the YAML tree it was converted from.

use crate::yaml::{Node, NodeKind, Span};

/// Which part of the node at a finding's pointer the finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// The key of the entry (unknown key).
    Key,
    /// The value (wrong type, bad value).
    Value,
    /// The key that holds the mapping, or the mapping itself when no key holds it (missing
    /// required property).
    Holder,
}

/// The span to report for `pointer` with `anchor`. When the pointer leaves the tree (it never
/// should, the JSON came from this tree) the deepest node reached is used.
pub(crate) fn locate(root: &Node, pointer: &str, anchor: Anchor) -> Span {
    let mut node = root;
    // The key node through which `node` was reached, if it was reached through a mapping.
    let mut via_key: Option<&Node> = None;
    for seg in segments(pointer) {
        let next = match &node.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.scalar_eq(&seg))
                .map(|(k, v)| (Some(k), v)),
            NodeKind::Seq(items) => seg
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|v| (None, v)),
            _ => None,
        };
        match next {
            Some((key, value)) => {
                via_key = key;
                node = value;
            }
            None => return node.span,
        }
    }
    match anchor {
        Anchor::Value => node.span,
        Anchor::Key | Anchor::Holder => via_key.map_or(node.span, |k| k.span),
    }
}

/// The unescaped segments of a JSON pointer.
pub(crate) fn segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
}

/// A key as one JSON pointer segment.
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
