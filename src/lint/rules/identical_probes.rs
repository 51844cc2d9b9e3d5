use super::{LintContext, Sink};
use crate::lint::model::ContainerKind;
use crate::yaml::Node;

declare_rule! {
    /// A container's liveness probe is the same as its readiness probe and no more lenient.
    ///
    /// ## What it checks
    /// Main containers whose `livenessProbe` and `readinessProbe` use the same check (same
    /// `httpGet` path / port / host / scheme, same `tcpSocket` port, same `exec` command or same
    /// `grpc` port / service), **and** whose liveness probe gives up no later than the readiness
    /// probe: not a larger `failureThreshold × periodSeconds`, `initialDelaySeconds` or
    /// `timeoutSeconds`. The same endpoint with a more lenient liveness probe is what the
    /// Kubernetes documentation recommends, and is not reported.
    ///
    /// ## Why
    /// When both probes fail at the same moment, an overloaded pod is restarted instead of being
    /// taken out of rotation until it recovers — turning a slowdown into an outage.
    ///
    /// ## How to fix
    /// Give the liveness probe a higher `failureThreshold` (or a cheaper endpoint).
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// readinessProbe: {httpGet: {path: /health, port: http}}
    /// livenessProbe: {httpGet: {path: /health, port: http}}
    /// ```
    /// ```yaml
    /// # good
    /// readinessProbe: {httpGet: {path: /health, port: http}}
    /// livenessProbe: {httpGet: {path: /health, port: http}, failureThreshold: 6}
    /// ```
    pub static RULE = {
        id: "KP404",
        name: "identical-probes",
        fix: "Give the liveness probe a higher `failureThreshold`, or a cheaper endpoint",
        family: Probes,
        severity: Warning,
        enabled: true,
        check: check,
    };
}

/// The check a probe performs, as comparable JSON.
fn handler(p: &Node) -> Option<serde_json::Value> {
    for h in ["httpGet", "tcpSocket", "exec", "grpc"] {
        if let Some(v) = p.get(h) {
            return Some(serde_json::json!({ h: v.to_json() }));
        }
    }
    None
}

fn num(p: &Node, key: &str, default: i64) -> i64 {
    p.get(key).and_then(Node::as_i64).unwrap_or(default)
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx
        .containers()
        .filter(|item| item.container.kind == ContainerKind::Main)
    {
        let c = &item.container;
        let (Some((lk, live)), Some(ready)) =
            (c.node.entry("livenessProbe"), c.node.get("readinessProbe"))
        else {
            continue;
        };
        let (Some(hl), Some(hr)) = (handler(live), handler(ready)) else {
            continue;
        };
        if hl != hr {
            continue;
        }
        let window = |p: &Node| num(p, "failureThreshold", 3) * num(p, "periodSeconds", 10);
        let more_lenient = window(live) > window(ready)
            || num(live, "initialDelaySeconds", 0) > num(ready, "initialDelaySeconds", 0)
            || num(live, "timeoutSeconds", 1) > num(ready, "timeoutSeconds", 1);
        if !more_lenient {
            sink.container(
                &item,
                lk.span,
                "has a livenessProbe identical to its readinessProbe and no more lenient; an overloaded pod is restarted instead of taken out of rotation",
            );
        }
    }
}
