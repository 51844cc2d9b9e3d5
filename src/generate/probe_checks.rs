//! Probes that cannot work as generated, found once every object exists: a probe command that
//! calls a file from a mount that was left out, or a host name no Service of the project gives
//! (the probe runs in the pod's network: only `localhost` and Service names resolve).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::compose::model::{Model, MountKind};
use crate::diag::{Code, Diagnostic};
use crate::k8s::workload::pod_spec_of as pod_spec;

/// Host names a probe command reaches: URL authorities and `-h` / `--host` arguments.
fn hosts(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let text = words.join(" ");
    let mut rest = text.as_str();
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let end = after
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'' || c == '?')
            .unwrap_or(after.len());
        let mut auth = &after[..end];
        if let Some((_, h)) = auth.rsplit_once('@') {
            auth = h;
        }
        let host = if auth.starts_with('[') {
            auth.split(']')
                .next()
                .map(|h| format!("{h}]"))
                .unwrap_or_default()
        } else {
            auth.split(':').next().unwrap_or_default().to_string()
        };
        out.push(host);
        rest = &after[end..];
    }
    let split: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in split.iter().enumerate() {
        if let Some(h) = w.strip_prefix("--host=").or_else(|| w.strip_prefix("-h=")) {
            out.push(h.to_string());
        } else if matches!(*w, "-h" | "--host" | "--hostname")
            && let Some(h) = split.get(i + 1)
        {
            out.push(h.to_string());
        }
    }
    out.into_iter()
        .map(|h| {
            h.trim_matches(|c| c == '"' || c == '\'' || c == ';')
                .to_string()
        })
        .filter(|h| !h.is_empty())
        .collect()
}

/// True for a host that resolves without a Service: loopback, an address, a dotted name (DNS
/// outside the project), or something only the shell knows (`$HOST`).
fn resolves_anyway(h: &str) -> bool {
    let lower = h.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "localhost" | "0.0.0.0" | "[::1]" | "::1" | "[::]"
    ) || lower.parse::<std::net::IpAddr>().is_ok()
        || lower.contains('.')
        || lower.contains('$')
        || lower.contains('{')
}

fn probe_words(probe: &Value) -> Vec<String> {
    probe["exec"]["command"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_str())
                .flat_map(|w| w.split_whitespace().map(str::to_string).collect::<Vec<_>>())
                .collect()
        })
        .unwrap_or_default()
}

/// Warns about the probes of every workload that cannot work (see the module doc).
pub(crate) fn check(
    model: &Model,
    objects: &[Value],
    provenance: &[crate::k8s::Provenance],
    warnings: &mut Vec<Diagnostic>,
) {
    let service_names: BTreeSet<&str> = objects
        .iter()
        .filter(|o| o["kind"] == "Service")
        .filter_map(|o| o["metadata"]["name"].as_str())
        .collect();
    for (obj, prov) in objects.iter().zip(provenance) {
        let (Some(spec), Some(owner)) = (pod_spec(obj), &prov.service) else {
            continue;
        };
        let Some(svc) = model.services.iter().find(|s| &s.name == owner) else {
            continue;
        };
        let container = &spec["containers"][0];
        let mounted: BTreeSet<&str> = container["volumeMounts"]
            .as_array()
            .map(|a| a.iter().filter_map(|m| m["mountPath"].as_str()).collect())
            .unwrap_or_default();
        let dropped: Vec<&str> = svc
            .volumes
            .iter()
            .filter(|m| matches!(m.kind, MountKind::Bind | MountKind::Other(_)))
            .map(|m| m.target.trim_end_matches('/'))
            .filter(|t| !mounted.contains(t))
            .collect();
        let at = svc.span(&["healthcheck", "test"]);
        let mut said: BTreeSet<String> = BTreeSet::new();
        for which in ["startupProbe", "readinessProbe", "livenessProbe"] {
            let probe = &container[which];
            if probe.is_null() {
                continue;
            }
            let words = probe_words(probe);
            for w in &words {
                let w = w.trim_matches(|c| c == '"' || c == '\'' || c == ';');
                if let Some(t) = dropped
                    .iter()
                    .find(|t| w == **t || w.starts_with(&format!("{t}/")))
                    && said.insert(format!("file {w}"))
                {
                    warnings.push(
                        Diagnostic::warning(format!(
                            "service `{}`: the healthcheck runs `{w}`, which comes from the host path mounted at `{t}`; that mount is not carried over, so the probe fails and the pod never becomes ready",
                            svc.name
                        ))
                        .at(at)
                        .code(Code::GenerateProbeDroppedMount)
                        .help("ship the script in the image (or as a Compose `configs:` entry), or change the healthcheck"),
                    );
                }
            }
            let mut hs = hosts(&words);
            if let Some(h) = probe["httpGet"]["host"].as_str() {
                hs.push(h.to_string());
            }
            for h in hs {
                if resolves_anyway(&h) || service_names.contains(h.as_str()) {
                    continue;
                }
                if said.insert(format!("host {h}")) {
                    warnings.push(
                        Diagnostic::warning(format!(
                            "service `{}`: the healthcheck reaches host `{h}`, which no Service of the project provides; in the pod it does not resolve and the probe fails",
                            svc.name
                        ))
                        .at(at)
                        .code(Code::GenerateProbeHost)
                        .help(format!(
                            "probe the container itself (`localhost`), or give `{h}` a Service (`ports:` / `expose:` on that service)"
                        )),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_urls_and_flags() {
        let w = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(hosts(&w("curl -f http://web:8080/health")), vec!["web"]);
        assert_eq!(hosts(&w("pg_isready -h db -U app")), vec!["db"]);
        assert_eq!(hosts(&w("mysqladmin ping --host=mysql")), vec!["mysql"]);
        assert_eq!(hosts(&w("wget -q http://user:pw@[::1]:80/")), vec!["[::1]"]);
        assert!(resolves_anyway("127.0.0.1") && resolves_anyway("api.example.com"));
        assert!(resolves_anyway("$HOST") && !resolves_anyway("cache"));
    }
}
