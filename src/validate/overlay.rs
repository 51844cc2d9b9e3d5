//! Overlay files against `schemas/overlay.schema.json`, with errors at `file:line:col` and
//! "did you mean" for misspelt keys (the same machinery as Compose files).

use super::report::{self, Style};
use super::schemas;
use crate::diag::{Code, Diagnostic};
use crate::yaml::Node;

const STYLE: Style = Style {
    noun: "key",
    root: "the overlay",
    duplicates_allowed: report::never,
};

/// Validates one overlay document. Errors are in document order.
pub fn validate_overlay(root: &Node) -> Vec<Diagnostic> {
    let Some(compiled) = schemas::overlay() else {
        return vec![
            Diagnostic::error("internal error: the overlay schema failed to load")
                .code(Code::OverlaySchema),
        ];
    };
    let json = root.to_json();
    report::located_findings(root, &json, compiled, STYLE)
        .into_iter()
        .map(|(span, f)| {
            let mut d = Diagnostic::error(f.message)
                .at(span)
                .code(Code::OverlaySchema)
                .help(
                    "the format is in docs/overlays.md (`komply schema overlay` prints the schema)",
                );
            if let Some(s) = f.suggestion {
                d = d.help(format!("did you mean `{s}`?"));
            }
            d
        })
        .collect()
}
