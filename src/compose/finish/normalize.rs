//! compose-go's normalisation: default network, pull policy, build defaults, bare environment
//! keys from the project environment, implicit dependencies, resource names.

use indexmap::IndexMap;

use crate::yaml::{Node, NodeKind, Span};

use super::mapping::to_mapping_with_equals;
use super::services_mut;
use crate::compose::shortsyntax::clean_path;
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
    default_network(dict);
    for svc in services_mut(dict) {
        service_defaults(svc, env);
        clean_volume_targets(svc);
        implicit_dependencies(svc);
    }
    resource_names(dict, name);
    tree::set(dict, "name", s(name));
}

/// The default network, only if some service uses it (explicitly, or by naming none).
fn default_network(dict: &mut Node) {
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
}

/// `pull_policy: if_not_present` → `missing`; build context and Dockerfile defaults; bare
/// build args and environment keys from the project environment.
fn service_defaults(svc: &mut Node, env: &IndexMap<String, String>) {
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
}

/// Every volume's `target` through Go's `path.Clean`, long syntax included (`/opt/app/` →
/// `/opt/app`; the short syntax is cleaned when it is parsed), as compose-go's
/// `loader/normalize.go` does.
fn clean_volume_targets(svc: &mut Node) {
    for v in svc
        .get_mut("volumes")
        .and_then(Node::as_seq_mut)
        .into_iter()
        .flatten()
    {
        if let Some(t) = v.get_mut("target")
            && let NodeKind::Str(target) = &t.kind
        {
            t.kind = NodeKind::Str(clean_path(target));
        }
    }
}

/// Implicit dependencies from links, shared namespaces and `volumes_from`.
fn implicit_dependencies(svc: &mut Node) {
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

/// Resource names: `<project>_<key>`, or the key itself for an external resource.
fn resource_names(dict: &mut Node, name: &str) {
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

#[cfg(test)]
mod tests {
    use super::super::testing::node;
    use super::*;
    use serde_json::json;

    #[test]
    fn networks_dependencies_defaults_and_names() {
        let mut d = node(json!({
            "services": {
                "web": {
                    "links": ["db:database"],
                    "volumes_from": ["cache:ro", "container:other"],
                    "ipc": "service:db",
                    "pull_policy": "if_not_present",
                    "build": {"args": {"A": null, "B": null}},
                    "environment": ["HOME", "UNSET", "X=1"]
                },
                "db": {"network_mode": "host"},
                "cache": {"networks": {"back": null}}
            },
            "networks": {"back": null},
            "volumes": {"data": {"external": true}, "logs": null}
        }));
        let env: IndexMap<String, String> = [("A", "1"), ("HOME", "/h")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        normalize(&mut d, "proj", &env);
        let j = d.to_json();
        let web = &j["services"]["web"];
        assert_eq!(web["networks"], json!({"default": null}));
        assert!(j["services"]["db"].get("networks").is_none());
        assert_eq!(j["services"]["cache"]["networks"], json!({"back": null}));
        assert_eq!(
            j["networks"],
            json!({"back": {"name": "proj_back"}, "default": {"name": "proj_default"}})
        );
        assert_eq!(
            web["depends_on"]["db"],
            json!({"condition": "service_started", "restart": true, "required": true})
        );
        assert_eq!(web["depends_on"]["cache"]["restart"], false);
        assert!(web["depends_on"].get("other").is_none());
        assert_eq!(web["pull_policy"], "missing");
        assert_eq!(
            web["build"],
            json!({"args": {"A": "1"}, "context": ".", "dockerfile": "Dockerfile"})
        );
        assert_eq!(
            web["environment"],
            json!({"HOME": "/h", "UNSET": null, "X": "1"})
        );
        assert_eq!(j["volumes"]["data"]["name"], "data");
        assert_eq!(j["volumes"]["logs"]["name"], "proj_logs");
        assert_eq!(j["name"], "proj");
    }

    #[test]
    fn no_default_network_when_no_service_needs_it() {
        let mut d =
            node(json!({"services": {"a": {"network_mode": "none"}, "p": {"provider": {}}}}));
        normalize(&mut d, "proj", &IndexMap::new());
        assert!(d.get("networks").is_none());
    }
}
