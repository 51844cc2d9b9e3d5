use super::{LintContext, Sink};
use crate::lint::image::ImageRef;

declare_rule! {
    /// A container's `imagePullPolicy` can run a stale or missing image.
    ///
    /// ## What it checks
    /// - `imagePullPolicy: Never`: the pod only starts on nodes that happen to have the image.
    /// - `imagePullPolicy: IfNotPresent` with a mutable image (no tag or `:latest`, no digest):
    ///   each node keeps whatever `latest` it pulled first, so pods run different code.
    ///
    /// ## Why
    /// With `Never` a rescheduled pod fails with `ErrImageNeverPull` on a fresh node; with
    /// `IfNotPresent` and a moving tag, nodes run whatever version they happened to pull.
    ///
    /// ## Not reported
    /// An unset policy is fine: Kubernetes defaults to `Always` for `latest` / untagged images and
    /// to `IfNotPresent` for pinned ones, which is right. A pinned tag with `IfNotPresent` is not
    /// reported (unlike linters that require `Always` everywhere, which adds a registry round
    /// trip — and a registry outage — to every pod start for no gain).
    ///
    /// ## How to fix
    /// Pin the image (see `image-tag`) and drop `imagePullPolicy`, or set `Always`.
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// image: web:latest
    /// imagePullPolicy: IfNotPresent
    /// ```
    /// ```yaml
    /// # good
    /// image: web:1.8.3
    /// ```
    pub static RULE = {
        id: "KP303",
        name: "image-pull-policy",
        fix: "Pin the image and drop `imagePullPolicy`, or set it to `Always`",
        family: Images,
        severity: Warning,
        enabled: true,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx.containers() {
        let c = &item.container;
        let Some((k, policy)) = c.node.entry("imagePullPolicy") else {
            continue;
        };
        match policy.as_str() {
            Some("Never") => sink.container(&item, k.span, "sets imagePullPolicy: Never; the pod only starts where the image is already present"),
            Some("IfNotPresent") => {
                let image = c.image().and_then(|(_, v)| v.as_str()).unwrap_or("");
                if ImageRef::parse(image).is_some_and(|r| r.is_mutable()) {
                    sink.container(&item, k.span, format!("sets imagePullPolicy: IfNotPresent for the mutable image {image:?}; nodes keep stale copies"));
                }
            }
            _ => {}
        }
    }
}
