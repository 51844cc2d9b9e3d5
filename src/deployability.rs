//! The deployability report: what a user must still do before the pods of a conversion start.
//!
//! Built only from what the run produced — the ExternalSecrets (keys to create in the secret
//! store) and the diagnostics, sorted into steps by their code ([`CODES`]) — so a new warning
//! joins a step by its code, without extra wiring. `komply convert` and `komply check` print it
//! on stderr after the warnings; `komply migrate` writes it into MIGRATION.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::diag::{Code, Diagnostic};
use crate::k8s::Object;

/// A step of the report, in the order it is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Keys to create in the secret store (from the ExternalSecrets).
    Secrets,
    /// Images to build and push (`build:`-only services).
    Images,
    /// Images whose user komply does not know, or that need root: the kubelet refuses them.
    Users,
    /// Host paths not carried over, and what depends on them.
    Mounts,
    /// Names the pods reach that nothing provides.
    Network,
    /// Settings the nodes, the storage or the environment must provide.
    Environment,
    /// Figures to confirm (memory limits komply could not check, probe windows).
    Check,
}

impl Step {
    /// What to do, as the step's heading.
    pub fn heading(self) -> &'static str {
        match self {
            Step::Secrets => {
                "create these secrets (keys in the secret store, or the Secret itself)"
            }
            Step::Images => "build and push the images of build-only services",
            Step::Users => {
                "give these containers a non-root user the kubelet can verify (runAsNonRoot refuses root and user names)"
            }
            Step::Mounts => {
                "provide what these host mounts carried (left out, or storage that starts empty)"
            }
            Step::Network => "make these names resolve",
            Step::Environment => "provide these settings outside the manifests",
            Step::Check => "check these figures",
        }
    }
}

/// Diagnostic code → step. Documented in `docs/deployability-report.md`
/// (`tests/deployability_report.rs` checks the page lists every code here).
pub const CODES: &[(Code, Step)] = &[
    (Code::GenerateNoImage, Step::Images),
    (Code::GenerateUnknownImageUser, Step::Users),
    (Code::GenerateUserName, Step::Users),
    (Code::GenerateImageNeedsRoot, Step::Users),
    (Code::GenerateImageRunsAsRoot, Step::Users),
    (Code::GeneratePrivilegedPort, Step::Users),
    (Code::OverlaySecretGenerator, Step::Secrets),
    (Code::GenerateBindMount, Step::Mounts),
    (Code::GenerateProbeDroppedMount, Step::Mounts),
    (Code::GenerateProbeHost, Step::Network),
    (Code::GenerateUnresolvedHost, Step::Network),
    (Code::GenerateNodeSysctl, Step::Environment),
    (Code::GenerateDataDir, Step::Environment),
    (Code::GenerateUnsetEnv, Step::Environment),
    (Code::GenerateStartOrder, Step::Check),
    (Code::OverlayMemoryUnknown, Step::Check),
    (Code::OverlayStartupProbeShort, Step::Check),
];

/// The step a diagnostic code belongs to, if any.
pub fn step_of(code: Code) -> Option<Step> {
    CODES
        .iter()
        .find_map(|(c, step)| (*c == code).then_some(*step))
}

/// Keys of one secret store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreKeys {
    /// `ClusterSecretStore `vault``
    pub store: String,
    /// remote key → properties (empty: the whole value).
    pub keys: BTreeMap<String, Vec<String>>,
}

/// The report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub secrets: Vec<StoreKeys>,
    /// Per step: `location: message` lines, in diagnostic order, without repeats.
    pub items: BTreeMap<Step, Vec<String>>,
}

impl Report {
    /// Builds the report from the objects of one or more conversions and their diagnostics.
    pub fn build<'a>(
        objects: impl IntoIterator<Item = &'a Object>,
        diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
    ) -> Report {
        let mut stores: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        for o in objects {
            if o.kind() != "ExternalSecret" {
                continue;
            }
            let store = format!(
                "{} `{}`",
                o.str_at(&["spec", "secretStoreRef", "kind"])
                    .unwrap_or("SecretStore"),
                o.str_at(&["spec", "secretStoreRef", "name"])
                    .unwrap_or_default()
            );
            let keys = stores.entry(store).or_default();
            for d in o.items_at(&["spec", "data"]) {
                let key = d["remoteRef"]["key"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let props = keys.entry(key).or_default();
                if let Some(p) = d["remoteRef"]["property"].as_str()
                    && !props.iter().any(|x| x == p)
                {
                    props.push(p.to_string());
                }
            }
        }
        let mut items: BTreeMap<Step, Vec<String>> = BTreeMap::new();
        for d in diagnostics {
            let Some(step) = d.code.and_then(step_of) else {
                continue;
            };
            let line = match d.span.filter(|s| !s.is_synthetic()).and(d.location()) {
                Some(l) => format!("{l}: {}", d.message),
                None => d.message.clone(),
            };
            let list = items.entry(step).or_default();
            if !list.contains(&line) {
                list.push(line);
            }
        }
        Report {
            secrets: stores
                .into_iter()
                .map(|(store, keys)| StoreKeys { store, keys })
                .collect(),
            items,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.items.is_empty()
    }

    fn secret_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.secrets {
            for (key, props) in &s.keys {
                let what = if props.is_empty() {
                    "(the whole value)".to_string()
                } else {
                    props.join(", ")
                };
                out.push(format!("{}: `{key}`: {what}", s.store));
            }
        }
        out
    }

    /// The steps in order; the secret store's keys open the `Secrets` step.
    fn steps(&self) -> Vec<(Step, Vec<String>)> {
        let mut items = self.items.clone();
        if !self.secrets.is_empty() {
            let mut lines = self.secret_lines();
            lines.extend(items.remove(&Step::Secrets).unwrap_or_default());
            items.insert(Step::Secrets, lines);
        }
        items.into_iter().collect()
    }

    /// Plain text for stderr; empty when nothing is left to do.
    pub fn text(&self) -> String {
        let mut s = String::new();
        if self.is_empty() {
            return s;
        }
        let _ = writeln!(s, "Before the pods start:");
        for (i, (step, lines)) in self.steps().iter().enumerate() {
            let _ = writeln!(s, "  {}. {}:", i + 1, step.heading());
            for l in lines {
                let _ = writeln!(s, "     - {l}");
            }
        }
        s
    }

    /// A Markdown section for MIGRATION.md.
    pub fn markdown(&self) -> String {
        let mut s = String::from("## Before the pods start\n\n");
        if self.is_empty() {
            s.push_str("Nothing: as generated, every workload can start.\n\n");
            return s;
        }
        for (i, (step, lines)) in self.steps().iter().enumerate() {
            let _ = writeln!(s, "{}. {}:", i + 1, step.heading());
            for l in lines {
                let _ = writeln!(s, "   - {}", l.replace('|', "\\|"));
            }
        }
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn steps_come_from_codes() {
        assert_eq!(step_of(Code::GenerateBindMount), Some(Step::Mounts));
        assert_eq!(step_of(Code::GenerateUnknownImageUser), Some(Step::Users));
        assert_eq!(step_of(Code::ComposeUnsupportedKey), None);
    }

    #[test]
    fn secrets_and_items_render_in_step_order() {
        let es = Object::from_value(json!({"apiVersion": "external-secrets.io/v1",
            "kind": "ExternalSecret", "metadata": {"name": "w"}, "spec": {
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": "vault"},
            "data": [{"secretKey": "a", "remoteRef": {"key": "p/db", "property": "PASSWORD"}},
                     {"secretKey": "b", "remoteRef": {"key": "p/token"}}]}}))
        .unwrap();
        let d = [
            Diagnostic::warning("service `w`: komply does not know")
                .code(Code::GenerateUnknownImageUser),
            Diagnostic::warning("service `w` has no `image`").code(Code::GenerateNoImage),
            Diagnostic::warning("ignored").code(Code::ComposeUnsupportedKey),
        ];
        let r = Report::build([&es], d.iter());
        let t = r.text();
        assert!(
            t.starts_with("Before the pods start:\n  1. create these secrets"),
            "{t}"
        );
        assert!(
            t.contains("ClusterSecretStore `vault`: `p/db`: PASSWORD"),
            "{t}"
        );
        assert!(t.contains("`p/token`: (the whole value)"), "{t}");
        let images = t.find("2. build and push").unwrap();
        let users = t.find("3. give these containers").unwrap();
        assert!(images < users, "{t}");
        assert!(!t.contains("ignored"));
        assert!(Report::build([], []).text().is_empty());
    }
}
