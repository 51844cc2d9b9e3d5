//! What komply knows about well-known images that the Compose file does not say: the ports a
//! server listens on when `ports:` / `expose:` are absent, and the directories where it keeps
//! its data (so a bind mount there becomes persistent storage, not a ConfigMap).
//!
//! A minimal built-in list, read through [`known`] only: the curated image table
//! (`data/images.yaml`, issue 12 item 1) replaces it — redirect `known` to the table and delete
//! `TABLE`. Sources: each image's official Docker Hub page / Dockerfile (`EXPOSE`, `VOLUME`).

/// One image's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownImage {
    /// TCP ports the server listens on by default (`EXPOSE`), most important first.
    pub ports: &'static [u16],
    /// Directories the server writes its data to (`VOLUME`, documented data paths).
    pub data_paths: &'static [&'static str],
}

/// (repository names, defaults). A repository name is the last path component of the image
/// reference, without tag or digest (`docker.io/bitnami/postgresql:16` → `postgresql`).
const TABLE: &[(&[&str], KnownImage)] = &[
    (
        &[
            "postgres",
            "postgis",
            "timescaledb",
            "timescaledb-ha",
            "pgvector",
        ],
        KnownImage {
            ports: &[5432],
            data_paths: &["/var/lib/postgresql/data", "/home/postgres/pgdata"],
        },
    ),
    (
        &["postgresql"],
        KnownImage {
            ports: &[5432],
            data_paths: &["/bitnami/postgresql", "/var/lib/postgresql/data"],
        },
    ),
    (
        &[
            "mysql",
            "mariadb",
            "percona",
            "percona-server",
            "mysql-server",
        ],
        KnownImage {
            ports: &[3306],
            data_paths: &["/var/lib/mysql", "/bitnami/mysql", "/bitnami/mariadb"],
        },
    ),
    (
        &[
            "redis",
            "valkey",
            "keydb",
            "redis-stack",
            "redis-stack-server",
        ],
        KnownImage {
            ports: &[6379],
            data_paths: &["/data", "/bitnami/redis/data", "/bitnami/valkey/data"],
        },
    ),
    (
        &["mongo", "mongodb", "mongodb-community-server"],
        KnownImage {
            ports: &[27017],
            data_paths: &["/data/db", "/data/configdb", "/bitnami/mongodb"],
        },
    ),
    (
        &["rabbitmq"],
        KnownImage {
            ports: &[5672, 15672],
            data_paths: &["/var/lib/rabbitmq", "/bitnami/rabbitmq/mnesia"],
        },
    ),
    (
        &["kafka", "cp-kafka", "cp-server"],
        KnownImage {
            ports: &[9092],
            data_paths: &["/var/lib/kafka/data", "/bitnami/kafka", "/var/lib/kafka"],
        },
    ),
    (
        &["zookeeper", "cp-zookeeper"],
        KnownImage {
            ports: &[2181],
            data_paths: &[
                "/data",
                "/datalog",
                "/var/lib/zookeeper",
                "/bitnami/zookeeper",
            ],
        },
    ),
    (
        &["memcached"],
        KnownImage {
            ports: &[11211],
            data_paths: &[],
        },
    ),
    (
        &["elasticsearch", "opensearch"],
        KnownImage {
            ports: &[9200],
            data_paths: &[
                "/usr/share/elasticsearch/data",
                "/usr/share/opensearch/data",
                "/bitnami/elasticsearch/data",
            ],
        },
    ),
    (
        &["influxdb"],
        KnownImage {
            ports: &[8086],
            data_paths: &["/var/lib/influxdb", "/var/lib/influxdb2"],
        },
    ),
    (
        &["clickhouse-server", "clickhouse"],
        KnownImage {
            ports: &[8123, 9000],
            data_paths: &["/var/lib/clickhouse"],
        },
    ),
    (
        &["cassandra"],
        KnownImage {
            ports: &[9042],
            data_paths: &["/var/lib/cassandra"],
        },
    ),
    (
        &["couchdb"],
        KnownImage {
            ports: &[5984],
            data_paths: &["/opt/couchdb/data"],
        },
    ),
    (
        &["neo4j"],
        KnownImage {
            ports: &[7687, 7474],
            data_paths: &["/data"],
        },
    ),
    (
        &["nats"],
        KnownImage {
            ports: &[4222],
            data_paths: &[],
        },
    ),
    (
        &["minio"],
        KnownImage {
            ports: &[9000],
            data_paths: &["/data"],
        },
    ),
    (
        &["eclipse-mosquitto"],
        KnownImage {
            ports: &[1883],
            data_paths: &["/mosquitto/data"],
        },
    ),
    (
        &["mailhog", "mailpit"],
        KnownImage {
            ports: &[1025, 8025],
            data_paths: &[],
        },
    ),
    (
        &["meilisearch"],
        KnownImage {
            ports: &[7700],
            data_paths: &["/meili_data"],
        },
    ),
    (
        &["qdrant"],
        KnownImage {
            ports: &[6333],
            data_paths: &["/qdrant/storage"],
        },
    ),
    (
        &["solr"],
        KnownImage {
            ports: &[8983],
            data_paths: &["/var/solr"],
        },
    ),
    (
        &["server"], // mcr.microsoft.com/mssql/server
        KnownImage {
            ports: &[1433],
            data_paths: &["/var/opt/mssql"],
        },
    ),
    (
        &["grafana"],
        KnownImage {
            ports: &[3000],
            data_paths: &["/var/lib/grafana"],
        },
    ),
    (
        &["prometheus"],
        KnownImage {
            ports: &[9090],
            data_paths: &["/prometheus"],
        },
    ),
    (
        &["whoami"], // traefik/whoami
        KnownImage {
            ports: &[80],
            data_paths: &[],
        },
    ),
    (
        &["nginx", "httpd", "caddy"],
        KnownImage {
            ports: &[80],
            data_paths: &[],
        },
    ),
];

/// The repository name of an image reference: `ghcr.io/bitnami/postgresql:16@sha256:…` →
/// `postgresql`.
pub fn repository_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

/// What komply knows about `image`, if anything.
pub fn known(image: &str) -> Option<&'static KnownImage> {
    let repo = repository_name(image).to_ascii_lowercase();
    // `server` alone is too generic a name: only Microsoft's SQL Server image counts.
    if repo == "server" && !image.contains("mssql/server") {
        return None;
    }
    TABLE
        .iter()
        .find(|(names, _)| names.contains(&repo.as_str()))
        .map(|(_, k)| k)
}

/// Whether `target` is (or lies under) one of the image's data directories.
pub fn is_data_path(image: Option<&str>, target: &str) -> bool {
    let target = target.trim_end_matches('/');
    image.and_then(known).is_some_and(|k| {
        k.data_paths
            .iter()
            .any(|d| target == *d || target.starts_with(&format!("{d}/")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_by_repository_name_any_registry_any_tag() {
        assert_eq!(known("postgres:16.4-alpine").unwrap().ports, &[5432]);
        assert_eq!(known("docker.io/library/redis").unwrap().ports, &[6379]);
        assert_eq!(
            known("ghcr.io/bitnami/postgresql:16@sha256:ab")
                .unwrap()
                .ports,
            &[5432]
        );
        assert_eq!(
            known("mcr.microsoft.com/mssql/server:2022-latest")
                .unwrap()
                .ports,
            &[1433]
        );
        assert!(known("example.com/team/server:1").is_none());
        assert!(known("ghcr.io/example/shop-users:1.4.2").is_none());
        assert_eq!(repository_name("localhost:5000/app:1"), "app");
    }

    #[test]
    fn data_paths() {
        assert!(is_data_path(
            Some("postgres:16"),
            "/var/lib/postgresql/data"
        ));
        assert!(is_data_path(
            Some("postgres:16"),
            "/var/lib/postgresql/data/"
        ));
        assert!(is_data_path(Some("mongo:7"), "/data/db"));
        assert!(!is_data_path(
            Some("postgres:16"),
            "/docker-entrypoint-initdb.d"
        ));
        assert!(!is_data_path(None, "/var/lib/mysql"));
    }
}
