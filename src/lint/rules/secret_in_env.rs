use super::{LintContext, Sink};
use crate::secrets::shapes::Shape;
use crate::secrets::{Verdict, Why};
use crate::yaml::Node;

declare_rule! {
    /// A container sets a secret as a literal environment variable value.
    ///
    /// ## What it checks
    /// `env[].value` of every container (init and ephemeral included) that komply's secret
    /// policy calls a secret — the same policy `komply convert` uses to decide what goes to an
    /// ExternalSecret ([docs/secrets.md](../secrets.md)): a value with a credential shape (PEM
    /// private key, `user:password@` in a URL, `password=` in a connection string, a JWT, a
    /// token with a known prefix such as `ghp_`, `AKIA`, `xoxb-`, `sk_live_`) whatever the name;
    /// any literal value under a secret-like name (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*_PWD`,
    /// `*PASSPHRASE*`, `*API_KEY*`, …); key material under a `*_KEY` name. Empty values,
    /// references (`$(VAR)`), booleans, file paths, URLs without credentials and
    /// `*_TOKEN_EXPIRY`-style numbers are not secrets. Configure it with `secret_policy:` in
    /// `.komply.yaml`. `valueFrom.secretKeyRef` — the recommended pattern — is never reported.
    /// The value itself is never printed.
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
        fix: "Move the value to a Secret and reference it with `valueFrom.secretKeyRef`",
        family: Security,
        severity: Error,
        enabled: true,
        security_severity: "7.5",
        precision: High,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx.containers() {
        let c = &item.container;
        for e in c.node.get("env").and_then(Node::as_seq).unwrap_or(&[]) {
            let Some(name) = e.get("name").and_then(Node::scalar_string) else {
                continue;
            };
            let Some((_, v)) = e.entry("value") else {
                continue;
            };
            let Some(value) = v.scalar_string() else {
                continue;
            };
            let message = match ctx.policy.classify(&name, &value) {
                Verdict::Secret(Why::Shape(Shape::PrivateKey)) => {
                    format!("sets environment variable {name} to a literal private key")
                }
                Verdict::Secret(Why::Shape(shape)) => format!(
                    "sets environment variable {name} to a literal value that holds {}",
                    shape.describe()
                ),
                Verdict::Secret(_) => format!(
                    "sets environment variable {name}, which looks like a secret, to a literal value"
                ),
                Verdict::Plain(_) => continue,
            };
            // The frame of this line masks the value (secrets::frame).
            sink.container(&item, v.span, message);
        }
    }
}
