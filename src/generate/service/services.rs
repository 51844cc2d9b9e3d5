//! The Service objects: the service's own (ClusterIP, NodePort, LoadBalancer or headless), the
//! alias Services other services' names need, and a StatefulSet's headless governing Service.

use serde_json::Value;

use super::super::k8s::{Object, ServicePort, ServiceSpec, Spec};
use super::super::kompose;
use super::kind::Kind;
use super::ports::{Ports, protocol};
use super::{Ctx, Made};

/// The Service type asked for (`x-komply.service_type`, kompose's `kompose.service.type`).
fn service_type(c: &Ctx) -> Option<String> {
    c.x.service_type.clone().or_else(|| {
        c.hints
            .service_type
            .as_deref()
            .and_then(kompose::service_type)
            .map(str::to_string)
    })
}

/// The Service ports (a NodePort only when there is a single port to give it to).
fn service_ports(c: &Ctx, ports: &Ports, service_type: Option<&str>) -> Vec<ServicePort> {
    let node_port = c
        .hints
        .nodeport_port
        .as_deref()
        .and_then(|s| s.parse::<u16>().ok());
    let single_node_port = service_type == Some("NodePort") && ports.service.len() == 1;
    ports
        .service
        .iter()
        .map(|s| ServicePort {
            name: s.name.clone(),
            port: s.port,
            target_port: Value::String(s.target_name.clone()),
            protocol: protocol(&s.protocol),
            app_protocol: s.app_protocol.clone(),
            node_port: if single_node_port { node_port } else { None },
        })
        .collect()
}

/// The service's own Service spec.
fn main_spec(
    c: &Ctx,
    ports: Vec<ServicePort>,
    type_: Option<String>,
    headless: bool,
) -> ServiceSpec {
    let external = matches!(type_.as_deref(), Some("NodePort" | "LoadBalancer"));
    ServiceSpec {
        type_: type_.filter(|t| t != "ClusterIP" && t != "Headless"),
        cluster_ip: headless.then_some("None"),
        external_traffic_policy: c
            .hints
            .external_traffic_policy
            .as_deref()
            .filter(|_| external)
            .map(|p| {
                if p.eq_ignore_ascii_case("local") {
                    "Local".to_string()
                } else {
                    "Cluster".to_string()
                }
            }),
        selector: c.selector.clone(),
        ports,
    }
}

/// Makes the Services; returns the name of the StatefulSet's governing Service (the service's
/// own name unless a separate headless one is needed).
pub(super) fn services(c: &Ctx, ports: &Ports, made: &mut Made) -> String {
    let kind = c.workload.kind;
    let type_ = service_type(c);
    let asked_headless = type_.as_deref() == Some("Headless");
    let svc_ports = service_ports(c, ports, type_.as_deref());
    // A StatefulSet needs a governing Service; a port-less service others reach needs its name.
    let headless_for_sts =
        kind == Kind::StatefulSet || (kind.long_running() && c.reached.is_some_and(|t| t.headless));
    let governing = if headless_for_sts && !svc_ports.is_empty() && !asked_headless {
        format!("{}-headless", c.name)
    } else {
        c.name.clone()
    };
    if svc_ports.is_empty() && !headless_for_sts && !asked_headless {
        return governing;
    }
    let prov = || super::whole(c.svc, &[&["ports"], &["expose"]]);
    let headless = asked_headless || (headless_for_sts && svc_ports.is_empty());
    let main = main_spec(c, svc_ports.clone(), type_, headless);
    let object = |name: &str, spec: ServiceSpec| Object {
        api_version: "v1",
        kind: "Service",
        metadata: c.meta(name),
        body: Spec { spec },
    };
    made.push(&object(&c.name, main.clone()), prov());
    // Names other services use for it (network / links aliases, container_name…).
    for alias in c.reached.iter().flat_map(|t| &t.aliases) {
        let mut spec = main.clone();
        if spec.cluster_ip.is_none() {
            spec.type_ = None;
            spec.external_traffic_policy = None;
            spec.ports.iter_mut().for_each(|p| p.node_port = None);
        }
        made.push(&object(alias, spec), prov());
    }
    if governing != c.name {
        let spec = ServiceSpec {
            type_: None,
            cluster_ip: Some("None"),
            external_traffic_policy: None,
            selector: c.selector.clone(),
            ports: svc_ports
                .into_iter()
                .map(|sp| ServicePort {
                    node_port: None,
                    ..sp
                })
                .collect(),
        };
        made.push(&object(&governing, spec), prov());
    }
    governing
}

#[cfg(test)]
mod tests {
    use super::super::ports::ports;
    use super::super::testing::{keys, with};
    use super::*;

    fn made(service: &str) -> (String, Vec<Value>, Made) {
        let yaml = format!(
            "name: p\nvolumes:\n  d: {{}}\nservices:\n  s:\n    image: busybox:1\n{service}"
        );
        with(&yaml, "s", |c, warnings, _| {
            let p = ports(c, warnings);
            let mut made = Made::default();
            let governing = services(c, &p, &mut made);
            (governing, made.objects.clone(), made)
        })
    }

    #[test]
    fn a_deployment_with_ports_gets_one_service() {
        let (governing, objects, made) = made(
            "    ports:\n      - target: 80\n        published: \"8080\"\n        protocol: tcp\n",
        );
        assert_eq!(governing, "s");
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0]["spec"]["ports"][0]["port"], 8080);
        assert_eq!(
            keys(&made.provenance[0], "/spec/ports"),
            ["ports", "expose"]
        );
    }

    #[test]
    fn a_statefulset_gets_a_headless_governing_service() {
        let (governing, objects, _) = made(
            "    expose:\n      - \"5432\"\n    volumes:\n      - type: volume\n        source: d\n        target: /d\n",
        );
        assert_eq!(governing, "s-headless");
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[1]["spec"]["clusterIP"], "None");
    }

    #[test]
    fn no_ports_no_service() {
        let (governing, objects, _) = made("");
        assert_eq!(governing, "s");
        assert!(objects.is_empty());
    }
}
