//! Which environment variables are secrets. A variable is secret-like when its name matches one
//! of the patterns (case-insensitive globs, configurable through the top-level `x-komply`
//! `secret_patterns`) or its value carries credentials in a URL (`scheme://user:pass@host`).
//! Secret values are never copied anywhere: they become ExternalSecret references.

/// The default name patterns.
pub const DEFAULT_PATTERNS: &[&str] = &[
    "*PASSWORD*",
    "*PASSWD*",
    "*SECRET*",
    "*TOKEN*",
    "*_KEY",
    "*APIKEY*",
    "*API_KEY*",
    "*PRIVATE_KEY*",
    "*CREDENTIAL*",
    "*BEARER*",
    "*ACCESS_KEY*",
    "*CLIENT_KEY*",
    "*KEY_CONTENT*",
];

/// Case-insensitive glob match supporting `*` and `?`.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_uppercase().chars().collect();
    let n: Vec<char> = name.to_ascii_uppercase().chars().collect();
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

/// Whether a value has `user:password@` credentials in a URL.
pub fn has_url_credentials(value: &str) -> bool {
    let mut rest = value;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let authority_end = after.find(['/', '?', '#', ' ']).unwrap_or(after.len());
        let authority = &after[..authority_end];
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && userinfo.contains(':')
        {
            return true;
        }
        rest = after;
    }
    false
}

/// A `*_FILE` variable holding an absolute path: it names a mounted secret file, it is not one.
pub fn is_secret_file_path(name: &str, value: &str) -> bool {
    name.to_ascii_uppercase().ends_with("_FILE") && value.starts_with('/')
}

/// Decides whether one variable is a secret.
pub fn is_secret(name: &str, value: &str, patterns: &[String]) -> bool {
    // `*_FILE` variables that hold a path point at a mounted secret; the path itself is not one.
    if is_secret_file_path(name, value) {
        return false;
    }
    patterns.iter().any(|p| glob_match(p, name)) || has_url_credentials(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<String> {
        DEFAULT_PATTERNS.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn classification() {
        let p = defaults();
        assert!(is_secret("DB_PASSWORD", "x", &p));
        assert!(is_secret("api_token", "x", &p));
        assert!(is_secret("SIGNING_KEY", "x", &p));
        assert!(is_secret("DATABASE_URL", "postgres://u:pw@db/app", &p));
        assert!(!is_secret("PUBLIC_URL", "https://example.com/a", &p));
        assert!(!is_secret("KEYBOARD", "x", &p));
        assert!(!is_secret("POSTGRES_PASSWORD_FILE", "/run/secrets/pw", &p));
        assert!(!is_secret("LOG_LEVEL", "info", &p));
    }

    #[test]
    fn globs() {
        assert!(glob_match("*_KEY", "my_key"));
        assert!(!glob_match("*_KEY", "my_keys"));
        assert!(glob_match("A?C", "abc"));
    }
}
