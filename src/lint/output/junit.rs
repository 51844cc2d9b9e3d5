//! JUnit XML: one `<testsuite>` per file, one failing `<testcase>` per finding.

use std::fmt::Write as _;

use super::{Report, location};
use crate::lint::rules::Finding;

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
pub(super) fn junit(report: &Report) -> String {
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
