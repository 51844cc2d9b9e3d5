//! After the last file, one step per module, in compose-go's order: defaults, relative paths,
//! normalisation (environment, default network, implicit dependencies, names), profiles,
//! consistency checks, `env_file` / `label_file` folded in, unused resources dropped, and the
//! Go-struct shaping that makes our tree print exactly like `docker compose config --format json`.

mod consistency;
mod defaults;
mod env_files;
mod mapping;
mod normalize;
mod paths;
mod profiles;
mod prune;
mod shape;
mod shell;

use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::yaml::{Node, Span};

use super::Ctx;
use super::project::Setup;
use super::tree;

pub use defaults::set_defaults;
pub use paths::rebase_paths;
pub use shell::shell_split;

fn fail(msg: impl Into<String>, span: Span, code: Code) -> Failure {
    Failure::one(Diagnostic::error(msg).at(span).code(code))
}

/// Every step after the last file, in compose-go's order: the merged model in, the project as
/// `docker compose config` prints it (plus service-level `x-*` keys) out.
pub fn finish(ctx: &mut Ctx, mut dict: Node, setup: &Setup) -> Result<Node> {
    drop_top_level_keys(ctx, &mut dict);
    set_defaults(&mut dict);
    if ctx.resolve_paths {
        let home = ctx.env.get("HOME").cloned().unwrap_or_default();
        rebase_paths(&mut dict, &setup.project_dir.to_string_lossy(), &home);
    }
    normalize::normalize(&mut dict, &setup.name, &ctx.env);
    let disabled = profiles::apply_profiles(&mut dict, &setup.profiles)?;
    consistency::check_consistency(&dict, &disabled)?;
    env_files::resolve_env_files(ctx, &mut dict, setup)?;
    prune::drop_unused_resources(&mut dict);
    shape::shape(&mut dict)?;
    Ok(dict)
}

/// `version` (obsolete: a warning) and `include` (already applied) leave the model.
fn drop_top_level_keys(ctx: &mut Ctx, dict: &mut Node) {
    if let Some(v) = tree::remove(dict, "version") {
        ctx.warnings.push(
            Diagnostic::warning("the attribute `version` is obsolete, it will be ignored")
                .at(v.span)
                .code(Code::ComposeObsoleteVersion),
        );
    }
    tree::remove(dict, "include");
}

fn services_mut(dict: &mut Node) -> Vec<&mut Node> {
    match dict.get_mut("services").and_then(|s| s.as_map_mut()) {
        Some(entries) => entries.iter_mut().map(|(_, v)| v).collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
pub(super) mod testing {
    use crate::diag::Result;
    use crate::yaml::Node;

    /// A synthetic tree from JSON.
    pub fn node(v: serde_json::Value) -> Node {
        Node::from_json(&v)
    }

    /// The code of the first error of a failed step.
    pub fn error_code<T>(r: Result<T>) -> String {
        match r {
            Ok(_) => "no error".to_string(),
            Err(f) => f.0[0].code.map(|c| c.to_string()).unwrap_or_default(),
        }
    }
}
