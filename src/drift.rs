//! Drift: what `komply convert -o DIR` would write, compared with what is in DIR now, as a
//! unified diff (the `similar` crate). Used by `komply diff`.
//!
//! The directory is compared with the same file layout `convert -o` writes: one file per object,
//! flat. Files komply would not write (other extensions, hidden files, subdirectories) are not
//! its business and are left out; a `.yaml`/`.yml`/`.json` file it would not write is "extra".

use std::path::Path;

use similar::TextDiff;

/// How one file differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// On disk, but with other content.
    Changed,
    /// Would be generated, not on disk.
    Missing,
    /// On disk, would not be generated.
    Extra,
}

#[derive(Debug, Clone)]
pub struct FileDrift {
    pub name: String,
    pub change: Change,
    /// The unified diff (disk → generated), with `a/` and `b/` headers.
    pub diff: String,
}

#[derive(Debug, Default)]
pub struct Drift {
    pub files: Vec<FileDrift>,
    /// Files that are identical.
    pub in_sync: usize,
}

impl Drift {
    pub fn is_clean(&self) -> bool {
        self.files.is_empty()
    }

    pub fn count(&self, change: Change) -> usize {
        self.files.iter().filter(|f| f.change == change).count()
    }

    /// The whole diff, file by file in name order.
    pub fn patch(&self) -> String {
        self.files.iter().map(|f| f.diff.as_str()).collect()
    }
}

fn is_owned_name(name: &str) -> bool {
    !name.starts_with('.')
        && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
}

fn unified(old: &str, new: &str, a: &str, b: &str) -> String {
    let diff = TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(a, b)
        .to_string();
    if diff.is_empty() {
        // Both sides empty (an empty extra file, a symlink): still name the file.
        format!("--- {a}\n+++ {b}\n")
    } else {
        diff
    }
}

/// What DIR holds under one name komply owns.
enum OnDisk {
    File,
    /// A symbolic link (or anything else that is not a regular file): never followed, never
    /// read — `convert -o` would replace the link itself.
    NotAFile,
}

/// Compares `expected` (file name → content, as `generate::files` returns) with `dir`.
/// `shown` is how the directory is named in the diff headers. Nothing outside `dir` is
/// opened: a symlink planted in it is reported, not followed.
pub fn compare(expected: &[(String, String)], dir: &Path, shown: &str) -> std::io::Result<Drift> {
    let mut on_disk: Vec<(String, OnDisk)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Some(name) = entry
            .file_name()
            .to_str()
            .filter(|n| is_owned_name(n))
            .map(str::to_string)
        else {
            continue;
        };
        // `DirEntry::file_type` does not follow symlinks.
        let kind = entry.file_type()?;
        if kind.is_dir() {
            continue;
        }
        on_disk.push((
            name,
            if kind.is_file() {
                OnDisk::File
            } else {
                OnDisk::NotAFile
            },
        ));
    }
    let shown = shown.trim_end_matches('/');
    // git's a/ b/ prefixes for relative paths; an absolute path is shown as it is.
    let (pa, pb) = if shown.starts_with('/') {
        ("", "")
    } else {
        ("a/", "b/")
    };
    let not_a_file = " (not a regular file: a symbolic link is never followed)";
    let mut drift = Drift::default();
    for (name, content) in expected {
        let path = dir.join(name);
        let a = format!("{pa}{shown}/{name}");
        let b = format!("{pb}{shown}/{name}");
        match on_disk.iter().find(|(n, _)| n == name).map(|(_, k)| k) {
            None => {
                drift.files.push(FileDrift {
                    name: name.clone(),
                    change: Change::Missing,
                    diff: unified("", content, "/dev/null", &b),
                });
            }
            Some(OnDisk::NotAFile) => {
                drift.files.push(FileDrift {
                    name: name.clone(),
                    change: Change::Changed,
                    diff: unified("", content, &format!("{a}{not_a_file}"), &b),
                });
            }
            Some(OnDisk::File) => {
                let bytes = crate::fsio::read_plain_nofollow(&path)?;
                if bytes == content.as_bytes() {
                    drift.in_sync += 1;
                    continue;
                }
                let old = String::from_utf8_lossy(&bytes);
                drift.files.push(FileDrift {
                    name: name.clone(),
                    change: Change::Changed,
                    diff: unified(&old, content, &a, &b),
                });
            }
        }
    }
    for (name, kind) in on_disk {
        if expected.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let a = format!("{pa}{shown}/{name}");
        let (old, a) = match kind {
            OnDisk::File => (
                String::from_utf8_lossy(&crate::fsio::read_plain_nofollow(&dir.join(&name))?)
                    .into_owned(),
                a,
            ),
            OnDisk::NotAFile => (String::new(), format!("{a}{not_a_file}")),
        };
        drift.files.push(FileDrift {
            name: name.clone(),
            change: Change::Extra,
            diff: unified(&old, "", &a, "/dev/null"),
        });
    }
    drift.files.sort_by(|x, y| x.name.cmp(&y.name));
    Ok(drift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_changed_missing_and_extra() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("a.yaml"), "x: 1\n").unwrap();
        std::fs::write(tmp.path().join("b.yaml"), "y: 1\n").unwrap();
        std::fs::write(tmp.path().join("extra.yml"), "z: 1\n").unwrap();
        std::fs::write(tmp.path().join("notes.txt"), "not ours\n").unwrap();
        let expected = vec![
            ("a.yaml".to_string(), "x: 1\n".to_string()),
            ("b.yaml".to_string(), "y: 2\n".to_string()),
            ("c.yaml".to_string(), "w: 1\n".to_string()),
        ];
        let d = compare(&expected, tmp.path(), "out").unwrap();
        assert_eq!(d.in_sync, 1);
        assert_eq!(d.count(Change::Changed), 1);
        assert_eq!(d.count(Change::Missing), 1);
        assert_eq!(d.count(Change::Extra), 1);
        let p = d.patch();
        assert!(p.contains("--- a/out/b.yaml\n+++ b/out/b.yaml\n"), "{p}");
        assert!(p.contains("-y: 1\n+y: 2\n"), "{p}");
        assert!(p.contains("--- /dev/null\n+++ b/out/c.yaml\n"), "{p}");
        assert!(p.contains("--- a/out/extra.yml\n+++ /dev/null\n"), "{p}");
        assert!(!p.contains("notes.txt"), "{p}");
    }
}
