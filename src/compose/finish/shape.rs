//! Go-struct shaping: typed fields as compose-go's types print them (durations, byte sizes,
//! floats, file modes, lists) and `omitempty`, so the JSON equals the oracle's.

use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::yaml::{Node, NodeKind, Span};

use super::mapping::{to_mapping, to_mapping_with_equals};
use super::services_mut;
use super::shell::shell_split;
use crate::compose::tree::{self, key_str, s_at};
use crate::compose::units;

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

/// A string `command` / `entrypoint` split into words as compose-go splits it (a line it
/// cannot split is an error at the value); a list stays a list of strings.
fn shell_command(key: &str, n: &mut Node) -> Result<()> {
    if let NodeKind::Str(v) = &n.kind {
        let span = n.span;
        let words = shell_split(v).map_err(|why| {
            Failure::one(
                Diagnostic::error(format!("`{key}`: {why}"))
                    .at(span)
                    .code(Code::ComposeCommand)
                    .help("Docker Compose splits a string command like a shell: close every quote, escape a trailing `\\`, quote `(` and `)`, or write the command as a list"),
            )
        })?;
        *n = tree::seq_at(words.into_iter().map(|w| s_at(w, span)).collect(), span);
    } else {
        string_list(n);
    }
    Ok(())
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

/// Service keys that are string lists in compose-go (a single string becomes a list of one).
const STRING_LISTS: &[&str] = &[
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
];

/// One service, key by key, then its empty fields dropped (`omitempty`).
fn shape_service(svc: &mut Node) -> Result<()> {
    shape_commands(svc)?;
    shape_scalars(svc);
    for k in STRING_LISTS {
        if let Some(n) = svc.get_mut(k) {
            string_list(n);
        }
    }
    shape_mappings(svc);
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
        shape_build(b);
    }
    for k in ["secrets", "configs"] {
        if let Some(items) = svc.get_mut(k).and_then(|s| s.as_seq_mut()) {
            for m in items.iter_mut() {
                shape_mount(m);
            }
        }
    }
    shape_ports(svc);
    shape_volumes(svc);
    shape_service_networks(svc);
    if let Some(deps) = svc.get_mut("depends_on").and_then(|n| n.as_map_mut()) {
        for (_, d) in deps.iter_mut() {
            omit_empty(d, &["required"]);
        }
    }
    shape_ulimits(svc);
    let mut keep: Vec<&str> = POINTERS.to_vec();
    keep.extend(["command", "entrypoint", "networks"]);
    omit_empty(svc, &keep);
    Ok(())
}

/// `command` and `entrypoint`: a string is split into words; both are always present.
fn shape_commands(svc: &mut Node) -> Result<()> {
    let span = svc.span;
    for k in ["command", "entrypoint"] {
        match svc.get_mut(k) {
            Some(n) if !n.is_null() => shell_command(k, n)?,
            Some(_) => {}
            None => tree::set(svc, k, Node::null(span)),
        }
    }
    Ok(())
}

/// Durations, byte sizes and `cpus` of the service itself.
fn shape_scalars(svc: &mut Node) {
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
}

/// Labels, annotations, sysctls, storage options, environment and extra hosts as mappings.
fn shape_mappings(svc: &mut Node) {
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
}

/// `build`: args, labels, contexts, `shm_size`, hosts, string lists and secret mounts.
fn shape_build(b: &mut Node) {
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

/// `ports`: `published` is a string.
fn shape_ports(svc: &mut Node) {
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
}

/// `volumes`: tmpfs size and mode, bind and volume options.
fn shape_volumes(svc: &mut Node) {
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
}

/// The networks a service joins: aliases, link-local IPs and driver options.
fn shape_service_networks(svc: &mut Node) {
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
}

/// `ulimits`: a single value stays a number, soft / hard drop their empty fields.
fn shape_ulimits(svc: &mut Node) {
    if let Some(u) = svc.get_mut("ulimits").and_then(|n| n.as_map_mut()) {
        for (_, v) in u.iter_mut() {
            if let Some(single) = v.get("single").cloned() {
                *v = single;
            } else {
                omit_empty(v, &[]);
            }
        }
    }
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
pub fn shape(dict: &mut Node) -> Result<()> {
    for svc in services_mut(dict) {
        shape_service(svc)?;
    }
    for kind in ["networks", "volumes", "secrets", "configs"] {
        if let Some(res) = dict.get_mut(kind).and_then(|r| r.as_map_mut()) {
            for (_, r) in res.iter_mut() {
                shape_resource(kind, r);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::node;
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_fields_print_like_compose_go() {
        let mut d = node(json!({
            "services": {"web": {
                "command": "echo 'a b'",
                "stop_grace_period": "90s",
                "mem_limit": "50m",
                "cpus": "0.5",
                "dns": "8.8.8.8",
                "labels": ["a=1", "b"],
                "extra_hosts": {"h": "1.2.3.4"},
                "healthcheck": {"test": "curl x", "interval": 30},
                "secrets": [{"source": "s", "mode": "0440", "uid": 0}],
                "ports": [{"published": 8080, "target": 80}],
                "ulimits": {"nofile": {"single": 1024}},
                "privileged": false,
                "init": false
            }},
            "networks": {"n": {}}
        }));
        shape(&mut d).unwrap();
        let j = d.to_json();
        let web = &j["services"]["web"];
        assert_eq!(web["command"], json!(["echo", "a b"]));
        assert_eq!(web["entrypoint"], json!(null));
        assert_eq!(web["stop_grace_period"], "1m30s");
        assert_eq!(web["mem_limit"], "52428800");
        assert_eq!(web["cpus"], json!(0.5));
        assert_eq!(web["dns"], json!(["8.8.8.8"]));
        assert_eq!(web["labels"], json!({"a": "1", "b": ""}));
        assert_eq!(web["extra_hosts"], json!(["h=1.2.3.4"]));
        assert_eq!(
            web["healthcheck"],
            json!({"test": ["CMD-SHELL", "curl x"], "interval": "30s"})
        );
        assert_eq!(
            web["secrets"][0],
            json!({"source": "s", "mode": "0440", "uid": "0"})
        );
        assert_eq!(web["ports"][0], json!({"published": "8080", "target": 80}));
        assert_eq!(web["ulimits"]["nofile"], 1024);
        // `omitempty`, except for compose-go's pointer fields
        assert!(web.get("privileged").is_none());
        assert_eq!(web["init"], false);
        assert_eq!(j["networks"]["n"], json!({"ipam": {}}));
    }

    #[test]
    fn deploy_gets_resources_and_placement() {
        let mut d = node(json!({"services": {"web": {"deploy": {
            "replicas": 0,
            "resources": {"limits": {"cpus": 1, "memory": "1g"}},
            "restart_policy": {"delay": "5s", "max_attempts": 0}
        }}}}));
        shape(&mut d).unwrap();
        assert_eq!(
            d.to_json()["services"]["web"]["deploy"],
            json!({
                "replicas": 0,
                "resources": {"limits": {"cpus": 1, "memory": "1073741824"}},
                "restart_policy": {"delay": "5s", "max_attempts": 0},
                "placement": {}
            })
        );
    }
}
