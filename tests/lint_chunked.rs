//! Large runs are linted in chunks of files (two passes, bounded memory): the findings must be
//! exactly those of the one-context run, cross-object rules included (a Service in one chunk,
//! its Deployment in another; an HPA whose target lies in another chunk).

use std::path::PathBuf;

use komply::lint::{Input, Options, Report, lint_inputs_chunked};

fn fixture(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
}

/// Findings in a form that does not depend on source ids.
fn shown(r: &Report) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| {
            let obj = f.object.and_then(|i| r.object_summary(i));
            format!(
                "{} {} {}:{}:{} {:?} {:?} {}",
                f.rule.id,
                f.severity.as_str(),
                komply::source::sources().display(f.span.source),
                f.span.start.line,
                f.span.start.col,
                obj.map(|o| (&o.kind, &o.namespace, &o.name)),
                f.suppressed,
                f.message
            )
        })
        .collect()
}

fn same_in_chunks(inputs: &[Input]) {
    let opts = Options::default();
    let whole = lint_inputs_chunked(inputs, &opts, None);
    assert!(!whole.findings.is_empty());
    let expected = shown(&whole);
    for chunk in [1, 2, 5] {
        let chunked = lint_inputs_chunked(inputs, &opts, Some(chunk));
        assert_eq!(chunked.files, whole.files, "chunk {chunk}");
        assert_eq!(chunked.object_count(), whole.object_count());
        let got = shown(&chunked);
        let missing: Vec<_> = expected.iter().filter(|e| !got.contains(e)).collect();
        let extra: Vec<_> = got.iter().filter(|g| !expected.contains(g)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "chunk size {chunk}: missing {missing:#?}\nextra {extra:#?}"
        );
        assert_eq!(
            got, expected,
            "chunk size {chunk}: same findings, other order"
        );
    }
}

#[test]
fn chunked_run_finds_what_one_context_finds() {
    same_in_chunks(&[Input::Path(fixture("lint"))]);
}

#[test]
fn chunked_run_with_compose_inputs() {
    same_in_chunks(&[Input::Path(fixture("lint_compose/mixed"))]);
}

#[test]
fn cross_object_references_span_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    // a: a Service selecting the pods of c; b: an HPA targeting c (which sets replicas); c: the
    // Deployment without a readiness probe (KP401 needs to know a Service selects it).
    w(
        "a.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: nothing}\nspec:\n  selector: {app: nope}\n  ports: [{port: 80}]\n",
    );
    w(
        "b.yaml",
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 2\n  maxReplicas: 5\n  metrics:\n    - type: Resource\n      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}\n",
    );
    w(
        "c.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
    );
    let inputs = [Input::Path(dir.path().to_path_buf())];
    same_in_chunks(&inputs);
    let r = lint_inputs_chunked(&inputs, &Options::default(), Some(1));
    let ids: Vec<&str> = r.active().map(|f| f.rule.id.code()).collect();
    for id in ["KP501", "KP503", "KP504", "KP401"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
}
