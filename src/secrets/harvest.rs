//! Finding the secret values of the input, so they can be hidden wherever else they turn up.
//!
//! The loader calls [`compose_document`] on every compose document twice — as written (before
//! interpolation: an interpolation error quotes the raw text) and once interpolated — and
//! [`dotenv_entry`] for every `.env` / `env_file` entry as it is parsed, so the values are
//! registered before any error of the same run can print them. [`project`] then collects the
//! project's [`Known`] secrets for the generator (deterministically, from the project alone)
//! and registers them too: environment values (`env_file` included), build args, logging and
//! driver options, the interpolation variables whose name or value is secret-like, Compose
//! `secrets:` read from a variable or a file, and every value shape anywhere in the project.
//! [`manifest`] does the same for objects given to `komply lint` / `komply krm`.

use std::ops::Range;
use std::path::Path;

use indexmap::IndexMap;

use super::policy::Policy;
use super::registry::{self, Hide, hideable, registry};
use super::shapes;
use crate::yaml::{Node, NodeKind, Span};

/// Where a known secret came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `services.<service>.environment.<name>` (or its `env_file`).
    Environment,
    /// A variable of the interpolation environment (OS, `.env`, `--env-file`).
    Interpolation,
    /// A Compose secret (`secrets.<name>`), from a file or a variable.
    ComposeSecret,
    /// A value shape (URL password, PEM key, token) inside another value.
    Shape,
    /// Build args, logging or driver options.
    Option,
    /// A secret-looking file of the project that a service bind-mounts (`./certs/tls.key`).
    File,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownSecret {
    pub value: String,
    /// The variable / secret / key it was found under.
    pub name: String,
    /// The service whose environment defines it.
    pub service: Option<String>,
    pub origin: Origin,
    /// Where it is defined (for "defined here" notes).
    pub span: Span,
}

/// The secret values of one project, and the project's public names.
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub entries: Vec<KnownSecret>,
    /// Service, image, volume, network, config and secret names (see [`registry`]).
    pub public: Vec<String>,
}

impl Known {
    pub fn add(&mut self, s: KnownSecret) {
        let s = KnownSecret {
            value: s.value.trim_matches(|c| c == '\n' || c == '\r').to_string(),
            ..s
        };
        if s.value.is_empty() {
            return;
        }
        if self
            .entries
            .iter()
            .any(|e| e.value == s.value && e.name == s.name && e.service == s.service)
        {
            return;
        }
        self.entries.push(s);
    }

    pub fn merge(&mut self, other: &Known) {
        for e in &other.entries {
            self.add(e.clone());
        }
        for p in &other.public {
            if !self.public.contains(p) {
                self.public.push(p.clone());
            }
        }
    }

    /// Whether a value is also a public name of the project (and so cannot be hidden).
    pub fn is_public(&self, value: &str) -> bool {
        self.public.iter().any(|w| registry::occurs_in(w, value))
    }

    /// The known secrets that occur in `text` (a whole output field), with their ranges,
    /// longest first, without overlaps. Words count only when they are the whole field; values
    /// too short to tell from text and public names never count. When several definitions
    /// share a value, one of service `prefer`'s environment wins, then any environment one.
    pub fn find_in(&self, text: &str, prefer: Option<&str>) -> Vec<(&KnownSecret, Range<usize>)> {
        self.find(text, prefer, true)
    }

    /// [`Known::find_in`] without words: a short letters-only secret (`disabled`, `secret`)
    /// that equals another field is a coincidence more often than a reuse, and replacing that
    /// field would break it (a feature flag, a label). For the decisions that change what an
    /// object means: which variables move to the Secret, config file contents, the last guard.
    pub fn find_in_except_words(
        &self,
        text: &str,
        prefer: Option<&str>,
    ) -> Vec<(&KnownSecret, Range<usize>)> {
        self.find(text, prefer, false)
    }

    fn find(
        &self,
        text: &str,
        prefer: Option<&str>,
        words: bool,
    ) -> Vec<(&KnownSecret, Range<usize>)> {
        let mut hits: Vec<(&KnownSecret, Range<usize>)> = Vec::new();
        for e in &self.entries {
            let ranges: Vec<Range<usize>> = match hideable(&e.value) {
                Hide::TooShort => continue,
                Hide::Word => {
                    if words && text == e.value {
                        std::iter::once(0..text.len()).collect()
                    } else {
                        continue;
                    }
                }
                Hide::Yes => registry::name_forms(&e.value)
                    .iter()
                    .flat_map(|form| registry::occurrences(text, form))
                    .collect(),
            };
            if ranges.is_empty() || self.is_public(&e.value) {
                continue;
            }
            for r in ranges {
                hits.push((e, r));
            }
        }
        let rank = |e: &KnownSecret| match (&e.origin, e.service.as_deref()) {
            (Origin::Environment, s) if s.is_some() && s == prefer => 0,
            (Origin::Environment, _) => 1,
            _ => 2,
        };
        hits.sort_by_key(|(e, r)| (r.start, std::cmp::Reverse(r.end), rank(e)));
        let mut kept: Vec<(&KnownSecret, Range<usize>)> = Vec::new();
        for h in hits {
            if kept.last().is_some_and(|(_, r)| h.1.start < r.end) {
                continue;
            }
            kept.push(h);
        }
        kept
    }

    /// Registers every entry and public name in the process-wide registry.
    pub fn register(&self) {
        for p in &self.public {
            registry().add_public(p);
        }
        for e in &self.entries {
            registry().register(&e.value, &e.name);
        }
    }
}

/// Adds a name and its parts (`postgres:16-alpine` → `postgres`, `16`, `alpine`) to `public`.
fn add_public(public: &mut Vec<String>, name: &str) {
    let mut push = |s: &str| {
        if s.chars().count() >= registry::MIN_CHARS && !public.iter().any(|p| p == s) {
            public.push(s.to_string());
        }
    };
    push(name);
    for part in name.split(|c: char| "/:@".contains(c)) {
        push(part);
    }
}

/// The scalar entries of an `environment` / `args` / `options` node: a mapping, or a list of
/// `KEY=VALUE` strings. (name, value, span of the value).
fn pairs(node: &Node) -> Vec<(String, String, Span)> {
    let mut out = Vec::new();
    match &node.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                if let (Some(name), Some(value)) = (k.scalar_string(), v.scalar_string()) {
                    out.push((name, value, v.span));
                }
            }
        }
        NodeKind::Seq(items) => {
            for item in items {
                if let Some(s) = item.as_str()
                    && let Some((k, v)) = s.split_once('=')
                {
                    out.push((k.to_string(), v.to_string(), item.span));
                }
            }
        }
        _ => {}
    }
    out
}

/// Every scalar string of a tree, with its span.
fn scalars<'a>(node: &'a Node, out: &mut Vec<(&'a str, Span)>) {
    match &node.kind {
        NodeKind::Str(s) => out.push((s.as_str(), node.span)),
        NodeKind::Seq(items) => items.iter().for_each(|i| scalars(i, out)),
        NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| scalars(v, out)),
        _ => {}
    }
}

/// Variable names a template references (`$NAME`, `${NAME…}`).
fn referenced_vars(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            if b.get(i + 1) == Some(&b'$') {
                i += 2;
                continue;
            }
            let start = if b.get(i + 1) == Some(&b'{') {
                i + 2
            } else {
                i + 1
            };
            let end = start
                + s[start.min(s.len())..]
                    .bytes()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    .count();
            if end > start {
                out.push(&s[start..end]);
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// A service's `x-komply.secret_env` and `plain_env`: the user's decision wins.
fn forced(x: Option<&Node>) -> (Vec<String>, Vec<String>) {
    let list = |key: &str| -> Vec<String> {
        x.and_then(|x| x.get(key))
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::scalar_string)
            .collect()
    };
    (list("secret_env"), list("plain_env"))
}

/// The [`Known`] secrets of a typed model (what the generator sees when it is called without
/// [`project`]): environment values under the policy and the service's forced lists.
pub fn model(model: &crate::compose::model::Model, policy: &Policy) -> Known {
    let mut known = Known::default();
    add_public(&mut known.public, &model.name);
    for svc in &model.services {
        add_public(&mut known.public, &svc.name);
        if let Some(v) = &svc.image {
            add_public(&mut known.public, v);
        }
        let (forced_secret, forced_plain) = forced(svc.x_komply.as_ref());
        for var in &svc.environment {
            let Some(value) = &var.value else { continue };
            if forced_plain.contains(&var.name) {
                continue;
            }
            if (forced_secret.contains(&var.name) && !value.trim().is_empty())
                || policy.is_secret(&var.name, value)
            {
                known.add(KnownSecret {
                    value: value.clone(),
                    name: var.name.clone(),
                    service: Some(svc.name.clone()),
                    origin: Origin::Environment,
                    span: var.span,
                });
            }
        }
    }
    for name in model
        .volumes
        .keys()
        .chain(model.secrets.keys())
        .chain(model.configs.keys())
    {
        add_public(&mut known.public, name);
    }
    known
}

/// What one compose document (raw or interpolated) holds; see the module doc.
fn scan_document(
    doc: &Node,
    policy: &Policy,
    env: Option<&IndexMap<String, String>>,
    known: &mut Known,
) {
    let services = doc.get("services").and_then(Node::as_map).unwrap_or(&[]);
    for (k, svc) in services {
        let Some(service) = k.scalar_string() else {
            continue;
        };
        add_public(&mut known.public, &service);
        // Names others refer to. (A `hostname` or `container_name` is no such name: a secret
        // there is replaced like anywhere else.)
        if let Some(v) = svc.get("image").and_then(Node::scalar_string) {
            add_public(&mut known.public, &v);
        }
        let (forced_secret, forced_plain) = forced(svc.get("x-komply"));
        let mut data: Vec<(&Node, Origin)> = Vec::new();
        if let Some(e) = svc.get("environment") {
            data.push((e, Origin::Environment));
        }
        if let Some(a) = svc.get("build").and_then(|b| b.get("args")) {
            data.push((a, Origin::Option));
        }
        if let Some(o) = svc.get("logging").and_then(|l| l.get("options")) {
            data.push((o, Origin::Option));
        }
        for (node, origin) in data {
            for (name, value, span) in pairs(node) {
                let env = origin == Origin::Environment;
                if env && forced_plain.contains(&name) {
                    continue;
                }
                if (env && forced_secret.contains(&name) && !value.trim().is_empty())
                    || policy.is_secret(&name, &value)
                {
                    known.add(KnownSecret {
                        value,
                        name,
                        service: Some(service.clone()),
                        origin: origin.clone(),
                        span,
                    });
                }
            }
        }
    }
    for section in ["volumes", "networks", "configs", "secrets"] {
        for (k, def) in doc.get(section).and_then(Node::as_map).unwrap_or(&[]) {
            if let Some(name) = k.scalar_string() {
                add_public(&mut known.public, &name);
            }
            if let Some(opts) = def.get("driver_opts") {
                for (name, value, span) in pairs(opts) {
                    if policy.is_secret(&name, &value) {
                        known.add(KnownSecret {
                            value,
                            name,
                            service: None,
                            origin: Origin::Option,
                            span,
                        });
                    }
                }
            }
        }
    }
    let mut all = Vec::new();
    scalars(doc, &mut all);
    // A variable is judged once, however many values read it (10,000 labels of one 100 KB
    // variable would otherwise scan a gigabyte).
    let mut judged: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (s, span) in all {
        for f in shapes::find(s) {
            known.add(KnownSecret {
                value: s[f.range].to_string(),
                name: f.shape.describe(),
                service: None,
                origin: Origin::Shape,
                span,
            });
        }
        // Interpolation variables this document reads whose value is a secret.
        if let Some(env) = env {
            for var in referenced_vars(s) {
                if !judged.insert(var) {
                    continue;
                }
                if let Some(value) = env.get(var)
                    && policy.is_secret(var, value)
                {
                    known.add(KnownSecret {
                        value: value.clone(),
                        name: var.to_string(),
                        service: None,
                        origin: Origin::Interpolation,
                        span,
                    });
                }
            }
        }
    }
}

/// Loader hook: registers the secrets of one compose document, raw (with the interpolation
/// environment, to catch the variables it reads) or interpolated (`env` = `None`).
pub fn compose_document(doc: &Node, env: Option<&IndexMap<String, String>>) {
    let mut known = Known::default();
    scan_document(doc, Policy::standard(), env, &mut known);
    known.register();
}

/// Loader hook for a run that fails before the compose files are read (a `.env` error): reads
/// the compose files it would have read (`-f`, or the default names in the project
/// directory) and the `env_file`s they name, and registers their secrets, so the error's
/// message and code frame cannot print one of them. Best effort: unreadable files are skipped.
pub fn before_failure(opts: &crate::compose::LoadOptions) {
    let base = opts
        .project_directory
        .as_ref()
        .map(|d| opts.working_dir.join(d))
        .unwrap_or_else(|| opts.working_dir.clone());
    let files: Vec<std::path::PathBuf> = if opts.files.is_empty() {
        crate::compose::project::DEFAULT_FILES
            .iter()
            .map(|f| base.join(f))
            .filter(|p| p.is_file())
            .take(1)
            .collect()
    } else {
        opts.files
            .iter()
            .map(|f| opts.working_dir.join(f))
            .collect()
    };
    for file in files {
        let Ok(text) = crate::fsio::read_text(&file) else {
            continue;
        };
        let Ok(docs) = crate::yaml::parse_documents(
            crate::yaml::SourceId::NONE,
            &text,
            &crate::yaml::Limits::default(),
        ) else {
            continue;
        };
        let dir = file.parent().unwrap_or(&base).to_path_buf();
        for doc in &docs {
            compose_document(doc, None);
            for (_, svc) in doc.get("services").and_then(Node::as_map).unwrap_or(&[]) {
                let env_files: Vec<String> = match svc.get("env_file").map(|n| &n.kind) {
                    Some(NodeKind::Seq(items)) => items
                        .iter()
                        .filter_map(|i| {
                            i.scalar_string()
                                .or_else(|| i.get("path").and_then(Node::scalar_string))
                        })
                        .collect(),
                    Some(_) => svc
                        .get("env_file")
                        .and_then(Node::scalar_string)
                        .into_iter()
                        .collect(),
                    None => Vec::new(),
                };
                for f in env_files {
                    if let Ok(t) = crate::fsio::read_text(&dir.join(&f)) {
                        // Each entry registers itself as it is parsed (`dotenv_entry`).
                        let _ = crate::compose::dotenv::parse_dotenv_raw(
                            crate::yaml::SourceId::NONE,
                            &t,
                        );
                    }
                }
            }
        }
    }
}

/// Loader hook: one `.env` / `env_file` entry, as parsed.
pub fn dotenv_entry(name: &str, value: &str) {
    if Policy::standard().is_secret(name, value) {
        registry().register(value, name);
    }
    for f in shapes::find(value) {
        registry().register(&value[f.range], name);
    }
}

/// Loader hook: an error about the value of `name` (an unterminated quote, a bad template)
/// does not quote the value when the name is secret-like (the value could not be registered:
/// it did not parse).
pub fn hide_value_in_error(name: &str, mut d: crate::diag::Diagnostic) -> crate::diag::Diagnostic {
    if Policy::standard().secret_like_name(name) {
        let what = if d.message.starts_with("unterminated quoted value") {
            "unterminated quoted value"
        } else {
            d.message.split(": ").next().unwrap_or("invalid value")
        };
        d.message = format!("{what} in `{name}` (the value is not shown: it looks like a secret)");
    }
    d
}

/// The [`Known`] secrets of a loaded project under `policy` (also registered).
pub fn project(project: &crate::compose::Project, policy: &Policy) -> Known {
    let mut known = Known::default();
    known.public.push(project.name.clone());
    scan_document(&project.canonical, policy, None, &mut known);
    // Interpolation variables: every secret-like one (OS environment, `.env`, `--env-file`).
    for (name, value) in &project.environment {
        if policy.is_secret(name, value) {
            known.add(KnownSecret {
                value: value.clone(),
                name: name.clone(),
                service: None,
                origin: Origin::Interpolation,
                span: Span::SYNTHETIC,
            });
        }
    }
    // Compose secrets: from a variable, or the content of a file (read, never written).
    for (k, def) in project
        .canonical
        .get("secrets")
        .and_then(Node::as_map)
        .unwrap_or(&[])
    {
        let name = k.scalar_string().unwrap_or_default();
        let value = if let Some(var) = def.get("environment").and_then(Node::as_str) {
            project.environment.get(var).cloned()
        } else if let Some(file) = def.get("file").and_then(Node::as_str) {
            secret_file(&project.project_dir.join(file))
        } else {
            None
        };
        if let Some(value) = value {
            for piece in secret_pieces(&value) {
                known.add(KnownSecret {
                    value: piece,
                    name: name.clone(),
                    service: None,
                    origin: Origin::ComposeSecret,
                    span: k.span,
                });
            }
        }
    }
    files(project, policy, &mut known);
    known.register();
    // What the loader registered under the built-in policy but this project calls plain.
    for (_, svc) in project
        .canonical
        .get("services")
        .and_then(Node::as_map)
        .unwrap_or(&[])
    {
        if let Some(env) = svc.get("environment") {
            for (_, value, _) in pairs(env) {
                if !known
                    .entries
                    .iter()
                    .any(|e| registry::occurs_in(&value, &e.value))
                {
                    registry().forget(&value);
                }
            }
        }
    }
    known
}

/// The project's files that services read as files: a bind-mounted file, or a file of a
/// bind-mounted directory, that the project's policy calls a secret file
/// ([`Policy::is_secret_file`], asked about the same files with the same project-relative
/// paths as the generator: `*.key`, `*.pem`, `*password*`, a PEM private key, a secret-like
/// `name = value` line…) is a secret as a whole; in any other bind-mounted file and in
/// `configs:` files, the credential shapes are. Only small text files inside the project
/// directory are read.
fn files(project: &crate::compose::Project, policy: &Policy, known: &mut Known) {
    let inside = |p: &Path| {
        let dir = project.project_dir.canonicalize().ok();
        p.canonicalize()
            .ok()
            .zip(dir)
            .is_some_and(|(p, d)| p.starts_with(d))
    };
    let add_shapes = |known: &mut Known, text: &str, name: &str, span: Span| {
        for f in shapes::find(text) {
            known.add(KnownSecret {
                value: text[f.range].to_string(),
                name: format!("{} in `{name}`", f.shape.describe()),
                service: None,
                origin: Origin::Shape,
                span,
            });
        }
    };
    let services = project
        .canonical
        .get("services")
        .and_then(Node::as_map)
        .unwrap_or(&[]);
    for (_, svc) in services {
        for v in svc.get("volumes").and_then(Node::as_seq).unwrap_or(&[]) {
            if v.get("type").and_then(Node::as_str) != Some("bind") {
                continue;
            }
            let Some(source) = v.get("source").and_then(Node::as_str) else {
                continue;
            };
            for (rel, path, text) in crate::generate::bind_mount_texts(&project.project_dir, source)
            {
                let shown = crate::source::display_path(&path);
                if policy.is_secret_file(&rel, &text) {
                    for piece in policy.file_secret_values(&text) {
                        known.add(KnownSecret {
                            value: piece,
                            name: shown.clone(),
                            service: None,
                            origin: Origin::File,
                            span: v.span,
                        });
                    }
                } else {
                    add_shapes(known, &text, &shown, v.span);
                }
            }
        }
    }
    for (_, def) in project
        .canonical
        .get("configs")
        .and_then(Node::as_map)
        .unwrap_or(&[])
    {
        if let Some(file) = def.get("file").and_then(Node::as_str) {
            let path = project.project_dir.join(file);
            if inside(&path)
                && let Some(text) = secret_file(&path)
            {
                add_shapes(known, &text, &crate::source::display_path(&path), def.span);
            }
        }
    }
}

/// `komply config --redact`: the project as `docker compose config` prints it, with every
/// secret value replaced by `[redacted]` — whole values under a secret-like key (whatever
/// their length), and every known value wherever else it occurs.
pub fn redact_config(v: &mut serde_json::Value, policy: &Policy, known: &Known) {
    const HIDDEN: &str = "[redacted]";
    fn keyed(map: &mut serde_json::Value, policy: &Policy) {
        if let Some(m) = map.as_object_mut() {
            for (k, v) in m.iter_mut() {
                if let Some(s) = v.as_str()
                    && policy.is_secret(k, s)
                {
                    *v = serde_json::Value::String(HIDDEN.into());
                }
            }
        }
    }
    fn rest(v: &mut serde_json::Value, known: &Known) {
        match v {
            serde_json::Value::String(s) => {
                let hits = known.find_in(s, None);
                if !hits.is_empty() {
                    let mut out = String::new();
                    let mut last = 0;
                    for (_, r) in hits {
                        out.push_str(&s[last..r.start]);
                        out.push_str(HIDDEN);
                        last = r.end;
                    }
                    out.push_str(&s[last..]);
                    *s = out;
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|i| rest(i, known)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|i| rest(i, known)),
            _ => {}
        }
    }
    if let Some(services) = v.get_mut("services").and_then(|s| s.as_object_mut()) {
        for svc in services.values_mut() {
            if let Some(e) = svc.get_mut("environment") {
                keyed(e, policy);
            }
            if let Some(a) = svc.pointer_mut("/build/args") {
                keyed(a, policy);
            }
            if let Some(o) = svc.pointer_mut("/logging/options") {
                keyed(o, policy);
            }
        }
    }
    for section in ["volumes", "networks"] {
        if let Some(defs) = v.get_mut(section).and_then(|s| s.as_object_mut()) {
            for def in defs.values_mut() {
                if let Some(o) = def.get_mut("driver_opts") {
                    keyed(o, policy);
                }
            }
        }
    }
    // `config` prints `$` as `$$`: look for the escaped form too.
    let mut escaped = known.clone();
    for e in &known.entries {
        if e.value.contains('$') {
            escaped.add(KnownSecret {
                value: e.value.replace('$', "$$"),
                ..e.clone()
            });
        }
    }
    rest(v, &escaped);
}

/// A secret file's content, when it is a small text file.
fn secret_file(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 64 * 1024 {
        return None;
    }
    crate::fsio::read_text(path).ok()
}

/// The value of a secret (a Compose secret's file, a Kubernetes Secret's value): the whole
/// (trimmed) text, and of a multi-line one its bare lines and the values of its secret lines
/// ([`Policy::file_secret_values`]) — not its structure (`"version": 1`, `[database]`).
fn secret_pieces(text: &str) -> Vec<String> {
    let mut out = Policy::standard().file_secret_values(text);
    let whole = out.remove(0);
    out.retain(|line| hideable(line) == Hide::Yes && !line.starts_with("-----"));
    out.insert(0, whole);
    out
}

/// Registers the secrets of one Kubernetes object given to `komply lint` / `krm`: literal
/// `env[].value`s, ConfigMap data the policy calls secret, and every Secret's values.
pub fn manifest(obj: &Node, policy: &Policy) {
    let kind = obj.get("kind").and_then(Node::as_str).unwrap_or_default();
    let meta = obj.get("metadata");
    for key in ["name", "namespace"] {
        if let Some(v) = meta.and_then(|m| m.get(key)).and_then(Node::as_str) {
            registry().add_public(v);
        }
    }
    if let Some(k) = obj.get("kind").and_then(Node::as_str) {
        registry().add_public(k);
    }
    match kind {
        "Secret" => {
            for section in ["stringData", "data"] {
                for (k, v) in obj.get(section).and_then(Node::as_map).unwrap_or(&[]) {
                    let (Some(name), Some(value)) = (k.scalar_string(), v.scalar_string()) else {
                        continue;
                    };
                    registry().register(&value, &name);
                    if section == "data"
                        && let Some(decoded) = base64_decode(&value)
                    {
                        for piece in secret_pieces(&decoded) {
                            registry().register(&piece, &name);
                        }
                    }
                }
            }
        }
        "ConfigMap" => {
            for (k, v) in obj.get("data").and_then(Node::as_map).unwrap_or(&[]) {
                let (Some(name), Some(value)) = (k.scalar_string(), v.scalar_string()) else {
                    continue;
                };
                register_pair(&name, &value, policy);
            }
        }
        _ => {}
    }
    // Containers anywhere in the object (Pods, templates, CronJob job templates).
    walk_env(obj, policy);
}

fn register_pair(name: &str, value: &str, policy: &Policy) {
    let found = shapes::find(value);
    for f in &found {
        registry().register(&value[f.range.clone()], name);
    }
    if found.is_empty() && policy.is_secret(name, value) {
        for piece in secret_pieces(value) {
            registry().register(&piece, name);
        }
    }
}

fn walk_env(node: &Node, policy: &Policy) {
    match &node.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                if k.scalar_eq("env")
                    && let Some(items) = v.as_seq()
                {
                    for e in items {
                        if let (Some(name), Some(value)) = (
                            e.get("name").and_then(Node::scalar_string),
                            e.get("value").and_then(Node::scalar_string),
                        ) {
                            register_pair(&name, &value, policy);
                        }
                    }
                } else if k.scalar_eq("image")
                    && let Some(img) = v.as_str()
                {
                    let mut public = Vec::new();
                    add_public(&mut public, img);
                    public.iter().for_each(|p| registry().add_public(p));
                } else {
                    walk_env(v, policy);
                }
            }
        }
        NodeKind::Seq(items) => items.iter().for_each(|i| walk_env(i, policy)),
        _ => {}
    }
}

/// Standard base64 (padding optional), to UTF-8 text.
fn base64_decode(s: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.trim().bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(base64_decode("aHVudGVyMg==").as_deref(), Some("hunter2"));
        assert_eq!(base64_decode("aHVudGVyMg").as_deref(), Some("hunter2"));
        assert_eq!(base64_decode("!!"), None);
    }

    #[test]
    fn references() {
        assert_eq!(referenced_vars("a ${B:-x} $C $$D ${E}"), ["B", "C", "E"]);
    }
}
