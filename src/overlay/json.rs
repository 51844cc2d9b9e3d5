//! JSON edits that keep a Kubernetes object's conventional key order (serde_json's map keeps
//! insertion order but cannot move an entry): used by the settings of `apply.rs` and the
//! tracks of `strategy.rs`.

use serde_json::{Map, Value};

/// Inserts `key` into an object keeping the conventional order: right after the first of
/// `after` present (or at the end), replacing an existing value in place.
pub(crate) fn insert_after(obj: &mut Value, key: &str, value: Value, after: &[&str]) {
    let Value::Object(m) = obj else { return };
    if let Some(v) = m.get_mut(key) {
        *v = value;
        return;
    }
    let pos = after
        .iter()
        .find_map(|a| m.keys().position(|k| k == a))
        .map(|i| i + 1);
    insert_at(m, key, value, pos);
}

/// Inserts a new key at position `pos` (the end when `None`); the map is rebuilt.
pub(crate) fn insert_at(m: &mut Map<String, Value>, key: &str, value: Value, pos: Option<usize>) {
    let Some(pos) = pos.filter(|p| *p < m.len()) else {
        m.insert(key.to_string(), value);
        return;
    };
    let old = std::mem::take(m);
    for (i, (k, v)) in old.into_iter().enumerate() {
        if i == pos {
            m.insert(key.to_string(), value.clone());
        }
        m.insert(k, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_land_in_conventional_places() {
        let mut c = json!({"name": "web", "image": "nginx", "env": [], "securityContext": {}});
        insert_after(&mut c, "resources", json!({}), &["env", "ports"]);
        insert_after(&mut c, "image", json!("nginx:2"), &[]);
        let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["name", "image", "env", "resources", "securityContext"]
        );
        assert_eq!(c["image"], "nginx:2");
        let m = c.as_object_mut().unwrap();
        insert_at(m, "first", json!(1), Some(0));
        insert_at(m, "last", json!(2), None);
        let keys: Vec<&String> = m.keys().collect();
        assert_eq!(keys.first().map(|k| k.as_str()), Some("first"));
        assert_eq!(keys.last().map(|k| k.as_str()), Some("last"));
    }
}
