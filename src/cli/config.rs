//! `komply config`: the resolved Compose project, like `docker compose config`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Ctx;
use crate::diag::{Failure, Result};

#[derive(clap::Args, Debug)]
pub struct ConfigArgs {
    /// Compose file(s), merged in order. Default: compose.yaml / docker-compose.yml … or COMPOSE_FILE.
    #[arg(short = 'f', long = "file")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Yaml,
    Json,
}

pub fn run(_ctx: &Ctx, _args: ConfigArgs) -> Result<ExitCode> {
    Err(Failure::msg("the Compose loader is being built (issue #2)"))
}
