//! The object envelope: one Kubernetes object as every stage after generation carries it —
//! typed [`TypeMeta`] and [`ObjectMeta`], the other top-level fields as JSON in their order, and
//! the [`Provenance`] the generator recorded.
//!
//! **Bytes**: [`Object::to_value`] (and `Serialize`) writes `apiVersion`, `kind`, `metadata`,
//! then the body in order, and the metadata keys in the order they were read, so an object read
//! with [`Object::from_value`] is written back byte for byte. A metadata field that was absent
//! and is set afterwards goes to its conventional place (`name`, `namespace`, `labels`,
//! `annotations`, then the rest).
//!
//! **Errors**: reading a JSON value that is not an object with string `apiVersion`, `kind` and
//! `metadata.name`, or whose `metadata.namespace` / `labels` / `annotations` do not hold strings,
//! is an [`ObjectError`] that says which field — never a silent drop.

use indexmap::IndexMap;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::Provenance;

/// Labels and annotations: string keys and values, in the order they were read or set.
pub type StringMap = IndexMap<String, String>;

/// `apiVersion` and `kind`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeMeta {
    pub api_version: String,
    pub kind: String,
}

impl TypeMeta {
    pub fn new(api_version: impl Into<String>, kind: impl Into<String>) -> TypeMeta {
        TypeMeta {
            api_version: api_version.into(),
            kind: kind.into(),
        }
    }

    /// The API group: `apps` for `apps/v1`, empty for the core group (`v1`).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// The version: `v1` for `apps/v1` and for `v1`.
    pub fn version(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map_or(self.api_version.as_str(), |(_, v)| v)
    }
}

/// An object's `metadata`: the fields komply reasons about, typed, and every other one kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectMeta {
    pub name: String,
    pub namespace: Option<String>,
    /// `None`: no `labels` key; `Some` of an empty map: `labels: {}`.
    pub labels: Option<StringMap>,
    pub annotations: Option<StringMap>,
    /// Every other field (`generateName`, `finalizers`, `ownerReferences`…), in order.
    pub rest: Map<String, Value>,
    /// The keys in the order they were read (empty: made in code, conventional order).
    order: Vec<String>,
}

/// The conventional rank of a metadata key (where a newly set one goes).
fn meta_rank(key: &str) -> u8 {
    match key {
        "name" => 0,
        "namespace" => 1,
        "labels" => 2,
        "annotations" => 3,
        _ => 4,
    }
}

impl ObjectMeta {
    /// Metadata with just a name.
    pub fn named(name: impl Into<String>) -> ObjectMeta {
        ObjectMeta {
            name: name.into(),
            ..ObjectMeta::default()
        }
    }

    /// The value of label `key`.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.as_ref()?.get(key).map(String::as_str)
    }

    /// The value of annotation `key`.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }

    /// The labels, created (empty) when there were none.
    pub fn labels_mut(&mut self) -> &mut StringMap {
        self.labels.get_or_insert_with(StringMap::new)
    }

    /// The annotations, created (empty) when there were none.
    pub fn annotations_mut(&mut self) -> &mut StringMap {
        self.annotations.get_or_insert_with(StringMap::new)
    }

    fn has(&self, key: &str) -> bool {
        match key {
            "name" => true,
            "namespace" => self.namespace.is_some(),
            "labels" => self.labels.is_some(),
            "annotations" => self.annotations.is_some(),
            k => self.rest.contains_key(k),
        }
    }

    /// The keys to write, in order: as read, then any set since at its conventional place.
    fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self
            .order
            .iter()
            .map(String::as_str)
            .filter(|k| self.has(k))
            .collect();
        for k in ["name", "namespace", "labels", "annotations"] {
            if self.has(k) && !keys.contains(&k) {
                let rank = meta_rank(k);
                match keys.iter().position(|x| meta_rank(x) > rank) {
                    Some(i) => keys.insert(i, k),
                    None => keys.push(k),
                }
            }
        }
        for k in self.rest.keys() {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        keys
    }

    fn field(&self, key: &str) -> Option<Value> {
        let map = |m: &StringMap| {
            Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            )
        };
        match key {
            "name" => Some(Value::String(self.name.clone())),
            "namespace" => self.namespace.clone().map(Value::String),
            "labels" => self.labels.as_ref().map(map),
            "annotations" => self.annotations.as_ref().map(map),
            k => self.rest.get(k).cloned(),
        }
    }

    /// The metadata as JSON, keys in the order described in the module doc.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        for k in self.keys() {
            if let Some(v) = self.field(k) {
                m.insert(k.to_string(), v);
            }
        }
        Value::Object(m)
    }

    /// Reads `metadata` (a JSON object). `Err`: the field that is missing or of the wrong type.
    pub fn from_value(v: Value) -> Result<ObjectMeta, ObjectError> {
        let Value::Object(m) = v else {
            return Err(ObjectError::new("/metadata", wrong("a mapping", &v)));
        };
        let mut meta = ObjectMeta::default();
        let mut name = None;
        for (k, v) in m {
            match k.as_str() {
                "name" => name = Some(string(v, "/metadata/name")?),
                "namespace" => meta.namespace = Some(string(v, "/metadata/namespace")?),
                "labels" => meta.labels = Some(string_map(v, "/metadata/labels")?),
                "annotations" => meta.annotations = Some(string_map(v, "/metadata/annotations")?),
                _ => {
                    meta.order.push(k.clone());
                    meta.rest.insert(k, v);
                    continue;
                }
            }
            meta.order.push(k);
        }
        meta.name = name.ok_or_else(|| ObjectError::new("/metadata/name", "is missing".into()))?;
        Ok(meta)
    }
}

impl From<super::types::ObjectMeta> for ObjectMeta {
    fn from(m: super::types::ObjectMeta) -> ObjectMeta {
        let nonempty = |m: super::types::Map| (!m.is_empty()).then(|| m.into_iter().collect());
        ObjectMeta {
            name: m.name,
            namespace: m.namespace,
            labels: nonempty(m.labels),
            annotations: nonempty(m.annotations),
            ..ObjectMeta::default()
        }
    }
}

impl Serialize for ObjectMeta {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let keys = self.keys();
        let mut map = s.serialize_map(Some(keys.len()))?;
        for k in keys {
            if let Some(v) = self.field(k) {
                map.serialize_entry(k, &v)?;
            }
        }
        map.end()
    }
}

/// Why a JSON value is not an object komply can carry: the field (a JSON pointer) and what is
/// wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectError {
    pub pointer: String,
    pub problem: String,
}

impl ObjectError {
    pub fn new(pointer: &str, problem: String) -> ObjectError {
        ObjectError {
            pointer: pointer.to_string(),
            problem,
        }
    }
}

impl std::fmt::Display for ObjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "the object {}", self.problem)
        } else {
            write!(f, "`{}` {}", self.pointer, self.problem)
        }
    }
}

impl std::error::Error for ObjectError {}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn wrong(want: &str, v: &Value) -> String {
    format!("is {}, not {want}", type_name(v))
}

fn string(v: Value, pointer: &str) -> Result<String, ObjectError> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(ObjectError::new(pointer, wrong("a string", &other))),
    }
}

fn string_map(v: Value, pointer: &str) -> Result<StringMap, ObjectError> {
    let Value::Object(m) = v else {
        return Err(ObjectError::new(pointer, wrong("a mapping", &v)));
    };
    m.into_iter()
        .map(|(k, v)| {
            let at = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
            Ok((k, string(v, &at)?))
        })
        .collect()
}

/// One Kubernetes object: typed type and metadata, the body as JSON, and its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub types: TypeMeta,
    pub metadata: ObjectMeta,
    /// Every top-level field but `apiVersion`, `kind` and `metadata` (`spec`, `data`…), in order.
    pub body: Map<String, Value>,
    /// Which service (and compose keys) made it; not part of the object's JSON.
    pub provenance: Provenance,
}

impl Object {
    /// An object with just a type and a name (add the body and the rest of the metadata).
    pub fn new(api_version: &str, kind: &str, name: &str) -> Object {
        Object {
            types: TypeMeta::new(api_version, kind),
            metadata: ObjectMeta::named(name),
            body: Map::new(),
            provenance: Provenance::default(),
        }
    }

    /// Reads a JSON object (no provenance). `Err` names the field that is missing or of the
    /// wrong type.
    pub fn from_value(v: Value) -> Result<Object, ObjectError> {
        let Value::Object(mut m) = v else {
            return Err(ObjectError::new("", wrong("a mapping", &v)));
        };
        let mut take = |key: &str| {
            let v = m.shift_remove(key);
            v.ok_or_else(|| ObjectError::new(&format!("/{key}"), "is missing".into()))
        };
        let api_version = string(take("apiVersion")?, "/apiVersion")?;
        let kind = string(take("kind")?, "/kind")?;
        let metadata = ObjectMeta::from_value(take("metadata")?)?;
        Ok(Object {
            types: TypeMeta { api_version, kind },
            metadata,
            body: m,
            provenance: Provenance::default(),
        })
    }

    /// A typed object (`crate::k8s::types`) as an envelope. `Err` when it cannot be serialised
    /// (a komply bug) or does not read back as an object.
    pub fn from_typed<T: Serialize>(typed: &T) -> Result<Object, ObjectError> {
        let v = serde_json::to_value(typed)
            .map_err(|e| ObjectError::new("", format!("cannot be serialised: {e}")))?;
        Object::from_value(v)
    }

    /// The same object with `provenance`.
    pub fn with_provenance(mut self, provenance: Provenance) -> Object {
        self.provenance = provenance;
        self
    }

    /// The object as JSON: `apiVersion`, `kind`, `metadata`, then the body (see the module doc).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert(
            "apiVersion".into(),
            Value::String(self.types.api_version.clone()),
        );
        m.insert("kind".into(), Value::String(self.types.kind.clone()));
        m.insert("metadata".into(), self.metadata.to_value());
        for (k, v) in &self.body {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }

    /// Replaces type, metadata and body by those of `v`, keeping the provenance (after an edit
    /// made on the JSON form: a patch, a redaction).
    pub fn replace_with_value(&mut self, v: Value) -> Result<(), ObjectError> {
        let new = Object::from_value(v)?;
        self.types = new.types;
        self.metadata = new.metadata;
        self.body = new.body;
        Ok(())
    }

    pub fn kind(&self) -> &str {
        &self.types.kind
    }

    pub fn api_version(&self) -> &str {
        &self.types.api_version
    }

    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    pub fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }

    /// The service the object was made from.
    pub fn service(&self) -> Option<&str> {
        self.provenance.service.as_deref()
    }

    /// Whether it is the `kind` called `name`.
    pub fn is(&self, kind: &str, name: &str) -> bool {
        self.types.kind == kind && self.metadata.name == name
    }

    /// `Kind/name`, or `Kind/namespace/name` when it has a namespace, as messages name objects.
    pub fn display(&self) -> String {
        match &self.metadata.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.types.kind, self.metadata.name),
            None => format!("{}/{}", self.types.kind, self.metadata.name),
        }
    }

    /// The body field at `path` (`["spec", "selector"]`); `None` when any step is missing.
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        rest.iter()
            .try_fold(self.body.get(*first)?, |v, k| v.get(*k))
    }

    /// The body field at `path`, to change it; `None` when any step is missing.
    pub fn get_mut(&mut self, path: &[&str]) -> Option<&mut Value> {
        let (first, rest) = path.split_first()?;
        rest.iter()
            .try_fold(self.body.get_mut(*first)?, |v, k| v.get_mut(*k))
    }

    /// Sets the body field at `path`, creating the mappings on the way that are missing (a new
    /// key goes last). Returns false, changing nothing, when a step is there but not a mapping.
    pub fn set(&mut self, path: &[&str], value: Value) -> bool {
        let Some((last, parents)) = path.split_last() else {
            return false;
        };
        let mut map = &mut self.body;
        for k in parents {
            let next = map
                .entry(k.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(m) = next else {
                return false;
            };
            map = m;
        }
        map.insert(last.to_string(), value);
        true
    }

    /// The string at `path` in the body.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.get(path)?.as_str()
    }

    /// The items of the list at `path` in the body (none when it is missing or not a list).
    pub fn items_at<'a>(&'a self, path: &[&str]) -> impl Iterator<Item = &'a Value> + use<'a> {
        self.get(path)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    }

    /// `spec`, when there is one.
    pub fn spec(&self) -> Option<&Value> {
        self.body.get("spec")
    }

    pub fn spec_mut(&mut self) -> Option<&mut Value> {
        self.body.get_mut("spec")
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3 + self.body.len()))?;
        map.serialize_entry("apiVersion", &self.types.api_version)?;
        map.serialize_entry("kind", &self.types.kind)?;
        map.serialize_entry("metadata", &self.metadata)?;
        for (k, v) in &self.body {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl TryFrom<Value> for Object {
    type Error = ObjectError;
    fn try_from(v: Value) -> Result<Object, ObjectError> {
        Object::from_value(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(v: Value) {
        let text = serde_json::to_string(&v).unwrap();
        let o = Object::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_string(&o.to_value()).unwrap(), text);
        assert_eq!(serde_json::to_string(&o).unwrap(), text);
    }

    #[test]
    fn metadata_order_is_kept_byte_for_byte() {
        round_trip(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"annotations": {"z": "1", "a": "2"}, "name": "x", "generateName": "x-",
                         "labels": {"b": "1", "a": "2"}, "namespace": "n"},
            "data": {"k": "v"}, "binaryData": {}}));
        round_trip(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {}}, "spec": {"replicas": 1}}));
    }

    #[test]
    fn fields_set_later_go_to_their_conventional_place() {
        let mut o = Object::from_value(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "annotations": {"a": "1"}}}))
        .unwrap();
        o.metadata.labels_mut().insert("app".into(), "web".into());
        o.metadata.namespace = Some("shop".into());
        let keys: Vec<String> = o.to_value()["metadata"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["name", "namespace", "labels", "annotations"]);
        // Removed fields are gone.
        o.metadata.annotations = None;
        assert!(o.to_value()["metadata"].get("annotations").is_none());
    }

    #[test]
    fn a_value_that_is_no_object_is_an_error_naming_the_field() {
        let err = |v: Value| Object::from_value(v).unwrap_err().to_string();
        assert_eq!(err(json!([])), "the object is a list, not a mapping");
        assert_eq!(
            err(json!({"kind": "Service", "metadata": {"name": "x"}})),
            "`/apiVersion` is missing"
        );
        assert_eq!(
            err(json!({"apiVersion": "v1", "kind": 3, "metadata": {"name": "x"}})),
            "`/kind` is a number, not a string"
        );
        assert_eq!(
            err(json!({"apiVersion": "v1", "kind": "Service", "metadata": {}})),
            "`/metadata/name` is missing"
        );
        assert_eq!(
            err(json!({"apiVersion": "v1", "kind": "Service",
                       "metadata": {"name": "x", "labels": {"a/b": 1}}})),
            "`/metadata/labels/a~1b` is a number, not a string"
        );
    }

    #[test]
    fn set_creates_what_is_missing_and_refuses_to_replace_a_value() {
        let mut o = Object::new("v1", "Service", "web");
        assert!(o.set(&["spec", "selector", "color"], json!("blue")));
        assert_eq!(o.str_at(&["spec", "selector", "color"]), Some("blue"));
        assert!(o.set(&["spec", "type"], json!("ClusterIP")));
        assert!(!o.set(&["spec", "type", "x"], json!(1)));
        assert_eq!(o.str_at(&["spec", "type"]), Some("ClusterIP"));
        assert_eq!(o.items_at(&["spec", "ports"]).count(), 0);
    }

    /// Every object of the bundled examples, in every environment, read back from its YAML
    /// as `komply convert` prints it: the envelope gives the same JSON, byte for byte.
    #[test]
    fn every_object_of_the_examples_round_trips() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut checked = 0;
        let mut dirs: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|d| d.join("compose.yaml").is_file())
            .collect();
        dirs.sort();
        assert!(dirs.len() >= 3, "{dirs:?}");
        for dir in dirs {
            let mut envs: Vec<Option<String>> = vec![None];
            envs.extend(crate::overlay::available_envs(&dir).into_iter().map(Some));
            for env in envs {
                let mut req = crate::pipeline::ConvertRequest::new(crate::compose::LoadOptions {
                    files: vec![dir.join("compose.yaml")],
                    working_dir: dir.clone(),
                    resolve_paths: true,
                    ..Default::default()
                });
                req.env = env.clone();
                let converted = crate::pipeline::convert(&req)
                    .unwrap_or_else(|f| panic!("{} {env:?}: {f}", dir.display()));
                for o in &converted.output.objects {
                    let yaml = crate::yaml::to_yaml(&o.to_value());
                    let id = crate::source::sources().add_named("round-trip.yaml", yaml.as_str());
                    let docs =
                        crate::yaml::parse_documents(id, &yaml, &Default::default()).unwrap();
                    let read = docs[0].to_json();
                    let text = serde_json::to_string(&read).unwrap();
                    let back = Object::from_value(read).unwrap();
                    assert_eq!(
                        serde_json::to_string(&back).unwrap(),
                        text,
                        "{}",
                        o.display()
                    );
                    assert_eq!(serde_json::to_string(o).unwrap(), text, "{}", o.display());
                    assert_eq!(crate::yaml::to_yaml(&back.to_value()), yaml);
                    checked += 1;
                }
            }
        }
        assert!(checked > 100, "{checked}");
    }

    #[test]
    fn type_meta_splits_group_and_version() {
        let t = TypeMeta::new("apps/v1", "Deployment");
        assert_eq!((t.group(), t.version()), ("apps", "v1"));
        let t = TypeMeta::new("v1", "Service");
        assert_eq!((t.group(), t.version()), ("", "v1"));
    }

    #[test]
    fn typed_objects_become_envelopes() {
        let typed = super::super::types::TypedObject {
            api_version: "v1",
            kind: "Namespace",
            metadata: super::super::types::ObjectMeta {
                name: "shop".into(),
                ..Default::default()
            },
            body: super::super::types::Empty {},
        };
        let o = Object::from_typed(&typed).unwrap();
        assert!(o.is("Namespace", "shop"));
        assert_eq!(
            serde_json::to_string(&o).unwrap(),
            r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}"#
        );
    }
}
