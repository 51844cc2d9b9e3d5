//! Text: one code frame per finding (annotate-snippets, through [`crate::diag::Diagnostic`]),
//! then the summary line.

use super::Report;
use crate::diag::Diagnostic;
use crate::lint::rules::Finding;

/// The finding as a diagnostic (for code frames and one-line display): `error[KP101/run-as-non-root]`,
/// the span underlined, and the rule's fix title as `help:`.
pub fn diagnostic(f: &Finding) -> Diagnostic {
    Diagnostic::new(f.severity, f.message.clone())
        .at(f.span)
        .rule(format!("{}/{}", f.rule.id.code(), f.rule.id.name()))
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

pub(super) fn write_findings(
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

pub(super) fn text(report: &Report, color: bool) -> String {
    let mut out = findings_text(report, color);
    out.push_str(&report.summary_line());
    out.push('\n');
    out
}
