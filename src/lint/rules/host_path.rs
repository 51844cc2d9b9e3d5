use super::{LintContext, Sink};
use crate::yaml::Node;

declare_rule! {
    /// A pod mounts a directory of the node (`hostPath` volume).
    ///
    /// ## Why
    /// A `hostPath` volume ties the pod to one node's disk and, depending on the path, gives it
    /// the node's secrets, container runtime socket or kernel interfaces.
    ///
    /// ## How to fix
    /// Use a PersistentVolumeClaim, an `emptyDir`, a ConfigMap or a Secret. Node agents that
    /// really need a host path should carry a suppression annotation with the reason.
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// volumes:
    ///   - name: docker
    ///     hostPath: {path: /var/run/docker.sock}
    /// ```
    /// ```yaml
    /// # good
    /// volumes:
    ///   - name: data
    ///     persistentVolumeClaim: {claimName: data}
    /// ```
    pub static RULE = {
        id: "KP108",
        name: "host-path",
        fix: "Replace the `hostPath` volume with a PersistentVolumeClaim, `emptyDir`, ConfigMap or Secret",
        family: Security,
        severity: Warning,
        enabled: true,
        security_severity: "6.5",
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, obj) in ctx.workloads() {
        let Some(pod) = obj.pod() else { continue };
        for v in pod
            .spec
            .get("volumes")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            if let Some((k, hp)) = v.entry("hostPath") {
                let name = v
                    .get("name")
                    .and_then(Node::scalar_string)
                    .unwrap_or_default();
                let path = hp
                    .get("path")
                    .and_then(Node::scalar_string)
                    .unwrap_or_default();
                sink.object(
                    idx,
                    obj,
                    k.span,
                    format!("volume \"{name}\" mounts the host path {path:?}"),
                );
            }
        }
    }
}
