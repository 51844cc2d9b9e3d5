use super::{LintContext, Sink};

declare_rule! {
    /// A container has no memory request.
    ///
    /// ## What it checks
    /// `resources.requests.memory` on every container and init container.
    ///
    /// ## Why
    /// Without a memory request the scheduler assumes the container needs nothing; under memory
    /// pressure such pods are the first to be evicted, and nodes get overcommitted.
    ///
    /// ## How to fix
    /// Set a request close to the container's steady-state memory use.
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// resources: {requests: {cpu: 100m}}
    /// ```
    /// ```yaml
    /// # good
    /// resources:
    ///   requests: {cpu: 100m, memory: 128Mi}
    ///   limits: {memory: 256Mi}
    /// ```
    pub static RULE = {
        id: "KP202",
        name: "memory-requests",
        fix: "Set `resources.requests.memory` near the container's steady-state use",
        family: Resources,
        severity: Warning,
        enabled: true,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    super::require_resource(ctx, sink, "requests", "memory");
}
