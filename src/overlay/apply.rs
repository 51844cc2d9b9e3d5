//! After generation: settings applied to the generated objects of each service — container
//! resources, probes, security contexts, labels / annotations, the secret store — and the
//! rollout strategy (which may turn one Deployment into two and add Istio / Flagger objects).

use serde_json::{Map as JMap, Value, json};

use crate::diag::Diagnostic;
use crate::generate::Output;
use crate::yaml::{Node, Span};

use super::model::{Overlay, Resources, ServiceSettings, StrategyType};
use super::{Ctx, span_at, strategy};

/// The pod template of a workload object.
pub(crate) fn template_mut(obj: &mut Value) -> Option<&mut Value> {
    match obj["kind"].as_str()? {
        "Deployment" | "StatefulSet" | "Job" => obj.pointer_mut("/spec/template"),
        "CronJob" => obj.pointer_mut("/spec/jobTemplate/spec/template"),
        _ => None,
    }
}

pub(crate) fn is_workload(obj: &Value) -> bool {
    matches!(
        obj["kind"].as_str(),
        Some("Deployment" | "StatefulSet" | "Job" | "CronJob")
    )
}

/// Adds the keys of `defaults` that `target` lacks, recursively (defaults never override).
fn fill(target: &mut Value, defaults: &Value) {
    if let (Value::Object(t), Value::Object(d)) = (&mut *target, defaults) {
        for (k, v) in d {
            match t.get_mut(k) {
                Some(existing) => fill(existing, v),
                None => {
                    t.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

/// A quantity as a number of base units, for "is the request above the limit" checks.
fn quantity(v: &Value) -> Option<f64> {
    let s = match v {
        Value::Number(n) => return n.as_f64(),
        Value::String(s) => s.as_str(),
        _ => return None,
    };
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    Some(n * mult)
}

fn as_quantity(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        other => other.clone(),
    }
}

/// Resources: the service's values replace, `defaults` fill gaps — but a default never makes a
/// request exceed the limit (or a limit fall below the request), which the API server rejects.
/// Returns true when the memory limit is the default's (the caller checks the image can run in it).
fn apply_resources(
    container: &mut Value,
    own: Option<&Resources>,
    defaults: Option<&Resources>,
) -> bool {
    let mut default_memory = false;
    if own.is_none() && defaults.is_none() {
        return false;
    }
    let mut res = container
        .get("resources")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(own) = own {
        for (section, values) in [("requests", &own.requests), ("limits", &own.limits)] {
            for (k, v) in values {
                res[section][k] = as_quantity(v);
            }
        }
    }
    if let Some(d) = defaults {
        for (k, v) in &d.requests {
            if res["requests"].get(k).is_some() {
                continue;
            }
            let limit = res["limits"].get(k).and_then(quantity);
            if limit.is_some_and(|l| quantity(v).is_some_and(|q| q > l)) {
                continue;
            }
            res["requests"][k] = as_quantity(v);
        }
        for (k, v) in &d.limits {
            if res["limits"].get(k).is_some() {
                continue;
            }
            let request = res["requests"].get(k).and_then(quantity);
            if request.is_some_and(|r| quantity(v).is_some_and(|q| q < r)) {
                continue;
            }
            res["limits"][k] = as_quantity(v);
            default_memory |= k == "memory";
        }
    }
    if let Value::Object(m) = &mut res {
        m.retain(|_, v| v.as_object().is_some_and(|o| !o.is_empty()));
        // Conventional order: limits, then requests (as the generator writes them).
        let mut ordered = JMap::new();
        for k in ["limits", "requests"] {
            if let Some(v) = m.remove(k) {
                ordered.insert(k.to_string(), v);
            }
        }
        *m = ordered;
    }
    if res.as_object().is_some_and(|o| !o.is_empty()) {
        insert_after(
            container,
            "resources",
            res,
            &["env", "envFrom", "ports", "workingDir"],
        );
    }
    default_memory
}

/// A default memory limit below what the image is known to need (its JVM heap…) is raised to
/// that figure. Returns false when komply knows no figure for the image.
fn memory_floor(
    container: &mut Value,
    svc: &str,
    warnings: &mut Vec<Diagnostic>,
    at: Span,
) -> bool {
    let image = container["image"].as_str().unwrap_or_default().to_string();
    let Some((min, source)) = crate::generate::image_profile::min_memory(&image) else {
        return false;
    };
    let limit = container["resources"]["limits"]["memory"].clone();
    if quantity(&limit).is_some_and(|l| quantity(&json!(min)).is_some_and(|m| l < m)) {
        container["resources"]["limits"]["memory"] = json!(min);
        warnings.push(
            Diagnostic::warning(format!(
                "service `{svc}`: the default memory limit {} is below what image `{image}` needs; it gets {min} ({source})",
                limit.as_str().unwrap_or_default()
            ))
            .at(at)
            .code("overlay/memory-floor")
            .help(format!("set `services.{svc}.resources.limits.memory` to choose another figure")),
        );
    }
    true
}

/// Inserts `key` into an object keeping the conventional order: right after the first of
/// `after` present (or at the end), replacing an existing value in place.
fn insert_after(obj: &mut Value, key: &str, value: Value, after: &[&str]) {
    let Value::Object(m) = obj else { return };
    if let Some(v) = m.get_mut(key) {
        *v = value;
        return;
    }
    let pos = after
        .iter()
        .find_map(|a| m.keys().position(|k| k == a))
        .map(|i| i + 1);
    insert_at(m, key, value, pos);
}

/// Inserts a new key at position `pos` (the end when `None`); serde_json's map keeps order
/// but cannot move entries, so it is rebuilt.
pub(crate) fn insert_at(m: &mut JMap<String, Value>, key: &str, value: Value, pos: Option<usize>) {
    let Some(pos) = pos.filter(|p| *p < m.len()) else {
        m.insert(key.to_string(), value);
        return;
    };
    let old = std::mem::take(m);
    for (i, (k, v)) in old.into_iter().enumerate() {
        if i == pos {
            m.insert(key.to_string(), value.clone());
        }
        m.insert(k, v);
    }
}

fn apply_probes(container: &mut Value, own: &ServiceSettings, defaults: &ServiceSettings) {
    let pick = |s: &ServiceSettings, which: &str| -> Option<Value> {
        let p = s.probes.as_ref()?;
        match which {
            "readinessProbe" => p.readiness.clone(),
            "livenessProbe" => p.liveness.clone(),
            _ => p.startup.clone(),
        }
    };
    for which in ["startupProbe", "readinessProbe", "livenessProbe"] {
        let d = pick(defaults, which);
        let o = pick(own, which);
        if o.as_ref().and_then(Value::as_bool) == Some(false) {
            if let Value::Object(m) = container {
                m.shift_remove(which);
            }
            continue;
        }
        let existing = container.get(which).cloned();
        let probe = match (existing, o) {
            (Some(mut p), o) => {
                if let Some(d) = d.filter(Value::is_object) {
                    fill(&mut p, &d);
                }
                if let Some(o) = o {
                    json_patch::merge(&mut p, &o);
                }
                Some(p)
            }
            (None, Some(o)) => Some(o),
            (None, None) => None,
        };
        if let Some(p) = probe {
            insert_after(
                container,
                which,
                p,
                &["startupProbe", "resources", "env", "envFrom", "ports"],
            );
        }
    }
}

fn apply_security(template: &mut Value, own: &ServiceSettings, defaults: &ServiceSettings) {
    let sc = |s: &ServiceSettings, pod: bool| {
        let c = s.security_context.as_ref()?;
        if pod {
            c.pod.clone()
        } else {
            c.container.clone()
        }
    };
    for (pod, pointer) in [
        (true, "/spec/securityContext"),
        (false, "/spec/containers/0/securityContext"),
    ] {
        if let Some(target) = template.pointer_mut(pointer) {
            if let Some(d) = sc(defaults, pod) {
                fill(target, &d);
            }
            if let Some(o) = sc(own, pod) {
                json_patch::merge(target, &o);
            }
        }
    }
}

fn add_map(obj: &mut Value, pointer: &str, extra: &super::model::Map) {
    if extra.is_empty() {
        return;
    }
    let Some(meta) = obj.pointer_mut(pointer) else {
        return;
    };
    let Value::Object(m) = meta else { return };
    for (k, v) in extra {
        m.insert(k.clone(), Value::String(v.clone()));
    }
    m.sort_keys();
}

fn ensure(obj: &mut Value, parent: &str, key: &str) {
    if let Some(Value::Object(m)) = obj.pointer_mut(parent)
        && !m.contains_key(key)
    {
        // labels come before annotations in metadata.
        let pos = if key == "labels" {
            m.keys().position(|k| k == "annotations")
        } else {
            None
        };
        insert_at(m, key, json!({}), pos);
    }
}

/// Labels / annotations on one object (metadata, and the pod template for workloads).
fn label_object(
    obj: &mut Value,
    labels: &super::model::Map,
    annotations: &super::model::Map,
    pod_annotations: &super::model::Map,
) {
    if !labels.is_empty() {
        ensure(obj, "/metadata", "labels");
        add_map(obj, "/metadata/labels", labels);
    }
    if !annotations.is_empty() {
        ensure(obj, "/metadata", "annotations");
        add_map(obj, "/metadata/annotations", annotations);
    }
    if is_workload(obj)
        && let Some(t) = template_mut(obj)
    {
        if !labels.is_empty() {
            ensure(t, "/metadata", "labels");
            add_map(t, "/metadata/labels", labels);
        }
        if !pod_annotations.is_empty() {
            ensure(t, "/metadata", "annotations");
            add_map(t, "/metadata/annotations", pod_annotations);
        }
    }
}

/// Applies everything but the raw patches. `out.objects` / `out.provenance` are rebuilt (the
/// strategies add and remove objects; a copy keeps the provenance of what it copies).
pub(crate) fn apply(out: &mut Output, ov: &Overlay, merged: &Node, ctx: &Ctx) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let keys = match ov
        .secret_store
        .as_ref()
        .and_then(|s| s.remote_key.as_deref())
    {
        Some(pattern) => {
            match super::secrets::RemoteKeys::compile(
                pattern,
                span_at(merged, &["secret_store", "remote_key"]),
            ) {
                Ok(k) => Some(k),
                Err(d) => return vec![d],
            }
        }
        None => None,
    };
    // Contiguous groups of objects per service (generation emits a service's objects together).
    let mut groups: Vec<(Option<String>, Vec<Value>)> = Vec::new();
    let ledger = crate::k8s::provenance::Ledger::new(&out.objects, &out.provenance);
    for (obj, svc) in std::mem::take(&mut out.objects).into_iter().zip(
        std::mem::take(&mut out.provenance)
            .into_iter()
            .map(|p| p.service),
    ) {
        match groups.last_mut() {
            Some((s, objs)) if *s == svc => objs.push(obj),
            _ => groups.push((svc, vec![obj])),
        }
    }
    // `secrets: generator` first: what the strategies copy already reads the one Secret.
    if ov.secrets == Some(super::model::SecretsMode::Generator)
        && let Some((generator, note)) = super::generator::apply(
            &mut groups,
            &ctx.project,
            &ctx.env,
            &ov.labels,
            super::key_span_at(merged, &["secrets"]),
        )
    {
        out.secret_generator = Some(generator);
        out.warnings.push(note);
    }
    let empty = ServiceSettings::default();
    let mut unknown_memory: Vec<String> = Vec::new();
    for (svc, objs) in &mut groups {
        let Some(svc) = svc.as_deref() else {
            for o in objs.iter_mut() {
                label_object(o, &ov.labels, &ov.annotations, &Default::default());
            }
            continue;
        };
        let own = ov.services.get(svc).unwrap_or(&empty);
        let defaults = &ov.defaults;
        for o in objs.iter_mut() {
            let kind = o["kind"].as_str().unwrap_or_default().to_string();
            if !is_workload(o) {
                continue;
            }
            if matches!(kind.as_str(), "Job" | "CronJob") && own.replicas.is_some() {
                errors.push(
                    Diagnostic::error(format!(
                        "service `{svc}` is a {kind}; `replicas` applies to Deployments and StatefulSets"
                    ))
                    .at(span_at(merged, &["services", svc, "replicas"]))
                    .code("overlay/replicas"),
                );
            }
            let Some(t) = template_mut(o) else { continue };
            if let Some(c) = t.pointer_mut("/spec/containers/0") {
                let default_memory =
                    apply_resources(c, own.resources.as_ref(), defaults.resources.as_ref());
                let at = span_at(merged, &["defaults", "resources", "limits", "memory"]);
                if default_memory && !memory_floor(c, svc, &mut out.warnings, at) {
                    unknown_memory.push(svc.to_string());
                }
                if matches!(kind.as_str(), "Deployment" | "StatefulSet") {
                    let window = |c: &Value| {
                        let p = &c["startupProbe"];
                        Some(p["failureThreshold"].as_u64()? * p["periodSeconds"].as_u64()?)
                    };
                    let before = window(c);
                    apply_probes(c, own, defaults);
                    if let (Some(b), Some(a)) = (before, window(c))
                        && a < b
                    {
                        let at = if own.probes.is_some() {
                            span_at(merged, &["services", svc, "probes", "startup"])
                        } else {
                            span_at(merged, &["defaults", "probes", "startup"])
                        };
                        out.warnings.push(
                            Diagnostic::warning(format!(
                                "service `{svc}`: this startup probe gives up after {a}s, but its healthcheck allows {b}s (start_period + retries × interval); a slow start is killed in Kubernetes where Docker would have waited"
                            ))
                            .at(at)
                            .code("overlay/startup-probe-short")
                            .help(format!("raise failureThreshold × periodSeconds to at least {b}")),
                        );
                    }
                }
            }
            apply_security(t, own, defaults);
            crate::generate::image_profile::drop_resolved_warnings(o, svc, &mut out.warnings);
        }
        // ---- rollout strategy -------------------------------------------------------------
        if let Some(s) = &own.strategy {
            let at = span_at(merged, &["services", svc, "strategy"]);
            if let Err(d) = strategy::apply(objs, svc, s, at, &mut out.warnings) {
                errors.extend(d);
            }
        } else if let Some(s) = &defaults.strategy
            && objs.iter().any(|o| o["kind"] == "Deployment")
        {
            // Only rolling parameters make sense for every service (checked once, below).
            if s.type_ == StrategyType::Rolling {
                let at = span_at(merged, &["defaults", "strategy"]);
                if let Err(d) = strategy::apply(objs, svc, s, at, &mut out.warnings) {
                    errors.extend(d);
                }
            }
        }
        // ---- labels, annotations, secret store --------------------------------------------
        let mut labels = ov.labels.clone();
        labels.extend(defaults.labels.clone());
        labels.extend(own.labels.clone());
        let mut annotations = ov.annotations.clone();
        annotations.extend(defaults.annotations.clone());
        annotations.extend(own.annotations.clone());
        let mut pod_annotations = defaults.pod_annotations.clone();
        pod_annotations.extend(own.pod_annotations.clone());
        for o in objs.iter_mut() {
            label_object(o, &labels, &annotations, &pod_annotations);
            if o["kind"] == "ExternalSecret"
                && let Some(store) = &ov.secret_store
                && let Err(d) = super::secrets::apply(o, svc, store, keys.as_ref(), ctx)
            {
                errors.push(d);
            }
        }
        // Probes and security contexts are free-form Kubernetes fields: the workloads they
        // landed in must still validate, or the error points at the overlay that wrote them.
        let free_form = [
            ("services", Some(svc), "probes", own.probes.is_some()),
            (
                "services",
                Some(svc),
                "security_context",
                own.security_context.is_some(),
            ),
            ("defaults", None, "probes", defaults.probes.is_some()),
            (
                "defaults",
                None,
                "security_context",
                defaults.security_context.is_some(),
            ),
        ];
        if let Some((top, name, key, _)) = free_form.iter().find(|f| f.3) {
            let path: Vec<&str> = [Some(*top), *name, Some(*key)]
                .into_iter()
                .flatten()
                .collect();
            for o in objs.iter().filter(|o| is_workload(o)) {
                if let Ok(v) = crate::validate::validate_k8s_json(o)
                    && let Some(v) = v.first()
                {
                    errors.push(
                        Diagnostic::error(format!(
                            "with this overlay, {} {} is not valid: {}",
                            o["kind"].as_str().unwrap_or_default(),
                            o["metadata"]["name"].as_str().unwrap_or_default(),
                            v.message
                        ))
                        .at(super::key_span_at(merged, &path))
                        .code("overlay/invalid-result"),
                    );
                }
            }
        }
    }
    unknown_memory.dedup();
    if !unknown_memory.is_empty()
        && let Some(limit) = ov
            .defaults
            .resources
            .as_ref()
            .and_then(|r| r.limits.get("memory"))
    {
        let limit = as_quantity(limit);
        out.warnings.push(
            Diagnostic::warning(format!(
                "the default memory limit {} applies to {}, whose memory needs komply does not know; a process that needs more is OOM-killed",
                limit.as_str().unwrap_or_default(),
                unknown_memory
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .at(span_at(merged, &["defaults", "resources", "limits", "memory"]))
            .code("overlay/memory-unknown")
            .help("give a service that needs more its own limit: `deploy.resources.limits.memory` in the compose file, or `services.<name>.resources.limits.memory` in the overlay"),
        );
    }
    if let Some(s) = &ov.defaults.strategy
        && s.type_ != StrategyType::Rolling
    {
        errors.push(
            Diagnostic::error(
                "`defaults.strategy` can only set rolling-update parameters; canary, progressive and blue-green are per service",
            )
            .at(span_at(merged, &["defaults", "strategy", "type"]))
            .code("overlay/strategy"),
        );
    }
    for (svc, objs) in groups {
        for o in objs {
            out.provenance.push(ledger.carry(&o, svc.as_deref()));
            out.objects.push(o);
        }
    }
    errors
}
