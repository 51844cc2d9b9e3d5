//! The environment flags shared by every command that converts (`convert`, `check`, `diff`,
//! `migrate`, `graph`), so `--env` and `--overlay` read and behave the same everywhere.

use std::path::PathBuf;

use super::compose_args::ComposeArgs;
use crate::pipeline::ConvertRequest;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct EnvArgs {
    /// Environment to render: a built-in preset (dev, staging, prod) or `overlays/<env>.yaml`
    /// beside the compose file.
    #[arg(short = 'e', long = "env")]
    pub env: Option<String>,
    /// Extra overlay file, applied after the environment's overlay (repeatable; in order).
    #[arg(long = "overlay")]
    pub overlays: Vec<PathBuf>,
}

impl EnvArgs {
    /// The conversion that these flags, the Compose flags and the generation options ask for.
    pub fn request(
        &self,
        compose: &ComposeArgs,
        namespace: Option<String>,
        strict: bool,
    ) -> ConvertRequest {
        ConvertRequest {
            load: compose.load_options(),
            env: self.env.clone(),
            overlays: self.overlays.clone(),
            strict,
            namespace,
        }
    }
}
