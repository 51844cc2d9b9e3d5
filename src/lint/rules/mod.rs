//! The rules: one per file, each declared with [`declare_rule!`]. The doc comment on the
//! declaration **is** the user documentation (`komply rules explain ID`, `docs/rules/<ID>.md`).
//!
//! Ids are `KP` + three digits, grouped by family (0xx input, 1xx security, 2xx resources,
//! 3xx images, 4xx probes, 5xx references, 6xx schema). An id is never renumbered or reused;
//! a retired rule keeps its number. Names are kebab-case and equally stable; both are accepted
//! wherever a rule is named (config, annotations, `explain`).

use crate::diag::Severity;
use crate::yaml::Span;

use super::context::{LintContext, PodContainer};
use super::model::{ContainerKind, Object};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Input,
    Security,
    Resources,
    Images,
    Probes,
    References,
    Schema,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Input => "input",
            Family::Security => "security",
            Family::Resources => "resources",
            Family::Images => "images",
            Family::Probes => "probes",
            Family::References => "references",
            Family::Schema => "schema",
        }
    }
}

/// How often a finding of the rule is a real problem (GitHub code scanning's `precision`, which
/// it sorts and filters alerts by).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// A structural fact of the object: no judgement involved.
    VeryHigh,
    /// A heuristic (names, value shapes) or a fact that objects outside the run can change.
    High,
    Medium,
    Low,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::VeryHigh => "very-high",
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

pub type CheckFn = fn(&LintContext, &mut Sink);

pub struct Rule {
    /// The rule's identity; its string forms are [`RuleId::code`] (`KP101`) and
    /// [`RuleId::name`] (`run-as-non-root`).
    pub id: RuleId,
    /// `KP` + three digits (read through [`RuleId::code`]).
    code: &'static str,
    /// Kebab-case, as stable as the code.
    pub name: &'static str,
    /// How to fix a finding, as one short imperative sentence without a final period (ruff's
    /// `fix_title`): the `help:` line of a finding, the **Fix** line of the rule's page.
    pub fix_title: &'static str,
    pub family: Family,
    pub severity: Severity,
    /// Runs unless turned off; `false` = opt-in (`.komply.yaml` `rules.enable`).
    pub default_enabled: bool,
    /// For security rules: a CVSS-like score, `0.1`–`10.0` (GitHub code scanning's
    /// `security-severity`: 9.0+ critical, 7.0+ high, 4.0+ medium, else low). Every rule of the
    /// security family has one (tests/lint_docs.rs checks).
    pub security_severity: Option<&'static str>,
    pub precision: Precision,
    /// The doc comment, verbatim (each line keeps the leading space rustdoc leaves).
    raw_doc: &'static str,
    pub check: CheckFn,
}

impl Rule {
    /// The documentation as Markdown.
    pub fn doc(&self) -> String {
        let mut out = String::new();
        for line in self.raw_doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string() + "\n"
    }

    /// The first paragraph of the doc, on one line: the summary.
    pub fn summary(&self) -> String {
        self.raw_doc
            .lines()
            .map(str::trim)
            .skip_while(|l| l.is_empty())
            .take_while(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The documentation with the fix title after its first paragraph (the summary): SARIF's
    /// `help`, which code scanning shows with an alert.
    pub fn help(&self) -> String {
        let doc = self.doc();
        match doc.split_once("\n\n") {
            Some((summary, rest)) => format!("{summary}\n\n**Fix:** {}\n\n{rest}", self.fix_title),
            None => format!("{}\n**Fix:** {}\n", doc, self.fix_title),
        }
    }

    /// The `security-severity` as GitHub labels it: critical, high, medium or low.
    pub fn security_level(&self) -> Option<&'static str> {
        let score: f64 = self.security_severity?.parse().ok()?;
        Some(if score >= 9.0 {
            "critical"
        } else if score >= 7.0 {
            "high"
        } else if score >= 4.0 {
            "medium"
        } else {
            "low"
        })
    }

    /// True when `id_or_name` names this rule: its code in any case (`KP301`, `kp301`) or its
    /// name (`image-tag`).
    pub fn matches(&self, id_or_name: &str) -> bool {
        self.code.eq_ignore_ascii_case(id_or_name) || self.name == id_or_name
    }
}

/// Declares a rule. The doc comment becomes [`Rule::doc`]; `fix` is [`Rule::fix_title`].
/// `security_severity` (security rules) and `precision` (default `VeryHigh`) are optional, in
/// that order, before `check`.
macro_rules! declare_rule {
    (@opt) => { None };
    (@opt $v:literal) => { Some($v) };
    (@precision) => { $crate::lint::rules::Precision::VeryHigh };
    (@precision $p:ident) => { $crate::lint::rules::Precision::$p };
    (
        $(#[doc = $doc:literal])*
        pub static $ident:ident = {
            id: $id:literal,
            name: $name:literal,
            fix: $fix:literal,
            family: $family:ident,
            severity: $sev:ident,
            enabled: $en:literal,
            $(security_severity: $ss:literal,)?
            $(precision: $prec:ident,)?
            check: $check:path $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub static $ident: $crate::lint::rules::Rule = $crate::lint::rules::Rule {
            id: $crate::lint::rules::RuleId::of_module(module_path!()),
            code: $id,
            name: $name,
            fix_title: $fix,
            family: $crate::lint::rules::Family::$family,
            severity: $crate::diag::Severity::$sev,
            default_enabled: $en,
            security_severity: declare_rule!(@opt $($ss)?),
            precision: declare_rule!(@precision $($prec)?),
            raw_doc: concat!($($doc, "\n"),*),
            check: $check,
        };
    };
}

/// Builds, from the list of rule modules (each with the name of its [`RuleId`] variant): the
/// modules, the [`RuleId`] enum, and [`ALL`]. Each module's [`declare_rule!`] finds its own
/// variant at compile time ([`RuleId::of_module`]), so the variant is written once, here.
macro_rules! registry {
    ($($module:ident => $variant:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Every rule, by identity, in id order. The string forms are [`RuleId::code`]
        /// (`KP101`, shown in reports) and [`RuleId::name`] (`run-as-non-root`); config,
        /// annotations and `komply rules explain` accept either ([`RuleId::find`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId {
            $($variant),*
        }

        impl RuleId {
            /// Every rule id, in id order (the order of [`ALL`]).
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),*];

            /// The rule's declaration.
            pub fn rule(self) -> &'static Rule {
                match self {
                    $(RuleId::$variant => &$module::RULE),*
                }
            }

            /// The id of the rule declared in module `path` (`module_path!()` of a rule file),
            /// evaluated at compile time by [`declare_rule!`] (a module outside the registry
            /// does not build).
            pub const fn of_module(path: &str) -> RuleId {
                $(
                    if same_str(path, concat!(module_path!(), "::", stringify!($module))) {
                        return RuleId::$variant;
                    }
                )*
                panic!("a rule module missing from registry! in src/lint/rules/mod.rs")
            }
        }

        /// Every rule, in id order.
        pub static ALL: &[&Rule] = &[$(&$module::RULE),*];
    };
}

/// `a == b`, usable in a `const fn`.
const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

registry!(
    invalid_input => InvalidInput,
    compose_input => ComposeInput,
    unknown_document => UnknownDocument,
    duplicate_key => DuplicateKey,
    run_as_non_root => RunAsNonRoot,
    privileged => Privileged,
    privilege_escalation => PrivilegeEscalation,
    drop_all_capabilities => DropAllCapabilities,
    dangerous_capabilities => DangerousCapabilities,
    read_only_root_fs => ReadOnlyRootFs,
    host_namespaces => HostNamespaces,
    host_path => HostPath,
    secret_in_env => SecretInEnv,
    secret_in_configmap => SecretInConfigMap,
    cpu_requests => CpuRequests,
    memory_requests => MemoryRequests,
    memory_limit => MemoryLimit,
    image_tag => ImageTag,
    image_digest => ImageDigest,
    image_pull_policy => ImagePullPolicy,
    readiness_probe => ReadinessProbe,
    liveness_probe => LivenessProbe,
    probe_port => ProbePort,
    identical_probes => IdenticalProbes,
    service_selects_pods => ServiceSelectsPods,
    hpa_target_exists => HpaTargetExists,
    hpa_cpu_requests => HpaCpuRequests,
    hpa_target_replicas => HpaTargetReplicas,
    virtualservice_subsets => VirtualServiceSubsets,
    external_secret => ExternalSecret,
    pdb_selects_pods => PdbSelectsPods,
    anti_affinity => AntiAffinity,
    schema => Schema,
    removed_api_version => RemovedApiVersion,
    deprecated_api_version => DeprecatedApiVersion,
);

impl RuleId {
    /// `KP` + three digits, e.g. `KP101`.
    pub fn code(self) -> &'static str {
        self.rule().code
    }

    /// The kebab-case name, e.g. `run-as-non-root`.
    pub fn name(self) -> &'static str {
        self.rule().name
    }

    /// The rule named by `id_or_name`: its code in any case, or its name.
    pub fn find(id_or_name: &str) -> Option<RuleId> {
        RuleId::ALL
            .iter()
            .copied()
            .find(|id| id.rule().matches(id_or_name))
    }

    /// Input problems (unreadable files, compose files that cannot be converted): they cannot
    /// be turned off and make the run exit 2.
    pub fn is_input_problem(self) -> bool {
        matches!(self, RuleId::InvalidInput | RuleId::ComposeInput)
    }
}

/// Shown as the code (`KP101`), as in every report.
impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.code())
    }
}

/// Serialised as the code (`"KP101"`), as in every report.
impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// The rule named by `id_or_name` (its code in any case, or its name).
pub fn find(id_or_name: &str) -> Option<&'static Rule> {
    RuleId::find(id_or_name).map(RuleId::rule)
}

/// One problem found.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Index into [`LintContext::objects`], when the finding is about an object.
    pub object: Option<usize>,
    pub container: Option<String>,
    /// Set when suppressed: the reason given.
    pub suppressed: Option<String>,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

/// Collects the findings of the rule that is running.
/// Reports every container (init containers included) of every workload that does not set
/// `resources.<section>.<resource>`, at the `resources` mapping (or the container when absent).
/// Shared by the resource rules, which differ only in what they require.
fn require_resource(ctx: &LintContext, sink: &mut Sink, section: &str, resource: &str) {
    // Ephemeral containers cannot have resources.
    for item in ctx
        .containers()
        .filter(|item| item.container.kind != ContainerKind::Ephemeral)
    {
        let c = &item.container;
        if c.resource(section, resource).is_none() {
            let span = c.resource_anchor(section);
            let message = format!("does not set resources.{section}.{resource}");
            sink.container(&item, span, &message);
        }
    }
}

pub struct Sink {
    pub rule: &'static Rule,
    pub findings: Vec<Finding>,
}

impl Sink {
    pub fn new(rule: &'static Rule) -> Sink {
        Sink {
            rule,
            findings: Vec::new(),
        }
    }

    /// A finding about `obj` as a whole. The message is prefixed with `Kind/ns/name: `.
    pub fn object(&mut self, idx: usize, obj: &Object, span: Span, message: impl AsRef<str>) {
        self.findings.push(Finding {
            rule: self.rule,
            severity: self.rule.severity,
            message: format!("{}: {}", obj.display(), message.as_ref()),
            span,
            object: Some(idx),
            container: None,
            suppressed: None,
        });
    }

    /// A finding about one container (from [`LintContext::containers`]). The message is
    /// prefixed with `Kind/ns/name: container "x" `.
    pub fn container(&mut self, item: &PodContainer<'_>, span: Span, message: impl AsRef<str>) {
        let c = &item.container;
        self.findings.push(Finding {
            rule: self.rule,
            severity: self.rule.severity,
            message: format!("{}: {} {}", item.obj.display(), c.label(), message.as_ref()),
            span,
            object: Some(item.idx),
            container: Some(c.name.clone()),
            suppressed: None,
        });
    }
}

/// Helpers shared by several rules.
pub(crate) mod util {
    use crate::yaml::Node;

    /// True when the node is the boolean `true`.
    pub fn is_true(n: &Node) -> bool {
        n.as_bool() == Some(true)
    }

    /// Case-insensitive capability name without a `CAP_` prefix.
    pub fn cap_name(n: &Node) -> Option<String> {
        let s = n.scalar_string()?.to_ascii_uppercase();
        Some(s.strip_prefix("CAP_").map(str::to_string).unwrap_or(s))
    }
}

/// The documentation page of a rule (`komply rules explain`, `docs/rules/<ID>.md`).
pub fn render_doc(r: &Rule) -> String {
    let doc = r.doc();
    // The first paragraph (the summary, which may span lines) under the heading, the sections
    // after the table.
    let (summary, body) = match doc.split_once("\n\n") {
        Some((s, b)) => (s, format!("\n{b}")),
        None => (doc.trim_end(), String::new()),
    };
    let security = match (r.security_severity, r.security_level()) {
        (Some(score), Some(level)) => format!("{score} ({level})"),
        _ => "—".to_string(),
    };
    format!(
        "# {code} {name}\n\n{summary}\n\n**Fix:** {fix}\n\n| family | default severity | enabled by default | security severity | precision |\n|---|---|---|---|---|\n| {} | {} | {} | {security} | {} |\n\nSuppress on one object: annotation `ignore.komply.dev/{name}: \"<reason>\"` or `ignore.komply.dev/{code}: \"<reason>\"` (on the object or its pod template).\n{body}",
        r.family.as_str(),
        r.severity.as_str(),
        if r.default_enabled { "yes" } else { "no" },
        r.precision.as_str(),
        code = r.id,
        name = r.name,
        fix = r.fix_title,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_follow_the_registry_in_code_order() {
        assert_eq!(RuleId::ALL.len(), ALL.len());
        for (i, (&id, &rule)) in RuleId::ALL.iter().zip(ALL).enumerate() {
            // SARIF's `ruleIndex` is `id as usize` into the rules listed from ALL.
            assert_eq!(id as usize, i);
            assert_eq!(rule.id, id);
            assert!(std::ptr::eq(id.rule(), rule), "{id}");
        }
        // Findings sort by RuleId; that must be the order of the codes.
        assert!(ALL.windows(2).all(|w| w[0].code < w[1].code));
    }

    #[test]
    fn a_rule_is_found_by_code_in_any_case_or_by_name() {
        assert_eq!(RuleId::find("KP301"), Some(RuleId::ImageTag));
        assert_eq!(RuleId::find("kp301"), Some(RuleId::ImageTag));
        assert_eq!(RuleId::find("image-tag"), Some(RuleId::ImageTag));
        assert_eq!(RuleId::find("Image-Tag"), None);
        assert_eq!(RuleId::find("KP999"), None);
        assert_eq!(RuleId::ImageTag.code(), "KP301");
        assert_eq!(RuleId::ImageTag.name(), "image-tag");
        assert_eq!(format!("[{:<6}]", RuleId::ImageTag), "[KP301 ]");
        assert_eq!(
            serde_json::to_string(&RuleId::ImageTag).unwrap(),
            "\"KP301\""
        );
    }
}
