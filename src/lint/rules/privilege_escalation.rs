use super::{
    LintContext, Sink,
    util::{cap_name, is_true},
};

declare_rule! {
    /// A container allows privilege escalation.
    ///
    /// ## What it checks
    /// Every container (init and ephemeral included) must set
    /// `securityContext.allowPrivilegeEscalation: false`. Unset counts as allowed, because that
    /// is the Kubernetes default; `privileged: true` and an added `SYS_ADMIN` capability always
    /// allow it. (The pod-level `securityContext` has no such field, so it cannot be inherited.)
    ///
    /// ## Why
    /// Without `no_new_privs`, a setuid binary or file capability in the image lets the process
    /// gain more privileges than it started with.
    ///
    /// ## How to fix
    /// Add `allowPrivilegeEscalation: false` to each container's `securityContext`.
    ///
    /// ## Example
    /// ```yaml
    /// # bad: unset means allowed
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    /// ```
    /// ```yaml
    /// # good
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext: {allowPrivilegeEscalation: false}
    /// ```
    pub static RULE = {
        id: "KP103",
        name: "privilege-escalation",
        fix: "Set `securityContext.allowPrivilegeEscalation: false`",
        family: Security,
        severity: Error,
        enabled: true,
        security_severity: "6.0",
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx.containers() {
        let c = &item.container;
        if let Some((k, _)) = c.sc_entry("privileged").filter(|(_, v)| is_true(v)) {
            sink.container(
                &item,
                k.span,
                "is privileged, which always allows privilege escalation",
            );
            continue;
        }
        let sys_admin = c
            .security_context()
            .and_then(|sc| sc.at(&["capabilities", "add"]))
            .and_then(|a| a.as_seq())
            .unwrap_or(&[])
            .iter()
            .find(|n| cap_name(n).as_deref() == Some("SYS_ADMIN"));
        if let Some(n) = sys_admin {
            sink.container(
                &item,
                n.span,
                "adds SYS_ADMIN, which allows privilege escalation",
            );
            continue;
        }
        match c.sc_entry("allowPrivilegeEscalation") {
            Some((_, v)) if v.as_bool() == Some(false) => {}
            Some((k, _)) => sink.container(&item, k.span, "sets allowPrivilegeEscalation: true"),
            None => {
                let span = c
                    .security_context()
                    .map(|_| {
                        c.node
                            .entry("securityContext")
                            .map(|(k, _)| k.span)
                            .unwrap_or(c.span())
                    })
                    .unwrap_or(c.span());
                sink.container(
                    &item,
                    span,
                    "does not set allowPrivilegeEscalation: false (the default allows it)",
                )
            }
        }
    }
}
