//! Lint configuration (`.komply.yaml`) and suppression.
//!
//! ```yaml
//! rules:
//!   enable: [image-digest]          # opt-in rules
//!   disable: [KP106]                # id or name
//!   severity: {image-tag: error}
//! ignore:
//!   - rules: [run-as-non-root]      # omitted = every rule
//!     kind: DaemonSet               # each matcher is a glob over the whole value:
//!     namespace: "kube-*"           # `kube-*` matches kube-system, never "mykube-x";
//!     name: node-exporter           # `web` matches only web, never web-2
//!     container: "*"
//!     reason: node agent, reviewed in SEC-142
//! ```
//!
//! Inline: annotation `ignore.komply.dev/<rule id or name>: "<reason>"` on the object's
//! metadata or on its pod template's metadata.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use super::context::LintContext;
use super::rules::{Finding, Rule, RuleId};
use crate::diag::{Diagnostic, Failure, Result, Severity};

pub const FILE_NAMES: &[&str] = &[".komply.yaml", ".komply.yml"];
pub const ANNOTATION_PREFIX: &str = "ignore.komply.dev/";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    ignore: Vec<RawIgnore>,
    #[serde(default)]
    secret_policy: crate::secrets::PolicyConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    enable: Vec<String>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    #[serde(default)]
    rules: Vec<String>,
    kind: Option<String>,
    namespace: Option<String>,
    name: Option<String>,
    container: Option<String>,
    reason: Option<String>,
}

#[derive(Clone, Debug)]
struct IgnoreEntry {
    /// The rules it ignores; empty = all rules.
    rules: Vec<RuleId>,
    kind: Option<GlobMatcher>,
    namespace: Option<GlobMatcher>,
    name: Option<GlobMatcher>,
    container: Option<GlobMatcher>,
    reason: String,
}

/// The effective lint configuration.
#[derive(Clone, Debug, Default)]
pub struct Config {
    enabled: BTreeMap<RuleId, bool>,
    severity: BTreeMap<RuleId, Severity>,
    ignores: Vec<IgnoreEntry>,
    /// Which values are secrets (`secret_policy:`; the built-in policy by default).
    policy: std::sync::Arc<crate::secrets::Policy>,
    /// Where it was read from, if anywhere.
    pub path: Option<PathBuf>,
}

impl Config {
    /// Finds `.komply.yaml` in `start` or the nearest directory above it.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let mut dir = Some(start);
        while let Some(d) = dir {
            for name in FILE_NAMES {
                let p = d.join(name);
                if p.is_file() {
                    return Some(p);
                }
            }
            dir = d.parent();
        }
        None
    }

    pub fn load(path: &Path) -> Result<Config> {
        let (_, docs) = crate::fsio::load_yaml(path)?;
        let shown = crate::source::display_path(path);
        let Some(doc) = docs.into_iter().next().filter(|d| !d.is_null()) else {
            return Ok(Config {
                path: Some(path.to_path_buf()),
                ..Config::default()
            });
        };
        let span = doc.span;
        let errors = crate::validate::validate_lint_config(&doc);
        if !errors.is_empty() {
            return Err(Failure(errors));
        }
        let raw: RawConfig = serde_json::from_value(doc.to_json()).map_err(|e| {
            Diagnostic::error(format!("{shown}: invalid lint configuration: {e}")).at(span)
        })?;
        let mut cfg = Config::from_raw(raw)
            .map_err(|msg| Failure::one(Diagnostic::error(format!("{shown}: {msg}")).at(span)))?;
        cfg.path = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// Parses configuration text (for tests and embedders).
    pub fn from_yaml(text: &str) -> std::result::Result<Config, String> {
        let docs = crate::yaml::parse_documents(
            crate::yaml::SourceId::NONE,
            text,
            &crate::yaml::Limits::default(),
        )
        .map_err(|e| e.message)?;
        let Some(doc) = docs.into_iter().next().filter(|d| !d.is_null()) else {
            return Ok(Config::default());
        };
        let raw: RawConfig = serde_json::from_value(doc.to_json()).map_err(|e| e.to_string())?;
        Config::from_raw(raw)
    }

    fn from_raw(raw: RawConfig) -> std::result::Result<Config, String> {
        let rule = |s: &str| -> std::result::Result<RuleId, String> {
            RuleId::find(s).ok_or_else(|| format!("unknown rule {s:?} (see `komply rules`)"))
        };
        let mut cfg = Config {
            policy: std::sync::Arc::new(crate::secrets::Policy::new(&raw.secret_policy)),
            ..Config::default()
        };
        for r in &raw.rules.enable {
            cfg.enabled.insert(rule(r)?, true);
        }
        for r in &raw.rules.disable {
            cfg.enabled.insert(rule(r)?, false);
        }
        for (r, sev) in &raw.rules.severity {
            cfg.severity.insert(rule(r)?, *sev);
        }
        for (i, ig) in raw.ignore.into_iter().enumerate() {
            let glob = |field: &str, v: Option<String>| -> std::result::Result<_, String> {
                v.map(|p| {
                    Glob::new(&p)
                        .map(|g| g.compile_matcher())
                        .map_err(|e| format!("ignore[{i}].{field}: invalid glob {p:?}: {e}"))
                })
                .transpose()
            };
            let rules = ig
                .rules
                .iter()
                .map(|r| rule(r))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            cfg.ignores.push(IgnoreEntry {
                rules,
                kind: glob("kind", ig.kind)?,
                namespace: glob("namespace", ig.namespace)?,
                name: glob("name", ig.name)?,
                container: glob("container", ig.container)?,
                reason: ig
                    .reason
                    .unwrap_or_else(|| format!("ignored by configuration entry {i}")),
            });
        }
        Ok(cfg)
    }

    /// The secret policy of the run.
    pub fn policy(&self) -> std::sync::Arc<crate::secrets::Policy> {
        std::sync::Arc::clone(&self.policy)
    }

    /// Input problems (unreadable files, Compose input) cannot be turned off.
    pub fn is_enabled(&self, rule: &Rule) -> bool {
        if rule.id.is_input_problem() {
            return true;
        }
        self.enabled
            .get(&rule.id)
            .copied()
            .unwrap_or(rule.default_enabled)
    }

    pub fn apply_severity(&self, f: &mut Finding) {
        if let Some(s) = self.severity.get(&f.rule.id) {
            f.severity = *s;
        }
    }

    /// The reason a configuration entry ignores this finding, if one does.
    pub fn ignored(&self, ctx: &LintContext, f: &Finding) -> Option<String> {
        let obj = f.object.and_then(|i| ctx.object(i))?;
        self.ignores
            .iter()
            .find(|e| {
                (e.rules.is_empty() || e.rules.contains(&f.rule.id))
                    && e.kind.as_ref().is_none_or(|g| g.is_match(&obj.kind))
                    && e.namespace.as_ref().is_none_or(|g| g.is_match(obj.ns()))
                    && e.name.as_ref().is_none_or(|g| g.is_match(&obj.name))
                    && e.container
                        .as_ref()
                        .is_none_or(|g| f.container.as_deref().is_some_and(|c| g.is_match(c)))
            })
            .map(|e| e.reason.clone())
    }
}

/// The reason of an `ignore.komply.dev/<rule>` annotation on the finding's object or its pod
/// template, if there is one.
pub fn inline_ignore(ctx: &LintContext, f: &Finding) -> Option<String> {
    let obj = f.object.and_then(|i| ctx.object(i))?;
    let pod_annotations = obj.pod().and_then(|p| p.annotations());
    for annotations in [obj.annotations(), pod_annotations].into_iter().flatten() {
        for (k, v) in annotations.as_map().unwrap_or(&[]) {
            let Some(key) = k.as_str() else { continue };
            let Some(rule) = key.strip_prefix(ANNOTATION_PREFIX) else {
                continue;
            };
            if f.rule.matches(rule) {
                let reason = v.scalar_string().unwrap_or_default();
                return Some(if reason.trim().is_empty() {
                    format!("annotation {key}")
                } else {
                    reason
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {ANNOTATIONS}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {POD_ANNOTATIONS}
    spec:
      containers:
        - name: web
          image: nginx:latest
";

    /// The suppression reason of the image-tag (KP301) finding of the Deployment.
    fn kp301(annotations: &str, pod_annotations: &str, config: &str) -> Option<String> {
        let text = DEPLOYMENT
            .replace("{ANNOTATIONS}", annotations)
            .replace("{POD_ANNOTATIONS}", pod_annotations);
        let opts = crate::lint::Options {
            config: Config::from_yaml(config).unwrap(),
            ..Default::default()
        };
        let report = crate::lint::lint_text("web.yaml", &text, &opts);
        let found: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.rule.id == RuleId::ImageTag)
            .collect();
        assert_eq!(found.len(), 1, "{:?}", report.findings);
        found[0].suppressed.clone()
    }

    #[test]
    fn inline_ignores_name_a_rule_by_code_in_any_case_or_by_name() {
        for key in ["KP301", "kp301", "image-tag"] {
            let ann = format!("{{ignore.komply.dev/{key}: reviewed}}");
            assert_eq!(kp301(&ann, "{}", ""), Some("reviewed".into()), "{key}");
            assert_eq!(kp301("{}", &ann, ""), Some("reviewed".into()), "{key}");
        }
        // Another rule's code or name leaves the finding alone.
        assert_eq!(kp301("{ignore.komply.dev/KP302: x}", "{}", ""), None);
        assert_eq!(kp301("{ignore.komply.dev/image-digest: x}", "{}", ""), None);
    }

    #[test]
    fn config_ignores_name_a_rule_by_code_in_any_case_or_by_name() {
        for key in ["KP301", "kp301", "image-tag"] {
            let cfg = format!("ignore:\n  - rules: [{key}]\n    reason: reviewed\n");
            assert_eq!(kp301("{}", "{}", &cfg), Some("reviewed".into()), "{key}");
            let cfg = format!("rules:\n  severity: {{{key}: info}}\n  disable: [{key}]\n");
            let cfg = Config::from_yaml(&cfg).unwrap();
            assert!(!cfg.is_enabled(RuleId::ImageTag.rule()), "{key}");
            assert_eq!(cfg.severity.get(&RuleId::ImageTag), Some(&Severity::Info));
        }
        assert_eq!(
            kp301("{}", "{}", "ignore:\n  - rules: [KP302]\n    reason: x\n"),
            None
        );
    }
}
