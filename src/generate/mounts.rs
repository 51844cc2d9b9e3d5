//! Bind mounts (`./nginx.conf:/etc/nginx/nginx.conf`) → what they carry into a cluster.
//!
//! Each bind mount is decided before its service's objects are built (a data directory makes
//! the service a StatefulSet), reading the project's files only through `fsio`'s safe reads
//! (regular files, size caps, text checks) and never following a link out of the project:
//!
//! | the host path is | it becomes |
//! |---|---|
//! | a text file ≤ 1 MB | a key of the service's `<svc>-files` ConfigMap, mounted with `subPath` |
//! | a secret-looking file ([`is_secret_file`]) | a key of `<svc>-secrets` (ExternalSecret, remote key `<project>/<key>`), mounted with `subPath`; the content is never written |
//! | a directory of ≤ 64 text files, ≤ 1 MB in all, ≤ 4 levels | its own ConfigMap `<svc>-<dir>` (one key per file, `items` paths for subdirectories), mounted as a directory; secret-looking files in it come from `<svc>-secrets` (projected volume) |
//! | a database's data directory (image table), or any other writable directory that is not config: missing (Docker would create it), empty, under a data-like path (`/var/lib/…`, `…/data`), or too large / binary for a ConfigMap | persistent storage (`volumeClaimTemplates`, or a PVC for a Deployment) |
//! | a log directory (`/var/log/…`, `…/logs`) | an `emptyDir` (logs belong on stdout) |
//! | the project's source code (`.`, the build context, a directory with a Dockerfile, `package.json`, …) | left out: the image carries it |
//! | a binary or > 1 MB file, a socket, a device, a path outside the project, a missing file | left out, with a located warning and the fix |

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use super::image_profile;
use super::k8s::*;
use super::naming::{data_key, dns_label};
use crate::compose::model::{Model, Mount, MountKind, Service};
use crate::diag::{Code, Diagnostic};

/// Largest ConfigMap payload komply writes (the API server's limit is 1 MiB for the whole
/// object; this leaves room for metadata).
pub const MAX_CONFIG_BYTES: u64 = 1_000_000;
/// Most files a bind-mounted directory may hold to become a ConfigMap.
pub const MAX_DIR_FILES: usize = 64;
/// Deepest subdirectory level (1 = files directly in the directory).
pub const MAX_DIR_DEPTH: usize = 4;

/// What one bind mount becomes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    /// A text file: a key of `<svc>-files`, mounted with `subPath`.
    File { key: String, content: String },
    /// A secret-looking file: a key of `<svc>-secrets`; its content is never kept.
    SecretFile { key: String },
    /// A small directory: its own ConfigMap (plain files) and `<svc>-secrets` keys (secret ones).
    Dir { slug: String, files: Vec<DirFile> },
    /// Persistent storage named after `slug` (claim template, or `<svc>-<slug>` PVC).
    Storage { slug: String },
    /// An `emptyDir`.
    Scratch,
    /// Left out (the plan's warnings say why).
    Left,
}

/// A file of a bind-mounted directory.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DirFile {
    /// Path inside the directory (`conf.d/site.conf`).
    pub rel: String,
    /// Key in the ConfigMap (plain) or in `<svc>-secrets` (secret).
    pub key: String,
    /// The text; `None` for a secret-looking file (read from the store instead).
    pub content: Option<String>,
}

/// The decisions for one service's bind mounts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    /// By index into `svc.volumes`.
    pub binds: BTreeMap<usize, Bind>,
    /// File mounts placed inside a directory mount of the same service (index → dir index):
    /// they become items of the directory's volume, since a read-only ConfigMap volume cannot
    /// hold a mount point.
    pub nested: BTreeMap<usize, usize>,
    pub warnings: Vec<Diagnostic>,
}

/// Whether a bind-mounted file must be a Secret, never a ConfigMap — by its name or content:
/// the project's secret policy decides ([`crate::secrets::Policy::is_secret_file`]).
pub(crate) fn is_secret_file(
    rel_path: &str,
    content: &str,
    policy: &crate::secrets::Policy,
) -> bool {
    policy.is_secret_file(rel_path, content)
}

/// The text files a bind mount of `source` carries out of the project, as the plan reads
/// them: `(path relative to the project, real path, text)` — the file itself, or each file of
/// a directory within the directory limits. The secret harvest asks [`is_secret_file`] about
/// exactly these, so every file the generator keeps out of a ConfigMap is a known secret (and
/// redacted wherever its value turns up).
pub(crate) fn carried_texts(project_dir: &Path, source: &str) -> Vec<(String, PathBuf, String)> {
    let root = project_root(project_dir);
    let Source::Inside(real, rel) = locate(&root, source) else {
        return Vec::new();
    };
    if !crate::fsio::may_probe(&real) {
        return Vec::new();
    }
    let Ok(meta) = std::fs::metadata(&real) else {
        return Vec::new();
    };
    if meta.is_file() {
        if meta.len() > MAX_CONFIG_BYTES {
            return Vec::new();
        }
        return match crate::fsio::read_text(&real) {
            Ok(text) => vec![(rel, real, text)],
            Err(_) => Vec::new(),
        };
    }
    if !meta.is_dir() {
        return Vec::new();
    }
    scan_dir(&root, &real)
        .files
        .into_iter()
        .filter_map(|(file_rel, text)| {
            let text = text.ok()?;
            let path = real.join(&file_rel);
            Some((format!("{rel}/{file_rel}"), path, text))
        })
        .collect()
}

/// Lexically normalised path (no `.` / `..`), for paths that do not exist.
fn normalise(p: &Path) -> PathBuf {
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

/// The project directory as an absolute, resolved path.
fn project_root(dir: &Path) -> PathBuf {
    let d = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    d.canonicalize().unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|c| normalise(&c.join(d)))
            .unwrap_or_else(|_| d.to_path_buf())
    })
}

/// Where a bind source lies.
enum Source {
    /// Inside the project: the resolved path and the path relative to the project (`a/b.conf`).
    Inside(PathBuf, String),
    /// Inside the project, but missing (Docker would create an empty directory).
    Missing(String),
    /// Outside the project (or resolving, through a link, outside it): the path as written, and
    /// where it lies on this machine (`None` for a Windows host path).
    Outside(String, Option<PathBuf>),
}

/// A Windows host path (`C:\\Users\\me`, `D:/data`, `\\\\server\\share`): absolute on the host
/// that ran Compose, whatever the machine komply runs on.
fn windows_absolute(source: &str) -> bool {
    let b = source.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/'))
        || source.starts_with("\\\\")
}

fn locate(root: &Path, source: &str) -> Source {
    if windows_absolute(source) {
        return Source::Outside(source.to_string(), None);
    }
    let raw = Path::new(source);
    let joined = if raw.is_absolute() {
        raw.to_path_buf()
    } else {
        root.join(raw)
    };
    match joined.canonicalize() {
        Ok(real) => match real.strip_prefix(root) {
            Ok(rel) => Source::Inside(real.clone(), rel.to_string_lossy().replace('\\', "/")),
            Err(_) => Source::Outside(source.to_string(), Some(real)),
        },
        Err(_) => {
            let lexical = normalise(&joined);
            match lexical.strip_prefix(root) {
                Ok(rel) => Source::Missing(rel.to_string_lossy().replace('\\', "/")),
                Err(_) => Source::Outside(source.to_string(), Some(lexical)),
            }
        }
    }
}

/// `./rel` for messages (never an absolute path of the user's machine for project files).
fn shown(rel: &str) -> String {
    if rel.is_empty() {
        ".".into()
    } else {
        format!("./{rel}")
    }
}

/// Targets where a container keeps data even when the image is unknown.
fn data_like(target: &str) -> bool {
    let t = target.trim_end_matches('/');
    t.starts_with("/var/lib/")
        || t == "/data"
        || t.starts_with("/data/")
        || t.ends_with("/data")
        || t.ends_with("/storage")
        || t.ends_with("/uploads")
        || t.starts_with("/bitnami/")
}

/// The host's own directories (and `/tmp`): never state a service owns.
fn system_path(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    p.is_empty()
        || p.ends_with(".sock")
        || [
            "/proc",
            "/sys",
            "/dev",
            "/run",
            "/var/run",
            "/var/lib/docker",
            "/etc",
            "/lib",
            "/lib64",
            "/usr",
            "/bin",
            "/sbin",
            "/boot",
            "/tmp",
            "/var/tmp",
            "/cgroup",
            "/var/log",
            "/var/lib/containerd",
            "/var/lib/kubelet",
            "/mnt/wsl",
        ]
        .iter()
        .any(|s| p == *s || p.starts_with(&format!("{s}/")))
}

/// Log directories: scratch space, not state.
fn log_like(target: &str) -> bool {
    let t = target.trim_end_matches('/');
    t.starts_with("/var/log") || t.ends_with("/logs") || t.ends_with("/log")
}

/// A target that names a file (`/etc/nginx/nginx.conf`), not a directory.
fn file_like(target: &str) -> bool {
    let last = target
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    // `conf.d`, `init.d`: the `.d` suffix names a directory.
    last.rfind('.')
        .is_some_and(|i| i > 0 && i + 1 < last.len() && &last[i..] != ".d")
}

/// Files a directory holds that carry nothing (VCS placeholders, desktop litter).
fn junk(name: &str) -> bool {
    matches!(
        name,
        ".DS_Store" | "Thumbs.db" | "desktop.ini" | ".gitkeep" | ".keep" | ".gitignore" | ".git"
    )
}

/// Files whose presence marks a directory as source code (a live-reload mount in development).
const CODE_MARKERS: &[&str] = &[
    "Dockerfile",
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "package.json",
    "go.mod",
    "requirements.txt",
    "pyproject.toml",
    "setup.py",
    "Gemfile",
    "composer.json",
    "pom.xml",
    "build.gradle",
    "Cargo.toml",
    "mix.exs",
    "manage.py",
    ".git",
    "node_modules",
];

/// What a directory holds, read up to the limits.
#[derive(Default)]
struct DirScan {
    files: Vec<(String, Result<String, String>)>,
    /// Why it cannot be a ConfigMap (first reason found), if it cannot.
    too_much: Option<String>,
    /// The marker file that makes it source code.
    code: Option<String>,
}

fn scan_dir(root: &Path, dir: &Path) -> DirScan {
    let mut scan = DirScan::default();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if CODE_MARKERS.contains(&n.as_str()) {
                scan.code = Some(n);
                return scan;
            }
        }
    }
    let mut total: u64 = 0;
    walk(root, dir, "", 1, &mut scan, &mut total);
    scan
}

fn walk(root: &Path, dir: &Path, prefix: &str, depth: usize, scan: &mut DirScan, total: &mut u64) {
    if scan.too_much.is_some() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        scan.too_much = Some(format!("`{}` cannot be read", shown(prefix)));
        return;
    };
    let mut names: Vec<(String, PathBuf)> = entries
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    names.sort();
    for (name, path) in names {
        if junk(&name) {
            continue;
        }
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        // Links are followed only to regular files and directories inside the project.
        let Ok(real) = path.canonicalize() else {
            scan.too_much = Some(format!("`{rel}` is a broken link"));
            return;
        };
        if !real.starts_with(root) {
            scan.too_much = Some(format!("`{rel}` links outside the project"));
            return;
        }
        let Ok(meta) = std::fs::metadata(&real) else {
            continue;
        };
        if meta.is_dir() {
            if depth >= MAX_DIR_DEPTH {
                scan.too_much = Some(format!(
                    "it is more than {MAX_DIR_DEPTH} directory levels deep"
                ));
                return;
            }
            walk(root, &real, &rel, depth + 1, scan, total);
            if scan.too_much.is_some() {
                return;
            }
            continue;
        }
        if !meta.is_file() {
            scan.too_much = Some(format!("`{rel}` is not a regular file"));
            return;
        }
        if scan.files.len() >= MAX_DIR_FILES {
            scan.too_much = Some(format!("it holds more than {MAX_DIR_FILES} files"));
            return;
        }
        *total += meta.len();
        if *total > MAX_CONFIG_BYTES {
            scan.too_much = Some(format!(
                "its files exceed {MAX_CONFIG_BYTES} bytes (the ConfigMap size limit)"
            ));
            return;
        }
        let text = crate::fsio::read_text(&real).map_err(|_| format!("`{rel}` is not text"));
        if let Err(why) = &text {
            scan.too_much = Some(why.clone());
        }
        scan.files.push((rel, text));
        if scan.too_much.is_some() {
            return;
        }
    }
}

/// A host path outside the project: why it cannot come along, and what to do instead.
fn outside_reason(source: &str) -> (String, &'static str) {
    let s = source.trim_end_matches('/');
    if s.ends_with(".sock") || s.contains("docker.sock") {
        (
            format!("the socket `{s}` of the host"),
            "a pod cannot talk to the node's container engine; drop the mount, or run a dedicated agent (a DaemonSet) if the service really needs the engine",
        )
    } else if s.starts_with("/dev/") || s == "/dev" {
        (
            format!("the device `{s}` of the host"),
            "devices need a device plugin and a resource request in Kubernetes",
        )
    } else if matches!(s, "/etc/localtime" | "/etc/timezone")
        || s.starts_with("/usr/share/zoneinfo")
    {
        (
            format!("the host's time zone file `{s}`"),
            "set the `TZ` environment variable (e.g. `TZ: Europe/Madrid`) instead",
        )
    } else if s.starts_with("/proc") || s.starts_with("/sys") || s.starts_with("/var/lib/docker") {
        (
            format!("the host's `{s}`"),
            "node internals are not available to pods; monitoring agents run as a DaemonSet",
        )
    } else {
        (
            format!("the host path `{s}`, outside the project directory,"),
            "copy the files into the project (small text files then become a ConfigMap), ship them in the image, or mount an existing PersistentVolumeClaim through an overlay patch",
        )
    }
}

struct Ctx<'a> {
    root: &'a Path,
    svc: &'a Service,
    policy: &'a crate::secrets::Policy,
    build_context: Option<PathBuf>,
    warnings: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn warn(&mut self, m: &Mount, what: String, help: &str) {
        self.warnings.push(
            Diagnostic::warning(format!(
                "service `{}`: {what} (mounted at `{}`)",
                self.svc.name, m.target
            ))
            .at(m.span)
            .code(Code::GenerateBindMount)
            .help(help),
        );
    }
}

fn decide(c: &mut Ctx, m: &Mount) -> Bind {
    let source = m.source.clone().unwrap_or_default();
    let image = c.svc.image.as_deref();
    let writable = !m.read_only;
    let data_target = image_profile::is_data_path(image, &m.target);
    match locate(c.root, &source) {
        Source::Outside(path, on_host) => {
            // A writable directory of the host that is not the system's (a data or state
            // directory: `/srv/pg`, `~/.app-cfg`) keeps state: storage. Files of the host, the
            // system's directories and sockets cannot come along.
            let host_file = on_host.as_ref().is_some_and(|p| {
                crate::fsio::may_probe(p) && std::fs::metadata(p).is_ok_and(|md| !md.is_dir())
            });
            let state = writable
                && !host_file
                && !system_path(&path)
                && !on_host
                    .as_ref()
                    .is_some_and(|p| system_path(&p.to_string_lossy()))
                && !m.target.starts_with("/etc/")
                && (data_target || data_like(&m.target) || !file_like(&m.target));
            if state {
                c.warn(
                    m,
                    format!("the host directory `{path}` (outside the project) becomes persistent storage; its current content is not copied"),
                    "restore existing data into the claim (`kubectl cp`, or a restore Job) after the first deployment",
                );
                return Bind::Storage {
                    slug: slug_of(&path, "data"),
                };
            }
            let (what, help) = outside_reason(&path);
            c.warn(m, format!("{what} is left out"), help);
            Bind::Left
        }
        Source::Missing(rel) => {
            let in_build_context = c.build_context.as_ref().is_some_and(|b| {
                b.starts_with(c.root) && normalise(&c.root.join(&rel)).starts_with(b)
            });
            if in_build_context {
                c.warn(
                    m,
                    format!(
                        "`{}` lies in the service's build context: a development mount of its code; it is left out, the image carries it",
                        shown(&rel)
                    ),
                    "build the image with the files in it, and push it",
                );
                Bind::Left
            } else if file_like(&m.target) || !writable || m.target.starts_with("/etc/") {
                c.warn(
                    m,
                    format!(
                        "`{}` does not exist, so Docker would mount an empty directory there; it is left out",
                        shown(&rel)
                    ),
                    "create the file in the project (it then becomes a ConfigMap), or remove the mount",
                );
                Bind::Left
            } else if log_like(&m.target) && !data_target {
                log_note(c, m, &rel);
                Bind::Scratch
            } else {
                // Docker creates the directory empty: the container fills it — state.
                Bind::Storage {
                    slug: slug_of(&rel, "data"),
                }
            }
        }
        Source::Inside(real, rel) => decide_inside(c, m, &real, &rel, data_target),
    }
}

fn log_note(c: &mut Ctx, m: &Mount, rel: &str) {
    c.warn(
        m,
        format!(
            "`{}` is a log directory: it becomes an emptyDir, so the logs live as long as the pod",
            shown(rel)
        ),
        "log to stdout / stderr and read the logs with `kubectl logs` (or the cluster's log collector)",
    );
}

fn slug_of(path: &str, fallback: &str) -> String {
    let last = path
        .trim_end_matches('/')
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim_start_matches('.');
    if last.is_empty() {
        fallback.to_string()
    } else {
        let s = dns_label(last);
        s.chars()
            .take(40)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string()
    }
}

fn decide_inside(c: &mut Ctx, m: &Mount, real: &Path, rel: &str, data_target: bool) -> Bind {
    let writable = !m.read_only;
    let probe = crate::fsio::may_probe(real).then(|| std::fs::metadata(real));
    let Some(Ok(meta)) = probe else {
        c.warn(
            m,
            format!("`{}` cannot be read; it is left out", shown(rel)),
            "check the file's permissions",
        );
        return Bind::Left;
    };
    if meta.is_dir() {
        return decide_dir(c, m, real, rel, data_target);
    }
    if !meta.is_file() {
        c.warn(
            m,
            format!(
                "`{}` is not a regular file (a socket, FIFO or device); it is left out",
                shown(rel)
            ),
            "a pod cannot share host sockets or devices; drop the mount",
        );
        return Bind::Left;
    }
    if meta.len() > MAX_CONFIG_BYTES {
        c.warn(
            m,
            format!(
                "`{}` is {} bytes, over the {MAX_CONFIG_BYTES}-byte ConfigMap limit; it is left out",
                shown(rel),
                meta.len()
            ),
            "ship the file in the image, or put it in a volume",
        );
        return Bind::Left;
    }
    let content = match crate::fsio::read_text(real) {
        Ok(t) => t,
        Err(_) => {
            c.warn(
                m,
                format!(
                    "`{}` is a binary file; it is left out (ConfigMaps here carry text)",
                    shown(rel)
                ),
                "ship the file in the image, or put it in a volume",
            );
            return Bind::Left;
        }
    };
    if is_secret_file(rel, &content, c.policy) {
        return Bind::SecretFile {
            key: data_key(&rel.replace('/', "_")),
        };
    }
    if writable && content.trim().is_empty() {
        c.warn(
            m,
            format!(
                "`{}` is an empty file mounted writable: the container probably writes it, and a ConfigMap is read-only; it is left out",
                shown(rel)
            ),
            "mount a named volume on the file's directory instead",
        );
        return Bind::Left;
    }
    Bind::File {
        key: data_key(rel.rsplit('/').next().unwrap_or(rel)),
        content,
    }
}

fn decide_dir(c: &mut Ctx, m: &Mount, real: &Path, rel: &str, data_target: bool) -> Bind {
    let writable = !m.read_only;
    let storage = || Bind::Storage {
        slug: slug_of(rel, "data"),
    };
    if data_target {
        return storage();
    }
    let is_build_context = c
        .build_context
        .as_ref()
        .is_some_and(|b| b.starts_with(real));
    if rel.is_empty() || is_build_context {
        c.warn(
            m,
            format!(
                "`{}` is the service's source code (a development mount); it is left out: the image carries the code",
                shown(rel)
            ),
            "build the image with the code in it (`build:`), and push it",
        );
        return Bind::Left;
    }
    let scan = scan_dir(c.root, real);
    if let Some(marker) = &scan.code {
        c.warn(
            m,
            format!(
                "`{}` holds source code (`{marker}`): a development mount; it is left out, the image carries the code",
                shown(rel)
            ),
            "build the image with the code in it, and push it",
        );
        return Bind::Left;
    }
    if writable && log_like(&m.target) {
        log_note(c, m, rel);
        return Bind::Scratch;
    }
    if scan.files.is_empty() && scan.too_much.is_none() {
        if writable {
            return storage();
        }
        c.warn(
            m,
            format!(
                "`{}` is an empty directory mounted read-only; it is left out",
                shown(rel)
            ),
            "remove the mount, or put the files it should hold in the project",
        );
        return Bind::Left;
    }
    if writable && data_like(&m.target) {
        if !scan.files.is_empty() {
            c.warn(
                m,
                format!(
                    "`{}` becomes persistent storage (a data path); its current files are not copied",
                    shown(rel)
                ),
                "copy existing data into the claim (`kubectl cp`) after the first deployment",
            );
        }
        return storage();
    }
    let in_build_context = c
        .build_context
        .as_ref()
        .is_some_and(|b| real.starts_with(b));
    if let Some(why) = &scan.too_much
        && writable
        && in_build_context
    {
        c.warn(
            m,
            format!(
                "`{}` lies in the service's build context ({why}): a development mount of its code; it is left out, the image carries it",
                shown(rel)
            ),
            "build the image with the files in it, and push it",
        );
        return Bind::Left;
    }
    if let Some(why) = scan.too_much {
        if writable {
            c.warn(
                m,
                format!(
                    "`{}` is not configuration ({why}): it becomes persistent storage, and its current files are not copied",
                    shown(rel)
                ),
                "copy existing data into the claim after the first deployment, or ship the files in the image",
            );
            return storage();
        }
        c.warn(
            m,
            format!(
                "`{}` cannot be a ConfigMap ({why}); it is left out",
                shown(rel)
            ),
            "ship the files in the image, or put them in a volume",
        );
        return Bind::Left;
    }
    let mut files = Vec::new();
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for (file_rel, text) in scan.files {
        let Ok(text) = text else { continue };
        let full = format!("{rel}/{file_rel}");
        let secret = is_secret_file(&full, &text, c.policy);
        let key = if secret {
            data_key(&full.replace('/', "_"))
        } else {
            unique(&mut keys, data_key(&file_rel.replace('/', "_")))
        };
        files.push(DirFile {
            rel: file_rel,
            key,
            content: (!secret).then_some(text),
        });
    }
    Bind::Dir {
        slug: slug_of(rel, "config"),
        files,
    }
}

/// `name`, or `name-2`, `name-3`… when taken; the result is recorded as taken.
fn unique(taken: &mut BTreeSet<String>, name: String) -> String {
    let mut n = name.clone();
    let mut i = 2;
    while taken.contains(&n) {
        n = format!("{name}-{i}");
        i += 1;
    }
    taken.insert(n.clone());
    n
}

/// The build context of a service, resolved.
fn build_context(root: &Path, svc: &Service) -> Option<PathBuf> {
    let ctx = svc
        .node
        .at(&["build", "context"])
        .and_then(|n| n.scalar_string())?;
    if ctx.contains("://") || ctx.starts_with("git@") {
        return None;
    }
    let p = Path::new(&ctx);
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    };
    joined.canonicalize().ok()
}

/// Decides every bind mount of every service.
pub(crate) fn plan_all(
    model: &Model,
    project_dir: &Path,
    policy: &crate::secrets::Policy,
) -> BTreeMap<String, Plan> {
    let root = project_root(project_dir);
    let mut plans = BTreeMap::new();
    for svc in &model.services {
        let mut c = Ctx {
            root: &root,
            svc,
            policy,
            build_context: build_context(&root, svc),
            warnings: Vec::new(),
        };
        let mut plan = Plan::default();
        let mut slugs: BTreeSet<String> = svc
            .volumes
            .iter()
            .filter(|m| m.kind == MountKind::Volume)
            .filter_map(|m| m.source.as_deref().map(dns_label))
            .collect();
        let mut dir_slugs: BTreeSet<String> = ["env", "files", "secrets"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut file_keys: BTreeSet<String> =
            svc.configs.iter().map(|f| data_key(&f.source)).collect();
        for (i, m) in svc.volumes.iter().enumerate() {
            if m.kind != MountKind::Bind {
                continue;
            }
            let mut b = decide(&mut c, m);
            match &mut b {
                Bind::Storage { slug } => *slug = unique(&mut slugs, slug.clone()),
                Bind::Dir { slug, .. } => *slug = unique(&mut dir_slugs, slug.clone()),
                Bind::File { key, .. } => *key = unique(&mut file_keys, key.clone()),
                _ => {}
            }
            plan.binds.insert(i, b);
        }
        // File mounts inside a directory mount of the same service.
        for (&fi, fb) in &plan.binds {
            if !matches!(fb, Bind::File { .. } | Bind::SecretFile { .. }) {
                continue;
            }
            let ft = &svc.volumes[fi].target;
            if let Some((&di, _)) = plan.binds.iter().find(|(di, db)| {
                matches!(db, Bind::Dir { .. })
                    && ft.starts_with(&format!(
                        "{}/",
                        svc.volumes[**di].target.trim_end_matches('/')
                    ))
            }) {
                plan.nested.insert(fi, di);
            }
        }
        plan.warnings = c.warnings;
        plans.insert(svc.name.clone(), plan);
    }
    // One host directory stored by several services stays one volume: generate/shared_storage.rs.
    plans
}

/// The identity of a bind mount's host directory (the same directory named two ways is one key),
/// for storage several services share.
pub(crate) fn storage_key(project_dir: &Path, source: &str) -> String {
    match locate(&project_root(project_dir), source) {
        Source::Inside(p, _) => p.to_string_lossy().into_owned(),
        Source::Missing(r) => r,
        Source::Outside(s, _) => s,
    }
}

impl Bind {
    /// What the bind mount became, in one word (`configmap`, `secret`, `storage`, `emptydir`,
    /// `reported`), for reports and measurements.
    pub fn became(&self) -> &'static str {
        match self {
            Bind::File { .. } => "configmap",
            Bind::Dir { files, .. } if files.iter().all(|f| f.content.is_none()) => "secret",
            Bind::Dir { .. } => "configmap",
            Bind::SecretFile { .. } => "secret",
            Bind::Storage { .. } => "storage",
            Bind::Scratch => "emptydir",
            Bind::Left => "reported",
        }
    }
}

impl Plan {
    /// The service keeps state in a bind-mounted directory.
    pub fn has_storage(&self) -> bool {
        self.binds
            .values()
            .any(|b| matches!(b, Bind::Storage { .. }))
    }

    pub fn get(&self, index: usize) -> Option<&Bind> {
        self.binds.get(&index)
    }

    /// Hook 1 (before `<svc>-files` is written): single text files become its keys, mounted
    /// with `subPath` (or placed inside their directory's volume).
    #[allow(clippy::too_many_arguments)]
    pub fn add_files(
        &self,
        svc: &Service,
        p: &super::Project,
        files_data: &mut BTreeMap<String, String>,
        files_items: &mut Vec<KeyToPath>,
        mounts: &mut Vec<VolumeMount>,
        warnings: &mut Vec<Diagnostic>,
    ) {
        for (&i, b) in &self.binds {
            let Bind::File { key, content } = b else {
                continue;
            };
            let m = &svc.volumes[i];
            files_data.insert(
                key.clone(),
                p.file_content(
                    &svc.name,
                    &format!("the file mounted at `{}`", m.target),
                    m.span,
                    content,
                    warnings,
                ),
            );
            if self.nested.contains_key(&i) {
                continue;
            }
            files_items.push(KeyToPath {
                key: key.clone(),
                path: key.clone(),
                mode: None,
            });
            mounts.push(VolumeMount {
                name: "files".into(),
                mount_path: m.target.clone(),
                sub_path: Some(key.clone()),
                read_only: true,
            });
        }
    }

    /// Hook 2 (after `<svc>-files`): each directory's volume and mount; returns the directories'
    /// ConfigMaps (name, data) for the caller to make.
    #[allow(clippy::too_many_arguments)]
    pub fn add_dirs(
        &self,
        svc: &Service,
        p: &super::Project,
        names: (&str, &str, &str),
        volumes: &mut Vec<Volume>,
        mounts: &mut Vec<VolumeMount>,
        hash_input: &mut String,
        warnings: &mut Vec<Diagnostic>,
    ) -> Vec<(String, BTreeMap<String, String>)> {
        let (service_name, files_cm, secret_name) = names;
        let mut config_maps = Vec::new();
        for (&i, b) in &self.binds {
            let Bind::Dir { slug, files } = b else {
                continue;
            };
            let m = &svc.volumes[i];
            let cm_name = format!("{service_name}-{slug}");
            let mut data = BTreeMap::new();
            let mut cm_items = Vec::new();
            let mut secret_items = Vec::new();
            for f in files {
                match &f.content {
                    Some(text) => {
                        data.insert(
                            f.key.clone(),
                            p.file_content(
                                &svc.name,
                                &format!("the file `{}` mounted under `{}`", f.rel, m.target),
                                m.span,
                                text,
                                warnings,
                            ),
                        );
                        cm_items.push(KeyToPath {
                            key: f.key.clone(),
                            path: f.rel.clone(),
                            mode: None,
                        });
                    }
                    None => secret_items.push(KeyToPath {
                        key: f.key.clone(),
                        path: f.rel.clone(),
                        mode: None,
                    }),
                }
            }
            // Files mounted inside this directory join its volume.
            let base = m.target.trim_end_matches('/');
            let mut nested_files = Vec::new();
            for (fi, _) in self.nested.iter().filter(|(_, d)| **d == i) {
                let inner = svc.volumes[*fi].target[base.len() + 1..].to_string();
                match &self.binds[fi] {
                    Bind::File { key, .. } => nested_files.push(KeyToPath {
                        key: key.clone(),
                        path: inner,
                        mode: None,
                    }),
                    Bind::SecretFile { key } => secret_items.push(KeyToPath {
                        key: key.clone(),
                        path: inner,
                        mode: None,
                    }),
                    _ => {}
                }
            }
            if !data.is_empty() {
                hash_input.push_str(&serde_json::to_string(&data).unwrap_or_default());
                config_maps.push((cm_name.clone(), data));
            }
            let mut sources = Vec::new();
            if !cm_items.is_empty() {
                sources.push(VolumeProjection::ConfigMap(KeyedVolume {
                    name: cm_name.clone(),
                    items: cm_items,
                }));
            }
            if !nested_files.is_empty() {
                sources.push(VolumeProjection::ConfigMap(KeyedVolume {
                    name: files_cm.to_string(),
                    items: nested_files,
                }));
            }
            if !secret_items.is_empty() {
                sources.push(VolumeProjection::Secret(KeyedVolume {
                    name: secret_name.to_string(),
                    items: secret_items,
                }));
            }
            let vname: String = format!("bind-{slug}")
                .chars()
                .take(63)
                .collect::<String>()
                .trim_end_matches('-')
                .to_string();
            let source = match sources.len() {
                0 => continue,
                1 => match sources.remove(0) {
                    VolumeProjection::ConfigMap(k) => VolumeSource::ConfigMap(k),
                    VolumeProjection::Secret(k) => VolumeSource::Secret(SecretVolume {
                        secret_name: k.name,
                        items: k.items,
                    }),
                },
                _ => VolumeSource::Projected(ProjectedVolume { sources }),
            };
            volumes.push(Volume {
                name: vname.clone(),
                source,
            });
            mounts.push(VolumeMount {
                name: vname,
                mount_path: m.target.clone(),
                sub_path: None,
                read_only: true,
            });
        }
        config_maps
    }

    /// Hook 3 (with the service's Compose secrets): secret-looking files become keys of
    /// `<svc>-secrets`, read from the store at `<project>/<key>` (a file belongs to the
    /// project, whichever service mounts it), mounted with `subPath`.
    pub fn add_secret_files(
        &self,
        svc: &Service,
        project: &str,
        es_data: &mut Vec<ExternalSecretData>,
        secret_items: &mut Vec<KeyToPath>,
        mounts: &mut Vec<VolumeMount>,
    ) {
        let add = |key: &str, es_data: &mut Vec<ExternalSecretData>| {
            if !es_data.iter().any(|d| d.secret_key == key) {
                es_data.push(ExternalSecretData {
                    secret_key: key.to_string(),
                    remote_ref: RemoteRef {
                        key: format!("{project}/{key}"),
                        property: None,
                    },
                });
            }
        };
        for (&i, b) in &self.binds {
            match b {
                Bind::SecretFile { key } => {
                    add(key, es_data);
                    if self.nested.contains_key(&i) {
                        continue;
                    }
                    secret_items.push(KeyToPath {
                        key: key.clone(),
                        path: key.clone(),
                        mode: None,
                    });
                    mounts.push(VolumeMount {
                        name: "secrets".into(),
                        mount_path: svc.volumes[i].target.clone(),
                        sub_path: Some(key.clone()),
                        read_only: true,
                    });
                }
                Bind::Dir { files, .. } => {
                    for f in files.iter().filter(|f| f.content.is_none()) {
                        add(&f.key, es_data);
                    }
                }
                _ => {}
            }
        }
    }

    /// The text of every file the service's bind mounts carry into ConfigMaps (for finding the
    /// host names other services are reached by).
    pub fn texts(&self) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        for (&i, b) in &self.binds {
            match b {
                Bind::File { content, .. } => out.push((i, content.as_str())),
                Bind::Dir { files, .. } => out.extend(
                    files
                        .iter()
                        .filter_map(|f| f.content.as_deref().map(|c| (i, c))),
                ),
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pats() -> crate::secrets::Policy {
        crate::secrets::Policy::default()
    }

    #[test]
    fn secret_files_by_name_and_content() {
        let p = pats();
        assert!(is_secret_file("tls/a.key", "x", &p));
        assert!(is_secret_file("certs/cert1.pem", "x", &p));
        assert!(is_secret_file("db_password.txt", "x", &p));
        assert!(is_secret_file("secrets/db.txt", "x", &p));
        assert!(is_secret_file(
            "conf/app.conf",
            "-----BEGIN RSA PRIVATE KEY-----\nMII",
            &p
        ));
        assert!(is_secret_file(
            "app.env",
            "LOG_LEVEL=info\nAPI_TOKEN=abc123\n",
            &p
        ));
        assert!(is_secret_file(
            "settings.yml",
            "db:\n  password: hunter2\n",
            &p
        ));
        assert!(!is_secret_file(
            "settings.yml",
            "db:\n  password: ${DB_PASSWORD}\n",
            &p
        ));
        assert!(!is_secret_file(
            "nginx.conf",
            "worker_processes 1;\nserver { listen 80; }\n",
            &p
        ));
        assert!(!is_secret_file(
            "init.sql",
            "CREATE TABLE t (id int);\n",
            &p
        ));
        assert!(!is_secret_file(
            "tls/a.crt",
            "-----BEGIN CERTIFICATE-----\n",
            &p
        ));
    }

    #[test]
    fn references_and_code_are_not_secrets() {
        let p = pats();
        for text in [
            "users_passwords=(\n\t[x]=\"${X_PASSWORD:-}\"\n)\n",
            "password => \"${LOGSTASH_INTERNAL_PASSWORD}\"\n",
            "\"password_env\" => \"POSTGRES_PASSWORD\",\n",
            "db_password = System.get_env(\"POSTGRES_PASSWORD\", \"x\")\n",
            "password_min_length: 8\n",
            "token_auth: true\n",
            "- key: $SUPABASE_ANON_KEY\n",
        ] {
            assert!(!is_secret_file("conf/x.conf", text, &p), "{text}");
        }
        assert!(is_secret_file("x.conf", "password => \"hunter2\"\n", &p));
    }

    #[test]
    fn target_shapes() {
        assert!(file_like("/etc/nginx/nginx.conf"));
        assert!(!file_like("/etc/nginx/conf.d"));
        assert!(!file_like("/var/lib/postgresql/data"));
        assert!(data_like("/var/lib/app"));
        assert!(data_like("/srv/app/data"));
        assert!(!data_like("/etc/nginx/conf.d"));
        assert!(log_like("/var/log/nginx"));
        assert_eq!(slug_of("./postgres-data", "data"), "postgres-data");
        assert_eq!(slug_of(".", "data"), "data");
        assert_eq!(slug_of("/srv/DB_files/", "data"), "db-files");
        assert_eq!(slug_of("C:\\Users\\data_sux", "data"), "data-sux");
        assert!(windows_absolute("C:\\Users\\data_sux"));
        assert!(windows_absolute("d:/data"));
        assert!(windows_absolute("\\\\server\\share"));
        assert!(!windows_absolute("./c:/x") && !windows_absolute("data:x"));
    }
}
