//! Container image references, parsed the way the container runtime does
//! (`[registry[:port]/]repository[:tag][@digest]`, distribution/reference grammar).
//!
//! The registry port is what trips other linters: in `registry:5000/nginx` the `:5000` belongs to
//! the registry and the image has **no** tag. A tag can only appear after the last `/`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// `registry.example.com:5000`, or `None` for Docker Hub.
    pub registry: Option<&'a str>,
    pub repository: &'a str,
    pub tag: Option<&'a str>,
    /// `sha256:…`
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Splits a reference. Returns `None` for an empty or malformed one (empty repository,
    /// empty tag, or a digest without `algorithm:hex`).
    pub fn parse(s: &'a str) -> Option<ImageRef<'a>> {
        let s = s.trim();
        if s.is_empty() || s.chars().any(char::is_whitespace) {
            return None;
        }
        let (name_tag, digest) = match s.split_once('@') {
            Some((n, d)) => {
                let (alg, hex) = d.split_once(':')?;
                if alg.is_empty() || hex.is_empty() {
                    return None;
                }
                (n, Some(d))
            }
            None => (s, None),
        };
        // The first component is a registry when it looks like a host: has a `.` or a `:`, or
        // is `localhost` (distribution/reference `splitDockerDomain`).
        let (registry, rest) = match name_tag.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first), rest)
            }
            _ => (None, name_tag),
        };
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (repository, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let at = last_slash + i;
                (&rest[..at], Some(&rest[at + 1..]))
            }
            None => (rest, None),
        };
        // Every path component of the repository must be non-empty (`/nginx`, `a//b`, `a/`).
        if repository.split('/').any(str::is_empty) || tag == Some("") {
            return None;
        }
        if registry.is_some_and(|r| r.is_empty() || r.ends_with(':')) {
            return None;
        }
        Some(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The tag is missing or `latest` and there is no digest: the image can change under you.
    pub fn is_mutable(&self) -> bool {
        self.digest.is_none() && matches!(self.tag, None | Some("latest"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_port_is_not_a_tag() {
        let r = ImageRef::parse("registry:5000/nginx").unwrap();
        assert_eq!(r.registry, Some("registry:5000"));
        assert_eq!(r.repository, "nginx");
        assert_eq!(r.tag, None);
        assert!(r.is_mutable());
        let r = ImageRef::parse("registry:5000/team/nginx:1.25").unwrap();
        assert_eq!(r.tag, Some("1.25"));
        assert!(!r.is_mutable());
    }

    #[test]
    fn docker_hub_forms() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!((r.registry, r.repository, r.tag), (None, "nginx", None));
        let r = ImageRef::parse("library/nginx:latest").unwrap();
        assert_eq!(
            (r.registry, r.repository, r.tag),
            (None, "library/nginx", Some("latest"))
        );
        assert!(r.is_mutable());
        let r = ImageRef::parse("localhost/app").unwrap();
        assert_eq!(r.registry, Some("localhost"));
    }

    #[test]
    fn digests() {
        let r = ImageRef::parse("nginx@sha256:abcd").unwrap();
        assert_eq!((r.tag, r.digest), (None, Some("sha256:abcd")));
        assert!(!r.is_mutable());
        let r = ImageRef::parse("ghcr.io/a/b:1.2@sha256:abcd").unwrap();
        assert_eq!(r.registry, Some("ghcr.io"));
        assert_eq!((r.tag, r.digest), (Some("1.2"), Some("sha256:abcd")));
        let r = ImageRef::parse("nginx:latest@sha256:ab").unwrap();
        assert!(!r.is_mutable(), "a digest pins even a latest tag");
    }

    #[test]
    fn malformed() {
        for bad in [
            "",
            "nginx:",
            "nginx@",
            "nginx@sha256",
            "a b",
            "/nginx",
            "reg:5000/",
        ] {
            assert!(ImageRef::parse(bad).is_none(), "{bad:?}");
        }
    }
}
