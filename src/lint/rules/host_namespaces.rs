use super::{LintContext, Sink, util::is_true};

declare_rule! {
    /// A pod shares the node's network, PID or IPC namespace.
    ///
    /// ## What it checks
    /// `hostNetwork: true`, `hostPID: true` or `hostIPC: true` in a pod spec.
    ///
    /// ## Why
    /// With the host's namespaces a pod sees every process, every connection and the shared
    /// memory of the node, and bypasses NetworkPolicies.
    ///
    /// ## How to fix
    /// Remove the field. Expose ports through a Service instead of `hostNetwork`.
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// spec:
    ///   hostNetwork: true
    /// ```
    /// ```yaml
    /// # good
    /// spec:
    ///   hostNetwork: false
    /// ```
    pub static RULE = {
        id: "KP107",
        name: "host-namespaces",
        fix: "Remove `hostNetwork`, `hostPID` and `hostIPC` from the pod",
        family: Security,
        severity: Error,
        enabled: true,
        security_severity: "8.0",
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, obj) in ctx.workloads() {
        let Some(pod) = obj.pod() else { continue };
        for field in ["hostNetwork", "hostPID", "hostIPC"] {
            if let Some((k, _)) = pod.spec.entry(field).filter(|(_, v)| is_true(v)) {
                sink.object(idx, obj, k.span, format!("pod sets {field}: true"));
            }
        }
    }
}
