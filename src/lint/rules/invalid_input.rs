use super::{LintContext, Sink};

declare_rule! {
    /// A file could not be read or parsed, so nothing in it was checked.
    ///
    /// ## Why
    /// A linter that skips a file it cannot read gives a green check for manifests it never saw.
    /// komply reports the file instead, and the run exits with status 2 (bad input), whatever
    /// `--fail-on` says. The other files are still checked.
    ///
    /// ## How to fix
    /// Fix the YAML syntax error (or the encoding, or the permissions) at the location shown.
    ///
    /// ## Example
    /// ```yaml
    /// # bad: the flow mapping is not closed
    /// metadata: {name: web
    /// ```
    /// ```yaml
    /// # good
    /// metadata: {name: web}
    /// ```
    pub static RULE = {
        id: "KP001",
        name: "invalid-input",
        fix: "Fix the syntax, encoding or permission problem at the location shown",
        family: Input,
        severity: Error,
        enabled: true,
        check: check,
    };
}

/// Reported by the input stage, not by looking at objects.
fn check(_: &LintContext, _: &mut Sink) {}
