use super::{LintContext, Sink};

declare_rule! {
    /// A container may run as root (user 0).
    ///
    /// ## What it checks
    /// The *effective* security context of every container, init and ephemeral containers
    /// included: a container's own `securityContext` wins over the pod's. The container passes
    /// when the effective `runAsNonRoot` is `true` or the effective `runAsUser` is above 0.
    /// `runAsNonRoot: true` together with `runAsUser: 0` is reported: the kubelet refuses to start
    /// such a container. Group 0 is not reported: it grants no privilege by itself, Pod Security
    /// `restricted` allows it, and images built for arbitrary uids (OpenShift's convention:
    /// Airflow, Elasticsearch, Bitnami) need it to own their group-writable files.
    ///
    /// ## Why
    /// A process running as root inside a container is one kernel bug or one mounted socket
    /// away from root on the node.
    ///
    /// ## How to fix
    /// Set `runAsNonRoot: true` and a non-zero `runAsUser` on the pod or container, and build the
    /// image to run as that user.
    ///
    /// ## Example
    /// ```yaml
    /// # bad: no user set anywhere, the image's default (often root) is used
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    /// ```
    /// ```yaml
    /// # good
    /// spec:
    ///   securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001}
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    /// ```
    pub static RULE = {
        id: "KP101",
        name: "run-as-non-root",
        fix: "Set `securityContext.runAsNonRoot: true` and a non-zero `runAsUser`",
        family: Security,
        severity: Error,
        enabled: true,
        security_severity: "6.5",
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx.containers() {
        let c = &item.container;
        let non_root = c.effective(&item.pod, "runAsNonRoot");
        let user = c.effective(&item.pod, "runAsUser");
        let non_root_true = non_root
            .as_ref()
            .is_some_and(|e| e.value.as_bool() == Some(true));
        let uid = user.as_ref().and_then(|e| e.value.as_i64());
        let where_ = |from_pod: bool| {
            if from_pod {
                " (from the pod securityContext)"
            } else {
                ""
            }
        };
        if let (true, Some(0), Some(u)) = (non_root_true, uid, user.as_ref()) {
            sink.container(&item, u.key.span,
                format!(
                    "sets runAsNonRoot: true but runAsUser: 0{}; the kubelet will refuse to start it",
                    where_(u.from_pod)
                ),
            );
            continue;
        }
        if !(non_root_true || uid.is_some_and(|u| u > 0)) {
            let span = match (&user, &non_root) {
                (Some(u), _) if uid == Some(0) => u.key.span,
                (_, Some(n)) => n.key.span,
                _ => c.span(),
            };
            let why = match uid {
                Some(0) => format!(
                    "runs as user 0{}",
                    where_(user.as_ref().is_some_and(|u| u.from_pod))
                ),
                _ => {
                    "is not set to run as non-root (set runAsNonRoot: true or a runAsUser above 0)"
                        .to_string()
                }
            };
            sink.container(&item, span, why);
        }
    }
}
