//! The policy a Namespace's `pod-security.kubernetes.io/*` labels select, resolved as the
//! admission resolves it (`api.PolicyToEvaluate`): unset modes take the cluster defaults; an
//! enforce level stricter than the default warn level raises warn (and its version, unless
//! `warn-version` is set); a bad enforce level fails closed (`restricted`), a bad warn or audit
//! level fails open (`privileged`), a bad version is `latest`. Bad values are also field errors
//! with which the API server rejects the Namespace.

use std::collections::BTreeMap;

use serde_json::Value;

use super::level::Level;
use super::version::{LevelVersion, Version};

/// The label prefix.
pub const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";
pub const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";
pub const ENFORCE_VERSION_LABEL: &str = "pod-security.kubernetes.io/enforce-version";
pub const AUDIT_LABEL: &str = "pod-security.kubernetes.io/audit";
pub const AUDIT_VERSION_LABEL: &str = "pod-security.kubernetes.io/audit-version";
pub const WARN_LABEL: &str = "pod-security.kubernetes.io/warn";
pub const WARN_VERSION_LABEL: &str = "pod-security.kubernetes.io/warn-version";

/// The policy of each mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Violations reject Pods (workloads are only warned about).
    pub enforce: LevelVersion,
    /// Violations are recorded in the audit log.
    pub audit: LevelVersion,
    /// Violations are returned to the client as warnings.
    pub warn: LevelVersion,
}

impl Default for Policy {
    /// The admission's own default for every mode: `privileged:latest`.
    fn default() -> Self {
        let p = LevelVersion::new(Level::Privileged, Version::Latest);
        Policy {
            enforce: p,
            audit: p,
            warn: p,
        }
    }
}

/// A label value the API server rejects (the field error on `metadata.labels[<label>]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelError {
    pub label: String,
    pub value: String,
    /// `must be one of privileged, baseline, restricted` or `must be "latest" or "v1.x"`.
    pub message: String,
}

impl LabelError {
    /// The field path the API server names: `metadata.labels[pod-security.kubernetes.io/…]`.
    pub fn field(&self) -> String {
        format!("metadata.labels[{}]", self.label)
    }
}

/// The level and version a mode's labels set, with the errors of bad values.
struct Mode<'a> {
    level_label: &'static str,
    version_label: &'static str,
    /// The level used when the label's value is bad.
    fail_to: Level,
    policy: &'a mut LevelVersion,
}

/// Applies one mode's labels: (the level label is present and valid, the version label is
/// present).
fn apply_mode(
    labels: &BTreeMap<String, String>,
    mode: Mode,
    errors: &mut Vec<LabelError>,
) -> (bool, bool) {
    let mut level_ok = false;
    let mut has_version = false;
    if let Some(value) = labels.get(mode.level_label) {
        match value.parse::<Level>() {
            Ok(l) => {
                mode.policy.level = l;
                level_ok = true;
            }
            Err(e) => {
                mode.policy.level = mode.fail_to;
                errors.push(LabelError {
                    label: mode.level_label.into(),
                    value: value.clone(),
                    message: e.to_string(),
                });
            }
        }
    }
    if let Some(value) = labels.get(mode.version_label) {
        has_version = true;
        match value.parse::<Version>() {
            Ok(v) => mode.policy.version = v,
            Err(e) => {
                mode.policy.version = Version::Latest;
                errors.push(LabelError {
                    label: mode.version_label.into(),
                    value: value.clone(),
                    message: e.to_string(),
                });
            }
        }
    }
    (level_ok, has_version)
}

/// The policy for a Namespace with `labels`, on a cluster whose AdmissionConfiguration
/// defaults are `defaults`, and the label errors (in the order the admission reports them:
/// enforce, enforce-version, audit, audit-version, warn, warn-version).
pub fn policy_to_evaluate(
    labels: &BTreeMap<String, String>,
    defaults: &Policy,
) -> (Policy, Vec<LabelError>) {
    let mut p = *defaults;
    let mut errors = Vec::new();
    let (has_enforce, _) = apply_mode(
        labels,
        Mode {
            level_label: ENFORCE_LABEL,
            version_label: ENFORCE_VERSION_LABEL,
            fail_to: Level::Restricted,
            policy: &mut p.enforce,
        },
        &mut errors,
    );
    apply_mode(
        labels,
        Mode {
            level_label: AUDIT_LABEL,
            version_label: AUDIT_VERSION_LABEL,
            fail_to: Level::Privileged,
            policy: &mut p.audit,
        },
        &mut errors,
    );
    let has_warn = labels.contains_key(WARN_LABEL);
    let (_, has_warn_version) = apply_mode(
        labels,
        Mode {
            level_label: WARN_LABEL,
            version_label: WARN_VERSION_LABEL,
            fail_to: Level::Privileged,
            policy: &mut p.warn,
        },
        &mut errors,
    );
    if !has_warn && has_enforce && p.enforce.level > p.warn.level {
        p.warn.level = p.enforce.level;
        if !has_warn_version {
            p.warn.version = p.enforce.version;
        }
    }
    (p, errors)
}

/// The string labels of a Namespace object (`metadata.labels`; other values are left out —
/// the API server would not decode them).
pub fn labels_of(namespace: &Value) -> BTreeMap<String, String> {
    namespace
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}
