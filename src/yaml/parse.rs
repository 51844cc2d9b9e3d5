//! YAML text → [`Node`] trees, read the way the tool that will consume the file reads it.
//!
//! Two dialects (docs/decisions/0013-yaml-as-go-yaml.md):
//! - [`Dialect::Compose`] — Docker Compose: go-yaml v3 through compose-go. Also komply's own
//!   files (overlays, `.komply.yaml`, KRM function configs). YAML 1.2-ish booleans (`yes` is a
//!   string), timestamps, anchors shared by the documents of a stream, `<<` where keys written
//!   in the mapping win, duplicate keys an error.
//! - [`Dialect::Kubernetes`] — kubectl: apimachinery splits the stream at `---` lines (JSON when
//!   it starts with `{`), go-yaml v2 reads each piece, `sigs.k8s.io/yaml` turns it into JSON.
//!   YAML 1.1 booleans (`yes`, `on`), keys become strings, the last of duplicate keys wins (komply
//!   reports them), `.inf`/`.nan` cannot be sent.
//!
//! Both keep every node's span, `!reset`/`!override` (and any custom tag) on the node they tag,
//! and budgets: nesting depth, and alias expansion (go-yaml's "excessive aliasing" rule per
//! document plus a cap per file), checked before copying so hostile input fails fast with a
//! located error. The builder is iterative: deep nesting can't overflow the stack.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError};

use super::error::YamlError;
use super::node::{Node, NodeKind, Pos, SourceId, Span, Tag};
use super::resolve::{Generation, Resolved, go_format_g, resolve};

/// Budgets that bound the work done on one input.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Total nodes a file (all its documents) may copy through aliases. go-yaml refuses a
    /// document whose nodes come more than 99% from aliases (less above 400,000 nodes); this cap
    /// also bounds the memory of files that stay under that ratio.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_alias_nodes: 1_000_000,
        }
    }
}

/// Which tool's reading of YAML to reproduce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Docker Compose (go-yaml v3, compose-go); komply's own files too.
    Compose,
    /// kubectl (apimachinery's splitter, go-yaml v2, `sigs.k8s.io/yaml`).
    Kubernetes,
}

/// Manifests read as kubectl reads them.
#[derive(Debug, Default)]
pub struct Manifests {
    /// The documents kubectl would send, in order (empty documents are skipped, as kubectl does).
    pub docs: Vec<Node>,
    /// Duplicate keys: kubectl keeps the last silently; each is reported with both places.
    pub duplicates: Vec<YamlError>,
}

/// Parses every document of a YAML stream as Docker Compose reads it. An empty stream gives no
/// documents; an empty document gives a null node.
pub fn parse_documents(
    source: SourceId,
    text: &str,
    limits: &Limits,
) -> Result<Vec<Node>, YamlError> {
    let mut budget = Budget::default();
    let mut dups = Vec::new();
    build(
        source,
        text,
        0,
        limits,
        &Rules::COMPOSE,
        &mut budget,
        &mut dups,
    )
}

/// Parses a manifest stream as kubectl reads it (`kubectl apply -f`, `create -f`).
pub fn parse_manifests(
    source: SourceId,
    text: &str,
    limits: &Limits,
) -> Result<Manifests, YamlError> {
    let mut out = Manifests::default();
    if starts_like_json(text) {
        for doc in super::json::parse_json_stream(source, text)? {
            if !doc.is_null() {
                out.docs.push(doc);
            }
        }
        return Ok(out);
    }
    let mut budget = Budget::default();
    // kubectl's line reader ends the last line with `\n` even when the file does not; a
    // position at the very end can then fall on a line the file does not have (after a final
    // NEL): such positions are moved back to the file's last line.
    let last_line = (!text.ends_with('\n')).then(|| last_line(text));
    let clamp_err = |mut e: YamlError| {
        if let Some(max) = last_line {
            clamp_error(&mut e, max);
        }
        e
    };
    for chunk in kubectl_chunks(source, text)? {
        let docs = build(
            source,
            &chunk.text,
            chunk.line,
            limits,
            &Rules::KUBERNETES,
            &mut budget,
            &mut out.duplicates,
        )
        .map_err(clamp_err)?;
        for mut doc in docs {
            to_json_value(&mut doc).map_err(clamp_err)?;
            if !doc.is_null() {
                out.docs.push(doc);
            }
        }
    }
    if let Some(max) = last_line {
        for d in &mut out.duplicates {
            clamp_error(d, max);
        }
        let mut stack: Vec<&mut Node> = out.docs.iter_mut().collect();
        while let Some(n) = stack.pop() {
            clamp_span(&mut n.span, max);
            match &mut n.kind {
                NodeKind::Seq(items) => stack.extend(items.iter_mut()),
                NodeKind::Map(entries) => {
                    for (k, v) in entries.iter_mut() {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

/// The last line a position can be on, lines counted as go-yaml counts them (LF, CR LF, CR,
/// NEL), the empty line after a final break included.
fn last_line(text: &str) -> u32 {
    let mut lines = 1u32;
    let mut prev_cr = false;
    for c in text.chars() {
        match c {
            '\n' if prev_cr => {}
            '\n' | '\r' | '\u{85}' => lines = lines.saturating_add(1),
            _ => {}
        }
        prev_cr = c == '\r';
    }
    lines
}

fn clamp_error(e: &mut YamlError, max: u32) {
    clamp_span(&mut e.span, max);
    if let Some((span, _)) = &mut e.related {
        clamp_span(span, max);
    }
}

fn clamp_span(span: &mut Span, max: u32) {
    for p in [&mut span.start, &mut span.end] {
        if p.line > max {
            p.line = max;
            p.col = 1;
        }
    }
}

/// Parses as `dialect` reads it; for Kubernetes, duplicates are left out (see [`parse_manifests`]).
pub fn parse_as(
    source: SourceId,
    text: &str,
    limits: &Limits,
    dialect: Dialect,
) -> Result<Vec<Node>, YamlError> {
    match dialect {
        Dialect::Compose => parse_documents(source, text, limits),
        Dialect::Kubernetes => parse_manifests(source, text, limits).map(|m| m.docs),
    }
}

/// kubectl decodes a stream as JSON when its first non-space character is `{`
/// (apimachinery's `GuessJSONStream`, which looks at the first 4 KiB).
fn starts_like_json(text: &str) -> bool {
    let head = &text.as_bytes()[..text.len().min(4096)];
    // Cut at a character boundary: the check only looks at leading white space and one byte.
    let head = String::from_utf8_lossy(head);
    head.trim_start_matches(char::is_whitespace)
        .starts_with('{')
}

/// A document of a kubectl stream: its text (CR LF line ends become LF, as kubectl's line
/// reader does) and the line it starts at in the file.
struct Chunk {
    text: String,
    line: usize,
}

/// Splits a stream into documents exactly as apimachinery's `YAMLReader` does: a line that
/// starts with `---` separates documents when the rest of it is blank or a comment (anything
/// else there is an error); separator lines are dropped, empty pieces skipped.
fn kubectl_chunks(source: SourceId, text: &str) -> Result<Vec<Chunk>, YamlError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_line = 0usize;
    let mut line_no = 0usize;
    let mut rest = text;
    while !rest.is_empty() {
        let (line, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        // `bufio.Reader.ReadLine` drops the `\n` and a `\r` just before it.
        let line = if rest.len() > line.len() {
            line.strip_suffix('\r').unwrap_or(line)
        } else {
            line
        };
        if let Some(after) = line.strip_prefix("---") {
            let trimmed = after.trim_matches(char::is_whitespace);
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(YamlError {
                    span: Span::point(source, line_no as u32 + 1, 4),
                    message: format!(
                        "invalid YAML: text after the document separator `---` (kubectl reads only `---` or `--- # comment` as a separator): `{trimmed}`"
                    ),
                    related: None,
                });
            }
            if !cur.is_empty() {
                out.push(Chunk {
                    text: std::mem::take(&mut cur),
                    line: cur_line,
                });
            }
            cur_line = line_no + 1;
        } else {
            if cur.is_empty() {
                cur_line = line_no;
            }
            cur.push_str(line);
            cur.push('\n');
        }
        line_no += 1;
        rest = next;
    }
    if !cur.is_empty() {
        out.push(Chunk {
            text: cur,
            line: cur_line,
        });
    }
    Ok(out)
}

/// What differs between the dialects once events are known.
struct Rules {
    generation: Generation,
    /// go-yaml v3's decoder keeps anchors for the whole stream; v2's per document.
    anchors_per_document: bool,
    /// v2 reads only the first document of what it is given (kubectl gives one piece per `---`).
    first_document_only: bool,
    /// v3: keys written in the mapping win over `<<` merged ones; v2: later entries overwrite
    /// earlier ones, merged or not.
    merge_local_wins: bool,
    /// v3 / compose-go: duplicate keys are an error; v2: the last one wins.
    duplicates_are_errors: bool,
    /// `sigs.k8s.io/yaml`: every key becomes a string.
    stringify_keys: bool,
}

impl Rules {
    const COMPOSE: Rules = Rules {
        generation: Generation::V3,
        anchors_per_document: false,
        first_document_only: false,
        merge_local_wins: true,
        duplicates_are_errors: true,
        stringify_keys: false,
    };
    const KUBERNETES: Rules = Rules {
        generation: Generation::V2,
        anchors_per_document: true,
        first_document_only: true,
        merge_local_wins: false,
        duplicates_are_errors: false,
        stringify_keys: true,
    };
}

/// Alias expansion counters: per document for go-yaml's ratio rule, per file for the cap.
#[derive(Default)]
struct Budget {
    /// Nodes copied through aliases in the whole file.
    file_alias_nodes: usize,
    /// go-yaml's `decodeCount`: nodes of the document, those copied through aliases included.
    doc_nodes: usize,
    /// go-yaml's `aliasCount`: aliases decoded, those inside copied content included.
    doc_aliases: usize,
}

/// What a finished node weighs: its nodes and the aliases decoded to build it.
#[derive(Clone, Copy, Default)]
struct Weight {
    nodes: usize,
    aliases: usize,
}

impl std::ops::AddAssign for Weight {
    fn add_assign(&mut self, o: Weight) {
        self.nodes += o.nodes;
        self.aliases += o.aliases;
    }
}

impl Budget {
    /// go-yaml's `allowedAliasRatio`: 99% up to 400,000 decoded nodes, falling to 10% at 4,000,000.
    fn allowed_ratio(decoded: usize) -> f64 {
        const LOW: f64 = 400_000.0;
        const HIGH: f64 = 4_000_000.0;
        let d = decoded as f64;
        if d <= LOW {
            0.99
        } else if d >= HIGH {
            0.10
        } else {
            0.99 - 0.89 * ((d - LOW) / (HIGH - LOW))
        }
    }

    /// Accounts for one alias standing for `w` (checked before the copy is made). Counts the
    /// expansion, not the input: a stream without aliases never comes near either limit.
    fn copy(&mut self, w: Weight, limits: &Limits, span: Span) -> Result<(), YamlError> {
        self.file_alias_nodes += w.nodes;
        self.doc_aliases += 1 + w.aliases;
        self.doc_nodes += w.nodes + 1;
        if self.file_alias_nodes > limits.max_alias_nodes {
            return Err(err(
                span,
                &format!(
                    "aliases expand to more than {} nodes (alias bomb?); refusing to go on",
                    limits.max_alias_nodes
                ),
            ));
        }
        if self.doc_aliases > 100
            && self.doc_nodes > 1000
            && self.doc_aliases as f64 / self.doc_nodes as f64 > Self::allowed_ratio(self.doc_nodes)
        {
            return Err(err(
                span,
                "the document contains excessive aliasing (alias bomb?): go-yaml refuses a document decoded mostly from aliases",
            ));
        }
        Ok(())
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        span: Span,
        anchor: usize,
        tag: Option<Tag>,
        size: Weight,
    },
    Map {
        entries: Vec<Entry>,
        pending_key: Option<(Node, bool, Option<String>)>,
        span: Span,
        anchor: usize,
        tag: Option<Tag>,
        size: Weight,
    },
}

/// A mapping entry before merge keys are applied. `is_merge` marks a `<<` merge key; `alias`
/// names the anchor when the key was written as an alias (`*a: …`).
struct Entry {
    key: Node,
    value: Node,
    is_merge: bool,
    alias: Option<String>,
}

fn pos(line_offset: usize, m: &Marker) -> Pos {
    Pos {
        line: (m.line() + line_offset) as u32,
        col: m.col() as u32 + 1,
    }
}

fn span_of(source: SourceId, line_offset: usize, sp: &saphyr_parser::Span) -> Span {
    Span {
        source,
        start: pos(line_offset, &sp.start),
        end: pos(line_offset, &sp.end),
    }
}

fn parse_error(source: SourceId, line_offset: usize, e: &ScanError) -> YamlError {
    let at = pos(line_offset, e.marker());
    YamlError {
        span: Span {
            source,
            start: at,
            end: at,
        },
        message: format!("invalid YAML: {}", e.info()),
        related: None,
    }
}

/// go-yaml's reader refuses control characters (all but tab and line breaks), DEL, the C1
/// controls but NEL, surrogates and `U+FFFE`/`U+FFFF`, before any parsing. Returns the first
/// refused character with its 1-based line and column.
fn check_characters(text: &str) -> Result<(), (usize, usize, char)> {
    let (mut line, mut col) = (1usize, 1usize);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let ok = matches!(c as u32,
            0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF);
        if !ok {
            return Err((line, col, c));
        }
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                line += 1;
                col = 1;
            }
            _ => col += 1,
        }
    }
    Ok(())
}

/// Parses one text into its documents under `rules`: go-yaml's reader checks, then one event
/// at a time into a [`Builder`].
fn build(
    source: SourceId,
    raw: &str,
    line_offset: usize,
    limits: &Limits,
    rules: &Rules,
    budget: &mut Budget,
    duplicates: &mut Vec<YamlError>,
) -> Result<Vec<Node>, YamlError> {
    let text = reader_text(source, raw, line_offset)?;
    let mut parser = Parser::new_from_str(&text);
    let mut b = Builder {
        limits,
        rules,
        budget,
        duplicates,
        docs: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        in_document: false,
    };
    while let Some(next) = parser.next_event() {
        let (event, sp) = next.map_err(|e| parse_error(source, line_offset, &e))?;
        let span = span_of(source, line_offset, &sp);
        let done = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                b.start_document();
                None
            }
            Event::DocumentEnd => {
                b.end_document(span);
                if rules.first_document_only {
                    break;
                }
                None
            }
            Event::Alias(id) => {
                let name = parser.anchor_name(id).unwrap_or_default().to_string();
                Some(b.alias(id, name, span)?)
            }
            Event::Scalar(value, style, anchor, tag) => {
                Some(b.scalar(value.into_owned(), style, anchor, tag.as_deref(), span)?)
            }
            Event::SequenceStart(anchor, tag) => {
                b.open(anchor, tag.as_deref(), span, false)?;
                None
            }
            Event::MappingStart(anchor, tag) => {
                b.open(anchor, tag.as_deref(), span, true)?;
                None
            }
            Event::SequenceEnd => Some(b.end_sequence(span)?),
            Event::MappingEnd => Some(b.end_mapping(span)?),
        };
        if let Some(done) = done {
            b.attach(done);
        }
    }
    if b.in_document
        && let Some(r) = b.root.take()
    {
        b.docs.push(r);
    }
    Ok(b.docs)
}

/// The text as go-yaml's reader hands it on: control characters refused (with their place), a
/// BOM dropped, NEL (U+0085) read as a line feed wherever it is (YAML 1.1 counts it as a line
/// break; one character for one, so columns stay right).
fn reader_text(
    source: SourceId,
    raw: &str,
    line_offset: usize,
) -> Result<std::borrow::Cow<'_, str>, YamlError> {
    if let Err((line, col, c)) = check_characters(raw) {
        return Err(YamlError {
            span: Span::point(source, (line + line_offset) as u32, col as u32),
            message: format!(
                "invalid YAML: control characters are not allowed (found U+{:04X})",
                c as u32
            ),
            related: None,
        });
    }
    let text = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    Ok(if text.contains('\u{85}') {
        std::borrow::Cow::Owned(text.replace('\u{85}', "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    })
}

/// A finished node on its way into its parent.
struct Done {
    node: Node,
    size: Weight,
    /// The anchor it defines (0: none).
    anchor: usize,
    /// A plain `<<` that merges (when it turns out to be a key).
    plain_merge: bool,
    /// The anchor's name when the node was written as an alias.
    from_alias: Option<String>,
}

/// The state of one [`build`]: the documents so far, the collections still open, the anchors.
struct Builder<'a> {
    limits: &'a Limits,
    rules: &'a Rules,
    budget: &'a mut Budget,
    duplicates: &'a mut Vec<YamlError>,
    docs: Vec<Node>,
    stack: Vec<Frame>,
    /// The parser gives every anchor a new ID where it is written (at its node's start), so an
    /// alias to a collection still being built is a cycle, and a redefined name is a new ID.
    anchors: HashMap<usize, Anchor>,
    root: Option<Node>,
    in_document: bool,
}

impl Builder<'_> {
    /// A document starts: its own alias counters (and anchors, in the Kubernetes dialect).
    fn start_document(&mut self) {
        if self.rules.anchors_per_document {
            self.anchors.clear();
        }
        self.budget.doc_nodes = 0;
        self.budget.doc_aliases = 0;
        self.in_document = true;
    }

    /// A document ends: its root (null when empty) joins the documents.
    fn end_document(&mut self, span: Span) {
        self.docs
            .push(self.root.take().unwrap_or_else(|| Node::null(span)));
        self.in_document = false;
    }

    /// `*name`: a copy of the anchored node, standing where the alias is written, within the
    /// alias budgets.
    fn alias(&mut self, id: usize, name: String, span: Span) -> Result<Done, YamlError> {
        let (node, size) = match self.anchors.get(&id) {
            Some(Anchor::Ready(node, size)) => (node, size),
            Some(Anchor::Open) => {
                return Err(err(span, &format!("anchor `{name}` value contains itself")));
            }
            None => {
                return Err(err(
                    span,
                    &format!("alias `*{name}` refers to an unknown anchor"),
                ));
            }
        };
        self.budget.copy(*size, self.limits, span)?;
        let mut node = node.clone();
        // The alias stands where it is written; its content keeps the anchor's spans.
        node.span = Span {
            end: node.span.end,
            ..span
        };
        Ok(Done {
            node,
            size: Weight {
                nodes: size.nodes,
                aliases: size.aliases + 1,
            },
            anchor: 0,
            plain_merge: false,
            from_alias: Some(name),
        })
    }

    /// A scalar, resolved as the dialect's go-yaml decodes it.
    fn scalar(
        &mut self,
        value: String,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&saphyr_parser::Tag>,
        span: Span,
    ) -> Result<Done, YamlError> {
        let tag = tag.map(|t| short_tag(&format!("{}{}", t.handle, t.suffix)));
        let plain_merge = value == "<<" && is_merge_key(self.rules, style, tag.as_deref());
        let (kind, tag) =
            resolve_scalar(self.rules, value, style, tag.as_deref()).map_err(|m| err(span, &m))?;
        Ok(Done {
            node: Node { kind, span, tag },
            size: Weight {
                nodes: 1,
                aliases: 0,
            },
            anchor,
            plain_merge,
            from_alias: None,
        })
    }

    /// A sequence or mapping opens (within the depth budget); its anchor is open until it ends.
    fn open(
        &mut self,
        anchor: usize,
        tag: Option<&saphyr_parser::Tag>,
        span: Span,
        mapping: bool,
    ) -> Result<(), YamlError> {
        check_depth(self.stack.len(), self.limits, span)?;
        if anchor > 0 {
            self.anchors.insert(anchor, Anchor::Open);
        }
        let tag = collection_tag(tag);
        let size = Weight {
            nodes: 1,
            aliases: 0,
        };
        self.stack.push(if mapping {
            Frame::Map {
                entries: Vec::new(),
                pending_key: None,
                span,
                anchor,
                tag,
                size,
            }
        } else {
            Frame::Seq {
                items: Vec::new(),
                span,
                anchor,
                tag,
                size,
            }
        });
        Ok(())
    }

    /// The open sequence closes.
    fn end_sequence(&mut self, span: Span) -> Result<Done, YamlError> {
        match self.stack.pop() {
            Some(Frame::Seq {
                items,
                span: start_span,
                anchor,
                tag,
                size,
                ..
            }) => {
                let end = span.end;
                Ok(Done {
                    node: Node {
                        kind: NodeKind::Seq(shrunk(items)),
                        span: Span { end, ..start_span },
                        tag,
                    },
                    size,
                    anchor,
                    plain_merge: false,
                    from_alias: None,
                })
            }
            _ => Err(err(span, "unbalanced sequence end")),
        }
    }

    /// The open mapping closes: merge keys applied, duplicates decided by the dialect.
    fn end_mapping(&mut self, span: Span) -> Result<Done, YamlError> {
        match self.stack.pop() {
            Some(Frame::Map {
                entries,
                span: start_span,
                anchor,
                tag,
                size,
                ..
            }) => {
                let end = span.end;
                let entries = shrunk(finish_mapping(self.rules, entries, self.duplicates)?);
                Ok(Done {
                    node: Node {
                        kind: NodeKind::Map(entries),
                        span: Span { end, ..start_span },
                        tag,
                    },
                    size,
                    anchor,
                    plain_merge: false,
                    from_alias: None,
                })
            }
            _ => Err(err(span, "unbalanced mapping end")),
        }
    }

    /// A finished node: anchored if it defines an anchor, then the root, an item, a key, or
    /// the value of the pending key.
    fn attach(&mut self, done: Done) {
        let Done {
            node,
            size,
            anchor,
            plain_merge,
            from_alias,
        } = done;
        self.budget.doc_nodes += 1;
        if anchor > 0 {
            self.anchors
                .insert(anchor, Anchor::Ready(node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
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
                        *pending_key = Some((node, plain_merge, from_alias));
                    }
                    Some((key, is_merge, alias)) => entries.push(Entry {
                        key,
                        value: node,
                        is_merge,
                        alias,
                    }),
                }
            }
        }
    }
}

/// An anchor: registered (open) when its collection starts, ready when it ends.
enum Anchor {
    Open,
    Ready(Node, Weight),
}

/// Trees of a whole run stay in memory for the cross-object lint rules: growth slack (a Vec of
/// one entry has room for four) was most of their size.
fn shrunk<T>(mut v: Vec<T>) -> Vec<T> {
    v.shrink_to_fit();
    v
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

/// `tag:yaml.org,2002:x` → `!!x` (go-yaml's short form).
fn short_tag(tag: &str) -> String {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

/// The tag komply keeps on a node: `!reset` / `!override` (Compose's merge) and any other
/// non-standard tag; standard `!!` tags on collections mean nothing to either reader.
fn collection_tag(tag: Option<&saphyr_parser::Tag>) -> Option<Tag> {
    let t = tag?;
    let t = short_tag(&format!("{}{}", t.handle, t.suffix));
    if t == "!" || t.starts_with("!!") {
        return None;
    }
    Some(match t.as_str() {
        "!reset" => Tag::Reset,
        "!override" => Tag::Override,
        _ => Tag::Other(t),
    })
}

/// Whether a `<<` key merges: v3 when plain and untagged (or tagged `!` / `!!merge`); v2 when
/// implicit (plain untagged, or tagged `!` in any style) or tagged `!!merge`.
fn is_merge_key(rules: &Rules, style: ScalarStyle, tag: Option<&str>) -> bool {
    let merge_tag = tag.is_some_and(|t| short_tag(t) == "!!merge");
    // libyaml's "plain implicit": plain and untagged, or tagged `!` in any style.
    let implicit = (tag.is_none() && style == ScalarStyle::Plain) || tag == Some("!");
    match rules.generation {
        Generation::V3 => {
            merge_tag || (style == ScalarStyle::Plain && matches!(tag, None | Some("!")))
        }
        Generation::V2 => merge_tag || implicit,
    }
}

const RESOLVABLE: [&str; 6] = [
    "!!bool",
    "!!int",
    "!!float",
    "!!null",
    "!!timestamp",
    "!!str",
];

/// A scalar event → its value and kept tag, as the dialect's go-yaml decodes it into `any`.
fn resolve_scalar(
    rules: &Rules,
    value: String,
    style: ScalarStyle,
    tag: Option<&str>,
) -> Result<(NodeKind, Option<Tag>), String> {
    let v3 = rules.generation == Generation::V3;
    let short = tag.map(short_tag);
    // v3 treats the non-specific tag `!` like no tag; v2 like a custom one.
    let effective: Option<&str> = match short.as_deref() {
        Some("!") if v3 => None,
        other => other,
    };
    let Some(t) = effective else {
        if style != ScalarStyle::Plain {
            return Ok((NodeKind::Str(value), None));
        }
        return Ok((
            from_resolved(rules, resolve(&value, rules.generation, true), value),
            None,
        ));
    };
    if t == "!!str" {
        return Ok((NodeKind::Str(value), None));
    }
    if t == "!!binary" {
        return decode_base64(&value)
            .map(|b| {
                (
                    NodeKind::Str(String::from_utf8_lossy(&b).into_owned()),
                    None,
                )
            })
            .ok_or_else(|| "!!binary value contains invalid base64 data".to_string());
    }
    if RESOLVABLE.contains(&t) {
        let r = resolve(&value, rules.generation, t == "!!timestamp");
        let got = r.short_tag();
        let kind = match (&r, t) {
            (_, _) if got == t => from_resolved(rules, r, value),
            (Resolved::Int(i), "!!float") => NodeKind::Float(*i as f64),
            _ => return Err(format!("cannot decode {got} `{value}` as a {t}")),
        };
        return Ok((kind, None));
    }
    // Any other tag: go-yaml keeps the text as a string.
    let kept = match t {
        "!reset" => Some(Tag::Reset),
        "!override" => Some(Tag::Override),
        t if t.starts_with("!!") || t == "!" => None,
        t => Some(Tag::Other(t.to_string())),
    };
    Ok((NodeKind::Str(value), kept))
}

fn from_resolved(rules: &Rules, r: Resolved, text: String) -> NodeKind {
    match r {
        Resolved::Null => NodeKind::Null,
        Resolved::Bool(b) => NodeKind::Bool(b),
        Resolved::Int(i) => NodeKind::Int(i),
        Resolved::Uint(u) => NodeKind::Uint(u),
        Resolved::Float(f) => NodeKind::Float(f),
        // v2 hands timestamps to `interface{}` as their text; v3 as a time.
        Resolved::Timestamp(t) if rules.generation == Generation::V3 => NodeKind::Timestamp(t),
        Resolved::Timestamp(_) | Resolved::Str => NodeKind::Str(text),
    }
}

/// Go's `base64.StdEncoding.DecodeString`: padded standard alphabet; CR and LF are ignored.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s.bytes().filter(|&b| b != b'\r' && b != b'\n').collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 26,
            b'0'..=b'9' => (c - b'0') as u32 + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for (i, q) in clean.chunks(4).enumerate() {
        let last = i == clean.len() / 4 - 1;
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &q[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        // Go rejects non-zero bits in the padding of the last quantum.
        match pad {
            1 if bytes[2] != 0 => return None,
            2 if bytes[1] != 0 || bytes[2] != 0 => return None,
            _ => {}
        }
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// The key as `sigs.k8s.io/yaml` turns it into a JSON object key.
fn json_key(k: &Node) -> Result<String, String> {
    Ok(match &k.kind {
        NodeKind::Str(s) | NodeKind::Timestamp(s) => s.clone(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => match go_format_g(*f, true).as_str() {
            "+Inf" => ".inf".into(),
            "-Inf" => "-.inf".into(),
            "NaN" => ".nan".into(),
            s => s.to_string(),
        },
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Null => {
            return Err(
                "a null key cannot become a JSON key (kubectl: unsupported map key of type <nil>)"
                    .into(),
            );
        }
        NodeKind::Uint(u) => {
            return Err(format!(
                "the key {u} cannot become a JSON key (kubectl: unsupported map key of type uint64)"
            ));
        }
        NodeKind::Seq(_) | NodeKind::Map(_) => {
            return Err("a mapping or sequence cannot be a key (kubectl: invalid map key)".into());
        }
    })
}

/// Rejects (or, for kubectl, resolves) duplicate keys and applies `<<` merge keys.
fn finish_mapping(
    rules: &Rules,
    mut entries: Vec<Entry>,
    duplicates: &mut Vec<YamlError>,
) -> Result<Vec<(Node, Node)>, YamlError> {
    if rules.stringify_keys {
        for e in entries.iter_mut().filter(|e| !e.is_merge) {
            let s = json_key(&e.key).map_err(|m| err(e.key.span, &m))?;
            if !matches!(e.key.kind, NodeKind::Str(_)) {
                e.key.kind = NodeKind::Str(s);
            }
        }
    }
    if rules.merge_local_wins {
        merge_local_wins(entries, rules.duplicates_are_errors, duplicates)
    } else {
        merge_positional(entries, duplicates)
    }
}

fn merge_sources(value: Node) -> Result<Vec<Vec<(Node, Node)>>, YamlError> {
    let want_map = |span| {
        err(
            span,
            "a `<<` merge key takes a mapping or a sequence of mappings",
        )
    };
    match value.kind {
        NodeKind::Map(m) => Ok(vec![m]),
        NodeKind::Seq(items) => items
            .into_iter()
            .map(|n| match n.kind {
                NodeKind::Map(m) => Ok(m),
                _ => Err(want_map(n.span)),
            })
            .collect(),
        _ => Err(want_map(value.span)),
    }
}

/// go-yaml v3 (compose-go): keys written in the mapping win; among merged mappings the first
/// listed wins; two keys written alike are an error naming both places. compose-go compares the
/// keys' text as written (an alias key `*a` is the text `a`, `<<` counts too); keys that decode
/// alike without being written alike (`*a` whose anchor is the key `k`, and `k`) end up as one
/// entry, the last. A `!reset` entry is dropped before merging (compose-go's ResetProcessor runs
/// first), so a merged key of the same name comes back; komply keeps the reset entry first, for
/// the file merge to reset what earlier files set.
fn merge_local_wins(
    entries: Vec<Entry>,
    duplicates_are_errors: bool,
    duplicates: &mut Vec<YamlError>,
) -> Result<Vec<(Node, Node)>, YamlError> {
    let has_merge = entries.iter().any(|e| e.is_merge);
    let has_alias_key = entries.iter().any(|e| e.alias.is_some());
    let mut written: HashMap<String, Span> = HashMap::with_capacity(entries.len());
    for e in &entries {
        let k = match &e.alias {
            Some(a) => a.clone(),
            None => key_text(&e.key),
        };
        if let Some(first) = written.get(&k) {
            let d = YamlError {
                span: e.key.span,
                message: format!("duplicate key `{k}` in mapping"),
                related: Some((*first, "first defined here".into())),
            };
            if duplicates_are_errors {
                return Err(d);
            }
            duplicates.push(d);
        }
        written.insert(k, e.key.span);
    }
    if !has_merge && !has_alias_key {
        return Ok(entries.into_iter().map(|e| (e.key, e.value)).collect());
    }
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    let mut merged = Vec::new();
    // Keys that block merged ones: the written ones, except `!reset` entries.
    let mut blocking: HashMap<String, ()> = HashMap::with_capacity(entries.len());
    for e in entries {
        if e.is_merge {
            merged.push(e.value);
            continue;
        }
        let kt = key_text(&e.key);
        if e.value.tag != Some(Tag::Reset) {
            blocking.insert(kt.clone(), ());
        }
        match index.get(&kt) {
            Some(&i) if e.alias.is_some() || out[i].1.tag != Some(Tag::Reset) => {
                out[i] = (e.key, e.value);
            }
            _ => {
                index.insert(kt, out.len());
                out.push((e.key, e.value));
            }
        }
    }
    for value in merged {
        for src in merge_sources(value)? {
            for (k, v) in src {
                let kt = key_text(&k);
                if blocking.contains_key(&kt) {
                    continue;
                }
                blocking.insert(kt, ());
                out.push((k, v));
            }
        }
    }
    Ok(out)
}

/// go-yaml v2 (kubectl): entries are applied in order into one map, `<<` writing its merged
/// mappings (the first listed wins among them) over what came before; later keys overwrite.
/// Two keys written in the mapping are a duplicate (recorded; the last wins).
fn merge_positional(
    entries: Vec<Entry>,
    duplicates: &mut Vec<YamlError>,
) -> Result<Vec<(Node, Node)>, YamlError> {
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    let mut written: HashMap<String, Span> = HashMap::with_capacity(entries.len());
    let mut set = |out: &mut Vec<(Node, Node)>, k: Node, v: Node| {
        let kt = key_text(&k);
        match index.get(&kt) {
            Some(&i) => out[i] = (k, v),
            None => {
                index.insert(kt, out.len());
                out.push((k, v));
            }
        }
    };
    for e in entries {
        if e.is_merge {
            for src in merge_sources(e.value)?.into_iter().rev() {
                for (k, v) in src {
                    set(&mut out, k, v);
                }
            }
        } else {
            let kt = key_text(&e.key);
            if let Some(first) = written.get(&kt) {
                duplicates.push(YamlError {
                    span: e.key.span,
                    message: format!(
                        "duplicate key `{kt}`: kubectl silently keeps this last value"
                    ),
                    related: Some((*first, "first defined here".into())),
                });
            }
            written.insert(kt, e.key.span);
            set(&mut out, e.key, e.value);
        }
    }
    Ok(out)
}

fn key_text(k: &Node) -> String {
    k.scalar_string().unwrap_or_else(|| k.to_json().to_string())
}

/// What `sigs.k8s.io/yaml` and the unstructured JSON decoder make of a value: `.inf` / `.nan`
/// cannot be marshalled (an error, as in kubectl), integral floats come back as integers and
/// integers beyond `i64` as floats.
fn to_json_value(root: &mut Node) -> Result<(), YamlError> {
    let mut stack: Vec<&mut Node> = vec![root];
    while let Some(n) = stack.pop() {
        let replace = match &n.kind {
            NodeKind::Float(f) if !f.is_finite() => {
                return Err(err(
                    n.span,
                    &format!(
                        "`{}` has no JSON form, so kubectl cannot send it (json: unsupported value)",
                        super::node::format_float(*f)
                    ),
                ));
            }
            // Go marshals an integral float64 below 1e21 as its shortest digits padded with
            // zeros (Rust's `{}` does the same); the unstructured decoder reads that as an int64
            // when it fits.
            NodeKind::Float(f) if f.fract() == 0.0 && f.abs() < 1e21 => {
                format!("{f}").parse::<i64>().ok().map(NodeKind::Int)
            }
            NodeKind::Uint(u) => Some(NodeKind::Float(*u as f64)),
            NodeKind::Timestamp(s) => Some(NodeKind::Str(s.clone())),
            _ => None,
        };
        if let Some(k) = replace {
            n.kind = k;
            continue;
        }
        match &mut n.kind {
            NodeKind::Seq(items) => stack.extend(items.iter_mut()),
            NodeKind::Map(entries) => stack.extend(entries.iter_mut().map(|(_, v)| v)),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<Node>, YamlError> {
        parse_documents(SourceId(0), s, &Limits::default())
    }

    fn kube(s: &str) -> Result<Manifests, YamlError> {
        parse_manifests(SourceId(0), s, &Limits::default())
    }

    #[test]
    fn compose_scalars_are_go_yaml_v3() {
        let d = &parse(
            "a: 2222:22\nb: yes\nc: 0o17\nd: 012\ne: 1.5\nf: ~\ng: \"1\"\nh: 1e3\ni: .5\nj: 1_000\nk: 2001-12-14\n",
        )
        .unwrap()[0];
        assert_eq!(d.get("a").unwrap().as_str(), Some("2222:22"));
        assert_eq!(d.get("b").unwrap().as_str(), Some("yes"));
        assert_eq!(d.get("c").unwrap().as_i64(), Some(15));
        assert_eq!(d.get("d").unwrap().as_i64(), Some(10));
        assert_eq!(d.get("e").unwrap().as_f64(), Some(1.5));
        assert!(d.get("f").unwrap().is_null());
        assert_eq!(d.get("g").unwrap().as_str(), Some("1"));
        assert_eq!(d.get("h").unwrap().as_f64(), Some(1000.0));
        assert_eq!(d.get("i").unwrap().as_f64(), Some(0.5));
        assert_eq!(d.get("j").unwrap().as_i64(), Some(1000));
        assert_eq!(
            d.get("k").unwrap().kind,
            NodeKind::Timestamp("2001-12-14T00:00:00Z".into())
        );
    }

    #[test]
    fn kubernetes_scalars_are_go_yaml_v2_then_json() {
        let m = kube("a: yes\nb: 'on'\nc: 1.0\nd: 2001-12-14\ne: 1.5\n").unwrap();
        let d = &m.docs[0];
        assert_eq!(d.get("a").unwrap().as_bool(), Some(true));
        assert_eq!(d.get("b").unwrap().as_str(), Some("on"));
        assert_eq!(d.get("c").unwrap().as_i64(), Some(1));
        assert_eq!(d.get("d").unwrap().as_str(), Some("2001-12-14"));
        assert_eq!(d.get("e").unwrap().as_f64(), Some(1.5));
        assert!(kube("a: .inf\n").is_err());
        let m = kube("1: a\ntrue: b\n1.5: c\n").unwrap();
        let keys: Vec<_> = m.docs[0]
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str().unwrap().to_string())
            .collect();
        assert_eq!(keys, ["1", "true", "1.5"]);
    }

    #[test]
    fn kubernetes_splits_documents_like_kubectl() {
        let m = kube("a: 1\n---\n\n--- # c\nb: 2\r\n").unwrap();
        assert_eq!(m.docs.len(), 2);
        assert_eq!(m.docs[1].get("b").unwrap().span.start.line, 5);
        assert!(kube("a: 1\n--- b\n").is_err());
        // Only the first document of a piece is read.
        let m = kube("a: 1\n...\n@@@ junk\n").unwrap();
        assert_eq!(m.docs.len(), 1);
    }

    #[test]
    fn kubernetes_duplicates_keep_the_last_and_are_reported() {
        let m = kube("a: 1\nb: 2\na: 3\n").unwrap();
        assert_eq!(m.docs[0].get("a").unwrap().as_i64(), Some(3));
        assert_eq!(m.duplicates.len(), 1);
        assert_eq!(m.duplicates[0].span.start.line, 3);
    }

    #[test]
    fn kubernetes_merge_is_positional() {
        // (`y` would be the boolean true for kubectl.)
        let m = kube("x: &x {a: 1}\nz:\n  a: 2\n  <<: *x\n").unwrap();
        assert_eq!(
            m.docs[0].get("z").unwrap().get("a").unwrap().as_i64(),
            Some(1)
        );
        let d = &parse("x: &x {a: 1}\ny:\n  a: 2\n  <<: *x\n").unwrap()[0];
        assert_eq!(d.get("y").unwrap().get("a").unwrap().as_i64(), Some(2));
    }

    #[test]
    fn spans_are_one_based() {
        let d = &parse("a:\n  bb: 1\n").unwrap()[0];
        let (k, v) = d.get("a").unwrap().entry("bb").unwrap();
        assert_eq!((k.span.start.line, k.span.start.col), (2, 3));
        assert_eq!((v.span.start.line, v.span.start.col), (2, 7));
    }

    #[test]
    fn spans_count_characters() {
        let d = &parse("é: [ü, x]\n").unwrap()[0];
        let v = d.get("é").unwrap();
        assert_eq!(v.span.start.col, 4);
        assert_eq!(v.as_seq().unwrap()[1].span.start.col, 8);
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
    fn kubectl_positions_stay_inside_a_file_ending_in_nel() {
        // Found by the `yaml` fuzz target: kubectl's reader adds `\n` after the final NEL, and
        // the null key's error fell on line 3 of a 2-line file.
        let e = parse_manifests(SourceId(0), "?\u{85}", &Limits::default()).unwrap_err();
        assert_eq!((e.span.start.line, e.span.start.col), (2, 1), "{e:?}");
        assert_eq!(last_line("a\r\nb\rc\u{85}d\n"), 5);
        assert_eq!(last_line("a"), 1);
    }

    #[test]
    fn custom_tags_are_kept_with_their_text() {
        let d =
            &parse("a: !reset []\nb: !override {x: 1}\nc: !reset\nd: !custom x\ne: !custom 12\n")
                .unwrap()[0];
        assert_eq!(d.get("a").unwrap().tag, Some(Tag::Reset));
        assert_eq!(d.get("b").unwrap().tag, Some(Tag::Override));
        assert_eq!(d.get("c").unwrap().tag, Some(Tag::Reset));
        assert_eq!(d.get("d").unwrap().as_str(), Some("x"));
        assert_eq!(d.get("d").unwrap().tag, Some(Tag::Other("!custom".into())));
        assert_eq!(d.get("e").unwrap().as_str(), Some("12"));
    }

    #[test]
    fn standard_tags() {
        let d = &parse("a: !!str 12\nb: !!float 3\nc: !!int \"7\"\nd: !!binary aGk=\n").unwrap()[0];
        assert_eq!(d.get("a").unwrap().as_str(), Some("12"));
        assert_eq!(d.get("b").unwrap().kind, NodeKind::Float(3.0));
        assert_eq!(d.get("c").unwrap().as_i64(), Some(7));
        assert_eq!(d.get("d").unwrap().as_str(), Some("hi"));
        let e = parse("a: !!int abc\n").unwrap_err();
        assert_eq!(e.message, "cannot decode !!str `abc` as a !!int");
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
    fn legitimate_aliases_are_fine() {
        let mut s =
            String::from("x-base: &base {image: x, restart: always, init: true}\nservices:\n");
        for i in 0..2000 {
            s.push_str(&format!("  s{i}:\n    <<: *base\n    command: [a, b, c]\n"));
        }
        assert!(parse(&s).is_ok());
    }

    #[test]
    fn recursive_alias_is_refused() {
        let e = parse("a: &a [*a]\n").unwrap_err();
        assert!(e.message.contains("contains itself"), "{}", e.message);
    }

    #[test]
    fn anchors_span_documents_in_compose_only() {
        assert!(parse("a: &a 1\n---\nb: *a\n").is_ok());
        assert!(kube("a: &a 1\n---\nb: *a\n").is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = "[".repeat(10_000) + &"]".repeat(10_000);
        let e = parse(&s).unwrap_err();
        assert!(e.message.contains("nesting deeper"), "{}", e.message);
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

    #[test]
    fn lenient_layouts_read() {
        let d = &parse("services:\n  web:\n    command: [\n      \"a\",\n      \"b\",\n    ]\n")
            .unwrap()[0];
        let cmd = d.at(&["services", "web", "command"]).unwrap();
        assert_eq!(cmd.as_seq().unwrap().len(), 2);
        let d = &parse("a:\n  - \"x\n y\"\n").unwrap()[0];
        assert_eq!(d.at(&["a", "0"]).unwrap().as_str(), Some("x y"));
    }
}
