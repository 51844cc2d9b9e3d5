//! Finding the secret values of the input, so they can be hidden wherever else they turn up.
//!
//! [`Known`] is the set of secret values of one project (built by `compose::harvest` from the
//! loaded project and its model) with the project's public names. The loader calls
//! [`dotenv_entry`] for every `.env` / `env_file` entry as it is parsed, so the values are
//! registered before any error of the same run can print them; [`manifest`] registers the
//! secrets of objects given to `komply lint` / `komply krm`; [`redact_config`] is
//! `komply config --redact`. Nothing here knows a loaded project's types: what a Compose
//! project holds is `compose::harvest`'s to say (it sits above this module).

use std::ops::Range;

use super::policy::Policy;
use super::registry::{self, Hide, hideable, registry};
use super::shapes;
use crate::yaml::{Node, NodeKind, Span};

/// Where a known secret came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `services.<service>.environment.<name>` (or its `env_file`).
    Environment,
    /// A variable of the interpolation environment (OS, `.env`, `--env-file`).
    Interpolation,
    /// A Compose secret (`secrets.<name>`), from a file or a variable.
    ComposeSecret,
    /// A value shape (URL password, PEM key, token) inside another value.
    Shape,
    /// Build args, logging or driver options.
    Option,
    /// A secret-looking file of the project that a service bind-mounts (`./certs/tls.key`).
    File,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownSecret {
    pub value: String,
    /// The variable / secret / key it was found under.
    pub name: String,
    /// The service whose environment defines it.
    pub service: Option<String>,
    pub origin: Origin,
    /// Where it is defined (for "defined here" notes).
    pub span: Span,
}

/// The secret values of one project, and the project's public names.
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub entries: Vec<KnownSecret>,
    /// Service, image, volume, network, config and secret names (see [`registry`]).
    pub public: Vec<String>,
}

impl Known {
    pub fn add(&mut self, s: KnownSecret) {
        let s = KnownSecret {
            value: s.value.trim_matches(|c| c == '\n' || c == '\r').to_string(),
            ..s
        };
        if s.value.is_empty() {
            return;
        }
        if self
            .entries
            .iter()
            .any(|e| e.value == s.value && e.name == s.name && e.service == s.service)
        {
            return;
        }
        self.entries.push(s);
    }

    pub fn merge(&mut self, other: &Known) {
        for e in &other.entries {
            self.add(e.clone());
        }
        for p in &other.public {
            if !self.public.contains(p) {
                self.public.push(p.clone());
            }
        }
    }

    /// Whether a value is also a public name of the project (and so cannot be hidden).
    pub fn is_public(&self, value: &str) -> bool {
        self.public.iter().any(|w| registry::occurs_in(w, value))
    }

    /// The known secrets that occur in `text` (a whole output field), with their ranges,
    /// longest first, without overlaps. Words count only when they are the whole field; values
    /// too short to tell from text and public names never count. When several definitions
    /// share a value, one of service `prefer`'s environment wins, then any environment one.
    pub fn find_in(&self, text: &str, prefer: Option<&str>) -> Vec<(&KnownSecret, Range<usize>)> {
        self.find(text, prefer, true)
    }

    /// [`Known::find_in`] without words: a short letters-only secret (`disabled`, `secret`)
    /// that equals another field is a coincidence more often than a reuse, and replacing that
    /// field would break it (a feature flag, a label). For the decisions that change what an
    /// object means: which variables move to the Secret, config file contents, the last guard.
    pub fn find_in_except_words(
        &self,
        text: &str,
        prefer: Option<&str>,
    ) -> Vec<(&KnownSecret, Range<usize>)> {
        self.find(text, prefer, false)
    }

    fn find(
        &self,
        text: &str,
        prefer: Option<&str>,
        words: bool,
    ) -> Vec<(&KnownSecret, Range<usize>)> {
        let mut hits: Vec<(&KnownSecret, Range<usize>)> = Vec::new();
        for e in &self.entries {
            let ranges: Vec<Range<usize>> = match hideable(&e.value) {
                Hide::TooShort => continue,
                Hide::Word => {
                    if words && text == e.value {
                        std::iter::once(0..text.len()).collect()
                    } else {
                        continue;
                    }
                }
                Hide::Yes => registry::name_forms(&e.value)
                    .iter()
                    .flat_map(|form| registry::occurrences(text, form))
                    .collect(),
            };
            if ranges.is_empty() || self.is_public(&e.value) {
                continue;
            }
            for r in ranges {
                hits.push((e, r));
            }
        }
        let rank = |e: &KnownSecret| match (&e.origin, e.service.as_deref()) {
            (Origin::Environment, s) if s.is_some() && s == prefer => 0,
            (Origin::Environment, _) => 1,
            _ => 2,
        };
        hits.sort_by_key(|(e, r)| (r.start, std::cmp::Reverse(r.end), rank(e)));
        let mut kept: Vec<(&KnownSecret, Range<usize>)> = Vec::new();
        for h in hits {
            if kept.last().is_some_and(|(_, r)| h.1.start < r.end) {
                continue;
            }
            kept.push(h);
        }
        kept
    }

    /// Registers every entry and public name in the process-wide registry.
    pub fn register(&self) {
        for p in &self.public {
            registry().add_public(p);
        }
        for e in &self.entries {
            registry().register(&e.value, &e.name);
        }
    }
}

/// Adds a name and its parts (`postgres:16-alpine` → `postgres`, `16`, `alpine`) to `public`.
pub fn add_public(public: &mut Vec<String>, name: &str) {
    let mut push = |s: &str| {
        if s.chars().count() >= registry::MIN_CHARS && !public.iter().any(|p| p == s) {
            public.push(s.to_string());
        }
    };
    push(name);
    for part in name.split(|c: char| "/:@".contains(c)) {
        push(part);
    }
}

/// Loader hook: one `.env` / `env_file` entry, as parsed.
pub fn dotenv_entry(name: &str, value: &str) {
    if Policy::standard().is_secret(name, value) {
        registry().register(value, name);
    }
    for f in shapes::find(value) {
        registry().register(&value[f.range], name);
    }
}

/// `komply config --redact`: the project as `docker compose config` prints it, with every
/// secret value replaced by `[redacted]` — whole values under a secret-like key (whatever
/// their length), and every known value wherever else it occurs.
pub fn redact_config(v: &mut serde_json::Value, policy: &Policy, known: &Known) {
    const HIDDEN: &str = "[redacted]";
    fn keyed(map: &mut serde_json::Value, policy: &Policy) {
        if let Some(m) = map.as_object_mut() {
            for (k, v) in m.iter_mut() {
                if let Some(s) = v.as_str()
                    && policy.is_secret(k, s)
                {
                    *v = serde_json::Value::String(HIDDEN.into());
                }
            }
        }
    }
    fn rest(v: &mut serde_json::Value, known: &Known) {
        match v {
            serde_json::Value::String(s) => {
                let hits = known.find_in(s, None);
                if !hits.is_empty() {
                    let mut out = String::new();
                    let mut last = 0;
                    for (_, r) in hits {
                        out.push_str(&s[last..r.start]);
                        out.push_str(HIDDEN);
                        last = r.end;
                    }
                    out.push_str(&s[last..]);
                    *s = out;
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|i| rest(i, known)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|i| rest(i, known)),
            _ => {}
        }
    }
    if let Some(services) = v.get_mut("services").and_then(|s| s.as_object_mut()) {
        for svc in services.values_mut() {
            if let Some(e) = svc.get_mut("environment") {
                keyed(e, policy);
            }
            if let Some(a) = svc.pointer_mut("/build/args") {
                keyed(a, policy);
            }
            if let Some(o) = svc.pointer_mut("/logging/options") {
                keyed(o, policy);
            }
        }
    }
    for section in ["volumes", "networks"] {
        if let Some(defs) = v.get_mut(section).and_then(|s| s.as_object_mut()) {
            for def in defs.values_mut() {
                if let Some(o) = def.get_mut("driver_opts") {
                    keyed(o, policy);
                }
            }
        }
    }
    // `config` prints `$` as `$$`: look for the escaped form too.
    let mut escaped = known.clone();
    for e in &known.entries {
        if e.value.contains('$') {
            escaped.add(KnownSecret {
                value: e.value.replace('$', "$$"),
                ..e.clone()
            });
        }
    }
    rest(v, &escaped);
}

/// The value of a secret (a Compose secret's file, a Kubernetes Secret's value): the whole
/// (trimmed) text, and of a multi-line one its bare lines and the values of its secret lines
/// ([`Policy::file_secret_values`]) — not its structure (`"version": 1`, `[database]`).
pub(crate) fn secret_pieces(text: &str) -> Vec<String> {
    let mut out = Policy::standard().file_secret_values(text);
    let whole = out.remove(0);
    out.retain(|line| hideable(line) == Hide::Yes && !line.starts_with("-----"));
    out.insert(0, whole);
    out
}

/// Registers the secrets of one Kubernetes object given to `komply lint` / `krm`: literal
/// `env[].value`s, ConfigMap data the policy calls secret, and every Secret's values.
pub fn manifest(obj: &Node, policy: &Policy) {
    let kind = obj.get("kind").and_then(Node::as_str).unwrap_or_default();
    let meta = obj.get("metadata");
    for key in ["name", "namespace"] {
        if let Some(v) = meta.and_then(|m| m.get(key)).and_then(Node::as_str) {
            registry().add_public(v);
        }
    }
    if let Some(k) = obj.get("kind").and_then(Node::as_str) {
        registry().add_public(k);
    }
    match kind {
        "Secret" => {
            for section in ["stringData", "data"] {
                for (k, v) in obj.get(section).and_then(Node::as_map).unwrap_or(&[]) {
                    let (Some(name), Some(value)) = (k.scalar_string(), v.scalar_string()) else {
                        continue;
                    };
                    registry().register(&value, &name);
                    if section == "data"
                        && let Some(decoded) = base64_decode(&value)
                    {
                        for piece in secret_pieces(&decoded) {
                            registry().register(&piece, &name);
                        }
                    }
                }
            }
        }
        "ConfigMap" => {
            for (k, v) in obj.get("data").and_then(Node::as_map).unwrap_or(&[]) {
                let (Some(name), Some(value)) = (k.scalar_string(), v.scalar_string()) else {
                    continue;
                };
                register_pair(&name, &value, policy);
            }
        }
        _ => {}
    }
    // Containers anywhere in the object (Pods, templates, CronJob job templates).
    walk_env(obj, policy);
}

fn register_pair(name: &str, value: &str, policy: &Policy) {
    let found = shapes::find(value);
    for f in &found {
        registry().register(&value[f.range.clone()], name);
    }
    if found.is_empty() && policy.is_secret(name, value) {
        for piece in secret_pieces(value) {
            registry().register(&piece, name);
        }
    }
}

fn walk_env(node: &Node, policy: &Policy) {
    match &node.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                if k.scalar_eq("env")
                    && let Some(items) = v.as_seq()
                {
                    for e in items {
                        if let (Some(name), Some(value)) = (
                            e.get("name").and_then(Node::scalar_string),
                            e.get("value").and_then(Node::scalar_string),
                        ) {
                            register_pair(&name, &value, policy);
                        }
                    }
                } else if k.scalar_eq("image")
                    && let Some(img) = v.as_str()
                {
                    let mut public = Vec::new();
                    add_public(&mut public, img);
                    public.iter().for_each(|p| registry().add_public(p));
                } else {
                    walk_env(v, policy);
                }
            }
        }
        NodeKind::Seq(items) => items.iter().for_each(|i| walk_env(i, policy)),
        _ => {}
    }
}

/// Standard base64 (padding optional), to UTF-8 text.
fn base64_decode(s: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.trim().bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(base64_decode("aHVudGVyMg==").as_deref(), Some("hunter2"));
        assert_eq!(base64_decode("aHVudGVyMg").as_deref(), Some("hunter2"));
        assert_eq!(base64_decode("!!"), None);
    }
}
