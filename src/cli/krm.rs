//! `komply krm` (a KRM function: ResourceList on stdin → ResourceList on stdout) and
//! `komply kustomize-plugin CONFIG` (the legacy exec plugin `kubectl kustomize
//! --enable-alpha-plugins` runs; also entered when the binary is invoked as `Komply`).
//! The work is in [`crate::krm`].

use std::path::PathBuf;
use std::process::ExitCode;

use super::{Ctx, write_stdout};
use crate::diag::{Failure, Result};
use crate::krm::config::{FnConfig, Mode};
use crate::krm::confine::Root;

#[derive(clap::Args, Debug)]
pub struct KrmArgs {}

#[derive(clap::Args, Debug)]
pub struct PluginArgs {
    /// The plugin's config file (a `Komply` resource); kustomize passes it as the only argument.
    pub config: PathBuf,
}

fn root() -> Result<Root> {
    Root::cwd().map_err(|e| {
        Failure::msg(format!(
            "cannot use the current directory as the package root: {}",
            crate::fsio::io_reason(&e)
        ))
    })
}

fn read_stdin() -> Result<String> {
    crate::out::stdin_text()
}

pub fn run(ctx: &Ctx, _args: KrmArgs) -> Result<ExitCode> {
    let text = read_stdin()?;
    let (out, code, diags) = crate::krm::run(&text, &root()?)?;
    if !ctx.quiet {
        ctx.report(&diags);
    }
    // The user's items go back byte for byte; krm::run redacted what komply added.
    crate::out::stdout_unredacted(&out, crate::out::Unredacted::KrmItems)?;
    Ok(ExitCode::from(code))
}

/// The legacy plugin: a generator prints the objects as a YAML stream; a validator reads the
/// resources on stdin, prints its findings on stderr and nothing on stdout (kustomize fails a
/// validator whose output differs from its input in any way), and exits 1 on errors.
pub fn run_plugin(ctx: &Ctx, args: PluginArgs) -> Result<ExitCode> {
    let root = root()?;
    let (_, docs) = crate::fsio::load_yaml(&args.config)?;
    let mut node = docs.into_iter().find(|d| !d.is_null());
    if let Some(original) = node.as_ref().and_then(|n| original_config(n, &root)) {
        node = Some(original);
    }
    if node.is_none() {
        return Err(Failure::msg(format!(
            "{}: empty plugin config: expected a Komply resource",
            crate::source::display_path(&args.config)
        )));
    }
    let cfg = FnConfig::read(node.as_ref())?;
    match cfg.mode {
        Mode::Generate => {
            let converted = crate::krm::generate(&cfg, &root)?;
            if !ctx.quiet {
                ctx.report(&converted.project.warnings);
                ctx.report(&converted.output.warnings);
            }
            write_stdout(&crate::generate::render(
                &converted.output.objects,
                crate::generate::Format::Yaml,
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Mode::Validate => {
            let text = read_stdin()?;
            let id = crate::source::sources().add_named("<kustomize output>", text.as_str());
            let docs = crate::yaml::parse_documents(id, &text, &crate::yaml::Limits::default())?;
            let items: Vec<crate::yaml::Node> = docs.into_iter().filter(|d| !d.is_null()).collect();
            let v = crate::krm::validate(&items, &cfg, crate::krm::lint_config(&cfg, &root)?);
            let diags: Vec<_> = v
                .report
                .active()
                .map(crate::lint::output::diagnostic)
                .collect();
            ctx.report(&diags);
            for r in v.results.iter().filter(|r| r["tags"]["rule"] == "KP003") {
                crate::out::stderr_line(&format!(
                    "error: {}",
                    r["message"].as_str().unwrap_or_default()
                ));
            }
            if v.failed {
                crate::out::stderr_line(&format!(
                    "komply: {} objects, {} errors, {} warnings, {} suppressed",
                    v.report.ctx.objects.len(),
                    v.report.count(crate::diag::Severity::Error),
                    v.report.count(crate::diag::Severity::Warning),
                    v.report.suppressed()
                ));
            }
            Ok(ExitCode::from(u8::from(v.failed)))
        }
    }
}

/// kustomize hands the plugin a re-serialised temporary copy of its config (comments gone,
/// lines moved); the same resource in the kustomization directory gives messages that point at
/// the file the user wrote. Used only when exactly one file there holds an identical resource.
fn original_config(copy: &crate::yaml::Node, root: &Root) -> Option<crate::yaml::Node> {
    let strip = |n: &crate::yaml::Node| {
        let mut v = n.to_json();
        if let Some(m) = v.get_mut("metadata").and_then(|m| m.as_object_mut()) {
            m.remove("annotations");
        }
        v
    };
    let want = strip(copy);
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&root.dir).ok()?.flatten() {
        let p = entry.path();
        let yaml = matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
        if !yaml || !p.is_file() {
            continue;
        }
        let Ok(text) = crate::fsio::read_text(&p) else {
            continue;
        };
        if !text.contains("Komply") {
            continue;
        }
        let id = crate::source::sources().add(&p, text.as_str());
        let Ok(docs) = crate::yaml::parse_documents(id, &text, &crate::yaml::Limits::default())
        else {
            continue;
        };
        found.extend(docs.into_iter().filter(|d| strip(d) == want));
    }
    (found.len() == 1).then(|| found.remove(0))
}

/// `Komply` as the program name: the binary is installed as a legacy kustomize plugin
/// (`$KUSTOMIZE_PLUGIN_HOME/komply.dev/v1alpha1/komply/Komply`, a symlink to komply).
pub fn invoked_as_plugin() -> Option<Vec<std::ffi::OsString>> {
    let mut args = std::env::args_os();
    let argv0 = args.next()?;
    let name = std::path::Path::new(&argv0).file_name()?.to_str()?;
    (name == "Komply").then(|| args.collect())
}
