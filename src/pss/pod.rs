//! A read-only view of a pod's metadata and spec as JSON, with Go's decoding rules where they
//! matter (an absent or `null` struct is a nil pointer, an absent bool is false, a field of the
//! wrong type is treated as absent — the API server would refuse to decode it), and the API
//! server's preparation of the object before admission sees it (`Preparation`).

use serde_json::Value;

use super::path::FieldPath;

/// The mapping at `key` of `v`, if `v` is a mapping and that value is a mapping (a non-nil
/// struct pointer; `{}` counts, `null` does not).
pub(crate) fn obj<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|x| x.is_object())
}

/// A plain Go bool: true only when the value is JSON `true`.
pub(crate) fn flag(v: &Value, key: &str) -> bool {
    v.get(key) == Some(&Value::Bool(true))
}

/// A Go `*bool`: `None` when absent or `null`.
pub(crate) fn opt_bool(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

/// A Go string field: `""` when absent or `null`.
pub(crate) fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A Go `*string`: `None` when absent or `null`.
pub(crate) fn opt_text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A Go list field: empty when absent or `null`.
pub(crate) fn items<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A Go integer field (`*int64`, or an `int32` whose zero is "unset"): `None` when absent.
pub(crate) fn int(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

/// An item of a string list, as Go decodes it (`null` is `""`).
pub(crate) fn item_text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// Which list of the pod spec a container is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContainerList {
    Init,
    Regular,
    Ephemeral,
}

/// One container of the pod, with its path.
pub(crate) struct Container<'a> {
    pub name: &'a str,
    pub value: &'a Value,
    pub list: ContainerList,
    pub path: FieldPath,
}

impl<'a> Container<'a> {
    /// `securityContext`, when set.
    pub fn sc(&self) -> Option<&'a Value> {
        obj(self.value, "securityContext")
    }

    /// The path of `securityContext.<field>`.
    pub fn sc_path(&self, field: &str) -> FieldPath {
        self.path.key("securityContext").key(field)
    }
}

/// What the API server did to the object before the admission saw it, beyond what every pod
/// spec gets (a volume without a source becomes `emptyDir: {}`, which `restrictedVolumes`
/// accounts for directly).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Preparation {
    /// With `hostNetwork: true`, each init and regular container port without a `hostPort` has
    /// `hostPort = containerPort` (`defaultHostNetworkPorts`; Pods only since Kubernetes 1.28,
    /// every pod spec before).
    pub host_network_ports: bool,
    /// A Pod's `container.apparmor.security.beta.kubernetes.io/<container>` annotation is copied
    /// to that container's `appArmorProfile` field when the field is unset and the profile
    /// differs from the pod's (`applyAppArmorVersionSkew` in the Pod strategy's
    /// `PrepareForCreate`, Kubernetes 1.30+; not for `spec.os.name: windows`).
    pub apparmor_annotations_to_fields: bool,
}

/// The pod as the checks see it.
pub(crate) struct Pod<'a> {
    pub meta: &'a Value,
    pub spec: &'a Value,
    pub prep: Preparation,
    pub containers: Vec<Container<'a>>,
}

impl<'a> Pod<'a> {
    /// A view of `meta` and `spec` (either may be `null`).
    pub fn new(meta: &'a Value, spec: &'a Value, prep: Preparation) -> Pod<'a> {
        let base = FieldPath::root().key("spec");
        let mut containers = Vec::new();
        let lists = [
            ("initContainers", ContainerList::Init),
            ("containers", ContainerList::Regular),
            ("ephemeralContainers", ContainerList::Ephemeral),
        ];
        for (key, list) in lists {
            for (i, value) in items(spec, key).iter().enumerate() {
                containers.push(Container {
                    name: text(value, "name"),
                    value,
                    list,
                    path: base.key(key).index(i),
                });
            }
        }
        Pod {
            meta,
            spec,
            prep,
            containers,
        }
    }

    /// `spec.securityContext`, when set.
    pub fn sc(&self) -> Option<&'a Value> {
        obj(self.spec, "securityContext")
    }

    /// The path of `spec.securityContext.<field>`.
    pub fn sc_path(&self, field: &str) -> FieldPath {
        FieldPath::root()
            .key("spec")
            .key("securityContext")
            .key(field)
    }

    /// The path of `spec.<field>`.
    pub fn spec_path(&self, field: &str) -> FieldPath {
        FieldPath::root().key("spec").key(field)
    }

    /// The pod's annotations with string values (`null` read as `""`), in document order.
    pub fn annotations(&self) -> Vec<(&'a str, &'a str)> {
        let Some(map) = obj(self.meta, "annotations").and_then(Value::as_object) else {
            return Vec::new();
        };
        map.iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k.as_str(), s.as_str())),
                Value::Null => Some((k.as_str(), "")),
                _ => None,
            })
            .collect()
    }

    /// The annotation `key`, if present.
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        let v = obj(self.meta, "annotations")?.get(key)?;
        match v {
            Value::String(s) => Some(s),
            Value::Null => Some(""),
            _ => None,
        }
    }

    /// The path of `metadata.annotations[key]`.
    pub fn annotation_path(&self, key: &str) -> FieldPath {
        FieldPath::root()
            .key("metadata")
            .key("annotations")
            .key(key)
    }

    /// `spec.os.name` is `windows`.
    pub fn is_windows(&self) -> bool {
        obj(self.spec, "os").is_some_and(|os| text(os, "name") == "windows")
    }

    /// `spec.hostUsers` is explicitly false (the pod runs in a user namespace).
    pub fn in_user_namespace(&self) -> bool {
        opt_bool(self.spec, "hostUsers") == Some(false)
    }
}
