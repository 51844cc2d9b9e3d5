//! The embedded schemas and their lazily compiled validators.
//!
//! `build.rs` turns every schema under `schemas/k8s/v1.37.0/` and `schemas/crds/` into one
//! standalone document (only the definitions it reaches, annotations stripped) and writes the
//! table below. Each schema is parsed and compiled the first time an object of its kind is
//! validated, so a run pays only for the kinds it meets.

use std::sync::OnceLock;

use jsonschema::{Draft, Validator};
use serde_json::Value;

/// One embedded schema: the apiVersion + kind it validates.
pub(crate) struct SchemaEntry {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub draft: Draft,
    /// The repo file it was made from, for error messages and docs.
    pub origin: &'static str,
    pub text: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/schema_table.rs"));

/// A compiled validator plus the schema document it came from (read back to name the properties
/// an object may have when it has an unknown one).
pub(crate) struct Compiled {
    pub validator: Validator,
    pub schema: Value,
}

static COMPILED: [OnceLock<Option<Compiled>>; SCHEMA_COUNT] =
    [const { OnceLock::new() }; SCHEMA_COUNT];
static COMPOSE: OnceLock<Option<Compiled>> = OnceLock::new();
static OVERLAY: OnceLock<Option<Compiled>> = OnceLock::new();
static LINT_CONFIG: OnceLock<Option<Compiled>> = OnceLock::new();

/// The lint configuration's schema (`schemas/komply-config.schema.json`, `.komply.yaml`).
pub const LINT_CONFIG_SCHEMA: &str = include_str!("../../schemas/komply-config.schema.json");

/// The overlay format's schema (`schemas/overlay.schema.json`).
pub const OVERLAY_SCHEMA: &str = include_str!("../../schemas/overlay.schema.json");

/// The schema for `apiVersion` + `kind`, compiled on first use.
pub(crate) fn for_kind(api_version: &str, kind: &str) -> Option<&'static Compiled> {
    let index = SCHEMAS
        .iter()
        .position(|e| e.api_version == api_version && e.kind == kind)?;
    let entry = &SCHEMAS[index];
    COMPILED[index]
        .get_or_init(|| compile(entry.text, entry.draft, entry.origin))
        .as_ref()
}

/// Starts compiling the schemas of `kinds` (apiVersion, kind) on the thread pool and returns at
/// once: the convert pipeline asks for the kinds every project makes while it is still loading,
/// so the validate stage finds them compiled (the Deployment schema alone takes milliseconds).
pub(crate) fn warm(kinds: &'static [(&'static str, &'static str)]) {
    for &(api_version, kind) in kinds {
        rayon::spawn(move || {
            let _ = for_kind(api_version, kind);
        });
    }
}

/// The Compose Specification schema (compose-go's canonical copy), compiled on first use.
pub(crate) fn compose() -> Option<&'static Compiled> {
    COMPOSE
        .get_or_init(|| {
            compile(
                COMPOSE_SCHEMA,
                Draft::Draft202012,
                "schemas/compose-spec.compose-go.json",
            )
        })
        .as_ref()
}

/// The overlay schema, compiled on first use.
pub(crate) fn overlay() -> Option<&'static Compiled> {
    OVERLAY
        .get_or_init(|| {
            compile(
                OVERLAY_SCHEMA,
                Draft::Draft202012,
                "schemas/overlay.schema.json",
            )
        })
        .as_ref()
}

/// The lint configuration schema, compiled on first use.
pub(crate) fn lint_config() -> Option<&'static Compiled> {
    LINT_CONFIG
        .get_or_init(|| {
            compile(
                LINT_CONFIG_SCHEMA,
                Draft::Draft202012,
                "schemas/komply-config.schema.json",
            )
        })
        .as_ref()
}

/// Every embedded apiVersion/kind pair, in table order.
pub fn known_kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    SCHEMAS.iter().map(|e| (e.api_version, e.kind))
}

/// True when some embedded schema exists for `kind` under any apiVersion (used to tell "unknown
/// kind" from "known kind, other version").
pub(crate) fn kind_versions(kind: &str) -> Vec<&'static str> {
    SCHEMAS
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.api_version)
        .collect()
}

fn compile(text: &str, draft: Draft, origin: &str) -> Option<Compiled> {
    // The schemas are embedded at build time and covered by tests; a failure here is a bug in
    // komply, so it is reported once on stderr and the kind is treated as having no schema.
    let schema: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            crate::out::stderr_line(&format!(
                "komply: internal error: embedded schema {origin} does not parse: {e}"
            ));
            return None;
        }
    };
    // `format` is an annotation in 2020-12 and kubernetes-validate (Python `jsonschema`) does not
    // assert it either; asserting it for the draft-07 CRDs would reject what the API server takes.
    match jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(false)
        .build(&schema)
    {
        Ok(validator) => Some(Compiled { validator, schema }),
        Err(e) => {
            crate::out::stderr_line(&format!(
                "komply: internal error: embedded schema {origin} does not compile: {e}"
            ));
            None
        }
    }
}
