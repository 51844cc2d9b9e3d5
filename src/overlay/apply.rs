//! After generation: settings applied to the generated objects of each service — container
//! resources, probes, security contexts, labels / annotations, the secret store — and the
//! rollout strategy (which may turn one Deployment into two and add Istio / Flagger objects).

use serde_json::{Map as JMap, Value, json};

use crate::diag::{Code, Diagnostic};
use crate::generate::Output;
use crate::k8s::{Object, quantity, workload};
use crate::yaml::{Node, Span};

use super::generator::Group;
use super::json::{insert_after, insert_at};
use super::model::{Overlay, Resources, ServiceSettings, StrategyType};
use super::{Ctx, span_at, strategy};

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
                res[section][k] = quantity::to_string_value(v);
            }
        }
    }
    if let Some(d) = defaults {
        for (k, v) in &d.requests {
            if res["requests"].get(k).is_some() {
                continue;
            }
            let limit = res["limits"].get(k).and_then(quantity::parse);
            if limit.is_some_and(|l| quantity::parse(v).is_some_and(|q| q > l)) {
                continue;
            }
            res["requests"][k] = quantity::to_string_value(v);
        }
        for (k, v) in &d.limits {
            if res["limits"].get(k).is_some() {
                continue;
            }
            let request = res["requests"].get(k).and_then(quantity::parse);
            if request.is_some_and(|r| quantity::parse(v).is_some_and(|q| q < r)) {
                continue;
            }
            res["limits"][k] = quantity::to_string_value(v);
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
    if quantity::parse(&limit).is_some_and(|l| quantity::parse_str(&min).is_some_and(|m| l < m)) {
        container["resources"]["limits"]["memory"] = Value::from(min.as_str());
        warnings.push(
            Diagnostic::warning(format!(
                "service `{svc}`: the default memory limit {} is below what image `{image}` needs; it gets {min} ({source})",
                limit.as_str().unwrap_or_default()
            ))
            .at(at)
            .code(Code::OverlayMemoryFloor)
            .help(format!("set `services.{svc}.resources.limits.memory` to choose another figure")),
        );
    }
    true
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

/// Adds `extra` to a label / annotation map and sorts it (the generator writes them sorted).
fn add_sorted(m: &mut crate::k8s::StringMap, extra: &super::model::Map) {
    for (k, v) in extra {
        m.insert(k.clone(), v.clone());
    }
    m.sort_keys();
}

/// [`add_sorted`] on the JSON map at `pointer` of a pod template (nothing if there is none).
fn add_map(obj: &mut Value, pointer: &str, extra: &super::model::Map) {
    if extra.is_empty() {
        return;
    }
    let Some(Value::Object(m)) = obj.pointer_mut(pointer) else {
        return;
    };
    for (k, v) in extra {
        m.insert(k.clone(), Value::String(v.clone()));
    }
    m.sort_keys();
}

/// Creates the (empty) map `key` in the JSON object at `parent`, labels before annotations.
fn ensure(obj: &mut Value, parent: &str, key: &str) {
    if let Some(Value::Object(m)) = obj.pointer_mut(parent)
        && !m.contains_key(key)
    {
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
    obj: &mut Object,
    labels: &super::model::Map,
    annotations: &super::model::Map,
    pod_annotations: &super::model::Map,
) {
    if !labels.is_empty() {
        add_sorted(obj.metadata.labels_mut(), labels);
    }
    if !annotations.is_empty() {
        add_sorted(obj.metadata.annotations_mut(), annotations);
    }
    if let Some(t) = obj.pod_template_mut() {
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

/// What the per-service steps report into.
struct Report<'a> {
    errors: Vec<Diagnostic>,
    warnings: &'a mut Vec<Diagnostic>,
    /// Services that got the default memory limit although komply knows no figure for them.
    unknown_memory: Vec<String>,
}

/// One service's settings: its own, and the overlay's defaults.
struct Settings<'a> {
    svc: &'a str,
    own: &'a ServiceSettings,
    defaults: &'a ServiceSettings,
    merged: &'a Node,
}

/// Applies everything but the raw patches. `out.objects` is rebuilt (the strategies add and
/// remove objects); each object keeps its provenance, new ones get their service's.
pub(crate) fn apply(out: &mut Output, ov: &Overlay, merged: &Node, ctx: &Ctx) -> Vec<Diagnostic> {
    let keys = match remote_keys(ov, merged) {
        Ok(k) => k,
        Err(d) => return d,
    };
    // What each object came from, for the copies and replacements the strategies make.
    let ledger = crate::k8s::provenance::Ledger::of(&out.objects);
    let mut groups = groups(std::mem::take(&mut out.objects));
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
    let mut report = Report {
        errors: Vec::new(),
        warnings: &mut out.warnings,
        unknown_memory: Vec::new(),
    };
    let empty = ServiceSettings::default();
    for (svc, objs) in &mut groups {
        let Some(svc) = svc.as_deref() else {
            for o in objs.iter_mut() {
                label_object(o, &ov.labels, &ov.annotations, &Default::default());
            }
            continue;
        };
        let s = Settings {
            svc,
            own: ov.services.get(svc).unwrap_or(&empty),
            defaults: &ov.defaults,
            merged,
        };
        for o in objs.iter_mut().filter(|o| o.is_workload()) {
            tune_workload(o, &s, &mut report);
        }
        rollout(objs, &s, &mut report);
        label_and_store(objs, &s, ov, keys.as_ref(), ctx, &mut report);
        check_free_form(objs, &s, &mut report);
    }
    memory_unknown(ov, merged, &mut report);
    if let Some(s) = &ov.defaults.strategy
        && s.type_ != StrategyType::Rolling
    {
        report.errors.push(
            Diagnostic::error(
                "`defaults.strategy` can only set rolling-update parameters; canary, progressive and blue-green are per service",
            )
            .at(span_at(merged, &["defaults", "strategy", "type"]))
            .code(Code::OverlayStrategy),
        );
    }
    let errors = report.errors;
    out.objects = groups.into_iter().flat_map(|(_, objs)| objs).collect();
    for o in &mut out.objects {
        if o.provenance.fields.is_empty() {
            o.provenance = ledger.carry(&o.to_value(), o.service());
        }
    }
    errors
}

/// The compiled `secret_store.remote_key` template, when the overlay has one.
fn remote_keys(
    ov: &Overlay,
    merged: &Node,
) -> Result<Option<super::secrets::RemoteKeys>, Vec<Diagnostic>> {
    let Some(pattern) = ov
        .secret_store
        .as_ref()
        .and_then(|s| s.remote_key.as_deref())
    else {
        return Ok(None);
    };
    super::secrets::RemoteKeys::compile(pattern, span_at(merged, &["secret_store", "remote_key"]))
        .map(Some)
        .map_err(|d| vec![*d])
}

/// Contiguous groups of objects per service (generation emits a service's objects together).
fn groups(objects: Vec<Object>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for obj in objects {
        match groups.last_mut() {
            Some((s, objs)) if s.as_deref() == obj.service() => objs.push(obj),
            _ => groups.push((obj.provenance.service.clone(), vec![obj])),
        }
    }
    groups
}

/// One workload: replicas of a run-to-completion kind refused; resources (with the memory
/// floor), probes (with the startup window check) and security contexts applied.
fn tune_workload(o: &mut Object, s: &Settings, report: &mut Report) {
    let (svc, own, defaults, merged) = (s.svc, s.own, s.defaults, s.merged);
    let kind = o.kind().to_string();
    if workload::runs_to_completion(&kind) && own.replicas.is_some() {
        report.errors.push(
            Diagnostic::error(format!(
                "service `{svc}` is a {kind}; `replicas` applies to Deployments and StatefulSets"
            ))
            .at(span_at(merged, &["services", svc, "replicas"]))
            .code(Code::OverlayReplicas),
        );
    }
    if o.pod_template().is_none() {
        return;
    }
    if let Some(c) = o.container_mut(0) {
        let default_memory =
            apply_resources(c, own.resources.as_ref(), defaults.resources.as_ref());
        let at = span_at(merged, &["defaults", "resources", "limits", "memory"]);
        if default_memory && !memory_floor(c, svc, report.warnings, at) {
            report.unknown_memory.push(svc.to_string());
        }
        if !workload::runs_to_completion(&kind) {
            probes_with_window_check(c, s, report.warnings);
        }
    }
    if let Some(t) = o.pod_template_mut() {
        apply_security(t, own, defaults);
    }
    crate::generate::image_profile::drop_resolved_warnings(o, svc, report.warnings);
}

/// Probes of a long-running container, and a warning when they shorten the startup window the
/// healthcheck allowed.
fn probes_with_window_check(c: &mut Value, s: &Settings, warnings: &mut Vec<Diagnostic>) {
    let window = |c: &Value| {
        let p = &c["startupProbe"];
        Some(p["failureThreshold"].as_u64()? * p["periodSeconds"].as_u64()?)
    };
    let before = window(c);
    apply_probes(c, s.own, s.defaults);
    if let (Some(b), Some(a)) = (before, window(c))
        && a < b
    {
        let svc = s.svc;
        let at = if s.own.probes.is_some() {
            span_at(s.merged, &["services", svc, "probes", "startup"])
        } else {
            span_at(s.merged, &["defaults", "probes", "startup"])
        };
        warnings.push(
            Diagnostic::warning(format!(
                "service `{svc}`: this startup probe gives up after {a}s, but its healthcheck allows {b}s (start_period + retries × interval); a slow start is killed in Kubernetes where Docker would have waited"
            ))
            .at(at)
            .code(Code::OverlayStartupProbeShort)
            .help(format!("raise failureThreshold × periodSeconds to at least {b}")),
        );
    }
}

/// The service's rollout strategy, or the defaults' rolling parameters for a Deployment.
fn rollout(objs: &mut Vec<Object>, s: &Settings, report: &mut Report) {
    let (svc, merged) = (s.svc, s.merged);
    if let Some(st) = &s.own.strategy {
        let at = span_at(merged, &["services", svc, "strategy"]);
        if let Err(d) = strategy::apply(objs, svc, st, at, report.warnings) {
            report.errors.extend(d);
        }
    } else if let Some(st) = &s.defaults.strategy
        && objs.iter().any(|o| o.kind() == "Deployment")
        // Only rolling parameters make sense for every service (checked once, in `apply`).
        && st.type_ == StrategyType::Rolling
    {
        let at = span_at(merged, &["defaults", "strategy"]);
        if let Err(d) = strategy::apply(objs, svc, st, at, report.warnings) {
            report.errors.extend(d);
        }
    }
}

/// Labels and annotations (the overlay's, the defaults', the service's) and the secret store.
fn label_and_store(
    objs: &mut [Object],
    s: &Settings,
    ov: &Overlay,
    keys: Option<&super::secrets::RemoteKeys>,
    ctx: &Ctx,
    report: &mut Report,
) {
    let (own, defaults) = (s.own, s.defaults);
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
        if o.kind() == "ExternalSecret"
            && let Some(store) = &ov.secret_store
            && let Err(d) = super::secrets::apply(o, s.svc, store, keys, ctx)
        {
            report.errors.push(*d);
        }
    }
}

/// Probes and security contexts are free-form Kubernetes fields: the workloads they landed in
/// must still validate, or the error points at the overlay that wrote them.
fn check_free_form(objs: &[Object], s: &Settings, report: &mut Report) {
    let (own, defaults) = (s.own, s.defaults);
    let free_form = [
        ("services", Some(s.svc), "probes", own.probes.is_some()),
        (
            "services",
            Some(s.svc),
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
    let Some((top, name, key, _)) = free_form.iter().find(|f| f.3) else {
        return;
    };
    let path: Vec<&str> = [Some(*top), *name, Some(*key)]
        .into_iter()
        .flatten()
        .collect();
    for o in objs.iter().filter(|o| o.is_workload()) {
        if let Ok(v) = crate::validate::validate_k8s_json(&o.to_value())
            && let Some(v) = v.first()
        {
            report.errors.push(
                Diagnostic::error(format!(
                    "with this overlay, {} {} is not valid: {}",
                    o.kind(),
                    o.name(),
                    v.message
                ))
                .at(super::key_span_at(s.merged, &path))
                .code(Code::OverlayInvalidResult),
            );
        }
    }
}

/// One warning for the services that got the default memory limit without a known figure.
fn memory_unknown(ov: &Overlay, merged: &Node, report: &mut Report) {
    report.unknown_memory.dedup();
    if report.unknown_memory.is_empty() {
        return;
    }
    let Some(limit) = ov
        .defaults
        .resources
        .as_ref()
        .and_then(|r| r.limits.get("memory"))
    else {
        return;
    };
    let limit = quantity::to_string_value(limit);
    report.warnings.push(
        Diagnostic::warning(format!(
            "the default memory limit {} applies to {}, whose memory needs komply does not know; a process that needs more is OOM-killed",
            limit.as_str().unwrap_or_default(),
            report
                .unknown_memory
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .at(span_at(merged, &["defaults", "resources", "limits", "memory"]))
        .code(Code::OverlayMemoryUnknown)
        .help("give a service that needs more its own limit: `deploy.resources.limits.memory` in the compose file, or `services.<name>.resources.limits.memory` in the overlay"),
    );
}
