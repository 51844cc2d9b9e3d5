use super::{LintContext, Sink};
use crate::lint::model::ContainerKind;
use crate::yaml::Node;

declare_rule! {
    /// A probe targets a port the container does not declare.
    ///
    /// ## What it checks
    /// The port of `httpGet`, `tcpSocket` and `grpc` in the liveness, readiness and startup
    /// probes of every container:
    /// - a **named** port must be one of the container's `ports[].name`, with protocol TCP;
    /// - a **numbered** port must be one of its `containerPort`s (TCP) when the container declares
    ///   any ports. (Declaring ports is optional in Kubernetes, so a container that declares none
    ///   is not reported for a number.)
    ///
    /// ## Why
    /// A probe on the wrong port fails forever: readiness never passes, liveness restarts the
    /// container in a loop. A named port that does not exist is rejected only when the pod runs.
    ///
    /// ## How to fix
    /// Point the probe at a declared port, preferably by name.
    ///
    /// ## Example
    /// ```yaml
    /// # bad: no port is named http
    /// ports: [{containerPort: 8080}]
    /// readinessProbe: {httpGet: {path: /ready, port: http}}
    /// ```
    /// ```yaml
    /// # good
    /// ports: [{name: http, containerPort: 8080}]
    /// readinessProbe: {httpGet: {path: /ready, port: http}}
    /// ```
    pub static RULE = {
        id: "KP403",
        name: "probe-port",
        fix: "Point the probe at a declared container port, preferably by name",
        family: Probes,
        severity: Error,
        enabled: true,
        check: check,
    };
}

/// True when the container declares the TCP port a probe names (by number, quoted or not, or
/// by name); a container that declares no ports accepts any number.
fn declares(ports: &[(Option<String>, Option<i64>, String)], port: &Node) -> bool {
    let by_number = |n: i64| {
        ports.is_empty()
            || ports
                .iter()
                .any(|(_, num, proto)| *num == Some(n) && proto == "TCP")
    };
    if let Some(n) = port.as_i64() {
        return by_number(n);
    }
    let Some(name) = port.as_str() else {
        return true;
    };
    match name.parse::<i64>() {
        // A quoted number is still a number to the kubelet.
        Ok(n) => by_number(n),
        Err(_) => ports
            .iter()
            .any(|(pn, _, proto)| pn.as_deref() == Some(name) && proto == "TCP"),
    }
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    // Ephemeral containers cannot have probes.
    for item in ctx
        .containers()
        .filter(|item| item.container.kind != ContainerKind::Ephemeral)
    {
        let c = &item.container;
        let ports = c.ports();
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let Some(p) = c.node.get(probe) else { continue };
            for handler in ["httpGet", "tcpSocket", "grpc"] {
                let Some((_, port)) = p.get(handler).and_then(|h| h.entry("port")) else {
                    continue;
                };
                if !declares(&ports, port) {
                    let shown = port.scalar_string().unwrap_or_default();
                    sink.container(
                        &item,
                        port.span,
                        format!(
                            "{probe} uses port {shown} ({handler}), which the container does not declare as a TCP port"
                        ),
                    );
                }
            }
        }
    }
}
