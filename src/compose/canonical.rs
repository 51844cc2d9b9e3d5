//! Short syntax → long syntax, on the merged tree (compose-go `transform/canonical.go`).
//!
//! Idempotent: running it on an already canonical tree changes nothing, which is what lets the
//! loader canonicalise after every file like compose-go does.

use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::yaml::{Node, NodeKind, Span};

use super::shortsyntax;
use super::tree::{self, bool_at, int_at, key_str, s_at};

fn err(msg: String, span: Span) -> Failure {
    Failure::one(Diagnostic::error(msg).at(span).code(Code::ComposeSyntax))
}

pub fn canonical(dict: &mut Node) -> Result<()> {
    if let Some(services) = dict.get_mut("services").and_then(|s| s.as_map_mut()) {
        for (k, svc) in services.iter_mut() {
            let name = key_str(k);
            if svc.is_null() {
                *svc = tree::map_at(svc.span);
            }
            if svc.is_map() {
                service(&name, svc)?;
            }
        }
    }
    for kind in ["volumes", "networks", "secrets", "configs"] {
        if let Some(res) = dict.get_mut(kind).and_then(|s| s.as_map_mut()) {
            for (_, r) in res.iter_mut() {
                if r.is_null() {
                    *r = tree::map_at(r.span);
                }
                maybe_external(r);
            }
        }
    }
    if let Some(inc) = dict.get_mut("include")
        && let Some(items) = inc.as_seq_mut()
    {
        for it in items.iter_mut() {
            if it.as_str().is_some() {
                let span = it.span;
                let p = std::mem::replace(it, tree::map_at(span));
                tree::set(it, "path", seq_at(vec![p], span));
            } else if let Some(p) = it.get_mut("path") {
                string_to_list(p);
            }
            if let Some(e) = it.get_mut("env_file") {
                string_to_list(e);
            }
        }
    }
    Ok(())
}

fn seq_at(items: Vec<Node>, span: Span) -> Node {
    tree::seq_at(items, span)
}

fn string_to_list(n: &mut Node) {
    if n.is_scalar() && !n.is_null() {
        let span = n.span;
        let v = std::mem::replace(n, Node::null(span));
        *n = seq_at(vec![v], span);
    }
}

/// `external: {name: x}` (legacy) → `external: true, name: x`.
fn maybe_external(r: &mut Node) {
    let Some(ext) = r.get("external") else { return };
    if let Some(name) = ext.get("name").cloned() {
        let span = ext.span;
        tree::set(r, "external", bool_at(true, span));
        tree::set(r, "name", name);
    }
}

fn service(name: &str, svc: &mut Node) -> Result<()> {
    let _ = name;
    if let Some(b) = svc.get_mut("build") {
        if b.as_str().is_some() {
            let span = b.span;
            let ctx = std::mem::replace(b, tree::map_at(span));
            tree::set(b, "context", ctx);
        }
        if let Some(ssh) = b.get_mut("ssh") {
            string_to_list(ssh);
        }
        if let Some(secrets) = b.get_mut("secrets").and_then(|s| s.as_seq_mut()) {
            for m in secrets.iter_mut() {
                file_mount(m);
            }
        }
    }
    if let Some(d) = svc.get_mut("depends_on") {
        match &mut d.kind {
            NodeKind::Seq(items) => {
                let entries = std::mem::take(items)
                    .into_iter()
                    .map(|it| {
                        let v = super::merge::depends_on_default(&it);
                        (it, v)
                    })
                    .collect();
                d.kind = NodeKind::Map(entries);
            }
            NodeKind::Map(entries) => {
                for (_, v) in entries.iter_mut() {
                    if v.is_null() {
                        *v = tree::map_at(v.span);
                    }
                    let span = v.span;
                    if !tree::has(v, "condition") {
                        tree::set(v, "condition", s_at("service_started", span));
                    }
                    if !tree::has(v, "required") {
                        tree::set(v, "required", bool_at(true, span));
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(e) = svc.get_mut("env_file") {
        string_to_list(e);
        if let Some(items) = e.as_seq_mut() {
            for it in items.iter_mut() {
                if it.as_str().is_some() {
                    let span = it.span;
                    let p = std::mem::replace(it, tree::map_at(span));
                    tree::set(it, "path", p);
                    tree::set(it, "required", bool_at(true, span));
                } else if it.is_map() && !tree::has(it, "required") {
                    let span = it.span;
                    tree::set(it, "required", bool_at(true, span));
                }
            }
        }
    }
    for k in ["label_file", "dns", "dns_search", "tmpfs"] {
        if let Some(n) = svc.get_mut(k) {
            string_to_list(n);
        }
    }
    if let Some(e) = svc.get_mut("extends")
        && e.as_str().is_some()
    {
        let span = e.span;
        let v = std::mem::replace(e, tree::map_at(span));
        tree::set(e, "service", v);
    }
    if let Some(n) = svc.get_mut("networks")
        && let NodeKind::Seq(items) = &mut n.kind
    {
        let entries = std::mem::take(items)
            .into_iter()
            .map(|it| {
                let sp = it.span;
                (it, Node::null(sp))
            })
            .collect();
        n.kind = NodeKind::Map(entries);
    }
    if let Some(vols) = svc.get_mut("volumes").and_then(|v| v.as_seq_mut()) {
        for v in vols.iter_mut() {
            volume(v)?;
        }
    }
    if let Some(devs) = svc.get_mut("devices").and_then(|v| v.as_seq_mut()) {
        for d in devs.iter_mut() {
            if let Some(spec) = d.as_str().map(str::to_string) {
                let span = d.span;
                let parts: Vec<&str> = spec.split(':').collect();
                let (src, dst, perm) = match parts.len() {
                    1 => (parts[0], parts[0], "rwm"),
                    2 => (parts[0], parts[1], "rwm"),
                    3 => (parts[0], parts[1], parts[2]),
                    _ => return Err(err(format!("invalid device mapping: {spec}"), span)),
                };
                let mut m = tree::map_at(span);
                tree::set(&mut m, "source", s_at(src, span));
                tree::set(&mut m, "target", s_at(dst, span));
                tree::set(&mut m, "permissions", s_at(perm, span));
                *d = m;
            }
        }
    }
    for k in ["secrets", "configs"] {
        if let Some(items) = svc.get_mut(k).and_then(|v| v.as_seq_mut()) {
            for m in items.iter_mut() {
                file_mount(m);
            }
        }
    }
    if let Some(p) = svc.get_mut("ports") {
        ports(p)?;
    }
    if let Some(u) = svc.get_mut("ulimits").and_then(|u| u.as_map_mut()) {
        for (_, v) in u.iter_mut() {
            if let NodeKind::Int(i) = v.kind {
                let span = v.span;
                let mut m = tree::map_at(span);
                tree::set(&mut m, "single", int_at(i, span));
                *v = m;
            }
        }
    }
    if let Some(g) = svc.get_mut("gpus")
        && g.as_str() == Some("all")
    {
        let span = g.span;
        let mut m = tree::map_at(span);
        tree::set(&mut m, "count", int_at(-1, span));
        *g = seq_at(vec![m], span);
    }
    Ok(())
}

fn file_mount(m: &mut Node) {
    if m.as_str().is_some() {
        let span = m.span;
        let v = std::mem::replace(m, tree::map_at(span));
        tree::set(m, "source", v);
    }
}

fn volume(v: &mut Node) -> Result<()> {
    let Some(spec) = v.as_str().map(str::to_string) else {
        return Ok(());
    };
    let span = v.span;
    let parsed = shortsyntax::parse_volume(&spec).map_err(|e| err(e, span))?;
    let mut m = spanned(&parsed, span);
    if let Some(t) = m.get_mut("target")
        && let Some(s) = t.as_str()
    {
        t.kind = NodeKind::Str(clean_target(s));
    }
    *v = m;
    Ok(())
}

/// A JSON value (from the short-syntax parsers) as a node tree carrying `span` everywhere.
fn spanned(v: &serde_json::Value, span: Span) -> Node {
    fn respan(n: &mut Node, span: Span) {
        n.span = span;
        match &mut n.kind {
            NodeKind::Seq(items) => items.iter_mut().for_each(|i| respan(i, span)),
            NodeKind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                respan(k, span);
                respan(v, span)
            }),
            _ => {}
        }
    }
    let mut n = Node::from_json(v);
    respan(&mut n, span);
    n
}

/// `path.Clean` for container paths (POSIX), unless it looks like a Windows path.
fn clean_target(t: &str) -> String {
    if t.len() >= 2 && t.as_bytes()[1] == b':' || t.contains('\\') {
        return t.to_string();
    }
    let abs = t.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in t.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !abs {
                    out.push("..");
                }
            }
            p => out.push(p),
        }
    }
    let joined = out.join("/");
    match (abs, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn ports(p: &mut Node) -> Result<()> {
    let Some(items) = p.as_seq_mut() else {
        return Ok(());
    };
    let mut out = Vec::new();
    for it in std::mem::take(items) {
        let span = it.span;
        match &it.kind {
            NodeKind::Int(_) | NodeKind::Str(_) => {
                let spec = it.scalar_string().unwrap_or_default();
                let parsed = shortsyntax::parse_port(&spec).map_err(|e| err(e, span))?;
                out.extend(parsed.iter().map(|p| spanned(p, span)));
            }
            NodeKind::Map(_) => {
                let mut m = it;
                if let Some(pb) = m.get_mut("published")
                    && let NodeKind::Int(i) = pb.kind
                {
                    pb.kind = NodeKind::Str(i.to_string());
                }
                out.push(m);
            }
            _ => {
                return Err(err(
                    format!(
                        "invalid port: expected a string, a number or a mapping, found {}",
                        it.type_name()
                    ),
                    span,
                ));
            }
        }
    }
    *items = out;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_target_like_go() {
        assert_eq!(clean_target("/a/b/../c/"), "/a/c");
        assert_eq!(clean_target("/"), "/");
        assert_eq!(clean_target("data"), "data");
    }
}
