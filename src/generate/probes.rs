//! `healthcheck` → readiness **and** liveness probes (+ a startup probe for `start_period`).
//!
//! `CMD` → `exec.command` as a list; `CMD-SHELL` / a string → `["/bin/sh", "-c", cmd]` (kompose
//! passes the whole string as one argv word, which fails at runtime). Compose's defaults are
//! carried over (interval 30s, timeout 30s, retries 3), not Kubernetes' (10s / 1s / 3). A plain
//! `curl`/`wget` of `http://localhost:PORT/PATH` on a declared port becomes an `httpGet` probe on the
//! named port, so the image needs no curl. `disable: true` / `["NONE"]` → no probes. The liveness probe gets twice
//! the readiness failure threshold, so it is never the first to act. The startup probe allows
//! `start_period` + `retries` × `interval`, the time Docker waits before calling it unhealthy.

use serde_json::Value;

use super::k8s::{Handler, HttpGet, Probe};
use super::kompose::{Hints, ProbeLabels};
use crate::compose::model::{HealthTest, Service, parse_duration_secs};
use crate::diag::{Code, Diagnostic};

const DEFAULT_INTERVAL: u64 = 30;
const DEFAULT_TIMEOUT: u64 = 30;
const DEFAULT_RETRIES: u64 = 3;
const DEFAULT_START_INTERVAL: u64 = 5;

#[derive(Debug, Default)]
pub struct Probes {
    pub startup: Option<Probe>,
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
}

/// A container port: its number, protocol and name.
pub struct NamedPort<'a> {
    pub port: u16,
    pub protocol: &'a str,
    pub name: &'a str,
}

fn port_value(port: u16, ports: &[NamedPort]) -> Value {
    ports
        .iter()
        .find(|p| p.port == port && p.protocol == "tcp")
        .map_or(Value::from(port), |p| Value::String(p.name.to_string()))
}

/// Recognises `curl [flags] URL` / `wget [flags] URL` against localhost.
fn http_get(args: &[String], ports: &[NamedPort]) -> Option<HttpGet> {
    let (tool, rest) = args.split_first()?;
    let tool = tool.rsplit('/').next().unwrap_or(tool);
    if tool != "curl" && tool != "wget" {
        return None;
    }
    let mut url = None;
    for a in rest {
        if a.starts_with('-') {
            // Flags that take a separate argument change the request: not a plain GET.
            let takes_arg = matches!(
                a.as_str(),
                "-H" | "-X"
                    | "-d"
                    | "-u"
                    | "-o"
                    | "-O"
                    | "--header"
                    | "--data"
                    | "--user"
                    | "--request"
                    | "--output"
                    | "-T"
                    | "-F"
            );
            let harmless_output = matches!(a.as_str(), "-o" | "-O" | "--output");
            if takes_arg && !harmless_output {
                return None;
            }
            continue;
        }
        if a == "/dev/null" || a == "-" {
            continue;
        }
        if url.is_some() {
            return None;
        }
        url = Some(a.as_str());
    }
    let url = url?;
    let (scheme, rest) = if let Some(r) = url.strip_prefix("http://") {
        (None, r)
    } else if let Some(r) = url.strip_prefix("https://") {
        (Some("HTTPS"), r)
    } else {
        return None;
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().ok()?),
        None => (authority, if scheme.is_some() { 443 } else { 80 }),
    };
    if !matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "0.0.0.0") {
        return None;
    }
    // A port the container does not declare stays a command: an httpGet on it is a probe on a
    // port the pod spec does not know (komply lint KP403), and the image ran the command in Docker.
    if !ports.iter().any(|p| p.port == port && p.protocol == "tcp") {
        return None;
    }
    Some(HttpGet {
        path: path.to_string(),
        port: port_value(port, ports),
        scheme,
    })
}

/// Splits a shell command into words when it is a simple command (no quoting, pipes, variables).
fn simple_words(cmd: &str) -> Option<Vec<String>> {
    let mut c = cmd.trim();
    for tail in ["|| exit 1", "||exit 1", "|| false"] {
        if let Some(s) = c.strip_suffix(tail) {
            c = s.trim_end();
        }
    }
    if c.contains(['\'', '"', '|', ';', '&', '$', '`', '>', '<', '(', '\\']) {
        return None;
    }
    Some(c.split_whitespace().map(str::to_string).collect())
}

fn handler_for(test: &HealthTest, ports: &[NamedPort]) -> Option<Handler> {
    match test {
        HealthTest::None => None,
        HealthTest::Exec(args) => Some(match http_get(args, ports) {
            Some(h) => Handler::HttpGet(h),
            None => Handler::Exec {
                command: args.clone(),
            },
        }),
        HealthTest::Shell(cmd) => Some(match simple_words(cmd).and_then(|w| http_get(&w, ports)) {
            Some(h) => Handler::HttpGet(h),
            None => Handler::Exec {
                command: vec!["/bin/sh".into(), "-c".into(), cmd.clone()],
            },
        }),
    }
}

fn label_handler(l: &ProbeLabels, ports: &[NamedPort]) -> Option<Handler> {
    if let Some(p) = &l.tcp_port {
        let port = p.parse::<u16>().ok()?;
        return Some(Handler::TcpSocket {
            port: port_value(port, ports),
        });
    }
    if l.http_get_path.is_some() || l.http_get_port.is_some() {
        let port = l
            .http_get_port
            .as_deref()
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or(80);
        return Some(Handler::HttpGet(HttpGet {
            path: l.http_get_path.clone().unwrap_or_else(|| "/".into()),
            port: port_value(port, ports),
            scheme: None,
        }));
    }
    l.test
        .as_ref()
        .and_then(|t| handler_for(&HealthTest::Shell(t.clone()), ports))
}

struct Timing {
    period: u64,
    timeout: u64,
    retries: u64,
    start_period: Option<u64>,
    start_interval: u64,
}

fn probe(handler: Handler, t: &Timing) -> Probe {
    Probe {
        handler,
        initial_delay_seconds: None,
        period_seconds: t.period.max(1),
        timeout_seconds: t.timeout.max(1),
        failure_threshold: t.retries.max(1),
    }
}

/// Docker gives a container `start_period` during which failures do not count, then `retries`
/// failures `interval` apart before it is unhealthy: the startup probe allows at least as long
/// (a shorter one would restart a container Docker considers merely slow).
fn startup(handler: Handler, t: &Timing) -> Option<Probe> {
    let start = t.start_period.filter(|s| *s > 0)?;
    let period = t.start_interval.max(1);
    let allowed = start + t.retries.max(1) * t.period.max(1);
    Some(Probe {
        handler,
        initial_delay_seconds: None,
        period_seconds: period,
        timeout_seconds: t.timeout.max(1),
        failure_threshold: startup_threshold(allowed, period),
    })
}

/// The startup failure threshold that covers `allowed` seconds at `period`.
pub fn startup_threshold(allowed: u64, period: u64) -> u64 {
    allowed.div_ceil(period.max(1)).max(1)
}

/// The probes of a long-running service.
pub fn probes(
    svc: &Service,
    hints: &Hints,
    ports: &[NamedPort],
    warnings: &mut Vec<Diagnostic>,
) -> Probes {
    let hc = svc.healthcheck.clone().unwrap_or_default();
    let span = svc.span(&["healthcheck"]);
    if hc.disable || hc.test == Some(HealthTest::None) {
        return Probes::default();
    }
    let timing = Timing {
        period: hc.interval.unwrap_or(DEFAULT_INTERVAL),
        timeout: hc.timeout.unwrap_or(DEFAULT_TIMEOUT),
        retries: hc.retries.unwrap_or(DEFAULT_RETRIES),
        start_period: hc.start_period,
        start_interval: hc.start_interval.unwrap_or(DEFAULT_START_INTERVAL),
    };
    let base = hc.test.as_ref().and_then(|t| handler_for(t, ports));
    if svc.healthcheck.is_some() && base.is_none() && !hints.liveness.is_set() {
        warnings.push(
            Diagnostic::warning(format!(
                "service `{}`: healthcheck without `test` (the image's HEALTHCHECK cannot be read); no probes",
                svc.name
            ))
            .at(span)
            .code(Code::GenerateNoProbeTest),
        );
    }
    let live_handler = if hints.liveness.is_set() {
        label_handler(&hints.liveness, ports)
    } else {
        base.clone()
    };
    let mut out = Probes::default();
    if let Some(h) = &live_handler {
        // Readiness reacts after Compose's `retries`; liveness waits twice as long, so an
        // overloaded pod is first taken out of rotation, and restarted only if it stays stuck.
        let mut live = probe(h.clone(), &timing);
        live.failure_threshold = live.failure_threshold.saturating_mul(2);
        out.liveness = Some(live);
        out.startup = startup(h.clone(), &timing);
    }
    let r = &hints.readiness;
    if r.disable {
        return out;
    }
    if r.is_set() {
        let secs =
            |v: &Option<String>, d: u64| v.as_deref().and_then(parse_duration_secs).unwrap_or(d);
        let t = Timing {
            period: secs(&r.interval, timing.period),
            timeout: secs(&r.timeout, timing.timeout),
            retries: r
                .retries
                .as_deref()
                .and_then(|s| s.parse().ok())
                .unwrap_or(timing.retries),
            start_period: r.start_period.as_deref().and_then(parse_duration_secs),
            start_interval: timing.start_interval,
        };
        out.readiness = label_handler(r, ports).map(|h| probe(h, &t));
    } else {
        out.readiness = base.map(|h| probe(h, &timing));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ports() -> Vec<NamedPort<'static>> {
        vec![NamedPort {
            port: 8080,
            protocol: "tcp",
            name: "http",
        }]
    }

    #[test]
    fn curl_becomes_http_get_on_named_port() {
        let h = handler_for(
            &HealthTest::Shell("curl -fsS http://localhost:8080/health || exit 1".into()),
            &ports(),
        );
        assert_eq!(
            h,
            Some(Handler::HttpGet(HttpGet {
                path: "/health".into(),
                port: Value::String("http".into()),
                scheme: None
            }))
        );
        let w = handler_for(
            &HealthTest::Exec(vec![
                "wget".into(),
                "-qO-".into(),
                "http://127.0.0.1:9000/".into(),
            ]),
            &ports(),
        );
        // Port 9000 is not declared: the command stays.
        assert!(matches!(w, Some(Handler::Exec { .. })), "{w:?}");
    }

    #[test]
    fn shell_form_runs_through_sh() {
        let h = handler_for(&HealthTest::Shell("pg_isready -U app".into()), &ports());
        assert_eq!(
            h,
            Some(Handler::Exec {
                command: vec!["/bin/sh".into(), "-c".into(), "pg_isready -U app".into()]
            })
        );
        // A curl to another host or with a header stays a command.
        let h = handler_for(
            &HealthTest::Exec(vec![
                "curl".into(),
                "-H".into(),
                "X: y".into(),
                "http://localhost/".into(),
            ]),
            &ports(),
        );
        assert!(matches!(h, Some(Handler::Exec { .. })));
    }
}
