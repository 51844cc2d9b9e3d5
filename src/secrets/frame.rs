//! Masking one line of source text before a code frame prints it. A frame shows the user's
//! own file, and an error on a neighbouring key (or a warning about the line itself) must not
//! print a secret that sits on that line — even when the run stopped before the value could be
//! registered (a load error). Three layers, each masking with `*` so columns stay right:
//! 1. every registered value ([`super::registry`]);
//! 2. every `KEY: value` / `KEY=value` / `- KEY=value` / `{KEY: value}` pair on the line whose
//!    name and value the standard policy calls secret, and a Kubernetes `value:` line under a
//!    `name:` line with a secret-like name;
//! 3. every value shape (PEM, URL credentials, tokens…) and high-entropy token on the line.

use std::sync::OnceLock;

use regex::Regex;

use super::policy::Policy;
use super::registry::registry;
use super::shapes;

fn pair_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r#"(?:^|[\s{,\[-])["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::\s|=)\s*("[^"]*"?|'[^']*'?|[^\s,{}\[\]#"'][^,}\]#]*)"#,
        )
        .expect("regex")
    })
}

fn name_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r#"^\s*-?\s*name:\s*["']?([^"'\s]+)"#).expect("regex"))
}

fn value_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r#"^\s*-?\s*value:\s*(.+)$"#).expect("regex"))
}

fn mask_range(chars: &mut [char], line: &str, range: std::ops::Range<usize>) {
    let start = line[..range.start].chars().count();
    let len = line[range].chars().count();
    for c in chars.iter_mut().skip(start).take(len) {
        if !c.is_whitespace() {
            *c = '*';
        }
    }
}

fn unquote(s: &str) -> (&str, usize) {
    let t = s.trim_end();
    for q in ['"', '\''] {
        if let Some(rest) = t.strip_prefix(q) {
            return (rest.strip_suffix(q).unwrap_or(rest), 1);
        }
    }
    (t, 0)
}

/// `line` (number `line_no` of a source whose previous line is `previous`) with secrets masked.
pub fn mask_line(line: &str, previous: Option<&str>) -> String {
    let registered = registry().mask(line);
    let line: &str = &registered;
    let policy = Policy::standard();
    let mut chars: Vec<char> = line.chars().collect();
    for caps in pair_re().captures_iter(line) {
        let (Some(k), Some(v)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        let (value, q) = unquote(v.as_str());
        // A credential shape masks only its part (below); a secret by name, the whole value.
        if matches!(
            policy.classify(k.as_str(), value),
            crate::secrets::Verdict::Secret(w) if !matches!(w, crate::secrets::Why::Shape(_))
        ) {
            let start = v.start() + q;
            mask_range(&mut chars, line, start..start + value.len());
        }
    }
    if let (Some(prev), Some(caps)) = (previous, value_re().captures(line))
        && let Some(name) = name_re().captures(prev).and_then(|c| c.get(1))
        && let Some(v) = caps.get(1)
    {
        let (value, q) = unquote(v.as_str());
        if policy.is_secret(name.as_str(), value) {
            let start = v.start() + q;
            mask_range(&mut chars, line, start..start + value.len());
        }
    }
    for f in shapes::find(line) {
        mask_range(&mut chars, line, f.range);
    }
    let mut offset = 0;
    for word in line.split(|c: char| c.is_whitespace() || "\"',:;={}[]()".contains(c)) {
        let start = offset;
        offset += word.len() + 1;
        if shapes::high_entropy(word) {
            mask_range(&mut chars, line, start..start + word.len());
        }
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_pairs_shapes_and_values_under_names() {
        assert_eq!(
            mask_line("    environment: {DB_PASSWORD: hunter22, LOG: info}", None),
            "    environment: {DB_PASSWORD: ********, LOG: info}"
        );
        assert_eq!(mask_line("DB_PASSWORD=\"abc", None), "DB_PASSWORD=\"***");
        assert_eq!(
            mask_line("  - API_TOKEN=tok123", None),
            "  - API_TOKEN=******"
        );
        assert_eq!(
            mask_line("  url: postgres://u:pw12@db/x", None),
            "  url: postgres://u:****@db/x"
        );
        assert_eq!(
            mask_line("    value: hunter22", Some("  - name: DB_PASSWORD")),
            "    value: ********"
        );
        assert_eq!(
            mask_line("    image: postgres:16", None),
            "    image: postgres:16"
        );
        assert_eq!(
            mask_line("  SORT_KEY: created_at", None),
            "  SORT_KEY: created_at"
        );
    }
}
