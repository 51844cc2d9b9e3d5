//! The pod template: host namespaces, host names, restart policy, who the pod runs as, groups,
//! sysctls, anti-affinity for replicas, pull secrets, host aliases, the containers and volumes,
//! and the annotations (Compose labels and annotations, the config hash).

use super::super::k8s::{
    Affinity, Container, HostAlias, LabelSelector, Map, NameRef, NameValue, PodAffinityTerm,
    PodAntiAffinity, PodMeta, PodSecurityContext, PodSpec, PodTemplateSpec, SeccompProfile,
    WeightedPodAffinityTerm,
};
use super::super::naming::{self, dns_label};
use super::container::{pointer_of, user_of};
use super::kind::Kind;
use super::{Ctx, PodParts, warn};
use crate::diag::{Code, Diagnostic};
use crate::k8s::Provenance;
use crate::k8s::provenance::{escape, item};

/// `extra_hosts` → host aliases, one per IP (`host-gateway` has no cluster meaning: reported).
fn host_aliases(c: &Ctx, warnings: &mut Vec<Diagnostic>) -> Vec<HostAlias> {
    let svc = c.svc;
    let mut out: Vec<HostAlias> = Vec::new();
    for (host, ip) in &svc.extra_hosts {
        if ip == "host-gateway" {
            warn(
                warnings,
                svc.span(&["extra_hosts"]),
                Code::ComposeUnsupportedKey,
                format!(
                    "service `{}`: `{host}:host-gateway` has no cluster equivalent",
                    svc.name
                ),
            );
            continue;
        }
        match out.iter_mut().find(|h| &h.ip == ip) {
            Some(h) => h.hostnames.push(host.clone()),
            None => out.push(HostAlias {
                ip: ip.clone(),
                hostnames: vec![host.clone()],
            }),
        }
    }
    out
}

/// `network_mode: host` → the host network; `pid` / `ipc` other than `host` are reported.
fn host_network(c: &Ctx, warnings: &mut Vec<Diagnostic>) -> bool {
    let svc = c.svc;
    let host = match svc.network_mode.as_deref() {
        Some("host") => true,
        None | Some("bridge") | Some("default") => false,
        Some(other) => {
            warn(
                warnings,
                svc.span(&["network_mode"]),
                Code::ComposeUnsupportedKey,
                format!(
                    "service `{}`: `network_mode: {other}` is not carried over",
                    svc.name
                ),
            );
            false
        }
    };
    for (key, val) in [("pid", &svc.pid), ("ipc", &svc.ipc)] {
        if let Some(v) = val
            && v != "host"
        {
            warn(
                warnings,
                svc.span(&[key]),
                Code::ComposeUnsupportedKey,
                format!("service `{}`: `{key}: {v}` is not carried over", svc.name),
            );
        }
    }
    host
}

/// `group_add` → supplemental groups (names cannot be added: reported).
fn supplemental_groups(c: &Ctx, warnings: &mut Vec<Diagnostic>) -> Vec<i64> {
    let svc = c.svc;
    let mut out = Vec::new();
    for g in &svc.group_add {
        match g.parse::<i64>() {
            Ok(n) => out.push(n),
            Err(_) => warn(
                warnings,
                svc.span(&["group_add"]),
                Code::GenerateGroupName,
                format!(
                    "service `{}`: group `{g}` is a name; only numeric groups can be added",
                    svc.name
                ),
            ),
        }
    }
    out
}

/// The pod's security context: who it runs as (`user:`), kompose's fsGroup, groups, sysctls.
fn security(c: &Ctx, supplemental_groups: Vec<i64>) -> PodSecurityContext {
    let user = user_of(c.svc);
    PodSecurityContext {
        run_as_non_root: user.non_root,
        run_as_user: user.uid,
        run_as_group: user.gid,
        fs_group: c.hints.fsgroup.as_deref().and_then(|f| f.parse().ok()),
        supplemental_groups,
        seccomp_profile: SeccompProfile::default(),
        sysctls: c
            .svc
            .sysctls
            .iter()
            .map(|(n, v)| NameValue {
                name: n.clone(),
                value: v.clone(),
            })
            .collect(),
    }
}

/// Replicas prefer different nodes (a preferred pod anti-affinity on the service's selector).
fn anti_affinity(c: &Ctx) -> Affinity {
    Affinity {
        pod_anti_affinity: PodAntiAffinity {
            preferred_during_scheduling_ignored_during_execution: vec![WeightedPodAffinityTerm {
                weight: 100,
                pod_affinity_term: PodAffinityTerm {
                    label_selector: LabelSelector {
                        match_labels: c.selector.clone(),
                    },
                    topology_key: "kubernetes.io/hostname",
                },
            }],
        },
    }
}

/// The pod annotations: Compose labels (not kompose's), Compose annotations, the config hash.
fn annotations(c: &Ctx, hash_input: &str) -> Map {
    let mut out: Map = c.hints.other.clone();
    out.extend(c.svc.annotations.clone());
    if !hash_input.is_empty() {
        out.insert(
            "komply.dev/config-hash".into(),
            naming::content_hash(hash_input.as_bytes()),
        );
    }
    out
}

/// The Job restart policy: `OnFailure` for `on-failure`, else `Never`; none for the others.
fn restart_policy(c: &Ctx) -> Option<&'static str> {
    match c.workload.kind {
        Kind::Job | Kind::CronJob => Some(if c.workload.restart.as_deref() == Some("on-failure") {
            "OnFailure"
        } else {
            "Never"
        }),
        _ => None,
    }
}

/// Where the pod template's own fields come from (pointers relative to the template).
fn provenance(c: &Ctx, annotations: &Map) -> Provenance {
    let svc = c.svc;
    let mut prov = Provenance::default();
    prov.record("/metadata/annotations", &["labels"]);
    for key in annotations.keys() {
        let at = format!("/metadata/annotations/{}", escape(key));
        let from = if svc.annotations.contains_key(key) {
            "annotations"
        } else if c.hints.other.contains_key(key) {
            "labels"
        } else {
            continue;
        };
        prov.record(&at, &[from, key]);
        prov.record(&at, &[from]);
    }
    let mut at = |pointer: &str, keys: &[&[&str]]| {
        for k in keys {
            prov.record(format!("/spec{pointer}"), k);
        }
    };
    at("/hostNetwork", &[&["network_mode"]]);
    at("/dnsPolicy", &[&["network_mode"]]);
    at("/hostPID", &[&["pid"]]);
    at("/hostIPC", &[&["ipc"]]);
    at("/hostname", &[&["hostname"]]);
    at("/subdomain", &[&["domainname"]]);
    let restart: &[&str] = if svc.restart_condition.is_some() {
        &["deploy", "restart_policy"]
    } else {
        &["restart"]
    };
    at("/restartPolicy", &[restart, &["restart"]]);
    at("/terminationGracePeriodSeconds", &[&["stop_grace_period"]]);
    at(
        "/securityContext",
        &[&["x-komply", "security_context", "pod"]],
    );
    for user in ["runAsNonRoot", "runAsUser", "runAsGroup"] {
        at(&format!("/securityContext/{user}"), &[&["user"]]);
    }
    if c.hints.fsgroup.is_some() {
        at(
            "/securityContext/fsGroup",
            &[&["labels", "kompose.security-context.fsgroup"]],
        );
    }
    at("/securityContext/supplementalGroups", &[&["group_add"]]);
    for (name, _) in &svc.sysctls {
        let sysctl = format!("/securityContext/sysctls/{}", item(name, false));
        at(&sysctl, &[&["sysctls", name], &["sysctls"]]);
    }
    at("/affinity", &[&["x-komply"], &["deploy", "replicas"]]);
    let pull_secrets: &[&str] = &["x-komply", "image_pull_secrets"];
    at("/imagePullSecrets", &[pull_secrets, &["labels"]]);
    at("/hostAliases", &[&["extra_hosts"]]);
    at("/volumes", &[&["volumes"]]);
    prov
}

/// The pod template: its spec around the container and init containers the earlier stages
/// made, its volumes, and its annotations; with its provenance (relative to the template).
pub(super) fn template(
    c: &Ctx,
    (main, main_prov): (Container, Provenance),
    inits: Vec<(Container, Provenance)>,
    pod: PodParts,
    many: bool,
    warnings: &mut Vec<Diagnostic>,
) -> (PodTemplateSpec, Provenance) {
    let svc = c.svc;
    let host_aliases = host_aliases(c, warnings);
    let host_network = host_network(c, warnings);
    let groups = supplemental_groups(c, warnings);
    let annotations = annotations(c, &pod.hash_input);
    let mut prov = provenance(c, &annotations);
    prov.nest(
        &format!("/spec{}", pointer_of("containers", &main.name)),
        main_prov,
    );
    let mut init_containers = Vec::new();
    for (init, init_prov) in inits {
        prov.nest(
            &format!("/spec{}", pointer_of("initContainers", &init.name)),
            init_prov,
        );
        init_containers.push(init);
    }
    let spec = PodSpec {
        automount_service_account_token: false,
        host_network,
        host_pid: svc.pid.as_deref() == Some("host"),
        host_ipc: svc.ipc.as_deref() == Some("host"),
        dns_policy: host_network.then_some("ClusterFirstWithHostNet"),
        hostname: svc.hostname.as_deref().map(dns_label),
        subdomain: svc.domainname.as_deref().map(dns_label),
        restart_policy: restart_policy(c),
        termination_grace_period_seconds: svc.stop_grace_period,
        security_context: security(c, groups),
        affinity: (many && c.workload.kind.long_running()).then(|| anti_affinity(c)),
        image_pull_secrets: c
            .x
            .image_pull_secrets
            .iter()
            .cloned()
            .chain(c.hints.image_pull_secret.clone())
            .map(|name| NameRef { name })
            .collect(),
        host_aliases,
        init_containers,
        containers: vec![main],
        volumes: pod.volumes,
    };
    let template = PodTemplateSpec {
        metadata: PodMeta {
            labels: c.labels.clone(),
            annotations,
        },
        spec,
    };
    (template, prov)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{keys, with};
    use super::*;

    #[test]
    fn the_pod_carries_host_settings_groups_and_annotations() {
        let yaml = "name: p\nservices:\n  s:\n    image: busybox:1\n    network_mode: host\n    group_add: [\"100\", staff]\n    extra_hosts:\n      a: 10.0.0.1\n      b: 10.0.0.1\n      c: host-gateway\n    sysctls:\n      net.core.somaxconn: \"1024\"\n    labels:\n      team: core\n    annotations:\n      note: x\n";
        with(yaml, "s", |c, warnings, _| {
            let main = (Container::default(), Provenance::default());
            let mut pod = PodParts::default();
            pod.hash_input.push('x');
            let (t, prov) = template(c, main, Vec::new(), pod, true, warnings);
            assert!(t.spec.host_network);
            assert_eq!(t.spec.dns_policy, Some("ClusterFirstWithHostNet"));
            assert_eq!(t.spec.security_context.supplemental_groups, [100]);
            assert_eq!(t.spec.host_aliases.len(), 1);
            assert_eq!(t.spec.host_aliases[0].hostnames, ["a", "b"]);
            assert!(t.spec.affinity.is_some());
            assert!(
                t.metadata
                    .annotations
                    .contains_key("komply.dev/config-hash")
            );
            assert_eq!(t.metadata.annotations["team"], "core");
            assert!(
                warnings
                    .iter()
                    .any(|w| w.code == Some(Code::GenerateGroupName))
            );
            assert!(warnings.iter().any(|w| w.message.contains("host-gateway")));
            assert_eq!(keys(&prov, "/spec/hostNetwork"), ["network_mode"]);
            assert_eq!(
                keys(&prov, "/metadata/annotations/team"),
                ["labels.team", "labels"]
            );
            assert_eq!(
                keys(&prov, "/metadata/annotations/note"),
                ["annotations.note", "annotations"]
            );
            assert_eq!(
                keys(&prov, "/metadata/annotations/komply.dev~1config-hash"),
                ["labels"]
            );
            assert_eq!(
                keys(
                    &prov,
                    "/spec/securityContext/sysctls/#net.core.somaxconn/value"
                ),
                ["sysctls.net.core.somaxconn", "sysctls"]
            );
        });
    }
}
