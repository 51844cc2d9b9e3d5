use super::{LintContext, Sink};

declare_rule! {
    /// A container's root filesystem is writable.
    ///
    /// ## What it checks
    /// Every container (init and ephemeral included) must set
    /// `securityContext.readOnlyRootFilesystem: true`.
    ///
    /// ## Why
    /// A read-only root filesystem stops an attacker from dropping tools or changing binaries,
    /// and makes the container's writes explicit (volumes).
    ///
    /// ## How to fix
    /// Set `readOnlyRootFilesystem: true` and mount an `emptyDir` where the application writes
    /// (`/tmp`, caches).
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// securityContext: {readOnlyRootFilesystem: false}
    /// ```
    /// ```yaml
    /// # good
    /// securityContext: {readOnlyRootFilesystem: true}
    /// volumeMounts: [{name: tmp, mountPath: /tmp}]
    /// ```
    pub static RULE = {
        id: "KP106",
        name: "read-only-root-fs",
        fix: "Set `securityContext.readOnlyRootFilesystem: true`, with an `emptyDir` where the app writes",
        family: Security,
        severity: Warning,
        enabled: true,
        security_severity: "3.0",
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx.containers() {
        let c = &item.container;
        match c.sc_entry("readOnlyRootFilesystem") {
            Some((_, v)) if v.as_bool() == Some(true) => {}
            Some((k, _)) => {
                sink.container(&item, k.span, "does not have a read-only root filesystem")
            }
            None => {
                let span = c
                    .node
                    .entry("securityContext")
                    .map(|(k, _)| k.span)
                    .unwrap_or(c.span());
                sink.container(&item, span, "does not set readOnlyRootFilesystem: true")
            }
        }
    }
}
