//! The workload around the pod template: a Deployment (rolling or, with its own claims,
//! recreating), a StatefulSet (with its claim templates and governing Service), a Job or a
//! CronJob.

use serde_json::json;

use super::super::k8s::{
    CronJobSpec, DeploymentSpec, DeploymentStrategy, JobSpec, JobTemplate, LabelSelector, Object,
    ObjectMeta, PodTemplateSpec, RollingUpdate, Spec, StatefulSetSpec,
};
use super::kind::Kind;
use super::volumes::Storage;
use super::{Ctx, Made};
use crate::compose::model::Service;
use crate::k8s::Provenance;

/// A Deployment's strategy: `Recreate` when it mounts its own claims (two pods cannot share a
/// ReadWriteOnce claim across nodes), else a rolling update shaped by `deploy.update_config`.
fn strategy(svc: &Service, has_pvc: bool) -> DeploymentStrategy {
    if has_pvc {
        return DeploymentStrategy {
            type_: "Recreate",
            rolling_update: None,
        };
    }
    let (surge, unavailable) = match &svc.update_config {
        Some(u) => {
            let par = u.parallelism.filter(|p| *p > 0).unwrap_or(1);
            if u.order.as_deref() == Some("start-first") {
                (par, 0)
            } else {
                (0, par)
            }
        }
        None => (1, 0),
    };
    DeploymentStrategy {
        type_: "RollingUpdate",
        rolling_update: Some(RollingUpdate {
            max_surge: json!(surge),
            max_unavailable: json!(unavailable),
        }),
    }
}

/// A Job's retries: `x-komply.backoff_limit`, kompose's label, else Kubernetes' default 6.
fn backoff_limit(c: &Ctx) -> u32 {
    c.x.backoff_limit
        .or_else(|| {
            c.hints
                .cronjob_backoff
                .as_deref()
                .and_then(|b| b.parse().ok())
        })
        .unwrap_or(6)
}

/// Where the workload's own fields come from; the pod template's are nested at `template`.
fn provenance(c: &Ctx, storage: &Storage, template: &str, pod: Provenance) -> Provenance {
    let svc = c.svc;
    let mut prov = Provenance::of(Some(&svc.name));
    // An overlay's annotations land here; Compose labels are the nearest key.
    prov.record("/metadata/annotations", &["labels"]);
    for key in [&["deploy", "replicas"][..], &["scale"], &["x-komply"]] {
        prov.record("/spec/replicas", key);
    }
    if storage.has_pvc {
        prov.record("/spec/strategy", &["volumes"]);
    } else if svc.update_config.is_some() {
        prov.record("/spec/strategy", &["deploy", "update_config"]);
    }
    prov.record("/spec/volumeClaimTemplates", &["volumes"]);
    if c.x.schedule.is_some() {
        prov.record("/spec/schedule", &["x-komply", "schedule"]);
    } else {
        prov.record("/spec/schedule", &["labels", "kompose.cronjob.schedule"]);
    }
    prov.nest(template, pod);
    prov
}

/// The workload object of kind `c.workload.kind` with `spec`.
fn object<S: serde::Serialize>(c: &Ctx, api_version: &'static str, spec: S) -> Object<Spec<S>> {
    Object {
        api_version,
        kind: c.workload.kind.name(),
        metadata: c.meta(&c.name),
        body: Spec { spec },
    }
}

/// Makes the workload object of the service around `template`.
pub(super) fn workload(
    c: &Ctx,
    (template, pod_prov): (PodTemplateSpec, Provenance),
    storage: Storage,
    governing: &str,
    autoscaled: bool,
    made: &mut Made,
) {
    let kind = c.workload.kind;
    let replicas = (!autoscaled).then(|| c.svc.replicas.unwrap_or(1));
    let history = c.x.revision_history_limit.unwrap_or(10);
    let selector = || LabelSelector {
        match_labels: c.selector.clone(),
    };
    let at = if kind == Kind::CronJob {
        "/spec/jobTemplate/spec/template"
    } else {
        "/spec/template"
    };
    let prov = provenance(c, &storage, at, pod_prov);
    match kind {
        Kind::Deployment => {
            let spec = DeploymentSpec {
                replicas,
                revision_history_limit: history,
                selector: selector(),
                strategy: strategy(c.svc, storage.has_pvc),
                template,
            };
            made.push(&object(c, "apps/v1", spec), prov);
        }
        Kind::StatefulSet => {
            let spec = StatefulSetSpec {
                replicas,
                revision_history_limit: history,
                service_name: governing.to_string(),
                selector: selector(),
                template,
                volume_claim_templates: storage.claim_templates,
            };
            made.push(&object(c, "apps/v1", spec), prov);
        }
        Kind::Job => {
            let spec = JobSpec {
                backoff_limit: backoff_limit(c),
                template,
            };
            made.push(&object(c, "batch/v1", spec), prov);
        }
        Kind::CronJob => {
            let spec = CronJobSpec {
                schedule: c.workload.schedule.clone().unwrap_or_default(),
                concurrency_policy: c
                    .x
                    .concurrency_policy
                    .clone()
                    .or(c.hints.cronjob_concurrency.clone())
                    .unwrap_or_else(|| "Forbid".into()),
                job_template: JobTemplate {
                    metadata: ObjectMeta {
                        labels: c.labels.clone(),
                        ..Default::default()
                    },
                    spec: JobSpec {
                        backoff_limit: backoff_limit(c),
                        template,
                    },
                },
            };
            made.push(&object(c, "batch/v1", spec), prov);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{keys, with};
    use super::*;
    use crate::generate::k8s::{PodMeta, PodSpec};

    fn template() -> (PodTemplateSpec, Provenance) {
        let mut prov = Provenance::default();
        prov.record("/spec/hostNetwork", &["network_mode"]);
        let t = PodTemplateSpec {
            metadata: PodMeta::default(),
            spec: PodSpec::default(),
        };
        (t, prov)
    }

    fn made(service: &str, storage: Storage, autoscaled: bool) -> Made {
        let yaml = format!("name: p\nservices:\n  s:\n    image: busybox:1\n{service}");
        with(&yaml, "s", |c, _, _| {
            let mut made = Made::default();
            workload(c, template(), storage, "s", autoscaled, &mut made);
            made
        })
    }

    #[test]
    fn a_deployment_rolls_unless_it_has_claims() {
        let m = made(
            "    deploy:\n      replicas: 3\n",
            Storage::default(),
            false,
        );
        let d = &m.objects[0];
        assert_eq!(d["kind"], "Deployment");
        assert_eq!(d["spec"]["replicas"], 3);
        assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate");
        assert_eq!(
            keys(&m.provenance[0], "/spec/replicas"),
            ["deploy.replicas", "scale", "x-komply"]
        );
        assert_eq!(
            keys(&m.provenance[0], "/spec/template/spec/hostNetwork"),
            ["network_mode"]
        );
        let claims = Storage {
            has_pvc: true,
            ..Default::default()
        };
        let m = made("", claims, true);
        assert_eq!(m.objects[0]["spec"]["strategy"]["type"], "Recreate");
        assert!(m.objects[0]["spec"].get("replicas").is_none());
    }

    #[test]
    fn a_cronjob_nests_its_pod_under_the_job_template() {
        let m = made(
            "    x-komply:\n      schedule: \"0 3 * * *\"\n",
            Storage::default(),
            false,
        );
        let cj = &m.objects[0];
        assert_eq!(cj["kind"], "CronJob");
        assert_eq!(cj["spec"]["schedule"], "0 3 * * *");
        assert_eq!(cj["spec"]["concurrencyPolicy"], "Forbid");
        assert_eq!(cj["spec"]["jobTemplate"]["spec"]["backoffLimit"], 6);
        assert_eq!(
            keys(
                &m.provenance[0],
                "/spec/jobTemplate/spec/template/spec/hostNetwork"
            ),
            ["network_mode"]
        );
    }
}
