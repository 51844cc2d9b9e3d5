use super::{LintContext, Sink};

declare_rule! {
    /// A Docker Compose file given to `komply lint` could not be converted.
    ///
    /// ## Why
    /// `komply lint` lints a Compose file (named `compose.yaml`, `docker-compose.yml`…, or with a
    /// top-level `services:` and no `kind`) by converting it exactly as `komply convert -f FILE`
    /// does and checking the generated objects, with every finding pointing back at the compose
    /// key that caused it (`image:`, `user:`, `healthcheck:`…, or the service's own key). When the
    /// conversion fails — an invalid compose file, a bad `x-komply` block, a missing `env_file` —
    /// nothing could be checked, so the failure is reported at its `file:line:col` rather than
    /// skipped, and the run exits with status 2. A compose file on stdin is reported too: its
    /// relative paths and `.env` need a directory, so pass its path instead.
    ///
    /// ## How to fix
    /// Fix the error the message names (`komply convert -f FILE` shows the same error), or pass
    /// the file's path instead of piping it.
    ///
    /// ## Example
    /// ```yaml
    /// # reported: `ports` must be a list
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     ports: 8080
    /// ```
    pub static RULE = {
        id: "KP002",
        name: "compose-input",
        fix: "Fix the error in the compose file (`komply convert -f FILE` shows the same)",
        family: Input,
        severity: Error,
        enabled: true,
        check: check,
    };
}

/// Reported by the input stage.
fn check(_: &LintContext, _: &mut Sink) {}
