//! Value shapes: what a credential looks like whatever the variable is called. Each finder
//! returns the byte range of the secret *part* of a value (the password of a URL, the value of
//! a `password=` parameter, the whole PEM block), so the rest of the value can stay readable.
//!
//! Strong shapes (found anywhere in a value, under any name): PEM private keys, URL
//! credentials (`scheme://user:password@host`, and a user-only `scheme://TOKEN@host` when the
//! user looks like a token), connection-string parameters (`password=`, `pwd=`, `AccountKey=`,
//! `token=`… in JDBC / ODBC / ADO.NET strings, query strings, `-D` options and properties),
//! JWTs, `Authorization: Bearer|Basic …` credentials, Slack / Discord webhook URLs and tokens
//! with a known prefix (`ghp_`, `github_pat_`, `AKIA`, `xoxb-`, `sk_live_`, `glpat-`, `AIza`, …).
//! [`high_entropy`] is weaker and only ever applied to a whole value.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

/// What a secret is replaced with in output (valid in labels, DNS names, YAML plain scalars);
/// never a secret itself (re-linting komply's output).
pub const PLACEHOLDER: &str = "redacted";

/// Which shape matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    PrivateKey,
    UrlCredentials,
    ConnectionParam,
    Jwt,
    AuthHeader,
    Webhook,
    /// A token with a vendor's known prefix (the vendor is named).
    KnownToken(&'static str),
}

impl Shape {
    pub fn describe(self) -> String {
        match self {
            Shape::PrivateKey => "a PEM private key".into(),
            Shape::UrlCredentials => "credentials in a URL".into(),
            Shape::ConnectionParam => "a password / key parameter of a connection string".into(),
            Shape::Jwt => "a JSON Web Token".into(),
            Shape::AuthHeader => "an Authorization header credential".into(),
            Shape::Webhook => "a webhook URL with its secret path".into(),
            Shape::KnownToken(vendor) => format!("a {vendor} token"),
        }
    }

    /// Short stable name (used by the table of cases).
    pub fn id(self) -> &'static str {
        match self {
            Shape::PrivateKey => "private-key",
            Shape::UrlCredentials => "url-credentials",
            Shape::ConnectionParam => "connection-param",
            Shape::Jwt => "jwt",
            Shape::AuthHeader => "auth-header",
            Shape::Webhook => "webhook",
            Shape::KnownToken(_) => "known-token",
        }
    }
}

/// One secret part of a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub shape: Shape,
    pub range: Range<usize>,
}

struct Finder {
    shape: Shape,
    re: Regex,
    /// Capture group holding the secret part (0 = the whole match).
    group: usize,
}

/// Tokens with a documented prefix. Kept conservative: the prefix plus a length no ordinary
/// word reaches.
const KNOWN_TOKENS: &[(&str, &str)] = &[
    ("GitHub", r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    ("GitHub", r"\bgithub_pat_[A-Za-z0-9_]{22,}\b"),
    ("AWS access key", r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    ("Slack", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    ("Stripe", r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}\b"),
    ("GitLab", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    ("Google API", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("npm", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("SendGrid", r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
    (
        "OpenAI / Anthropic",
        r"\bsk-(?:proj-|ant-[a-z0-9]+-)?[A-Za-z0-9_-]{32,}",
    ),
    ("Hugging Face", r"\bhf_[A-Za-z0-9]{30,}\b"),
    ("DigitalOcean", r"\bdo[opr]_v1_[a-f0-9]{64}\b"),
    ("Shopify", r"\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b"),
    ("PyPI", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
];

/// Parameter names whose value is a credential in `k=v` / `k: v` strings.
const PARAM_NAMES: &str = "password|passwd|pwd|pass|passphrase|secret|client_secret|token|access_token|auth_token|refresh_token|api_key|apikey|accountkey|sharedaccesskey|sharedaccesssignature|sslpassword|sig";

fn finders() -> &'static [Finder] {
    static F: OnceLock<Vec<Finder>> = OnceLock::new();
    F.get_or_init(|| {
        let mut v = vec![
            Finder {
                shape: Shape::PrivateKey,
                // Dash counts vary in the wild; `\n` may be literal (an env var on one line).
                re: Regex::new(
                    r"(?s)-{2,}\s*BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?\s*-{2,}.*?(?:-{2,}\s*END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?\s*-{2,}|\z)",
                )
                .expect("regex"),
                group: 0,
            },
            Finder {
                shape: Shape::UrlCredentials,
                re: Regex::new(r"(?i)\b[a-z][a-z0-9+.-]*://([^/\s?#@]+)@").expect("regex"),
                group: 1,
            },
            Finder {
                shape: Shape::ConnectionParam,
                re: Regex::new(&format!(
                    r#"(?i)(?:^|[?&;\s,"'(]|-D)(?:[a-z0-9_.-]*[._-])?(?:{PARAM_NAMES})\s*(?:=>|=|:\s)\s*(\$\{{[^}}]*\}}|\$\([^)]*\)|"[^"]*"|'[^']*'|[^;&\s,"'(){{}}\[\]]+)"#
                ))
                .expect("regex"),
                group: 1,
            },
            Finder {
                shape: Shape::Jwt,
                re: Regex::new(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
                    .expect("regex"),
                group: 0,
            },
            Finder {
                shape: Shape::AuthHeader,
                re: Regex::new(r"(?i)\b(?:bearer|basic|token)\s+([A-Za-z0-9+/=._~-]{16,})")
                    .expect("regex"),
                group: 1,
            },
            Finder {
                shape: Shape::Webhook,
                re: Regex::new(
                    r"(?i)https://(?:hooks\.slack\.com/services|(?:discord|discordapp)\.com/api/webhooks)/([A-Za-z0-9/_-]{16,})",
                )
                .expect("regex"),
                group: 1,
            },
        ];
        for (vendor, re) in KNOWN_TOKENS {
            v.push(Finder {
                shape: Shape::KnownToken(vendor),
                re: Regex::new(re).expect("regex"),
                group: 0,
            });
        }
        v
    })
}

/// A parameter value that names a value instead of being one — in code and configuration
/// files (`pwd: password,` in JavaScript, `pass = "R_SPF_ALLOW";` in a rspamd rule,
/// `secret: token` as a field reference, `password = process.env.PW` a member access): an
/// identifier holding a parameter word, a dotted member access
/// (`password`, `dbPassword`, `pass`, …), or a constant name (`UPPER_CASE` with an
/// underscore). Such a value is not masked: masking it breaks the file, and registering it
/// would hide the word everywhere. Identifiers count only in a file (`multi_line` text, where
/// code lives) and unquoted, and only without digits: a one-line connection string's
/// `password=password123` stays a secret. Constants count anywhere.
fn names_a_value(part: &str, quoted: bool, multi_line: bool) -> bool {
    let segment = |p: &str| {
        p.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    // `process.env.DB_PASSWORD`, `config.db.password`: a member access in code.
    if multi_line && !quoted && part.contains('.') && part.split('.').all(segment) {
        return true;
    }
    let ident = !part.is_empty()
        && part
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ident {
        return false;
    }
    let constant = part.contains('_')
        && part
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if constant {
        return true;
    }
    let lower = part.to_ascii_lowercase();
    multi_line
        && !quoted
        && !part.chars().any(|c| c.is_ascii_digit())
        && PARAM_NAMES
            .split('|')
            .filter(|w| w.len() >= 4)
            .any(|w| lower.contains(w))
}

/// Every strong-shape secret part of `value`, in order, without overlaps (the earlier, then
/// the longer one wins).
pub fn find(value: &str) -> Vec<Found> {
    // Cheap gate: every shape needs one of these.
    if value.len() < 8 {
        return Vec::new();
    }
    let mut out: Vec<Found> = Vec::new();
    for f in finders() {
        for caps in f.re.captures_iter(value) {
            let Some(m) = caps.get(f.group) else { continue };
            let mut range = m.range();
            let part = &value[range.clone()];
            // Quoted parameter values: the quotes are not the secret.
            if f.shape == Shape::ConnectionParam
                && part.len() >= 2
                && (part.starts_with('"') || part.starts_with('\''))
            {
                range = range.start + 1..range.end - 1;
            }
            let part = &value[range.clone()];
            match f.shape {
                Shape::UrlCredentials => {
                    if let Some(r) = url_secret(part) {
                        out.push(Found {
                            shape: f.shape,
                            range: range.start + r.start..range.start + r.end,
                        });
                    }
                }
                Shape::ConnectionParam => {
                    let quoted = range != m.range();
                    if !is_placeholder(part)
                        && !is_excluded_value(part)
                        && !names_a_value(part, quoted, value.contains('\n'))
                    {
                        out.push(Found {
                            shape: f.shape,
                            range,
                        });
                    }
                }
                _ => {
                    if !is_placeholder(part) {
                        out.push(Found {
                            shape: f.shape,
                            range,
                        });
                    }
                }
            }
        }
    }
    out.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
    let mut kept: Vec<Found> = Vec::new();
    for f in out {
        match kept.last_mut() {
            Some(last) if f.range.start < last.range.end => {
                last.range.end = last.range.end.max(f.range.end);
            }
            _ => kept.push(f),
        }
    }
    kept
}

/// The secret part of a URL's userinfo: the password, or a user that is itself a token.
fn url_secret(userinfo: &str) -> Option<Range<usize>> {
    match userinfo.split_once(':') {
        Some((_, pw)) => {
            let start = userinfo.len() - pw.len();
            (!pw.is_empty() && !is_placeholder(pw)).then_some(start..userinfo.len())
        }
        None => {
            let user = userinfo;
            (!is_placeholder(user) && token_like(user)).then_some(0..userinfo.len())
        }
    }
}

/// A user part that is a credential rather than a login name: long, and of mixed classes.
fn token_like(s: &str) -> bool {
    if !find_known(s) && s.chars().count() < 16 {
        return false;
    }
    let classes = [
        s.chars().any(|c| c.is_ascii_lowercase()),
        s.chars().any(|c| c.is_ascii_uppercase()),
        s.chars().any(|c| c.is_ascii_digit()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    find_known(s) || classes >= 2
}

fn find_known(s: &str) -> bool {
    finders()
        .iter()
        .filter(|f| matches!(f.shape, Shape::KnownToken(_)))
        .any(|f| f.re.is_match(s))
}

/// `${VAR}`, `$(VAR)`, `$VAR`, `{{ .x }}`, `%s`, `<password>`, `***`: a reference or a
/// placeholder, not a value.
pub fn is_placeholder(s: &str) -> bool {
    let t = s.trim();
    if t.is_empty() {
        return true;
    }
    let reference = |open: &str, close: &str| {
        t.starts_with(open) && t.ends_with(close) && t.matches(open).count() == 1
    };
    reference("${", "}")
        || reference("$(", ")")
        || reference("{{", "}}")
        || (t.starts_with('$')
            && t.len() > 1
            && t[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'))
        || (t.starts_with('<') && t.ends_with('>'))
        || t == "%s"
        || (t.len() >= 3 && t.chars().all(|c| c == '*'))
        // komply's own placeholder, where it masked a value (re-linting komply's output).
        || t == PLACEHOLDER
}

/// A whole value that looks like a random credential: at least 32 characters from a
/// base64 / base64url alphabet, upper and lower case and digits, and at least 4.2 bits of
/// Shannon entropy per character. Hex strings (hashes, UUIDs, digests) never qualify.
pub fn high_entropy(value: &str) -> bool {
    let v = value.trim();
    if v.len() < 32
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=_-.".contains(c))
    {
        return false;
    }
    let has = |f: fn(&char) -> bool| v.chars().any(|c| f(&c));
    if !(has(char::is_ascii_uppercase)
        && has(char::is_ascii_lowercase)
        && has(char::is_ascii_digit))
    {
        return false;
    }
    shannon(v) >= 4.2
}

/// Bits of entropy per character.
pub fn shannon(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// A value that is never a secret whatever its name (used for parameter values too).
pub fn is_excluded_value(v: &str) -> bool {
    let v = v.trim();
    v.is_empty() || is_bool(v) || is_placeholder(v) || is_url(v) || is_path(v)
}

/// `true`, `no`, `off`… in any case.
pub(crate) fn is_bool(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off"
    )
}

/// `scheme://host…` without credentials (those are a shape, found before this).
pub(crate) fn is_url(v: &str) -> bool {
    !v.contains(char::is_whitespace)
        && v.split_once("://").is_some_and(|(scheme, rest)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                && !rest.is_empty()
        })
}

/// An absolute or relative file path with at least two segments (`/run/secrets/db`,
/// `./certs/tls.key`), or any absolute path under `/run/secrets/`.
pub(crate) fn is_path(v: &str) -> bool {
    if v.contains(char::is_whitespace) || v.contains("://") {
        return false;
    }
    let rest = v
        .strip_prefix('/')
        .or_else(|| v.strip_prefix("./"))
        .or_else(|| v.strip_prefix("../"))
        .or_else(|| v.strip_prefix("~/"));
    rest.is_some_and(|r| {
        !r.is_empty() && (r.contains('/') || r.contains('.') || v.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(v: &str) -> Vec<&str> {
        find(v).into_iter().map(|f| &v[f.range]).collect()
    }

    #[test]
    fn url_credentials_keep_the_rest_of_the_url() {
        assert_eq!(parts("postgres://app:pw1234@db:5432/app"), ["pw1234"]);
        assert_eq!(
            parts("https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r"),
            ["ghp_abcdefghijklmnopqrstuvwxyz0123456789"]
        );
        assert!(parts("postgres://postgres@db/app").is_empty());
        assert!(parts("postgres://u:${DB_PASSWORD}@db/app").is_empty());
        assert!(parts("https://example.com/a?b=c").is_empty());
    }

    #[test]
    fn connection_parameters() {
        assert_eq!(
            parts("jdbc:mysql://db:3306/app?user=u&password=JdbcPw99"),
            ["JdbcPw99"]
        );
        assert_eq!(
            parts("Server=db;Database=x;User Id=sa;Password=Odbc!Pw1;"),
            ["Odbc!Pw1"]
        );
        assert_eq!(
            parts("-Xmx1g -Dspring.datasource.password=hunter22 -Dx=y"),
            ["hunter22"]
        );
        assert!(parts("password=${DB_PASSWORD}").is_empty());
        assert!(parts("bypass=true and compass=north").is_empty());
    }

    #[test]
    fn pem_and_tokens() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----";
        assert_eq!(parts(pem), [pem]);
        assert_eq!(
            parts("key: -----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----"),
            ["-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----"]
        );
        assert!(parts("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----").is_empty());
        assert_eq!(parts("AKIAIOSFODNN7EXAMPLE"), ["AKIAIOSFODNN7EXAMPLE"]);
        assert_eq!(
            parts("xoxb-123456789012-abcdefghij"),
            ["xoxb-123456789012-abcdefghij"]
        );
    }

    #[test]
    fn entropy() {
        assert!(high_entropy("q8Zr3LmT0vXy7BnW2sKd9FgH4jPa6CeR1tUo"));
        assert!(!high_entropy("0123456789abcdef0123456789abcdef01234567"));
        assert!(!high_entropy("123e4567-e89b-12d3-a456-426614174000"));
        assert!(!high_entropy("short1Aa"));
    }
}
