//! `komply yaml-json` (hidden, for the differential suite `conformance/15-yaml-differential.sh`):
//! prints how komply read each file, one JSON line per file, so the suite can compare komply
//! with the real Docker Compose and kubectl on thousands of files in one call.
//!
//! - `--as compose`: each file is loaded on its own as a Compose project (exactly `komply config
//!   -f FILE --format json -p yaml-json`): `{"file": …, "value": {…}}` or `{"file": …, "error": …}`.
//! - `--as kubernetes`: each file is read as `komply lint` reads manifests (as kubectl does):
//!   `{"file": …, "documents": [{…}, …]}` or `{"file": …, "error": …}`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{Ctx, write_stdout};
use crate::diag::Result;
use crate::source::sources;
use crate::yaml::{Limits, parse_manifests};

#[derive(clap::Args, Debug)]
pub struct YamlJsonArgs {
    /// Whose reading of YAML to reproduce.
    #[arg(long = "as", value_enum, default_value = "kubernetes")]
    pub dialect: As,
    /// The files to read.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum As {
    Compose,
    Kubernetes,
}

pub fn run(_ctx: &Ctx, args: YamlJsonArgs) -> Result<ExitCode> {
    let mut out = String::new();
    for file in &args.files {
        let mut line = serde_json::Map::new();
        line.insert("file".into(), file.display().to_string().into());
        match read(file, args.dialect) {
            Ok((key, v)) => {
                line.insert(key.into(), v);
            }
            Err(e) => {
                line.insert("error".into(), e.into());
            }
        }
        out.push_str(&serde_json::Value::Object(line).to_string());
        out.push('\n');
    }
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn read(
    file: &std::path::Path,
    dialect: As,
) -> std::result::Result<(&'static str, serde_json::Value), String> {
    let show = |f: crate::diag::Failure| f.to_string();
    match dialect {
        As::Compose => {
            let mut opts = crate::compose::LoadOptions::from_process_env();
            opts.files = vec![file.to_path_buf()];
            opts.project_name = Some("yaml-json".into());
            let project = crate::compose::load(&opts).map_err(show)?;
            crate::compose::check_json_output(&project).map_err(show)?;
            let mut v = crate::compose::config_output(&project);
            crate::compose::json_extension_nulls(&mut v);
            Ok(("value", v))
        }
        As::Kubernetes => {
            let text = crate::fsio::read_text(file).map_err(show)?;
            let id = sources().add(file, text.as_str());
            let m = parse_manifests(id, &text, &Limits::default()).map_err(|e| show(e.into()))?;
            Ok((
                "documents",
                serde_json::Value::Array(m.docs.iter().map(|d| d.to_json()).collect()),
            ))
        }
    }
}
