//! `komply lint`: checks Kubernetes objects against the rules in [`rules`].
//!
//! Pipeline: [`input`] finds and parses files (in parallel) into [`model::Object`]s; all objects
//! of the run form one [`context::LintContext`]; every enabled rule runs over the context; then
//! [`config`] applies suppressions and severity overrides; [`output`] renders the report.
//!
//! Entry points for other modules: [`lint_inputs`] (paths / stdin, as the CLI does) and
//! [`lint_objects`] (objects already in memory, e.g. generated ones or a KRM ResourceList).

pub mod config;
pub mod context;
pub mod from_compose;
pub mod image;
pub mod input;
pub mod model;
pub mod output;
pub mod rules;

use std::path::PathBuf;

use crate::diag::Severity;

pub use config::Config;
pub use context::LintContext;
pub use model::Object;
pub use rules::{Finding, Rule};

/// Where objects come from.
#[derive(Clone, Debug)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub config: Config,
    /// Honour `ignore.komply.dev/<rule>` annotations (`--no-inline-ignores` turns this off).
    pub no_inline_ignores: bool,
}

/// The outcome of a run.
pub struct Report {
    pub ctx: LintContext,
    /// Every finding, suppressed ones included (see [`Finding::suppressed`]), in file order.
    pub findings: Vec<Finding>,
    /// The files read, as shown to the user, in order.
    pub files: Vec<String>,
    /// Files in the given directories that were not read (not manifests by name).
    pub skipped: Vec<String>,
}

impl Report {
    /// True when some input could not be used (exit 2).
    pub fn bad_input(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.suppressed.is_none() && (f.rule.id == "KP001" || f.rule.id == "KP002"))
    }

    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    pub fn count(&self, sev: Severity) -> usize {
        self.active().filter(|f| f.severity == sev).count()
    }

    pub fn suppressed(&self) -> usize {
        self.findings.len() - self.active().count()
    }

    /// `N files, E errors, W warnings, S suppressed`.
    pub fn summary_line(&self) -> String {
        let n = self.files.len();
        format!(
            "{n} file{}, {} error{}, {} warning{}, {} suppressed",
            if n == 1 { "" } else { "s" },
            self.count(Severity::Error),
            if self.count(Severity::Error) == 1 {
                ""
            } else {
                "s"
            },
            self.count(Severity::Warning),
            if self.count(Severity::Warning) == 1 {
                ""
            } else {
                "s"
            },
            self.suppressed()
        )
    }
}

/// Reads the inputs and lints every object in them as one context.
pub fn lint_inputs(inputs: &[Input], opts: &Options) -> Report {
    lint_inputs_with(inputs, opts, &crate::progress::Progress::hidden())
}

/// [`lint_inputs`], counting files read on `progress` (the CLI draws it on a terminal).
pub fn lint_inputs_with(
    inputs: &[Input],
    opts: &Options,
    progress: &crate::progress::Progress,
) -> Report {
    let loaded = input::load_all_with(inputs, progress);
    let mut report = lint_objects(loaded.objects, opts);
    // Input problems come first: they explain why something was not checked.
    let mut findings = loaded.problems;
    for f in &mut findings {
        opts.config.apply_severity(f);
    }
    findings.append(&mut report.findings);
    report.findings = findings;
    report.files = loaded.files;
    report.skipped = loaded.skipped;
    report
}

/// Lints objects that are already in memory.
pub fn lint_objects(objects: Vec<Object>, opts: &Options) -> Report {
    let ctx = LintContext::new(objects);
    let mut findings = Vec::new();
    for rule in rules::ALL.iter().copied() {
        if !opts.config.is_enabled(rule) {
            continue;
        }
        let mut sink = rules::Sink::new(rule);
        (rule.check)(&ctx, &mut sink);
        findings.append(&mut sink.findings);
    }
    for f in &mut findings {
        opts.config.apply_severity(f);
        if !opts.no_inline_ignores {
            if let Some(reason) = config::inline_ignore(&ctx, f) {
                f.suppressed = Some(reason);
                continue;
            }
        }
        if let Some(reason) = opts.config.ignored(&ctx, f) {
            f.suppressed = Some(reason);
        }
    }
    // Stable order: by file, then position, then rule.
    findings.sort_by(|a, b| {
        (a.span.source, a.span.start, a.rule.id).cmp(&(b.span.source, b.span.start, b.rule.id))
    });
    Report {
        ctx,
        findings,
        files: Vec::new(),
        skipped: Vec::new(),
    }
}
