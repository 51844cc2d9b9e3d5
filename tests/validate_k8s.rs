//! Kubernetes object validation: verdicts, messages and `line:col` of each violation.

use std::path::{Path, PathBuf};

use komply::fsio::load_yaml;
use komply::validate::{NoSchema, SchemaViolation, validate_k8s, validate_k8s_json};
use komply::yaml::Node;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/validate")
        .join(rel)
}

fn docs(rel: &str) -> Vec<Node> {
    load_yaml(&fixture(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .1
}

/// The violations of the single object in a fixture.
fn violations(rel: &str) -> Vec<SchemaViolation> {
    let docs = docs(rel);
    assert_eq!(docs.len(), 1, "{rel}: one document expected");
    validate_k8s(&docs[0]).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn at(v: &SchemaViolation) -> (u32, u32) {
    (v.span.start.line, v.span.start.col)
}

#[test]
fn valid_fixtures_have_no_violations() {
    let dir = fixture("k8s/valid");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let rel = format!("k8s/valid/{}", path.file_name().unwrap().to_str().unwrap());
        for doc in docs(&rel) {
            let v = validate_k8s(&doc).unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert!(v.is_empty(), "{rel}: {v:#?}");
            checked += 1;
        }
    }
    assert!(checked >= 9, "only {checked} objects checked");
}

#[test]
fn every_invalid_fixture_has_a_violation() {
    for entry in std::fs::read_dir(fixture("k8s/invalid")).unwrap() {
        let path = entry.unwrap().path();
        let rel = format!(
            "k8s/invalid/{}",
            path.file_name().unwrap().to_str().unwrap()
        );
        assert!(!violations(&rel).is_empty(), "{rel} should be invalid");
    }
}

#[test]
fn probe_typo_points_at_the_key_and_suggests_the_right_one() {
    let v = violations("k8s/invalid/probe-typo.yaml");
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(
        v[0].pointer,
        "/spec/template/spec/containers/0/livenessProbe/initialDelaySecond"
    );
    assert_eq!(at(&v[0]), (21, 13));
    assert_eq!(
        v[0].message,
        "unknown field `initialDelaySecond` in `livenessProbe` (did you mean `initialDelaySeconds`?)"
    );
}

#[test]
fn wrong_type_points_at_the_value_and_says_what_was_expected() {
    let v = violations("k8s/invalid/replicas-string.yaml");
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].pointer, "/spec/replicas");
    assert_eq!(at(&v[0]), (6, 13));
    assert_eq!(
        v[0].message,
        "`replicas`: expected an integer, found a string"
    );
}

#[test]
fn missing_required_points_at_the_mapping_that_should_hold_it() {
    let v = violations("k8s/invalid/missing-containers.yaml");
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].pointer, "/spec/template/spec/containers");
    // The `spec:` key of the pod template (line 13), whose mapping lacks `containers`.
    assert_eq!(at(&v[0]), (13, 5));
    assert_eq!(
        v[0].message,
        "missing required field `containers` in `spec`"
    );
}

#[test]
fn one_of_failures_collapse_into_one_message() {
    let v = violations("k8s/invalid/intorstring-sequence.yaml");
    let messages: Vec<(&str, (u32, u32), &str)> = v
        .iter()
        .map(|v| (v.pointer.as_str(), at(v), v.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        vec![(
            "/spec/strategy/rollingUpdate/maxSurge",
            (11, 17),
            "`maxSurge`: expected a string or an integer, found a sequence"
        ),]
    );
}

#[test]
fn several_violations_in_document_order() {
    let v = violations("k8s/invalid/service-port-type.yaml");
    let got: Vec<(&str, (u32, u32))> = v.iter().map(|v| (v.message.as_str(), at(v))).collect();
    assert_eq!(
        got,
        vec![
            ("`port`: expected an integer, found a string", (8, 13)),
            (
                "unknown field `protocl` in `ports[0]` (did you mean `protocol`?)",
                (9, 7)
            ),
        ]
    );
}

#[test]
fn unknown_kind_has_no_schema() {
    let d = docs("k8s/unknown-kind.yaml");
    assert_eq!(
        validate_k8s(&d[0]),
        Err(NoSchema::Unknown {
            api_version: "example.com/v1".into(),
            kind: "Widget".into(),
            known_versions: vec![],
        })
    );
}

#[test]
fn known_kind_under_an_old_version_names_the_versions_known() {
    let obj = serde_json::json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "x"}});
    match validate_k8s_json(&obj) {
        Err(NoSchema::Unknown { known_versions, .. }) => {
            assert_eq!(known_versions, vec!["apps/v1"])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn objects_without_identity_are_violations_not_panics() {
    let cases = [
        (
            serde_json::json!("just a string"),
            "expected a Kubernetes object (a mapping), found a scalar",
        ),
        (
            serde_json::json!({"kind": "Pod"}),
            "missing required field `apiVersion`",
        ),
        (
            serde_json::json!({"apiVersion": "v1", "kind": 3}),
            "`kind`: expected a non-empty string",
        ),
    ];
    for (obj, message) in cases {
        let v = validate_k8s_json(&obj).unwrap();
        assert_eq!(v.len(), 1, "{obj}: {v:#?}");
        assert_eq!(v[0].message, message);
        assert!(v[0].span.is_synthetic());
    }
}

#[test]
fn generated_objects_validate_without_spans() {
    let good = serde_json::json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
    });
    assert_eq!(validate_k8s_json(&good), Ok(vec![]));
    let bad = serde_json::json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "lables": {}},
        "spec": {"ports": [{"port": 80}]}
    });
    let v = validate_k8s_json(&bad).unwrap();
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].pointer, "/metadata/lables");
    assert_eq!(
        v[0].message,
        "unknown field `lables` in `metadata` (did you mean `labels`?)"
    );
    assert!(v[0].span.is_synthetic());
}

#[test]
fn common_kinds_have_schemas() {
    let kinds = [
        ("v1", "Namespace"),
        ("v1", "Pod"),
        ("apps/v1", "DaemonSet"),
        ("apps/v1", "ReplicaSet"),
        ("v1", "ReplicationController"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ("v1", "LimitRange"),
        ("v1", "ResourceQuota"),
        ("v1", "PersistentVolume"),
        ("storage.k8s.io/v1", "StorageClass"),
        ("scheduling.k8s.io/v1", "PriorityClass"),
        ("v1", "Endpoints"),
        ("discovery.k8s.io/v1", "EndpointSlice"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("batch/v1", "Job"),
        ("batch/v1", "CronJob"),
        ("v1", "Service"),
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
        ("v1", "ServiceAccount"),
        ("v1", "PersistentVolumeClaim"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("networking.k8s.io/v1", "Ingress"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
        ("policy/v1", "PodDisruptionBudget"),
    ];
    for (api_version, kind) in kinds {
        let obj =
            serde_json::json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}});
        assert!(
            validate_k8s_json(&obj).is_ok(),
            "{api_version} {kind} has no schema"
        );
    }
}

/// Keys holding `/` or `~` are escaped in JSON pointers; the span still finds them.
#[test]
fn keys_with_slashes_are_located() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    app.kubernetes.io/name: 3\n    a~b: [x]\n";
    let id = komply::source::sources().add_named("slashes.yaml", text);
    let docs = komply::yaml::parse_documents(id, text, &Default::default()).unwrap();
    let v = validate_k8s(&docs[0]).unwrap();
    let got: Vec<(&str, (u32, u32), &str)> = v
        .iter()
        .map(|v| (v.pointer.as_str(), at(v), v.message.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "/metadata/labels/app.kubernetes.io~1name",
                (6, 29),
                "`app.kubernetes.io/name`: expected a string, found an integer"
            ),
            (
                "/metadata/labels/a~0b",
                (7, 10),
                "`a~b`: expected a string, found a sequence"
            ),
        ]
    );
}

/// Odd documents never panic and always say something.
#[test]
fn odd_documents_are_reported_not_panics() {
    for text in [
        "[]",
        "42",
        "~",
        "apiVersion: apps/v1\nkind: Deployment\nspec: [1, 2]\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers: [~, 3, {name: a, ports: [{containerPort: {a: b}}]}]\n",
        "apiVersion: [v1]\nkind: Pod\n",
        "apiVersion: v1\nkind: ''\n",
    ] {
        let id = komply::source::sources().add_named("odd.yaml", text);
        let docs = komply::yaml::parse_documents(id, text, &Default::default()).unwrap();
        let v = validate_k8s(&docs[0]).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(!v.is_empty(), "{text}");
        assert!(
            v.iter()
                .all(|v| !v.message.is_empty() && !v.span.is_synthetic()),
            "{text}: {v:#?}"
        );
    }
}
