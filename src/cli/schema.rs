//! `komply schema`: prints the JSON Schemas of komply's own formats: what it reads, and the
//! JSON report it writes.

use std::process::ExitCode;

use super::{Ctx, write_stdout};
use crate::diag::Result;

#[derive(clap::Args, Debug)]
pub struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum)]
    pub which: Which,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Which {
    /// The `x-komply` Compose extension (service level; `$defs/project` for the top level).
    #[value(name = "x-komply")]
    XKomply,
    /// The `Komply` config of the KRM function and kustomize plugin (`komply krm`).
    #[value(name = "komply-function")]
    KomplyFunction,
    /// The environment overlay format (`overlays/<env>.yaml`, `--overlay FILE`).
    Overlay,
    /// The lint configuration (`.komply.yaml`: rules, ignores, secret policy).
    #[value(name = "komply-config")]
    KomplyConfig,
    /// The report of `komply lint --format json` and `komply check --format json`.
    #[value(name = "lint-report")]
    LintReport,
}

pub fn run(_ctx: &Ctx, args: SchemaArgs) -> Result<ExitCode> {
    match args.which {
        Which::XKomply => write_stdout(crate::generate::xkomply::SCHEMA)?,
        Which::KomplyFunction => write_stdout(crate::krm::config::SCHEMA)?,
        Which::Overlay => write_stdout(crate::validate::OVERLAY_SCHEMA)?,
        Which::KomplyConfig => write_stdout(crate::validate::LINT_CONFIG_SCHEMA)?,
        Which::LintReport => write_stdout(crate::lint::output::REPORT_SCHEMA)?,
    }
    Ok(ExitCode::SUCCESS)
}
