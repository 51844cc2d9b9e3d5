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
use crate::yaml::SourceId;

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
    /// Follow directory symlinks that lead outside the given directories (`--follow`).
    pub follow_links: bool,
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
            .any(|f| f.suppressed.is_none() && f.rule.id.is_input_problem())
    }

    /// Identity of run object `idx` (what findings' `object` refers to).
    pub fn object_summary(&self, idx: usize) -> Option<&context::Summary> {
        self.ctx.index().summaries.get(idx)
    }

    /// Number of objects in the run.
    pub fn object_count(&self) -> usize {
        self.ctx.index().summaries.len()
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

/// Runs with more files than this are linted in chunks (two passes) to bound memory.
pub const STREAM_ABOVE_FILES: usize = 2000;
/// Files per chunk of a chunked run.
pub const CHUNK_FILES: usize = 500;

/// Reads the inputs and lints every object in them as one context (cross-object rules see all
/// files of the run).
pub fn lint_inputs(inputs: &[Input], opts: &Options) -> Report {
    lint_inputs_with(inputs, opts, &crate::progress::Progress::hidden())
}

/// [`lint_inputs`], counting files read on `progress` (the CLI draws it on a terminal).
pub fn lint_inputs_with(
    inputs: &[Input],
    opts: &Options,
    progress: &crate::progress::Progress,
) -> Report {
    lint_chunked_with(inputs, opts, None, progress)
}

/// [`lint_inputs`] with an explicit chunk size (`None`: decided by the number of files).
///
/// Small runs keep every object's tree in one context. Large runs read and parse every file
/// once keeping only compact summaries for the cross-object indexes, then parse again and lint
/// one chunk of files at a time: memory stays bounded by the chunk, not the run (SPEC §7).
pub fn lint_inputs_chunked(inputs: &[Input], opts: &Options, chunk_files: Option<usize>) -> Report {
    lint_chunked_with(
        inputs,
        opts,
        chunk_files,
        &crate::progress::Progress::hidden(),
    )
}

fn lint_chunked_with(
    inputs: &[Input],
    opts: &Options,
    chunk_files: Option<usize>,
    progress: &crate::progress::Progress,
) -> Report {
    use rayon::prelude::*;
    use std::sync::Arc;

    let items = input::Items::new_following(inputs, opts.follow_links);
    let chunk = chunk_files.or((items.len() > STREAM_ABOVE_FILES).then_some(CHUNK_FILES));
    let Some(chunk) = chunk else {
        return finish(input::load_items(items, progress), opts);
    };
    let scanned = input::scan_items(items, progress);
    let entries = Arc::new(scanned.entries);
    let reload: context::Reload = {
        let entries = Arc::clone(&entries);
        Arc::new(move |idx| {
            let at = entries.partition_point(|e| e.first + e.count <= idx);
            let e = entries.get(at)?;
            input::objects_of(e)
                .into_iter()
                .nth(idx.checked_sub(e.first)?)
        })
    };
    let index = Arc::new(context::Index::new(scanned.summaries, Some(reload)));
    let mut findings = Vec::new();
    for group in entries.chunks(chunk.max(1)) {
        let base = group[0].first;
        let objects: Vec<Object> = group
            .par_iter()
            .flat_map_iter(|e| {
                let mut objects = input::objects_of(e);
                // Same text, same parser: the counts agree; never let a mismatch shift indexes.
                objects.truncate(e.count);
                objects
            })
            .collect();
        let expected: usize = group.iter().map(|e| e.count).sum();
        if objects.len() != expected {
            // A file changed between the scan and this chunk: its objects no longer line up
            // with the run-wide index, so the chunk cannot be linted; say so instead of
            // dropping its findings silently.
            findings.extend(group.iter().map(|e| {
                input::problem(
                    &rules::invalid_input::RULE,
                    crate::yaml::Span::point(e.source, 1, 1),
                    "the file changed while it was being linted; run komply again".into(),
                )
            }));
            continue;
        }
        let ctx =
            LintContext::chunk(objects, base, Arc::clone(&index)).with_policy(opts.config.policy());
        findings.append(&mut run_rules(&ctx, opts));
    }
    let order: Vec<SourceId> = entries.iter().map(|e| e.source).collect();
    let mut report = Report {
        ctx: LintContext::chunk(Vec::new(), 0, index),
        findings,
        files: Vec::new(),
        skipped: scanned.skipped,
    };
    sort_findings(&mut report.findings, &order);
    add_input_problems(&mut report, scanned.problems, scanned.files, opts);
    report
}

fn finish(loaded: input::Loaded, opts: &Options) -> Report {
    let mut report = lint_objects(loaded.objects, opts);
    sort_findings(&mut report.findings, &loaded.sources);
    add_input_problems(&mut report, loaded.problems, loaded.files, opts);
    report.skipped = loaded.skipped;
    report
}

fn add_input_problems(
    report: &mut Report,
    problems: Vec<Finding>,
    files: Vec<String>,
    opts: &Options,
) {
    // Input problems come first: they explain why something was not checked.
    let mut findings = problems;
    for f in &mut findings {
        opts.config.apply_severity(f);
    }
    findings.append(&mut report.findings);
    report.findings = findings;
    report.files = files;
}

/// Lints one text already in memory, shown to the user as `shown` (as stdin is).
pub fn lint_text(shown: &str, text: &str, opts: &Options) -> Report {
    let loaded = input::load_text_input(shown, text.to_string());
    finish(loaded, opts)
}

/// Lints objects that are already in memory.
pub fn lint_objects(objects: Vec<Object>, opts: &Options) -> Report {
    let ctx = LintContext::new(objects).with_policy(opts.config.policy());
    let mut findings = run_rules(&ctx, opts);
    sort_findings(&mut findings, &[]);
    Report {
        ctx,
        findings,
        files: Vec::new(),
        skipped: Vec::new(),
    }
}

/// Every enabled rule over the objects of `ctx`, suppressions applied.
fn run_rules(ctx: &LintContext, opts: &Options) -> Vec<Finding> {
    use rayon::prelude::*;
    // The secrets of the inputs are registered before any finding can print a line of them.
    ctx.objects
        .par_iter()
        .for_each(|o| crate::secrets::harvest::manifest(&o.node, &ctx.policy));
    // Rules are independent: run them on all cores (results keep rule order).
    let mut findings: Vec<Finding> = rules::ALL
        .par_iter()
        .copied()
        .filter(|rule| opts.config.is_enabled(rule))
        .flat_map_iter(|rule| {
            let mut sink = rules::Sink::new(rule);
            (rule.check)(ctx, &mut sink);
            sink.findings
        })
        .collect();
    findings.par_iter_mut().for_each(|f| {
        opts.config.apply_severity(f);
        if !opts.no_inline_ignores
            && let Some(reason) = config::inline_ignore(ctx, f)
        {
            f.suppressed = Some(reason);
            return;
        }
        if let Some(reason) = opts.config.ignored(ctx, f) {
            f.suppressed = Some(reason);
        }
    });
    findings
}

/// Stable order: by file (in input order, `order`; other sources after them by id), then
/// position, then rule; findings without a location last.
fn sort_findings(findings: &mut [Finding], order: &[SourceId]) {
    let rank: std::collections::HashMap<SourceId, usize> =
        order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    // Inputs keep their order; other sources (the compose files a compose input read, which
    // are registered on parallel threads, so their ids vary from run to run) sort by path.
    let key = |f: &Finding| {
        let file = match rank.get(&f.span.source) {
            Some(&r) => (0, r, String::new()),
            None => (1, 0, crate::source::sources().display(f.span.source)),
        };
        (file, f.span.start, f.rule.id)
    };
    findings.sort_by_cached_key(key);
}
