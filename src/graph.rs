//! The picture of a conversion: compose services (as groups), the objects made from each, and
//! the links the objects themselves imply (a Service selects pods, an HPA scales a workload,
//! a ConfigMap is used by a Deployment…), rendered as Mermaid or Graphviz DOT.
//!
//! Works on the final JSON objects of `pipeline::convert` — after overlays — and derives every
//! link from object fields, never from how they were generated, so objects added by overlays
//! (VirtualServices, Flagger Canaries, Rollouts…) show up linked without extra code here.
//! Output is deterministic: nodes in object order, edges sorted.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value};

/// One box in the picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: String,
    pub name: String,
    /// The compose service it was made from (drawn inside that service's group).
    pub group: Option<String>,
    /// Referenced but not generated here (a ClusterSecretStore, a Secret made at run time…).
    pub note: Option<&'static str>,
}

/// A link: `from` points at / feeds `to`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub label: String,
    /// Data flowing into a pod (config, secret, volume) rather than traffic or control.
    pub data: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub title: String,
    /// Group names in first-seen order.
    pub groups: Vec<String>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Mermaid,
    Dot,
}

const WORKLOADS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Rollout",
    "Pod",
];

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path)?.as_str()
}

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

fn arr<'a>(v: &'a Value, path: &[&str]) -> impl Iterator<Item = &'a Value> + use<'a> {
    get(v, path).and_then(Value::as_array).into_iter().flatten()
}

/// The pod template of a workload (`CronJob` nests it in the job template).
fn pod_template(o: &Value) -> Option<&Value> {
    match s(o, &["kind"])? {
        "CronJob" => get(o, &["spec", "jobTemplate", "spec", "template"]),
        "Pod" => Some(o),
        k if WORKLOADS.contains(&k) => get(o, &["spec", "template"]),
        _ => None,
    }
}

/// Does a label selector (`matchLabels` / `matchExpressions`, or a Service's plain map) match?
fn selects(selector: &Value, labels: &Map<String, Value>) -> bool {
    let Some(sel) = selector.as_object() else {
        return false;
    };
    let structured = sel.contains_key("matchLabels") || sel.contains_key("matchExpressions");
    let plain = if structured {
        sel.get("matchLabels").and_then(Value::as_object)
    } else {
        Some(sel)
    };
    let mut any = false;
    for (k, v) in plain.into_iter().flatten() {
        any = true;
        if labels.get(k) != Some(v) {
            return false;
        }
    }
    for e in sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        any = true;
        let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
        let values: Vec<&Value> = e
            .get("values")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let have = labels.get(key);
        let ok = match e.get("operator").and_then(Value::as_str) {
            Some("In") => have.is_some_and(|h| values.contains(&h)),
            Some("NotIn") => have.is_none_or(|h| !values.contains(&h)),
            Some("Exists") => have.is_some(),
            Some("DoesNotExist") => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    // An empty selector selects nothing worth drawing (every pod in the namespace).
    any
}

/// Every name a pod spec refers to, by kind: (kind, name, how).
fn pod_refs(pod: &Value) -> Vec<(&'static str, String, &'static str)> {
    let mut out = Vec::new();
    let Some(spec) = pod.get("spec") else {
        return out;
    };
    let containers = ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .flat_map(|k| arr(spec, &[k]));
    for c in containers {
        for e in arr(c, &["envFrom"]) {
            if let Some(n) = s(e, &["configMapRef", "name"]) {
                out.push(("ConfigMap", n.to_string(), "env"));
            }
            if let Some(n) = s(e, &["secretRef", "name"]) {
                out.push(("Secret", n.to_string(), "env"));
            }
        }
        for e in arr(c, &["env"]) {
            if let Some(n) = s(e, &["valueFrom", "configMapKeyRef", "name"]) {
                out.push(("ConfigMap", n.to_string(), "env"));
            }
            if let Some(n) = s(e, &["valueFrom", "secretKeyRef", "name"]) {
                out.push(("Secret", n.to_string(), "env"));
            }
        }
    }
    for v in arr(spec, &["volumes"]) {
        if let Some(n) = s(v, &["configMap", "name"]) {
            out.push(("ConfigMap", n.to_string(), "volume"));
        }
        if let Some(n) = s(v, &["secret", "secretName"]) {
            out.push(("Secret", n.to_string(), "volume"));
        }
        if let Some(n) = s(v, &["persistentVolumeClaim", "claimName"]) {
            out.push(("PersistentVolumeClaim", n.to_string(), "volume"));
        }
        for p in arr(v, &["projected", "sources"]) {
            if let Some(n) = s(p, &["configMap", "name"]) {
                out.push(("ConfigMap", n.to_string(), "volume"));
            }
            if let Some(n) = s(p, &["secret", "name"]) {
                out.push(("Secret", n.to_string(), "volume"));
            }
        }
    }
    for p in arr(spec, &["imagePullSecrets"]) {
        if let Some(n) = s(p, &["name"]) {
            out.push(("Secret", n.to_string(), "pull"));
        }
    }
    if let Some(n) = s(spec, &["serviceAccountName"]) {
        out.push(("ServiceAccount", n.to_string(), "identity"));
    }
    out
}

/// The Service name in an Istio host (`web`, `web.shop`, `web.shop.svc.cluster.local`).
fn host_service(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

struct Builder<'a> {
    g: Graph,
    objects: &'a [Value],
    edges: BTreeSet<Edge>,
}

impl Builder<'_> {
    fn find(&self, kind: &str, name: &str) -> Option<usize> {
        self.g
            .nodes
            .iter()
            .position(|n| n.kind == kind && n.name == name)
    }

    /// The node for (kind, name), added as a referenced-only node when nothing generated it.
    fn node_or_ref(&mut self, kind: &str, name: &str, group: Option<String>) -> usize {
        if let Some(i) = self.find(kind, name) {
            return i;
        }
        self.g.nodes.push(Node {
            kind: kind.to_string(),
            name: name.to_string(),
            group,
            note: Some("not generated"),
        });
        self.g.nodes.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize, label: &str, data: bool) {
        if from != to {
            self.edges.insert(Edge {
                from,
                to,
                label: label.to_string(),
                data,
            });
        }
    }

    /// Workload nodes whose pods a selector matches.
    fn selected(&self, selector: &Value) -> Vec<usize> {
        (0..self.objects.len())
            .filter(|&i| {
                pod_template(&self.objects[i])
                    .and_then(|t| get(t, &["metadata", "labels"]))
                    .and_then(Value::as_object)
                    .is_some_and(|labels| selects(selector, labels))
            })
            .collect()
    }
}

/// Builds the graph of `objects`; `services[i]` is the compose service object `i` came from
/// (from `generate::Output::services`; objects an overlay added may have none, then the
/// `app.kubernetes.io/name` label is used when it names a known service).
pub fn build(title: &str, objects: &[Value], services: &[Option<String>]) -> Graph {
    let known: BTreeSet<&str> = services.iter().flatten().map(String::as_str).collect();
    let mut b = Builder {
        g: Graph {
            title: title.to_string(),
            ..Graph::default()
        },
        objects,
        edges: BTreeSet::new(),
    };
    // Node i is object i (the Namespace is drawn as the title, not a box).
    for (i, o) in objects.iter().enumerate() {
        let kind = s(o, &["kind"]).unwrap_or("?").to_string();
        let name = s(o, &["metadata", "name"]).unwrap_or("?").to_string();
        let group = services.get(i).cloned().flatten().or_else(|| {
            s(o, &["metadata", "labels", "app.kubernetes.io/name"])
                .filter(|n| known.contains(n))
                .map(str::to_string)
        });
        let group = if kind == "Namespace" { None } else { group };
        if let Some(g) = &group {
            if !b.g.groups.contains(g) {
                b.g.groups.push(g.clone());
            }
        }
        b.g.nodes.push(Node {
            kind,
            name,
            group,
            note: None,
        });
    }
    let n_objects = objects.len();
    for i in 0..n_objects {
        let o = &objects[i];
        let group = b.g.nodes[i].group.clone();
        match b.g.nodes[i].kind.as_str() {
            "Service" => {
                if let Some(sel) = get(o, &["spec", "selector"]) {
                    for w in b.selected(sel) {
                        b.edge(i, w, "selects", false);
                    }
                }
            }
            "PodDisruptionBudget" => {
                if let Some(sel) = get(o, &["spec", "selector"]) {
                    for w in b.selected(sel) {
                        b.edge(i, w, "protects", false);
                    }
                }
            }
            "NetworkPolicy" => {
                if let Some(sel) = get(o, &["spec", "podSelector"]) {
                    for w in b.selected(sel) {
                        b.edge(i, w, "applies to", false);
                    }
                }
            }
            "HorizontalPodAutoscaler" => {
                if let (Some(k), Some(n)) = (
                    s(o, &["spec", "scaleTargetRef", "kind"]),
                    s(o, &["spec", "scaleTargetRef", "name"]),
                ) {
                    let t = b.node_or_ref(k, n, group.clone());
                    b.edge(i, t, "scales", false);
                }
            }
            "Ingress" => {
                let mut backends = Vec::new();
                if let Some(n) = s(o, &["spec", "defaultBackend", "service", "name"]) {
                    backends.push(n.to_string());
                }
                for r in arr(o, &["spec", "rules"]) {
                    for p in arr(r, &["http", "paths"]) {
                        if let Some(n) = s(p, &["backend", "service", "name"]) {
                            backends.push(n.to_string());
                        }
                    }
                }
                for n in backends {
                    let t = b.node_or_ref("Service", &n, group.clone());
                    b.edge(i, t, "routes to", false);
                }
            }
            "ExternalSecret" => {
                let store_kind = s(o, &["spec", "secretStoreRef", "kind"]).unwrap_or("SecretStore");
                if let Some(store) = s(o, &["spec", "secretStoreRef", "name"]) {
                    // The store is shared by every service: drawn outside the groups.
                    let t = b.node_or_ref(store_kind, store, None);
                    b.edge(i, t, "reads from", false);
                }
                let target = s(o, &["spec", "target", "name"])
                    .or_else(|| s(o, &["metadata", "name"]))
                    .unwrap_or("?")
                    .to_string();
                let secret = match b.find("Secret", &target) {
                    Some(t) => t,
                    None => {
                        b.g.nodes.push(Node {
                            kind: "Secret".into(),
                            name: target,
                            group: group.clone(),
                            note: Some("made by ExternalSecret"),
                        });
                        b.g.nodes.len() - 1
                    }
                };
                b.edge(i, secret, "creates", false);
            }
            "VirtualService" => {
                for g in arr(o, &["spec", "gateways"]) {
                    if let Some(g) = g.as_str().filter(|g| *g != "mesh") {
                        let name = g.rsplit('/').next().unwrap_or(g);
                        let t = b.node_or_ref("Gateway", name, None);
                        b.edge(t, i, "routes via", false);
                    }
                }
                let routes = ["http", "tcp", "tls"]
                    .iter()
                    .flat_map(|k| arr(o, &["spec", k]))
                    .flat_map(|r| arr(r, &["route"]).chain(arr(r, &["mirror"])))
                    .collect::<Vec<_>>();
                for r in routes {
                    let d = r.get("destination").unwrap_or(r);
                    let Some(host) = s(d, &["host"]) else {
                        continue;
                    };
                    let svc = host_service(host).to_string();
                    let t = b.node_or_ref("Service", &svc, group.clone());
                    b.edge(i, t, "routes to", false);
                    if let Some(subset) = s(d, &["subset"]) {
                        let drs: Vec<usize> = (0..n_objects)
                            .filter(|&j| {
                                b.g.nodes[j].kind == "DestinationRule"
                                    && s(&objects[j], &["spec", "host"]).map(host_service)
                                        == Some(svc.as_str())
                            })
                            .collect();
                        for dr in drs {
                            b.edge(i, dr, &format!("subset {subset}"), false);
                        }
                    }
                }
            }
            "DestinationRule" => {
                if let Some(host) = s(o, &["spec", "host"]) {
                    let t = b.node_or_ref("Service", host_service(host), group.clone());
                    b.edge(i, t, "traffic policy", false);
                }
            }
            "Canary" => {
                for (field, label) in [("targetRef", "canary of"), ("autoscalerRef", "autoscaler")]
                {
                    if let (Some(k), Some(n)) = (
                        s(o, &["spec", field, "kind"]),
                        s(o, &["spec", field, "name"]),
                    ) {
                        let t = b.node_or_ref(k, n, group.clone());
                        b.edge(i, t, label, false);
                    }
                }
            }
            _ => {}
        }
        // Argo Rollouts: the Services a canary / blue-green strategy switches between.
        if b.g.nodes[i].kind == "Rollout" {
            for (path, label) in [
                (
                    &["spec", "strategy", "canary", "stableService"][..],
                    "stable",
                ),
                (
                    &["spec", "strategy", "canary", "canaryService"][..],
                    "canary",
                ),
                (
                    &["spec", "strategy", "blueGreen", "activeService"][..],
                    "active",
                ),
                (
                    &["spec", "strategy", "blueGreen", "previewService"][..],
                    "preview",
                ),
            ] {
                if let Some(n) = s(o, path) {
                    let t = b.node_or_ref("Service", n, group.clone());
                    b.edge(i, t, label, false);
                }
            }
            if let (Some(k), Some(n)) = (
                s(o, &["spec", "workloadRef", "kind"]),
                s(o, &["spec", "workloadRef", "name"]),
            ) {
                let t = b.node_or_ref(k, n, group.clone());
                b.edge(i, t, "template from", false);
            }
        }
        // What the pods use: config, secrets, claims.
        if let Some(t) = pod_template(o) {
            for (kind, name, how) in pod_refs(t) {
                let from = b.node_or_ref(kind, &name, group.clone());
                b.edge(from, i, how, true);
            }
        }
    }
    b.g.edges = b.edges.into_iter().collect();
    b.g
}

fn label(n: &Node, sep: &str) -> String {
    match n.note {
        Some(note) => format!("{}{sep}{}{sep}({note})", n.kind, n.name),
        None => format!("{}{sep}{}", n.kind, n.name),
    }
}

/// Nodes drawn: everything but the Namespace (which is the title).
fn drawn(g: &Graph) -> impl Iterator<Item = (usize, &Node)> {
    g.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind != "Namespace")
}

fn mermaid_shape(n: &Node, text: &str) -> String {
    match n.kind.as_str() {
        "Service" | "Ingress" | "Gateway" | "VirtualService" => format!("([\"{text}\"])"),
        "ConfigMap" | "Secret" | "PersistentVolumeClaim" => format!("[(\"{text}\")]"),
        "ExternalSecret" | "SecretStore" | "ClusterSecretStore" => format!("{{{{\"{text}\"}}}}"),
        _ => format!("[\"{text}\"]"),
    }
}

/// Mermaid flowchart (renders on GitHub and with `@mermaid-js/mermaid-cli`).
pub fn mermaid(g: &Graph) -> String {
    let esc = |t: &str| t.replace('"', "#quot;");
    let mut out = String::new();
    // Front matter is YAML: the title is a JSON string, which YAML reads as written.
    let _ = writeln!(out, "---\ntitle: {}\n---", Value::from(esc(&g.title)));
    out.push_str("flowchart LR\n");
    let node_line = |out: &mut String, i: usize, n: &Node, indent: &str| {
        let text = esc(&label(n, "<br/>"));
        let _ = writeln!(out, "{indent}n{i}{}", mermaid_shape(n, &text));
        if n.note.is_some() {
            let _ = writeln!(out, "{indent}class n{i} ref");
        }
    };
    for (gi, group) in g.groups.iter().enumerate() {
        let _ = writeln!(out, "  subgraph g{gi}[\"{}\"]", esc(group));
        for (i, n) in drawn(g).filter(|(_, n)| n.group.as_ref() == Some(group)) {
            node_line(&mut out, i, n, "    ");
        }
        out.push_str("  end\n");
    }
    for (i, n) in drawn(g).filter(|(_, n)| n.group.is_none()) {
        node_line(&mut out, i, n, "  ");
    }
    for e in &g.edges {
        let arrow = if e.data { "-.->" } else { "-->" };
        let _ = writeln!(out, "  n{} {arrow}|{}| n{}", e.from, esc(&e.label), e.to);
    }
    out.push_str("  classDef ref stroke-dasharray: 5 5\n");
    out
}

fn dot_shape(n: &Node) -> &'static str {
    match n.kind.as_str() {
        "Service" | "Ingress" | "Gateway" | "VirtualService" => "ellipse",
        "ConfigMap" | "Secret" | "PersistentVolumeClaim" => "cylinder",
        "ExternalSecret" | "SecretStore" | "ClusterSecretStore" => "hexagon",
        _ => "box",
    }
}

/// Graphviz DOT (`dot -Tsvg`).
pub fn dot(g: &Graph) -> String {
    let esc = |t: &str| t.replace('\\', "\\\\").replace('"', "\\\"");
    let q = |t: &str| format!("\"{}\"", esc(t));
    let mut out = String::new();
    out.push_str("digraph komply {\n");
    let _ = writeln!(out, "  label={};", q(&g.title));
    out.push_str("  labelloc=t;\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
    let node_line = |out: &mut String, i: usize, n: &Node, indent: &str| {
        let style = if n.note.is_some() {
            ", style=dashed"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{indent}n{i} [label=\"{}\", shape={}{style}];",
            label(
                &Node {
                    kind: esc(&n.kind),
                    name: esc(&n.name),
                    ..n.clone()
                },
                "\\n"
            ),
            dot_shape(n)
        );
    };
    for (gi, group) in g.groups.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{gi} {{");
        let _ = writeln!(out, "    label={};", q(group));
        for (i, n) in drawn(g).filter(|(_, n)| n.group.as_ref() == Some(group)) {
            node_line(&mut out, i, n, "    ");
        }
        out.push_str("  }\n");
    }
    for (i, n) in drawn(g).filter(|(_, n)| n.group.is_none()) {
        node_line(&mut out, i, n, "  ");
    }
    for e in &g.edges {
        let style = if e.data { ", style=dashed" } else { "" };
        let _ = writeln!(
            out,
            "  n{} -> n{} [label={}{style}];",
            e.from,
            e.to,
            q(&e.label)
        );
    }
    out.push_str("}\n");
    out
}

pub fn render(g: &Graph, format: Format) -> String {
    match format {
        Format::Mermaid => mermaid(g),
        Format::Dot => dot(g),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selector_matching() {
        let labels = json!({"app": "web", "tier": "front"});
        let l = labels.as_object().unwrap();
        assert!(selects(&json!({"app": "web"}), l));
        assert!(selects(&json!({"matchLabels": {"app": "web"}}), l));
        assert!(!selects(&json!({"matchLabels": {"app": "db"}}), l));
        assert!(selects(
            &json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]}),
            l
        ));
        assert!(!selects(
            &json!({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}),
            l
        ));
        assert!(!selects(&json!({}), l), "an empty selector draws no edge");
    }

    #[test]
    fn links_from_fields() {
        let objects = vec![
            json!({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"envFrom": [{"configMapRef": {"name": "web-env"}}]}]}}}}),
            json!({"kind": "Service", "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}}}),
            json!({"kind": "VirtualService", "metadata": {"name": "web"}, "spec": {"http": [{"route": [
                {"destination": {"host": "web", "subset": "stable"}},
                {"destination": {"host": "web.shop.svc.cluster.local", "subset": "canary"}}]}]}}),
            json!({"kind": "DestinationRule", "metadata": {"name": "web"}, "spec": {"host": "web"}}),
        ];
        let services = vec![Some("web".to_string()); 4];
        let g = build("t", &objects, &services);
        let names: Vec<String> = g
            .edges
            .iter()
            .map(|e| {
                format!(
                    "{}/{} -{}-> {}/{}",
                    g.nodes[e.from].kind,
                    g.nodes[e.from].name,
                    e.label,
                    g.nodes[e.to].kind,
                    g.nodes[e.to].name
                )
            })
            .collect();
        assert!(
            names.contains(&"Service/web -selects-> Deployment/web".to_string()),
            "{names:?}"
        );
        assert!(
            names.contains(&"VirtualService/web -subset stable-> DestinationRule/web".to_string())
        );
        assert!(
            names.contains(&"VirtualService/web -subset canary-> DestinationRule/web".to_string())
        );
        assert!(names.contains(&"ConfigMap/web-env -env-> Deployment/web".to_string()));
        // The ConfigMap was not among the objects: drawn as a reference.
        assert_eq!(g.nodes.last().unwrap().note, Some("not generated"));
    }
}
