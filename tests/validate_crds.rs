//! CRD schemas: a correct and an incorrect example of each embedded kind.

use std::path::{Path, PathBuf};

use komply::fsio::load_yaml;
use komply::validate::validate_k8s;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/validate/crds")
        .join(rel)
}

/// (line, col, pointer, message) of one violation.
type Row = (u32, u32, String, String);

/// The violations of the one object in a fixture.
fn check(rel: &str) -> Vec<Row> {
    let (_, docs) = load_yaml(&fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(docs.len(), 1, "{rel}");
    validate_k8s(&docs[0])
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .into_iter()
        .map(|v| (v.span.start.line, v.span.start.col, v.pointer, v.message))
        .collect()
}

fn row(line: u32, col: u32, pointer: &str, message: &str) -> Row {
    (line, col, pointer.to_string(), message.to_string())
}

const KINDS: [&str; 9] = [
    "externalsecret-v1",
    "virtualservice-v1",
    "virtualservice-v1beta1",
    "destinationrule-v1",
    "destinationrule-v1beta1",
    "canary-v1beta1",
    "metrictemplate-v1beta1",
    "rollout-v1alpha1",
    "analysistemplate-v1alpha1",
];

#[test]
fn every_crd_accepts_its_correct_example() {
    for kind in KINDS {
        let v = check(&format!("valid/{kind}.yaml"));
        assert!(v.is_empty(), "{kind}: {v:#?}");
    }
}

#[test]
fn every_crd_rejects_its_incorrect_example_with_located_messages() {
    let expected: [(&str, Vec<Row>); 9] = [
        (
            "externalsecret-v1",
            vec![
                row(
                    5,
                    47,
                    "/spec/secretStoreRef/kind",
                    "`kind`: expected one of `SecretStore`, `ClusterSecretStore`, found `VaultStore`",
                ),
                row(
                    8,
                    37,
                    "/spec/data/0/remoteRef/propery",
                    "unknown field `propery` in `remoteRef` (did you mean `property`?)",
                ),
            ],
        ),
        (
            "virtualservice-v1",
            vec![
                row(
                    5,
                    10,
                    "/spec/hosts",
                    "`hosts`: expected a sequence, found a string",
                ),
                row(
                    9,
                    11,
                    "/spec/http/0/route/0/wieght",
                    "unknown field `wieght` in `route[0]` (did you mean `weight`?)",
                ),
            ],
        ),
        (
            "virtualservice-v1beta1",
            vec![
                row(
                    5,
                    10,
                    "/spec/hosts",
                    "`hosts`: expected a sequence, found a string",
                ),
                row(
                    9,
                    11,
                    "/spec/http/0/route/0/wieght",
                    "unknown field `wieght` in `route[0]` (did you mean `weight`?)",
                ),
            ],
        ),
        (
            "destinationrule-v1",
            vec![row(
                4,
                1,
                "/spec/host",
                "missing required field `host` in `spec`",
            )],
        ),
        (
            "destinationrule-v1beta1",
            vec![row(
                4,
                1,
                "/spec/host",
                "missing required field `host` in `spec`",
            )],
        ),
        (
            "canary-v1beta1",
            vec![
                row(
                    7,
                    3,
                    "/spec/analysis",
                    "missing one of `iterations`, `stepWeight` or `stepWeights` in `analysis`",
                ),
                row(
                    9,
                    16,
                    "/spec/analysis/threshold",
                    "`threshold`: expected a number, found a string",
                ),
                row(
                    10,
                    5,
                    "/spec/analysis/stepWeigth",
                    "unknown field `stepWeigth` in `analysis` (did you mean `stepWeight`?)",
                ),
            ],
        ),
        (
            "metrictemplate-v1beta1",
            vec![row(
                4,
                1,
                "/spec/query",
                "missing required field `query` in `spec`",
            )],
        ),
        (
            "rollout-v1alpha1",
            vec![
                row(
                    5,
                    13,
                    "/spec/replicas",
                    "`replicas`: expected an integer, found a string",
                ),
                row(
                    11,
                    11,
                    "/spec/strategy/canary/steps/0/setWieght",
                    "unknown field `setWieght` in `steps[0]` (did you mean `setWeight`?)",
                ),
            ],
        ),
        (
            "analysistemplate-v1alpha1",
            vec![
                row(
                    6,
                    7,
                    "/spec/metrics/0/name",
                    "missing required field `name` in `metrics[0]`",
                ),
                row(
                    9,
                    11,
                    "/spec/metrics/0/provider/prometheus/adress",
                    "unknown field `adress` in `prometheus` (did you mean `address`?)",
                ),
            ],
        ),
    ];
    for (kind, want) in expected {
        assert_eq!(check(&format!("invalid/{kind}.yaml")), want, "{kind}");
    }
}

#[test]
fn custom_resource_metadata_is_a_strict_object_meta() {
    use komply::validate::validate_k8s_json;
    for (api_version, kind) in [
        ("networking.istio.io/v1", "VirtualService"),
        ("external-secrets.io/v1", "ExternalSecret"),
        ("flagger.app/v1beta1", "Canary"),
        ("argoproj.io/v1alpha1", "Rollout"),
    ] {
        let obj = serde_json::json!({
            "apiVersion": api_version, "kind": kind,
            "metadata": {"name": "web", "lables": {"a": "b"}, "annotations": {"x": 1}},
            "spec": {}
        });
        let messages: Vec<String> = validate_k8s_json(&obj)
            .unwrap()
            .into_iter()
            .filter(|v| v.pointer.starts_with("/metadata"))
            .map(|v| format!("{} {}", v.pointer, v.message))
            .collect();
        assert_eq!(
            messages,
            vec![
                "/metadata/annotations/x `x`: expected a string, found an integer".to_string(),
                "/metadata/lables unknown field `lables` in `metadata` (did you mean `labels`?)"
                    .to_string(),
            ],
            "{kind}"
        );
    }
}
