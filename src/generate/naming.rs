//! Names, labels, quantities and hashes: the small pure helpers every object needs.

use super::k8s::Map;

/// A DNS-1035 label (≤ 63 chars, `[a-z0-9-]`, starts with a letter, ends alphanumeric), used for
/// object names so every kind accepts them: `web_Front.1` → `web-front-1`.
pub fn dns_label(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_matches('-').to_string();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "s-");
    }
    if out.len() > 63 {
        out.truncate(63);
        out = out.trim_end_matches('-').to_string();
    }
    out
}

/// Whether `name` is a valid port name (IANA_SVC_NAME: ≤ 15 chars, lowercase alphanumerics and
/// single inner hyphens, at least one letter).
pub fn is_port_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 15
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name.chars().any(|c| c.is_ascii_lowercase())
}

/// The conventional name of a port when Compose gives none: from `app_protocol`, else from a
/// well-known container port, else `<protocol>-<port>` (never a bare number).
pub fn default_port_name(target: u16, protocol: &str, app_protocol: Option<&str>) -> String {
    if let Some(ap) = app_protocol.map(|s| s.to_ascii_lowercase())
        && is_port_name(&ap)
    {
        return ap;
    }
    if protocol == "tcp" {
        match target {
            80 | 3000 | 5000 | 8000 | 8008 | 8080 | 8081 | 8888 => return "http".into(),
            443 | 8443 => return "https".into(),
            50051 => return "grpc".into(),
            _ => {}
        }
    }
    format!("{protocol}-{target}")
}

/// A label value: ≤ 63 chars of `[A-Za-z0-9._-]`, starting and ending alphanumeric.
pub fn label_value(v: &str) -> String {
    let mut out: String = v
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    out.truncate(63);
    out.trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

/// The version label of an image reference: its tag, else the digest's first 12 hex digits,
/// else `latest` (what the runtime pulls).
pub fn image_version(image: &str) -> String {
    if let Some((_, digest)) = image.split_once('@') {
        let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
        return label_value(&hex.chars().take(12).collect::<String>());
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) if !tag.is_empty() => {
            let v = label_value(tag);
            if v.is_empty() { "latest".into() } else { v }
        }
        _ => "latest".into(),
    }
}

/// The `app.kubernetes.io/*` labels of a service's objects.
pub fn labels(project: &str, name: &str, version: Option<&str>) -> Map {
    let mut m = selector(project, name);
    if let Some(v) = version {
        m.insert("app.kubernetes.io/version".into(), v.to_string());
    }
    m.insert("app.kubernetes.io/part-of".into(), label_value(project));
    m.insert("app.kubernetes.io/managed-by".into(), "komply".into());
    m
}

/// The stable selector labels: name and instance only, never the version.
pub fn selector(project: &str, name: &str) -> Map {
    let mut m = Map::new();
    m.insert("app.kubernetes.io/name".into(), label_value(name));
    m.insert("app.kubernetes.io/instance".into(), label_value(project));
    m
}

/// Quantities are written by `crate::k8s::quantity` (the one place that reads them too).
pub use crate::k8s::quantity::{format_cpu as cpu_quantity, format_memory as memory_quantity};

/// FNV-1a 64: a stable, dependency-free content hash (not a security boundary; it only has to
/// change when the content does).
pub fn content_hash(data: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// A key valid in a ConfigMap / Secret (`[-._a-zA-Z0-9]+`).
pub fn data_key(name: &str) -> String {
    let k: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if k.is_empty() { "_".into() } else { k }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(dns_label("web_Front.1"), "web-front-1");
        assert_eq!(dns_label("1st"), "s-1st");
        assert!(is_port_name("tcp-5432"));
        assert!(!is_port_name("5432"));
        assert!(!is_port_name("averyveryverylongname"));
        assert_eq!(default_port_name(5432, "tcp", None), "tcp-5432");
        assert_eq!(default_port_name(8080, "tcp", None), "http");
        assert_eq!(default_port_name(53, "udp", None), "udp-53");
        assert_eq!(default_port_name(9000, "tcp", Some("grpc")), "grpc");
    }

    #[test]
    fn versions() {
        assert_eq!(image_version("postgres:16.4-alpine"), "16.4-alpine");
        assert_eq!(image_version("localhost:5000/app"), "latest");
        assert_eq!(
            image_version("nginx@sha256:0123456789abcdef00"),
            "0123456789ab"
        );
    }
}
