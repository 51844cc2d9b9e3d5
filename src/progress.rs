//! A one-line progress counter on stderr for long runs (thousands of files, every environment).
//!
//! Hand-rolled rather than `indicatif`: all we draw is `komply: <what> n/total`, redrawn at most
//! ten times a second and only after the run has taken half a second (short runs never flash a
//! line); `indicatif` would bring a terminal stack (`console`, `unicode-width`, …) into every
//! build for that (docs/decisions/0009-cli-progress-and-graph.md). Whether to draw at all is decided by
//! the command line: stderr is a terminal, not CI, not `--quiet`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct Progress {
    what: String,
    total: AtomicUsize,
    done: AtomicUsize,
    started: Instant,
    /// When the line was last drawn (None: never drawn, so nothing to clear).
    drawn: Mutex<Option<Instant>>,
    enabled: bool,
}

const DELAY: Duration = Duration::from_millis(500);
const EVERY: Duration = Duration::from_millis(100);

impl Progress {
    /// A counter that draws only when `enabled`.
    pub fn new(what: impl Into<String>, enabled: bool) -> Progress {
        Progress {
            what: what.into(),
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            started: Instant::now(),
            drawn: Mutex::new(None),
            enabled,
        }
    }

    /// A counter that never draws (library callers, tests).
    pub fn hidden() -> Progress {
        Progress::new("", false)
    }

    pub fn set_total(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
    }

    /// One more item done (callable from any thread).
    pub fn inc(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.enabled || self.started.elapsed() < DELAY {
            return;
        }
        let Ok(mut drawn) = self.drawn.try_lock() else {
            return; // another thread is drawing
        };
        if drawn.is_some_and(|t| t.elapsed() < EVERY) {
            return;
        }
        let total = self.total.load(Ordering::Relaxed);
        crate::out::stderr(&format!("\r\x1b[2Kkomply: {} {done}/{total}", self.what));
        *drawn = Some(Instant::now());
    }

    /// Clears the line (if one was drawn).
    pub fn finish(&self) {
        let drawn = self.drawn.lock().map(|d| d.is_some()).unwrap_or(false);
        if self.enabled && drawn {
            crate::out::stderr("\r\x1b[2K");
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
