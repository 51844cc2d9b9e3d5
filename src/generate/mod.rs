//! Generate: a resolved Compose project → Kubernetes objects, secure by default.
//!
//! Entry point: [`generate`] (typed model in, [`crate::k8s::Object`]s out — each with the
//! service it was made from —, warnings beside them), then [`render`] for a YAML / JSON stream
//! or [`files`] for one file per object.
//!
//! Inside, each service's objects are built from typed structs (`k8s`, re-exported from
//! `crate::k8s::types`) and edited as JSON by the post-passes (`image_profile`, `reuse`,
//! `shared_storage`); the end of [`generate`] turns them into envelopes, and one that does not
//! read back as an object is an error, never dropped.
//!
//! **Object order** (documented, stable): the Namespace (if any) first; then services by name;
//! within a service: ConfigMaps, ExternalSecret, PersistentVolumeClaims, Services, the workload
//! (Deployment / StatefulSet / Job / CronJob), PodDisruptionBudget, HorizontalPodAutoscaler,
//! Ingress. No timestamps, argv or tool version ever appear in objects.

mod dockerfile;
pub mod image_profile;
pub mod k8s;
mod kompose;
pub mod locate;
mod mounts;
pub mod naming;
mod probe_checks;
mod probes;
mod reach;
mod reuse;
mod service;
mod shared_storage;
mod start_order;
pub mod xkomply;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

use crate::compose::model::Model;
use crate::diag::{Code, Diagnostic, Failure, Result, Severity};
use crate::k8s::{Object, Provenance};

/// How to generate.
#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    /// Directory that relative `configs.*.file` paths are resolved against.
    pub project_dir: PathBuf,
    /// Unsupported / unknown keys become errors.
    pub strict: bool,
    /// Namespace for every object (wins over the project's `x-komply.namespace`).
    pub namespace: Option<String>,
    /// The project's secret values beyond its environment (interpolation variables, Compose
    /// secret files), found by [`crate::compose::harvest::project`]: never copied anywhere.
    pub known: crate::secrets::Known,
}

/// The generated objects, in output order, and the warnings produced on the way.
#[derive(Debug, Clone)]
pub struct Output {
    /// Each with its provenance: the service it was generated from (`None` for the Namespace)
    /// and which compose key produced which field — what `komply lint` and the validate stage
    /// use to point at compose lines ([`locate`]).
    pub objects: Vec<Object>,
    pub warnings: Vec<Diagnostic>,
    /// Set by an environment with `secrets: generator` (overlay): the one Secret the pods read
    /// instead of the ExternalSecrets, which `komply migrate` writes as a secretGenerator.
    pub secret_generator: Option<SecretGenerator>,
}

/// The Secret of an environment in `secrets: generator` mode: its name and keys, never values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecretGenerator {
    pub name: String,
    pub namespace: Option<String>,
    /// The project's labels (part-of, instance, managed-by), for the generated Secret.
    pub labels: std::collections::BTreeMap<String, String>,
    /// Keys of environment variables (`<service>.<VARIABLE>`), with the service and variable.
    pub env_keys: Vec<(String, String, String)>,
    /// Keys holding whole files (Compose secrets, secret-looking bind-mounted files).
    pub file_keys: Vec<String>,
}

/// Output format of [`render`] / [`files`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// Project-wide settings resolved once.
pub(crate) struct Project<'a> {
    pub model: &'a Model,
    pub opts: &'a GenerateOptions,
    pub namespace: Option<String>,
    /// Which variables are secrets (x-komply / overlay `secret_policy`).
    pub policy: crate::secrets::Policy,
    /// Every secret value of the project: none may appear in an object.
    pub known: crate::secrets::Known,
    pub store_name: String,
    pub store_kind: String,
    pub remote_key: String,
    /// What each service's bind mounts become (by service name).
    pub mounts: BTreeMap<String, mounts::Plan>,
    /// Who reaches whom: implied / alias Services, renamed hosts, wait endpoints.
    pub reach: reach::Reach,
    /// The project's default `wait_for`.
    pub wait_for: Option<xkomply::WaitFor>,
}

impl Project<'_> {
    /// Whether a variable of `service` goes to its Secret: the policy says so, or its value
    /// holds another secret of the project (then it must not land in a ConfigMap either).
    pub(crate) fn env_is_secret(&self, service: &str, name: &str, value: &str) -> bool {
        self.policy.is_secret(name, value)
            || !self
                .known
                .find_in_except_words(value, Some(service))
                .is_empty()
    }

    /// A file's content for a ConfigMap (a Compose config, a bind-mounted file): host names
    /// rewritten ([`reach::Reach::rewrite_file`]), then every secret value of the project and
    /// every credential shape replaced by the placeholder, with a located warning — before the
    /// config hash is computed (the hash must not be a function of a secret). `what` names the
    /// file for the warning ("config `app`").
    pub(crate) fn file_content(
        &self,
        service: &str,
        what: &str,
        span: crate::yaml::Span,
        text: &str,
        warnings: &mut Vec<Diagnostic>,
    ) -> String {
        let text = self.reach.rewrite_file(service, text, span, warnings);
        let mut hits: Vec<(std::ops::Range<usize>, String)> = self
            .known
            .find_in_except_words(&text, Some(service))
            .into_iter()
            .map(|(k, r)| (r, format!("the value of `{}`", k.name)))
            .collect();
        for f in crate::secrets::shapes::find(&text) {
            hits.push((f.range, f.shape.describe()));
        }
        if hits.is_empty() {
            return text;
        }
        hits.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
        let mut out = String::new();
        let mut last = 0;
        let mut found: Vec<String> = Vec::new();
        for (r, w) in hits {
            if r.start < last {
                continue;
            }
            out.push_str(&text[last..r.start]);
            out.push_str(crate::secrets::PLACEHOLDER);
            last = r.end;
            if !found.contains(&w) {
                found.push(w);
            }
        }
        out.push_str(&text[last..]);
        let msg = format!(
            "{what} holds {}: the ConfigMap of service `{service}` has the placeholder `{}` in its place",
            found.join(", "),
            crate::secrets::PLACEHOLDER
        );
        if !warnings.iter().any(|w| w.message == msg) {
            warnings.push(
                Diagnostic::warning(msg)
                    .at(span)
                    .code(Code::SecretsReused)
                    .help("keep files that hold secrets under `secrets:` (they become ExternalSecret data)"),
            );
        }
        out
    }
}

/// Converts the model. Errors (bad `x-komply`, an unreadable config file, name collisions…)
/// are located; warnings explain everything that was not carried over.
pub fn generate(model: &Model, opts: &GenerateOptions) -> Result<Output> {
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut warnings: Vec<Diagnostic> = model.warnings.clone();

    let px: xkomply::ProjectX = match &model.x_komply {
        Some(node) => match xkomply::read(node, "project") {
            Ok(v) => v,
            Err(d) => {
                errors.extend(d);
                Default::default()
            }
        },
        None => Default::default(),
    };
    let namespace = opts.namespace.clone().or(px.namespace.clone());
    let store = px.secret_store.clone().unwrap_or_default();
    let policy = policy_of(&px);
    // Bind mounts are decided first (they read the project's files), then who reaches whom
    // (which also reads the config files the mounts carry).
    let mount_plans = mounts::plan_all(model, &opts.project_dir, &policy);
    let reach = reach::Reach::analyze(model, &mount_plans, &opts.project_dir);
    let project = Project {
        model,
        opts,
        namespace: namespace.clone(),
        known: {
            let mut k = opts.known.clone();
            k.merge(&crate::compose::harvest::model(model, &policy));
            k
        },
        policy,
        store_name: store.name.unwrap_or_else(|| "secret-store".into()),
        store_kind: store.kind.unwrap_or_else(|| "ClusterSecretStore".into()),
        remote_key: px
            .remote_key
            .clone()
            .unwrap_or_else(|| "{project}/{service}".into()),
        mounts: mount_plans,
        reach,
        wait_for: px.wait_for.clone(),
    };

    reuse::weak(&project, &mut warnings);

    // Object names come from service names: two services must not collapse into one name.
    let mut seen = std::collections::BTreeMap::new();
    for s in &model.services {
        let n = naming::dns_label(&s.name);
        if let Some(prev) = seen.insert(n.clone(), s) {
            errors.push(
                Diagnostic::error(format!(
                    "services `{}` and `{}` both become the Kubernetes name `{n}`",
                    prev.name, s.name
                ))
                .at(s.node.span)
                .related(prev.node.span, "the other one")
                .code(Code::GenerateNameCollision)
                .help("rename one of them"),
            );
        }
    }

    if model.services.is_empty() {
        warnings.push(
            Diagnostic::warning("the project has no services: nothing to convert")
                .at(model.node.span)
                .code(Code::GenerateNoServices),
        );
    }
    let mut objects = Vec::new();
    if let Some(ns) = &namespace {
        let meta = k8s::ObjectMeta {
            name: ns.clone(),
            labels: naming::labels(&model.name, &model.name, None),
            ..Default::default()
        };
        push(
            &mut objects,
            &k8s::Object {
                api_version: "v1",
                kind: "Namespace",
                metadata: meta,
                body: k8s::Empty {},
            },
        );
    }
    let mut provenance = vec![crate::k8s::Provenance::of(None); objects.len()];
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    for svc in &model.services {
        match service::build(&project, svc, &mut claimed, &mut warnings) {
            Ok(mut made) => {
                image_profile::apply(&project, svc, &mut made.objects, &mut warnings, &mut errors);
                reuse::apply(&project, svc, &mut made.objects, &mut warnings);
                objects.extend(made.objects);
                provenance.extend(made.provenance);
            }
            Err(e) => errors.extend(e),
        }
    }

    shared_storage::apply(&project, &mut objects, &mut provenance, &mut warnings);
    probe_checks::check(model, &objects, &provenance, &mut warnings);
    let objects = envelopes(objects, provenance, &mut errors);

    if opts.strict {
        for w in warnings.iter_mut() {
            if w.code.is_some_and(Code::is_strict_error) {
                w.severity = Severity::Error;
                errors.push(w.clone());
            }
        }
        warnings.retain(|w| w.severity != Severity::Error);
    }
    if !errors.is_empty() {
        errors.extend(warnings);
        return Err(Failure(errors));
    }
    Ok(Output {
        objects,
        warnings,
        secret_generator: None,
    })
}

/// The generated JSON objects as envelopes, each with the service it was made from. One that
/// does not read back as an object (a serialisation failure in [`push`]: a komply bug) is an
/// error naming it, never dropped.
fn envelopes(
    objects: Vec<Value>,
    provenance: Vec<Provenance>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Object> {
    let mut out = Vec::with_capacity(objects.len());
    for (i, (v, prov)) in objects.into_iter().zip(provenance).enumerate() {
        let service = prov.service.clone();
        match Object::from_value(v) {
            Ok(o) => out.push(o.with_provenance(prov)),
            Err(e) => errors.push(
                Diagnostic::error(format!(
                    "generated object {} of {}: {e} (a komply bug, please report it)",
                    i + 1,
                    match &service {
                        Some(s) => format!("service `{s}`"),
                        None => "the project".into(),
                    }
                ))
                .code(Code::GenerateObject),
            ),
        }
    }
    out
}

impl Output {
    /// The objects as JSON, in order (for code that edits or compares JSON: patches, diffs,
    /// KRM items).
    pub fn values(&self) -> Vec<Value> {
        self.objects.iter().map(Object::to_value).collect()
    }
}

/// The secret policy of a project: the built-in one, with the project's `x-komply`
/// `secret_policy` (an overlay's is merged into it before generation) or the legacy
/// `secret_patterns` (which replace the built-in name lists).
pub fn secret_policy(model: &Model) -> crate::secrets::Policy {
    match &model.x_komply {
        Some(node) => xkomply::read::<xkomply::ProjectX>(node, "project")
            .map(|px| policy_of(&px))
            .unwrap_or_default(),
        None => crate::secrets::Policy::default(),
    }
}

fn policy_of(px: &xkomply::ProjectX) -> crate::secrets::Policy {
    use crate::secrets::{Policy, PolicyConfig};
    let mut cfg = PolicyConfig::default();
    if let Some(patterns) = &px.secret_patterns {
        cfg.names = patterns.clone();
        cfg.defaults = Some(false);
    }
    if let Some(p) = &px.secret_policy {
        cfg.merge(p);
    }
    Policy::new(&cfg)
}

/// What each bind mount of the project becomes: `(service, target, became)` with `became` one of
/// `configmap`, `secret`, `storage`, `emptydir`, `reported` (see `generate/mounts.rs`). The same
/// decisions [`generate`] makes, for reports and measurements.
pub fn bind_mounts(model: &Model, opts: &GenerateOptions) -> Vec<(String, String, &'static str)> {
    let plans = mounts::plan_all(model, &opts.project_dir, &secret_policy(model));
    let mut out = Vec::new();
    for svc in &model.services {
        for (i, b) in &plans[&svc.name].binds {
            out.push((svc.name.clone(), svc.volumes[*i].target.clone(), b.became()));
        }
    }
    out
}

/// The services whose bind mounts become persistent storage (so they are StatefulSets with
/// claims): state, which the presets' replica floors must not multiply.
pub fn services_with_bind_storage(
    model: &Model,
    project_dir: &std::path::Path,
) -> BTreeSet<String> {
    mounts::plan_all(model, project_dir, &secret_policy(model))
        .into_iter()
        .filter(|(_, plan)| plan.has_storage())
        .map(|(svc, _)| svc)
        .collect()
}

/// The text files a bind mount of `source` carries out of the project (see
/// `mounts::carried_texts`): `(path relative to the project, real path, text)`.
pub fn bind_mount_texts(
    project_dir: &std::path::Path,
    source: &str,
) -> Vec<(String, std::path::PathBuf, String)> {
    mounts::carried_texts(project_dir, source)
}

/// Adds a typed object to a service's JSON objects. Serialising komply's own plain structs
/// cannot fail (no maps with non-string keys); if it ever did, the object is kept as `null`,
/// which the end of [`generate`] reports as an error instead of dropping it.
pub(crate) fn push<T: serde::Serialize>(objects: &mut Vec<Value>, obj: &T) {
    objects.push(serde_json::to_value(obj).unwrap_or(Value::Null));
}

/// Renders all objects as one stream: YAML documents separated by `---`, or for JSON a
/// `v1 List` (what `kubectl apply -f` accepts).
pub fn render(objects: &[Object], format: Format) -> String {
    match format {
        Format::Yaml => {
            crate::yaml::to_yaml_stream(&objects.iter().map(Object::to_value).collect::<Vec<_>>())
        }
        Format::Json => {
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objects});
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

/// The file of one object in [`files`]: `<name>-<kind>.yaml` / `.json` (kompose's naming).
pub fn file_name(name: &str, kind: &str, format: Format) -> String {
    let ext = match format {
        Format::Yaml => "yaml",
        Format::Json => "json",
    };
    format!("{name}-{}.{ext}", kind.to_ascii_lowercase())
}

/// One file per object ([`file_name`]), in output order.
pub fn files(objects: &[Object], format: Format) -> Vec<(String, String)> {
    objects
        .iter()
        .map(|o| {
            let name = file_name(o.name(), o.kind(), format);
            match format {
                Format::Yaml => (name, crate::yaml::to_yaml(&o.to_value())),
                Format::Json => {
                    let mut s = serde_json::to_string_pretty(o).unwrap_or_default();
                    s.push('\n');
                    (name, s)
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::k8s::Provenance;
    use serde_json::json;

    /// An object that does not read back (what `push` keeps when serialising fails) is an
    /// error naming its service, and the others still come out in order.
    #[test]
    fn an_object_that_does_not_read_back_is_an_error_not_dropped() {
        let ok = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}});
        let mut errors = Vec::new();
        let out = super::envelopes(
            vec![ok.clone(), serde_json::Value::Null, ok],
            vec![
                Provenance::of(None),
                Provenance::of(Some("web")),
                Provenance::of(Some("web")),
            ],
            &mut errors,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].service(), None);
        assert_eq!(out[1].service(), Some("web"));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .message
                .starts_with("generated object 2 of service `web`: the object is null"),
            "{}",
            errors[0].message
        );
    }
}
