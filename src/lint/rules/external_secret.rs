use super::{LintContext, Sink};
use crate::validate::{ApiStatus, api_version_status};
use crate::yaml::Node;

declare_rule! {
    /// An ExternalSecret uses an apiVersion the operator no longer serves, or names no store.
    ///
    /// ## What it checks
    /// For `ExternalSecret` and `ClusterExternalSecret` of group `external-secrets.io`:
    /// - `apiVersion` must be `external-secrets.io/v1`. `v1beta1` has not been served since
    ///   External Secrets Operator v0.17.0 (2025-05), and `v1alpha1` long before: the API server
    ///   rejects the object.
    /// - `spec.secretStoreRef.name` (for ClusterExternalSecret,
    ///   `spec.externalSecretSpec.secretStoreRef.name`) must be set, unless every `data` /
    ///   `dataFrom` entry brings its own `sourceRef`.
    ///
    /// ## Why
    /// Either mistake leaves the Secret uncreated, and the pods that need it stuck in
    /// `CreateContainerConfigError`.
    ///
    /// ## How to fix
    /// ```yaml
    /// apiVersion: external-secrets.io/v1
    /// kind: ExternalSecret
    /// spec:
    ///   secretStoreRef: {kind: ClusterSecretStore, name: vault}
    /// ```
    pub static RULE = {
        id: "KP506",
        name: "external-secret",
        fix: "Use `apiVersion: external-secrets.io/v1` and name a store in `secretStoreRef`",
        family: References,
        severity: Error,
        enabled: true,
        check: check,
    };
}

fn every_entry_has_source(spec: &Node) -> bool {
    let entries: Vec<&Node> = ["data", "dataFrom"]
        .iter()
        .flat_map(|k| spec.get(k).and_then(Node::as_seq).unwrap_or(&[]).iter())
        .collect();
    !entries.is_empty() && entries.iter().all(|e| e.get("sourceRef").is_some())
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, obj) in ctx.all() {
        if obj.group() != "external-secrets.io"
            || !matches!(
                obj.kind.as_str(),
                "ExternalSecret" | "ClusterExternalSecret"
            )
        {
            continue;
        }
        let served = match api_version_status(&obj.api_version, &obj.kind) {
            ApiStatus::Removed { since, replacement } => Some(format!(
                "is no longer served (since {since}); use {replacement}"
            )),
            ApiStatus::Unknown => Some(
                "is not a version External Secrets Operator serves; use external-secrets.io/v1"
                    .to_string(),
            ),
            ApiStatus::Served | ApiStatus::Deprecated { .. } => None,
        };
        if let Some(why) = served {
            let span = obj
                .node
                .entry("apiVersion")
                .map(|(_, v)| v.span)
                .unwrap_or(obj.span());
            sink.object(
                idx,
                obj,
                span,
                format!("apiVersion {} {why}", obj.api_version),
            );
        }
        let spec_key = obj.node.entry("spec");
        let spec = match obj.kind.as_str() {
            "ClusterExternalSecret" => spec_key.and_then(|(_, s)| s.get("externalSecretSpec")),
            _ => spec_key.map(|(_, s)| s),
        };
        let Some(spec) = spec else {
            sink.object(
                idx,
                obj,
                spec_key.map(|(k, _)| k.span).unwrap_or(obj.span()),
                "has no spec naming a secret store",
            );
            continue;
        };
        let named = spec
            .at(&["secretStoreRef", "name"])
            .and_then(Node::scalar_string)
            .is_some_and(|n| !n.is_empty());
        if !named && !every_entry_has_source(spec) {
            let span = spec
                .entry("secretStoreRef")
                .map(|(k, _)| k.span)
                .or(spec_key.map(|(k, _)| k.span))
                .unwrap_or(obj.span());
            sink.object(
                idx,
                obj,
                span,
                "does not name a secret store (secretStoreRef.name)",
            );
        }
    }
}
