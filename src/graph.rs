//! The picture of a conversion: compose services (as groups), the objects made from each, and
//! the links the objects themselves imply (a Service selects pods, an HPA scales a workload,
//! a ConfigMap is used by a Deployment…), rendered as Mermaid or Graphviz DOT.
//!
//! Works on the final objects of `pipeline::convert` — after overlays — and derives every
//! link from object fields, never from how they were generated, so objects added by overlays
//! (VirtualServices, Flagger Canaries, Rollouts…) show up linked without extra code here.
//! Output is deterministic: nodes in object order, edges sorted.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use crate::k8s::selector::LabelSelector;
use crate::k8s::{Object, StringMap};

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

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(*k))?.as_str()
}

fn arr<'a>(v: &'a Value, path: &[&str]) -> impl Iterator<Item = &'a Value> + use<'a> {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// A selector worth drawing: a mapping with at least one term (an empty selector selects every
/// pod in the namespace, which is no link).
fn selector(v: Option<&Value>) -> Option<LabelSelector> {
    LabelSelector::from_value(v?).filter(|s| !s.is_empty())
}

/// Every name a pod spec refers to, by kind: (kind, name, how).
fn pod_refs(o: &Object) -> Vec<(&'static str, String, &'static str)> {
    let mut out = Vec::new();
    let Some(spec) = o.pod_spec() else {
        return out;
    };
    for c in o.all_containers() {
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
    objects: &'a [Object],
    edges: BTreeSet<Edge>,
    /// Pods of workloads made at run time (Flagger's `<name>-primary`): (node, pod labels).
    runtime_pods: Vec<(usize, StringMap)>,
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
        self.runtime_node(kind, name, group, "not generated")
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

    /// Edges `label` from node `i` to every workload whose pods the selector at `path` of
    /// object `i` matches.
    fn select_edges(&mut self, i: usize, path: &[&str], label: &str) {
        if let Some(sel) = selector(self.objects[i].get(path)) {
            for w in self.selected(&sel) {
                self.edge(i, w, label, false);
            }
        }
    }

    /// Workload nodes whose pods a selector matches.
    fn selected(&self, selector: &LabelSelector) -> Vec<usize> {
        let mut out: Vec<usize> = (0..self.objects.len())
            .filter(|&i| {
                self.objects[i]
                    .pod_labels()
                    .is_some_and(|labels| selector.matches(&labels))
            })
            .collect();
        for (node, labels) in &self.runtime_pods {
            if selector.matches(labels) {
                out.push(*node);
            }
        }
        out
    }

    /// A node for something not in the output (made at run time by a controller, or only
    /// referenced), with its `note`.
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
            o.str_at(&["spec", "targetRef", "kind"]),
            o.str_at(&["spec", "targetRef", "name"]),
        ) else {
            return;
        };
        let Some(target) = self.find(kind, name).filter(|&t| t < self.objects.len()) else {
            return;
        };
        let primary_name = format!("{name}-primary");
        let primary = self.runtime_node(kind, &primary_name, group.clone(), "made by Flagger");
        self.edge(i, primary, "creates", false);
        if let Some(mut labels) = self.objects[target].pod_labels() {
            for key in ["app", "name", "app.kubernetes.io/name"] {
                if let Some(v) = labels.get_mut(key) {
                    v.push_str("-primary");
                }
            }
            self.runtime_pods.push((primary, labels));
        }
        let svc = o
            .str_at(&["spec", "service", "name"])
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

    /// An edge `label` from node `i` to the object its `{kind, name}` reference at `path` names.
    fn ref_edge(&mut self, i: usize, path: &[&str], label: &str) {
        let o = &self.objects[i];
        let (Some(k), Some(n)) = (
            o.get(path).and_then(|r| s(r, &["kind"])),
            o.get(path).and_then(|r| s(r, &["name"])),
        ) else {
            return;
        };
        let group = self.g.nodes[i].group.clone();
        let t = self.node_or_ref(k, n, group);
        self.edge(i, t, label, false);
    }

    /// An Ingress routes to the Services of its backends.
    fn ingress(&mut self, i: usize) {
        let o = &self.objects[i];
        let mut backends = Vec::new();
        if let Some(n) = o.str_at(&["spec", "defaultBackend", "service", "name"]) {
            backends.push(n.to_string());
        }
        for r in o.items_at(&["spec", "rules"]) {
            for p in arr(r, &["http", "paths"]) {
                if let Some(n) = s(p, &["backend", "service", "name"]) {
                    backends.push(n.to_string());
                }
            }
        }
        let group = self.g.nodes[i].group.clone();
        for n in backends {
            let t = self.node_or_ref("Service", &n, group.clone());
            self.edge(i, t, "routes to", false);
        }
    }

    /// An ExternalSecret reads from its store and creates its Secret.
    fn external_secret(&mut self, i: usize) {
        let o = &self.objects[i];
        let group = self.g.nodes[i].group.clone();
        let store_kind = o
            .str_at(&["spec", "secretStoreRef", "kind"])
            .unwrap_or("SecretStore")
            .to_string();
        let store = o
            .str_at(&["spec", "secretStoreRef", "name"])
            .map(str::to_string);
        let target = o
            .str_at(&["spec", "target", "name"])
            .unwrap_or(o.name())
            .to_string();
        if let Some(store) = store {
            // The store is shared by every service: drawn outside the groups.
            let t = self.node_or_ref(&store_kind, &store, None);
            self.edge(i, t, "reads from", false);
        }
        let secret = match self.find("Secret", &target) {
            Some(t) => t,
            None => self.runtime_node("Secret", &target, group, "made by ExternalSecret"),
        };
        self.edge(i, secret, "creates", false);
    }

    /// A VirtualService: the Gateways it routes via, the Services it routes to, and the
    /// DestinationRule subsets it names.
    fn virtual_service(&mut self, i: usize) {
        let o = &self.objects[i];
        let group = self.g.nodes[i].group.clone();
        let gateways: Vec<String> = o
            .items_at(&["spec", "gateways"])
            .filter_map(Value::as_str)
            .filter(|g| *g != "mesh")
            .map(|g| g.rsplit('/').next().unwrap_or(g).to_string())
            .collect();
        for name in gateways {
            let t = self.node_or_ref("Gateway", &name, None);
            self.edge(t, i, "routes via", false);
        }
        let routes: Vec<(String, Option<String>)> = ["http", "tcp", "tls"]
            .iter()
            .flat_map(|k| o.items_at(&["spec", k]))
            .flat_map(|r| arr(r, &["route"]).chain(arr(r, &["mirror"])))
            .filter_map(|r| {
                let d = r.get("destination").unwrap_or(r);
                Some((
                    s(d, &["host"])?.to_string(),
                    s(d, &["subset"]).map(str::to_string),
                ))
            })
            .collect();
        for (host, subset) in routes {
            let svc = host_service(&host).to_string();
            let t = self.node_or_ref("Service", &svc, group.clone());
            self.edge(i, t, "routes to", false);
            if let Some(subset) = subset {
                let drs: Vec<usize> = (0..self.objects.len())
                    .filter(|&j| {
                        self.g.nodes[j].kind == "DestinationRule"
                            && self.objects[j].str_at(&["spec", "host"]).map(host_service)
                                == Some(svc.as_str())
                    })
                    .collect();
                for dr in drs {
                    self.edge(i, dr, &format!("subset {subset}"), false);
                }
            }
        }
    }

    /// A DestinationRule: the Service it sets the traffic policy of, and per subset the
    /// Service's pods that also carry the subset's labels.
    fn destination_rule(&mut self, i: usize) {
        let o = &self.objects[i];
        let Some(host) = o.str_at(&["spec", "host"]) else {
            return;
        };
        let group = self.g.nodes[i].group.clone();
        let svc_name = host_service(host).to_string();
        let t = self.node_or_ref("Service", &svc_name, group);
        self.edge(i, t, "traffic policy", false);
        let svc_selector = (0..self.objects.len())
            .find(|&j| self.g.nodes[j].kind == "Service" && self.g.nodes[j].name == svc_name)
            .and_then(|j| self.objects[j].get(&["spec", "selector"]))
            .map(LabelSelector::from_map_value)
            .unwrap_or_default();
        let subsets: Vec<(String, LabelSelector)> = o
            .items_at(&["spec", "subsets"])
            .filter_map(|subset| {
                let name = s(subset, &["name"])?;
                let labels = subset.get("labels").filter(|l| l.is_object())?;
                let mut sel = svc_selector.clone();
                sel.match_labels
                    .extend(LabelSelector::from_map_value(labels).match_labels);
                Some((name.to_string(), sel))
            })
            .collect();
        for (name, sel) in subsets.into_iter().filter(|(_, sel)| !sel.is_empty()) {
            for w in self.selected(&sel) {
                self.edge(i, w, &format!("subset {name}"), false);
            }
        }
    }

    /// Argo Rollouts: the Services a canary / blue-green strategy switches between, and the
    /// workload it takes its template from.
    fn rollout(&mut self, i: usize) {
        let group = self.g.nodes[i].group.clone();
        for (field, label) in [
            (&["canary", "stableService"], "stable"),
            (&["canary", "canaryService"], "canary"),
            (&["blueGreen", "activeService"], "active"),
            (&["blueGreen", "previewService"], "preview"),
        ] {
            let path = ["spec", "strategy", field[0], field[1]];
            if let Some(n) = self.objects[i].str_at(&path).map(str::to_string) {
                let t = self.node_or_ref("Service", &n, group.clone());
                self.edge(i, t, label, false);
            }
        }
        self.ref_edge(i, &["spec", "workloadRef"], "template from");
    }

    /// The edges of object `i` that its kind implies.
    fn kind_edges(&mut self, i: usize) {
        match self.g.nodes[i].kind.as_str() {
            "Service" => self.select_edges(i, &["spec", "selector"], "selects"),
            "PodDisruptionBudget" => self.select_edges(i, &["spec", "selector"], "protects"),
            "NetworkPolicy" => self.select_edges(i, &["spec", "podSelector"], "applies to"),
            "HorizontalPodAutoscaler" => self.ref_edge(i, &["spec", "scaleTargetRef"], "scales"),
            "Ingress" => self.ingress(i),
            "ExternalSecret" => self.external_secret(i),
            "VirtualService" => self.virtual_service(i),
            "DestinationRule" => self.destination_rule(i),
            "Canary" => {
                self.ref_edge(i, &["spec", "targetRef"], "canary of");
                self.ref_edge(i, &["spec", "autoscalerRef"], "autoscaler");
            }
            "Rollout" => self.rollout(i),
            _ => {}
        }
    }

    /// What the pods of object `i` use: config, secrets, claims.
    fn pod_edges(&mut self, i: usize) {
        let group = self.g.nodes[i].group.clone();
        for (kind, name, how) in pod_refs(&self.objects[i]) {
            let from = self.node_or_ref(kind, &name, group.clone());
            self.edge(from, i, how, true);
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

/// One node per object (node `i` is object `i`), grouped by the service in its provenance;
/// objects an overlay added may have none, then the `app.kubernetes.io/name` label is used
/// when it names a known service. The Namespace is drawn as the title, not in a group.
fn object_nodes(objects: &[Object], g: &mut Graph) {
    let known: BTreeSet<&str> = objects.iter().filter_map(Object::service).collect();
    for o in objects {
        let group = o.provenance.service.clone().or_else(|| {
            o.metadata
                .label("app.kubernetes.io/name")
                .filter(|n| known.contains(n))
                .map(str::to_string)
        });
        let group = if o.kind() == "Namespace" { None } else { group };
        if let Some(name) = group.as_ref().filter(|n| !g.groups.contains(n)) {
            g.groups.push(name.clone());
        }
        g.nodes.push(Node {
            kind: o.kind().to_string(),
            name: o.name().to_string(),
            group,
            note: None,
        });
    }
}

/// Builds the graph of `objects` (see the module doc).
pub fn build(title: &str, objects: &[Object]) -> Graph {
    let mut b = Builder {
        g: Graph {
            title: title.to_string(),
            ..Graph::default()
        },
        objects,
        edges: BTreeSet::new(),
        runtime_pods: Vec::new(),
    };
    object_nodes(objects, &mut b.g);
    // Controllers' run-time objects first, so every selector below can match them.
    for i in 0..objects.len() {
        if b.g.nodes[i].kind == "Canary" {
            b.flagger(i);
        }
    }
    for i in 0..objects.len() {
        b.kind_edges(i);
        b.pod_edges(i);
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

    /// Objects from JSON without `apiVersion` (the graph does not read it), all of `service`.
    fn objects(values: Vec<Value>, service: &str) -> Vec<Object> {
        values
            .into_iter()
            .map(|mut v| {
                v["apiVersion"] = json!("v1");
                Object::from_value(v)
                    .unwrap()
                    .with_provenance(crate::k8s::Provenance::of(Some(service)))
            })
            .collect()
    }

    #[test]
    fn selector_matching() {
        let labels = json!({"app": "web", "tier": "front"});
        let l = labels.as_object().unwrap();
        let selects = |v: Value| selector(Some(&v)).is_some_and(|s| s.matches(l));
        assert!(selects(json!({"app": "web"})));
        assert!(selects(json!({"matchLabels": {"app": "web"}})));
        assert!(!selects(json!({"matchLabels": {"app": "db"}})));
        assert!(selects(
            json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]})
        ));
        assert!(!selects(
            json!({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]})
        ));
        assert!(!selects(json!({})), "an empty selector draws no edge");
    }

    #[test]
    fn links_from_fields() {
        let objects = objects(
            vec![
                json!({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"envFrom": [{"configMapRef": {"name": "web-env"}}]}]}}}}),
                json!({"kind": "Service", "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}}}),
                json!({"kind": "VirtualService", "metadata": {"name": "web"}, "spec": {"http": [{"route": [
                {"destination": {"host": "web", "subset": "stable"}},
                {"destination": {"host": "web.shop.svc.cluster.local", "subset": "canary"}}]}]}}),
                json!({"kind": "DestinationRule", "metadata": {"name": "web"}, "spec": {"host": "web"}}),
            ],
            "web",
        );
        let g = build("t", &objects);
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
    fn a_bare_pod_is_selected_by_its_own_labels() {
        let objects = objects(
            vec![
                json!({"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "p"}},
                       "spec": {"containers": [{"name": "c", "envFrom": [{"secretRef": {"name": "s"}}]}]}}),
                json!({"kind": "Service", "metadata": {"name": "p"}, "spec": {"selector": {"app": "p"}}}),
            ],
            "p",
        );
        let g = build("t", &objects);
        let edges: Vec<(usize, usize, &str)> = g
            .edges
            .iter()
            .map(|e| (e.from, e.to, e.label.as_str()))
            .collect();
        assert!(edges.contains(&(1, 0, "selects")), "{edges:?}");
        assert!(edges.contains(&(2, 0, "env")), "{edges:?}");
    }

    #[test]
    fn flagger_runtime_objects_and_subsets() {
        let pod = |name: &str, track: &str| {
            json!({"kind": "Deployment", "metadata": {"name": name}, "spec": {"template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "api", "track": track}}}}})
        };
        let objects = objects(
            vec![
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
            ],
            "api",
        );
        let g = build("t", &objects);
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
