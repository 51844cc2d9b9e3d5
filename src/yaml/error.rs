//! The error of reading YAML (or kubectl's JSON) text: a message at a span.

use super::node::Span;

/// A YAML syntax or structure error with the place it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    pub span: Span,
    pub message: String,
    /// A second place worth showing (e.g. where a duplicate key was first defined).
    pub related: Option<(Span, String)>,
}
