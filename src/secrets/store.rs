//! What the user must create in the secret store before the pods start: every remote key the
//! generated ExternalSecrets read, with its properties, per store (for `MIGRATION.md` and the
//! deployability report). Only names — never a value.

use crate::k8s::Object;

/// One remote key of one store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteKey {
    /// `Kind/name` of the store.
    pub store: String,
    pub key: String,
    /// Properties read from the key (empty: the whole value is read).
    pub properties: Vec<String>,
    /// The ExternalSecrets that read it (`ExternalSecret/name`).
    pub used_by: Vec<String>,
}

/// Remote keys of every ExternalSecret among `objects`, by store then key.
pub fn keys_to_create(objects: &[Object]) -> Vec<RemoteKey> {
    let mut out: Vec<RemoteKey> = Vec::new();
    for o in objects.iter().filter(|o| o.kind() == "ExternalSecret") {
        let store = format!(
            "{}/{}",
            o.str_at(&["spec", "secretStoreRef", "kind"])
                .unwrap_or("SecretStore"),
            o.str_at(&["spec", "secretStoreRef", "name"])
                .unwrap_or_default()
        );
        let by = format!("ExternalSecret/{}", o.name());
        for d in o.items_at(&["spec", "data"]) {
            let key = d["remoteRef"]["key"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let property = d["remoteRef"]["property"].as_str().map(str::to_string);
            let entry = match out.iter_mut().find(|k| k.store == store && k.key == key) {
                Some(e) => e,
                None => {
                    out.push(RemoteKey {
                        store: store.clone(),
                        key: key.clone(),
                        properties: Vec::new(),
                        used_by: Vec::new(),
                    });
                    out.last_mut().expect("just pushed")
                }
            };
            if let Some(p) = property
                && !entry.properties.contains(&p)
            {
                entry.properties.push(p);
            }
            if !entry.used_by.contains(&by) {
                entry.used_by.push(by.clone());
            }
        }
    }
    out.sort_by(|a, b| (&a.store, &a.key).cmp(&(&b.store, &b.key)));
    for k in &mut out {
        k.properties.sort();
    }
    out
}
