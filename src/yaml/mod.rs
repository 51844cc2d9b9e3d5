//! Span-aware YAML: parse into [`Node`] trees that remember `file:line:col`, and emit YAML text.

mod emit;
mod error;
mod json;
mod node;
mod parse;
pub mod resolve;

pub use emit::{is_plain_safe, to_yaml, to_yaml_stream};
pub use error::YamlError;
pub use node::{Node, NodeKind, Pos, SourceId, Span, Tag, format_float};
pub use parse::{Dialect, Limits, Manifests, parse_as, parse_documents, parse_manifests};
