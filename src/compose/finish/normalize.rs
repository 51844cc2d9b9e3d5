//! compose-go's normalisation: default network, pull policy, build defaults, bare environment
//! keys from the project environment, implicit dependencies, resource names.

use indexmap::IndexMap;

use crate::yaml::{Node, NodeKind, Span};

use super::mapping::to_mapping_with_equals;
use super::services_mut;
use crate::compose::tree::{self, bool_at, key_str, s, s_at};

fn implicit_dependency(restart: bool, span: Span) -> Node {
    let mut m = tree::map_at(span);
    tree::set(&mut m, "condition", s_at("service_started", span));
    tree::set(&mut m, "restart", bool_at(restart, span));
    tree::set(&mut m, "required", bool_at(true, span));
    m
}

/// compose-go `loader/normalize.go`.
pub(super) fn normalize(dict: &mut Node, name: &str, env: &IndexMap<String, String>) {
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
