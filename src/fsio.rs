//! Reading inputs safely and writing outputs atomically.
//!
//! Reads refuse what cannot be a text input (too large, binary, invalid UTF-8) with a clear
//! diagnostic. Writes go to a temporary file in the target directory and are renamed into place,
//! so an interrupted or failed run never leaves a half-written file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Failure, Result};
use crate::source::sources;
use crate::yaml::{Limits, Node, SourceId, parse_documents};

/// Largest input file komply reads (a guard against 50 MB scalars and mistaken binaries).
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a text input: regular file, at most [`MAX_INPUT_BYTES`], UTF-8, no NUL bytes.
pub fn read_text(path: &Path) -> Result<String> {
    let shown = crate::source::display_path(path);
    let meta = std::fs::metadata(path)
        .map_err(|e| Failure::msg(format!("{shown}: cannot read: {}", io_reason(&e))))?;
    if meta.is_dir() {
        return Err(Failure::msg(format!(
            "{shown}: is a directory, expected a file"
        )));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(Failure::msg(format!(
            "{shown}: file is {} bytes, larger than the {} byte limit for an input",
            meta.len(),
            MAX_INPUT_BYTES
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::msg(format!("{shown}: cannot read: {}", io_reason(&e))))?;
    text_from_bytes(&shown, bytes)
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
/// a temporary sibling, and only when all succeeded are they renamed into place.
pub fn write_all_atomic(files: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let stage = |staged: &mut Vec<(PathBuf, PathBuf)>| -> std::io::Result<()> {
        for (path, contents) in files {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let tmp = dir.join(format!(".{name}.komply-tmp-{}", std::process::id()));
            let mut f = std::fs::File::create(&tmp)?;
            staged.push((tmp.clone(), path.clone()));
            f.write_all(contents)?;
            f.sync_all()?;
        }
        Ok(())
    };
    if let Err(e) = stage(&mut staged) {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (tmp, path) in &staged {
        std::fs::rename(tmp, path)?;
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
}
