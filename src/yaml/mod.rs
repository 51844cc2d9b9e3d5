//! Span-aware YAML: parse into [`Node`] trees that remember `file:line:col`, and emit YAML text.

mod emit;
mod node;
mod parse;

pub use emit::{is_plain_safe, to_yaml, to_yaml_stream};
pub use node::{Node, NodeKind, Pos, SourceId, Span, Tag, format_float};
pub use parse::{Limits, YamlError, parse_documents, resolve_plain};
