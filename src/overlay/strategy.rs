//! Rollout strategies from one compose service's objects:
//!
//! - `rolling`: the Deployment's RollingUpdate parameters.
//! - `canary` (Istio, static): `<name>-stable` and `<name>-canary` Deployments told apart by a
//!   `version` label (their images' versions), the one Service selecting both, a DestinationRule
//!   with `stable` / `canary` subsets and a VirtualService splitting traffic by weight.
//! - `progressive` (Flagger): a `flagger.app/v1beta1` Canary on the Deployment; the Service is
//!   left out because Flagger creates `<name>`, `<name>-primary`, `<name>-canary` and the Istio
//!   routing itself.
//! - `blue-green`: `<name>-blue` and `<name>-green` Deployments (`color` label); the Service
//!   selects the active colour and `<name>-preview` the other one.

use serde_json::{Value, json};

use crate::diag::{Code, Diagnostic};
use crate::generate::naming;
use crate::k8s::{Object, Provenance};
use crate::yaml::Span;

use super::image;
use super::json::insert_at;
use super::model::{Image, Strategy, StrategyType, Track};

/// The label that tells canary tracks apart (Istio's convention).
pub const VERSION_LABEL: &str = "version";
/// The label that tells blue from green.
pub const COLOR_LABEL: &str = "color";

fn err<T>(at: Span, msg: String) -> Result<T, Vec<Diagnostic>> {
    Err(vec![
        Diagnostic::error(msg).at(at).code(Code::OverlayStrategy),
    ])
}

fn find(objs: &[Object], kind: &str, name: &str) -> Option<usize> {
    objs.iter().position(|o| o.is(kind, name))
}

/// The image of the Deployment's (first) container.
fn image_of(dep: &Object) -> String {
    dep.container(0)
        .and_then(|c| c.get("image"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn track_image(base: &str, t: Option<&Track>) -> String {
    match t {
        Some(Track { image: Some(i), .. }) => i.clone(),
        Some(Track { tag: Some(tag), .. }) => image::rewrite(
            base,
            &Image {
                tag: Some(tag.clone()),
                ..Default::default()
            },
        ),
        _ => base.to_string(),
    }
}

/// A copy of the Deployment as one track: new name, an extra selector + template label, its
/// own image (and version label), and optionally its own replicas.
fn track(
    dep: &Object,
    name: &str,
    label: (&str, &str),
    image: &str,
    replicas: Option<u64>,
) -> Object {
    let mut d = dep.clone();
    d.metadata.name = name.to_string();
    let version = naming::image_version(image);
    if let Some(m) = d.metadata.labels.as_mut() {
        m.insert("app.kubernetes.io/version".into(), version.clone());
        m.insert(label.0.into(), label.1.into());
        m.sort_keys();
    }
    if let Some(Value::Object(m)) = d
        .pod_template_mut()
        .and_then(|t| t.pointer_mut("/metadata/labels"))
    {
        m.insert("app.kubernetes.io/version".into(), Value::from(version));
        m.insert(label.0.into(), Value::from(label.1));
        m.sort_keys();
    }
    if let Some(Value::Object(m)) = d.get_mut(&["spec", "selector", "matchLabels"]) {
        m.insert(label.0.into(), Value::from(label.1));
        m.sort_keys();
    }
    if let Some(c) = d.container_mut(0).and_then(|c| c.get_mut("image")) {
        *c = Value::from(image);
    }
    if let Some(r) = replicas
        && let Some(Value::Object(spec)) = d.spec_mut()
    {
        // `replicas` comes first in a DeploymentSpec.
        if let Some(v) = spec.get_mut("replicas") {
            *v = Value::from(r);
        } else {
            insert_at(spec, "replicas", Value::from(r), Some(0));
        }
    }
    d
}

/// A new object beside the Deployment: same namespace, labels and service.
fn sibling(dep: &Object, api_version: &str, kind: &str, name: &str, spec: Value) -> Object {
    let mut o = Object::new(api_version, kind, name);
    o.metadata.namespace = dep.metadata.namespace.clone();
    o.metadata.labels = dep.metadata.labels.clone();
    o.body.insert("spec".into(), spec);
    o.with_provenance(Provenance::of(dep.service()))
}

/// Applies strategy `s` to the objects of service `svc` (see the module doc).
pub(crate) fn apply(
    objs: &mut Vec<Object>,
    svc: &str,
    s: &Strategy,
    at: Span,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(), Vec<Diagnostic>> {
    let name = naming::dns_label(svc);
    let Some(di) = find(objs, "Deployment", &name) else {
        let kind = objs
            .iter()
            .find(|o| o.is_workload())
            .map_or("service without a workload", Object::kind);
        return err(
            at,
            format!("service `{svc}` is a {kind}; rollout strategies apply to Deployments"),
        );
    };
    match s.type_ {
        StrategyType::Rolling => rolling(objs, di, s, svc, at, warnings),
        StrategyType::Canary => canary(objs, di, &name, s, svc, at),
        StrategyType::Progressive => progressive(objs, di, &name, s, svc, at),
        StrategyType::BlueGreen => blue_green(objs, di, &name, s, svc, at),
    }
}

fn rolling(
    objs: &mut [Object],
    di: usize,
    s: &Strategy,
    svc: &str,
    at: Span,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(), Vec<Diagnostic>> {
    if s.max_surge.is_none() && s.max_unavailable.is_none() {
        return Ok(());
    }
    let Some(strategy) = objs[di].get_mut(&["spec", "strategy"]) else {
        return err(
            at,
            format!("service `{svc}`: its Deployment has no `spec.strategy`"),
        );
    };
    if strategy["type"] == "Recreate" {
        warnings.push(
            Diagnostic::warning(format!(
                "service `{svc}` mounts a ReadWriteOnce claim, so its Deployment is recreated, not rolled; max_surge / max_unavailable are ignored"
            ))
            .at(at)
            .code(Code::OverlayStrategy),
        );
        return Ok(());
    }
    if let Some(v) = &s.max_surge {
        strategy["rollingUpdate"]["maxSurge"] = v.clone();
    }
    if let Some(v) = &s.max_unavailable {
        strategy["rollingUpdate"]["maxUnavailable"] = v.clone();
    }
    if strategy["rollingUpdate"]["maxSurge"] == 0
        && strategy["rollingUpdate"]["maxUnavailable"] == 0
    {
        return err(
            at,
            format!("service `{svc}`: max_surge and max_unavailable cannot both be 0"),
        );
    }
    Ok(())
}

fn service_index(
    objs: &[Object],
    name: &str,
    svc: &str,
    what: &str,
    at: Span,
) -> Result<usize, Vec<Diagnostic>> {
    match find(objs, "Service", name) {
        Some(i) => Ok(i),
        None => err(
            at,
            format!("service `{svc}` has no ports, so no Service to route; {what} needs one"),
        ),
    }
}

fn canary(
    objs: &mut Vec<Object>,
    di: usize,
    name: &str,
    s: &Strategy,
    svc: &str,
    at: Span,
) -> Result<(), Vec<Diagnostic>> {
    service_index(objs, name, svc, "a canary", at)?;
    let Some(ct) = s
        .canary
        .as_ref()
        .filter(|t| t.tag.is_some() || t.image.is_some())
    else {
        return err(
            at,
            format!(
                "service `{svc}`: a canary needs `canary.tag` (or `canary.image`) for the new version"
            ),
        );
    };
    let dep = objs[di].clone();
    let stable_image = image_of(&dep);
    let canary_image = track_image(&stable_image, Some(ct));
    let (sv, cv) = (
        naming::image_version(&stable_image),
        naming::image_version(&canary_image),
    );
    if sv == cv {
        return err(
            at,
            format!(
                "service `{svc}`: stable and canary are both version `{sv}`; give the canary another tag"
            ),
        );
    }
    let weight = s.weight.unwrap_or(0).min(100);
    let stable = track(
        &dep,
        &format!("{name}-stable"),
        (VERSION_LABEL, &sv),
        &stable_image,
        None,
    );
    let canary = track(
        &dep,
        &format!("{name}-canary"),
        (VERSION_LABEL, &cv),
        &canary_image,
        Some(ct.replicas.unwrap_or(1)),
    );
    objs[di] = stable;
    objs.insert(di + 1, canary);
    // The autoscaler scales the stable track; the canary keeps its fixed replicas.
    if let Some(hi) = find(objs, "HorizontalPodAutoscaler", name) {
        objs[hi].set(
            &["spec", "scaleTargetRef", "name"],
            Value::from(format!("{name}-stable")),
        );
    }
    let subset = |n: &str, v: &str| json!({"name": n, "labels": {VERSION_LABEL: v}});
    objs.push(sibling(
        &dep,
        "networking.istio.io/v1",
        "DestinationRule",
        name,
        json!({"host": name, "subsets": [subset("stable", &sv), subset("canary", &cv)]}),
    ));
    let route = |subset: &str, w: u32| json!({"destination": {"host": name, "subset": subset}, "weight": w});
    objs.push(sibling(
        &dep,
        "networking.istio.io/v1",
        "VirtualService",
        name,
        json!({"hosts": [name], "http": [{"route": [route("stable", 100 - weight), route("canary", weight)]}]}),
    ));
    Ok(())
}

fn progressive(
    objs: &mut Vec<Object>,
    di: usize,
    name: &str,
    s: &Strategy,
    svc: &str,
    at: Span,
) -> Result<(), Vec<Diagnostic>> {
    let si = service_index(objs, name, svc, "a Flagger canary", at)?;
    let Some(port) = objs[si].items_at(&["spec", "ports"]).next().cloned() else {
        return err(
            at,
            format!("service `{svc}`: its Service has no port; a Flagger canary needs one"),
        );
    };
    let dep = objs[di].clone();
    let a = s.analysis.clone().unwrap_or_default();
    let interval = a.interval.unwrap_or_else(|| "1m".into());
    let mut service = serde_json::Map::new();
    service.insert("port".into(), port["port"].clone());
    service.insert("targetPort".into(), port["targetPort"].clone());
    if let Some(n) = port.get("name") {
        service.insert("portName".into(), n.clone());
    }
    let mut spec = serde_json::Map::new();
    spec.insert("provider".into(), Value::from("istio"));
    spec.insert(
        "targetRef".into(),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": name}),
    );
    if find(objs, "HorizontalPodAutoscaler", name).is_some() {
        spec.insert(
            "autoscalerRef".into(),
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": name}),
        );
    }
    spec.insert("progressDeadlineSeconds".into(), Value::from(600));
    spec.insert("service".into(), Value::Object(service));
    let success = a.success_rate.unwrap_or(99.0);
    let success = if success.fract() == 0.0 {
        Value::from(success as u64)
    } else {
        Value::from(success)
    };
    spec.insert(
        "analysis".into(),
        json!({
            "interval": interval,
            "threshold": a.threshold.unwrap_or(5),
            "stepWeight": a.step_weight.unwrap_or(10),
            "maxWeight": a.max_weight.unwrap_or(50),
            "metrics": [
                {"name": "request-success-rate", "thresholdRange": {"min": success}, "interval": interval},
                {"name": "request-duration", "thresholdRange": {"max": a.max_duration_ms.unwrap_or(500)}, "interval": interval},
            ],
        }),
    );
    let canary = sibling(
        &dep,
        "flagger.app/v1beta1",
        "Canary",
        name,
        Value::Object(spec),
    );
    // Flagger owns the Services (and the Istio routing) of a canary target.
    objs.remove(si);
    // Flagger runs the traffic on `<name>-primary` pods (it suffixes the name label), so the
    // disruption budget must select those.
    if let Some(pi) = find(objs, "PodDisruptionBudget", name)
        && let Some(sel) =
            objs[pi].get_mut(&["spec", "selector", "matchLabels", "app.kubernetes.io/name"])
    {
        *sel = Value::from(format!("{name}-primary"));
        // (fluxcd/flagger#1604.) Those pods exist only in the cluster: tell komply's own lint.
        objs[pi].metadata.annotations_mut().insert(
            "ignore.komply.dev/pdb-selects-pods".into(),
            format!("Flagger creates the {name}-primary pods this budget protects"),
        );
    }
    objs.push(canary);
    Ok(())
}

fn blue_green(
    objs: &mut Vec<Object>,
    di: usize,
    name: &str,
    s: &Strategy,
    svc: &str,
    at: Span,
) -> Result<(), Vec<Diagnostic>> {
    let si = service_index(objs, name, svc, "blue-green", at)?;
    let active = s.active.clone().unwrap_or_else(|| "blue".into());
    let idle = if active == "blue" { "green" } else { "blue" };
    let dep = objs[di].clone();
    let base = image_of(&dep);
    let mut tracks = Vec::new();
    for (colour, t) in [("blue", s.blue.as_ref()), ("green", s.green.as_ref())] {
        tracks.push(track(
            &dep,
            &format!("{name}-{colour}"),
            (COLOR_LABEL, colour),
            &track_image(&base, t),
            t.and_then(|t| t.replicas),
        ));
    }
    objs.splice(di..=di, tracks);
    let si = if si > di { si + 1 } else { si };
    let mut preview = objs[si].clone();
    preview.metadata.name = format!("{name}-preview");
    preview.set(&["spec", "selector", COLOR_LABEL], Value::from(idle));
    objs[si].set(&["spec", "selector", COLOR_LABEL], Value::from(active));
    objs.insert(si + 1, preview);
    // One autoscaler per colour.
    if let Some(hi) = find(objs, "HorizontalPodAutoscaler", name) {
        let hpa = objs[hi].clone();
        let mut per: Vec<Object> = Vec::new();
        for colour in ["blue", "green"] {
            let mut h = hpa.clone();
            h.metadata.name = format!("{name}-{colour}");
            h.set(
                &["spec", "scaleTargetRef", "name"],
                Value::from(format!("{name}-{colour}")),
            );
            per.push(h);
        }
        objs.splice(hi..=hi, per);
    }
    Ok(())
}
