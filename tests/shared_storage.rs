//! Storage several services share stays one volume (generate/shared_storage.rs): one claim that
//! every user mounts, the users kept on one node by a required podAffinity, one fsGroup, a
//! located warning — and everything still validates strictly and lints without errors.

use komply::compose::LoadOptions;
use komply::diag::Code;
use komply::pipeline::{ConvertRequest, Converted, convert};
use serde_json::Value;

/// A conversion, with its objects as JSON (what the assertions index).
struct Run {
    c: Converted,
    json: Vec<Value>,
}

impl std::ops::Deref for Run {
    type Target = Converted;
    fn deref(&self) -> &Converted {
        &self.c
    }
}

fn convert_text(files: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let req = ConvertRequest::new(LoadOptions {
        files: vec![dir.path().join("compose.yaml")],
        working_dir: dir.path().to_path_buf(),
        resolve_paths: true,
        ..Default::default()
    });
    let c = convert(&req).unwrap_or_else(|e| panic!("{e}"));
    let json = c.output.values();
    for o in &json {
        if let Ok(v) = komply::validate::validate_k8s_json(o) {
            assert!(v.is_empty(), "{} invalid: {v:?}", o["kind"]);
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
        .map(|f| format!("{}: {}", f.rule.id, f.message))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    std::mem::forget(dir); // the spans' source paths stay readable for messages
    Run { c, json }
}

fn workload<'a>(c: &'a Run, name: &str) -> &'a Value {
    c.json
        .iter()
        .find(|o| {
            o["metadata"]["name"] == name
                && matches!(
                    o["kind"].as_str(),
                    Some("Deployment" | "StatefulSet" | "Job" | "CronJob")
                )
        })
        .unwrap_or_else(|| panic!("no workload {name}"))
}

fn claims(c: &Run) -> Vec<String> {
    c.json
        .iter()
        .filter(|o| o["kind"] == "PersistentVolumeClaim")
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

fn claim_of(w: &Value, mount_path: &str) -> Option<String> {
    let spec = &w["spec"]["template"]["spec"];
    let m = spec["containers"][0]["volumeMounts"]
        .as_array()?
        .iter()
        .find(|m| m["mountPath"] == mount_path)?;
    let v = spec["volumes"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == m["name"])?;
    v["persistentVolumeClaim"]["claimName"]
        .as_str()
        .map(str::to_string)
}

fn group_of(w: &Value) -> Option<&str> {
    w["spec"]["template"]["metadata"]["labels"]["komply.dev/storage-group"].as_str()
}

const NEXTCLOUD: &str = "name: cloud
services:
  app:
    image: nextcloud:fpm-alpine
    volumes:
      - nextcloud:/var/www/html
  cron:
    image: nextcloud:fpm-alpine
    entrypoint: /cron.sh
    volumes:
      - nextcloud:/var/www/html
  web:
    image: nginx:1.27-alpine
    ports: ['8080:80']
    volumes:
      - nextcloud:/var/www/html:ro
  db:
    image: postgres:16-alpine
    volumes:
      - db:/var/lib/postgresql/data
volumes:
  nextcloud: {}
  db: {}
";

#[test]
fn a_named_volume_of_several_services_is_one_claim_on_one_node() {
    let c = convert_text(&[("compose.yaml", NEXTCLOUD)]);
    // One claim for the shared volume; the database keeps its claim template.
    assert_eq!(claims(&c), vec!["nextcloud"]);
    let db = workload(&c, "db");
    assert_eq!(
        db["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        "db"
    );
    assert_eq!(group_of(db), None);
    for name in ["app", "cron", "web"] {
        let w = workload(&c, name);
        assert!(
            w["spec"].get("volumeClaimTemplates").is_none(),
            "{name}: {w:#}"
        );
        assert_eq!(
            claim_of(w, "/var/www/html").as_deref(),
            Some("nextcloud"),
            "{name}"
        );
        assert_eq!(group_of(w), Some("nextcloud"), "{name}");
        let spec = &w["spec"]["template"]["spec"];
        let term =
            &spec["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
        assert_eq!(term["topologyKey"], "kubernetes.io/hostname");
        assert_eq!(
            term["labelSelector"]["matchLabels"],
            serde_json::json!({"app.kubernetes.io/instance": "cloud", "komply.dev/storage-group": "nextcloud"})
        );
        // One group owns the files: nextcloud's www-data (82 on alpine), nginx included.
        assert_eq!(spec["securityContext"]["fsGroup"], 82, "{name}");
        assert_eq!(
            spec["securityContext"]["fsGroupChangePolicy"],
            "OnRootMismatch"
        );
    }
    // The claim sits with its first user's objects, before its workload.
    let names: Vec<String> = c
        .json
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    let pvc = names
        .iter()
        .position(|n| n == "PersistentVolumeClaim/nextcloud")
        .unwrap();
    let app = names.iter().position(|n| n == "StatefulSet/app").unwrap();
    assert!(pvc < app, "{names:?}");
    assert_eq!(c.output.objects[pvc].service(), Some("app"));
    let w = c
        .output
        .warnings
        .iter()
        .find(|w| w.code == Some(Code::GenerateSharedVolume))
        .expect("a warning");
    assert!(w.message.contains("`app`, `cron`, `web`"), "{}", w.message);
    assert!(
        w.location().unwrap().ends_with("compose.yaml:6:9"),
        "{:?}",
        w.location()
    );
    assert!(w.help.as_deref().unwrap().contains("ReadWriteMany"));
}

#[test]
fn deployments_sharing_a_claim_are_kept_together_and_a_lone_user_is_untouched() {
    let c = convert_text(&[(
        "compose.yaml",
        "name: p
services:
  api:
    image: ghcr.io/acme/api:1
    user: '1000:1000'
    x-komply: {controller: deployment}
    volumes: [uploads:/srv/uploads]
  worker:
    image: ghcr.io/acme/api:1
    user: '1000:1000'
    x-komply: {controller: deployment}
    volumes: [uploads:/srv/uploads]
  solo:
    image: redis:7
    volumes: [cache:/data]
volumes:
  uploads: {}
  cache: {}
",
    )]);
    assert_eq!(claims(&c), vec!["uploads"]);
    for name in ["api", "worker"] {
        let w = workload(&c, name);
        assert_eq!(w["kind"], "Deployment");
        assert_eq!(claim_of(w, "/srv/uploads").as_deref(), Some("uploads"));
        assert_eq!(group_of(w), Some("uploads"));
    }
    let solo = workload(&c, "solo");
    assert_eq!(
        solo["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        "cache"
    );
    assert_eq!(group_of(solo), None);
    assert!(solo["spec"]["template"]["spec"]["affinity"].is_null());
}

#[test]
fn a_host_directory_stored_by_several_services_is_one_claim() {
    let c = convert_text(&[(
        "compose.yaml",
        "name: p
services:
  synapse:
    image: matrixdotorg/synapse:v1.120.0
    volumes: ['/srv/synapse-data:/data']
  worker:
    image: matrixdotorg/synapse:v1.120.0
    volumes: ['/srv/synapse-data:/data']
",
    )]);
    let a = claim_of(workload(&c, "synapse"), "/data");
    let b = claim_of(workload(&c, "worker"), "/data");
    assert!(a.is_some() && a == b, "{a:?} {b:?}");
    assert_eq!(claims(&c), vec![a.clone().unwrap()]);
    assert!(
        !c.output
            .warnings
            .iter()
            .any(|w| w.message.contains("each gets its own claim")),
        "the old split warning is gone"
    );
    assert!(
        c.output
            .warnings
            .iter()
            .any(|w| w.code == Some(Code::GenerateSharedVolume)
                && w.message.contains("host directory `/srv/synapse-data`"))
    );
}

#[test]
fn services_linked_through_two_volumes_form_one_group() {
    let c = convert_text(&[(
        "compose.yaml",
        "name: p
services:
  a:
    image: ghcr.io/acme/a:1
    user: '1000'
    volumes: [one:/one]
  b:
    image: ghcr.io/acme/b:1
    user: '1000'
    volumes: [one:/one, two:/two]
  c:
    image: ghcr.io/acme/c:1
    user: '1000'
    volumes: [two:/two]
volumes:
  one: {}
  two: {}
",
    )]);
    let groups: Vec<Option<&str>> = ["a", "b", "c"]
        .iter()
        .map(|n| group_of(workload(&c, n)))
        .collect();
    assert!(groups[0].is_some(), "{groups:?}");
    assert!(groups.iter().all(|g| *g == groups[0]), "{groups:?}");
}
