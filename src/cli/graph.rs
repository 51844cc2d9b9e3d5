//! `komply graph`: the picture of what `convert` makes (after the environment's overlays),
//! as Mermaid or Graphviz DOT, so a reviewer sees a migration at a glance.

use std::process::ExitCode;

use super::compose_args::ComposeArgs;
use super::env_args::EnvArgs;
use super::{Ctx, write_stdout};
use crate::diag::Result;
use crate::graph::{self, Format};
use crate::pipeline::{ConvertRequest, convert};

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub compose: ComposeArgs,
    #[command(flatten)]
    pub env: EnvArgs,
    /// Put every object in this namespace (as `convert -n`).
    #[arg(short = 'n', long = "namespace")]
    pub namespace: Option<String>,
    /// `mermaid` (renders on GitHub, in a ```mermaid block) or `dot` (Graphviz).
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: Format,
}

pub fn run(ctx: &Ctx, args: GraphArgs) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut req = ConvertRequest {
        load: args.compose.load_options(),
        env: args.env.env.clone(),
        overlays: args.env.overlays.clone(),
        strict: false,
        namespace: args.namespace.clone(),
    };
    // `--env all`: one picture, one group per environment.
    if req.env.as_deref() == Some("all") {
        let project_dir = crate::compose::load(&req.load)?.project_dir;
        let envs = crate::overlay::available_envs(&project_dir);
        let progress = ctx.progress("environments");
        progress.set_total(envs.len());
        let mut graphs = Vec::new();
        let mut name = String::new();
        for env in envs {
            req.env = Some(env.clone());
            let converted = convert(&req)?;
            progress.inc();
            if graphs.is_empty() && !ctx.quiet {
                // The project's warnings are the same in every environment: say them once.
                ctx.report(&converted.project.warnings);
            }
            name = converted.project.name.clone();
            let out = &converted.output;
            graphs.push((env.clone(), graph::build(&env, &out.objects, &out.services)));
        }
        progress.finish();
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
    let g = graph::build(&title, &out.objects, &out.services);
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
