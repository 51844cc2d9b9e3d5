//! The streaming example (`examples/streaming/`) in every environment: golden output, strict
//! schema validation of every object (core + Istio / Flagger / ESO CRDs), the strategies'
//! invariants (canary subsets exist and select the pod templates, Flagger owns its Services,
//! blue-green selects the active colour), lint with zero errors, and `--env all`.
//!
//! Goldens: `golden/convert/overlays/streaming/<env>.yaml` (+ `.warnings.txt`). Regenerate with
//! `KOMPLY_UPDATE_GOLDEN=1 cargo test --test overlay_example`, then review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

use komply::compose::LoadOptions;
use komply::generate::{self, Format};
use komply::pipeline::{ConvertRequest, Converted, convert};
use serde_json::Value;

const ENVS: [&str; 3] = ["dev", "staging", "prod"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example() -> PathBuf {
    root().join("examples/streaming")
}

fn run(env: &str) -> Converted {
    let dir = example();
    let load = LoadOptions {
        files: vec![dir.join("compose.yaml")],
        working_dir: dir.clone(),
        resolve_paths: true,
        ..Default::default()
    };
    let mut req = ConvertRequest::new(load);
    req.env = Some(env.to_string());
    convert(&req).unwrap_or_else(|e| panic!("{env}: {e}"))
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
fn golden_outputs_for_every_env() {
    for env in ENVS {
        let c = run(env);
        let yaml = generate::render(&c.output.objects, Format::Yaml);
        let base = root().join("golden/convert/overlays/streaming").join(env);
        check_golden(&base.with_extension("yaml"), &yaml);
        let mut warnings = String::new();
        for w in c.project.warnings.iter().chain(&c.output.warnings) {
            let line = w.to_string().replace(&format!("{}/", root().display()), "");
            warnings.push_str(&line);
            warnings.push('\n');
        }
        check_golden(&base.with_extension("warnings.txt"), &warnings);
        // Deterministic: a second run is byte-identical.
        assert_eq!(
            yaml,
            generate::render(&run(env).output.objects, Format::Yaml),
            "{env}"
        );
    }
}

#[test]
fn every_object_of_every_env_validates_strictly() {
    for env in ENVS {
        for obj in run(env).output.values() {
            let who = format!("{env}: {} {}", obj["kind"], obj["metadata"]["name"]);
            match komply::validate::validate_k8s_json(&obj) {
                Ok(v) => assert!(v.is_empty(), "{who}: {v:?}"),
                Err(e) => panic!("{who}: {e}"),
            }
        }
    }
}

fn find<'a>(objs: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    objs.iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

fn selects(selector: &Value, labels: &Value) -> bool {
    selector
        .as_object()
        .is_some_and(|s| !s.is_empty() && s.iter().all(|(k, v)| &labels[k] == v))
}

/// The Istio canary: every VirtualService subset exists in the DestinationRule of its host, each
/// subset's labels select exactly one Deployment's pod template, and the Service selects both.
#[test]
fn canary_subsets_exist_and_match_pod_templates() {
    for env in ["staging", "prod"] {
        let objs = run(env).output.values();
        let vs = find(&objs, "VirtualService", "catalog").expect("VirtualService");
        let dr = find(&objs, "DestinationRule", "catalog").expect("DestinationRule");
        assert_eq!(dr["apiVersion"], "networking.istio.io/v1");
        let subsets = dr["spec"]["subsets"].as_array().unwrap();
        let mut total = 0;
        for route in vs["spec"]["http"][0]["route"].as_array().unwrap() {
            let d = &route["destination"];
            assert_eq!(d["host"], dr["spec"]["host"], "{env}");
            let subset = subsets
                .iter()
                .find(|s| s["name"] == d["subset"])
                .unwrap_or_else(|| {
                    panic!("{env}: subset {} not in the DestinationRule", d["subset"])
                });
            let templates: Vec<&Value> = objs
                .iter()
                .filter(|o| o["kind"] == "Deployment")
                .filter(|o| {
                    selects(
                        &subset["labels"],
                        &o["spec"]["template"]["metadata"]["labels"],
                    )
                })
                .collect();
            assert_eq!(
                templates.len(),
                1,
                "{env}: subset {} selects {} templates",
                subset["name"],
                templates.len()
            );
            total += route["weight"].as_u64().unwrap();
        }
        assert_eq!(total, 100, "{env}");
        let svc = find(&objs, "Service", "catalog").unwrap();
        for track in ["catalog-stable", "catalog-canary"] {
            let dep = find(&objs, "Deployment", track).unwrap();
            let labels = &dep["spec"]["template"]["metadata"]["labels"];
            assert!(
                selects(&svc["spec"]["selector"], labels),
                "{env}: Service misses {track}"
            );
            assert!(
                selects(&dep["spec"]["selector"]["matchLabels"], labels),
                "{env}: {track}"
            );
        }
        assert!(find(&objs, "Deployment", "catalog").is_none());
    }
    // prod: v1.1 stable, v1.2 canary on 1 % of the traffic.
    let objs = run("prod").output.values();
    let vs = find(&objs, "VirtualService", "catalog").unwrap();
    assert_eq!(vs["spec"]["http"][0]["route"][0]["weight"], 99);
    assert_eq!(vs["spec"]["http"][0]["route"][1]["weight"], 1);
    let image = |n: &str| {
        find(&objs, "Deployment", n).unwrap()["spec"]["template"]["spec"]["containers"][0]["image"]
            .clone()
    };
    assert!(
        image("catalog-stable")
            .as_str()
            .unwrap()
            .ends_with(":1.1.0")
    );
    assert!(
        image("catalog-canary")
            .as_str()
            .unwrap()
            .ends_with(":1.2.0")
    );
}

#[test]
fn flagger_owns_the_services_of_a_progressive_service() {
    let objs = run("prod").output.values();
    let canary = find(&objs, "Canary", "playback").expect("Canary");
    assert_eq!(canary["apiVersion"], "flagger.app/v1beta1");
    let a = &canary["spec"]["analysis"];
    assert_eq!(
        (
            a["interval"].as_str(),
            a["threshold"].as_u64(),
            a["stepWeight"].as_u64(),
            a["maxWeight"].as_u64()
        ),
        (Some("1m"), Some(5), Some(10), Some(50))
    );
    assert_eq!(a["metrics"][0]["name"], "request-success-rate");
    assert_eq!(a["metrics"][0]["thresholdRange"]["min"], 99);
    assert_eq!(a["metrics"][1]["name"], "request-duration");
    assert_eq!(a["metrics"][1]["thresholdRange"]["max"], 500);
    assert_eq!(canary["spec"]["autoscalerRef"]["name"], "playback");
    assert!(find(&objs, "HorizontalPodAutoscaler", "playback").is_some());
    for kind in ["Service", "DestinationRule", "VirtualService"] {
        assert!(
            !objs.iter().any(|o| o["kind"] == kind
                && o["metadata"]["labels"]["app.kubernetes.io/name"] == "playback"),
            "komply must not emit a {kind} for playback"
        );
    }
}

#[test]
fn blue_green_service_selects_the_active_colour() {
    for (env, active, idle) in [("staging", "green", "blue"), ("prod", "blue", "green")] {
        let objs = run(env).output.values();
        let svc = find(&objs, "Service", "web").unwrap();
        let preview = find(&objs, "Service", "web-preview").unwrap();
        let labels = |c: &str| {
            find(&objs, "Deployment", &format!("web-{c}")).unwrap()["spec"]["template"]["metadata"]
                ["labels"]
                .clone()
        };
        assert!(selects(&svc["spec"]["selector"], &labels(active)), "{env}");
        assert!(!selects(&svc["spec"]["selector"], &labels(idle)), "{env}");
        assert!(
            selects(&preview["spec"]["selector"], &labels(idle)),
            "{env}"
        );
    }
}

fn komply(args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn every_env_lints_with_zero_errors_and_leaks_no_secret() {
    for env in ENVS {
        let out = komply(
            &[
                "convert",
                "-q",
                "-f",
                "examples/streaming/compose.yaml",
                "--env",
                env,
            ],
            None,
        );
        assert!(
            out.status.success(),
            "{env}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in ["change-me-catalog", "change-me-drm", "change-me-postgres"] {
            assert!(
                !String::from_utf8_lossy(&out.stdout).contains(secret),
                "{env} leaks {secret}"
            );
        }
        let lint = komply(&["lint", "-", "--fail-on", "error"], Some(&out.stdout));
        let text = String::from_utf8_lossy(&lint.stdout).to_string()
            + &String::from_utf8_lossy(&lint.stderr);
        assert!(
            lint.status.success() && text.contains(" 0 errors"),
            "{env}:\n{text}"
        );
    }
}

#[test]
fn env_all_renders_every_env_into_its_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = komply(
        &[
            "convert",
            "-q",
            "-f",
            "examples/streaming/compose.yaml",
            "--env",
            "all",
            "-o",
            tmp.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut dirs: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    dirs.sort();
    assert_eq!(dirs, ["dev", "prod", "staging"]);
    assert!(
        tmp.path()
            .join("prod/catalog-canary-deployment.yaml")
            .is_file()
    );
    assert!(tmp.path().join("prod/playback-canary.yaml").is_file());
    assert!(tmp.path().join("dev/catalog-deployment.yaml").is_file());
    // To stdout it is a usage error.
    let out = komply(
        &[
            "convert",
            "-f",
            "examples/streaming/compose.yaml",
            "--env",
            "all",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-o DIR"));
}

#[test]
fn available_envs_lists_presets_and_user_overlays() {
    assert_eq!(
        komply::overlay::available_envs(&example()),
        ["dev", "prod", "staging"]
    );
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("overlays")).unwrap();
    std::fs::write(tmp.path().join("overlays/qa.yaml"), "{}\n").unwrap();
    std::fs::write(tmp.path().join("overlays/notes.txt"), "").unwrap();
    assert_eq!(
        komply::overlay::available_envs(tmp.path()),
        ["dev", "prod", "qa", "staging"]
    );
}
