//! The admission's text helpers: quoted lists, singular/plural words, Go's `%q` quoting.

use std::sync::OnceLock;

use regex::Regex;

/// `"a", "b", "c"` (empty for no items), as the policy's `joinQuote` writes a list.
pub(crate) fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = String::from("\"");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str("\", \"");
        }
        out.push_str(item.as_ref());
    }
    out.push('"');
    out
}

/// `one` when `n` is 1, else `many` (the policy's `pluralize`).
pub(crate) fn plural<'a>(one: &'a str, many: &'a str, n: usize) -> &'a str {
    if n == 1 { one } else { many }
}

/// `container "a"` / `containers "a", "b"`.
pub(crate) fn containers_phrase(names: &[&str]) -> String {
    format!(
        "{} {}",
        plural("container", "containers", names.len()),
        join_quote(names)
    )
}

/// A string quoted as Go's `fmt.Sprintf("%q", s)` (`strconv.Quote`) writes it: `"` and `\`
/// escaped, `\a \b \f \n \r \t \v` for those controls, other non-printable characters as `\xNN`
/// (below U+0080), `\uNNNN` or `\UNNNNNNNN`; printable characters (Go's `unicode.IsPrint`:
/// letters, marks, numbers, punctuation, symbols and the ASCII space) kept as they are.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint`: general category L, M, N, P or S, or the ASCII space.
fn is_go_printable(c: char) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    static PRINT: OnceLock<Regex> = OnceLock::new();
    let re = PRINT.get_or_init(|| {
        Regex::new(r"^[\p{L}\p{M}\p{N}\p{P}\p{S}]$").expect("valid character class")
    });
    let mut buf = [0u8; 4];
    re.is_match(c.encode_utf8(&mut buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_lists_and_plurals() {
        assert_eq!(join_quote::<&str>(&[]), "");
        assert_eq!(join_quote(&["a"]), "\"a\"");
        assert_eq!(join_quote(&["a", "b"]), "\"a\", \"b\"");
        assert_eq!(containers_phrase(&["x", "y"]), "containers \"x\", \"y\"");
        assert_eq!(plural("use", "uses", 1), "use");
    }

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("unconfined"), "\"unconfined\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("\u{7}\n\t\u{0}\u{7f}"), "\"\\a\\n\\t\\x00\\x7f\"");
        assert_eq!(go_quote("é ü 日本"), "\"é ü 日本\"");
        assert_eq!(
            go_quote("\u{a0}\u{200b}\u{feff}"),
            "\"\\u00a0\\u200b\\ufeff\""
        );
        assert_eq!(go_quote("\u{e0001}"), "\"\\U000e0001\"");
    }
}
