//! Who reaches whom, by which name and port — so every name a service is called by resolves in
//! the cluster.
//!
//! A service is *reached* when another one names it in a host position: a URL
//! (`postgres://db:5432/app`), `name:port`, a `--host` flag or `DB_HOST=db`-style key, a whole
//! environment value (`REDIS_HOST: cache`), or by `depends_on` / `links`. Texts read: the other
//! services' environment, command, entrypoint, `configs:` and bind-mounted config files.
//!
//! - A long-running service with no `ports` / `expose` gets a Service anyway when it is a known
//!   server image (its default ports) or is reached with a port (`db:5432`); one that is reached
//!   with no port known gets a headless Service, so its name resolves to its ready pods.
//! - A port clients use that is a container port but not a Service port (Compose services talk
//!   to container ports; the Service listens on the published one) is added to the Service.
//! - Network aliases, `links` aliases, and a `container_name` / `hostname` other services use,
//!   get alias Services with the same selector, when they are valid DNS-1035 labels.
//! - A name that is not a DNS-1035 label (`db_postgres`) cannot be a Service name: the Service
//!   is `db-postgres`, and the references in host positions are rewritten in the generated
//!   environment, arguments and ConfigMaps (a located warning each); what cannot be rewritten
//!   (secret values, other positions) is reported.

use std::collections::{BTreeMap, BTreeSet};

use super::image_profile;
use super::mounts::Plan;
use super::naming::dns_label;
use crate::compose::model::{Model, Service};
use crate::diag::{Code, Diagnostic};
use crate::yaml::Span;

/// How dependents wait for a service (read by `start_order.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// A TCP connection to `host:port` succeeds (a ready pod behind the Service).
    Tcp(String, u16),
    /// `host` resolves (a headless Service has records only for ready pods).
    Dns(String),
    /// A Job / CronJob: nothing to connect to.
    Batch,
}

/// What the analysis decided for one service.
#[derive(Debug, Clone, Default)]
pub(crate) struct Target {
    /// Ports of a Service for a service that declares none (container port = Service port).
    pub implied_ports: Vec<u16>,
    /// Reached, but no port known: a headless Service without ports.
    pub headless: bool,
    /// Container ports clients use that no Service port matches.
    pub extra_ports: Vec<u16>,
    /// Alias Service names (valid DNS labels, not taken).
    pub aliases: Vec<String>,
    pub warnings: Vec<Diagnostic>,
}

/// The project-wide analysis.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reach {
    targets: BTreeMap<String, Target>,
    endpoints: BTreeMap<String, Endpoint>,
    /// Host names that are not DNS labels (lowercased) → the Service name to use instead.
    renames: BTreeMap<String, String>,
}

const HOST_MARKERS: &[&str] = &[
    "HOST", "ADDR", "SERVER", "URL", "URI", "DSN", "ENDPOINT", "BROKER",
];

/// Whether a variable / option name says its value is a host.
pub(crate) fn hostish(key: &str) -> bool {
    let up = key.to_ascii_uppercase();
    HOST_MARKERS.iter().any(|m| up.contains(m))
}

/// A host-name-like word of a text.
#[derive(Debug, Clone, PartialEq)]
struct Occ {
    start: usize,
    end: usize,
    port: Option<u16>,
    /// In a position that names a host (URL authority, `name:port`, a host option).
    host: bool,
}

fn token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
}

/// The host-name-like words of `text`.
fn occurrences(text: &str) -> Vec<Occ> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !token_char(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && token_char(b[i]) {
            i += 1;
        }
        let mut end = i;
        while end > start && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if end == start || !b[start..end].iter().any(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        let before = &text[..start];
        let mut host = before.ends_with("://");
        if !host
            && before.ends_with('@')
            && let Some(k) = before.rfind("://")
        {
            host = !before[k + 3..].contains(|c: char| c.is_whitespace() || c == '/');
        }
        // `name:5432` (not `image:16.4`).
        let mut port = None;
        if b.get(end) == Some(&b':') {
            let digits: String = text[end + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let next = text[end + 1 + digits.len()..].chars().next();
            if !digits.is_empty()
                && digits.len() <= 5
                && !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
            {
                port = digits.parse::<u16>().ok().filter(|p| *p > 0);
                host |= port.is_some();
            }
        }
        // `--host=db`, `DB_HOST=db` inside a command line.
        if !host && before.ends_with('=') {
            let key: String = before[..before.len() - 1]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                .collect::<Vec<char>>()
                .into_iter()
                .rev()
                .collect();
            host = hostish(&key);
        }
        // `-h db`, `--host db`.
        if !host {
            let trimmed = before.trim_end();
            if trimmed.len() < before.len() {
                let flag = trimmed.rsplit(char::is_whitespace).next().unwrap_or("");
                host = is_host_flag(flag);
            }
        }
        out.push(Occ {
            start,
            end,
            port,
            host,
        });
    }
    out
}

fn is_host_flag(flag: &str) -> bool {
    matches!(
        flag,
        "-h" | "-H" | "--host" | "--hostname" | "--server" | "--addr" | "--address"
    )
}

/// A Job or CronJob (mirrors the workload decision of the generator).
pub(crate) fn batch(svc: &Service) -> bool {
    let x = |k: &str| {
        svc.x_komply
            .as_ref()
            .and_then(|n| n.get(k))
            .and_then(|n| n.scalar_string())
    };
    let controller = x("controller").or_else(|| svc.labels.get("kompose.controller.type").cloned());
    match controller
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("job" | "cronjob") => return true,
        Some("deployment" | "statefulset") => return false,
        _ => {}
    }
    if x("schedule").is_some() || svc.labels.contains_key("kompose.cronjob.schedule") {
        return true;
    }
    let restart = match svc.restart_condition.as_deref() {
        Some("none") => Some("no"),
        Some("on-failure") => Some("on-failure"),
        Some("any") => Some("always"),
        _ => svc.restart.as_deref(),
    };
    matches!(restart, Some("no" | "on-failure"))
}

/// The Service type a service asks for (`x-komply.service_type`, `kompose.service.type`).
fn service_type(svc: &Service) -> Option<String> {
    svc.x_komply
        .as_ref()
        .and_then(|n| n.get("service_type"))
        .and_then(|n| n.scalar_string())
        .or_else(|| {
            svc.labels
                .get("kompose.service.type")
                .and_then(|t| super::kompose::service_type(t))
                .map(str::to_string)
        })
}

/// Names a service is known by besides its own (kind, name, span).
fn own_aliases(svc: &Service) -> Vec<(&'static str, String, Span)> {
    let mut out = Vec::new();
    if let Some(n) = svc.node.get("container_name")
        && let Some(v) = n.scalar_string()
    {
        out.push(("container_name", v, n.span));
    }
    if let Some(h) = &svc.hostname {
        out.push(("hostname", h.clone(), svc.span(&["hostname"])));
    }
    for (_, net) in svc
        .node
        .get("networks")
        .and_then(|n| n.as_map())
        .unwrap_or(&[])
    {
        for a in net.get("aliases").and_then(|a| a.as_seq()).unwrap_or(&[]) {
            if let Some(v) = a.scalar_string() {
                out.push(("network alias", v, a.span));
            }
        }
    }
    out
}

/// `links` of a client: (target service, alias, span).
fn links(svc: &Service) -> Vec<(String, String, Span)> {
    let mut out = Vec::new();
    for l in svc
        .node
        .get("links")
        .and_then(|n| n.as_seq())
        .unwrap_or(&[])
    {
        let Some(s) = l.scalar_string() else { continue };
        let (target, alias) = s.split_once(':').unwrap_or((s.as_str(), s.as_str()));
        out.push((target.to_string(), alias.to_string(), l.span));
    }
    out
}

/// `depends_on` keys of a client.
pub(crate) fn depends_on(svc: &Service) -> Vec<(String, Span)> {
    svc.node
        .get("depends_on")
        .and_then(|n| n.as_map())
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, _)| k.scalar_string().map(|s| (s, k.span)))
        .collect()
}

/// A valid DNS-1035 label (what a Service name must be).
pub(crate) fn is_dns_label(s: &str) -> bool {
    dns_label(s) == s
}

/// The texts of a client that may name other services: (text, span, whole value is a host).
fn texts<'a>(
    model: &'a Model,
    svc: &'a Service,
    plan: Option<&'a Plan>,
    project_dir: &std::path::Path,
) -> Vec<(std::borrow::Cow<'a, str>, Span, bool)> {
    let mut out: Vec<(std::borrow::Cow<'a, str>, Span, bool)> = Vec::new();
    for v in &svc.environment {
        if let Some(val) = &v.value {
            // A whole value equal to a service name names it, whatever the variable.
            out.push((val.as_str().into(), v.span, true));
        }
    }
    for (key, args) in [("command", &svc.command), ("entrypoint", &svc.entrypoint)] {
        if let Some(args) = args {
            let span = svc.span(&[key]);
            let mut prev_flag = false;
            for a in args {
                out.push((a.as_str().into(), span, prev_flag));
                prev_flag = is_host_flag(a);
            }
        }
    }
    if let Some(plan) = plan {
        for (i, text) in plan.texts() {
            out.push((text.into(), svc.volumes[i].span, false));
        }
    }
    for c in &svc.configs {
        if let Some(top) = model.configs.get(&c.source) {
            if let Some(t) = &top.content {
                out.push((t.as_str().into(), c.span, false));
            } else if let Some(f) = &top.file
                && let Ok(t) = crate::fsio::read_text(&project_dir.join(f))
            {
                out.push((t.into(), c.span, false));
            }
        }
    }
    out
}

/// Every name a service answers to: its own, and the aliases others may use for it.
struct Names<'a> {
    by_name: BTreeMap<&'a str, &'a Service>,
    /// Every name (lowercased) → the service it names.
    names: BTreeMap<String, &'a str>,
    /// Alias (lowercased) → (service, kind of alias, where it is declared).
    alias_of: BTreeMap<String, (&'a str, &'static str, Span)>,
}

impl<'a> Names<'a> {
    /// The names of the project's services: service names first, then their own aliases
    /// (`container_name`, `hostname`, network aliases) and `links` aliases no service has.
    fn of(model: &'a Model) -> Names<'a> {
        let by_name: BTreeMap<&str, &Service> = model
            .services
            .iter()
            .map(|s| (s.name.as_str(), s))
            .collect();
        let mut names: BTreeMap<String, &str> = BTreeMap::new();
        for s in &model.services {
            names.insert(s.name.to_ascii_lowercase(), &s.name);
        }
        let mut alias_of: BTreeMap<String, (&str, &'static str, Span)> = BTreeMap::new();
        for s in &model.services {
            for (kind, a, span) in own_aliases(s) {
                let k = a.to_ascii_lowercase();
                if !names.contains_key(&k) {
                    alias_of.entry(k.clone()).or_insert((&s.name, kind, span));
                }
            }
            for (t, a, span) in links(s) {
                let k = a.to_ascii_lowercase();
                if let Some(t) = by_name.get(t.as_str())
                    && !names.contains_key(&k)
                {
                    alias_of.entry(k).or_insert((&t.name, "links alias", span));
                }
            }
        }
        for (k, (t, _, _)) in &alias_of {
            names.entry(k.clone()).or_insert(t);
        }
        Names {
            by_name,
            names,
            alias_of,
        }
    }
}

/// How one service is reached: by whom, on which ports, under which names.
#[derive(Default)]
struct Seen {
    by: BTreeSet<String>,
    ports: BTreeSet<u16>,
    names_used: BTreeSet<String>,
}

impl Seen {
    /// The clients, for a message: `` `a`, `b`, traefik (labels) ``.
    fn clients(&self) -> String {
        self.by
            .iter()
            .map(|c| {
                if c.contains(' ') {
                    c.clone()
                } else {
                    format!("`{c}`")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The host names client `s` uses in its texts (environment, command, mounted files, configs).
fn named_in_texts<'a>(
    model: &'a Model,
    s: &'a Service,
    plan: Option<&'a Plan>,
    project_dir: &std::path::Path,
    n: &Names<'a>,
    seen: &mut BTreeMap<&'a str, Seen>,
) {
    for (text, _, whole_is_host) in texts(model, s, plan, project_dir) {
        let trimmed = text.trim();
        for o in occurrences(&text) {
            let word = text[o.start..o.end].to_ascii_lowercase();
            let Some(&t) = n.names.get(&word) else {
                continue;
            };
            let whole = whole_is_host
                && o.start == text.len() - text.trim_start().len()
                && o.end - o.start == trimmed.len();
            if t == s.name || !(o.host || whole) {
                continue;
            }
            let e = seen.entry(t).or_default();
            e.by.insert(s.name.clone());
            e.names_used.insert(word);
            if let Some(p) = o.port {
                e.ports.insert(p);
            }
        }
    }
}

/// Traefik's Docker provider routes to a service by its labels (and to the port they name).
fn named_by_traefik<'a>(s: &'a Service, seen: &mut BTreeMap<&'a str, Seen>) {
    let traefik = s.labels.get("traefik.enable").map(String::as_str) != Some("false")
        && s.labels.keys().any(|k| {
            k.starts_with("traefik.http.") || k.starts_with("traefik.tcp.") || k == "traefik.enable"
        });
    if !traefik {
        return;
    }
    let e = seen.entry(&s.name).or_default();
    e.by.insert("traefik (labels)".into());
    for (k, v) in &s.labels {
        if k.starts_with("traefik.")
            && k.ends_with(".loadbalancer.server.port")
            && let Ok(p) = v.trim().parse::<u16>()
        {
            e.ports.insert(p);
        }
    }
}

/// Who names whom: texts, Traefik labels, `depends_on` and `links`.
fn who_names_whom<'a>(
    model: &'a Model,
    plans: &'a BTreeMap<String, Plan>,
    project_dir: &std::path::Path,
    n: &Names<'a>,
) -> BTreeMap<&'a str, Seen> {
    let mut seen: BTreeMap<&str, Seen> = BTreeMap::new();
    for s in &model.services {
        named_in_texts(model, s, plans.get(&s.name), project_dir, n, &mut seen);
        named_by_traefik(s, &mut seen);
        for (t, _) in depends_on(s) {
            if let Some(t) = n.by_name.get(t.as_str()) {
                seen.entry(&t.name).or_default().by.insert(s.name.clone());
            }
        }
        for (t, a, _) in links(s) {
            if let Some(t) = n.by_name.get(t.as_str()) {
                let e = seen.entry(&t.name).or_default();
                e.by.insert(s.name.clone());
                e.names_used.insert(a.to_ascii_lowercase());
            }
        }
    }
    seen
}

/// A long-running service without ports: the ports of a Service for it (the image's default
/// ports and those clients use), or a headless Service when it is reached with none.
fn implied_ports(s: &Service, info: &Seen, dns: &str, key_span: Span, t: &mut Target) {
    let mut ports: Vec<u16> = s
        .image
        .as_deref()
        .map(image_profile::default_ports)
        .unwrap_or_default();
    for p in &info.ports {
        if !ports.contains(p) {
            ports.push(*p);
        }
    }
    if !ports.is_empty() {
        let list = ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let why = if info.ports.is_empty() {
            "the image's default port".to_string()
        } else {
            format!("as {} reach it", info.clients())
        };
        t.warnings.push(
            Diagnostic::warning(format!(
                "service `{}` declares no ports: it gets a ClusterIP Service `{dns}` on {list} ({why})",
                s.name
            ))
            .at(key_span)
            .code(Code::GenerateImpliedService)
            .help("declare the ports with `expose:` to make this explicit"),
        );
        t.implied_ports = ports;
    } else if !info.by.is_empty() {
        t.headless = true;
        t.warnings.push(
            Diagnostic::warning(format!(
                "service `{}` is reached by {} but declares no port: it gets a headless Service `{dns}`, so its name resolves to its ready pods",
                s.name,
                info.clients()
            ))
            .at(key_span)
            .code(Code::GenerateNoPort)
            .help("add `expose: [\"PORT\"]` to the service for a stable ClusterIP Service"),
        );
    }
}

/// A long-running service with ports: the container ports clients use that no Service port
/// listens on (Compose clients talk to container ports).
fn extra_ports(s: &Service, info: &Seen, dns: &str, t: &mut Target) {
    let headless_type = service_type(s).as_deref() == Some("Headless");
    let service_ports: BTreeSet<u16> = s
        .ports
        .iter()
        .map(|p| {
            p.published
                .as_deref()
                .and_then(|x| x.parse().ok())
                .unwrap_or(p.target)
        })
        .chain(s.expose.iter().map(|e| e.port))
        .collect();
    let targets: BTreeSet<u16> = s.ports.iter().map(|p| p.target).collect();
    for p in &info.ports {
        if !headless_type && targets.contains(p) && !service_ports.contains(p) {
            t.extra_ports.push(*p);
        }
    }
    if t.extra_ports.is_empty() {
        return;
    }
    let list = t
        .extra_ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    t.warnings.push(
        Diagnostic::warning(format!(
            "service `{}`: {} connect to container port {list}, which Compose publishes under another number; the Service `{dns}` listens on {list} too",
            s.name,
            info.clients()
        ))
        .at(s.span(&["ports"]))
        .code(Code::GenerateImpliedPort),
    );
}

/// The alias Services of a long-running service: network aliases, and the other names clients
/// use for it, when they are valid DNS labels no other Service has (else a rename or a warning).
fn aliases(
    s: &Service,
    info: &Seen,
    n: &Names,
    dns: &str,
    taken: &mut BTreeSet<String>,
    renames: &mut BTreeMap<String, String>,
    t: &mut Target,
) {
    let mut candidates: Vec<(String, &'static str, Span)> = Vec::new();
    for (kind, a, span) in own_aliases(s) {
        let used = info.names_used.contains(&a.to_ascii_lowercase());
        if kind == "network alias" || used {
            candidates.push((a, kind, span));
        }
    }
    for (k, (owner, kind, span)) in &n.alias_of {
        if *owner == s.name && *kind == "links alias" && info.names_used.contains(k) {
            candidates.push((k.clone(), kind, *span));
        }
    }
    for (a, kind, span) in candidates {
        let lower = a.to_ascii_lowercase();
        if lower == s.name.to_ascii_lowercase() || lower == dns {
            continue;
        }
        if !is_dns_label(&lower) {
            renames.insert(lower.clone(), dns.to_string());
            t.warnings.push(
                Diagnostic::warning(format!(
                    "service `{}`: {kind} `{a}` is not a valid Kubernetes Service name; references to it are rewritten to `{dns}` where komply can",
                    s.name
                ))
                .at(span)
                .code(Code::GenerateServiceName),
            );
            continue;
        }
        if !taken.insert(lower.clone()) {
            if !t.aliases.contains(&lower) {
                t.warnings.push(
                    Diagnostic::warning(format!(
                        "service `{}`: {kind} `{a}` is already the name of another Service; no alias Service is made",
                        s.name
                    ))
                    .at(span)
                    .code(Code::GenerateAlias),
                );
            }
            continue;
        }
        t.aliases.push(lower);
    }
}

/// How dependents wait for a service: its first TCP port (the Service's), its name when it has
/// none, nothing for a Job.
fn endpoint(s: &Service, t: &Target, dns: &str) -> Endpoint {
    if batch(s) {
        return Endpoint::Batch;
    }
    let headless_type = service_type(s).as_deref() == Some("Headless");
    let tcp = s
        .ports
        .iter()
        .filter(|p| p.protocol == "tcp")
        .map(|p| {
            if headless_type {
                p.target
            } else {
                p.published
                    .as_deref()
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(p.target)
            }
        })
        .chain(
            s.expose
                .iter()
                .filter(|e| e.protocol == "tcp")
                .map(|e| e.port),
        )
        .chain(t.implied_ports.iter().copied())
        .next();
    match tcp {
        Some(p) => Endpoint::Tcp(dns.to_string(), p),
        None => Endpoint::Dns(dns.to_string()),
    }
}

impl Reach {
    /// Analyses the project (see the module doc): names, who names whom, then per service its
    /// Service ports, aliases, renames and how to wait for it.
    pub(crate) fn analyze(
        model: &Model,
        plans: &BTreeMap<String, Plan>,
        project_dir: &std::path::Path,
    ) -> Reach {
        let mut r = Reach::default();
        let n = Names::of(model);
        let seen = who_names_whom(model, plans, project_dir, &n);
        let mut taken: BTreeSet<String> =
            model.services.iter().map(|s| dns_label(&s.name)).collect();
        for s in &model.services {
            let dns = dns_label(&s.name);
            if dns != s.name.to_ascii_lowercase() {
                r.renames.insert(s.name.to_ascii_lowercase(), dns.clone());
            }
        }
        for s in &model.services {
            let t = r.target_of(model, s, &n, &seen, &mut taken);
            r.endpoints
                .insert(s.name.clone(), endpoint(s, &t, &dns_label(&s.name)));
            r.targets.insert(s.name.clone(), t);
        }
        r
    }

    /// What the analysis decides for one service (recording the renames its aliases need).
    fn target_of(
        &mut self,
        model: &Model,
        s: &Service,
        n: &Names,
        seen: &BTreeMap<&str, Seen>,
        taken: &mut BTreeSet<String>,
    ) -> Target {
        let mut t = Target::default();
        let key_span = model
            .node
            .get("services")
            .and_then(|n| n.entry(&s.name))
            .map(|(k, _)| k.span)
            .unwrap_or(s.node.span);
        let dns = dns_label(&s.name);
        if dns != s.name.to_ascii_lowercase() {
            t.warnings.push(
                Diagnostic::warning(format!(
                    "service `{}`: the name is not a valid Kubernetes Service name (DNS-1035: lowercase letters, digits, '-'); its Service is `{dns}`, and other services' references to `{}` are rewritten where komply can",
                    s.name, s.name
                ))
                .at(key_span)
                .code(Code::GenerateServiceName)
                .help(format!("rename the service to `{dns}` in the compose file to keep both worlds in step")),
            );
        }
        let empty = Seen::default();
        let info = seen.get(s.name.as_str()).unwrap_or(&empty);
        if batch(s) {
            return t;
        }
        if s.ports.is_empty() && s.expose.is_empty() {
            implied_ports(s, info, &dns, key_span, &mut t);
        } else {
            extra_ports(s, info, &dns, &mut t);
        }
        aliases(s, info, n, &dns, taken, &mut self.renames, &mut t);
        t
    }

    pub(crate) fn target(&self, service: &str) -> Option<&Target> {
        self.targets.get(service)
    }

    pub(crate) fn endpoint(&self, service: &str) -> Option<&Endpoint> {
        self.endpoints.get(service)
    }

    /// `text` with renamed host names replaced in host positions (or everywhere-as-whole when
    /// `whole_is_host`); returns the new text, the names rewritten and the names left as they
    /// were (mentioned elsewhere in the text).
    fn rewrite(&self, text: &str, whole_is_host: bool) -> (String, Vec<String>, Vec<String>) {
        if self.renames.is_empty() {
            return (text.to_string(), Vec::new(), Vec::new());
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let (mut done, mut left) = (Vec::new(), Vec::new());
        let whole = text.trim();
        for o in occurrences(text) {
            let word = &text[o.start..o.end];
            let Some(to) = self.renames.get(&word.to_ascii_lowercase()) else {
                continue;
            };
            if o.host || (whole_is_host && word.len() == whole.len()) {
                out.push_str(&text[last..o.start]);
                out.push_str(to);
                last = o.end;
                if !done.contains(&word.to_string()) {
                    done.push(word.to_string());
                }
            } else if !left.contains(&word.to_string()) {
                left.push(word.to_string());
            }
        }
        out.push_str(&text[last..]);
        (out, done, left)
    }

    fn note(
        &self,
        svc: &str,
        what: &str,
        span: Span,
        done: &[String],
        left: &[String],
        warnings: &mut Vec<Diagnostic>,
    ) {
        for d in done {
            let to = &self.renames[&d.to_ascii_lowercase()];
            warnings.push(
                Diagnostic::warning(format!(
                    "service `{svc}`: {what} names `{d}`, which is not a valid Kubernetes host name; rewritten to `{to}`"
                ))
                .at(span)
                .code(Code::GenerateRewrittenHost),
            );
        }
        for l in left {
            let to = &self.renames[&l.to_ascii_lowercase()];
            warnings.push(
                Diagnostic::warning(format!(
                    "service `{svc}`: {what} mentions `{l}` where komply cannot tell it is a host name; left as is"
                ))
                .at(span)
                .code(Code::GenerateUnresolvedHost)
                .help(format!("if it names the service, write `{to}` (its Service name)")),
            );
        }
    }

    /// A plain environment value, with renamed hosts rewritten.
    pub(crate) fn rewrite_env(
        &self,
        svc: &str,
        var: &str,
        value: &str,
        span: Span,
        warnings: &mut Vec<Diagnostic>,
    ) -> String {
        // A whole value is a host only when the variable says so (`DB_HOST`), not `POSTGRES_DB`.
        let (out, done, left) = self.rewrite(value, hostish(var));
        self.note(svc, &format!("`{var}`"), span, &done, &left, warnings);
        out
    }

    /// A secret value cannot be rewritten (komply never writes it): say what to store instead.
    pub(crate) fn check_secret(
        &self,
        svc: &str,
        var: &str,
        value: &str,
        span: Span,
        warnings: &mut Vec<Diagnostic>,
    ) {
        let (_, done, left) = self.rewrite(value, true);
        for d in done.iter().chain(&left) {
            let to = &self.renames[&d.to_ascii_lowercase()];
            warnings.push(
                Diagnostic::warning(format!(
                    "service `{svc}`: the secret `{var}` names `{d}`, which is not a valid Kubernetes host name; komply never writes secret values, so it cannot rewrite it"
                ))
                .at(span)
                .code(Code::GenerateUnresolvedHost)
                .help(format!("store the value with `{to}` (the Service name) in place of `{d}`")),
            );
        }
    }

    /// `command` / `entrypoint` words, with renamed hosts rewritten.
    pub(crate) fn rewrite_args(
        &self,
        svc: &str,
        key: &str,
        args: &[String],
        span: Span,
        warnings: &mut Vec<Diagnostic>,
    ) -> Vec<String> {
        let mut prev_flag = false;
        let mut out = Vec::new();
        let (mut done, mut left) = (Vec::new(), Vec::new());
        for a in args {
            let (t, d, l) = self.rewrite(a, prev_flag);
            prev_flag = is_host_flag(a);
            done.extend(
                d.into_iter()
                    .filter(|x| !done.contains(x))
                    .collect::<Vec<_>>(),
            );
            left.extend(
                l.into_iter()
                    .filter(|x| !left.contains(x))
                    .collect::<Vec<_>>(),
            );
            out.push(t);
        }
        self.note(svc, &format!("`{key}`"), span, &done, &left, warnings);
        out
    }

    /// A file that becomes ConfigMap data, with renamed hosts rewritten.
    pub(crate) fn rewrite_file(
        &self,
        svc: &str,
        text: &str,
        span: Span,
        warnings: &mut Vec<Diagnostic>,
    ) -> String {
        let (out, done, left) = self.rewrite(text, false);
        self.note(svc, "a mounted file", span, &done, &left, warnings);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(text: &str) -> Vec<(String, Option<u16>, bool)> {
        occurrences(text)
            .into_iter()
            .map(|o| (text[o.start..o.end].to_string(), o.port, o.host))
            .collect()
    }

    #[test]
    fn host_positions() {
        let h = hosts("postgres://user:pw@db_postgres:5432/app");
        assert!(
            h.contains(&("db_postgres".into(), Some(5432), true)),
            "{h:?}"
        );
        assert!(h.contains(&("postgres".into(), None, false)), "{h:?}");
        let h = hosts("http://api/health");
        assert!(h.contains(&("api".into(), None, true)), "{h:?}");
        let h = hosts("pg_isready -h db -p 5432");
        assert!(h.contains(&("db".into(), None, true)), "{h:?}");
        let h = hosts("--host=cache --image=redis:7.2");
        assert!(h.contains(&("cache".into(), None, true)), "{h:?}");
        assert!(h.contains(&("redis".into(), None, false)), "{h:?}");
        let h = hosts("server app:3000;");
        assert!(h.contains(&("app".into(), Some(3000), true)), "{h:?}");
        let h = hosts("the app is up.");
        assert!(h.contains(&("app".into(), None, false)), "{h:?}");
    }

    #[test]
    fn rewrites_only_host_positions() {
        let r = Reach {
            renames: BTreeMap::from([("db_postgres".to_string(), "db-postgres".to_string())]),
            ..Default::default()
        };
        let (t, done, left) = r.rewrite("postgres://u@db_postgres:5432/db_postgres", false);
        assert_eq!(t, "postgres://u@db-postgres:5432/db_postgres");
        assert_eq!(done, ["db_postgres"]);
        assert_eq!(left, ["db_postgres"]);
        let (t, _, _) = r.rewrite("db_postgres", true);
        assert_eq!(t, "db-postgres");
        let (t, _, left) = r.rewrite("db_postgres", false);
        assert_eq!(t, "db_postgres");
        assert_eq!(left, ["db_postgres"]);
    }
}
