use super::{LintContext, Sink, hpa_target_exists::target};

declare_rule! {
    /// A workload scaled by an HPA also sets a fixed `spec.replicas`.
    ///
    /// ## What it checks
    /// The target of every HorizontalPodAutoscaler of the run must not set `spec.replicas`.
    ///
    /// ## Why
    /// Each `kubectl apply` (or GitOps sync) resets the replica count to the fixed value,
    /// undoing the autoscaler: a deploy under load scales the workload down.
    ///
    /// ## How to fix
    /// Remove `spec.replicas` from the target and let the HPA's `minReplicas` set the floor.
    ///
    /// ## Example
    /// ```yaml
    /// # bad: an HPA targets this Deployment
    /// kind: Deployment
    /// spec:
    ///   replicas: 3
    /// ```
    pub static RULE = {
        id: "KP504",
        name: "hpa-target-replicas",
        fix: "Remove `spec.replicas`; the HPA's `minReplicas` sets the floor",
        family: References,
        severity: Warning,
        enabled: true,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (_, hpa) in ctx.of_kind("HorizontalPodAutoscaler") {
        let Some((kind, name, _)) = target(hpa) else {
            continue;
        };
        let Some((tidx, t)) = ctx.find(&kind, hpa.ns(), &name) else {
            continue;
        };
        if let Some((k, _)) = t.node.get("spec").and_then(|s| s.entry("replicas")) {
            sink.object(tidx, t, k.span, format!("sets spec.replicas although HorizontalPodAutoscaler {} scales it; every apply resets the replica count", hpa.name));
        }
    }
}
