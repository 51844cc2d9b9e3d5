use super::{LintContext, Sink};
use crate::lint::model::{Container, ContainerKind};

declare_rule! {
    /// A container that a Service sends traffic to has no readiness probe.
    ///
    /// ## What it checks
    /// Pods selected by a Service of the same run (same namespace, selector matches the pod
    /// template's labels). Every main container needs a `readinessProbe`, except a helper
    /// container that declares no ports when another container of the pod has one. Pods no
    /// Service selects, and Jobs / CronJobs, are not checked.
    ///
    /// ## Why
    /// Without a readiness probe a pod receives traffic as soon as its process starts — before it
    /// can answer — and keeps receiving it when it is overloaded or broken. Rolling updates then
    /// drop requests.
    ///
    /// ## How to fix
    /// Add a `readinessProbe` that checks the container can serve requests.
    ///
    /// ## Example
    /// ```yaml
    /// # good
    /// containers:
    ///   - name: web
    ///     ports: [{name: http, containerPort: 8080}]
    ///     readinessProbe:
    ///       httpGet: {path: /ready, port: http}
    /// ```
    pub static RULE = {
        id: "KP401",
        name: "readiness-probe",
        fix: "Add a `readinessProbe`",
        family: Probes,
        severity: Warning,
        enabled: true,
        precision: High,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    let has_probe = |c: &Container<'_>| c.node.get("readinessProbe").is_some();
    for item in ctx.containers().filter(|item| {
        item.container.kind == ContainerKind::Main
            && !item.obj.runs_to_completion()
            && ctx.is_service_selected(item.idx)
    }) {
        let c = &item.container;
        if has_probe(c) {
            continue;
        }
        // A container without ports (a sidecar) needs none when another container of the pod
        // has one.
        if c.ports().is_empty() && item.pod.main_containers().iter().any(has_probe) {
            continue;
        }
        sink.container(
            &item,
            c.span(),
            "has no readinessProbe, but a Service sends traffic to its pod",
        );
    }
}
