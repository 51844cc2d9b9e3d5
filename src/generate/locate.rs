//! Where a generated field comes from in the compose file: the span of the compose key its
//! [`Provenance`] names (the first recorded key that exists in the service; else the service's
//! own key; objects of no service, such as the Namespace, point at the project's `x-komply`).
//! Used by `komply lint` on compose files (`lint/from_compose.rs`) and by the convert
//! pipeline's validate stage.

use serde_json::Value;

use crate::k8s::Provenance;
use crate::k8s::provenance::pointer;
use crate::yaml::{Node, NodeKind, Span};

/// The span of the key `services.<service>` and the service's node.
pub fn service_entry<'a>(root: &'a Node, service: Option<&str>) -> Option<(Span, &'a Node)> {
    let (key, value) = root.get("services")?.entry(service?)?;
    Some((key.span, value))
}

/// Where objects of no service point: the project's `x-komply` key, else `fallback`.
pub fn project_span(root: &Node, fallback: Span) -> (Span, Span) {
    root.entry("x-komply")
        .map(|(k, _)| (k.span, k.span))
        .filter(|(k, _)| !k.is_synthetic())
        .unwrap_or((fallback, fallback))
}

fn is_scalar(n: &Node) -> bool {
    !matches!(n.kind, NodeKind::Map(_) | NodeKind::Seq(_))
}

/// (key span, value span) of `path` under the service node, when it exists with a real span
/// (the value span is the key's for a map or a sequence).
fn lookup(svc: &Node, path: &[String]) -> Option<(Span, Span)> {
    let (last, parent) = path.split_last()?;
    let mut cur = svc;
    for seg in parent {
        cur = cur.get(seg)?;
    }
    let (k, v) = cur.entry(last)?;
    if k.span.is_synthetic() {
        return None;
    }
    let value = if v.span.is_synthetic() || !is_scalar(v) {
        k.span
    } else {
        v.span
    };
    Some((k.span, value))
}

/// (key span, value span) of the compose key that controls the field at `pointer` (items of
/// named lists as `#NAME`, see [`Provenance`]) of an object made from the service `svc`:
/// the first of the recorded keys that exists. `None`: no recorded key exists.
pub fn key_spans(svc: &Node, provenance: &Provenance, pointer: &str) -> Option<(Span, Span)> {
    provenance
        .keys_for(pointer)
        .into_iter()
        .find_map(|k| lookup(svc, k))
}

/// The segment of an item of a generated list: `#NAME` for an object with a `name` (`#!NAME`
/// for an env entry read from a Secret, whose own line must not be shown), else `#INDEX`.
pub fn item_segment(name: Option<&str>, from_secret: bool, index: usize) -> String {
    match name {
        Some(n) if from_secret => format!("#!{n}"),
        Some(n) => format!("#{n}"),
        None => format!("#{index}"),
    }
}

/// The provenance pointer of the RFC 6901 `pointer` into `object` (list indexes replaced by
/// item segments), as far as the object has it.
fn named_pointer(object: &Value, pointer_text: &str) -> String {
    let mut path: Vec<String> = Vec::new();
    let mut cur = object;
    for token in pointer_text.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        match cur {
            Value::Array(items) => {
                let Some((i, item)) = token
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| Some((i, items.get(i)?)))
                else {
                    break;
                };
                let name = item.get("name").and_then(Value::as_str);
                path.push(item_segment(name, item.get("valueFrom").is_some(), i));
                cur = item;
            }
            Value::Object(map) => {
                let Some(next) = map.get(&token) else { break };
                path.push(token);
                cur = next;
            }
            _ => break,
        }
    }
    pointer(&path)
}

/// The compose place (span) that controls the field at JSON `pointer_text` of a generated
/// `object` with `provenance`, as the linter places it. Used by the convert pipeline's validate
/// stage to locate what it refuses.
pub fn compose_span(
    root: &Node,
    provenance: &Provenance,
    object: &Value,
    pointer_text: &str,
) -> Span {
    let fallback = root
        .entry("services")
        .map(|(k, _)| k.span)
        .unwrap_or(Span::SYNTHETIC);
    let Some((svc_key, svc_node)) = service_entry(root, provenance.service.as_deref()) else {
        return project_span(root, fallback).0;
    };
    if pointer_text.is_empty() {
        return svc_key;
    }
    let at = named_pointer(object, pointer_text);
    key_spans(svc_node, provenance, &at).map_or(svc_key, |(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn root(text: &str) -> Node {
        let id = crate::source::sources().add(std::path::Path::new("compose.yaml"), text);
        crate::yaml::parse_documents(id, text, &crate::yaml::Limits::default()).unwrap()[0].clone()
    }

    #[test]
    fn a_field_points_at_the_first_recorded_key_that_exists() {
        let r = root("services:\n  web:\n    image: nginx:1.27\n    user: \"1000\"\n");
        let object = json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}});
        let mut prov = Provenance::of(Some("web"));
        prov.record("/spec/containers/#web/image", &["build"]);
        prov.record("/spec/containers/#web/image", &["image"]);
        let span = compose_span(&r, &prov, &object, "/spec/containers/0/image");
        assert_eq!((span.start.line, span.start.col), (3, 12));
        // Nothing recorded that exists: the service's key.
        let span = compose_span(&r, &prov, &object, "/spec/containers/0/name");
        assert_eq!((span.start.line, span.start.col), (2, 3));
        // No service: the project's x-komply, else the `services` key.
        let span = compose_span(&r, &Provenance::of(None), &object, "/spec");
        assert_eq!((span.start.line, span.start.col), (1, 1));
    }

    #[test]
    fn items_are_named_and_secret_entries_marked() {
        let object =
            json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "valueFrom": {}}, {"x": 1}]});
        assert_eq!(named_pointer(&object, "/env/0/value"), "/env/#A/value");
        assert_eq!(named_pointer(&object, "/env/1"), "/env/#!B");
        assert_eq!(named_pointer(&object, "/env/2/x"), "/env/#2/x");
        // As far as the object has it.
        assert_eq!(named_pointer(&object, "/env/9/x"), "/env");
    }
}
