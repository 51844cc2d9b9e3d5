//! What komply knows about well-known images, and how a generated pod is adapted so it starts
//! non-root (decisions/0011, `docs/generate.md` "Images komply knows").
//!
//! The facts live in `data/images.yaml` (schema `schemas/images.schema.json`), one cited row per
//! image: the user it runs as, a non-root uid/gid that works, its data volume's group, the paths it
//! writes, the privileged ports it binds. [`lookup`] finds the row of an image reference (any
//! registry, mirror prefix, tag or digest; tag variants such as `*-alpine` apply). [`apply`] runs
//! after a service's objects are generated and, on its pod template:
//! - sets `runAsUser` / `runAsGroup` (the image's own user when it has one, else the table's) and,
//!   when the pod mounts persistent storage, `fsGroup` with `fsGroupChangePolicy: OnRootMismatch`;
//! - adds an `emptyDir` for every path the image writes that is not writable as that user (and,
//!   under `readOnlyRootFilesystem`, for the paths it writes at all);
//! - lets a non-root process bind its ports below 1024 with the namespaced, "safe" sysctl
//!   `net.ipv4.ip_unprivileged_port_start` (capabilities cannot: Kubernetes sets no ambient
//!   capabilities, so `NET_BIND_SERVICE` is dropped at the first exec of a non-root process);
//! - prepares a fresh data volume the way the image needs it (`PGDATA` in a subdirectory…);
//! - warns, at the service's `image:`, when the pod cannot start as generated: an image whose
//!   user komply does not know (`runAsNonRoot: true` stays, the kubelet refuses root or named
//!   users), an image that needs root, a user name komply cannot turn into a uid.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Map as JMap, Value, json};

use super::Project;
use super::dockerfile;
use crate::compose::model::{Mount, MountKind, Service};
use crate::diag::{Code, Diagnostic};
use crate::k8s::workload::{pod_spec_of as pod_spec, pod_spec_of_mut as pod_spec_mut};

/// The table, embedded.
pub const TABLE: &str = include_str!("../../data/images.yaml");
/// Its JSON Schema, embedded.
pub const SCHEMA: &str = include_str!("../../schemas/images.schema.json");

/// What happens when the image is started as its `run_as` user.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum StartsAs {
    /// The entrypoint starts as root only to chown its data, then re-executes as `run_as`;
    /// started as `run_as` it skips that step.
    StepsDown,
    /// The image already runs as a non-root user.
    AsIs,
    /// No user in the image; any non-root uid works.
    Any,
    /// Cannot start without root; the fix is `non_root_variant`.
    NeedsRoot,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunAs {
    pub user: i64,
    pub group: i64,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DataInit {
    pub path: String,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    pub sub_path: Option<String>,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum When {
    /// Not writable by `run_as` in the image: an emptyDir is needed even with a writable root fs.
    Always,
    /// Needed only under `readOnlyRootFilesystem`.
    ReadOnly,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Writable {
    pub path: String,
    pub when: Option<When>,
    /// Only when this directory is mounted (a feature of the image that writes next to it).
    pub mounted: Option<String>,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NodeSysctl {
    pub name: String,
    pub min: i64,
    #[serde(default)]
    pub unless_env: BTreeMap<String, String>,
    pub source: String,
}

/// One row of the table with the variants of a tag applied.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub source: String,
    pub image_user: String,
    pub starts_as: StartsAs,
    pub run_as: RunAs,
    pub fs_group: Option<i64>,
    #[serde(default)]
    pub users: BTreeMap<String, i64>,
    #[serde(default)]
    pub ports: Vec<u16>,
    #[serde(default)]
    pub privileged_ports: Vec<u16>,
    #[serde(default)]
    pub file_capabilities: Vec<String>,
    #[serde(default)]
    pub data: Vec<String>,
    #[serde(default)]
    pub data_init: Vec<DataInit>,
    #[serde(default)]
    pub writable: Vec<Writable>,
    #[serde(default)]
    pub single_instance: bool,
    pub min_memory: Option<String>,
    pub memory_source: Option<String>,
    #[serde(default)]
    pub node_sysctls: Vec<NodeSysctl>,
    pub non_root_variant: Option<String>,
    pub notes: Option<String>,
}

/// A row: its patterns, its facts and its tag variants, as JSON merged on lookup.
struct Row {
    patterns: Vec<String>,
    base: Value,
    variants: Vec<(Vec<globset::GlobMatcher>, Value)>,
}

/// The parsed table: `Err` only if the embedded file is broken (a test guards it).
fn rows() -> &'static Result<Vec<Row>, String> {
    static ROWS: OnceLock<Result<Vec<Row>, String>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let id = crate::source::sources().add_named("<image table>", TABLE);
        let docs = crate::yaml::parse_documents(id, TABLE, &crate::yaml::Limits::default())
            .map_err(|e| format!("{e:?}"))?;
        let json = docs.first().map(|d| d.to_json()).unwrap_or(Value::Null);
        let Some(images) = json["images"].as_array() else {
            return Err("data/images.yaml: no `images` list".into());
        };
        let mut out = Vec::new();
        for img in images {
            let mut base = img.clone();
            let Some(obj) = base.as_object_mut() else {
                continue;
            };
            let patterns: Vec<String> = obj
                .remove("match")
                .and_then(|m| serde_json::from_value(m).ok())
                .unwrap_or_default();
            let mut variants = Vec::new();
            for v in obj
                .remove("variants")
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default()
            {
                let mut v = v;
                let tags: Vec<String> = v
                    .as_object_mut()
                    .and_then(|o| o.remove("tags"))
                    .and_then(|t| serde_json::from_value(t).ok())
                    .unwrap_or_default();
                let globs = tags
                    .iter()
                    .filter_map(|t| globset::Glob::new(t).ok())
                    .map(|g| g.compile_matcher())
                    .collect();
                variants.push((globs, v));
            }
            // Every row must deserialize, variants applied or not.
            serde_json::from_value::<Profile>(base.clone())
                .map_err(|e| format!("data/images.yaml row {:?}: {e}", obj_name(&base)))?;
            for (_, v) in &variants {
                let mut merged = base.clone();
                json_patch::merge(&mut merged, v);
                serde_json::from_value::<Profile>(merged).map_err(|e| {
                    format!("data/images.yaml row {:?} variant: {e}", obj_name(&base))
                })?;
            }
            out.push(Row {
                patterns,
                base,
                variants,
            });
        }
        Ok(out)
    })
}

fn obj_name(v: &Value) -> String {
    v["name"].as_str().unwrap_or("?").to_string()
}

/// The table as loaded, or why it could not be (for tests and `komply schema`).
pub fn check_table() -> Result<usize, String> {
    rows().as_ref().map(Vec::len).map_err(Clone::clone)
}

/// Every row's name, in table order.
pub fn names() -> Vec<String> {
    match rows() {
        Ok(r) => r.iter().map(|r| obj_name(&r.base)).collect(),
        Err(_) => Vec::new(),
    }
}

/// An image reference split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub registry: Option<String>,
    /// The repository path, lower-cased, without registry.
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(image: &str) -> ImageRef {
        let image = image.trim();
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (image, None),
        };
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(rest[i + 1..].to_string())),
            _ => (rest, None),
        };
        let mut parts: Vec<&str> = name.split('/').filter(|p| !p.is_empty()).collect();
        let registry = if parts.len() > 1
            && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
        {
            Some(parts.remove(0).to_ascii_lowercase())
        } else {
            None
        };
        ImageRef {
            registry,
            path: parts.join("/").to_ascii_lowercase(),
            tag,
            digest,
        }
    }

    /// The path as the table names it: `library/` and mirror prefixes ending in `/library/`
    /// (`docker/library/postgres` on public.ecr.aws) removed.
    fn table_path(&self) -> &str {
        let p = self.path.as_str();
        match p.rfind("library/") {
            Some(i) if i == 0 || p[..i].ends_with('/') => &p[i + "library/".len()..],
            _ => p,
        }
    }
}

/// `*` matches any run of characters within one path segment.
fn segment_match(pat: &str, s: &str) -> bool {
    match pat.split_once('*') {
        None => pat == s,
        Some((head, tail)) => {
            let Some(rest) = s.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .filter(|i| rest.is_char_boundary(*i))
                .any(|i| segment_match(tail, &rest[i..]))
        }
    }
}

/// A pattern matches the whole path, or — when it has a namespace — its last segments (an image
/// behind a proxy prefix: `harbor.example.com/hub/bitnami/redis`).
fn pattern_match(pat: &str, path: &str) -> bool {
    let ps: Vec<&str> = pat.split('/').collect();
    let ss: Vec<&str> = path.split('/').collect();
    if ss.len() < ps.len() || (ps.len() == 1 && ss.len() != 1) {
        return false;
    }
    let tail = &ss[ss.len() - ps.len()..];
    ps.iter().zip(tail).all(|(p, s)| segment_match(p, s))
}

/// The profile of an image reference, tag variants applied; `None` for an image komply does not
/// know. Exact patterns win over globs (`bitnami/postgresql` before `bitnami/*`).
pub fn lookup(image: &str) -> Option<Profile> {
    let rows = rows().as_ref().ok()?;
    let r = ImageRef::parse(image);
    let path = r.table_path();
    if path.is_empty() {
        return None;
    }
    let row = rows
        .iter()
        .find(|row| {
            row.patterns
                .iter()
                .any(|p| !p.contains('*') && pattern_match(p, path))
        })
        .or_else(|| {
            rows.iter()
                .find(|row| row.patterns.iter().any(|p| pattern_match(p, path)))
        })?;
    let tag = r.tag.as_deref().unwrap_or("latest");
    let mut merged = row.base.clone();
    for (globs, v) in &row.variants {
        if globs.iter().any(|g| g.is_match(tag)) {
            json_patch::merge(&mut merged, v);
        }
    }
    serde_json::from_value(merged).ok()
}

/// True when the service's image is a single-writer one (a database, a cache with data): the
/// presets never give it more replicas.
pub fn single_instance(image: Option<&str>) -> bool {
    image.and_then(lookup).is_some_and(|p| p.single_instance)
}

/// True when `target` is (or lies under) a data directory of the image: a bind mount there is
/// persistent storage, never a ConfigMap (`generate/mounts.rs`), and makes the service stateful.
pub fn is_data_path(image: Option<&str>, target: &str) -> bool {
    let t = target.trim_end_matches('/');
    image.and_then(lookup).is_some_and(|p| {
        p.data.iter().any(|d| {
            t == d
                || t.strip_prefix(d.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
    })
}

/// The ports a known server listens on by default (the table's `ports`), for the Service of a
/// service that declares none.
pub fn default_ports(image: &str) -> Vec<u16> {
    lookup(image).map(|p| p.ports).unwrap_or_default()
}

/// The least memory limit the image runs in (a quantity such as `1280Mi`), with its source.
pub fn min_memory(image: &str) -> Option<(String, String)> {
    let p = lookup(image)?;
    Some((p.min_memory?, p.memory_source.unwrap_or_default()))
}

/// The container image of a workload object.
pub fn workload_image(obj: &Value) -> Option<&str> {
    pod_spec(obj)?["containers"][0]["image"].as_str()
}

/// An anonymous volume over a path the image fills must not hide the image's content: Docker
/// copies the image's files into a new anonymous volume, an emptyDir starts empty. That is the
/// case when it sits inside a bind mount (the `.:/app` + `/app/node_modules` idiom: with the bind
/// mount left out, the image's own directory is what the service needs) or over a dependency
/// directory. Returns why, for the warning.
pub fn shields_image_content(mounts: &[Mount], m: &Mount) -> Option<String> {
    if m.kind != MountKind::Volume || m.source.is_some() {
        return None;
    }
    let target = m.target.trim_end_matches('/');
    if let Some(parent) = mounts.iter().find(|b| {
        b.kind == MountKind::Bind && {
            let bt = b.target.trim_end_matches('/');
            target.len() > bt.len() && target.starts_with(bt) && target[bt.len()..].starts_with('/')
        }
    }) {
        return Some(format!(
            "it only shields the image's `{target}` from the bind mount at `{}`",
            parent.target
        ));
    }
    let last = target.rsplit('/').next().unwrap_or_default();
    matches!(
        last,
        "node_modules" | "vendor" | ".venv" | "venv" | "site-packages" | "bower_components"
    )
    .then(|| format!("`{last}` is filled by the image at build time"))
}

// ---- the pod adaptation -----------------------------------------------------------------

/// Who the pod runs as, and where that came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserFrom {
    /// Compose `user:` (or `x-komply.security_context`): numbers given.
    Given,
    /// The table / the Dockerfile.
    Known,
    /// Nobody knows: runAsNonRoot without a uid.
    Unknown,
    /// Root, asked for.
    Root,
}

fn sc_i64(sc: &Value, key: &str) -> Option<i64> {
    sc.get(key).and_then(Value::as_i64)
}

/// Inserts `key` into an object at its conventional place in `order` (keys not listed keep
/// their place; unknown keys go last).
pub(crate) fn put_ordered(obj: &mut Value, key: &str, value: Value, order: &[&str]) {
    let Value::Object(m) = obj else { return };
    m.insert(key.to_string(), value);
    let mut sorted = JMap::new();
    for k in order {
        if let Some(v) = m.remove(*k) {
            sorted.insert((*k).to_string(), v);
        }
    }
    for (k, v) in std::mem::take(m) {
        sorted.insert(k, v);
    }
    *m = sorted;
}

pub(crate) const POD_SC_ORDER: &[&str] = &[
    "runAsNonRoot",
    "runAsUser",
    "runAsGroup",
    "fsGroup",
    "fsGroupChangePolicy",
    "supplementalGroups",
    "seccompProfile",
    "sysctls",
];
pub(crate) const POD_SPEC_ORDER: &[&str] = &[
    "automountServiceAccountToken",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "dnsPolicy",
    "hostname",
    "subdomain",
    "restartPolicy",
    "terminationGracePeriodSeconds",
    "securityContext",
    "affinity",
    "imagePullSecrets",
    "hostAliases",
    "initContainers",
    "containers",
    "volumes",
];
const CONTAINER_ORDER: &[&str] = &[
    "name",
    "image",
    "imagePullPolicy",
    "command",
    "args",
    "workingDir",
    "ports",
    "envFrom",
    "env",
    "resources",
    "startupProbe",
    "readinessProbe",
    "livenessProbe",
    "lifecycle",
    "securityContext",
    "stdin",
    "tty",
    "volumeMounts",
];

/// Resolves a user name against the facts known for the image.
fn uid_of(name: &str, profile: Option<&Profile>, built: Option<&dockerfile::Built>) -> Option<i64> {
    if name == "root" {
        return Some(0);
    }
    if let Ok(n) = name.parse::<i64>() {
        return Some(n);
    }
    built
        .and_then(|b| b.uids.get(name).copied())
        .or_else(|| profile.and_then(|p| p.users.get(name).copied()))
        .or_else(|| (name == "nobody").then_some(65534))
}

/// `UID[:GID]` or `NAME[:GROUP]` → numbers, when every part can be resolved.
fn resolve_user(
    user: &str,
    profile: Option<&Profile>,
    built: Option<&dockerfile::Built>,
) -> Option<(i64, Option<i64>)> {
    let (u, g) = match user.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (user, None),
    };
    let uid = uid_of(u, profile, built)?;
    let gid = match g {
        None => profile
            .filter(|p| p.run_as.user == uid)
            .map(|p| p.run_as.group),
        Some(g) => match g.parse::<i64>() {
            Ok(n) => Some(n),
            // A group name: the user's own group when it is named like the user.
            Err(_) if g == u => profile
                .filter(|p| p.run_as.user == uid)
                .map(|p| p.run_as.group)
                .or(Some(uid)),
            Err(_) if g == "root" => Some(0),
            Err(_) => return None,
        },
    };
    Some((uid, gid))
}

/// Adapts the pod of one service to its image (see the module doc). `objects` are the service's
/// objects as generated.
pub(crate) fn apply(
    p: &Project,
    svc: &Service,
    objects: &mut [Value],
    warnings: &mut Vec<Diagnostic>,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(obj) = objects.iter_mut().find(|o| pod_spec(o).is_some()) else {
        return;
    };
    adapt(p, svc, obj, warnings);
    // `x-komply.security_context` is free-form: the workload it landed in must still validate.
    if svc
        .x_komply
        .as_ref()
        .is_some_and(|x| x.get("security_context").is_some())
        && let Ok(v) = crate::validate::validate_k8s_json(obj)
        && let Some(v) = v.first()
    {
        errors.push(
            Diagnostic::error(format!(
                "service `{}`: with `x-komply.security_context`, the {} is not valid: {}",
                svc.name,
                obj["kind"].as_str().unwrap_or_default(),
                v.message
            ))
            .at(svc.span(&["x-komply", "security_context"]))
            .code(Code::XKomplyInvalid),
        );
    }
}

/// What is known about the image a service runs: its reference, what its Dockerfile says (for a
/// `build:`-only service), its table row, where to report, and how to name it in a message.
struct Facts {
    image: String,
    built: Option<dockerfile::Built>,
    profile: Option<Profile>,
    image_at: crate::yaml::Span,
    what: String,
}

/// Gathers the [`Facts`] of `svc`, whose container runs `image`.
fn facts(p: &Project, svc: &Service, image: String) -> Facts {
    let built = if svc.image.is_none() {
        dockerfile::of_service(svc, &p.opts.project_dir)
    } else {
        None
    };
    let profile = match &built {
        Some(b) => b.base.as_deref().and_then(lookup),
        None if svc.image.is_some() => lookup(&image),
        None => None,
    };
    let image_at = if svc.image.is_some() {
        svc.key_span("image")
    } else {
        svc.key_span("build")
    };
    let what = match (&built, svc.image.is_some()) {
        (_, true) => format!("image `{image}`"),
        (Some(b), false) => match &b.base {
            Some(base) => format!("the image built from its Dockerfile (FROM `{base}`)"),
            None => "the image built from its Dockerfile".to_string(),
        },
        (None, false) => "the image it builds".to_string(),
    };
    Facts {
        image,
        built,
        profile,
        image_at,
        what,
    }
}

/// Merges `x-komply.security_context` (`pod:` / `container:`) into the generated contexts.
fn merge_security_context(svc: &Service, spec: &mut Value) {
    let x: super::xkomply::ServiceX = svc
        .x_komply
        .as_ref()
        .and_then(|n| super::xkomply::read(n, "service").ok())
        .unwrap_or_default();
    if let Some(sc) = &x.security_context {
        if let Some(pod) = &sc.pod {
            json_patch::merge(&mut spec["securityContext"], pod);
        }
        if let Some(c) = &sc.container {
            json_patch::merge(&mut spec["containers"][0]["securityContext"], c);
        }
    }
}

/// Sets the pod's `runAsUser` (and `runAsGroup` unless given).
fn set_user(spec: &mut Value, uid: i64, gid: Option<i64>) {
    let sc = &mut spec["securityContext"];
    if !sc.is_object() {
        *sc = json!({});
    }
    put_ordered(sc, "runAsUser", json!(uid), POD_SC_ORDER);
    if let Some(g) = gid
        && sc.get("runAsGroup").is_none()
    {
        put_ordered(sc, "runAsGroup", json!(g), POD_SC_ORDER);
    }
}

/// `user: NAME` resolved from what is known of the image, or a warning.
fn user_by_name(
    svc: &Service,
    spec: &mut Value,
    f: &Facts,
    name: &str,
    warnings: &mut Vec<Diagnostic>,
) -> UserFrom {
    match resolve_user(name, f.profile.as_ref(), f.built.as_ref()) {
        Some((0, _)) => UserFrom::Root,
        Some((uid, gid)) => {
            set_user(spec, uid, gid);
            UserFrom::Given
        }
        None => {
            warnings.push(
                Diagnostic::warning(format!(
                    "service `{}`: user `{name}` is a name komply cannot turn into a uid for {}; with `runAsNonRoot: true` the kubelet refuses a container whose user it cannot verify",
                    svc.name, f.what
                ))
                .at(svc.span(&["user"]))
                .code(Code::GenerateUserName)
                .help("give the numbers: `user: \"UID:GID\"` (`docker run --rm --entrypoint id IMAGE` prints them)"),
            );
            UserFrom::Unknown
        }
    }
}

/// The user of a built image's final `USER` line, or a warning (root, or a name).
fn user_of_dockerfile(
    svc: &Service,
    spec: &mut Value,
    f: &Facts,
    b: &dockerfile::Built,
    u: &str,
    warnings: &mut Vec<Diagnostic>,
) -> UserFrom {
    match resolve_user(u, f.profile.as_ref(), Some(b)) {
        Some((0, _)) => warnings.push(
            Diagnostic::warning(format!(
                "service `{}`: its Dockerfile ends with `USER {u}` (root); the pod keeps `runAsNonRoot: true` and the kubelet will refuse to start it",
                svc.name
            ))
            .at(f.image_at)
            .code(Code::GenerateImageRunsAsRoot)
            .help("end the Dockerfile with a non-root `USER 10001:10001`, or set `user:` on the service"),
        ),
        Some((uid, gid)) => {
            set_user(spec, uid, gid);
            return UserFrom::Known;
        }
        None => warnings.push(
            Diagnostic::warning(format!(
                "service `{}`: its Dockerfile ends with `USER {u}`, a name komply cannot turn into a uid; with `runAsNonRoot: true` the kubelet refuses a container whose user it cannot verify",
                svc.name
            ))
            .at(f.image_at)
            .code(Code::GenerateUserName)
            .help(format!("use numbers in the Dockerfile (`USER 10001:10001`) or set `user: \"UID:GID\"` on service `{}`", svc.name)),
        ),
    }
    UserFrom::Unknown
}

/// The user the image runs as when the service gives none: the Dockerfile's `USER`, the table's
/// row, or a warning (an image that needs root, an image komply does not know).
fn user_of_image(
    svc: &Service,
    spec: &mut Value,
    f: &Facts,
    warnings: &mut Vec<Diagnostic>,
) -> UserFrom {
    match (&f.built, &f.profile) {
        (Some(b), _) if b.user.is_some() => {
            let u = b.user.as_deref().unwrap_or_default();
            user_of_dockerfile(svc, spec, f, b, u, warnings)
        }
        (_, Some(prof)) if prof.starts_as == StartsAs::NeedsRoot => {
            let fix = match &prof.non_root_variant {
                Some(v) => format!("use `{v}`, which runs non-root"),
                None => "use an image that runs as a non-root user".to_string(),
            };
            warnings.push(
                Diagnostic::warning(format!(
                    "service `{}`: {} needs root to start ({}); the pod keeps `runAsNonRoot: true` and will not start",
                    svc.name, f.what, prof.source
                ))
                .at(f.image_at)
                .code(Code::GenerateImageNeedsRoot)
                .help(format!("{fix}, or accept root with `user: root` (komply lint reports it)")),
            );
            UserFrom::Unknown
        }
        (_, Some(prof)) => {
            set_user(spec, prof.run_as.user, Some(prof.run_as.group));
            UserFrom::Known
        }
        (_, None) => {
            warnings.push(
                Diagnostic::warning(format!(
                    "service `{}`: komply does not know which user {} runs as; the pod keeps `runAsNonRoot: true`, so the kubelet will refuse to start it if the image runs as root or names its user",
                    svc.name, f.what
                ))
                .at(f.image_at)
                .code(Code::GenerateUnknownImageUser)
                .help(format!(
                    "if it runs as a non-root user, give the numbers (`docker run --rm --entrypoint id {}` prints them; append the user's name for an image whose entrypoint steps down to it): `user: \"UID:GID\"` on the service, `x-komply: {{security_context: {{pod: {{runAsUser: UID}}}}}}`, or `services.{}.security_context.pod.runAsUser` in an overlay; if it needs root, rebuild it with a non-root `USER`",
                    f.image, svc.name
                )),
            );
            UserFrom::Unknown
        }
    }
}

/// Decides who the pod runs as (setting `runAsUser` / `runAsGroup` when komply knows); returns
/// where the user came from and whether the pod asks to run as non-root.
fn run_as(
    svc: &Service,
    spec: &mut Value,
    f: &Facts,
    warnings: &mut Vec<Diagnostic>,
) -> (UserFrom, bool) {
    let pod_sc = &spec["securityContext"];
    let c_sc = &spec["containers"][0]["securityContext"];
    let given_uid = sc_i64(c_sc, "runAsUser").or(sc_i64(pod_sc, "runAsUser"));
    let from = match given_uid {
        Some(0) => UserFrom::Root,
        Some(_) => UserFrom::Given,
        None => UserFrom::Unknown,
    };
    let non_root_wanted = pod_sc["runAsNonRoot"].as_bool().unwrap_or(false)
        || c_sc["runAsNonRoot"].as_bool().unwrap_or(false);
    if from != UserFrom::Unknown || !non_root_wanted {
        return (from, non_root_wanted);
    }
    let from = match svc.user.as_deref() {
        Some(name) => user_by_name(svc, spec, f, name, warnings),
        None => user_of_image(svc, spec, f, warnings),
    };
    (from, non_root_wanted)
}

/// The volumes a pod mounts, to tell which are persistent and which writable.
struct PodVolumes {
    claim_templates: BTreeSet<String>,
    volumes: BTreeMap<String, Value>,
    /// The container's `volumeMounts`, as generated.
    mounts: Vec<Value>,
}

impl PodVolumes {
    fn of(claim_templates: BTreeSet<String>, spec: &Value) -> PodVolumes {
        let volumes = spec["volumes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| Some((v["name"].as_str()?.to_string(), v.clone())))
                    .collect()
            })
            .unwrap_or_default();
        let mounts = spec["containers"][0]["volumeMounts"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        PodVolumes {
            claim_templates,
            volumes,
            mounts,
        }
    }

    /// A claim template or a PersistentVolumeClaim.
    fn persistent(&self, name: &str) -> bool {
        self.claim_templates.contains(name)
            || self
                .volumes
                .get(name)
                .is_some_and(|v| v.get("persistentVolumeClaim").is_some())
    }

    /// Persistent storage or an emptyDir.
    fn writable(&self, name: &str) -> bool {
        self.persistent(name)
            || self
                .volumes
                .get(name)
                .is_some_and(|v| v.get("emptyDir").is_some())
    }

    /// Some directory at or below `dir` is mounted.
    fn mounted(&self, dir: &str) -> bool {
        self.mounts.iter().any(|m| {
            m["mountPath"]
                .as_str()
                .is_some_and(|p| p == dir || p.starts_with(&format!("{dir}/")))
        })
    }

    /// `path` lies in a writable volume mounted whole and read-write.
    fn covered(&self, path: &str) -> bool {
        self.mounts.iter().any(|m| {
            let mp = m["mountPath"]
                .as_str()
                .unwrap_or_default()
                .trim_end_matches('/');
            m.get("subPath").is_none()
                && !m["readOnly"].as_bool().unwrap_or(false)
                && m["name"].as_str().is_some_and(|n| self.writable(n))
                && (path == mp || path.starts_with(&format!("{mp}/")))
        })
    }
}

/// `fsGroup` (the image's data group, else the pod's group, else its user) and
/// `fsGroupChangePolicy: OnRootMismatch` for a pod that mounts persistent storage.
fn fs_group(spec: &mut Value, profile: Option<&Profile>, vols: &PodVolumes) {
    let uid = sc_i64(&spec["securityContext"], "runAsUser").or(sc_i64(
        &spec["containers"][0]["securityContext"],
        "runAsUser",
    ));
    let gid = sc_i64(&spec["securityContext"], "runAsGroup");
    let has_persistent = vols
        .mounts
        .iter()
        .any(|m| m["name"].as_str().is_some_and(|n| vols.persistent(n)));
    let (true, Some(uid)) = (has_persistent, uid) else {
        return;
    };
    let sc = &mut spec["securityContext"];
    if sc.get("fsGroup").is_none() {
        let fs = profile
            .filter(|p| p.run_as.user == uid)
            .and_then(|p| p.fs_group)
            .or(gid)
            .unwrap_or(uid);
        put_ordered(sc, "fsGroup", json!(fs), POD_SC_ORDER);
    }
    if sc.get("fsGroupChangePolicy").is_none() {
        // Recursive ownership changes on every start would make PGDATA / the Erlang cookie
        // group-accessible, which postgres and RabbitMQ refuse; once the root is right, stop.
        put_ordered(
            sc,
            "fsGroupChangePolicy",
            json!("OnRootMismatch"),
            POD_SC_ORDER,
        );
    }
}

/// Adds the image's environment for initialising one fresh data volume (`PGDATA` in a
/// subdirectory), unless the service sets it — warning when it points at the volume's root.
fn data_init_env(svc: &Service, spec: &mut Value, init: &DataInit, warnings: &mut Vec<Diagnostic>) {
    let env_names: BTreeSet<&str> = svc.environment.iter().map(|e| e.name.as_str()).collect();
    for (k, v) in &init.env {
        if env_names.contains(k.as_str()) {
            let set = svc
                .environment
                .iter()
                .find(|e| &e.name == k)
                .and_then(|e| e.value.clone())
                .unwrap_or_default();
            if set.trim_end_matches('/') == init.path {
                warnings.push(
                    Diagnostic::warning(format!(
                        "service `{}`: `{k}` is the root of the volume mounted at `{}`; initialising a fresh volume there fails (its root is not owned by the container's user and holds lost+found)",
                        svc.name, init.path
                    ))
                    .at(svc.span(&["environment"]))
                    .code(Code::GenerateDataDir)
                    .help(format!("point `{k}` at a subdirectory: `{v}`")),
                );
            }
            continue;
        }
        let env = &mut spec["containers"][0]["env"];
        if !env.is_array() {
            *env = json!([]);
        }
        if let Some(a) = env.as_array_mut() {
            a.push(json!({"name": k, "value": v}));
        }
        let c = &mut spec["containers"][0];
        if let Some(e) = c.as_object_mut().and_then(|m| m.remove("env")) {
            put_ordered(c, "env", e, CONTAINER_ORDER);
        }
    }
}

/// Prepares the data volumes the image initialises: its environment, and a `subPath` on a
/// fresh persistent volume when the image needs an empty directory.
fn data_init(
    svc: &Service,
    spec: &mut Value,
    prof: &Profile,
    vols: &PodVolumes,
    warnings: &mut Vec<Diagnostic>,
) {
    for init in &prof.data_init {
        let Some(idx) = vols.mounts.iter().position(|m| {
            m["mountPath"].as_str().map(|s| s.trim_end_matches('/')) == Some(init.path.as_str())
                && m["name"].as_str().is_some_and(|n| vols.writable(n))
        }) else {
            continue;
        };
        data_init_env(svc, spec, init, warnings);
        if let Some(sub) = &init.sub_path
            && let Some(m) = spec["containers"][0]["volumeMounts"].get_mut(idx)
            && m.get("subPath").is_none()
            && m["name"].as_str().is_some_and(|n| vols.persistent(n))
        {
            let mut fields = m.as_object().cloned().unwrap_or_default();
            fields.insert("subPath".into(), json!(sub));
            let mut mm = Value::Object(fields);
            let sp = mm["subPath"].take();
            put_ordered(
                &mut mm,
                "subPath",
                sp,
                &["name", "mountPath", "subPath", "readOnly"],
            );
            *m = mm;
        }
    }
}

/// An `emptyDir` at each path the image writes that its user cannot (or, under a read-only
/// root, at every path it writes), unless a writable volume covers it already.
fn writable_paths(spec: &mut Value, prof: &Profile, vols: &PodVolumes) {
    let read_only = spec["containers"][0]["securityContext"]["readOnlyRootFilesystem"]
        .as_bool()
        .unwrap_or(false);
    let mut names: BTreeSet<String> = vols.volumes.keys().cloned().collect();
    names.extend(vols.claim_templates.iter().cloned());
    for w in &prof.writable {
        let needed = match (w.when, &w.mounted) {
            (_, Some(dir)) => vols.mounted(dir),
            (Some(When::Always), _) => true,
            (Some(When::ReadOnly), _) => read_only,
            (None, None) => false,
        };
        if !needed || vols.covered(&w.path) {
            continue;
        }
        let mut vname = super::naming::dns_label(w.path.trim_matches('/'));
        if vname.is_empty() {
            vname = "root".into();
        }
        let base = vname.clone();
        let mut i = 2;
        while names.contains(&vname) {
            vname = format!("{base}-{i}");
            i += 1;
        }
        names.insert(vname.clone());
        let vols = &mut spec["volumes"];
        if !vols.is_array() {
            *vols = json!([]);
        }
        if let Some(a) = vols.as_array_mut() {
            a.push(json!({"name": vname, "emptyDir": {}}));
        }
        let vm = &mut spec["containers"][0]["volumeMounts"];
        if !vm.is_array() {
            *vm = json!([]);
        }
        if let Some(a) = vm.as_array_mut() {
            a.push(json!({"name": vname, "mountPath": w.path}));
        }
    }
    if let Some(v) = spec.as_object_mut().and_then(|m| m.remove("volumes")) {
        put_ordered(spec, "volumes", v, POD_SPEC_ORDER);
    }
    let c = &mut spec["containers"][0];
    if let Some(vm) = c.as_object_mut().and_then(|m| m.remove("volumeMounts")) {
        put_ordered(c, "volumeMounts", vm, CONTAINER_ORDER);
    }
}

/// `capabilities.add` of the capabilities set on the image's binaries (with `drop: [ALL]` the
/// kernel refuses to exec a binary whose file capabilities exceed the bounding set).
fn file_capabilities(spec: &mut Value, prof: &Profile) {
    if prof.file_capabilities.is_empty() {
        return;
    }
    let caps = &mut spec["containers"][0]["securityContext"]["capabilities"];
    let mut add: Vec<String> = caps["add"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    for c in &prof.file_capabilities {
        if !add.contains(c) {
            add.push(c.clone());
        }
    }
    put_ordered(caps, "add", json!(add), &["add", "drop"]);
}

/// Warns about node-level settings the image checks at start (a pod cannot set them).
fn node_sysctls(svc: &Service, prof: &Profile, f: &Facts, warnings: &mut Vec<Diagnostic>) {
    for s in &prof.node_sysctls {
        let exempt = s.unless_env.iter().any(|(k, v)| {
            svc.environment
                .iter()
                .any(|e| &e.name == k && e.value.as_deref() == Some(v.as_str()))
        });
        if exempt {
            continue;
        }
        warnings.push(
            Diagnostic::warning(format!(
                "service `{}`: {} checks at start that the node sets `{} >= {}`; a pod cannot set it (it is not namespaced)",
                svc.name, f.what, s.name, s.min
            ))
            .at(f.image_at)
            .code(Code::GenerateNodeSysctl)
            .help(format!(
                "set it on the nodes ({}), or for a single node: {}",
                s.source,
                s.unless_env
                    .iter()
                    .map(|(k, v)| format!("`{k}={v}` in its environment"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
    }
}

/// Adapts one workload's pod to its image, step by step (see the module doc).
fn adapt(p: &Project, svc: &Service, obj: &mut Value, warnings: &mut Vec<Diagnostic>) {
    let claim_templates: BTreeSet<String> = obj
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| c["metadata"]["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let Some(spec) = pod_spec_mut(obj) else {
        return;
    };
    let image = spec["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let f = facts(p, svc, image);
    merge_security_context(svc, spec);
    let (from, non_root_wanted) = run_as(svc, spec, &f, warnings);
    if from == UserFrom::Root || !non_root_wanted {
        return;
    }
    let vols = PodVolumes::of(claim_templates, spec);
    fs_group(spec, f.profile.as_ref(), &vols);
    let Some(prof) = f.profile.as_ref() else {
        privileged_ports(svc, spec, &[], warnings);
        return;
    };
    // The table's `always` paths are not writable by its own user; a uid the service gives owns
    // nothing in the image either, so they apply whoever the pod runs as.
    data_init(svc, spec, prof, &vols, warnings);
    writable_paths(spec, prof, &vols);
    file_capabilities(spec, prof);
    privileged_ports(svc, spec, &prof.privileged_ports, warnings);
    node_sysctls(svc, prof, &f, warnings);
}

/// Ports below 1024 bound by a non-root process: the namespaced sysctl
/// `net.ipv4.ip_unprivileged_port_start` (a "safe" sysctl: the kubelet allows it by default and
/// Pod Security `restricted` accepts it) lowered to the lowest such port. `NET_BIND_SERVICE` would
/// not do: Kubernetes sets no ambient capabilities, so a non-root process loses it at exec.
fn privileged_ports(
    svc: &Service,
    spec: &mut Value,
    image_ports: &[u16],
    warnings: &mut Vec<Diagnostic>,
) {
    let mut low: Vec<u16> = spec["containers"][0]["ports"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["containerPort"].as_u64())
                .filter_map(|p| u16::try_from(p).ok())
                .collect()
        })
        .unwrap_or_default();
    low.extend(image_ports);
    let Some(min) = low.into_iter().filter(|p| *p < 1024).min() else {
        return;
    };
    if spec["hostNetwork"].as_bool() == Some(true) {
        warnings.push(
            Diagnostic::warning(format!(
                "service `{}`: binds port {min} as a non-root user on the host network, where a pod cannot lower `net.ipv4.ip_unprivileged_port_start` and `NET_BIND_SERVICE` is lost at exec; it will fail to bind",
                svc.name
            ))
            .at(svc.span(&["network_mode"]))
            .code(Code::GeneratePrivilegedPort)
            .help("listen on a port of 1024 or above (or use the image's unprivileged variant), or drop `network_mode: host`"),
        );
        return;
    }
    let sc = &mut spec["securityContext"];
    let mut sysctls: Vec<Value> = sc["sysctls"].as_array().cloned().unwrap_or_default();
    if sysctls
        .iter()
        .any(|s| s["name"] == "net.ipv4.ip_unprivileged_port_start")
    {
        return;
    }
    sysctls.push(json!({"name": "net.ipv4.ip_unprivileged_port_start", "value": min.to_string()}));
    put_ordered(sc, "sysctls", json!(sysctls), POD_SC_ORDER);
}

/// After an overlay set the pod's user, the "unknown user" warning of that service is moot.
pub fn drop_resolved_warnings(
    obj: &crate::k8s::Object,
    service: &str,
    warnings: &mut Vec<Diagnostic>,
) {
    let Some(spec) = obj.pod_spec() else { return };
    let has_uid = spec["securityContext"]["runAsUser"].is_i64()
        || spec["containers"][0]["securityContext"]["runAsUser"].is_i64();
    if !has_uid {
        return;
    }
    let prefix = format!("service `{service}`:");
    warnings.retain(|w| {
        !(matches!(
            w.code,
            Some(
                Code::GenerateUnknownImageUser
                    | Code::GenerateUserName
                    | Code::GenerateImageNeedsRoot
                    | Code::GenerateImageRunsAsRoot
            )
        ) && w.message.starts_with(&prefix))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_and_normalise() {
        let r = ImageRef::parse("docker.io/library/postgres:16.4-alpine");
        assert_eq!(r.registry.as_deref(), Some("docker.io"));
        assert_eq!(r.table_path(), "postgres");
        assert_eq!(r.tag.as_deref(), Some("16.4-alpine"));
        let r = ImageRef::parse("localhost:5000/team/app@sha256:abc");
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.path, "team/app");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        assert_eq!(
            ImageRef::parse("public.ecr.aws/docker/library/redis:7").table_path(),
            "redis"
        );
        assert_eq!(
            ImageRef::parse("bitnami/redis").table_path(),
            "bitnami/redis"
        );
    }

    #[test]
    fn lookup_matches_registries_mirrors_tags_and_digests() {
        for img in [
            "postgres",
            "postgres:16",
            "docker.io/library/postgres:16.4",
            "mirror.gcr.io/postgres:15",
            "registry-1.docker.io/library/postgres@sha256:0123",
            "public.ecr.aws/docker/library/postgres:17-bookworm",
        ] {
            let p = lookup(img).unwrap_or_else(|| panic!("{img}"));
            assert_eq!((p.name.as_str(), p.run_as.user), ("postgres", 999), "{img}");
        }
        let alpine = lookup("postgres:16-alpine3.20").unwrap();
        assert_eq!((alpine.run_as.user, alpine.fs_group), (70, Some(70)));
        // Another namespace's `postgres` is another image.
        assert!(lookup("ghcr.io/immich-app/postgres:14").is_none());
        // A namespaced row matches behind a proxy prefix; exact rows beat globs.
        assert_eq!(
            lookup("harbor.example.com/hub/bitnami/redis:7.2")
                .unwrap()
                .name,
            "bitnami-databases"
        );
        assert_eq!(lookup("bitnami/nginx:1.27").unwrap().name, "bitnami");
        assert_eq!(
            lookup("bitnami/postgresql:17").unwrap().name,
            "bitnami-postgresql"
        );
        assert_eq!(
            lookup("confluentinc/cp-kafka:7.8.0").unwrap().name,
            "confluent-kafka"
        );
        assert_eq!(
            lookup("confluentinc/cp-schema-registry:7.8.0")
                .unwrap()
                .name,
            "confluent-platform"
        );
        // Tag variants accumulate: fpm + alpine.
        let p = lookup("nextcloud:fpm-alpine").unwrap();
        assert_eq!(
            (p.run_as.user, p.ports.clone(), p.privileged_ports.clone()),
            (82, vec![9000], vec![])
        );
        let g = lookup("gitea/gitea:1.22-rootless").unwrap();
        assert_eq!((g.starts_as, g.non_root_variant), (StartsAs::AsIs, None));
        assert_eq!(
            lookup("gitea/gitea:1.22").unwrap().starts_as,
            StartsAs::NeedsRoot
        );
        assert!(lookup("").is_none());
        assert!(lookup("example.com/acme/shop:1").is_none());
    }

    #[test]
    fn anonymous_volume_inside_a_bind_mount_or_over_dependencies_is_detected() {
        let m = |kind, source: Option<&str>, target: &str| Mount {
            kind,
            source: source.map(str::to_string),
            target: target.into(),
            read_only: false,
            subpath: None,
            tmpfs_size: None,
            span: crate::yaml::Span::SYNTHETIC,
        };
        let volumes = vec![
            m(MountKind::Bind, Some("."), "/app"),
            m(MountKind::Volume, None, "/app/node_modules"),
            m(MountKind::Volume, None, "/cache"),
            m(MountKind::Volume, None, "/srv/vendor"),
        ];
        assert!(shields_image_content(&volumes, &volumes[1]).is_some());
        assert!(shields_image_content(&volumes, &volumes[2]).is_none());
        assert!(shields_image_content(&volumes, &volumes[3]).is_some());
        assert!(shields_image_content(&volumes, &volumes[0]).is_none());
    }
}
