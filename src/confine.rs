//! Paths that must stay inside a root, once symlinks are resolved.
//!
//! Reads: the package root a KRM function or kustomize plugin may read from (the kustomization
//! directory kustomize runs plugins in, or the directory kpt runs in). A config naming a file
//! outside it (`../../etc/passwd`, an absolute path, a symlink pointing out) is refused, and so
//! is a project that reads one on the way (`env_file`, `extends`, `include`, configs, secrets):
//! `crate::fsio` (above this module) checks every read against the root *before* opening anything, with one
//! message whether the outside file exists or not.
//!
//! Writes: the `-o` directory of `convert`, `migrate`, `man` and the `spec.path` of a KRM
//! generator — a file name or a symlinked subdirectory must not lead out of it.

use std::path::{Component, Path, PathBuf};

/// The root, as given (for display) and canonical (for the checks).
#[derive(Debug, Clone)]
pub struct Root {
    pub dir: PathBuf,
    canonical: PathBuf,
}

/// Removes `.` and folds `..` without touching the filesystem.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl Root {
    pub fn new(dir: &Path) -> std::io::Result<Root> {
        Ok(Root {
            dir: dir.to_path_buf(),
            canonical: dir.canonicalize()?,
        })
    }

    /// The current directory.
    pub fn cwd() -> std::io::Result<Root> {
        Root::new(&std::env::current_dir()?)
    }

    /// True when `path` (relative to the root, or absolute) is inside the root once symlinks
    /// are resolved. A path that does not exist is judged by its nearest existing ancestor.
    pub fn contains(&self, path: &Path) -> bool {
        let abs = normalize(&self.dir.join(path));
        let mut probe = abs.as_path();
        let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
        loop {
            if let Ok(c) = probe.canonicalize() {
                let full = rest.iter().rev().fold(c, |acc, r| acc.join(r));
                return normalize(&full).starts_with(&self.canonical);
            }
            match (probe.parent(), probe.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name);
                    probe = parent;
                }
                _ => return false,
            }
        }
    }

    /// The message for a path outside the root: the same whether it exists or not, so a
    /// refusal never tells what is outside.
    pub fn outside(&self, shown: &str) -> String {
        format!(
            "`{shown}` is outside the package root {}: a KRM function or kustomize plugin \
             may only read files below the kustomization / package directory",
            self.dir.display()
        )
    }

    /// Checks a path written in a config: it must stay inside the root and exist.
    pub fn check(&self, written: &str) -> Result<PathBuf, String> {
        let p = Path::new(written);
        if !self.contains(p) {
            return Err(self.outside(written));
        }
        if !self.dir.join(p).exists() {
            return Err(format!("`{written}`: no such file or directory"));
        }
        Ok(p.to_path_buf())
    }

    /// [`Root::check`] for a path that must name a regular file (`spec.compose: [.]` is an
    /// error at that entry, not "is a directory" with no location).
    pub fn check_file(&self, written: &str) -> Result<PathBuf, String> {
        let p = self.check(written)?;
        match std::fs::metadata(self.dir.join(&p)) {
            Ok(m) if m.is_file() => Ok(p),
            Ok(m) if m.is_dir() => Err(format!("`{written}` is a directory, expected a file")),
            Ok(_) => Err(format!("`{written}` is not a regular file")),
            Err(e) => Err(format!("`{written}`: {}", io_reason(&e))),
        }
    }

    /// The canonical root.
    pub fn canonical(&self) -> &Path {
        &self.canonical
    }
}

/// An I/O error as a person reads it (`no such file or directory`), for messages about paths.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_may_not_leave_the_root() {
        let tmp = tempfile::tempdir().unwrap();
        let pkg = tmp.path().join("pkg");
        std::fs::create_dir_all(pkg.join("sub")).unwrap();
        std::fs::write(pkg.join("sub/compose.yaml"), "services: {}\n").unwrap();
        std::fs::write(tmp.path().join("secret.env"), "A=1\n").unwrap();
        let root = Root::new(&pkg).unwrap();
        assert!(root.check("sub/compose.yaml").is_ok());
        assert!(root.check("./sub/../sub/compose.yaml").is_ok());
        assert!(root.check("../secret.env").unwrap_err().contains("outside"));
        assert!(
            root.check("sub/../../secret.env")
                .unwrap_err()
                .contains("outside")
        );
        let abs = tmp.path().join("secret.env");
        assert!(
            root.check(abs.to_str().unwrap())
                .unwrap_err()
                .contains("outside")
        );
        assert!(
            root.check("missing.yaml")
                .unwrap_err()
                .contains("no such file")
        );
        assert!(!root.contains(Path::new("../nope/x.yaml")));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(tmp.path().join("secret.env"), pkg.join("link.env"))
                .unwrap();
            assert!(root.check("link.env").unwrap_err().contains("outside"));
        }
    }
}
