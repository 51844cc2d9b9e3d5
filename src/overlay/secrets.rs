//! The overlay's `secret_store`: which store every ExternalSecret reads from, and the remote key
//! of each value, rendered with minijinja from `env`, `project`, `service` and `key`.

use serde_json::{Value, json};

use crate::diag::Diagnostic;
use crate::yaml::Node;

use super::model::SecretStore;
use super::{Ctx, span_at};

fn render(
    env: &minijinja::Environment,
    ctx: &Ctx,
    service: &str,
    key: &str,
) -> Result<String, minijinja::Error> {
    env.get_template("remote_key")?.render(minijinja::context! {
        env => ctx.env.as_str(),
        project => ctx.project.as_str(),
        service => service,
        key => key,
    })
}

pub(crate) fn apply(
    obj: &mut Value,
    service: &str,
    store: &SecretStore,
    merged: &Node,
    ctx: &Ctx,
) -> Result<(), Diagnostic> {
    if let Some(r) = obj.pointer_mut("/spec/secretStoreRef") {
        if let Some(n) = &store.name {
            r["name"] = json!(n);
        }
        if let Some(k) = &store.kind {
            r["kind"] = json!(k);
        }
    }
    let Some(pattern) = &store.remote_key else {
        return Ok(());
    };
    let at = span_at(merged, &["secret_store", "remote_key"]);
    let fail = |e: minijinja::Error| {
        Diagnostic::error(format!("secret_store.remote_key: {e}"))
            .at(at)
            .code("overlay/remote-key")
            .help("a minijinja template using env, project, service and key, e.g. `{{ env }}/{{ service }}/{{ key }}`")
    };
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_template("remote_key", pattern).map_err(fail)?;
    let per_key = env
        .get_template("remote_key")
        .map_err(fail)?
        .undeclared_variables(false)
        .contains("key");
    let prefix = format!("{}/", ctx.project);
    if let Some(Value::Array(data)) = obj.pointer_mut("/spec/data") {
        for d in data {
            let property = d["remoteRef"]["property"].as_str().map(str::to_string);
            // A Compose secret (no property) is read whole from `<project>/<secret>`.
            let key = match &property {
                Some(p) => p.clone(),
                None => d["remoteRef"]["key"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_start_matches(&prefix)
                    .to_string(),
            };
            let mut rendered = render(&env, ctx, service, &key).map_err(fail)?;
            if rendered.trim().is_empty() {
                return Err(fail(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    "renders an empty key",
                )));
            }
            let remote = d["remoteRef"].as_object_mut();
            let Some(remote) = remote else { continue };
            if per_key {
                remote.shift_remove("property");
            } else if property.is_none() {
                // Whole values need a key of their own.
                rendered = format!("{rendered}/{key}");
            }
            remote.insert("key".into(), json!(rendered));
        }
    }
    Ok(())
}
