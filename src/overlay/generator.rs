//! `secrets: generator`: an environment without a secret store (a dev cluster).
//!
//! Every ExternalSecret is left out; the pods read one Secret `<project>-secrets` instead:
//! variables under `<service>.<VARIABLE>` (two services' `DB_PASSWORD` stay two values), whole
//! files (Compose secrets, secret-looking bind-mounted files) under their own key, as the
//! ExternalSecrets had them. `komply migrate` writes that Secret as a kustomize
//! `secretGenerator` fed by a git-ignored `secrets.env` (`migrate/mod.rs`); `komply convert`
//! says which keys to create. No value is ever known here, let alone written.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diag::{Code, Diagnostic};
use crate::generate::{SecretGenerator, naming::dns_label};
use crate::k8s::Object;
use crate::yaml::Span;

/// A service's objects (`None`: the project's own, such as the Namespace), in output order.
pub(crate) type Group = (Option<String>, Vec<Object>);

/// (Secret name, key) → new key, for the Secrets the ExternalSecrets would have made.
type KeyMap = BTreeMap<(String, String), String>;

/// Rewrites the references of one pod spec to the generated Secret.
fn rewrite_pod_spec(spec: &mut Value, keys: &KeyMap, generated: &str) {
    for list in ["initContainers", "containers"] {
        if let Some(Value::Array(cs)) = spec.get_mut(list) {
            for c in cs {
                if let Some(Value::Array(env)) = c.get_mut("env") {
                    for e in env {
                        let Some(r) = e.pointer_mut("/valueFrom/secretKeyRef") else {
                            continue;
                        };
                        let name = r["name"].as_str().unwrap_or_default().to_string();
                        let key = r["key"].as_str().unwrap_or_default().to_string();
                        if let Some(new) = keys.get(&(name, key)) {
                            r["name"] = Value::from(generated);
                            r["key"] = Value::from(new.as_str());
                        }
                    }
                }
            }
        }
    }
    let secrets: Vec<String> = keys.keys().map(|(n, _)| n.clone()).collect();
    if let Some(Value::Array(vols)) = spec.get_mut("volumes") {
        for v in vols {
            if let Some(s) = v.pointer_mut("/secret/secretName")
                && s.as_str().is_some_and(|n| secrets.iter().any(|x| x == n))
            {
                *s = Value::from(generated);
            }
            if let Some(Value::Array(sources)) = v.pointer_mut("/projected/sources") {
                for src in sources {
                    if let Some(s) = src.pointer_mut("/secret/name")
                        && s.as_str().is_some_and(|n| secrets.iter().any(|x| x == n))
                    {
                        *s = Value::from(generated);
                    }
                }
            }
        }
    }
}

/// Applies generator mode to the groups of objects (service, objects); returns the Secret the
/// pods now read and a warning that says how to create it (`None` when nothing is secret).
pub(crate) fn apply(
    groups: &mut [Group],
    project: &str,
    env: &str,
    env_labels: &super::model::Map,
    at: Span,
) -> Option<(SecretGenerator, Diagnostic)> {
    let name = format!("{}-secrets", dns_label(project));
    // The project's labels (no `name`: the Secret is every service's) and the environment's.
    let mut labels = crate::generate::naming::labels(project, project, None);
    labels.remove("app.kubernetes.io/name");
    labels.extend(env_labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut generator = SecretGenerator {
        name: name.clone(),
        labels,
        ..Default::default()
    };
    let mut keys: KeyMap = BTreeMap::new();
    for (svc, objs) in groups.iter() {
        let service = svc.as_deref().unwrap_or_default();
        for o in objs.iter().filter(|o| o.kind() == "ExternalSecret") {
            let target = o
                .str_at(&["spec", "target", "name"])
                .unwrap_or(o.name())
                .to_string();
            if generator.namespace.is_none() {
                generator.namespace = o.metadata.namespace.clone();
            }
            for d in o.items_at(&["spec", "data"]) {
                let key = d["secretKey"].as_str().unwrap_or_default().to_string();
                // A variable has a property in the service's remote key; a whole file none.
                let is_variable = d["remoteRef"]["property"].is_string();
                let new = if is_variable {
                    let k = format!("{}.{key}", dns_label(service));
                    if !generator.env_keys.iter().any(|(e, _, _)| *e == k) {
                        generator
                            .env_keys
                            .push((k.clone(), service.to_string(), key.clone()));
                    }
                    k
                } else {
                    if !generator.file_keys.contains(&key) {
                        generator.file_keys.push(key.clone());
                    }
                    key.clone()
                };
                keys.insert((target.clone(), key), new);
            }
        }
    }
    if keys.is_empty() {
        return None;
    }
    for (_, objs) in groups.iter_mut() {
        objs.retain(|o| o.kind() != "ExternalSecret");
        for spec in objs.iter_mut().filter_map(Object::pod_spec_mut) {
            rewrite_pod_spec(spec, &keys, &name);
        }
    }
    generator.env_keys.sort();
    generator.file_keys.sort();
    let mut listed: Vec<String> = generator
        .env_keys
        .iter()
        .map(|(k, _, _)| k.clone())
        .collect();
    listed.extend(generator.file_keys.iter().cloned());
    let mut create = format!("kubectl create secret generic {name}");
    if !generator.env_keys.is_empty() {
        create.push_str(" --from-env-file=secrets.env");
    }
    for f in &generator.file_keys {
        create.push_str(&format!(" --from-file={f}=<file>"));
    }
    let d = Diagnostic::warning(format!(
        "environment `{env}` uses `secrets: generator`: no ExternalSecret is written; the pods read the Secret `{name}` (keys: {}), which nothing here creates",
        listed.join(", ")
    ))
    .at(at)
    .code(Code::OverlaySecretGenerator)
    .help(format!(
        "`komply migrate` writes it as a kustomize secretGenerator fed by `overlays/{env}/secrets.env`; or create it: `{create}`"
    ));
    Some((generator, d))
}
