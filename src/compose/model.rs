//! The typed Compose model that generation reasons about, read from the resolved project in
//! canonical long form (the tree `docker compose config` prints).
//!
//! Podlet-style exhaustiveness: every service key is matched explicitly in [`classify_key`] —
//! either mapped to a typed field, or listed as having no Kubernetes meaning in our mapping (a
//! `compose/unsupported-key` warning at its `file:line:col`). An unknown key is reported too
//! (`compose/unknown-key`), so a new Compose key can never slip through silently.
//! Every [`Service`] keeps its original [`Node`], so any field's span can be found again.

use std::collections::BTreeMap;

use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::yaml::{Node, NodeKind, Span};

/// A resolved Compose project, typed.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    /// Sorted by name: the order of generated objects depends on it.
    pub services: Vec<Service>,
    pub volumes: BTreeMap<String, TopVolume>,
    pub secrets: BTreeMap<String, TopSecret>,
    pub configs: BTreeMap<String, TopConfig>,
    /// The project-level `x-komply` block, raw (validated by the generator).
    pub x_komply: Option<Node>,
    /// Keys that were read but have no Kubernetes meaning, unknown keys, and other notes.
    pub warnings: Vec<Diagnostic>,
    pub node: Node,
}

#[derive(Debug, Clone, Default)]
pub struct TopVolume {
    pub external: bool,
    /// The real name (`<project>_<volume>` unless set, or the external name).
    pub name: Option<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct TopSecret {
    pub external: bool,
    pub name: Option<String>,
    /// Only the *path* or *variable name* is kept, never a value.
    pub file: Option<String>,
    pub environment: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TopConfig {
    pub external: bool,
    pub name: Option<String>,
    pub file: Option<String>,
    pub content: Option<String>,
    pub environment: Option<String>,
    pub span: Option<Span>,
}

/// One environment variable. `value` is `None` when Compose left it unset.
#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Port {
    pub name: Option<String>,
    pub target: u16,
    pub published: Option<String>,
    pub protocol: String,
    pub app_protocol: Option<String>,
    pub host_ip: Option<String>,
    pub mode: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ExposedPort {
    pub port: u16,
    pub protocol: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountKind {
    Volume,
    Bind,
    Tmpfs,
    Other(String),
}

#[derive(Debug, Clone)]
pub struct Mount {
    pub kind: MountKind,
    /// Named volume or host path; `None` for an anonymous volume / tmpfs.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    pub subpath: Option<String>,
    pub tmpfs_size: Option<u64>,
    pub span: Span,
}

/// A `secrets:` or `configs:` entry of a service.
#[derive(Debug, Clone)]
pub struct FileRef {
    pub source: String,
    pub target: Option<String>,
    pub mode: Option<u32>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthTest {
    /// `["CMD", args…]`
    Exec(Vec<String>),
    /// `["CMD-SHELL", cmd]` or a plain string.
    Shell(String),
    /// `["NONE"]`
    None,
}

#[derive(Debug, Clone, Default)]
pub struct Healthcheck {
    pub test: Option<HealthTest>,
    pub disable: bool,
    pub interval: Option<u64>,
    pub timeout: Option<u64>,
    pub retries: Option<u64>,
    pub start_period: Option<u64>,
    pub start_interval: Option<u64>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Default)]
pub struct ResourceSpec {
    pub cpus: Option<f64>,
    pub memory: Option<u64>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateConfig {
    pub parallelism: Option<u64>,
    pub order: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub node: Node,
    pub image: Option<String>,
    pub entrypoint: Option<Vec<String>>,
    pub command: Option<Vec<String>>,
    /// Sorted by name (canonical form already is).
    pub environment: Vec<EnvVar>,
    pub ports: Vec<Port>,
    pub expose: Vec<ExposedPort>,
    pub volumes: Vec<Mount>,
    pub secrets: Vec<FileRef>,
    pub configs: Vec<FileRef>,
    pub healthcheck: Option<Healthcheck>,
    pub restart: Option<String>,
    pub replicas: Option<u64>,
    pub deploy_mode: Option<String>,
    pub restart_condition: Option<String>,
    pub update_config: Option<UpdateConfig>,
    pub limits: ResourceSpec,
    pub reservations: ResourceSpec,
    pub user: Option<String>,
    pub read_only: bool,
    pub privileged: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub group_add: Vec<String>,
    pub stop_grace_period: Option<u64>,
    pub working_dir: Option<String>,
    pub tty: bool,
    pub stdin_open: bool,
    pub hostname: Option<String>,
    pub domainname: Option<String>,
    pub network_mode: Option<String>,
    pub pid: Option<String>,
    pub ipc: Option<String>,
    pub extra_hosts: Vec<(String, String)>,
    pub sysctls: Vec<(String, String)>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub pull_policy: Option<String>,
    /// The `x-komply` block, raw (validated by the generator against its JSON Schema).
    pub x_komply: Option<Node>,
}

impl Service {
    /// The span of a (nested) key's value, or of the service itself.
    pub fn span(&self, path: &[&str]) -> Span {
        self.node.at(path).map(|n| n.span).unwrap_or(self.node.span)
    }
    /// The span of a (nested) key itself.
    pub fn key_span(&self, key: &str) -> Span {
        self.node
            .entry(key)
            .map(|(k, _)| k.span)
            .unwrap_or(self.node.span)
    }
}

/// What the mapping does with a service key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// Read into a typed field.
    Mapped,
    /// Handled already by the loader (resolved away) or purely local build/dev information;
    /// silently ignored because it cannot change the cluster result.
    Resolved,
    /// A valid Compose key with no Kubernetes meaning in our mapping: warned about.
    Unsupported(&'static str),
    /// An `x-*` extension other than `x-komply`: the user's own, ignored.
    Extension,
    /// Not a Compose key.
    Unknown,
}

/// The exhaustive list of service keys (compose-spec `definitions.service.properties`).
pub fn classify_key(key: &str) -> KeyUse {
    use KeyUse::*;
    match key {
        "annotations" | "cap_add" | "cap_drop" | "command" | "configs" | "cpus" | "deploy"
        | "domainname" | "entrypoint" | "environment" | "expose" | "extra_hosts" | "group_add"
        | "healthcheck" | "hostname" | "image" | "ipc" | "labels" | "mem_limit"
        | "mem_reservation" | "network_mode" | "networks" | "pid" | "ports" | "privileged"
        | "pull_policy" | "read_only" | "restart" | "scale" | "secrets" | "stdin_open"
        | "stop_grace_period" | "sysctls" | "tmpfs" | "tty" | "user" | "volumes"
        | "working_dir" | "x-komply" => Mapped,
        // Read from the service's node by the generator: wait init containers
        // (generate/start_order.rs), alias Services and reachability (generate/reach.rs).
        "depends_on" | "links" => Mapped,
        // Resolved by the loader before we see the project, or build-time only.
        "build" | "develop" | "env_file" | "extends" | "label_file" | "profiles" | "platform"
        | "container_name" | "pull_refresh_after" | "attach" => Resolved,
        "external_links" => Unsupported(
            "containers outside the project are not in the cluster; point the service at their address instead",
        ),
        "logging" => Unsupported("logging is configured by the cluster, not per pod"),
        "ulimits" => Unsupported("Kubernetes has no per-pod ulimits"),
        "devices" | "device_cgroup_rules" | "gpus" => {
            Unsupported("devices need a device plugin and resource requests in Kubernetes")
        }
        "dns" | "dns_opt" | "dns_search" => {
            Unsupported("use the pod's dnsConfig through an overlay patch")
        }
        "security_opt" => {
            Unsupported("the generated securityContext already sets seccomp RuntimeDefault")
        }
        "init" => Unsupported("Kubernetes has no init process option; use an image with tini"),
        "shm_size" => Unsupported("mount an emptyDir with medium Memory at /dev/shm instead"),
        "stop_signal" => Unsupported("the stop signal comes from the image's STOPSIGNAL"),
        "volumes_from" => Unsupported("share a named volume instead"),
        "blkio_config" | "cgroup" | "cgroup_parent" | "cpu_count" | "cpu_percent"
        | "cpu_period" | "cpu_quota" | "cpu_rt_period" | "cpu_rt_runtime" | "cpu_shares"
        | "cpuset" | "credential_spec" | "isolation" | "mac_address" | "mem_swappiness"
        | "memswap_limit" | "oom_kill_disable" | "oom_score_adj" | "pids_limit" | "runtime"
        | "storage_opt" | "userns_mode" | "uts" => {
            Unsupported("a Docker engine setting with no pod-level equivalent")
        }
        "post_start" | "pre_stop" => {
            Unsupported("Compose lifecycle hooks run in a different context than Kubernetes hooks")
        }
        "pre_start" => Unsupported(
            "a pre_start hook is an init container in Kubernetes: add one through an overlay patch",
        ),
        "models" | "provider" | "use_api_socket" => {
            Unsupported("a Docker Desktop feature with no Kubernetes equivalent")
        }
        k if k.starts_with("x-") => Extension,
        _ => Unknown,
    }
}

/// Collects errors and warnings while reading the tree.
struct Reader {
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Reader {
    fn err(&mut self, node: &Node, msg: impl Into<String>) {
        self.errors.push(
            Diagnostic::error(msg)
                .at(node.span)
                .code(Code::ComposeInvalid),
        );
    }
    fn warn(&mut self, span: Span, code: Code, msg: impl Into<String>, help: Option<&str>) {
        let mut d = Diagnostic::warning(msg).at(span).code(code);
        if let Some(h) = help {
            d = d.help(h);
        }
        self.warnings.push(d);
    }
    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.kind {
            NodeKind::Null => None,
            NodeKind::Seq(_) | NodeKind::Map(_) => {
                self.err(
                    node,
                    format!("`{what}` must be a scalar, found {}", node.type_name()),
                );
                None
            }
            _ => node.scalar_string(),
        }
    }
    fn bool(&mut self, node: &Node, what: &str) -> bool {
        match &node.kind {
            NodeKind::Bool(b) => *b,
            NodeKind::Null => false,
            NodeKind::Str(s) if s == "true" => true,
            NodeKind::Str(s) if s == "false" => false,
            _ => {
                self.err(node, format!("`{what}` must be true or false"));
                false
            }
        }
    }
    fn uint(&mut self, node: &Node, what: &str) -> Option<u64> {
        match node
            .scalar_string()
            .and_then(|s| s.trim().parse::<u64>().ok())
        {
            Some(n) => Some(n),
            None if node.is_null() => None,
            None => {
                self.err(node, format!("`{what}` must be a non-negative integer"));
                None
            }
        }
    }
    fn strings(&mut self, node: &Node, what: &str) -> Vec<String> {
        match &node.kind {
            NodeKind::Null => Vec::new(),
            NodeKind::Seq(items) => items.iter().filter_map(|n| self.string(n, what)).collect(),
            NodeKind::Str(s) => vec![s.clone()],
            _ => {
                self.err(node, format!("`{what}` must be a list of strings"));
                Vec::new()
            }
        }
    }
    fn duration(&mut self, node: &Node, what: &str) -> Option<u64> {
        let s = self.string(node, what)?;
        match parse_duration_secs(&s) {
            Some(d) => Some(d),
            None => {
                self.err(
                    node,
                    format!("`{what}`: `{s}` is not a duration like 30s or 1m30s"),
                );
                None
            }
        }
    }
    /// A string map; list form `["K=V"]` accepted too.
    fn string_map(&mut self, node: &Node, what: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        match &node.kind {
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    let Some(k) = k.scalar_string() else { continue };
                    let v = v.scalar_string().unwrap_or_default();
                    out.insert(k, v);
                }
            }
            NodeKind::Seq(items) => {
                for item in items {
                    if let Some(s) = item.scalar_string() {
                        let (k, v) = s.split_once('=').unwrap_or((s.as_str(), ""));
                        out.insert(k.to_string(), v.to_string());
                    }
                }
            }
            NodeKind::Null => {}
            _ => self.err(node, format!("`{what}` must be a map")),
        }
        out
    }
}

/// A Go duration (`1m30s`, `500ms`, `1.5s`, `2h`; a bare number is seconds) in whole seconds,
/// rounding up. Parsed by [`super::units::parse_duration`], the loader's one duration parser.
pub fn parse_duration_secs(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let nanos = u64::try_from(super::units::parse_duration(s).ok()?.as_nanos()).ok()?;
    Some(nanos.div_ceil(1_000_000_000))
}

/// A byte size as Docker reads it (`512m`, `1g`, `1073741824`; binary units). Parsed by
/// [`super::units::parse_byte_size`], the loader's one byte-size parser.
pub fn parse_bytes(s: &str) -> Option<u64> {
    u64::try_from(super::units::parse_byte_size(s.trim()).ok()?).ok()
}

impl Model {
    /// Reads a resolved project (canonical long form) into the typed model.
    /// Bad shapes are errors with `file:line:col`; unsupported or unknown keys are warnings.
    pub fn from_canonical(root: &Node) -> Result<Model> {
        let mut r = Reader {
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        if !root.is_map() {
            return Err(Failure::one(
                Diagnostic::error("a Compose project must be a map")
                    .at(root.span)
                    .code(Code::ComposeInvalid),
            ));
        }
        let name = root
            .get("name")
            .and_then(|n| n.scalar_string())
            .unwrap_or_else(|| "project".to_string());
        let mut services = Vec::new();
        if let Some(svcs) = root.get("services") {
            match svcs.as_map() {
                Some(entries) => {
                    for (k, v) in entries {
                        let Some(sname) = k.scalar_string() else {
                            r.err(k, "a service name must be a string");
                            continue;
                        };
                        if let Some(s) = read_service(&mut r, &sname, v) {
                            services.push(s);
                        }
                    }
                }
                None if svcs.is_null() => {}
                None => r.err(svcs, "`services` must be a map"),
            }
        }
        services.sort_by(|a, b| a.name.cmp(&b.name));

        let mut volumes = BTreeMap::new();
        for (k, v) in root.get("volumes").and_then(|n| n.as_map()).unwrap_or(&[]) {
            let Some(vname) = k.scalar_string() else {
                continue;
            };
            let external = v.get("external").is_some_and(|e| r.bool(e, "external"));
            let labels = v
                .get("labels")
                .map(|l| r.string_map(l, "labels"))
                .unwrap_or_default();
            volumes.insert(
                vname,
                TopVolume {
                    external,
                    name: v.get("name").and_then(|n| n.scalar_string()),
                    labels,
                },
            );
        }
        let mut secrets = BTreeMap::new();
        for (k, v) in root.get("secrets").and_then(|n| n.as_map()).unwrap_or(&[]) {
            let Some(sname) = k.scalar_string() else {
                continue;
            };
            let external = v.get("external").is_some_and(|e| r.bool(e, "external"));
            secrets.insert(
                sname,
                TopSecret {
                    external,
                    name: v.get("name").and_then(|n| n.scalar_string()),
                    file: v.get("file").and_then(|n| n.scalar_string()),
                    environment: v.get("environment").and_then(|n| n.scalar_string()),
                },
            );
        }
        let mut configs = BTreeMap::new();
        for (k, v) in root.get("configs").and_then(|n| n.as_map()).unwrap_or(&[]) {
            let Some(cname) = k.scalar_string() else {
                continue;
            };
            let external = v.get("external").is_some_and(|e| r.bool(e, "external"));
            configs.insert(
                cname,
                TopConfig {
                    external,
                    name: v.get("name").and_then(|n| n.scalar_string()),
                    file: v.get("file").and_then(|n| n.scalar_string()),
                    content: v.get("content").and_then(|n| n.scalar_string()),
                    environment: v.get("environment").and_then(|n| n.scalar_string()),
                    span: Some(v.span),
                },
            );
        }
        if !r.errors.is_empty() {
            return Err(Failure(r.errors));
        }
        Ok(Model {
            name,
            services,
            volumes,
            secrets,
            configs,
            x_komply: root.get("x-komply").cloned(),
            warnings: r.warnings,
            node: root.clone(),
        })
    }
}

/// Top-level shorthands that fill what `deploy` leaves open, read before they are applied.
#[derive(Default)]
struct Shorthands {
    scale: Option<u64>,
    mem_limit: Option<u64>,
    mem_reservation: Option<u64>,
    cpus: Option<f64>,
}

fn read_service(r: &mut Reader, name: &str, node: &Node) -> Option<Service> {
    let Some(entries) = node.as_map() else {
        r.err(node, format!("service `{name}` must be a map"));
        return None;
    };
    let mut s = empty_service(name, node);
    let mut short = Shorthands::default();
    for (k, v) in entries {
        let Some(key) = k.scalar_string() else {
            continue;
        };
        if is_mapped(r, name, k, &key, v) {
            read_key(r, name, k, &key, v, &mut s, &mut short);
        }
    }
    if s.replicas.is_none() {
        s.replicas = short.scale;
    }
    // Top-level shorthands fill what `deploy.resources` left open.
    s.limits.memory = s.limits.memory.or(short.mem_limit);
    s.limits.cpus = s.limits.cpus.or(short.cpus);
    s.reservations.memory = s.reservations.memory.or(short.mem_reservation);
    Some(s)
}

/// A service with nothing read yet.
fn empty_service(name: &str, node: &Node) -> Service {
    Service {
        name: name.to_string(),
        node: node.clone(),
        image: None,
        entrypoint: None,
        command: None,
        environment: Vec::new(),
        ports: Vec::new(),
        expose: Vec::new(),
        volumes: Vec::new(),
        secrets: Vec::new(),
        configs: Vec::new(),
        healthcheck: None,
        restart: None,
        replicas: None,
        deploy_mode: None,
        restart_condition: None,
        update_config: None,
        limits: ResourceSpec::default(),
        reservations: ResourceSpec::default(),
        user: None,
        read_only: false,
        privileged: false,
        cap_add: Vec::new(),
        cap_drop: Vec::new(),
        group_add: Vec::new(),
        stop_grace_period: None,
        working_dir: None,
        tty: false,
        stdin_open: false,
        hostname: None,
        domainname: None,
        network_mode: None,
        pid: None,
        ipc: None,
        extra_hosts: Vec::new(),
        sysctls: Vec::new(),
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
        pull_policy: None,
        x_komply: None,
    }
}

/// Whether the model reads `key`; an unsupported (set) or unknown key is reported where it is.
fn is_mapped(r: &mut Reader, name: &str, k: &Node, key: &str, v: &Node) -> bool {
    match classify_key(key) {
        KeyUse::Mapped => true,
        KeyUse::Resolved | KeyUse::Extension => false,
        KeyUse::Unsupported(why) => {
            if !v.is_null() {
                r.warn(
                    k.span,
                    Code::ComposeUnsupportedKey,
                    format!("service `{name}`: `{key}` has no Kubernetes meaning in komply's mapping and is ignored"),
                    Some(why),
                );
            }
            false
        }
        KeyUse::Unknown => {
            r.warn(
                k.span,
                Code::ComposeUnknownKey,
                format!("service `{name}`: unknown key `{key}` is ignored"),
                Some("check the spelling; extensions must start with `x-`"),
            );
            false
        }
    }
}

/// One mapped service key into the typed service (or, for the shorthands, into `short`).
fn read_key(
    r: &mut Reader,
    name: &str,
    k: &Node,
    key: &str,
    v: &Node,
    s: &mut Service,
    short: &mut Shorthands,
) {
    match key {
        "image" => s.image = r.string(v, "image"),
        "entrypoint" => s.entrypoint = (!v.is_null()).then(|| r.strings(v, "entrypoint")),
        "command" => s.command = (!v.is_null()).then(|| r.strings(v, "command")),
        "environment" => s.environment = read_environment(r, v),
        "ports" => s.ports = read_ports(r, v),
        "expose" => s.expose = read_expose(r, v),
        "volumes" => s.volumes.extend(read_volumes(r, v)),
        "tmpfs" => s.volumes.extend(read_tmpfs(r, v)),
        "secrets" => s.secrets = read_file_refs(r, v, "secrets"),
        "configs" => s.configs = read_file_refs(r, v, "configs"),
        "healthcheck" => s.healthcheck = read_healthcheck(r, v),
        "restart" => s.restart = r.string(v, "restart"),
        "scale" => short.scale = r.uint(v, "scale"),
        "deploy" => read_deploy(r, name, v, s),
        "user" => s.user = r.string(v, "user"),
        "read_only" => s.read_only = r.bool(v, "read_only"),
        "privileged" => s.privileged = r.bool(v, "privileged"),
        "cap_add" => s.cap_add = r.strings(v, "cap_add"),
        "cap_drop" => s.cap_drop = r.strings(v, "cap_drop"),
        "group_add" => s.group_add = r.strings(v, "group_add"),
        "stop_grace_period" => s.stop_grace_period = r.duration(v, "stop_grace_period"),
        "working_dir" => s.working_dir = r.string(v, "working_dir"),
        "tty" => s.tty = r.bool(v, "tty"),
        "stdin_open" => s.stdin_open = r.bool(v, "stdin_open"),
        "hostname" => s.hostname = r.string(v, "hostname"),
        "domainname" => s.domainname = r.string(v, "domainname"),
        "network_mode" => s.network_mode = r.string(v, "network_mode"),
        "networks" => warn_custom_networks(r, name, k, v),
        "pid" => s.pid = r.string(v, "pid"),
        "ipc" => s.ipc = r.string(v, "ipc"),
        "extra_hosts" => s.extra_hosts.extend(read_extra_hosts(r, v)),
        "sysctls" => s.sysctls = r.string_map(v, "sysctls").into_iter().collect(),
        "labels" => s.labels = r.string_map(v, "labels"),
        "annotations" => s.annotations = r.string_map(v, "annotations"),
        "pull_policy" => s.pull_policy = r.string(v, "pull_policy"),
        "mem_limit" => {
            short.mem_limit = r.string(v, "mem_limit").and_then(|m| parse_bytes(&m));
        }
        "mem_reservation" => {
            short.mem_reservation = r.string(v, "mem_reservation").and_then(|m| parse_bytes(&m));
        }
        "cpus" => short.cpus = r.string(v, "cpus").and_then(|c| c.parse::<f64>().ok()),
        "x-komply" => s.x_komply = Some(v.clone()),
        // Kept in `node`, read where they are used (see classify_key).
        "depends_on" | "links" => {}
        _ => {
            // classify_key said Mapped but no arm reads it: a programming error surfaced
            // as a warning rather than silence.
            r.warn(
                k.span,
                Code::ComposeUnsupportedKey,
                format!("service `{name}`: `{key}` is not mapped yet"),
                None,
            );
        }
    }
}

/// `tmpfs` paths as tmpfs mounts (the options after `:` are not read).
fn read_tmpfs(r: &mut Reader, v: &Node) -> Vec<Mount> {
    let mut out = Vec::new();
    for (i, path) in r.strings(v, "tmpfs").into_iter().enumerate() {
        let span = v.as_seq().and_then(|a| a.get(i)).map_or(v.span, |n| n.span);
        let target = path.split(':').next().unwrap_or("").to_string();
        out.push(Mount {
            kind: MountKind::Tmpfs,
            source: None,
            target,
            read_only: false,
            subpath: None,
            tmpfs_size: None,
            span,
        });
    }
    out
}

/// Every Service is reachable cluster-wide; only non-default networks mean something the
/// cluster cannot express without NetworkPolicies: those are reported.
fn warn_custom_networks(r: &mut Reader, name: &str, k: &Node, v: &Node) {
    let custom: Vec<String> = v
        .as_map()
        .unwrap_or(&[])
        .iter()
        .filter_map(|(n, _)| n.scalar_string())
        .filter(|n| n != "default")
        .collect();
    if !custom.is_empty() {
        r.warn(
            k.span,
            Code::ComposeUnsupportedKey,
            format!(
                "service `{name}`: networks ({}) are flattened; every pod can reach every Service",
                custom.join(", ")
            ),
            Some("isolate traffic with NetworkPolicies (overlay patch)"),
        );
    }
}

/// `extra_hosts` as (host, ip) pairs.
fn read_extra_hosts(r: &mut Reader, v: &Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (host, ip) in r.string_map(v, "extra_hosts") {
        let (host, ip) = if ip.is_empty() {
            // list form "host:ip" already split on '=' failed: split on ':'
            match host.split_once(':') {
                Some((h, i)) => (h.to_string(), i.to_string()),
                None => (host, ip),
            }
        } else {
            (host, ip)
        };
        out.push((host, ip));
    }
    out
}

fn read_environment(r: &mut Reader, v: &Node) -> Vec<EnvVar> {
    let mut out = Vec::new();
    match &v.kind {
        NodeKind::Map(entries) => {
            for (k, val) in entries {
                let Some(name) = k.scalar_string() else {
                    continue;
                };
                out.push(EnvVar {
                    name,
                    value: if val.is_null() {
                        None
                    } else {
                        val.scalar_string()
                    },
                    span: k.span,
                });
            }
        }
        NodeKind::Seq(items) => {
            for item in items {
                let Some(s) = item.scalar_string() else {
                    continue;
                };
                let (name, value) = match s.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (s.clone(), None),
                };
                out.push(EnvVar {
                    name,
                    value,
                    span: item.span,
                });
            }
        }
        NodeKind::Null => {}
        _ => r.err(v, "`environment` must be a map"),
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn port_number(r: &mut Reader, n: &Node, what: &str) -> Option<u16> {
    match n.scalar_string().and_then(|s| s.parse::<u16>().ok()) {
        Some(p) => Some(p),
        None => {
            r.err(n, format!("`{what}` must be a port number (0–65535)"));
            None
        }
    }
}

fn read_ports(r: &mut Reader, v: &Node) -> Vec<Port> {
    let mut out = Vec::new();
    for item in v.as_seq().unwrap_or(&[]) {
        if !item.is_map() {
            r.err(
                item,
                "a port must be in long form (run the project through the loader)",
            );
            continue;
        }
        let Some(target) = item.get("target").and_then(|t| port_number(r, t, "target")) else {
            if item.get("target").is_none() {
                r.err(item, "port without `target`");
            }
            continue;
        };
        out.push(Port {
            name: item.get("name").and_then(|n| n.scalar_string()),
            target,
            published: item.get("published").and_then(|n| n.scalar_string()),
            protocol: item
                .get("protocol")
                .and_then(|n| n.scalar_string())
                .unwrap_or_else(|| "tcp".into())
                .to_ascii_lowercase(),
            app_protocol: item.get("app_protocol").and_then(|n| n.scalar_string()),
            host_ip: item.get("host_ip").and_then(|n| n.scalar_string()),
            mode: item.get("mode").and_then(|n| n.scalar_string()),
            span: item.span,
        });
    }
    out
}

fn read_expose(r: &mut Reader, v: &Node) -> Vec<ExposedPort> {
    let mut out = Vec::new();
    for item in v.as_seq().unwrap_or(&[]) {
        let Some(s) = item.scalar_string() else {
            continue;
        };
        let (range, protocol) = match s.split_once('/') {
            Some((p, proto)) => (p.to_string(), proto.to_ascii_lowercase()),
            None => (s.clone(), "tcp".to_string()),
        };
        let (lo, hi) = match range.split_once('-') {
            Some((a, b)) => (a.parse::<u16>().ok(), b.parse::<u16>().ok()),
            None => (range.parse::<u16>().ok(), range.parse::<u16>().ok()),
        };
        match (lo, hi) {
            (Some(lo), Some(hi)) if lo <= hi && hi - lo < 100 => {
                for port in lo..=hi {
                    out.push(ExposedPort {
                        port,
                        protocol: protocol.clone(),
                        span: item.span,
                    });
                }
            }
            _ => r.err(
                item,
                format!("`expose`: `{s}` is not a port or a short port range"),
            ),
        }
    }
    out
}

fn read_volumes(r: &mut Reader, v: &Node) -> Vec<Mount> {
    let mut out = Vec::new();
    for item in v.as_seq().unwrap_or(&[]) {
        if !item.is_map() {
            r.err(
                item,
                "a volume must be in long form (run the project through the loader)",
            );
            continue;
        }
        let kind = match item.get("type").and_then(|t| t.scalar_string()).as_deref() {
            Some("volume") | None => MountKind::Volume,
            Some("bind") => MountKind::Bind,
            Some("tmpfs") => MountKind::Tmpfs,
            Some(other) => MountKind::Other(other.to_string()),
        };
        let Some(target) = item.get("target").and_then(|t| t.scalar_string()) else {
            r.err(item, "volume without `target`");
            continue;
        };
        out.push(Mount {
            kind,
            source: item
                .get("source")
                .and_then(|s| s.scalar_string())
                .filter(|s| !s.is_empty()),
            target,
            read_only: item
                .get("read_only")
                .is_some_and(|b| r.bool(b, "read_only")),
            subpath: item
                .at(&["volume", "subpath"])
                .and_then(|s| s.scalar_string()),
            tmpfs_size: item
                .at(&["tmpfs", "size"])
                .and_then(|s| s.scalar_string())
                .and_then(|s| parse_bytes(&s)),
            span: item.span,
        });
    }
    out
}

fn read_file_refs(r: &mut Reader, v: &Node, what: &str) -> Vec<FileRef> {
    let mut out = Vec::new();
    for item in v.as_seq().unwrap_or(&[]) {
        let (source, target, mode) = if item.is_map() {
            let mode = item
                .get("mode")
                .and_then(|m| m.scalar_string())
                .and_then(|m| {
                    // Canonical form prints the mode as an octal string ("0440").
                    u32::from_str_radix(m.trim_start_matches("0o"), 8).ok()
                });
            (
                item.get("source").and_then(|s| s.scalar_string()),
                item.get("target").and_then(|s| s.scalar_string()),
                mode,
            )
        } else {
            (item.scalar_string(), None, None)
        };
        match source {
            Some(source) => out.push(FileRef {
                source,
                target,
                mode,
                span: item.span,
            }),
            None => r.err(item, format!("`{what}` entry without `source`")),
        }
    }
    out
}

fn read_healthcheck(r: &mut Reader, v: &Node) -> Option<Healthcheck> {
    if v.is_null() {
        return None;
    }
    let mut h = Healthcheck {
        span: Some(v.span),
        ..Default::default()
    };
    for (k, val) in v.as_map().unwrap_or(&[]) {
        let Some(key) = k.scalar_string() else {
            continue;
        };
        match key.as_str() {
            "test" => {
                h.test = match &val.kind {
                    NodeKind::Str(s) => Some(HealthTest::Shell(s.clone())),
                    NodeKind::Seq(_) => {
                        let parts = r.strings(val, "healthcheck.test");
                        match parts.split_first() {
                            Some((first, rest)) if first == "CMD" => {
                                Some(HealthTest::Exec(rest.to_vec()))
                            }
                            Some((first, rest)) if first == "CMD-SHELL" => {
                                Some(HealthTest::Shell(rest.join(" ")))
                            }
                            Some((first, _)) if first == "NONE" => Some(HealthTest::None),
                            Some(_) => {
                                r.err(
                                    val,
                                    "`healthcheck.test` must start with CMD, CMD-SHELL or NONE",
                                );
                                None
                            }
                            None => None,
                        }
                    }
                    _ => None,
                }
            }
            "disable" => h.disable = r.bool(val, "healthcheck.disable"),
            "interval" => h.interval = r.duration(val, "healthcheck.interval"),
            "timeout" => h.timeout = r.duration(val, "healthcheck.timeout"),
            "retries" => h.retries = r.uint(val, "healthcheck.retries"),
            "start_period" => h.start_period = r.duration(val, "healthcheck.start_period"),
            "start_interval" => h.start_interval = r.duration(val, "healthcheck.start_interval"),
            other => r.warn(
                k.span,
                Code::ComposeUnknownKey,
                format!("unknown healthcheck key `{other}` is ignored"),
                None,
            ),
        }
    }
    Some(h)
}

fn read_resources(r: &mut Reader, v: &Node, into: &mut ResourceSpec) {
    for (k, val) in v.as_map().unwrap_or(&[]) {
        let Some(key) = k.scalar_string() else {
            continue;
        };
        match key.as_str() {
            "cpus" => {
                into.cpus = val
                    .scalar_string()
                    .and_then(|c| c.trim().parse::<f64>().ok());
                if into.cpus.is_none() {
                    r.err(val, "`cpus` must be a number like 0.5");
                }
            }
            "memory" => {
                into.memory = val.scalar_string().and_then(|m| parse_bytes(&m));
                if into.memory.is_none() {
                    r.err(val, "`memory` must be a byte quantity like 512M");
                }
            }
            "pids" | "devices" | "generic_resources" => r.warn(
                k.span,
                Code::ComposeUnsupportedKey,
                format!("`resources.{key}` has no Kubernetes meaning in komply's mapping"),
                None,
            ),
            other => r.warn(
                k.span,
                Code::ComposeUnknownKey,
                format!("unknown resources key `{other}` is ignored"),
                None,
            ),
        }
    }
}

fn read_deploy(r: &mut Reader, name: &str, v: &Node, s: &mut Service) {
    for (k, val) in v.as_map().unwrap_or(&[]) {
        let Some(key) = k.scalar_string() else {
            continue;
        };
        match key.as_str() {
            "replicas" => s.replicas = r.uint(val, "deploy.replicas"),
            "mode" => s.deploy_mode = r.string(val, "deploy.mode"),
            "resources" => {
                if let Some(l) = val.get("limits") {
                    read_resources(r, l, &mut s.limits);
                }
                if let Some(res) = val.get("reservations") {
                    read_resources(r, res, &mut s.reservations);
                }
            }
            "update_config" => {
                s.update_config = Some(UpdateConfig {
                    parallelism: val
                        .get("parallelism")
                        .and_then(|p| r.uint(p, "parallelism")),
                    order: val.get("order").and_then(|o| o.scalar_string()),
                })
            }
            "restart_policy" => {
                s.restart_condition = val.get("condition").and_then(|c| c.scalar_string())
            }
            "labels" => {
                // Workload metadata in Swarm; we merge them into the service labels so
                // kompose.* keys placed here are understood too.
                for (lk, lv) in r.string_map(val, "deploy.labels") {
                    s.labels.entry(lk).or_insert(lv);
                }
            }
            "placement" => {
                let empty = val.as_map().is_none_or(|m| m.is_empty());
                if !empty {
                    r.warn(
                        k.span,
                        Code::ComposeUnsupportedKey,
                        format!("service `{name}`: `deploy.placement` is ignored"),
                        Some("use nodeSelector / affinity through an overlay patch"),
                    );
                }
            }
            "rollback_config" | "endpoint_mode" => r.warn(
                k.span,
                Code::ComposeUnsupportedKey,
                format!(
                    "service `{name}`: `deploy.{key}` has no Kubernetes meaning in komply's mapping"
                ),
                None,
            ),
            other => r.warn(
                k.span,
                Code::ComposeUnknownKey,
                format!("service `{name}`: unknown deploy key `{other}` is ignored"),
                None,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_documents};

    fn model(text: &str) -> Result<Model> {
        let id = crate::source::sources().add_named("model-test.yaml", text);
        let docs = parse_documents(id, text, &Limits::default()).expect("parse");
        Model::from_canonical(&docs[0])
    }

    #[test]
    fn unknown_key_is_reported_with_location() {
        let m = model("name: p\nservices:\n  web:\n    image: nginx:1\n    frobnicate: 3\n")
            .expect("model");
        let w = &m.warnings;
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].code, Some(Code::ComposeUnknownKey));
        let loc = w[0].location().expect("located");
        assert!(loc.ends_with("model-test.yaml:5:5"), "{loc}");
    }

    #[test]
    fn unsupported_key_is_a_warning_mapped_key_is_not() {
        let m = model(
            "name: p\nservices:\n  web:\n    image: nginx:1\n    ulimits: {nofile: 10}\n    read_only: true\n",
        )
        .expect("model");
        assert_eq!(m.warnings.len(), 1);
        assert_eq!(m.warnings[0].code, Some(Code::ComposeUnsupportedKey));
        assert!(m.services[0].read_only);
    }

    #[test]
    fn every_spec_key_is_classified() {
        // The service keys of the schema the validator embeds (compose-go's, which knows more
        // than the published compose-spec: `pre_start`, `models`, …): none may be Unknown.
        let spec: serde_json::Value =
            serde_json::from_str(include_str!("../../schemas/compose-spec.compose-go.json"))
                .expect("spec");
        let props = spec["$defs"]["service"]["properties"]
            .as_object()
            .expect("props");
        assert!(props.contains_key("pre_start"), "not compose-go's schema");
        for key in props.keys() {
            assert_ne!(
                classify_key(key),
                KeyUse::Unknown,
                "{key} is not classified"
            );
        }
    }

    #[test]
    fn durations_and_bytes() {
        assert_eq!(parse_duration_secs("1m30s"), Some(90));
        assert_eq!(parse_duration_secs("500ms"), Some(1));
        assert_eq!(parse_duration_secs("2h"), Some(7200));
        assert_eq!(parse_duration_secs("bogus"), None);
        assert_eq!(parse_bytes("512M"), Some(512 << 20));
        assert_eq!(parse_bytes("1073741824"), Some(1 << 30));
        assert_eq!(parse_bytes("1.5g"), Some(3 << 29));
    }

    #[test]
    fn bad_shape_is_a_located_error() {
        let e = model(
            "name: p\nservices:\n  web:\n    image: nginx:1\n    ports: [{published: \"80\"}]\n",
        )
        .expect_err("must fail");
        assert!(
            e.0[0].to_string().contains("model-test.yaml:5:"),
            "{}",
            e.0[0]
        );
    }
}
