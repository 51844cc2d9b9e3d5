//! The `x-komply` Compose extension: typed, with a JSON Schema (`schemas/x-komply.schema.json`,
//! printed by `komply schema x-komply`). Blocks are validated against the schema first so every
//! mistake is reported at its `file:line:col`, then deserialized into these types.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::diag::{Code, Diagnostic};
use crate::yaml::{Node, Span};

/// The schema text, embedded.
pub const SCHEMA: &str = include_str!("../../schemas/x-komply.schema.json");

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ServiceX {
    pub controller: Option<Controller>,
    pub schedule: Option<String>,
    pub concurrency_policy: Option<String>,
    pub backoff_limit: Option<u32>,
    pub service_type: Option<String>,
    pub autoscale: Option<Autoscale>,
    pub pdb: Option<Pdb>,
    pub ingress: Option<Ingress>,
    pub storage: Option<Storage>,
    pub image_pull_policy: Option<String>,
    #[serde(default)]
    pub image_pull_secrets: Vec<String>,
    #[serde(default)]
    pub secret_env: Vec<String>,
    #[serde(default)]
    pub plain_env: Vec<String>,
    pub pre_stop_sleep: Option<u64>,
    pub revision_history_limit: Option<u32>,
    pub wait_for: Option<WaitFor>,
    pub security_context: Option<SecurityContextX>,
}

/// Pod / container `securityContext` fields for this service, merged over the generated ones
/// (RFC 7386), before komply reads who the pod runs as.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct SecurityContextX {
    pub pod: Option<serde_json::Value>,
    pub container: Option<serde_json::Value>,
}

/// `wait_for`: the `depends_on` wait init containers — `false` turns them off.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
pub enum WaitFor {
    Switch(bool),
    Settings(WaitSettings),
}

#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WaitSettings {
    pub enabled: Option<bool>,
    /// Seconds before the init container gives up (and the kubelet retries it).
    pub timeout: Option<u64>,
    /// The image running the wait (a mirror of the pinned busybox).
    pub image: Option<String>,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Controller {
    Deployment,
    Statefulset,
    Job,
    Cronjob,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Autoscale {
    pub min: Option<u32>,
    pub max: u32,
    pub cpu: Option<u32>,
    pub memory: Option<u32>,
    pub behavior: Option<serde_json::Value>,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Pdb {
    pub enabled: Option<bool>,
    pub max_unavailable: Option<serde_json::Value>,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Ingress {
    pub host: Option<String>,
    #[serde(default)]
    pub hosts: Vec<String>,
    pub path: Option<String>,
    #[serde(default)]
    pub paths: Vec<IngressPath>,
    pub port: Option<serde_json::Value>,
    pub tls_secret: Option<String>,
    pub class: Option<String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// One path of an ingress, routed to its own Service port.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct IngressPath {
    pub path: String,
    pub port: Option<serde_json::Value>,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    pub size: Option<String>,
    pub class: Option<String>,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ProjectX {
    pub namespace: Option<String>,
    pub secret_store: Option<SecretStore>,
    pub remote_key: Option<String>,
    pub secret_patterns: Option<Vec<String>>,
    pub secret_policy: Option<crate::secrets::PolicyConfig>,
    pub wait_for: Option<WaitFor>,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct SecretStore {
    pub name: Option<String>,
    pub kind: Option<String>,
}

fn validator(def: &str) -> Option<&'static jsonschema::Validator> {
    static SERVICE: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    static PROJECT: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    let build = |def: &str| {
        let mut schema: serde_json::Value = serde_json::from_str(SCHEMA).ok()?;
        schema["$ref"] = serde_json::Value::String(format!("#/$defs/{def}"));
        jsonschema::validator_for(&schema).ok()
    };
    match def {
        "project" => PROJECT.get_or_init(|| build("project")).as_ref(),
        _ => SERVICE.get_or_init(|| build("service")).as_ref(),
    }
}

/// Finds the node at a JSON-pointer-like path of keys/indices, for locating schema errors.
fn node_at<'a>(mut node: &'a Node, path: &[String]) -> (&'a Node, Option<Span>) {
    let mut key_span = None;
    for seg in path {
        let next = if let Some(items) = node.as_seq() {
            seg.parse::<usize>().ok().and_then(|i| items.get(i))
        } else if let Some((k, v)) = node.entry(seg) {
            key_span = Some(k.span);
            Some(v)
        } else {
            None
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    (node, key_span)
}

/// Validates and reads an `x-komply` block (`def` = "service" or "project").
pub fn read<T: DeserializeOwned + Default>(node: &Node, def: &str) -> Result<T, Vec<Diagnostic>> {
    let json = node.to_json();
    let mut diags = Vec::new();
    if let Some(v) = validator(def) {
        for e in v.iter_errors(&json) {
            let path: Vec<String> = e
                .instance_path()
                .iter()
                .map(|seg| seg.to_string())
                .collect();
            let (at, _) = node_at(node, &path);
            let shown = if path.is_empty() {
                "x-komply".to_string()
            } else {
                format!("x-komply.{}", path.join("."))
            };
            diags.push(
                Diagnostic::error(format!("{shown}: {}", e.masked()))
                    .at(at.span)
                    .code(Code::XKomplyInvalid)
                    .help("`komply schema x-komply` prints the schema"),
            );
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    serde_json::from_value(json).map_err(|e| {
        vec![
            Diagnostic::error(format!("x-komply: {e}"))
                .at(node.span)
                .code(Code::XKomplyInvalid),
        ]
    })
}
