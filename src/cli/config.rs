//! `komply config`: the resolved Compose project, like `docker compose config`.
//!
//! Docker Compose parity by default: `docker compose config` prints every value, secrets
//! included, and so does `komply config` (the one output komply does not redact). `--redact`
//! replaces every secret value — under a secret-like key, or reused anywhere else — with
//! `[redacted]`. Warnings and errors on stderr are always redacted.

use std::process::ExitCode;

use super::compose_args::ComposeArgs;
use super::{Ctx, write_stdout};
use crate::compose::load;
use crate::diag::Result;

#[derive(clap::Args, Debug)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub compose: ComposeArgs,
    /// Keep relative paths as written.
    #[arg(long = "no-path-resolution")]
    pub no_path_resolution: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: Format,
    /// Hide secret values (by default they are printed, like `docker compose config`).
    #[arg(long)]
    pub redact: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Yaml,
    Json,
}

pub fn run(ctx: &Ctx, args: ConfigArgs) -> Result<ExitCode> {
    let mut opts = args.compose.load_options();
    opts.resolve_paths = !args.no_path_resolution;
    let started = std::time::Instant::now();
    let project = load(&opts)?;
    if !ctx.quiet {
        ctx.report(&project.warnings);
    }
    ctx.verbose_sources();
    ctx.verbose(format!(
        "loaded project {:?} in {:.1?}",
        project.name,
        started.elapsed()
    ));
    let mut value = crate::compose::config_output(&project);
    let policy = crate::compose::model::Model::from_canonical(&project.canonical)
        .map(|m| crate::generate::secret_policy(&m))
        .unwrap_or_default();
    let known =
        crate::compose::harvest::project(&project, &policy, &crate::generate::bind_mount_texts);
    if args.redact {
        crate::secrets::harvest::redact_config(&mut value, &policy, &known);
    }
    let text = match args.format {
        Format::Json => {
            crate::compose::check_json_output(&project)?;
            crate::compose::json_extension_nulls(&mut value);
            let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Yaml => crate::yaml::to_yaml(&value),
    };
    if args.redact {
        write_stdout(&text)?;
    } else {
        crate::out::stdout_unredacted(&text, crate::out::Unredacted::ComposeConfig)?;
    }
    Ok(ExitCode::SUCCESS)
}
