use super::{LintContext, Sink};

declare_rule! {
    /// A container has no memory limit.
    ///
    /// ## What it checks
    /// `resources.limits.memory` on every container and init container.
    ///
    /// ## Why
    /// A container without a memory limit can use all of the node's memory, and the kernel's
    /// OOM killer then picks a victim among *other* pods. Unlike a CPU limit, a memory limit has
    /// no performance cost.
    ///
    /// ## How to fix
    /// Set a limit above the container's peak use (often equal to the request).
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// resources: {requests: {cpu: 100m, memory: 128Mi}}
    /// ```
    /// ```yaml
    /// # good
    /// resources:
    ///   requests: {cpu: 100m, memory: 128Mi}
    ///   limits: {memory: 256Mi}
    /// ```
    pub static RULE = {
        id: "KP203",
        name: "memory-limit",
        fix: "Set `resources.limits.memory` above the container's peak use",
        family: Resources,
        severity: Warning,
        enabled: true,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    super::require_resource(ctx, sink, "limits", "memory");
}
