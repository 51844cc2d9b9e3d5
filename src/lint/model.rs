//! The object model the rules reason about: Kubernetes objects read from YAML with their spans,
//! typed views of pod templates and containers, and the effective security context.
//!
//! Views borrow the parsed [`Node`] tree, so every value a rule looks at still knows its
//! `file:line:col`.

use std::collections::BTreeMap;

use crate::yaml::{Node, Span};

/// Stands in for a pod template without a `spec` (its labels still count for selectors).
static EMPTY_MAP: Node = Node {
    kind: crate::yaml::NodeKind::Map(Vec::new()),
    span: Span::SYNTHETIC,
    tag: None,
};

/// One Kubernetes object of the run (a document, or an item of a `List`).
#[derive(Debug, Clone)]
pub struct Object {
    pub node: Node,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

impl Object {
    /// Reads the identity fields. `None` when the document is not a mapping with a `kind`.
    pub fn from_node(node: Node) -> Option<Object> {
        if !node.is_map() {
            return None;
        }
        let kind = node.get("kind")?.as_str()?.to_string();
        let api_version = node
            .get("apiVersion")
            .and_then(Node::scalar_string)
            .unwrap_or_default();
        let meta = node.get("metadata");
        let name = meta
            .and_then(|m| m.get("name"))
            .and_then(Node::scalar_string)
            .unwrap_or_default();
        let namespace = meta
            .and_then(|m| m.get("namespace"))
            .and_then(Node::scalar_string)
            .filter(|s| !s.is_empty());
        Some(Object {
            node,
            api_version,
            kind,
            name,
            namespace,
        })
    }

    /// `Kind/namespace/name` (namespace left out when unset).
    pub fn display(&self) -> String {
        let name = if self.name.is_empty() {
            "<unnamed>"
        } else {
            &self.name
        };
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.kind, ns, name),
            None => format!("{}/{}", self.kind, name),
        }
    }

    /// The namespace used to match objects against each other (unset = `default`).
    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }

    /// API group of `apiVersion` (`""` for the core group).
    pub fn group(&self) -> &str {
        match self.api_version.rsplit_once('/') {
            Some((g, _)) => g,
            None => "",
        }
    }

    pub fn metadata(&self) -> Option<&Node> {
        self.node.get("metadata")
    }

    pub fn annotations(&self) -> Option<&Node> {
        self.metadata()?.get("annotations")
    }

    /// Where a finding about the object as a whole points: its `kind:` key.
    pub fn span(&self) -> Span {
        self.node
            .entry("kind")
            .map(|(k, _)| k.span)
            .unwrap_or(self.node.span)
    }

    /// The pod template of a workload, or the spec of a bare Pod.
    pub fn pod(&self) -> Option<PodView<'_>> {
        let w = crate::k8s::workload::of(&self.kind)?;
        let (template, spec) = if w.is_pod() {
            (None, self.node.get("spec")?)
        } else {
            let t = self.node.at(w.template)?;
            (Some(t), t.get("spec").unwrap_or(&EMPTY_MAP))
        };
        if !spec.is_map() {
            return None;
        }
        let labels = match template {
            Some(t) => t.at(&["metadata", "labels"]),
            None => self.node.at(&["metadata", "labels"]),
        };
        Some(PodView {
            template,
            spec,
            labels_node: labels,
        })
    }

    /// Workloads whose pods run to completion are exempt from liveness / readiness rules.
    pub fn runs_to_completion(&self) -> bool {
        crate::k8s::workload::runs_to_completion(&self.kind)
    }

    /// `spec.replicas` of a replicated workload: the node, and its value.
    pub fn replicas(&self) -> Option<(&Node, i64)> {
        if !crate::k8s::workload::is_replicated(&self.kind) {
            return None;
        }
        let (k, v) = self.node.get("spec")?.entry("replicas")?;
        Some((k, v.as_i64()?))
    }
}

/// A pod spec and the labels its pods get.
#[derive(Clone, Copy)]
pub struct PodView<'a> {
    /// The pod template (`spec.template`), `None` for a bare Pod.
    pub template: Option<&'a Node>,
    pub spec: &'a Node,
    labels_node: Option<&'a Node>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    Main,
    Init,
    Ephemeral,
}

/// One container of a pod spec.
pub struct Container<'a> {
    pub node: &'a Node,
    pub name: String,
    pub kind: ContainerKind,
}

impl<'a> PodView<'a> {
    /// The labels the pods get (built on demand: most rules never need them).
    pub fn labels(&self) -> BTreeMap<String, String> {
        string_map(self.labels_node)
    }

    /// Every container: `containers`, then `initContainers`, then `ephemeralContainers`.
    pub fn containers(&self) -> Vec<Container<'a>> {
        let mut out = Vec::new();
        for (key, kind) in [
            ("containers", ContainerKind::Main),
            ("initContainers", ContainerKind::Init),
            ("ephemeralContainers", ContainerKind::Ephemeral),
        ] {
            for c in self.spec.get(key).and_then(Node::as_seq).unwrap_or(&[]) {
                if !c.is_map() {
                    continue;
                }
                let name = c
                    .get("name")
                    .and_then(Node::scalar_string)
                    .unwrap_or_else(|| "<unnamed>".into());
                out.push(Container {
                    node: c,
                    name,
                    kind,
                });
            }
        }
        out
    }

    /// The long-running containers (`containers` only).
    pub fn main_containers(&self) -> Vec<Container<'a>> {
        self.containers()
            .into_iter()
            .filter(|c| c.kind == ContainerKind::Main)
            .collect()
    }

    /// The pod template's annotations (for suppression).
    pub fn annotations(&self) -> Option<&'a Node> {
        self.template?.at(&["metadata", "annotations"])
    }

    pub fn security_context(&self) -> Option<&'a Node> {
        self.spec.get("securityContext")
    }
}

/// A value found in the effective security context, and where it was set.
pub struct Effective<'a> {
    pub key: &'a Node,
    pub value: &'a Node,
    /// True when inherited from the pod's securityContext.
    pub from_pod: bool,
}

impl<'a> Container<'a> {
    /// `Kind/ns/name container "x"` style label, with the container kind when not a main one.
    pub fn label(&self) -> String {
        match self.kind {
            ContainerKind::Main => format!("container \"{}\"", self.name),
            ContainerKind::Init => format!("init container \"{}\"", self.name),
            ContainerKind::Ephemeral => format!("ephemeral container \"{}\"", self.name),
        }
    }

    /// Where a finding about a missing key of this container points: its first key
    /// (usually `name:`).
    pub fn span(&self) -> Span {
        self.node
            .as_map()
            .and_then(|m| m.first())
            .map(|(k, _)| k.span)
            .unwrap_or(self.node.span)
    }

    pub fn security_context(&self) -> Option<&'a Node> {
        self.node.get("securityContext")
    }

    /// A field of the container's securityContext (container only; no pod fallback).
    pub fn sc_entry(&self, field: &str) -> Option<(&'a Node, &'a Node)> {
        self.security_context()?.entry(field)
    }

    /// A field of the effective securityContext: the container's value wins over the pod's.
    /// Only `runAsUser`, `runAsGroup`, `runAsNonRoot`, `seccompProfile`, `seLinuxOptions` and
    /// `windowsOptions` exist on both levels.
    pub fn effective(&self, pod: &PodView<'a>, field: &str) -> Option<Effective<'a>> {
        if let Some((k, v)) = self.sc_entry(field).filter(|(_, v)| !v.is_null()) {
            return Some(Effective {
                key: k,
                value: v,
                from_pod: false,
            });
        }
        let (k, v) = pod.security_context()?.entry(field)?;
        if v.is_null() {
            return None;
        }
        Some(Effective {
            key: k,
            value: v,
            from_pod: true,
        })
    }

    pub fn image(&self) -> Option<(&'a Node, &'a Node)> {
        self.node.entry("image")
    }

    /// `resources.<section>.<name>`, e.g. `("requests", "cpu")`.
    pub fn resource(&self, section: &str, name: &str) -> Option<&'a Node> {
        self.node
            .get("resources")?
            .get(section)?
            .get(name)
            .filter(|v| !v.is_null())
    }

    /// The best place to say "this resource is missing": the `resources.<section>` key, else
    /// `resources`, else the container.
    pub fn resource_anchor(&self, section: &str) -> Span {
        if let Some(res) = self.node.entry("resources") {
            if let Some((k, _)) = res.1.entry(section) {
                return k.span;
            }
            return res.0.span;
        }
        self.span()
    }

    /// Declared ports: (name, number, protocol).
    pub fn ports(&self) -> Vec<(Option<String>, Option<i64>, String)> {
        self.node
            .get("ports")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .map(|p| {
                (
                    p.get("name").and_then(Node::scalar_string),
                    p.get("containerPort").and_then(Node::as_i64),
                    p.get("protocol")
                        .and_then(Node::as_str)
                        .unwrap_or("TCP")
                        .to_string(),
                )
            })
            .collect()
    }
}

/// Reads a `{string: scalar}` mapping (labels, selectors).
pub fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(m) = node.and_then(Node::as_map) {
        for (k, v) in m {
            if let (Some(k), Some(v)) = (k.scalar_string(), v.scalar_string()) {
                out.insert(k, v);
            }
        }
    }
    out
}

/// Label selectors and their matching live in `crate::k8s::selector`; this module reads them
/// from span-carrying trees.
pub use crate::k8s::selector::LabelSelector;
use crate::k8s::selector::{Operator, Requirement};

impl LabelSelector {
    pub fn from_node(node: Option<&Node>) -> LabelSelector {
        let Some(node) = node else {
            return LabelSelector::default();
        };
        let expressions = node
            .get("matchExpressions")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|e| {
                let key = e.get("key")?.scalar_string()?;
                let op = Operator::parse(&e.get("operator")?.scalar_string()?);
                let values = e
                    .get("values")
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(Node::scalar_string)
                    .collect();
                Some(Requirement::new(key, op, values))
            })
            .collect();
        LabelSelector {
            match_labels: string_map(node.get("matchLabels")),
            expressions,
        }
    }

    /// A plain `{key: value}` selector (Service, ReplicationController).
    pub fn from_map(node: Option<&Node>) -> LabelSelector {
        LabelSelector {
            match_labels: string_map(node),
            expressions: Vec::new(),
        }
    }
}
