//! Raw patches, applied last: RFC 6902 JSON Patch (the `json-patch` crate) and RFC 7386 merge
//! patches, each on the objects its target selects. A target that selects nothing, an operation
//! that fails, or a result that no longer validates against the strict schemas is an error
//! located at the patch in the overlay file — never a silent no-op.

use crate::diag::{Code, Diagnostic};
use crate::k8s::Object;
use crate::k8s::selector::LabelSelector;
use crate::yaml::Node;

use super::model::{Patch, Target};
use super::span_at;

fn matches(obj: &Object, target: &Target, selector: &LabelSelector) -> bool {
    if target.kind.as_deref().is_some_and(|k| obj.kind() != k) {
        return false;
    }
    if target.name.as_deref().is_some_and(|n| obj.name() != n) {
        return false;
    }
    match &obj.metadata.labels {
        Some(labels) => selector.matches(labels),
        None => selector.matches(&crate::k8s::StringMap::new()),
    }
}

fn describe(t: &Target) -> String {
    let mut parts = Vec::new();
    if let Some(k) = &t.kind {
        parts.push(format!("kind {k}"));
    }
    if let Some(n) = &t.name {
        parts.push(format!("name {n}"));
    }
    if let Some(l) = &t.label_selector {
        parts.push(format!("labels {l}"));
    }
    parts.join(", ")
}

/// Applies every patch to the objects its target selects; the errors, located at the patches.
/// JSON Patch works on JSON: each object is patched in its JSON form and read back.
pub(crate) fn apply(objects: &mut [Object], patches: &[Patch], merged: &Node) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for (i, p) in patches.iter().enumerate() {
        let idx = i.to_string();
        let at = span_at(merged, &["patches", &idx]);
        let target_at = span_at(merged, &["patches", &idx, "target"]);
        let selector = match LabelSelector::parse(p.target.label_selector.as_deref().unwrap_or(""))
        {
            Ok(s) => s,
            Err(e) => {
                errors.push(
                    Diagnostic::error(format!("patch target labelSelector {e}"))
                        .at(span_at(
                            merged,
                            &["patches", &idx, "target", "labelSelector"],
                        ))
                        .code(Code::OverlayPatchTarget),
                );
                continue;
            }
        };
        let hits: Vec<usize> = (0..objects.len())
            .filter(|&j| matches(&objects[j], &p.target, &selector))
            .collect();
        if hits.is_empty() {
            let mut d = Diagnostic::error(format!(
                "patch target ({}) matches no generated object",
                describe(&p.target)
            ))
            .at(target_at)
            .code(Code::OverlayPatchTarget);
            if let Some(kind) = &p.target.kind {
                let names: Vec<&str> = objects
                    .iter()
                    .filter(|o| o.kind() == kind.as_str())
                    .map(Object::name)
                    .collect();
                d = d.help(if names.is_empty() {
                    format!("no {kind} is generated in this environment")
                } else {
                    format!("{kind} objects: {}", names.join(", "))
                });
            }
            errors.push(d);
            continue;
        }
        for j in hits {
            let mut obj = objects[j].to_value();
            let who = format!("{} {}", objects[j].kind(), objects[j].name());
            if let Some(ops) = &p.json_patch
                && let Err(e) = json_patch::patch(&mut obj, &ops.0)
            {
                let op_idx = e.operation.to_string();
                let op_at = span_at(merged, &["patches", &idx, "json_patch", &op_idx]);
                let what = match e.kind {
                    json_patch::PatchErrorKind::TestFailed => {
                        format!(
                            "`test` failed: the value at `{}` is not the one given",
                            e.path
                        )
                    }
                    json_patch::PatchErrorKind::InvalidFromPointer => {
                        "its `from` path does not exist".to_string()
                    }
                    json_patch::PatchErrorKind::CannotMoveInsideItself => {
                        "it moves a value inside itself".to_string()
                    }
                    _ => format!("path `{}` does not exist", e.path),
                };
                errors.push(
                    Diagnostic::error(format!(
                        "JSON Patch operation {} on {who} failed: {what}",
                        e.operation
                    ))
                    .at(op_at)
                    .code(Code::OverlayPatchFailed),
                );
                continue;
            }
            if let Some(m) = &p.merge_patch {
                json_patch::merge(&mut obj, m);
            }
            // A patch may not turn a valid object into one the API server would reject.
            if let Ok(violations) = crate::validate::validate_k8s_json(&obj)
                && let Some(v) = violations.first()
            {
                errors.push(
                    Diagnostic::error(format!(
                        "after this patch, {who} is not valid: {}",
                        v.message
                    ))
                    .at(at)
                    .code(Code::OverlayPatchInvalid),
                );
                continue;
            }
            let mut patched = objects[j].clone();
            if let Err(e) = patched.replace_with_value(obj) {
                errors.push(
                    Diagnostic::error(format!("after this patch, {who} is not valid: {e}"))
                        .at(at)
                        .code(Code::OverlayPatchInvalid),
                );
                continue;
            }
            if let Some(why) = crate::validate::names_broken_by_patch(&objects[j], &patched).first()
            {
                errors.push(
                    Diagnostic::error(format!("after this patch, {who} is not valid: {why}"))
                        .at(at)
                        .code(Code::OverlayPatchInvalid),
                );
                continue;
            }
            objects[j] = patched;
        }
    }
    errors
}
