//! Compose files given to `komply lint`: converted exactly as `komply convert -f FILE` does
//! (loader + generator), then every node of every generated object is given the span of the
//! compose key that controls it, so the rules report compose `file:line:col`s with no change.
//!
//! Provenance: the generator records which service produced each object (the
//! [`crate::k8s::Provenance`] of each [`crate::generate::Output::objects`]); within a service, a generated field maps to its
//! compose key (image → `image`, probes → `healthcheck`, runAsUser → `user`, …, anything else →
//! the service's own key), see [`candidates`]. Messages still name the generated object
//! (`Deployment/users: …`). A compose file that cannot be converted is a `KP002` finding at the
//! loader's location (exit 2).
//!
//! Secret values never reach the output: a finding about a secret-like variable points at the
//! `environment:` key, not at the variable's own line; and every code frame masks the secrets
//! on the line it prints ([`crate::secrets::frame`]), so even a frame of
//! `environment: {DB_PASSWORD: x}` shows only asterisks.

use std::path::Path;

use super::model::Object;
use super::rules::{self, Finding};
use crate::compose::LoadOptions;
use crate::diag::{Failure, Severity};
use crate::pipeline::{ConvertRequest, Converted, convert};
use crate::yaml::{Node, NodeKind, SourceId, Span};
use serde_json::Value;

/// Converts the compose file at `path` (already parsed as `id` by the input stage) into objects
/// whose spans point into the compose file(s). `Err` = `KP002` findings, one per load error.
pub fn load_compose(path: &Path, id: SourceId) -> Result<Vec<Object>, Vec<Finding>> {
    let mut opts = LoadOptions::from_process_env();
    opts.files = vec![path.to_path_buf()];
    let fallback = Span::point(id, 1, 1);
    match convert(&ConvertRequest::new(opts)) {
        Ok(converted) => Ok(objects(&converted, fallback)),
        Err(failure) => Err(failure_findings(&failure, fallback)),
    }
}

/// A conversion failure as `KP002` findings, one per error (at `fallback` when it has no
/// location), so it is reported in the run's format and never passes silently.
pub fn failure_findings(failure: &Failure, fallback: Span) -> Vec<Finding> {
    let mut problems: Vec<Finding> = failure
        .0
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| Finding {
            rule: &rules::compose_input::RULE,
            severity: rules::compose_input::RULE.severity,
            message: format!("cannot convert the compose file: {}", d.message),
            span: d.span.filter(|s| !s.is_synthetic()).unwrap_or(fallback),
            object: None,
            container: None,
            suppressed: None,
        })
        .collect();
    if problems.is_empty() {
        // Never a silent pass, even for a failure without an error diagnostic.
        problems.push(Finding {
            rule: &rules::compose_input::RULE,
            severity: rules::compose_input::RULE.severity,
            message: "cannot convert the compose file".into(),
            span: fallback,
            object: None,
            container: None,
            suppressed: None,
        });
    }
    problems
}

/// The generated objects of a conversion, every node placed at the compose key that controls
/// it (`fallback` when the project has no better place). Used by `komply lint` for compose
/// inputs and by `komply check`.
pub fn objects(converted: &Converted, fallback: Span) -> Vec<Object> {
    let (project, out) = (&converted.project, &converted.output);
    let root = &project.canonical;
    let fallback = root
        .entry("services")
        .map(|(k, _)| k.span)
        .filter(|s| !s.is_synthetic())
        .unwrap_or(fallback);
    let mut objects = Vec::with_capacity(out.objects.len());
    for object in &out.objects {
        let (service, kind, name) = (&object.provenance.service, object.kind(), object.name());
        let mut node = Node::from_json(&object.to_value());
        let svc = service.as_deref().and_then(|s| {
            let (key, value) = root.get("services")?.entry(s)?;
            Some((key.span, value))
        });
        let at = |path: &[String]| -> (Span, Span) {
            let (k, v) = match svc {
                None => project_span(root, fallback),
                Some((svc_key, svc_node)) => candidates(kind, name, path)
                    .iter()
                    .find_map(|c| lookup(svc_node, c))
                    .unwrap_or((svc_key, svc_key)),
            };
            (k, v)
        };
        place(&mut node, &mut Vec::new(), &at);
        if let Some(o) = Object::from_node(node) {
            objects.push(o);
        }
    }
    objects
}

/// Objects not made from a service (the Namespace) point at the project's `x-komply`.
fn project_span(root: &Node, fallback: Span) -> (Span, Span) {
    root.entry("x-komply")
        .map(|(k, _)| (k.span, k.span))
        .filter(|(k, _)| !k.is_synthetic())
        .unwrap_or((fallback, fallback))
}

/// (key span, value span) of `path` under the service node, when it exists with a real span.
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

fn is_scalar(n: &Node) -> bool {
    !matches!(n.kind, NodeKind::Map(_) | NodeKind::Seq(_))
}

/// Gives every node the compose span `at` says for its path. Sequence items are path segments
/// `#<name>` (their `name` field) or `#<index>`; env entries read from a Secret are `#!<name>`.
fn place(node: &mut Node, path: &mut Vec<String>, at: &dyn Fn(&[String]) -> (Span, Span)) {
    let (key, value) = at(path);
    node.span = if is_scalar(node) { value } else { key };
    match &mut node.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                path.push(k.as_str().unwrap_or_default().to_string());
                k.span = at(path).0;
                place(v, path, at);
                path.pop();
            }
        }
        NodeKind::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let secret = item.get("valueFrom").is_some();
                let seg = match item.get("name").and_then(Node::as_str) {
                    Some(n) if secret => format!("#!{n}"),
                    Some(n) => format!("#{n}"),
                    None => format!("#{i}"),
                };
                path.push(seg);
                place(item, path, at);
                path.pop();
            }
        }
        _ => {}
    }
}

fn keys(paths: &[&[&str]]) -> Vec<Vec<String>> {
    paths
        .iter()
        .map(|p| p.iter().map(|s| s.to_string()).collect())
        .collect()
}

/// Whether a finding about this variable may point at its own line (which shows its value).
fn secret_like(name: &str) -> bool {
    crate::secrets::Policy::standard().secret_like_name(name)
}

/// The compose keys of an environment variable, most precise first.
fn env_var(name: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    if let Some(n) = name.strip_prefix('#').filter(|n| !n.starts_with('!'))
        && !secret_like(n)
    {
        out.push(vec!["environment".to_string(), n.to_string()]);
    }
    out.extend(keys(&[&["environment"], &["env_file"]]));
    out
}

/// Where a generated field comes from: compose key paths under the service, most precise
/// first. Empty = the service's own key.
fn candidates(kind: &str, name: &str, path: &[String]) -> Vec<Vec<String>> {
    match kind {
        "Service" => return keys(&[&["ports"], &["expose"]]),
        "PodDisruptionBudget" | "HorizontalPodAutoscaler" => {
            return keys(&[&["x-komply"], &["deploy", "replicas"]]);
        }
        "Ingress" => return keys(&[&["x-komply"], &["ports"]]),
        "ExternalSecret" => return keys(&[&["environment"], &["secrets"], &["env_file"]]),
        "PersistentVolumeClaim" => return keys(&[&["volumes"]]),
        "ConfigMap" if name.ends_with("-env") => {
            return match path {
                [data, var, ..] if data == "data" => env_var(&format!("#{var}")),
                _ => env_var(""),
            };
        }
        "ConfigMap" => return keys(&[&["configs"]]),
        _ => {}
    }
    let has = |k: &str| path.iter().any(|s| s == k);
    for (i, seg) in path.iter().enumerate().rev() {
        let found: &[&[&str]] = match seg.as_str() {
            "image" => &[&["image"]],
            "imagePullPolicy" => &[&["pull_policy"], &["image"]],
            "limits" if has("resources") => {
                &[&["deploy", "resources", "limits"], &["deploy", "resources"]]
            }
            "requests" if has("resources") => &[
                &["deploy", "resources", "reservations"],
                &["deploy", "resources"],
            ],
            "resources" => &[&["deploy", "resources"]],
            "readinessProbe" | "livenessProbe" | "startupProbe" => &[&["healthcheck"]],
            "runAsNonRoot" | "runAsUser" | "runAsGroup" => &[&["user"]],
            "privileged" | "allowPrivilegeEscalation" => &[&["privileged"]],
            "add" if has("capabilities") => &[&["cap_add"]],
            "drop" if has("capabilities") => &[&["cap_drop"]],
            "capabilities" => &[&["cap_drop"], &["cap_add"]],
            "readOnlyRootFilesystem" => &[&["read_only"]],
            "hostNetwork" => &[&["network_mode"]],
            "hostPID" => &[&["pid"]],
            "hostIPC" => &[&["ipc"]],
            "volumes" | "volumeMounts" | "hostPath" => &[&["volumes"]],
            "env" => {
                return env_var(path.get(i + 1).map(String::as_str).unwrap_or(""));
            }
            // Compose `labels` become annotations (the pod template's and the object's).
            "annotations" => {
                let mut out = Vec::new();
                if let Some(key) = path.get(i + 1) {
                    out.push(vec!["labels".to_string(), key.clone()]);
                }
                out.extend(keys(&[&["labels"]]));
                return out;
            }
            "envFrom" => &[&["environment"], &["env_file"]],
            "ports" => &[&["ports"], &["expose"]],
            "command" => &[&["entrypoint"], &["command"]],
            "args" => &[&["command"]],
            "replicas" => &[&["deploy", "replicas"], &["x-komply"]],
            "affinity" => &[&["x-komply"], &["deploy", "replicas"]],
            _ => continue,
        };
        return keys(found);
    }
    Vec::new()
}

/// The compose place (span) that controls the field at JSON `pointer` of a generated `object`
/// made from `service` (`None`: the Namespace, placed at the project's `x-komply`), as the linter
/// places it. Used by the convert pipeline's validate stage to locate what it refuses.
pub fn compose_span(root: &Node, service: Option<&str>, object: &Value, pointer: &str) -> Span {
    let fallback = root
        .entry("services")
        .map(|(k, _)| k.span)
        .unwrap_or(Span::SYNTHETIC);
    let Some((svc_key, svc_node)) = service.and_then(|s| {
        let (key, value) = root.get("services")?.entry(s)?;
        Some((key.span, value))
    }) else {
        return project_span(root, fallback).0;
    };
    if pointer.is_empty() {
        return svc_key;
    }
    // The path as `place` spells it: sequence items by their `name` (`#!name` for an env entry
    // read from a Secret), else by index.
    let mut path: Vec<String> = Vec::new();
    let mut cur = object;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        match cur {
            Value::Array(items) => {
                let Some(item) = token.parse::<usize>().ok().and_then(|i| items.get(i)) else {
                    break;
                };
                let secret = item.get("valueFrom").is_some();
                path.push(match item.get("name").and_then(Value::as_str) {
                    Some(n) if secret => format!("#!{n}"),
                    Some(n) => format!("#{n}"),
                    None => format!("#{token}"),
                });
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
    let kind = object["kind"].as_str().unwrap_or_default();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    candidates(kind, name, &path)
        .iter()
        .find_map(|c| lookup(svc_node, c))
        .map_or(svc_key, |(_, v)| v)
}
