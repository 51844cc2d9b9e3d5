//! `komply config`: the resolved Compose project, like `docker compose config`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{Ctx, write_stdout};
use crate::compose::{LoadOptions, load};
use crate::diag::Result;

#[derive(clap::Args, Debug)]
pub struct ConfigArgs {
    /// Compose file(s), merged in order. Default: compose.yaml / docker-compose.yml … or COMPOSE_FILE.
    #[arg(short = 'f', long = "file")]
    pub files: Vec<PathBuf>,
    /// Project name (default: COMPOSE_PROJECT_NAME, the file's `name:`, or the directory name).
    #[arg(short = 'p', long = "project-name")]
    pub project_name: Option<String>,
    /// Enable a profile (repeatable; `*` enables all). Default: COMPOSE_PROFILES.
    #[arg(long = "profile")]
    pub profiles: Vec<String>,
    /// Read variables from this file instead of `<project dir>/.env` (repeatable; later wins).
    #[arg(long = "env-file")]
    pub env_files: Vec<PathBuf>,
    /// The directory relative paths are resolved against (default: the first file's directory).
    #[arg(long = "project-directory")]
    pub project_directory: Option<PathBuf>,
    /// Keep relative paths as written.
    #[arg(long = "no-path-resolution")]
    pub no_path_resolution: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Yaml,
    Json,
}

pub fn run(ctx: &Ctx, args: ConfigArgs) -> Result<ExitCode> {
    let mut opts = LoadOptions::from_process_env();
    opts.files = args.files;
    opts.project_name = args.project_name;
    opts.profiles = args.profiles;
    opts.env_files = args.env_files;
    opts.project_directory = args.project_directory;
    opts.resolve_paths = !args.no_path_resolution;
    let started = std::time::Instant::now();
    let project = load(&opts)?;
    if !ctx.quiet {
        ctx.report(&project.warnings);
    }
    ctx.verbose(format!(
        "loaded project {:?} in {:?}",
        project.name,
        started.elapsed()
    ));
    let value = crate::compose::config_output(&project);
    let text = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Yaml => crate::yaml::to_yaml(&value),
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
