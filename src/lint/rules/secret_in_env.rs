use super::{LintContext, Sink};
use crate::yaml::Node;

declare_rule! {
    /// A container sets a secret as a literal environment variable value.
    ///
    /// ## What it checks
    /// `env[].value` of every container (init and ephemeral included) when the variable's name
    /// looks like a credential (contains `SECRET`, `PASSWORD`, `PASSWD`, `TOKEN`, `BEARER`,
    /// `APIKEY`, `API_KEY`, `ACCESS_KEY`, `PRIVATE_KEY`, `CLIENT_KEY`, `KEY_CONTENT`, or matches
    /// `AZURE_*KEY`), or when the value holds a PEM private key, whatever the name. Empty values
    /// and pure `$(VAR)` references are not secrets. `valueFrom.secretKeyRef` — the recommended
    /// pattern — is never reported. The value itself is never printed.
    ///
    /// ## Why
    /// A literal value lives in Git, in `kubectl get -o yaml`, and in every log of the manifest.
    ///
    /// ## How to fix
    /// Put the value in a Secret (or an ExternalSecret) and reference it:
    /// ```yaml
    /// env:
    ///   - name: DB_PASSWORD
    ///     valueFrom: {secretKeyRef: {name: db, key: password}}
    /// ```
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// env:
    ///   - name: DB_PASSWORD
    ///     value: hunter2
    /// ```
    pub static RULE = {
        id: "KP109",
        name: "secret-in-env",
        family: Security,
        severity: Error,
        enabled: true,
        security_severity: "7.5",
        precision: High,
        check: check,
    };
}

const NAME_MARKERS: &[&str] = &[
    "SECRET", "PASSWORD", "PASSWD", "TOKEN", "BEARER", "APIKEY", "API_KEY", "ACCESS_KEY",
    "PRIVATE_KEY", "CLIENT_KEY", "KEY_CONTENT",
];

/// True when a variable or key name suggests a credential.
pub fn secret_like_name(name: &str) -> bool {
    let up = name.to_ascii_uppercase().replace(['-', '.'], "_");
    NAME_MARKERS.iter().any(|m| up.contains(m)) || (up.starts_with("AZURE_") && up.ends_with("KEY"))
}

/// True when a value holds a PEM private key.
/// (Dash count varies in the wild, so `-BEGIN … PRIVATE KEY-` is enough.)
pub fn private_key_value(v: &str) -> bool {
    v.find("-BEGIN").is_some_and(|i| v[i..].contains("PRIVATE KEY-"))
}

/// A value worth calling a secret: not empty, not only a `$(VAR)` reference.
pub fn literal_value(v: &str) -> bool {
    let t = v.trim();
    !t.is_empty() && !(t.starts_with("$(") && t.ends_with(')') && t.matches("$(").count() == 1)
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, obj) in ctx.workloads() {
        let Some(pod) = obj.pod() else { continue };
        for c in pod.containers() {
            for e in c.node.get("env").and_then(Node::as_seq).unwrap_or(&[]) {
                let Some(name) = e.get("name").and_then(Node::scalar_string) else { continue };
                let Some((_, v)) = e.entry("value") else { continue };
                let Some(value) = v.scalar_string() else { continue };
                if private_key_value(&value) {
                    sink.container(idx, obj, &c, v.span, format!("sets environment variable {name} to a literal private key"));
                } else if secret_like_name(&name) && literal_value(&value) {
                    sink.container(idx, obj, &c, v.span, format!("sets environment variable {name}, which looks like a secret, to a literal value"));
                }
            }
        }
    }
}
