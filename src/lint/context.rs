//! All objects of one run, with the indexes cross-object rules need (which pods a selector
//! picks, which workloads a Service targets) built once so the rules stay linear.
//!
//! Large runs are linted in chunks of files to bound memory (see [`super::lint_inputs`]): then a
//! context holds the full trees of one chunk only, while the indexes ([`Index`]) cover every
//! object of the run from compact [`Summary`]s. Object indexes handed to rules and stored in
//! findings are always run-wide; an object outside the chunk that a rule looks up by name is
//! re-read from its registered source on demand.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use super::model::{Container, LabelSelector, Object, PodView};

/// What the run-wide indexes keep of one object: its identity and labels, not its tree.
#[derive(Debug, Clone)]
pub struct Summary {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// Pod labels (`None` for objects without a pod template).
    pub pod_labels: Option<BTreeMap<String, String>>,
    /// For a Service that routes to pods: its selector (dropped once the index is built).
    pub selector: Option<LabelSelector>,
}

impl Summary {
    pub fn of(o: &Object) -> Summary {
        Summary {
            api_version: o.api_version.clone(),
            kind: o.kind.clone(),
            name: o.name.clone(),
            namespace: o.namespace.clone(),
            pod_labels: o.pod().map(|p| p.labels()),
            selector: (o.kind == "Service").then(|| service_selector(o)).flatten(),
        }
    }

    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }
}

/// Re-reads object `idx` of the run (an object outside the current chunk).
pub type Reload = Arc<dyn Fn(usize) -> Option<Object> + Send + Sync>;

/// Run-wide indexes over every object's [`Summary`].
pub struct Index {
    pub summaries: Vec<Summary>,
    /// (namespace, label key, label value) → objects with a pod template carrying that label.
    label_index: HashMap<(String, String, String), Vec<usize>>,
    /// namespace → objects with a pod template.
    pods_by_ns: HashMap<String, Vec<usize>>,
    /// (kind, namespace, name) → first object with that identity.
    by_key: HashMap<(String, String, String), usize>,
    /// kind → objects of that kind.
    by_kind: HashMap<String, Vec<usize>>,
    /// For each object: is its pod template selected by some Service of the run?
    service_selected: Vec<bool>,
    reload: Option<Reload>,
    /// Objects outside the chunk that were looked up, read once.
    reloaded: Vec<OnceLock<Option<Box<Object>>>>,
}

impl Index {
    pub fn new(summaries: Vec<Summary>, reload: Option<Reload>) -> Index {
        let mut label_index: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
        let mut pods_by_ns: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_key = HashMap::new();
        let mut by_kind: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in summaries.iter().enumerate() {
            by_key
                .entry((s.kind.clone(), s.ns().to_string(), s.name.clone()))
                .or_insert(i);
            by_kind.entry(s.kind.clone()).or_default().push(i);
            if let Some(labels) = &s.pod_labels {
                pods_by_ns.entry(s.ns().to_string()).or_default().push(i);
                for (k, v) in labels {
                    label_index
                        .entry((s.ns().to_string(), k.clone(), v.clone()))
                        .or_default()
                        .push(i);
                }
            }
        }
        let reloaded = if reload.is_some() {
            (0..summaries.len()).map(|_| OnceLock::new()).collect()
        } else {
            Vec::new()
        };
        let mut index = Index {
            service_selected: vec![false; summaries.len()],
            summaries,
            label_index,
            pods_by_ns,
            by_key,
            by_kind,
            reload,
            reloaded,
        };
        let mut selected = vec![false; index.summaries.len()];
        for s in index.summaries.iter().filter(|s| s.kind == "Service") {
            if let Some(sel) = &s.selector {
                for i in index.select_pods(s.ns(), sel) {
                    selected[i] = true;
                }
            }
        }
        index.service_selected = selected;
        // Selectors were only needed for `service_selected`; rules read them from the trees.
        for s in &mut index.summaries {
            s.selector = None;
        }
        index
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
            .filter(|&i| {
                self.summaries[i]
                    .pod_labels
                    .as_ref()
                    .is_some_and(|l| sel.matches(l))
            })
            .collect()
    }

    fn reloaded(&self, idx: usize) -> Option<&Object> {
        let reload = self.reload.as_ref()?;
        self.reloaded
            .get(idx)?
            .get_or_init(|| reload(idx).map(Box::new))
            .as_deref()
    }
}

/// One container of a pod template of the context, with the object it belongs to: what a
/// container rule looks at, and what [`super::rules::Sink::container`] reports on.
pub struct PodContainer<'a> {
    /// Run-wide index of the object (what findings refer to).
    pub idx: usize,
    pub obj: &'a Object,
    /// The pod spec the container is in (its securityContext is the fallback of the
    /// container's: [`Container::effective`]).
    pub pod: PodView<'a>,
    pub container: Container<'a>,
}

pub struct LintContext {
    /// The objects whose trees this context holds: the whole run, or one chunk of it.
    pub objects: Vec<Object>,
    /// Run-wide index of `objects[0]`.
    base: usize,
    index: Arc<Index>,
    /// Which values are secrets (`.komply.yaml` `secret_policy`).
    pub policy: Arc<crate::secrets::Policy>,
}

impl LintContext {
    /// A context over all objects of a run.
    pub fn new(objects: Vec<Object>) -> LintContext {
        let summaries = objects.iter().map(Summary::of).collect();
        LintContext {
            objects,
            base: 0,
            index: Arc::new(Index::new(summaries, None)),
            policy: Arc::default(),
        }
    }

    /// A context over one chunk of a run: `objects` are run objects `base..base + len`.
    pub fn chunk(objects: Vec<Object>, base: usize, index: Arc<Index>) -> LintContext {
        LintContext {
            objects,
            base,
            index,
            policy: Arc::default(),
        }
    }

    /// The same context under another secret policy.
    pub fn with_policy(mut self, policy: Arc<crate::secrets::Policy>) -> LintContext {
        self.policy = policy;
        self
    }

    pub fn index(&self) -> &Arc<Index> {
        &self.index
    }

    /// Objects of this context with their run-wide index.
    pub fn all(&self) -> impl Iterator<Item = (usize, &Object)> {
        self.objects
            .iter()
            .enumerate()
            .map(move |(i, o)| (self.base + i, o))
    }

    /// Object `idx` of the run (re-read when it is outside this context's chunk).
    pub fn object(&self, idx: usize) -> Option<&Object> {
        match idx.checked_sub(self.base) {
            Some(i) if i < self.objects.len() => self.objects.get(i),
            _ => self.index.reloaded(idx),
        }
    }

    /// Indexes of the objects of the run in `ns` whose pod template matches `sel`.
    pub fn select_pods(&self, ns: &str, sel: &LabelSelector) -> Vec<usize> {
        self.index.select_pods(ns, sel)
    }

    pub fn is_service_selected(&self, idx: usize) -> bool {
        self.index
            .service_selected
            .get(idx)
            .copied()
            .unwrap_or(false)
    }

    /// Objects of this context with a pod template, with their index.
    pub fn workloads(&self) -> impl Iterator<Item = (usize, &Object)> {
        self.all().filter(move |(i, _)| {
            self.index
                .summaries
                .get(*i)
                .is_some_and(|s| s.pod_labels.is_some())
        })
    }

    /// Every container of every pod template of this context, object by object; within a pod
    /// `containers`, then `initContainers`, then `ephemeralContainers` (filter on
    /// [`Container::kind`] for fewer).
    pub fn containers(&self) -> impl Iterator<Item = PodContainer<'_>> {
        self.workloads().flat_map(|(idx, obj)| {
            obj.pod().into_iter().flat_map(move |pod| {
                pod.containers()
                    .into_iter()
                    .map(move |container| PodContainer {
                        idx,
                        obj,
                        pod,
                        container,
                    })
            })
        })
    }

    /// The pod labels of object `idx` (`None` when it has no pod template).
    pub fn pod_labels(&self, idx: usize) -> Option<&BTreeMap<String, String>> {
        self.index.summaries.get(idx)?.pod_labels.as_ref()
    }

    /// Objects of this context of that kind.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (usize, &'a Object)> {
        self.all().filter(move |(_, o)| o.kind == kind)
    }

    /// Objects of the whole run of that kind (for kinds other objects refer to, such as
    /// DestinationRules).
    pub fn run_of_kind(&self, kind: &str) -> Vec<(usize, &Object)> {
        let idxs = self
            .index
            .by_kind
            .get(kind)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        idxs.iter()
            .filter_map(|&i| self.object(i).map(|o| (i, o)))
            .collect()
    }

    /// The object of the run of that kind and name in namespace `ns`.
    pub fn find(&self, kind: &str, ns: &str, name: &str) -> Option<(usize, &Object)> {
        let idx = *self
            .index
            .by_key
            .get(&(kind.to_string(), ns.to_string(), name.to_string()))?;
        self.object(idx).map(|o| (idx, o))
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
