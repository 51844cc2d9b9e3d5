//! One Compose service → its objects (see the order in `generate/mod.rs`), in stages that each
//! do one job, run in this order by [`build`]:
//!
//! | stage | job |
//! |---|---|
//! | [`kind`] | which workload: Deployment, StatefulSet, Job or CronJob |
//! | [`ports`] | container ports and Service ports, named |
//! | [`env`] | `environment` split: the `<svc>-env` ConfigMap, the variables that are secrets |
//! | [`configs`] | `configs:` and bind-mounted files: the `<svc>-files` ConfigMap, directory ConfigMaps |
//! | [`secrets`] | secret variables, `secrets:` and secret files: the `<svc>-secrets` ExternalSecret |
//! | [`volumes`] | named volumes and data directories: claims and claim templates; emptyDirs |
//! | [`services`] | the Service, its alias Services and the StatefulSet's governing Service |
//! | [`container`] | the container (image, command, resources, probes, security) and init containers |
//! | [`pod`] | the pod template (host namespaces, users, groups, anti-affinity, annotations) |
//! | [`workload`] | the Deployment / StatefulSet / Job / CronJob around the pod template |
//! | [`policy`] | PodDisruptionBudget, HorizontalPodAutoscaler, Ingress |
//!
//! Each stage records, for the fields it sets, the Compose key that controls them
//! ([`Provenance`]: a JSON pointer into the object, list items of named objects as `#NAME`), so
//! `komply lint` and the validate stage can point at that key.

mod configs;
mod container;
mod env;
mod kind;
mod pod;
mod policy;
mod ports;
mod secrets;
mod services;
mod volumes;
mod workload;

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::Project;
use super::k8s::{EnvFromSource, EnvVar, Map, ObjectMeta, Volume, VolumeMount};
use super::kompose::{self, Hints};
use super::mounts::Plan;
use super::naming::{self, dns_label};
use super::reach::Target;
use super::xkomply::{self, ServiceX};
use crate::compose::model::Service;
use crate::diag::{Code, Diagnostic};
use crate::k8s::Provenance;

/// What every stage of one service reads: the service, its settings, and what was decided
/// before the stages run.
pub(super) struct Ctx<'a> {
    pub p: &'a Project<'a>,
    pub svc: &'a Service,
    pub x: ServiceX,
    pub hints: Hints,
    /// What its bind mounts become (decided for the whole project, `generate/mounts.rs`).
    pub plan: &'a Plan,
    /// Who reaches it and how (`generate/reach.rs`).
    pub reached: Option<&'a Target>,
    /// The objects' name: the service name as a DNS label.
    pub name: String,
    pub image: String,
    pub labels: Map,
    pub selector: Map,
    pub workload: kind::Workload,
}

impl<'a> Ctx<'a> {
    /// Reads the service's settings and decides its image and workload kind.
    fn new(
        p: &'a Project<'a>,
        svc: &'a Service,
        plan: &'a Plan,
        warnings: &mut Vec<Diagnostic>,
        errors: &mut Vec<Diagnostic>,
    ) -> Result<Ctx<'a>, Vec<Diagnostic>> {
        let x: ServiceX = match &svc.x_komply {
            Some(n) => xkomply::read(n, "service")?,
            None => ServiceX::default(),
        };
        let hints = kompose::read(&svc.labels, svc.span(&["labels"]), warnings);
        let plan = p.mounts.get(&svc.name).unwrap_or(plan);
        warnings.extend(plan.warnings.iter().cloned());
        let reached = p.reach.target(&svc.name);
        warnings.extend(reached.iter().flat_map(|t| t.warnings.iter().cloned()));
        let project = p.model.name.as_str();
        let image = image_of(svc, project, warnings);
        let version = naming::image_version(&image);
        let workload = kind::decide(p, svc, &x, &hints, plan, warnings, errors);
        Ok(Ctx {
            p,
            svc,
            x,
            hints,
            plan,
            reached,
            name: dns_label(&svc.name),
            image,
            labels: naming::labels(project, &svc.name, Some(&version)),
            selector: naming::selector(project, &svc.name),
            workload,
        })
    }

    /// The metadata of an object of this service named `name`.
    fn meta(&self, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: name.to_string(),
            namespace: self.p.namespace.clone(),
            labels: self.labels.clone(),
            annotations: Map::new(),
        }
    }

    /// The project's name.
    fn project(&self) -> &str {
        self.p.model.name.as_str()
    }
}

/// The service's image, or the name Compose gives the image it builds (with a warning).
fn image_of(svc: &Service, project: &str, warnings: &mut Vec<Diagnostic>) -> String {
    if let Some(i) = &svc.image {
        return i.clone();
    }
    let built = format!("{project}-{}", svc.name);
    warn(
        warnings,
        svc.key_span("build"),
        Code::GenerateNoImage,
        format!(
            "service `{}` has no `image`; using `{built}` (the name Compose gives the built image) — push it to a registry",
            svc.name
        ),
    );
    built
}

/// The objects made so far, each with its provenance.
#[derive(Debug, Default)]
pub(crate) struct Made {
    pub objects: Vec<Value>,
    pub provenance: Vec<Provenance>,
}

impl Made {
    /// Adds an object (serialising komply's own plain structs cannot fail).
    fn push<T: Serialize>(&mut self, object: &T, provenance: Provenance) {
        if let Ok(v) = serde_json::to_value(object) {
            self.objects.push(v);
            self.provenance.push(provenance);
        }
    }
}

/// What the stages add to the pod on the way: volumes, mounts, environment, and the text the
/// config hash is computed from (ConfigMap data and secret references, never secret values).
#[derive(Debug, Default)]
pub(super) struct PodParts {
    pub volumes: Vec<Volume>,
    pub mounts: Vec<VolumeMount>,
    pub env: Vec<EnvVar>,
    pub env_from: Vec<EnvFromSource>,
    pub hash_input: String,
}

/// Provenance of an object of this service whose every field comes from one of `keys` (the
/// first that exists in the compose file).
fn whole(svc: &Service, keys: &[&[&str]]) -> Provenance {
    let mut prov = Provenance::of(Some(&svc.name));
    for k in keys {
        prov.record("", k);
    }
    prov
}

fn warn(warnings: &mut Vec<Diagnostic>, span: crate::yaml::Span, code: Code, msg: String) {
    warnings.push(Diagnostic::warning(msg).at(span).code(code));
}

/// Builds one service's objects, stage by stage (see the module doc). `claimed` holds the
/// claim names already made by other services.
pub(crate) fn build(
    p: &Project,
    svc: &Service,
    claimed: &mut BTreeSet<String>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Made, Vec<Diagnostic>> {
    let mut errors: Vec<Diagnostic> = Vec::new();
    let no_plan = Plan::default();
    let c = Ctx::new(p, svc, &no_plan, warnings, &mut errors)?;
    let ports = ports::ports(&c, warnings);
    let mut made = Made::default();
    let mut pod = PodParts::default();
    let secret_env = env::env(&c, &mut made, &mut pod, warnings);
    configs::configs(&c, &mut made, &mut pod, &mut errors, warnings);
    secrets::secrets(&c, &secret_env, &mut made, &mut pod, &mut errors);
    let storage = volumes::volumes(&c, claimed, &mut made, &mut pod, warnings);
    let governing = services::services(&c, &ports, &mut made);
    let main = container::container(&c, &ports, &mut pod, warnings);
    let inits = container::init_containers(&c, warnings);
    let hpa = policy::hpa_spec(&c.x, &c.hints);
    let many = svc.replicas.unwrap_or(1) >= 2 || hpa.is_some();
    let template = pod::template(&c, main, inits, pod, many, warnings);
    workload::workload(&c, template, storage, &governing, hpa.is_some(), &mut made);
    policy::pdb(&c, many, &mut made);
    policy::hpa(&c, hpa, &mut made, &mut errors, warnings);
    policy::ingress(&c, &ports, &mut made, &mut errors);
    if errors.is_empty() {
        Ok(made)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
pub(super) mod testing {
    //! A project from canonical YAML, for the stages' unit tests.

    use super::*;
    use crate::compose::model::Model;
    use crate::generate::{GenerateOptions, mounts, reach};
    use crate::yaml::{Limits, parse_documents};

    /// The model of a canonical (`docker compose config`) project text.
    pub fn model(yaml: &str) -> Model {
        let id = crate::source::sources().add(std::path::Path::new("compose.yaml"), yaml);
        let docs = parse_documents(id, yaml, &Limits::default()).expect("yaml");
        Model::from_canonical(&docs[0]).expect("model")
    }

    /// Runs `f` with the context of service `name` of the project `yaml` (a canonical text whose
    /// `name:` is `p`), and the warnings and errors its context made.
    pub fn with<R>(
        yaml: &str,
        name: &str,
        f: impl FnOnce(&Ctx, &mut Vec<Diagnostic>, &mut Vec<Diagnostic>) -> R,
    ) -> R {
        let model = model(yaml);
        let opts = GenerateOptions::default();
        let policy = crate::secrets::Policy::default();
        let plans = mounts::plan_all(&model, &opts.project_dir, &policy);
        let reach = reach::Reach::analyze(&model, &plans, &opts.project_dir);
        let project = Project {
            model: &model,
            opts: &opts,
            namespace: None,
            policy,
            known: Default::default(),
            store_name: "secret-store".into(),
            store_kind: "ClusterSecretStore".into(),
            remote_key: "{project}/{service}".into(),
            mounts: plans,
            reach,
            wait_for: None,
        };
        let svc = model
            .services
            .iter()
            .find(|s| s.name == name)
            .expect("service");
        let (mut warnings, mut errors) = (Vec::new(), Vec::new());
        let no_plan = Plan::default();
        let c = Ctx::new(&project, svc, &no_plan, &mut warnings, &mut errors)
            .unwrap_or_else(|e| panic!("{e:?}"));
        f(&c, &mut warnings, &mut errors)
    }

    /// The compose keys recorded for `pointer`, joined with `.`.
    pub fn keys(prov: &Provenance, pointer: &str) -> Vec<String> {
        prov.keys_for(pointer).iter().map(|k| k.join(".")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use crate::diag::Code;
    use crate::generate::GenerateOptions;

    #[test]
    fn a_service_without_image_uses_the_built_name_and_says_so() {
        with(
            "name: p\nservices:\n  web:\n    build:\n      context: .\n",
            "web",
            |c, warnings, _| {
                assert_eq!(c.image, "p-web");
                assert!(
                    warnings
                        .iter()
                        .any(|w| w.code == Some(Code::GenerateNoImage))
                );
            },
        );
    }

    #[test]
    fn build_makes_the_objects_in_order_each_with_provenance() {
        let yaml = "name: p\nservices:\n  web:\n    image: nginx:1.27\n    environment:\n      A: b\n    ports:\n      - target: 80\n        published: \"8080\"\n        protocol: tcp\n";
        let model = model(yaml);
        let out = crate::generate::generate(&model, &GenerateOptions::default()).expect("generate");
        let kinds: Vec<&str> = out.objects.iter().map(|o| o.kind()).collect();
        assert_eq!(kinds, ["ConfigMap", "Service", "Deployment"]);
        let provenance: Vec<_> = out.objects.iter().map(|o| &o.provenance).collect();
        assert!(
            provenance
                .iter()
                .all(|p| p.service.as_deref() == Some("web"))
        );
        assert_eq!(
            keys(provenance[0], "/data/A"),
            ["environment.A", "environment", "env_file"]
        );
        assert_eq!(keys(provenance[1], "/spec/ports/0"), ["ports", "expose"]);
        assert_eq!(
            keys(provenance[2], "/spec/template/spec/containers/#web/image"),
            ["image", "build"]
        );
    }
}
