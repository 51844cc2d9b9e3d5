//! The registry of input texts, so any [`Span`](crate::yaml::Span) can be turned back into a
//! path, a line of source and a code frame.
//!
//! Append-only and shared by every thread of a run: spans carry a [`SourceId`] and nothing else,
//! which keeps nodes small and lets files be parsed in parallel.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use crate::yaml::SourceId;

/// One input text. `display` is the path as the user should see it (relative when possible).
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub display: String,
    pub text: Arc<str>,
}

impl SourceFile {
    /// The text of 1-based line `line`, without its line ending.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        if line == 0 {
            return None;
        }
        self.text
            .split('\n')
            .nth(line as usize - 1)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }
}

#[derive(Default)]
pub struct Sources {
    files: RwLock<Vec<Arc<SourceFile>>>,
}

static GLOBAL: OnceLock<Sources> = OnceLock::new();

/// The process-wide registry.
pub fn sources() -> &'static Sources {
    GLOBAL.get_or_init(Sources::default)
}

impl Sources {
    /// Registers a text and returns its id. `path` is shown relative to the current directory.
    pub fn add(&self, path: &Path, text: impl Into<Arc<str>>) -> SourceId {
        let display = display_path(path);
        let file = Arc::new(SourceFile {
            path: path.to_path_buf(),
            display,
            text: text.into(),
        });
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        files.push(file);
        SourceId((files.len() - 1) as u32)
    }

    /// Registers a text under a display name that is not a path (`<stdin>`, `<overlay prod>`).
    pub fn add_named(&self, name: &str, text: impl Into<Arc<str>>) -> SourceId {
        let file = Arc::new(SourceFile {
            path: PathBuf::from(name),
            display: name.to_string(),
            text: text.into(),
        });
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        files.push(file);
        SourceId((files.len() - 1) as u32)
    }

    /// How many texts are registered (ids below this exist).
    pub fn len(&self) -> usize {
        self.files.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, id: SourceId) -> Option<Arc<SourceFile>> {
        if id.is_none() {
            return None;
        }
        self.files
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id.0 as usize)
            .cloned()
    }

    /// Forgets the sources registered after the first `len` (fuzzing only: spans into them
    /// then resolve to nothing).
    #[doc(hidden)]
    pub fn truncate(&self, len: usize) {
        self.files
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .truncate(len);
    }

    /// The user-facing names of every source registered so far, in order, without repeats.
    pub fn displays(&self) -> Vec<String> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        let mut seen = std::collections::HashSet::new();
        files
            .iter()
            .filter(|f| seen.insert(f.display.clone()))
            .map(|f| f.display.clone())
            .collect()
    }

    /// The user-facing name of a source (`compose.yaml`, `deploy/app.yaml`, `<stdin>`).
    pub fn display(&self, id: SourceId) -> String {
        self.get(id)
            .map(|f| f.display.clone())
            .unwrap_or_else(|| "<generated>".into())
    }
}

/// `path` relative to the current directory when it lies below it, else as given.
pub fn display_path(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let s = shown.to_string_lossy().replace('\\', "/");
    let s = s.strip_prefix("./").map(str::to_string).unwrap_or(s);
    // The current directory itself (`-f .`): never an empty name in a message.
    if s.is_empty() { ".".to_string() } else { s }
}
