//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz) and for `tests/fuzz_corpus.rs`,
//! which replays every committed corpus file and regression on the stable toolchain.
//!
//! Each function takes arbitrary bytes and must return without panicking; errors are expected
//! and ignored. They live in the library so the smoke test and the fuzzer run the same code.

pub mod secret_leak;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::compose::LoadOptions;
use crate::source::sources;
use crate::yaml::{Limits, parse_documents};

/// Splits an input into parts at `\n#%%\n` lines (compose file, `.env`, an env_file, …).
fn parts(data: &[u8]) -> Vec<&[u8]> {
    let sep = b"\n#%%\n";
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(sep.len()).position(|w| w == sep) {
        out.push(&rest[..i]);
        rest = &rest[i + sep.len()..];
    }
    out.push(rest);
    out
}

/// Forgets the sources a fuzz iteration registered (the registry is append-only otherwise, and a
/// fuzzer runs millions of iterations in one process).
/// It also holds a process-wide lock: the registry and the scratch directory are shared, and the
/// corpus replay under `cargo test` runs the targets on parallel threads.
struct SourceScope(
    usize,
    #[allow(dead_code)] std::sync::MutexGuard<'static, ()>,
);

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl SourceScope {
    fn new() -> Self {
        let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        SourceScope(sources().len(), guard)
    }
}

impl Drop for SourceScope {
    fn drop(&mut self) {
        // Runs before the guard (field 1) is released.
        sources().truncate(self.0);
    }
}

/// A fixed scratch directory per process (the loader reads files, not strings).
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("komply-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn os_env() -> IndexMap<String, String> {
    [
        ("HOME", "/home/fuzz"),
        ("TAG", "1.2"),
        ("EMPTY", ""),
        ("PORT", "8080"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// YAML parser, `${…}` interpolation, `.env` syntax and the whole Compose loader and generator.
/// Input: the compose file, then optionally `\n#%%\n` + `.env`, then `\n#%%\n` + `app.env` (which
/// the compose file can name in `env_file`).
pub fn compose(data: &[u8]) {
    let _scope = SourceScope::new();
    let p = parts(data);
    let text = |i: usize| p.get(i).map(|b| String::from_utf8_lossy(b).into_owned());
    let main = text(0).unwrap_or_default();
    let vars = os_env();
    let lookup = |k: &str| vars.get(k).cloned();
    // The pieces on their own, without the file system.
    let id = sources().add_named("<fuzz>", main.as_str());
    let _ = parse_documents(id, &main, &Limits::default());
    for line in main.lines().take(64) {
        let _ = crate::compose::interpolate::interpolate(line, &lookup, &mut Vec::new());
    }
    for i in 1..p.len() {
        let t = text(i).unwrap_or_default();
        let did = sources().add_named("<fuzz env>", t.as_str());
        let _ =
            crate::compose::dotenv::parse_dotenv_with_warnings(did, &t, &lookup, &mut Vec::new());
        let _ = crate::compose::dotenv::parse_dotenv_raw(did, &t);
    }
    // The loader and generator on files.
    let dir = scratch();
    let compose_file = dir.join("compose.yaml");
    let files = [
        (compose_file.clone(), p.first().copied()),
        (dir.join(".env"), p.get(1).copied()),
        (dir.join("app.env"), p.get(2).copied()),
    ];
    for (path, content) in &files {
        match content {
            Some(c) => {
                let _ = std::fs::write(path, c);
            }
            None => {
                let _ = std::fs::remove_file(path);
            }
        }
    }
    convert_dir(&dir, &compose_file, vars);
}

/// Compose file used by [`overlay`] when the input brings none.
const OVERLAY_BASE: &str = "services:
  web:
    image: nginx:1.27
    ports: [\"8080:80\"]
    environment:
      DB_PASSWORD: secret
    healthcheck:
      test: [CMD, curl, -f, http://localhost/]
  db:
    image: postgres:16
    volumes: [data:/var/lib/postgresql/data]
volumes:
  data: {}
";

/// Environment overlays: the overlay parser (schema, `extends`, merge) and patcher (every
/// overlay feature and raw `patches` applied to generated objects). Input: the overlay file
/// (used as `overlays/fuzz.yaml`, converted with `--env fuzz`), then optionally `\n#%%\n` + the
/// compose file.
pub fn overlay(data: &[u8]) {
    let _scope = SourceScope::new();
    let p = parts(data);
    let dir = scratch().join("overlay");
    let _ = std::fs::create_dir_all(dir.join("overlays"));
    let compose_file = dir.join("compose.yaml");
    let _ = std::fs::write(dir.join("overlays/fuzz.yaml"), p[0]);
    let _ = std::fs::write(
        &compose_file,
        p.get(1).copied().unwrap_or(OVERLAY_BASE.as_bytes()),
    );
    let load = LoadOptions {
        files: vec![compose_file],
        project_directory: Some(dir.clone()),
        environment: os_env(),
        working_dir: dir,
        resolve_paths: true,
        ..Default::default()
    };
    let mut req = crate::pipeline::ConvertRequest::new(load);
    req.env = Some("fuzz".into());
    if let Ok(c) = crate::pipeline::convert(&req) {
        use crate::generate::{Format, render};
        let _ = render(&c.output.objects, Format::Yaml);
    }
}

fn convert_dir(dir: &Path, file: &Path, environment: IndexMap<String, String>) {
    let load = LoadOptions {
        files: vec![file.to_path_buf()],
        project_directory: Some(dir.to_path_buf()),
        environment,
        working_dir: dir.to_path_buf(),
        resolve_paths: true,
        ..Default::default()
    };
    if let Ok(project) = crate::compose::load(&load) {
        let _ = crate::compose::config_output(&project);
    }
    let req = crate::pipeline::ConvertRequest::new(load);
    if let Ok(c) = crate::pipeline::convert(&req) {
        use crate::generate::{Format, files, render};
        let _ = render(&c.output.objects, Format::Yaml);
        let _ = files(&c.output.objects, Format::Json);
    }
}

/// `extends` / `include` graphs: several compose files that extend services of each other and
/// include each other (cycles, diamonds, self references, chains, missing files and services),
/// loaded and converted from `f0.yaml`.
///
/// Input: either text, `#files\n` then the files `f0.yaml`, `f1.yaml`, … (all in one directory)
/// separated by `\n#%%\n` (readable reproducers), or bytes read as a small program that writes the files: per file a
/// number of services, which files it includes and, per service, what it extends.
pub fn graph(data: &[u8]) {
    let _scope = SourceScope::new();
    let dir = scratch().join("graph");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(dir.join("sub"));
    let files: Vec<Vec<u8>> = match data.strip_prefix(b"#files\n") {
        Some(text) => parts(text).into_iter().map(<[u8]>::to_vec).collect(),
        None => graph_files(data),
    };
    let text = data.starts_with(b"#files\n");
    for (i, content) in files.iter().enumerate() {
        let name = if text {
            format!("f{i}.yaml")
        } else {
            graph_file_name(i)
        };
        let _ = std::fs::write(dir.join(name), content);
    }
    convert_dir(&dir, &dir.join("f0.yaml"), os_env());
}

/// `f0.yaml` … `f5.yaml`; odd ones from 7 on live in `sub/` (relative paths get rebased).
fn graph_file_name(i: usize) -> String {
    if i >= 6 && i % 2 == 1 {
        format!("sub/f{i}.yaml")
    } else {
        format!("f{i}.yaml")
    }
}

/// The files a byte program describes (see [`graph`]).
fn graph_files(data: &[u8]) -> Vec<Vec<u8>> {
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next().unwrap_or(0) as usize;
    let n_files = 1 + next() % 8;
    let mut files = Vec::new();
    for i in 0..n_files {
        let mut y = String::new();
        // Which files this one includes: a bit per file (itself included, for cycles).
        let mask = next();
        let includes: Vec<usize> = (0..n_files).filter(|j| mask & (1 << j) != 0).collect();
        if !includes.is_empty() {
            y.push_str("include:\n");
            for j in includes {
                match next() % 4 {
                    0 => y.push_str(&format!(
                        "  - path: {}\n    project_directory: .\n",
                        graph_file_name(j)
                    )),
                    1 => y.push_str(&format!(
                        "  - path: [{}]\n    env_file: [missing.env]\n",
                        graph_file_name(j)
                    )),
                    _ => y.push_str(&format!("  - {}\n", graph_file_name(j))),
                }
            }
        }
        y.push_str("services:\n");
        let n_services = 1 + next() % 3;
        for k in 0..n_services {
            // Shared names collide across included files; prefixed ones do not.
            let name = if next() % 2 == 0 {
                format!("s{k}")
            } else {
                format!("f{i}s{k}")
            };
            y.push_str(&format!("  {name}:\n"));
            if next() % 3 != 0 {
                y.push_str(&format!("    image: img{i}:{k}\n"));
            }
            if next() % 4 == 0 {
                y.push_str("    environment:\n      V: ${TAG}\n    ports: [\"80\"]\n");
            }
            let target = format!("s{}", next() % 3);
            match next() % 5 {
                0 => {}
                1 => y.push_str(&format!("    extends: {target}\n")),
                2 => y.push_str(&format!("    extends:\n      service: {target}\n")),
                _ => {
                    let f = next() % (n_files + 1); // one past the end: a missing file
                    y.push_str(&format!(
                        "    extends:\n      file: {}\n      service: {target}\n",
                        graph_file_name(f)
                    ));
                }
            }
        }
        files.push(y.into_bytes());
    }
    files
}

/// `.env` syntax and `${…}` interpolation, with and without the expansion budget. Input: the
/// `.env` text, then optionally `\n#%%\n` + templates (one per line) interpolated with the
/// variables it defines. Properties: nothing panics; whatever is produced within a budget is
/// at most that budget; a result within the budget equals the unbudgeted result; the whole
/// loader reads the `.env` and a compose file using the templates.
pub fn env(data: &[u8]) {
    use crate::compose::interpolate::{Budget, interpolate, interpolate_within};
    let _scope = SourceScope::new();
    let p = parts(data);
    let dotenv = String::from_utf8_lossy(p[0]).into_owned();
    let templates = p
        .get(1)
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let vars = os_env();
    let lookup = |k: &str| vars.get(k).cloned();
    let id = sources().add_named("<fuzz .env>", dotenv.as_str());
    // A small budget keeps iterations fast; the real one is only larger.
    let small = Budget {
        file_left: 1 << 16,
        run_left: 1 << 17,
    };
    let mut budget = small;
    let parsed = crate::compose::dotenv::parse_dotenv_within(
        id,
        &dotenv,
        &lookup,
        &mut Vec::new(),
        &mut budget,
    );
    let _ = crate::compose::dotenv::parse_dotenv_raw(id, &dotenv);
    let defined: IndexMap<String, String> = parsed
        .map(|entries| entries.into_iter().map(|e| (e.key, e.value)).collect())
        .unwrap_or_default();
    let both = |k: &str| vars.get(k).or_else(|| defined.get(k)).cloned();
    let mut budget = small;
    for line in templates.lines().take(64) {
        let before = budget.file_left;
        if let Ok(v) = interpolate_within(line, &both, &mut Vec::new(), &mut budget) {
            assert!(v.len() <= before, "produced more than the budget allowed");
            if let Ok(free) = interpolate(line, &both, &mut Vec::new()) {
                assert_eq!(v, free, "the budget changed a result");
            }
        }
    }
    // The loader: `.env` beside a compose file whose values are the templates.
    let dir = scratch().join("env");
    let _ = std::fs::create_dir_all(&dir);
    let mut compose =
        String::from("services:\n  web:\n    image: nginx:${TAG}\n    environment:\n");
    for (i, line) in templates.lines().take(64).enumerate() {
        compose.push_str(&format!("      K{i}: '{}'\n", line.replace('\'', "''")));
    }
    if templates.lines().next().is_none() {
        compose.push_str("      K: ${A:-default}\n");
    }
    let _ = std::fs::write(dir.join("compose.yaml"), compose);
    let _ = std::fs::write(dir.join(".env"), p[0]);
    convert_dir(&dir, &dir.join("compose.yaml"), vars.clone());
}

/// `komply lint` on arbitrary YAML: parse, every rule, every output format.
pub fn lint(data: &[u8]) {
    use crate::lint::output::{Format, render};
    let _scope = SourceScope::new();
    let text = String::from_utf8_lossy(data);
    let report = crate::lint::lint_text("<fuzz>", &text, &crate::lint::Options::default());
    for format in [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
    ] {
        let _ = render(&report, format, false);
    }
}

/// The no-leak property ([`secret_leak`]): a random project with a planted secret, every
/// command and format; panics with the leak when a planted value reaches any output.
pub fn secret_leak(data: &[u8]) {
    let _scope = SourceScope::new();
    let dir = scratch().join("secret-leak");
    if let Err(leak) = secret_leak::check(data, &dir) {
        panic!("a planted secret reached an output:\n{leak}");
    }
}

/// The YAML reader in both dialects (Docker Compose's go-yaml v3, kubectl's splitter + go-yaml
/// v2): never a panic, and every span it reports lies inside the text.
pub fn yaml(data: &[u8]) {
    use crate::yaml::{Node, NodeKind, Span, parse_manifests};
    let _scope = SourceScope::new();
    let text = String::from_utf8_lossy(data);
    let id = sources().add_named("<fuzz>.yaml", &*text);
    // Lines as go-yaml counts them (LF, CR, CR LF, NEL); one more for an empty last line.
    let lines = text
        .replace("\r\n", "\n")
        .replace(['\r', '\u{85}'], "\n")
        .lines()
        .count()
        + 1;
    let inside = |s: &Span| {
        assert!(
            s.start.line >= 1 && (s.start.line as usize) <= lines && s.start.col >= 1,
            "span {s:?} outside the text ({lines} lines)"
        );
    };
    let check = |docs: &[Node]| {
        let mut stack: Vec<&Node> = docs.iter().collect();
        while let Some(n) = stack.pop() {
            inside(&n.span);
            match &n.kind {
                NodeKind::Seq(items) => stack.extend(items),
                NodeKind::Map(entries) => {
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                _ => {}
            }
        }
    };
    match parse_documents(id, &text, &Limits::default()) {
        Ok(docs) => check(&docs),
        Err(e) => inside(&e.span),
    }
    match parse_manifests(id, &text, &Limits::default()) {
        Ok(m) => {
            check(&m.docs);
            for d in &m.duplicates {
                inside(&d.span);
            }
        }
        Err(e) => inside(&e.span),
    }
}
