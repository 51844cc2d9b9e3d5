//! SARIF 2.1.0 as GitHub code scanning reads it: the rules with their help, tags, precision and
//! security severity; results with locations, line-independent fingerprints and suppressions.
//!
//! Built with `serde_json` rather than the `serde-sarif` crate: we emit a small, fixed subset,
//! the test suite validates it against the official 2.1.0 schema, and the typed crate would add
//! several proc-macro dependencies to every build for no stronger guarantee
//! (docs/decisions/0005-lint-design.md).

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Value, json};

use super::{Lazy, Report, location};
use crate::diag::Severity;
use crate::lint::rules::{ALL, Finding, Rule, RuleId};

#[derive(Serialize)]
pub(super) struct SarifDoc<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [SarifRun<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRun<'a> {
    tool: Value,
    automation_details: Value,
    original_uri_base_ids: Value,
    column_kind: &'static str,
    results: Lazy<'a>,
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Percent-encodes what a URI reference cannot hold verbatim; keeps `/`.
fn uri_path(p: &str) -> String {
    let mut out = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Where the documentation of rule `id` is published: its generated page (docs/rules/), at the
/// tag of this version, so the page matches the binary that reported the finding.
pub fn rule_help_uri(id: RuleId) -> String {
    let id = id.code();
    format!(
        "{}/blob/v{}/docs/rules/{id}.md",
        env!("CARGO_PKG_REPOSITORY"),
        env!("CARGO_PKG_VERSION")
    )
}

/// The rule as a SARIF `reportingDescriptor`, with the properties GitHub code scanning reads:
/// `tags` (`security` makes it a security alert), `precision`, and for security rules the
/// `security-severity` score.
fn sarif_rule(r: &Rule) -> Value {
    let mut properties = json!({
        "tags": [r.family.as_str()],
        "precision": r.precision.as_str(),
    });
    if let Some(score) = r.security_severity {
        properties["security-severity"] = json!(score);
    }
    json!({
        "id": r.id.code(),
        "name": r.id.name(),
        "shortDescription": {"text": r.summary()},
        "fullDescription": {"text": r.summary()},
        "helpUri": rule_help_uri(r.id),
        "help": {"text": r.help(), "markdown": r.help()},
        "defaultConfiguration": {
            "level": sarif_level(r.severity),
            "enabled": r.default_enabled,
        },
        "properties": properties,
    })
}

/// A result's identity, independent of line numbers: the rule, the file, the object (kind,
/// namespace, name) and container it is about, and which occurrence of that combination it is.
/// GitHub matches alerts across runs by `primaryLocationLineHash`; left out, upload-sarif
/// would hash the text around the line instead, so reformatting the YAML or editing the line
/// would open a new alert for the same problem.
struct Fingerprints<'a> {
    report: &'a Report,
    seen: std::collections::HashMap<String, u32>,
}

impl Fingerprints<'_> {
    fn next(&mut self, f: &Finding, file: Option<&str>) -> Value {
        let mut key = format!("{}\u{1f}{}", f.rule.id.code(), file.unwrap_or(""));
        if let Some(o) = f.object.and_then(|i| self.report.object_summary(i)) {
            let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
            let ns = o.namespace.as_deref().unwrap_or("");
            let _ = write!(
                key,
                "\u{1f}{group}\u{1f}{}\u{1f}{ns}\u{1f}{}",
                o.kind, o.name
            );
        }
        if let Some(c) = &f.container {
            let _ = write!(key, "\u{1f}{c}");
        }
        let n = self.seen.entry(key.clone()).or_insert(0);
        *n += 1;
        json!({
            "primaryLocationLineHash": format!("{}:{n}", crate::generate::naming::content_hash(key.as_bytes())),
        })
    }
}

/// The report as one SARIF log: the driver with every rule, then the results, made while they
/// are written.
pub(super) fn sarif<'a>(report: &'a Report, category: &str) -> SarifDoc<'a> {
    let rules: Vec<Value> = ALL.iter().map(|r| sarif_rule(r)).collect();
    let results = Lazy(Box::new(move || {
        let mut fingerprints = Fingerprints {
            report,
            seen: Default::default(),
        };
        Box::new(
            report
                .findings
                .iter()
                .map(move |f| sarif_result(f, &mut fingerprints)),
        )
    }));
    SarifDoc {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [SarifRun {
            tool: json!({"driver": {
                "name": "komply",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }}),
            // `category/` (no run id): upload-sarif keeps an id that is present and ignores its
            // own `category` input, so komply's id must already tell analyses apart.
            automation_details: json!({"id": format!("{}/", category.trim_end_matches('/'))}),
            original_uri_base_ids: json!({"%SRCROOT%": {"uri": source_root()}}),
            // Columns count characters (yaml::Pos), not UTF-16 code units.
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

/// One finding as a SARIF `result`: rule, level, message, fingerprint, location (when it has
/// one) and suppression (when suppressed).
fn sarif_result(f: &Finding, fingerprints: &mut Fingerprints<'_>) -> Value {
    let loc = location(f);
    let mut r = json!({
        "ruleId": f.rule.id.code(),
        // `rules` lists ALL, in RuleId order.
        "ruleIndex": f.rule.id as usize,
        "level": sarif_level(f.severity),
        "message": {"text": f.message},
        "partialFingerprints": fingerprints.next(f, loc.as_ref().map(|l| l.0.as_str())),
    });
    if let Some((file, line, col, eline, ecol)) = loc {
        r["locations"] = json!([physical_location(&file, line, col, eline, ecol)]);
    }
    if let Some(reason) = &f.suppressed {
        r["suppressions"] = json!([{"kind": "external", "justification": reason}]);
    }
    r
}

/// A `location` with its `physicalLocation`: a relative path under `%SRCROOT%`, an absolute
/// one as a `file://` URI, stdin (`<stdin>`) as a bare name; the region's end only when it is
/// after its start.
fn physical_location(file: &str, line: u32, col: u32, eline: u32, ecol: u32) -> Value {
    let (uri, base) = if file.starts_with('/') {
        (format!("file://{}", uri_path(file)), None)
    } else if file.starts_with('<') {
        (uri_path(file.trim_matches(['<', '>'])), None)
    } else {
        (uri_path(file), Some("%SRCROOT%"))
    };
    let mut art = json!({"uri": uri});
    if let Some(b) = base {
        art["uriBaseId"] = json!(b);
    }
    let mut region = json!({"startLine": line, "startColumn": col});
    if eline >= line && (eline > line || ecol > col) {
        region["endLine"] = json!(eline);
        region["endColumn"] = json!(ecol);
    }
    json!({"physicalLocation": {"artifactLocation": art, "region": region}})
}

/// `%SRCROOT%`: the current directory as a `file://` URI ending in `/`.
fn source_root() -> String {
    std::env::current_dir()
        .map(|p| {
            let s = p.to_string_lossy().replace('\\', "/");
            format!("file://{}/", uri_path(s.trim_end_matches('/')))
        })
        .unwrap_or_else(|_| "file:///".into())
}
