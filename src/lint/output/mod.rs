//! Report formats, one file each (as ripgrep's printer): `text.rs` (code frames), `json.rs`,
//! `sarif.rs` (2.1.0, for code scanning), `github.rs` (workflow commands), `junit.rs`. Here: the
//! [`Format`] switch, the streaming writer, and what several formats share (a finding's
//! location, lazily written JSON arrays).

mod github;
mod json;
mod junit;
mod sarif;
mod text;

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::Report;
use super::rules::Finding;
use crate::source::sources;

pub use github::{gh_escape_data, gh_escape_property};
pub use sarif::rule_help_uri;
pub use text::{diagnostic, findings_text};

/// The JSON Schema of the `json` format (`komply schema lint-report`); tests validate real
/// reports against it.
pub const REPORT_SCHEMA: &str = include_str!("../../../schemas/lint-report.schema.json");

/// `--format`.
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
        Format::Text => text::text(report, color),
        Format::Json | Format::Sarif => {
            let mut out = Vec::new();
            let _ = write_in(report, format, color, false, category, &mut out);
            String::from_utf8(out).unwrap_or_default()
        }
        Format::Github => github::github(report),
        Format::Junit => junit::junit(report),
    }
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
            text::write_findings(report, color, out)?;
            if !findings_only {
                writeln!(out, "{}", report.summary_line())?;
            }
            Ok(())
        }
        Format::Json => write_json(&json::json_report(report), out),
        Format::Sarif => write_json(&sarif::sarif(report, category), out),
        Format::Github | Format::Junit => out.write_all(render(report, format, color).as_bytes()),
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
