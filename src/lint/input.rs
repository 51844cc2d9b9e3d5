//! Finding and reading the inputs of a run: files, directories (recursive, `.gitignore`-aware,
//! symlink loops reported), and stdin. Files are read and parsed in parallel; a file that cannot
//! be read or parsed becomes a `KP001 invalid-input` finding and the run goes on. Compose files
//! are converted by [`super::from_compose`].

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::Input;
use super::context::Summary;
use super::model::Object;
use super::rules::{self, Finding, Rule};
use crate::progress::Progress;
use crate::source::sources;
use crate::yaml::{Limits, Node, NodeKind, SourceId, Span, parse_manifests};

pub struct Loaded {
    pub objects: Vec<Object>,
    pub problems: Vec<Finding>,
    pub files: Vec<String>,
    /// The source of each file read, in input order (files are registered in parallel, so
    /// source ids alone do not give a stable order).
    pub sources: Vec<SourceId>,
    /// Files inside the given directories that were not read (not `.yaml`/`.yml`/`.json`, or
    /// behind a directory symlink leading outside them), with the reason, for `--verbose`.
    pub skipped: Vec<String>,
}

enum Item {
    File(PathBuf),
    Stdin,
    /// A path that could not be walked (missing, loop, permission), with the reason.
    Error(String),
}

pub(crate) fn problem(rule: &'static Rule, span: Span, message: String) -> Finding {
    Finding {
        rule,
        severity: rule.severity,
        message,
        span,
        object: None,
        container: None,
        suppressed: None,
    }
}

fn is_manifest_name(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Expands directories into their manifest files, in a stable (sorted) order; also returns
/// the files skipped for their name and the directory symlinks not followed. Unless `follow`, a
/// symlinked directory is entered only when it leads back inside one of the directories given
/// (a link to `/` must not make the run walk the whole file system).
fn expand(inputs: &[Input], follow: bool) -> (Vec<Item>, Vec<String>) {
    let mut items = Vec::new();
    let skipped = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let roots: std::sync::Arc<Vec<PathBuf>> = std::sync::Arc::new(
        inputs
            .iter()
            .filter_map(|i| match i {
                Input::Path(p) if p.is_dir() => p.canonicalize().ok(),
                _ => None,
            })
            .collect(),
    );
    for input in inputs {
        match input {
            Input::Stdin => items.push(Item::Stdin),
            Input::Path(p) if p.is_dir() => {
                let (roots, refused) = (roots.clone(), skipped.clone());
                let walker = ignore::WalkBuilder::new(p)
                    .follow_links(true)
                    .require_git(false)
                    .sort_by_file_name(|a, b| a.cmp(b))
                    .filter_entry(move |e| {
                        if follow
                            || !e.path_is_symlink()
                            || !e.file_type().is_some_and(|t| t.is_dir())
                        {
                            return true;
                        }
                        let inside = e
                            .path()
                            .canonicalize()
                            .is_ok_and(|t| roots.iter().any(|r| t.starts_with(r)));
                        if !inside && let Ok(mut v) = refused.lock() {
                            v.push(format!(
                                "{} (a symbolic link to a directory outside the linted \
                                 directories; --follow to lint it)",
                                crate::source::display_path(e.path())
                            ));
                        }
                        inside
                    })
                    .build();
                for entry in walker {
                    match entry {
                        Ok(e) => {
                            if e.file_type().is_some_and(|t| t.is_file()) {
                                if is_manifest_name(e.path()) {
                                    items.push(Item::File(e.into_path()));
                                } else if let Ok(mut v) = skipped.lock() {
                                    v.push(format!(
                                        "{} (not .yaml, .yml or .json)",
                                        crate::source::display_path(e.path())
                                    ));
                                }
                            }
                        }
                        Err(e) => items.push(Item::Error(walk_error(&e))),
                    }
                }
            }
            Input::Path(p) => items.push(Item::File(p.clone())),
        }
    }
    let skipped = skipped.lock().map(|v| v.clone()).unwrap_or_default();
    (items, skipped)
}

/// A read failure as a finding's message: the diagnostics' own words, without the
/// `error:` prefix their one-line form has (a finding already says `error[KP001]`).
fn message_of(f: &crate::diag::Failure) -> String {
    f.0.iter()
        .map(|d| d.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn walk_error(e: &ignore::Error) -> String {
    // `ignore` wraps the path and the loop in its own types; its Display says both.
    let msg = e.to_string();
    if msg.contains("loop") {
        format!("symbolic link loop: {msg}")
    } else {
        msg
    }
}

struct FileResult {
    shown: String,
    objects: Vec<Object>,
    problems: Vec<Finding>,
    /// The registered source and path, once the text was read.
    source: Option<(SourceId, Option<PathBuf>)>,
    /// The objects were converted from a compose file.
    compose: bool,
}

/// The files (and stdin) the inputs name, directories expanded; and the files skipped.
pub struct Items(Vec<Item>, Vec<String>);

impl Items {
    /// The inputs expanded, directory symlinks leading outside them not followed.
    pub fn new(inputs: &[Input]) -> Items {
        Items::new_following(inputs, false)
    }

    /// [`Items::new`]; `follow` = follow every directory symlink (`komply lint --follow`).
    pub fn new_following(inputs: &[Input], follow: bool) -> Items {
        let (items, skipped) = expand(inputs, follow);
        Items(items, skipped)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Reads every input. Parsing runs on all cores; results keep input order.
pub fn load_all(inputs: &[Input]) -> Loaded {
    load_all_with(inputs, &Progress::hidden())
}

/// [`load_all`], counting each file read on `progress`.
pub fn load_all_with(inputs: &[Input], progress: &Progress) -> Loaded {
    load_items(Items::new(inputs), progress)
}

/// Like [`load_all_with`] for inputs already expanded.
pub fn load_items(items: Items, progress: &Progress) -> Loaded {
    let Items(items, skipped) = items;
    progress.set_total(items.len());
    let results: Vec<FileResult> = items
        .into_par_iter()
        .map(|item| {
            let r = load_one(item);
            progress.inc();
            r
        })
        .collect();
    progress.finish();
    let mut out = Loaded {
        objects: Vec::new(),
        problems: Vec::new(),
        files: Vec::new(),
        sources: Vec::new(),
        skipped,
    };
    for r in results {
        if let Some((id, _)) = &r.source {
            out.sources.push(*id);
        }
        if !r.shown.is_empty() {
            out.files.push(r.shown);
        }
        out.objects.extend(r.objects);
        out.problems.extend(r.problems);
    }
    out
}

fn load_one(item: Item) -> FileResult {
    let (shown, text, path) = match item {
        Item::Error(msg) => {
            return FileResult {
                shown: String::new(),
                objects: Vec::new(),
                problems: vec![problem(&rules::invalid_input::RULE, Span::SYNTHETIC, msg)],
                source: None,
                compose: false,
            };
        }
        Item::Stdin => (
            "<stdin>".to_string(),
            crate::out::stdin_text().map_err(|f| message_of(&f)),
            None,
        ),
        Item::File(p) => {
            let shown = crate::source::display_path(&p);
            let read = crate::fsio::read_text(&p).map_err(|f| message_of(&f));
            (shown, read, Some(p))
        }
    };
    match text {
        Ok(t) => load_text(shown, t, path),
        Err(msg) => FileResult {
            shown,
            objects: Vec::new(),
            problems: vec![problem(&rules::invalid_input::RULE, Span::SYNTHETIC, msg)],
            source: None,
            compose: false,
        },
    }
}

/// Reads the objects of text already in memory (`path` is `None` for stdin and the like).
pub fn load_text_input(shown: &str, text: String) -> Loaded {
    let r = load_text(shown.to_string(), text, None);
    Loaded {
        objects: r.objects,
        problems: r.problems,
        files: vec![r.shown],
        sources: r.source.map(|(id, _)| id).into_iter().collect(),
        skipped: Vec::new(),
    }
}

fn load_text(shown: String, text: String, path: Option<PathBuf>) -> FileResult {
    let id = match &path {
        Some(p) => sources().add(p, text.as_str()),
        None => sources().add_named(&shown, text.as_str()),
    };
    let mut res = FileResult {
        shown,
        objects: Vec::new(),
        problems: Vec::new(),
        source: None,
        compose: false,
    };
    read_objects(id, &text, path.as_deref(), &mut res);
    res.source = Some((id, path));
    res
}

/// Parses a registered text into objects (compose files are converted). Manifests are read as
/// kubectl reads them (docs/decisions/0013-yaml-as-go-yaml.md); a compose file is read again by
/// the compose loader, as Docker Compose reads it.
fn read_objects(id: SourceId, text: &str, path: Option<&Path>, res: &mut FileResult) {
    let parsed = if is_compose_name(path) {
        None
    } else {
        Some(parse_manifests(id, text, &Limits::default()))
    };
    let compose = match &parsed {
        None => true,
        Some(Ok(m)) => is_compose_shaped(&m.docs),
        // Not readable as a manifest; maybe a compose file kubectl could not read (`.inf`…).
        Some(Err(_)) => crate::yaml::parse_documents(id, text, &Limits::default())
            .is_ok_and(|d| is_compose_shaped(&d)),
    };
    if compose {
        res.compose = true;
        match path {
            Some(p) => match super::from_compose::load_compose(p, id) {
                Ok(objects) => res.objects = objects,
                Err(problems) => res.problems = problems,
            },
            // The loader resolves `.env`, `env_file` and relative paths against a directory.
            None => res.problems.push(problem(
                &rules::compose_input::RULE,
                Span::point(id, 1, 1),
                "a compose file on stdin cannot be converted: pass its path instead".into(),
            )),
        }
        return;
    }
    let docs = match parsed {
        Some(Ok(m)) => {
            for d in m.duplicates {
                let first = d
                    .related
                    .map(|(s, _)| format!(" (first defined at {}:{})", s.start.line, s.start.col))
                    .unwrap_or_default();
                res.problems.push(problem(
                    &rules::duplicate_key::RULE,
                    d.span,
                    format!("{}{first}", d.message),
                ));
            }
            m.docs
        }
        Some(Err(e)) => {
            res.problems.push(problem(
                &rules::invalid_input::RULE,
                e.span,
                format!("cannot parse: {}", e.message),
            ));
            return;
        }
        None => return,
    };
    for doc in docs {
        add_document(id, doc, res);
    }
}

/// Named like a Compose file (`compose*.y[a]ml`, `docker-compose*.y[a]ml`).
fn is_compose_name(path: Option<&Path>) -> bool {
    path.and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .is_some_and(|n| {
            let n = n.to_ascii_lowercase();
            (n.starts_with("compose") || n.starts_with("docker-compose"))
                && (n.ends_with(".yaml") || n.ends_with(".yml"))
        })
}

/// A first document with `services:` and no `kind` is a Compose file whatever its name.
fn is_compose_shaped(docs: &[Node]) -> bool {
    docs.first()
        .is_some_and(|d| d.get("services").is_some() && d.get("kind").is_none())
}

fn add_document(id: SourceId, doc: Node, res: &mut FileResult) {
    if doc.is_null() {
        return; // an empty document (`---` at the end of a file)
    }
    let kind = doc.get("kind").and_then(Node::as_str).map(str::to_string);
    match kind {
        Some(k) if k.ends_with("List") && doc.get("items").is_some_and(Node::is_seq) => {
            if let NodeKind::Map(entries) = doc.kind {
                for (key, value) in entries {
                    if let (true, NodeKind::Seq(items)) = (key.scalar_eq("items"), value.kind) {
                        for item in items {
                            add_document(id, item, res);
                        }
                    }
                }
            }
        }
        Some(_) => {
            if let Some(o) = Object::from_node(doc) {
                res.objects.push(o);
            }
        }
        None => {
            let span = if doc.span.is_synthetic() {
                Span::point(id, 1, 1)
            } else {
                doc.span
            };
            res.problems.push(problem(
                &rules::unknown_document::RULE,
                span,
                "document has no `kind`: not a Kubernetes object, not checked".into(),
            ));
        }
    }
}

/// One file of a run linted in chunks: where its text is registered and which run objects it
/// holds. Compose files keep their converted objects (converting again would re-read the
/// project); manifests are parsed again from the registered text when their chunk comes.
pub struct FileEntry {
    pub source: SourceId,
    path: Option<PathBuf>,
    pub first: usize,
    pub count: usize,
    compose: Option<Vec<Object>>,
}

/// The first pass over a large run: every file read, registered and parsed once, but only the
/// [`Summary`] of each object kept.
pub struct Scanned {
    pub entries: Vec<FileEntry>,
    pub summaries: Vec<Summary>,
    pub problems: Vec<Finding>,
    pub files: Vec<String>,
    pub skipped: Vec<String>,
}

pub fn scan_items(items: Items, progress: &Progress) -> Scanned {
    struct Scan {
        shown: String,
        source: Option<(SourceId, Option<PathBuf>)>,
        summaries: Vec<Summary>,
        compose: Option<Vec<Object>>,
        problems: Vec<Finding>,
    }
    let Items(items, skipped) = items;
    progress.set_total(items.len());
    let results: Vec<Scan> = items
        .into_par_iter()
        .map(|item| {
            let r = load_one(item);
            progress.inc();
            let summaries = r.objects.iter().map(Summary::of).collect();
            let is_compose = r.compose;
            Scan {
                shown: r.shown,
                source: r.source,
                summaries,
                compose: is_compose.then_some(r.objects),
                problems: r.problems,
            }
        })
        .collect();
    progress.finish();
    let mut out = Scanned {
        entries: Vec::new(),
        summaries: Vec::new(),
        problems: Vec::new(),
        files: Vec::new(),
        skipped,
    };
    for r in results {
        if !r.shown.is_empty() {
            out.files.push(r.shown);
        }
        out.problems.extend(r.problems);
        if let Some((source, path)) = r.source {
            out.entries.push(FileEntry {
                source,
                path,
                first: out.summaries.len(),
                count: r.summaries.len(),
                compose: r.compose,
            });
        }
        out.summaries.extend(r.summaries);
    }
    out
}

/// The objects of one scanned file, again (exactly the ones [`scan_items`] summarised).
pub fn objects_of(entry: &FileEntry) -> Vec<Object> {
    if let Some(objects) = &entry.compose {
        return objects.clone();
    }
    let Some(file) = sources().get(entry.source) else {
        return Vec::new();
    };
    let mut res = FileResult {
        shown: String::new(),
        objects: Vec::new(),
        problems: Vec::new(),
        source: None,
        compose: false,
    };
    read_objects(entry.source, &file.text, entry.path.as_deref(), &mut res);
    res.objects
}
