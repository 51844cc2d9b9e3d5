//! The overlay's `secret_store`: which store every ExternalSecret reads from, and the remote key
//! of each value, rendered with minijinja from `env`, `project`, `service` and `key`.

use serde_json::Value;

use crate::diag::{Code, Diagnostic};
use crate::k8s::Object;
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

/// Boxed: a `Diagnostic` is large, and these are the error side of hot `Result`s.
fn located(at: Span, e: impl std::fmt::Display) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(format!("secret_store.remote_key: {e}"))
        .at(at)
        .code(Code::OverlayRemoteKey)
        .help("a minijinja template using env, project, service and key, e.g. `{{ env }}/{{ service }}/{{ key }}`"))
}

/// Budgets of a remote-key template (docs/overlays.md): its length, the instructions one
/// render may run (minijinja fuel: a loop of loops stops instead of running for seconds) and
/// the bytes it may write (a key, not a gigabyte).
pub(crate) const MAX_TEMPLATE_BYTES: usize = 4096;
pub(crate) const FUEL: u64 = 50_000;
pub(crate) const MAX_KEY_BYTES: usize = 64 * 1024;

/// A writer that refuses to grow past [`MAX_KEY_BYTES`] (and remembers it did).
#[derive(Default)]
struct Bounded {
    bytes: Vec<u8>,
    overflowed: bool,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_KEY_BYTES {
            self.overflowed = true;
            return Err(std::io::Error::other("remote key too long"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl RemoteKeys {
    pub(crate) fn compile(pattern: &str, at: Span) -> Result<RemoteKeys, Box<Diagnostic>> {
        if pattern.len() > MAX_TEMPLATE_BYTES {
            return Err(located(
                at,
                format!("the template is longer than {MAX_TEMPLATE_BYTES} bytes"),
            ));
        }
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        env.add_template_owned("remote_key", pattern.to_string())
            .map_err(|e| located(at, e))?;
        let per_key = env
            .get_template("remote_key")
            .map_err(|e| located(at, e))?
            .undeclared_variables(false)
            .contains("key");
        Ok(RemoteKeys { env, per_key, at })
    }

    fn render(&self, ctx: &Ctx, service: &str, key: &str) -> Result<String, Box<Diagnostic>> {
        let mut out = Bounded::default();
        let rendered = self.env.get_template("remote_key").and_then(|t| {
            t.render_captured_to(
                minijinja::context! {
                    env => ctx.env.as_str(),
                    project => ctx.project.as_str(),
                    service => service,
                    key => key,
                },
                &mut out,
            )
        });
        if let Err(e) = rendered {
            return Err(located(
                self.at,
                if out.overflowed {
                    format!("renders more than {MAX_KEY_BYTES} bytes, the limit for a remote key")
                } else if e.kind() == minijinja::ErrorKind::OutOfFuel {
                    format!(
                        "runs more than {FUEL} template instructions, the limit for a remote key"
                    )
                } else {
                    e.to_string()
                },
            ));
        }
        let out = String::from_utf8_lossy(&out.bytes).into_owned();
        if out.trim().is_empty() {
            return Err(located(self.at, "renders an empty key"));
        }
        Ok(out)
    }
}

/// Points an ExternalSecret at the overlay's store and renders its remote keys.
pub(crate) fn apply(
    obj: &mut Object,
    service: &str,
    store: &SecretStore,
    keys: Option<&RemoteKeys>,
    ctx: &Ctx,
) -> Result<(), Box<Diagnostic>> {
    if let Some(r) = obj.get_mut(&["spec", "secretStoreRef"]) {
        if let Some(n) = &store.name {
            r["name"] = Value::from(n.as_str());
        }
        if let Some(k) = &store.kind {
            r["kind"] = Value::from(k.as_str());
        }
    }
    let Some(keys) = keys else {
        return Ok(());
    };
    let prefix = format!("{}/", ctx.project);
    if let Some(Value::Array(data)) = obj.get_mut(&["spec", "data"]) {
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
            remote.insert("key".into(), Value::from(rendered));
        }
    }
    Ok(())
}
