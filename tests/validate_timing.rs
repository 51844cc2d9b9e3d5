//! Timing of schema compilation and validation (numbers for docs/decisions/0002).
//! Not a timed test: run by hand, in release mode:
//! `cargo test --release --test validate_timing -- --ignored --nocapture`

use std::time::{Duration, Instant};

use komply::validate::{known_kinds, validate_compose, validate_k8s_json};
use komply::yaml::Node;

/// CPU time of this thread (ns), from /proc: wall time is meaningless on a loaded machine.
fn cpu_now() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    Duration::from_nanos(
        text.split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
    )
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
#[ignore]
fn schema_compile_and_validate_times() {
    // First call per kind = parse + compile + validate; later calls = validate only.
    let mut rows = Vec::new();
    let mut total_first = Duration::ZERO;
    for (api_version, kind) in known_kinds() {
        let obj = serde_json::json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "labels": {"a": "b"}}});
        let (t, cpu) = (Instant::now(), cpu_now());
        let first = validate_k8s_json(&obj);
        let first_time = t.elapsed();
        let first_cpu = cpu_now() - cpu;
        assert!(first.is_ok());
        total_first += first_time;
        let again: Vec<Duration> = (0..200)
            .map(|_| {
                let t = Instant::now();
                let _ = validate_k8s_json(&obj);
                t.elapsed()
            })
            .collect();
        rows.push((
            first_time,
            first_cpu,
            median(again),
            format!("{api_version} {kind}"),
        ));
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    println!(
        "first call wall | first call cpu (parse+compile+validate) | later calls (validate, median of 200) | kind"
    );
    for (first, cpu, again, name) in &rows {
        println!("{first:>10.2?} | {cpu:>10.2?} | {again:>10.2?} | {name}");
    }
    println!("all {} kinds compiled in {:.2?}", rows.len(), total_first);

    // A realistic Deployment, validated many times.
    let deployment: serde_json::Value = serde_json::from_str(DEPLOYMENT).unwrap();
    let times: Vec<Duration> = (0..2000)
        .map(|_| {
            let t = Instant::now();
            let v = validate_k8s_json(&deployment).unwrap();
            assert!(v.is_empty(), "{v:?}");
            t.elapsed()
        })
        .collect();
    println!(
        "realistic Deployment: validate median {:.2?}",
        median(times)
    );
    let mut bad = deployment.clone();
    bad["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["initialDelaySecond"] =
        3.into();
    let times: Vec<Duration> = (0..2000)
        .map(|_| {
            let t = Instant::now();
            let v = validate_k8s_json(&bad).unwrap();
            assert_eq!(v.len(), 1);
            t.elapsed()
        })
        .collect();
    println!(
        "Deployment with a typo: validate + report median {:.2?}",
        median(times)
    );

    let compose = Node::from_json(&serde_json::json!({
        "services": {"web": {"image": "nginx:1.27", "ports": ["80:80"], "environment": {"A": "b"}}}
    }));
    let t = Instant::now();
    assert!(validate_compose(&compose).is_empty());
    println!(
        "compose: first call (parse+compile+validate) {:.2?}",
        t.elapsed()
    );
    let times: Vec<Duration> = (0..2000)
        .map(|_| {
            let t = Instant::now();
            let _ = validate_compose(&compose);
            t.elapsed()
        })
        .collect();
    println!("compose: validate median {:.2?}", median(times));
}

const DEPLOYMENT: &str = r#"{
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "shop"}},
  "spec": {
    "replicas": 3, "revisionHistoryLimit": 5,
    "selector": {"matchLabels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "shop"}},
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
    "template": {
      "metadata": {"labels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "shop"}, "annotations": {"checksum/config": "abc"}},
      "spec": {
        "automountServiceAccountToken": false,
        "securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
        "terminationGracePeriodSeconds": 30,
        "containers": [{
          "name": "web", "image": "registry.example.com:5000/shop/web:1.4.2",
          "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
          "envFrom": [{"configMapRef": {"name": "web-env"}}],
          "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "web-secrets", "key": "DB_PASSWORD"}}}],
          "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 30, "timeoutSeconds": 30, "failureThreshold": 3},
          "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 30, "timeoutSeconds": 30, "failureThreshold": 3},
          "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
          "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
          "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]
        }],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}}}}]}}
      }
    }
  }
}"#;
