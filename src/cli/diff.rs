//! `komply diff --out DIR`: the unified diff between what `komply convert -o DIR` would write
//! and what DIR holds now. Exit 0 in sync, 1 drift, 2 bad input.

use std::path::PathBuf;
use std::process::ExitCode;

use super::compose_args::ComposeArgs;
use super::convert::OutFormat;
use super::env_args::EnvArgs;
use super::{Ctx, write_stdout};
use crate::diag::{Failure, Result};
use crate::drift::{Change, compare};
use crate::generate::{self, Format};
use crate::pipeline::convert;

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    pub compose: ComposeArgs,
    #[command(flatten)]
    pub env: EnvArgs,
    /// The directory `komply convert -o` wrote (and would write again).
    #[arg(long = "out", short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// Namespace, as given to `komply convert -n`.
    #[arg(short = 'n', long = "namespace", value_parser = super::namespace_arg)]
    pub namespace: Option<String>,
    /// File format, as given to `komply convert --format`.
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: OutFormat,
    /// As given to `komply convert --strict`.
    #[arg(long)]
    pub strict: bool,
}

pub fn run(ctx: &Ctx, args: DiffArgs) -> Result<ExitCode> {
    let req = args
        .env
        .request(&args.compose, args.namespace.clone(), args.strict);
    let converted = convert(&req)?;
    if !ctx.quiet {
        ctx.report(&converted.project.warnings);
        ctx.report(&converted.output.warnings);
    }
    let format = match args.format {
        OutFormat::Yaml => Format::Yaml,
        OutFormat::Json => Format::Json,
    };
    let expected = generate::files(&converted.output.objects, format);
    let shown = crate::source::display_path(&args.out);
    if !args.out.is_dir() {
        return Err(Failure::msg(format!(
            "{shown}: no such directory (generate it first: komply convert -o {shown})"
        )));
    }
    let drift = compare(&expected, &args.out, &shown).map_err(|e| {
        Failure::msg(format!(
            "cannot read {shown}: {}",
            crate::fsio::io_reason(&e)
        ))
    })?;
    write_stdout(&drift.patch())?;
    if drift.is_clean() {
        if !ctx.quiet {
            crate::out::stderr_line(&format!(
                "komply diff: {shown} is in sync ({} files)",
                drift.in_sync
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    crate::out::stderr_line(&format!(
        "komply diff: {shown} drifted: {} changed, {} missing, {} extra, {} in sync \
         (regenerate: komply convert -o {shown})",
        drift.count(Change::Changed),
        drift.count(Change::Missing),
        drift.count(Change::Extra),
        drift.in_sync
    ));
    Ok(ExitCode::from(1))
}
