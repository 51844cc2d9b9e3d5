//! Replays every committed fuzz input (seed corpus and minimised crashes) through the same entry
//! points the cargo-fuzz targets call (`src/fuzz/mod.rs`), on the stable toolchain: a crash the
//! fuzzer found once stays fixed.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths.into_iter().filter(|p| p.is_file()) {
            let data = std::fs::read(&p).unwrap();
            let result = std::panic::catch_unwind(|| run(&data));
            assert!(result.is_ok(), "{} panicked", p.display());
            n += 1;
        }
    }
    assert!(n > 0, "no inputs for fuzz target {target}");
}

#[test]
fn compose_corpus() {
    replay("compose", komply::fuzz::compose);
}

#[test]
fn lint_corpus() {
    replay("lint", komply::fuzz::lint);
}

#[test]
fn overlay_corpus() {
    replay("overlay", komply::fuzz::overlay);
}

#[test]
fn secret_leak_corpus() {
    replay("secret_leak", komply::fuzz::secret_leak);
}

#[test]
fn graph_corpus() {
    replay("graph", komply::fuzz::graph);
}

#[test]
fn env_corpus() {
    replay("env", komply::fuzz::env);
}

#[test]
fn yaml_corpus() {
    replay("yaml", komply::fuzz::yaml);
}
