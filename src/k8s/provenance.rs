//! Provenance: which Compose key produced which field of a generated object.
//!
//! The generator records it while it builds an object, so `komply lint` and the validate stage
//! can point a finding about a field at the Compose line that controls it, without a second
//! table that guesses the mapping back.
//!
//! Pointers are RFC 6901 JSON pointers into the object, except that an item of a list of named
//! objects (containers, env, ports, volumes, volumeMounts…) is written `#NAME` instead of its
//! index, so a pointer survives an overlay that adds or reorders items.

/// Which Compose keys produced the fields of one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The Compose service the object was generated from (`None`: project-level objects such as
    /// the Namespace).
    pub service: Option<String>,
    /// `(pointer, key path inside the service)`, in the order recorded, e.g.
    /// `("/spec/template/spec/containers/#web/image", ["image"])`. The same pointer may be
    /// recorded more than once: the keys are then alternatives, first that exists wins.
    pub fields: Vec<(String, Vec<String>)>,
}

impl Provenance {
    /// Provenance of an object made for `service`.
    pub fn of(service: Option<&str>) -> Self {
        Provenance {
            service: service.map(str::to_string),
            fields: Vec::new(),
        }
    }

    /// Records that the field at `pointer` (and everything under it, unless a longer pointer is
    /// recorded) comes from the service's key `key` (a path such as `["deploy", "resources"]`).
    pub fn record(&mut self, pointer: impl Into<String>, key: &[&str]) {
        self.fields
            .push((pointer.into(), key.iter().map(|k| k.to_string()).collect()));
    }

    /// The candidate keys for `pointer`: those of the longest recorded pointer that is `pointer`
    /// itself or a prefix of it at a segment boundary, in recording order. Empty if none.
    pub fn keys_for(&self, pointer: &str) -> Vec<&[String]> {
        let mut best: Option<usize> = None;
        for (p, _) in &self.fields {
            let covers = pointer == p
                || (pointer.starts_with(p.as_str())
                    && (p.is_empty() || pointer.as_bytes().get(p.len()) == Some(&b'/')));
            if covers && best.is_none_or(|b| p.len() > b) {
                best = Some(p.len());
            }
        }
        match best {
            None => Vec::new(),
            Some(len) => self
                .fields
                .iter()
                .filter(|(p, _)| p.len() == len && pointer.starts_with(p.as_str()))
                .map(|(_, k)| k.as_slice())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_at_segment_boundary_wins() {
        let mut p = Provenance::of(Some("web"));
        p.record("/spec", &["deploy"]);
        p.record("/spec/template/spec/containers/#web/image", &["image"]);
        p.record("/spec/template/spec/containers/#web/ports", &["ports"]);
        p.record("/spec/template/spec/containers/#web/ports", &["expose"]);
        assert_eq!(
            p.keys_for("/spec/template/spec/containers/#web/image"),
            vec![&["image".to_string()][..]]
        );
        assert_eq!(
            p.keys_for("/spec/template/spec/containers/#web/ports/0")
                .len(),
            2
        );
        // `/spec/template/spec/containers/#web/imagePullPolicy` is not under `.../image`.
        assert_eq!(
            p.keys_for("/spec/template/spec/containers/#web/imagePullPolicy"),
            vec![&["deploy".to_string()][..]]
        );
        assert!(p.keys_for("/metadata/name").is_empty());
    }
}
