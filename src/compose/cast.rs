//! Interpolation of one document's values, then casting of the typed fields compose-go casts
//! after substitution (`loader/interpolate.go`), so `replicas: "${N}"` becomes an integer.

use indexmap::IndexMap;

use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::yaml::{Node, NodeKind};

use super::tree::{key_str, path_matches};

/// Interpolates every string value (never keys) of a document.
pub fn interpolate_document(
    doc: &mut Node,
    env: &IndexMap<String, String>,
    warnings: &mut Vec<Diagnostic>,
    budget: &mut super::interpolate::Budget,
) -> Result<()> {
    let lookup = |k: &str| env.get(k).cloned();
    super::interpolate::interpolate_node_within(doc, &lookup, warnings, budget)
        .map_err(Failure::one)
}

#[derive(Clone, Copy)]
enum Cast {
    Int,
    Float,
    Bool,
}

const CASTS: &[(&str, Cast)] = &[
    ("services.*.configs.[].mode", Cast::Int),
    ("services.*.cpu_count", Cast::Int),
    ("services.*.cpu_percent", Cast::Float),
    ("services.*.cpu_period", Cast::Int),
    ("services.*.cpu_quota", Cast::Int),
    ("services.*.cpu_rt_period", Cast::Int),
    ("services.*.cpu_rt_runtime", Cast::Int),
    ("services.*.cpus", Cast::Float),
    ("services.*.cpu_shares", Cast::Int),
    ("services.*.init", Cast::Bool),
    ("services.*.depends_on.*.required", Cast::Bool),
    ("services.*.depends_on.*.restart", Cast::Bool),
    ("services.*.deploy.replicas", Cast::Int),
    ("services.*.deploy.update_config.parallelism", Cast::Int),
    (
        "services.*.deploy.update_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.rollback_config.parallelism", Cast::Int),
    (
        "services.*.deploy.rollback_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.restart_policy.max_attempts", Cast::Int),
    (
        "services.*.deploy.placement.max_replicas_per_node",
        Cast::Int,
    ),
    ("services.*.healthcheck.retries", Cast::Int),
    ("services.*.healthcheck.disable", Cast::Bool),
    ("services.*.oom_kill_disable", Cast::Bool),
    ("services.*.oom_score_adj", Cast::Int),
    ("services.*.pids_limit", Cast::Int),
    ("services.*.ports.[].target", Cast::Int),
    ("services.*.privileged", Cast::Bool),
    ("services.*.read_only", Cast::Bool),
    ("services.*.scale", Cast::Int),
    ("services.*.secrets.[].mode", Cast::Int),
    ("services.*.stdin_open", Cast::Bool),
    ("services.*.tty", Cast::Bool),
    ("services.*.ulimits.*", Cast::Int),
    ("services.*.ulimits.*.hard", Cast::Int),
    ("services.*.ulimits.*.soft", Cast::Int),
    ("services.*.volumes.[].read_only", Cast::Bool),
    ("services.*.volumes.[].volume.nocopy", Cast::Bool),
    ("networks.*.external", Cast::Bool),
    ("networks.*.internal", Cast::Bool),
    ("networks.*.attachable", Cast::Bool),
    ("networks.*.enable_ipv4", Cast::Bool),
    ("networks.*.enable_ipv6", Cast::Bool),
    ("volumes.*.external", Cast::Bool),
    ("secrets.*.external", Cast::Bool),
    ("configs.*.external", Cast::Bool),
];

/// Casts string scalars at typed paths to int / float / bool, like compose-go.
pub fn cast_types(doc: &mut Node, warnings: &mut Vec<Diagnostic>) -> Result<()> {
    let mut path = Vec::new();
    cast_walk(doc, &mut path, warnings)
}

fn cast_walk(n: &mut Node, path: &mut Vec<String>, warnings: &mut Vec<Diagnostic>) -> Result<()> {
    if let NodeKind::Str(s) = &n.kind {
        // Secrets/configs modes are octal in the oracle's eyes; keep them as written here and
        // let canonicalisation interpret them.
        if let Some((_, cast)) = CASTS.iter().find(|(p, _)| path_matches(path, p)) {
            if path_matches(path, "services.*.secrets.[].mode")
                || path_matches(path, "services.*.configs.[].mode")
            {
                return Ok(());
            }
            let s = s.trim().to_string();
            let kind = match cast {
                Cast::Int => s.parse::<i64>().ok().map(NodeKind::Int),
                Cast::Float => s.parse::<f64>().ok().map(NodeKind::Float),
                Cast::Bool => match s.to_ascii_lowercase().as_str() {
                    "true" => Some(NodeKind::Bool(true)),
                    "false" => Some(NodeKind::Bool(false)),
                    "y" | "yes" | "on" => {
                        warnings.push(bool_warning(n, &s, path));
                        Some(NodeKind::Bool(true))
                    }
                    "n" | "no" | "off" => {
                        warnings.push(bool_warning(n, &s, path));
                        Some(NodeKind::Bool(false))
                    }
                    _ => None,
                },
            };
            match kind {
                Some(k) => n.kind = k,
                None => {
                    return Err(Failure::one(
                        Diagnostic::error(format!(
                            "{}: failed to cast to expected type: {:?} is not {}",
                            path.join("."),
                            s,
                            match cast {
                                Cast::Int => "an integer",
                                Cast::Float => "a number",
                                Cast::Bool => "a boolean",
                            }
                        ))
                        .at(n.span)
                        .code(Code::ComposeType),
                    ));
                }
            }
        }
        return Ok(());
    }
    match &mut n.kind {
        NodeKind::Seq(items) => {
            for it in items.iter_mut() {
                path.push("[]".into());
                cast_walk(it, path, warnings)?;
                path.pop();
            }
        }
        NodeKind::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                path.push(key_str(k));
                cast_walk(v, path, warnings)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

fn bool_warning(n: &Node, s: &str, path: &[String]) -> Diagnostic {
    Diagnostic::warning(format!(
        "{}: {s:?} for boolean is not supported by YAML 1.2, please use `true` or `false`",
        path.join(".")
    ))
    .at(n.span)
    .code(Code::ComposeYaml11Bool)
}
