use super::{LintContext, Sink};

declare_rule! {
    /// A container has no CPU request.
    ///
    /// ## What it checks
    /// `resources.requests.cpu` on every container and init container.
    ///
    /// ## Why
    /// The scheduler places pods by their requests. Without one, the pod can land on a full node
    /// and be starved, and a HorizontalPodAutoscaler scaling on CPU has nothing to compute a
    /// utilisation against. (A CPU *limit* is optional: it throttles even when the node is idle.)
    ///
    /// ## How to fix
    /// Set a request close to the container's typical use.
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// resources: {limits: {memory: 256Mi}}
    /// ```
    /// ```yaml
    /// # good
    /// resources:
    ///   requests: {cpu: 100m, memory: 128Mi}
    ///   limits: {memory: 256Mi}
    /// ```
    pub static RULE = {
        id: "KP201",
        name: "cpu-requests",
        fix: "Set `resources.requests.cpu` near the container's typical use",
        family: Resources,
        severity: Warning,
        enabled: true,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    super::require_resource(ctx, sink, "requests", "cpu");
}
