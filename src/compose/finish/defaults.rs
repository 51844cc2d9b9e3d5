//! Defaults compose-go sets on a loaded model (`transform.SetDefaultValues`).

use crate::yaml::Node;

use super::services_mut;
use crate::compose::tree::{self, s_at};

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

#[cfg(test)]
mod tests {
    use super::super::testing::node;
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_what_compose_go_defaults() {
        let mut d = node(json!({"services": {"web": {
            "build": {"dockerfile": "D"},
            "secrets": [{"source": "pw"}, {"source": "tls", "target": "/etc/tls"}],
            "ports": [{"target": 80}, {"target": 53, "protocol": "udp", "mode": "host"}],
            "deploy": {"resources": {"reservations": {"devices": [
                {"capabilities": ["gpu"]}, {"capabilities": ["gpu"], "device_ids": ["0"]}
            ]}}}
        }}}));
        set_defaults(&mut d);
        let web = &d.to_json()["services"]["web"];
        assert_eq!(web["build"]["context"], ".");
        assert_eq!(web["secrets"][0]["target"], "/run/secrets/pw");
        assert_eq!(web["secrets"][1]["target"], "/etc/tls");
        assert_eq!(web["ports"][0]["mode"], "ingress");
        assert_eq!(web["ports"][0]["protocol"], "tcp");
        assert_eq!(web["ports"][1]["mode"], "host");
        assert_eq!(web["ports"][1]["protocol"], "udp");
        let devices = &web["deploy"]["resources"]["reservations"]["devices"];
        assert_eq!(devices[0]["count"], "all");
        assert!(devices[1].get("count").is_none());
    }
}
