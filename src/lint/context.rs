//! All objects of one run, with the indexes cross-object rules need (which pods a selector
//! picks, which workloads a Service targets) built once so the rules stay linear.

use std::collections::{BTreeMap, HashMap};

use super::model::{LabelSelector, Object};

pub struct LintContext {
    pub objects: Vec<Object>,
    /// (namespace, label key, label value) → objects with a pod template carrying that label.
    label_index: HashMap<(String, String, String), Vec<usize>>,
    /// namespace → objects with a pod template.
    pods_by_ns: HashMap<String, Vec<usize>>,
    /// For each object: is its pod template selected by some Service of the run?
    service_selected: Vec<bool>,
    /// Pod labels of each object with a pod template (`None` for other objects).
    pod_labels: Vec<Option<BTreeMap<String, String>>>,
    /// Indexes of the objects with a pod template.
    workload_idx: Vec<usize>,
}

impl LintContext {
    pub fn new(objects: Vec<Object>) -> LintContext {
        let mut label_index: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
        let mut pods_by_ns: HashMap<String, Vec<usize>> = HashMap::new();
        let mut pod_labels = Vec::with_capacity(objects.len());
        let mut workload_idx = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            let labels = o.pod().map(|p| p.labels());
            if let Some(labels) = &labels {
                workload_idx.push(i);
                pods_by_ns.entry(o.ns().to_string()).or_default().push(i);
                for (k, v) in labels {
                    label_index
                        .entry((o.ns().to_string(), k.clone(), v.clone()))
                        .or_default()
                        .push(i);
                }
            }
            pod_labels.push(labels);
        }
        let mut ctx = LintContext {
            objects,
            label_index,
            pods_by_ns,
            service_selected: Vec::new(),
            pod_labels,
            workload_idx,
        };
        let mut selected = vec![false; ctx.objects.len()];
        for svc in ctx.objects.iter().filter(|o| o.kind == "Service") {
            if let Some(sel) = service_selector(svc) {
                for i in ctx.select_pods(svc.ns(), &sel) {
                    selected[i] = true;
                }
            }
        }
        ctx.service_selected = selected;
        ctx
    }

    /// Indexes of the objects in `ns` whose pod template matches `sel`. An empty selector
    /// matches every pod of the namespace (as for a PodDisruptionBudget).
    pub fn select_pods(&self, ns: &str, sel: &LabelSelector) -> Vec<usize> {
        let candidates: &[usize] = match sel.match_labels.iter().next() {
            Some((k, v)) => self
                .label_index
                .get(&(ns.to_string(), k.clone(), v.clone()))
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            None => self.pods_by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[]),
        };
        candidates
            .iter()
            .copied()
            .filter(|&i| self.pod_labels[i].as_ref().is_some_and(|l| sel.matches(l)))
            .collect()
    }

    pub fn is_service_selected(&self, idx: usize) -> bool {
        self.service_selected.get(idx).copied().unwrap_or(false)
    }

    /// Objects with a pod template, with their index.
    pub fn workloads(&self) -> impl Iterator<Item = (usize, &Object)> {
        self.workload_idx.iter().map(|&i| (i, &self.objects[i]))
    }

    /// The pod labels of object `idx` (empty when it has no pod template).
    pub fn pod_labels(&self, idx: usize) -> Option<&BTreeMap<String, String>> {
        self.pod_labels.get(idx).and_then(Option::as_ref)
    }

    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (usize, &'a Object)> {
        self.objects
            .iter()
            .enumerate()
            .filter(move |(_, o)| o.kind == kind)
    }

    /// The object of that kind and name in namespace `ns`.
    pub fn find(&self, kind: &str, ns: &str, name: &str) -> Option<(usize, &Object)> {
        self.objects
            .iter()
            .enumerate()
            .find(|(_, o)| o.kind == kind && o.name == name && o.ns() == ns)
    }
}

/// The selector of a Service that routes to pods: `None` for ExternalName Services and for
/// Services without a selector (their Endpoints are managed by hand).
pub fn service_selector(svc: &Object) -> Option<LabelSelector> {
    let spec = svc.node.get("spec")?;
    if spec.get("type").and_then(|t| t.as_str()) == Some("ExternalName") {
        return None;
    }
    let sel = LabelSelector::from_map(spec.get("selector"));
    if sel.is_empty() { None } else { Some(sel) }
}
