//! The whole conversion as one call: load → model → generate → overlay.
//!
//! Every command that turns a Compose project into objects (`convert`, `check`, `diff`,
//! `migrate`, `graph`, `krm`, the kustomize plugin) goes through [`convert`], so they always
//! agree on what a project and an environment produce.

use std::path::PathBuf;

use crate::compose::model::Model;
use crate::compose::{LoadOptions, Project, load};
use crate::diag::Result;
use crate::generate::{self, GenerateOptions, Output};
use crate::overlay;

/// What to convert: a Compose project, optionally in an environment and with extra overlays.
#[derive(Debug, Clone)]
pub struct ConvertRequest {
    pub load: LoadOptions,
    /// Environment name (`dev`, `staging`, `prod`, or a user overlay `overlays/<env>.yaml`).
    pub env: Option<String>,
    /// Extra overlay files applied in order after the environment's own overlay.
    pub overlays: Vec<PathBuf>,
    /// Compose keys without a Kubernetes meaning (and unknown keys) are errors.
    pub strict: bool,
    /// Namespace for every object (wins over `x-komply` and overlays).
    pub namespace: Option<String>,
}

impl ConvertRequest {
    pub fn new(load: LoadOptions) -> Self {
        ConvertRequest {
            load,
            env: None,
            overlays: Vec::new(),
            strict: false,
            namespace: None,
        }
    }
}

/// The result: the loaded project and the generated objects (in output order) with their
/// provenance and warnings.
#[derive(Debug)]
pub struct Converted {
    pub project: Project,
    pub output: Output,
    pub env: Option<String>,
}

/// Loads, generates and applies the environment's overlays.
pub fn convert(req: &ConvertRequest) -> Result<Converted> {
    let project = load(&req.load)?;
    let mut model = Model::from_canonical(&project.canonical)?;
    let resolved = overlay::resolve(&project.project_dir, req.env.as_deref(), &req.overlays)?;
    if let Some(r) = &resolved {
        r.prepare(&mut model)?;
    }
    let gen_opts = GenerateOptions {
        project_dir: project.project_dir.clone(),
        strict: req.strict,
        namespace: req
            .namespace
            .clone()
            .or_else(|| resolved.as_ref().and_then(overlay::Resolved::namespace)),
    };
    let mut output = generate::generate(&model, &gen_opts)?;
    if let Some(r) = &resolved {
        r.apply(&mut output, &model.name)?;
    }
    Ok(Converted {
        project,
        output,
        env: req.env.clone(),
    })
}
