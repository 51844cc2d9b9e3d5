//! The secret policy: whether a `NAME=value` pair is a secret. The generator (which variables
//! become ExternalSecret entries), the linter (`secret-in-env`, `secret-in-configmap`) and the
//! redactor all ask [`Policy::classify`], so they can never disagree.
//!
//! **The value shape decides together with the name** (decisions/0015):
//! 1. A value with a credential *shape* (PEM private key, URL credentials, `password=` in a
//!    connection string, JWT, known token prefix — [`super::shapes`]) is a secret under any name.
//! 2. Values that are never secrets: empty, a reference (`${X}`, `$(X)`), a boolean, a URL
//!    without credentials, a file path.
//! 3. A name matching a *strong* glob (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*_PWD`, …): any
//!    other literal value is a secret — except a small number or a duration when the name is
//!    not a password (`MAX_TOKENS=4096`), and except a name that ends in a *qualifier*
//!    (`JWT_TOKEN_EXPIRY`, `PASSWORD_MIN_LENGTH`, `SECRET_NAME`, `TOKEN_URL`), which is
//!    treated like a key name.
//! 4. A name matching a *key* glob (`*_KEY`, `AZURE_*KEY`): a secret only when the value looks
//!    like key material (long and of mixed character classes) — so `SORT_KEY=created_at` and
//!    `FEATURE_KEY=true` stay plain while `STRIPE_KEY=…` does not.
//! 5. Any other name: a secret only when the whole value is a high-entropy token.
//!
//! `not_names` globs (defaults: public keys, `*_KEY_ID`, `NEXT_PUBLIC_*`) are never secrets by
//! name; rule 1 still applies. Users add `names` / `not_names`, or drop the default name lists
//! (`defaults: false`), in `.komply.yaml` (`secret_policy:`), the project's `x-komply`
//! (`secret_policy:`) or an overlay (`secret_policy:`).

use std::sync::OnceLock;

use serde::Deserialize;

use super::shapes::{self, Shape, is_bool, is_path, is_url};

/// Names whose every literal value is a secret (with the exceptions above).
pub const STRONG_NAMES: &[&str] = &[
    "*PASSWORD*",
    "*PASSWD*",
    "*PASSPHRASE*",
    "*_PWD",
    "*_PASS",
    "*SECRET*",
    "*TOKEN*",
    "*CREDENTIAL*",
    "*BEARER*",
    "*APIKEY*",
    "*API_KEY*",
    "*PRIVATE_KEY*",
    "*PRIVATEKEY*",
    "*ACCESS_KEY*",
    "*CLIENT_KEY*",
    "*KEY_CONTENT*",
    "*AUTH_KEY*",
    "*SIGNING_KEY*",
    "*ENCRYPTION_KEY*",
    "*MASTER_KEY*",
    "*SESSION_KEY*",
    "*LICENSE_KEY*",
    "*_SALT",
];

/// Names that are secrets only when the value looks like key material.
pub const KEY_NAMES: &[&str] = &["*_KEY", "AZURE_*KEY"];

/// Names that are never secrets by name (value shapes still apply).
pub const NOT_NAMES: &[&str] = &[
    "*PUBLIC_KEY*",
    "*PUBLISHABLE_KEY*",
    "*_KEY_ID",
    "*_KEYID",
    "NEXT_PUBLIC_*",
    "*TOKENIZER*",
];

/// Last name segments that say the variable is *about* a secret, not the secret.
pub const QUALIFIERS: &[&str] = &[
    "EXPIRY",
    "EXPIRES",
    "EXPIRE",
    "EXPIRATION",
    "EXP",
    "TTL",
    "LIFETIME",
    "AGE",
    "TIMEOUT",
    "DURATION",
    "INTERVAL",
    "PERIOD",
    "DAYS",
    "HOURS",
    "MINUTES",
    "SECONDS",
    "LENGTH",
    "LEN",
    "SIZE",
    "BITS",
    "COUNT",
    "LIMIT",
    "MAX",
    "MIN",
    "RETRIES",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "DISABLE",
    "REQUIRED",
    "ENFORCED",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "ADDR",
    "ADDRESS",
    "HEADER",
    "PARAM",
    "FIELD",
    "NAME",
    "ID",
    "TYPE",
    "MODE",
    "ALGORITHM",
    "ALGO",
    "ALG",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "PREFIX",
    "SUFFIX",
    "FORMAT",
    "VERSION",
    "POLICY",
    "STRATEGY",
    "PROVIDER",
    "BACKEND",
    "STORE",
    "FILE",
    "FILENAME",
    "PATH",
    "DIR",
    "LOCATION",
    "REF",
];

/// Name words after which a number is still a secret (a PIN is a password).
const PASSWORD_WORDS: &[&str] = &["PASSWORD", "PASSWD", "PASSPHRASE", "PWD", "PASS", "PIN"];

/// Where a policy is configured: `secret_policy:` in `.komply.yaml`, `x-komply` or an overlay.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Extra name globs whose literal values are secrets (like the strong defaults).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Name globs that are never secrets by name (value shapes still apply).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_names: Vec<String>,
    /// `false` drops the default name lists (value shapes and exclusions stay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defaults: Option<bool>,
}

impl PolicyConfig {
    /// Later layers add to earlier ones; `defaults` is the last one said.
    pub fn merge(&mut self, over: &PolicyConfig) {
        self.names.extend(over.names.iter().cloned());
        self.not_names.extend(over.not_names.iter().cloned());
        if over.defaults.is_some() {
            self.defaults = over.defaults;
        }
    }
}

/// The effective policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    strong: Vec<String>,
    key: Vec<String>,
    not_names: Vec<String>,
}

/// Why a value is or is not a secret (the table of cases names these).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    Empty,
    Reference,
    Boolean,
    Url,
    Path,
    Number,
    Duration,
    /// The name is in `not_names`.
    NotName(String),
    /// Neither the name nor the value says secret.
    Neutral,
    /// A key name (or a qualified name) whose value is not key material.
    NotKeyMaterial,
    Shape(Shape),
    StrongName(String),
    /// A key or qualified name with key material.
    KeyMaterial(String),
    HighEntropy,
}

impl Why {
    /// Stable short id (the table of cases uses these).
    pub fn id(&self) -> &'static str {
        match self {
            Why::Empty => "empty",
            Why::Reference => "reference",
            Why::Boolean => "boolean",
            Why::Url => "url",
            Why::Path => "path",
            Why::Number => "number",
            Why::Duration => "duration",
            Why::NotName(_) => "not-name",
            Why::Neutral => "neutral",
            Why::NotKeyMaterial => "not-key-material",
            Why::Shape(s) => s.id(),
            Why::StrongName(_) => "name",
            Why::KeyMaterial(_) => "key-material",
            Why::HighEntropy => "high-entropy",
        }
    }

    /// For messages: why komply treats the variable as a secret.
    pub fn describe(&self) -> String {
        match self {
            Why::Shape(s) => format!("its value holds {}", s.describe()),
            Why::StrongName(p) => format!("its name matches `{p}`"),
            Why::KeyMaterial(p) => {
                format!("its name matches `{p}` and its value looks like key material")
            }
            Why::HighEntropy => "its value is a high-entropy token".into(),
            other => other.id().to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Secret(Why),
    Plain(Why),
}

impl Verdict {
    pub fn is_secret(&self) -> bool {
        matches!(self, Verdict::Secret(_))
    }
    pub fn why(&self) -> &Why {
        match self {
            Verdict::Secret(w) | Verdict::Plain(w) => w,
        }
    }
}

impl Default for Policy {
    fn default() -> Policy {
        Policy::new(&PolicyConfig::default())
    }
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| normalize(s)).collect()
}

impl Policy {
    /// The default policy, built once.
    pub fn standard() -> &'static Policy {
        static P: OnceLock<Policy> = OnceLock::new();
        P.get_or_init(Policy::default)
    }

    pub fn new(cfg: &PolicyConfig) -> Policy {
        let defaults = cfg.defaults.unwrap_or(true);
        let mut strong = if defaults {
            owned(STRONG_NAMES)
        } else {
            Vec::new()
        };
        strong.extend(cfg.names.iter().map(|s| normalize(s)));
        let key = if defaults {
            owned(KEY_NAMES)
        } else {
            Vec::new()
        };
        let mut not_names = if defaults {
            owned(NOT_NAMES)
        } else {
            Vec::new()
        };
        not_names.extend(cfg.not_names.iter().map(|s| normalize(s)));
        Policy {
            strong,
            key,
            not_names,
        }
    }

    /// The legacy `x-komply.secret_patterns`: these globs replace the default name lists.
    pub fn from_patterns(patterns: &[String]) -> Policy {
        Policy::new(&PolicyConfig {
            names: patterns.to_vec(),
            not_names: Vec::new(),
            defaults: Some(false),
        })
    }

    /// Whether the name alone makes a variable secret-like (strong or key glob, not excluded).
    /// Used where no value is at hand (which line a finding may point at).
    pub fn secret_like_name(&self, name: &str) -> bool {
        let n = normalize(name);
        !self.not_names.iter().any(|p| glob_match(p, &n))
            && (self.strong.iter().any(|p| glob_match(p, &n))
                || self.key.iter().any(|p| glob_match(p, &n)))
    }

    /// Is `name=value` a secret, and why.
    pub fn classify(&self, name: &str, value: &str) -> Verdict {
        let v = value.trim();
        if v.is_empty() {
            return Verdict::Plain(Why::Empty);
        }
        if let Some(f) = shapes::find(value).first() {
            return Verdict::Secret(Why::Shape(f.shape));
        }
        if shapes::is_placeholder(v) {
            return Verdict::Plain(Why::Reference);
        }
        if is_bool(v) {
            return Verdict::Plain(Why::Boolean);
        }
        if is_url(v) {
            return Verdict::Plain(Why::Url);
        }
        if is_path(v) {
            return Verdict::Plain(Why::Path);
        }
        let n = normalize(name);
        if let Some(p) = self.not_names.iter().find(|p| glob_match(p, &n)) {
            return Verdict::Plain(Why::NotName(p.clone()));
        }
        if let Some(p) = self.strong.iter().find(|p| glob_match(p, &n)) {
            let last = n.rsplit('_').next().unwrap_or_default();
            let qualified = QUALIFIERS.contains(&last) && n.contains('_');
            if !qualified {
                let password = PASSWORD_WORDS.iter().any(|w| n.contains(w));
                if !password && is_number(v) {
                    return Verdict::Plain(Why::Number);
                }
                if !password && is_duration(v) {
                    return Verdict::Plain(Why::Duration);
                }
                return Verdict::Secret(Why::StrongName(p.clone()));
            }
            return self.key_material(p, v);
        }
        if let Some(p) = self.key.iter().find(|p| glob_match(p, &n)) {
            return self.key_material(p, v);
        }
        if shapes::high_entropy(v) {
            return Verdict::Secret(Why::HighEntropy);
        }
        Verdict::Plain(Why::Neutral)
    }

    pub fn is_secret(&self, name: &str, value: &str) -> bool {
        self.classify(name, value).is_secret()
    }

    fn key_material(&self, pattern: &str, v: &str) -> Verdict {
        if is_number(v) {
            Verdict::Plain(Why::Number)
        } else if is_duration(v) {
            Verdict::Plain(Why::Duration)
        } else if key_like(v) {
            Verdict::Secret(Why::KeyMaterial(pattern.to_string()))
        } else {
            Verdict::Plain(Why::NotKeyMaterial)
        }
    }
}

/// Upper case, `-` and `.` as `_`: `db.password`, `api-key` and `API_KEY` are one name.
pub fn normalize(name: &str) -> String {
    name.to_ascii_uppercase().replace(['-', '.'], "_")
}

fn is_number(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    !digits.is_empty()
        && digits.len() <= 6
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
}

/// `30s`, `15m`, `1h30m`, `7d`, `2w`, `500ms`.
fn is_duration(v: &str) -> bool {
    let mut rest = v;
    let mut parts = 0;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ms", "us", "ns", "s", "m", "h", "d", "w", "y"]
            .iter()
            .find(|u| rest.starts_with(**u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
        parts += 1;
    }
    parts > 0
}

/// Key material: no spaces, and long with mixed character classes (lower, upper, digit,
/// symbol). `created_at`, `user:123`, `enable_new_checkout` are not; `sk_3f9aQ…` is.
pub fn key_like(v: &str) -> bool {
    if v.contains(char::is_whitespace) {
        return false;
    }
    let len = v.chars().count();
    let classes = [
        v.chars().any(|c| c.is_ascii_lowercase()),
        v.chars().any(|c| c.is_ascii_uppercase()),
        v.chars().any(|c| c.is_ascii_digit()),
        v.chars().any(|c| "+=!@#%^&*~".contains(c)),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    (len >= 16 && classes >= 2) || (len >= 8 && classes >= 3)
}

/// Case-insensitive glob (`*` any run, `?` one character) over normalized names.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = normalize(pattern).chars().collect();
    let n: Vec<char> = normalize(name).chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

impl Policy {
    /// Whether a project file (a bind mount, a `configs:` file) must be a Secret, never a
    /// ConfigMap — the one predicate for secret files (`generate/mounts.rs` and the redactor
    /// ask it). `rel_path` is the path as the project names it.
    /// - by name: key and certificate stores (`.pem`, `.key`, `.p12`, `.jks`, `.kdbx`, …),
    ///   well-known credential files (`id_rsa`, `.htpasswd`, `.netrc`, `.pgpass`,
    ///   `credentials.json`, `.git-credentials`, `acme.json`, …), and any file or directory
    ///   whose name is secret-like under this policy (`db_password.txt`, `secrets/db.txt`);
    /// - by content: a PEM private key, a credential shape on a line (URL credentials, a JWT, a
    ///   token with a known prefix, an `Authorization` value, a webhook URL), or an
    ///   `.env` / ini / YAML / Ruby-style `name = value` line the policy calls secret with a
    ///   literal value (not a reference, code, a variable name, a number or a boolean).
    pub fn is_secret_file(&self, rel_path: &str, content: &str) -> bool {
        self.classify_file(rel_path, content).is_secret()
    }

    /// [`Policy::is_secret_file`], and why (the linter's KP110 asks it about a ConfigMap
    /// value that is a whole file, so that it flags exactly what `komply convert` would keep
    /// out of a ConfigMap).
    pub fn classify_file(&self, rel_path: &str, content: &str) -> Verdict {
        let lower = rel_path.replace('\\', "/").to_ascii_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        const EXTENSIONS: &[&str] = &[
            ".pem",
            ".key",
            ".p12",
            ".pfx",
            ".jks",
            ".keystore",
            ".kdbx",
            ".ppk",
            ".asc",
            ".gpg",
        ];
        const NAMES: &[&str] = &[
            "id_rsa",
            "id_dsa",
            "id_ecdsa",
            "id_ed25519",
            ".htpasswd",
            "htpasswd",
            ".pgpass",
            ".netrc",
            ".npmrc",
            ".pypirc",
            "credentials",
            "credentials.json",
            ".git-credentials",
            ".dockercfg",
            "acme.json",
        ];
        if let Some(e) = EXTENSIONS.iter().find(|e| name.ends_with(**e)) {
            return Verdict::Secret(Why::StrongName(format!("*{e}")));
        }
        if NAMES.contains(&name) {
            return Verdict::Secret(Why::StrongName(name.to_string()));
        }
        let named_secret = |part: &str| {
            let stem = part.split('.').next().unwrap_or(part);
            !stem.is_empty() && (self.secret_like_name(stem) || secret_word(stem))
        };
        if let Some(part) = lower.split('/').find(|p| named_secret(p)) {
            return Verdict::Secret(Why::StrongName(part.to_string()));
        }
        if shapes::find(content)
            .iter()
            .any(|f| f.shape == Shape::PrivateKey)
        {
            return Verdict::Secret(Why::Shape(Shape::PrivateKey));
        }
        for line in content.lines() {
            if let Some((why, _)) = self.secret_line(line) {
                return Verdict::Secret(why);
            }
        }
        Verdict::Plain(Why::Neutral)
    }

    /// One line of a file: a credential shape on it (not a `password=` parameter, which is
    /// judged with the value rules of configuration files), or an `.env` / ini / YAML /
    /// Ruby-style `name = value` line the policy calls secret with a literal value (not a
    /// reference, code, a variable name, a number or a boolean). Returns why, and the secret
    /// part of the line.
    fn secret_line(&self, line: &str) -> Option<(Why, String)> {
        let line = line.trim().trim_start_matches("export ");
        if line.starts_with('#') || line.starts_with(';') || line.starts_with("//") {
            return None;
        }
        if let Some(f) = shapes::find(line)
            .into_iter()
            .find(|f| f.shape != Shape::ConnectionParam)
        {
            return Some((Why::Shape(f.shape), line[f.range].to_string()));
        }
        let i = line.find(['=', ':'])?;
        let key = line[..i].trim().trim_matches(|c| c == '"' || c == '\'');
        // `key = value`, `key: value`, `"key" => value` (Ruby, PHP, Logstash).
        let value = line[i + 1..]
            .trim_start_matches('>')
            .trim()
            .trim_end_matches([',', ';'])
            .trim_matches(|c| c == '"' || c == '\'');
        let identifier = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !(identifier && literal_config_value(value)) {
            return None;
        }
        match self.classify(key, value) {
            Verdict::Secret(why) => Some((why, value.to_string())),
            Verdict::Plain(_) => None,
        }
    }

    /// The secret values of a file the policy calls secret ([`Policy::is_secret_file`]), for
    /// the redactor: the whole (trimmed) text, the secret part of each secret line, and each
    /// bare line (a password, a line of key material) — not the section headers, comments
    /// and plain `name = value` lines around them (`[database]` is no secret, and
    /// registering it would mask it in every other file).
    pub fn file_secret_values(&self, content: &str) -> Vec<String> {
        let whole = content.trim_matches(|c| c == '\n' || c == '\r');
        let mut out = vec![whole.to_string()];
        if !whole.contains('\n') {
            return out;
        }
        for line in whole.lines() {
            let t = line.trim();
            if t.is_empty() || t.starts_with("-----") {
                continue;
            }
            if let Some((_, value)) = self.secret_line(t) {
                out.push(value);
                continue;
            }
            let assignment = is_assignment(t);
            let header = t.starts_with('[') && t.ends_with(']');
            let comment = t.starts_with('#') || t.starts_with(';') || t.starts_with("//");
            // A line that opens or closes a block or continues a list (`elasticsearch {` in a
            // Logstash pipeline, `"a", "b",`) is the file's structure, not a value: registering
            // it masked the service of the same name in every output.
            let structure =
                t.ends_with(['{', '(', '[', ',', ';']) || t.starts_with(['}', ')', ']']);
            if !assignment && !header && !comment && !structure {
                out.push(t.to_string());
            }
        }
        out
    }

    /// A ConfigMap `data` value under `key`: a whole file (a value with a line break) is judged
    /// as a file ([`Policy::classify_file`]: its name and its lines, as `komply convert`
    /// judges the files it mounts); any other value as a variable ([`Policy::classify`]).
    pub fn classify_data(&self, key: &str, value: &str) -> Verdict {
        if value.contains('\n') {
            self.classify_file(key, value)
        } else {
            self.classify(key, value)
        }
    }
}

/// `name = value`, `name: value`, `"name": value,`, `name => value`, `name:` (a YAML key
/// opening a block): a line of structure, not a bare value. A line of base64 (`…+/…==`) is
/// none: its text before `=` is no name, or nothing but padding follows.
fn is_assignment(line: &str) -> bool {
    let Some(i) = line.find(['=', ':']) else {
        return false;
    };
    let key = line[..i].trim().trim_matches(|c| c == '"' || c == '\'');
    let rest = line[i + 1..].trim_start_matches('>').trim();
    let name = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '-')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ' '));
    name && (line[i..].starts_with(':') || (!rest.is_empty() && !rest.chars().all(|c| c == '=')))
}

/// Words that make a file name secret even where the name lists are off.
fn secret_word(stem: &str) -> bool {
    [
        "password",
        "passwd",
        "secret",
        "token",
        "credential",
        "private",
    ]
    .iter()
    .any(|w| stem.contains(w))
}

/// A value in a configuration file that can be a secret: not empty, not a reference (`$VAR`,
/// `${VAR}`), not code (`(…)`, `[…]`, `{…}`), not the name of a variable
/// (`POSTGRES_PASSWORD`), a number or a boolean.
fn literal_config_value(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    !v.is_empty()
        && !v.contains('$')
        && !v.contains('(')
        && !v.starts_with(['[', '{', '<', '%', '&', '*', '|', '>'])
        && !v.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !matches!(
            lower.as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none" | "~"
        )
        && !(v
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && v.contains('_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docker-elk's Logstash pipeline holds a password, so the file is secret; its structure
    /// lines are not secret values (`elasticsearch {` masked the service `elasticsearch`).
    #[test]
    fn a_secret_files_structure_is_not_registered() {
        let conf = "output {\n  elasticsearch {\n    hosts => \"elasticsearch:9200\"\n    password => \"changeme1\"\n  }\n}\n\"message\" , \"%{COMMONAPACHELOG}\",\n";
        let values = Policy::standard().file_secret_values(conf);
        assert!(values.contains(&"changeme1".to_string()), "{values:?}");
        assert!(
            !values
                .iter()
                .skip(1)
                .any(|v| v.contains("elasticsearch") || v.contains("message")),
            "{values:?}"
        );
        let keys = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
        let values = Policy::standard().file_secret_values(keys);
        assert!(
            values.contains(&"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC".to_string()),
            "{values:?}"
        );
    }

    #[test]
    fn globs() {
        assert!(glob_match("*_KEY", "my_key"));
        assert!(glob_match("*_KEY", "my-key"));
        assert!(!glob_match("*_KEY", "my_keys"));
        assert!(glob_match("A?C", "abc"));
    }

    #[test]
    fn durations_and_paths() {
        assert!(is_duration("1h30m") && is_duration("500ms") && !is_duration("h1"));
        assert!(is_path("/run/secrets/db") && is_path("./tls.key") && !is_path("a/b"));
    }
}
