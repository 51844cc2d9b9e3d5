use super::{LintContext, Sink};
use crate::validate::{ApiStatus, api_version_status};

declare_rule! {
    /// An object uses an apiVersion that is no longer served.
    ///
    /// ## What it checks
    /// `apiVersion` + `kind` against the Kubernetes deprecated-API migration guide (e.g.
    /// `extensions/v1beta1` Deployment, removed in 1.16; `policy/v1beta1` PodDisruptionBudget,
    /// removed in 1.25; `autoscaling/v2beta2`, removed in 1.26) and the bundled CRDs' served
    /// versions. ExternalSecrets are covered by `external-secret` (KP506) instead, so they are
    /// not reported twice.
    ///
    /// ## Why
    /// The API server rejects the object: the apply fails, or — worse — a GitOps tool keeps
    /// retrying while the old object stays.
    ///
    /// ## How to fix
    /// Move to the replacement apiVersion named in the message (fields may have changed too:
    /// `kubectl convert` or the migration guide say how).
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// apiVersion: extensions/v1beta1
    /// kind: Deployment
    /// ```
    /// ```yaml
    /// # good
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// ```
    pub static RULE = {
        id: "KP602",
        name: "removed-api-version",
        fix: "Move to the replacement apiVersion named in the message",
        family: Schema,
        severity: Error,
        enabled: true,
        check: check,
    };
}

/// Objects whose apiVersion another rule already checks.
pub fn covered_elsewhere(obj: &crate::lint::model::Object) -> bool {
    obj.group() == "external-secrets.io"
        && matches!(
            obj.kind.as_str(),
            "ExternalSecret" | "ClusterExternalSecret"
        )
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, obj) in ctx.all() {
        if covered_elsewhere(obj) {
            continue;
        }
        if let ApiStatus::Removed { since, replacement } =
            api_version_status(&obj.api_version, &obj.kind)
        {
            let span = obj
                .node
                .entry("apiVersion")
                .map(|(_, v)| v.span)
                .unwrap_or(obj.span());
            sink.object(
                idx,
                obj,
                span,
                format!(
                    "apiVersion {} is no longer served (since {since}); use {replacement}",
                    obj.api_version
                ),
            );
        }
    }
}
