//! Bind mounts, start order and reachability, case by case (issue 12 items 3, 4, 6): each test
//! writes a small project into a temporary directory and converts its canonical form.

use std::path::Path;

use komply::compose::model::Model;
use komply::generate::{self, Format, GenerateOptions, Output};
use komply::yaml::{Limits, parse_documents};
use serde_json::Value;

fn convert_in(dir: &Path, canonical: &str) -> Output {
    let id = komply::source::sources().add_named("mounts-test.yaml", canonical);
    let docs = parse_documents(id, canonical, &Limits::default()).expect("parse");
    let model = Model::from_canonical(&docs[0]).expect("model");
    let opts = GenerateOptions {
        project_dir: dir.to_path_buf(),
        ..Default::default()
    };
    let out = generate::generate(&model, &opts).unwrap_or_else(|e| panic!("{e}"));
    for o in &out.values() {
        if let Ok(v) = komply::validate::validate_k8s_json(o) {
            assert!(
                v.is_empty(),
                "{} {}: {v:?}",
                o["kind"],
                o["metadata"]["name"]
            );
        }
    }
    // Nothing komply generates here may be a lint error.
    let text = generate::render(&out.objects, Format::Yaml);
    let report = komply::lint::lint_text("out.yaml", &text, &Default::default());
    let errors: Vec<String> = report
        .active()
        .filter(|f| f.severity == komply::diag::Severity::Error)
        .map(|f| format!("{}: {}", f.rule.id, f.message))
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{text}");
    out
}

/// A one-service project (`web`, image `img`) with these volume entries (flow mappings).
fn one(dir: &Path, image: &str, volumes: &[&str]) -> Output {
    let mut c = format!("name: p\nservices:\n  web:\n    image: {image}\n    volumes:\n");
    for v in volumes {
        c.push_str(&format!("      - {v}\n"));
    }
    convert_in(dir, &c)
}

fn write(dir: &Path, rel: &str, content: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// The object as JSON.
fn find(out: &Output, kind: &str, name: &str) -> Value {
    out.objects
        .iter()
        .find(|o| o.is(kind, name))
        .map(|o| o.to_value())
        .unwrap_or_else(|| panic!("no {kind}/{name} in {:#?}", names(out)))
}

fn names(out: &Output) -> Vec<String> {
    out.objects
        .iter()
        .map(|o| format!("{}/{}", o.kind(), o.name()))
        .collect()
}

fn pod(out: &Output, kind: &str, name: &str) -> Value {
    find(out, kind, name)["spec"]["template"]["spec"].clone()
}

fn mounts(pod: &Value) -> Vec<(String, String)> {
    pod["containers"][0]["volumeMounts"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| {
                    (
                        m["name"].as_str().unwrap().to_string(),
                        m["mountPath"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every warning, with its help, one a line.
fn warnings(out: &Output) -> String {
    out.warnings
        .iter()
        .map(|w| format!("{w} (help: {})\n", w.help.as_deref().unwrap_or("")))
        .collect()
}

#[test]
fn a_text_file_becomes_a_configmap_key_mounted_with_subpath() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "nginx.conf", b"events {}\n");
    let out = one(
        t.path(),
        "nginx:1.27",
        &["{type: bind, source: ./nginx.conf, target: /etc/nginx/nginx.conf, read_only: true}"],
    );
    assert_eq!(
        find(&out, "ConfigMap", "web-files")["data"]["nginx.conf"],
        "events {}\n"
    );
    let p = pod(&out, "Deployment", "web");
    let m = &p["containers"][0]["volumeMounts"][0];
    assert_eq!(m["mountPath"], "/etc/nginx/nginx.conf");
    assert_eq!(m["subPath"], "nginx.conf");
    assert_eq!(m["readOnly"], true);
    let dep = find(&out, "Deployment", "web");
    assert!(
        dep["spec"]["template"]["metadata"]["annotations"]["komply.dev/config-hash"].is_string()
    );
    assert!(!warnings(&out).contains("bind-mount"), "{}", warnings(&out));
}

#[test]
fn a_writable_file_mount_is_a_read_only_configmap_too() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "init.sql", b"CREATE TABLE t (id int);\n");
    let out = one(
        t.path(),
        "postgres:16",
        &["{type: bind, source: ./init.sql, target: /docker-entrypoint-initdb.d/init.sql}"],
    );
    assert!(find(&out, "ConfigMap", "web-files")["data"]["init.sql"].is_string());
    let p = pod(&out, "Deployment", "web");
    assert_eq!(p["containers"][0]["volumeMounts"][0]["readOnly"], true);
}

#[test]
fn a_directory_becomes_one_configmap_mounted_as_a_directory() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "conf.d/a.conf", b"server { listen 80; }\n");
    write(t.path(), "conf.d/sites/b.conf", b"server { listen 81; }\n");
    write(t.path(), "conf.d/.gitkeep", b"");
    let out = one(
        t.path(),
        "nginx:1.27",
        &["{type: bind, source: ./conf.d, target: /etc/nginx/conf.d}"],
    );
    let cm = find(&out, "ConfigMap", "web-conf-d");
    assert_eq!(cm["data"].as_object().unwrap().len(), 2, "{cm}");
    let p = pod(&out, "Deployment", "web");
    let vol = p["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "bind-conf-d")
        .unwrap();
    let items = vol["configMap"]["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["key"] == "sites_b.conf" && i["path"] == "sites/b.conf"),
        "{vol}"
    );
    assert!(mounts(&p).contains(&("bind-conf-d".into(), "/etc/nginx/conf.d".into())));
    assert!(p["containers"][0]["volumeMounts"][0]["subPath"].is_null());
}

#[test]
fn a_big_file_is_reported_and_left_out() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "dump.sql", &vec![b'a'; 1_100_000]);
    let out = one(
        t.path(),
        "postgres:16",
        &["{type: bind, source: ./dump.sql, target: /docker-entrypoint-initdb.d/dump.sql}"],
    );
    let w = warnings(&out);
    assert!(
        w.contains("mounts-test.yaml:6:9")
            && w.contains("1100000 bytes")
            && w.contains("ConfigMap limit"),
        "{w}"
    );
    assert!(mounts(&pod(&out, "Deployment", "web")).is_empty());
}

#[test]
fn a_binary_file_is_reported_and_left_out() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "logo.png", b"\x89PNG\r\n\x1a\n\x00\x00");
    let out = one(
        t.path(),
        "nginx:1.27",
        &[
            "{type: bind, source: ./logo.png, target: /usr/share/nginx/html/logo.png, read_only: true}",
        ],
    );
    assert!(
        warnings(&out).contains("is a binary file"),
        "{}",
        warnings(&out)
    );
    assert!(!names(&out).iter().any(|n| n.starts_with("ConfigMap")));
}

#[test]
fn sockets_and_devices_are_reported() {
    let t = tempfile::tempdir().unwrap();
    let _sock = std::os::unix::net::UnixListener::bind(t.path().join("agent.sock")).unwrap();
    let out = one(
        t.path(),
        "example/agent:1",
        &[
            "{type: bind, source: /var/run/docker.sock, target: /var/run/docker.sock}",
            "{type: bind, source: ./agent.sock, target: /run/agent.sock}",
            "{type: bind, source: /dev/fuse, target: /dev/fuse}",
        ],
    );
    let w = warnings(&out);
    assert!(
        w.contains("the socket `/var/run/docker.sock` of the host is left out"),
        "{w}"
    );
    assert!(w.contains("`./agent.sock` is not a regular file"), "{w}");
    assert!(w.contains("the device `/dev/fuse`"), "{w}");
    assert!(mounts(&pod(&out, "Deployment", "web")).is_empty());
}

#[test]
fn host_paths_outside_the_project() {
    let t = tempfile::tempdir().unwrap();
    let out = one(
        t.path(),
        "example/app:1",
        &[
            "{type: bind, source: /etc/letsencrypt, target: /etc/letsencrypt, read_only: true}",
            "{type: bind, source: /etc/localtime, target: /etc/localtime, read_only: true}",
            "{type: bind, source: /srv/app-uploads, target: /app/uploads}",
        ],
    );
    let w = warnings(&out);
    assert!(
        w.contains("the host path `/etc/letsencrypt`, outside the project directory,"),
        "{w}"
    );
    assert!(w.contains("`TZ`"), "{w}");
    assert!(
        w.contains(
            "the host directory `/srv/app-uploads` (outside the project) becomes persistent storage"
        ),
        "{w}"
    );
    let sts = find(&out, "StatefulSet", "web");
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        "app-uploads"
    );
    // A Windows host path is a host path too, on whatever machine komply runs (never a
    // directory of the project named `C:\...`); a Windows host file is left out.
    let out = one(
        t.path(),
        "example/app:1",
        &[
            "{type: bind, source: 'C:\\Users\\me\\data', target: /app/data}",
            "{type: bind, source: 'C:\\Users\\me\\app.ini', target: /app/app.ini}",
        ],
    );
    let w = warnings(&out);
    assert!(
        w.contains("the host directory `C:\\Users\\me\\data` (outside the project) becomes persistent storage"),
        "{w}"
    );
    assert!(
        w.contains(
            "the host path `C:\\Users\\me\\app.ini`, outside the project directory, is left out"
        ),
        "{w}"
    );
    let sts = find(&out, "StatefulSet", "web");
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        "data"
    );
}

#[test]
fn a_symlink_out_of_the_project_is_never_followed() {
    let t = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.conf", b"MARKER_OUTSIDE_5e1a\n");
    std::os::unix::fs::symlink(
        outside.path().join("secret.conf"),
        t.path().join("app.conf"),
    )
    .unwrap();
    write(t.path(), "conf/ok.conf", b"a = 1\n");
    std::os::unix::fs::symlink(
        outside.path().join("secret.conf"),
        t.path().join("conf/link.conf"),
    )
    .unwrap();
    let out = one(
        t.path(),
        "example/app:1",
        &[
            "{type: bind, source: ./app.conf, target: /etc/app.conf, read_only: true}",
            "{type: bind, source: ./conf, target: /etc/app/conf.d, read_only: true}",
        ],
    );
    let text = generate::render(&out.objects, Format::Yaml) + &warnings(&out);
    assert!(!text.contains("MARKER_OUTSIDE_5e1a"), "{text}");
    assert!(
        warnings(&out).contains("links outside the project"),
        "{}",
        warnings(&out)
    );
}

#[test]
fn secret_looking_files_become_externalsecret_keys_and_never_appear() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "tls/server.key",
        b"-----BEGIN PRIVATE KEY-----\nMARKER_KEY_9a1c\n",
    );
    write(
        t.path(),
        "tls/server.crt",
        b"-----BEGIN CERTIFICATE-----\nMIIB\n",
    );
    write(t.path(), "db_password.txt", b"MARKER_PW_22b0\n");
    write(
        t.path(),
        "app.env",
        b"LOG_LEVEL=info\nAPI_TOKEN=MARKER_TOK_71f3\n",
    );
    let out = one(
        t.path(),
        "nginx:1.27",
        &[
            "{type: bind, source: ./tls, target: /etc/nginx/tls, read_only: true}",
            "{type: bind, source: ./db_password.txt, target: /run/secrets/db_password, read_only: true}",
            "{type: bind, source: ./app.env, target: /app/.env, read_only: true}",
        ],
    );
    let text = generate::render(&out.objects, Format::Yaml) + &warnings(&out);
    for m in ["MARKER_KEY_9a1c", "MARKER_PW_22b0", "MARKER_TOK_71f3"] {
        assert!(!text.contains(m), "{m} leaked");
    }
    let es = find(&out, "ExternalSecret", "web-secrets");
    let keys: Vec<&str> = es["spec"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["secretKey"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["tls_server.key", "db_password.txt", "app.env"]);
    assert_eq!(
        es["spec"]["data"][1]["remoteRef"]["key"],
        "p/db_password.txt"
    );
    // The certificate is plain config; the directory is one projected volume.
    assert!(find(&out, "ConfigMap", "web-tls")["data"]["server.crt"].is_string());
    let p = pod(&out, "Deployment", "web");
    let vol = p["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "bind-tls")
        .unwrap();
    assert_eq!(
        vol["projected"]["sources"].as_array().unwrap().len(),
        2,
        "{vol}"
    );
    assert!(
        !names(&out).iter().any(|n| n == "ConfigMap/web-files"),
        "no secret in a ConfigMap"
    );
}

#[test]
fn missing_sources_read_only_flag_and_targets() {
    let t = tempfile::tempdir().unwrap();
    let out = one(
        t.path(),
        "example/app:1",
        &[
            "{type: bind, source: ./config.yml, target: /app/config.yml}",
            "{type: bind, source: ./seed, target: /app/seed, read_only: true}",
            "{type: bind, source: ./state, target: /app/state}",
            "{type: bind, source: ./logs, target: /app/logs}",
        ],
    );
    let w = warnings(&out);
    assert!(
        w.contains("`./config.yml` does not exist, so Docker would mount an empty directory there"),
        "{w}"
    );
    assert!(w.contains("`./seed` does not exist"), "{w}");
    assert!(w.contains("`./logs` is a log directory"), "{w}");
    let sts = find(&out, "StatefulSet", "web");
    let claims: Vec<&str> = sts["spec"]["volumeClaimTemplates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(claims, ["state"]);
    let p = &sts["spec"]["template"]["spec"];
    assert!(mounts(p).contains(&("state".into(), "/app/state".into())));
    assert!(
        p["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["emptyDir"].is_object())
    );
}

#[test]
fn a_database_data_directory_is_persistent_storage() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "pgdata/PG_VERSION", b"16\n");
    let out = one(
        t.path(),
        "postgres:16.4",
        &["{type: bind, source: ./pgdata, target: /var/lib/postgresql/data}"],
    );
    let sts = find(&out, "StatefulSet", "web");
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        "pgdata"
    );
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"],
        "1Gi"
    );
    assert!(!names(&out).iter().any(|n| n.starts_with("ConfigMap")));
}

#[test]
fn a_deployment_with_a_data_directory_gets_a_claim_and_recreate() {
    let t = tempfile::tempdir().unwrap();
    let c = "name: p\nservices:\n  web:\n    image: example/app:1\n    volumes:\n      - {type: bind, source: ./uploads, target: /app/uploads}\n    x-komply: {controller: deployment}\n";
    let out = convert_in(t.path(), c);
    find(&out, "PersistentVolumeClaim", "web-uploads");
    assert_eq!(
        find(&out, "Deployment", "web")["spec"]["strategy"]["type"],
        "Recreate"
    );
}

#[test]
fn a_big_writable_directory_is_storage_a_read_only_one_is_reported() {
    let t = tempfile::tempdir().unwrap();
    for i in 0..70 {
        write(t.path(), &format!("files/{i}.txt"), b"x\n");
    }
    let out = one(
        t.path(),
        "example/app:1",
        &[
            "{type: bind, source: ./files, target: /srv/files}",
            "{type: bind, source: ./files, target: /srv/static, read_only: true}",
        ],
    );
    let w = warnings(&out);
    assert!(
        w.contains("more than 64 files") && w.contains("becomes persistent storage"),
        "{w}"
    );
    assert!(w.contains("cannot be a ConfigMap"), "{w}");
}

#[test]
fn source_code_mounts_are_left_out() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "app/package.json", b"{}\n");
    write(t.path(), "compose.yaml", b"services: {}\n");
    let c = "name: p\nservices:\n  web:\n    image: example/app:1\n    build: {context: ./app}\n    volumes:\n      - {type: bind, source: ./app, target: /usr/src/app}\n      - {type: bind, source: ., target: /work}\n";
    let out = convert_in(t.path(), c);
    let w = warnings(&out);
    assert!(w.contains("`./app` is the service's source code"), "{w}");
    assert!(w.contains("`.` is the service's source code"), "{w}");
    assert!(mounts(&pod(&out, "Deployment", "web")).is_empty());
}

#[test]
fn an_empty_writable_file_is_data_not_config() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "state.json", b"");
    let out = one(
        t.path(),
        "example/app:1",
        &["{type: bind, source: ./state.json, target: /app/state.json}"],
    );
    assert!(
        warnings(&out).contains("an empty file mounted writable"),
        "{}",
        warnings(&out)
    );
}

#[test]
fn a_file_inside_a_directory_mount_joins_its_volume() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "certs/a.crt", b"cert\n");
    write(t.path(), "extra/b.crt", b"other\n");
    let out = one(
        t.path(),
        "nginx:1.27",
        &[
            "{type: bind, source: ./certs, target: /certs, read_only: true}",
            "{type: bind, source: ./extra/b.crt, target: /certs/b.crt, read_only: true}",
        ],
    );
    let p = pod(&out, "Deployment", "web");
    // One mount under /certs (nginx's own writable paths are emptyDirs of the image table).
    let under_certs: Vec<_> = mounts(&p)
        .into_iter()
        .filter(|(_, path)| path.starts_with("/certs"))
        .collect();
    assert_eq!(
        under_certs,
        [("bind-certs".to_string(), "/certs".to_string())]
    );
    let vol = &p["volumes"][0];
    let sources = vol["projected"]["sources"].as_array().unwrap();
    assert!(
        sources.iter().any(|s| s["configMap"]["name"] == "web-files"
            && s["configMap"]["items"][0]["path"] == "b.crt"),
        "{vol}"
    );
}

// ---- start order ------------------------------------------------------------------------------

fn project(text: &str) -> Output {
    let t = tempfile::tempdir().unwrap();
    convert_in(t.path(), text)
}

fn inits(out: &Output, kind: &str, name: &str) -> Vec<Value> {
    let o = find(out, kind, name);
    o["spec"]["template"]["spec"]["initContainers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

const DEPS: &str = "name: p
services:
  db:
    image: postgres:16.4
  cache:
    image: redis:7.4
    expose: [\"6380\"]
  worker:
    image: example/worker:1
  migrate:
    image: example/app:1
    restart: \"no\"
  web:
    image: example/app:1
    depends_on:
      db: {condition: service_healthy, required: true}
      cache: {condition: service_started, required: true}
      worker: {condition: service_started, required: true}
      migrate: {condition: service_completed_successfully, required: true}
      gone: {condition: service_started, required: false}
";

#[test]
fn healthy_and_started_dependencies_get_wait_init_containers() {
    let out = project(DEPS);
    let init = inits(&out, "Deployment", "web");
    let by_name: Vec<&str> = init.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        by_name,
        ["wait-for-cache", "wait-for-db", "wait-for-worker"]
    );
    let db = &init[1];
    assert_eq!(
        db["args"],
        serde_json::json!(["db", "5432", "300", "service_healthy"])
    );
    assert_eq!(
        init[0]["args"],
        serde_json::json!(["cache", "6380", "300", "service_started"])
    );
    let image = db["image"].as_str().unwrap();
    assert!(
        image.starts_with("busybox:1.") && image.contains("@sha256:"),
        "{image}"
    );
    let sc = &db["securityContext"];
    assert_eq!(sc["runAsUser"], 65534);
    assert_eq!(sc["runAsNonRoot"], true);
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
    assert_eq!(sc["seccompProfile"]["type"], "RuntimeDefault");
    assert_eq!(db["resources"]["limits"]["memory"], "32Mi");
    let script = db["command"][2].as_str().unwrap();
    assert!(
        script.contains("gave up after") && script.contains("nc -z"),
        "{script}"
    );
    // A dependency with no port is waited for by name (headless Service).
    assert!(
        init[2]["command"][2]
            .as_str()
            .unwrap()
            .contains("bad address")
    );
    assert_eq!(
        init[2]["args"],
        serde_json::json!(["worker", "300", "service_started"])
    );
    let svc = find(&out, "Service", "worker");
    assert_eq!(svc["spec"]["clusterIP"], "None");
}

#[test]
fn completed_successfully_is_reported_never_waited_for() {
    let out = project(DEPS);
    let w = warnings(&out);
    assert!(
        w.contains("starts after `migrate` completes (service_completed_successfully)"),
        "{w}"
    );
    assert!(
        w.contains("Helm pre-install/pre-upgrade hook") && w.contains("Argo CD sync wave"),
        "{w}"
    );
    let long = project(
        "name: p\nservices:\n  seed:\n    image: example/seed:1\n  web:\n    image: example/app:1\n    depends_on:\n      seed: {condition: service_completed_successfully}\n",
    );
    assert!(
        warnings(&long).contains("waits for the long-running `seed` to exit"),
        "{}",
        warnings(&long)
    );
    assert!(inits(&long, "Deployment", "web").is_empty());
    let job = project(
        "name: p\nservices:\n  once:\n    image: example/once:1\n    restart: \"no\"\n  web:\n    image: example/app:1\n    depends_on:\n      once: {condition: service_started}\n",
    );
    assert!(
        warnings(&job).contains("depends on `once`, a Job"),
        "{}",
        warnings(&job)
    );
}

#[test]
fn waits_turn_off_and_tune_with_x_komply() {
    let off = DEPS.replace(
        "  web:\n    image: example/app:1\n",
        "  web:\n    image: example/app:1\n    x-komply: {wait_for: false}\n",
    );
    assert!(inits(&project(&off), "Deployment", "web").is_empty());
    let project_off = format!("{DEPS}x-komply:\n  wait_for: false\n");
    assert!(inits(&project(&project_off), "Deployment", "web").is_empty());
    let back_on = project_off.replace(
        "    image: example/app:1\n    depends_on",
        "    image: example/app:1\n    x-komply: {wait_for: {timeout: 60}}\n    depends_on",
    );
    let init = inits(&project(&back_on), "Deployment", "web");
    assert_eq!(init.len(), 3);
    assert_eq!(init[0]["args"][2], "60");
}

#[test]
fn a_job_waits_for_its_database() {
    let out = project(
        "name: p\nservices:\n  db:\n    image: mysql:8.4\n  migrate:\n    image: example/app:1\n    restart: \"no\"\n    depends_on:\n      db: {condition: service_healthy}\n",
    );
    let init = inits(&out, "Job", "migrate");
    assert_eq!(init[0]["args"][1], "3306");
}

// ---- reachability and names ---------------------------------------------------------------------

#[test]
fn port_less_services_others_reach_get_services() {
    let out = project(
        "name: p\nservices:\n  api:\n    image: example/api:1\n    environment:\n      SEARCH_URL: http://search:9200/\n      QUEUE_HOST: queue\n  search:\n    image: example/search:1\n  queue:\n    image: example/queue:1\n  lonely:\n    image: example/lonely:1\n  cache:\n    image: memcached:1.6\n",
    );
    let search = find(&out, "Service", "search");
    assert_eq!(search["spec"]["ports"][0]["port"], 9200);
    assert_eq!(
        find(&out, "Deployment", "search")["spec"]["template"]["spec"]["containers"][0]["ports"][0]
            ["containerPort"],
        9200
    );
    assert_eq!(find(&out, "Service", "queue")["spec"]["clusterIP"], "None");
    assert_eq!(
        find(&out, "Service", "cache")["spec"]["ports"][0]["port"],
        11211
    );
    assert!(!names(&out).contains(&"Service/lonely".to_string()));
    assert!(!names(&out).contains(&"Service/api".to_string()));
}

#[test]
fn clients_that_use_the_container_port_reach_the_service() {
    let out = project(
        "name: p\nservices:\n  api:\n    image: example/api:1\n    ports: [{target: 3000, published: \"8080\", protocol: tcp}]\n  web:\n    image: example/web:1\n    environment:\n      API_URL: http://api:3000\n",
    );
    let ports: Vec<u64> = find(&out, "Service", "api")["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    assert_eq!(ports, [8080, 3000]);
}

#[test]
fn dns_invalid_names_are_rewritten_in_env_args_and_files() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "nginx.conf",
        b"upstream b { server db_main:5432; }\n",
    );
    let c = "name: p\nservices:\n  db_main:\n    image: postgres:16\n  web:\n    image: nginx:1.27\n    command: [\"wait-for\", \"--host\", \"db_main\"]\n    environment:\n      DB_HOST: db_main\n      POSTGRES_DB: db_main\n      DATABASE_URL: postgres://u:MARKER_PW_0c4e@db_main:5432/app\n    volumes:\n      - {type: bind, source: ./nginx.conf, target: /etc/nginx/nginx.conf, read_only: true}\n";
    let out = convert_in(t.path(), c);
    find(&out, "Service", "db-main");
    assert_eq!(
        find(&out, "ConfigMap", "web-env")["data"]["DB_HOST"],
        "db-main"
    );
    // Not a host position: the database name is kept, and said so.
    assert_eq!(
        find(&out, "ConfigMap", "web-env")["data"]["POSTGRES_DB"],
        "db_main"
    );
    assert_eq!(
        find(&out, "ConfigMap", "web-files")["data"]["nginx.conf"],
        "upstream b { server db-main:5432; }\n"
    );
    let args =
        &find(&out, "Deployment", "web")["spec"]["template"]["spec"]["containers"][0]["args"];
    assert_eq!(args, &serde_json::json!(["wait-for", "--host", "db-main"]));
    let w = warnings(&out);
    assert!(
        w.contains("`DB_HOST` names `db_main`") && w.contains("rewritten to `db-main`"),
        "{w}"
    );
    assert!(w.contains("`POSTGRES_DB` mentions `db_main`"), "{w}");
    assert!(
        w.contains("the secret `DATABASE_URL` names `db_main`"),
        "{w}"
    );
    assert!(!w.contains("MARKER_PW_0c4e"));
}

#[test]
fn aliases_get_alias_services() {
    let out = project(
        "name: p\nservices:\n  db:\n    image: postgres:16\n    container_name: legacy-db\n    networks:\n      default:\n        aliases: [database, pg_main]\n  web:\n    image: example/web:1\n    links: [\"db:sql\"]\n    environment:\n      A_HOST: legacy-db\n      B_HOST: sql\n      C_HOST: pg_main\n",
    );
    for alias in ["database", "legacy-db", "sql"] {
        let s = find(&out, "Service", alias);
        assert_eq!(s["spec"]["selector"]["app.kubernetes.io/name"], "db");
        assert_eq!(s["spec"]["ports"][0]["port"], 5432);
    }
    assert_eq!(find(&out, "ConfigMap", "web-env")["data"]["C_HOST"], "db");
}

/// A bind-mounted directory that becomes storage is state: the presets' replica floors (prod's
/// 3) leave the StatefulSet at its one replica, as they do for named volumes.
#[test]
fn bind_storage_is_not_scaled_by_a_preset() {
    use komply::compose::LoadOptions;
    use komply::pipeline::{ConvertRequest, convert};
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "compose.yaml",
        b"services:\n  app:\n    image: ghcr.io/example/app:1.0\n    user: \"1000:1000\"\n    ports: [\"8080:8080\"]\n    volumes:\n      - ./uploads:/app/uploads\n  web:\n    image: ghcr.io/example/web:1.0\n    user: \"1000:1000\"\n    ports: [\"8081:8081\"]\n",
    );
    let mut req = ConvertRequest::new(LoadOptions {
        files: vec![t.path().join("compose.yaml")],
        working_dir: t.path().to_path_buf(),
        resolve_paths: true,
        ..Default::default()
    });
    req.env = Some("prod".into());
    let c = convert(&req).unwrap_or_else(|e| panic!("{e}"));
    let get = |kind: &str, name: &str| {
        c.output
            .objects
            .iter()
            .find(|o| o.is(kind, name))
            .unwrap_or_else(|| panic!("no {kind}/{name}"))
            .to_value()
    };
    let app = get("StatefulSet", "app");
    assert_eq!(app["spec"]["replicas"], 1, "{app}");
    assert_eq!(
        app["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        "uploads"
    );
    assert_eq!(
        get("Deployment", "web")["spec"]["replicas"],
        3,
        "the floor still applies"
    );
}
