//! The restricted checks (pod-security-admission `policy/check_*.go`, level restricted).
//! `procMount_restricted` reuses the baseline `procMount` v1.0 check; which baseline checks each
//! one overrides is listed in `registry.rs`.

use std::collections::BTreeSet;

use super::baseline::{seccomp_type_valid, setters};
use super::pod::{Pod, int, item_text, items, obj, opt_bool, text};
use super::registry::Failure;
use super::text::{containers_phrase, join_quote, plural};

/// `allowPrivilegeEscalation` (v1.8): every container sets
/// `securityContext.allowPrivilegeEscalation: false`.
pub(crate) fn allow_privilege_escalation_1_8(p: &Pod) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut fields = Vec::new();
    for c in &p.containers {
        if c.sc()
            .and_then(|sc| opt_bool(sc, "allowPrivilegeEscalation"))
            != Some(false)
        {
            bad.push(c.name);
            fields.push(c.sc_path("allowPrivilegeEscalation"));
        }
    }
    (!bad.is_empty()).then(|| Failure {
        reason: "allowPrivilegeEscalation != false".into(),
        detail: format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&bad)
        ),
        fields,
    })
}

/// From v1.25 a pod with `spec.os.name: windows` passes `allowPrivilegeEscalation`.
pub(crate) fn allow_privilege_escalation_1_25(p: &Pod) -> Option<Failure> {
    if p.is_windows() {
        return None;
    }
    allow_privilege_escalation_1_8(p)
}

/// `capabilities_restricted` (v1.22): every container drops `ALL` and adds nothing but
/// `NET_BIND_SERVICE`.
pub(crate) fn capabilities_restricted_1_22(p: &Pod) -> Option<Failure> {
    let mut missing_drop = Vec::new();
    let mut adding = Vec::new();
    let mut caps = BTreeSet::new();
    let mut fields = Vec::new();
    for c in &p.containers {
        let drop_path = c.sc_path("capabilities").key("drop");
        let Some(capabilities) = c.sc().and_then(|sc| obj(sc, "capabilities")) else {
            missing_drop.push(c.name);
            fields.push(drop_path);
            continue;
        };
        if !items(capabilities, "drop")
            .iter()
            .any(|d| item_text(d) == "ALL")
        {
            missing_drop.push(c.name);
            fields.push(drop_path);
        }
        let mut forbidden = false;
        for (k, cap) in items(capabilities, "add").iter().enumerate() {
            let cap = item_text(cap);
            if cap != "NET_BIND_SERVICE" {
                forbidden = true;
                caps.insert(cap);
                fields.push(c.sc_path("capabilities").key("add").index(k));
            }
        }
        if forbidden {
            adding.push(c.name);
        }
    }
    let mut details = Vec::new();
    if !missing_drop.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding),
            join_quote(&caps.into_iter().collect::<Vec<_>>())
        ));
    }
    (!details.is_empty()).then(|| Failure {
        reason: "unrestricted capabilities".into(),
        detail: details.join("; "),
        fields,
    })
}

/// From v1.25 a Windows pod passes `capabilities_restricted`.
pub(crate) fn capabilities_restricted_1_25(p: &Pod) -> Option<Failure> {
    if p.is_windows() {
        return None;
    }
    capabilities_restricted_1_22(p)
}

/// Volume sources the restricted level allows.
const ALLOWED_VOLUMES: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The other volume sources of the Kubernetes API, in the order the check names them.
const RESTRICTED_VOLUMES: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

/// `restrictedVolumes` (v1.0): every volume uses an allowed source. A volume with no source
/// at all was defaulted to `emptyDir: {}` by the API server (`SetDefaults_Volume`), so it
/// passes; keys the API does not know are dropped when the object is decoded.
pub(crate) fn restricted_volumes(p: &Pod) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut types = BTreeSet::new();
    let mut fields = Vec::new();
    for (i, v) in items(p.spec, "volumes").iter().enumerate() {
        if ALLOWED_VOLUMES.iter().any(|k| obj(v, k).is_some()) {
            continue;
        }
        let Some(kind) = RESTRICTED_VOLUMES.iter().find(|k| obj(v, k).is_some()) else {
            continue; // no source: emptyDir after defaulting
        };
        bad.push(text(v, "name"));
        types.insert(*kind);
        fields.push(p.spec_path("volumes").index(i).key(kind));
    }
    (!bad.is_empty()).then(|| Failure {
        reason: "restricted volume types".into(),
        detail: format!(
            "{} {} {} {} {}",
            plural("volume", "volumes", bad.len()),
            join_quote(&bad),
            plural("uses", "use", bad.len()),
            plural(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types.into_iter().collect::<Vec<_>>())
        ),
        fields,
    })
}

/// `runAsNonRoot` (v1.0): the pod sets `runAsNonRoot: true` (containers may then leave it
/// unset) or every container does; nobody sets it to false.
pub(crate) fn run_as_non_root_1_0(p: &Pod) -> Option<Failure> {
    let pod_value = p.sc().and_then(|sc| opt_bool(sc, "runAsNonRoot"));
    let pod_bad = pod_value == Some(false);
    let pod_ok = pod_value == Some(true);
    let mut explicit = Vec::new();
    let mut explicit_fields = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_fields = Vec::new();
    for c in &p.containers {
        match c.sc().and_then(|sc| opt_bool(sc, "runAsNonRoot")) {
            Some(false) => {
                explicit.push(c.name);
                explicit_fields.push(c.sc_path("runAsNonRoot"));
            }
            Some(true) => {}
            None if !pod_ok => {
                implicit.push(c.name);
                implicit_fields.push(c.sc_path("runAsNonRoot"));
            }
            None => {}
        }
    }
    let reason = "runAsNonRoot != true".to_string();
    if pod_bad || !explicit.is_empty() {
        let mut fields = Vec::new();
        if pod_bad {
            fields.push(p.sc_path("runAsNonRoot"));
        }
        fields.extend(explicit_fields);
        return Some(Failure {
            reason,
            detail: format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters(pod_bad, &explicit)
            ),
            fields,
        });
    }
    if implicit.is_empty() {
        return None;
    }
    let mut fields = vec![p.sc_path("runAsNonRoot")];
    fields.extend(implicit_fields);
    Some(Failure {
        reason,
        detail: format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&implicit)
        ),
        fields,
    })
}

/// From v1.35 a pod in a user namespace (`hostUsers: false`) passes `runAsNonRoot`.
pub(crate) fn run_as_non_root_1_35(p: &Pod) -> Option<Failure> {
    if p.in_user_namespace() {
        return None;
    }
    run_as_non_root_1_0(p)
}

/// `runAsUser` (v1.23): neither the pod nor a container sets `runAsUser: 0`.
pub(crate) fn run_as_user_1_23(p: &Pod) -> Option<Failure> {
    let mut fields = Vec::new();
    let pod_bad = p.sc().and_then(|sc| int(sc, "runAsUser")) == Some(0);
    if pod_bad {
        fields.push(p.sc_path("runAsUser"));
    }
    let mut bad = Vec::new();
    for c in &p.containers {
        if c.sc().and_then(|sc| int(sc, "runAsUser")) == Some(0) {
            bad.push(c.name);
            fields.push(c.sc_path("runAsUser"));
        }
    }
    if !pod_bad && bad.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "runAsUser=0".into(),
        detail: format!("{} must not set runAsUser=0", setters(pod_bad, &bad)),
        fields,
    })
}

/// From v1.35 a pod in a user namespace passes `runAsUser`.
pub(crate) fn run_as_user_1_35(p: &Pod) -> Option<Failure> {
    if p.in_user_namespace() {
        return None;
    }
    run_as_user_1_23(p)
}

/// `seccompProfile_restricted` (v1.19): the pod sets `seccompProfile.type` to `RuntimeDefault`
/// or `Localhost` (containers may then leave it unset) or every container does; nobody sets
/// another type.
pub(crate) fn seccomp_restricted_1_19(p: &Pod) -> Option<Failure> {
    let mut values = BTreeSet::new();
    let mut explicit_fields = Vec::new();
    let mut pod_bad = false;
    let mut pod_set = false;
    if let Some(profile) = p.sc().and_then(|sc| obj(sc, "seccompProfile")) {
        let t = text(profile, "type");
        if seccomp_type_valid(t) {
            pod_set = true;
        } else {
            pod_bad = true;
            values.insert(t);
            explicit_fields.push(p.sc_path("seccompProfile").key("type"));
        }
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_fields = vec![p.sc_path("seccompProfile").key("type")];
    for c in &p.containers {
        match c.sc().and_then(|sc| obj(sc, "seccompProfile")) {
            Some(profile) => {
                let t = text(profile, "type");
                if !seccomp_type_valid(t) {
                    explicit.push(c.name);
                    values.insert(t);
                    explicit_fields.push(c.sc_path("seccompProfile").key("type"));
                }
            }
            None if !pod_set => {
                implicit.push(c.name);
                implicit_fields.push(c.sc_path("seccompProfile").key("type"));
            }
            None => {}
        }
    }
    if pod_bad || !explicit.is_empty() {
        return Some(Failure {
            reason: "seccompProfile".into(),
            detail: format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters(pod_bad, &explicit),
                join_quote(&values.into_iter().collect::<Vec<_>>())
            ),
            fields: explicit_fields,
        });
    }
    (!implicit.is_empty()).then(|| Failure {
        reason: "seccompProfile".into(),
        detail: format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers_phrase(&implicit)
        ),
        fields: implicit_fields,
    })
}

/// From v1.25 a Windows pod passes `seccompProfile_restricted`.
pub(crate) fn seccomp_restricted_1_25(p: &Pod) -> Option<Failure> {
    if p.is_windows() {
        return None;
    }
    seccomp_restricted_1_19(p)
}
