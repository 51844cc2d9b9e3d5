//! Reading inputs safely and writing outputs atomically.
//!
//! Reads refuse what cannot be a text input (too large, binary, invalid UTF-8) with a clear
//! diagnostic. Writes go to a temporary file in the target directory and are renamed into place,
//! so an interrupted or failed run never leaves a half-written file.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::confine::Root;
use crate::diag::{Diagnostic, Failure, Result};
use crate::source::sources;
use crate::yaml::{Limits, Node, SourceId, parse_documents};

/// Largest input file komply reads (a guard against 50 MB scalars and mistaken binaries).
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// The root every read must stay inside, while a KRM function or kustomize plugin runs.
static CONFINED: std::sync::RwLock<Option<Root>> = std::sync::RwLock::new(None);

/// While the guard lives, every read ([`read_text`], [`probe_file`]) must stay inside `root`
/// once symlinks are resolved; a path outside is refused before anything is opened, with the
/// same message whether it exists or not.
pub fn confine_reads(root: &Root) -> ConfinedReads {
    let previous = CONFINED
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .replace(root.clone());
    ConfinedReads(previous)
}

/// Ends the confinement of [`confine_reads`] when dropped.
pub struct ConfinedReads(Option<Root>);

impl Drop for ConfinedReads {
    fn drop(&mut self) {
        *CONFINED.write().unwrap_or_else(|e| e.into_inner()) = self.0.take();
    }
}

/// `Err(message)` when reads are confined and `path` is outside the root.
fn check_confined(path: &Path, shown: &str) -> std::result::Result<(), String> {
    let guard = CONFINED.read().unwrap_or_else(|e| e.into_inner());
    match guard.as_ref() {
        Some(root) if !root.contains(path) => Err(root.outside(shown)),
        _ => Ok(()),
    }
}

/// Why [`probe_file`] refused a path; `Display` is the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Outside the root of [`confine_reads`] (said the same whether it exists or not).
    Outside(String),
    /// No such file.
    Missing(String),
    /// A directory.
    Directory(String),
    /// A device, FIFO or socket.
    Special(String),
}

impl Unreadable {
    pub fn is_outside(&self) -> bool {
        matches!(self, Unreadable::Outside(_))
    }
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::Outside(m) => f.write_str(m),
            Unreadable::Missing(p) => write!(f, "cannot read {p}: no such file"),
            Unreadable::Directory(p) => write!(f, "cannot read {p}: it is a directory"),
            Unreadable::Special(p) => write!(f, "cannot read {p}: not a regular file"),
        }
    }
}

/// Checks, without opening it, that `path` is a regular file komply may read. Callers that
/// reference a file (`extends.file`, `include`, `env_file`) report the refusal at the
/// reference.
pub fn probe_file(path: &Path) -> std::result::Result<(), Unreadable> {
    let shown = crate::source::display_path(path);
    check_confined(path, &shown).map_err(Unreadable::Outside)?;
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(m) if m.is_dir() => Err(Unreadable::Directory(shown)),
        Ok(_) => Err(Unreadable::Special(shown)),
        Err(_) => Err(Unreadable::Missing(shown)),
    }
}

/// True when `path` is a regular file komply may read (an optional file: `.env`, discovery).
pub fn is_readable_file(path: &Path) -> bool {
    check_confined(path, "").is_ok() && path.is_file()
}

/// Reads a text input: regular file, at most [`MAX_INPUT_BYTES`], UTF-8, no NUL bytes.
pub fn read_text(path: &Path) -> Result<String> {
    let shown = crate::source::display_path(path);
    check_confined(path, &shown).map_err(Failure::msg)?;
    let meta = std::fs::metadata(path)
        .map_err(|e| Failure::msg(format!("{shown}: cannot read: {}", io_reason(&e))))?;
    if meta.is_dir() {
        return Err(Failure::msg(format!(
            "{shown}: is a directory, expected a file"
        )));
    }
    if !meta.is_file() {
        // A device (`/dev/zero`), FIFO or socket would be read forever or block.
        return Err(Failure::msg(format!(
            "{shown}: not a regular file, expected a file"
        )));
    }
    let too_big = |len: u64| {
        Failure::msg(format!(
            "{shown}: file is {len} bytes, larger than the {MAX_INPUT_BYTES} byte limit for an input"
        ))
    };
    if meta.len() > MAX_INPUT_BYTES {
        return Err(too_big(meta.len()));
    }
    // Read at most one byte past the limit: the file may grow between stat and read.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| Failure::msg(format!("{shown}: cannot read: {}", io_reason(&e))))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    text_from_bytes(&shown, bytes)
}

/// Reads stdin as text, bounded like files: a huge or endless stream is refused, not buffered.
pub fn read_stdin_text() -> Result<String> {
    let mut buf = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Failure::msg(format!("<stdin>: cannot read: {e}")))?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::msg(format!(
            "<stdin>: input is larger than the {MAX_INPUT_BYTES} byte limit for an input"
        )));
    }
    text_from_bytes("<stdin>", buf)
}

/// Checks bytes read from somewhere (a file, stdin) are usable text.
pub fn text_from_bytes(shown: &str, bytes: Vec<u8>) -> Result<String> {
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        let (line, col) = line_col_of(&bytes, pos);
        return Err(Failure::msg(format!(
            "{shown}:{line}:{col}: NUL byte: this looks like a binary file, not YAML"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let pos = e.utf8_error().valid_up_to();
        let (line, col) = line_col_of(e.as_bytes(), pos);
        Failure::msg(format!("{shown}:{line}:{col}: invalid UTF-8"))
    })
}

fn line_col_of(bytes: &[u8], pos: usize) -> (usize, usize) {
    let before = &bytes[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Reads, registers and parses a YAML file into its documents.
pub fn load_yaml(path: &Path) -> Result<(SourceId, Vec<Node>)> {
    let text = read_text(path)?;
    let id = sources().add(path, text.as_str());
    let docs = parse_documents(id, &text, &Limits::default()).map_err(Diagnostic::from)?;
    Ok((id, docs))
}

/// Writes `contents` to `path` atomically: temp file in the same directory, fsync, rename.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_all_atomic(&[(path.to_path_buf(), contents.to_vec())])
}

/// Writes a set of files so that either all land or none change: every file is first written to
/// a temporary sibling (and synced); only when all succeeded are they renamed into place. Files
/// being replaced are first moved aside, so a rename that fails midway (a target that is a
/// directory, a full or read-only file system) puts every earlier file back.
pub fn write_all_atomic(files: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    let pid = std::process::id();
    let sibling = |path: &Path, what: &str| {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (
            dir.to_path_buf(),
            dir.join(format!(".{name}.komply-{what}-{pid}")),
        )
    };
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let stage = |staged: &mut Vec<(PathBuf, PathBuf)>| -> std::io::Result<()> {
        for (path, contents) in files {
            let (dir, tmp) = sibling(path, "tmp");
            std::fs::create_dir_all(&dir)?;
            if path.is_dir() {
                return Err(std::io::Error::other(format!(
                    "{} is a directory",
                    path.display()
                )));
            }
            let mut f = std::fs::File::create(&tmp)?;
            staged.push((tmp, path.clone()));
            f.write_all(contents)?;
            f.sync_all()?;
        }
        Ok(())
    };
    let discard = |staged: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in staged {
            let _ = std::fs::remove_file(tmp);
        }
    };
    if let Err(e) = stage(&mut staged) {
        discard(&staged);
        return Err(e);
    }
    // (target, backup of what it held before, if anything)
    let mut done: Vec<(&Path, Option<PathBuf>)> = Vec::new();
    let mut failure = None;
    for (i, (tmp, path)) in staged.iter().enumerate() {
        let backup = if path.symlink_metadata().is_ok() {
            let (_, bak) = sibling(path, "bak");
            if let Err(e) = std::fs::rename(path, &bak) {
                failure = Some((i, e));
                break;
            }
            Some(bak)
        } else {
            None
        };
        if let Err(e) = injected_failure(i).and_then(|()| std::fs::rename(tmp, path)) {
            if let Some(bak) = &backup {
                let _ = std::fs::rename(bak, path);
            }
            failure = Some((i, e));
            break;
        }
        done.push((path, backup));
    }
    match failure {
        None => {
            for (_, backup) in done {
                if let Some(bak) = backup {
                    let _ = std::fs::remove_file(bak);
                }
            }
            Ok(())
        }
        Some((i, e)) => {
            // Roll back: earlier targets get their previous contents (or disappear again).
            for (path, backup) in done.into_iter().rev() {
                match backup {
                    Some(bak) => {
                        let _ = std::fs::rename(bak, path);
                    }
                    None => {
                        let _ = std::fs::remove_file(path);
                    }
                }
            }
            discard(&staged[i..]);
            Err(e)
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Test hook: make the rename of the n-th file fail.
    static FAIL_RENAME_AT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

fn injected_failure(_i: usize) -> std::io::Result<()> {
    #[cfg(test)]
    if FAIL_RENAME_AT.with(|f| f.get()) == Some(_i) {
        return Err(std::io::Error::other("injected failure"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_invalid_utf8_are_refused_with_location() {
        let e = text_from_bytes("f", b"a: 1\nb: \x00".to_vec()).unwrap_err();
        assert!(e.to_string().contains("f:2:4: NUL byte"), "{e}");
        let e = text_from_bytes("f", b"a: \xff\n".to_vec()).unwrap_err();
        assert!(e.to_string().contains("f:1:4: invalid UTF-8"), "{e}");
    }

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.yaml");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_set_write_leaves_previous_files_intact() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        write_all_atomic(&[(a.clone(), b"a1".to_vec()), (b.clone(), b"b1".to_vec())]).unwrap();
        // `c` is a directory: the third file cannot land, so none may.
        std::fs::create_dir(&c).unwrap();
        let files = [
            (a.clone(), b"a2".to_vec()),
            (b.clone(), b"b2".to_vec()),
            (c, b"c2".to_vec()),
        ];
        assert!(write_all_atomic(&files).is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"a1");
        assert_eq!(std::fs::read(&b).unwrap(), b"b1");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            3,
            "no temp files left"
        );
    }

    #[test]
    fn rename_failure_midway_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        write_atomic(&a, b"a1").unwrap();
        // The third rename fails (injected): `a` gets its old contents back, `b` (new) goes away.
        FAIL_RENAME_AT.with(|f| f.set(Some(2)));
        let files = [
            (a.clone(), b"a2".to_vec()),
            (b.clone(), b"b2".to_vec()),
            (c, b"c2".to_vec()),
        ];
        assert!(write_all_atomic(&files).is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"a1");
        assert!(!b.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp or backup left"
        );
    }
}
