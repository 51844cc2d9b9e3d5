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

#[cfg(test)]
mod tests {
    use super::super::testing::node;
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_only_what_services_use() {
        let mut d = node(json!({
            "services": {"web": {
                "networks": {"front": null},
                "volumes": [{"type": "volume", "source": "data"}, {"type": "bind", "source": "old"}],
                "secrets": [{"source": "s1"}],
                "build": {"secrets": [{"source": "s2"}]},
                "configs": [{"source": "c"}],
                "models": ["m"]
            }},
            "networks": {"front": {}, "back": {}},
            "volumes": {"data": {}, "old": {}},
            "secrets": {"s1": {}, "s2": {}, "s3": {}},
            "configs": {"c": {}, "d": {}},
            "models": {"m": {}, "n": {}}
        }));
        drop_unused_resources(&mut d);
        let j = d.to_json();
        assert_eq!(j["networks"], json!({"front": {}}));
        assert_eq!(j["volumes"], json!({"data": {}}));
        assert_eq!(j["secrets"], json!({"s1": {}, "s2": {}}));
        assert_eq!(j["configs"], json!({"c": {}}));
        assert_eq!(j["models"], json!({"m": {}}));
    }

    #[test]
    fn a_section_left_empty_goes() {
        let mut d = node(json!({"services": {"web": {}}, "volumes": {"old": {}}}));
        drop_unused_resources(&mut d);
        assert_eq!(d.to_json(), json!({"services": {"web": {}}}));
    }
}
