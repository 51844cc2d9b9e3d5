//! compose-go's consistency checks: every reference resolves, no exclusive keys together, no
//! dependency cycle.

use crate::diag::{Code, Failure, Result};
use crate::yaml::{Node, NodeKind, Span};

use super::fail;
use crate::compose::tree::{self, key_str};

/// What a service may refer to: the project's services and top-level resources.
struct Defined<'a> {
    names: Vec<String>,
    networks: &'a Node,
    volumes: &'a Node,
    secrets: &'a Node,
    configs: &'a Node,
    models: &'a Node,
    /// Services left out by profiles (an optional dependency on one is fine).
    disabled: &'a [String],
}

/// compose-go `checkConsistency`, the parts `config` hits.
/// `disabled`: services left out by profiles (an optional dependency on one is fine).
pub fn check_consistency(dict: &Node, disabled: &[String]) -> Result<()> {
    let empty = tree::new_map();
    let services = dict.get("services").unwrap_or(&empty);
    let defined = Defined {
        names: tree::keys(services),
        networks: dict.get("networks").unwrap_or(&empty),
        volumes: dict.get("volumes").unwrap_or(&empty),
        secrets: dict.get("secrets").unwrap_or(&empty),
        configs: dict.get("configs").unwrap_or(&empty),
        models: dict.get("models").unwrap_or(&empty),
        disabled,
    };
    let Some(entries) = services.as_map() else {
        return Ok(());
    };
    for (k, svc) in entries {
        check_service(k, svc, &defined)?;
    }
    check_secret_sources(defined.secrets)?;
    check_cycles(entries)?;
    Ok(())
}

/// One service's checks, in compose-go's order (the first failure is reported).
fn check_service(k: &Node, svc: &Node, defined: &Defined) -> Result<()> {
    let name = key_str(k);
    check_image(&name, k, svc)?;
    check_networks(&name, svc, defined.networks)?;
    check_healthcheck(svc)?;
    check_depends_on(&name, svc, defined)?;
    check_network_mode_service(k, svc, &defined.names)?;
    check_volumes(&name, svc, defined.volumes)?;
    check_models(&name, svc, defined.models)?;
    check_mounts(&name, svc, defined)?;
    check_replicas(&name, svc)
}

/// A service needs an image, a build context or a provider.
fn check_image(name: &str, k: &Node, svc: &Node) -> Result<()> {
    if svc.get("build").is_none()
        && svc
            .get("image")
            .is_none_or(|i| i.scalar_string().is_none_or(|s| s.is_empty()))
        && svc.get("provider").is_none()
    {
        return Err(fail(
            format!(
                "service {name:?} has neither an image nor a build context specified: invalid compose project"
            ),
            k.span,
            Code::ComposeNoImage,
        ));
    }
    Ok(())
}

/// `network_mode` excludes `networks`; every network a service joins is defined.
fn check_networks(name: &str, svc: &Node, networks: &Node) -> Result<()> {
    if let (Some(nm), Some(nets)) = (svc.get("network_mode"), svc.get("networks"))
        && nets.as_map().is_some_and(|m| !m.is_empty())
    {
        return Err(fail(
            format!(
                "service {name} declares mutually exclusive `network_mode` and `networks`: invalid compose project"
            ),
            nm.span,
            Code::ComposeNetworkMode,
        ));
    }
    if let Some(nets) = svc.get("networks").and_then(|n| n.as_map()) {
        for (nk, _) in nets {
            let n = key_str(nk);
            if !tree::has(networks, &n) {
                return Err(fail(
                    format!(
                        "service {name:?} refers to undefined network {n}: invalid compose project"
                    ),
                    nk.span,
                    Code::ComposeUndefinedNetwork,
                ));
            }
        }
    }
    Ok(())
}

/// A `healthcheck.test` list starts with `CMD`, `CMD-SHELL` or `NONE`.
fn check_healthcheck(svc: &Node) -> Result<()> {
    if let Some(test) = svc
        .get("healthcheck")
        .and_then(|h| h.get("test"))
        .and_then(|t| t.as_seq())
        && let Some(first) = test.first()
        && !matches!(first.as_str(), Some("CMD" | "CMD-SHELL" | "NONE"))
    {
        return Err(fail(
            "healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"",
            first.span,
            Code::ComposeHealthcheck,
        ));
    }
    Ok(())
}

/// Every dependency is a service of the project (or an optional one profiles left out).
fn check_depends_on(name: &str, svc: &Node, defined: &Defined) -> Result<()> {
    if let Some(deps) = svc.get("depends_on").and_then(|d| d.as_map()) {
        for (dk, dv) in deps {
            let d = key_str(dk);
            let required = dv.get("required").and_then(|r| r.as_bool()).unwrap_or(true);
            if defined.disabled.contains(&d) && !required {
                continue;
            }
            if !defined.names.contains(&d) {
                return Err(fail(
                    format!(
                        "service {name:?} depends on undefined service {d:?}: invalid compose project"
                    ),
                    dk.span,
                    Code::ComposeDependsOn,
                ));
            }
        }
    }
    Ok(())
}

/// `network_mode: service:NAME` names a service of the project.
fn check_network_mode_service(k: &Node, svc: &Node, names: &[String]) -> Result<()> {
    if let Some(nm) = svc.get("network_mode").and_then(|n| n.as_str())
        && let Some(other) = nm.strip_prefix("service:")
        && !names.iter().any(|n| n == other)
    {
        return Err(fail(
            format!("service {other:?} not found for network_mode 'service:{other}'"),
            svc.get("network_mode").map(|n| n.span).unwrap_or(k.span),
            Code::ComposeNetworkMode,
        ));
    }
    Ok(())
}

/// Every named volume a service mounts is defined.
fn check_volumes(name: &str, svc: &Node, volumes: &Node) -> Result<()> {
    if let Some(vols) = svc.get("volumes").and_then(|v| v.as_seq()) {
        for v in vols {
            if v.get("type").and_then(|t| t.as_str()) == Some("volume")
                && let Some(src) = v
                    .get("source")
                    .and_then(|s| s.as_str())
                    .filter(|s| !s.is_empty())
                && !tree::has(volumes, src)
            {
                return Err(fail(
                    format!(
                        "service {name:?} refers to undefined volume {src}: invalid compose project"
                    ),
                    v.span,
                    Code::ComposeUndefinedVolume,
                ));
            }
        }
    }
    Ok(())
}

/// Every model a service uses (list or mapping) is defined.
fn check_models(name: &str, svc: &Node, models: &Node) -> Result<()> {
    let used_models: Vec<&Node> = match svc.get("models") {
        Some(m) if m.is_map() => m
            .as_map()
            .unwrap_or_default()
            .iter()
            .map(|(k, _)| k)
            .collect(),
        Some(m) => m.as_seq().unwrap_or_default().iter().collect(),
        None => Vec::new(),
    };
    for m in used_models {
        let model = m.scalar_string().unwrap_or_default();
        if !tree::has(models, &model) {
            return Err(fail(
                format!(
                    "service {name:?} refers to undefined model {model}: invalid compose project"
                ),
                m.span,
                Code::ComposeUndefinedModel,
            ));
        }
    }
    Ok(())
}

/// Every secret and config a service mounts is defined.
fn check_mounts(name: &str, svc: &Node, defined: &Defined) -> Result<()> {
    for (kind, known) in [("secret", defined.secrets), ("config", defined.configs)] {
        if let Some(items) = svc.get(&format!("{kind}s")).and_then(|v| v.as_seq()) {
            for it in items {
                let src = it
                    .get("source")
                    .and_then(|s| s.scalar_string())
                    .unwrap_or_default();
                if !tree::has(known, &src) {
                    return Err(fail(
                        format!(
                            "service {name:?} refers to undefined {kind} {src}: invalid compose project"
                        ),
                        it.span,
                        Code::ComposeUndefinedResource,
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `container_name` allows one replica; `scale` and `deploy.replicas` agree.
fn check_replicas(name: &str, svc: &Node) -> Result<()> {
    let replicas = svc
        .get("scale")
        .or_else(|| svc.get("deploy").and_then(|d| d.get("replicas")))
        .and_then(Node::as_i64);
    if let (Some(cn), Some(r)) = (svc.get("container_name"), replicas)
        && r > 1
    {
        return Err(fail(
            format!(
                "services.deploy.replicas: can't set container_name and {name} as container name must be unique: invalid compose project"
            ),
            cn.span,
            Code::ComposeContainerName,
        ));
    }
    if let (Some(scale), Some(rep)) = (
        svc.get("scale"),
        svc.get("deploy").and_then(|d| d.get("replicas")),
    ) && scale.as_i64() != rep.as_i64()
    {
        return Err(fail(
            "can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project",
            scale.span,
            Code::ComposeScaleReplicas,
        )
        .with_related(rep.span));
    }
    Ok(())
}

/// A top-level secret that is not external has a `file` or an `environment`.
fn check_secret_sources(secrets: &Node) -> Result<()> {
    if let Some(s) = secrets.as_map() {
        for (k, v) in s {
            let external = matches!(
                v.get("external").map(|e| &e.kind),
                Some(NodeKind::Bool(true))
            );
            if !external && !tree::has(v, "file") && !tree::has(v, "environment") {
                return Err(fail(
                    format!(
                        "secret {:?} must declare either `file` or `environment`: invalid compose project",
                        key_str(k)
                    ),
                    k.span,
                    Code::ComposeSecret,
                ));
            }
        }
    }
    Ok(())
}

trait WithRelated {
    fn with_related(self, span: Span) -> Self;
}
impl WithRelated for Failure {
    fn with_related(mut self, span: Span) -> Self {
        if let Some(d) = self.0.first_mut() {
            *d = d.clone().related(span, "deploy.replicas is set here");
        }
        self
    }
}

fn check_cycles(services: &[(Node, Node)]) -> Result<()> {
    fn deps(svc: &Node) -> Vec<String> {
        tree::keys(
            svc.get("depends_on")
                .unwrap_or(&Node::null(Span::SYNTHETIC)),
        )
    }
    let names: Vec<String> = services.iter().map(|(k, _)| key_str(k)).collect();
    // 0 = unvisited, 1 = on stack, 2 = done
    let mut state = vec![0u8; names.len()];
    fn visit(
        i: usize,
        services: &[(Node, Node)],
        names: &[String],
        state: &mut [u8],
    ) -> std::result::Result<(), (usize, String)> {
        state[i] = 1;
        for d in deps(&services[i].1) {
            if let Some(j) = names.iter().position(|n| *n == d) {
                if state[j] == 1 {
                    return Err((i, d));
                }
                if state[j] == 0 {
                    visit(j, services, names, state)?;
                }
            }
        }
        state[i] = 2;
        Ok(())
    }
    for i in 0..names.len() {
        if state[i] == 0
            && let Err((at, to)) = visit(i, services, &names, &mut state)
        {
            return Err(fail(
                format!("dependency cycle detected: {} -> {to}", names[at]),
                services[at].0.span,
                Code::ComposeDependencyCycle,
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{error_code, node};
    use super::*;
    use serde_json::json;

    fn check(project: serde_json::Value) -> String {
        error_code(check_consistency(&node(project), &["off".to_string()]))
    }

    #[test]
    fn a_consistent_project_passes() {
        let ok = json!({
            "services": {
                "web": {
                    "image": "nginx",
                    "networks": {"front": null},
                    "depends_on": {"db": {"required": true}, "off": {"required": false}},
                    "volumes": [{"type": "volume", "source": "data"}, {"type": "bind", "source": "/x"}],
                    "secrets": [{"source": "pw"}],
                    "models": ["m"],
                    "healthcheck": {"test": ["CMD", "true"]},
                    "scale": 2,
                    "deploy": {"replicas": 2}
                },
                "db": {"build": {"context": "."}, "network_mode": "service:web"}
            },
            "networks": {"front": {}},
            "volumes": {"data": {}},
            "secrets": {"pw": {"environment": "PW"}},
            "models": {"m": {}}
        });
        assert_eq!(check(ok), "no error");
    }

    #[test]
    fn each_broken_reference_has_its_code() {
        let cases = [
            (json!({"web": {}}), "compose/no-image"),
            (
                json!({"web": {"image": "x", "network_mode": "host", "networks": {"n": null}}}),
                "compose/network-mode",
            ),
            (
                json!({"web": {"image": "x", "networks": {"n": null}}}),
                "compose/undefined-network",
            ),
            (
                json!({"web": {"image": "x", "healthcheck": {"test": ["curl"]}}}),
                "compose/healthcheck",
            ),
            (
                json!({"web": {"image": "x", "depends_on": {"off": {"required": true}}}}),
                "compose/depends-on",
            ),
            (
                json!({"web": {"image": "x", "network_mode": "service:nope"}}),
                "compose/network-mode",
            ),
            (
                json!({"web": {"image": "x", "volumes": [{"type": "volume", "source": "v"}]}}),
                "compose/undefined-volume",
            ),
            (
                json!({"web": {"image": "x", "models": {"m": {}}}}),
                "compose/undefined-model",
            ),
            (
                json!({"web": {"image": "x", "configs": [{"source": "c"}]}}),
                "compose/undefined-resource",
            ),
            (
                json!({"web": {"image": "x", "container_name": "w", "scale": 2}}),
                "compose/container-name",
            ),
            (
                json!({"web": {"image": "x", "scale": 2, "deploy": {"replicas": 3}}}),
                "compose/scale-replicas",
            ),
            (
                json!({"a": {"image": "x", "depends_on": {"b": {}}}, "b": {"image": "x", "depends_on": {"a": {}}}}),
                "compose/dependency-cycle",
            ),
        ];
        for (services, code) in cases {
            assert_eq!(check(json!({"services": services})), code, "{services}");
        }
        let secret = json!({"services": {}, "secrets": {"s": {}, "e": {"external": true}}});
        assert_eq!(check(secret), "compose/secret");
    }
}
