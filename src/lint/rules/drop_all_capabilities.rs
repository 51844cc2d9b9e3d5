use super::{LintContext, Sink, util::cap_name};

declare_rule! {
    /// A container does not drop all Linux capabilities.
    ///
    /// ## What it checks
    /// Every container (init and ephemeral included) must list `ALL` in
    /// `securityContext.capabilities.drop`. Dropping single capabilities such as `NET_RAW` is
    /// not enough: the runtime's default set still includes `CHOWN`, `SETUID`, `MKNOD` and more.
    ///
    /// ## Why
    /// Most applications need no capability at all. Dropping all of them removes whole classes of
    /// kernel attack surface; what is really needed can be added back one by one.
    ///
    /// ## How to fix
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: [ALL]
    ///     add: [NET_BIND_SERVICE]   # only if needed
    /// ```
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// securityContext:
    ///   capabilities: {drop: [NET_RAW]}
    /// ```
    /// ```yaml
    /// # good
    /// securityContext:
    ///   capabilities: {drop: [ALL]}
    /// ```
    pub static RULE = {
        id: "KP104",
        name: "drop-all-capabilities",
        fix: "Set `securityContext.capabilities.drop: [ALL]`",
        family: Security,
        severity: Warning,
        enabled: true,
        security_severity: "3.5",
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx.containers() {
        let c = &item.container;
        let caps = c.security_context().and_then(|sc| sc.entry("capabilities"));
        let drop = caps.and_then(|(_, v)| v.entry("drop"));
        let drops_all = drop
            .and_then(|(_, v)| v.as_seq())
            .unwrap_or(&[])
            .iter()
            .any(|n| cap_name(n).as_deref() == Some("ALL"));
        if drops_all {
            continue;
        }
        let span = match (drop, caps) {
            (Some((k, _)), _) => k.span,
            (None, Some((k, _))) => k.span,
            _ => c
                .node
                .entry("securityContext")
                .map(|(k, _)| k.span)
                .unwrap_or(c.span()),
        };
        sink.container(
            &item,
            span,
            "does not drop all capabilities (capabilities.drop: [ALL])",
        );
    }
}
