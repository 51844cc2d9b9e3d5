//! The validate stage of `pipeline::convert`: everything komply generated (overlays applied) is
//! checked before a byte is written — the strict Kubernetes 1.37 / CRD schemas, the names the
//! API server refuses although the schemas take any string ([`super::names`]), and the same
//! object generated twice (two services that make `db-headless`). Every problem is an error at
//! the compose key that controls the field, where one is known.

use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::Value;

use crate::diag::Diagnostic;
use crate::yaml::Span;

use super::names;

/// Where a field of a generated object comes from: `(object index, JSON pointer)` → span.
pub type Locate<'a> = &'a (dyn Fn(usize, &str) -> Span + Sync);

/// Checks `objects` (with the service each was made from, `None` for the project's own) and
/// returns one error per problem, in object order.
pub fn check_generated(
    objects: &[Value],
    services: &[Option<String>],
    locate: Locate<'_>,
) -> Vec<Diagnostic> {
    let mut errors = duplicates(objects, services, locate);
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
fn namespaces(objects: &[Value], locate: Locate<'_>) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    let mut errors = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        let Some(ns) = obj["metadata"]["namespace"].as_str() else {
            continue;
        };
        if !seen.insert(ns) {
            continue;
        }
        if let Err(why) = names::dns1123_label(ns) {
            errors.push(
                Diagnostic::error(format!(
                    "{}: namespace {ns:?} is not a valid name: {why}",
                    shown(obj)
                ))
                .at(locate(i, "/metadata/namespace"))
                .code("validate/name"),
            );
        }
    }
    errors
}

/// `Kind/name` (with the namespace when there is one), as messages name objects.
fn shown(obj: &Value) -> String {
    let kind = obj["kind"].as_str().unwrap_or("object");
    let name = obj["metadata"]["name"].as_str().unwrap_or("?");
    match obj["metadata"]["namespace"].as_str() {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

fn by(service: &Option<String>) -> String {
    match service {
        Some(s) => format!("service `{s}`"),
        None => "the project".into(),
    }
}

/// Two objects with the same group, kind, namespace and name: `kubectl apply` would keep only
/// the last, and `convert -o` would write both to one file.
fn duplicates(
    objects: &[Value],
    services: &[Option<String>],
    locate: Locate<'_>,
) -> Vec<Diagnostic> {
    let mut seen: HashMap<(&str, &str, &str, &str), usize> = HashMap::new();
    let mut errors = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        let group = obj["apiVersion"]
            .as_str()
            .and_then(|v| v.rsplit_once('/'))
            .map_or("", |(g, _)| g);
        let key = (
            group,
            obj["kind"].as_str().unwrap_or_default(),
            obj["metadata"]["namespace"].as_str().unwrap_or_default(),
            obj["metadata"]["name"].as_str().unwrap_or_default(),
        );
        let Some(&first) = seen.get(&key) else {
            seen.insert(key, i);
            continue;
        };
        let (a, b) = (
            services.get(first).cloned().flatten(),
            services.get(i).cloned().flatten(),
        );
        let message = if a == b {
            format!("{} is generated twice by {}", shown(obj), by(&a))
        } else {
            format!(
                "{} is generated twice: by {} and by {}",
                shown(obj),
                by(&a),
                by(&b)
            )
        };
        errors.push(
            Diagnostic::error(message)
                .at(locate(i, ""))
                .related(locate(first, ""), "the other one")
                .code("validate/duplicate-object")
                .help("rename one of the services (or the overlay resource) so every object has its own name"),
        );
    }
    errors
}

fn check_names(i: usize, obj: &Value, locate: Locate<'_>, out: &mut Vec<Diagnostic>) {
    for (pointer, message) in name_problems(obj) {
        out.push(
            Diagnostic::error(format!("{}: {message}", shown(obj)))
                .at(locate(i, &pointer))
                .code("validate/name"),
        );
    }
}

/// The names of `obj` the API server would refuse (the namespace is checked by the caller, once
/// per run): `(JSON pointer, message)` each.
fn name_problems(obj: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |pointer: String, what: &str, value: &str, why: String| {
        out.push((
            pointer,
            format!("{what} {value:?} is not a valid name: {why}"),
        ));
    };
    let kind = obj["kind"].as_str().unwrap_or_default();
    let meta = &obj["metadata"];
    if let Some(name) = meta["name"].as_str()
        && let Err(why) = names::object_name(kind, name)
    {
        bad("/metadata/name".into(), "name", name, why);
    }
    // Labels wherever the generator or an overlay put them.
    for pointer in [
        "/metadata/labels",
        "/spec/selector/matchLabels",
        "/spec/template/metadata/labels",
        "/spec/jobTemplate/spec/template/metadata/labels",
    ] {
        check_labels(obj, pointer, &mut bad);
    }
    if kind == "Service" {
        check_labels(obj, "/spec/selector", &mut bad);
    }
    // Annotation keys follow the label-key rule (compose `labels` become annotations); values
    // are free text.
    for pointer in [
        "/metadata/annotations",
        "/spec/template/metadata/annotations",
        "/spec/jobTemplate/spec/template/metadata/annotations",
    ] {
        check_annotations(obj, pointer, &mut bad);
    }
    if kind == "Ingress" {
        for (r, rule) in array(&obj["spec"]["rules"]).iter().enumerate() {
            if let Some(host) = rule["host"].as_str()
                && let Err(why) = names::ingress_host(host)
            {
                bad(format!("/spec/rules/{r}/host"), "host", host, why);
            }
        }
        for (t, tls) in array(&obj["spec"]["tls"]).iter().enumerate() {
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
pub fn names_broken_by_patch(before: &Value, after: &Value) -> Vec<String> {
    let with_namespace = |obj: &Value| {
        let mut all = name_problems(obj);
        if let Some(ns) = obj["metadata"]["namespace"].as_str()
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

fn check_labels(obj: &Value, pointer: &str, bad: &mut impl FnMut(String, &str, &str, String)) {
    let Some(labels) = obj.pointer(pointer).and_then(Value::as_object) else {
        return;
    };
    for (k, v) in labels {
        let at = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
        if let Err(why) = names::label_key(k) {
            bad(at.clone(), "label key", k, why);
        }
        if let Some(v) = v.as_str()
            && let Err(why) = names::label_value(v)
        {
            bad(at, &format!("value of label {k}"), v, why);
        }
    }
}

fn check_annotations(obj: &Value, pointer: &str, bad: &mut impl FnMut(String, &str, &str, String)) {
    let Some(annotations) = obj.pointer(pointer).and_then(Value::as_object) else {
        return;
    };
    for k in annotations.keys() {
        if let Err(why) = names::label_key(k) {
            let at = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
            bad(at, "annotation key", k, why);
        }
    }
}

fn check_schema(i: usize, obj: &Value, locate: Locate<'_>, out: &mut Vec<Diagnostic>) {
    // A kind komply has no schema for (a CRD an overlay adds) is not checked here.
    let Ok(violations) = super::validate_k8s_json(obj) else {
        return;
    };
    for v in violations {
        out.push(
            Diagnostic::error(format!("{}: {} (at {})", shown(obj), v.message, v.pointer))
                .at(locate(i, &v.pointer))
                .code("validate/schema")
                .help(
                    "the Kubernetes 1.37 API would refuse this object; if an overlay `patches` \
                     entry wrote the field, fix the patch, otherwise please report it as a komply bug",
                ),
        );
    }
}
