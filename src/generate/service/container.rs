//! The service's container (image, command, ports, environment, resources, probes, security
//! context, mounts) and its init containers (the `depends_on` waits, kompose's init container).

use super::super::k8s::{
    Capabilities, Container, ContainerPort, Lifecycle, PreStop, Resources, SecurityContext,
    SleepAction,
};
use super::super::naming::{self, dns_label};
use super::super::probes;
use super::super::start_order;
use super::ports::{Ports, protocol};
use super::{Ctx, PodParts};
use crate::compose::model::Service;
use crate::diag::Diagnostic;
use crate::k8s::Provenance;
use crate::k8s::provenance::item;

/// Who the pod runs as, from `user:`: uid, gid, and whether it must not be root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct User {
    pub uid: Option<i64>,
    pub gid: Option<i64>,
    pub non_root: bool,
}

/// `user: UID[:GID]` → numbers; `root` → 0; a name is left to `image_profile`, which resolves it
/// from what it knows of the image (or warns).
pub(super) fn user_of(svc: &Service) -> User {
    let user = |uid, gid, non_root| User { uid, gid, non_root };
    let Some(u) = svc.user.as_deref() else {
        return user(None, None, true);
    };
    let (uid, gid) = u.split_once(':').map_or((u, None), |(a, b)| (a, Some(b)));
    match (uid.parse::<i64>(), gid.map(|g| g.parse::<i64>())) {
        (Ok(uid), None) => user(Some(uid), None, uid != 0),
        (Ok(uid), Some(Ok(gid))) => user(Some(uid), Some(gid), uid != 0),
        _ if uid == "root" => user(Some(0), gid.and_then(|g| g.parse().ok()), false),
        _ => user(None, None, true),
    }
}

/// `deploy.resources`: limits and reservations (requests) as Kubernetes quantities.
fn resources(svc: &Service) -> Option<Resources> {
    let mut r = Resources::default();
    if let Some(c) = svc.limits.cpus.and_then(naming::cpu_quantity) {
        r.limits.insert("cpu".into(), c);
    }
    if let Some(m) = svc.limits.memory.and_then(naming::memory_quantity) {
        r.limits.insert("memory".into(), m);
    }
    if let Some(c) = svc.reservations.cpus.and_then(naming::cpu_quantity) {
        r.requests.insert("cpu".into(), c);
    }
    if let Some(m) = svc.reservations.memory.and_then(naming::memory_quantity) {
        r.requests.insert("memory".into(), m);
    }
    (!r.limits.is_empty() || !r.requests.is_empty()).then_some(r)
}

/// The hardened security context: no privilege escalation, read-only root when asked, all
/// capabilities dropped but those `cap_add` names; `privileged` only when asked.
fn security(svc: &Service, non_root: bool) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: svc.privileged,
        privileged: svc.privileged,
        read_only_root_filesystem: svc.read_only,
        run_as_non_root: non_root,
        capabilities: Capabilities {
            add: svc
                .cap_add
                .iter()
                .map(|c| c.trim_start_matches("CAP_").to_ascii_uppercase())
                .collect(),
            drop: vec!["ALL".into()],
        },
        ..Default::default()
    }
}

/// The image pull policy: `x-komply.image_pull_policy`, kompose's label, or `pull_policy`.
fn pull_policy(c: &Ctx) -> Option<String> {
    c.x.image_pull_policy
        .clone()
        .or_else(|| c.hints.image_pull_policy.clone())
        .or_else(|| {
            c.svc.pull_policy.as_deref().and_then(|p| match p {
                "always" => Some("Always".to_string()),
                "never" => Some("Never".to_string()),
                "missing" | "if_not_present" => Some("IfNotPresent".to_string()),
                _ => None,
            })
        })
}

/// `entrypoint` (→ `command`) or `command` (→ `args`): host names rewritten, and `$(` escaped as
/// `$$(` (Kubernetes expands `$(VAR)`, Compose does not).
fn arguments(c: &Ctx, key: &str, warnings: &mut Vec<Diagnostic>) -> Option<Vec<String>> {
    let svc = c.svc;
    let args = match key {
        "entrypoint" => svc.entrypoint.as_ref()?,
        _ => svc.command.as_ref()?,
    };
    let rewritten =
        c.p.reach
            .rewrite_args(&svc.name, key, args, svc.span(&[key]), warnings);
    Some(rewritten.iter().map(|a| a.replace("$(", "$$(")).collect())
}

/// Where the container's fields come from (pointers relative to the container).
fn provenance(c: &Ctx) -> Provenance {
    let mut prov = Provenance::default();
    let mut at = |pointer: &str, keys: &[&[&str]]| {
        for k in keys {
            prov.record(pointer, k);
        }
    };
    at("/image", &[&["image"], &["build"]]);
    let pull_source: &[&str] = if c.x.image_pull_policy.is_some() {
        &["x-komply", "image_pull_policy"]
    } else if c.hints.image_pull_policy.is_some() {
        &["labels", "kompose.image-pull-policy"]
    } else {
        &["pull_policy"]
    };
    at(
        "/imagePullPolicy",
        &[pull_source, &["pull_policy"], &["image"]],
    );
    at("/command", &[&["entrypoint"], &["command"]]);
    at("/args", &[&["command"]]);
    at("/workingDir", &[&["working_dir"]]);
    at("/ports", &[&["ports"], &["expose"]]);
    at("/envFrom", &[&["environment"], &["env_file"]]);
    at("/env", &[&["environment"], &["env_file"]]);
    at("/resources", &[&["deploy", "resources"]]);
    let limits: &[&str] = &["deploy", "resources", "limits"];
    at("/resources/limits", &[limits, &["deploy", "resources"]]);
    let requests: &[&str] = &["deploy", "resources", "reservations"];
    at("/resources/requests", &[requests, &["deploy", "resources"]]);
    let from_labels = c.hints.liveness.is_set() || c.hints.readiness.is_set();
    for probe in ["/startupProbe", "/readinessProbe", "/livenessProbe"] {
        at(probe, &[&["healthcheck"]]);
        if from_labels {
            at(probe, &[&["labels"]]);
        }
    }
    at("/lifecycle", &[&["x-komply", "pre_stop_sleep"]]);
    at(
        "/securityContext",
        &[&["x-komply", "security_context", "container"]],
    );
    for user in ["runAsNonRoot", "runAsUser", "runAsGroup"] {
        at(&format!("/securityContext/{user}"), &[&["user"]]);
    }
    at("/securityContext/privileged", &[&["privileged"]]);
    at(
        "/securityContext/allowPrivilegeEscalation",
        &[&["privileged"]],
    );
    at("/securityContext/readOnlyRootFilesystem", &[&["read_only"]]);
    at(
        "/securityContext/capabilities",
        &[&["cap_drop"], &["cap_add"]],
    );
    at("/securityContext/capabilities/add", &[&["cap_add"]]);
    at("/securityContext/capabilities/drop", &[&["cap_drop"]]);
    at("/stdin", &[&["stdin_open"]]);
    at("/tty", &[&["tty"]]);
    at("/volumeMounts", &[&["volumes"]]);
    prov
}

/// The service's container, with the environment and mounts the earlier stages collected;
/// returns it with its provenance (pointers relative to the container).
pub(super) fn container(
    c: &Ctx,
    ports: &Ports,
    pod: &mut PodParts,
    warnings: &mut Vec<Diagnostic>,
) -> (Container, Provenance) {
    let svc = c.svc;
    let probes = if c.workload.kind.long_running() {
        probes::probes(svc, &c.hints, &ports.named(), warnings)
    } else {
        probes::Probes::default()
    };
    let command = arguments(c, "entrypoint", warnings);
    let args = arguments(c, "command", warnings);
    let container = Container {
        name: c.name.clone(),
        image: c.image.clone(),
        image_pull_policy: pull_policy(c),
        command,
        args,
        working_dir: svc.working_dir.clone(),
        ports: ports
            .container
            .iter()
            .map(|p| ContainerPort {
                name: p.name.clone(),
                container_port: p.target,
                protocol: protocol(&p.protocol),
            })
            .collect(),
        env_from: std::mem::take(&mut pod.env_from),
        env: std::mem::take(&mut pod.env),
        resources: resources(svc),
        startup_probe: probes.startup,
        readiness_probe: probes.readiness,
        liveness_probe: probes.liveness,
        lifecycle: c.x.pre_stop_sleep.map(|s| Lifecycle {
            pre_stop: PreStop {
                sleep: SleepAction { seconds: s },
            },
        }),
        security_context: security(svc, user_of(svc).non_root),
        stdin: svc.stdin_open,
        tty: svc.tty,
        volume_mounts: std::mem::take(&mut pod.mounts),
    };
    (container, provenance(c))
}

/// kompose's init container (`kompose.init.containers.*` labels), hardened like every container.
fn kompose_init(c: &Ctx) -> Option<Container> {
    let img = c.hints.init_image.as_ref()?;
    let command = c.hints.init_command.as_deref().map(|cmd| {
        serde_json::from_str::<Vec<String>>(cmd)
            .unwrap_or_else(|_| vec!["/bin/sh".into(), "-c".into(), cmd.to_string()])
    });
    Some(Container {
        name: dns_label(c.hints.init_name.as_deref().unwrap_or("init")),
        image: img.clone(),
        command,
        security_context: SecurityContext {
            allow_privilege_escalation: false,
            privileged: false,
            read_only_root_filesystem: true,
            run_as_non_root: user_of(c.svc).non_root,
            capabilities: Capabilities {
                add: Vec::new(),
                drop: vec!["ALL".into()],
            },
            ..Default::default()
        },
        ..Default::default()
    })
}

/// The init containers, each with its provenance (relative to it): the `depends_on` waits first
/// (the user's own init container may need the dependencies), then kompose's.
pub(super) fn init_containers(
    c: &Ctx,
    warnings: &mut Vec<Diagnostic>,
) -> Vec<(Container, Provenance)> {
    let mut out: Vec<(Container, Provenance)> =
        start_order::init_containers(c.p, c.svc, &c.x, warnings)
            .into_iter()
            .map(|(dep, container)| {
                let mut prov = Provenance::default();
                prov.record("", &["depends_on", &dep]);
                prov.record("", &["depends_on"]);
                // `links` imply a `depends_on` the compose file does not spell.
                prov.record("", &["links"]);
                (container, prov)
            })
            .collect();
    if let Some(init) = kompose_init(c) {
        let mut prov = Provenance::default();
        prov.record("", &["labels", "kompose.init.containers.image"]);
        prov.record("", &["labels"]);
        out.push((init, prov));
    }
    out
}

/// The pointer of container `name` under a pod spec's `list` (`containers`, `initContainers`).
pub(super) fn pointer_of(list: &str, name: &str) -> String {
    format!("/{list}/{}", item(name, false))
}

#[cfg(test)]
mod tests {
    use super::super::ports::ports;
    use super::super::testing::{keys, with};
    use super::*;

    const YAML: &str = "name: p\nservices:\n  s:\n    image: busybox:1\n    user: \"1000:1000\"\n    read_only: true\n    cap_add: [CAP_NET_ADMIN]\n    command: [sh, -c, \"echo $(date)\"]\n    deploy:\n      resources:\n        limits:\n          cpus: \"0.5\"\n          memory: 256M\n    ports:\n      - target: 80\n        protocol: tcp\n";

    #[test]
    fn the_container_carries_the_service_settings() {
        with(YAML, "s", |c, warnings, _| {
            let p = ports(c, warnings);
            let (k, prov) = container(c, &p, &mut PodParts::default(), warnings);
            assert_eq!(k.image, "busybox:1");
            assert_eq!(
                k.args.as_deref(),
                Some(&["sh".to_string(), "-c".into(), "echo $$(date)".into()][..])
            );
            assert_eq!(k.resources.as_ref().unwrap().limits["cpu"], "500m");
            assert!(k.security_context.read_only_root_filesystem);
            assert_eq!(k.security_context.capabilities.add, ["NET_ADMIN"]);
            assert_eq!(k.ports[0].container_port, 80);
            assert_eq!(
                keys(&prov, "/resources/limits/cpu"),
                ["deploy.resources.limits", "deploy.resources"]
            );
            assert_eq!(
                keys(&prov, "/securityContext/capabilities/add/#0"),
                ["cap_add"]
            );
            assert_eq!(keys(&prov, "/livenessProbe/exec/command"), ["healthcheck"]);
        });
    }

    #[test]
    fn users() {
        let u = |user: &str| {
            let yaml =
                format!("name: p\nservices:\n  s:\n    image: busybox:1\n    user: \"{user}\"\n");
            with(&yaml, "s", |c, _, _| user_of(c.svc))
        };
        assert_eq!(
            u("1000"),
            User {
                uid: Some(1000),
                gid: None,
                non_root: true
            }
        );
        assert_eq!(
            u("1000:2000"),
            User {
                uid: Some(1000),
                gid: Some(2000),
                non_root: true
            }
        );
        assert_eq!(
            u("0"),
            User {
                uid: Some(0),
                gid: None,
                non_root: false
            }
        );
        assert_eq!(
            u("root:0"),
            User {
                uid: Some(0),
                gid: Some(0),
                non_root: false
            }
        );
        assert_eq!(
            u("app"),
            User {
                uid: None,
                gid: None,
                non_root: true
            }
        );
    }

    #[test]
    fn depends_on_waits_point_at_their_dependency() {
        let yaml = "name: p\nservices:\n  db:\n    image: postgres:16\n    expose: [\"5432\"]\n  s:\n    image: busybox:1\n    depends_on:\n      db:\n        condition: service_started\n";
        with(yaml, "s", |c, warnings, _| {
            let inits = init_containers(c, warnings);
            assert_eq!(inits[0].0.name, "wait-for-db");
            assert_eq!(
                keys(&inits[0].1, "/image"),
                ["depends_on.db", "depends_on", "links"]
            );
        });
    }
}
