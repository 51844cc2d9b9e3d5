use super::{LintContext, Sink};
use crate::lint::model::ContainerKind;

declare_rule! {
    /// A long-running container has no liveness probe.
    ///
    /// ## What it checks
    /// Every main container of a long-running workload (Deployment, StatefulSet, DaemonSet,
    /// ReplicaSet, ReplicationController, Rollout, DeploymentConfig, bare Pod). Jobs and CronJobs
    /// are exempt — their pods are meant to finish — and so are init containers.
    ///
    /// ## Why
    /// A process that deadlocks keeps running; without a liveness probe Kubernetes never restarts
    /// it.
    ///
    /// ## How to fix
    /// Add a `livenessProbe`. Make it more lenient than the readiness probe (higher
    /// `failureThreshold`) so a busy pod is taken out of rotation before it is killed.
    ///
    /// ## Example
    /// ```yaml
    /// # good
    /// livenessProbe:
    ///   httpGet: {path: /healthz, port: http}
    ///   failureThreshold: 6
    /// ```
    pub static RULE = {
        id: "KP402",
        name: "liveness-probe",
        fix: "Add a `livenessProbe`, more lenient than the readiness probe",
        family: Probes,
        severity: Warning,
        enabled: true,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx
        .containers()
        .filter(|item| item.container.kind == ContainerKind::Main && !item.obj.runs_to_completion())
    {
        let c = &item.container;
        if c.node.get("livenessProbe").is_none() {
            sink.container(&item, c.span(), "has no livenessProbe");
        }
    }
}
