//! Before generation: the overlay's settings that shape what is generated are written into the
//! typed Compose model — image, replicas, and the keys `x-komply` already knows (autoscale,
//! pdb, ingress, storage…), merged into the service's `x-komply` as span-carrying nodes so the
//! generator validates them and any error still points into the overlay file.

use crate::compose::model::Model;
use crate::diag::{Code, Diagnostic};
use crate::yaml::{Node, NodeKind};

use super::image;
use super::load::merge_nodes;
use super::model::Overlay;

/// Overlay keys carried into `x-komply` as they are.
const XKOMPLY_KEYS: [&str; 7] = [
    "autoscale",
    "pdb",
    "ingress",
    "storage",
    "pre_stop_sleep",
    "service_type",
    "image_pull_policy",
];

fn key(s: &str) -> Node {
    Node::synthetic(NodeKind::Str(s.to_string()))
}

fn set(map: &mut Node, k: &str, v: Node) {
    if let Some(entries) = map.as_map_mut() {
        match entries.iter_mut().find(|(ek, _)| ek.scalar_eq(k)) {
            Some(e) => e.1 = v,
            None => entries.push((key(k), v)),
        }
    }
}

fn remove(map: &mut Node, k: &str) {
    if let Some(entries) = map.as_map_mut() {
        entries.retain(|(ek, _)| !ek.scalar_eq(k));
    }
}

/// A service that keeps state (a StatefulSet, a Deployment with a claim, a bind mount of the
/// image's data directory) or is a single writer by nature (a database, a cache with data: the
/// image table says so): more pods do not make a database a cluster, so the `defaults.replicas`
/// floor skips it.
fn stateful(svc: &crate::compose::model::Service) -> bool {
    use crate::compose::model::MountKind;
    use crate::generate::image_profile;
    if image_profile::single_instance(svc.image.as_deref())
        || svc.volumes.iter().any(|m| {
            m.kind == MountKind::Bind
                && image_profile::is_data_path(svc.image.as_deref(), &m.target)
        })
    {
        return true;
    }
    let controller = svc
        .x_komply
        .as_ref()
        .and_then(|x| x.get("controller"))
        .and_then(Node::as_str);
    matches!(controller, Some("statefulset" | "job" | "cronjob"))
        || svc
            .volumes
            .iter()
            .any(|m| m.kind == MountKind::Volume && m.source.is_some())
}

pub(crate) fn prepare(
    model: &mut Model,
    merged: &Node,
    ov: &Overlay,
    project_dir: &std::path::Path,
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    // Bind-mounted directories that become storage keep state like a named volume does.
    let bind_storage = crate::generate::services_with_bind_storage(model, project_dir);
    // A service the project does not have is a mistake (a typo, or a service renamed since).
    if let Some(services) = merged.get("services").and_then(Node::as_map) {
        let names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
        for (k, _) in services {
            let name = k.scalar_string().unwrap_or_default();
            if !names.contains(&name.as_str()) {
                let mut d = Diagnostic::error(format!(
                    "overlay names service `{name}`, which the project does not have"
                ))
                .at(k.span)
                .code(Code::OverlayUnknownService);
                d = match crate::validate::suggest::closest(&name, names.iter().copied()) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!("the project's services: {}", names.join(", "))),
                };
                errors.push(d);
            }
        }
    }
    let defaults = merged.get("defaults");
    let project = model.name.clone();
    for svc in &mut model.services {
        let own = ov.services.get(&svc.name);
        let own_node = merged.at(&["services", &svc.name]);

        // ---- image ----------------------------------------------------------------------
        let img = image::merge(
            image::merge(ov.image.as_ref(), ov.defaults.image.as_ref()).as_ref(),
            own.and_then(|o| o.image.as_ref()),
        );
        if let Some(img) = img {
            let current = svc
                .image
                .clone()
                .unwrap_or_else(|| format!("{project}-{}", svc.name));
            svc.image = Some(image::rewrite(&current, &img));
        }

        // ---- replicas: exact per service, a floor under `defaults` -----------------------
        if let Some(r) = own.and_then(|o| o.replicas) {
            svc.replicas = Some(r);
        } else if let Some(floor) = ov.defaults.replicas
            && svc.replicas.is_none_or(|r| r < floor)
            && !stateful(svc)
            && !bind_storage.contains(&svc.name)
        {
            svc.replicas = Some(floor);
        }

        // ---- x-komply keys: defaults fill gaps, the service's block merges over ----------
        let mut xk = svc
            .x_komply
            .clone()
            .filter(Node::is_map)
            .unwrap_or_else(|| Node::synthetic(NodeKind::Map(Vec::new())));
        let before = xk.clone();
        for k in XKOMPLY_KEYS {
            if let Some(d) = defaults.and_then(|d| d.get(k))
                && xk.get(k).is_none()
                && d.as_bool() != Some(false)
            {
                // `defaults.<key>: false` sets nothing; the service's own block below still applies.
                set(&mut xk, k, d.clone());
            }
            if let Some(v) = own_node.and_then(|o| o.get(k)) {
                if v.as_bool() == Some(false) {
                    remove(&mut xk, k);
                    continue;
                }
                let merged_v = match xk.get(k) {
                    Some(old) => merge_nodes(old.clone(), v.clone()),
                    None => v.clone(),
                };
                set(&mut xk, k, merged_v);
            }
        }
        // `wait_for: false` is a value (waits off), not "no setting": carried as it is.
        if let Some(d) = defaults.and_then(|d| d.get("wait_for"))
            && xk.get("wait_for").is_none()
        {
            set(&mut xk, "wait_for", d.clone());
        }
        if let Some(v) = own_node.and_then(|o| o.get("wait_for")) {
            set(&mut xk, "wait_for", v.clone());
        }
        // HPA + replicas: the replicas become the autoscaler's floor unless it names one; the
        // workload then carries no `replicas` (the generator leaves them out).
        if let Some(auto) = xk.get("autoscale").filter(|a| a.is_map()).cloned() {
            let max = auto.get("max").and_then(Node::as_i64);
            let mut auto = auto;
            let min = match auto.get("min").and_then(Node::as_i64) {
                Some(m) => Some(m),
                None => match svc.replicas {
                    Some(r) if r >= 1 => {
                        set(&mut auto, "min", Node::synthetic(NodeKind::Int(r as i64)));
                        Some(r as i64)
                    }
                    _ => None,
                },
            };
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                let at = auto.get("max").map_or(auto.span, |n| n.span);
                errors.push(
                    Diagnostic::error(format!(
                        "service `{}`: autoscale max {max} is below its minimum of {min} replicas",
                        svc.name
                    ))
                    .at(at)
                    .code(Code::OverlayAutoscaleRange)
                    .help("raise `autoscale.max`, or set `autoscale.min` (it defaults to the service's replicas)"),
                );
            }
            set(&mut xk, "autoscale", auto);
        }
        if xk != before {
            svc.x_komply = Some(xk);
        }
    }
    // ---- secret policy: the overlay's adds to the project's `x-komply.secret_policy` ------
    if let Some(over) = &ov.secret_policy {
        let mut px = model
            .x_komply
            .clone()
            .filter(Node::is_map)
            .unwrap_or_else(|| Node::synthetic(NodeKind::Map(Vec::new())));
        let mut policy: crate::secrets::PolicyConfig = px
            .get("secret_policy")
            .and_then(|n| serde_json::from_value(n.to_json()).ok())
            .unwrap_or_default();
        policy.merge(over);
        let node = serde_json::to_value(&policy)
            .map(|v| Node::from_json(&v))
            .unwrap_or_else(|_| Node::synthetic(NodeKind::Map(Vec::new())));
        set(&mut px, "secret_policy", node);
        model.x_komply = Some(px);
    }
    errors
}
