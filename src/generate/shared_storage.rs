//! Storage several services share stays one volume.
//!
//! Docker mounts one named volume (or one host directory) into every service that names it:
//! Nextcloud's `app`, `cron` and `web` all see `/var/www/html`. In Kubernetes a StatefulSet's claim
//! templates give each pod a volume of its own, so the services no longer see each other's files,
//! and two pods on one ReadWriteOnce claim — what every cluster's default storage class offers —
//! only start when they run on the same node. So, once every service's objects exist, a volume
//! used by two or more services becomes one PersistentVolumeClaim that each of them mounts; their
//! pods carry the label `komply.dev/storage-group` and a required podAffinity on it, which keeps
//! them on one node (the first pod of the group may go anywhere: the scheduler lets a pod that
//! matches its own affinity term start alone); and they get one fsGroup, so each can write what
//! the others wrote. A warning at the volume says so, and how to spread them (ReadWriteMany).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::Project;
use super::image_profile::{POD_SC_ORDER, POD_SPEC_ORDER, put_ordered};
use super::mounts::{self, Bind};
use super::naming::dns_label;
use crate::compose::model::MountKind;
use crate::diag::Diagnostic;
use crate::k8s::workload::{
    self, pod_spec_of, pod_spec_of_mut as pod_spec_mut, template_of_mut as template_mut,
};
use crate::yaml::Span;

pub const CODE: &str = "generate/shared-volume";
/// The pod label that ties the users of shared claims together.
pub const GROUP_LABEL: &str = "komply.dev/storage-group";

/// One service's mount of storage that may be shared.
struct Use {
    service: String,
    target: String,
    span: Span,
    /// What it is, for the message: `volume `x``, `host directory `./x``.
    what: String,
    /// The claim all users mount.
    claim: String,
    external: bool,
}

/// Storage that may be shared, keyed by identity (a named volume, a host directory).
fn uses(p: &Project) -> BTreeMap<String, Vec<Use>> {
    let mut out: BTreeMap<String, Vec<Use>> = BTreeMap::new();
    for svc in &p.model.services {
        let plan = p.mounts.get(&svc.name);
        for (i, m) in svc.volumes.iter().enumerate() {
            let (key, what, claim, external) = match (&m.kind, &m.source) {
                (MountKind::Volume, Some(source)) => {
                    let top = p.model.volumes.get(source);
                    let external = top.is_some_and(|t| t.external);
                    let claim = if external {
                        top.and_then(|t| t.name.clone())
                            .unwrap_or_else(|| source.clone())
                    } else {
                        dns_label(source)
                    };
                    (
                        format!("volume:{source}"),
                        format!("volume `{source}`"),
                        claim,
                        external,
                    )
                }
                (MountKind::Bind, Some(source)) => match plan.and_then(|pl| pl.get(i)) {
                    Some(Bind::Storage { slug }) => (
                        format!("bind:{}", mounts::storage_key(&p.opts.project_dir, source)),
                        format!("host directory `{source}`"),
                        slug.clone(),
                        false,
                    ),
                    _ => continue,
                },
                _ => continue,
            };
            out.entry(key).or_default().push(Use {
                service: svc.name.clone(),
                target: m.target.trim_end_matches('/').to_string(),
                span: m.span,
                what,
                claim,
                external,
            });
        }
    }
    out.retain(|_, u| {
        u.iter()
            .map(|x| x.service.as_str())
            .collect::<BTreeSet<_>>()
            .len()
            > 1
    });
    out
}

/// Makes shared storage one claim (see the module doc). `owners[i]` is the service of
/// `objects[i]`; both grow together when a claim is added.
pub(crate) fn apply(
    p: &Project,
    objects: &mut Vec<Value>,
    owners: &mut Vec<Option<String>>,
    warnings: &mut Vec<Diagnostic>,
) {
    let shared = uses(p);
    if shared.is_empty() {
        return;
    }
    let workload_of = |objects: &[Value], owners: &[Option<String>], svc: &str| {
        objects.iter().zip(owners).position(|(o, ow)| {
            ow.as_deref() == Some(svc) && o["kind"].as_str().is_some_and(workload::is_workload)
        })
    };
    let mut taken: BTreeSet<String> = objects
        .iter()
        .filter(|o| o["kind"] == "PersistentVolumeClaim")
        .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    // Services tied together by shared claims (a union of the groups), named by a claim.
    let mut group_of: BTreeMap<String, String> = BTreeMap::new();
    let mut orphans: BTreeSet<String> = BTreeSet::new();
    for (key, users) in &shared {
        // The claim: a named volume's own name; a host directory's first storage name, kept
        // apart from the project's other claims.
        let mut claim = users[0].claim.clone();
        if key.starts_with("bind:") {
            let base = claim.clone();
            let mut n = 2;
            while taken.contains(&claim) {
                claim = format!("{base}-{n}");
                n += 1;
            }
        }
        let mut template: Option<Value> = None;
        let mut mounted_by: Vec<String> = Vec::new();
        for u in users {
            let Some(wi) = workload_of(objects, owners, &u.service) else {
                continue;
            };
            let obj = &mut objects[wi];
            let templates = obj
                .pointer_mut("/spec/volumeClaimTemplates")
                .and_then(Value::as_array_mut)
                .map(std::mem::take)
                .unwrap_or_default();
            let Some(spec) = pod_spec_mut(obj) else {
                continue;
            };
            let Some(vname) = spec["containers"][0]["volumeMounts"]
                .as_array()
                .and_then(|a| {
                    a.iter().find(|m| {
                        m["mountPath"].as_str().map(|s| s.trim_end_matches('/'))
                            == Some(u.target.as_str())
                    })
                })
                .and_then(|m| m["name"].as_str())
                .map(str::to_string)
            else {
                restore_templates(obj, templates);
                continue;
            };
            let (mine, rest): (Vec<Value>, Vec<Value>) = templates
                .into_iter()
                .partition(|t| t["metadata"]["name"] == vname.as_str());
            if let Some(t) = mine.into_iter().next() {
                template.get_or_insert(t);
                let vols = &mut spec["volumes"];
                if !vols.is_array() {
                    *vols = json!([]);
                }
                if let Some(a) = vols.as_array_mut() {
                    a.push(json!({"name": vname, "persistentVolumeClaim": {"claimName": claim}}));
                }
                if let Some(v) = spec.as_object_mut().and_then(|m| m.remove("volumes")) {
                    put_ordered(spec, "volumes", v, POD_SPEC_ORDER);
                }
            } else if let Some(v) = spec["volumes"]
                .as_array_mut()
                .and_then(|a| a.iter_mut().find(|v| v["name"] == vname.as_str()))
                && let Some(old) = v["persistentVolumeClaim"]["claimName"]
                    .as_str()
                    .map(str::to_string)
            {
                if old != claim {
                    orphans.insert(old);
                    v["persistentVolumeClaim"]["claimName"] = json!(claim);
                }
            } else {
                restore_templates(obj, rest);
                continue;
            }
            restore_templates(obj, rest);
            mounted_by.push(u.service.clone());
        }
        mounted_by.dedup();
        if mounted_by.len() < 2 {
            continue;
        }
        taken.insert(claim.clone());
        let external = users[0].external;
        // One claim object, placed with the first user's claims.
        let exists = objects
            .iter()
            .any(|o| o["kind"] == "PersistentVolumeClaim" && o["metadata"]["name"] == claim);
        if !external && !exists {
            let spec = template
                .as_ref()
                .map(|t| t["spec"].clone())
                .or_else(|| {
                    orphans.iter().find_map(|o| {
                        objects
                            .iter()
                            .find(|x| {
                                x["kind"] == "PersistentVolumeClaim"
                                    && x["metadata"]["name"] == o.as_str()
                            })
                            .map(|x| x["spec"].clone())
                    })
                })
                .unwrap_or_else(|| {
                    json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}})
                });
            let first = &mounted_by[0];
            let labels = workload_of(objects, owners, first)
                .map(|wi| objects[wi]["metadata"]["labels"].clone())
                .unwrap_or(Value::Null);
            let mut meta = json!({"name": claim});
            if labels.is_object() {
                meta["labels"] = labels;
            }
            if let Some(ns) = &p.namespace {
                put_ordered(&mut meta, "namespace", json!(ns), &["name", "namespace"]);
            }
            let pvc = json!({
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": meta,
                "spec": spec,
            });
            let at = objects
                .iter()
                .zip(owners.iter())
                .position(|(o, ow)| {
                    ow.as_deref() == Some(first.as_str())
                        && !matches!(
                            o["kind"].as_str(),
                            Some(
                                "ConfigMap" | "ExternalSecret" | "Secret" | "PersistentVolumeClaim"
                            )
                        )
                })
                .unwrap_or(objects.len());
            objects.insert(at, pvc);
            owners.insert(at, Some(first.clone()));
        }
        // Tie the users together: one group per connected set of services.
        let group = mounted_by
            .iter()
            .find_map(|s| group_of.get(s).cloned())
            .unwrap_or_else(|| claim.clone());
        let merged: Vec<String> = group_of
            .iter()
            .filter(|(s, g)| mounted_by.contains(s) && **g != group)
            .map(|(_, g)| g.clone())
            .collect();
        for g in group_of.values_mut() {
            if merged.contains(g) {
                *g = group.clone();
            }
        }
        for s in &mounted_by {
            group_of.insert(s.clone(), group.clone());
        }
        let names: Vec<String> = mounted_by.iter().map(|s| format!("`{s}`")).collect();
        warnings.push(
            Diagnostic::warning(format!(
                "services {} share {}: they mount one ReadWriteOnce claim `{claim}` and run on one node (a required podAffinity on `{GROUP_LABEL}`), as they shared it under Docker",
                names.join(", "),
                users[0].what
            ))
            .at(users[0].span)
            .code(CODE)
            .help(format!(
                "to spread them over nodes, patch PersistentVolumeClaim `{claim}` to `accessModes: [ReadWriteMany]` with a storage class that offers it, and drop the podAffinity (overlay patches)"
            )),
        );
    }
    // Claims no workload mounts any more (a Deployment's own claim of a shared directory).
    let referenced: BTreeSet<String> = objects
        .iter()
        .filter_map(|o| {
            let spec = pod_spec_of(o)?;
            Some(
                spec["volumes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
                    .map(str::to_string)
                    .collect::<Vec<_>>(),
            )
        })
        .flatten()
        .collect();
    let mut i = 0;
    while i < objects.len() {
        let o = &objects[i];
        if o["kind"] == "PersistentVolumeClaim"
            && o["metadata"]["name"]
                .as_str()
                .is_some_and(|n| orphans.contains(n) && !referenced.contains(n))
        {
            objects.remove(i);
            owners.remove(i);
        } else {
            i += 1;
        }
    }
    // The group's label, affinity and one fsGroup.
    let mut fs_group: BTreeMap<String, i64> = BTreeMap::new();
    for svc in &p.model.services {
        let (Some(g), Some(wi)) = (
            group_of.get(&svc.name),
            workload_of(objects, owners, &svc.name),
        ) else {
            continue;
        };
        if let Some(fs) =
            pod_spec_mut(&mut objects[wi]).and_then(|s| s["securityContext"]["fsGroup"].as_i64())
        {
            fs_group.entry(g.clone()).or_insert(fs);
        }
    }
    for svc in &p.model.services {
        let (Some(g), Some(wi)) = (
            group_of.get(&svc.name),
            workload_of(objects, owners, &svc.name),
        ) else {
            continue;
        };
        let obj = &mut objects[wi];
        let instance = obj["metadata"]["labels"]["app.kubernetes.io/instance"].clone();
        if let Some(t) = template_mut(obj) {
            let labels = &mut t["metadata"]["labels"];
            if !labels.is_object() {
                *labels = json!({});
            }
            labels[GROUP_LABEL] = json!(g);
        }
        let Some(spec) = pod_spec_mut(obj) else {
            continue;
        };
        let mut select = json!({GROUP_LABEL: g});
        if instance.is_string() {
            select = json!({"app.kubernetes.io/instance": instance, GROUP_LABEL: g});
        }
        let affinity = &mut spec["affinity"];
        if !affinity.is_object() {
            *affinity = json!({});
        }
        put_ordered(
            affinity,
            "podAffinity",
            json!({"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": select}, "topologyKey": "kubernetes.io/hostname"}
            ]}),
            &["podAffinity", "podAntiAffinity"],
        );
        if let Some(a) = spec.as_object_mut().and_then(|m| m.remove("affinity")) {
            put_ordered(spec, "affinity", a, POD_SPEC_ORDER);
        }
        if let Some(fs) = fs_group.get(g) {
            let sc = &mut spec["securityContext"];
            if !sc.is_object() {
                *sc = json!({});
            }
            put_ordered(sc, "fsGroup", json!(fs), POD_SC_ORDER);
            if sc.get("fsGroupChangePolicy").is_none() {
                put_ordered(
                    sc,
                    "fsGroupChangePolicy",
                    json!("OnRootMismatch"),
                    POD_SC_ORDER,
                );
            }
        }
    }
}

/// Puts the claim templates a StatefulSet keeps back (or drops the key when none is left).
fn restore_templates(obj: &mut Value, templates: Vec<Value>) {
    let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    if templates.is_empty() {
        spec.remove("volumeClaimTemplates");
    } else if let Some(t) = spec.get_mut("volumeClaimTemplates") {
        *t = Value::Array(templates);
    }
}
