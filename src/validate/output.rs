//! The validate stage of `pipeline::convert`: everything komply generated (overlays applied) is
//! checked before a byte is written — the strict Kubernetes 1.37 / CRD schemas, the names the
//! API server refuses although the schemas take any string ([`super::names`]), and the same
//! object generated twice (two services that make `db-headless`). Every problem is an error at
//! the compose key that controls the field, where one is known.

use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::Value;

use crate::diag::{Code, Diagnostic};
use crate::k8s::Object;
use crate::yaml::Span;

use super::names;

/// Where a field of a generated object comes from: `(object index, JSON pointer)` → span.
pub type Locate<'a> = &'a (dyn Fn(usize, &str) -> Span + Sync);

/// Checks `objects` (each with the service it was made from in its provenance, `None` for the
/// project's own) and returns one error per problem, in object order.
pub fn check_generated(objects: &[Object], locate: Locate<'_>) -> Vec<Diagnostic> {
    let mut errors = duplicates(objects, locate);
    errors.extend(namespaces(objects, locate));
    // Objects are independent: schemas (compiled once per kind) and names on all cores.
    let per_object: Vec<Vec<Diagnostic>> = objects
        .par_iter()
        .enumerate()
        .map(|(i, obj)| {
            let mut out = Vec::new();
            check_names(i, obj, locate, &mut out);
            check_schema(i, obj, locate, &mut out);
            out
        })
        .collect();
    errors.extend(per_object.into_iter().flatten());
    errors
}

/// Each invalid namespace once (it is usually on every object), at its first object.
fn namespaces(objects: &[Object], locate: Locate<'_>) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    let mut errors = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        let Some(ns) = obj.namespace() else {
            continue;
        };
        if !seen.insert(ns) {
            continue;
        }
        if let Err(why) = names::dns1123_label(ns) {
            errors.push(
                Diagnostic::error(format!(
                    "{}: namespace {ns:?} is not a valid name: {why}",
                    obj.display()
                ))
                .at(locate(i, "/metadata/namespace"))
                .code(Code::ValidateName),
            );
        }
    }
    errors
}

fn by(service: Option<&str>) -> String {
    match service {
        Some(s) => format!("service `{s}`"),
        None => "the project".into(),
    }
}

/// Two objects with the same group, kind, namespace and name: `kubectl apply` would keep only
/// the last, and `convert -o` would write both to one file.
fn duplicates(objects: &[Object], locate: Locate<'_>) -> Vec<Diagnostic> {
    let mut seen: HashMap<(&str, &str, &str, &str), usize> = HashMap::new();
    let mut errors = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        let key = (
            obj.types.group(),
            obj.kind(),
            obj.namespace().unwrap_or_default(),
            obj.name(),
        );
        let Some(&first) = seen.get(&key) else {
            seen.insert(key, i);
            continue;
        };
        let (a, b) = (objects[first].service(), obj.service());
        let message = if a == b {
            format!("{} is generated twice by {}", obj.display(), by(a))
        } else {
            format!(
                "{} is generated twice: by {} and by {}",
                obj.display(),
                by(a),
                by(b)
            )
        };
        errors.push(
            Diagnostic::error(message)
                .at(locate(i, ""))
                .related(locate(first, ""), "the other one")
                .code(Code::ValidateDuplicateObject)
                .help("rename one of the services (or the overlay resource) so every object has its own name"),
        );
    }
    errors
}

fn check_names(i: usize, obj: &Object, locate: Locate<'_>, out: &mut Vec<Diagnostic>) {
    for (pointer, message) in name_problems(obj) {
        out.push(
            Diagnostic::error(format!("{}: {message}", obj.display()))
                .at(locate(i, &pointer))
                .code(Code::ValidateName),
        );
    }
}

/// A label / annotation map in JSON: its keys, with the string values.
fn json_map(v: Option<&Value>) -> Vec<(&str, Option<&str>)> {
    v.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// A typed label / annotation map.
fn typed_map(m: Option<&crate::k8s::StringMap>) -> Vec<(&str, Option<&str>)> {
    m.into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), Some(v.as_str())))
        .collect()
}

/// The names of `obj` the API server would refuse (the namespace is checked by the caller, once
/// per run): `(JSON pointer, message)` each.
fn name_problems(obj: &Object) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |pointer: String, what: &str, value: &str, why: String| {
        out.push((
            pointer,
            format!("{what} {value:?} is not a valid name: {why}"),
        ));
    };
    let kind = obj.kind();
    if let Err(why) = names::object_name(kind, obj.name()) {
        bad("/metadata/name".into(), "name", obj.name(), why);
    }
    // The pod template's labels and annotations, for a workload.
    let template = obj
        .workload()
        .filter(|w| !w.is_pod())
        .map(|w| (w.template_pointer(), obj.pod_template()));
    // Labels wherever the generator or an overlay put them.
    check_labels(
        "/metadata/labels",
        &typed_map(obj.metadata.labels.as_ref()),
        &mut bad,
    );
    check_labels(
        "/spec/selector/matchLabels",
        &json_map(obj.get(&["spec", "selector", "matchLabels"])),
        &mut bad,
    );
    if let Some((pointer, t)) = &template {
        let labels = json_map(t.and_then(|t| t.pointer("/metadata/labels")));
        check_labels(&format!("{pointer}/metadata/labels"), &labels, &mut bad);
    }
    if kind == "Service" {
        check_labels(
            "/spec/selector",
            &json_map(obj.get(&["spec", "selector"])),
            &mut bad,
        );
    }
    // Annotation keys follow the label-key rule (compose `labels` become annotations); values
    // are free text.
    let annotations = typed_map(obj.metadata.annotations.as_ref());
    check_annotations("/metadata/annotations", &annotations, &mut bad);
    if let Some((pointer, t)) = &template {
        let annotations = json_map(t.and_then(|t| t.pointer("/metadata/annotations")));
        check_annotations(
            &format!("{pointer}/metadata/annotations"),
            &annotations,
            &mut bad,
        );
    }
    if kind == "Ingress" {
        for (r, rule) in obj.items_at(&["spec", "rules"]).enumerate() {
            if let Some(host) = rule["host"].as_str()
                && let Err(why) = names::ingress_host(host)
            {
                bad(format!("/spec/rules/{r}/host"), "host", host, why);
            }
        }
        for (t, tls) in obj.items_at(&["spec", "tls"]).enumerate() {
            for (h, host) in array(&tls["hosts"]).iter().enumerate() {
                if let Some(host) = host.as_str()
                    && let Err(why) = names::ingress_host(host)
                {
                    bad(format!("/spec/tls/{t}/hosts/{h}"), "host", host, why);
                }
            }
        }
    }
    out
}

/// What a patch broke: the name problems of `after` (namespace included) that `before` did not
/// have, as messages, so an overlay can refuse the patch at the patch.
pub fn names_broken_by_patch(before: &Object, after: &Object) -> Vec<String> {
    let with_namespace = |obj: &Object| {
        let mut all = name_problems(obj);
        if let Some(ns) = obj.namespace()
            && let Err(why) = names::dns1123_label(ns)
        {
            all.push((
                "/metadata/namespace".into(),
                format!("namespace {ns:?} is not a valid name: {why}"),
            ));
        }
        all
    };
    let old = with_namespace(before);
    with_namespace(after)
        .into_iter()
        .filter(|p| !old.contains(p))
        .map(|(_, message)| message)
        .collect()
}

fn array(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn escape(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

fn check_labels(
    pointer: &str,
    labels: &[(&str, Option<&str>)],
    bad: &mut impl FnMut(String, &str, &str, String),
) {
    for (k, v) in labels {
        let at = format!("{pointer}/{}", escape(k));
        if let Err(why) = names::label_key(k) {
            bad(at.clone(), "label key", k, why);
        }
        if let Some(v) = v
            && let Err(why) = names::label_value(v)
        {
            bad(at, &format!("value of label {k}"), v, why);
        }
    }
}

fn check_annotations(
    pointer: &str,
    annotations: &[(&str, Option<&str>)],
    bad: &mut impl FnMut(String, &str, &str, String),
) {
    for (k, _) in annotations {
        if let Err(why) = names::label_key(k) {
            bad(format!("{pointer}/{}", escape(k)), "annotation key", k, why);
        }
    }
}

fn check_schema(i: usize, obj: &Object, locate: Locate<'_>, out: &mut Vec<Diagnostic>) {
    // A kind komply has no schema for (a CRD an overlay adds) is not checked here.
    let Ok(violations) = super::validate_k8s_json(&obj.to_value()) else {
        return;
    };
    for v in violations {
        out.push(
            Diagnostic::error(format!("{}: {} (at {})", obj.display(), v.message, v.pointer))
                .at(locate(i, &v.pointer))
                .code(Code::ValidateSchema)
                .help(
                    "the Kubernetes 1.37 API would refuse this object; if an overlay `patches` \
                     entry wrote the field, fix the patch, otherwise please report it as a komply bug",
                ),
        );
    }
}
