//! After the last file: defaults, relative paths, environment resolution, normalisation (name,
//! default network, implicit dependencies), profiles, consistency checks, `env_file` folded into
//! `environment`, unused resources dropped, and the final Go-struct shaping that makes our tree
//! print exactly like `docker compose config --format json`.

use std::path::Path;

use indexmap::IndexMap;

use crate::diag::{Diagnostic, Failure, Result};
use crate::yaml::{Node, NodeKind, Span};

use super::project::Setup;
use super::tree::{self, bool_at, int_at, key_str, s, s_at};
use super::{Ctx, dotenv, units};

fn fail(msg: impl Into<String>, span: Span, code: &str) -> Failure {
    Failure::one(Diagnostic::error(msg).at(span).code(code.to_string()))
}

pub fn finish(ctx: &mut Ctx, mut dict: Node, setup: &Setup) -> Result<Node> {
    if let Some(v) = tree::remove(&mut dict, "version") {
        ctx.warnings.push(
            Diagnostic::warning("the attribute `version` is obsolete, it will be ignored")
                .at(v.span)
                .code("compose/obsolete-version"),
        );
    }
    tree::remove(&mut dict, "include");
    set_defaults(&mut dict);
    if ctx.resolve_paths {
        let home = ctx.env.get("HOME").cloned().unwrap_or_default();
        rebase_paths(&mut dict, &setup.project_dir.to_string_lossy(), &home);
    }
    normalize(&mut dict, &setup.name, &ctx.env);
    Ok(dict)
}

fn services_mut(dict: &mut Node) -> Vec<&mut Node> {
    match dict.get_mut("services").and_then(|s| s.as_map_mut()) {
        Some(entries) => entries.iter_mut().map(|(_, v)| v).collect(),
        None => Vec::new(),
    }
}

/// compose-go `transform.SetDefaultValues` (also run on each included project before its paths
/// are rebased).
pub fn set_defaults(dict: &mut Node) {
    for svc in services_mut(dict) {
        if let Some(b) = svc.get_mut("build").filter(|b| b.is_map())
            && b.get("context").is_none_or(Node::is_null)
        {
            let span = b.span;
            tree::set(b, "context", s_at(".", span));
        }
        if let Some(secrets) = svc.get_mut("secrets").and_then(|s| s.as_seq_mut()) {
            for m in secrets.iter_mut() {
                if m.is_map() && !tree::has(m, "target") {
                    let src = m
                        .get("source")
                        .and_then(|s| s.scalar_string())
                        .unwrap_or_default();
                    let span = m.span;
                    tree::set(m, "target", s_at(format!("/run/secrets/{src}"), span));
                }
            }
        }
        if let Some(ports) = svc.get_mut("ports").and_then(|s| s.as_seq_mut()) {
            for p in ports.iter_mut() {
                let span = p.span;
                if !tree::has(p, "mode") {
                    tree::set(p, "mode", s_at("ingress", span));
                }
                if !tree::has(p, "protocol") {
                    tree::set(p, "protocol", s_at("tcp", span));
                }
            }
        }
        let devices = svc
            .get_mut("deploy")
            .and_then(|d| d.get_mut("resources"))
            .and_then(|r| r.get_mut("reservations"))
            .and_then(|r| r.get_mut("devices"))
            .and_then(|d| d.as_seq_mut());
        if let Some(devs) = devices {
            for d in devs.iter_mut() {
                if d.is_map() && !tree::has(d, "count") && !tree::has(d, "device_ids") {
                    let span = d.span;
                    tree::set(d, "count", s_at("all", span));
                }
            }
        }
    }
}

fn expand_user(p: &str, home: &str) -> String {
    if p == "~" {
        return home.to_string();
    }
    match p.strip_prefix("~/") {
        Some(rest) if !home.is_empty() => format!("{}/{rest}", home.trim_end_matches('/')),
        _ => p.to_string(),
    }
}

fn is_abs(p: &str) -> bool {
    p.starts_with('/')
        || p.starts_with('\\')
        || (p.len() >= 3 && p.as_bytes()[1] == b':' && matches!(p.as_bytes()[2], b'\\' | b'/'))
}

/// Go's `filepath.Join(base, p)` (cleans the result).
fn join(base: &str, p: &str) -> String {
    let joined = if base.is_empty() {
        p.to_string()
    } else {
        format!("{base}/{p}")
    };
    super::project::clean_path(Path::new(&joined))
        .to_string_lossy()
        .to_string()
}

fn abs_path(n: &mut Node, base: &str) {
    if let NodeKind::Str(p) = &n.kind
        && !is_abs(p)
    {
        n.kind = NodeKind::Str(join(base, p));
    }
}

fn unix_path(n: &mut Node, base: &str, home: &str) {
    if let NodeKind::Str(p) = &n.kind {
        let p = expand_user(p, home);
        n.kind = NodeKind::Str(if is_abs(&p) { p } else { join(base, &p) });
    }
}

fn is_remote_context(p: &str) -> bool {
    p.contains("://") || p.starts_with("git@") || p.starts_with("github.com/")
}

/// compose-go `paths.ResolveRelativePaths`: joins relative paths with `base` (a directory, may
/// itself be relative when rebasing an extended or included file).
pub fn rebase_paths(dict: &mut Node, base: &str, home: &str) {
    for svc in services_mut(dict) {
        if let Some(b) = svc.get_mut("build") {
            if let Some(c) = b.get_mut("context")
                && c.as_str().is_some_and(|p| !is_remote_context(p))
            {
                abs_path(c, base);
            }
            if let Some(ac) = b
                .get_mut("additional_contexts")
                .and_then(|a| a.as_map_mut())
            {
                for (_, c) in ac.iter_mut() {
                    if c.as_str()
                        .is_some_and(|p| !is_remote_context(p) && !p.contains(':'))
                    {
                        abs_path(c, base);
                    }
                }
            }
        }
        if let Some(e) = svc.get_mut("env_file").and_then(|e| e.as_seq_mut()) {
            for f in e.iter_mut() {
                if let Some(p) = f.get_mut("path") {
                    abs_path(p, base);
                }
            }
        }
        if let Some(e) = svc.get_mut("label_file").and_then(|e| e.as_seq_mut()) {
            for f in e.iter_mut() {
                abs_path(f, base);
            }
        }
        if let Some(f) = svc.get_mut("extends").and_then(|e| e.get_mut("file")) {
            abs_path(f, base);
        }
        if let Some(vols) = svc.get_mut("volumes").and_then(|v| v.as_seq_mut()) {
            for v in vols.iter_mut() {
                if v.get("type").and_then(|t| t.as_str()) == Some("bind")
                    && let Some(src) = v.get_mut("source")
                {
                    unix_path(src, base, home);
                }
            }
        }
    }
    for kind in ["configs", "secrets"] {
        if let Some(res) = dict.get_mut(kind).and_then(|r| r.as_map_mut()) {
            for (_, r) in res.iter_mut() {
                if let Some(f) = r.get_mut("file") {
                    unix_path(f, base, home);
                }
            }
        }
    }
}

fn implicit_dependency(restart: bool, span: Span) -> Node {
    let mut m = tree::map_at(span);
    tree::set(&mut m, "condition", s_at("service_started", span));
    tree::set(&mut m, "restart", bool_at(restart, span));
    tree::set(&mut m, "required", bool_at(true, span));
    m
}

/// compose-go `loader/normalize.go`.
fn normalize(dict: &mut Node, name: &str, env: &IndexMap<String, String>) {
    // The default network, only if some service uses it.
    let mut uses_default = false;
    for svc in services_mut(dict) {
        if tree::has(svc, "provider") || tree::has(svc, "network_mode") {
            continue;
        }
        let span = svc.span;
        match svc.get("networks") {
            None => {
                let mut m = tree::map_at(span);
                tree::set(&mut m, "default", Node::null(span));
                tree::set(svc, "networks", m);
                uses_default = true;
            }
            Some(n) if n.as_map().is_none_or(|m| m.is_empty()) => {
                let mut m = tree::map_at(span);
                tree::set(&mut m, "default", Node::null(span));
                tree::set(svc, "networks", m);
                uses_default = true;
            }
            Some(n) => {
                if tree::has(n, "default") {
                    uses_default = true;
                }
            }
        }
    }
    if uses_default {
        if dict.get("networks").is_none_or(|n| !n.is_map()) {
            tree::set(dict, "networks", tree::new_map());
        }
        let nets = dict.get_mut("networks").expect("set above");
        if !tree::has(nets, "default") {
            tree::set(nets, "default", tree::new_map());
        }
    }
    for svc in services_mut(dict) {
        if svc.get("pull_policy").and_then(|p| p.as_str()) == Some("if_not_present") {
            let span = svc
                .get("pull_policy")
                .map(|p| p.span)
                .unwrap_or(Span::SYNTHETIC);
            tree::set(svc, "pull_policy", s_at("missing", span));
        }
        if let Some(b) = svc.get_mut("build")
            && b.is_map()
        {
            let span = b.span;
            if b.get("context").is_none_or(Node::is_null) {
                tree::set(b, "context", s_at(".", span));
            }
            if b.get("dockerfile").is_none_or(Node::is_null)
                && b.get("dockerfile_inline").is_none_or(Node::is_null)
            {
                tree::set(b, "dockerfile", s_at("Dockerfile", span));
            }
            if let Some(a) = b.get_mut("args") {
                resolve_mapping(a, env);
                // an unresolved build arg is dropped (an unresolved environment entry is not)
                if let Some(entries) = a.as_map_mut() {
                    entries.retain(|(_, v)| !v.is_null());
                }
            }
        }
        if let Some(e) = svc.get_mut("environment") {
            resolve_mapping(e, env);
        }
        // Implicit dependencies from links, namespaces and volumes_from.
        let mut extra: Vec<(String, Node)> = Vec::new();
        if let Some(links) = svc.get("links").and_then(|l| l.as_seq()) {
            for l in links {
                let link = l.scalar_string().unwrap_or_default();
                let target = match link.split(':').collect::<Vec<_>>().as_slice() {
                    [a, _] => a.to_string(),
                    _ => link.clone(),
                };
                extra.push((target, implicit_dependency(true, l.span)));
            }
        }
        for ns in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
            if let Some(r) = svc.get(ns)
                && let Some(shared) = r.as_str().and_then(|v| v.strip_prefix("service:"))
            {
                extra.push((shared.to_string(), implicit_dependency(true, r.span)));
            }
        }
        if let Some(vf) = svc.get("volumes_from").and_then(|l| l.as_seq()) {
            for v in vf {
                let vol = v.scalar_string().unwrap_or_default();
                if !vol.starts_with("container:") {
                    let name = vol.split(':').next().unwrap_or_default().to_string();
                    extra.push((name, implicit_dependency(false, v.span)));
                }
            }
        }
        if !extra.is_empty() {
            let span = svc.span;
            if svc.get("depends_on").is_none_or(|d| !d.is_map()) {
                tree::set(svc, "depends_on", tree::map_at(span));
            }
            let deps = svc.get_mut("depends_on").expect("set above");
            for (k, v) in extra {
                if !tree::has(deps, &k) {
                    tree::set(deps, &k, v);
                }
            }
        }
    }
    // Resource names.
    for kind in ["networks", "volumes", "configs", "secrets"] {
        if let Some(res) = dict.get_mut(kind).and_then(|r| r.as_map_mut()) {
            for (k, r) in res.iter_mut() {
                if r.is_null() {
                    *r = tree::map_at(r.span);
                }
                if r.get("name").is_none_or(Node::is_null) {
                    let key = key_str(k);
                    let external = matches!(
                        r.get("external").map(|e| &e.kind),
                        Some(NodeKind::Bool(true))
                    );
                    let span = k.span;
                    let v = if external {
                        key
                    } else {
                        format!("{name}_{key}")
                    };
                    tree::set(r, "name", s_at(v, span));
                }
            }
        }
    }
    tree::set(dict, "name", s(name));
}

/// Converts a list/map environment (or build args) to a mapping and resolves bare keys from the
/// project environment (a bare key that is not set stays null).
fn resolve_mapping(n: &mut Node, env: &IndexMap<String, String>) {
    to_mapping_with_equals(n);
    if let Some(entries) = n.as_map_mut() {
        for (k, v) in entries.iter_mut() {
            if v.is_null()
                && let Some(val) = env.get(&key_str(k))
            {
                *v = s_at(val.clone(), v.span);
            }
        }
    }
}

/// `K=V` items → mapping entries (last wins); a bare `K` gets `bare`, or null when `None`.
fn equals_list_to_entries(items: Vec<Node>, bare: Option<&str>) -> Vec<(Node, Node)> {
    let mut entries: Vec<(Node, Node)> = Vec::new();
    for it in items {
        let text = it.scalar_string().unwrap_or_default();
        let (k, v) = match text.split_once('=') {
            Some((k, v)) => (k.to_string(), s_at(v, it.span)),
            None => (
                text.clone(),
                match bare {
                    Some(b) => s_at(b, it.span),
                    None => Node::null(it.span),
                },
            ),
        };
        if let Some(e) = entries.iter_mut().find(|(ek, _)| ek.scalar_eq(&k)) {
            e.1 = v;
        } else {
            entries.push((s_at(k, it.span), v));
        }
    }
    entries
}

/// `K=V` list → mapping (`K` alone → null); mapping values become strings (null stays null).
fn to_mapping_with_equals(n: &mut Node) {
    let span = n.span;
    match &mut n.kind {
        NodeKind::Seq(items) => {
            let entries = equals_list_to_entries(std::mem::take(items), None);
            *n = Node::new(NodeKind::Map(entries), span);
        }
        NodeKind::Map(entries) => {
            for (_, v) in entries.iter_mut() {
                if !v.is_null() {
                    let text = v.scalar_string().unwrap_or_default();
                    *v = s_at(text, v.span);
                }
            }
        }
        _ => {}
    }
}

/// `K=V` list or mapping → mapping of strings (`K` alone → empty string), like `Labels`.
fn to_mapping(n: &mut Node, bare: Option<&str>) {
    let span = n.span;
    match &mut n.kind {
        NodeKind::Seq(items) => {
            let entries = equals_list_to_entries(std::mem::take(items), bare);
            *n = Node::new(NodeKind::Map(entries), span);
        }
        NodeKind::Map(entries) => {
            for (_, v) in entries.iter_mut() {
                let text = v.scalar_string().unwrap_or_default();
                *v = s_at(text, v.span);
            }
        }
        _ => {}
    }
}

fn has_profile(svc: &Node, active: &[String]) -> bool {
    let Some(ps) = svc.get("profiles").and_then(|p| p.as_seq()) else {
        return true;
    };
    if ps.is_empty() {
        return true;
    }
    active
        .iter()
        .any(|a| a == "*" || ps.iter().any(|p| p.scalar_eq(a)))
}

/// Drops services whose profiles are all inactive (compose-go `WithProfiles`); remembers them so
/// a reference to one is reported as such.
/// Returns the disabled services' names.
pub fn apply_profiles(dict: &mut Node, active: &[String]) -> Result<Vec<String>> {
    let Some(services) = dict.get_mut("services").and_then(|s| s.as_map_mut()) else {
        return Ok(Vec::new());
    };
    let all = std::mem::take(services);
    let mut disabled: Vec<String> = Vec::new();
    for (k, v) in all {
        if has_profile(&v, active) {
            services.push((k, v));
        } else {
            disabled.push(key_str(&k));
        }
    }
    // A required dependency on a disabled service is an error.
    for (k, svc) in services.iter() {
        if let Some(deps) = svc.get("depends_on").and_then(|d| d.as_map()) {
            for (dk, dv) in deps {
                let dep = key_str(dk);
                let required = dv.get("required").and_then(|r| r.as_bool()).unwrap_or(true);
                if disabled.contains(&dep) && required {
                    return Err(fail(
                        format!(
                            "service {:?} depends on undefined service {dep:?}: invalid compose project",
                            key_str(k)
                        ),
                        dk.span,
                        "compose/depends-on",
                    ));
                }
            }
        }
    }
    Ok(disabled)
}

/// compose-go `checkConsistency`, the parts `config` hits.
/// `disabled`: services left out by profiles (an optional dependency on one is fine).
pub fn check_consistency(dict: &Node, disabled: &[String]) -> Result<()> {
    let empty = tree::new_map();
    let services = dict.get("services").unwrap_or(&empty);
    let names = tree::keys(services);
    let networks = dict.get("networks").unwrap_or(&empty);
    let volumes = dict.get("volumes").unwrap_or(&empty);
    let secrets = dict.get("secrets").unwrap_or(&empty);
    let configs = dict.get("configs").unwrap_or(&empty);
    let Some(entries) = services.as_map() else {
        return Ok(());
    };
    for (k, svc) in entries {
        let name = key_str(k);
        if svc.get("build").is_none()
            && svc
                .get("image")
                .is_none_or(|i| i.scalar_string().is_none_or(|s| s.is_empty()))
            && svc.get("provider").is_none()
        {
            return Err(fail(
                format!(
                    "service {name:?} has neither an image nor a build context specified: invalid compose project"
                ),
                k.span,
                "compose/no-image",
            ));
        }
        if let (Some(nm), Some(nets)) = (svc.get("network_mode"), svc.get("networks"))
            && nets.as_map().is_some_and(|m| !m.is_empty())
        {
            return Err(fail(
                format!(
                    "service {name} declares mutually exclusive `network_mode` and `networks`: invalid compose project"
                ),
                nm.span,
                "compose/network-mode",
            ));
        }
        if let Some(nets) = svc.get("networks").and_then(|n| n.as_map()) {
            for (nk, _) in nets {
                let n = key_str(nk);
                if !tree::has(networks, &n) {
                    return Err(fail(
                        format!(
                            "service {name:?} refers to undefined network {n}: invalid compose project"
                        ),
                        nk.span,
                        "compose/undefined-network",
                    ));
                }
            }
        }
        if let Some(test) = svc
            .get("healthcheck")
            .and_then(|h| h.get("test"))
            .and_then(|t| t.as_seq())
            && let Some(first) = test.first()
            && !matches!(first.as_str(), Some("CMD" | "CMD-SHELL" | "NONE"))
        {
            return Err(fail(
                "healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"",
                first.span,
                "compose/healthcheck",
            ));
        }
        if let Some(deps) = svc.get("depends_on").and_then(|d| d.as_map()) {
            for (dk, dv) in deps {
                let d = key_str(dk);
                let required = dv.get("required").and_then(|r| r.as_bool()).unwrap_or(true);
                if disabled.contains(&d) && !required {
                    continue;
                }
                if !names.contains(&d) {
                    return Err(fail(
                        format!(
                            "service {name:?} depends on undefined service {d:?}: invalid compose project"
                        ),
                        dk.span,
                        "compose/depends-on",
                    ));
                }
            }
        }
        if let Some(nm) = svc.get("network_mode").and_then(|n| n.as_str())
            && let Some(other) = nm.strip_prefix("service:")
            && !names.iter().any(|n| n == other)
        {
            return Err(fail(
                format!("service {other:?} not found for network_mode 'service:{other}'"),
                svc.get("network_mode").map(|n| n.span).unwrap_or(k.span),
                "compose/network-mode",
            ));
        }
        if let Some(vols) = svc.get("volumes").and_then(|v| v.as_seq()) {
            for v in vols {
                if v.get("type").and_then(|t| t.as_str()) == Some("volume")
                    && let Some(src) = v
                        .get("source")
                        .and_then(|s| s.as_str())
                        .filter(|s| !s.is_empty())
                    && !tree::has(volumes, src)
                {
                    return Err(fail(
                        format!(
                            "service {name:?} refers to undefined volume {src}: invalid compose project"
                        ),
                        v.span,
                        "compose/undefined-volume",
                    ));
                }
            }
        }
        let models = dict.get("models").unwrap_or(&empty);
        let used_models: Vec<&Node> = match svc.get("models") {
            Some(m) if m.is_map() => m
                .as_map()
                .unwrap_or_default()
                .iter()
                .map(|(k, _)| k)
                .collect(),
            Some(m) => m.as_seq().unwrap_or_default().iter().collect(),
            None => Vec::new(),
        };
        for m in used_models {
            let model = m.scalar_string().unwrap_or_default();
            if !tree::has(models, &model) {
                return Err(fail(
                    format!(
                        "service {name:?} refers to undefined model {model}: invalid compose project"
                    ),
                    m.span,
                    "compose/undefined-model",
                ));
            }
        }
        for (kind, defined) in [("secret", secrets), ("config", configs)] {
            if let Some(items) = svc.get(&format!("{kind}s")).and_then(|v| v.as_seq()) {
                for it in items {
                    let src = it
                        .get("source")
                        .and_then(|s| s.scalar_string())
                        .unwrap_or_default();
                    if !tree::has(defined, &src) {
                        return Err(fail(
                            format!(
                                "service {name:?} refers to undefined {kind} {src}: invalid compose project"
                            ),
                            it.span,
                            "compose/undefined-resource",
                        ));
                    }
                }
            }
        }
        let replicas = svc
            .get("scale")
            .or_else(|| svc.get("deploy").and_then(|d| d.get("replicas")))
            .and_then(Node::as_i64);
        if let (Some(cn), Some(r)) = (svc.get("container_name"), replicas)
            && r > 1
        {
            return Err(fail(
                format!(
                    "services.deploy.replicas: can't set container_name and {name} as container name must be unique: invalid compose project"
                ),
                cn.span,
                "compose/container-name",
            ));
        }
        if let (Some(scale), Some(rep)) = (
            svc.get("scale"),
            svc.get("deploy").and_then(|d| d.get("replicas")),
        ) && scale.as_i64() != rep.as_i64()
        {
            return Err(fail(
                    "can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project",
                    scale.span,
                    "compose/scale-replicas",
                )
                .with_related(rep.span));
        }
    }
    if let Some(s) = secrets.as_map() {
        for (k, v) in s {
            let external = matches!(
                v.get("external").map(|e| &e.kind),
                Some(NodeKind::Bool(true))
            );
            if !external && !tree::has(v, "file") && !tree::has(v, "environment") {
                return Err(fail(
                    format!(
                        "secret {:?} must declare either `file` or `environment`: invalid compose project",
                        key_str(k)
                    ),
                    k.span,
                    "compose/secret",
                ));
            }
        }
    }
    check_cycles(entries)?;
    Ok(())
}

trait WithRelated {
    fn with_related(self, span: Span) -> Self;
}
impl WithRelated for Failure {
    fn with_related(mut self, span: Span) -> Self {
        if let Some(d) = self.0.first_mut() {
            *d = d.clone().related(span, "deploy.replicas is set here");
        }
        self
    }
}

fn check_cycles(services: &[(Node, Node)]) -> Result<()> {
    fn deps(svc: &Node) -> Vec<String> {
        tree::keys(
            svc.get("depends_on")
                .unwrap_or(&Node::null(Span::SYNTHETIC)),
        )
    }
    let names: Vec<String> = services.iter().map(|(k, _)| key_str(k)).collect();
    // 0 = unvisited, 1 = on stack, 2 = done
    let mut state = vec![0u8; names.len()];
    fn visit(
        i: usize,
        services: &[(Node, Node)],
        names: &[String],
        state: &mut [u8],
    ) -> std::result::Result<(), (usize, String)> {
        state[i] = 1;
        for d in deps(&services[i].1) {
            if let Some(j) = names.iter().position(|n| *n == d) {
                if state[j] == 1 {
                    return Err((i, d));
                }
                if state[j] == 0 {
                    visit(j, services, names, state)?;
                }
            }
        }
        state[i] = 2;
        Ok(())
    }
    for i in 0..names.len() {
        if state[i] == 0
            && let Err((at, to)) = visit(i, services, &names, &mut state)
        {
            return Err(fail(
                format!("dependency cycle detected: {} -> {to}", names[at]),
                services[at].0.span,
                "compose/dependency-cycle",
            ));
        }
    }
    Ok(())
}

/// `env_file` → `environment` (environment wins; later files win), then `env_file` is dropped
/// like `docker compose config` does.
pub fn resolve_env_files(ctx: &mut Ctx, dict: &mut Node, setup: &Setup) -> Result<()> {
    let project_env = &setup.environment;
    for svc in services_mut(dict) {
        resolve_label_files(svc, setup)?;
        let files = tree::remove(svc, "env_file");
        let span = svc.span;
        let mut own = svc
            .get("environment")
            .cloned()
            .unwrap_or_else(|| tree::map_at(span));
        to_mapping_with_equals(&mut own);
        let Some(files) = files else { continue };
        let mut acc: IndexMap<String, (String, Span)> = IndexMap::new();
        for f in files.as_seq().unwrap_or_default() {
            let Some(path_node) = f.get("path") else {
                continue;
            };
            let path = path_node.scalar_string().unwrap_or_default();
            let required = f.get("required").and_then(|r| r.as_bool()).unwrap_or(true);
            let raw = f.get("format").and_then(|r| r.as_str()) == Some("raw");
            let full = if is_abs(&path) {
                std::path::PathBuf::from(&path)
            } else {
                setup.project_dir.join(&path)
            };
            if !full.is_file() {
                if required {
                    return Err(fail(
                        format!("env file {} not found", full.display()),
                        path_node.span,
                        "compose/env-file",
                    ));
                }
                continue;
            }
            let text = crate::fsio::read_text(&full)?;
            let src = crate::source::sources().add(&full, text.as_str());
            // Checked with the oracle: project env first, then the service's own
            // `environment`, then values from earlier env files.
            let snapshot = acc.clone();
            let own_env = &own;
            let lookup = move |k: &str| {
                project_env
                    .get(k)
                    .cloned()
                    .or_else(|| own_env.get(k).and_then(|v| v.as_str().map(str::to_string)))
                    .or_else(|| snapshot.get(k).map(|(v, _)| v.clone()))
            };
            let parsed = if raw {
                dotenv::parse_dotenv_raw_with_lookup(src, &text, &lookup)
            } else {
                dotenv::parse_dotenv(src, &text, &lookup)
            }
            .map_err(Failure::one)?;
            for e in parsed {
                acc.insert(e.key, (e.value, e.span));
            }
        }
        let mut merged = tree::map_at(own.span);
        for (k, (v, sp)) in acc {
            tree::set(&mut merged, &k, s_at(v, sp));
        }
        for (k, v) in own.as_map().unwrap_or_default() {
            tree::set_entry(&mut merged, k.clone(), v.clone());
        }
        if merged.as_map().is_some_and(|m| !m.is_empty()) {
            tree::set(svc, "environment", merged);
        }
    }
    let _ = ctx;
    Ok(())
}

/// `label_file` → `labels` (explicit labels win; later files win), then dropped, as `config` does.
fn resolve_label_files(svc: &mut Node, setup: &Setup) -> Result<()> {
    let Some(files) = tree::remove(svc, "label_file") else {
        return Ok(());
    };
    let mut acc: Vec<(String, String, Span)> = Vec::new();
    for f in files.as_seq().unwrap_or_default() {
        let path = f.scalar_string().unwrap_or_default();
        let full = if is_abs(&path) {
            std::path::PathBuf::from(&path)
        } else {
            setup.project_dir.join(&path)
        };
        if !full.is_file() {
            return Err(fail(
                format!("label file {} not found", full.display()),
                f.span,
                "compose/label-file",
            ));
        }
        let text = crate::fsio::read_text(&full)?;
        let src = crate::source::sources().add(&full, text.as_str());
        let lookup = |k: &str| setup.environment.get(k).cloned();
        for e in dotenv::parse_dotenv(src, &text, &lookup).map_err(Failure::one)? {
            acc.retain(|(k, _, _)| *k != e.key);
            acc.push((e.key, e.value, e.span));
        }
    }
    let span = svc.span;
    let mut labels = svc
        .get("labels")
        .cloned()
        .unwrap_or_else(|| tree::map_at(span));
    to_mapping(&mut labels, Some(""));
    let mut merged = tree::map_at(labels.span);
    for (k, v, sp) in acc {
        tree::set(&mut merged, &k, s_at(v, sp));
    }
    for (k, v) in labels.as_map().unwrap_or_default() {
        tree::set_entry(&mut merged, k.clone(), v.clone());
    }
    if merged.as_map().is_some_and(|m| !m.is_empty()) {
        tree::set(svc, "labels", merged);
    }
    Ok(())
}

/// Drops top-level networks, volumes, secrets and configs no service uses (what `config` does).
pub fn drop_unused_resources(dict: &mut Node) {
    let mut used: [(&str, Vec<String>); 5] = [
        ("networks", Vec::new()),
        ("volumes", Vec::new()),
        ("secrets", Vec::new()),
        ("configs", Vec::new()),
        ("models", Vec::new()),
    ];
    if let Some(services) = dict.get("services").and_then(|s| s.as_map()) {
        for (_, svc) in services {
            used[0]
                .1
                .extend(tree::keys(svc.get("networks").unwrap_or(&tree::new_map())));
            for v in svc
                .get("volumes")
                .and_then(|v| v.as_seq())
                .unwrap_or_default()
            {
                if v.get("type").and_then(|t| t.as_str()) == Some("volume")
                    && let Some(src) = v
                        .get("source")
                        .and_then(|s| s.scalar_string())
                        .filter(|s| !s.is_empty())
                {
                    used[1].1.push(src);
                }
            }
            let mut mounts = |kind: usize, list: Option<&Node>| {
                for it in list.and_then(|l| l.as_seq()).unwrap_or_default() {
                    if let Some(src) = it.get("source").and_then(|s| s.scalar_string()) {
                        used[kind].1.push(src);
                    }
                }
            };
            mounts(2, svc.get("secrets"));
            mounts(2, svc.get("build").and_then(|b| b.get("secrets")));
            mounts(3, svc.get("configs"));
            match svc.get("models") {
                Some(m) if m.is_map() => used[4].1.extend(tree::keys(m)),
                Some(m) => used[4].1.extend(
                    m.as_seq()
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|n| n.scalar_string()),
                ),
                None => {}
            }
        }
    }
    for (kind, names) in used {
        if let Some(res) = dict.get_mut(kind).and_then(|r| r.as_map_mut()) {
            res.retain(|(k, _)| names.contains(&key_str(k)));
            if res.is_empty() {
                tree::remove(dict, kind);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shaping: Go struct types and `omitempty`, so the JSON equals the oracle's.

const DURATIONS: &[&str] = &["stop_grace_period"];
const BYTES: &[&str] = &["mem_limit", "mem_reservation", "memswap_limit", "shm_size"];
/// Service keys that are pointers in compose-go (kept even when zero / false).
const POINTERS: &[&str] = &[
    "attach",
    "init",
    "scale",
    "build",
    "deploy",
    "healthcheck",
    "logging",
    "extends",
    "develop",
    "provider",
    "blkio_config",
    "credential_spec",
    "stop_grace_period",
];

fn to_duration(n: &mut Node) {
    let d = match &n.kind {
        NodeKind::Str(v) => units::parse_duration(v).ok(),
        NodeKind::Int(i) => Some(units::GoDuration(i.saturating_mul(1_000_000_000))),
        _ => None,
    };
    if let Some(d) = d {
        n.kind = NodeKind::Str(units::format_duration(d.as_nanos()));
    }
}

fn to_bytes(n: &mut Node) {
    if let Ok(b) = units::byte_size_from_node(n) {
        n.kind = NodeKind::Str(b.to_string());
    }
}

/// A Go `float32` (`cpus`): shortest decimal of the f32.
fn to_float(n: &mut Node) {
    let f = match &n.kind {
        NodeKind::Str(v) => units::parse_cpus(v.trim()).ok(),
        NodeKind::Int(i) => Some(*i as f32),
        NodeKind::Float(f) => Some(*f as f32),
        _ => None,
    };
    if let Some(f) = f {
        n.kind = Node::from_json(&units::cpus_to_json(f)).kind;
    }
}

/// A Go `float64` (`max_failure_ratio`).
fn to_float64(n: &mut Node) {
    if let NodeKind::Str(v) = &n.kind
        && let Ok(f) = v.trim().parse::<f64>()
    {
        n.kind = NodeKind::Float(f);
    }
}

fn string_list(n: &mut Node) {
    if n.is_scalar() && !n.is_null() {
        let span = n.span;
        let v = n.scalar_string().unwrap_or_default();
        *n = tree::seq_at(vec![s_at(v, span)], span);
    } else if let Some(items) = n.as_seq_mut() {
        for it in items.iter_mut() {
            if let Some(v) = it.scalar_string() {
                it.kind = NodeKind::Str(v);
            }
        }
    }
}

/// POSIX-shell-like word splitting (go-shellwords, as compose uses for string commands).
pub fn shell_split(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '\'' => {
                in_word = true;
                for n in chars.by_ref() {
                    if n == '\'' {
                        break;
                    }
                    cur.push(n);
                }
            }
            '"' => {
                in_word = true;
                while let Some(n) = chars.next() {
                    match n {
                        '"' => break,
                        '\\' => {
                            if let Some(&m) = chars.peek() {
                                if matches!(m, '"' | '\\' | '$' | '`') {
                                    cur.push(m);
                                    chars.next();
                                } else {
                                    cur.push('\\');
                                }
                            }
                        }
                        _ => cur.push(n),
                    }
                }
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

fn shell_command(n: &mut Node) {
    if let NodeKind::Str(v) = &n.kind {
        let span = n.span;
        let words = shell_split(v).into_iter().map(|w| s_at(w, span)).collect();
        *n = tree::seq_at(words, span);
    } else {
        string_list(n);
    }
}

/// File modes (`0440`) as compose prints them: an octal string.
fn file_mode(n: &mut Node) {
    let v = match &n.kind {
        NodeKind::Int(i) => {
            // YAML 1.1 (Go) reads a leading-zero integer as octal: look at the source text.
            let written = crate::source::sources()
                .get(n.span.source)
                .and_then(|f| {
                    f.line_text(n.span.start.line).map(|l| {
                        l.chars()
                            .skip(n.span.start.col.saturating_sub(1) as usize)
                            .take_while(|c| c.is_ascii_alphanumeric())
                            .collect::<String>()
                    })
                })
                .unwrap_or_default();
            if written.len() > 1 && written.starts_with('0') && !written.starts_with("0x") {
                i64::from_str_radix(written.trim_start_matches("0o"), 8).unwrap_or(*i)
            } else {
                *i
            }
        }
        NodeKind::Str(v) => {
            let t = v.trim();
            if let Some(o) = t.strip_prefix("0o") {
                i64::from_str_radix(o, 8).unwrap_or(0)
            } else if t.len() > 1 && t.starts_with('0') {
                i64::from_str_radix(t, 8).unwrap_or(0)
            } else {
                t.parse().unwrap_or(0)
            }
        }
        _ => return,
    };
    n.kind = NodeKind::Str(format!("0{v:o}"));
}

/// Removes map entries whose values are empty, except `keep`.
fn omit_empty(n: &mut Node, keep: &[&str]) {
    if let Some(entries) = n.as_map_mut() {
        entries.retain(|(k, v)| {
            let key = key_str(k);
            keep.contains(&key.as_str()) || key.starts_with("x-") || !tree::is_empty_value(v)
        });
    }
}

fn shape_healthcheck(h: &mut Node) {
    if let Some(t) = h.get_mut("test") {
        if let NodeKind::Str(v) = &t.kind {
            let span = t.span;
            let v = v.clone();
            *t = tree::seq_at(vec![s_at("CMD-SHELL", span), s_at(v, span)], span);
        } else {
            string_list(t);
        }
    }
    for k in ["interval", "timeout", "start_period", "start_interval"] {
        if let Some(d) = h.get_mut(k) {
            to_duration(d);
        }
    }
    omit_empty(h, &["retries"]);
}

fn shape_mapping_field(svc: &mut Node, key: &str, bare: Option<&str>) {
    if let Some(n) = svc.get_mut(key) {
        to_mapping(n, bare);
    }
}

fn shape_deploy(d: &mut Node) {
    let span = d.span;
    shape_mapping_field(d, "labels", Some(""));
    for uc in ["update_config", "rollback_config"] {
        if let Some(u) = d.get_mut(uc) {
            for k in ["delay", "monitor"] {
                if let Some(v) = u.get_mut(k) {
                    to_duration(v);
                }
            }
            if let Some(r) = u.get_mut("max_failure_ratio") {
                to_float64(r);
            }
            omit_empty(u, &[]);
        }
    }
    if let Some(r) = d.get_mut("restart_policy") {
        for k in ["delay", "window"] {
            if let Some(v) = r.get_mut(k) {
                to_duration(v);
            }
        }
        omit_empty(r, &["max_attempts"]);
    }
    if !tree::has(d, "resources") {
        tree::set(d, "resources", tree::map_at(span));
    }
    if let Some(res) = d.get_mut("resources") {
        for k in ["limits", "reservations"] {
            if let Some(l) = res.get_mut(k) {
                if let Some(c) = l.get_mut("cpus") {
                    to_float(c);
                }
                if let Some(m) = l.get_mut("memory") {
                    to_bytes(m);
                }
                if let Some(devs) = l.get_mut("devices").and_then(|d| d.as_seq_mut()) {
                    for dev in devs.iter_mut() {
                        if let Some(c) = dev.get_mut("count") {
                            match &c.kind {
                                NodeKind::Str(v) if v == "all" => c.kind = NodeKind::Int(-1),
                                NodeKind::Str(v) => {
                                    if let Ok(i) = v.parse::<i64>() {
                                        c.kind = NodeKind::Int(i)
                                    }
                                }
                                _ => {}
                            }
                        }
                        omit_empty(dev, &[]);
                    }
                }
                omit_empty(l, &[]);
            }
        }
    }
    if !tree::has(d, "placement") {
        tree::set(d, "placement", tree::map_at(span));
    }
    omit_empty(d, &["replicas", "resources", "placement"]);
}

fn shape_service(svc: &mut Node) {
    let span = svc.span;
    for k in ["command", "entrypoint"] {
        match svc.get_mut(k) {
            Some(n) if !n.is_null() => shell_command(n),
            Some(_) => {}
            None => tree::set(svc, k, Node::null(span)),
        }
    }
    for k in DURATIONS {
        if let Some(n) = svc.get_mut(k) {
            to_duration(n);
        }
    }
    for k in BYTES {
        if let Some(n) = svc.get_mut(k) {
            to_bytes(n);
        }
    }
    if let Some(n) = svc.get_mut("cpus") {
        to_float(n);
    }
    for k in [
        "dns",
        "dns_search",
        "tmpfs",
        "expose",
        "cap_add",
        "cap_drop",
        "profiles",
        "dns_opt",
        "security_opt",
        "group_add",
        "links",
        "external_links",
        "volumes_from",
        "device_cgroup_rules",
    ] {
        if let Some(n) = svc.get_mut(k) {
            string_list(n);
        }
    }
    shape_mapping_field(svc, "labels", Some(""));
    shape_mapping_field(svc, "annotations", Some(""));
    shape_mapping_field(svc, "sysctls", Some(""));
    shape_mapping_field(svc, "storage_opt", Some(""));
    if let Some(e) = svc.get_mut("environment") {
        to_mapping_with_equals(e);
    }
    if let Some(eh) = svc.get_mut("extra_hosts") {
        extra_hosts(eh);
    }
    if let Some(h) = svc.get_mut("healthcheck") {
        shape_healthcheck(h);
    }
    if let Some(d) = svc.get_mut("deploy") {
        shape_deploy(d);
    }
    if let Some(l) = svc.get_mut("logging") {
        shape_mapping_field(l, "options", Some(""));
        omit_empty(l, &[]);
    }
    if let Some(b) = svc.get_mut("build") {
        if let Some(a) = b.get_mut("args") {
            to_mapping_with_equals(a);
        }
        shape_mapping_field(b, "labels", Some(""));
        shape_mapping_field(b, "additional_contexts", Some(""));
        if let Some(n) = b.get_mut("shm_size") {
            to_bytes(n);
        }
        if let Some(eh) = b.get_mut("extra_hosts") {
            extra_hosts(eh);
        }
        for k in [
            "cache_from",
            "cache_to",
            "tags",
            "platforms",
            "entitlements",
        ] {
            if let Some(n) = b.get_mut(k) {
                string_list(n);
            }
        }
        if let Some(secrets) = b.get_mut("secrets").and_then(|s| s.as_seq_mut()) {
            for m in secrets.iter_mut() {
                shape_mount(m);
            }
        }
        omit_empty(b, &[]);
    }
    for k in ["secrets", "configs"] {
        if let Some(items) = svc.get_mut(k).and_then(|s| s.as_seq_mut()) {
            for m in items.iter_mut() {
                shape_mount(m);
            }
        }
    }
    if let Some(ports) = svc.get_mut("ports").and_then(|s| s.as_seq_mut()) {
        for p in ports.iter_mut() {
            if let Some(pb) = p.get_mut("published")
                && let Some(v) = pb.scalar_string()
            {
                pb.kind = NodeKind::Str(v);
            }
            omit_empty(p, &[]);
        }
    }
    if let Some(vols) = svc.get_mut("volumes").and_then(|s| s.as_seq_mut()) {
        for v in vols.iter_mut() {
            if let Some(t) = v.get_mut("tmpfs") {
                if let Some(sz) = t.get_mut("size") {
                    to_bytes(sz);
                }
                if let Some(m) = t.get_mut("mode")
                    && let NodeKind::Str(x) = &m.kind
                    && let Ok(i) = x.parse::<i64>()
                {
                    m.kind = NodeKind::Int(i);
                }
                omit_empty(t, &[]);
            }
            if let Some(b) = v.get_mut("bind") {
                omit_empty(b, &[]);
            }
            if let Some(vv) = v.get_mut("volume") {
                shape_mapping_field(vv, "labels", Some(""));
                omit_empty(vv, &[]);
            }
            omit_empty(v, &["bind", "volume", "tmpfs", "image"]);
        }
    }
    if let Some(nets) = svc.get_mut("networks").and_then(|n| n.as_map_mut()) {
        for (_, n) in nets.iter_mut() {
            if n.is_map() {
                for k in ["aliases", "link_local_ips"] {
                    if let Some(a) = n.get_mut(k) {
                        string_list(a);
                    }
                }
                shape_mapping_field(n, "driver_opts", Some(""));
                omit_empty(n, &[]);
            }
        }
    }
    if let Some(deps) = svc.get_mut("depends_on").and_then(|n| n.as_map_mut()) {
        for (_, d) in deps.iter_mut() {
            omit_empty(d, &["required"]);
        }
    }
    if let Some(u) = svc.get_mut("ulimits").and_then(|n| n.as_map_mut()) {
        for (_, v) in u.iter_mut() {
            if let Some(single) = v.get("single").cloned() {
                *v = single;
            } else {
                omit_empty(v, &[]);
            }
        }
    }
    let mut keep: Vec<&str> = POINTERS.to_vec();
    keep.extend(["command", "entrypoint", "networks"]);
    omit_empty(svc, &keep);
    let _ = int_at;
}

fn shape_mount(m: &mut Node) {
    for k in ["uid", "gid"] {
        if let Some(n) = m.get_mut(k)
            && let Some(v) = n.scalar_string()
        {
            n.kind = NodeKind::Str(v);
        }
    }
    if let Some(mode) = m.get_mut("mode") {
        file_mode(mode);
    }
    omit_empty(m, &[]);
}

fn extra_hosts(n: &mut Node) {
    let span = n.span;
    let mut pairs: Vec<(String, String, Span)> = Vec::new();
    match &n.kind {
        NodeKind::Seq(items) => {
            for it in items {
                let t = it.scalar_string().unwrap_or_default();
                let (h, ip) = match t.split_once('=') {
                    Some(p) => p,
                    None => t.split_once(':').unwrap_or((t.as_str(), "")),
                };
                pairs.push((h.to_string(), ip.to_string(), it.span));
            }
        }
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                match v.as_seq() {
                    Some(ips) => {
                        for ip in ips {
                            pairs.push((
                                key_str(k),
                                ip.scalar_string().unwrap_or_default(),
                                ip.span,
                            ))
                        }
                    }
                    None => pairs.push((key_str(k), v.scalar_string().unwrap_or_default(), v.span)),
                }
            }
        }
        _ => return,
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    *n = tree::seq_at(
        pairs
            .into_iter()
            .map(|(h, ip, sp)| s_at(format!("{h}={ip}"), sp))
            .collect(),
        span,
    );
}

fn shape_resource(kind: &str, r: &mut Node) {
    shape_mapping_field(r, "labels", Some(""));
    shape_mapping_field(r, "driver_opts", Some(""));
    if kind == "networks" {
        let span = r.span;
        if r.get("ipam").is_none_or(Node::is_null) {
            tree::set(r, "ipam", tree::map_at(span));
        }
        if let Some(ipam) = r.get_mut("ipam") {
            omit_empty(ipam, &[]);
        }
        omit_empty(r, &["ipam", "enable_ipv4", "enable_ipv6"]);
    } else {
        omit_empty(r, &[]);
    }
}

/// Go-struct shaping of the whole project.
pub fn shape(dict: &mut Node) {
    for svc in services_mut(dict) {
        shape_service(svc);
    }
    for kind in ["networks", "volumes", "secrets", "configs"] {
        if let Some(res) = dict.get_mut(kind).and_then(|r| r.as_map_mut()) {
            for (_, r) in res.iter_mut() {
                shape_resource(kind, r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_split_like_shellwords() {
        assert_eq!(
            shell_split("echo 'a b' \"c d\" e\\ f"),
            ["echo", "a b", "c d", "e f"]
        );
        assert!(shell_split("  ").is_empty());
    }
}
