//! Validate: JSON Schema validation (Compose spec, strict Kubernetes 1.37, CRDs) with errors
//! mapped back to `file:line:col`.
//!
//! - [`validate_compose`]: a Compose file tree → `compose/schema` diagnostics.
//! - [`validate_k8s`] / [`validate_k8s_json`]: one Kubernetes object → [`SchemaViolation`]s, or
//!   [`NoSchema`] when komply has no schema for its apiVersion + kind.
//! - [`api_version_status`]: served / deprecated / removed apiVersions.
//! - [`check_generated`]: the validate stage of `pipeline::convert` (generated objects against
//!   the schemas and the API server's name rules, duplicates), located at compose keys.
//!
//! Schemas are embedded (prepared by `build.rs`) and compiled lazily, one kind at a time; see
//! docs/decisions/0002-schema-validation.md.

mod api_status;
mod compose;
mod lint_config;
mod locate;
pub mod names;
mod output;
mod overlay;
mod report;
mod schemas;
pub(crate) mod suggest;

use serde_json::Value;

use crate::yaml::{Node, Span};

pub use api_status::{ApiStatus, api_version_status};
pub use compose::validate_compose;
pub use lint_config::validate_lint_config;
pub use output::{Locate, check_generated, names_broken_by_patch};
pub use overlay::validate_overlay;
pub use schemas::known_kinds;
pub use schemas::{LINT_CONFIG_SCHEMA, OVERLAY_SCHEMA};

/// One way an object breaks its schema.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaViolation {
    /// Where: the offending key (unknown field) or value (wrong type / value); for a missing
    /// required property, the key holding the mapping that should contain it (or the mapping
    /// itself when no key holds it). Synthetic for [`validate_k8s_json`].
    pub span: Span,
    /// JSON pointer into the object, e.g.
    /// `/spec/template/spec/containers/0/livenessProbe/initialDelaySecond`. For a missing
    /// required property, where it should be (`/spec/template/spec/containers`).
    pub pointer: String,
    /// Human message naming the property and what was expected, e.g. "unknown field
    /// `initialDelaySecond` in `livenessProbe` (did you mean `initialDelaySeconds`?)".
    pub message: String,
}

/// No embedded schema for an object's apiVersion + kind. The caller decides what that means
/// (the linter checks [`api_version_status`] and otherwise skips the object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoSchema {
    Unknown {
        api_version: String,
        kind: String,
        /// apiVersions komply does have a schema for, for this kind (may be empty).
        known_versions: Vec<&'static str>,
    },
}

impl std::fmt::Display for NoSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoSchema::Unknown {
                api_version,
                kind,
                known_versions,
            } => {
                write!(f, "no schema for {api_version} {kind}")?;
                if !known_versions.is_empty() {
                    write!(f, " (known: {})", known_versions.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

const K8S_STYLE: report::Style = report::Style {
    noun: "field",
    root: "the object",
    duplicates_allowed: report::never,
};

/// Validates one Kubernetes object (apiVersion + kind pick the schema) against the strict
/// Kubernetes 1.37 schemas or the embedded CRD schemas. `Ok(vec![])` = valid. An object that
/// is not a mapping, or lacks a string `apiVersion` / `kind`, is reported as a violation (it
/// cannot be a Kubernetes object). Violations are in document order.
pub fn validate_k8s(obj: &Node) -> Result<Vec<SchemaViolation>, NoSchema> {
    validate_object(&obj.to_json(), Some(obj))
}

/// Compiles, in the background, the schemas of the kinds every conversion makes (see
/// `schemas::warm`).
pub fn warm_generated_kinds() {
    schemas::warm(&[("apps/v1", "Deployment"), ("v1", "Service")]);
}

/// Like [`validate_k8s`] for objects komply built itself (spans are synthetic).
pub fn validate_k8s_json(obj: &Value) -> Result<Vec<SchemaViolation>, NoSchema> {
    validate_object(obj, None)
}

fn validate_object(json: &Value, node: Option<&Node>) -> Result<Vec<SchemaViolation>, NoSchema> {
    let span_of = |pointer: &str, anchor| {
        node.map_or(Span::SYNTHETIC, |n| locate::locate(n, pointer, anchor))
    };
    let Value::Object(map) = json else {
        let found = node.map_or("a scalar", Node::type_name);
        return Ok(vec![SchemaViolation {
            span: span_of("", locate::Anchor::Value),
            pointer: String::new(),
            message: format!("expected a Kubernetes object (a mapping), found {found}"),
        }]);
    };
    let mut missing = Vec::new();
    for field in ["apiVersion", "kind"] {
        match map.get(field) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(_) => missing.push(SchemaViolation {
                span: span_of(&format!("/{field}"), locate::Anchor::Value),
                pointer: format!("/{field}"),
                message: format!("`{field}`: expected a non-empty string"),
            }),
            None => missing.push(SchemaViolation {
                span: span_of("", locate::Anchor::Holder),
                pointer: format!("/{field}"),
                message: format!("missing required field `{field}`"),
            }),
        }
    }
    if !missing.is_empty() {
        return Ok(missing);
    }
    let api_version = map["apiVersion"].as_str().unwrap_or_default();
    let kind = map["kind"].as_str().unwrap_or_default();
    let Some(compiled) = schemas::for_kind(api_version, kind) else {
        return Err(NoSchema::Unknown {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            known_versions: schemas::kind_versions(kind),
        });
    };
    let mut findings = Vec::new();
    for err in compiled.validator.iter_errors(json) {
        report::translate(&err, &compiled.schema, K8S_STYLE, &mut findings);
    }
    let mut violations: Vec<SchemaViolation> = findings
        .into_iter()
        .map(|f| SchemaViolation {
            span: span_of(&f.node_pointer, f.anchor),
            pointer: f.pointer,
            message: match f.suggestion {
                Some(s) => format!("{} (did you mean `{s}`?)", f.message),
                None => f.message,
            },
        })
        .collect();
    violations.sort_by(|a, b| (a.span.start, &a.pointer).cmp(&(b.span.start, &b.pointer)));
    violations.dedup();
    Ok(violations)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every embedded schema parses and compiles (they are built by build.rs from repo files).
    #[test]
    fn every_embedded_schema_compiles() {
        let mut failed = Vec::new();
        for (v, k) in known_kinds() {
            if schemas::for_kind(v, k).is_none() {
                failed.push(format!("{v} {k}"));
            }
        }
        assert!(schemas::compose().is_some(), "compose schema");
        assert!(failed.is_empty(), "failed to compile: {failed:?}");
    }
}
