//! `komply convert`: a Compose project → Kubernetes manifests (stdout stream or one file per
//! object in a directory, written atomically: all files or none).

use std::path::PathBuf;
use std::process::ExitCode;

use super::{Ctx, write_stdout};
use crate::compose::model::Model;
use crate::compose::{LoadOptions, load};
use crate::diag::{Diagnostic, Failure, Result};
use crate::generate::{self, Format, GenerateOptions};

#[derive(clap::Args, Debug)]
pub struct ConvertArgs {
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
    /// Environment overlay to apply (`overlays/<ENV>.yaml`).
    #[arg(long = "env", value_name = "ENV")]
    pub env: Option<String>,
    /// Put every object in this namespace (and emit the Namespace).
    #[arg(short = 'n', long = "namespace")]
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
    if let Some(env) = &args.env {
        return Err(Failure::one(
            Diagnostic::error(format!(
                "--env {env}: environment overlays are not available in this build yet"
            ))
            .code("convert/overlay"),
        ));
    }
    let started = std::time::Instant::now();
    let mut opts = LoadOptions::from_process_env();
    opts.files = args.files;
    opts.project_name = args.project_name;
    opts.profiles = args.profiles;
    opts.env_files = args.env_files;
    opts.project_directory = args.project_directory;
    opts.resolve_paths = true;
    let project = load(&opts)?;
    let model = Model::from_canonical(&project.canonical)?;
    let gen_opts = GenerateOptions {
        project_dir: project.project_dir.clone(),
        strict: args.strict,
        namespace: args.namespace,
    };
    let out = generate::generate(&model, &gen_opts)?;
    if !ctx.quiet {
        ctx.report(&project.warnings);
        ctx.report(&out.warnings);
    }
    let format = match args.format {
        OutFormat::Yaml => Format::Yaml,
        OutFormat::Json => Format::Json,
    };
    if args.output == "-" {
        write_stdout(&generate::render(&out.objects, format))?;
    } else {
        let dir = PathBuf::from(&args.output);
        let files: Vec<(PathBuf, Vec<u8>)> = generate::files(&out.objects, format)
            .into_iter()
            .map(|(name, text)| (dir.join(name), text.into_bytes()))
            .collect();
        crate::fsio::write_all_atomic(&files).map_err(|e| {
            Failure::msg(format!(
                "cannot write to {}: {}",
                dir.display(),
                crate::fsio::io_reason(&e)
            ))
        })?;
    }
    ctx.verbose(format!(
        "converted project {:?}: {} objects in {:?}",
        project.name,
        out.objects.len(),
        started.elapsed()
    ));
    Ok(ExitCode::SUCCESS)
}
