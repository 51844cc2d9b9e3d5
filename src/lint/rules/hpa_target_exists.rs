use super::{LintContext, Sink};
use crate::yaml::Node;

declare_rule! {
    /// A HorizontalPodAutoscaler scales an object that is not in the run.
    ///
    /// ## What it checks
    /// `spec.scaleTargetRef` (`kind` + `name`) of every HorizontalPodAutoscaler must name an
    /// object of the run in the same namespace.
    ///
    /// ## Why
    /// An HPA pointing at a renamed or missing Deployment silently does nothing; the workload
    /// runs at its fixed replica count under load.
    ///
    /// ## How to fix
    /// Fix `scaleTargetRef`, or lint the HPA together with its target.
    ///
    /// ## Example
    /// ```yaml
    /// # good
    /// kind: HorizontalPodAutoscaler
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    /// ```
    pub static RULE = {
        id: "KP502",
        name: "hpa-target-exists",
        fix: "Fix `scaleTargetRef`, or lint the HPA together with its target",
        family: References,
        severity: Error,
        enabled: true,
        precision: High,
        check: check,
    };
}

/// The target of an HPA: (kind, name, the `scaleTargetRef` key node).
pub fn target(hpa: &crate::lint::model::Object) -> Option<(String, String, &Node)> {
    let (k, r) = hpa.node.get("spec")?.entry("scaleTargetRef")?;
    let kind = r.get("kind").and_then(Node::scalar_string)?;
    let name = r.get("name").and_then(Node::scalar_string)?;
    Some((kind, name, k))
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, hpa) in ctx.of_kind("HorizontalPodAutoscaler") {
        match target(hpa) {
            Some((kind, name, k)) => {
                if ctx.find(&kind, hpa.ns(), &name).is_none() {
                    sink.object(
                        idx,
                        hpa,
                        k.span,
                        format!(
                            "scaleTargetRef {kind}/{name} is not in the run (namespace {:?})",
                            hpa.ns()
                        ),
                    );
                }
            }
            None => sink.object(idx, hpa, hpa.span(), "has no scaleTargetRef kind and name"),
        }
    }
}
