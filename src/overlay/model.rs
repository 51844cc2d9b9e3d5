//! The overlay format as typed structs, read from the merged (already schema-valid) tree.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

pub type Map = BTreeMap<String, String>;

#[derive(Deserialize, Debug, Clone, Default)]
pub struct Overlay {
    pub namespace: Option<String>,
    pub image: Option<Image>,
    #[serde(default)]
    pub labels: Map,
    #[serde(default)]
    pub annotations: Map,
    pub secret_store: Option<SecretStore>,
    pub secret_policy: Option<crate::secrets::PolicyConfig>,
    pub secrets: Option<SecretsMode>,
    #[serde(default)]
    pub defaults: ServiceSettings,
    #[serde(default)]
    pub services: BTreeMap<String, ServiceSettings>,
    #[serde(default)]
    pub patches: Vec<Patch>,
}

#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Image {
    pub registry: Option<String>,
    pub name: Option<String>,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// Where the pods' secrets come from in an environment.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SecretsMode {
    /// ExternalSecrets read from the secret store.
    #[default]
    External,
    /// One Secret the user fills (kustomize secretGenerator under `komply migrate`).
    Generator,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub struct SecretStore {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub remote_key: Option<String>,
}

/// Per-service settings (also the shape of `defaults`). Settings that `x-komply` already
/// knows (autoscale, pdb, ingress, storage…) are merged into the service's `x-komply` before
/// generation and are not read here.
#[derive(Deserialize, Debug, Clone, Default)]
pub struct ServiceSettings {
    pub image: Option<Image>,
    pub replicas: Option<u64>,
    pub resources: Option<Resources>,
    pub probes: Option<Probes>,
    pub security_context: Option<SecurityContext>,
    #[serde(default)]
    pub labels: Map,
    #[serde(default)]
    pub annotations: Map,
    #[serde(default)]
    pub pod_annotations: Map,
    pub strategy: Option<Strategy>,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub struct Resources {
    #[serde(default)]
    pub requests: BTreeMap<String, Value>,
    #[serde(default)]
    pub limits: BTreeMap<String, Value>,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub struct Probes {
    pub readiness: Option<Value>,
    pub liveness: Option<Value>,
    pub startup: Option<Value>,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub struct SecurityContext {
    pub pod: Option<Value>,
    pub container: Option<Value>,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyType {
    #[default]
    Rolling,
    Canary,
    Progressive,
    BlueGreen,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub struct Strategy {
    #[serde(rename = "type")]
    pub type_: StrategyType,
    pub max_surge: Option<Value>,
    pub max_unavailable: Option<Value>,
    pub canary: Option<Track>,
    pub weight: Option<u32>,
    pub analysis: Option<Analysis>,
    pub active: Option<String>,
    pub blue: Option<Track>,
    pub green: Option<Track>,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub struct Track {
    pub tag: Option<String>,
    pub image: Option<String>,
    pub replicas: Option<u64>,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub struct Analysis {
    pub interval: Option<String>,
    pub threshold: Option<u32>,
    pub step_weight: Option<u32>,
    pub max_weight: Option<u32>,
    pub success_rate: Option<f64>,
    pub max_duration_ms: Option<u64>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Patch {
    pub target: Target,
    pub json_patch: Option<json_patch::Patch>,
    pub merge_patch: Option<Value>,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub struct Target {
    pub kind: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "labelSelector")]
    pub label_selector: Option<String>,
}
