//! Overlays on a small project written to a temp dir: every mistake is an error at the
//! overlay's `file:line:col` (patch targets that match nothing, failing JSON Patch operations,
//! unknown services, misspelt keys…), layer precedence (preset < user overlay < `--overlay`
//! files in order), and how an autoscaler and `replicas` interact.

use std::path::{Path, PathBuf};

use komply::compose::LoadOptions;
use komply::diag::Failure;
use komply::pipeline::{ConvertRequest, convert};
use serde_json::Value;

const COMPOSE: &str = r#"name: demo
services:
  web:
    image: ghcr.io/example/web:1.0.0
    ports: ["8080:8080"]
    environment:
      API_TOKEN: not-in-any-output
      LOG_LEVEL: info
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:8080/healthz"]
    deploy:
      resources:
        limits: {cpus: "1", memory: 512M}
        reservations: {cpus: "0.25", memory: 128M}
  worker:
    image: ghcr.io/example/worker:1.0.0
  db:
    image: postgres:16.4-alpine
    volumes: ["data:/var/lib/postgresql/data"]
volumes:
  data: {}
"#;

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), COMPOSE).unwrap();
        std::fs::create_dir(dir.path().join("overlays")).unwrap();
        Project { dir }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::write(&p, text).unwrap();
        p
    }
    fn convert(&self, env: Option<&str>, extra: &[PathBuf]) -> Result<Vec<Value>, Failure> {
        let load = LoadOptions {
            files: vec![self.path().join("compose.yaml")],
            working_dir: self.path().to_path_buf(),
            resolve_paths: true,
            ..Default::default()
        };
        let mut req = ConvertRequest::new(load);
        req.env = env.map(str::to_string);
        req.overlays = extra.to_vec();
        convert(&req).map(|c| c.output.values())
    }
    fn ok(&self, env: Option<&str>, extra: &[PathBuf]) -> Vec<Value> {
        self.convert(env, extra).unwrap_or_else(|e| panic!("{e}"))
    }
    /// The single error of a failing conversion: (code, `file:line:col`, message, help).
    fn error(&self, env: Option<&str>, extra: &[PathBuf]) -> (String, String, String, String) {
        let f = match self.convert(env, extra) {
            Ok(_) => panic!("expected an error"),
            Err(f) => f,
        };
        assert_eq!(f.0.len(), 1, "{f}");
        let d = &f.0[0];
        (
            d.code.map(|c| c.to_string()).unwrap_or_default(),
            d.location().unwrap_or_default(),
            d.message.clone(),
            d.help.clone().unwrap_or_default(),
        )
    }
}

fn find<'a>(objs: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    objs.iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

#[test]
fn patch_target_that_matches_nothing_is_an_error_at_the_target() {
    let p = Project::new();
    p.write(
        "overlays/prod.yaml",
        "patches:\n  - target: {kind: Deployment, name: wbe}\n    merge_patch: {spec: {paused: true}}\n",
    );
    let (code, at, msg, help) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/patch-target");
    assert!(at.ends_with("overlays/prod.yaml:2:13"), "{at}");
    assert!(msg.contains("matches no generated object"), "{msg}");
    assert!(help.contains("web, worker"), "{help}");
    // A label selector that selects nothing, too.
    p.write(
        "overlays/prod.yaml",
        "patches:\n  - target:\n      labelSelector: app.kubernetes.io/name=nope\n    merge_patch: {metadata: {labels: {x: y}}}\n",
    );
    let (code, at, ..) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/patch-target");
    assert!(at.ends_with("overlays/prod.yaml:3:7"), "{at}");
}

#[test]
fn failing_json_patch_test_op_is_an_error_at_the_operation() {
    let p = Project::new();
    p.write(
        "overlays/prod.yaml",
        "patches:\n  - target: {kind: HorizontalPodAutoscaler, name: web}\n    json_patch: []\n",
    );
    // No HPA in prod for web: target miss, with the reason.
    let (code, _, _, help) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/patch-target");
    assert!(help.contains("no HorizontalPodAutoscaler"), "{help}");
    p.write(
        "overlays/prod.yaml",
        "patches:\n  - target: {kind: Deployment, name: web}\n    json_patch:\n      - {op: test, path: /spec/replicas, value: 3}\n      - {op: test, path: /spec/replicas, value: 2}\n      - {op: replace, path: /spec/replicas, value: 9}\n",
    );
    let (code, at, msg, _) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/patch-failed");
    assert!(at.ends_with("overlays/prod.yaml:5:9"), "{at}");
    assert!(
        msg.contains("operation 1") && msg.contains("`test` failed"),
        "{msg}"
    );
    // A path that does not exist.
    p.write(
        "overlays/prod.yaml",
        "patches:\n  - target: {kind: Deployment, name: web}\n    json_patch:\n      - {op: remove, path: /spec/nothing/here}\n",
    );
    let (code, at, ..) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/patch-failed");
    assert!(at.ends_with("overlays/prod.yaml:4:9"), "{at}");
    // When the test holds, the operations apply.
    p.write(
        "overlays/prod.yaml",
        "patches:\n  - target: {kind: Deployment, name: web}\n    json_patch:\n      - {op: test, path: /spec/replicas, value: 3}\n      - {op: replace, path: /spec/replicas, value: 9}\n",
    );
    let objs = p.ok(Some("prod"), &[]);
    assert_eq!(
        find(&objs, "Deployment", "web").unwrap()["spec"]["replicas"],
        9
    );
}

#[test]
fn patch_that_breaks_the_schema_is_an_error() {
    let p = Project::new();
    p.write(
        "overlays/prod.yaml",
        "patches:\n  - target: {kind: Deployment, name: web}\n    merge_patch: {spec: {replicas: many}}\n",
    );
    let (code, at, msg, _) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/patch-invalid");
    assert!(at.ends_with("overlays/prod.yaml:2:5"), "{at}");
    assert!(msg.contains("Deployment web"), "{msg}");
}

/// A patch may not leave something that is no object (here: without a name): the envelope
/// refuses to read it back, at the patch.
#[test]
fn patch_that_removes_the_name_is_an_error() {
    let p = Project::new();
    p.write(
        "overlays/prod.yaml",
        "patches:\n  - target: {kind: Deployment, name: web}\n    json_patch:\n      - {op: remove, path: /metadata/name}\n",
    );
    let (code, at, msg, _) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/patch-invalid");
    assert!(at.ends_with("overlays/prod.yaml:2:5"), "{at}");
    assert!(
        msg.contains("Deployment web") && msg.contains("`/metadata/name` is missing"),
        "{msg}"
    );
}

#[test]
fn overlay_naming_an_unknown_service_is_an_error() {
    let p = Project::new();
    p.write(
        "overlays/prod.yaml",
        "services:\n  wokrer:\n    replicas: 2\n",
    );
    let (code, at, msg, help) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/unknown-service");
    assert!(at.ends_with("overlays/prod.yaml:2:3"), "{at}");
    assert!(msg.contains("`wokrer`"), "{msg}");
    assert_eq!(help, "did you mean `worker`?");
}

#[test]
fn overlay_with_a_typoed_key_is_an_error_with_a_suggestion() {
    let p = Project::new();
    p.write(
        "overlays/prod.yaml",
        "namespace: demo\nservices:\n  web:\n    replcias: 2\n",
    );
    let (code, at, msg, help) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/schema");
    assert!(at.ends_with("overlays/prod.yaml:4:5"), "{at}");
    assert!(msg.contains("unknown key `replcias`"), "{msg}");
    assert_eq!(help, "did you mean `replicas`?");
    // Top level, and a wrong type.
    p.write("overlays/prod.yaml", "namspace: demo\n");
    let (_, at, _, help) = p.error(Some("prod"), &[]);
    assert!(at.ends_with("overlays/prod.yaml:1:1"), "{at}");
    assert_eq!(help, "did you mean `namespace`?");
    p.write(
        "overlays/prod.yaml",
        "services:\n  web:\n    replicas: three\n",
    );
    let (code, at, ..) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/schema");
    assert!(at.ends_with("overlays/prod.yaml:3:15"), "{at}");
    // An `--overlay` file is validated the same way.
    let extra = p.write(
        "extra.yaml",
        "services:\n  web:\n    strategy: {type: canry}\n",
    );
    let (code, at, ..) = p.error(None, &[extra]);
    assert_eq!(code, "overlay/schema");
    assert!(at.ends_with("extra.yaml:3:22"), "{at}");
}

fn replicas(objs: &[Value], name: &str) -> Value {
    find(objs, "Deployment", name).unwrap()["spec"]["replicas"].clone()
}

#[test]
fn precedence_preset_then_user_overlay_then_overlay_files_in_order() {
    let p = Project::new();
    // The preset alone: prod's floor of 3 replicas, its env label, its default requests.
    let objs = p.ok(Some("prod"), &[]);
    assert_eq!(replicas(&objs, "web"), 3);
    assert_eq!(replicas(&objs, "worker"), 3);
    let worker = find(&objs, "Deployment", "worker").unwrap();
    assert_eq!(worker["metadata"]["labels"]["komply.dev/env"], "prod");
    assert_eq!(
        worker["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"],
        "250m"
    );
    // A stateful service is not scaled by the floor.
    assert_eq!(
        find(&objs, "StatefulSet", "db").unwrap()["spec"]["replicas"],
        1
    );

    // The user's overlays/prod.yaml extends the preset implicitly and wins over it.
    p.write(
        "overlays/prod.yaml",
        "labels: {komply.dev/env: production, team: a}\nservices:\n  web:\n    replicas: 5\n    resources: {requests: {cpu: 500m}}\n",
    );
    let objs = p.ok(Some("prod"), &[]);
    assert_eq!(replicas(&objs, "web"), 5);
    assert_eq!(replicas(&objs, "worker"), 3, "the preset still applies");
    let web = find(&objs, "Deployment", "web").unwrap();
    assert_eq!(web["metadata"]["labels"]["komply.dev/env"], "production");
    assert_eq!(web["metadata"]["labels"]["team"], "a");
    let res = &web["spec"]["template"]["spec"]["containers"][0]["resources"];
    assert_eq!(
        res["requests"]["cpu"], "500m",
        "the service's own value replaces"
    );
    assert_eq!(
        res["requests"]["memory"], "128Mi",
        "compose's value beats a preset default"
    );

    // `--overlay` files come last, in order.
    let a = p.write("a.yaml", "services:\n  web:\n    replicas: 7\n");
    let b = p.write("b.yaml", "services:\n  web:\n    replicas: 8\n");
    assert_eq!(
        replicas(&p.ok(Some("prod"), &[a.clone(), b.clone()]), "web"),
        8
    );
    assert_eq!(replicas(&p.ok(Some("prod"), &[b, a.clone()]), "web"), 7);
    // Without an environment, only the files apply.
    let objs = p.ok(None, &[a]);
    assert_eq!(replicas(&objs, "web"), 7);
    assert_eq!(replicas(&objs, "worker"), 1);

    // `extends: false` opts out of the preset of the same name.
    p.write(
        "overlays/prod.yaml",
        "extends: false\nservices:\n  web:\n    replicas: 2\n",
    );
    let objs = p.ok(Some("prod"), &[]);
    assert_eq!(replicas(&objs, "worker"), 1);
    // A user environment extending a preset explicitly, and one extending another overlay.
    p.write("overlays/qa.yaml", "extends: staging\nnamespace: qa\n");
    p.write(
        "overlays/qa2.yaml",
        "extends: qa\nservices:\n  worker:\n    replicas: 4\n",
    );
    let objs = p.ok(Some("qa2"), &[]);
    assert_eq!(replicas(&objs, "web"), 2, "staging's floor");
    assert_eq!(replicas(&objs, "worker"), 4);
    assert_eq!(
        find(&objs, "Deployment", "worker").unwrap()["metadata"]["namespace"],
        "qa"
    );
}

#[test]
fn unknown_env_and_extends_cycles_are_errors() {
    let p = Project::new();
    let (code, _, msg, help) = p.error(Some("perf"), &[]);
    assert_eq!(code, "overlay/unknown-env");
    assert!(msg.contains("`perf`"), "{msg}");
    assert!(help.contains("dev, prod, staging"), "{help}");
    p.write("overlays/a.yaml", "extends: b\n");
    p.write("overlays/b.yaml", "extends: a\n");
    let (code, at, ..) = p.error(Some("a"), &[]);
    assert_eq!(code, "overlay/extends-cycle");
    assert!(at.ends_with("overlays/b.yaml:1:10"), "{at}");
}

#[test]
fn autoscaler_and_replicas() {
    let p = Project::new();
    // An autoscaler: the Deployment carries no replicas; the service's replicas become the
    // HPA's minimum unless it names one.
    p.write(
        "overlays/prod.yaml",
        "services:\n  web:\n    replicas: 4\n    autoscale:\n      max: 10\n      cpu: 70\n      behavior:\n        scaleDown: {stabilizationWindowSeconds: 300, policies: [{type: Pods, value: 1, periodSeconds: 60}]}\n",
    );
    let objs = p.ok(Some("prod"), &[]);
    let dep = find(&objs, "Deployment", "web").unwrap();
    assert!(dep["spec"].get("replicas").is_none(), "{dep}");
    let hpa = find(&objs, "HorizontalPodAutoscaler", "web").unwrap();
    assert_eq!(hpa["apiVersion"], "autoscaling/v2");
    assert_eq!(hpa["spec"]["minReplicas"], 4);
    assert_eq!(hpa["spec"]["maxReplicas"], 10);
    assert_eq!(
        hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"],
        300
    );
    assert!(find(&objs, "PodDisruptionBudget", "web").is_some());
    // A later layer turns the autoscaler off: replicas are back, no HPA.
    let off = p.write("off.yaml", "services:\n  web:\n    autoscale: false\n");
    let objs = p.ok(Some("prod"), &[off]);
    assert_eq!(replicas(&objs, "web"), 4);
    assert!(find(&objs, "HorizontalPodAutoscaler", "web").is_none());
    // A later layer changes only the maximum: the rest merges.
    let max = p.write("max.yaml", "services:\n  web:\n    autoscale: {max: 20}\n");
    let objs = p.ok(Some("prod"), &[max]);
    let hpa = find(&objs, "HorizontalPodAutoscaler", "web").unwrap();
    assert_eq!(
        (
            hpa["spec"]["minReplicas"].as_u64(),
            hpa["spec"]["maxReplicas"].as_u64()
        ),
        (Some(4), Some(20))
    );
    // A floor above the ceiling is an error at `max`.
    p.write(
        "overlays/prod.yaml",
        "services:\n  web:\n    replicas: 12\n    autoscale: {max: 10}\n",
    );
    let (code, at, ..) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/autoscale-range");
    assert!(at.ends_with("overlays/prod.yaml:4:22"), "{at}");
    // A rollout strategy needs a Deployment.
    let job = p.write(
        "job.yaml",
        "services:\n  db:\n    strategy: {type: canary, canary: {tag: '17'}}\n",
    );
    let (code, at, msg, _) = p.error(None, &[job]);
    assert_eq!(code, "overlay/strategy");
    assert!(at.ends_with("job.yaml:3:15"), "{at}");
    assert!(msg.contains("StatefulSet"), "{msg}");
}

#[test]
fn settings_land_on_the_generated_objects() {
    let p = Project::new();
    let extra = p.write(
        "x.yaml",
        r#"namespace: demo-x
image: {registry: registry.example.com/demo}
annotations: {owner: team-a}
secret_store: {name: vault, kind: SecretStore, remote_key: "{{ env }}/{{ project }}/{{ service }}"}
services:
  web:
    image: {tag: 1.0.1, digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
    probes:
      readiness: {initialDelaySeconds: 5}
      liveness: false
    security_context:
      container: {readOnlyRootFilesystem: true}
      pod: {fsGroup: 2000}
    pod_annotations: {sidecar.istio.io/inject: "true"}
    ingress:
      host: web.example.com
      tls_secret: web-tls
      class: nginx
      paths: [{path: /, port: http}, {path: /api, port: 8080}]
    strategy: {type: rolling, max_surge: 25%, max_unavailable: 0}
"#,
    );
    let objs = p.ok(None, &[extra]);
    let web = find(&objs, "Deployment", "web").unwrap();
    assert_eq!(web["metadata"]["namespace"], "demo-x");
    assert_eq!(web["metadata"]["annotations"]["owner"], "team-a");
    let pod = &web["spec"]["template"];
    let c = &pod["spec"]["containers"][0];
    assert_eq!(
        c["image"],
        "registry.example.com/demo/web:1.0.1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    );
    assert_eq!(c["readinessProbe"]["initialDelaySeconds"], 5);
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/healthz");
    assert!(c.get("livenessProbe").is_none());
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(pod["spec"]["securityContext"]["fsGroup"], 2000);
    assert_eq!(
        pod["metadata"]["annotations"]["sidecar.istio.io/inject"],
        "true"
    );
    assert_eq!(web["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
    assert_eq!(
        find(&objs, "Deployment", "worker").unwrap()["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example.com/demo/worker:1.0.0"
    );
    let ing = find(&objs, "Ingress", "web").unwrap();
    assert_eq!(ing["spec"]["rules"][0]["host"], "web.example.com");
    assert_eq!(ing["spec"]["tls"][0]["secretName"], "web-tls");
    let paths = &ing["spec"]["rules"][0]["http"]["paths"];
    assert_eq!(
        (paths[0]["path"].as_str(), paths[1]["path"].as_str()),
        (Some("/"), Some("/api"))
    );
    assert_eq!(paths[1]["backend"]["service"]["port"]["name"], "http");
    let es = find(&objs, "ExternalSecret", "web-secrets").unwrap();
    assert_eq!(es["spec"]["secretStoreRef"]["name"], "vault");
    assert_eq!(es["spec"]["secretStoreRef"]["kind"], "SecretStore");
    assert_eq!(
        es["spec"]["data"][0]["remoteRef"]["key"],
        "default/demo/web"
    );
    assert_eq!(es["spec"]["data"][0]["remoteRef"]["property"], "API_TOKEN");
    let text = serde_json::to_string(&objs).unwrap();
    assert!(!text.contains("not-in-any-output"));
    for o in &objs {
        let v = komply::validate::validate_k8s_json(o).unwrap();
        assert!(v.is_empty(), "{o}: {v:?}");
    }
}

#[test]
fn bad_remote_key_template_is_located() {
    let p = Project::new();
    p.write(
        "overlays/prod.yaml",
        "secret_store:\n  remote_key: \"{{ env }/{{ key }}\"\n",
    );
    let (code, at, ..) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/remote-key");
    assert!(at.ends_with("overlays/prod.yaml:2:15"), "{at}");
}

#[test]
fn strategies_need_what_they_route() {
    let p = Project::new();
    let same = p.write(
        "same.yaml",
        "services:\n  web:\n    strategy: {type: canary, canary: {tag: 1.0.0}}\n",
    );
    let (code, _, msg, _) = p.error(None, &[same]);
    assert_eq!(code, "overlay/strategy");
    assert!(msg.contains("both version"), "{msg}");
    let no_port = p.write(
        "noport.yaml",
        "services:\n  worker:\n    strategy: {type: blue-green}\n",
    );
    let (code, _, msg, _) = p.error(None, &[no_port]);
    assert_eq!(code, "overlay/strategy");
    assert!(msg.contains("no ports"), "{msg}");
}

/// Another document (`docs/overlay-reference.md`) is generated from the schema: every property
/// has a description and examples (directly or through its `$ref`), and the examples validate.
#[test]
fn overlay_schema_documents_every_property() {
    let schema: Value = serde_json::from_str(komply::validate::OVERLAY_SCHEMA).unwrap();
    let defs = schema["$defs"].clone();
    let mut missing = Vec::new();
    fn walk(node: &Value, path: &str, defs: &Value, missing: &mut Vec<String>) {
        if let Some(props) = node["properties"].as_object() {
            for (k, v) in props {
                let p = format!("{path}.{k}");
                let target = v["$ref"]
                    .as_str()
                    .and_then(|r| r.rsplit('/').next())
                    .map(|d| &defs[d]);
                let has = |key: &str| {
                    v.get(key).is_some() || target.is_some_and(|t| t.get(key).is_some())
                };
                if !has("description") || !has("examples") {
                    missing.push(p.clone());
                }
                walk(v, &p, defs, missing);
            }
        }
        for key in ["additionalProperties", "items"] {
            if node[key].is_object() {
                walk(&node[key], &format!("{path}[]"), defs, missing);
            }
        }
        for alt in node["oneOf"].as_array().into_iter().flatten() {
            walk(alt, path, defs, missing);
        }
    }
    walk(&schema, "", &defs, &mut missing);
    for (name, d) in defs.as_object().unwrap() {
        walk(d, &format!("$defs.{name}"), &defs, &mut missing);
    }
    assert!(
        missing.is_empty(),
        "without description / examples: {missing:?}"
    );
    // The top-level examples are valid overlays.
    let v = jsonschema::validator_for(&schema).unwrap();
    for ex in schema["examples"].as_array().unwrap() {
        assert!(v.is_valid(ex), "{ex}");
    }
}

#[test]
fn schema_command_prints_the_overlay_schema() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(["schema", "overlay"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        komply::validate::OVERLAY_SCHEMA
    );
}

#[test]
fn free_form_fields_that_break_the_schema_are_located() {
    let p = Project::new();
    p.write(
        "overlays/prod.yaml",
        "services:\n  worker:\n    probes:\n      readiness: {httpGet: {path: /ready}}\n",
    );
    let (code, at, msg, _) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/invalid-result");
    assert!(at.ends_with("overlays/prod.yaml:3:5"), "{at}");
    assert!(msg.contains("Deployment worker"), "{msg}");
    p.write(
        "overlays/prod.yaml",
        "defaults:\n  strategy: {type: canary}\n",
    );
    let (code, at, ..) = p.error(Some("prod"), &[]);
    assert_eq!(code, "overlay/strategy");
    assert!(at.ends_with("overlays/prod.yaml:2:20"), "{at}");
    // Rolling parameters as defaults apply to every Deployment.
    p.write(
        "overlays/prod.yaml",
        "defaults:\n  strategy: {type: rolling, max_surge: 2}\n  labels: {tier: all}\n",
    );
    let objs = p.ok(Some("prod"), &[]);
    let w = find(&objs, "Deployment", "worker").unwrap();
    assert_eq!(w["spec"]["strategy"]["rollingUpdate"]["maxSurge"], 2);
    assert_eq!(w["metadata"]["labels"]["tier"], "all");
}

#[test]
fn strategies_carry_the_autoscaler_along() {
    let p = Project::new();
    let bg = p.write(
        "bg.yaml",
        "services:\n  web:\n    autoscale: {min: 2, max: 6}\n    strategy: {type: blue-green, active: green, green: {tag: 1.1.0}}\n",
    );
    let objs = p.ok(None, &[bg]);
    for colour in ["blue", "green"] {
        let name = format!("web-{colour}");
        let dep = find(&objs, "Deployment", &name).unwrap();
        assert!(dep["spec"].get("replicas").is_none());
        let hpa = find(&objs, "HorizontalPodAutoscaler", &name).unwrap();
        assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], name.as_str());
    }
    assert!(find(&objs, "HorizontalPodAutoscaler", "web").is_none());
    let image = |n: &str| {
        find(&objs, "Deployment", n).unwrap()["spec"]["template"]["spec"]["containers"][0]["image"]
            .clone()
    };
    assert_eq!(image("web-blue"), "ghcr.io/example/web:1.0.0");
    assert_eq!(image("web-green"), "ghcr.io/example/web:1.1.0");
    assert_eq!(
        find(&objs, "Service", "web").unwrap()["spec"]["selector"]["color"],
        "green"
    );

    let canary = p.write(
        "canary.yaml",
        "services:\n  web:\n    autoscale: {min: 2, max: 6}\n    strategy: {type: canary, canary: {tag: 1.1.0}, weight: 5}\n",
    );
    let objs = p.ok(None, &[canary]);
    let hpa = find(&objs, "HorizontalPodAutoscaler", "web").unwrap();
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "web-stable");
    assert!(
        find(&objs, "Deployment", "web-stable").unwrap()["spec"]
            .get("replicas")
            .is_none()
    );
    assert_eq!(
        find(&objs, "Deployment", "web-canary").unwrap()["spec"]["replicas"],
        1
    );
    for o in &objs {
        let v = komply::validate::validate_k8s_json(o).unwrap();
        assert!(v.is_empty(), "{o}: {v:?}");
    }
}

/// `--env all` writes every environment or nothing: one broken overlay leaves the directory
/// untouched, and the error still names the overlay's line.
#[test]
fn env_all_is_all_or_nothing() {
    let p = Project::new();
    p.write("overlays/qa.yaml", "services:\n  web:\n    replicas: -1\n");
    let out_dir = p.path().join("out");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(["convert", "-q", "--env", "all", "-o"])
        .arg(&out_dir)
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("overlays/qa.yaml:3:15"), "{err}");
    assert!(!out_dir.exists() || std::fs::read_dir(&out_dir).unwrap().next().is_none());
    std::fs::remove_file(p.path().join("overlays/qa.yaml")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(["convert", "-q", "--env", "all", "-o"])
        .arg(&out_dir)
        .current_dir(p.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for env in ["dev", "prod", "staging"] {
        assert!(
            out_dir.join(env).join("web-deployment.yaml").is_file(),
            "{env}"
        );
    }
}

#[test]
fn patches_of_each_layer_apply_once_in_layer_order() {
    let p = Project::new();
    p.write(
        "overlays/prod.yaml",
        "patches:\n  - target: {kind: Deployment, name: web}\n    json_patch:\n      - {op: test, path: /spec/replicas, value: 3}\n      - {op: replace, path: /spec/replicas, value: 9}\n",
    );
    // A later layer without `patches`: prod's patch still runs exactly once (a second run
    // would fail its `test`).
    let plain = p.write("plain.yaml", "services:\n  worker:\n    replicas: 5\n");
    let objs = p.ok(Some("prod"), std::slice::from_ref(&plain));
    assert_eq!(replicas(&objs, "web"), 9);
    // A later layer with its own patch: both run, once each, in order.
    let more = p.write(
        "more.yaml",
        "patches:\n  - target: {kind: Deployment, name: web}\n    json_patch:\n      - {op: test, path: /spec/replicas, value: 9}\n      - {op: replace, path: /spec/replicas, value: 10}\n",
    );
    let objs = p.ok(Some("prod"), &[more, plain]);
    assert_eq!(replicas(&objs, "web"), 10);
}

#[test]
fn a_default_turned_off_keeps_the_services_own_setting() {
    let p = Project::new();
    let o = p.write(
        "off.yaml",
        "defaults:\n  autoscale: false\nservices:\n  web:\n    autoscale: {max: 5}\n",
    );
    let objs = p.ok(None, &[o]);
    let hpa = find(&objs, "HorizontalPodAutoscaler", "web").expect("web keeps its autoscaler");
    assert_eq!(hpa["spec"]["maxReplicas"], 5);
    assert!(find(&objs, "HorizontalPodAutoscaler", "worker").is_none());
}
