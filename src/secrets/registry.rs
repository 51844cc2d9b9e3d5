//! The redactor, keyed by **value**: every secret value found in the input of a run is
//! registered here once (by `harvest` and `compose::harvest`), and every byte komply writes passes through
//! [`Registry::redact`] (`crate::out`) or, for code frames, [`Registry::mask`]
//! (`frame`). Wherever a registered value turns up — a label, a warning, a diff line,
//! a SARIF message — it is replaced.
//!
//! Short values (decisions/0015): a value shorter than [`MIN_CHARS`] cannot be told from
//! ordinary text and is never replaced outside its own key (the generator warns about it
//! instead). A value shorter than [`SUBSTRING_CHARS`] is replaced only as a whole token (no
//! letter, digit or `_` on either side), so the password `admin` hides `admin` but not
//! `administrator`. A short value made of letters only (`secret`, `example`) is a dictionary
//! word that komply's own output is full of: it is masked in code frames but not replaced in
//! structured output (the generator replaces whole fields equal to it and warns). A value
//! that is also a name of the project (a service, an image, a volume) is *public*: replacing
//! it would break every reference to that name, so it is left alone (and warned about).
//!
//! Escaped forms are registered too: the JSON / YAML double-quoted, YAML single-quoted, XML
//! (JUnit) and GitHub-annotation encodings, and each long line of a multi-line value (a YAML
//! block scalar prints them one by one).

use std::borrow::Cow;
use std::sync::{Arc, OnceLock, RwLock};

use aho_corasick::{AhoCorasick, MatchKind};

/// Values shorter than this (in characters) are never replaced outside their own key.
pub const MIN_CHARS: usize = 4;
/// Values at least this long are replaced wherever they occur; shorter ones as whole tokens.
pub const SUBSTRING_CHARS: usize = 10;
/// What a secret is replaced with in output (defined with the value shapes, which must know it).
pub use super::shapes::PLACEHOLDER;

/// How a value can be hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hide {
    /// Shorter than [`MIN_CHARS`].
    TooShort,
    /// Letters only and shorter than [`SUBSTRING_CHARS`]: a word.
    Word,
    Yes,
}

pub fn hideable(value: &str) -> Hide {
    let n = value.chars().count();
    if n < MIN_CHARS {
        Hide::TooShort
    } else if n < SUBSTRING_CHARS && value.chars().all(char::is_alphabetic) {
        Hide::Word
    } else {
        Hide::Yes
    }
}

fn token_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether the match `start..end` of a pattern of `chars` characters counts: long patterns
/// anywhere, short ones only between token boundaries.
fn counts(hay: &str, start: usize, end: usize, chars: usize) -> bool {
    if chars >= SUBSTRING_CHARS {
        return true;
    }
    let before = hay[..start].chars().next_back();
    let after = hay[end..].chars().next();
    !before.is_some_and(token_char) && !after.is_some_and(token_char)
}

/// Byte ranges where `secret` occurs in `hay` under the rules above (no overlaps).
pub fn occurrences(hay: &str, secret: &str) -> Vec<std::ops::Range<usize>> {
    let chars = secret.chars().count();
    if chars < MIN_CHARS || hay.len() < secret.len() {
        return Vec::new();
    }
    hay.match_indices(secret)
        .map(|(i, m)| i..i + m.len())
        .filter(|r| counts(hay, r.start, r.end, chars))
        .collect()
}

/// Whether `secret` occurs in `hay` under the rules above.
pub fn occurs_in(hay: &str, secret: &str) -> bool {
    !occurrences(hay, secret).is_empty()
}

/// The value and the forms komply's name sanitisers make of it — a DNS label (lower case,
/// other characters as `-`: `hostname`, object names) and a label value / data key (other
/// characters as `_`) — so a secret written into a name is still found there.
pub fn name_forms(value: &str) -> Vec<String> {
    let mut out = vec![value.to_string()];
    let mut dns = String::new();
    for c in value.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            dns.push(c);
        } else if !dns.ends_with('-') {
            dns.push('-');
        }
    }
    let underscored: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    for form in [dns.trim_matches('-').to_string(), underscored] {
        if form.chars().count() >= SUBSTRING_CHARS && !out.contains(&form) {
            out.push(form);
        }
    }
    out
}

/// The encodings a value may be printed in.
pub fn variants(value: &str) -> Vec<String> {
    let mut out = name_forms(value);
    let json = serde_json::to_string(value).unwrap_or_default();
    out.push(json[1..json.len().saturating_sub(1).max(1)].to_string());
    out.push(value.replace('\'', "''"));
    out.push(
        value
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;"),
    );
    out.push(
        value
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A"),
    );
    // A multi-line value, line by line (a key re-wrapped, a password file's line) — but only
    // its bare lines and the values of its secret lines, never its structure: a Secret
    // holding a JSON or YAML file must not register `"version": 1` and break every report
    // that prints that line.
    for text in [value.to_string(), value.replace("\\n", "\n")] {
        if !text.contains('\n') {
            continue;
        }
        for line in super::Policy::standard()
            .file_secret_values(&text)
            .into_iter()
            .skip(1)
        {
            let line = line.trim_end_matches('\r').trim().to_string();
            if line.chars().count() >= SUBSTRING_CHARS && !line.starts_with("-----") {
                out.push(line);
            }
        }
    }
    out.retain(|v| !v.is_empty());
    out.sort();
    out.dedup();
    out
}

struct Pattern {
    chars: usize,
    word: bool,
}

struct Matcher {
    ac: AhoCorasick,
    patterns: Vec<Pattern>,
}

#[derive(Default)]
struct Inner {
    /// (value, name it was found under) in registration order.
    values: Vec<(String, String)>,
    /// Names of the project, images, … (see the module doc).
    public: Vec<String>,
    generation: u64,
    built: Option<(u64, Option<Arc<Matcher>>)>,
}

/// The process-wide set of values to hide.
#[derive(Default)]
pub struct Registry {
    inner: RwLock<Inner>,
}

/// The registry of this process.
pub fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Registry::default)
}

impl Registry {
    /// Registers a secret value found under `name` (a variable, a file, a key).
    pub fn register(&self, value: &str, name: &str) {
        let value = value.trim_matches(|c: char| c == '\n' || c == '\r');
        if value.chars().count() < MIN_CHARS {
            return;
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.values.iter().any(|(v, _)| v == value) {
            return;
        }
        inner.values.push((value.to_string(), name.to_string()));
        inner.generation += 1;
    }

    /// Forgets a value registered provisionally (the loader registers what the built-in
    /// policy calls secret before the project's own policy is known; a variable the project
    /// declares plain — `plain_env`, `not_names`, narrowed `secret_patterns` — is forgotten).
    pub fn forget(&self, value: &str) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let before = inner.values.len();
        inner.values.retain(|(v, _)| v != value);
        if inner.values.len() != before {
            inner.generation += 1;
        }
    }

    /// Registers a name the output must keep (a service, image, volume, object name).
    pub fn add_public(&self, word: &str) {
        if word.chars().count() < MIN_CHARS {
            return;
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.public.iter().any(|w| w == word) {
            return;
        }
        inner.public.push(word.to_string());
        inner.generation += 1;
    }

    /// Whether `value` is registered (for tests and the `--verbose` count).
    pub fn contains(&self, value: &str) -> bool {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        inner.values.iter().any(|(v, _)| v == value)
    }

    /// How many values are registered.
    pub fn len(&self) -> usize {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a registered value is public (equal to, or a token of, a name of the project).
    pub fn is_public(&self, value: &str) -> bool {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        inner.public.iter().any(|w| occurs_in(w, value))
    }

    /// Forgets what was registered after the first `values` values and `public` names
    /// (fuzzing and in-process runs: each iteration starts clean).
    #[doc(hidden)]
    pub fn truncate(&self, values: usize, public: usize) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.values.truncate(values);
        inner.public.truncate(public);
        inner.generation += 1;
    }

    /// (values, public names) registered so far, for [`Registry::truncate`].
    #[doc(hidden)]
    pub fn mark(&self) -> (usize, usize) {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        (inner.values.len(), inner.public.len())
    }

    fn matcher(&self) -> Option<Arc<Matcher>> {
        {
            let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
            if inner.values.is_empty() {
                return None;
            }
            if let Some((g, m)) = &inner.built
                && *g == inner.generation
            {
                return m.clone();
            }
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let mut texts: Vec<String> = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        for (value, _) in &inner.values {
            if hideable(value) == Hide::TooShort || inner.public.iter().any(|w| occurs_in(w, value))
            {
                continue;
            }
            let word = hideable(value) == Hide::Word;
            for v in variants(value) {
                if v.chars().count() < MIN_CHARS || texts.contains(&v) {
                    continue;
                }
                patterns.push(Pattern {
                    chars: v.chars().count(),
                    word,
                });
                texts.push(v);
            }
        }
        let built = if texts.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&texts)
                .ok()
                .map(|ac| Arc::new(Matcher { ac, patterns }))
        };
        inner.built = Some((inner.generation, built.clone()));
        built
    }

    fn replace<'a>(
        &self,
        text: &'a str,
        words: bool,
        with: impl Fn(&str) -> String,
    ) -> Cow<'a, str> {
        let Some(m) = self.matcher() else {
            return Cow::Borrowed(text);
        };
        let mut out = String::new();
        let mut last = 0;
        for hit in m.ac.find_iter(text) {
            let p = &m.patterns[hit.pattern().as_usize()];
            if (p.word && !words) || !counts(text, hit.start(), hit.end(), p.chars) {
                continue;
            }
            out.push_str(&text[last..hit.start()]);
            out.push_str(&with(&text[hit.start()..hit.end()]));
            last = hit.end();
        }
        if last == 0 {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    /// `text` with every registered value replaced by [`PLACEHOLDER`] (structured output:
    /// objects, reports, JSON, SARIF, …). Words are left alone (see the module doc).
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.replace(text, false, |_| PLACEHOLDER.to_string())
    }

    /// `text` with every registered value masked by as many `*` as it has characters (code
    /// frames and messages for people: columns stay right; words are masked too).
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.replace(text, true, |s| "*".repeat(s.chars().count()))
    }
}

/// Replaces every registered value in every string of a JSON value (for output assembled as a
/// tree, like KRM results).
pub fn redact_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => {
            if let Cow::Owned(r) = registry().redact(s) {
                *s = r;
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(redact_json),
        serde_json::Value::Object(o) => o.values_mut().for_each(redact_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_tokens_long_ones_substrings() {
        assert_eq!(occurrences("admin administrator", "admin"), vec![0..5]);
        assert_eq!(occurrences("x-hunter2-y", "hunter2"), vec![2..9]);
        assert!(occurrences("ahunter2", "hunter2").is_empty());
        assert_eq!(
            occurrences("aaS3cretMarkerXyzbb", "S3cretMarkerXyz"),
            vec![2..17]
        );
        assert!(occurrences("a b a", "a").is_empty());
    }

    #[test]
    fn redact_and_mask() {
        let r = Registry::default();
        r.register("S3cretMarkerXyz", "DB_PASSWORD");
        r.register("hunter2", "X");
        r.register("secret", "Y");
        r.register("ab", "Z");
        assert_eq!(
            r.redact("pw: S3cretMarkerXyz, h: hunter2, secret ab"),
            "pw: redacted, h: redacted, secret ab"
        );
        assert_eq!(r.mask("h: hunter2 secret-store"), "h: ******* ******-store");
        r.add_public("hunter2-api");
        assert_eq!(r.redact("h: hunter2"), "h: hunter2");
    }

    #[test]
    fn escaped_forms() {
        let r = Registry::default();
        r.register("p\"w'<x>%1234", "X");
        assert_eq!(
            r.redact(r#"{"v": "p\"w'<x>%1234"}"#),
            r#"{"v": "redacted"}"#
        );
        assert_eq!(r.redact("v: 'p\"w''<x>%1234'"), "v: 'redacted'");
        assert_eq!(
            r.redact("<m>p&quot;w&apos;&lt;x&gt;%1234</m>"),
            "<m>redacted</m>"
        );
        let r = Registry::default();
        r.register("line one is long\nline two is long too", "PEM");
        assert_eq!(r.redact("  line two is long too\n"), "  redacted\n");
    }
}
