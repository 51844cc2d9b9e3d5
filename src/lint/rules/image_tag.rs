use super::{LintContext, Sink};
use crate::lint::image::ImageRef;

declare_rule! {
    /// A container image is not pinned: no tag, or `:latest`.
    ///
    /// ## What it checks
    /// The `image` of every container (init and ephemeral included), parsed like the container
    /// runtime does: `[registry[:port]/]repository[:tag][@digest]`. A registry port is not a tag
    /// (`registry:5000/nginx` has **no** tag), and a digest pins the image even with a `latest`
    /// tag (`nginx:latest@sha256:…`). A reference that cannot be parsed is reported too.
    ///
    /// ## Why
    /// `latest` (and no tag, which means `latest`) changes under you: two pods of one Deployment
    /// can run different code, and a rollback goes nowhere.
    ///
    /// ## How to fix
    /// Use an immutable version tag, or a digest.
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// image: registry.example.com:5000/team/web
    /// ```
    /// ```yaml
    /// # good
    /// image: registry.example.com:5000/team/web:1.8.3
    /// ```
    pub static RULE = {
        id: "KP301",
        name: "image-tag",
        fix: "Use an immutable version tag, or a digest",
        family: Images,
        severity: Warning,
        enabled: true,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for item in ctx.containers() {
        let c = &item.container;
        let Some((_, v)) = c.image() else { continue };
        let Some(image) = v.as_str() else { continue };
        match ImageRef::parse(image) {
            None => sink.container(
                &item,
                v.span,
                format!("has an invalid image reference {image:?}"),
            ),
            Some(r) if r.is_mutable() => {
                let what = if r.tag.is_some() {
                    "the mutable tag latest"
                } else {
                    "no tag (which means latest)"
                };
                sink.container(&item, v.span, format!("uses image {image:?} with {what}"))
            }
            Some(_) => {}
        }
    }
}
