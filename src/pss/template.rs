//! The pod an object makes: a Pod itself, or the pod template of a workload, as the admission's
//! `DefaultPodSpecExtractor` finds it. A small local helper; `src/k8s` will own workload
//! knowledge once it exists.

use serde_json::Value;

use super::path::FieldPath;

static NULL: Value = Value::Null;

/// The pod metadata and spec the admission evaluates for one object.
#[derive(Clone, Debug)]
pub struct PodTemplate<'a> {
    /// The object's `kind`.
    pub kind: &'a str,
    /// `metadata` of the pod (a Pod's own, or the template's; `null` when absent). For a
    /// workload the object's own metadata does not count: its annotations are not the pod's.
    pub meta: &'a Value,
    /// The pod spec (`null` when absent).
    pub spec: &'a Value,
    /// Where the template's `metadata` and `spec` sit in the object: empty for a Pod,
    /// `spec.template` for most workloads, `template` for a PodTemplate,
    /// `spec.jobTemplate.spec.template` for a CronJob.
    pub prefix: FieldPath,
}

impl PodTemplate<'_> {
    /// A Pod (enforced at admission), not a workload's template (only warned about and
    /// audited; its pods are enforced when the controller creates them).
    pub fn is_pod(&self) -> bool {
        self.kind == "Pod"
    }
}

/// The group of `apiVersion` (`""` for the core group).
fn group(obj: &Value) -> &str {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The pod template of `obj` when it is a kind the admission evaluates: `Pod`, `PodTemplate`,
/// `ReplicationController` (core), `ReplicaSet`, `Deployment`, `StatefulSet`, `DaemonSet`
/// (`apps`), `Job`, `CronJob` (`batch`). `None` for other kinds, and for a
/// ReplicationController without a template (its template is optional; the admission skips it).
pub fn pod_template(obj: &Value) -> Option<PodTemplate<'_>> {
    let kind = obj.get("kind").and_then(Value::as_str)?;
    let path: &[&str] = match (group(obj), kind) {
        ("", "Pod") => &[],
        ("", "PodTemplate") => &["template"],
        ("", "ReplicationController") => &["spec", "template"],
        ("apps", "ReplicaSet" | "Deployment" | "StatefulSet" | "DaemonSet") => {
            &["spec", "template"]
        }
        ("batch", "Job") => &["spec", "template"],
        ("batch", "CronJob") => &["spec", "jobTemplate", "spec", "template"],
        _ => return None,
    };
    let mut prefix = FieldPath::root();
    let mut at = obj;
    for key in path {
        prefix = prefix.key(key);
        at = at.get(*key).unwrap_or(&NULL);
    }
    if kind == "ReplicationController" && !at.is_object() {
        return None;
    }
    Some(PodTemplate {
        kind,
        meta: at.get("metadata").unwrap_or(&NULL),
        spec: at.get("spec").unwrap_or(&NULL),
        prefix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_each_kind_template() {
        let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate":
            {"spec": {"template": {"metadata": {"name": "t"}, "spec": {"containers": []}}}}}});
        let t = pod_template(&cron).unwrap();
        assert_eq!(t.prefix.to_string(), "spec.jobTemplate.spec.template");
        assert_eq!(t.meta["name"], "t");
        assert!(!t.is_pod());
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "spec": {}});
        let t = pod_template(&pod).unwrap();
        assert!(t.is_pod() && t.meta.is_null() && t.prefix.segments().is_empty());
        let tpl = json!({"apiVersion": "v1", "kind": "PodTemplate", "template": {"spec": {}}});
        assert_eq!(pod_template(&tpl).unwrap().prefix.to_string(), "template");
        let rc = json!({"apiVersion": "v1", "kind": "ReplicationController", "spec": {}});
        assert!(pod_template(&rc).is_none());
        let other = json!({"apiVersion": "example.com/v1", "kind": "Deployment", "spec": {}});
        assert!(pod_template(&other).is_none());
        let svc = json!({"apiVersion": "v1", "kind": "Service"});
        assert!(pod_template(&svc).is_none());
    }
}
