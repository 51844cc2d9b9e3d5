use super::{LintContext, Sink};
use crate::lint::image::ImageRef;

declare_rule! {
    /// A container image is not pinned by digest (opt-in rule).
    ///
    /// ## What it checks
    /// The `image` of every container must carry a `@sha256:…` digest. Off by default; turn it on
    /// with `rules: {enable: [image-digest]}` in `.komply.yaml`.
    ///
    /// ## Why
    /// A tag can be moved to other content by whoever controls the registry; a digest cannot.
    /// Supply-chain policies often require digests.
    ///
    /// ## How to fix
    /// Resolve the tag to its digest (`crane digest`, `docker buildx imagetools inspect`) and use
    /// `name:tag@sha256:…`, which keeps the tag readable.
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// image: ghcr.io/acme/web:1.8.3
    /// ```
    /// ```yaml
    /// # good
    /// image: ghcr.io/acme/web:1.8.3@sha256:0d1c5a0e5b0e8e6b1b6d1e2b8f4c6e0e9b0a5c8d7f2e1a3b4c5d6e7f8a9b0c1d
    /// ```
    pub static RULE = {
        id: "KP302",
        name: "image-digest",
        fix: "Pin the image by digest (`name:tag@sha256:…`)",
        family: Images,
        severity: Warning,
        enabled: false,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx.containers() {
        let c = &item.container;
        let Some((_, v)) = c.image() else { continue };
        let Some(image) = v.as_str() else { continue };
        if ImageRef::parse(image).is_some_and(|r| r.digest.is_none()) {
            sink.container(
                &item,
                v.span,
                format!("uses image {image:?} without a digest"),
            );
        }
    }
}
