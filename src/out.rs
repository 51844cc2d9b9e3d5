//! The one writer: every byte komply writes — stdout, stderr, files — goes through this
//! module, and through the secret redactor ([`crate::secrets::registry`]) on the way, so no
//! secret value of the input reaches an output whichever command, format or error path
//! produced it. `tests/one_writer.rs` fails when code elsewhere writes to stdout, stderr or a
//! file on its own.
//!
//! Two outputs skip the redactor, each for a reason the user can rely on ([`Unredacted`]):
//! `komply config` without `--redact` (Docker Compose parity) and the user's own items handed
//! back by `komply krm`.
//!
//! [`capture`] runs a closure with all output collected in memory instead (and stdin given as
//! a string): the planted-secret property test runs the whole command line in-process.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diag::{Failure, Result};
use crate::secrets::registry;

/// Everything a captured run wrote.
#[derive(Clone, Debug, Default)]
pub struct Captured {
    pub stdout: String,
    pub stderr: String,
    pub files: Vec<(PathBuf, Vec<u8>)>,
}

thread_local! {
    static CAPTURE: RefCell<Option<Captured>> = const { RefCell::new(None) };
    static STDIN: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` with stdout, stderr and written files collected (files are still written) and
/// `stdin` as its standard input.
pub fn capture<R>(stdin: Option<String>, f: impl FnOnce() -> R) -> (R, Captured) {
    CAPTURE.with(|c| *c.borrow_mut() = Some(Captured::default()));
    STDIN.with(|s| *s.borrow_mut() = stdin);
    let r = f();
    STDIN.with(|s| *s.borrow_mut() = None);
    let captured = CAPTURE.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (r, captured)
}

fn captured(f: impl FnOnce(&mut Captured)) -> bool {
    CAPTURE.with(|c| match c.borrow_mut().as_mut() {
        Some(cap) => {
            f(cap);
            true
        }
        None => false,
    })
}

/// Why an output may skip the redactor.
#[derive(Clone, Copy, Debug)]
pub enum Unredacted {
    /// `komply config` without `--redact`: `docker compose config` prints every value, and so
    /// does komply by default (documented; `--redact` hides them).
    ComposeConfig,
    /// `komply krm`: the ResourceList's items are the user's own files, handed back byte for
    /// byte (kpt writes them back); results and generated objects are redacted before they are
    /// added.
    KrmItems,
}

fn write_stdout_raw(text: &str) -> Result<()> {
    if captured(|c| c.stdout.push_str(text)) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // `komply … | head`: a closed pipe is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::msg(format!("cannot write to stdout: {e}"))),
    }
}

/// Writes to stdout, redacted.
pub fn stdout(text: &str) -> Result<()> {
    write_stdout_raw(&registry().redact(text))
}

/// Writes to stdout as is, for one of the documented reasons.
pub fn stdout_unredacted(text: &str, _why: Unredacted) -> Result<()> {
    write_stdout_raw(text)
}

/// Writes to stderr, redacted (secrets masked with `*`, as in code frames). Errors writing
/// to stderr are ignored: there is nowhere left to report them.
pub fn stderr(text: &str) {
    let text = registry().mask(text);
    if captured(|c| c.stderr.push_str(&text)) {
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// [`stderr`] plus a line break.
pub fn stderr_line(text: &str) {
    stderr(&format!("{text}\n"));
}

/// Writes `files`, text redacted, atomically (all or none) and confined below `root` (the `-o`
/// directory), as [`crate::fsio::write_tree_atomic`] does. The only way komply writes files.
pub fn files_under(root: &Path, files: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    let redacted = redact_files(files);
    crate::fsio::write_tree_atomic(root, &redacted)?;
    captured(|c| c.files.extend(redacted.iter().cloned()));
    Ok(())
}

fn redact_files(files: &[(PathBuf, Vec<u8>)]) -> Vec<(PathBuf, Vec<u8>)> {
    files
        .iter()
        .map(|(p, bytes)| {
            let bytes = match std::str::from_utf8(bytes) {
                Ok(text) => registry().redact(text).into_owned().into_bytes(),
                Err(_) => bytes.clone(),
            };
            (p.clone(), bytes)
        })
        .collect()
}

/// Standard input as text (bounded; the captured input under [`capture`]).
pub fn stdin_text() -> Result<String> {
    if let Some(text) = STDIN.with(|s| s.borrow().clone()) {
        return Ok(text);
    }
    crate::fsio::read_stdin_text()
}

/// A streamed, redacted stdout for long reports: complete lines are redacted and written as
/// they come, so a secret never straddles two writes.
pub struct Stream {
    buf: Vec<u8>,
}

/// A [`Stream`] on stdout. Call `flush` at the end.
pub fn stdout_stream() -> Stream {
    Stream { buf: Vec::new() }
}

impl Stream {
    fn emit(&mut self, upto: usize) -> std::io::Result<()> {
        let chunk: Vec<u8> = self.buf.drain(..upto).collect();
        let text = String::from_utf8_lossy(&chunk);
        let text = registry().redact(&text);
        if captured(|c| c.stdout.push_str(&text)) {
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
    }
}

impl Write for Stream {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if let Some(last) = self.buf.iter().rposition(|b| *b == b'\n')
            && self.buf.len() >= 64 * 1024
        {
            self.emit(last + 1)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let n = self.buf.len();
        self.emit(n)?;
        if CAPTURE.with(|c| c.borrow().is_some()) {
            return Ok(());
        }
        std::io::stdout().lock().flush()
    }
}
