//! `volumes:` → storage: named volumes and bind-mounted data directories become claims (a
//! StatefulSet's claim templates, or PersistentVolumeClaims), anonymous volumes and tmpfs
//! become emptyDirs, host paths that mean nothing in a cluster are reported.

use std::collections::{BTreeMap, BTreeSet};

use super::super::image_profile;
use super::super::k8s::{
    ClaimTemplate, EmptyDir, Object, ObjectMeta, PvcResources, PvcSpec, Spec, Volume, VolumeMount,
    VolumeSource,
};
use super::super::mounts::Bind;
use super::super::naming::{self, dns_label};
use super::kind::Kind;
use super::{Ctx, Made, PodParts, warn};
use crate::compose::model::{Mount, MountKind, TopVolume};
use crate::diag::{Code, Diagnostic};

/// The storage the workload needs beyond the pod's volumes.
#[derive(Debug, Default)]
pub(super) struct Storage {
    /// A StatefulSet's `volumeClaimTemplates`.
    pub claim_templates: Vec<ClaimTemplate>,
    /// The pod mounts a PersistentVolumeClaim of its own (a Deployment then recreates).
    pub has_pvc: bool,
}

/// A mount that becomes a claim: a named volume (with its top-level declaration), or a
/// bind-mounted data directory.
fn stored<'a>(c: &Ctx<'a>, i: usize, m: &Mount) -> Option<(String, Option<&'a TopVolume>)> {
    match (&m.kind, &m.source, c.plan.get(i)) {
        (MountKind::Volume, Some(source), _) => {
            Some((dns_label(source), c.p.model.volumes.get(source)))
        }
        (MountKind::Bind, _, Some(Bind::Storage { slug })) => Some((
            if c.workload.kind == Kind::StatefulSet {
                slug.clone()
            } else {
                format!("{}-{slug}", c.name)
            },
            None,
        )),
        _ => None,
    }
}

/// The claim's spec: size and class from `x-komply.storage`, kompose's labels on the service
/// or the volume, else 1Gi of the default class.
fn pvc_spec(c: &Ctx, volume_labels: Option<&BTreeMap<String, String>>) -> PvcSpec {
    let storage = c.x.storage.as_ref();
    let size = storage
        .and_then(|s| s.size.clone())
        .or(c.hints.volume_size.clone());
    let class = storage
        .and_then(|s| s.class.clone())
        .or(c.hints.storage_class.clone());
    let label = |k: &str| volume_labels.and_then(|l| l.get(k).cloned());
    PvcSpec {
        access_modes: vec!["ReadWriteOnce"],
        storage_class_name: class.or_else(|| label("kompose.volume.storage-class-name")),
        resources: PvcResources {
            requests: BTreeMap::from([(
                "storage".to_string(),
                size.or_else(|| label("kompose.volume.size"))
                    .unwrap_or_else(|| "1Gi".into()),
            )]),
        },
    }
}

/// Mounts a stored volume: an external volume's own claim, a StatefulSet's claim template, or a
/// PersistentVolumeClaim of the service (made once across the project: `claimed`).
fn claim(
    c: &Ctx,
    m: &Mount,
    (vname, top): (String, Option<&TopVolume>),
    claimed: &mut BTreeSet<String>,
    made: &mut Made,
    pod: &mut PodParts,
    storage: &mut Storage,
) {
    if top.is_some_and(|t| t.external) {
        let claim = top
            .and_then(|t| t.name.clone())
            .or_else(|| m.source.clone())
            .unwrap_or_else(|| vname.clone());
        pod.volumes.push(Volume {
            name: vname.clone(),
            source: VolumeSource::PersistentVolumeClaim { claim_name: claim },
        });
    } else if c.workload.kind == Kind::StatefulSet {
        if !storage
            .claim_templates
            .iter()
            .any(|t| t.metadata.name == vname)
        {
            storage.claim_templates.push(ClaimTemplate {
                metadata: ObjectMeta {
                    name: vname.clone(),
                    labels: c.labels.clone(),
                    ..Default::default()
                },
                spec: pvc_spec(c, top.map(|t| &t.labels)),
            });
        }
    } else {
        storage.has_pvc = true;
        if claimed.insert(vname.clone()) {
            let pvc = Object {
                api_version: "v1",
                kind: "PersistentVolumeClaim",
                metadata: c.meta(&vname),
                body: Spec {
                    spec: pvc_spec(c, top.map(|t| &t.labels)),
                },
            };
            made.push(&pvc, super::whole(c.svc, &[&["volumes"]]));
        }
        if !pod.volumes.iter().any(|v| v.name == vname) {
            pod.volumes.push(Volume {
                name: vname.clone(),
                source: VolumeSource::PersistentVolumeClaim {
                    claim_name: vname.clone(),
                },
            });
        }
    }
    pod.mounts.push(VolumeMount {
        name: vname,
        mount_path: m.target.clone(),
        sub_path: m.subpath.clone(),
        read_only: m.read_only,
    });
}

/// An anonymous volume or tmpfs → an emptyDir (`scratch-N` / `tmpfs-N`), unless it only keeps
/// the image's own files visible (then it is left out, with a warning).
fn scratch(c: &Ctx, m: &Mount, n: &mut usize, pod: &mut PodParts, warnings: &mut Vec<Diagnostic>) {
    let svc = c.svc;
    if let Some(why) = image_profile::shields_image_content(&svc.volumes, m) {
        warn(
            warnings,
            m.span,
            Code::GenerateAnonymousVolumeShield,
            format!(
                "service `{}`: anonymous volume at `{}` is left out so the image's own files stay visible ({why}); an emptyDir would start empty and hide them",
                svc.name, m.target
            ),
        );
        return;
    }
    *n += 1;
    let is_tmpfs = m.kind == MountKind::Tmpfs;
    let vname = format!("{}-{n}", if is_tmpfs { "tmpfs" } else { "scratch" });
    if m.kind == MountKind::Volume {
        warn(
            warnings,
            m.span,
            Code::GenerateAnonymousVolume,
            format!(
                "service `{}`: anonymous volume at `{}` becomes an emptyDir (its data lives as long as the pod)",
                svc.name, m.target
            ),
        );
    }
    pod.volumes.push(Volume {
        name: vname.clone(),
        source: VolumeSource::EmptyDir(EmptyDir {
            medium: is_tmpfs.then_some("Memory"),
            size_limit: m.tmpfs_size.and_then(naming::memory_quantity),
        }),
    });
    pod.mounts.push(VolumeMount {
        name: vname,
        mount_path: m.target.clone(),
        sub_path: None,
        read_only: m.read_only,
    });
}

/// A host path of a mount type that has no cluster meaning: left out, with a warning.
fn left_out(c: &Ctx, m: &Mount, warnings: &mut Vec<Diagnostic>) {
    warnings.push(
        Diagnostic::warning(format!(
            "service `{}`: host path mounted at `{}` has no meaning in a cluster and is left out",
            c.svc.name, m.target
        ))
        .at(m.span)
        .code(Code::GenerateBindMount)
        .help("ship the files in the image, as a Compose `configs:` entry, or in a named volume"),
    );
}

/// Mounts the service's volumes (bind-mounted files, directories and secrets were mounted by
/// the earlier stages; the ones left out were reported when they were decided).
pub(super) fn volumes(
    c: &Ctx,
    claimed: &mut BTreeSet<String>,
    made: &mut Made,
    pod: &mut PodParts,
    warnings: &mut Vec<Diagnostic>,
) -> Storage {
    let mut storage = Storage::default();
    let mut scratch_n = 0;
    for (i, m) in c.svc.volumes.iter().enumerate() {
        let is_scratch = matches!(c.plan.get(i), Some(Bind::Scratch));
        match (&m.kind, stored(c, i, m)) {
            (_, Some(s)) => claim(c, m, s, claimed, made, pod, &mut storage),
            (MountKind::Bind, None) if !is_scratch => {}
            (MountKind::Volume, None) | (MountKind::Tmpfs, _) | (MountKind::Bind, None) => {
                scratch(c, m, &mut scratch_n, pod, warnings);
            }
            (MountKind::Other(_), None) => left_out(c, m, warnings),
        }
    }
    storage
}

#[cfg(test)]
mod tests {
    use super::super::testing::with;
    use super::*;

    const YAML: &str = "name: p\nvolumes:\n  data: {}\n  ext:\n    external: true\n    name: real-ext\nservices:\n  s:\n    image: busybox:1\n    x-komply:\n      controller: deployment\n      storage:\n        size: 5Gi\n    volumes:\n      - type: volume\n        source: data\n        target: /data\n      - type: volume\n        source: ext\n        target: /ext\n      - type: volume\n        target: /cache\n      - type: tmpfs\n        target: /tmp\n";

    #[test]
    fn a_deployment_gets_claims_external_volumes_and_emptydirs() {
        with(YAML, "s", |c, warnings, _| {
            let (mut made, mut pod) = (Made::default(), PodParts::default());
            let mut claimed = BTreeSet::new();
            let storage = volumes(c, &mut claimed, &mut made, &mut pod, warnings);
            assert!(storage.has_pvc && storage.claim_templates.is_empty());
            assert_eq!(made.objects.len(), 1);
            assert_eq!(made.objects[0]["kind"], "PersistentVolumeClaim");
            assert_eq!(
                made.objects[0]["spec"]["resources"]["requests"]["storage"],
                "5Gi"
            );
            let names: Vec<&str> = pod.volumes.iter().map(|v| v.name.as_str()).collect();
            assert_eq!(names, ["data", "ext", "scratch-1", "tmpfs-2"]);
            assert!(matches!(
                &pod.volumes[1].source,
                VolumeSource::PersistentVolumeClaim { claim_name } if claim_name == "real-ext"
            ));
            assert!(
                warnings
                    .iter()
                    .any(|w| w.code == Some(Code::GenerateAnonymousVolume))
            );
            // A claim another service already made is not made twice.
            let mut again = Made::default();
            volumes(
                c,
                &mut claimed,
                &mut again,
                &mut PodParts::default(),
                warnings,
            );
            assert!(again.objects.is_empty());
        });
    }

    #[test]
    fn a_statefulset_gets_claim_templates() {
        let yaml = YAML.replace("controller: deployment", "controller: statefulset");
        with(&yaml, "s", |c, warnings, _| {
            let (mut made, mut pod) = (Made::default(), PodParts::default());
            let storage = volumes(c, &mut BTreeSet::new(), &mut made, &mut pod, warnings);
            assert!(made.objects.is_empty() && !storage.has_pvc);
            assert_eq!(storage.claim_templates[0].metadata.name, "data");
        });
    }
}
