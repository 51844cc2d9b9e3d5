//! Load: Compose files → one resolved project, exactly as `docker compose config` (v2.40.3,
//! compose-go 2.9.1) reads them.
//!
//! The pipeline follows compose-go's `loader.go` step for step, on span-carrying [`Node`] trees so
//! every later error can still name `file:line:col`:
//!
//! 1. options → environment (OS env, then `.env` / `--env-file`), files (`-f`, `COMPOSE_FILE`,
//!    discovery), project directory and name ([`project`]);
//! 2. per file and per YAML document: interpolate values, cast typed fields ([`cast`]), apply
//!    `extends` ([`extends`]) and `include` ([`include`]), merge into the accumulated tree
//!    ([`merge`]), de-duplicate sequences, validate, canonicalise ([`canonical`]);
//! 3. after the last file, one module per step ([`finish`]): defaults, relative paths,
//!    normalisation, profiles, consistency checks, `env_file` / `label_file`, unused resources
//!    dropped, Go-struct shaping.
//!
//! See docs/compose-loader.md for the deliberate differences from the oracle.

pub mod canonical;
pub mod cast;
pub mod dotenv;
pub mod extends;
pub mod finish;
pub mod harvest;
pub mod include;
pub mod interpolate;
pub mod merge;
pub mod model;
pub mod project;
pub mod shortsyntax;
pub mod tree;
pub mod units;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::yaml::{Node, NodeKind};

/// What to load and with which environment. `environment` is injected (not read from the process)
/// so tests are hermetic.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `-f` files, in order. Empty = `COMPOSE_FILE` or discovery from `working_dir` upwards.
    pub files: Vec<PathBuf>,
    pub project_directory: Option<PathBuf>,
    pub project_name: Option<String>,
    /// `--profile` values (empty = `COMPOSE_PROFILES`).
    pub profiles: Vec<String>,
    /// `--env-file` values (empty = `<project dir>/.env`).
    pub env_files: Vec<PathBuf>,
    /// The OS environment.
    pub environment: IndexMap<String, String>,
    /// The current directory.
    pub working_dir: PathBuf,
    /// `false` = `--no-path-resolution`: relative paths stay as written.
    pub resolve_paths: bool,
}

impl LoadOptions {
    /// Options with the process environment and current directory; everything else default.
    pub fn from_process_env() -> Self {
        LoadOptions {
            environment: std::env::vars().collect(),
            working_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            resolve_paths: true,
            ..Default::default()
        }
    }
}

/// A resolved Compose project.
#[derive(Clone, Debug)]
pub struct Project {
    pub name: String,
    pub project_dir: PathBuf,
    /// The resolved project in canonical long form: the same tree shape as
    /// `docker compose config --format json` (plus service-level `x-*` keys, which the oracle drops
    /// from its output but later stages may read). Nodes keep their source spans.
    pub canonical: Node,
    pub warnings: Vec<Diagnostic>,
    /// The environment used for interpolation (OS env over `.env`, plus `COMPOSE_PROJECT_NAME`).
    pub environment: IndexMap<String, String>,
    /// The compose files that were read, in order.
    pub files: Vec<PathBuf>,
}

/// Loads a Compose project the way `docker compose config` does.
pub fn load(opts: &LoadOptions) -> Result<Project> {
    // A `.env` error stops the run before any compose file is read: register their secrets
    // first, so the error cannot print one (decisions/0015).
    let setup = project::setup(opts).inspect_err(|_| harvest::before_failure(opts))?;
    let mut ctx = Ctx {
        env: setup.environment.clone(),
        warnings: setup.warnings.clone(),
        resolve_paths: opts.resolve_paths,
        include_stack: Vec::new(),
        profiles: setup.profiles.clone(),
        budget: setup.budget,
        extended: Default::default(),
        included: Default::default(),
    };
    let dict = load_model(&mut ctx, &setup.files, &setup.project_dir)?;
    let canonical = finish::finish(&mut ctx, dict, &setup)?;
    Ok(Project {
        name: setup.name.clone(),
        project_dir: setup.project_dir.clone(),
        canonical,
        warnings: ctx.warnings,
        environment: setup.environment,
        files: setup.files,
    })
}

/// State shared by the whole load (included projects get their own copy of `env`).
pub struct Ctx {
    pub env: IndexMap<String, String>,
    pub warnings: Vec<Diagnostic>,
    pub resolve_paths: bool,
    /// Files being included (canonical), to detect include cycles.
    pub include_stack: Vec<PathBuf>,
    pub profiles: Vec<String>,
    /// What interpolation may still produce in this run (shared with included projects).
    pub budget: interpolate::Budget,
    /// Files read by `extends.file` (canonical path → their `services`, resolved as far as
    /// needed so far): each is read once per load, however many services extend from it.
    pub extended: std::collections::HashMap<PathBuf, Node>,
    /// Included projects already loaded (shared with included projects).
    pub included: std::collections::HashMap<include::IncludeKey, Node>,
}

/// Steps 1–2 for a list of files: the merged, canonical raw model.
pub fn load_model(ctx: &mut Ctx, files: &[PathBuf], project_dir: &Path) -> Result<Node> {
    let mut dict = tree::new_map();
    for file in files {
        ctx.budget.next_file();
        let docs = read_documents(file)?;
        for doc in docs {
            let cfg = process_document(ctx, doc, file, project_dir)?;
            dict = merge::merge(dict, cfg)?;
            merge::enforce_unicity(&mut dict);
            // Like compose-go: the merged model is validated after each file, once interpolated.
            let errors = crate::validate::validate_compose(&dict);
            if !errors.is_empty() {
                return Err(Failure(errors));
            }
            canonical::canonical(&mut dict)?;
            merge::enforce_unicity(&mut dict);
        }
    }
    if dict.as_map().is_none_or(|m| m.is_empty()) {
        let shown = files
            .first()
            .map(|f| crate::source::display_path(f))
            .unwrap_or_default();
        return Err(Failure::one(
            Diagnostic::error(format!("{shown}: empty compose file"))
                .code(Code::ComposeEmpty)
                .help("a Compose file needs at least a `services:` mapping"),
        ));
    }
    Ok(dict)
}

/// Reads and parses one compose file into its YAML documents (each a mapping), refusing what
/// compose-go refuses before interpolation: a document that is not a mapping (an empty one
/// too, like the one a trailing `---` opens), and keys that are not strings.
pub fn read_documents(file: &Path) -> Result<Vec<Node>> {
    let (_, docs) = crate::fsio::load_yaml(file)?;
    let mut out = Vec::new();
    for doc in docs {
        match doc.kind {
            NodeKind::Map(_) => {
                check_keys_and_times(&doc)?;
                out.push(doc);
            }
            _ => {
                return Err(Failure::one(
                    Diagnostic::error(format!(
                        "top-level object must be a mapping, found {}",
                        doc.type_name()
                    ))
                    .at(doc.span)
                    .code(Code::ComposeTopLevel)
                    .help("an empty document (a `---` with nothing after it) counts too"),
                ));
            }
        }
    }
    Ok(out)
}

/// compose-go's two checks on the raw YAML value: every key is a string (`non-string key in
/// services.web.labels: 1`), and a timestamp (`2001-12-14`, which go-yaml reads as a time) only
/// appears where the schema allows any value, under an `x-` key — elsewhere its schema
/// validation fails with "invalid jsonType time.Time".
fn check_keys_and_times(doc: &Node) -> Result<()> {
    let mut stack: Vec<(&Node, String, bool)> = vec![(doc, String::new(), false)];
    while let Some((n, path, free)) = stack.pop() {
        match &n.kind {
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    let NodeKind::Str(key) = &k.kind else {
                        let at = if path.is_empty() {
                            "at top level".to_string()
                        } else {
                            format!("in {path}")
                        };
                        let shown = match &k.kind {
                            NodeKind::Null => "<nil>".to_string(),
                            _ => k
                                .scalar_string()
                                .unwrap_or_else(|| k.type_name().to_string()),
                        };
                        return Err(Failure::one(
                            Diagnostic::error(format!("non-string key {at}: {shown}"))
                                .at(k.span)
                                .code(Code::ComposeNonStringKey)
                                .help("Docker Compose needs string keys: quote it"),
                        ));
                    };
                    let p = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    stack.push((v, p, free || key.starts_with("x-")));
                }
            }
            NodeKind::Seq(items) => {
                for (i, it) in items.iter().enumerate() {
                    stack.push((it, format!("{path}.{i}"), free));
                }
            }
            NodeKind::Timestamp(_) if !free => {
                return Err(Failure::one(
                    Diagnostic::error(format!(
                        "{path}: `{}` is read as a timestamp, which Docker Compose does not accept here (invalid jsonType time.Time)",
                        n.scalar_string().unwrap_or_default()
                    ))
                    .at(n.span)
                    .code(Code::ComposeTimestamp)
                    .help("quote it to keep it a string"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Interpolation, casting, `extends` and `include` for one document of one file.
fn process_document(ctx: &mut Ctx, mut doc: Node, file: &Path, project_dir: &Path) -> Result<Node> {
    // Secrets are registered before any error can print them (raw text, then interpolated).
    harvest::document(&doc, Some(&ctx.env));
    cast::interpolate_document(&mut doc, &ctx.env, &mut ctx.warnings, &mut ctx.budget)?;
    harvest::document(&doc, None);
    cast::cast_types(&mut doc, &mut ctx.warnings)?;
    extends::apply_extends(ctx, &mut doc, file, project_dir)?;
    include::apply_include(ctx, &mut doc, file, project_dir)?;
    Ok(doc)
}

/// The project as `docker compose config` prints it: service-level `x-*` keys left out, every `$`
/// escaped as `$$` (so the output can be loaded again), keys in the oracle's order.
/// `docker compose config --format json` fails on `.inf` / `.nan` (Go's `encoding/json` has no
/// form for them: "json: unsupported value"); so does komply, at the value's place.
pub fn check_json_output(project: &Project) -> Result<()> {
    let mut stack = vec![&project.canonical];
    while let Some(n) = stack.pop() {
        match &n.kind {
            NodeKind::Float(f) if !f.is_finite() => {
                return Err(Failure::one(
                    Diagnostic::error(format!(
                        "`{}` has no JSON form (json: unsupported value); use the YAML output",
                        crate::yaml::format_float(*f)
                    ))
                    .at(n.span)
                    .code(Code::ComposeJson),
                ));
            }
            NodeKind::Seq(items) => stack.extend(items),
            NodeKind::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    Ok(())
}

/// Go's `encoding/json` writes an empty sequence compose-go keeps in a top-level `x-` extension
/// as `null` (it is a nil slice there; the YAML output still shows `[]`).
pub fn json_extension_nulls(v: &mut serde_json::Value) {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Array(a) if a.is_empty() => *v = serde_json::Value::Null,
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            serde_json::Value::Object(o) => o.values_mut().for_each(walk),
            _ => {}
        }
    }
    if let Some(o) = v.as_object_mut() {
        for (k, x) in o.iter_mut() {
            if k.starts_with("x-") {
                walk(x);
            }
        }
    }
}

pub fn config_output(project: &Project) -> serde_json::Value {
    fn escape(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) if s.contains('$') => {
                *s = s.replace('$', "$$");
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(escape),
            serde_json::Value::Object(o) => o.values_mut().for_each(escape),
            _ => {}
        }
    }
    let mut v = project.canonical.to_json();
    if let Some(services) = v.get_mut("services").and_then(|s| s.as_object_mut()) {
        for svc in services.values_mut() {
            if let Some(o) = svc.as_object_mut() {
                o.retain(|k, _| !k.starts_with("x-"));
                o.sort_keys();
            }
        }
    }
    escape(&mut v);
    if let Some(o) = v.as_object_mut() {
        // v2.40.3 never prints top-level `models` (kept in `canonical` for later stages)
        o.remove("models");
        // services and resources by name, like the oracle
        for kind in ["services", "networks", "volumes", "secrets", "configs"] {
            if let Some(m) = o.get_mut(kind).and_then(|m| m.as_object_mut()) {
                m.sort_keys();
            }
        }
        o.sort_keys();
    }
    v
}
