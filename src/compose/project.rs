//! Which files, which directory, which environment, which name: the `ProjectOptions` half of
//! compose-go (`cli/options.go`) and of `docker compose`'s `ToProjectOptions`.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::LoadOptions;
use super::interpolate::Budget;
use crate::diag::{Code, Diagnostic, Failure, Result};

/// Default file names, in the order compose looks for them.
pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
const DEFAULT_OVERRIDES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// Everything decided before the first compose file is read.
#[derive(Clone, Debug)]
pub struct Setup {
    pub files: Vec<PathBuf>,
    pub project_dir: PathBuf,
    pub environment: IndexMap<String, String>,
    pub name: String,
    pub profiles: Vec<String>,
    /// Warnings from reading `.env` files (unset variables in their values, as Compose warns).
    pub warnings: Vec<Diagnostic>,
    /// What interpolation may still produce in this run, after the `.env` files.
    pub budget: Budget,
}

fn absolute(base: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    };
    clean_path(&joined)
}

/// Lexical path clean (like Go's `filepath.Clean`), no filesystem access.
pub fn clean_path(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

fn truthy(v: Option<&String>) -> bool {
    v.is_some_and(|v| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "1" | "true" | "t" | "yes" | "y" | "on"
        )
    })
}

/// Reads `.env`-style files and fills only the keys not already in `env` (OS env wins; among the
/// files, later files win).
pub fn apply_env_files(
    env: &mut IndexMap<String, String>,
    files: &[PathBuf],
    warnings: &mut Vec<Diagnostic>,
    budget: &mut Budget,
) -> Result<()> {
    let mut from_files: IndexMap<String, String> = IndexMap::new();
    for f in files {
        let text = crate::fsio::read_text(f)?;
        let src = crate::source::sources().add(f, text.as_str());
        let os = &*env;
        let acc = &from_files;
        let lookup = move |k: &str| os.get(k).cloned().or_else(|| acc.get(k).cloned());
        let saved = budget.file_left;
        budget.next_file();
        let parsed = super::dotenv::parse_dotenv_within(src, &text, &lookup, warnings, budget)
            .map_err(Failure::one);
        budget.file_left = saved;
        let parsed = parsed?;
        for e in parsed {
            from_files.insert(e.key, e.value);
        }
    }
    for (k, v) in from_files {
        env.entry(k).or_insert(v);
    }
    Ok(())
}

/// The `.env` files to read: `--env-file`s, or `<dir>/.env` when it exists.
fn env_files_for(opts: &LoadOptions, env: &IndexMap<String, String>, dir: &Path) -> Vec<PathBuf> {
    if !opts.env_files.is_empty() {
        return opts
            .env_files
            .iter()
            .map(|f| absolute(&opts.working_dir, f))
            .collect();
    }
    if truthy(env.get("COMPOSE_DISABLE_ENV_FILE")) {
        return Vec::new();
    }
    let dot = dir.join(".env");
    if crate::fsio::is_readable_file(&dot) {
        vec![dot]
    } else {
        Vec::new()
    }
}

/// Looks for a default compose file in `dir` and its parents; returns it plus an override file.
fn discover(dir: &Path) -> Option<Vec<PathBuf>> {
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if let Some(main) = DEFAULT_FILES
            .iter()
            .map(|f| d.join(f))
            .find(|p| crate::fsio::is_readable_file(p))
        {
            let mut files = vec![main];
            if let Some(o) = DEFAULT_OVERRIDES
                .iter()
                .map(|f| d.join(f))
                .find(|p| crate::fsio::is_readable_file(p))
            {
                files.push(o);
            }
            return Some(files);
        }
        cur = d.parent();
    }
    None
}

/// Lower-case, keep `[a-z0-9_-]`, trim leading `_`/`-` (compose-go `NormalizeProjectName`).
pub fn normalize_project_name(s: &str) -> String {
    let s: String = s
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    s.trim_start_matches(['_', '-']).to_string()
}

pub fn setup(opts: &LoadOptions) -> Result<Setup> {
    let wd = &opts.working_dir;
    let mut env = opts.environment.clone();
    let explicit: Vec<PathBuf> = opts.files.iter().map(|f| absolute(wd, f)).collect();
    let project_dir_opt = opts.project_directory.as_ref().map(|d| absolute(wd, d));
    let guess_dir = |files: &[PathBuf]| -> PathBuf {
        project_dir_opt
            .clone()
            .or_else(|| {
                files
                    .first()
                    .and_then(|f| f.parent().map(Path::to_path_buf))
            })
            .unwrap_or_else(|| wd.clone())
    };
    // First pass: `.env` next to the -f files (or in the project dir / cwd) may set COMPOSE_FILE.
    let first = env_files_for(opts, &env, &guess_dir(&explicit));
    let mut warnings = Vec::new();
    let mut budget = Budget::new();
    apply_env_files(&mut env, &first, &mut warnings, &mut budget)?;
    let files = if !explicit.is_empty() {
        explicit
    } else if let Some(cf) = env.get("COMPOSE_FILE").filter(|v| !v.is_empty()) {
        let sep = env
            .get("COMPOSE_PATH_SEPARATOR")
            .filter(|s| !s.is_empty())
            .cloned()
            .unwrap_or_else(|| ":".into());
        let base = project_dir_opt.clone().unwrap_or_else(|| wd.clone());
        cf.split(sep.as_str())
            .filter(|s| !s.is_empty())
            .map(|f| absolute(&base, Path::new(f)))
            .collect()
    } else {
        let start = project_dir_opt.clone().unwrap_or_else(|| wd.clone());
        discover(&start).ok_or_else(|| {
            Failure::one(
                Diagnostic::error(format!(
                    "no configuration file provided: not found (looked for {} in {} and its parents)",
                    DEFAULT_FILES.join(", "),
                    crate::source::display_path(&start)
                ))
                .code(Code::ComposeNoFile)
                .help("pass -f <file> or set COMPOSE_FILE"),
            )
        })?
    };
    let project_dir = guess_dir(&files);
    // Second pass: the project directory may differ from the first guess.
    let second = env_files_for(opts, &env, &project_dir);
    if second != first {
        apply_env_files(&mut env, &second, &mut warnings, &mut budget)?;
    }
    let profiles: Vec<String> = if !opts.profiles.is_empty() {
        opts.profiles.clone()
    } else {
        env.get("COMPOSE_PROFILES")
            .map(|p| {
                p.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let name = project_name(opts, &env, &files, &project_dir)?;
    env.insert("COMPOSE_PROJECT_NAME".into(), name.clone());
    Ok(Setup {
        files,
        project_dir,
        environment: env,
        name,
        profiles,
        warnings,
        budget,
    })
}

/// `-p` > `COMPOSE_PROJECT_NAME` > `name:` (interpolated; the last file that sets it) > directory.
fn project_name(
    opts: &LoadOptions,
    env: &IndexMap<String, String>,
    files: &[PathBuf],
    project_dir: &Path,
) -> Result<String> {
    let imperative = opts
        .project_name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| {
            env.get("COMPOSE_PROJECT_NAME")
                .filter(|n| !n.is_empty())
                .cloned()
        });
    if let Some(n) = imperative {
        if normalize_project_name(&n) != n || n.is_empty() {
            return Err(Failure::one(Diagnostic::error(format!(
                "invalid project name {n:?}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
            )).code(Code::ComposeProjectName)));
        }
        return Ok(n);
    }
    let mut from_file: Option<(String, crate::yaml::Span)> = None;
    for f in files {
        let Ok(docs) = super::read_documents(f) else {
            break;
        };
        for d in docs {
            if let Some(n) = d.get("name")
                && let Some(s) = n.scalar_string().filter(|s| !s.is_empty())
            {
                from_file = Some((s, n.span));
            }
        }
    }
    if let Some((raw, span)) = from_file {
        let lookup = |k: &str| env.get(k).cloned();
        let v = super::interpolate::interpolate_quiet(&raw, &lookup).map_err(|e| {
            Failure::one(
                Diagnostic::error(format!("error while interpolating name: {e}"))
                    .at(span)
                    .code(Code::ComposeInterpolation),
            )
        })?;
        let n = normalize_project_name(&v);
        if !n.is_empty() {
            return Ok(n);
        }
    }
    let base = project_dir
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok(normalize_project_name(&base))
}
