//! The overlay's `secret_store`: which store every ExternalSecret reads from, and the remote key
//! of each value, rendered with minijinja from `env`, `project`, `service` and `key`.

use serde_json::{Value, json};

use crate::diag::Diagnostic;
use crate::yaml::Span;

use super::Ctx;
use super::model::SecretStore;

/// The compiled remote-key template (compiled once per run, rendered per value).
pub(crate) struct RemoteKeys {
    env: minijinja::Environment<'static>,
    /// The template uses `key`: one remote key per value, no `property`.
    per_key: bool,
    at: Span,
}

fn located(at: Span, e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(format!("secret_store.remote_key: {e}"))
        .at(at)
        .code("overlay/remote-key")
        .help("a minijinja template using env, project, service and key, e.g. `{{ env }}/{{ service }}/{{ key }}`")
}

impl RemoteKeys {
    pub(crate) fn compile(pattern: &str, at: Span) -> Result<RemoteKeys, Diagnostic> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_template_owned("remote_key", pattern.to_string())
            .map_err(|e| located(at, e))?;
        let per_key = env
            .get_template("remote_key")
            .map_err(|e| located(at, e))?
            .undeclared_variables(false)
            .contains("key");
        Ok(RemoteKeys { env, per_key, at })
    }

    fn render(&self, ctx: &Ctx, service: &str, key: &str) -> Result<String, Diagnostic> {
        let out = self
            .env
            .get_template("remote_key")
            .and_then(|t| {
                t.render(minijinja::context! {
                    env => ctx.env.as_str(),
                    project => ctx.project.as_str(),
                    service => service,
                    key => key,
                })
            })
            .map_err(|e| located(self.at, e))?;
        if out.trim().is_empty() {
            return Err(located(self.at, "renders an empty key"));
        }
        Ok(out)
    }
}

pub(crate) fn apply(
    obj: &mut Value,
    service: &str,
    store: &SecretStore,
    keys: Option<&RemoteKeys>,
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
    let Some(keys) = keys else {
        return Ok(());
    };
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
            let mut rendered = keys.render(ctx, service, &key)?;
            let Some(remote) = d["remoteRef"].as_object_mut() else {
                continue;
            };
            if keys.per_key {
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
