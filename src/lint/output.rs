//! Report formats: `text` (code frames), `json`, `sarif` (2.1.0), `github` (workflow commands),
//! `junit`.
//!
//! SARIF is built with `serde_json` rather than the `serde-sarif` crate: we emit a small, fixed
//! subset, the test suite validates it against the official 2.1.0 schema, and the typed crate
//! would add several proc-macro dependencies to every build for no stronger guarantee
//! (docs/decisions/0005-lint-design.md).

use std::fmt::Write as _;

use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use super::Report;
use super::rules::{ALL, Finding, RuleId};
use crate::diag::{Diagnostic, Severity};
use crate::source::sources;

/// The JSON Schema of the `json` format (`komply schema lint-report`); tests validate real
/// reports against it.
pub const REPORT_SCHEMA: &str = include_str!("../../schemas/lint-report.schema.json");

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Junit,
}

/// The SARIF `automationDetails.id` category when the caller names none.
pub const DEFAULT_CATEGORY: &str = "komply";

pub fn render(report: &Report, format: Format, color: bool) -> String {
    render_in(report, format, color, DEFAULT_CATEGORY)
}

/// [`render`] with the SARIF run's category (`automationDetails.id`, which GitHub code scanning
/// uses to keep the alerts of separate analyses apart).
pub fn render_in(report: &Report, format: Format, color: bool, category: &str) -> String {
    match format {
        Format::Text => text(report, color),
        Format::Json | Format::Sarif => {
            let mut out = Vec::new();
            let _ = write_in(report, format, color, false, category, &mut out);
            String::from_utf8(out).unwrap_or_default()
        }
        Format::Github => github(report),
        Format::Junit => junit(report),
    }
}

/// The finding as a diagnostic (for code frames and one-line display): `error[KP101/run-as-non-root]`,
/// the span underlined, and the rule's fix title as `help:`.
pub fn diagnostic(f: &Finding) -> Diagnostic {
    Diagnostic::new(f.severity, f.message.clone())
        .at(f.span)
        .code(format!("{}/{}", f.rule.id.code(), f.rule.id.name()))
        .help(format!(
            "{} (komply rules explain {})",
            f.rule.fix_title,
            f.rule.id.code()
        ))
}

/// The findings as code frames, without the summary line (what `--quiet` prints).
pub fn findings_text(report: &Report, color: bool) -> String {
    let mut out = Vec::new();
    let _ = write_findings(report, color, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

fn write_findings(
    report: &Report,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    // Code frames are rendered on all cores, a batch at a time (bounded memory), written in order.
    let active: Vec<&Finding> = report.active().collect();
    for batch in active.chunks(1024) {
        let frames: Vec<String> = batch
            .par_iter()
            .map(|f| diagnostic(f).render(color))
            .collect();
        for frame in frames {
            out.write_all(frame.as_bytes())?;
            out.write_all(b"\n\n")?;
        }
    }
    Ok(())
}

fn text(report: &Report, color: bool) -> String {
    let mut out = findings_text(report, color);
    out.push_str(&report.summary_line());
    out.push('\n');
    out
}

/// Writes the report as [`render`] would (or, with `findings_only`, as [`findings_text`]), but
/// text is streamed finding by finding: the code frames of 10,000 files' findings are never one
/// string in memory (SPEC §7 memory target).
pub fn write(
    report: &Report,
    format: Format,
    color: bool,
    findings_only: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    write_in(report, format, color, findings_only, DEFAULT_CATEGORY, out)
}

/// [`write`] with the SARIF run's category (see [`render_in`]).
pub fn write_in(
    report: &Report,
    format: Format,
    color: bool,
    findings_only: bool,
    category: &str,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => {
            write_findings(report, color, out)?;
            if !findings_only {
                writeln!(out, "{}", report.summary_line())?;
            }
            Ok(())
        }
        Format::Json => write_json(&json_report(report), out),
        Format::Sarif => write_json(&sarif(report, category), out),
        _ => out.write_all(render(report, format, color).as_bytes()),
    }
}

/// Pretty JSON plus a final newline, written as it is made.
fn write_json(doc: &impl Serialize, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut buf = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buf, doc).map_err(std::io::Error::other)?;
    std::io::Write::write_all(&mut buf, b"\n")?;
    std::io::Write::flush(&mut buf)
}

/// A JSON array whose items are made one at a time while it is written, so a report of 40,000
/// findings is never one JSON tree in memory (SPEC §7: 10,000 files in < 100 MB).
struct Lazy<'a>(Box<dyn Fn() -> Box<dyn Iterator<Item = Value> + 'a> + 'a>);

impl Serialize for Lazy<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    version: u32,
    files: &'a [String],
    findings: Lazy<'a>,
    summary: Value,
}

#[derive(Serialize)]
struct SarifDoc<'a> {
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

/// (file, line, column, end line, end column); `None` when the finding has no location.
fn location(f: &Finding) -> Option<(String, u32, u32, u32, u32)> {
    if f.span.is_synthetic() {
        return None;
    }
    let (el, ec) = if f.span.end.line >= f.span.start.line && f.span.end.line > 0 {
        (f.span.end.line, f.span.end.col)
    } else {
        (f.span.start.line, f.span.start.col)
    };
    Some((
        sources().display(f.span.source),
        f.span.start.line,
        f.span.start.col,
        el,
        ec,
    ))
}

fn json_report(report: &Report) -> JsonDoc<'_> {
    let findings = Lazy(Box::new(move || {
        Box::new(report.findings.iter().map(move |f| {
            let obj = f.object.and_then(|i| report.object_summary(i));
            let loc = location(f);
            json!({
                "rule": f.rule.id.code(),
                "name": f.rule.id.name(),
                "family": f.rule.family.as_str(),
                "severity": f.severity.as_str(),
                "message": f.message,
                "file": loc.as_ref().map(|l| l.0.clone()),
                "line": loc.as_ref().map(|l| l.1),
                "column": loc.as_ref().map(|l| l.2),
                "object": obj.map(|o| json!({
                    "apiVersion": o.api_version,
                    "kind": o.kind,
                    "namespace": o.namespace,
                    "name": o.name,
                })),
                "container": f.container,
                "suppressed": f.suppressed.is_some(),
                "suppressionReason": f.suppressed,
            })
        }))
    }));
    JsonDoc {
        version: 1,
        files: &report.files,
        findings,
        summary: json!({
            "files": report.files.len(),
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "info": report.count(Severity::Info),
            "suppressed": report.suppressed(),
        }),
    }
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
fn sarif_rule(r: &super::rules::Rule) -> Value {
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

fn sarif<'a>(report: &'a Report, category: &str) -> SarifDoc<'a> {
    let rules: Vec<Value> = ALL.iter().map(|r| sarif_rule(r)).collect();
    let results = Lazy(Box::new(move || {
        let mut fingerprints = Fingerprints {
            report,
            seen: Default::default(),
        };
        Box::new(report.findings.iter().map(move |f| {
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
                let (uri, base) = if file.starts_with('/') {
                    (format!("file://{}", uri_path(&file)), None)
                } else if file.starts_with('<') {
                    (uri_path(file.trim_matches(['<', '>'])), None)
                } else {
                    (uri_path(&file), Some("%SRCROOT%"))
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
                r["locations"] = json!([{
                    "physicalLocation": {"artifactLocation": art, "region": region}
                }]);
            }
            if let Some(reason) = &f.suppressed {
                r["suppressions"] = json!([{"kind": "external", "justification": reason}]);
            }
            r
        }))
    }));
    let cwd = std::env::current_dir()
        .map(|p| {
            let s = p.to_string_lossy().replace('\\', "/");
            format!("file://{}/", uri_path(s.trim_end_matches('/')))
        })
        .unwrap_or_else(|_| "file:///".into());
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
            original_uri_base_ids: json!({"%SRCROOT%": {"uri": cwd}}),
            // Columns count characters (yaml::Pos), not UTF-16 code units.
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

/// Escapes a workflow-command message (`@actions/core` `escapeData`).
pub fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value (`escapeProperty`).
pub fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(report: &Report) -> String {
    let mut out = String::new();
    for f in report.active() {
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some((file, line, col, eline, ecol)) = location(f) {
            props.push(format!("file={}", gh_escape_property(&file)));
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
            if eline == line && ecol > col {
                props.push(format!("endLine={eline}"));
                props.push(format!("endColumn={ecol}"));
            }
        }
        props.push(format!(
            "title={}",
            gh_escape_property(&format!("{} {}", f.rule.id.code(), f.rule.id.name()))
        ));
        let _ = writeln!(
            out,
            "::{cmd} {}::{}",
            props.join(","),
            gh_escape_data(&f.message)
        );
    }
    let _ = writeln!(
        out,
        "::notice title=komply::{}",
        gh_escape_data(&report.summary_line())
    );
    out
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// One `<testsuite>` per file; one failing `<testcase>` per finding, or one passing testcase
/// for a clean file.
fn junit(report: &Report) -> String {
    let mut by_file: Vec<(String, Vec<&Finding>)> = report
        .files
        .iter()
        .map(|f| (f.clone(), Vec::new()))
        .collect();
    for f in report.active() {
        let file = location(f).map(|l| l.0).unwrap_or_else(|| "<input>".into());
        match by_file.iter_mut().find(|(n, _)| *n == file) {
            Some((_, v)) => v.push(f),
            None => by_file.push((file, vec![f])),
        }
    }
    let total_fail: usize = by_file.iter().map(|(_, v)| v.len()).sum();
    let total_tests: usize = by_file.iter().map(|(_, v)| v.len().max(1)).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"komply lint\" tests=\"{total_tests}\" failures=\"{total_fail}\" errors=\"0\">"
    );
    for (file, findings) in &by_file {
        let f = xml_escape(file);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{f}\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
            findings.len().max(1),
            findings.len()
        );
        if findings.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase name=\"komply lint\" classname=\"{f}\"/>"
            );
        }
        for x in findings {
            let loc = location(x)
                .map(|l| format!("{}:{}:{}", l.0, l.1, l.2))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    <testcase name=\"{}\" classname=\"{f}\">",
                xml_escape(&format!(
                    "{} {}: {}",
                    x.rule.id.code(),
                    x.rule.id.name(),
                    x.message
                ))
            );
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                x.severity.as_str(),
                xml_escape(&x.message),
                xml_escape(&format!(
                    "{loc}: {}[{}]: {}",
                    x.severity,
                    x.rule.id.code(),
                    x.message
                ))
            );
            let _ = writeln!(out, "    </testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}
