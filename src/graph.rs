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
    /// Pods of workloads made at run time (Flagger's `<name>-primary`): (node, pod labels).
    runtime_pods: Vec<(usize, Map<String, Value>)>,
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
        let mut out: Vec<usize> = (0..self.objects.len())
            .filter(|&i| {
                pod_template(&self.objects[i])
                    .and_then(|t| get(t, &["metadata", "labels"]))
                    .and_then(Value::as_object)
                    .is_some_and(|labels| selects(selector, labels))
            })
            .collect();
        for (node, labels) in &self.runtime_pods {
            if selects(selector, labels) {
                out.push(*node);
            }
        }
        out
    }

    /// A node for something made at run time by a controller (not in the output).
    fn runtime_node(
        &mut self,
        kind: &str,
        name: &str,
        group: Option<String>,
        note: &'static str,
    ) -> usize {
        if let Some(i) = self.find(kind, name) {
            return i;
        }
        self.g.nodes.push(Node {
            kind: kind.to_string(),
            name: name.to_string(),
            group,
            note: Some(note),
        });
        self.g.nodes.len() - 1
    }

    /// Flagger: a Canary's controller makes `<target>-primary` (pods labelled like the target's,
    /// with `-primary` appended to the selector labels) and the Services `<svc>`,
    /// `<svc>-primary` and `<svc>-canary`; draw them so PDBs and routes aimed at them connect.
    fn flagger(&mut self, i: usize) {
        let o = &self.objects[i];
        let group = self.g.nodes[i].group.clone();
        let (Some(kind), Some(name)) = (
            s(o, &["spec", "targetRef", "kind"]),
            s(o, &["spec", "targetRef", "name"]),
        ) else {
            return;
        };
        let Some(target) = self.find(kind, name).filter(|&t| t < self.objects.len()) else {
            return;
        };
        let primary_name = format!("{name}-primary");
        let primary = self.runtime_node(kind, &primary_name, group.clone(), "made by Flagger");
        self.edge(i, primary, "creates", false);
        if let Some(labels) = pod_template(&self.objects[target])
            .and_then(|t| get(t, &["metadata", "labels"]))
            .and_then(Value::as_object)
        {
            let mut labels = labels.clone();
            for key in ["app", "name", "app.kubernetes.io/name"] {
                if let Some(Value::String(v)) = labels.get_mut(key) {
                    v.push_str("-primary");
                }
            }
            self.runtime_pods.push((primary, labels));
        }
        let svc = s(o, &["spec", "service", "name"])
            .unwrap_or(name)
            .to_string();
        for (suffix, to) in [("", primary), ("-primary", primary), ("-canary", target)] {
            let n = self.runtime_node(
                "Service",
                &format!("{svc}{suffix}"),
                group.clone(),
                "made by Flagger",
            );
            if self.g.nodes[n].note == Some("made by Flagger") {
                self.edge(i, n, "creates", false);
            }
            self.edge(n, to, "selects", false);
        }
    }
}

/// Marks a referenced-only object as made elsewhere, drawn outside the service groups with
/// `note`: the one Secret of `secrets: generator`, which kustomize makes from `secrets.env`.
pub fn made_elsewhere(g: &mut Graph, kind: &str, name: &str, note: &'static str) {
    for n in g
        .nodes
        .iter_mut()
        .filter(|n| n.kind == kind && n.name == name && n.note.is_some())
    {
        n.group = None;
        n.note = Some(note);
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
        runtime_pods: Vec::new(),
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
        if let Some(g) = group.as_ref().filter(|g| !b.g.groups.contains(g)) {
            b.g.groups.push(g.clone());
        }
        b.g.nodes.push(Node {
            kind,
            name,
            group,
            note: None,
        });
    }
    let n_objects = objects.len();
    // Controllers' run-time objects first, so every selector below can match them.
    for i in 0..n_objects {
        if b.g.nodes[i].kind == "Canary" {
            b.flagger(i);
        }
    }
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
                    let svc_name = host_service(host);
                    let t = b.node_or_ref("Service", svc_name, group.clone());
                    b.edge(i, t, "traffic policy", false);
                    // Each subset: the Service's pods that also carry the subset's labels.
                    let svc_selector = (0..n_objects)
                        .find(|&j| b.g.nodes[j].kind == "Service" && b.g.nodes[j].name == svc_name)
                        .and_then(|j| get(&objects[j], &["spec", "selector"]))
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    for subset in arr(o, &["spec", "subsets"]) {
                        let (Some(name), Some(labels)) = (
                            s(subset, &["name"]),
                            subset.get("labels").and_then(Value::as_object),
                        ) else {
                            continue;
                        };
                        let mut sel = svc_selector.clone();
                        sel.extend(labels.clone());
                        for w in b.selected(&Value::Object(sel)) {
                            b.edge(i, w, &format!("subset {name}"), false);
                        }
                    }
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

fn mermaid_esc(t: &str) -> String {
    t.replace('"', "#quot;")
}

/// The two picture formats differ only in syntax: [`body`] walks groups, their nodes, the loose
/// nodes and the edges once, and each format says how to write each piece.
trait Syntax {
    fn group_open(&self, out: &mut String, indent: &str, prefix: &str, index: usize, group: &str);
    fn group_close(&self, out: &mut String, indent: &str);
    fn node(&self, out: &mut String, indent: &str, id: &str, n: &Node);
    fn edge(&self, out: &mut String, indent: &str, from: &str, to: &str, e: &Edge);
}

/// Groups, nodes and edges; ids get `prefix` (unique per environment in a combined picture).
fn body(g: &Graph, syntax: &impl Syntax, prefix: &str, indent: &str, out: &mut String) {
    let inner = format!("{indent}  ");
    for (gi, group) in g.groups.iter().enumerate() {
        syntax.group_open(out, indent, prefix, gi, group);
        for (i, n) in drawn(g).filter(|(_, n)| n.group.as_ref() == Some(group)) {
            syntax.node(out, &inner, &format!("{prefix}n{i}"), n);
        }
        syntax.group_close(out, indent);
    }
    for (i, n) in drawn(g).filter(|(_, n)| n.group.is_none()) {
        syntax.node(out, indent, &format!("{prefix}n{i}"), n);
    }
    for e in &g.edges {
        let (from, to) = (format!("{prefix}n{}", e.from), format!("{prefix}n{}", e.to));
        syntax.edge(out, indent, &from, &to, e);
    }
}

struct Mermaid;

impl Syntax for Mermaid {
    fn group_open(&self, out: &mut String, indent: &str, prefix: &str, i: usize, group: &str) {
        let _ = writeln!(
            out,
            "{indent}subgraph {prefix}g{i}[\"{}\"]",
            mermaid_esc(group)
        );
    }
    fn group_close(&self, out: &mut String, indent: &str) {
        let _ = writeln!(out, "{indent}end");
    }
    fn node(&self, out: &mut String, indent: &str, id: &str, n: &Node) {
        let text = mermaid_esc(&label(n, "<br/>"));
        let _ = writeln!(out, "{indent}{id}{}", mermaid_shape(n, &text));
        if n.note.is_some() {
            let _ = writeln!(out, "{indent}class {id} ref");
        }
    }
    fn edge(&self, out: &mut String, indent: &str, from: &str, to: &str, e: &Edge) {
        let arrow = if e.data { "-.->" } else { "-->" };
        let _ = writeln!(
            out,
            "{indent}{from} {arrow}|{}| {to}",
            mermaid_esc(&e.label)
        );
    }
}

fn mermaid_header(title: &str, out: &mut String) {
    // Front matter is YAML: the title is a JSON string, which YAML reads as written.
    let _ = writeln!(out, "---\ntitle: {}\n---", Value::from(mermaid_esc(title)));
    out.push_str("flowchart LR\n");
}

/// Mermaid flowchart (renders on GitHub and with `@mermaid-js/mermaid-cli`).
pub fn mermaid(g: &Graph) -> String {
    let mut out = String::new();
    mermaid_header(&g.title, &mut out);
    body(g, &Mermaid, "", "  ", &mut out);
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

fn dot_esc(t: &str) -> String {
    t.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot_quote(t: &str) -> String {
    format!("\"{}\"", dot_esc(t))
}

fn dot_header(title: &str, out: &mut String) {
    out.push_str("digraph komply {\n");
    let _ = writeln!(out, "  label={};", dot_quote(title));
    out.push_str("  labelloc=t;\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
}

struct Dot;

impl Syntax for Dot {
    fn group_open(&self, out: &mut String, indent: &str, prefix: &str, i: usize, group: &str) {
        let _ = writeln!(out, "{indent}subgraph cluster_{prefix}{i} {{");
        let _ = writeln!(out, "{indent}  label={};", dot_quote(group));
    }
    fn group_close(&self, out: &mut String, indent: &str) {
        let _ = writeln!(out, "{indent}}}");
    }
    fn node(&self, out: &mut String, indent: &str, id: &str, n: &Node) {
        let style = if n.note.is_some() {
            ", style=dashed"
        } else {
            ""
        };
        let escaped = Node {
            kind: dot_esc(&n.kind),
            name: dot_esc(&n.name),
            ..n.clone()
        };
        let text = label(&escaped, "\\n");
        let _ = writeln!(
            out,
            "{indent}{id} [label=\"{text}\", shape={}{style}];",
            dot_shape(n)
        );
    }
    fn edge(&self, out: &mut String, indent: &str, from: &str, to: &str, e: &Edge) {
        let style = if e.data { ", style=dashed" } else { "" };
        let _ = writeln!(
            out,
            "{indent}{from} -> {to} [label={}{style}];",
            dot_quote(&e.label)
        );
    }
}

/// Graphviz DOT (`dot -Tsvg`).
pub fn dot(g: &Graph) -> String {
    let mut out = String::new();
    dot_header(&g.title, &mut out);
    body(g, &Dot, "", "  ", &mut out);
    out.push_str("}\n");
    out
}

/// Several environments in one picture: one outer group per environment (`--env all`).
pub fn render_all(title: &str, graphs: &[(String, Graph)], format: Format) -> String {
    let mut out = String::new();
    match format {
        Format::Mermaid => {
            mermaid_header(title, &mut out);
            for (k, (env, g)) in graphs.iter().enumerate() {
                let _ = writeln!(out, "  subgraph e{k}[\"{}\"]", mermaid_esc(env));
                body(g, &Mermaid, &format!("e{k}_"), "    ", &mut out);
                out.push_str("  end\n");
            }
            out.push_str("  classDef ref stroke-dasharray: 5 5\n");
        }
        Format::Dot => {
            dot_header(title, &mut out);
            for (k, (env, g)) in graphs.iter().enumerate() {
                let _ = writeln!(out, "  subgraph cluster_e{k} {{");
                let _ = writeln!(out, "    label={};", dot_quote(env));
                body(g, &Dot, &format!("e{k}_"), "    ", &mut out);
                out.push_str("  }\n");
            }
            out.push_str("}\n");
        }
    }
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

    #[test]
    fn flagger_runtime_objects_and_subsets() {
        let pod = |name: &str, track: &str| {
            json!({"kind": "Deployment", "metadata": {"name": name}, "spec": {"template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "api", "track": track}}}}})
        };
        let objects = vec![
            pod("api", "stable"),
            pod("api-canary", "canary"),
            json!({"kind": "Service", "metadata": {"name": "api"},
                   "spec": {"selector": {"app.kubernetes.io/name": "api"}}}),
            json!({"kind": "DestinationRule", "metadata": {"name": "api"}, "spec": {"host": "api",
                   "subsets": [{"name": "canary", "labels": {"track": "canary"}}]}}),
            json!({"kind": "PodDisruptionBudget", "metadata": {"name": "api"},
                   "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "api-primary"}}}}),
            json!({"kind": "Canary", "metadata": {"name": "api"},
                   "spec": {"targetRef": {"kind": "Deployment", "name": "api"}}}),
        ];
        let g = build("t", &objects, &vec![Some("api".to_string()); objects.len()]);
        let edges: Vec<String> = g
            .edges
            .iter()
            .map(|e| {
                format!(
                    "{} -{}-> {}",
                    g.nodes[e.from].name, e.label, g.nodes[e.to].name
                )
            })
            .collect();
        for want in [
            "api -subset canary-> api-canary",
            "api -protects-> api-primary",
            "api -creates-> api-primary",
            "api-canary -selects-> api",
        ] {
            assert!(edges.iter().any(|e| e == want), "{want} not in {edges:?}");
        }
        let primary = g.nodes.iter().find(|n| n.name == "api-primary").unwrap();
        assert_eq!(primary.note, Some("made by Flagger"));
    }
}
