//! Compose files against the Compose Specification schema (compose-go's canonical copy).

use super::locate::locate;
use super::report::{self, Style};
use super::schemas;
use crate::diag::Diagnostic;
use crate::yaml::Node;

const STYLE: Style = Style {
    noun: "key",
    root: "the Compose file",
};

/// Diagnostic code of every Compose schema error.
pub const CODE: &str = "compose/schema";

/// Validates a Compose file tree (before or after interpolation: the schema accepts `${VAR}` in
/// typed fields) against the embedded compose-spec schema. Every error has code
/// `compose/schema` and points at the exact key (unknown key) or value (wrong type / value); a
/// missing required key points at the key holding the mapping. An unknown key close to a known
/// one gets "did you mean `…`?" as help. Errors are in document order.
pub fn validate_compose(root: &Node) -> Vec<Diagnostic> {
    let Some(compiled) = schemas::compose() else {
        return vec![
            Diagnostic::error("internal error: the Compose schema failed to load").code(CODE),
        ];
    };
    let json = root.to_json();
    let mut findings = Vec::new();
    for err in compiled.validator.iter_errors(&json) {
        report::translate(&err, &compiled.schema, STYLE, &mut findings);
    }
    let mut located: Vec<_> = findings
        .into_iter()
        .map(|f| (locate(root, &f.node_pointer, f.anchor), f))
        .collect();
    located.sort_by_key(|(span, _)| (span.source, span.start));
    located.dedup_by(|a, b| a.0 == b.0 && a.1.message == b.1.message);
    located
        .into_iter()
        .map(|(span, f)| {
            let mut d = Diagnostic::error(f.message).at(span).code(CODE);
            if let Some(s) = f.suggestion {
                d = d.help(format!("did you mean `{s}`?"));
            }
            d
        })
        .collect()
}
