use super::secret_in_env::{literal_value, private_key_value, secret_like_name};
use super::{LintContext, Sink};

declare_rule! {
    /// A ConfigMap holds what looks like a secret.
    ///
    /// ## What it checks
    /// Keys of a ConfigMap's `data` whose name looks like a credential (same markers as
    /// `secret-in-env`: `SECRET`, `PASSWORD`, `TOKEN`, `API_KEY`, …) with a non-empty value, and
    /// any value holding a PEM private key. The value is never printed.
    ///
    /// ## Why
    /// ConfigMaps are not access-controlled like Secrets: anyone who can read the namespace's
    /// configuration can read them, and they end up in logs and dashboards.
    ///
    /// ## How to fix
    /// Move the key to a Secret (or an ExternalSecret) and mount or reference that instead.
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// kind: ConfigMap
    /// data:
    ///   api_token: 0123456789abcdef
    /// ```
    /// ```yaml
    /// # good
    /// kind: Secret
    /// stringData:
    ///   api_token: 0123456789abcdef   # better: an ExternalSecret
    /// ```
    pub static RULE = {
        id: "KP110",
        name: "secret-in-configmap",
        family: Security,
        severity: Error,
        enabled: true,
        security_severity: "7.5",
        precision: High,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, obj) in ctx.of_kind("ConfigMap") {
        let Some(data) = obj.node.get("data").and_then(|d| d.as_map()) else { continue };
        for (k, v) in data {
            let (Some(key), Some(value)) = (k.scalar_string(), v.scalar_string()) else { continue };
            if private_key_value(&value) {
                sink.object(idx, obj, k.span, format!("data key {key:?} holds a private key"));
            } else if secret_like_name(&key) && literal_value(&value) {
                sink.object(idx, obj, k.span, format!("data key {key:?} looks like a secret"));
            }
        }
    }
}
