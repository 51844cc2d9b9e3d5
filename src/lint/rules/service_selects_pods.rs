use super::{LintContext, Sink};
use crate::lint::context::service_selector;

declare_rule! {
    /// A Service's selector matches no pod template of the run.
    ///
    /// ## What it checks
    /// Every Service with a `selector` must select at least one pod template (Deployment,
    /// StatefulSet, DaemonSet, Job, CronJob, Rollout, … or bare Pod) in the same namespace among
    /// **all** the files of the run — not one directory at a time. Services of type
    /// `ExternalName` and Services without a selector (Endpoints managed by hand) are skipped.
    ///
    /// ## Why
    /// A selector with a typo routes to nothing: the Service resolves, connections hang, and
    /// nothing in the cluster reports an error.
    ///
    /// ## How to fix
    /// Make the selector a subset of the pod template's `labels`, in the same namespace — or lint
    /// the Service together with its workload.
    ///
    /// ## Example
    /// ```yaml
    /// # bad: the pods are labelled app: web
    /// kind: Service
    /// spec:
    ///   selector: {app: wbe}
    /// ```
    /// ```yaml
    /// # good
    /// kind: Service
    /// spec:
    ///   selector: {app: web}
    /// ```
    pub static RULE = {
        id: "KP501",
        name: "service-selects-pods",
        fix: "Make the selector a subset of the pod labels, or lint the Service with its workload",
        family: References,
        severity: Warning,
        enabled: true,
        precision: High,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, svc) in ctx.of_kind("Service") {
        let Some(sel) = service_selector(svc) else {
            continue;
        };
        if ctx.select_pods(svc.ns(), &sel).is_empty() {
            let span = svc
                .node
                .get("spec")
                .and_then(|s| s.entry("selector"))
                .map(|(k, _)| k.span)
                .unwrap_or(svc.span());
            let shown: Vec<String> = sel
                .match_labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            sink.object(
                idx,
                svc,
                span,
                format!(
                    "selector {} matches no pod template in namespace {:?}",
                    shown.join(","),
                    svc.ns()
                ),
            );
        }
    }
}
