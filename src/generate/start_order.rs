//! `depends_on` → init containers that wait for the dependency's Service.
//!
//! Kubernetes starts pods in any order. For `condition: service_started` and
//! `service_healthy`, each dependency gets an init container `wait-for-<dep>` that waits until
//! the dependency's Service accepts TCP connections (its first TCP port), or — for a
//! dependency with no port, which gets a headless Service ([`super::reach`]) — until its name
//! resolves (a headless Service has records only for ready pods). Both need a *ready* pod, so
//! the wait honours readiness probes (`healthcheck`): `service_started` waits a little longer
//! than Compose would, never shorter. After `timeout` seconds (default 300) the container says
//! in its log what it waited for and exits 1; the kubelet retries it with back-off.
//!
//! The image is busybox pinned by tag **and** digest ([`WAIT_IMAGE`]); the container runs as
//! 65534:65534 with the hardening komply gives every container (read-only root, no privilege
//! escalation, all capabilities dropped, seccomp RuntimeDefault) and small resources.
//! `x-komply.wait_for` (service or project) and the overlay's `wait_for` turn it off or tune it.
//!
//! `service_completed_successfully` has no Kubernetes equivalent between workloads (a Job does
//! not gate a Deployment): it is reported with the usual replacements.

use super::Project;
use super::k8s::*;
use super::naming::dns_label;
use super::reach::Endpoint;
use super::xkomply::{ServiceX, WaitFor};
use crate::compose::model::Service;
use crate::diag::{Code, Diagnostic};

/// busybox 1.38.0, multi-arch image index (docker-library/repo-info,
/// `repos/busybox/tag-details.md`, commit 01a7054230d50b3dccaf8d579f161c522be8c9f0). The digest
/// pins the content; the tag keeps it readable and satisfies tag-pinning linters.
pub const WAIT_IMAGE: &str =
    "busybox:1.38.0@sha256:dc2d74b28e4cf8984fa52af1f39bc7c3d9c73760b41a74d629f5d11b1ab28616";
/// Seconds an init container waits before it gives up (and is retried by the kubelet).
pub const DEFAULT_TIMEOUT: u64 = 300;
/// The user and group the wait runs as (`nobody`).
const NOBODY: i64 = 65534;

/// `sh -c SCRIPT wait HOST PORT TIMEOUT CONDITION`.
const TCP_SCRIPT: &str = r#"echo "komply: waiting up to ${3}s for $1:$2 to accept connections (depends_on condition: $4)"
if timeout "$3" sh -c 'until nc -z -w 2 "$0" "$1" 2>/dev/null; do sleep 2; done' "$1" "$2"; then
  echo "komply: $1:$2 accepts connections"
else
  echo "komply: gave up after ${3}s waiting for $1:$2 to accept connections (depends_on condition: $4); is its pod ready?" >&2
  exit 1
fi
"#;

/// `sh -c SCRIPT wait HOST TIMEOUT CONDITION`. busybox `nc` says "bad address" while the name
/// does not resolve (busybox `nslookup` ignores the pod's DNS search path).
const DNS_SCRIPT: &str = r#"echo "komply: waiting up to ${2}s for $1 to resolve to a ready pod (depends_on condition: $3)"
if timeout "$2" sh -c 'until case `nc -z -w 2 "$0" 1 2>&1` in *"bad address"*) false ;; *) true ;; esac; do sleep 2; done' "$1"; then
  echo "komply: $1 resolves"
else
  echo "komply: gave up after ${2}s waiting for $1 to resolve (depends_on condition: $3); is its pod ready?" >&2
  exit 1
fi
"#;

/// The effective wait settings of a service: its own `x-komply.wait_for` over the project's.
struct Settings {
    enabled: bool,
    timeout: u64,
    image: String,
}

fn settings(project: Option<&WaitFor>, own: Option<&WaitFor>) -> Settings {
    let mut s = Settings {
        enabled: true,
        timeout: DEFAULT_TIMEOUT,
        image: WAIT_IMAGE.to_string(),
    };
    for w in [project, own].into_iter().flatten() {
        match w {
            WaitFor::Switch(on) => s.enabled = *on,
            WaitFor::Settings(x) => {
                s.enabled = x.enabled.unwrap_or(true);
                if let Some(t) = x.timeout {
                    s.timeout = t;
                }
                if let Some(i) = &x.image {
                    s.image = i.clone();
                }
            }
        }
    }
    s
}

fn resources() -> Resources {
    let m = |cpu: &str, mem: &str| {
        Map::from([
            ("cpu".to_string(), cpu.to_string()),
            ("memory".to_string(), mem.to_string()),
        ])
    };
    Resources {
        limits: m("100m", "32Mi"),
        requests: m("10m", "16Mi"),
    }
}

fn container(name: &str, image: &str, script: &str, args: Vec<String>) -> Container {
    let mut command = vec!["/bin/sh".to_string(), "-c".to_string(), script.to_string()];
    command.push("wait".into());
    Container {
        name: name
            .chars()
            .take(63)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string(),
        image: image.to_string(),
        command: Some(command),
        args: Some(args),
        resources: Some(resources()),
        security_context: SecurityContext {
            allow_privilege_escalation: false,
            privileged: false,
            read_only_root_filesystem: true,
            run_as_non_root: true,
            run_as_user: Some(NOBODY),
            run_as_group: Some(NOBODY),
            capabilities: Capabilities {
                add: Vec::new(),
                drop: vec!["ALL".into()],
            },
            seccomp_profile: Some(SeccompProfile::default()),
        },
        ..Default::default()
    }
}

/// The wait init containers of `svc` (in `depends_on` order), each with the dependency it waits
/// for, and warnings for what cannot be waited for.
pub(crate) fn init_containers(
    p: &Project,
    svc: &Service,
    x: &ServiceX,
    warnings: &mut Vec<Diagnostic>,
) -> Vec<(String, Container)> {
    let cfg = settings(p.wait_for.as_ref(), x.wait_for.as_ref());
    let mut out = Vec::new();
    let Some(deps) = svc.node.get("depends_on").and_then(|n| n.as_map()) else {
        return out;
    };
    // By name, as `docker compose config` prints them (the order does not matter: all wait).
    let mut deps: Vec<_> = deps
        .iter()
        .filter_map(|(k, v)| k.scalar_string().map(|d| (d, k, v)))
        .collect();
    deps.sort_by(|a, b| a.0.cmp(&b.0));
    for (dep, k, v) in deps {
        let condition = v
            .get("condition")
            .and_then(|c| c.scalar_string())
            .unwrap_or_else(|| "service_started".into());
        // Not in the project (a profile left it out, or `required: false`): nothing to wait for.
        let Some(endpoint) = p.reach.endpoint(&dep) else {
            continue;
        };
        let warn = |warnings: &mut Vec<Diagnostic>, msg: String, help: String| {
            warnings.push(
                Diagnostic::warning(msg)
                    .at(k.span)
                    .code(Code::GenerateStartOrder)
                    .help(help),
            );
        };
        match (condition.as_str(), endpoint) {
            ("service_completed_successfully", Endpoint::Batch) => warn(
                warnings,
                format!(
                    "service `{}` starts after `{dep}` completes (service_completed_successfully); Kubernetes does not order a Job before other workloads",
                    svc.name
                ),
                "run it as a Helm pre-install/pre-upgrade hook, an Argo CD sync wave (PreSync hook), or an init container running the same image and command".into(),
            ),
            ("service_completed_successfully", _) => warn(
                warnings,
                format!(
                    "service `{}` waits for the long-running `{dep}` to exit (service_completed_successfully); Kubernetes has no such ordering, and `{dep}` is not a Job",
                    svc.name
                ),
                format!("make `{dep}` a Job (`restart: \"no\"`) run as a Helm hook or an Argo CD sync wave, or move its work into an init container"),
            ),
            (_, Endpoint::Batch) => warn(
                warnings,
                format!(
                    "service `{}` depends on `{dep}`, a Job: it has no Service to wait for; the start order is not kept",
                    svc.name
                ),
                "make the dependency long-running, or order the Job with a Helm hook / Argo CD sync wave".into(),
            ),
            (_, Endpoint::Tcp(host, port)) if cfg.enabled => out.push((
                dep.clone(),
                container(
                    &format!("wait-for-{}", dns_label(&dep)),
                    &cfg.image,
                    TCP_SCRIPT,
                    vec![host.clone(), port.to_string(), cfg.timeout.to_string(), condition.clone()],
                ),
            )),
            (_, Endpoint::Dns(host)) if cfg.enabled => out.push((
                dep.clone(),
                container(
                    &format!("wait-for-{}", dns_label(&dep)),
                    &cfg.image,
                    DNS_SCRIPT,
                    vec![host.clone(), cfg.timeout.to_string(), condition.clone()],
                ),
            )),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::xkomply::WaitSettings;

    #[test]
    fn settings_layer_service_over_project() {
        let s = settings(None, None);
        assert!(s.enabled && s.timeout == DEFAULT_TIMEOUT && s.image == WAIT_IMAGE);
        let s = settings(Some(&WaitFor::Switch(false)), None);
        assert!(!s.enabled);
        let s = settings(Some(&WaitFor::Switch(false)), Some(&WaitFor::Switch(true)));
        assert!(s.enabled);
        let s = settings(
            None,
            Some(&WaitFor::Settings(WaitSettings {
                enabled: None,
                timeout: Some(60),
                image: Some("mirror.example.com/busybox:1.38.0".into()),
            })),
        );
        assert!(s.enabled && s.timeout == 60 && s.image.starts_with("mirror"));
    }

    #[test]
    fn pinned_by_tag_and_digest() {
        let (name_tag, digest) = WAIT_IMAGE.split_once('@').unwrap();
        assert!(name_tag.split_once(':').is_some_and(|(_, t)| t != "latest"));
        assert_eq!(digest.len(), "sha256:".len() + 64);
        // No `$(`: Kubernetes would expand it in command / args.
        assert!(!TCP_SCRIPT.contains("$(") && !DNS_SCRIPT.contains("$("));
    }
}
