//! The objects that shape how the workload runs: PodDisruptionBudget, HorizontalPodAutoscaler,
//! Ingress.

use serde_json::{Value, json};

use super::super::k8s::{
    CrossVersionRef, HpaSpec, HttpIngressPath, HttpIngressRuleValue, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTls, LabelSelector, Metric, MetricTarget, Object,
    PdbSpec, ResourceMetric, ServiceBackendPort, Spec,
};
use super::super::kompose::Hints;
use super::super::xkomply::{Ingress, ServiceX};
use super::ports::{Ports, SPort};
use super::{Ctx, Made, warn};
use crate::diag::{Code, Diagnostic};

/// The provenance of the policy objects: `x-komply`, else the replica count they follow.
fn provenance(c: &Ctx, second: &[&str]) -> crate::k8s::Provenance {
    super::whole(c.svc, &[&["x-komply"], second])
}

/// A PodDisruptionBudget (`maxUnavailable: 1` unless `x-komply.pdb` says otherwise) for a
/// long-running service with several replicas, or when `x-komply.pdb.enabled` asks.
pub(super) fn pdb(c: &Ctx, many: bool, made: &mut Made) {
    let enabled = c.x.pdb.as_ref().and_then(|p| p.enabled);
    if !c.workload.kind.long_running() || !enabled.unwrap_or(many) {
        return;
    }
    let max_unavailable =
        c.x.pdb
            .as_ref()
            .and_then(|p| p.max_unavailable.clone())
            .unwrap_or(json!(1));
    let pdb = Object {
        api_version: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: c.meta(&c.name),
        body: Spec {
            spec: PdbSpec {
                max_unavailable,
                selector: LabelSelector {
                    match_labels: c.selector.clone(),
                },
            },
        },
    };
    made.push(&pdb, provenance(c, &["deploy", "replicas"]));
}

/// The autoscaler's spec from `x-komply.autoscale` or kompose's `kompose.hpa.*` labels (their
/// defaults: min 1, max 3, cpu 50 %, memory 70 %); cpu 80 % when no target is given. The
/// target is filled in by [`hpa`].
pub(super) fn hpa_spec(x: &ServiceX, hints: &Hints) -> Option<HpaSpec> {
    let (min, max, cpu, memory, behavior) = if let Some(a) = &x.autoscale {
        (
            a.min.unwrap_or(1),
            a.max,
            a.cpu,
            a.memory,
            a.behavior.clone(),
        )
    } else if hints.any_hpa() {
        let num = |v: &Option<String>, d: u32| {
            v.as_deref()
                .and_then(|s| s.trim_end_matches('%').parse().ok())
                .unwrap_or(d)
        };
        (
            num(&hints.hpa_min, 1),
            num(&hints.hpa_max, 3),
            Some(num(&hints.hpa_cpu, 50)),
            Some(num(&hints.hpa_memory, 70)),
            None,
        )
    } else {
        return None;
    };
    let cpu = if cpu.is_none() && memory.is_none() {
        Some(80)
    } else {
        cpu
    };
    let metrics = [("cpu", cpu), ("memory", memory)]
        .into_iter()
        .filter_map(|(name, target)| {
            Some(Metric {
                type_: "Resource",
                resource: ResourceMetric {
                    name,
                    target: MetricTarget {
                        type_: "Utilization",
                        average_utilization: target?,
                    },
                },
            })
        })
        .collect();
    Some(HpaSpec {
        scale_target_ref: CrossVersionRef {
            api_version: "apps/v1",
            kind: "Deployment",
            name: String::new(),
        },
        min_replicas: min.max(1),
        max_replicas: max.max(min.max(1)),
        metrics,
        behavior,
    })
}

/// The HorizontalPodAutoscaler of a long-running service (an error for a Job / CronJob; a
/// warning for a utilization target without the request it is computed from).
pub(super) fn hpa(
    c: &Ctx,
    spec: Option<HpaSpec>,
    made: &mut Made,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    let Some(mut spec) = spec else { return };
    let (svc, kind) = (c.svc, c.workload.kind);
    if !kind.long_running() {
        errors.push(
            Diagnostic::error(format!(
                "service `{}` is a {}; only Deployments and StatefulSets can autoscale",
                svc.name,
                kind.name()
            ))
            .at(svc.span(&["x-komply"]))
            .code(Code::GenerateHpaTarget),
        );
    }
    for m in &spec.metrics {
        let (have, what) = match m.resource.name {
            "cpu" => (
                svc.reservations.cpus.is_some(),
                "deploy.resources.reservations.cpus",
            ),
            _ => (
                svc.reservations.memory.is_some(),
                "deploy.resources.reservations.memory",
            ),
        };
        if !have {
            warn(
                warnings,
                svc.span(&["x-komply"]),
                Code::GenerateHpaWithoutRequests,
                format!(
                    "service `{}`: autoscaling on {} utilization needs `{what}` (a request); without it the HPA cannot compute utilization",
                    svc.name, m.resource.name
                ),
            );
        }
    }
    spec.scale_target_ref = CrossVersionRef {
        api_version: "apps/v1",
        kind: kind.name(),
        name: c.name.clone(),
    };
    let hpa = Object {
        api_version: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: c.meta(&c.name),
        body: Spec { spec },
    };
    made.push(&hpa, provenance(c, &["deploy", "replicas"]));
}

/// `(host, path, wanted port)` of one Ingress rule.
type Rule = (Option<String>, String, Option<Value>);

/// The rules, TLS secret and class of `x-komply.ingress`: every host × every path (each path
/// with its own port, or the single `path` on `port`).
fn from_x(i: &Ingress) -> (Vec<Rule>, Option<String>, Option<String>) {
    let mut hosts: Vec<Option<String>> = i
        .host
        .iter()
        .chain(i.hosts.iter())
        .cloned()
        .map(Some)
        .collect();
    if hosts.is_empty() {
        hosts.push(None);
    }
    let paths: Vec<(String, Option<Value>)> = if i.paths.is_empty() {
        vec![(i.path.clone().unwrap_or_else(|| "/".into()), i.port.clone())]
    } else {
        i.paths
            .iter()
            .map(|p| (p.path.clone(), p.port.clone().or(i.port.clone())))
            .collect()
    };
    let rules = hosts
        .iter()
        .flat_map(|h| {
            paths
                .iter()
                .map(move |(p, port)| (h.clone(), p.clone(), port.clone()))
        })
        .collect();
    (rules, i.tls_secret.clone(), i.class.clone())
}

/// The rules, TLS secret and class of kompose's `kompose.service.expose` labels (`true`, or
/// comma-separated `host[/path]`).
fn from_hints(expose: &str, hints: &Hints) -> (Vec<Rule>, Option<String>, Option<String>) {
    let rules = if expose.eq_ignore_ascii_case("true") {
        vec![(None, "/".to_string(), None)]
    } else {
        expose
            .split(',')
            .map(|h| {
                let h = h.trim();
                match h.find('/') {
                    Some(i) => (Some(h[..i].to_string()), h[i..].to_string(), None),
                    None => (Some(h.to_string()), "/".to_string(), None),
                }
            })
            .collect()
    };
    (
        rules,
        hints.expose_tls_secret.clone(),
        hints.expose_ingress_class.clone(),
    )
}

/// The Service port a rule routes to: by name, by number, else the first TCP port.
fn find_port<'a>(ports: &'a [SPort], wanted: &Option<Value>) -> Option<&'a SPort> {
    match wanted {
        Some(Value::String(s)) => ports.iter().find(|p| &p.name == s),
        Some(Value::Number(n)) => ports.iter().find(|p| n.as_u64() == Some(u64::from(p.port))),
        _ => ports.iter().find(|p| p.protocol == "tcp"),
    }
}

/// The Ingress spec of the service, if it asks for one; `None` with an error when a rule has no
/// port to route to.
fn ingress_spec(c: &Ctx, ports: &Ports, errors: &mut Vec<Diagnostic>) -> Option<IngressSpec> {
    let (rules, tls_secret, class) = match (&c.x.ingress, &c.hints.expose) {
        (Some(i), _) => from_x(i),
        (None, Some(e)) => from_hints(e, &c.hints),
        (None, None) => return None,
    };
    let mut out_rules: Vec<IngressRule> = Vec::new();
    for (host, path, wanted) in rules {
        let Some(port) = find_port(&ports.service, &wanted) else {
            errors.push(
                Diagnostic::error(format!(
                    "service `{}` has an ingress but no matching TCP port",
                    c.svc.name
                ))
                .at(c.svc.span(&["x-komply"]))
                .code(Code::GenerateIngressPort)
                .help("add `ports:` (or set the ingress `port` to one of them)"),
            );
            return None;
        };
        let p = HttpIngressPath {
            path,
            path_type: "Prefix",
            backend: IngressBackend {
                service: IngressServiceBackend {
                    name: c.name.clone(),
                    port: ServiceBackendPort {
                        name: port.name.clone(),
                    },
                },
            },
        };
        match out_rules.iter_mut().find(|r| r.host == host) {
            Some(r) => r.http.paths.push(p),
            None => out_rules.push(IngressRule {
                host,
                http: HttpIngressRuleValue { paths: vec![p] },
            }),
        }
    }
    let tls = tls_secret
        .map(|secret_name| {
            vec![IngressTls {
                hosts: out_rules.iter().filter_map(|r| r.host.clone()).collect(),
                secret_name,
            }]
        })
        .unwrap_or_default();
    Some(IngressSpec {
        ingress_class_name: class,
        tls,
        rules: out_rules,
    })
}

/// The Ingress of `x-komply.ingress` or kompose's expose labels, with the annotations asked for.
pub(super) fn ingress(c: &Ctx, ports: &Ports, made: &mut Made, errors: &mut Vec<Diagnostic>) {
    let Some(spec) = ingress_spec(c, ports, errors) else {
        return;
    };
    let mut meta = c.meta(&c.name);
    meta.annotations =
        c.x.ingress
            .as_ref()
            .map(|i| i.annotations.clone())
            .unwrap_or_default()
            .into_iter()
            .collect();
    let ing = Object {
        api_version: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: meta,
        body: Spec { spec },
    };
    made.push(&ing, provenance(c, &["ports"]));
}

#[cfg(test)]
mod tests {
    use super::super::ports::ports;
    use super::super::testing::{keys, with};
    use super::*;

    #[test]
    fn kompose_hpa_labels_use_kompose_defaults() {
        let hints = Hints {
            hpa_max: Some("5".into()),
            ..Default::default()
        };
        let spec = hpa_spec(&ServiceX::default(), &hints).expect("hpa");
        assert_eq!((spec.min_replicas, spec.max_replicas), (1, 5));
        assert_eq!(spec.metrics.len(), 2);
        assert_eq!(spec.metrics[0].resource.target.average_utilization, 50);
        assert!(hpa_spec(&ServiceX::default(), &Hints::default()).is_none());
    }

    #[test]
    fn an_ingress_routes_each_host_to_the_first_tcp_port() {
        let yaml = "name: p\nservices:\n  s:\n    image: busybox:1\n    labels:\n      kompose.service.expose: a.example.com,b.example.com/api\n    ports:\n      - target: 80\n        protocol: tcp\n";
        with(yaml, "s", |c, warnings, errors| {
            let p = ports(c, warnings);
            let mut made = Made::default();
            ingress(c, &p, &mut made, errors);
            assert!(errors.is_empty());
            let rules = &made.objects[0]["spec"]["rules"];
            assert_eq!(rules[0]["host"], "a.example.com");
            assert_eq!(rules[1]["http"]["paths"][0]["path"], "/api");
            assert_eq!(
                keys(&made.provenance[0], "/spec/rules/0"),
                ["x-komply", "ports"]
            );
        });
    }

    #[test]
    fn an_ingress_without_a_port_is_an_error() {
        let yaml = "name: p\nservices:\n  s:\n    image: busybox:1\n    labels:\n      kompose.service.expose: \"true\"\n";
        with(yaml, "s", |c, warnings, errors| {
            let p = ports(c, warnings);
            let mut made = Made::default();
            ingress(c, &p, &mut made, errors);
            assert!(made.objects.is_empty());
            assert_eq!(errors[0].code, Some(Code::GenerateIngressPort));
        });
    }

    #[test]
    fn a_pdb_for_several_replicas() {
        let yaml = "name: p\nservices:\n  s:\n    image: busybox:1\n";
        with(yaml, "s", |c, _, _| {
            let mut made = Made::default();
            pdb(c, false, &mut made);
            assert!(made.objects.is_empty());
            pdb(c, true, &mut made);
            assert_eq!(made.objects[0]["spec"]["maxUnavailable"], 1);
        });
    }
}
