//! Compose files given to `komply lint`: converted exactly as `komply convert -f FILE` does
//! (loader + generator), then every node of every generated object is given the span of the
//! compose key that controls it, so the rules report compose `file:line:col`s with no change.
//!
//! Provenance: the generator records which service produced each object and which compose key
//! produced which of its fields ([`crate::generate::Output::provenance`]); every node is placed
//! at the first recorded key that exists ([`crate::generate::locate`]), anything else at the
//! service's own key. Messages still name the generated object (`Deployment/users: …`). A
//! compose file that cannot be converted is a `KP002` finding at the loader's location (exit 2).
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
use crate::generate::locate;
use crate::k8s::provenance::pointer;
use crate::pipeline::{ConvertRequest, Converted, convert};
use crate::yaml::{Node, NodeKind, SourceId, Span};

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
        let provenance = &object.provenance;
        let mut node = Node::from_json(&object.to_value());
        let svc = locate::service_entry(root, provenance.service.as_deref());
        let at = |path: &[String]| -> (Span, Span) {
            match svc {
                None => locate::project_span(root, fallback),
                Some((svc_key, svc_node)) => {
                    locate::key_spans(svc_node, provenance, &pointer(path))
                        .unwrap_or((svc_key, svc_key))
                }
            }
        };
        place(&mut node, &mut Vec::new(), &at);
        if let Some(o) = Object::from_node(node) {
            objects.push(o);
        }
    }
    objects
}

fn is_scalar(n: &Node) -> bool {
    !matches!(n.kind, NodeKind::Map(_) | NodeKind::Seq(_))
}

/// Gives every node the compose span `at` says for its path: a scalar the value's span, a map
/// or a sequence its key's, a map key its key's. Sequence items are path segments `#<name>`
/// (their `name` field) or `#<index>`; env entries read from a Secret are `#!<name>`.
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
                let name = item.get("name").and_then(Node::as_str);
                let secret = item.get("valueFrom").is_some();
                path.push(locate::item_segment(name, secret, i));
                place(item, path, at);
                path.pop();
            }
        }
        _ => {}
    }
}
