//! One Compose service → its objects (see the order in `generate/mod.rs`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::image_profile;
use super::k8s::*;
use super::kompose::{self, Hints};
use super::naming::{self, dns_label};
use super::probes::{self, NamedPort};
use super::xkomply::{self, Controller, ServiceX};
use super::{Project, push};
use crate::compose::model::{MountKind, Service};
use crate::diag::Diagnostic;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Deployment,
    StatefulSet,
    Job,
    CronJob,
}

impl Kind {
    fn long_running(self) -> bool {
        matches!(self, Kind::Deployment | Kind::StatefulSet)
    }
    fn name(self) -> &'static str {
        match self {
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::Job => "Job",
            Kind::CronJob => "CronJob",
        }
    }
}

/// A port of the container, named.
struct CPort {
    target: u16,
    protocol: String,
    name: String,
}

/// A port of the Service.
struct SPort {
    name: String,
    port: u16,
    target_name: String,
    protocol: String,
    app_protocol: Option<String>,
}

fn protocol(p: &str) -> &'static str {
    match p {
        "udp" => "UDP",
        "sctp" => "SCTP",
        _ => "TCP",
    }
}

fn warn(warnings: &mut Vec<Diagnostic>, span: crate::yaml::Span, code: &str, msg: String) {
    warnings.push(Diagnostic::warning(msg).at(span).code(code));
}

pub(crate) fn build(
    p: &Project,
    svc: &Service,
    claimed: &mut BTreeSet<String>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<Value>, Vec<Diagnostic>> {
    let mut errors: Vec<Diagnostic> = Vec::new();
    let name = dns_label(&svc.name);
    let project = p.model.name.as_str();
    let x: ServiceX = match &svc.x_komply {
        Some(n) => xkomply::read(n, "service")?,
        None => ServiceX::default(),
    };
    let hints = kompose::read(&svc.labels, svc.span(&["labels"]), warnings);
    // Bind mounts and reachability were decided for the whole project (generate/mod.rs).
    let no_plan = super::mounts::Plan::default();
    let plan = p.mounts.get(&svc.name).unwrap_or(&no_plan);
    warnings.extend(plan.warnings.iter().cloned());
    let reached = p.reach.target(&svc.name);
    warnings.extend(reached.iter().flat_map(|t| t.warnings.iter().cloned()));

    // ---- image, labels ------------------------------------------------------------------
    let image = match &svc.image {
        Some(i) => i.clone(),
        None => {
            let built = format!("{project}-{}", svc.name);
            warn(
                warnings,
                svc.key_span("build"),
                "generate/no-image",
                format!(
                    "service `{}` has no `image`; using `{built}` (the name Compose gives the built image) — push it to a registry",
                    svc.name
                ),
            );
            built
        }
    };
    let version = naming::image_version(&image);
    let labels = naming::labels(project, &svc.name, Some(&version));
    let selector = naming::selector(project, &svc.name);
    let meta = |n: &str| ObjectMeta {
        name: n.to_string(),
        namespace: p.namespace.clone(),
        labels: labels.clone(),
        annotations: Map::new(),
    };

    // ---- workload kind ------------------------------------------------------------------
    let restart = match svc.restart_condition.as_deref() {
        Some("none") => Some("no".to_string()),
        Some("on-failure") => Some("on-failure".to_string()),
        Some("any") => Some("always".to_string()),
        _ => svc.restart.clone(),
    };
    let schedule = x.schedule.clone().or(hints.cronjob_schedule.clone());
    let has_named_volume = svc.volumes.iter().any(|m| {
        m.kind == MountKind::Volume
            && m.source
                .as_ref()
                .is_some_and(|s| p.model.volumes.get(s).is_none_or(|v| !v.external))
    });
    let explicit = match (x.controller, hints.controller_type.as_deref()) {
        (Some(c), _) => Some(c),
        (None, Some(t)) => match t.to_ascii_lowercase().as_str() {
            "deployment" => Some(Controller::Deployment),
            "statefulset" => Some(Controller::Statefulset),
            other => {
                warn(
                    warnings,
                    svc.span(&["labels"]),
                    crate::compose::model::UNSUPPORTED_KEY,
                    format!(
                        "service `{}`: controller type `{other}` is not supported; using the default",
                        svc.name
                    ),
                );
                None
            }
        },
        _ => None,
    };
    if svc.deploy_mode.as_deref() == Some("global") {
        warn(
            warnings,
            svc.span(&["deploy", "mode"]),
            crate::compose::model::UNSUPPORTED_KEY,
            format!(
                "service `{}`: `deploy.mode: global` (one per node) is generated as a Deployment",
                svc.name
            ),
        );
    }
    let kind = match explicit {
        Some(Controller::Deployment) => Kind::Deployment,
        Some(Controller::Statefulset) => Kind::StatefulSet,
        Some(Controller::Job) => Kind::Job,
        Some(Controller::Cronjob) => Kind::CronJob,
        None if schedule.is_some() => Kind::CronJob,
        None if matches!(restart.as_deref(), Some("no") | Some("on-failure")) => Kind::Job,
        None if has_named_volume || plan.has_storage() => Kind::StatefulSet,
        None => Kind::Deployment,
    };
    if kind == Kind::CronJob && schedule.is_none() {
        errors.push(
            Diagnostic::error(format!(
                "service `{}` is a CronJob but has no schedule",
                svc.name
            ))
            .at(svc.span(&["x-komply"]))
            .code("generate/no-schedule")
            .help("add `x-komply: {schedule: \"0 3 * * *\"}`"),
        );
    }

    // ---- ports --------------------------------------------------------------------------
    let mut cports: Vec<CPort> = Vec::new();
    let mut sports: Vec<SPort> = Vec::new();
    let mut used_names: BTreeSet<String> = BTreeSet::new();
    let mut add_port = |target: u16,
                        proto: &str,
                        published: Option<u16>,
                        wanted: Option<&str>,
                        app_protocol: Option<&str>,
                        span,
                        warnings: &mut Vec<Diagnostic>| {
        let existing = cports
            .iter()
            .position(|c| c.target == target && c.protocol == proto);
        let cname = match existing {
            Some(i) => cports[i].name.clone(),
            None => {
                let mut n = match wanted {
                    Some(w) if naming::is_port_name(w) => w.to_string(),
                    Some(w) => {
                        warn(
                            warnings,
                            span,
                            "generate/port-name",
                            format!(
                                "port name `{w}` is not a valid Kubernetes port name (≤ 15 lowercase letters, digits, '-'); a generated name is used"
                            ),
                        );
                        naming::default_port_name(target, proto, app_protocol)
                    }
                    None => naming::default_port_name(target, proto, app_protocol),
                };
                if used_names.contains(&n) {
                    n = format!("{proto}-{target}");
                }
                used_names.insert(n.clone());
                cports.push(CPort {
                    target,
                    protocol: proto.to_string(),
                    name: n.clone(),
                });
                n
            }
        };
        let port = published.unwrap_or(target);
        if sports.iter().any(|s| s.port == port && s.protocol == proto) {
            return;
        }
        // A second published port for the same container port needs its own Service port name.
        let taken = |n: &str| sports.iter().any(|s| s.name == n);
        let mut sname = cname.clone();
        if taken(&sname) {
            sname = format!("{proto}-{port}");
            let mut i = 2;
            while taken(&sname) {
                sname = format!("{proto}-{port}-{i}");
                i += 1;
            }
        }
        sports.push(SPort {
            name: sname,
            port,
            target_name: cname,
            protocol: proto.to_string(),
            app_protocol: app_protocol.map(str::to_string),
        });
    };
    for port in &svc.ports {
        let published = port
            .published
            .as_deref()
            .and_then(|p| p.parse::<u16>().ok());
        if port.published.is_some() && published.is_none() {
            warn(
                warnings,
                port.span,
                "generate/port-range",
                format!(
                    "service `{}`: published port `{}` is not a single port; the container port is used",
                    svc.name,
                    port.published.as_deref().unwrap_or("")
                ),
            );
        }
        if port.mode.as_deref() == Some("host") || port.host_ip.is_some() {
            warn(
                warnings,
                port.span,
                crate::compose::model::UNSUPPORTED_KEY,
                format!(
                    "service `{}`: host IP / host-mode publishing is not carried over; the port is exposed through the Service",
                    svc.name
                ),
            );
        }
        add_port(
            port.target,
            &port.protocol,
            published,
            port.name.as_deref(),
            port.app_protocol.as_deref(),
            port.span,
            warnings,
        );
    }
    for e in &svc.expose {
        add_port(e.port, &e.protocol, None, None, None, e.span, warnings);
    }
    // Ports other services reach it on (a port-less server, a container port clients use).
    if kind.long_running()
        && let Some(t) = reached
    {
        for &port in t.implied_ports.iter().chain(&t.extra_ports) {
            add_port(port, "tcp", Some(port), None, None, svc.node.span, warnings);
        }
    }
    let named: Vec<NamedPort> = cports
        .iter()
        .map(|c| NamedPort {
            port: c.target,
            protocol: &c.protocol,
            name: &c.name,
        })
        .collect();

    // ---- environment → ConfigMap + ExternalSecret --------------------------------------
    let mut objects: Vec<Value> = Vec::new();
    let mut env_data: BTreeMap<String, String> = BTreeMap::new();
    let mut secret_env: Vec<String> = Vec::new();
    for var in &svc.environment {
        let Some(value) = &var.value else {
            warn(
                warnings,
                var.span,
                "generate/unset-env",
                format!(
                    "service `{}`: `{}` has no value (unset when the project was resolved) and is left out",
                    svc.name, var.name
                ),
            );
            continue;
        };
        let forced_plain = x.plain_env.contains(&var.name);
        let forced_secret = x.secret_env.contains(&var.name);
        if !forced_plain && (forced_secret || p.env_is_secret(&svc.name, &var.name, value)) {
            p.reach
                .check_secret(&svc.name, &var.name, value, var.span, warnings);
            secret_env.push(var.name.clone());
        } else {
            let value = p
                .reach
                .rewrite_env(&svc.name, &var.name, value, var.span, warnings);
            env_data.insert(var.name.clone(), value);
        }
    }
    let env_cm = format!("{name}-env");
    let secret_name = format!("{name}-secrets");
    let mut hash_input = String::new();
    let mut container_env: Vec<EnvVar> = Vec::new();
    let mut env_from: Vec<EnvFromSource> = Vec::new();
    if !env_data.is_empty() {
        let cm_meta = meta(&env_cm);
        let cm = Object {
            api_version: "v1",
            kind: "ConfigMap",
            metadata: cm_meta,
            body: ConfigMapBody {
                data: env_data.clone(),
            },
        };
        hash_input.push_str(&serde_json::to_string(&env_data).unwrap_or_default());
        push(&mut objects, &cm);
        env_from.push(EnvFromSource {
            config_map_ref: NameRef {
                name: env_cm.clone(),
            },
        });
    }

    // ---- configs → ConfigMap mounted with subPath --------------------------------------
    let files_cm = format!("{name}-files");
    let mut files_data: BTreeMap<String, String> = BTreeMap::new();
    let mut files_items: Vec<KeyToPath> = Vec::new();
    let mut mounts: Vec<VolumeMount> = Vec::new();
    let mut volumes: Vec<Volume> = Vec::new();
    for c in &svc.configs {
        let Some(top) = p.model.configs.get(&c.source) else {
            errors.push(
                Diagnostic::error(format!(
                    "config `{}` is not declared under top-level `configs`",
                    c.source
                ))
                .at(c.span)
                .code("generate/undeclared-config"),
            );
            continue;
        };
        let content = if let Some(text) = &top.content {
            Some(text.clone())
        } else if let Some(file) = &top.file {
            let path = p.opts.project_dir.join(file);
            match crate::fsio::read_text(&path) {
                Ok(t) => Some(t),
                Err(f) => {
                    for d in f.0 {
                        errors.push(d.at(top.span.unwrap_or(c.span)));
                    }
                    None
                }
            }
        } else {
            warn(
                warnings,
                c.span,
                crate::compose::model::UNSUPPORTED_KEY,
                format!(
                    "config `{}` is external or comes from the environment; it is not generated — create a ConfigMap `{files_cm}` key `{}` yourself",
                    c.source,
                    naming::data_key(&c.source)
                ),
            );
            None
        };
        let key = naming::data_key(&c.source);
        if let Some(text) = content {
            let text = p.file_content(
                &svc.name,
                &format!("config `{}`", c.source),
                top.span.unwrap_or(c.span),
                &text,
                warnings,
            );
            files_data.insert(key.clone(), text);
        }
        files_items.push(KeyToPath {
            key: key.clone(),
            path: key.clone(),
            mode: c.mode,
        });
        let target = c.target.clone().unwrap_or_else(|| format!("/{}", c.source));
        mounts.push(VolumeMount {
            name: "files".into(),
            mount_path: target,
            sub_path: Some(key),
            read_only: true,
        });
    }
    plan.add_files(
        svc,
        p,
        &mut files_data,
        &mut files_items,
        &mut mounts,
        warnings,
    );
    if !files_data.is_empty() {
        hash_input.push_str(&serde_json::to_string(&files_data).unwrap_or_default());
        push(
            &mut objects,
            &Object {
                api_version: "v1",
                kind: "ConfigMap",
                metadata: meta(&files_cm),
                body: ConfigMapBody { data: files_data },
            },
        );
    }
    plan.add_dirs(
        svc,
        p,
        &meta,
        (&name, &files_cm, &format!("{name}-secrets")),
        &mut objects,
        &mut volumes,
        &mut mounts,
        &mut hash_input,
        warnings,
    );
    if !files_items.is_empty() {
        volumes.push(Volume {
            name: "files".into(),
            source: VolumeSource::ConfigMap(KeyedVolume {
                name: files_cm.clone(),
                items: files_items,
            }),
        });
    }

    // ---- secrets → one ExternalSecret ----------------------------------------------------
    let remote_key = p
        .remote_key
        .replace("{project}", project)
        .replace("{service}", &svc.name);
    let mut es_data: Vec<ExternalSecretData> = Vec::new();
    for var in &secret_env {
        es_data.push(ExternalSecretData {
            secret_key: naming::data_key(var),
            remote_ref: RemoteRef {
                key: remote_key.clone(),
                property: Some(var.clone()),
            },
        });
        container_env.push(EnvVar {
            name: var.clone(),
            value_from: EnvVarSource {
                secret_key_ref: KeyRef {
                    name: secret_name.clone(),
                    key: naming::data_key(var),
                },
            },
        });
    }
    let mut secret_items: Vec<KeyToPath> = Vec::new();
    for s in &svc.secrets {
        if !p.model.secrets.contains_key(&s.source) {
            errors.push(
                Diagnostic::error(format!(
                    "secret `{}` is not declared under top-level `secrets`",
                    s.source
                ))
                .at(s.span)
                .code("generate/undeclared-secret"),
            );
            continue;
        }
        let key = naming::data_key(&s.source);
        if !es_data.iter().any(|d| d.secret_key == key) {
            es_data.push(ExternalSecretData {
                secret_key: key.clone(),
                // A Compose secret belongs to the project, not the service: one remote
                // location for every service that uses it.
                remote_ref: RemoteRef {
                    key: format!("{project}/{}", s.source),
                    property: None,
                },
            });
        }
        secret_items.push(KeyToPath {
            key: key.clone(),
            path: key.clone(),
            mode: s.mode,
        });
        let target = match s.target.as_deref() {
            Some(t) if t.starts_with('/') => t.to_string(),
            Some(t) => format!("/run/secrets/{t}"),
            None => format!("/run/secrets/{}", s.source),
        };
        mounts.push(VolumeMount {
            name: "secrets".into(),
            mount_path: target,
            sub_path: Some(key),
            read_only: true,
        });
    }
    plan.add_secret_files(svc, project, &mut es_data, &mut secret_items, &mut mounts);
    if !secret_items.is_empty() {
        volumes.push(Volume {
            name: "secrets".into(),
            source: VolumeSource::Secret(SecretVolume {
                secret_name: secret_name.clone(),
                items: secret_items,
            }),
        });
    }
    if !es_data.is_empty() {
        let es = Object {
            api_version: "external-secrets.io/v1",
            kind: "ExternalSecret",
            metadata: meta(&secret_name),
            body: Spec {
                spec: ExternalSecretSpec {
                    refresh_interval: "1h",
                    secret_store_ref: SecretStoreRef {
                        name: p.store_name.clone(),
                        kind: p.store_kind.clone(),
                    },
                    target: ExternalSecretTarget {
                        name: secret_name.clone(),
                        creation_policy: "Owner",
                    },
                    data: es_data,
                },
            },
        };
        // The reference, not a value: the pods roll when the mapping changes.
        hash_input.push_str(
            &serde_json::to_string(
                &es.body
                    .spec
                    .data
                    .iter()
                    .map(|d| (&d.secret_key, &d.remote_ref.key, &d.remote_ref.property))
                    .collect::<Vec<_>>(),
            )
            .unwrap_or_default(),
        );
        push(&mut objects, &es);
    }

    // ---- volumes ------------------------------------------------------------------------
    let size = x
        .storage
        .as_ref()
        .and_then(|s| s.size.clone())
        .or(hints.volume_size.clone());
    let class = x
        .storage
        .as_ref()
        .and_then(|s| s.class.clone())
        .or(hints.storage_class.clone());
    let mut claim_templates: Vec<ClaimTemplate> = Vec::new();
    let mut has_pvc = false;
    let mut tmp_n = 0;
    for (i, m) in svc.volumes.iter().enumerate() {
        let bind = plan.get(i);
        // A named volume, or a bind-mounted data directory (claimed like one).
        let stored = match (&m.kind, &m.source, bind) {
            (MountKind::Volume, Some(source), _) => {
                Some((dns_label(source), p.model.volumes.get(source)))
            }
            (MountKind::Bind, _, Some(super::mounts::Bind::Storage { slug })) => Some((
                if kind == Kind::StatefulSet {
                    slug.clone()
                } else {
                    format!("{name}-{slug}")
                },
                None,
            )),
            _ => None,
        };
        let scratch = matches!(bind, Some(super::mounts::Bind::Scratch));
        match (&m.kind, stored) {
            (_, Some((vname, top))) => {
                let pvc_spec = |labels_of: Option<&BTreeMap<String, String>>| PvcSpec {
                    access_modes: vec!["ReadWriteOnce"],
                    storage_class_name: class.clone().or_else(|| {
                        labels_of.and_then(|l| l.get("kompose.volume.storage-class-name").cloned())
                    }),
                    resources: PvcResources {
                        requests: BTreeMap::from([(
                            "storage".to_string(),
                            size.clone()
                                .or_else(|| {
                                    labels_of.and_then(|l| l.get("kompose.volume.size").cloned())
                                })
                                .unwrap_or_else(|| "1Gi".into()),
                        )]),
                    },
                };
                if top.is_some_and(|t| t.external) {
                    let claim = top
                        .and_then(|t| t.name.clone())
                        .or_else(|| m.source.clone())
                        .unwrap_or_else(|| vname.clone());
                    volumes.push(Volume {
                        name: vname.clone(),
                        source: VolumeSource::PersistentVolumeClaim { claim_name: claim },
                    });
                } else if kind == Kind::StatefulSet {
                    if !claim_templates.iter().any(|c| c.metadata.name == vname) {
                        claim_templates.push(ClaimTemplate {
                            metadata: ObjectMeta {
                                name: vname.clone(),
                                labels: labels.clone(),
                                ..Default::default()
                            },
                            spec: pvc_spec(top.map(|t| &t.labels)),
                        });
                    }
                } else {
                    has_pvc = true;
                    if claimed.insert(vname.clone()) {
                        push(
                            &mut objects,
                            &Object {
                                api_version: "v1",
                                kind: "PersistentVolumeClaim",
                                metadata: meta(&vname),
                                body: Spec {
                                    spec: pvc_spec(top.map(|t| &t.labels)),
                                },
                            },
                        );
                    }
                    if !volumes.iter().any(|v| v.name == vname) {
                        volumes.push(Volume {
                            name: vname.clone(),
                            source: VolumeSource::PersistentVolumeClaim {
                                claim_name: vname.clone(),
                            },
                        });
                    }
                }
                mounts.push(VolumeMount {
                    name: vname,
                    mount_path: m.target.clone(),
                    sub_path: m.subpath.clone(),
                    read_only: m.read_only,
                });
            }
            // Files, directories and secrets were mounted above; left-out ones are reported.
            (MountKind::Bind, None) if !scratch => {}
            (MountKind::Volume, None) | (MountKind::Tmpfs, _) | (MountKind::Bind, None) => {
                if let Some(why) = image_profile::shields_image_content(&svc.volumes, m) {
                    warn(
                        warnings,
                        m.span,
                        image_profile::SHIELD,
                        format!(
                            "service `{}`: anonymous volume at `{}` is left out so the image's own files stay visible ({why}); an emptyDir would start empty and hide them",
                            svc.name, m.target
                        ),
                    );
                    continue;
                }
                tmp_n += 1;
                let is_tmpfs = m.kind == MountKind::Tmpfs;
                let vname = format!("{}-{tmp_n}", if is_tmpfs { "tmpfs" } else { "scratch" });
                if m.kind == MountKind::Volume {
                    warn(
                        warnings,
                        m.span,
                        "generate/anonymous-volume",
                        format!(
                            "service `{}`: anonymous volume at `{}` becomes an emptyDir (its data lives as long as the pod)",
                            svc.name, m.target
                        ),
                    );
                }
                volumes.push(Volume {
                    name: vname.clone(),
                    source: VolumeSource::EmptyDir(EmptyDir {
                        medium: is_tmpfs.then_some("Memory"),
                        size_limit: m.tmpfs_size.and_then(naming::memory_quantity),
                    }),
                });
                mounts.push(VolumeMount {
                    name: vname,
                    mount_path: m.target.clone(),
                    sub_path: None,
                    read_only: m.read_only,
                });
            }
            (MountKind::Other(_), None) => {
                warn(
                    warnings,
                    m.span,
                    "generate/bind-mount",
                    format!(
                        "service `{}`: host path mounted at `{}` has no meaning in a cluster and is left out",
                        svc.name, m.target
                    ),
                );
                if let Some(last) = warnings.last_mut() {
                    last.help = Some("ship the files in the image, as a Compose `configs:` entry, or in a named volume".into());
                }
            }
        }
    }

    // ---- service(s) ---------------------------------------------------------------------
    let service_type = x.service_type.clone().or_else(|| {
        hints
            .service_type
            .as_deref()
            .and_then(kompose::service_type)
            .map(str::to_string)
    });
    let node_port = hints
        .nodeport_port
        .as_deref()
        .and_then(|s| s.parse::<u16>().ok());
    let svc_ports: Vec<ServicePort> = sports
        .iter()
        .map(|s| ServicePort {
            name: s.name.clone(),
            port: s.port,
            target_port: Value::String(s.target_name.clone()),
            protocol: protocol(&s.protocol),
            app_protocol: s.app_protocol.clone(),
            node_port: if service_type.as_deref() == Some("NodePort") && sports.len() == 1 {
                node_port
            } else {
                None
            },
        })
        .collect();
    // A StatefulSet needs a governing Service; a port-less service others reach needs its name.
    let headless_for_sts =
        kind == Kind::StatefulSet || (kind.long_running() && reached.is_some_and(|t| t.headless));
    let sts_service =
        if headless_for_sts && !svc_ports.is_empty() && service_type.as_deref() != Some("Headless")
        {
            format!("{name}-headless")
        } else {
            name.clone()
        };
    if !svc_ports.is_empty() || headless_for_sts || service_type.as_deref() == Some("Headless") {
        let headless = service_type.as_deref() == Some("Headless")
            || (headless_for_sts && svc_ports.is_empty());
        let main = Object {
            api_version: "v1",
            kind: "Service",
            metadata: meta(&name),
            body: Spec {
                spec: ServiceSpec {
                    type_: service_type
                        .clone()
                        .filter(|t| t != "ClusterIP" && t != "Headless"),
                    cluster_ip: headless.then_some("None"),
                    external_traffic_policy: hints
                        .external_traffic_policy
                        .as_deref()
                        .filter(|_| {
                            matches!(service_type.as_deref(), Some("NodePort" | "LoadBalancer"))
                        })
                        .map(|p| {
                            if p.eq_ignore_ascii_case("local") {
                                "Local".to_string()
                            } else {
                                "Cluster".to_string()
                            }
                        }),
                    selector: selector.clone(),
                    ports: svc_ports.clone(),
                },
            },
        };
        push(&mut objects, &main);
        // Names other services use for it (network / links aliases, container_name…).
        for alias in reached.iter().flat_map(|t| &t.aliases) {
            let mut spec = main.body.spec.clone();
            if spec.cluster_ip.is_none() {
                spec.type_ = None;
                spec.external_traffic_policy = None;
                spec.ports.iter_mut().for_each(|p| p.node_port = None);
            }
            push(
                &mut objects,
                &Object {
                    api_version: "v1",
                    kind: "Service",
                    metadata: meta(alias),
                    body: Spec { spec },
                },
            );
        }
        if sts_service != name {
            let hl = Object {
                api_version: "v1",
                kind: "Service",
                metadata: meta(&sts_service),
                body: Spec {
                    spec: ServiceSpec {
                        type_: None,
                        cluster_ip: Some("None"),
                        external_traffic_policy: None,
                        selector: selector.clone(),
                        ports: svc_ports
                            .iter()
                            .map(|sp| ServicePort {
                                node_port: None,
                                ..sp.clone()
                            })
                            .collect(),
                    },
                },
            };
            push(&mut objects, &hl);
        }
    }

    // ---- container ----------------------------------------------------------------------
    let resources = {
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
    };
    let probes = if kind.long_running() {
        probes::probes(svc, &hints, &named, warnings)
    } else {
        probes::Probes::default()
    };

    let (run_as_user, run_as_group, non_root) = match svc.user.as_deref() {
        None => (None, None, true),
        Some(u) => {
            let (uid, gid) = u.split_once(':').map_or((u, None), |(a, b)| (a, Some(b)));
            match (uid.parse::<i64>(), gid.map(|g| g.parse::<i64>())) {
                (Ok(uid), None) => (Some(uid), None, uid != 0),
                (Ok(uid), Some(Ok(gid))) => (Some(uid), Some(gid), uid != 0),
                _ if uid == "root" => (Some(0), gid.and_then(|g| g.parse().ok()), false),
                // A name: image_profile resolves it from what it knows of the image, or warns.
                _ => (None, None, true),
            }
        }
    };
    let caps = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|c| c.trim_start_matches("CAP_").to_ascii_uppercase())
            .collect()
    };
    let security = SecurityContext {
        allow_privilege_escalation: svc.privileged,
        privileged: svc.privileged,
        read_only_root_filesystem: svc.read_only,
        run_as_non_root: non_root,
        capabilities: Capabilities {
            add: caps(&svc.cap_add),
            drop: vec!["ALL".into()],
        },
        ..Default::default()
    };
    let escape = |v: &Vec<String>| -> Vec<String> {
        // Kubernetes expands `$(VAR)` in command/args; Compose does not: escape it.
        v.iter().map(|a| a.replace("$(", "$$(")).collect()
    };
    let pull_policy = x
        .image_pull_policy
        .clone()
        .or_else(|| hints.image_pull_policy.clone())
        .or_else(|| {
            svc.pull_policy.as_deref().and_then(|p| match p {
                "always" => Some("Always".to_string()),
                "never" => Some("Never".to_string()),
                "missing" | "if_not_present" => Some("IfNotPresent".to_string()),
                _ => None,
            })
        });
    let lifecycle = x.pre_stop_sleep.map(|s| Lifecycle {
        pre_stop: PreStop {
            sleep: SleepAction { seconds: s },
        },
    });
    let container = Container {
        name: name.clone(),
        image: image.clone(),
        image_pull_policy: pull_policy,
        command: svc.entrypoint.as_ref().map(|a| {
            escape(&p.reach.rewrite_args(
                &svc.name,
                "entrypoint",
                a,
                svc.span(&["entrypoint"]),
                warnings,
            ))
        }),
        args: svc.command.as_ref().map(|a| {
            escape(
                &p.reach
                    .rewrite_args(&svc.name, "command", a, svc.span(&["command"]), warnings),
            )
        }),
        working_dir: svc.working_dir.clone(),
        ports: cports
            .iter()
            .map(|c| ContainerPort {
                name: c.name.clone(),
                container_port: c.target,
                protocol: protocol(&c.protocol),
            })
            .collect(),
        env_from,
        env: container_env,
        resources,
        startup_probe: probes.startup,
        readiness_probe: probes.readiness,
        liveness_probe: probes.liveness,
        lifecycle,
        security_context: security.clone(),
        stdin: svc.stdin_open,
        tty: svc.tty,
        volume_mounts: mounts,
    };
    // `depends_on` waits first: the user's own init container may need the dependencies.
    let mut init_containers = super::start_order::init_containers(p, svc, &x, warnings);
    if let Some(img) = &hints.init_image {
        let command = hints.init_command.as_deref().map(|c| {
            serde_json::from_str::<Vec<String>>(c)
                .unwrap_or_else(|_| vec!["/bin/sh".into(), "-c".into(), c.to_string()])
        });
        init_containers.push(Container {
            name: dns_label(hints.init_name.as_deref().unwrap_or("init")),
            image: img.clone(),
            command,
            security_context: SecurityContext {
                allow_privilege_escalation: false,
                privileged: false,
                read_only_root_filesystem: true,
                run_as_non_root: non_root,
                capabilities: Capabilities {
                    add: Vec::new(),
                    drop: vec!["ALL".into()],
                },
                ..Default::default()
            },
            ..Default::default()
        });
    }

    // ---- pod ----------------------------------------------------------------------------
    let hpa = build_hpa(&x, &hints);
    let replicas = svc.replicas.unwrap_or(1);
    let many = replicas >= 2 || hpa.is_some();
    let mut host_aliases: Vec<HostAlias> = Vec::new();
    for (host, ip) in &svc.extra_hosts {
        if ip == "host-gateway" {
            warn(
                warnings,
                svc.span(&["extra_hosts"]),
                crate::compose::model::UNSUPPORTED_KEY,
                format!(
                    "service `{}`: `{host}:host-gateway` has no cluster equivalent",
                    svc.name
                ),
            );
            continue;
        }
        match host_aliases.iter_mut().find(|h| &h.ip == ip) {
            Some(h) => h.hostnames.push(host.clone()),
            None => host_aliases.push(HostAlias {
                ip: ip.clone(),
                hostnames: vec![host.clone()],
            }),
        }
    }
    let host_network = match svc.network_mode.as_deref() {
        Some("host") => true,
        None | Some("bridge") | Some("default") => false,
        Some(other) => {
            warn(
                warnings,
                svc.span(&["network_mode"]),
                crate::compose::model::UNSUPPORTED_KEY,
                format!(
                    "service `{}`: `network_mode: {other}` is not carried over",
                    svc.name
                ),
            );
            false
        }
    };
    for (key, val) in [("pid", &svc.pid), ("ipc", &svc.ipc)] {
        if let Some(v) = val
            && v != "host"
        {
            warn(
                warnings,
                svc.span(&[key]),
                crate::compose::model::UNSUPPORTED_KEY,
                format!("service `{}`: `{key}: {v}` is not carried over", svc.name),
            );
        }
    }
    let mut supplemental = Vec::new();
    for g in &svc.group_add {
        match g.parse::<i64>() {
            Ok(n) => supplemental.push(n),
            Err(_) => warn(
                warnings,
                svc.span(&["group_add"]),
                "generate/group-name",
                format!(
                    "service `{}`: group `{g}` is a name; only numeric groups can be added",
                    svc.name
                ),
            ),
        }
    }
    let mut pod_annotations: Map = hints.other.clone();
    pod_annotations.extend(svc.annotations.clone());
    if !hash_input.is_empty() {
        pod_annotations.insert(
            "komply.dev/config-hash".into(),
            naming::content_hash(hash_input.as_bytes()),
        );
    }
    let pod_spec = PodSpec {
        automount_service_account_token: false,
        host_network,
        host_pid: svc.pid.as_deref() == Some("host"),
        host_ipc: svc.ipc.as_deref() == Some("host"),
        dns_policy: host_network.then_some("ClusterFirstWithHostNet"),
        hostname: svc.hostname.as_deref().map(dns_label),
        subdomain: svc.domainname.as_deref().map(dns_label),
        restart_policy: match kind {
            Kind::Job | Kind::CronJob => Some(if restart.as_deref() == Some("on-failure") {
                "OnFailure"
            } else {
                "Never"
            }),
            _ => None,
        },
        termination_grace_period_seconds: svc.stop_grace_period,
        security_context: PodSecurityContext {
            run_as_non_root: non_root,
            run_as_user,
            run_as_group,
            fs_group: hints.fsgroup.as_deref().and_then(|f| f.parse().ok()),
            supplemental_groups: supplemental,
            seccomp_profile: SeccompProfile::default(),
            sysctls: svc
                .sysctls
                .iter()
                .map(|(n, v)| NameValue {
                    name: n.clone(),
                    value: v.clone(),
                })
                .collect(),
        },
        affinity: (many && kind.long_running()).then(|| Affinity {
            pod_anti_affinity: PodAntiAffinity {
                preferred_during_scheduling_ignored_during_execution: vec![
                    WeightedPodAffinityTerm {
                        weight: 100,
                        pod_affinity_term: PodAffinityTerm {
                            label_selector: LabelSelector {
                                match_labels: selector.clone(),
                            },
                            topology_key: "kubernetes.io/hostname",
                        },
                    },
                ],
            },
        }),
        image_pull_secrets: x
            .image_pull_secrets
            .iter()
            .cloned()
            .chain(hints.image_pull_secret.clone())
            .map(|name| NameRef { name })
            .collect(),
        host_aliases,
        init_containers,
        containers: vec![container],
        volumes,
    };
    let template = PodTemplateSpec {
        metadata: PodMeta {
            labels: labels.clone(),
            annotations: pod_annotations,
        },
        spec: pod_spec,
    };

    // ---- workload -----------------------------------------------------------------------
    let spec_replicas = if hpa.is_some() { None } else { Some(replicas) };
    let history = x.revision_history_limit.unwrap_or(10);
    let backoff = x
        .backoff_limit
        .or_else(|| {
            hints
                .cronjob_backoff
                .as_deref()
                .and_then(|b| b.parse().ok())
        })
        .unwrap_or(6);
    match kind {
        Kind::Deployment => {
            let strategy = if has_pvc {
                DeploymentStrategy {
                    type_: "Recreate",
                    rolling_update: None,
                }
            } else {
                let (surge, unavailable) = match &svc.update_config {
                    Some(u) => {
                        let par = u.parallelism.filter(|p| *p > 0).unwrap_or(1);
                        if u.order.as_deref() == Some("start-first") {
                            (par, 0)
                        } else {
                            (0, par)
                        }
                    }
                    None => (1, 0),
                };
                DeploymentStrategy {
                    type_: "RollingUpdate",
                    rolling_update: Some(RollingUpdate {
                        max_surge: json!(surge),
                        max_unavailable: json!(unavailable),
                    }),
                }
            };
            push(
                &mut objects,
                &Object {
                    api_version: "apps/v1",
                    kind: "Deployment",
                    metadata: meta(&name),
                    body: Spec {
                        spec: DeploymentSpec {
                            replicas: spec_replicas,
                            revision_history_limit: history,
                            selector: LabelSelector {
                                match_labels: selector.clone(),
                            },
                            strategy,
                            template,
                        },
                    },
                },
            );
        }
        Kind::StatefulSet => push(
            &mut objects,
            &Object {
                api_version: "apps/v1",
                kind: "StatefulSet",
                metadata: meta(&name),
                body: Spec {
                    spec: StatefulSetSpec {
                        replicas: spec_replicas,
                        revision_history_limit: history,
                        service_name: sts_service.clone(),
                        selector: LabelSelector {
                            match_labels: selector.clone(),
                        },
                        template,
                        volume_claim_templates: claim_templates,
                    },
                },
            },
        ),
        Kind::Job => push(
            &mut objects,
            &Object {
                api_version: "batch/v1",
                kind: "Job",
                metadata: meta(&name),
                body: Spec {
                    spec: JobSpec {
                        backoff_limit: backoff,
                        template,
                    },
                },
            },
        ),
        Kind::CronJob => push(
            &mut objects,
            &Object {
                api_version: "batch/v1",
                kind: "CronJob",
                metadata: meta(&name),
                body: Spec {
                    spec: CronJobSpec {
                        schedule: schedule.clone().unwrap_or_default(),
                        concurrency_policy: x
                            .concurrency_policy
                            .clone()
                            .or(hints.cronjob_concurrency.clone())
                            .unwrap_or_else(|| "Forbid".into()),
                        job_template: JobTemplate {
                            metadata: ObjectMeta {
                                labels: labels.clone(),
                                ..Default::default()
                            },
                            spec: JobSpec {
                                backoff_limit: backoff,
                                template,
                            },
                        },
                    },
                },
            },
        ),
    }

    // ---- PDB, HPA, Ingress ----------------------------------------------------------------
    let pdb_enabled = x.pdb.as_ref().and_then(|p| p.enabled);
    if kind.long_running() && pdb_enabled.unwrap_or(many) {
        let max_unavailable = x
            .pdb
            .as_ref()
            .and_then(|p| p.max_unavailable.clone())
            .unwrap_or(json!(1));
        push(
            &mut objects,
            &Object {
                api_version: "policy/v1",
                kind: "PodDisruptionBudget",
                metadata: meta(&name),
                body: Spec {
                    spec: PdbSpec {
                        max_unavailable,
                        selector: LabelSelector {
                            match_labels: selector.clone(),
                        },
                    },
                },
            },
        );
    }
    if let Some(mut spec) = hpa {
        if !kind.long_running() {
            errors.push(
                Diagnostic::error(format!(
                    "service `{}` is a {}; only Deployments and StatefulSets can autoscale",
                    svc.name,
                    kind.name()
                ))
                .at(svc.span(&["x-komply"]))
                .code("generate/hpa-target"),
            );
        }
        for m in &spec.metrics {
            let (have, what) = match m.resource.name {
                "cpu" => (
                    svc.reservations.cpus.is_some(),
                    "deploy.resources.reservations.cpus",
                ),
                _ => (
                    svc.reservations.memory.is_some(),
                    "deploy.resources.reservations.memory",
                ),
            };
            if !have {
                warn(
                    warnings,
                    svc.span(&["x-komply"]),
                    "generate/hpa-without-requests",
                    format!(
                        "service `{}`: autoscaling on {} utilization needs `{what}` (a request); without it the HPA cannot compute utilization",
                        svc.name, m.resource.name
                    ),
                );
            }
        }
        spec.scale_target_ref = CrossVersionRef {
            api_version: "apps/v1",
            kind: kind.name(),
            name: name.clone(),
        };
        push(
            &mut objects,
            &Object {
                api_version: "autoscaling/v2",
                kind: "HorizontalPodAutoscaler",
                metadata: meta(&name),
                body: Spec { spec },
            },
        );
    }
    if let Some(ing) = build_ingress(svc, &x, &hints, &sports, &name, &mut errors) {
        let mut m = meta(&name);
        m.annotations = x
            .ingress
            .as_ref()
            .map(|i| i.annotations.clone())
            .unwrap_or_default()
            .into_iter()
            .collect();
        push(
            &mut objects,
            &Object {
                api_version: "networking.k8s.io/v1",
                kind: "Ingress",
                metadata: m,
                body: Spec { spec: ing },
            },
        );
    }

    if errors.is_empty() {
        Ok(objects)
    } else {
        Err(errors)
    }
}

fn build_hpa(x: &ServiceX, hints: &Hints) -> Option<HpaSpec> {
    let (min, max, cpu, memory, behavior) = if let Some(a) = &x.autoscale {
        (
            a.min.unwrap_or(1),
            a.max,
            a.cpu,
            a.memory,
            a.behavior.clone(),
        )
    } else if hints.any_hpa() {
        // kompose's defaults: min 1, max 3, cpu 50 %, memory 70 %.
        let num = |v: &Option<String>, d: u32| {
            v.as_deref()
                .and_then(|s| s.trim_end_matches('%').parse().ok())
                .unwrap_or(d)
        };
        (
            num(&hints.hpa_min, 1),
            num(&hints.hpa_max, 3),
            Some(num(&hints.hpa_cpu, 50)),
            Some(num(&hints.hpa_memory, 70)),
            None,
        )
    } else {
        return None;
    };
    let mut metrics = Vec::new();
    let cpu = if cpu.is_none() && memory.is_none() {
        Some(80)
    } else {
        cpu
    };
    for (name, target) in [("cpu", cpu), ("memory", memory)] {
        if let Some(t) = target {
            metrics.push(Metric {
                type_: "Resource",
                resource: ResourceMetric {
                    name,
                    target: MetricTarget {
                        type_: "Utilization",
                        average_utilization: t,
                    },
                },
            });
        }
    }
    Some(HpaSpec {
        scale_target_ref: CrossVersionRef {
            api_version: "apps/v1",
            kind: "Deployment",
            name: String::new(),
        },
        min_replicas: min.max(1),
        max_replicas: max.max(min.max(1)),
        metrics,
        behavior,
    })
}

fn build_ingress(
    svc: &Service,
    x: &ServiceX,
    hints: &Hints,
    sports: &[SPort],
    name: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<IngressSpec> {
    // (host, path, wanted port) triples, TLS secret, class.
    type Rule = (Option<String>, String, Option<Value>);
    let (rules, tls_secret, class): (Vec<Rule>, _, _) = if let Some(i) = &x.ingress {
        let mut hosts: Vec<Option<String>> = i
            .host
            .iter()
            .chain(i.hosts.iter())
            .cloned()
            .map(Some)
            .collect();
        if hosts.is_empty() {
            hosts.push(None);
        }
        // `paths` (each with its own port) or the single `path` on `port`.
        let paths: Vec<(String, Option<Value>)> = if i.paths.is_empty() {
            vec![(i.path.clone().unwrap_or_else(|| "/".into()), i.port.clone())]
        } else {
            i.paths
                .iter()
                .map(|p| (p.path.clone(), p.port.clone().or(i.port.clone())))
                .collect()
        };
        (
            hosts
                .iter()
                .flat_map(|h| {
                    paths
                        .iter()
                        .map(move |(p, port)| (h.clone(), p.clone(), port.clone()))
                })
                .collect(),
            i.tls_secret.clone(),
            i.class.clone(),
        )
    } else if let Some(e) = &hints.expose {
        let rules = if e.eq_ignore_ascii_case("true") {
            vec![(None, "/".to_string(), None)]
        } else {
            e.split(',')
                .map(|h| {
                    let h = h.trim();
                    match h.find('/') {
                        Some(i) => (Some(h[..i].to_string()), h[i..].to_string(), None),
                        None => (Some(h.to_string()), "/".to_string(), None),
                    }
                })
                .collect()
        };
        (
            rules,
            hints.expose_tls_secret.clone(),
            hints.expose_ingress_class.clone(),
        )
    } else {
        return None;
    };
    let find_port = |wanted: &Option<Value>| match wanted {
        Some(Value::String(s)) => sports.iter().find(|p| &p.name == s),
        Some(Value::Number(n)) => sports
            .iter()
            .find(|p| n.as_u64() == Some(u64::from(p.port))),
        _ => sports.iter().find(|p| p.protocol == "tcp"),
    };
    let backend_of = |port: &SPort| IngressBackend {
        service: IngressServiceBackend {
            name: name.to_string(),
            port: ServiceBackendPort {
                name: port.name.clone(),
            },
        },
    };
    let mut out_rules: Vec<IngressRule> = Vec::new();
    for (host, path, wanted) in rules {
        let Some(port) = find_port(&wanted) else {
            errors.push(
                Diagnostic::error(format!(
                    "service `{}` has an ingress but no matching TCP port",
                    svc.name
                ))
                .at(svc.span(&["x-komply"]))
                .code("generate/ingress-port")
                .help("add `ports:` (or set the ingress `port` to one of them)"),
            );
            return None;
        };
        let p = HttpIngressPath {
            path,
            path_type: "Prefix",
            backend: backend_of(port),
        };
        match out_rules.iter_mut().find(|r| r.host == host) {
            Some(r) => r.http.paths.push(p),
            None => out_rules.push(IngressRule {
                host,
                http: HttpIngressRuleValue { paths: vec![p] },
            }),
        }
    }
    let tls = tls_secret
        .map(|secret_name| {
            vec![IngressTls {
                hosts: out_rules.iter().filter_map(|r| r.host.clone()).collect(),
                secret_name,
            }]
        })
        .unwrap_or_default();
    Some(IngressSpec {
        ingress_class_name: class,
        tls,
        rules: out_rules,
    })
}
