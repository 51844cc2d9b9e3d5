//! YAML text → [`Node`] trees, on top of `saphyr-parser`'s event stream.
//!
//! Why our own tree builder (see docs/decisions/0001-yaml-stack.md): we need every node's span,
//! `<<` merge keys, custom tags (`!reset`, `!override`) kept on the node, duplicate keys as errors,
//! YAML 1.2 core-schema scalars, and hard budgets (nesting depth, alias expansion) so hostile input
//! fails fast with a located error instead of exhausting memory. The builder is iterative: deep
//! nesting can't overflow the stack.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::node::{Node, NodeKind, Pos, SourceId, Span, Tag};

/// Budgets that bound the work done on one input.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Total nodes a document may hold once aliases are expanded.
    pub max_nodes: usize,
    /// Total nodes a file (all its documents) may copy through aliases. Real files reuse a few small anchors
    /// (`<<: *defaults`); a "billion laughs" reaches any budget in a few lines, so this one is
    /// much smaller than `max_nodes` and is checked before copying.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_nodes: 2_000_000,
            max_alias_nodes: 100_000,
        }
    }
}

/// A YAML syntax or structure error with the place it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    pub span: Span,
    pub message: String,
    /// A second place worth showing (e.g. where a duplicate key was first defined).
    pub related: Option<(Span, String)>,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        span: Span,
        anchor: usize,
        tag: Option<Tag>,
        size: usize,
    },
    Map {
        entries: Vec<Entry>,
        pending_key: Option<(Node, bool)>,
        span: Span,
        anchor: usize,
        tag: Option<Tag>,
        size: usize,
    },
}

/// A mapping entry before merge keys are applied. `is_merge` marks a plain `<<` key.
struct Entry {
    key: Node,
    value: Node,
    is_merge: bool,
}

/// Parses every document of a YAML stream. An empty stream gives no documents.
pub fn parse_documents(
    source: SourceId,
    text: &str,
    limits: &Limits,
) -> Result<Vec<Node>, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    let mut doc_nodes = 0usize;
    let mut alias_nodes = 0usize;
    let mut root: Option<Node> = None;

    for event in Parser::new_from_str(text) {
        let (event, sp) = event.map_err(|e| {
            let m = e.marker();
            YamlError {
                span: Span::point(source, m.line() as u32, m.col() as u32 + 1),
                message: format!("invalid YAML: {}", e.info()),
                related: None,
            }
        })?;
        let span = Span {
            source,
            start: Pos {
                line: sp.start.line() as u32,
                col: sp.start.col() as u32 + 1,
            },
            end: Pos {
                line: sp.end.line() as u32,
                col: sp.end.col() as u32 + 1,
            },
        };
        // A finished node (scalar, alias, or closed collection) with its size in nodes.
        let mut plain_merge = false;
        let done: Option<(Node, usize, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                anchors.clear();
                // The alias budget is per file, not per document: a bomb split over many
                // `---` documents must not get a fresh budget with each one.
                doc_nodes = 0;
                None
            }
            Event::DocumentEnd => {
                docs.push(root.take().unwrap_or_else(|| Node::null(span)));
                None
            }
            Event::Alias(id) => {
                let Some((node, size)) = anchors.get(&id) else {
                    return Err(err(span, "alias refers to an unknown anchor"));
                };
                alias_nodes += size;
                if alias_nodes > limits.max_alias_nodes {
                    return Err(err(
                        span,
                        &format!(
                            "aliases expand to more than {} nodes (alias bomb?); refusing to go on",
                            limits.max_alias_nodes
                        ),
                    ));
                }
                let mut node = node.clone();
                // The alias stands where it is written; its content keeps the anchor's spans.
                node.span = Span {
                    end: node.span.end,
                    ..span
                };
                Some((node, *size, 0))
            }
            Event::Scalar(value, style, anchor, tag) => {
                plain_merge = style == ScalarStyle::Plain && tag.is_none() && value == "<<";
                let (kind, tag) = resolve_scalar(value, style, tag.as_deref(), span)?;
                Some((Node { kind, span, tag }, 1, anchor))
            }
            Event::SequenceStart(anchor, tag) => {
                check_depth(stack.len(), limits, span)?;
                let tag = custom_tag(tag.as_deref(), span)?;
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    span,
                    anchor,
                    tag,
                    size: 1,
                });
                None
            }
            Event::MappingStart(anchor, tag) => {
                check_depth(stack.len(), limits, span)?;
                let tag = custom_tag(tag.as_deref(), span)?;
                stack.push(Frame::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    span,
                    anchor,
                    tag,
                    size: 1,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    span: start,
                    anchor,
                    tag,
                    size,
                }) => {
                    let span = Span {
                        end: span.end,
                        ..start
                    };
                    Some((
                        Node {
                            kind: NodeKind::Seq(shrunk(items)),
                            span,
                            tag,
                        },
                        size,
                        anchor,
                    ))
                }
                _ => return Err(err(span, "unbalanced sequence end")),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    entries,
                    span: start,
                    anchor,
                    tag,
                    size,
                    ..
                }) => {
                    let span = Span {
                        end: span.end,
                        ..start
                    };
                    let entries = shrunk(finish_mapping(entries)?);
                    Some((
                        Node {
                            kind: NodeKind::Map(entries),
                            span,
                            tag,
                        },
                        size,
                        anchor,
                    ))
                }
                _ => return Err(err(span, "unbalanced mapping end")),
            },
        };

        let Some((node, size, anchor)) = done else {
            continue;
        };
        doc_nodes += size;
        if doc_nodes > limits.max_nodes {
            return Err(err(
                node.span,
                &format!(
                    "document expands to more than {} nodes (alias bomb?); refusing to go on",
                    limits.max_nodes
                ),
            ));
        }
        if anchor != 0 {
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, size: s, .. }) => {
                *s += size;
                items.push(node);
            }
            Some(Frame::Map {
                entries,
                pending_key,
                size: s,
                ..
            }) => {
                *s += size;
                match pending_key.take() {
                    None => {
                        *pending_key = Some((node, plain_merge));
                    }
                    Some((key, is_merge)) => entries.push(Entry {
                        key,
                        value: node,
                        is_merge,
                    }),
                }
            }
        }
    }
    if let Some(r) = root.take() {
        docs.push(r);
    }
    Ok(docs)
}

/// Trees of a whole run stay in memory for the cross-object lint rules: growth slack (a Vec of
/// one entry has room for four) was most of their size.
fn shrunk<T>(mut v: Vec<T>) -> Vec<T> {
    v.shrink_to_fit();
    v
}

/// The scanner hands out scalars with spare capacity (often 3× their length); keep exact copies.
fn exact(value: Cow<'_, str>) -> String {
    String::from(&*value)
}

/// Refuses to open a collection beyond the nesting budget.
fn check_depth(depth: usize, limits: &Limits, span: Span) -> Result<(), YamlError> {
    if depth >= limits.max_depth {
        return Err(err(
            span,
            &format!("nesting deeper than {} levels", limits.max_depth),
        ));
    }
    Ok(())
}

fn err(span: Span, msg: &str) -> YamlError {
    YamlError {
        span,
        message: msg.to_string(),
        related: None,
    }
}

fn custom_tag(tag: Option<&saphyr_parser::Tag>, span: Span) -> Result<Option<Tag>, YamlError> {
    let Some(t) = tag else { return Ok(None) };
    if t.handle == "!" {
        return Ok(Some(match t.suffix.as_str() {
            "reset" => Tag::Reset,
            "override" => Tag::Override,
            other => Tag::Other(format!("!{other}")),
        }));
    }
    if t.handle == "tag:yaml.org,2002:" {
        return match t.suffix.as_str() {
            "map" | "seq" | "omap" => Ok(None),
            other => Err(err(
                span,
                &format!("tag !!{other} cannot be used on a collection"),
            )),
        };
    }
    Ok(Some(Tag::Other(format!("{}{}", t.handle, t.suffix))))
}

fn resolve_scalar(
    value: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&saphyr_parser::Tag>,
    span: Span,
) -> Result<(NodeKind, Option<Tag>), YamlError> {
    if let Some(t) = tag {
        if t.handle == "tag:yaml.org,2002:" {
            let v = value.as_ref();
            let kind = match t.suffix.as_str() {
                "str" => NodeKind::Str(exact(value)),
                "null" => NodeKind::Null,
                "bool" => match resolve_plain(v) {
                    NodeKind::Bool(b) => NodeKind::Bool(b),
                    _ => {
                        return Err(err(
                            span,
                            &format!("`{v}` is not a boolean (tagged !!bool)"),
                        ));
                    }
                },
                "int" => match resolve_plain(v) {
                    NodeKind::Int(i) => NodeKind::Int(i),
                    _ => {
                        return Err(err(
                            span,
                            &format!("`{v}` is not an integer (tagged !!int)"),
                        ));
                    }
                },
                "float" => match resolve_plain(v) {
                    NodeKind::Int(i) => NodeKind::Float(i as f64),
                    NodeKind::Float(f) => NodeKind::Float(f),
                    _ => {
                        return Err(err(
                            span,
                            &format!("`{v}` is not a number (tagged !!float)"),
                        ));
                    }
                },
                "binary" | "timestamp" => NodeKind::Str(exact(value)),
                other => return Err(err(span, &format!("unknown tag !!{other}"))),
            };
            return Ok((kind, None));
        }
        let custom = custom_tag(Some(t), span)?;
        let kind = if style == ScalarStyle::Plain {
            resolve_plain(&value)
        } else {
            NodeKind::Str(exact(value))
        };
        // `!reset` with no value, `!override` with a scalar: the tag travels with the node.
        return Ok((kind, custom));
    }
    if style != ScalarStyle::Plain {
        return Ok((NodeKind::Str(exact(value)), None));
    }
    let kind = resolve_plain(&value);
    Ok((
        if let NodeKind::Str(_) = kind {
            NodeKind::Str(exact(value))
        } else {
            kind
        },
        None,
    ))
}

/// YAML 1.2 core schema resolution of a plain scalar (`2222:22` stays a string, `yes` too).
pub fn resolve_plain(v: &str) -> NodeKind {
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeKind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeKind::Float(f64::NAN),
        _ => {}
    }
    let b = v.as_bytes();
    let first = b[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return NodeKind::Str(String::new());
    }
    if let Some(hex) = v.strip_prefix("0x") {
        if !hex.is_empty()
            && hex.bytes().all(|c| c.is_ascii_hexdigit())
            && let Ok(i) = i64::from_str_radix(hex, 16)
        {
            return NodeKind::Int(i);
        }
        return NodeKind::Str(String::new());
    }
    if let Some(oct) = v.strip_prefix("0o") {
        if !oct.is_empty()
            && oct.bytes().all(|c| (b'0'..=b'7').contains(&c))
            && let Ok(i) = i64::from_str_radix(oct, 8)
        {
            return NodeKind::Int(i);
        }
        return NodeKind::Str(String::new());
    }
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        return match v.parse::<i64>() {
            Ok(i) => NodeKind::Int(i),
            Err(_) => v
                .parse::<f64>()
                .map(NodeKind::Float)
                .unwrap_or(NodeKind::Str(String::new())),
        };
    }
    if is_core_float(digits)
        && let Ok(f) = v.parse::<f64>()
    {
        return NodeKind::Float(f);
    }
    NodeKind::Str(String::new())
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` — the core schema's float, sign removed.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let ok_mantissa = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (!int.is_empty() || !frac.is_empty())
                && int.bytes().all(|c| c.is_ascii_digit())
                && frac.bytes().all(|c| c.is_ascii_digit())
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|c| c.is_ascii_digit()),
    };
    let ok_exp = match exp {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
        }
    };
    ok_mantissa && ok_exp
}

/// Rejects duplicate keys and applies `<<` merge keys: keys written in the mapping win over merged
/// ones, and among merged mappings the first one listed wins.
fn finish_mapping(entries: Vec<Entry>) -> Result<Vec<(Node, Node)>, YamlError> {
    let has_merge = entries.iter().any(|e| e.is_merge);
    let mut seen: HashMap<String, Span> = HashMap::with_capacity(entries.len());
    for e in entries.iter().filter(|e| !e.is_merge) {
        let k = key_text(&e.key);
        if let Some(first) = seen.get(&k) {
            return Err(YamlError {
                span: e.key.span,
                message: format!("duplicate key `{k}` in mapping"),
                related: Some((*first, "first defined here".into())),
            });
        }
        seen.insert(k, e.key.span);
    }
    if !has_merge {
        return Ok(entries.into_iter().map(|e| (e.key, e.value)).collect());
    }
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        if !e.is_merge {
            out.push((e.key, e.value));
            continue;
        }
        let sources: Vec<Node> = match e.value.kind {
            NodeKind::Map(_) => vec![e.value],
            NodeKind::Seq(items) => items,
            _ => {
                return Err(err(
                    e.value.span,
                    "a `<<` merge key takes a mapping or a sequence of mappings",
                ));
            }
        };
        for src in sources {
            let NodeKind::Map(src_entries) = src.kind else {
                return Err(err(
                    src.span,
                    "a `<<` merge key takes a mapping or a sequence of mappings",
                ));
            };
            for (k, v) in src_entries {
                let kt = key_text(&k);
                if seen.contains_key(&kt) {
                    continue;
                }
                seen.insert(kt, k.span);
                out.push((k, v));
            }
        }
    }
    Ok(out)
}

fn key_text(k: &Node) -> String {
    k.scalar_string().unwrap_or_else(|| k.to_json().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<Node>, YamlError> {
        parse_documents(SourceId(0), s, &Limits::default())
    }

    #[test]
    fn yaml_1_2_scalars() {
        let d =
            &parse("a: 2222:22\nb: yes\nc: 0o17\nd: 012\ne: 1.5\nf: ~\ng: \"1\"\nh: 1e3\ni: .5\n")
                .unwrap()[0];
        assert_eq!(d.get("a").unwrap().as_str(), Some("2222:22"));
        assert_eq!(d.get("b").unwrap().as_str(), Some("yes"));
        assert_eq!(d.get("c").unwrap().as_i64(), Some(15));
        assert_eq!(d.get("d").unwrap().as_i64(), Some(12));
        assert_eq!(d.get("e").unwrap().as_f64(), Some(1.5));
        assert!(d.get("f").unwrap().is_null());
        assert_eq!(d.get("g").unwrap().as_str(), Some("1"));
        assert_eq!(d.get("h").unwrap().as_f64(), Some(1000.0));
        assert_eq!(d.get("i").unwrap().as_f64(), Some(0.5));
    }

    #[test]
    fn spans_are_one_based() {
        let d = &parse("a:\n  bb: 1\n").unwrap()[0];
        let (k, v) = d.get("a").unwrap().entry("bb").unwrap();
        assert_eq!((k.span.start.line, k.span.start.col), (2, 3));
        assert_eq!((v.span.start.line, v.span.start.col), (2, 7));
    }

    #[test]
    fn duplicate_key_is_an_error_with_both_places() {
        let e = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!((e.span.start.line, e.span.start.col), (3, 1));
        assert!(e.message.contains("duplicate key `a`"));
        assert_eq!(e.related.unwrap().0.start.line, 1);
    }

    #[test]
    fn merge_keys_local_wins_first_source_wins() {
        let d = &parse("x: &x {a: 1, b: 2}\ny: &y {b: 3, c: 4}\nz:\n  <<: [*x, *y]\n  a: 9\n")
            .unwrap()[0];
        let z = d.get("z").unwrap();
        assert_eq!(z.get("a").unwrap().as_i64(), Some(9));
        assert_eq!(z.get("b").unwrap().as_i64(), Some(2));
        assert_eq!(z.get("c").unwrap().as_i64(), Some(4));
    }

    #[test]
    fn quoted_merge_key_is_ordinary() {
        let d = &parse("\"<<\": 1\n").unwrap()[0];
        assert_eq!(d.get("<<").unwrap().as_i64(), Some(1));
    }

    #[test]
    fn custom_tags_are_kept() {
        let d = &parse("a: !reset []\nb: !override {x: 1}\nc: !reset\n").unwrap()[0];
        assert_eq!(d.get("a").unwrap().tag, Some(Tag::Reset));
        assert_eq!(d.get("b").unwrap().tag, Some(Tag::Override));
        assert_eq!(d.get("c").unwrap().tag, Some(Tag::Reset));
        assert!(d.get("c").unwrap().is_null());
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&s).unwrap_err();
        assert!(e.message.contains("alias bomb"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused() {
        // Flow style: the scanner's own guard stops it.
        let s = "[".repeat(10_000) + &"]".repeat(10_000);
        let e = parse(&s).unwrap_err();
        assert!(
            e.message.contains("recursion limit") || e.message.contains("nesting deeper"),
            "{}",
            e.message
        );
        // Block style: our depth budget stops it, at the offending line.
        let mut s = String::new();
        for i in 0..300 {
            s.push_str(&" ".repeat(i));
            s.push_str("k:\n");
        }
        let e = parse(&s).unwrap_err();
        assert!(
            e.message.contains("nesting deeper than 256"),
            "{}",
            e.message
        );
        assert_eq!(e.span.start.line, 257);
    }

    #[test]
    fn multi_document_and_empty() {
        assert_eq!(parse("# only a comment\n").unwrap().len(), 0);
        let docs = parse("a: 1\n---\nb: 2\n---\n").unwrap();
        assert_eq!(docs.len(), 3);
        assert!(docs[2].is_null());
    }

    #[test]
    fn syntax_error_has_location() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.span.start.line >= 1);
        assert!(e.message.starts_with("invalid YAML"));
    }
}
