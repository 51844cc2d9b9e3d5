//! JSON values → YAML text, deterministically.
//!
//! Strings are quoted whenever a YAML 1.1 *or* 1.2 reader could take them for something else
//! (`yes`, `on`, `0755`, `1:30`, `2024-01-01`, `1e3`…): kubectl's decoder is YAML 1.1-flavoured,
//! and a manifest must mean the same thing to every reader. Key order is the order of the map.

use serde_json::Value;
use std::fmt::Write;

/// Renders one document (no `---`), ending with a newline.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        _ => {
            write_scalar(&mut out, v, 0);
            out.push('\n');
        }
    }
    out
}

/// Renders several documents separated by `---`.
pub fn to_yaml_stream<'a>(docs: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (i, d) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&to_yaml(d));
    }
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn is_collection_nonempty(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

fn write_map(out: &mut String, m: &serde_json::Map<String, Value>, ind: usize) {
    for (k, v) in m {
        indent(out, ind);
        write_str(out, k, ind, true);
        out.push(':');
        write_value_after_key(out, v, ind);
    }
}

fn write_value_after_key(out: &mut String, v: &Value, ind: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, ind + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(out, a, ind + 2);
        }
        _ => {
            out.push(' ');
            write_scalar(out, v, ind + 2);
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, a: &[Value], ind: usize) {
    for v in a {
        indent(out, ind);
        out.push('-');
        match v {
            Value::Object(m) if !m.is_empty() => {
                // First entry on the dash line, the rest aligned under it.
                let mut first = true;
                for (k, val) in m {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent(out, ind + 2);
                    }
                    write_str(out, k, ind + 2, true);
                    out.push(':');
                    write_value_after_key(out, val, ind + 2);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, ind + 2);
            }
            _ => {
                out.push(' ');
                write_scalar(out, v, ind + 2);
                out.push('\n');
            }
        }
    }
}

fn write_scalar(out: &mut String, v: &Value, ind: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_str(out, s, ind, false),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
    debug_assert!(!is_collection_nonempty(v));
}

fn write_str(out: &mut String, s: &str, ind: usize, is_key: bool) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else if !is_key && can_be_literal_block(s) {
        let body = s.strip_suffix('\n').unwrap_or(s);
        out.push_str(if s.ends_with('\n') { "|" } else { "|-" });
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                indent(out, ind);
                out.push_str(line);
            }
        }
    } else if !s.chars().any(|c| c.is_control()) {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    } else {
        write_double_quoted(out, s);
    }
}

fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A literal block keeps multi-line text readable (scripts, config files, certificates).
fn can_be_literal_block(s: &str) -> bool {
    s.contains('\n')
        && !s.ends_with("\n\n")
        && !s.starts_with([' ', '\t', '\n'])
        && !s.chars().any(|c| c.is_control() && c != '\n')
        && s.split('\n').all(|l| !l.ends_with([' ', '\t']))
}

/// Whether a string can be written without quotes and still read back as the same string by
/// YAML 1.1 and YAML 1.2 parsers.
pub fn is_plain_safe(s: &str) -> bool {
    if s.is_empty() || s.trim() != s || s.len() > 4096 {
        return false;
    }
    let first = s.as_bytes()[0];
    if b"-?:,[]{}#&*!|>'\"%@`".contains(&first) {
        // `-` alone is special, but `-foo` is fine in flow-less block context only when not a
        // number; keep it simple and quote.
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.contains('\t') {
        return false;
    }
    if s.chars().any(|c| {
        c.is_control() || c == '\u{feff}' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}'
    }) {
        return false;
    }
    !looks_like_non_string(s)
}

/// Scalars some YAML version would resolve to null, bool, number or timestamp.
fn looks_like_non_string(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "~" | "null"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".inf"
            | "-.inf"
            | "+.inf"
            | ".nan"
            | "<<"
            | "="
    ) {
        return true;
    }
    let b = s.as_bytes();
    let starts_numeric =
        b[0].is_ascii_digit() || ((b[0] == b'-' || b[0] == b'+' || b[0] == b'.') && b.len() > 1);
    if !starts_numeric {
        return false;
    }
    // Anything made only of digits and number punctuation (covers ints, floats, octal, hex,
    // base-60 `1:30`, `1_000`, dates `2024-01-01`, times, exponents).
    s.chars().all(|c| {
        c.is_ascii_hexdigit()
            || matches!(
                c,
                '.' | '-'
                    | '+'
                    | '_'
                    | ':'
                    | 'x'
                    | 'X'
                    | 'o'
                    | 'O'
                    | 'e'
                    | 'E'
                    | 't'
                    | 'T'
                    | 'z'
                    | 'Z'
                    | ' '
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, SourceId, parse_documents};
    use serde_json::json;

    fn roundtrip(v: &Value) -> Value {
        let text = to_yaml(v);
        parse_documents(SourceId(0), &text, &Limits::default()).unwrap()[0].to_json()
    }

    #[test]
    fn quotes_what_would_change_meaning() {
        for s in [
            "yes",
            "on",
            "0755",
            "1:30",
            "2024-01-01",
            "1e3",
            "",
            " x",
            "a: b",
            "#x",
            "-",
            "true",
            "null",
            "12",
        ] {
            assert!(!is_plain_safe(s), "{s}");
        }
        for s in [
            "nginx:1.25",
            "http",
            "app.kubernetes.io/name",
            "a-b",
            "/bin/sh",
            "500m",
            "512Mi",
            "Deployment",
        ] {
            assert!(is_plain_safe(s), "{s}");
        }
    }

    #[test]
    fn roundtrips() {
        let v = json!({
            "apiVersion": "v1",
            "data": {"script": "line1\nline2\n", "nolf": "a\nb", "q": "it's", "ctl": "a\u{1}b", "empty": ""},
            "list": [{"a": 1, "b": [1, 2]}, [3, 4], "x", null, true, 1.5],
            "emptyMap": {}, "emptyList": [],
            "on": "yes",
        });
        assert_eq!(roundtrip(&v), v);
    }

    #[test]
    fn layout() {
        let v = json!({"a": {"b": [{"c": 1, "d": "x"}, "z", "y"]}});
        assert_eq!(
            to_yaml(&v),
            "a:\n  b:\n    - c: 1\n      d: x\n    - z\n    - 'y'\n"
        );
    }
}
