//! `komply rules`: list the lint rules, or explain one.

use std::fmt::Write as _;
use std::process::ExitCode;

use super::{Ctx, write_stdout};
use crate::diag::{Failure, Result};
use crate::lint::rules::{ALL, find};

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: Option<RulesAction>,
    /// List as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum RulesAction {
    /// Print a rule's documentation (by id or name, e.g. `KP101` or `run-as-non-root`).
    #[command(after_help = "Example:\n  komply rules explain KP101")]
    Explain { rule: String },
}

pub fn run(_ctx: &Ctx, args: RulesArgs) -> Result<ExitCode> {
    match args.action {
        Some(RulesAction::Explain { rule }) => {
            let r = find(&rule).ok_or_else(|| {
                Failure::msg(format!("unknown rule {rule:?}; `komply rules` lists them"))
            })?;
            write_stdout(&crate::lint::rules::render_doc(r))?;
        }
        None if args.json => {
            let v: Vec<_> = ALL
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id.code(), "name": r.id.name(), "family": r.family.as_str(),
                        "severity": r.severity.as_str(), "enabled": r.default_enabled,
                        "summary": r.summary(), "fix": r.fix_title,
                    })
                })
                .collect();
            write_stdout(&(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"))?;
        }
        None => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{:<6} {:<24} {:<11} {:<9} SUMMARY",
                "ID", "NAME", "FAMILY", "SEVERITY"
            );
            for r in ALL {
                let sev = if r.default_enabled {
                    r.severity.as_str().to_string()
                } else {
                    format!("({})", r.severity.as_str())
                };
                let _ = writeln!(
                    out,
                    "{:<6} {:<24} {:<11} {:<9} {}",
                    r.id.code(),
                    r.id.name(),
                    r.family.as_str(),
                    sev,
                    r.summary()
                );
            }
            out.push_str("\nSeverity in parentheses: off by default (enable in .komply.yaml).\n");
            write_stdout(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
