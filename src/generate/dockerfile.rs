//! Reads the Dockerfile of a `build:`-only service for the two facts the pod needs: the image the
//! final stage is built `FROM` (its profile applies when the Dockerfile sets no user) and the
//! `USER` it ends with, with the uids its `useradd` / `adduser` lines give to names.
//!
//! Only a Dockerfile inside the project directory is read, and nothing of it reaches an output
//! but the base image name and the user.

use std::collections::BTreeMap;
use std::path::Path;

use crate::compose::model::Service;

/// What the final stage of a Dockerfile says about its user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Built {
    /// The image the stage chain starts from (`node:20-alpine`), variables resolved; `None` for
    /// `FROM scratch` or an unresolvable name.
    pub base: Option<String>,
    /// The last `USER` of the chain (`app`, `1000:1000`), variables resolved.
    pub user: Option<String>,
    /// User names given a uid by `useradd -u` / `adduser -u` in the chain.
    pub uids: BTreeMap<String, i64>,
}

/// The Dockerfile facts of a service built from a local context inside `project_dir`.
pub fn of_service(svc: &Service, project_dir: &Path) -> Option<Built> {
    let build = svc.node.get("build")?;
    let context = Path::new(build.get("context").and_then(|n| n.as_str())?);
    let target = build.get("target").and_then(|n| n.as_str());
    let text = if let Some(inline) = build.get("dockerfile_inline").and_then(|n| n.as_str()) {
        inline.to_string()
    } else {
        let file = build
            .get("dockerfile")
            .and_then(|n| n.as_str())
            .unwrap_or("Dockerfile");
        let path = context.join(file);
        let root = project_dir.canonicalize().ok()?;
        let real = path.canonicalize().ok()?;
        if !real.starts_with(&root) {
            return None;
        }
        crate::fsio::read_text(&real).ok()?
    };
    Some(parse(&text, target))
}

#[derive(Debug, Default, Clone)]
struct Stage {
    name: Option<String>,
    from: String,
    user: Option<String>,
    uids: BTreeMap<String, i64>,
    vars: BTreeMap<String, String>,
}

/// Logical lines: continuations joined, comments and blank lines dropped.
fn lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for raw in text.lines() {
        let t = raw.trim();
        if cur.is_empty() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        if let Some(head) = t.strip_suffix('\\') {
            cur.push_str(head);
            cur.push(' ');
        } else {
            cur.push_str(t);
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// `$NAME`, `${NAME}`, `${NAME:-default}` from `vars`; `None` when one stays unresolved.
fn substitute(s: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, default, len) = if let Some(b) = after.strip_prefix('{') {
            let end = b.find('}')?;
            let inner = &b[..end];
            match inner.split_once(":-").or_else(|| inner.split_once('-')) {
                Some((n, d)) => (n, Some(d), end + 2),
                None => (inner, None, end + 2),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], None, end)
        };
        let value = match vars.get(name) {
            Some(v) if !v.is_empty() => v.clone(),
            _ => default?.to_string(),
        };
        out.push_str(&value);
        rest = &after[len..];
    }
    out.push_str(rest);
    Some(out)
}

/// `KEY=value` pairs (or `KEY value` for the legacy `ENV KEY value` form).
fn assignments(args: &str) -> Vec<(String, String)> {
    let args = args.trim();
    if !args.contains('=') {
        return match args.split_once(char::is_whitespace) {
            Some((k, v)) => vec![(k.to_string(), v.trim().to_string())],
            None if !args.is_empty() => vec![(args.to_string(), String::new())],
            None => Vec::new(),
        };
    }
    args.split_whitespace()
        .filter_map(|w| {
            let (k, v) = w.split_once('=').unwrap_or((w, ""));
            (!k.is_empty()).then(|| (k.to_string(), v.trim_matches('"').to_string()))
        })
        .collect()
}

/// `useradd … -u 1000 … app`, `adduser -u 1000 -D app`, `adduser --uid 1000 app`: name → uid.
fn created_users(run: &str, vars: &BTreeMap<String, String>, into: &mut BTreeMap<String, i64>) {
    for cmd in run.split(['&', ';', '|']) {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let Some(pos) = words
            .iter()
            .position(|w| matches!(w.rsplit('/').next(), Some("useradd" | "adduser")))
        else {
            continue;
        };
        let mut uid: Option<i64> = None;
        let mut name: Option<&str> = None;
        let mut i = pos + 1;
        // Options that take a value; the last bare word is the user name.
        const VALUED: &[&str] = &[
            "-g",
            "-G",
            "-d",
            "-h",
            "-s",
            "-c",
            "-k",
            "-K",
            "-e",
            "-f",
            "-p",
            "--gid",
            "--groups",
            "--home",
            "--home-dir",
            "--shell",
            "--comment",
            "--gecos",
            "--ingroup",
            "-g=",
            "-b",
        ];
        while i < words.len() {
            let w = words[i];
            if let Some(v) = w.strip_prefix("--uid=") {
                uid = substitute(v, vars).and_then(|v| v.parse().ok());
            } else if w == "-u" || w == "--uid" {
                uid = words
                    .get(i + 1)
                    .and_then(|v| substitute(v.trim_matches('"'), vars))
                    .and_then(|v| v.parse().ok());
                i += 1;
            } else if VALUED.contains(&w) {
                i += 1;
            } else if !w.starts_with('-') {
                name = Some(w.trim_matches('"'));
            }
            i += 1;
        }
        if let (Some(u), Some(n)) = (uid, name.and_then(|n| substitute(n, vars))) {
            into.insert(n, u);
        }
    }
}

/// Parses a Dockerfile; `target` names the stage that is built (default: the last one).
pub fn parse(text: &str, target: Option<&str>) -> Built {
    let mut global: BTreeMap<String, String> = BTreeMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    for line in lines(text) {
        let (instr, args) = match line.split_once(char::is_whitespace) {
            Some((i, a)) => (i.to_ascii_uppercase(), a.trim().to_string()),
            None => (line.to_ascii_uppercase(), String::new()),
        };
        match instr.as_str() {
            "FROM" => {
                let words: Vec<&str> = args
                    .split_whitespace()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let Some(image) = words.first() else { continue };
                let name = match (words.get(1), words.get(2)) {
                    (Some(a), Some(n)) if a.eq_ignore_ascii_case("as") => Some(n.to_string()),
                    _ => None,
                };
                let from = substitute(image, &global).unwrap_or_default();
                let parent = stages
                    .iter()
                    .rev()
                    .find(|s| s.name.as_deref() == Some(from.as_str()))
                    .cloned();
                let mut stage = match parent {
                    // `FROM builder`: the stage continues the earlier one.
                    Some(p) => Stage { name, ..p },
                    None => Stage {
                        name,
                        from,
                        ..Default::default()
                    },
                };
                for (k, v) in &global {
                    stage.vars.entry(k.clone()).or_insert_with(|| v.clone());
                }
                stages.push(stage);
            }
            "ARG" | "ENV" => {
                let pairs = assignments(&args);
                match stages.last_mut() {
                    Some(s) => {
                        for (k, v) in pairs {
                            let v = substitute(&v, &s.vars).unwrap_or_default();
                            if instr == "ARG" && v.is_empty() {
                                // `ARG NAME` re-imports the global default into the stage.
                                if let Some(g) = global.get(&k) {
                                    s.vars.insert(k, g.clone());
                                }
                                continue;
                            }
                            s.vars.insert(k, v);
                        }
                    }
                    None if instr == "ARG" => {
                        for (k, v) in pairs {
                            global.insert(k, v);
                        }
                    }
                    None => {}
                }
            }
            "USER" => {
                if let Some(s) = stages.last_mut() {
                    // An unresolvable `USER $X` stays as written: a user komply cannot name.
                    s.user = Some(
                        substitute(args.trim(), &s.vars).unwrap_or_else(|| args.trim().to_string()),
                    );
                }
            }
            "RUN" => {
                if let Some(s) = stages.last_mut() {
                    let vars = s.vars.clone();
                    created_users(&args, &vars, &mut s.uids);
                }
            }
            _ => {}
        }
    }
    let stage = match target {
        Some(t) => stages.iter().rev().find(|s| s.name.as_deref() == Some(t)),
        None => stages.last(),
    };
    let Some(stage) = stage else {
        return Built::default();
    };
    let base =
        Some(stage.from.clone()).filter(|f| !f.is_empty() && f != "scratch" && !f.contains('$'));
    Built {
        base,
        user: stage.user.clone().filter(|u| !u.is_empty()),
        uids: stage.uids.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_stage_user_and_base() {
        let b = parse(
            "ARG NODE=20\nFROM node:${NODE}-alpine AS build\nRUN npm ci\n\
             FROM nginx:1.27 AS web\nCOPY --from=build /app /usr/share/nginx/html\n",
            None,
        );
        assert_eq!(b.base.as_deref(), Some("nginx:1.27"));
        assert_eq!(b.user, None);
    }

    #[test]
    fn users_created_in_the_stage_get_their_uid() {
        let b = parse(
            "FROM python:3.12-slim\nARG UID=10001\n\
             RUN groupadd -g ${UID} app && \\\n    useradd --create-home -u ${UID} -g app app\nUSER app\n",
            None,
        );
        assert_eq!(b.user.as_deref(), Some("app"));
        assert_eq!(b.uids.get("app"), Some(&10001));
        let a = parse(
            "FROM alpine:3.20\nRUN addgroup -S -g 1000 web && adduser -S -D -u 1000 -G web web\nUSER web:web\n",
            None,
        );
        assert_eq!(a.uids.get("web"), Some(&1000));
        assert_eq!(a.user.as_deref(), Some("web:web"));
    }

    #[test]
    fn a_stage_built_from_a_stage_inherits_its_user_and_target_selects() {
        let t = "FROM golang:1.23 AS base\nUSER 1000\nFROM base AS dev\nFROM gcr.io/distroless/static AS prod\n";
        let dev = parse(t, Some("dev"));
        assert_eq!(dev.base.as_deref(), Some("golang:1.23"));
        assert_eq!(dev.user.as_deref(), Some("1000"));
        let prod = parse(t, None);
        assert_eq!(prod.base.as_deref(), Some("gcr.io/distroless/static"));
        assert_eq!(prod.user, None);
    }

    #[test]
    fn unresolved_variables_leave_the_fact_unknown() {
        let b = parse("FROM ${BASE}\nUSER $APP_USER\n", None);
        assert_eq!(b.base, None);
        assert_eq!(b.user.as_deref(), Some("$APP_USER"));
        assert_eq!(parse("FROM scratch\n", None).base, None);
    }
}
