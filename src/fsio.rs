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

/// Defined next to the path checks that need it (`confine` sits below `fsio`).
pub use crate::confine::io_reason;

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

/// Whether `path` may be looked at (listed, stat-ed) at all: false only while reads are confined
/// (a KRM function) and `path` is outside the root — not even its existence may be learnt.
pub fn may_probe(path: &Path) -> bool {
    check_confined(path, "").is_ok()
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

/// [`write_all_atomic`] for files that must all land below `root` (the `-o` directory): a
/// path with `..`, an absolute path, or a subdirectory that is a symlink leading out of `root`
/// is refused before anything is written, and so are two files with the same path.
pub fn write_tree_atomic(root: &Path, files: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    use std::path::Component;
    let refuse = |msg: String| Err(std::io::Error::other(msg));
    let mut seen = std::collections::HashSet::new();
    for (path, _) in files {
        let rel = path.strip_prefix(root).unwrap_or(path);
        let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
        if !path.starts_with(root) || !plain || rel.as_os_str().is_empty() {
            return refuse(format!(
                "{} is not a file name inside {}",
                path.display(),
                root.display()
            ));
        }
        if !seen.insert(path) {
            return refuse(format!("{} would be written twice", path.display()));
        }
    }
    // Symlinks among the directories that already exist: each must resolve inside the root.
    let canonical_root = root.canonicalize().ok();
    for (path, _) in files {
        let Some(canonical_root) = &canonical_root else {
            break; // the root does not exist yet: nothing below it can be a link
        };
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == root || !d.starts_with(root) {
                break;
            }
            if let Ok(c) = d.canonicalize()
                && !c.starts_with(canonical_root)
            {
                return refuse(format!(
                    "{} is a symbolic link leading outside {}: not written",
                    d.display(),
                    root.display()
                ));
            }
            dir = d.parent();
        }
    }
    write_all_atomic(files)
}

/// Writes a set of files so that either all land or none change: every file is first written to
/// a temporary sibling (and synced); only when all succeeded are they renamed into place. Files
/// being replaced are first moved aside, so a rename that fails midway (a target that is a
/// directory, a full or read-only file system) puts every earlier file back. Directories it had
/// to create are removed again on failure.
///
/// Temporary names carry the process id (`.NAME.komply-tmp-PID`, `.NAME.komply-bak-PID`): leftovers
/// of a process that died (SIGKILL, power loss) are cleaned up by the next write into the same
/// directory. SIGINT / SIGTERM during a write roll it back before the process exits
/// (decisions/0014).
pub fn write_all_atomic(files: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    signals::install();
    // Held for the whole write: the signal thread waits for it, so it never exits halfway.
    let _writing = signals::WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    let dir_of = |path: &Path| {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    let sibling = |path: &Path, what: &str| {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        dir_of(path).join(format!(".{name}.komply-{what}-{pid}"))
    };
    let mut dirs: Vec<PathBuf> = files.iter().map(|(p, _)| dir_of(p)).collect();
    dirs.sort();
    dirs.dedup();
    for d in &dirs {
        remove_stale(d);
    }
    let mut created: Vec<PathBuf> = Vec::new();
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let stage =
        |staged: &mut Vec<(PathBuf, PathBuf)>, created: &mut Vec<PathBuf>| -> std::io::Result<()> {
            for (path, contents) in files {
                signals::check()?;
                let dir = dir_of(path);
                let mut missing: Vec<PathBuf> = dir
                    .ancestors()
                    .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
                    .map(Path::to_path_buf)
                    .collect();
                std::fs::create_dir_all(&dir)?;
                missing.reverse();
                created.extend(missing);
                if path.is_dir() {
                    return Err(std::io::Error::other(format!(
                        "{} is a directory",
                        path.display()
                    )));
                }
                let tmp = sibling(path, "tmp");
                // Never through something planted under our temporary name (a symlink would
                // send the write elsewhere): remove it, then create exclusively.
                let _ = std::fs::remove_file(&tmp);
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&tmp)?;
                staged.push((tmp, path.clone()));
                f.write_all(contents)?;
                f.sync_all()?;
            }
            Ok(())
        };
    let discard = |staged: &[(PathBuf, PathBuf)], created: &[PathBuf]| {
        for (tmp, _) in staged {
            let _ = std::fs::remove_file(tmp);
        }
        for d in created.iter().rev() {
            let _ = std::fs::remove_dir(d); // only when empty
        }
    };
    if let Err(e) = stage(&mut staged, &mut created) {
        discard(&staged, &created);
        signals::exit_if_interrupted();
        return Err(e);
    }
    // (target, backup of what it held before, if anything)
    let mut done: Vec<(&Path, Option<PathBuf>)> = Vec::new();
    let mut failure = None;
    for (i, (tmp, path)) in staged.iter().enumerate() {
        if let Err(e) = signals::check() {
            failure = Some((i, e));
            break;
        }
        let backup = if path.symlink_metadata().is_ok() {
            let bak = sibling(path, "bak");
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
            discard(&staged[i..], &created);
            signals::exit_if_interrupted();
            Err(e)
        }
    }
}

/// How old a temporary file of a live process may be before it counts as stale anyway (its
/// process id was reused): a write takes seconds, not an hour.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes what a dead writer left in `dir`: `.NAME.komply-tmp-PID` files are deleted; a
/// `.NAME.komply-bak-PID` file (the previous content of NAME, moved aside) is put back when NAME
/// is missing, deleted otherwise.
fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((target, what, pid)) = parse_temp_name(&name) else {
            continue;
        };
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if pid == me || (process_alive(pid) && !old) {
            continue;
        }
        let path = entry.path();
        let target = dir.join(target);
        if what == "bak" && target.symlink_metadata().is_err() {
            let _ = std::fs::rename(&path, &target);
        } else {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// `.NAME.komply-tmp-PID` → (NAME, "tmp", PID).
fn parse_temp_name(name: &str) -> Option<(&str, &str, u32)> {
    let rest = name.strip_prefix('.')?;
    let (front, pid) = rest.rsplit_once('-')?;
    let pid: u32 = pid.parse().ok()?;
    let (target, what) = front.rsplit_once(".komply-")?;
    matches!(what, "tmp" | "bak").then_some((target, what, pid))
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // Signal 0 checks existence only; EPERM means it exists but belongs to someone else.
    // SAFETY: kill with signal 0 sends nothing and touches no memory.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true // judged by age alone
}

/// SIGINT / SIGTERM while files are written (decisions/0014). The handler is installed by the
/// first write, so commands that never write keep the default behaviour (and pay nothing).
/// On a signal: outside a write the process exits at once (128 + signal); during a write the
/// writer notices between two files, rolls everything back, removes its temporary files and
/// exits.
mod signals {
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::{Mutex, OnceLock};

    pub(super) static WRITING: Mutex<()> = Mutex::new(());
    static RECEIVED: AtomicI32 = AtomicI32::new(0);

    pub(super) fn install() {
        static INSTALLED: OnceLock<()> = OnceLock::new();
        INSTALLED.get_or_init(|| {
            #[cfg(unix)]
            {
                use signal_hook::consts::{SIGINT, SIGTERM};
                let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
                    return;
                };
                let _ = std::thread::Builder::new()
                    .name("komply-signals".into())
                    .spawn(move || {
                        if let Some(sig) = signals.forever().next() {
                            RECEIVED.store(sig, Ordering::SeqCst);
                            // Wait for a write in progress to roll back (it exits itself).
                            let _idle = WRITING.lock().unwrap_or_else(|e| e.into_inner());
                            std::process::exit(128 + sig);
                        }
                    });
            }
        });
    }

    /// `Err` once a signal arrived (the write must stop and roll back).
    pub(super) fn check() -> std::io::Result<()> {
        match RECEIVED.load(Ordering::SeqCst) {
            0 => Ok(()),
            sig => Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                format!("interrupted by signal {sig}"),
            )),
        }
    }

    /// After a rollback: exit as the signal asked.
    pub(super) fn exit_if_interrupted() {
        let sig = RECEIVED.load(Ordering::SeqCst);
        if sig != 0 {
            std::process::exit(128 + sig);
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

/// Reads a regular file without following a symlink, at most the input limit (`drift`: a
/// symlink planted in the `-o` directory is reported, never followed).
pub fn read_plain_nofollow(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Closes the race between listing the directory and opening the file.
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let mut bytes = Vec::new();
    opts.open(path)?
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
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
