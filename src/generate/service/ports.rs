//! Container ports and Service ports: `ports`, `expose`, and the ports other services reach it
//! on, each named once.

use std::collections::BTreeSet;

use super::super::naming;
use super::super::probes::NamedPort;
use super::{Ctx, warn};
use crate::diag::{Code, Diagnostic};
use crate::yaml::Span;

/// A port of the container, named.
pub(super) struct CPort {
    pub target: u16,
    pub protocol: String,
    pub name: String,
}

/// A port of the Service.
pub(super) struct SPort {
    pub name: String,
    pub port: u16,
    pub target_name: String,
    pub protocol: String,
    pub app_protocol: Option<String>,
}

/// The service's ports: the container's and the Service's.
#[derive(Default)]
pub(super) struct Ports {
    pub container: Vec<CPort>,
    pub service: Vec<SPort>,
    used_names: BTreeSet<String>,
}

/// A port to add: the container port and what the Compose entry says about it.
struct Wanted<'a> {
    target: u16,
    protocol: &'a str,
    published: Option<u16>,
    name: Option<&'a str>,
    app_protocol: Option<&'a str>,
    span: Span,
}

/// The Kubernetes protocol of a Compose protocol.
pub(super) fn protocol(p: &str) -> &'static str {
    match p {
        "udp" => "UDP",
        "sctp" => "SCTP",
        _ => "TCP",
    }
}

impl Ports {
    /// The container ports as probes see them.
    pub fn named(&self) -> Vec<NamedPort<'_>> {
        self.container
            .iter()
            .map(|c| NamedPort {
                port: c.target,
                protocol: &c.protocol,
                name: &c.name,
            })
            .collect()
    }

    /// The name of the container port `w` (added if new).
    fn container_port(&mut self, w: &Wanted, warnings: &mut Vec<Diagnostic>) -> String {
        let (target, proto) = (w.target, w.protocol);
        if let Some(c) = self
            .container
            .iter()
            .find(|c| c.target == target && c.protocol == proto)
        {
            return c.name.clone();
        }
        let mut n = match w.name {
            Some(name) if naming::is_port_name(name) => name.to_string(),
            Some(name) => {
                warn(
                    warnings,
                    w.span,
                    Code::GeneratePortName,
                    format!(
                        "port name `{name}` is not a valid Kubernetes port name (≤ 15 lowercase letters, digits, '-'); a generated name is used"
                    ),
                );
                naming::default_port_name(target, proto, w.app_protocol)
            }
            None => naming::default_port_name(target, proto, w.app_protocol),
        };
        if self.used_names.contains(&n) {
            n = format!("{proto}-{target}");
        }
        self.used_names.insert(n.clone());
        self.container.push(CPort {
            target,
            protocol: proto.to_string(),
            name: n.clone(),
        });
        n
    }

    /// Adds a container port and, unless the Service already listens there, a Service port.
    fn add(&mut self, w: Wanted, warnings: &mut Vec<Diagnostic>) {
        let cname = self.container_port(&w, warnings);
        let (port, proto) = (w.published.unwrap_or(w.target), w.protocol);
        if self
            .service
            .iter()
            .any(|s| s.port == port && s.protocol == proto)
        {
            return;
        }
        // A second published port for the same container port needs its own Service port name.
        let taken = |n: &str| self.service.iter().any(|s| s.name == n);
        let mut sname = cname.clone();
        if taken(&sname) {
            sname = format!("{proto}-{port}");
            let mut i = 2;
            while taken(&sname) {
                sname = format!("{proto}-{port}-{i}");
                i += 1;
            }
        }
        self.service.push(SPort {
            name: sname,
            port,
            target_name: cname,
            protocol: proto.to_string(),
            app_protocol: w.app_protocol.map(str::to_string),
        });
    }
}

/// The service's ports: `ports` (warning about what is not carried over), `expose`, then the
/// ports other services reach a long-running service on.
pub(super) fn ports(c: &Ctx, warnings: &mut Vec<Diagnostic>) -> Ports {
    let svc = c.svc;
    let mut out = Ports::default();
    for port in &svc.ports {
        let published = port
            .published
            .as_deref()
            .and_then(|p| p.parse::<u16>().ok());
        if port.published.is_some() && published.is_none() {
            warn(
                warnings,
                port.span,
                Code::GeneratePortRange,
                format!(
                    "service `{}`: published port `{}` is not a single port; the container port is used",
                    svc.name,
                    port.published.as_deref().unwrap_or("")
                ),
            );
        }
        if port.mode.as_deref() == Some("host") || port.host_ip.is_some() {
            warn(
                warnings,
                port.span,
                Code::ComposeUnsupportedKey,
                format!(
                    "service `{}`: host IP / host-mode publishing is not carried over; the port is exposed through the Service",
                    svc.name
                ),
            );
        }
        let wanted = Wanted {
            target: port.target,
            protocol: &port.protocol,
            published,
            name: port.name.as_deref(),
            app_protocol: port.app_protocol.as_deref(),
            span: port.span,
        };
        out.add(wanted, warnings);
    }
    let plain = |target: u16, protocol, published, span| Wanted {
        target,
        protocol,
        published,
        name: None,
        app_protocol: None,
        span,
    };
    for e in &svc.expose {
        out.add(plain(e.port, &e.protocol, None, e.span), warnings);
    }
    // Ports other services reach it on (a port-less server, a container port clients use).
    if c.workload.kind.long_running()
        && let Some(t) = c.reached
    {
        for &port in t.implied_ports.iter().chain(&t.extra_ports) {
            out.add(plain(port, "tcp", Some(port), svc.node.span), warnings);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::with;
    use super::*;

    /// (container port, name) and (Service port, name, target name).
    type Named = (Vec<(u16, String)>, Vec<(u16, String, String)>);

    fn ports_of(service: &str) -> Named {
        let yaml = format!("name: p\nservices:\n  s:\n    image: busybox:1\n{service}");
        with(&yaml, "s", |c, warnings, _| {
            let p = ports(c, warnings);
            (
                p.container
                    .iter()
                    .map(|c| (c.target, c.name.clone()))
                    .collect(),
                p.service
                    .iter()
                    .map(|s| (s.port, s.name.clone(), s.target_name.clone()))
                    .collect(),
            )
        })
    }

    #[test]
    fn published_ports_name_the_container_port_once() {
        let (container, service) = ports_of(
            "    ports:\n      - target: 80\n        published: \"8080\"\n        protocol: tcp\n      - target: 80\n        published: \"8081\"\n        protocol: tcp\n",
        );
        assert_eq!(container.len(), 1);
        let name = container[0].1.clone();
        assert_eq!(service.len(), 2);
        assert_eq!(service[0], (8080, name.clone(), name.clone()));
        // The second Service port for the same container port gets a name of its own.
        assert_eq!(service[1], (8081, "tcp-8081".to_string(), name));
    }

    #[test]
    fn expose_listens_on_the_container_port() {
        let (container, service) = ports_of("    expose:\n      - \"6379\"\n");
        assert_eq!(container[0].0, 6379);
        assert_eq!(service[0].0, 6379);
    }

    #[test]
    fn protocols_are_kubernetes_words() {
        assert_eq!(protocol("udp"), "UDP");
        assert_eq!(protocol("sctp"), "SCTP");
        assert_eq!(protocol("tcp"), "TCP");
    }
}
