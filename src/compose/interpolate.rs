//! Variable interpolation in Compose values, exactly as Docker Compose v2.40.3 (compose-go 2.9.1)
//! does it.
//!
//! Grammar (compose-spec `12-interpolation.md`, plus what the oracle really does):
//! - `$VAR`, `${VAR}`; a name is `[_a-zA-Z][_a-zA-Z0-9]*`.
//! - `${VAR:-d}` / `${VAR-d}`: default when unset-or-empty / unset.
//! - `${VAR:?e}` / `${VAR?e}`: error when unset-or-empty / unset.
//! - `${VAR:+a}` / `${VAR+a}`: `a` when set-and-non-empty / set, else the (empty) value.
//! - The `d`/`e`/`a` part may itself hold interpolations; it is evaluated *eagerly*, before the
//!   variable is looked up, so `${FOO:-${X?e}}` fails even when `FOO` is set (fixed lazily only
//!   in compose-go 2.10).
//! - `$$` is a literal `$`; a `$` followed by anything else that is not `{` stays literal.
//! - `${` that does not start one of the forms above is "invalid interpolation format".
//! - An unset variable with no default gives `""` and a warning.
//!
//! The matcher reproduces compose-go's regular expression
//! `\$(?i:(\$)|([_a-z][_a-z0-9]*)|\{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)\}|()))` by hand,
//! including its quirks: the braced argument runs greedily to the *last* `}` on the line, and the
//! real end is then found by counting braces; what follows is interpolated separately.

// Errors are full diagnostics by design (the loader reports them as they are); they are rare.
#![allow(clippy::result_large_err)]

use crate::diag::{Code, Diagnostic};
use crate::source::sources;
use crate::yaml::{Node, NodeKind, Span};

/// How many bytes interpolation may still produce, for the file being read and for the whole run
/// (every compose file, `.env`, `env_file` and extended or included file of one load).
///
/// compose-go has no limit; without one a `.env` of 25 lines that doubles a value
/// (`V1=${V0}${V0}` …) or 10,000 `${A}` labels with a 100 KB `A` ask for gigabytes. A file can
/// produce as much as the largest file komply reads ([`crate::fsio::MAX_INPUT_BYTES`]), a run
/// twice that: real projects stay far below (docs/compose-loader.md, "Budgets").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Bytes left for the current file.
    pub file_left: usize,
    /// Bytes left for the run.
    pub run_left: usize,
}

impl Budget {
    /// Bytes interpolation may produce for one file.
    pub const FILE: usize = crate::fsio::MAX_INPUT_BYTES as usize;
    /// Bytes interpolation may produce in one run.
    pub const RUN: usize = 2 * Budget::FILE;

    /// A run's budget, for its first file.
    pub fn new() -> Budget {
        Budget {
            file_left: Budget::FILE,
            run_left: Budget::RUN,
        }
    }

    /// The same run, the next file: the file's budget is whole again, the run's is not.
    pub fn next_file(&mut self) {
        self.file_left = Budget::FILE;
    }

    /// Takes `n` bytes; `Err` names the budget that ran out.
    fn spend(&mut self, n: usize) -> Result<(), String> {
        if n > self.run_left {
            self.run_left = 0;
            return Err(format!(
                "interpolation budget exhausted: the values of this run would exceed {} MiB \
                 (every compose file, .env and env_file together)",
                Budget::RUN >> 20
            ));
        }
        if n > self.file_left {
            self.file_left = 0;
            return Err(format!(
                "interpolation budget exhausted: the values of this file would exceed {} MiB",
                Budget::FILE >> 20
            ));
        }
        self.file_left -= n;
        self.run_left -= n;
        Ok(())
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new()
    }
}

/// The help line of a budget error.
pub const BUDGET_HELP: &str = "a variable is expanded too often or is too large (a value that \
     doubles another one, the same big variable in thousands of places); see \
     docs/compose-loader.md, \"Budgets\"";

/// Why a template could not be interpolated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterpError {
    /// Char offset, in the template given to [`interpolate`], of the `$` that failed (the
    /// innermost one when the failure is inside a default/message/alternative).
    pub offset: usize,
    /// `required variable X is missing a value[: msg]`, or `invalid interpolation format: …`.
    pub message: String,
    /// True for a `:?` / `?` error, false for a malformed template.
    pub required: bool,
    /// The (sub-)template compose-go names in its "invalid interpolation format" message.
    pub template: String,
    /// True when the [`Budget`] ran out (`message` says which one).
    pub exhausted: bool,
}

impl std::fmt::Display for InterpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InterpError {}

/// Interpolates `template`. `lookup` returns `None` for an unset variable. The names of unset
/// variables that were used without a default are appended to `unset` (in order, possibly
/// repeated).
pub fn interpolate(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
) -> Result<String, InterpError> {
    interpolate_within(template, lookup, unset, &mut Budget::new())
}

/// [`interpolate`], charging every byte produced to `budget`.
pub fn interpolate_within(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
    budget: &mut Budget,
) -> Result<String, InterpError> {
    let mut ctx = Ctx {
        lookup,
        unset,
        budget,
    };
    ctx.substitute(template, 0, 0).map_err(|e| InterpError {
        offset: template[..e.at.min(template.len())].chars().count(),
        message: e.message,
        required: e.required,
        template: e.template,
        exhausted: e.exhausted,
    })
}

/// Like [`interpolate`], but warnings are dropped. Handy for values that must not warn twice.
pub fn interpolate_quiet(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, InterpError> {
    interpolate(template, lookup, &mut Vec::new())
}

/// The warning Docker Compose prints for an unset variable.
pub fn unset_warning_message(name: &str) -> String {
    format!("The \"{name}\" variable is not set. Defaulting to a blank string.")
}

/// Interpolates every string *value* in the tree (never mapping keys), in place.
///
/// A failure becomes a [`Diagnostic`] at the failing value; when the value is a single-line plain
/// or simply quoted scalar, the column points at the `$` that failed. Each unset variable gives one
/// warning, at the first place it is used (a name already warned about in `warnings` is not
/// warned again).
pub fn interpolate_node(
    node: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    interpolate_node_within(node, lookup, warnings, &mut Budget::new())
}

/// [`interpolate_node`], charging every byte produced to `budget`.
pub fn interpolate_node_within(
    node: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<Diagnostic>,
    budget: &mut Budget,
) -> Result<(), Diagnostic> {
    let mut walker = Walker {
        lookup,
        warned: warnings.iter().map(|w| w.message.clone()).collect(),
        warnings,
        budget,
        path: Vec::new(),
    };
    walker.walk(node)
}

struct Walker<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    warnings: &'a mut Vec<Diagnostic>,
    /// Messages already in `warnings` (a set: a file may use thousands of unset variables).
    warned: std::collections::HashSet<String>,
    budget: &'a mut Budget,
    path: Vec<String>,
}

impl Walker<'_> {
    fn walk(&mut self, node: &mut Node) -> Result<(), Diagnostic> {
        let span = node.span;
        match &mut node.kind {
            NodeKind::Str(s) => self.string(s, span),
            NodeKind::Seq(items) => {
                for item in items {
                    self.path.push("[]".to_string());
                    let r = self.walk(item);
                    self.path.pop();
                    r?;
                }
                Ok(())
            }
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    self.path.push(k.scalar_string().unwrap_or_default());
                    let r = self.walk(v);
                    self.path.pop();
                    r?;
                }
                Ok(())
            }
            NodeKind::Null
            | NodeKind::Bool(_)
            | NodeKind::Int(_)
            | NodeKind::Uint(_)
            | NodeKind::Float(_)
            | NodeKind::Timestamp(_) => Ok(()),
        }
    }

    fn string(&mut self, s: &mut String, span: Span) -> Result<(), Diagnostic> {
        if !s.contains('$') {
            return Ok(());
        }
        let mut unset = Vec::new();
        match interpolate_within(s, self.lookup, &mut unset, self.budget) {
            Ok(v) => {
                for name in unset {
                    let msg = unset_warning_message(&name);
                    if self.warned.insert(msg.clone()) {
                        self.warnings.push(
                            Diagnostic::warning(msg)
                                .at(span)
                                .code(Code::ComposeUnsetVariable),
                        );
                    }
                }
                *s = v;
                Ok(())
            }
            Err(e) => {
                let at = dollar_span(span, s, e.offset);
                let path = if self.path.is_empty() {
                    "(root)".to_string()
                } else {
                    self.path.join(".")
                };
                Err(if e.exhausted {
                    Diagnostic::error(format!("{path}: {}", e.message))
                        .at(at)
                        .code(Code::ComposeInterpolationBudget)
                        .help(BUDGET_HELP)
                } else if e.required {
                    Diagnostic::error(format!(
                            "error while interpolating {path}: {}",
                            e.message
                        ))
                        .at(at)
                        .code(Code::ComposeInterpolation)
                        .help("set the variable (in the environment or the .env file) or give it a default with ${NAME:-default}")
                } else {
                    Diagnostic::error(format!(
                        "invalid interpolation format for {path}: {:?}",
                        e.template
                    ))
                    .at(at)
                    .code(Code::ComposeInterpolation)
                    .help("you may need to escape any $ with another $ (`$$`)")
                })
            }
        }
    }
}

/// The span of the `$` at char `offset` of `value`, when the scalar is written on one line as
/// plain text, `'single'` or escape-free `"double"`; otherwise the scalar's own span.
fn dollar_span(span: Span, value: &str, offset: usize) -> Span {
    if value.contains('\n') {
        return block_dollar_span(span, value, offset).unwrap_or(span);
    }
    let Some(col) = dollar_col(span, value, offset) else {
        return span;
    };
    Span::point(span.source, span.start.line, col)
}

/// For a literal block scalar (`|`) whose content starts at the span: every value line before
/// the `$` must appear verbatim at the span's column on consecutive source lines.
fn block_dollar_span(span: Span, value: &str, offset: usize) -> Option<Span> {
    if span.is_synthetic() {
        return None;
    }
    let file = sources().get(span.source)?;
    let before: String = value.chars().take(offset).collect();
    let line_index = before.matches('\n').count();
    let col_in_line = before.rsplit('\n').next().unwrap_or("").chars().count();
    let skip = span.start.col.checked_sub(1)? as usize;
    for (k, want) in value.split('\n').take(line_index + 1).enumerate() {
        let text = file.line_text(span.start.line + k as u32)?;
        let at: String = text.chars().skip(skip).collect();
        if !at.starts_with(want) {
            return None;
        }
    }
    Some(Span::point(
        span.source,
        span.start.line + line_index as u32,
        span.start.col + col_in_line as u32,
    ))
}

fn dollar_col(span: Span, value: &str, offset: usize) -> Option<u32> {
    if span.is_synthetic() {
        return None;
    }
    let file = sources().get(span.source)?;
    let line = file.line_text(span.start.line)?;
    let rest: String = line
        .chars()
        .skip(span.start.col.checked_sub(1)? as usize)
        .collect();
    let start = span.start.col;
    let value_chars: Vec<char> = value.chars().collect();
    if let Some(inner) = rest.strip_prefix('\'') {
        // Single-quoted: `''` stands for one `'`.
        let mut raw = inner.chars().peekable();
        let mut raw_pos = 0u32;
        for (i, &c) in value_chars.iter().enumerate() {
            if i == offset {
                return Some(start + 1 + raw_pos);
            }
            let r = raw.next()?;
            if r != c {
                return None;
            }
            raw_pos += 1;
            if c == '\'' {
                if raw.next()? != '\'' {
                    return None;
                }
                raw_pos += 1;
            }
        }
        None
    } else if let Some(inner) = rest.strip_prefix('"') {
        let inner: Vec<char> = inner.chars().collect();
        let n = value_chars.len();
        if inner.len() > n && inner[..n] == value_chars[..] && inner[n] == '"' {
            if value.contains('\\') {
                return None;
            }
            return Some(start + 1 + offset as u32);
        }
        None
    } else if rest.starts_with(value) {
        Some(start + offset as u32)
    } else {
        None
    }
}

struct Ctx<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    unset: &'a mut Vec<String>,
    budget: &'a mut Budget,
}

/// An error with a byte offset in the top-level template.
struct Fail {
    at: usize,
    message: String,
    required: bool,
    template: String,
    exhausted: bool,
}

/// The operator of a braced form.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    /// `:-`
    DefaultIfEmpty,
    /// `-`
    DefaultIfUnset,
    /// `:?`
    RequiredNonEmpty,
    /// `?`
    Required,
    /// `:+`
    AltIfNonEmpty,
    /// `+`
    AltIfSet,
}

/// What the compose-go regular expression matches at a `$`. Offsets are bytes from the `$`.
enum Match {
    /// `$$`
    Escaped,
    /// `$NAME`; `len` is the byte length of the match.
    Named { len: usize },
    /// `${NAME}` or `${NAME<op>...}` up to the last `}` of the line; `name_len` is in bytes.
    Braced {
        len: usize,
        name_len: usize,
        op: Option<(Op, usize)>,
    },
    /// `${` followed by something that is none of the forms.
    Invalid,
}

/// `[_a-z]` under Go's `(?i)`: ASCII letters and `_`, plus the two non-ASCII runes whose simple
/// case folding reaches an ASCII letter (U+017F LONG S, U+212A KELVIN SIGN).
fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic() || c == '\u{017F}' || c == '\u{212A}'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

/// Byte length of the name at the start of `s` (0 if none).
fn name_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if is_name_start(c) => {}
        _ => return 0,
    }
    for (i, c) in chars {
        if !is_name_char(c) {
            return i;
        }
    }
    s.len()
}

/// Matches at `s`, which starts with `$`. `last_brace` is the byte index in `s` of the last `}`
/// before the next line break, if any (the caller caches it per line).
fn match_at(s: &str, last_brace: Option<usize>) -> Option<Match> {
    let after = &s[1..];
    if after.starts_with('$') {
        return Some(Match::Escaped);
    }
    let n = name_len(after);
    if n > 0 {
        return Some(Match::Named { len: 1 + n });
    }
    let body = after.strip_prefix('{')?;
    let n = name_len(body);
    if n == 0 {
        return Some(Match::Invalid);
    }
    let tail = &body[n..];
    let op = if let Some(t) = tail.strip_prefix(':') {
        match t.as_bytes().first() {
            Some(b'-') => Some((Op::DefaultIfEmpty, 2)),
            Some(b'?') => Some((Op::RequiredNonEmpty, 2)),
            Some(b'+') => Some((Op::AltIfNonEmpty, 2)),
            _ => None,
        }
    } else {
        match tail.as_bytes().first() {
            Some(b'-') => Some((Op::DefaultIfUnset, 1)),
            Some(b'?') => Some((Op::Required, 1)),
            Some(b'+') => Some((Op::AltIfSet, 1)),
            _ => None,
        }
    };
    let head = 2 + n; // `${` + name
    if let Some((op, op_len)) = op {
        // `(.*)\}`: `.` stops at a newline; greedy, so the last `}` of the line wins.
        let arg_at = head + op_len;
        if let Some(close) = last_brace.filter(|&b| b >= arg_at) {
            return Some(Match::Braced {
                len: close + 1,
                name_len: n,
                op: Some((op, op_len)),
            });
        }
    }
    if tail.starts_with('}') {
        return Some(Match::Braced {
            len: head + 1,
            name_len: n,
            op: None,
        });
    }
    Some(Match::Invalid)
}

/// compose-go's `getFirstBraceClosingIndex`: the `}` that brings the count of `{` back to zero.
/// Like the original, the byte right after each `{` is skipped.
fn first_brace_closing_index(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut open = 0i64;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if b[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

/// Deepest nesting of `${…}` inside defaults / messages / alternatives. compose-go has no limit
/// (Go stacks grow); real files nest two or three levels, so this only stops hostile input from
/// exhausting the stack.
const MAX_NESTING: usize = 200;

impl Ctx<'_> {
    /// One `Substitute` call of compose-go. `base` is the byte offset of `template` in the
    /// top-level template (every sub-template is a slice of it).
    ///
    /// compose-go interpolates the text after each `${NAME<op>…}` form with a fresh call on that
    /// "rest". Doing it in the same loop gives the same result (the rest runs to the end of the
    /// greedy match, the last `}` of the line, so no match can straddle it) without recursing
    /// once per form; only the template named in errors has to follow the rest.
    fn substitute(&mut self, template: &str, base: usize, depth: usize) -> Result<String, Fail> {
        if depth > MAX_NESTING {
            return Err(Fail {
                at: base,
                message: format!(
                    "invalid interpolation format: more than {MAX_NESTING} nested ${{…}} forms"
                ),
                required: false,
                template: template.to_string(),
                exhausted: false,
            });
        }
        let mut out = String::with_capacity(template.len());
        let mut i = 0;
        // The rest being interpolated "on its own": (start, end) in `template`.
        let mut rest: Option<(usize, usize)> = None;
        // The current line of `template`: (end, last `}` before it), both absolute in `template`.
        let mut line: Option<(usize, Option<usize>)> = None;
        while let Some(rel) = template[i..].find('$') {
            let at = i + rel;
            if rest.is_some_and(|(_, end)| at >= end) {
                rest = None;
            }
            self.charge(at - i, base + at, template)?;
            out.push_str(&template[i..at]);
            let (_, last_brace) = match line {
                Some(l) if at < l.0 => l,
                _ => {
                    let end = template[at..].find('\n').map_or(template.len(), |n| at + n);
                    let l = (end, template[at..end].rfind('}').map(|b| at + b));
                    line = Some(l);
                    l
                }
            };
            let here = &template[at..];
            match match_at(here, last_brace.and_then(|b| b.checked_sub(at))) {
                None => {
                    self.charge(1, base + at, template)?;
                    out.push('$');
                    i = at + 1;
                }
                Some(Match::Escaped) => {
                    self.charge(1, base + at, template)?;
                    out.push('$');
                    i = at + 2;
                }
                Some(Match::Named { len }) => {
                    let name = &here[1..len];
                    let value = self.get(name);
                    self.charge(value.len(), base + at, template)?;
                    out.push_str(&value);
                    i = at + len;
                }
                Some(Match::Invalid) => {
                    let shown = rest.map_or(template, |(s, e)| &template[s..e]);
                    return Err(Fail {
                        at: base + at,
                        message: format!("invalid interpolation format: {shown:?}"),
                        required: false,
                        template: shown.to_string(),
                        exhausted: false,
                    });
                }
                Some(Match::Braced { len, name_len, op }) => {
                    let whole = &here[..len];
                    // `braced` charges what it produces.
                    let (value, form_len) = self.braced(whole, name_len, op, base + at, depth)?;
                    out.push_str(&value);
                    i = at + form_len;
                    if form_len < len {
                        rest = Some((i, at + len));
                    }
                }
            }
        }
        self.charge(template.len() - i, base + i, template)?;
        out.push_str(&template[i..]);
        Ok(out)
    }

    /// Charges `n` bytes about to be produced at byte `at` of the top-level template.
    fn charge(&mut self, n: usize, at: usize, template: &str) -> Result<(), Fail> {
        self.budget.spend(n).map_err(|message| Fail {
            at,
            message,
            required: false,
            template: template.to_string(),
            exhausted: true,
        })
    }

    fn get(&mut self, name: &str) -> String {
        match (self.lookup)(name) {
            Some(v) => v,
            None => {
                self.unset.push(name.to_string());
                String::new()
            }
        }
    }

    /// A braced match `whole` (from `$` to the last `}` of the line) at byte `at` of the top-level
    /// template. Returns the value and the byte length of the form itself (where the braces
    /// balance); the caller interpolates what follows.
    fn braced(
        &mut self,
        whole: &str,
        name_len: usize,
        op: Option<(Op, usize)>,
        at: usize,
        depth: usize,
    ) -> Result<(String, usize), Fail> {
        let name = &whole[2..2 + name_len];
        let Some((op, op_len)) = op else {
            let value = self.get(name);
            self.charge(value.len(), at, whole)?;
            return Ok((value, whole.len()));
        };
        let form = match first_brace_closing_index(whole) {
            Some(close) => &whole[..=close],
            None => whole,
        };
        let arg_start = 2 + name_len + op_len;
        // `form` ends with the `}` that closes it (the brace counter stops on a `}`, and without
        // a balance the greedy match itself ends with `}`).
        let arg_end = form.len() - 1;
        let arg_raw = form.get(arg_start..arg_end).unwrap_or("");
        // Eager: the argument is interpolated (and charged) before the variable is even
        // looked up; the variable's own value is charged when it is the result.
        let arg = self.substitute(arg_raw, at + arg_start, depth + 1)?;
        let value = (self.lookup)(name);
        let own = |v: String, ctx: &mut Self| -> Result<String, Fail> {
            ctx.charge(v.len(), at, whole)?;
            Ok(v)
        };
        let result = match op {
            Op::DefaultIfEmpty => match value {
                Some(v) if !v.is_empty() => own(v, self)?,
                _ => arg,
            },
            Op::DefaultIfUnset => match value {
                Some(v) => own(v, self)?,
                None => arg,
            },
            Op::AltIfNonEmpty => match value {
                Some(v) if !v.is_empty() => arg,
                other => other.unwrap_or_default(),
            },
            Op::AltIfSet => match value {
                Some(_) => arg,
                None => String::new(),
            },
            Op::RequiredNonEmpty | Op::Required => match value {
                Some(v) if op == Op::Required || !v.is_empty() => own(v, self)?,
                _ => {
                    let message = if arg.is_empty() {
                        format!("required variable {name} is missing a value")
                    } else {
                        format!("required variable {name} is missing a value: {arg}")
                    };
                    return Err(Fail {
                        at,
                        message,
                        required: true,
                        template: whole.to_string(),
                        exhausted: false,
                    });
                }
            },
        };
        Ok((result, form.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "FOO" => Some("first".into()),
            "BAR" => Some(String::new()),
            _ => None,
        }
    }

    fn run(t: &str) -> Result<String, InterpError> {
        interpolate(t, &env, &mut Vec::new())
    }

    #[test]
    fn error_offsets_point_at_the_failing_dollar() {
        let e = run("ab ${missing:?boom}").unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(e.required);
        let e = run("é${FOO:-${X:?no}}").unwrap_err();
        assert_eq!(e.offset, 8);
        assert_eq!(e.message, "required variable X is missing a value: no");
        let e = run("ok ${ bad}").unwrap_err();
        assert_eq!((e.offset, e.required), (3, false));
    }

    #[test]
    fn unset_names_are_reported_in_order() {
        let mut unset = Vec::new();
        let v = interpolate("$A ${B} ${C:-x} $FOO", &env, &mut unset).unwrap();
        assert_eq!(v, "  x first");
        assert_eq!(unset, vec!["A".to_string(), "B".to_string()]);
    }

    #[test]
    fn a_braced_form_may_not_span_lines() {
        assert!(run("${missing:-a\n}").is_err());
        assert_eq!(run("${missing:-a}\n}").unwrap(), "a\n}");
    }

    #[test]
    fn text_after_a_form_is_interpolated_on_its_own() {
        assert_eq!(run("${missing:-a} and ${FOO}").unwrap(), "a and first");
        assert_eq!(run("${FOO-x}-${BAR:+y}-$FOO").unwrap(), "first--first");
    }

    /// Quirks checked against the v2.40.3 binary (`config --format json`).
    #[test]
    fn quirks_match_the_oracle() {
        let env = |n: &str| match n {
            "FOO" => Some("first".to_string()),
            "\u{017F}" => Some("long".to_string()),
            "\u{212A}" => Some("kelvin".to_string()),
            _ => None,
        };
        let run = |t: &str| interpolate(t, &env, &mut Vec::new());
        assert_eq!(run("$\u{017F}").unwrap(), "long");
        assert_eq!(run("${\u{212A}}").unwrap(), "kelvin");
        assert_eq!(run("${missing:-{}}").unwrap(), "{}");
        assert_eq!(run("${FOO:-x}}}").unwrap(), "first}}");
        // The error names the sub-template that failed, as compose-go does.
        assert_eq!(run("${missing:-x} ${}").unwrap_err().template, " ${}");
        assert_eq!(run("${missing:-${}}").unwrap_err().template, "${}");
        let mut unset = Vec::new();
        assert_eq!(interpolate("${A:+${A},}B", &env, &mut unset).unwrap(), "B");
        assert_eq!(unset, vec!["A".to_string()]);
    }

    /// Hostile input must neither overflow the stack nor take quadratic time.
    #[test]
    fn long_and_deep_templates_are_safe() {
        let many = "${missing:-x}".repeat(50_000);
        let start = std::time::Instant::now();
        assert_eq!(run(&many).unwrap(), "x".repeat(50_000));
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
        let deep = format!("{}x{}", "${missing:-".repeat(150), "}".repeat(150));
        assert_eq!(run(&deep).unwrap(), "x");
        let deeper = format!("{}x{}", "${missing:-".repeat(5_000), "}".repeat(5_000));
        assert!(!run(&deeper).unwrap_err().required);
    }
}
