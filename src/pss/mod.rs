//! Pod Security Standards, evaluated exactly as Kubernetes' PodSecurity admission does.
//!
//! The policy is pod-security-admission's (`policy/check_*.go`, `policy/registry.go`, read at
//! `8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8`, newest policy version v1.37); this is komply's
//! own implementation of it. [`evaluate`] runs the checks of a [`Level`] at a [`Version`] over a
//! pod's metadata and spec given as JSON, and returns one [`Violation`] per failing check, in the
//! admission's order, with the admission's reason and detail words: [`forbidden_detail`] of the
//! result is the text after `violates PodSecurity "restricted:latest": ` in the API server's
//! error. [`evaluate_object`] does the same for any object that carries a pod (a Pod or a
//! workload's template, found by [`pod_template`]), after the API server's preparation of a Pod
//! ([`Preparation`]). [`namespace`] resolves a Namespace's `pod-security.kubernetes.io/*`
//! labels to the policy they select.
//!
//! Layout: `level` and `version` (parsing as the admission does), `registry` (every check with
//! its versions and overrides, and the order), `baseline` / `restricted` (the checks), `pod`
//! (the JSON view, Go decoding rules), `path` (field paths for locations), `template` (pod
//! templates of workloads), `text` (quoting and plurals). See docs/pod-security.md.

mod baseline;
pub mod level;
pub mod namespace;
pub mod path;
mod pod;
mod registry;
mod restricted;
pub mod template;
mod text;
pub mod version;

use serde_json::Value;

pub use level::Level;
pub use path::{FieldPath, Segment};
pub use pod::Preparation;
pub use registry::CheckId;
pub use template::{PodTemplate, pod_template};
pub use version::{LevelVersion, NEWEST_POLICY_MINOR, Version};

/// One failing check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub check: CheckId,
    /// The admission's `ForbiddenReason` (`runAsNonRoot != true`).
    pub reason: String,
    /// The admission's `ForbiddenDetail` (`pod or container "app" must set …`).
    pub detail: String,
    /// The fields the violation is about, relative to the evaluated object (for
    /// [`evaluate_object`], the whole object). A field that must be set and is not, or that the
    /// API server filled in (a defaulted `hostPort`), has a path that does not resolve in the
    /// input: point at its nearest existing parent.
    pub fields: Vec<FieldPath>,
}

impl Violation {
    /// `reason (detail)`, or just the reason when there is no detail.
    pub fn text(&self) -> String {
        if self.detail.is_empty() {
            self.reason.clone()
        } else {
            format!("{} ({})", self.reason, self.detail)
        }
    }
}

/// The admission's aggregated detail: each violation's [`Violation::text`], joined by `, `.
pub fn forbidden_detail(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(Violation::text)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The enforce error's text for a Pod: `violates PodSecurity "restricted:latest": …`. The
/// API server prefixes it with `pods "<name>" is forbidden: `.
pub fn violates_message(policy: LevelVersion, violations: &[Violation]) -> String {
    format!(
        "violates PodSecurity \"{policy}\": {}",
        forbidden_detail(violations)
    )
}

/// The warning (and audit annotation) text: `would violate PodSecurity "restricted:latest": …`
/// — what a workload gets, and a Pod under the `warn` mode.
pub fn would_violate_message(policy: LevelVersion, violations: &[Violation]) -> String {
    format!("would {}", violates_message(policy, violations))
}

/// An evaluator for one cluster: the newest policy version it knows (`latest` and newer
/// versions are evaluated as that), and the version-dependent preparation the API server does
/// before admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Evaluator {
    /// The cluster's Kubernetes minor version, when known (`--kubernetes-version`).
    kubernetes_minor: Option<u32>,
}

impl Default for Evaluator {
    fn default() -> Self {
        Evaluator::new()
    }
}

impl Evaluator {
    /// An evaluator for a cluster as new as this policy (v1.37).
    pub fn new() -> Self {
        Evaluator {
            kubernetes_minor: None,
        }
    }

    /// An evaluator for a cluster of Kubernetes `1.minor`: `latest` means that version's
    /// policy (capped at the newest this evaluator knows), and the API server's preparation of
    /// that release applies.
    pub fn for_kubernetes(minor: u32) -> Self {
        Evaluator {
            kubernetes_minor: Some(minor),
        }
    }

    /// The newest policy minor version: `latest` and newer versions are evaluated as this.
    pub fn newest_policy_minor(&self) -> u32 {
        let newest = registry::newest_minor();
        self.kubernetes_minor.map_or(newest, |k| k.min(newest))
    }

    /// What the API server of this cluster does to a Pod (`is_pod`) or a workload's template
    /// before the admission reads it.
    pub fn preparation(&self, is_pod: bool) -> Preparation {
        let k = self.kubernetes_minor.unwrap_or(u32::MAX);
        Preparation {
            host_network_ports: is_pod || k < 28,
            apparmor_annotations_to_fields: is_pod && k >= 30,
        }
    }

    /// The violations of the pod `meta` + `spec` at `level` and `version`, taking the API
    /// server's `prep` as done.
    pub fn evaluate_prepared(
        &self,
        level: Level,
        version: Version,
        meta: &Value,
        spec: &Value,
        prep: Preparation,
    ) -> Vec<Violation> {
        let minor = version.policy_minor(self.newest_policy_minor());
        let pod = pod::Pod::new(meta, spec, prep);
        registry::active(level, minor)
            .into_iter()
            .filter_map(|(check, run)| {
                run(&pod).map(|f| Violation {
                    check,
                    reason: f.reason,
                    detail: f.detail,
                    fields: f.fields,
                })
            })
            .collect()
    }

    /// The violations of the pod `template` carries, with field paths relative to the whole
    /// object.
    pub fn evaluate_template(
        &self,
        level: Level,
        version: Version,
        template: &PodTemplate,
    ) -> Vec<Violation> {
        let prep = self.preparation(template.is_pod());
        let mut out = self.evaluate_prepared(level, version, template.meta, template.spec, prep);
        for v in &mut out {
            for f in &mut v.fields {
                *f = f.under(&template.prefix);
            }
        }
        out
    }
}

/// The violations of a pod's `pod_meta` and `pod_spec` (a Pod's, or a pod template's) at
/// `level` and `version`, as the newest policy evaluates them. The spec is read as a pod
/// template's: the API server's Pod-only preparation (see [`Preparation`]) is not assumed —
/// use [`evaluate_object`] for a whole Pod.
pub fn evaluate(
    level: Level,
    version: Version,
    pod_meta: &Value,
    pod_spec: &Value,
) -> Vec<Violation> {
    let e = Evaluator::new();
    e.evaluate_prepared(level, version, pod_meta, pod_spec, e.preparation(false))
}

/// The violations of the pod `obj` carries (a Pod, or the template of a workload kind the
/// admission evaluates), field paths relative to `obj`. `None` when `obj` carries no pod.
pub fn evaluate_object(level: Level, version: Version, obj: &Value) -> Option<Vec<Violation>> {
    let template = pod_template(obj)?;
    Some(Evaluator::new().evaluate_template(level, version, &template))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn restricted_message_and_paths() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app", "image": "app:1"}]}});
        let v = evaluate_object(Level::Restricted, Version::Latest, &pod).unwrap();
        let lv = LevelVersion::new(Level::Restricted, Version::Latest);
        assert_eq!(
            violates_message(lv, &v),
            "violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false \
             (container \"app\" must set securityContext.allowPrivilegeEscalation=false), \
             unrestricted capabilities (container \"app\" must set \
             securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or \
             container \"app\" must set securityContext.runAsNonRoot=true), seccompProfile \
             (pod or container \"app\" must set securityContext.seccompProfile.type to \
             \"RuntimeDefault\" or \"Localhost\")"
        );
        assert_eq!(
            v[0].fields[0].to_string(),
            "spec.containers[0].securityContext.allowPrivilegeEscalation"
        );
        assert!(
            evaluate_object(Level::Baseline, Version::Latest, &pod)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn template_paths_are_under_the_template() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template":
            {"spec": {"hostNetwork": true, "containers": [{"name": "a", "ports": [{"containerPort": 80}]}]}}}});
        let v = evaluate_object(Level::Baseline, Version::Latest, &d).unwrap();
        assert_eq!(v.len(), 1, "no hostPort default in a template: {v:?}");
        assert_eq!(v[0].fields[0].to_string(), "spec.template.spec.hostNetwork");
        // A 1.27 cluster still defaulted hostPort in templates.
        let t = pod_template(&d).unwrap();
        let old =
            Evaluator::for_kubernetes(27).evaluate_template(Level::Baseline, Version::Latest, &t);
        assert_eq!(
            forbidden_detail(&old),
            "host namespaces (hostNetwork=true), hostPort (container \"a\" uses hostPort 80)"
        );
    }

    #[test]
    fn apparmor_annotation_becomes_a_field_in_pods_only() {
        let meta = json!({"annotations": {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}});
        let spec = json!({"containers": [{"name": "app"}]});
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec});
        let v = evaluate_object(Level::Baseline, Version::Latest, &pod).unwrap();
        assert_eq!(
            v[0].detail,
            "container \"app\" and annotation must not set AppArmor profile type to \"Unconfined\", \
             \"container.apparmor.security.beta.kubernetes.io/app=\"unconfined\"\""
        );
        assert_eq!(
            v[0].fields[0].to_string(),
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"
        );
        // A template is not prepared so; nor is a Pod on a 1.29 cluster.
        let t = evaluate(Level::Baseline, Version::Latest, &meta, &spec);
        assert_eq!(
            t[0].detail,
            "annotation must not set AppArmor profile type to \
             \"container.apparmor.security.beta.kubernetes.io/app=\"unconfined\"\""
        );
        let old = Evaluator::for_kubernetes(29).evaluate_template(
            Level::Baseline,
            Version::Latest,
            &pod_template(&pod).unwrap(),
        );
        assert_eq!(old[0].detail, t[0].detail);
    }

    #[test]
    fn odd_values_are_quoted_as_go_does() {
        let meta = json!({"annotations": {
            "container.apparmor.security.beta.kubernetes.io/a": "x\"y\n",
            "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/a": ""}});
        let spec = json!({"containers": [{"name": "a"}, {"name": "a"}]});
        let v = evaluate(Level::Baseline, Version::V1(18), &meta, &spec);
        assert_eq!(
            forbidden_detail(&v),
            "forbidden AppArmor profile (annotation must not set AppArmor profile type to \
             \"container.apparmor.security.beta.kubernetes.io/a=\"x\\\"y\\n\"\"), seccompProfile \
             (forbidden annotations container.seccomp.security.alpha.kubernetes.io/a=\"\", \
             seccomp.security.alpha.kubernetes.io/pod=\"unconfined\")"
        );
    }

    #[test]
    fn volume_without_source_is_empty_dir() {
        let spec = json!({"volumes": [{"name": "tmp"}, {"name": "n", "nfs": {}, "configMap": {}},
            {"name": "h", "hostPath": {}, "nfs": {}}]});
        let v = evaluate(Level::Restricted, Version::V1(0), &Value::Null, &spec);
        assert_eq!(
            forbidden_detail(&v),
            "restricted volume types (volume \"h\" uses restricted volume type \"hostPath\")"
        );
        assert_eq!(v[0].fields[0].to_string(), "spec.volumes[2].hostPath");
    }

    #[test]
    fn emulated_cluster_caps_latest() {
        let spec = json!({"containers": [{"name": "a", "livenessProbe": {"httpGet": {"host": "h", "port": 80}}}]});
        let e = Evaluator::for_kubernetes(33);
        let prep = e.preparation(false);
        assert!(
            e.evaluate_prepared(Level::Baseline, Version::Latest, &Value::Null, &spec, prep)
                .is_empty()
        );
        assert_eq!(
            evaluate(Level::Baseline, Version::Latest, &Value::Null, &spec).len(),
            1
        );
    }
}
