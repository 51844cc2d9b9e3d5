use super::{LintContext, Sink, util::is_true};

declare_rule! {
    /// A container runs privileged.
    ///
    /// ## What it checks
    /// `securityContext.privileged: true` on any container, init and ephemeral containers
    /// included.
    ///
    /// ## Why
    /// A privileged container has every capability and every host device: it is root on the
    /// node in all but name.
    ///
    /// ## How to fix
    /// Remove `privileged: true`. If the workload needs one specific power, add only that
    /// capability (and justify it with a suppression annotation).
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// securityContext:
    ///   privileged: true
    /// ```
    /// ```yaml
    /// # good
    /// securityContext:
    ///   privileged: false
    ///   capabilities: {drop: [ALL]}
    /// ```
    pub static RULE = {
        id: "KP102",
        name: "privileged",
        fix: "Remove `privileged: true`",
        family: Security,
        severity: Error,
        enabled: true,
        security_severity: "9.0",
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx.containers() {
        let c = &item.container;
        if let Some((k, _)) = c.sc_entry("privileged").filter(|(_, v)| is_true(v)) {
            sink.container(&item, k.span, "is privileged");
        }
    }
}
