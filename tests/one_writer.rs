//! Every byte komply writes goes through `src/out.rs`, which redacts secret values (SPEC §3,
//! decisions/0015). This test keeps it that way: outside the files allowed below, no code
//! (tests modules excepted) may print, open stdout / stderr for writing, write a file or read
//! stdin on its own. A new output path that needs one of these must go through `komply::out`.

use std::path::{Path, PathBuf};

/// Files allowed to write directly, and why.
const ALLOWED: &[(&str, &str)] = &[
    ("src/out.rs", "the one writer"),
    (
        "src/fsio.rs",
        "the atomic file writer and the stdin reader `out` calls",
    ),
    (
        "src/fuzz/mod.rs",
        "writes fuzz inputs into a scratch directory (input, not output)",
    ),
    (
        "src/fuzz/secret_leak.rs",
        "writes the planted project into a scratch directory (input, not output)",
    ),
];

/// What counts as writing on one's own. `is_terminal()` checks are fine.
const FORBIDDEN: &[&str] = &[
    "println!",
    "print!(",
    "eprintln!",
    "eprint!(",
    "dbg!(",
    "io::stdout()",
    "io::stderr()",
    "fs::write(",
    "File::create(",
    "OpenOptions",
    "write_all_atomic(",
    "write_atomic(",
    "read_stdin_text(",
    ".print()",
];

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn only_out_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rs_files(&root.join("src"), &mut files);
    let mut offences = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if ALLOWED.iter().any(|(a, _)| *a == rel) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        // Unit tests write fixtures; they are not komply's output.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("//") {
                continue;
            }
            for pat in FORBIDDEN {
                if line.contains(pat) && !line.contains(".is_terminal()") {
                    offences.push(format!("{rel}:{}: `{pat}`: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "write through komply::out (it redacts secrets):\n{}",
        offences.join("\n")
    );
}
