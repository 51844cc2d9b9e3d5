//! The Compose-project flags shared by every command that reads a Compose project
//! (`config`, `convert`, …), so they read and behave the same everywhere.

use std::path::PathBuf;

use crate::compose::LoadOptions;

#[derive(clap::Args, Debug, Clone)]
pub struct ComposeArgs {
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
}

impl ComposeArgs {
    /// Loader options: these flags over the process environment and current directory.
    pub fn load_options(&self) -> LoadOptions {
        let mut opts = LoadOptions::from_process_env();
        opts.files = self.files.clone();
        opts.project_name = self.project_name.clone();
        opts.profiles = self.profiles.clone();
        opts.env_files = self.env_files.clone();
        opts.project_directory = self.project_directory.clone();
        opts
    }
}
