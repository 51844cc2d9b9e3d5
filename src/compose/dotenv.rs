//! `.env` and `env_file` syntax, exactly as Docker Compose v2.40.3 (compose-go 2.9.1) reads it.
//!
//! The default format (compose-go `dotenv/parser.go`):
//! - blank lines and lines starting with `#` are skipped; an `export ` prefix is allowed;
//! - `KEY=VAL` or `KEY: VAL`; `KEY=` is the empty string; a bare `KEY` takes its value from the
//!   lookup and is dropped when that is unset;
//! - a key holds letters, digits and `_ . - [ ]`; a space inside a key is an error;
//! - an unquoted value runs to the end of the line, loses a ` #…` comment and trailing blanks,
//!   and is interpolated;
//! - a `"double"` value may span lines, understands `\n \r \t \\ \" \$ \a \b \f \v` and octal
//!   `\0NNN`, and is interpolated;
//! - a `'single'` value may span lines and is literal (`\'` is a quote);
//! - interpolation looks up the given lookup first, then the variables defined earlier in the
//!   same file (checked with the oracle: OS env beats an earlier line of the file).
//!
//! `format: raw` (the Docker CLI's `--env-file` parser, `kvfile`) takes each `KEY=VAL` line
//! verbatim: no quotes, no comments after values, no interpolation.

// Errors are full diagnostics by design (the loader reports them as they are); they are rare.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, HashSet};

use crate::compose::interpolate::{Budget, InterpError, interpolate_within, unset_warning_message};
use crate::diag::{Code, Diagnostic};
use crate::yaml::{Pos, SourceId, Span};

/// One variable of an env file.
#[derive(Clone, Debug, PartialEq)]
pub struct DotenvEntry {
    pub key: String,
    pub value: String,
    /// Where the key is written (of the last definition when a key repeats).
    pub span: Span,
}

/// Parses an env file in the default format. `lookup` resolves bare keys and takes precedence
/// over earlier lines of the file inside interpolations. A key defined twice keeps its first
/// place and its last value.
pub fn parse_dotenv(
    source: SourceId,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<DotenvEntry>, Diagnostic> {
    parse_dotenv_with_warnings(source, text, lookup, &mut Vec::new())
}

/// [`parse_dotenv`], also reporting each unset variable used in a value (one warning per name).
pub fn parse_dotenv_with_warnings(
    source: SourceId,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<DotenvEntry>, Diagnostic> {
    parse_dotenv_within(source, text, lookup, warnings, &mut Budget::new())
}

/// [`parse_dotenv_with_warnings`], charging the bytes its interpolations produce to `budget`
/// (the caller starts the file's budget with [`Budget::next_file`]).
pub fn parse_dotenv_within(
    source: SourceId,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<Diagnostic>,
    budget: &mut Budget,
) -> Result<Vec<DotenvEntry>, Diagnostic> {
    let mut p = Parser {
        text,
        pos: text
            .strip_prefix('\u{FEFF}')
            .map_or(0, |_| '\u{FEFF}'.len_utf8()),
        loc: Locator::new(source, text),
        out: Entries::default(),
        warned: warnings.iter().map(|w| w.message.clone()).collect(),
        budget,
    };
    p.run(lookup, warnings)?;
    Ok(p.out.list)
}

/// Parses an env file with `format: raw`: values verbatim, bare keys dropped.
pub fn parse_dotenv_raw(source: SourceId, text: &str) -> Result<Vec<DotenvEntry>, Diagnostic> {
    parse_dotenv_raw_with_lookup(source, text, &|_| None)
}

/// Parses an env file with `format: raw`; a bare `KEY` takes its value from `lookup` (dropped
/// when unset), as `docker run --env-file` does.
pub fn parse_dotenv_raw_with_lookup(
    source: SourceId,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<DotenvEntry>, Diagnostic> {
    let loc = Locator::new(source, text);
    let mut out = Entries::default();
    let mut line_start = 0usize;
    for (n, raw_line) in text.split('\n').enumerate() {
        let this_start = line_start;
        line_start += raw_line.len() + 1;
        let mut line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let mut start = this_start;
        if n == 0
            && let Some(rest) = line.strip_prefix('\u{FEFF}')
        {
            line = rest;
            start += '\u{FEFF}'.len_utf8();
        }
        let trimmed = line.trim_start();
        start += line.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (variable, value) = match trimmed.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (trimmed, None),
        };
        let key = variable.trim_start_matches([' ', '\t']);
        let key_start = start + (variable.len() - key.len());
        let span = loc.span(key_start, key_start + key.len());
        if key.contains([' ', '\t']) {
            return Err(
                Diagnostic::error(format!("variable '{key}' contains whitespaces"))
                    .at(span)
                    .code(Code::ComposeEnvFile)
                    .help(
                        "a raw env file holds one KEY=VALUE per line; keys cannot contain blanks",
                    ),
            );
        }
        if key.is_empty() {
            return Err(
                Diagnostic::error(format!("no variable name on line '{trimmed}'"))
                    .at(span)
                    .code(Code::ComposeEnvFile),
            );
        }
        let value = match value {
            Some(v) => v.to_string(),
            None => match lookup(trimmed) {
                Some(v) => v,
                None => continue,
            },
        };
        out.insert(key.to_string(), value, span);
    }
    Ok(out.list)
}

/// The entries read so far, in first-definition order, with an index by key: a file of 100,000
/// lines must not cost 100,000² comparisons.
#[derive(Default)]
struct Entries {
    list: Vec<DotenvEntry>,
    index: HashMap<String, usize>,
}

impl Entries {
    /// A key defined again keeps its first place and takes the new value (Go map semantics,
    /// with a stable order).
    fn insert(&mut self, key: String, value: String, span: Span) {
        // Registered before any later error of the run can print it.
        crate::secrets::harvest::dotenv_entry(&key, &value);
        match self.index.get(&key) {
            Some(&i) => {
                let e = &mut self.list[i];
                e.value = value;
                e.span = span;
            }
            None => {
                self.index.insert(key.clone(), self.list.len());
                self.list.push(DotenvEntry { key, value, span });
            }
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.index.get(key).map(|&i| self.list[i].value.as_str())
    }
}

/// Byte offsets → 1-based line / char column.
struct Locator<'a> {
    source: SourceId,
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    fn new(source: SourceId, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Locator {
            source,
            text,
            line_starts,
        }
    }

    fn pos(&self, byte: usize) -> Pos {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= byte).max(1);
        let start = self.line_starts[line - 1];
        let col = self.text.get(start..byte).map_or(0, |s| s.chars().count());
        Pos {
            line: line as u32,
            col: col as u32 + 1,
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span {
            source: self.source,
            start: self.pos(start),
            end: self.pos(end.max(start)),
        }
    }
}

/// compose-go's `isSpace`: blanks but not the line break.
fn is_blank(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{85}' | '\u{A0}'
    )
}

fn is_key_char(c: char) -> bool {
    matches!(c, '_' | '.' | '-' | '[' | ']') || c.is_alphabetic() || c.is_numeric()
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    loc: Locator<'a>,
    out: Entries,
    /// Warning messages already given (a set: one per unset name, however many there are).
    warned: HashSet<String>,
    budget: &'a mut Budget,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn skip_while(&mut self, f: impl Fn(char) -> bool) {
        let rest = self.rest();
        let n = rest.find(|c: char| !f(c)).unwrap_or(rest.len());
        self.pos += n;
    }

    fn error(&self, at: usize, end: usize, msg: String) -> Diagnostic {
        Diagnostic::error(msg)
            .at(self.loc.span(at, end))
            .code(Code::ComposeEnvFile)
    }

    fn run(
        &mut self,
        lookup: &dyn Fn(&str) -> Option<String>,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<(), Diagnostic> {
        loop {
            // Start of the next statement: skip blank lines and comment lines.
            self.skip_while(char::is_whitespace);
            if self.pos >= self.text.len() {
                return Ok(());
            }
            if self.rest().starts_with('#') {
                match self.rest().find('\n') {
                    Some(n) => {
                        self.pos += n;
                        continue;
                    }
                    None => return Ok(()),
                }
            }
            self.statement(lookup, warnings)?;
        }
    }

    fn statement(
        &mut self,
        lookup: &dyn Fn(&str) -> Option<String>,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<(), Diagnostic> {
        // `^export\s+` (Go's `\s` is `[\t\n\f\r ]`).
        let go_space = |c: char| matches!(c, '\t' | '\n' | '\u{0C}' | '\r' | ' ');
        if let Some(after) = self.rest().strip_prefix("export")
            && after.starts_with(go_space)
        {
            self.pos += "export".len();
            self.skip_while(go_space);
        }
        self.skip_while(is_blank);
        let key_start = self.pos;
        if self.pos >= self.text.len() {
            // `export` and nothing after it.
            return Err(self.error(key_start, key_start, "zero length string".into()));
        }

        // The key ends at `=`, `:` (YAML style) or a line break (a bare, inherited key).
        let mut terminator = None;
        for (i, c) in self.rest().char_indices() {
            if is_blank(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    terminator = Some((key_start + i, c));
                    break;
                }
                c if is_key_char(c) => {}
                c => {
                    let first_line = self.rest().split('\n').next().unwrap_or("");
                    let at = key_start + i;
                    return Err(self
                        .error(
                            at,
                            at + c.len_utf8(),
                            format!(
                                "unexpected character {:?} in variable name {first_line:?}",
                                c.to_string()
                            ),
                        )
                        .help("a key may hold letters, digits and _ . - [ ]"));
                }
            }
        }
        // Without a terminator (a last line with neither `=` nor a line break) compose reads the
        // whole text as the value of an empty key.
        let (key, value_start, inherited) = match terminator {
            Some((end, c)) => (self.text[key_start..end].trim_end(), end + 1, c == '\n'),
            None => ("", key_start, false),
        };
        let key = key.to_string();
        let span = self.loc.span(key_start, key_start + key.len());
        if key.contains(' ') {
            return Err(Diagnostic::error("key cannot contain a space")
                .at(span)
                .code(Code::ComposeEnvFile)
                .help("write KEY=VALUE; quote values that contain spaces"));
        }
        self.pos = value_start;
        if inherited {
            if let Some(v) = lookup(&key) {
                self.out.insert(key, v, span);
            }
            return Ok(());
        }
        self.skip_while(is_blank);
        let value = self
            .value(lookup, warnings)
            .map_err(|d| hide_value_in_error(&key, d))?;
        self.out.insert(key, value, span);
        Ok(())
    }

    fn value(
        &mut self,
        lookup: &dyn Fn(&str) -> Option<String>,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<String, Diagnostic> {
        let start = self.pos;
        let quote = match self.rest().chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => {
                let rest = self.rest();
                let (line, consumed) = match rest.find('\n') {
                    Some(n) => (&rest[..n], n + 1),
                    None => (rest, rest.len()),
                };
                let line = line.split(" #").next().unwrap_or("").trim_end();
                let line = line.to_string();
                self.pos += consumed;
                return self.expand(&line, start, true, lookup, warnings);
            }
        };
        // Scan to the closing quote; a backslash before the quote character drops, any other
        // backslash stays (escapes of double quotes are expanded afterwards).
        let mut raw = String::new();
        let mut escaped = false;
        let mut close = None;
        for (i, c) in self.rest().char_indices().skip(1) {
            if escaped {
                escaped = false;
                if c != quote {
                    raw.push('\\');
                }
                raw.push(c);
                continue;
            }
            match c {
                '\\' => escaped = true,
                c if c == quote => {
                    close = Some(i);
                    break;
                }
                c => raw.push(c),
            }
        }
        let Some(close) = close else {
            let first_line = self.rest().split('\n').next().unwrap_or("");
            return Err(self
                .error(
                    start,
                    start + 1,
                    format!("unterminated quoted value {first_line}"),
                )
                .help(format!("close the value with a matching {quote}")));
        };
        self.pos += close + 1;
        if quote == '\'' {
            return Ok(raw);
        }
        self.expand(&expand_escapes(&raw), start, false, lookup, warnings)
    }

    /// Interpolates a value with the lookup first, then earlier variables of this file.
    /// `exact` says that `value` is a verbatim slice of the text at `start` (so an error can
    /// point at its `$`).
    fn expand(
        &mut self,
        value: &str,
        start: usize,
        exact: bool,
        lookup: &dyn Fn(&str) -> Option<String>,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<String, Diagnostic> {
        if !value.contains('$') {
            return Ok(value.to_string());
        }
        let out = &self.out;
        let both = |name: &str| lookup(name).or_else(|| out.get(name).map(str::to_string));
        let mut unset = Vec::new();
        match interpolate_within(value, &both, &mut unset, self.budget) {
            Ok(v) => {
                for name in unset {
                    let msg = unset_warning_message(&name);
                    if self.warned.insert(msg.clone()) {
                        warnings.push(
                            Diagnostic::warning(msg)
                                .at(self.loc.span(start, start))
                                .code(Code::ComposeUnsetVariable),
                        );
                    }
                }
                Ok(v)
            }
            Err(e) => {
                let at = if exact {
                    start
                        + value
                            .char_indices()
                            .nth(e.offset)
                            .map_or(value.len(), |(i, _)| i)
                } else {
                    start
                };
                let d = self.error(at, at + 1, interp_message(&e));
                Err(if e.exhausted {
                    d.code(Code::ComposeInterpolationBudget)
                        .help(crate::compose::interpolate::BUDGET_HELP)
                } else {
                    d
                })
            }
        }
    }
}

/// compose-go's wording for interpolation failures inside env files.
fn interp_message(e: &InterpError) -> String {
    if e.required || e.exhausted {
        e.message.clone()
    } else {
        format!("Invalid template: {:?}", e.template)
    }
}

/// Expands the escapes of a double-quoted value: `\a \b \f \n \r \t \v \" \\`, octal `\0NNN`,
/// and `\$` (which becomes `$$`, a literal `$` for the interpolation that follows). Any other
/// backslash, and an octal escape that is not exactly three octal digits ≤ 0377, stays as is.
pub fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&(_, next)) = chars.peek() else {
            out.push('\\');
            continue;
        };
        let simple = match next {
            'a' => Some("\u{07}"),
            'b' => Some("\u{08}"),
            'f' => Some("\u{0C}"),
            'n' => Some("\n"),
            'r' => Some("\r"),
            't' => Some("\t"),
            'v' => Some("\u{0B}"),
            '"' => Some("\""),
            '\\' => Some("\\"),
            '$' => Some("$$"),
            // Matched by compose's pattern but not a Go escape: kept.
            'c' => Some("\\c"),
            _ => None,
        };
        if let Some(rep) = simple {
            out.push_str(rep);
            chars.next();
            continue;
        }
        if next == '0' {
            chars.next();
            // `0\d{0,3}`
            let digits_start = i + 2;
            let digits: String = s[digits_start..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .take(3)
                .collect();
            for _ in 0..digits.len() {
                chars.next();
            }
            let octal = (digits.len() == 3)
                .then(|| u32::from_str_radix(&digits, 8).ok())
                .flatten()
                .filter(|v| *v <= 255)
                .and_then(char::from_u32);
            match octal {
                Some(ch) => out.push(ch),
                None => {
                    out.push_str("\\0");
                    out.push_str(&digits);
                }
            }
            continue;
        }
        out.push('\\');
    }
    out
}

/// An error about the value of `name` (an unterminated quote, a bad template)
/// does not quote the value when the name is secret-like (the value could not be registered:
/// it did not parse).
fn hide_value_in_error(name: &str, mut d: Diagnostic) -> Diagnostic {
    if crate::secrets::Policy::standard().secret_like_name(name) {
        let what = if d.message.starts_with("unterminated quoted value") {
            "unterminated quoted value"
        } else {
            d.message.split(": ").next().unwrap_or("invalid value")
        };
        d.message = format!("{what} in `{name}` (the value is not shown: it looks like a secret)");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_go_unquote_char() {
        assert_eq!(expand_escapes(r"a\nb\tc"), "a\nb\tc");
        assert_eq!(expand_escapes(r"\0101\0123"), "AS");
        assert_eq!(
            expand_escapes(r"\012 \0 \0999 \0777"),
            r"\012 \0 \0999 \0777"
        );
        assert_eq!(expand_escapes(r"\q\c\$x\\n"), "\\q\\c$$x\\n");
    }
}
