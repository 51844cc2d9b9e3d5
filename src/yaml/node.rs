//! The span-carrying YAML tree every stage reads.
//!
//! A [`Node`] remembers where it came from (`Span`: source file, line, column), so any stage can
//! point a diagnostic at the exact key or value that caused it, even after files are merged.

use std::fmt;

/// Index into `crate::source::Sources` (which sits above `yaml`). `SourceId::NONE` marks values komply made itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SourceId(pub u32);

impl SourceId {
    pub const NONE: SourceId = SourceId(u32::MAX);
    pub fn is_none(self) -> bool {
        self == SourceId::NONE
    }
}

/// A position in a source file: 1-based line, 1-based column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// Where a node came from. `end` is exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub source: SourceId,
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    /// A span for values komply synthesised (no location in any input).
    pub const SYNTHETIC: Span = Span {
        source: SourceId::NONE,
        start: Pos { line: 0, col: 0 },
        end: Pos { line: 0, col: 0 },
    };

    pub fn is_synthetic(&self) -> bool {
        self.source.is_none()
    }

    pub fn point(source: SourceId, line: u32, col: u32) -> Span {
        let p = Pos { line, col };
        Span {
            source,
            start: p,
            end: p,
        }
    }
}

/// A custom (non-core) tag such as `!reset` or `!override`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    Reset,
    Override,
    Other(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX` (go-yaml keeps those as `uint64`, up to `u64::MAX`).
    Uint(u64),
    Float(f64),
    Str(String),
    /// A plain timestamp (`2001-12-14`) as go-yaml v3 resolves it, in Go's RFC 3339 form
    /// (`2001-12-14T00:00:00Z`). Docker Compose accepts one only where any value is allowed
    /// (`x-` extensions); kubectl reads timestamps as strings.
    Timestamp(String),
    Seq(Vec<Node>),
    /// Ordered mapping; keys are unique (duplicates are rejected at parse time).
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
    pub tag: Option<Tag>,
}

impl Node {
    pub fn new(kind: NodeKind, span: Span) -> Node {
        Node {
            kind,
            span,
            tag: None,
        }
    }

    pub fn synthetic(kind: NodeKind) -> Node {
        Node::new(kind, Span::SYNTHETIC)
    }

    pub fn str(s: impl Into<String>, span: Span) -> Node {
        Node::new(NodeKind::Str(s.into()), span)
    }

    pub fn null(span: Span) -> Node {
        Node::new(NodeKind::Null, span)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            NodeKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.kind {
            NodeKind::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.kind {
            NodeKind::Int(i) => Some(i as f64),
            NodeKind::Uint(u) => Some(u as f64),
            NodeKind::Float(f) => Some(f),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.kind {
            NodeKind::Seq(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Vec<(Node, Node)>> {
        match &mut self.kind {
            NodeKind::Map(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, NodeKind::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.kind, NodeKind::Seq(_))
    }

    pub fn is_scalar(&self) -> bool {
        !self.is_map() && !self.is_seq()
    }

    /// The value under a string key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value node under a string key of a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.scalar_eq(key))
            .map(|(k, v)| (k, v))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut()?
            .iter_mut()
            .find(|(k, _)| k.scalar_eq(key))
            .map(|(_, v)| v)
    }

    /// Follows a path of map keys / sequence indices (`"0"`, `"1"` … index sequences).
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        let mut cur = self;
        for seg in path {
            cur = match &cur.kind {
                NodeKind::Map(_) => cur.get(seg)?,
                NodeKind::Seq(items) => items.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// True when this node is a scalar whose string form equals `s`.
    pub fn scalar_eq(&self, s: &str) -> bool {
        match &self.kind {
            NodeKind::Str(v) => v == s,
            _ => self.scalar_string().as_deref() == Some(s),
        }
    }

    /// The scalar rendered as text the way YAML wrote it (numbers and bools in canonical form).
    /// `None` for mappings and sequences.
    pub fn scalar_string(&self) -> Option<String> {
        match &self.kind {
            NodeKind::Null => Some(String::new()),
            NodeKind::Bool(b) => Some(b.to_string()),
            NodeKind::Int(i) => Some(i.to_string()),
            NodeKind::Uint(u) => Some(u.to_string()),
            NodeKind::Float(f) => Some(format_float(*f)),
            NodeKind::Str(s) | NodeKind::Timestamp(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// A short human name for the node's type, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) | NodeKind::Uint(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Timestamp(_) => "a timestamp",
            NodeKind::Seq(_) => "a sequence",
            NodeKind::Map(_) => "a mapping",
        }
    }

    /// Converts to JSON. Keys become strings; tags are dropped.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            NodeKind::Null => J::Null,
            NodeKind::Bool(b) => J::Bool(*b),
            NodeKind::Int(i) => J::from(*i),
            NodeKind::Uint(u) => J::from(*u),
            NodeKind::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            NodeKind::Str(s) | NodeKind::Timestamp(s) => J::String(s.clone()),
            NodeKind::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => {
                let mut m = serde_json::Map::with_capacity(entries.len());
                for (k, v) in entries {
                    m.insert(k.scalar_string().unwrap_or_default(), v.to_json());
                }
                J::Object(m)
            }
        }
    }

    /// Builds a synthetic node tree from JSON (no locations).
    pub fn from_json(v: &serde_json::Value) -> Node {
        use serde_json::Value as J;
        let kind = match v {
            J::Null => NodeKind::Null,
            J::Bool(b) => NodeKind::Bool(*b),
            J::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => NodeKind::Int(i),
                (None, Some(u)) => NodeKind::Uint(u),
                _ => NodeKind::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => NodeKind::Str(s.clone()),
            J::Array(a) => NodeKind::Seq(a.iter().map(Node::from_json).collect()),
            J::Object(o) => NodeKind::Map(
                o.iter()
                    .map(|(k, v)| {
                        (
                            Node::synthetic(NodeKind::Str(k.clone())),
                            Node::from_json(v),
                        )
                    })
                    .collect(),
            ),
        };
        Node::synthetic(kind)
    }
}

/// Formats a float as Docker Compose turns one into text (`fmt.Sprint`, i.e. Go's
/// `strconv.FormatFloat(f, 'g', -1, 64)`): `1.5`, `1e+06`, `1e-07`, `0.5`; `.inf`, `-.inf` and
/// `.nan` for the non-finite ones, as YAML writes them.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    super::resolve::go_format_g(f, false)
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}
