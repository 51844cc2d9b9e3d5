//! Relative paths joined with the project (or an extended / included file's) directory.

use std::path::Path;

use crate::yaml::{Node, NodeKind};

use super::services_mut;

fn expand_user(p: &str, home: &str) -> String {
    if p == "~" {
        return home.to_string();
    }
    match p.strip_prefix("~/") {
        Some(rest) if !home.is_empty() => format!("{}/{rest}", home.trim_end_matches('/')),
        _ => p.to_string(),
    }
}

pub(super) fn is_abs(p: &str) -> bool {
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
    crate::compose::project::clean_path(Path::new(&joined))
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

#[cfg(test)]
mod tests {
    use super::super::testing::node;
    use super::*;
    use serde_json::json;

    #[test]
    fn relative_paths_join_the_base() {
        let mut d = node(json!({
            "services": {"web": {
                "build": {"context": "app", "additional_contexts": {
                    "lib": "../lib", "img": "docker-image://alpine", "remote": "https://x/y.git"
                }},
                "env_file": [{"path": "web.env"}],
                "label_file": ["labels"],
                "extends": {"file": "base.yaml"},
                "volumes": [
                    {"type": "bind", "source": "~/data"},
                    {"type": "bind", "source": "./conf"},
                    {"type": "volume", "source": "db"}
                ]
            }, "git": {"build": {"context": "git@github.com:me/app.git"}}},
            "secrets": {"s": {"file": "/abs/s"}},
            "configs": {"c": {"file": "c.conf"}}
        }));
        rebase_paths(&mut d, "/p", "/home/me");
        let j = d.to_json();
        let web = &j["services"]["web"];
        assert_eq!(web["build"]["context"], "/p/app");
        assert_eq!(web["build"]["additional_contexts"]["lib"], "/lib");
        assert_eq!(
            web["build"]["additional_contexts"]["img"],
            "docker-image://alpine"
        );
        assert_eq!(
            web["build"]["additional_contexts"]["remote"],
            "https://x/y.git"
        );
        assert_eq!(web["env_file"][0]["path"], "/p/web.env");
        assert_eq!(web["label_file"][0], "/p/labels");
        assert_eq!(web["extends"]["file"], "/p/base.yaml");
        assert_eq!(web["volumes"][0]["source"], "/home/me/data");
        assert_eq!(web["volumes"][1]["source"], "/p/conf");
        assert_eq!(web["volumes"][2]["source"], "db");
        assert_eq!(
            j["services"]["git"]["build"]["context"],
            "git@github.com:me/app.git"
        );
        assert_eq!(j["secrets"]["s"]["file"], "/abs/s");
        assert_eq!(j["configs"]["c"]["file"], "/p/c.conf");
    }

    #[test]
    fn absolute_paths_include_windows_ones() {
        assert!(is_abs("/x"));
        assert!(is_abs("\\\\server\\share"));
        assert!(is_abs("C:\\Users"));
        assert!(is_abs("d:/data"));
        assert!(!is_abs("c:data"));
        assert!(!is_abs("./x"));
        assert_eq!(expand_user("~", "/h"), "/h");
        assert_eq!(expand_user("~/a", "/h/"), "/h/a");
        assert_eq!(expand_user("~/a", ""), "~/a");
        assert_eq!(expand_user("~other/a", "/h"), "~other/a");
    }
}
