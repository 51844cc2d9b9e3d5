//! compose-go's consistency checks: every reference resolves, no exclusive keys together, no
//! dependency cycle.

use crate::diag::{Failure, Result};
use crate::yaml::{Node, NodeKind, Span};

use super::fail;
use crate::compose::tree::{self, key_str};

/// compose-go `checkConsistency`, the parts `config` hits.
/// `disabled`: services left out by profiles (an optional dependency on one is fine).
pub fn check_consistency(dict: &Node, disabled: &[String]) -> Result<()> {
    let empty = tree::new_map();
    let services = dict.get("services").unwrap_or(&empty);
    let names = tree::keys(services);
    let networks = dict.get("networks").unwrap_or(&empty);
    let volumes = dict.get("volumes").unwrap_or(&empty);
    let secrets = dict.get("secrets").unwrap_or(&empty);
    let configs = dict.get("configs").unwrap_or(&empty);
    let Some(entries) = services.as_map() else {
        return Ok(());
    };
    for (k, svc) in entries {
        let name = key_str(k);
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
                "compose/no-image",
            ));
        }
        if let (Some(nm), Some(nets)) = (svc.get("network_mode"), svc.get("networks"))
            && nets.as_map().is_some_and(|m| !m.is_empty())
        {
            return Err(fail(
                format!(
                    "service {name} declares mutually exclusive `network_mode` and `networks`: invalid compose project"
                ),
                nm.span,
                "compose/network-mode",
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
                        "compose/undefined-network",
                    ));
                }
            }
        }
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
                "compose/healthcheck",
            ));
        }
        if let Some(deps) = svc.get("depends_on").and_then(|d| d.as_map()) {
            for (dk, dv) in deps {
                let d = key_str(dk);
                let required = dv.get("required").and_then(|r| r.as_bool()).unwrap_or(true);
                if disabled.contains(&d) && !required {
                    continue;
                }
                if !names.contains(&d) {
                    return Err(fail(
                        format!(
                            "service {name:?} depends on undefined service {d:?}: invalid compose project"
                        ),
                        dk.span,
                        "compose/depends-on",
                    ));
                }
            }
        }
        if let Some(nm) = svc.get("network_mode").and_then(|n| n.as_str())
            && let Some(other) = nm.strip_prefix("service:")
            && !names.iter().any(|n| n == other)
        {
            return Err(fail(
                format!("service {other:?} not found for network_mode 'service:{other}'"),
                svc.get("network_mode").map(|n| n.span).unwrap_or(k.span),
                "compose/network-mode",
            ));
        }
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
                        "compose/undefined-volume",
                    ));
                }
            }
        }
        let models = dict.get("models").unwrap_or(&empty);
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
                    "compose/undefined-model",
                ));
            }
        }
        for (kind, defined) in [("secret", secrets), ("config", configs)] {
            if let Some(items) = svc.get(&format!("{kind}s")).and_then(|v| v.as_seq()) {
                for it in items {
                    let src = it
                        .get("source")
                        .and_then(|s| s.scalar_string())
                        .unwrap_or_default();
                    if !tree::has(defined, &src) {
                        return Err(fail(
                            format!(
                                "service {name:?} refers to undefined {kind} {src}: invalid compose project"
                            ),
                            it.span,
                            "compose/undefined-resource",
                        ));
                    }
                }
            }
        }
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
                "compose/container-name",
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
                    "compose/scale-replicas",
                )
                .with_related(rep.span));
        }
    }
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
                    "compose/secret",
                ));
            }
        }
    }
    check_cycles(entries)?;
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
                "compose/dependency-cycle",
            ));
        }
    }
    Ok(())
}
