//! `komply migrate`: a Compose project → a kustomize tree (`base/`, `overlays/<env>/`) and
//! `MIGRATION.md`, written atomically (all files or none) into an empty directory.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Ctx;
use super::compose_args::ComposeArgs;
use crate::diag::{Failure, Result};
use crate::pipeline::{ConvertRequest, convert};

#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    /// Compose file(s), as an alternative to `-f` (merged in order, after the `-f` files).
    #[arg(value_name = "COMPOSE_FILE")]
    pub positional: Vec<PathBuf>,
    #[command(flatten)]
    pub compose: ComposeArgs,
    /// The directory to write (must be empty or missing, unless --force).
    #[arg(long = "out", short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// Environments to write overlays for (comma-separated; `--envs ''` for the base only).
    /// Default: the presets (dev, staging, prod) and every `overlays/<env>.yaml` beside the
    /// compose file.
    #[arg(long, value_delimiter = ',')]
    pub envs: Option<Vec<String>>,
    /// Extra overlay files applied to every environment (as `komply convert --overlay`).
    #[arg(long = "overlay")]
    pub overlays: Vec<PathBuf>,
    /// Put every object in this namespace (as `komply convert -n`).
    #[arg(short = 'n', long = "namespace", value_parser = super::namespace_arg)]
    pub namespace: Option<String>,
    /// Write into a non-empty directory, replacing files with the same names.
    #[arg(long)]
    pub force: bool,
}

pub fn run(ctx: &Ctx, args: MigrateArgs) -> Result<ExitCode> {
    let shown = crate::source::display_path(&args.out);
    if args.out.exists() && !args.force {
        let non_empty = match std::fs::read_dir(&args.out) {
            Ok(mut entries) => entries.next().is_some(),
            Err(e) => {
                return Err(Failure::msg(format!(
                    "{shown}: {}",
                    crate::fsio::io_reason(&e)
                )));
            }
        };
        if non_empty {
            return Err(Failure::msg(format!(
                "{shown} is not empty: refusing to overwrite it (pass --force to write into it anyway)"
            )));
        }
    }
    let mut compose = args.compose.clone();
    compose.files.extend(args.positional.iter().cloned());
    let request = |env: Option<&str>, overlays: Vec<PathBuf>| ConvertRequest {
        load: compose.load_options(),
        env: env.map(str::to_string),
        overlays,
        strict: false,
        namespace: args.namespace.clone(),
    };
    let base = convert(&request(None, Vec::new()))?;
    if !ctx.quiet {
        ctx.report(&base.project.warnings);
        ctx.report(&base.output.warnings);
    }
    let names = args
        .envs
        .clone()
        .unwrap_or_else(|| crate::overlay::available_envs(&base.project.project_dir));
    let mut envs = Vec::new();
    for env in names.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        if !crate::overlay::load::is_env_name(env) || env == "all" {
            return Err(Failure::msg(format!(
                "--envs: `{env}` is not an environment name"
            )));
        }
        if envs.iter().any(|(e, _)| e == env) {
            continue;
        }
        let converted = convert(&request(Some(env), args.overlays.clone()))?;
        envs.push((env.to_string(), converted));
    }
    let files: Vec<(PathBuf, Vec<u8>)> = crate::migrate::tree(&base, &envs)
        .into_iter()
        .map(|(rel, text)| (args.out.join(rel), text.into_bytes()))
        .collect();
    crate::out::files_under(&args.out, &files).map_err(|e| {
        Failure::msg(format!(
            "cannot write to {shown}: {}",
            crate::fsio::io_reason(&e)
        ))
    })?;
    if !ctx.quiet {
        crate::out::stderr_line(&format!(
            "komply migrate: wrote {} files to {shown} (base{}); read {shown}/MIGRATION.md",
            files.len(),
            envs.iter()
                .map(|(e, _)| format!(", overlays/{e}"))
                .collect::<String>()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
