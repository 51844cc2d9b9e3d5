//! The lint configuration (`.komply.yaml`) against `schemas/komply-config.schema.json`, with
//! errors at `file:line:col` and "did you mean" for misspelt keys.

use super::report::{self, Style};
use super::schemas;
use crate::diag::{Code, Diagnostic};
use crate::yaml::Node;

const STYLE: Style = Style {
    noun: "key",
    root: "the lint configuration",
    duplicates_allowed: report::never,
};

/// Validates one `.komply.yaml` document. Errors are in document order.
pub fn validate_lint_config(root: &Node) -> Vec<Diagnostic> {
    let Some(compiled) = schemas::lint_config() else {
        return vec![
            Diagnostic::error("internal error: the lint configuration schema failed to load")
                .code(Code::LintConfigSchema),
        ];
    };
    let json = root.to_json();
    report::located_findings(root, &json, compiled, STYLE)
        .into_iter()
        .map(|(span, f)| {
            let mut d = Diagnostic::error(f.message).at(span).code(Code::LintConfigSchema).help(
                "the format is in docs/komply-config-reference.md (`komply schema komply-config` prints the schema)",
            );
            if let Some(s) = f.suggestion {
                d = d.help(format!("did you mean `{s}`?"));
            }
            d
        })
        .collect()
}
