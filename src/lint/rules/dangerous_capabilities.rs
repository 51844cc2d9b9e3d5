use super::{LintContext, Sink, util::cap_name};

/// Capabilities that amount to host root, or to control of the node's network or kernel.
const DANGEROUS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "NET_RAW",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "SYSLOG",
];

declare_rule! {
    /// A container adds a dangerous Linux capability.
    ///
    /// ## What it checks
    /// `securityContext.capabilities.add` of every container (init and ephemeral included)
    /// against: `ALL`, `SYS_ADMIN`, `NET_ADMIN`, `NET_RAW`, `SYS_PTRACE`, `SYS_MODULE`,
    /// `SYS_RAWIO`, `SYS_BOOT`, `SYS_TIME`, `DAC_READ_SEARCH`, `BPF`, `PERFMON`, `MAC_ADMIN`,
    /// `MAC_OVERRIDE`, `SYSLOG`. Names are matched case-insensitively, with or without `CAP_`.
    ///
    /// ## Why
    /// Each of these lets a process break out of the container, read other processes' memory,
    /// load kernel code or take over the node's network.
    ///
    /// ## How to fix
    /// Remove the capability. If it is truly required (a CNI agent, a debugging tool), suppress
    /// the finding on that object with a reason:
    /// `ignore.komply.dev/dangerous-capabilities: "CNI agent needs NET_ADMIN"`.
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// capabilities: {add: [SYS_ADMIN]}
    /// ```
    /// ```yaml
    /// # good
    /// capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
    /// ```
    pub static RULE = {
        id: "KP105",
        name: "dangerous-capabilities",
        fix: "Remove the capability from `capabilities.add`",
        family: Security,
        severity: Error,
        enabled: true,
        security_severity: "8.5",
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx.containers() {
        let c = &item.container;
        let adds = c
            .security_context()
            .and_then(|sc| sc.at(&["capabilities", "add"]))
            .and_then(|a| a.as_seq())
            .unwrap_or(&[]);
        for n in adds {
            if let Some(cap) = cap_name(n).filter(|c| DANGEROUS.contains(&c.as_str())) {
                sink.container(
                    &item,
                    n.span,
                    format!("adds the dangerous capability {cap}"),
                );
            }
        }
    }
}
