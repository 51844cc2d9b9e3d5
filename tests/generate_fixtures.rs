//! Converts every canonical fixture (`tests/fixtures/generate/**/canonical.yaml`, made by the
//! real `docker compose config`, see `regen.sh`) and checks: golden output, determinism, no
//! secret leak, and the secure defaults of the shop example.
//!
//! Golden files: `golden/convert/<group>/<fixture>.yaml` (+ `.warnings.txt`). Regenerate with
//! `KOMPLY_UPDATE_GOLDEN=1 cargo test --test generate_fixtures`, then review the diff.

use std::path::{Path, PathBuf};

use komply::compose::model::Model;
use komply::diag::Code;
use komply::generate::{self, Format, GenerateOptions, Output};
use komply::yaml::{Limits, parse_documents};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(group/name, fixture dir)` for every canonical fixture, sorted.
fn fixtures() -> Vec<(String, PathBuf)> {
    let base = root().join("tests/fixtures/generate");
    let mut out = Vec::new();
    for group in std::fs::read_dir(&base).expect("fixtures dir") {
        let group = group.expect("entry").path();
        if !group.is_dir() {
            continue;
        }
        for fx in std::fs::read_dir(&group).expect("group dir") {
            let fx = fx.expect("entry").path();
            if fx.join("canonical.yaml").is_file() {
                let id = format!(
                    "{}/{}",
                    group.file_name().unwrap().to_string_lossy(),
                    fx.file_name().unwrap().to_string_lossy()
                );
                out.push((id, fx));
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 15,
        "expected the fixture set, found {}",
        out.len()
    );
    out
}

fn model_of(dir: &Path) -> Model {
    let path = dir.join("canonical.yaml");
    let text = std::fs::read_to_string(&path).expect("read canonical");
    let id = komply::source::sources().add(&path, text.as_str());
    let docs = parse_documents(id, &text, &Limits::default()).expect("parse canonical");
    Model::from_canonical(&docs[0]).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn convert(dir: &Path) -> Output {
    let model = model_of(dir);
    let opts = GenerateOptions {
        project_dir: dir.to_path_buf(),
        ..Default::default()
    };
    generate::generate(&model, &opts).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn warnings_text(out: &Output) -> String {
    let mut s = String::new();
    for w in &out.warnings {
        // Paths relative to the repo so the golden file is machine-independent.
        let line = w.to_string().replace(&format!("{}/", root().display()), "");
        s.push_str(&line);
        s.push('\n');
    }
    s
}

fn check_golden(path: &Path, actual: &str) {
    if std::env::var_os("KOMPLY_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing golden {}; run with KOMPLY_UPDATE_GOLDEN=1",
            path.display()
        )
    });
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, actual)
            .unified_diff()
            .header("golden", "actual")
            .to_string();
        panic!("{} differs from the golden file:\n{diff}", path.display());
    }
}

#[test]
fn golden_outputs() {
    for (id, dir) in fixtures() {
        let out = convert(&dir);
        let yaml = generate::render(&out.objects, Format::Yaml);
        let base = root().join("golden/convert").join(&id);
        check_golden(&base.with_extension("yaml"), &yaml);
        check_golden(&base.with_extension("warnings.txt"), &warnings_text(&out));
    }
}

#[test]
fn two_runs_are_byte_identical() {
    for (id, dir) in fixtures() {
        let a = generate::render(&convert(&dir).objects, Format::Yaml);
        let b = generate::render(&convert(&dir).objects, Format::Yaml);
        assert_eq!(a, b, "{id}");
        let a = generate::render(&convert(&dir).objects, Format::Json);
        let b = generate::render(&convert(&dir).objects, Format::Json);
        assert_eq!(a, b, "{id}");
    }
}

/// Every value planted as `MARKER_*` in the features fixture (env values, a secret file, an
/// `environment:` secret) and every secret-like value of every fixture must be absent from every
/// output: YAML, JSON, per-object files, warnings and errors.
#[test]
fn no_secret_value_leaks() {
    let markers = [
        "MARKER_TOKEN_7f3a91",
        "MARKER_URLPW_55c2",
        "MARKER_KEY_0b77",
        "MARKER_FILEPW_c41d",
        "MARKER_ENVSECRET_91aa",
        // Secret-looking bind-mounted files of the mounts fixture (a PEM key, a .env file).
        "MARKER_PEM_77de",
        "MARKER_FILESECRET_19ab",
    ];
    let policy = komply::secrets::Policy::default();
    for (id, dir) in fixtures() {
        let model = model_of(&dir);
        let mut planted: Vec<String> = markers.iter().map(|s| s.to_string()).collect();
        // Secret-like values of the fixture, when they occur in the input only as secrets
        // (kompose's `MYSQL_PASSWORD: wordpress` also appears as a user name: not checkable).
        let text = std::fs::read_to_string(dir.join("canonical.yaml")).unwrap();
        let mut secret_values: Vec<String> = Vec::new();
        for s in &model.services {
            for v in &s.environment {
                if let Some(val) = &v.value
                    && val.len() >= 4
                    && policy.is_secret(&v.name, val)
                {
                    secret_values.push(val.clone());
                }
            }
        }
        for val in &secret_values {
            let as_secret = secret_values.iter().filter(|v| *v == val).count();
            if text.matches(val.as_str()).count() == as_secret {
                planted.push(val.clone());
            }
        }
        let out = convert(&dir);
        let mut texts = vec![
            generate::render(&out.objects, Format::Yaml),
            generate::render(&out.objects, Format::Json),
            warnings_text(&out),
        ];
        texts.extend(
            generate::files(&out.objects, Format::Yaml)
                .into_iter()
                .map(|(n, t)| n + &t),
        );
        // The error path too: strict mode fails on warnings and prints them.
        let strict = GenerateOptions {
            project_dir: dir.clone(),
            strict: true,
            ..Default::default()
        };
        if let Err(e) = generate::generate(&model, &strict) {
            texts.push(e.to_string());
        }
        for t in &texts {
            for m in &planted {
                assert!(!t.contains(m.as_str()), "{id}: secret value `{m}` leaked");
            }
        }
    }
    // The features fixture really plants them (the test must be able to fail).
    let text = std::fs::read_to_string(
        root().join("tests/fixtures/generate/komply/features/canonical.yaml"),
    )
    .unwrap();
    assert!(text.contains("MARKER_TOKEN_7f3a91") && text.contains("MARKER_URLPW_55c2"));
    let mounts = root().join("tests/fixtures/generate/komply/mounts");
    assert!(
        std::fs::read_to_string(mounts.join("tls/site.key"))
            .unwrap()
            .contains("MARKER_PEM_77de")
    );
    assert!(
        std::fs::read_to_string(mounts.join("app.env"))
            .unwrap()
            .contains("MARKER_FILESECRET_19ab")
    );
}

fn objects_of(id: &str) -> Vec<Value> {
    convert(&root().join("tests/fixtures/generate").join(id)).values()
}

fn find<'a>(objs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objs.iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

/// The shop example: secure context, resources, probes and pinned tags (until lint lands).
#[test]
fn shop_is_secure_by_default() {
    let objs = objects_of("examples/shop");
    let workloads: Vec<&Value> = objs
        .iter()
        .filter(|o| matches!(o["kind"].as_str(), Some("Deployment" | "StatefulSet")))
        .collect();
    assert_eq!(workloads.len(), 4);
    for w in &workloads {
        let pod = &w["spec"]["template"]["spec"];
        assert_eq!(pod["automountServiceAccountToken"], false);
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert!(pod["securityContext"]["runAsUser"].as_i64().unwrap() > 0);
        assert_eq!(
            pod["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
        for c in pod["containers"].as_array().unwrap() {
            let sc = &c["securityContext"];
            assert_eq!(sc["allowPrivilegeEscalation"], false);
            assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
            let image = c["image"].as_str().unwrap();
            let tag = image.rsplit(':').next().unwrap();
            assert!(
                image.contains(':') && tag != "latest",
                "{image} is not pinned"
            );
            for k in ["limits", "requests"] {
                assert!(c["resources"][k]["cpu"].is_string(), "{image} {k}.cpu");
                assert!(
                    c["resources"][k]["memory"].is_string(),
                    "{image} {k}.memory"
                );
            }
            assert!(c["readinessProbe"].is_object(), "{image} readiness");
            assert!(c["livenessProbe"].is_object(), "{image} liveness");
        }
        let labels = &w["metadata"]["labels"];
        for l in ["name", "instance", "version", "part-of", "managed-by"] {
            assert!(labels[format!("app.kubernetes.io/{l}")].is_string(), "{l}");
        }
        let sel = w["spec"]["selector"]["matchLabels"].as_object().unwrap();
        assert_eq!(sel.len(), 2, "selector uses only name + instance");
    }
    let users = find(&objs, "Deployment", "users");
    let c = &users["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["resources"]["limits"]["cpu"], "500m");
    assert_eq!(c["resources"]["limits"]["memory"], "256Mi");
    assert_eq!(c["resources"]["requests"]["memory"], "128Mi");
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    // wget on localhost became an httpGet probe on the named port.
    assert_eq!(c["readinessProbe"]["httpGet"]["port"], "http");
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(c["readinessProbe"]["periodSeconds"], 10);
    assert!(c["startupProbe"].is_object(), "start_period → startupProbe");
    assert_eq!(users["spec"]["replicas"], 2);
    assert!(users["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"].is_object());
    find(&objs, "PodDisruptionBudget", "users");
    // DB_PASSWORD is a secret reference, not a ConfigMap value.
    let env = c["env"].as_array().unwrap();
    assert_eq!(env[0]["name"], "DB_PASSWORD");
    assert_eq!(env[0]["valueFrom"]["secretKeyRef"]["name"], "users-secrets");
    let cm = find(&objs, "ConfigMap", "users-env");
    assert!(cm["data"]["DB_PASSWORD"].is_null());
    assert_eq!(cm["data"]["LOG_LEVEL"], "info");
    find(&objs, "ExternalSecret", "users-secrets");
    // CMD-SHELL runs through a shell.
    let db = find(&objs, "StatefulSet", "db");
    let dbc = &db["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        dbc["livenessProbe"]["exec"]["command"],
        serde_json::json!(["/bin/sh", "-c", "pg_isready -U shop -d shop"])
    );
    assert_eq!(
        db["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        "db-data"
    );
    let svc = find(&objs, "Service", "db");
    assert_eq!(svc["spec"]["ports"][0]["name"], "tcp-5432");
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], "tcp-5432");
}

#[test]
fn features_fixture_maps_what_it_says() {
    let objs = objects_of("komply/features");
    let web = find(&objs, "Deployment", "web");
    assert!(web["spec"]["replicas"].is_null(), "HPA owns replicas");
    assert_eq!(web["spec"]["strategy"]["rollingUpdate"]["maxSurge"], 2);
    assert_eq!(
        web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"],
        0
    );
    let pod = &web["spec"]["template"]["spec"];
    assert_eq!(pod["terminationGracePeriodSeconds"], 45);
    assert!(
        pod["containers"][0]["securityContext"]["capabilities"]["add"]
            .as_array()
            .unwrap()
            .contains(&Value::from("NET_BIND_SERVICE"))
    );
    assert!(
        web["spec"]["template"]["metadata"]["annotations"]["komply.dev/config-hash"].is_string()
    );
    let svc = find(&objs, "Service", "web");
    let names: Vec<&str> = svc["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web", "https", "grpc"]);
    let hpa = find(&objs, "HorizontalPodAutoscaler", "web");
    assert_eq!(hpa["spec"]["minReplicas"], 2);
    find(&objs, "PodDisruptionBudget", "web");
    let ing = find(&objs, "Ingress", "web");
    assert_eq!(ing["spec"]["rules"][0]["host"], "shop.example.com");
    assert_eq!(ing["spec"]["ingressClassName"], "nginx");
    assert_eq!(ing["spec"]["tls"][0]["secretName"], "shop-tls");
    let files = find(&objs, "ConfigMap", "web-files");
    assert_eq!(files["data"]["nginx_conf"], "worker_processes 1;\n");
    let db = find(&objs, "StatefulSet", "db");
    assert_eq!(
        db["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"],
        "20Gi"
    );
    assert_eq!(db["spec"]["serviceName"], "db-headless");
    find(&objs, "Service", "db-headless");
    assert_eq!(
        find(&objs, "Job", "migrate")["spec"]["template"]["spec"]["restartPolicy"],
        "Never"
    );
    assert_eq!(
        find(&objs, "CronJob", "report")["spec"]["schedule"],
        "0 3 * * *"
    );
    let cache_pvc = find(&objs, "PersistentVolumeClaim", "cache-data");
    assert_eq!(cache_pvc["spec"]["resources"]["requests"]["storage"], "2Gi");
    let legacy = find(&objs, "Deployment", "legacy");
    let lp = &legacy["spec"]["template"]["spec"];
    assert_eq!(lp["hostNetwork"], true);
    assert_eq!(lp["securityContext"]["runAsNonRoot"], false);
    assert_eq!(lp["containers"][0]["securityContext"]["privileged"], true);
}

#[test]
fn strict_turns_unsupported_keys_into_errors() {
    let text = "name: p\nservices:\n  web:\n    image: nginx:1.27\n    ulimits: {nofile: 1024}\n";
    let id = komply::source::sources().add_named("strict.yaml", text);
    let docs = parse_documents(id, text, &Limits::default()).unwrap();
    let model = Model::from_canonical(&docs[0]).unwrap();
    assert!(
        model
            .warnings
            .iter()
            .any(|w| w.code == Some(Code::ComposeUnsupportedKey)),
        "ulimits is unsupported"
    );
    let opts = GenerateOptions {
        strict: true,
        ..Default::default()
    };
    let err = generate::generate(&model, &opts).expect_err("strict fails");
    assert!(err.to_string().contains("ulimits"), "{err}");
    // depends_on is mapped now (wait init containers): the shop converts under --strict.
    let dir = root().join("tests/fixtures/generate/examples/shop");
    let strict = GenerateOptions {
        project_dir: dir.clone(),
        strict: true,
        ..Default::default()
    };
    generate::generate(&model_of(&dir), &strict).expect("shop converts strictly");
}

#[test]
fn bad_x_komply_is_a_located_error() {
    let text = "name: p\nservices:\n  web:\n    image: nginx:1.27\n    x-komply:\n      autoscale: {min: 2}\n      controler: job\n";
    let id = komply::source::sources().add_named("xk.yaml", text);
    let docs = parse_documents(id, text, &Limits::default()).unwrap();
    let model = Model::from_canonical(&docs[0]).unwrap();
    let err = generate::generate(&model, &GenerateOptions::default()).expect_err("invalid");
    let s = err.to_string();
    assert!(s.contains("xk.yaml:6:"), "{s}");
    assert!(s.contains("controler"), "{s}");
}

/// Every emitted object of every fixture validates against the strict embedded schemas
/// (Kubernetes 1.37 + the ExternalSecret CRD). Only Namespace has no embedded schema.
#[test]
fn every_object_validates_against_strict_schemas() {
    let mut validated = 0;
    for (id, dir) in fixtures() {
        for obj in convert(&dir).values() {
            match komply::validate::validate_k8s_json(&obj) {
                Ok(v) => {
                    assert!(
                        v.is_empty(),
                        "{id}: {} {}: {v:#?}",
                        obj["kind"],
                        obj["metadata"]["name"]
                    );
                    validated += 1;
                }
                Err(e) => assert_eq!(obj["kind"], "Namespace", "{id}: {e}"),
            }
        }
    }
    assert!(validated > 80, "validated {validated}");
}

/// The fixtures' compose files loaded by komply's own loader give exactly the output of the
/// oracle's canonical form: the generator's contract with the loader holds.
#[test]
fn loader_output_converts_like_the_oracle_canonical_form() {
    use komply::compose::{LoadOptions, load};
    for (id, dir) in fixtures() {
        let files: Vec<PathBuf> = match std::fs::read_to_string(dir.join("files")) {
            Ok(list) => list
                .lines()
                .filter(|l| !l.is_empty())
                .map(|l| dir.join(l))
                .collect(),
            Err(_) => vec![dir.join("compose.yaml")],
        };
        let mut environment = indexmap::IndexMap::new();
        if let Ok(env) = std::fs::read_to_string(dir.join("oracle.env")) {
            for word in env.split_whitespace() {
                if let Some((k, v)) = word.split_once('=') {
                    environment.insert(k.to_string(), v.to_string());
                }
            }
        }
        let opts = LoadOptions {
            files,
            project_name: Some(dir.file_name().unwrap().to_string_lossy().into_owned()),
            environment,
            working_dir: dir.clone(),
            resolve_paths: true,
            ..Default::default()
        };
        let project = load(&opts).unwrap_or_else(|e| panic!("{id}: {e}"));
        let model =
            Model::from_canonical(&project.canonical).unwrap_or_else(|e| panic!("{id}: {e}"));
        let gen_opts = GenerateOptions {
            project_dir: project.project_dir.clone(),
            ..Default::default()
        };
        let from_loader =
            generate::generate(&model, &gen_opts).unwrap_or_else(|e| panic!("{id}: {e}"));
        let from_oracle = convert(&dir);
        let a = generate::render(&from_loader.objects, Format::Yaml);
        let b = generate::render(&from_oracle.objects, Format::Yaml);
        if a != b {
            let diff = similar::TextDiff::from_lines(&b, &a)
                .unified_diff()
                .header("oracle canonical", "komply loader")
                .to_string();
            panic!("{id}: loader and oracle disagree:\n{diff}");
        }
    }
}

/// Every bundled example is mirrored (unchanged) as a fixture, so the golden, validation, leak
/// and determinism tests above cover all of `examples/` (run `regen.sh` after editing one).
#[test]
fn every_example_is_a_fixture() {
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let dir = entry.unwrap().path();
        let compose = dir.join("compose.yaml");
        if !compose.is_file() {
            continue;
        }
        n += 1;
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mirror = root().join("tests/fixtures/generate/examples").join(&name);
        let a = std::fs::read_to_string(&compose).unwrap();
        let b = std::fs::read_to_string(mirror.join("compose.yaml")).unwrap_or_else(|_| {
            panic!("examples/{name} is not mirrored: run tests/fixtures/generate/regen.sh")
        });
        assert_eq!(
            a, b,
            "examples/{name} changed: run tests/fixtures/generate/regen.sh"
        );
        assert!(mirror.join("canonical.yaml").is_file());
    }
    assert!(n >= 2);
}

fn convert_text(name: &str, text: &str) -> Vec<Value> {
    let id = komply::source::sources().add_named(name, text);
    let docs = parse_documents(id, text, &Limits::default()).unwrap();
    let model = Model::from_canonical(&docs[0]).unwrap();
    generate::generate(&model, &GenerateOptions::default())
        .unwrap()
        .values()
}

#[test]
fn two_published_ports_of_one_container_port_get_distinct_names() {
    let objs = convert_text(
        "ports.yaml",
        "name: p\nservices:\n  web:\n    image: nginx:1.27\n    ports:\n      - {target: 8080, published: \"80\", protocol: tcp}\n      - {target: 8080, published: \"8080\", protocol: tcp}\n      - {target: 8080, published: \"80\", protocol: udp}\n",
    );
    let svc = find(&objs, "Service", "web");
    let ports: Vec<(String, u64, String)> = svc["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["port"].as_u64().unwrap(),
                p["targetPort"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        ports,
        [
            ("http".to_string(), 80, "http".to_string()),
            ("tcp-8080".to_string(), 8080, "http".to_string()),
            ("udp-8080".to_string(), 80, "udp-8080".to_string()),
        ]
    );
    for o in &objs {
        assert_eq!(komply::validate::validate_k8s_json(o), Ok(vec![]));
    }
}

#[test]
fn disabled_healthcheck_gives_no_probes_and_defaults_apply_otherwise() {
    let objs = convert_text(
        "hc.yaml",
        "name: p\nservices:\n  a:\n    image: x:1\n    healthcheck: {disable: true}\n  b:\n    image: x:1\n    healthcheck: {test: [NONE]}\n  c:\n    image: x:1\n    healthcheck: {test: [CMD, true]}\n",
    );
    for n in ["a", "b"] {
        let c = &find(&objs, "Deployment", n)["spec"]["template"]["spec"]["containers"][0];
        assert!(
            c["readinessProbe"].is_null() && c["livenessProbe"].is_null(),
            "{n}"
        );
    }
    let c = &find(&objs, "Deployment", "c")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["readinessProbe"]["periodSeconds"], 30);
    assert_eq!(c["readinessProbe"]["timeoutSeconds"], 30);
    assert_eq!(c["readinessProbe"]["failureThreshold"], 3);
    assert_eq!(c["livenessProbe"]["failureThreshold"], 6);
    assert!(c["startupProbe"].is_null());
}
