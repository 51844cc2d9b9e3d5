//! kompose's `kompose.*` service labels, understood so kompose users can switch. Each label is
//! consumed (it does not become an annotation); an unknown `kompose.*` label is a warning.

use std::collections::BTreeMap;

use crate::diag::{Code, Diagnostic};
use crate::yaml::Span;

/// The probe-related labels for one probe kind (liveness or readiness).
#[derive(Debug, Clone, Default)]
pub struct ProbeLabels {
    pub disable: bool,
    pub test: Option<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub retries: Option<String>,
    pub start_period: Option<String>,
    pub http_get_path: Option<String>,
    pub http_get_port: Option<String>,
    pub tcp_port: Option<String>,
}

impl ProbeLabels {
    pub fn is_set(&self) -> bool {
        self.disable
            || self.test.is_some()
            || self.http_get_path.is_some()
            || self.http_get_port.is_some()
            || self.tcp_port.is_some()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub service_type: Option<String>,
    pub external_traffic_policy: Option<String>,
    pub nodeport_port: Option<String>,
    pub expose: Option<String>,
    pub expose_tls_secret: Option<String>,
    pub expose_ingress_class: Option<String>,
    pub controller_type: Option<String>,
    pub volume_size: Option<String>,
    pub storage_class: Option<String>,
    pub liveness: ProbeLabels,
    pub readiness: ProbeLabels,
    pub hpa_cpu: Option<String>,
    pub hpa_memory: Option<String>,
    pub hpa_min: Option<String>,
    pub hpa_max: Option<String>,
    pub cronjob_schedule: Option<String>,
    pub cronjob_concurrency: Option<String>,
    pub cronjob_backoff: Option<String>,
    pub image_pull_policy: Option<String>,
    pub image_pull_secret: Option<String>,
    pub init_name: Option<String>,
    pub init_image: Option<String>,
    pub init_command: Option<String>,
    pub fsgroup: Option<String>,
    pub service_account: Option<String>,
    /// Labels that are not `kompose.*`: they become pod annotations.
    pub other: BTreeMap<String, String>,
}

impl Hints {
    pub fn any_hpa(&self) -> bool {
        self.hpa_cpu.is_some()
            || self.hpa_memory.is_some()
            || self.hpa_min.is_some()
            || self.hpa_max.is_some()
    }
}

/// Reads the labels; unknown `kompose.*` keys and labels we cannot honour produce warnings at `span`.
pub fn read(
    labels: &BTreeMap<String, String>,
    span: Span,
    warnings: &mut Vec<Diagnostic>,
) -> Hints {
    let mut h = Hints::default();
    for (k, v) in labels {
        let val = Some(v.clone());
        let Some(rest) = k.strip_prefix("kompose.") else {
            // Docker accepts any label key; the API server refuses an annotation key that is
            // not `[prefix/]name` (a 64-character Traefik router key is common): left out, said.
            if let Err(why) = crate::validate::names::label_key(k) {
                warnings.push(
                    Diagnostic::warning(format!(
                        "label `{k}` is not a valid Kubernetes annotation key ({why}); it is left out of the pod's annotations"
                    ))
                    .at(span)
                    .code(Code::GenerateInvalidAnnotationKey)
                    .help("shorten the key (or give it a `prefix/`) in an overlay `annotations:` entry if the cluster needs it"),
                );
                continue;
            }
            h.other.insert(k.clone(), v.clone());
            continue;
        };
        if let Some(p) = rest.strip_prefix("service.healthcheck.") {
            let (probe, field) = match p.split_once('.') {
                Some(("liveness", f)) => (&mut h.liveness, f),
                Some(("readiness", f)) => (&mut h.readiness, f),
                _ => {
                    warn_unknown(k, span, warnings);
                    continue;
                }
            };
            match field {
                "disable" => probe.disable = v == "true",
                "test" => probe.test = val,
                "interval" => probe.interval = val,
                "timeout" => probe.timeout = val,
                "retries" => probe.retries = val,
                "start_period" => probe.start_period = val,
                "http_get_path" => probe.http_get_path = val,
                "http_get_port" => probe.http_get_port = val,
                "tcp_port" => probe.tcp_port = val,
                _ => warn_unknown(k, span, warnings),
            }
            continue;
        }
        match rest {
            "service.type" => h.service_type = val,
            "service.external-traffic-policy" => h.external_traffic_policy = val,
            "service.nodeport.port" => h.nodeport_port = val,
            "service.expose" => h.expose = val,
            "service.expose.tls-secret" => h.expose_tls_secret = val,
            "service.expose.ingress-class-name" => h.expose_ingress_class = val,
            "controller.type" => h.controller_type = val,
            "volume.size" => h.volume_size = val,
            "volume.storage-class-name" => h.storage_class = val,
            "hpa.cpu" => h.hpa_cpu = val,
            "hpa.memory" => h.hpa_memory = val,
            "hpa.replicas.min" => h.hpa_min = val,
            "hpa.replicas.max" => h.hpa_max = val,
            "cronjob.schedule" => h.cronjob_schedule = val,
            "cronjob.concurrency_policy" => h.cronjob_concurrency = val,
            "cronjob.backoff_limit" => h.cronjob_backoff = val,
            "image-pull-policy" => h.image_pull_policy = val,
            "image-pull-secret" => h.image_pull_secret = val,
            "init.containers.name" => h.init_name = val,
            "init.containers.image" => h.init_image = val,
            "init.containers.command" => h.init_command = val,
            "security-context.fsgroup" => h.fsgroup = val,
            "serviceaccount-name" => h.service_account = val,
            "volume.type" => warnings.push(
                Diagnostic::warning(format!(
                    "label `{k}` is not supported by komply and is ignored"
                ))
                .at(span)
                .code(Code::ComposeUnsupportedKey)
                .help("komply decides each bind mount from what it holds: config files and small directories become ConfigMaps, secret-looking files ExternalSecret keys, data directories persistent storage (docs/generate.md, \"Bind mounts\")"),
            ),
            "service.group"
            | "service.name_override"
            | "volume.subpath"
            | "volume.selector"
            | "controller.port.expose"
            | "ephemeral-storage.request"
            | "ephemeral-storage.limit" => warnings.push(
                Diagnostic::warning(format!(
                    "label `{k}` is not supported by komply and is ignored"
                ))
                .at(span)
                .code(Code::ComposeUnsupportedKey),
            ),
            _ => warn_unknown(k, span, warnings),
        }
    }
    h
}

fn warn_unknown(k: &str, span: Span, warnings: &mut Vec<Diagnostic>) {
    warnings.push(
        Diagnostic::warning(format!("unknown kompose label `{k}` is ignored"))
            .at(span)
            .code(Code::ComposeUnknownKey),
    );
}

/// kompose's service type words → Kubernetes' (`Headless` is ours: ClusterIP None).
pub fn service_type(word: &str) -> Option<&'static str> {
    match word.to_ascii_lowercase().as_str() {
        "clusterip" => Some("ClusterIP"),
        "nodeport" => Some("NodePort"),
        "loadbalancer" => Some("LoadBalancer"),
        "headless" => Some("Headless"),
        _ => None,
    }
}
