use super::removed_api_version::covered_elsewhere;
use super::{LintContext, Sink};
use crate::validate::{ApiStatus, api_version_status};

declare_rule! {
    /// An object uses a deprecated apiVersion that is still served.
    ///
    /// ## What it checks
    /// `apiVersion` + `kind` against the versions komply knows to be deprecated in favour of a
    /// newer one (for example Istio `networking.istio.io/v1beta1` → `networking.istio.io/v1`).
    ///
    /// ## Why
    /// Deprecated versions are removed in a later release; moving now avoids a failed apply
    /// during a cluster upgrade.
    ///
    /// ## How to fix
    /// Use the replacement apiVersion named in the message.
    ///
    /// ## Example
    /// ```yaml
    /// # bad
    /// apiVersion: networking.istio.io/v1beta1
    /// kind: VirtualService
    /// ```
    /// ```yaml
    /// # good
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// ```
    pub static RULE = {
        id: "KP603",
        name: "deprecated-api-version",
        fix: "Move to the replacement apiVersion named in the message",
        family: Schema,
        severity: Warning,
        enabled: true,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, obj) in ctx.all() {
        if covered_elsewhere(obj) {
            continue;
        }
        if let ApiStatus::Deprecated { replacement } =
            api_version_status(&obj.api_version, &obj.kind)
        {
            let span = obj
                .node
                .entry("apiVersion")
                .map(|(_, v)| v.span)
                .unwrap_or(obj.span());
            sink.object(
                idx,
                obj,
                span,
                format!(
                    "apiVersion {} is deprecated; use {replacement}",
                    obj.api_version
                ),
            );
        }
    }
}
