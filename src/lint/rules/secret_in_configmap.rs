use super::{LintContext, Sink};
use crate::secrets::shapes::Shape;
use crate::secrets::{Verdict, Why};

declare_rule! {
    /// A ConfigMap holds what looks like a secret.
    ///
    /// ## What it checks
    /// Keys of a ConfigMap's `data` whose key and value komply's secret policy calls a secret —
    /// the policy of `secret-in-env` and of `komply convert` ([docs/secrets.md](../secrets.md)):
    /// a secret-like key (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, …) with a literal value, key
    /// material under a `*_KEY` key, and any value (a whole file included) holding a credential
    /// shape: a PEM private key, `user:password@` in a URL, `password=` in a connection string
    /// or a properties file, a JWT, a token with a known prefix. A value with a line break is
    /// a whole file and is judged as `komply convert` judges the files it mounts: by its key
    /// (`tls.key`, `*.pem`, `id_rsa`, `db_password.txt`, …), a private key or credential shape
    /// in it, or a secret-like `name = value` line with a literal value — so `password =>
    /// "${PW}"` or `pwd: password` in a script is not a finding. The value is never printed.
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
        fix: "Move the key to a Secret and reference that instead",
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
        let Some(data) = obj.node.get("data").and_then(|d| d.as_map()) else {
            continue;
        };
        for (k, v) in data {
            let (Some(key), Some(value)) = (k.scalar_string(), v.scalar_string()) else {
                continue;
            };
            match ctx.policy.classify_data(&key, &value) {
                Verdict::Secret(Why::Shape(Shape::PrivateKey)) => {
                    sink.object(
                        idx,
                        obj,
                        k.span,
                        format!("data key {key:?} holds a private key"),
                    );
                }
                Verdict::Secret(Why::Shape(shape)) => {
                    sink.object(
                        idx,
                        obj,
                        k.span,
                        format!("data key {key:?} holds {}", shape.describe()),
                    );
                }
                Verdict::Secret(_) => {
                    sink.object(
                        idx,
                        obj,
                        k.span,
                        format!("data key {key:?} looks like a secret"),
                    );
                }
                Verdict::Plain(_) => {}
            }
        }
    }
}
