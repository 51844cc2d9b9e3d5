//! The command line: argument parsing (clap derive), dispatch, diagnostics and exit codes.
//!
//! Exit codes scripts can trust: 0 success / clean, 1 findings (lint) or drift (diff),
//! 2 bad input or usage. Each subcommand lives in its own file and returns a [`Result`].

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diag::{Diagnostic, Result};

mod check;
mod completions;
mod compose_args;
mod config;
mod convert;
mod diff;
mod env_args;
mod graph;
mod krm;
mod lint;
mod man;
mod migrate;
mod rules;
mod schema;
mod yaml_json;

/// Exit code for bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "komply",
    // The package version and the commit (build.rs); `komply man` prints the bare version.
    version = env!("KOMPLY_VERSION"),
    about = "Docker Compose → production Kubernetes manifests, and a Kubernetes linter",
    long_about = "komply turns Docker Compose projects plus per-environment overlays into production \
                  Kubernetes manifests, and lints Kubernetes manifests. One static binary: no cluster, \
                  no network, no Docker daemon.",
    after_help = "Exit codes: 0 success, 1 findings or drift, 2 bad input or usage.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Debug, Clone)]
pub struct GlobalOpts {
    /// When to use colour in diagnostics (never when NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Print only errors and findings.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say what was read, what was skipped, and how long it took.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Convert a Compose project into Kubernetes manifests, secure by default.
    #[command(
        after_help = "Examples:\n  komply convert -f compose.yaml > k8s.yaml\n  komply convert -o deploy/ --namespace shop\n\nExit codes: 0 success, 2 bad input (or warnings with --strict)."
    )]
    Convert(convert::ConvertArgs),
    /// Convert, schema-validate and lint a Compose project in one call (for CI).
    #[command(
        after_help = "Examples:\n  komply check --env prod\n  komply check --env prod --format sarif > komply.sarif\n\nExit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input or usage."
    )]
    Check(check::CheckArgs),
    /// Show how a generated directory differs from what `komply convert -o DIR` would write.
    #[command(
        after_help = "Example:\n  komply diff --env prod --out deploy/prod\n\nExit codes: 0 in sync, 1 drift, 2 bad input or usage."
    )]
    Diff(diff::DiffArgs),
    /// Write a kustomize tree (base/ + overlays/<env>/) and MIGRATION.md from a Compose project.
    #[command(
        after_help = "Example:\n  komply migrate compose.yaml --out deploy/ --envs dev,staging,prod\n  kubectl kustomize deploy/overlays/prod\n\nExit codes: 0 written, 2 bad input (nothing is written)."
    )]
    Migrate(migrate::MigrateArgs),
    /// Draw what komply generates: services, their objects and the links between them.
    #[command(
        after_help = "Examples:\n  komply graph -f compose.yaml > graph.mmd\n  komply graph --format dot | dot -Tsvg > graph.svg\n  komply graph --env all > every-env.mmd   # one group per environment"
    )]
    Graph(graph::GraphArgs),
    /// Lint Kubernetes manifests: files, directories, or `-` for stdin.
    #[command(
        after_help = "Examples:\n  komply lint deploy/\n  kustomize build overlays/prod | komply lint - --format sarif > lint.sarif\n\nExit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input or usage."
    )]
    Lint(lint::LintArgs),
    /// List the lint rules, or explain one (`komply rules explain KP101`).
    #[command(
        after_help = "Examples:\n  komply rules\n  komply rules --json\n  komply rules explain run-as-non-root"
    )]
    Rules(rules::RulesArgs),
    /// Print the resolved Compose project in canonical long form (like `docker compose config`).
    #[command(
        after_help = "Example:\n  komply config -f compose.yaml -f compose.prod.yaml --format json"
    )]
    Config(config::ConfigArgs),
    /// Print a JSON Schema of a komply format (`x-komply`, overlays, the JSON lint report…).
    #[command(
        after_help = "Examples:\n  komply schema x-komply > x-komply.schema.json      # editor completion\n  komply schema lint-report                         # what --format json prints"
    )]
    Schema(schema::SchemaArgs),
    /// KRM function (kpt, kustomize): a ResourceList on stdin, a ResourceList on stdout.
    #[command(
        after_help = "Examples:\n  kpt fn eval . --exec \"komply krm\" --fn-config ../komply-fn.yaml\n  kpt fn eval . --exec \"komply krm\"    # no config: validate the package\n\nThe functionConfig (kind Komply) is described by `komply schema komply-function`.\nExit codes: 0 success, 1 a result of severity error, 2 bad input."
    )]
    Krm(krm::KrmArgs),
    /// How komply reads YAML files, as JSON (for the differential conformance suite).
    #[command(name = "yaml-json", hide = true)]
    YamlJson(yaml_json::YamlJsonArgs),
    /// Legacy kustomize exec plugin (also run when the binary is called `Komply`).
    #[command(name = "kustomize-plugin", hide = true)]
    KustomizePlugin(krm::PluginArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Examples:\n  komply completions bash > ~/.local/share/bash-completion/completions/komply\n  komply completions zsh > \"${fpath[1]}/_komply\"\n  komply completions fish > ~/.config/fish/completions/komply.fish"
    )]
    Completions(completions::CompletionsArgs),
    /// Print the manual page, or write one page per command with `--out DIR`.
    #[command(
        after_help = "Examples:\n  komply man | man -l -\n  komply man --out /usr/local/share/man/man1"
    )]
    Man(man::ManArgs),
}

/// `-n NAMESPACE`: refused before anything runs when the API server would refuse it (it also
/// becomes a file name: `-n ../../x` must never write outside `-o`).
pub(crate) fn namespace_arg(s: &str) -> std::result::Result<String, String> {
    crate::validate::names::dns1123_label(s)?;
    Ok(s.to_string())
}

/// The clap definition of the whole command line: `--help`, completions, man pages and the
/// help snapshots all derive from it, so new subcommands are covered without extra work.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// True when the program was started as `kubectl-komply` (a kubectl plugin).
fn invoked_as_kubectl_plugin() -> bool {
    std::env::args_os()
        .next()
        .and_then(|argv0| {
            let stem = std::path::Path::new(&argv0)
                .file_stem()?
                .to_str()?
                .to_string();
            Some(stem == "kubectl-komply")
        })
        .unwrap_or(false)
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    quiet_panics();
    match krm::invoked_as_plugin() {
        Some(rest) => run(["komply".into(), "kustomize-plugin".into()]
            .into_iter()
            .chain(rest)
            .collect()),
        // kubectl runs `kubectl-komply` for `kubectl komply …` (krew installs it under that
        // name): usage and errors then say `kubectl komply`.
        None if invoked_as_kubectl_plugin() => {
            run_as(std::env::args_os().collect(), Some("kubectl komply"))
        }
        None => run(std::env::args_os().collect()),
    }
}

/// Runs one command line (`args[0]` is the program name). Every byte it writes goes through
/// [`crate::out`], so [`crate::out::capture`] can run it in-process.
pub fn run(args: Vec<std::ffi::OsString>) -> ExitCode {
    run_as(args, None)
}

/// [`run`], with usage and errors naming the program `bin_name` when given.
fn run_as(args: Vec<std::ffi::OsString>, bin_name: Option<&'static str>) -> ExitCode {
    let parsed = match bin_name {
        Some(name) => {
            use clap::FromArgMatches;
            command()
                .bin_name(name)
                .try_get_matches_from(args)
                .and_then(|m| Cli::from_arg_matches(&m))
        }
        None => Cli::try_parse_from(args),
    };
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let color = e.use_stderr() && std::io::stderr().is_terminal();
            let text = if color {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            if e.use_stderr() {
                crate::out::stderr(&text);
            } else {
                let _ = write_stdout(&text);
            }
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { 0 });
        }
    };
    let ctx = Ctx::new(&cli.global);
    let result = match cli.command {
        Command::Config(args) => config::run(&ctx, args),
        Command::Convert(args) => convert::run(&ctx, args),
        Command::Schema(args) => schema::run(&ctx, args),
        Command::Lint(args) => lint::run(&ctx, args),
        Command::Rules(args) => rules::run(&ctx, args),
        Command::Completions(args) => completions::run(&ctx, args),
        Command::Man(args) => man::run(&ctx, args),
        Command::Graph(args) => graph::run(&ctx, args),
        Command::Check(args) => check::run(&ctx, args),
        Command::Diff(args) => diff::run(&ctx, args),
        Command::Krm(args) => krm::run(&ctx, args),
        Command::Migrate(args) => migrate::run(&ctx, args),
        Command::KustomizePlugin(args) => krm::run_plugin(&ctx, args),
        Command::YamlJson(args) => yaml_json::run(&ctx, args),
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            ctx.report(&failure.0);
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// What every command needs to know about how to talk to the user.
pub struct Ctx {
    /// Colour for stderr diagnostics.
    pub color: bool,
    /// Colour for reports on stdout (`--color always`, or auto and stdout is a terminal).
    pub color_stdout: bool,
    pub quiet: bool,
    pub verbose: bool,
}

impl Ctx {
    pub fn new(g: &GlobalOpts) -> Ctx {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match g.color {
            ColorChoice::Never => false,
            ColorChoice::Always => !no_color,
            ColorChoice::Auto => !no_color && std::io::stderr().is_terminal(),
        };
        let color_stdout = match g.color {
            ColorChoice::Never => false,
            ColorChoice::Always => !no_color,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        Ctx {
            color,
            color_stdout,
            quiet: g.quiet,
            verbose: g.verbose,
        }
    }

    /// Prints diagnostics to stderr as code frames (through [`crate::out`], which masks
    /// secrets).
    pub fn report(&self, diags: &[Diagnostic]) {
        for d in diags {
            if self.quiet && d.severity != crate::diag::Severity::Error {
                continue;
            }
            crate::out::stderr_line(&d.render(self.color));
        }
    }

    /// A progress counter for a long run: drawn only when stderr is a terminal, outside CI
    /// (`CI` set) and without `--quiet`, so pipes and CI logs never see it.
    pub fn progress(&self, what: &str) -> crate::progress::Progress {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let enabled = !self.quiet && !ci && !dumb && std::io::stderr().is_terminal();
        crate::progress::Progress::new(what, enabled)
    }

    /// `--verbose`: every input file read in this run (compose files, `.env`, `env_file`,
    /// included files, overlays), from the source registry.
    pub fn verbose_sources(&self) {
        if self.verbose {
            for name in crate::source::sources().displays() {
                crate::out::stderr_line(&format!("komply: read {name}"));
            }
        }
    }

    /// A progress or timing note, shown only with `--verbose`.
    pub fn verbose(&self, msg: impl AsRef<str>) {
        if self.verbose {
            crate::out::stderr_line(&format!("komply: {}", msg.as_ref()));
        }
    }
}

/// Writes to stdout through [`crate::out`] (redacted; a closed pipe is success).
pub fn write_stdout(text: &str) -> Result<()> {
    crate::out::stdout(text)
}

/// A panic is a bug, but its message can quote the string being handled — a secret value —
/// and Rust's default hook writes it straight to stderr, past the redactor. komply's hook says
/// where it happened and nothing of the payload (exit code 101 stays). `KOMPLY_PANIC=full`
/// restores the default message for debugging, on the user's own terminal.
fn quiet_panics() {
    if std::env::var_os("KOMPLY_PANIC").is_some_and(|v| v == "full") {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "an unknown place".to_string());
        crate::out::stderr_line(&format!(
            "error: komply panicked at {at}: this is a bug; please report it with the command line \
             (the message is withheld because it may quote an input value; KOMPLY_PANIC=full shows it)"
        ));
    }));
}
