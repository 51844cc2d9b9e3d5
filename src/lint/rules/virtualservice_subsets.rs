use super::{LintContext, Sink};
use crate::lint::context::service_selector;
use crate::lint::model::{LabelSelector, Object};
use crate::yaml::Node;

declare_rule! {
    /// An Istio VirtualService routes to a subset no DestinationRule defines, or that matches no
    /// pod.
    ///
    /// ## What it checks
    /// Every `destination` with a `subset` in a VirtualService's `http`, `tcp` and `tls` routes
    /// (and `http[].mirror`): a DestinationRule of the run for the same host (short name or
    /// `name.namespace.svc.cluster.local`) must define that subset, and the subset's labels —
    /// together with the host Service's selector, when the Service is in the run — must match
    /// some pod template.
    ///
    /// ## Why
    /// Istio returns `503 no healthy upstream` for a subset that does not exist or is empty. The
    /// classic cause is a canary subset whose `version` label no Deployment carries.
    ///
    /// ## How to fix
    /// Add the subset to the DestinationRule, or fix its labels to match the pods.
    ///
    /// ## Example
    /// ```yaml
    /// kind: DestinationRule
    /// spec:
    ///   host: reviews
    ///   subsets:
    ///     - name: v2
    ///       labels: {version: v2}   # some pod template must carry version: v2
    /// ```
    pub static RULE = {
        id: "KP505",
        name: "virtualservice-subsets",
        fix: "Define the subset in the DestinationRule, or fix its labels to match the pods",
        family: References,
        severity: Error,
        enabled: true,
        precision: High,
        check: check,
    };
}

/// `(service short name, namespace)` a host refers to, seen from namespace `ns`.
fn host_key(host: &str, ns: &str) -> (String, String) {
    let parts: Vec<&str> = host.split('.').collect();
    match parts.as_slice() {
        [name] => (name.to_string(), ns.to_string()),
        [name, hns] => (name.to_string(), hns.to_string()),
        [name, hns, "svc", ..] => (name.to_string(), hns.to_string()),
        _ => (host.to_string(), String::new()),
    }
}

fn destinations(spec: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    for section in ["http", "tcp", "tls"] {
        for route in spec.get(section).and_then(Node::as_seq).unwrap_or(&[]) {
            for dest in route.get("route").and_then(Node::as_seq).unwrap_or(&[]) {
                if let Some(d) = dest.get("destination") {
                    out.push(d);
                }
            }
            if let Some(m) = route.get("mirror") {
                out.push(m);
            }
        }
    }
    out
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    let rules: Vec<&Object> = ctx
        .run_of_kind("DestinationRule")
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    for (idx, vs) in ctx.of_kind("VirtualService") {
        let Some(spec) = vs.node.get("spec") else {
            continue;
        };
        for d in destinations(spec) {
            let (Some(host), Some((sk, subset))) =
                (d.get("host").and_then(Node::as_str), d.entry("subset"))
            else {
                continue;
            };
            let Some(subset) = subset.as_str() else {
                continue;
            };
            let key = host_key(host, vs.ns());
            let drs: Vec<&&Object> = rules
                .iter()
                .filter(|dr| {
                    dr.node
                        .at(&["spec", "host"])
                        .and_then(Node::as_str)
                        .is_some_and(|h| host_key(h, dr.ns()) == key)
                })
                .collect();
            let found = drs.iter().find_map(|dr| {
                dr.node
                    .at(&["spec", "subsets"])
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .find(|s| s.get("name").and_then(Node::as_str) == Some(subset))
                    .map(|s| (dr, s))
            });
            let Some((dr, s)) = found else {
                let why = if drs.is_empty() {
                    format!("no DestinationRule for host {host:?} is in the run")
                } else {
                    format!("no DestinationRule for host {host:?} defines it")
                };
                sink.object(
                    idx,
                    vs,
                    sk.span,
                    format!("routes to subset {subset:?}, but {why}"),
                );
                continue;
            };
            let mut sel = LabelSelector::from_map(s.get("labels"));
            if let Some((_, svc)) = ctx.find("Service", &key.1, &key.0)
                && let Some(ss) = service_selector(svc)
            {
                sel.match_labels.extend(ss.match_labels);
            }
            if ctx.select_pods(&key.1, &sel).is_empty() {
                sink.object(idx, vs, sk.span, format!("routes to subset {subset:?} of DestinationRule {}, whose labels match no pod template of the run", dr.name));
            }
        }
    }
}
