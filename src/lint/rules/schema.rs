use super::{LintContext, Sink};
use crate::validate::validate_k8s;

declare_rule! {
    /// An object does not match the strict Kubernetes (or CRD) schema.
    ///
    /// ## What it checks
    /// Every object whose `apiVersion` + `kind` komply has a schema for — Kubernetes 1.37 core
    /// kinds, plus the bundled CRDs (Argo Rollouts, Istio, External Secrets, Flagger) — is
    /// validated strictly: unknown fields (typos such as `initialDelaySecond`), wrong types,
    /// missing required fields and invalid enum values are errors. Objects of other kinds
    /// (unknown CRDs) are not validated.
    ///
    /// ## Why
    /// `kubectl apply` drops unknown fields with at most a warning, so a typo silently turns a
    /// setting off — a probe delay, a resource limit, a security setting.
    ///
    /// ## How to fix
    /// Fix the field named in the message (a suggestion is given for likely typos).
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// livenessProbe:
    ///   initialDelaySecond: 10
    /// ```
    /// ```yaml
    /// # good
    /// livenessProbe:
    ///   initialDelaySeconds: 10
    /// ```
    pub static RULE = {
        id: "KP601",
        name: "schema",
        fix: "Fix the field named in the message",
        family: Schema,
        severity: Error,
        enabled: true,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, obj) in ctx.all() {
        let Ok(violations) = validate_k8s(&obj.node) else {
            continue;
        };
        for v in violations {
            let span = if v.span.is_synthetic() {
                obj.span()
            } else {
                v.span
            };
            sink.object(
                idx,
                obj,
                span,
                format!(
                    "{} (at {})",
                    v.message,
                    if v.pointer.is_empty() {
                        "/"
                    } else {
                        &v.pointer
                    }
                ),
            );
        }
    }
}
