//! Diagnostics: what went wrong, where (`file:line:col`), and how to fix it.
//!
//! Every stage reports through [`Diagnostic`]. Input errors are collected in [`Failure`], which the
//! command line turns into exit code 2. Rendering as a code frame uses `annotate-snippets`.
//! Every diagnostic komply reports carries a [`Code`] (`code.rs`: the table, with each code's
//! documentation; `page.rs` makes `docs/diagnostics.md` from it); a lint finding shown as a
//! diagnostic carries its rule instead.

mod code;
mod page;

use std::fmt;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::source::sources;
use crate::yaml::{Span, YamlError};

pub use code::{Code, Stage, UnknownCode};
pub use page::registry_page;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// komply's stable code (`compose/unknown-key`), if any: see [`Code`].
    pub code: Option<Code>,
    /// The lint rule (`KP101/run-as-non-root`), when the diagnostic shows a lint finding.
    pub rule: Option<String>,
    pub message: String,
    /// Where it happened; `None` when there is no location (e.g. a missing file given on argv).
    pub span: Option<Span>,
    /// Other places worth showing, each with a short label.
    pub related: Vec<(Span, String)>,
    /// One line saying how to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            code: None,
            rule: None,
            message: message.into(),
            span: None,
            related: Vec::new(),
            help: None,
        }
    }

    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, message)
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, message)
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = if span.is_synthetic() {
            self.span
        } else {
            Some(span)
        };
        self
    }

    pub fn code(mut self, code: Code) -> Diagnostic {
        self.code = Some(code);
        self
    }

    /// Marks a lint finding: `rule` is `ID/name`, shown where a code would be.
    pub fn rule(mut self, rule: impl Into<String>) -> Diagnostic {
        self.rule = Some(rule.into());
        self
    }

    /// What identifies it, as printed between brackets: the code, else the lint rule.
    pub fn id(&self) -> Option<&str> {
        self.code.map(Code::as_str).or(self.rule.as_deref())
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        if !span.is_synthetic() {
            self.related.push((span, label.into()));
        }
        self
    }

    /// `file:line:col` of the primary span, or `None`.
    pub fn location(&self) -> Option<String> {
        let s = self.span?;
        Some(format!(
            "{}:{}:{}",
            sources().display(s.source),
            s.start.line,
            s.start.col
        ))
    }

    /// Renders as a compiler-style code frame (no colour unless `color`).
    pub fn render(&self, color: bool) -> String {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Info => Level::INFO,
        };
        let mut title = level.primary_title(self.message.as_str());
        if let Some(id) = self.id() {
            title = title.id(id);
        }
        let mut groups: Vec<Group<'_>> = Vec::new();
        let mut owned_lines: Vec<(String, String, usize, std::ops::Range<usize>, String)> =
            Vec::new();
        if let Some(span) = self.span
            && let Some(frame) = frame_for(span)
        {
            owned_lines.push((frame.0, frame.1, frame.2, frame.3, String::new()));
        }
        for (span, label) in &self.related {
            if let Some(frame) = frame_for(*span) {
                owned_lines.push((frame.0, frame.1, frame.2, frame.3, label.clone()));
            }
        }
        let mut group = Group::with_title(title);
        if owned_lines.is_empty()
            && let Some(loc) = self.location()
        {
            group = group.element(Level::NOTE.message(format!("at {loc}")));
        }
        for (i, (path, text, line, range, label)) in owned_lines.iter().enumerate() {
            let kind = if i == 0 && self.span.is_some() {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            let mut ann = kind.span(range.clone());
            if !label.is_empty() {
                ann = ann.label(label.as_str());
            }
            group = group.element(
                Snippet::source(text.as_str())
                    .line_start(*line)
                    .path(path.as_str())
                    .annotation(ann),
            );
        }
        groups.push(group);
        if let Some(help) = &self.help {
            groups.push(Group::with_title(
                Level::HELP.secondary_title(help.as_str()),
            ));
        }
        renderer.render(&groups)
    }
}

/// (path, line text, line number, byte range in the line) for a span, when the source is known.
fn frame_for(span: Span) -> Option<(String, String, usize, std::ops::Range<usize>)> {
    let file = sources().get(span.source)?;
    // The frame prints the user's line: secrets on it are masked (columns stay right).
    let text = crate::secrets::frame::mask_line(
        file.line_text(span.start.line)?,
        file.line_text(span.start.line.saturating_sub(1)),
    );
    let start = char_to_byte(&text, span.start.col.saturating_sub(1) as usize);
    let end = if span.end.line == span.start.line && span.end.col > span.start.col {
        char_to_byte(&text, span.end.col.saturating_sub(1) as usize)
    } else {
        // Underline to the end of the token that starts here.
        text[start..]
            .find([' ', ':', ',', ']', '}'])
            .map(|i| start + i)
            .unwrap_or(text.len())
    };
    let end = end
        .max(start + usize::from(start < text.len()))
        .min(text.len().max(start));
    Some((
        file.display.clone(),
        text,
        span.start.line as usize,
        start..end,
    ))
}

fn char_to_byte(s: &str, chars: usize) -> usize {
    s.char_indices()
        .nth(chars)
        .map(|(i, _)| i)
        .unwrap_or(s.len())
}

impl fmt::Display for Diagnostic {
    /// One line: `file:line:col: severity[code]: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = self.location() {
            write!(f, "{loc}: ")?;
        }
        write!(f, "{}", self.severity)?;
        if let Some(id) = self.id() {
            write!(f, "[{id}]")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl From<YamlError> for Diagnostic {
    fn from(e: YamlError) -> Diagnostic {
        let mut d = Diagnostic::error(e.message).at(e.span).code(Code::Yaml);
        if let Some((span, label)) = e.related {
            d = d.related(span, label);
        }
        d
    }
}

/// One or more input errors: the command stops and exits 2.
#[derive(Debug, Clone)]
pub struct Failure(pub Vec<Diagnostic>);

impl Failure {
    pub fn one(d: Diagnostic) -> Failure {
        Failure(vec![d])
    }

    pub fn msg(message: impl Into<String>) -> Failure {
        Failure::one(Diagnostic::error(message))
    }
}

impl From<Diagnostic> for Failure {
    fn from(d: Diagnostic) -> Failure {
        Failure::one(d)
    }
}

impl From<YamlError> for Failure {
    fn from(e: YamlError) -> Failure {
        Failure::one(e.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

pub type Result<T, E = Failure> = std::result::Result<T, E>;
