use super::{LintContext, Sink};

declare_rule! {
    /// A Docker Compose file was given to `komply lint`; it must be converted first.
    ///
    /// ## Why
    /// `komply lint` checks Kubernetes objects. A Compose file (named `compose.yaml`,
    /// `docker-compose.yml`…, or with a top-level `services:` and no `kind`) is not one, and
    /// checking it as if it were would say nothing useful. It is reported rather than skipped,
    /// and the run exits with status 2.
    ///
    /// ## How to fix
    /// Convert it and lint the result:
    /// ```sh
    /// komply convert -f compose.yaml | komply lint -
    /// ```
    ///
    /// ## Example
    /// ```yaml
    /// # reported: a Compose file
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    pub static RULE = {
        id: "KP002",
        name: "compose-input",
        family: Input,
        severity: Error,
        enabled: true,
        check: check,
    };
}

/// Reported by the input stage.
fn check(_: &LintContext, _: &mut Sink) {}
