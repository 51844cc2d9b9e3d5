//! Compose files against the Compose Specification schema (compose-go's canonical copy).

use super::report::{self, Style};
use super::schemas;
use crate::diag::{Code, Diagnostic};
use crate::yaml::{Node, NodeKind, Tag};

const STYLE: Style = Style {
    noun: "key",
    root: "the Compose file",
    duplicates_allowed,
};

/// The schema marks many sequences `uniqueItems`, but Docker Compose v2.40.3 accepts repeated
/// items in most of them (it de-duplicates or merges them first). It rejects repeats only in these
/// service keys (each checked against the oracle binary: "items at 0 and 1 are equal").
fn duplicates_allowed(instance_path: &str) -> bool {
    const ENFORCED: [&str; 6] = [
        "security_opt",
        "group_add",
        "external_links",
        "volumes_from",
        "device_cgroup_rules",
        "extra_hosts",
    ];
    let segments: Vec<String> = super::locate::segments(instance_path).collect();
    !matches!(segments.as_slice(), [services, _, key] if services == "services" && ENFORCED.contains(&key.as_str()))
}

/// The tree as JSON, without the entries tagged `!reset`: they remove a value from what earlier
/// files defined, and Compose drops them before it validates.
fn to_json_without_resets(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.kind {
        NodeKind::Map(entries) => {
            let mut m = serde_json::Map::with_capacity(entries.len());
            for (k, v) in entries {
                if v.tag == Some(Tag::Reset) {
                    continue;
                }
                m.insert(
                    k.scalar_string().unwrap_or_default(),
                    to_json_without_resets(v),
                );
            }
            J::Object(m)
        }
        // Sequence items keep their indices, so instance paths still match the tree.
        NodeKind::Seq(items) => J::Array(items.iter().map(to_json_without_resets).collect()),
        _ => node.to_json(),
    }
}

/// A one-line fix for a wrong-type error, when the expected shape is plain.
fn type_help(message: &str) -> Option<&'static str> {
    let expected = message
        .split(": expected ")
        .nth(1)?
        .split(", found")
        .next()?;
    match expected {
        "a sequence" => Some("write a list: one `- item` per line, or `[a, b]` on one line"),
        "a mapping" => Some("write `key: value` lines indented under the key"),
        _ => None,
    }
}

/// Validates a Compose file tree (before or after interpolation: the schema accepts `${VAR}` in
/// typed fields) against the embedded compose-spec schema. Every error has code
/// `compose/schema` and points at the exact key (unknown key) or value (wrong type / value); a
/// missing required key points at the key holding the mapping. An unknown key close to a known
/// one gets "did you mean `…`?" as help. Errors are in document order.
pub fn validate_compose(root: &Node) -> Vec<Diagnostic> {
    let Some(compiled) = schemas::compose() else {
        return vec![
            Diagnostic::error("internal error: the Compose schema failed to load")
                .code(Code::ComposeSchema),
        ];
    };
    let json = to_json_without_resets(root);
    report::located_findings(root, &json, compiled, STYLE)
        .into_iter()
        .map(|(span, f)| {
            let mut d = Diagnostic::error(f.message)
                .at(span)
                .code(Code::ComposeSchema);
            if let Some(s) = f.suggestion {
                d = d.help(format!("did you mean `{s}`?"));
            } else if let Some(h) = type_help(&d.message) {
                d = d.help(h);
            }
            d
        })
        .collect()
}
