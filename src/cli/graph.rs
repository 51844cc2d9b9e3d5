//! `komply graph`: the picture of what `convert` makes (after the environment's overlays),
//! as Mermaid or Graphviz DOT, so a reviewer sees a migration at a glance.

use std::process::ExitCode;

use super::compose_args::ComposeArgs;
use super::env_args::EnvArgs;
use super::{Ctx, write_stdout};
use crate::diag::Result;
use crate::graph::{self, Format};
use crate::pipeline::{convert, convert_every_env, distinct_warnings};

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub compose: ComposeArgs,
    #[command(flatten)]
    pub env: EnvArgs,
    /// Put every object in this namespace (as `convert -n`).
    #[arg(short = 'n', long = "namespace", value_parser = super::namespace_arg)]
    pub namespace: Option<String>,
    /// `mermaid` (renders on GitHub, in a ```mermaid block) or `dot` (Graphviz).
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: Format,
}

pub fn run(ctx: &Ctx, args: GraphArgs) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let req = args
        .env
        .request(&args.compose, args.namespace.clone(), false);
    // `--env all`: one picture, one group per environment.
    if req.env.as_deref() == Some("all") {
        let all = convert_every_env(&req, &ctx.progress("environments"))?;
        if !ctx.quiet {
            ctx.report(&distinct_warnings(&all));
        }
        let name = all
            .first()
            .map(|c| c.project.name.clone())
            .unwrap_or_default();
        let graphs: Vec<_> = all
            .iter()
            .map(|c| {
                let env = c.env.clone().unwrap_or_default();
                let g = graph_of(&env, &c.output);
                (env, g)
            })
            .collect();
        let title = format!("komply: {name} (every environment)");
        write_stdout(&graph::render_all(&title, &graphs, args.format))?;
        ctx.verbose_sources();
        ctx.verbose(format!(
            "graph of {} environments in {:.1?}",
            graphs.len(),
            started.elapsed()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let converted = convert(&req)?;
    let out = &converted.output;
    if !ctx.quiet {
        ctx.report(&converted.project.warnings);
        ctx.report(&out.warnings);
    }
    let mut title = format!("komply: {}", converted.project.name);
    if let Some(env) = &converted.env {
        title.push_str(&format!(" ({env})"));
    }
    let g = graph_of(&title, out);
    write_stdout(&graph::render(&g, args.format))?;
    ctx.verbose_sources();
    ctx.verbose(format!(
        "graph of {} objects, {} links in {:.1?}",
        out.objects.len(),
        g.edges.len(),
        started.elapsed()
    ));
    Ok(ExitCode::SUCCESS)
}

/// The graph of one conversion; the Secret of `secrets: generator` is drawn as kustomize's.
fn graph_of(title: &str, out: &crate::generate::Output) -> graph::Graph {
    let mut g = graph::build(title, &out.objects);
    if let Some(s) = &out.secret_generator {
        graph::made_elsewhere(&mut g, "Secret", &s.name, "made by secretGenerator");
    }
    g
}
