use super::{LintContext, Sink};
use crate::lint::model::LabelSelector;

declare_rule! {
    /// A PodDisruptionBudget selects no pod template of the run.
    ///
    /// ## What it checks
    /// `spec.selector` of every PodDisruptionBudget must match at least one pod template in the
    /// same namespace among all files of the run. An empty selector `{}` matches every pod of the
    /// namespace; a missing selector matches none.
    ///
    /// ## Why
    /// A PDB that selects nothing protects nothing: a node drain evicts all replicas at once.
    ///
    /// ## How to fix
    /// Make `spec.selector.matchLabels` a subset of the workload's pod labels.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PodDisruptionBudget
    /// spec:
    ///   minAvailable: 1
    ///   selector: {matchLabels: {app: web}}
    /// ```
    pub static RULE = {
        id: "KP507",
        name: "pdb-selects-pods",
        fix: "Make `spec.selector.matchLabels` a subset of the workload's pod labels",
        family: References,
        severity: Warning,
        enabled: true,
        precision: High,
        check: check,
    };
}

fn check(ctx: &LintContext, sink: &mut Sink) {
    for (idx, pdb) in ctx.of_kind("PodDisruptionBudget") {
        let spec = pdb.node.entry("spec");
        let sel = spec.and_then(|(_, s)| s.entry("selector"));
        let Some((k, sel_node)) = sel else {
            sink.object(
                idx,
                pdb,
                spec.map(|(k, _)| k.span).unwrap_or(pdb.span()),
                "has no spec.selector, so it selects no pod",
            );
            continue;
        };
        let sel = LabelSelector::from_node(Some(sel_node));
        if ctx.select_pods(pdb.ns(), &sel).is_empty() {
            sink.object(
                idx,
                pdb,
                k.span,
                format!(
                    "selector matches no pod template in namespace {:?}",
                    pdb.ns()
                ),
            );
        }
    }
}
