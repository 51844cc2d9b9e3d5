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

    /// Records every field of `inner` (pointers relative to a part of an object, such as a
    /// container) under `prefix`, the part's pointer in this object.
    pub fn nest(&mut self, prefix: &str, inner: Provenance) {
        for (p, k) in inner.fields {
            self.fields.push((format!("{prefix}{p}"), k));
        }
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

/// One segment of a pointer, escaped as RFC 6901 says (`~` → `~0`, `/` → `~1`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The pointer of a path of raw segments (`["data", "a/b"]` → `/data/a~1b`).
pub fn pointer<S: AsRef<str>>(segments: &[S]) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        out.push_str(&escape(s.as_ref()));
    }
    out
}

/// The segment of an item of a list of named objects: `#NAME`, or `#!NAME` for an env entry
/// read from a Secret (`valueFrom`), whose own line must not be shown.
pub fn item(name: &str, from_secret: bool) -> String {
    if from_secret {
        format!("#!{}", escape(name))
    } else {
        format!("#{}", escape(name))
    }
}

/// The provenance of a service's objects, kept across a stage that rebuilds the object list (an
/// overlay's strategies copy, replace and drop objects), keyed by service, kind and name.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    kind: String,
    name: String,
    /// The object has a pod template at `/spec/template` (Deployment, StatefulSet, Job).
    template: bool,
    provenance: Provenance,
}

impl Ledger {
    /// The ledger of `objects`, `provenance[i]` being that of `objects[i]`.
    pub fn new(objects: &[serde_json::Value], provenance: &[Provenance]) -> Ledger {
        let entries = objects
            .iter()
            .zip(provenance)
            .map(|(o, p)| Entry {
                kind: o["kind"].as_str().unwrap_or_default().to_string(),
                name: o["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                template: o.pointer("/spec/template").is_some(),
                provenance: p.clone(),
            })
            .collect();
        Ledger { entries }
    }

    /// The ledger of envelopes (each carries its own provenance).
    pub fn of(objects: &[super::Object]) -> Ledger {
        let values: Vec<serde_json::Value> = objects.iter().map(super::Object::to_value).collect();
        let provenance: Vec<Provenance> = objects.iter().map(|o| o.provenance.clone()).collect();
        Ledger::new(&values, &provenance)
    }

    /// The provenance of `object` of `service` after the rebuild: that of the same object before
    /// (same kind and name), else of the service's first object of its kind (a copy such as
    /// `web-canary`), else, for an object with a pod template at `/spec/template` (an Argo
    /// Rollout that replaces a Deployment), of the service's first such object; else only the
    /// service.
    pub fn carry(&self, object: &serde_json::Value, service: Option<&str>) -> Provenance {
        let kind = object["kind"].as_str().unwrap_or_default();
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        let mine = || {
            self.entries
                .iter()
                .filter(move |e| e.provenance.service.as_deref() == service)
        };
        mine()
            .find(|e| e.kind == kind && e.name == name)
            .or_else(|| mine().find(|e| e.kind == kind))
            .or_else(|| {
                object
                    .pointer("/spec/template")
                    .and_then(|_| mine().find(|e| e.template))
            })
            .map_or_else(|| Provenance::of(service), |e| e.provenance.clone())
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

    #[test]
    fn nested_records_and_escaped_pointers() {
        let mut c = Provenance::default();
        c.record("/image", &["image"]);
        let mut p = Provenance::of(Some("web"));
        p.nest("/spec/template/spec/containers/#web", c);
        assert_eq!(
            p.keys_for("/spec/template/spec/containers/#web/image"),
            vec![&["image".to_string()][..]]
        );
        assert_eq!(pointer(&["data", "a/b~c"]), "/data/a~1b~0c");
        assert_eq!(item("DB_PASSWORD", true), "#!DB_PASSWORD");
        assert_eq!(item("http", false), "#http");
    }

    #[test]
    fn the_ledger_carries_provenance_to_copies_and_replacements() {
        use serde_json::json;
        let deploy =
            json!({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {}}});
        let svc = json!({"kind": "Service", "metadata": {"name": "web"}});
        let mut pd = Provenance::of(Some("web"));
        pd.record("/spec/replicas", &["deploy", "replicas"]);
        let mut ps = Provenance::of(Some("web"));
        ps.record("", &["ports"]);
        let ledger = Ledger::new(&[deploy.clone(), svc], &[pd.clone(), ps.clone()]);
        assert_eq!(ledger.carry(&deploy, Some("web")), pd);
        let copy = json!({"kind": "Service", "metadata": {"name": "web-canary"}});
        assert_eq!(ledger.carry(&copy, Some("web")), ps);
        let rollout =
            json!({"kind": "Rollout", "metadata": {"name": "web"}, "spec": {"template": {}}});
        assert_eq!(ledger.carry(&rollout, Some("web")), pd);
        let other = json!({"kind": "VirtualService", "metadata": {"name": "web"}});
        assert_eq!(
            ledger.carry(&other, Some("web")),
            Provenance::of(Some("web"))
        );
        // Another service's objects are never borrowed.
        assert_eq!(
            ledger.carry(&deploy, Some("db")),
            Provenance::of(Some("db"))
        );
    }
}
