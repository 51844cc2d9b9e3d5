//! `komply lint`: check Kubernetes manifests.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{Ctx, write_stdout};
use crate::diag::{Failure, Result, Severity};
use crate::lint::output::{self, Format};
use crate::lint::{Config, Input, Options};

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Files and directories (recursive, .gitignore-aware: *.yaml, *.yml, *.json); `-` reads stdin.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit 1 when a finding of at least this severity remains.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Lint configuration (default: .komply.yaml in the current directory or above).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Ignore `ignore.komply.dev/<rule>` annotations.
    #[arg(long)]
    pub no_inline_ignores: bool,
    /// SARIF `automationDetails.id`: code scanning keeps each category's alerts apart.
    #[arg(long, value_name = "CATEGORY", default_value = "komply/lint")]
    pub sarif_category: String,
    /// Follow symbolic links to directories outside the given paths (by default they are
    /// skipped, and listed with --verbose).
    #[arg(long)]
    pub follow: bool,
    /// Benchmark floor: read and parse the inputs, run no rule, print the object count.
    #[arg(long, hide = true)]
    pub parse_only: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub(crate) fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

pub fn run(ctx: &Ctx, args: LintArgs) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let config = load_config(ctx, args.config.as_deref())?;
    if args.paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(Failure::msg("`-` (stdin) can be given only once"));
    }
    let inputs: Vec<Input> = args
        .paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                Input::Stdin
            } else {
                Input::Path(p.clone())
            }
        })
        .collect();
    if args.parse_only {
        let items = crate::lint::input::Items::new_following(&inputs, args.follow);
        let loaded = crate::lint::input::load_items(items, &crate::progress::Progress::hidden());
        write_stdout(&format!(
            "{} files, {} objects, {} input problems\n",
            loaded.files.len(),
            loaded.objects.len(),
            loaded.problems.len()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let opts = Options {
        config,
        no_inline_ignores: args.no_inline_ignores,
        follow_links: args.follow,
    };
    let progress = ctx.progress("reading files");
    let report = crate::lint::lint_inputs_with(&inputs, &opts, &progress);
    drop(progress);
    if ctx.verbose {
        for f in &report.files {
            ctx.verbose(format!("read {f}"));
        }
        for f in &report.skipped {
            ctx.verbose(format!("skipped {f}"));
        }
        let off: Vec<&str> = crate::lint::rules::ALL
            .iter()
            .filter(|r| !opts.config.is_enabled(r))
            .map(|r| r.id.code())
            .collect();
        if !off.is_empty() {
            ctx.verbose(format!("rules not run: {}", off.join(" ")));
        }
        for f in report.findings.iter() {
            if let Some(reason) = &f.suppressed {
                let at = output::diagnostic(f).location().unwrap_or_default();
                ctx.verbose(format!("suppressed {} at {at}: {reason}", f.rule.id.code()));
            }
        }
    }
    ctx.verbose(format!(
        "linted {} file{}, {} objects in {:.1?}",
        report.files.len(),
        if report.files.len() == 1 { "" } else { "s" },
        report.object_count(),
        started.elapsed()
    ));
    let color = ctx.color_stdout;
    // Streamed: the code frames of 10,000 files' findings are never one string in memory.
    // `--quiet` text: findings only, no summary line.
    let findings_only = ctx.quiet && args.format == Format::Text;
    {
        use std::io::Write;
        let mut out = crate::out::stdout_stream();
        match output::write_in(
            &report,
            args.format,
            color,
            findings_only,
            &args.sarif_category,
            &mut out,
        )
        .and_then(|()| out.flush())
        {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(crate::diag::Failure::msg(format!(
                    "cannot write to stdout: {e}"
                )));
            }
            _ => {}
        }
    }
    ctx.verbose(format!("done in {:.1?}", started.elapsed()));
    Ok(ExitCode::from(exit_code(&report, args.fail_on)))
}

/// The lint configuration: `--config`, else `.komply.yaml` discovered upward from the current
/// directory, else the defaults (shared with `check` and `krm`).
pub(crate) fn load_config(ctx: &Ctx, explicit: Option<&std::path::Path>) -> Result<Config> {
    let config_path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| Config::discover(&d)),
    };
    match &config_path {
        Some(p) => {
            ctx.verbose(format!("lint configuration: {}", p.display()));
            Config::load(p)
        }
        None => Ok(Config::default()),
    }
}

/// 2 bad input, 1 a finding at or above `fail_on`, else 0.
pub(crate) fn exit_code(report: &crate::lint::Report, fail_on: FailOn) -> u8 {
    if report.bad_input() {
        super::EXIT_BAD_INPUT
    } else if fail_on
        .threshold()
        .is_some_and(|t| report.active().any(|f| f.severity >= t))
    {
        1
    } else {
        0
    }
}
