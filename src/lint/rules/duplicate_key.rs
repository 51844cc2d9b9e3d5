use super::{LintContext, Sink};

declare_rule! {
    /// A mapping in a manifest has the same key twice; kubectl keeps only the last value.
    ///
    /// ## Why
    /// kubectl (through `sigs.k8s.io/yaml`) does not reject duplicate keys: the last one silently
    /// wins, so the value a reviewer reads first is not what the cluster gets. komply reads the
    /// file as kubectl does (the last value is the one checked) and reports the duplicate with
    /// both places. Docker Compose, by contrast, refuses duplicate keys, and so does komply in
    /// compose files.
    ///
    /// ## How to fix
    /// Delete the entry that should not be there (often a copy-paste leftover), or merge the two.
    ///
    /// ## Example
    /// ```yaml
    /// # bad: kubectl applies `image: app:2`
    /// containers:
    ///   - name: app
    ///     image: app:1
    ///     image: app:2
    /// ```
    /// ```yaml
    /// # good
    /// containers:
    ///   - name: app
    ///     image: app:2
    /// ```
    pub static RULE = {
        id: "KP004",
        name: "duplicate-key",
        fix: "Delete the duplicate key, or merge the two entries",
        family: Input,
        severity: Error,
        enabled: true,
        check: check,
    };
}

/// Reported by the input stage, which reads the keys.
fn check(_: &LintContext, _: &mut Sink) {}
