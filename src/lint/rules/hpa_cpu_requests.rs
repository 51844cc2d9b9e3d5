use super::{LintContext, Sink, hpa_target_exists::target};
use crate::yaml::{Node, Span};

declare_rule! {
    /// An HPA scales on CPU utilisation but its target's containers have no CPU request.
    ///
    /// ## What it checks
    /// When a HorizontalPodAutoscaler scales on CPU utilisation (`autoscaling/v1`
    /// `targetCPUUtilizationPercentage`, or a `v2` `Resource` metric named `cpu` with
    /// `target.type: Utilization`), every container of the target's pod template must set
    /// `resources.requests.cpu`.
    ///
    /// ## Why
    /// Utilisation is usage divided by request. Without requests the HPA cannot compute it and
    /// never scales (`failed to get cpu utilization: missing request for cpu`).
    ///
    /// ## How to fix
    /// Add `resources.requests.cpu` to every container of the target.
    ///
    /// ## Example
    /// ```yaml
    /// # HPA
    /// metrics:
    ///   - type: Resource
    ///     resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
    /// # target container: needs
    /// resources: {requests: {cpu: 200m}}
    /// ```
    pub static RULE = {
        id: "KP503",
        name: "hpa-cpu-requests",
        fix: "Set `resources.requests.cpu` on every container of the target",
        family: References,
        severity: Error,
        enabled: true,
        check: check,
    };
}

/// Where the HPA says it scales on CPU utilisation, if it does.
fn cpu_utilization(hpa: &Node) -> Option<Span> {
    let spec = hpa.get("spec")?;
    if let Some((k, _)) = spec.entry("targetCPUUtilizationPercentage") {
        return Some(k.span);
    }
    for m in spec.get("metrics").and_then(Node::as_seq).unwrap_or(&[]) {
        let r = match m.get("type").and_then(Node::as_str) {
            Some("Resource") => m.get("resource"),
            Some("ContainerResource") => m.get("containerResource"),
            _ => None,
        };
        let Some(r) = r else { continue };
        if r.get("name").and_then(Node::as_str) != Some("cpu") {
            continue;
        }
        // v2beta1 used targetAverageUtilization; v2 uses target.type.
        let util = r.at(&["target", "type"]).and_then(Node::as_str) == Some("Utilization")
            || r.get("targetAverageUtilization").is_some();
        if util {
            return Some(r.entry("name").map(|(k, _)| k.span).unwrap_or(m.span));
        }
    }
    None
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, hpa) in ctx.of_kind("HorizontalPodAutoscaler") {
        let Some(at) = cpu_utilization(&hpa.node) else {
            continue;
        };
        let Some((kind, name, _)) = target(hpa) else {
            continue;
        };
        let Some((_, t)) = ctx.find(&kind, hpa.ns(), &name) else {
            continue;
        };
        let Some(pod) = t.pod() else { continue };
        for c in pod.main_containers() {
            if c.resource("requests", "cpu").is_none() {
                sink.object(
                    idx,
                    hpa,
                    at,
                    format!(
                        "scales on CPU utilisation, but container \"{}\" of {} has no CPU request",
                        c.name,
                        t.display()
                    ),
                );
            }
        }
    }
}
