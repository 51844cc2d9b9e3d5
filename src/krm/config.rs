//! The `Komply` function config (schema: `schemas/komply-function.schema.json`, printed by
//! `komply schema komply-function`). Validated against the schema first so every mistake is
//! reported at its `file:line:col`, then deserialized. A `ConfigMap` is accepted too (what
//! `kpt fn eval --exec komply -- compose=compose.yaml env=prod` sends): its `data` keys are the
//! spec's keys, lists comma-separated.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::diag::{Code, Diagnostic, Failure, Result, Severity};
use crate::yaml::{Node, Span};

/// The schema text, embedded.
pub const SCHEMA: &str = include_str!("../../schemas/komply-function.schema.json");
pub const API_VERSION: &str = "komply.dev/v1alpha1";
pub const KIND: &str = "Komply";

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Generate,
    Validate,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
enum Paths {
    One(String),
    Many(Vec<String>),
}

impl Paths {
    fn list(p: Option<Paths>) -> Vec<String> {
        match p {
            None => Vec::new(),
            Some(Paths::One(s)) => vec![s],
            Some(Paths::Many(v)) => v,
        }
    }
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawSpec {
    mode: Option<Mode>,
    compose: Option<Paths>,
    env: Option<String>,
    overlays: Option<Paths>,
    project_name: Option<String>,
    #[serde(default)]
    profiles: Vec<String>,
    env_files: Option<Paths>,
    namespace: Option<String>,
    strict: Option<bool>,
    path: Option<String>,
    fail_on: Option<String>,
    config: Option<String>,
    no_inline_ignores: Option<bool>,
}

/// What the function is asked to do.
#[derive(Debug, Clone)]
pub struct FnConfig {
    pub mode: Mode,
    pub compose: Vec<String>,
    pub env: Option<String>,
    pub overlays: Vec<String>,
    pub project_name: Option<String>,
    pub profiles: Vec<String>,
    pub env_files: Vec<String>,
    pub namespace: Option<String>,
    pub strict: bool,
    /// Where generated objects are filed in a kpt package.
    pub path: String,
    /// Lowest severity that fails the validator.
    pub fail_on: Severity,
    pub config: Option<String>,
    pub no_inline_ignores: bool,
    /// The config as read, to point errors about a value at its place.
    pub node: Option<Node>,
}

impl Default for FnConfig {
    fn default() -> Self {
        FnConfig::from_raw(RawSpec::default(), None)
    }
}

impl FnConfig {
    fn from_raw(raw: RawSpec, node: Option<Node>) -> FnConfig {
        let compose = Paths::list(raw.compose);
        FnConfig {
            mode: raw.mode.unwrap_or(if compose.is_empty() {
                Mode::Validate
            } else {
                Mode::Generate
            }),
            compose,
            env: raw.env,
            overlays: Paths::list(raw.overlays),
            project_name: raw.project_name,
            profiles: raw.profiles,
            env_files: Paths::list(raw.env_files),
            namespace: raw.namespace,
            strict: raw.strict.unwrap_or(false),
            path: raw.path.unwrap_or_default(),
            fail_on: match raw.fail_on.as_deref() {
                Some("warning") => Severity::Warning,
                Some("info") => Severity::Info,
                _ => Severity::Error,
            },
            config: raw.config,
            no_inline_ignores: raw.no_inline_ignores.unwrap_or(false),
            node,
        }
    }

    /// Reads a `Komply` resource (or a `ConfigMap`), or the defaults for `None`.
    pub fn read(node: Option<&Node>) -> Result<FnConfig> {
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return Ok(FnConfig::default());
        };
        let kind = node.get("kind").and_then(Node::as_str).unwrap_or_default();
        if kind == "ConfigMap" {
            return from_config_map(node);
        }
        let json = node.to_json();
        let mut diags = Vec::new();
        if let Some(v) = validator() {
            for e in v.iter_errors(&json) {
                let path: Vec<String> = e.instance_path().iter().map(|s| s.to_string()).collect();
                let mut at = node_at(node, &path);
                // An unexpected key is shown at the key itself.
                if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } =
                    e.kind()
                {
                    let parent = node_at_node(node, &path);
                    if let Some((k, _)) = unexpected.first().and_then(|u| parent.entry(u)) {
                        at = k.span;
                    }
                }
                let shown = if path.is_empty() {
                    KIND.to_string()
                } else {
                    path.join(".")
                };
                diags.push(
                    Diagnostic::error(format!("{shown}: {}", e.masked()))
                        .at(at)
                        .code(Code::KrmInvalidConfig)
                        .help(format!(
                            "expected apiVersion {API_VERSION}, kind {KIND}; \
                             `komply schema komply-function` prints the schema"
                        )),
                );
            }
        }
        if !diags.is_empty() {
            return Err(Failure(diags));
        }
        let spec = json.get("spec").cloned().unwrap_or(serde_json::json!({}));
        let raw: RawSpec = serde_json::from_value(spec).map_err(|e| {
            Failure::one(
                Diagnostic::error(format!("{KIND}.spec: {e}"))
                    .at(node.span)
                    .code(Code::KrmInvalidConfig),
            )
        })?;
        Ok(FnConfig::from_raw(raw, Some(node.clone())))
    }

    /// Where a value written in the config is (for errors about a path); the config itself
    /// when it cannot be found.
    pub fn span_of(&self, value: &str) -> Span {
        fn find(n: &Node, value: &str) -> Option<Span> {
            if n.as_str() == Some(value) {
                return Some(n.span);
            }
            if let Some(items) = n.as_seq() {
                return items.iter().find_map(|i| find(i, value));
            }
            n.as_map()?.iter().find_map(|(_, v)| find(v, value))
        }
        self.node
            .as_ref()
            .and_then(|n| find(n, value).or(Some(n.span)))
            .unwrap_or(Span::SYNTHETIC)
    }
}

fn validator() -> Option<&'static jsonschema::Validator> {
    static V: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    V.get_or_init(|| {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).ok()?;
        jsonschema::validator_for(&schema).ok()
    })
    .as_ref()
}

/// The span of the node at a schema error's instance path (keys / indices).
fn node_at(node: &Node, path: &[String]) -> Span {
    node_at_node(node, path).span
}

fn node_at_node<'a>(mut node: &'a Node, path: &[String]) -> &'a Node {
    for seg in path {
        let next = match node.as_seq() {
            Some(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            None => node.get(seg),
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// `data:` of a ConfigMap as spec keys: `compose`, `overlays`, `envFiles`, `profiles` are
/// comma-separated; `strict` / `noInlineIgnores` are `true` / `false`.
fn from_config_map(node: &Node) -> Result<FnConfig> {
    let mut spec = serde_json::Map::new();
    let mut diags = Vec::new();
    for (k, v) in node.get("data").and_then(Node::as_map).unwrap_or_default() {
        let key = k.scalar_string().unwrap_or_default();
        let value = v.scalar_string().unwrap_or_default();
        let list = || {
            serde_json::Value::Array(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| serde_json::Value::String(s.to_string()))
                    .collect(),
            )
        };
        let json = match key.as_str() {
            "compose" | "overlays" | "envFiles" | "profiles" => list(),
            "strict" | "noInlineIgnores" => match value.as_str() {
                "true" => serde_json::Value::Bool(true),
                "false" => serde_json::Value::Bool(false),
                _ => {
                    diags.push(
                        Diagnostic::error(format!("`{key}` must be true or false"))
                            .at(v.span)
                            .code(Code::KrmInvalidConfig),
                    );
                    continue;
                }
            },
            "mode" | "env" | "projectName" | "namespace" | "path" | "failOn" | "config" => {
                serde_json::Value::String(value)
            }
            _ => {
                diags.push(
                    Diagnostic::error(format!("unknown setting `{key}`"))
                        .at(k.span)
                        .code(Code::KrmInvalidConfig)
                        .help(
                            "known: mode, compose, env, overlays, projectName, profiles, envFiles, \
                             namespace, strict, path, failOn, config, noInlineIgnores",
                        ),
                );
                continue;
            }
        };
        spec.insert(key, json);
    }
    let as_komply = serde_json::json!({"apiVersion": API_VERSION, "kind": KIND, "spec": spec});
    if let Some(v) = validator() {
        for e in v.iter_errors(&as_komply) {
            diags.push(
                Diagnostic::error(format!("ConfigMap data: {}", e.masked()))
                    .at(node.span)
                    .code(Code::KrmInvalidConfig),
            );
        }
    }
    if !diags.is_empty() {
        return Err(Failure(diags));
    }
    let raw: RawSpec = serde_json::from_value(serde_json::Value::Object(spec)).map_err(|e| {
        Failure::one(Diagnostic::error(format!("ConfigMap data: {e}")).at(node.span))
    })?;
    Ok(FnConfig::from_raw(raw, Some(node.clone())))
}
