//! The image table (`data/images.yaml`): it validates against its schema, every row is
//! internally consistent and cites a source, and — per row — a one-service project on that image
//! converts to a pod that starts non-root: the expected uid / gid / fsGroup, an emptyDir for each
//! path the image writes, the privileged-port sysctl, no "unknown user" warning; every object
//! validates strictly and lints with zero errors.

use std::collections::BTreeSet;

use komply::compose::LoadOptions;
use komply::diag::Code;
use komply::generate::image_profile::{self, StartsAs};
use komply::pipeline::{ConvertRequest, convert};
use serde_json::Value;

/// Per row: an image of it, then what its pod must get.
struct Expect {
    row: &'static str,
    image: &'static str,
    uid: Option<i64>,
    gid: Option<i64>,
    /// fsGroup when a volume is mounted at the row's first data path (or `/data`).
    fs_group: Option<i64>,
    /// emptyDirs added with a writable root filesystem.
    always: &'static [&'static str],
    /// `net.ipv4.ip_unprivileged_port_start`, when the image binds a port below 1024.
    sysctl: Option<u16>,
}

const fn e(
    row: &'static str,
    image: &'static str,
    uid: i64,
    gid: i64,
    fs_group: i64,
    always: &'static [&'static str],
    sysctl: Option<u16>,
) -> Expect {
    Expect {
        row,
        image,
        uid: Some(uid),
        gid: Some(gid),
        fs_group: Some(fs_group),
        always,
        sysctl,
    }
}

const EXPECT: &[Expect] = &[
    e("postgres", "postgres:16.4", 999, 999, 999, &[], None),
    e(
        "postgres",
        "docker.io/library/postgres:17-alpine3.20",
        70,
        70,
        70,
        &[],
        None,
    ),
    e("mysql", "mysql:8.4", 999, 999, 999, &[], None),
    e("mariadb", "mariadb:11.4", 999, 999, 999, &[], None),
    e("mongo", "mongo:8.0", 999, 999, 999, &[], None),
    e("redis", "redis:7.4", 999, 999, 999, &[], None),
    e("redis", "redis:7-alpine", 999, 1000, 1000, &[], None),
    e("valkey", "valkey/valkey:8.1", 999, 999, 999, &[], None),
    e(
        "valkey",
        "docker.io/valkey/valkey:9-alpine",
        999,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "memcached",
        "memcached:1.6-alpine",
        11211,
        11211,
        11211,
        &[],
        None,
    ),
    e("influxdb", "influxdb:2.7", 1000, 1000, 1000, &[], None),
    e(
        "rabbitmq",
        "rabbitmq:4.1-management",
        999,
        999,
        999,
        &[],
        None,
    ),
    e(
        "rabbitmq",
        "rabbitmq:3.8-management-alpine",
        100,
        101,
        101,
        &[],
        None,
    ),
    e(
        "elasticsearch",
        "docker.elastic.co/elasticsearch/elasticsearch:9.2.4",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "opensearch",
        "opensearchproject/opensearch:2.19.0",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "opensearch-dashboards",
        "opensearchproject/opensearch-dashboards:2",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e("kibana", "kibana:7.16.1", 1000, 1000, 1000, &[], None),
    e("logstash", "logstash:7.16.1", 1000, 1000, 1000, &[], None),
    e("zookeeper", "zookeeper:3.9", 1000, 1000, 1000, &[], None),
    e(
        "confluent-kafka",
        "confluentinc/cp-kafka:7.8.0",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "confluent-zookeeper",
        "confluentinc/cp-zookeeper:7.8.0",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "confluent-platform",
        "confluentinc/cp-schema-registry:7.8.0",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "apache-kafka",
        "apache/kafka:3.9.0",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "nginx",
        "nginx:1.27",
        101,
        101,
        101,
        &["/var/cache/nginx", "/run"],
        Some(80),
    ),
    e(
        "nginx",
        "mirror.gcr.io/nginx:alpine-slim",
        101,
        101,
        101,
        &["/var/cache/nginx", "/run"],
        Some(80),
    ),
    e(
        "nginx-unprivileged",
        "nginxinc/nginx-unprivileged:1.27",
        101,
        101,
        101,
        &[],
        None,
    ),
    e(
        "httpd",
        "httpd:2.4",
        33,
        33,
        33,
        &["/usr/local/apache2/logs"],
        Some(80),
    ),
    e(
        "httpd",
        "httpd:2.4-alpine",
        82,
        82,
        82,
        &["/usr/local/apache2/logs"],
        Some(80),
    ),
    e(
        "traefik",
        "traefik:v3.7",
        10001,
        10001,
        10001,
        &[],
        Some(80),
    ),
    e(
        "caddy",
        "caddy:2.10.0",
        10001,
        10001,
        10001,
        &["/config"],
        Some(80),
    ),
    e("haproxy", "haproxy:3.2", 99, 99, 99, &[], None),
    e("wordpress", "wordpress:6.8", 33, 33, 33, &[], Some(80)),
    e(
        "wordpress",
        "wordpress:6.8-fpm-alpine",
        82,
        82,
        82,
        &[],
        None,
    ),
    e("nextcloud", "nextcloud:apache", 33, 33, 33, &[], Some(80)),
    e("nextcloud", "nextcloud:fpm-alpine", 82, 82, 82, &[], None),
    e(
        "php-apache-apps",
        "drupal:10-apache",
        33,
        33,
        33,
        &[],
        Some(80),
    ),
    e("ghost", "ghost:6-alpine", 1000, 1000, 1000, &[], None),
    e("redmine", "redmine:6", 999, 999, 999, &[], None),
    e(
        "gitea",
        "gitea/gitea:1.22-rootless",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "keycloak",
        "quay.io/keycloak/keycloak:26.2",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "grafana",
        "grafana/grafana:12.0.2",
        472,
        472,
        472,
        &[],
        None,
    ),
    e(
        "prometheus",
        "prom/prometheus:v3.4.2",
        65534,
        65534,
        65534,
        &[],
        None,
    ),
    e(
        "prometheus-components",
        "prom/alertmanager:v0.28.1",
        65534,
        65534,
        65534,
        &[],
        None,
    ),
    e(
        "minio",
        "minio/minio:RELEASE.2025-04-22T22-12-26Z",
        10001,
        10001,
        10001,
        &[],
        None,
    ),
    e(
        "n8n",
        "docker.n8n.io/n8nio/n8n:1.100.0",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "synapse",
        "matrixdotorg/synapse:latest",
        991,
        991,
        991,
        &[],
        None,
    ),
    e(
        "mosquitto",
        "eclipse-mosquitto:2",
        1883,
        1883,
        1883,
        &[],
        None,
    ),
    e(
        "mastodon",
        "ghcr.io/mastodon/mastodon:v4.3.17",
        991,
        991,
        991,
        &[],
        None,
    ),
    e(
        "mastodon-streaming",
        "ghcr.io/mastodon/mastodon-streaming:v4.3.17",
        991,
        991,
        991,
        &[],
        None,
    ),
    e(
        "authentik",
        "ghcr.io/goauthentik/server:2025.2.4",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "whoami",
        "traefik/whoami:v1.10",
        65534,
        65534,
        65534,
        &[],
        Some(80),
    ),
    e(
        "mailhog",
        "mailhog/mailhog:v1.0.1",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e("adminer", "adminer:5", 100, 101, 101, &[], None),
    e(
        "pgadmin",
        "dpage/pgadmin4:9",
        5050,
        5050,
        5050,
        &[],
        Some(80),
    ),
    e(
        "mongo-express",
        "mongo-express:1.0",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "gotenberg",
        "gotenberg/gotenberg:8.34",
        1001,
        1001,
        1001,
        &[],
        None,
    ),
    e(
        "tika",
        "docker.io/apache/tika:3.1.0.0",
        35002,
        35002,
        35002,
        &[],
        None,
    ),
    e(
        "bitnami-postgresql",
        "bitnami/postgresql:17",
        1001,
        1001,
        1001,
        &[],
        None,
    ),
    e(
        "bitnami-databases",
        "bitnami/redis:7.4",
        1001,
        1001,
        1001,
        &[],
        None,
    ),
    e("bitnami", "bitnami/nginx:1.27", 1001, 1001, 1001, &[], None),
    e("node", "node:22-alpine", 1000, 1000, 1000, &[], None),
    e("python", "python:3.12-slim", 10001, 10001, 10001, &[], None),
    e("golang", "golang:1.24", 10001, 10001, 10001, &[], None),
    e("php", "php:8.3-apache", 33, 33, 33, &[], Some(80)),
    e("php", "php:8.3-fpm-alpine", 82, 82, 82, &[], None),
    e(
        "base-images",
        "busybox:1.37",
        65534,
        65534,
        65534,
        &[],
        None,
    ),
    e(
        "clickhouse",
        "clickhouse/clickhouse-server:25.4",
        101,
        101,
        101,
        &[],
        None,
    ),
    e("cassandra", "cassandra:5.0", 999, 999, 999, &[], None),
    e("neo4j", "neo4j:2025.12.1", 7474, 7474, 7474, &[], None),
    e(
        "qdrant",
        "qdrant/qdrant:v1.15.0-unprivileged",
        1000,
        1000,
        1000,
        &[],
        None,
    ),
    e(
        "mssql",
        "mcr.microsoft.com/mssql/server:2022-latest",
        10001,
        10001,
        10001,
        &[],
        None,
    ),
    e(
        "timescaledb",
        "timescale/timescaledb:latest-pg17",
        70,
        70,
        70,
        &[],
        None,
    ),
    e(
        "postgis",
        "postgis/postgis:17-3.5",
        999,
        999,
        999,
        &[],
        None,
    ),
    e(
        "postgis",
        "postgis/postgis:17-3.5-alpine",
        70,
        70,
        70,
        &[],
        None,
    ),
    e("couchdb", "couchdb:3.4.3", 5984, 5984, 5984, &[], None),
    e(
        "meilisearch",
        "getmeili/meilisearch:v1.15",
        10001,
        10001,
        10001,
        &[],
        None,
    ),
    e("solr", "solr:9.8", 8983, 8983, 8983, &[], None),
    // SQL Server 2017 runs sqlservr as root and aborts as any other uid: the fix is 2019+.
    Expect {
        row: "mssql",
        image: "mcr.microsoft.com/mssql/server:2017-latest",
        uid: None,
        gid: None,
        fs_group: None,
        always: &[],
        sysctl: None,
    },
    // Default qdrant tags run as root in a root-owned working directory: the fix is the
    // `-unprivileged` tag.
    Expect {
        row: "qdrant",
        image: "qdrant/qdrant:v1.15.0",
        uid: None,
        gid: None,
        fs_group: None,
        always: &[],
        sysctl: None,
    },
    // An image that needs root: no uid, a warning naming the rootless variant.
    Expect {
        row: "gitea",
        image: "gitea/gitea:1.22",
        uid: None,
        gid: None,
        fs_group: None,
        always: &[],
        // The port-less service gets a Service on the table's ports (3000, 22), so the
        // container declares 22 too.
        sysctl: Some(22),
    },
];

#[test]
fn table_validates_against_its_schema() {
    let schema: Value = serde_json::from_str(image_profile::SCHEMA).expect("schema is JSON");
    let id = komply::source::sources().add_named("<images test>", image_profile::TABLE);
    let docs = komply::yaml::parse_documents(id, image_profile::TABLE, &Default::default())
        .expect("table is YAML");
    let table = docs[0].to_json();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&table)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let n = image_profile::check_table().expect("table loads");
    let patterns: usize = table["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["match"].as_array().unwrap().len())
        .sum();
    assert!(n >= 40 && patterns >= 40, "{n} rows, {patterns} images");
    // The schema does reject a row without a source, an unknown field, a root run_as.
    let mut bad = table.clone();
    bad["images"][0].as_object_mut().unwrap().remove("source");
    bad["images"][1]["colour"] = "red".into();
    bad["images"][2]["run_as"]["user"] = 0.into();
    bad["images"][3]["variants"] = serde_json::json!([{"tags": ["*"], "typo": 1}]);
    let errs: Vec<String> = validator
        .iter_errors(&bad)
        .map(|e| e.instance_path().to_string())
        .collect();
    for at in [
        "/images/0",
        "/images/1",
        "/images/2/run_as/user",
        "/images/3/variants/0",
    ] {
        assert!(errs.iter().any(|e| e == at), "{at} not rejected: {errs:?}");
    }
}

#[test]
fn every_row_is_consistent_and_has_expectations() {
    let names = image_profile::names();
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "row names are unique");
    let covered: BTreeSet<&str> = EXPECT.iter().map(|e| e.row).collect();
    for n in &names {
        assert!(
            covered.contains(n.as_str()),
            "row `{n}` has no expectation in tests/image_table.rs"
        );
    }
    for e in EXPECT {
        let p =
            image_profile::lookup(e.image).unwrap_or_else(|| panic!("{} is not found", e.image));
        assert_eq!(p.name, e.row, "{} matches the wrong row", e.image);
        assert!(p.source.starts_with("https://"), "{}: source", p.name);
        assert!(
            p.run_as.user > 0 && p.run_as.group > 0,
            "{}: run_as is non-root",
            p.name
        );
        match p.starts_as {
            StartsAs::AsIs => assert_ne!(p.image_user, "root", "{}: as-is needs a user", p.name),
            StartsAs::StepsDown | StartsAs::Any => {
                assert_eq!(
                    p.image_user, "root",
                    "{}: only root images step down",
                    p.name
                )
            }
            StartsAs::NeedsRoot => assert!(p.non_root_variant.is_some(), "{}: the fix", p.name),
        }
        for path in p
            .data
            .iter()
            .chain(p.writable.iter().map(|w| &w.path))
            .chain(p.data_init.iter().map(|d| &d.path))
        {
            assert!(
                path.starts_with('/') && !path.ends_with('/'),
                "{}: {path}",
                p.name
            );
        }
        for init in &p.data_init {
            assert!(
                p.data.contains(&init.path),
                "{}: data_init on a data path",
                p.name
            );
        }
        if !p.data.is_empty() {
            assert!(
                p.fs_group.is_some(),
                "{}: a data volume needs fs_group",
                p.name
            );
        }
        assert!(p.privileged_ports.iter().all(|x| *x < 1024), "{}", p.name);
        assert_eq!(
            p.min_memory.is_some(),
            p.memory_source.is_some(),
            "{}",
            p.name
        );
        for (name, uid) in &p.users {
            assert!(*uid > 0, "{}: user {name}", p.name);
        }
    }
}

fn pod_of(objects: &[Value]) -> &Value {
    objects
        .iter()
        .find(|o| matches!(o["kind"].as_str(), Some("Deployment" | "StatefulSet")))
        .map(|o| &o["spec"]["template"]["spec"])
        .expect("a workload")
}

/// Converts a one-service project on `image` (with a named volume at its data path and, with
/// `read_only`, a read-only root filesystem).
fn convert_one(
    image: &str,
    read_only: bool,
) -> (Vec<Value>, Vec<String>, komply::pipeline::Converted) {
    let p = image_profile::lookup(image);
    let data = p
        .as_ref()
        .and_then(|p| p.data.first().cloned())
        .unwrap_or_else(|| "/data".into());
    let dir = tempfile::tempdir().unwrap();
    let compose = format!(
        "services:\n  app:\n    image: \"{image}\"\n    read_only: {read_only}\n    volumes:\n      - data:{data}\nvolumes:\n  data: {{}}\n"
    );
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    let req = ConvertRequest::new(LoadOptions {
        files: vec![dir.path().join("compose.yaml")],
        working_dir: dir.path().to_path_buf(),
        resolve_paths: true,
        ..Default::default()
    });
    let c = convert(&req).unwrap_or_else(|e| panic!("{image}: {e}"));
    let warnings = c
        .output
        .warnings
        .iter()
        .filter_map(|w| w.code.map(|c| c.to_string()))
        .collect();
    (c.output.values(), warnings, c)
}

fn mount_paths(pod: &Value) -> Vec<String> {
    let empties: BTreeSet<&str> = pod["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v.get("emptyDir").is_some())
        .filter_map(|v| v["name"].as_str())
        .collect();
    pod["containers"][0]["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["name"].as_str().is_some_and(|n| empties.contains(n)))
        .filter_map(|m| m["mountPath"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn each_row_converts_to_a_pod_that_starts_non_root() {
    let mut failures = Vec::new();
    for e in EXPECT {
        let (objects, codes, converted) = convert_one(e.image, false);
        let pod = pod_of(&objects);
        let sc = &pod["securityContext"];
        let got = (
            sc["runAsUser"].as_i64(),
            sc["runAsGroup"].as_i64(),
            sc["fsGroup"].as_i64(),
        );
        if got != (e.uid, e.gid, e.fs_group) {
            failures.push(format!(
                "{}: uid/gid/fsGroup {got:?}, want {:?}",
                e.image,
                (e.uid, e.gid, e.fs_group)
            ));
        }
        if e.fs_group.is_some() && sc["fsGroupChangePolicy"] != "OnRootMismatch" {
            failures.push(format!("{}: fsGroupChangePolicy", e.image));
        }
        assert_eq!(sc["runAsNonRoot"], true, "{}: runAsNonRoot stays", e.image);
        let paths = mount_paths(pod);
        for a in e.always {
            if !paths.iter().any(|p| p == a) {
                failures.push(format!("{}: no emptyDir at {a} (has {paths:?})", e.image));
            }
        }
        let sysctl = sc["sysctls"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["name"] == "net.ipv4.ip_unprivileged_port_start")
            .and_then(|s| s["value"].as_str().and_then(|v| v.parse::<u16>().ok()));
        if sysctl != e.sysctl {
            failures.push(format!(
                "{}: sysctl {sysctl:?}, want {:?}",
                e.image, e.sysctl
            ));
        }
        let p = image_profile::lookup(e.image).unwrap();
        for cap in &p.file_capabilities {
            let add = &pod["containers"][0]["securityContext"]["capabilities"]["add"];
            if !add
                .as_array()
                .is_some_and(|a| a.iter().any(|c| c == cap.as_str()))
            {
                failures.push(format!("{}: capability {cap} not added back", e.image));
            }
        }
        let warned_unknown = codes
            .iter()
            .any(|c| c == Code::GenerateUnknownImageUser.as_str());
        let warned_root = codes
            .iter()
            .any(|c| c == Code::GenerateImageNeedsRoot.as_str());
        if warned_unknown || (e.uid.is_some() && warned_root) || (e.uid.is_none() && !warned_root) {
            failures.push(format!("{}: warnings {codes:?}", e.image));
        }
        // Strictly valid, and zero lint errors.
        for o in &objects {
            if let Ok(v) = komply::validate::validate_k8s_json(o)
                && let Some(v) = v.first()
            {
                failures.push(format!("{}: {} invalid: {}", e.image, o["kind"], v.message));
            }
        }
        let lint = komply::lint::lint_objects(
            komply::lint::from_compose::objects(&converted, komply::yaml::Span::SYNTHETIC),
            &Default::default(),
        );
        for f in lint
            .findings
            .iter()
            .filter(|f| f.severity == komply::diag::Severity::Error && f.suppressed.is_none())
        {
            if e.uid.is_some() {
                failures.push(format!("{}: lint {}: {}", e.image, f.rule.id, f.message));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_read_only_root_filesystem_gets_every_path_the_image_writes() {
    for img in [
        "postgres:16",
        "grafana/grafana:12.0.2",
        "rabbitmq:4.1",
        "dpage/pgadmin4:9",
    ] {
        let Some(p) = image_profile::lookup(img) else {
            continue;
        };
        let (objects, _, _) = convert_one(img, true);
        let pod = pod_of(&objects);
        let paths = mount_paths(pod);
        let data = p.data.first().cloned().unwrap_or_default();
        for w in p.writable.iter().filter(|w| w.mounted.is_none()) {
            // The data path is the claim itself; every other path is an emptyDir.
            let covered = paths.contains(&w.path)
                || w.path == data
                || w.path.starts_with(&format!("{data}/"));
            assert!(covered, "{img}: {} not writable ({paths:?})", w.path);
        }
    }
}

#[test]
fn postgres_data_goes_to_a_subdirectory_and_mysql_to_a_sub_path() {
    let (objects, _, _) = convert_one("postgres:16", false);
    let c = &pod_of(&objects)["containers"][0];
    assert!(
        c["env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "PGDATA" && e["value"] == "/var/lib/postgresql/data/pgdata"),
        "{c:#}"
    );
    let (objects, _, _) = convert_one("mysql:8.4", false);
    let m = &pod_of(&objects)["containers"][0]["volumeMounts"][0];
    assert_eq!(
        (m["mountPath"].as_str(), m["subPath"].as_str()),
        (Some("/var/lib/mysql"), Some("mysql"))
    );
}

#[test]
fn an_unknown_image_keeps_run_as_non_root_and_is_warned_at_its_image_key() {
    let (objects, codes, c) = convert_one("ghcr.io/acme/worker:1.2", false);
    let sc = &pod_of(&objects)["securityContext"];
    assert_eq!(sc["runAsNonRoot"], true);
    assert!(sc.get("runAsUser").is_none());
    assert!(
        codes
            .iter()
            .any(|c| c == Code::GenerateUnknownImageUser.as_str()),
        "{codes:?}"
    );
    let w = c
        .output
        .warnings
        .iter()
        .find(|w| w.code == Some(Code::GenerateUnknownImageUser))
        .unwrap();
    assert!(
        w.location().unwrap().ends_with("compose.yaml:3:5"),
        "{:?}",
        w.location()
    );
    let help = w.help.as_deref().unwrap();
    assert!(
        help.contains("user: \"UID:GID\"") && help.contains("x-komply") && help.contains("overlay"),
        "{help}"
    );
}
