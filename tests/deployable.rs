//! Issue 12 items 2 and 7, case by case through `pipeline::convert` (loader, generator, overlays):
//! who a pod runs as (a user name, the Dockerfile, `x-komply`, an overlay), the warnings that say
//! why a pod would not start (each located, each with its fix), privileged ports, anonymous
//! volumes over image content, probes, and what the presets may not do to a single writer.
//! Every converted object validates strictly and lints without errors.

use komply::compose::LoadOptions;
use komply::diag::{Code, Diagnostic};
use komply::pipeline::{ConvertRequest, Converted, convert};
use serde_json::Value;

struct Run {
    c: Converted,
    /// The objects as JSON (what the assertions index).
    json: Vec<Value>,
    _dir: tempfile::TempDir,
}

impl Run {
    fn pod(&self, name: &str) -> &Value {
        let o = self
            .json
            .iter()
            .find(|o| {
                o["metadata"]["name"] == name
                    && matches!(
                        o["kind"].as_str(),
                        Some("Deployment" | "StatefulSet" | "Job")
                    )
            })
            .unwrap_or_else(|| panic!("no workload {name}"));
        &o["spec"]["template"]["spec"]
    }
    fn workload(&self, name: &str) -> &Value {
        self.json
            .iter()
            .find(|o| {
                o["metadata"]["name"] == name
                    && matches!(o["kind"].as_str(), Some("Deployment" | "StatefulSet"))
            })
            .unwrap_or_else(|| panic!("no workload {name}"))
    }
    fn warning(&self, code: Code, service: &str) -> Option<&Diagnostic> {
        self.c
            .output
            .warnings
            .iter()
            .find(|w| w.code == Some(code) && w.message.contains(&format!("`{service}`")))
    }
    fn codes(&self, service: &str) -> Vec<String> {
        self.c
            .output
            .warnings
            .iter()
            .filter(|w| w.message.contains(&format!("service `{service}`")))
            .filter_map(|w| w.code.map(|c| c.to_string()))
            .collect()
    }
}

fn run(files: &[(&str, &str)], env: Option<&str>) -> Run {
    run_allowing(files, env, &[])
}

/// As [`run`], with lint rules the compose file asks to break (`network_mode: host` → KP107).
fn run_allowing(files: &[(&str, &str)], env: Option<&str>, asked: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let mut req = ConvertRequest::new(LoadOptions {
        files: vec![dir.path().join("compose.yaml")],
        working_dir: dir.path().to_path_buf(),
        resolve_paths: true,
        ..Default::default()
    });
    req.env = env.map(str::to_string);
    let c = convert(&req).unwrap_or_else(|e| panic!("{e}"));
    let json = c.output.values();
    for o in &json {
        if let Ok(v) = komply::validate::validate_k8s_json(o) {
            assert!(
                v.is_empty(),
                "{} {} invalid: {v:?}",
                o["kind"],
                o["metadata"]["name"]
            );
        }
    }
    let lint = komply::lint::lint_objects(
        komply::lint::from_compose::objects(&c, komply::yaml::Span::SYNTHETIC),
        &Default::default(),
    );
    let errors: Vec<String> = lint
        .findings
        .iter()
        .filter(|f| f.severity == komply::diag::Severity::Error && f.suppressed.is_none())
        .filter(|f| !asked.contains(&f.rule.id.code()))
        .map(|f| format!("{}: {}", f.rule.id, f.message))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    Run { c, json, _dir: dir }
}

fn compose(text: &str) -> Run {
    run(&[("compose.yaml", text)], None)
}

fn located_at(w: &Diagnostic, line_col: &str) -> bool {
    w.location()
        .is_some_and(|l| l.ends_with(&format!("compose.yaml:{line_col}")))
}

#[test]
fn a_user_name_is_resolved_from_the_table_or_warned_at_the_user_key() {
    let r = compose(
        "services:
  db:
    image: postgres:16
    user: postgres
  small:
    image: postgres:16-alpine
    user: postgres
  web:
    image: nginx:1.27
    user: www-data
  app:
    image: ghcr.io/acme/app:1
    user: '1000:1000'
",
    );
    let sc = |n: &str| r.pod(n)["securityContext"].clone();
    assert_eq!(
        (
            sc("db")["runAsUser"].as_i64(),
            sc("db")["runAsGroup"].as_i64()
        ),
        (Some(999), Some(999))
    );
    assert_eq!(sc("small")["runAsUser"], 70);
    // nginx has no `www-data`: the kubelet cannot verify a name, so it is said, at `user:`.
    assert!(sc("web").get("runAsUser").is_none());
    let w = r
        .warning(Code::GenerateUserName, "web")
        .expect("user-name warning");
    assert!(located_at(w, "10:11"), "{:?}", w.location());
    assert!(w.help.as_deref().unwrap().contains("UID:GID"));
    // Numbers given: no guess, no warning.
    assert_eq!(sc("app")["runAsUser"], 1000);
    assert!(
        r.codes("app")
            .iter()
            .all(|c| c != "generate/unknown-image-user")
    );
}

#[test]
fn x_komply_or_an_overlay_says_who_an_unknown_image_runs_as() {
    let text = "services:
  own:
    image: ghcr.io/acme/worker:1
    x-komply:
      security_context:
        pod: {runAsUser: 4242, runAsGroup: 4242}
  later:
    image: ghcr.io/acme/worker:1
";
    let r = run(
        &[
            ("compose.yaml", text),
            (
                "overlays/live.yaml",
                "services:\n  later:\n    security_context:\n      pod: {runAsUser: 5000}\n",
            ),
        ],
        Some("live"),
    );
    assert_eq!(r.pod("own")["securityContext"]["runAsUser"], 4242);
    assert_eq!(r.pod("later")["securityContext"]["runAsUser"], 5000);
    assert!(r.warning(Code::GenerateUnknownImageUser, "own").is_none());
    assert!(
        r.warning(Code::GenerateUnknownImageUser, "later").is_none(),
        "the overlay settled it"
    );
    // Without the overlay the same service is warned.
    let plain = compose(text);
    assert!(
        plain
            .warning(Code::GenerateUnknownImageUser, "later")
            .is_some()
    );
    assert!(
        plain.pod("later")["securityContext"]
            .get("runAsUser")
            .is_none()
    );
    assert_eq!(plain.pod("later")["securityContext"]["runAsNonRoot"], true);
}

#[test]
fn a_build_only_service_is_judged_from_its_dockerfile() {
    let r = run(
        &[
            (
                "compose.yaml",
                "services:
  numeric:
    build: ./numeric
  named:
    build: ./named
  root:
    build: ./root
  db:
    build: ./db
  scratch:
    build: ./scratch
",
            ),
            ("numeric/Dockerfile", "FROM alpine:3.20\nUSER 1001:1001\n"),
            (
                "named/Dockerfile",
                "FROM debian:12\nRUN useradd -u 1234 -m app\nUSER app\n",
            ),
            ("root/Dockerfile", "FROM alpine:3.20\nUSER root\n"),
            (
                "db/Dockerfile",
                "FROM postgres:16-alpine\nCOPY init.sql /docker-entrypoint-initdb.d/\n",
            ),
            ("scratch/Dockerfile", "FROM scratch\nCOPY app /app\n"),
        ],
        None,
    );
    let uid = |n: &str| r.pod(n)["securityContext"]["runAsUser"].as_i64();
    assert_eq!(uid("numeric"), Some(1001));
    assert_eq!(uid("named"), Some(1234));
    assert_eq!(uid("db"), Some(70), "FROM postgres:*-alpine, no USER");
    assert_eq!(uid("root"), None);
    let w = r
        .warning(Code::GenerateImageRunsAsRoot, "root")
        .expect("USER root");
    assert!(located_at(w, "7:5"), "at `build:` {:?}", w.location());
    assert_eq!(uid("scratch"), None);
    let w = r
        .warning(Code::GenerateUnknownImageUser, "scratch")
        .expect("FROM scratch");
    assert!(located_at(w, "11:5"), "{:?}", w.location());
}

#[test]
fn an_image_that_needs_root_is_warned_with_its_non_root_variant() {
    let r = compose(
        "services:
  git:
    image: gitea/gitea:1.22
  rootless:
    image: gitea/gitea:1.22-rootless
",
    );
    let w = r
        .warning(Code::GenerateImageNeedsRoot, "git")
        .expect("needs root");
    assert!(located_at(w, "3:5"), "{:?}", w.location());
    assert!(
        w.help.as_deref().unwrap().contains("rootless"),
        "{:?}",
        w.help
    );
    assert!(r.pod("git")["securityContext"].get("runAsUser").is_none());
    assert_eq!(r.pod("rootless")["securityContext"]["runAsUser"], 1000);
    assert!(
        r.codes("rootless")
            .iter()
            .all(|c| !c.starts_with("generate/image"))
    );
}

#[test]
fn ports_below_1024_use_the_safe_sysctl_except_on_the_host_network() {
    let r = run_allowing(
        &[(
            "compose.yaml",
            "services:
  web:
    image: nginx:1.27
    ports: ['8080:80']
  edge:
    image: nginx:1.27
    network_mode: host
  app:
    image: ghcr.io/acme/app:1
    user: '1000'
    ports: ['443:443']
",
        )],
        None,
        &["KP107"],
    );
    let sysctl = |n: &str| {
        r.pod(n)["securityContext"]["sysctls"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|s| s["name"] == "net.ipv4.ip_unprivileged_port_start")
            })
            .map(|s| s["value"].as_str().unwrap().to_string())
    };
    assert_eq!(sysctl("web").as_deref(), Some("80"));
    // The port, the Service and the clients stay as in Compose.
    assert_eq!(
        r.pod("web")["containers"][0]["ports"][0]["containerPort"],
        80
    );
    assert_eq!(sysctl("app").as_deref(), Some("443"), "any non-root image");
    assert_eq!(sysctl("edge"), None);
    let w = r
        .warning(Code::GeneratePrivilegedPort, "edge")
        .expect("host network");
    assert!(
        w.help.as_deref().unwrap().contains("unprivileged"),
        "{:?}",
        w.help
    );
}

#[test]
fn an_anonymous_volume_over_image_content_is_left_out() {
    let r = run(
        &[
            (
                "compose.yaml",
                "services:
  web:
    image: node:22
    user: '1000'
    volumes:
      - .:/app
      - /app/node_modules
      - /cache
",
            ),
            ("index.js", "console.log('hi')\n"),
        ],
        None,
    );
    let mounts: Vec<String> = r.pod("web")["containers"][0]["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["mountPath"].as_str().map(str::to_string))
        .collect();
    assert!(
        !mounts.iter().any(|m| m == "/app/node_modules"),
        "{mounts:?}"
    );
    assert!(mounts.iter().any(|m| m == "/cache"), "{mounts:?}");
    let w = r
        .warning(Code::GenerateAnonymousVolumeShield, "web")
        .expect("said");
    assert!(located_at(w, "7:9"), "{:?}", w.location());
}

#[test]
fn probes_allow_the_healthcheck_window_and_report_what_cannot_work() {
    let r = compose(
        "services:
  slow:
    image: ghcr.io/acme/app:1
    user: '1000'
    healthcheck:
      test: ['CMD', 'true']
      interval: 10s
      retries: 5
      start_period: 60s
  remote:
    image: ghcr.io/acme/app:1
    user: '1000'
    healthcheck:
      test: ['CMD-SHELL', 'curl -f http://nowhere:8080/health']
  script:
    image: ghcr.io/acme/app:1
    user: '1000'
    volumes:
      - /opt/health:/checks:ro
    healthcheck:
      test: ['CMD', '/checks/ok.sh']
",
    );
    let p = &r.pod("slow")["containers"][0]["startupProbe"];
    let window = p["failureThreshold"].as_u64().unwrap() * p["periodSeconds"].as_u64().unwrap();
    assert!(
        window >= 60 + 5 * 10,
        "start_period + retries × interval: {p}"
    );
    let w = r.warning(Code::GenerateProbeHost, "remote").expect("host");
    assert!(w.message.contains("`nowhere`"));
    assert!(located_at(w, "14:13"), "{:?}", w.location());
    let w = r
        .warning(Code::GenerateProbeDroppedMount, "script")
        .expect("file from a left-out mount");
    assert!(w.message.contains("/checks/ok.sh"), "{}", w.message);
}

#[test]
fn data_and_node_settings_the_image_needs_are_said() {
    let r = compose(
        "services:
  db:
    image: postgres:16
    environment:
      PGDATA: /var/lib/postgresql/data
    volumes: [db:/var/lib/postgresql/data]
  search:
    image: docker.elastic.co/elasticsearch/elasticsearch:9.2.4
  single:
    image: docker.elastic.co/elasticsearch/elasticsearch:9.2.4
    environment:
      discovery.type: single-node
volumes:
  db: {}
",
    );
    let w = r
        .warning(Code::GenerateDataDir, "db")
        .expect("PGDATA at the root");
    assert!(
        w.help
            .as_deref()
            .unwrap()
            .contains("/var/lib/postgresql/data/pgdata")
    );
    assert!(r.warning(Code::GenerateNodeSysctl, "search").is_some());
    assert!(r.warning(Code::GenerateNodeSysctl, "single").is_none());
}

#[test]
fn prod_does_not_scale_a_single_writer_nor_starve_a_jvm() {
    let r = run(
        &[(
            "compose.yaml",
            "services:
  db:
    image: postgres:16
  cache:
    image: redis:7.4
  kafka:
    image: confluentinc/cp-kafka:7.8.0
  web:
    image: nginx:1.27
  api:
    image: ghcr.io/acme/api:1
    user: '1000'
  store:
    image: ghcr.io/acme/store:1
    user: '1000'
    volumes: [store:/var/lib/store]
volumes:
  store: {}
",
        )],
        Some("prod"),
    );
    let replicas = |n: &str| r.workload(n)["spec"]["replicas"].as_u64().unwrap_or(1);
    assert_eq!(replicas("db"), 1);
    assert_eq!(replicas("cache"), 1);
    assert_eq!(replicas("kafka"), 1);
    assert_eq!(replicas("store"), 1, "anything with a data volume is state");
    assert!(replicas("web") >= 2, "stateless services still scale");
    let limit = |n: &str| r.pod(n)["containers"][0]["resources"]["limits"]["memory"].clone();
    assert_eq!(limit("kafka"), "1280Mi", "the JVM heap's floor");
    assert_eq!(limit("api"), "1Gi");
    assert!(r.warning(Code::OverlayMemoryFloor, "kafka").is_some());
    let unknown =
        r.c.output
            .warnings
            .iter()
            .find(|w| w.code == Some(Code::OverlayMemoryUnknown))
            .expect("services whose needs are unknown are named");
    assert!(unknown.message.contains("`api`") && !unknown.message.contains("`kafka`"));
}

#[test]
fn an_overlay_startup_probe_shorter_than_the_healthcheck_window_is_reported() {
    let r = run(
        &[
            (
                "compose.yaml",
                "services:
  app:
    image: ghcr.io/acme/app:1
    user: '1000'
    healthcheck:
      test: ['CMD', 'true']
      interval: 10s
      retries: 3
      start_period: 120s
",
            ),
            (
                "overlays/fast.yaml",
                "services:\n  app:\n    probes:\n      startup: {periodSeconds: 5, failureThreshold: 2}\n",
            ),
        ],
        Some("fast"),
    );
    let w = r
        .warning(Code::OverlayStartupProbeShort, "app")
        .expect("reported");
    assert!(w.message.contains("150s"), "{}", w.message);
}
