use super::{LintContext, Sink};
use crate::lint::model::{LabelSelector, Object, PodView};
use crate::yaml::Node;
use std::collections::BTreeMap;

declare_rule! {
    /// A workload with 2 or more replicas does not spread its pods across nodes.
    ///
    /// ## What it checks
    /// Deployments, StatefulSets, ReplicaSets, ReplicationControllers, Rollouts and
    /// DeploymentConfigs with `spec.replicas ≥ 2` need either a `podAntiAffinity` term
    /// (required or preferred) whose `labelSelector` matches the pod's own labels, whose
    /// `namespaces` (if set) include the pod's namespace, and whose `topologyKey` is
    /// `kubernetes.io/hostname`, `topology.kubernetes.io/zone` or `topology.kubernetes.io/region`;
    /// or a `topologySpreadConstraints` entry whose `labelSelector` matches the pod.
    ///
    /// ## Why
    /// Without it the scheduler may put every replica on one node, and that node's failure or
    /// drain takes the whole service down.
    ///
    /// ## How to fix
    /// ```yaml
    /// affinity:
    ///   podAntiAffinity:
    ///     preferredDuringSchedulingIgnoredDuringExecution:
    ///       - weight: 100
    ///         podAffinityTerm:
    ///           topologyKey: kubernetes.io/hostname
    ///           labelSelector: {matchLabels: {app: web}}
    /// ```
    pub static RULE = {
        id: "KP508",
        name: "anti-affinity",
        fix: "Add a pod anti-affinity or topology spread constraint that matches the workload's pods",
        family: References,
        severity: Info,
        enabled: true,
        check: check,
    };
}

const TOPOLOGY_KEYS: &[&str] = &[
    "kubernetes.io/hostname",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
];

fn term_spreads(term: &Node, obj: &Object, labels: &BTreeMap<String, String>) -> bool {
    let key_ok = term
        .get("topologyKey")
        .and_then(Node::as_str)
        .is_some_and(|k| TOPOLOGY_KEYS.contains(&k));
    let sel_ok = LabelSelector::from_node(term.get("labelSelector")).matches(labels)
        && term.get("labelSelector").is_some();
    let ns_ok = match term.get("namespaces").and_then(Node::as_seq) {
        Some(list) if !list.is_empty() => list.iter().any(|n| n.as_str() == Some(obj.ns())),
        _ => true,
    };
    key_ok && sel_ok && ns_ok
}

fn spreads(obj: &Object, pod: &PodView<'_>, labels: &BTreeMap<String, String>) -> bool {
    let anti = pod.spec.at(&["affinity", "podAntiAffinity"]);
    if let Some(anti) = anti {
        let required = anti
            .get("requiredDuringSchedulingIgnoredDuringExecution")
            .and_then(Node::as_seq)
            .unwrap_or(&[]);
        let preferred = anti
            .get("preferredDuringSchedulingIgnoredDuringExecution")
            .and_then(Node::as_seq)
            .unwrap_or(&[]);
        if required.iter().any(|t| term_spreads(t, obj, labels))
            || preferred
                .iter()
                .filter_map(|p| p.get("podAffinityTerm"))
                .any(|t| term_spreads(t, obj, labels))
        {
            return true;
        }
    }
    pod.spec
        .get("topologySpreadConstraints")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .any(|c| {
            c.get("labelSelector").is_some()
                && LabelSelector::from_node(c.get("labelSelector")).matches(labels)
        })
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, obj) in ctx.workloads() {
        let Some((k, n)) = obj.replicas() else {
            continue;
        };
        if n < 2 {
            continue;
        }
        let Some(pod) = obj.pod() else { continue };
        if !spreads(obj, &pod, &pod.labels()) {
            sink.object(idx, obj, k.span, format!("has {n} replicas but no pod anti-affinity or topology spread constraint matching its own pods"));
        }
    }
}
