//! GitHub workflow commands: one `::error` / `::warning` / `::notice` annotation per finding,
//! then the summary as a notice.

use std::fmt::Write as _;

use super::{Report, location};
use crate::diag::Severity;

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

pub(super) fn github(report: &Report) -> String {
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
