//! Overlay: an environment's changes to the generated objects (SPEC §4, docs/overlays.md).
//!
//! [`resolve`] finds the layers (built-in preset < the user's `overlays/<env>.yaml` < each
//! `--overlay` file), validates each against `schemas/overlay.schema.json` and merges them.
//! The result is applied in three steps around generation:
//! 1. [`Resolved::prepare`] (before): image, replicas and the `x-komply` keys (autoscale, pdb,
//!    ingress…) are written into the Compose model, so the generator makes the right objects;
//! 2. [`Resolved::apply`] (after): resources, probes, security contexts, the rollout strategy,
//!    labels / annotations and the secret store, on each service's objects;
//! 3. raw patches (RFC 6902 / RFC 7386), last, on the whole list.

mod apply;
mod generator;
pub mod image;
mod json;
pub mod load;
pub mod model;
mod patch;
mod prepare;
mod secrets;
pub mod strategy;

use std::path::{Path, PathBuf};

use crate::compose::model::Model;
use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::generate::Output;
use crate::yaml::{Node, Span};

pub use load::{PRESETS, available_envs};

/// An environment's merged overlay, ready to apply.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The environment (`None` when only `--overlay` files were given).
    pub env: Option<String>,
    /// The layers that were merged, base first (`preset prod`, `overlays/prod.yaml`, …).
    pub layers: Vec<String>,
    /// The merged tree; every value keeps the span of the file that set it.
    pub merged: Node,
    pub overlay: model::Overlay,
}

/// What templates and strategies know about the run.
pub(crate) struct Ctx {
    pub env: String,
    pub project: String,
}

/// The span of the node at `path` in the merged tree, or of its nearest ancestor.
pub(crate) fn span_at(root: &Node, path: &[&str]) -> Span {
    let mut node = root;
    for seg in path {
        match node.at(&[seg]) {
            Some(n) => node = n,
            None => break,
        }
    }
    node.span
}

/// The span of the key at the end of `path` (the value's, for a sequence index), or of the
/// nearest ancestor.
pub(crate) fn key_span_at(root: &Node, path: &[&str]) -> Span {
    if let Some((last, parent)) = path.split_last()
        && let Some(holder) = root.at(parent)
        && let Some((k, _)) = holder.entry(last)
    {
        return k.span;
    }
    span_at(root, path)
}

/// Finds, validates and merges the overlays of `env` plus the `extra` files. `Ok(None)` when
/// there is nothing to apply.
pub fn resolve(
    project_dir: &Path,
    env: Option<&str>,
    extra: &[PathBuf],
) -> Result<Option<Resolved>> {
    if env.is_none() && extra.is_empty() {
        return Ok(None);
    }
    let layers = load::layers(project_dir, env, extra)?;
    let merged = load::merge(&layers);
    let overlay: model::Overlay = serde_json::from_value(merged.to_json()).map_err(|e| {
        // The schema accepted every layer; this is a bug, but say where.
        Failure::one(
            Diagnostic::error(format!("overlay: {e}"))
                .at(merged.span)
                .code(Code::OverlayInvalid),
        )
    })?;
    Ok(Some(Resolved {
        env: env.map(str::to_string),
        layers: layers.iter().map(|l| l.name.clone()).collect(),
        merged,
        overlay,
    }))
}

impl Resolved {
    /// The overlay's namespace (the command line's `-n` wins over it).
    pub fn namespace(&self) -> Option<String> {
        self.overlay.namespace.clone()
    }

    fn ctx(&self, project: &str) -> Ctx {
        Ctx {
            env: self.env.clone().unwrap_or_else(|| "default".into()),
            project: project.to_string(),
        }
    }

    /// Step 1, before generation (see the module doc).
    pub fn prepare(&self, model: &mut Model, project_dir: &std::path::Path) -> Result<()> {
        let errors = prepare::prepare(model, &self.merged, &self.overlay, project_dir);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Failure(errors))
        }
    }

    /// Steps 2 and 3, after generation.
    pub fn apply(&self, out: &mut Output, project: &str) -> Result<()> {
        let ctx = self.ctx(project);
        let mut errors = apply::apply(out, &self.overlay, &self.merged, &ctx);
        if errors.is_empty() {
            errors = patch::apply(&mut out.objects, &self.overlay.patches, &self.merged);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Failure(errors))
        }
    }
}
