use super::{LintContext, Sink};

declare_rule! {
    /// A YAML document has no `kind`, so it is not a Kubernetes object and was not checked.
    ///
    /// ## Why
    /// When a directory holds other YAML (Helm values, CI files), komply says which documents it
    /// did not check instead of passing them silently. It is `info`, so it does not fail a run
    /// unless `--fail-on info` is given.
    ///
    /// ## How to fix
    /// Lint only manifest files, or exclude the file (e.g. through `.gitignore`), or disable this
    /// rule in `.komply.yaml` (`rules: {disable: [unknown-document]}`).
    ///
    /// ## Example
    /// ```yaml
    /// # reported: no apiVersion / kind
    /// replicaCount: 2
    /// ```
    pub static RULE = {
        id: "KP003",
        name: "unknown-document",
        fix: "Lint only manifest files, or exclude this one",
        family: Input,
        severity: Info,
        enabled: true,
        check: check,
    };
}

/// Reported by the input stage.
fn check(_: &LintContext, _: &mut Sink) {}
