//! Names the Kubernetes API server refuses although the OpenAPI schemas accept any string:
//! object names and namespaces (RFC 1123 / RFC 1035, as apimachinery's `validation` package
//! checks them), label keys and values, Ingress hosts. Each function returns `Err(why)` in
//! the API server's words.

/// `metadata.name` of a `Namespace`, `metadata.namespace` of anything: an RFC 1123 label.
pub fn dns1123_label(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err("must be no more than 63 characters".into());
    }
    if !is_label(s, |c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Err(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric \
                    characters or '-', and must start and end with an alphanumeric character \
                    (e.g. 'my-name', or '123-abc')"
                .into(),
        );
    }
    Ok(())
}

/// `metadata.name` of a `Service`: an RFC 1035 label (starts with a letter).
pub fn dns1035_label(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err("must be no more than 63 characters".into());
    }
    if !is_label(s, |c| c.is_ascii_lowercase()) {
        return Err(
            "a DNS-1035 label must consist of lower case alphanumeric characters or \
                    '-', start with an alphabetic character, and end with an alphanumeric \
                    character (e.g. 'my-name', or 'abc-123')"
                .into(),
        );
    }
    Ok(())
}

/// `metadata.name` of most kinds, an Ingress host: an RFC 1123 subdomain.
pub fn dns1123_subdomain(s: &str) -> Result<(), String> {
    if s.len() > 253 {
        return Err("must be no more than 253 characters".into());
    }
    if s.is_empty()
        || !s
            .split('.')
            .all(|l| is_label(l, |c| c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        return Err(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric \
                    characters, '-' or '.', and must start and end with an alphanumeric \
                    character (e.g. 'example.com')"
                .into(),
        );
    }
    Ok(())
}

/// The name rule of `kind` (`Namespace`: label, `Service`: RFC 1035 label, else subdomain).
pub fn object_name(kind: &str, name: &str) -> Result<(), String> {
    match kind {
        "Namespace" => dns1123_label(name),
        "Service" => dns1035_label(name),
        _ => dns1123_subdomain(name),
    }
}

/// An Ingress rule or TLS host: a subdomain, optionally `*.` + subdomain; not an IP address.
pub fn ingress_host(host: &str) -> Result<(), String> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Err("must be a DNS name, not an IP address".into());
    }
    dns1123_subdomain(host.strip_prefix("*.").unwrap_or(host))
}

/// A label (or annotation) key: `[prefix/]name`, the prefix a subdomain, the name a
/// qualified name.
pub fn label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        dns1123_subdomain(p).map_err(|e| format!("prefix part {e}"))?;
    }
    if name.is_empty() || name.len() > 63 || !qualified(name) {
        return Err(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and \
                    must start and end with an alphanumeric character, at most 63 characters"
                .into(),
        );
    }
    Ok(())
}

/// A label value: empty, or at most 63 characters of the qualified-name alphabet.
pub fn label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 63 || !qualified(value) {
        return Err(
            "a valid label must be an empty string or consist of alphanumeric \
                    characters, '-', '_' or '.', and must start and end with an alphanumeric \
                    character, at most 63 characters"
                .into(),
        );
    }
    Ok(())
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`
fn qualified(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `first([-a-z0-9]*[a-z0-9])?` with `first` deciding the first character.
fn is_label(s: &str, first: impl Fn(char) -> bool) -> bool {
    let mut chars = s.chars();
    let Some(c0) = chars.next() else { return false };
    first(c0)
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_apimachinery() {
        assert!(dns1123_label("shop-1").is_ok());
        assert!(dns1123_label("1shop").is_ok());
        for bad in ["Bad_NS!", "../../x", "", "-a", "a-", "a.b", &"a".repeat(64)] {
            assert!(dns1123_label(bad).is_err(), "{bad}");
        }
        assert!(dns1035_label("1web").is_err());
        assert!(dns1123_subdomain("a.b-c.d").is_ok());
        assert!(dns1123_subdomain("a..b").is_err());
        assert!(ingress_host("*.example.com").is_ok());
        assert!(ingress_host("a/../../b").is_err());
        assert!(ingress_host("10.0.0.1").is_err());
        assert!(label_key("app.kubernetes.io/name").is_ok());
        assert!(label_key("a/b/c").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("1.27").is_ok());
        assert!(label_value("a/../../b").is_err());
    }
}
