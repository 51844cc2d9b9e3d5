//! `K=V` lists and mappings turned into mappings of strings (environment, labels, args…).

use crate::yaml::{Node, NodeKind};

use crate::compose::tree::s_at;

/// `K=V` items → mapping entries (last wins); a bare `K` gets `bare`, or null when `None`.
fn equals_list_to_entries(items: Vec<Node>, bare: Option<&str>) -> Vec<(Node, Node)> {
    let mut entries: Vec<(Node, Node)> = Vec::new();
    for it in items {
        let text = it.scalar_string().unwrap_or_default();
        let (k, v) = match text.split_once('=') {
            Some((k, v)) => (k.to_string(), s_at(v, it.span)),
            None => (
                text.clone(),
                match bare {
                    Some(b) => s_at(b, it.span),
                    None => Node::null(it.span),
                },
            ),
        };
        if let Some(e) = entries.iter_mut().find(|(ek, _)| ek.scalar_eq(&k)) {
            e.1 = v;
        } else {
            entries.push((s_at(k, it.span), v));
        }
    }
    entries
}

/// `K=V` list → mapping (`K` alone → null); mapping values become strings (null stays null).
pub(super) fn to_mapping_with_equals(n: &mut Node) {
    let span = n.span;
    match &mut n.kind {
        NodeKind::Seq(items) => {
            let entries = equals_list_to_entries(std::mem::take(items), None);
            *n = Node::new(NodeKind::Map(entries), span);
        }
        NodeKind::Map(entries) => {
            for (_, v) in entries.iter_mut() {
                if !v.is_null() {
                    let text = v.scalar_string().unwrap_or_default();
                    *v = s_at(text, v.span);
                }
            }
        }
        _ => {}
    }
}

/// `K=V` list or mapping → mapping of strings (`K` alone → empty string), like `Labels`.
pub(super) fn to_mapping(n: &mut Node, bare: Option<&str>) {
    let span = n.span;
    match &mut n.kind {
        NodeKind::Seq(items) => {
            let entries = equals_list_to_entries(std::mem::take(items), bare);
            *n = Node::new(NodeKind::Map(entries), span);
        }
        NodeKind::Map(entries) => {
            for (_, v) in entries.iter_mut() {
                let text = v.scalar_string().unwrap_or_default();
                *v = s_at(text, v.span);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::node;
    use super::*;
    use serde_json::json;

    #[test]
    fn equals_lists_become_mappings() {
        let mut env = node(json!(["A=1", "B", "A=2", "C=x=y"]));
        to_mapping_with_equals(&mut env);
        assert_eq!(env.to_json(), json!({"A": "2", "B": null, "C": "x=y"}));
        let mut labels = node(json!(["a=1", "b"]));
        to_mapping(&mut labels, Some(""));
        assert_eq!(labels.to_json(), json!({"a": "1", "b": ""}));
    }

    #[test]
    fn mapping_values_become_strings() {
        let mut env = node(json!({"n": 1, "t": true, "z": null}));
        to_mapping_with_equals(&mut env);
        assert_eq!(env.to_json(), json!({"n": "1", "t": "true", "z": null}));
        let mut labels = node(json!({"z": null}));
        to_mapping(&mut labels, Some(""));
        assert_eq!(labels.to_json(), json!({"z": ""}));
    }
}
