//! The whole conversion as one call: load → model → generate → overlay → validate.
//!
//! Every command that turns a Compose project into objects (`convert`, `check`, `diff`,
//! `migrate`, `graph`, `krm`, the kustomize plugin) goes through [`convert`], so they always
//! agree on what a project and an environment produce.

use std::path::PathBuf;

use crate::compose::model::Model;
use crate::compose::{LoadOptions, Project, load};
use crate::diag::{Diagnostic, Failure, Result};
use crate::generate::{self, GenerateOptions, Output};
use crate::overlay;
use crate::progress::Progress;

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
    /// How long each stage took (`convert --verbose` says it).
    pub timings: Timings,
}

/// Wall time of each stage of [`convert`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Load and resolve (compose files, `.env`, `extends`, `include`) and the typed model.
    pub load: std::time::Duration,
    /// Generate, with the overlay stages around it.
    pub generate: std::time::Duration,
    /// The validate stage: every object against the strict schemas and the name rules.
    pub validate: std::time::Duration,
}

impl std::fmt::Display for Timings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "load {:.1?}, generate + overlays {:.1?}, validate {:.1?}",
            self.load, self.generate, self.validate
        )
    }
}

/// Loads, generates, applies the environment's overlays and validates the result: an object
/// the Kubernetes API would refuse is an error here, before any caller writes a byte.
pub fn convert(req: &ConvertRequest) -> Result<Converted> {
    let started = std::time::Instant::now();
    let mut timings = Timings::default();
    // The validate stage's biggest fixed cost, compiling schemas, overlaps loading.
    crate::validate::warm_generated_kinds();
    let project = load(&req.load)?;
    let mut model = Model::from_canonical(&project.canonical)?;
    timings.load = started.elapsed();
    let resolved = overlay::resolve(&project.project_dir, req.env.as_deref(), &req.overlays)?;
    if let Some(r) = &resolved {
        r.prepare(&mut model, &project.project_dir)?;
    }
    // Every secret value of the project, registered before anything is generated or printed.
    let known = crate::compose::harvest::project(
        &project,
        &generate::secret_policy(&model),
        &generate::bind_mount_texts,
    );
    let gen_opts = GenerateOptions {
        known: known.clone(),
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
    let mut known = known;
    known.merge(&crate::compose::harvest::model(
        &model,
        &generate::secret_policy(&model),
    ));
    crate::guard::objects(&mut output.objects, &known, &mut output.warnings)?;
    timings.generate = started.elapsed() - timings.load;
    validate(&project, &output)?;
    timings.validate = started.elapsed() - timings.load - timings.generate;
    Ok(Converted {
        project,
        output,
        env: req.env.clone(),
        timings,
    })
}

/// The validate stage: every generated object against the strict schemas and the API server's
/// name rules, no object twice; errors at the compose key that controls the field.
fn validate(project: &Project, output: &Output) -> Result<()> {
    let locate = |i: usize, pointer: &str| {
        let object = &output.objects[i];
        generate::locate::compose_span(
            &project.canonical,
            &object.provenance,
            &object.to_value(),
            pointer,
        )
    };
    let errors = crate::validate::check_generated(&output.objects, &locate);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure(errors))
    }
}

/// `--env all`: the project converted in every available environment (the presets and the
/// project's `overlays/*.yaml`, in name order). `progress` is told about each one. The errors of
/// every environment are gathered, so one run reports them all.
pub fn convert_every_env(req: &ConvertRequest, progress: &Progress) -> Result<Vec<Converted>> {
    let project_dir = load(&req.load)?.project_dir;
    let envs = overlay::available_envs(&project_dir);
    progress.set_total(envs.len());
    let mut converted = Vec::new();
    let mut failures = Vec::new();
    for env in envs {
        let mut one = req.clone();
        one.env = Some(env);
        match convert(&one) {
            Ok(c) => converted.push(c),
            Err(f) => failures.extend(f.0),
        }
        progress.inc();
    }
    progress.finish();
    if failures.is_empty() {
        Ok(converted)
    } else {
        Err(Failure(failures))
    }
}

/// The warnings of several conversions, each said once (most are the same in every environment).
pub fn distinct_warnings(all: &[Converted]) -> Vec<Diagnostic> {
    let mut seen: Vec<Diagnostic> = Vec::new();
    for w in all
        .iter()
        .flat_map(|c| c.project.warnings.iter().chain(&c.output.warnings))
    {
        if !seen.iter().any(|s| s.to_string() == w.to_string()) {
            seen.push(w.clone());
        }
    }
    seen
}
