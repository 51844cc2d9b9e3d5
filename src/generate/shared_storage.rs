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
use crate::diag::{Code, Diagnostic};
use crate::k8s::Provenance;
use crate::k8s::workload::{
    self, pod_spec_of, pod_spec_of_mut as pod_spec_mut, template_of_mut as template_mut,
};
use crate::yaml::Span;

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

/// The index of the workload of `svc` among `objects`.
fn workload_of(objects: &[Value], provenance: &[Provenance], svc: &str) -> Option<usize> {
    objects.iter().zip(provenance).position(|(o, p)| {
        p.service.as_deref() == Some(svc) && o["kind"].as_str().is_some_and(workload::is_workload)
    })
}

/// The claim of shared storage: a named volume's own name; a host directory's first storage
/// name, kept apart from the project's other claims.
fn claim_name(key: &str, users: &[Use], taken: &BTreeSet<String>) -> String {
    let mut claim = users[0].claim.clone();
    if key.starts_with("bind:") {
        let base = claim.clone();
        let mut n = 2;
        while taken.contains(&claim) {
            claim = format!("{base}-{n}");
            n += 1;
        }
    }
    claim
}

/// Points the volume of one user's workload at `claim`: a claim template becomes a volume (the
/// template is returned, for the claim's spec), a claim of its own is replaced (and remembered
/// in `orphans`). `false` when the workload does not mount the storage.
fn remount(
    obj: &mut Value,
    u: &Use,
    claim: &str,
    orphans: &mut BTreeSet<String>,
    template: &mut Option<Value>,
) -> bool {
    let templates = obj
        .pointer_mut("/spec/volumeClaimTemplates")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let Some(spec) = pod_spec_mut(obj) else {
        return false;
    };
    let Some(vname) = spec["containers"][0]["volumeMounts"]
        .as_array()
        .and_then(|a| {
            a.iter().find(|m| {
                m["mountPath"].as_str().map(|s| s.trim_end_matches('/')) == Some(u.target.as_str())
            })
        })
        .and_then(|m| m["name"].as_str())
        .map(str::to_string)
    else {
        restore_templates(obj, templates);
        return false;
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
        return false;
    }
    restore_templates(obj, rest);
    true
}

/// Makes the one claim every user mounts (unless the volume is external or the claim exists),
/// placed with the first user's claims: its spec from a claim template, else from a claim it
/// replaces, else 1Gi.
fn make_claim(
    p: &Project,
    objects: &mut Vec<Value>,
    provenance: &mut Vec<Provenance>,
    claim: &str,
    first: &str,
    template: Option<&Value>,
    orphans: &BTreeSet<String>,
) {
    let is_claim = |o: &Value, name: &str| {
        o["kind"] == "PersistentVolumeClaim" && o["metadata"]["name"] == name
    };
    if objects.iter().any(|o| is_claim(o, claim)) {
        return;
    }
    let spec = template
        .map(|t| t["spec"].clone())
        .or_else(|| {
            orphans.iter().find_map(|o| {
                objects
                    .iter()
                    .find(|x| is_claim(x, o))
                    .map(|x| x["spec"].clone())
            })
        })
        .unwrap_or_else(|| {
            json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}})
        });
    let labels = workload_of(objects, provenance, first)
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
        .zip(provenance.iter())
        .position(|(o, pr)| {
            pr.service.as_deref() == Some(first)
                && !matches!(
                    o["kind"].as_str(),
                    Some("ConfigMap" | "ExternalSecret" | "Secret" | "PersistentVolumeClaim")
                )
        })
        .unwrap_or(objects.len());
    objects.insert(at, pvc);
    let mut prov = Provenance::of(Some(first));
    prov.record("", &["volumes"]);
    provenance.insert(at, prov);
}

/// Puts the services of `mounted_by` into one group (merging the groups they were in), named
/// by `claim` unless one of them already has a group.
fn join(group_of: &mut BTreeMap<String, String>, mounted_by: &[String], claim: &str) {
    let group = mounted_by
        .iter()
        .find_map(|s| group_of.get(s).cloned())
        .unwrap_or_else(|| claim.to_string());
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
    for s in mounted_by {
        group_of.insert(s.clone(), group.clone());
    }
}

/// Removes the claims no workload mounts any more (a Deployment's own claim of a shared
/// directory).
fn drop_orphans(
    objects: &mut Vec<Value>,
    provenance: &mut Vec<Provenance>,
    orphans: &BTreeSet<String>,
) {
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
            provenance.remove(i);
        } else {
            i += 1;
        }
    }
}

/// Ties one group member's pod to its group: the group label, a required podAffinity on it,
/// and the group's fsGroup.
fn tie(obj: &mut Value, prov: &mut Provenance, group: &str, fs_group: Option<i64>) {
    let instance = obj["metadata"]["labels"]["app.kubernetes.io/instance"].clone();
    if let Some(t) = template_mut(obj) {
        let labels = &mut t["metadata"]["labels"];
        if !labels.is_object() {
            *labels = json!({});
        }
        labels[GROUP_LABEL] = json!(group);
    }
    let cronjob = obj["kind"] == "CronJob";
    let Some(spec) = pod_spec_mut(obj) else {
        return;
    };
    let mut select = json!({GROUP_LABEL: group});
    if instance.is_string() {
        select = json!({"app.kubernetes.io/instance": instance, GROUP_LABEL: group});
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
    let pod = if cronjob {
        "/spec/jobTemplate/spec/template/spec"
    } else {
        "/spec/template/spec"
    };
    prov.record(format!("{pod}/affinity/podAffinity"), &["volumes"]);
    if let Some(a) = spec.as_object_mut().and_then(|m| m.remove("affinity")) {
        put_ordered(spec, "affinity", a, POD_SPEC_ORDER);
    }
    if let Some(fs) = fs_group {
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

/// Ties every group's members together: one fsGroup per group (the first member's), the label
/// and the podAffinity.
fn tie_groups(
    p: &Project,
    objects: &mut [Value],
    provenance: &mut [Provenance],
    group_of: &BTreeMap<String, String>,
) {
    let members = || {
        p.model.services.iter().filter_map(|svc| {
            let g = group_of.get(&svc.name)?;
            Some((g, workload_of(objects, provenance, &svc.name)?))
        })
    };
    let mut fs_group: BTreeMap<String, i64> = BTreeMap::new();
    let found: Vec<(String, usize)> = members().map(|(g, wi)| (g.clone(), wi)).collect();
    for (g, wi) in &found {
        if let Some(fs) =
            pod_spec_mut(&mut objects[*wi]).and_then(|s| s["securityContext"]["fsGroup"].as_i64())
        {
            fs_group.entry(g.clone()).or_insert(fs);
        }
    }
    for (g, wi) in found {
        tie(
            &mut objects[wi],
            &mut provenance[wi],
            &g,
            fs_group.get(&g).copied(),
        );
    }
}

/// Makes shared storage one claim (see the module doc). `provenance[i]` is that of
/// `objects[i]`; both grow together when a claim is added.
pub(crate) fn apply(
    p: &Project,
    objects: &mut Vec<Value>,
    provenance: &mut Vec<Provenance>,
    warnings: &mut Vec<Diagnostic>,
) {
    let shared = uses(p);
    if shared.is_empty() {
        return;
    }
    let mut taken: BTreeSet<String> = objects
        .iter()
        .filter(|o| o["kind"] == "PersistentVolumeClaim")
        .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    // Services tied together by shared claims (a union of the groups), named by a claim.
    let mut group_of: BTreeMap<String, String> = BTreeMap::new();
    let mut orphans: BTreeSet<String> = BTreeSet::new();
    for (key, users) in &shared {
        let claim = claim_name(key, users, &taken);
        let mut template: Option<Value> = None;
        let mut mounted_by: Vec<String> = Vec::new();
        for u in users {
            let Some(wi) = workload_of(objects, provenance, &u.service) else {
                continue;
            };
            if remount(&mut objects[wi], u, &claim, &mut orphans, &mut template) {
                mounted_by.push(u.service.clone());
            }
        }
        mounted_by.dedup();
        if mounted_by.len() < 2 {
            continue;
        }
        taken.insert(claim.clone());
        if !users[0].external {
            let first = &mounted_by[0];
            make_claim(
                p,
                objects,
                provenance,
                &claim,
                first,
                template.as_ref(),
                &orphans,
            );
        }
        join(&mut group_of, &mounted_by, &claim);
        let names: Vec<String> = mounted_by.iter().map(|s| format!("`{s}`")).collect();
        warnings.push(
            Diagnostic::warning(format!(
                "services {} share {}: they mount one ReadWriteOnce claim `{claim}` and run on one node (a required podAffinity on `{GROUP_LABEL}`), as they shared it under Docker",
                names.join(", "),
                users[0].what
            ))
            .at(users[0].span)
            .code(Code::GenerateSharedVolume)
            .help(format!(
                "to spread them over nodes, patch PersistentVolumeClaim `{claim}` to `accessModes: [ReadWriteMany]` with a storage class that offers it, and drop the podAffinity (overlay patches)"
            )),
        );
    }
    drop_orphans(objects, provenance, &orphans);
    tie_groups(p, objects, provenance, &group_of);
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
