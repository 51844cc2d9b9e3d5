//! Paths of the fields a violation is about, so a caller can point at a line.

use std::fmt;

use serde_json::Value;

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A path from the root of the evaluated object (a Pod, or a pod template whose root holds
/// `metadata` and `spec`; see [`FieldPath::under`] to place it inside a workload). Displayed as
/// Kubernetes writes field paths: `spec.containers[0].securityContext.privileged`,
/// `metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The path of the root itself.
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// From segments.
    pub fn new(segments: Vec<Segment>) -> Self {
        FieldPath(segments)
    }

    /// This path followed by the mapping key `key`.
    pub fn key(&self, key: &str) -> Self {
        let mut s = self.0.clone();
        s.push(Segment::Key(key.to_string()));
        FieldPath(s)
    }

    /// This path followed by the list index `i`.
    pub fn index(&self, i: usize) -> Self {
        let mut s = self.0.clone();
        s.push(Segment::Index(i));
        FieldPath(s)
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// This path placed under `prefix` (e.g. a template's `spec.template`).
    pub fn under(&self, prefix: &FieldPath) -> Self {
        let mut s = prefix.0.clone();
        s.extend(self.0.iter().cloned());
        FieldPath(s)
    }

    /// RFC 6901 JSON pointer (`/spec/containers/0/securityContext`).
    pub fn pointer(&self) -> String {
        let mut out = String::new();
        for seg in &self.0 {
            out.push('/');
            match seg {
                Segment::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
                Segment::Index(i) => out.push_str(&i.to_string()),
            }
        }
        out
    }

    /// The value at this path in `root`, if every step exists.
    pub fn resolve<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(root, |v, seg| match seg {
            Segment::Key(k) => v.as_object()?.get(k),
            Segment::Index(i) => v.as_array()?.get(*i),
        })
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Key(k) if is_plain(k) => {
                    if n > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => write!(f, "[{k}]")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// A key written `.key` rather than `[key]`.
fn is_plain(k: &str) -> bool {
    !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_resolves() {
        let p = FieldPath::root()
            .key("spec")
            .key("containers")
            .index(0)
            .key("securityContext");
        assert_eq!(p.to_string(), "spec.containers[0].securityContext");
        assert_eq!(p.pointer(), "/spec/containers/0/securityContext");
        let a = FieldPath::root()
            .key("metadata")
            .key("annotations")
            .key("a/b~c");
        assert_eq!(a.to_string(), "metadata.annotations[a/b~c]");
        assert_eq!(a.pointer(), "/metadata/annotations/a~1b~0c");
        let v = serde_json::json!({"spec": {"containers": [{"securityContext": {}}]}});
        assert!(p.resolve(&v).is_some());
        assert!(p.key("privileged").resolve(&v).is_none());
        let t = FieldPath::root().key("spec").key("template");
        assert_eq!(
            p.under(&t).to_string(),
            "spec.template.spec.containers[0].securityContext"
        );
    }
}
