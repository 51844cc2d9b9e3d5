//! Top-level networks, volumes, secrets, configs and models no service uses, dropped.

use crate::yaml::Node;

use crate::compose::tree::{self, key_str};

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
