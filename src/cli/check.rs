//! `komply check`: convert + schema-validate + lint in one call, for CI. The generated objects
//! are linted exactly as `komply lint compose.yaml` lints them (findings at the compose keys that
//! caused them), in any of lint's formats and with lint's exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use super::compose_args::ComposeArgs;
use super::env_args::EnvArgs;
use super::lint::FailOn;
use super::{Ctx, write_stdout};
use crate::lint::output::{self, Format};
use crate::lint::{Options, from_compose};
use crate::pipeline::convert;
use crate::yaml::Span;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub compose: ComposeArgs,
    #[command(flatten)]
    pub env: EnvArgs,
    /// Put every object in this namespace (as `komply convert -n`).
    #[arg(short = 'n', long = "namespace", value_parser = super::namespace_arg)]
    pub namespace: Option<String>,
    /// Compose keys without a Kubernetes meaning (and unknown keys) are errors, not warnings.
    #[arg(long)]
    pub strict: bool,
    /// Output format (the same as `komply lint`).
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
    /// SARIF `automationDetails.id`: code scanning keeps each category's alerts apart
    /// [default: komply/check, or komply/check/<env> with --env].
    #[arg(long, value_name = "CATEGORY")]
    pub sarif_category: Option<String>,
}

pub fn run(ctx: &Ctx, args: CheckArgs) -> crate::diag::Result<ExitCode> {
    let config = super::lint::load_config(ctx, args.config.as_deref())?;
    let req = args
        .env
        .request(&args.compose, args.namespace.clone(), args.strict);
    let opts = Options {
        config,
        no_inline_ignores: args.no_inline_ignores,
        ..Options::default()
    };
    let report = match convert(&req) {
        Ok(converted) => {
            if !ctx.quiet {
                ctx.report(&converted.project.warnings);
                ctx.report(&converted.output.warnings);
                let report = crate::deployability::Report::build(
                    &converted.output.objects,
                    converted
                        .project
                        .warnings
                        .iter()
                        .chain(&converted.output.warnings),
                );
                crate::out::stderr(&report.text());
            }
            let objects = from_compose::objects(&converted, Span::SYNTHETIC);
            let mut report = crate::lint::lint_objects(objects, &opts);
            report.files = converted
                .project
                .files
                .iter()
                .map(|f| crate::source::display_path(f))
                .collect();
            report
        }
        // A project that cannot be converted is a KP002 finding in the chosen format (so CI
        // annotations and SARIF show it) and exit 2.
        Err(failure) => {
            let mut report = crate::lint::lint_objects(Vec::new(), &opts);
            report.findings = from_compose::failure_findings(&failure, Span::SYNTHETIC);
            report.files = args
                .compose
                .files
                .iter()
                .map(|f| crate::source::display_path(f))
                .collect();
            report
        }
    };
    let color = ctx.color_stdout;
    let text = if ctx.quiet && args.format == Format::Text {
        output::findings_text(&report, color)
    } else {
        let category = args
            .sarif_category
            .clone()
            .unwrap_or_else(|| match &args.env.env {
                Some(env) => format!("komply/check/{env}"),
                None => "komply/check".to_string(),
            });
        output::render_in(&report, args.format, color, &category)
    };
    write_stdout(&text)?;
    Ok(ExitCode::from(super::lint::exit_code(
        &report,
        args.fail_on,
    )))
}
