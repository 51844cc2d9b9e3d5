//! `komply convert`: a Compose project → Kubernetes manifests (stdout stream or one file per
//! object in a directory, written atomically: all files or none).

use std::path::PathBuf;
use std::process::ExitCode;

use super::compose_args::ComposeArgs;
use super::env_args::EnvArgs;
use super::{Ctx, write_stdout};
use crate::deployability::Report;
use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::generate::{self, Format};
use crate::pipeline::{convert, convert_every_env, distinct_warnings};

#[derive(clap::Args, Debug)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub compose: ComposeArgs,
    #[command(flatten)]
    pub env: EnvArgs,
    /// Put every object in this namespace (and emit the Namespace).
    #[arg(short = 'n', long = "namespace", value_parser = super::namespace_arg)]
    pub namespace: Option<String>,
    /// `-` (default) for one stream on stdout, or a directory for one file per object.
    #[arg(short = 'o', long = "output", default_value = "-")]
    pub output: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: OutFormat,
    /// Compose keys without a Kubernetes meaning (and unknown keys) are errors, not warnings.
    #[arg(long)]
    pub strict: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum OutFormat {
    Yaml,
    Json,
}

pub fn run(ctx: &Ctx, args: ConvertArgs) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let format = match args.format {
        OutFormat::Yaml => Format::Yaml,
        OutFormat::Json => Format::Json,
    };
    let req = args
        .env
        .request(&args.compose, args.namespace.clone(), args.strict);
    // `--env all`: every environment into DIR/<env>/, all files written at once or none.
    if req.env.as_deref() == Some("all") {
        if args.output == "-" {
            return Err(Failure::one(
                Diagnostic::error(
                    "`--env all` renders one directory per environment; it needs `-o DIR`",
                )
                .code(Code::Usage),
            ));
        }
        let all = convert_every_env(&req, &ctx.progress("environments"))?;
        if !ctx.quiet {
            let warnings = distinct_warnings(&all);
            ctx.report(&warnings);
            let report = Report::build(all.iter().flat_map(|c| &c.output.objects), &warnings);
            crate::out::stderr(&report.text());
        }
        let dir = PathBuf::from(&args.output);
        let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        for converted in &all {
            let env = converted.env.as_deref().unwrap_or_default();
            for (name, text) in generate::files(&converted.output.objects, format) {
                files.push((dir.join(env).join(name), text.into_bytes()));
            }
        }
        write_files(&dir, &files)?;
        ctx.verbose_sources();
        ctx.verbose(format!(
            "converted every environment: {} files in {:?}",
            files.len(),
            started.elapsed()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let converted = convert(&req)?;
    let (project, out) = (&converted.project, &converted.output);
    if !ctx.quiet {
        ctx.report(&project.warnings);
        ctx.report(&out.warnings);
        // stdout stays clean YAML: the checklist goes where the warnings go.
        let report = Report::build(&out.objects, project.warnings.iter().chain(&out.warnings));
        crate::out::stderr(&report.text());
    }
    if args.output == "-" {
        write_stdout(&generate::render(&out.objects, format))?;
    } else {
        let dir = PathBuf::from(&args.output);
        let files: Vec<(PathBuf, Vec<u8>)> = generate::files(&out.objects, format)
            .into_iter()
            .map(|(name, text)| (dir.join(name), text.into_bytes()))
            .collect();
        write_files(&dir, &files)?;
    }
    ctx.verbose_sources();
    ctx.verbose(format!(
        "converted project {:?}: {} objects in {:.1?} ({})",
        project.name,
        out.objects.len(),
        started.elapsed(),
        converted.timings
    ));
    Ok(ExitCode::SUCCESS)
}

fn write_files(dir: &std::path::Path, files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    crate::out::files_under(dir, files).map_err(|e| {
        Failure::msg(format!(
            "cannot write to {}: {}",
            dir.display(),
            crate::fsio::io_reason(&e)
        ))
    })
}
