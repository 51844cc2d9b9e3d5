//! Workloads: which kinds run pods, where each keeps its pod template, and accessors that say
//! when a field is missing (`None`) instead of reading `null`.
//!
//! The one table ([`WORKLOADS`]) answers for the generator's post-passes, the overlays, the
//! validate stage, the graph, `migrate` and the linter. Accessors come twice: on the
//! [`Object`] envelope, and on plain JSON (`*_of`) for code that edits an object before it is an
//! envelope (the generator's passes) or that reads JSON it was handed.

use serde_json::Value;

use super::{Object, StringMap};

/// A kind whose objects run pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    pub kind: &'static str,
    /// Path from the object's root to its pod template (`spec.template`); empty for a `Pod`,
    /// whose object is the pod itself (labels in `metadata`, spec in `spec`).
    pub template: &'static [&'static str],
    /// `spec.replicas` says how many pods run.
    pub replicated: bool,
    /// Its pods run to completion (no liveness / readiness, no `replicas`).
    pub runs_to_completion: bool,
}

const SPEC_TEMPLATE: &[&str] = &["spec", "template"];

const fn long_running(kind: &'static str, replicated: bool) -> Workload {
    Workload {
        kind,
        template: SPEC_TEMPLATE,
        replicated,
        runs_to_completion: false,
    }
}

/// Every kind komply knows to run pods. komply itself generates Deployment, StatefulSet, Job
/// and CronJob; the others come from linted manifests.
pub const WORKLOADS: &[Workload] = &[
    long_running("Deployment", true),
    long_running("StatefulSet", true),
    long_running("DaemonSet", false),
    long_running("ReplicaSet", true),
    long_running("ReplicationController", true),
    // OpenShift and Argo Rollouts: a Deployment's shape.
    long_running("DeploymentConfig", true),
    long_running("Rollout", true),
    Workload {
        kind: "Job",
        template: SPEC_TEMPLATE,
        replicated: false,
        runs_to_completion: true,
    },
    Workload {
        kind: "CronJob",
        template: &["spec", "jobTemplate", "spec", "template"],
        replicated: false,
        runs_to_completion: true,
    },
    Workload {
        kind: "PodTemplate",
        template: &["template"],
        replicated: false,
        runs_to_completion: false,
    },
    Workload {
        kind: "Pod",
        template: &[],
        replicated: false,
        runs_to_completion: false,
    },
];

/// The workload entry of `kind`.
pub fn of(kind: &str) -> Option<&'static Workload> {
    WORKLOADS.iter().find(|w| w.kind == kind)
}

/// Whether objects of `kind` run pods.
pub fn is_workload(kind: &str) -> bool {
    of(kind).is_some()
}

/// Whether the pods of `kind` run to completion (Job, CronJob).
pub fn runs_to_completion(kind: &str) -> bool {
    of(kind).is_some_and(|w| w.runs_to_completion)
}

/// Whether `spec.replicas` of `kind` says how many pods run.
pub fn is_replicated(kind: &str) -> bool {
    of(kind).is_some_and(|w| w.replicated)
}

impl Workload {
    /// Whether the object is the pod itself (a `Pod`), not a template holder.
    pub fn is_pod(&self) -> bool {
        self.template.is_empty()
    }

    /// The pod template as a JSON pointer (`/spec/template`; empty for a `Pod`).
    pub fn template_pointer(&self) -> String {
        self.template.iter().map(|s| format!("/{s}")).collect()
    }
}

fn walk<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

fn walk_mut<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, k| v.get_mut(*k))
}

fn kind_of(obj: &Value) -> Option<&'static Workload> {
    of(obj.get("kind")?.as_str()?)
}

/// The pod template of a workload in JSON form (`None` for a Pod, another kind, or a workload
/// without one).
pub fn template_of(obj: &Value) -> Option<&Value> {
    let w = kind_of(obj).filter(|w| !w.is_pod())?;
    walk(obj, w.template)
}

/// [`template_of`], to change it.
pub fn template_of_mut(obj: &mut Value) -> Option<&mut Value> {
    let w = kind_of(obj).filter(|w| !w.is_pod())?;
    walk_mut(obj, w.template)
}

/// The pod spec of a workload in JSON form: its template's `spec`, or a Pod's own `spec`.
pub fn pod_spec_of(obj: &Value) -> Option<&Value> {
    let w = kind_of(obj)?;
    walk(obj, w.template)?.get("spec")
}

/// [`pod_spec_of`], to change it.
pub fn pod_spec_of_mut(obj: &mut Value) -> Option<&mut Value> {
    let w = kind_of(obj)?;
    walk_mut(obj, w.template)?.get_mut("spec")
}

/// The container lists of a pod spec, in the order a pod starts them.
pub const CONTAINER_LISTS: &[&str] = &["initContainers", "containers", "ephemeralContainers"];

/// The items of `spec.<list>` (none when missing).
fn list<'a>(spec: Option<&'a Value>, list: &str) -> impl Iterator<Item = &'a Value> + use<'a> {
    spec.and_then(|s| s.get(list))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

impl Object {
    /// Its workload entry, when the kind runs pods.
    pub fn workload(&self) -> Option<&'static Workload> {
        of(self.kind())
    }

    /// Whether the kind runs pods.
    pub fn is_workload(&self) -> bool {
        self.workload().is_some()
    }

    /// The pod template (`spec.template`, `spec.jobTemplate.spec.template`…); `None` for a Pod,
    /// another kind, or a workload that lacks one.
    pub fn pod_template(&self) -> Option<&Value> {
        let w = self.workload().filter(|w| !w.is_pod())?;
        self.get(w.template)
    }

    /// [`Object::pod_template`], to change it.
    pub fn pod_template_mut(&mut self) -> Option<&mut Value> {
        let w = self.workload().filter(|w| !w.is_pod())?;
        self.get_mut(w.template)
    }

    /// The pod spec: the template's `spec`, or a Pod's own `spec`.
    pub fn pod_spec(&self) -> Option<&Value> {
        let w = self.workload()?;
        match w.is_pod() {
            true => self.spec(),
            false => self.pod_template()?.get("spec"),
        }
    }

    /// [`Object::pod_spec`], to change it.
    pub fn pod_spec_mut(&mut self) -> Option<&mut Value> {
        let w = self.workload()?;
        match w.is_pod() {
            true => self.spec_mut(),
            false => self.pod_template_mut()?.get_mut("spec"),
        }
    }

    /// The labels its pods get (the template's, or a Pod's own); `None` when there are none.
    /// Only string values: the schemas allow no other.
    pub fn pod_labels(&self) -> Option<StringMap> {
        let w = self.workload()?;
        if w.is_pod() {
            return self.metadata.labels.clone();
        }
        let labels = self.pod_template()?.get("metadata")?.get("labels")?;
        Some(
            labels
                .as_object()?
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
        )
    }

    /// The main containers (`containers`) of its pod spec.
    pub fn containers(&self) -> impl Iterator<Item = &Value> {
        list(self.pod_spec(), "containers")
    }

    /// Every container of its pod spec: init, main, ephemeral.
    pub fn all_containers(&self) -> impl Iterator<Item = &Value> {
        let spec = self.pod_spec();
        CONTAINER_LISTS.iter().flat_map(move |l| list(spec, l))
    }

    /// The `i`-th main container.
    pub fn container(&self, i: usize) -> Option<&Value> {
        self.pod_spec()?.get("containers")?.get(i)
    }

    /// The `i`-th main container, to change it.
    pub fn container_mut(&mut self, i: usize) -> Option<&mut Value> {
        self.pod_spec_mut()?.get_mut("containers")?.get_mut(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A minimal object of `kind` whose pod template (or own pod) has one container `c` and
    /// the label `app: x`.
    fn with_pod(kind: &str) -> Object {
        let w = of(kind).unwrap();
        let pod = json!({"metadata": {"labels": {"app": "x"}},
                         "spec": {"initContainers": [{"name": "i"}], "containers": [{"name": "c"}]}});
        let mut v = json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": "o"}});
        if w.is_pod() {
            v["metadata"]["labels"] = pod["metadata"]["labels"].clone();
            v["spec"] = pod["spec"].clone();
        } else {
            let mut at = &mut v;
            for seg in w.template {
                at = &mut at[*seg];
            }
            *at = pod;
        }
        Object::from_value(v).unwrap()
    }

    #[test]
    fn every_kind_has_its_pod_where_the_table_says() {
        for w in WORKLOADS {
            let mut o = with_pod(w.kind);
            assert!(o.is_workload(), "{}", w.kind);
            assert_eq!(o.pod_template().is_some(), !w.is_pod(), "{}", w.kind);
            assert_eq!(
                o.pod_labels().unwrap().get("app").map(String::as_str),
                Some("x"),
                "{}",
                w.kind
            );
            let names: Vec<&str> = o
                .all_containers()
                .filter_map(|c| c["name"].as_str())
                .collect();
            assert_eq!(names, ["i", "c"], "{}", w.kind);
            assert_eq!(o.containers().count(), 1);
            assert_eq!(o.container(0).unwrap()["name"], "c");
            assert!(o.container(1).is_none());
            o.container_mut(0).unwrap()["image"] = json!("nginx");
            let v = o.to_value();
            assert_eq!(pod_spec_of(&v).unwrap()["containers"][0]["image"], "nginx");
            assert_eq!(template_of(&v).is_some(), !w.is_pod());
            if !w.is_pod() {
                assert_eq!(
                    v.pointer(&w.template_pointer()),
                    o.pod_template(),
                    "{}",
                    w.kind
                );
            }
        }
    }

    #[test]
    fn a_missing_template_is_none_not_null() {
        let o = Object::from_value(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}),
        )
        .unwrap();
        assert!(o.pod_template().is_none() && o.pod_spec().is_none());
        assert_eq!(o.containers().count(), 0);
        assert!(o.pod_labels().is_none());
        let svc = Object::from_value(
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                   "spec": {"template": {"spec": {"containers": []}}}}),
        )
        .unwrap();
        assert!(!svc.is_workload() && svc.pod_spec().is_none());
    }

    #[test]
    fn kinds_that_run_to_completion_or_scale() {
        assert!(runs_to_completion("Job") && runs_to_completion("CronJob"));
        assert!(!runs_to_completion("Deployment") && !runs_to_completion("Service"));
        assert!(is_replicated("StatefulSet") && is_replicated("Rollout"));
        assert!(!is_replicated("DaemonSet") && !is_replicated("Job"));
        assert_eq!(
            of("CronJob").unwrap().template_pointer(),
            "/spec/jobTemplate/spec/template"
        );
    }
}
