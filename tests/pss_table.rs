//! The Pod Security Standards table (tests/fixtures/pss/): every case's verdict and exact
//! message from `komply::pss`, at its level and version, for baseline (284 cases) and
//! restricted (784); and every Namespace label set of `namespace-labels.yaml` resolved to the
//! expected policy and label errors. Hermetic: the tables are files of the repository.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use komply::pss::namespace::{LABEL_PREFIX, LabelError, Policy, policy_to_evaluate};
use komply::pss::{
    Level, LevelVersion, Version, Violation, evaluate_object, forbidden_detail, violates_message,
};
use serde_json::Value;

/// Reads a fixture file of tests/fixtures/pss with komply's own YAML reader.
fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/pss/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let id = komply::source::sources().add_named(&path, text.as_str());
    let docs = komply::yaml::parse_documents(id, &text, &komply::yaml::Limits::default())
        .unwrap_or_else(|e| panic!("{path}: {}", e.message));
    assert_eq!(docs.len(), 1, "{path}: one document");
    docs[0].to_json()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string {key} in {v}"))
}

/// Where the table, computed by its reference model (`derive/psa_reference.py`), differs from
/// what a cluster says: per pod, the check whose reason and detail komply gives instead, and why.
/// Every other check of those cases, and every other case, must match the table exactly.
struct Difference {
    pod: &'static str,
    check: &'static str,
    reason: &'static str,
    detail: &'static str,
    why: &'static str,
}

/// Why the AppArmor differences below exist (docs/pod-security.md, "Where komply differs from
/// the case table").
const APPARMOR_SYNC: &str = "a Pod's container.apparmor.security.beta.kubernetes.io/<container> \
    annotation is copied to that container's appArmorProfile field by the Pod strategy's \
    PrepareForCreate (kubernetes/kubernetes pkg/registry/core/pod/strategy.go, \
    applyAppArmorVersionSkew, 1.30+), which runs before validating admission (apiserver \
    registry/generic/registry/store.go: BeforeCreate, then createValidation); the table's model \
    applies only the volume and hostPort defaults";

const KNOWN_DIFFERENCES: &[Difference] = &[
    Difference {
        pod: "apparmor-annotation-unconfined",
        check: "appArmorProfile",
        reason: "forbidden AppArmor profiles",
        detail: "container \"api\" and annotation must not set AppArmor profile type to \
                 \"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/api=\"unconfined\"\"",
        why: APPARMOR_SYNC,
    },
    Difference {
        pod: "plain-apparmor-annotation-unconfined",
        check: "appArmorProfile",
        reason: "forbidden AppArmor profiles",
        detail: "container \"api\" and annotation must not set AppArmor profile type to \
                 \"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/api=\"unconfined\"\"",
        why: APPARMOR_SYNC,
    },
    Difference {
        pod: "apparmor-annotations-two",
        check: "appArmorProfile",
        reason: "forbidden AppArmor profiles",
        detail: "container \"api\" and annotations must not set AppArmor profile type to \
                 \"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/api=\"unconfined\"\", \
                 \"container.apparmor.security.beta.kubernetes.io/sidecar=\"docker-default\"\"",
        why: APPARMOR_SYNC,
    },
    Difference {
        pod: "plain-apparmor-annotations-two",
        check: "appArmorProfile",
        reason: "forbidden AppArmor profiles",
        detail: "container \"api\" and annotations must not set AppArmor profile type to \
                 \"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/api=\"unconfined\"\", \
                 \"container.apparmor.security.beta.kubernetes.io/sidecar=\"docker-default\"\"",
        why: APPARMOR_SYNC,
    },
];

/// The table's failing checks of `case`, with komply's known differences applied; and whether
/// one was.
fn expected(case: &Value) -> (Vec<(String, String, String)>, bool) {
    let pod = s(case, "pod");
    let mut applied = false;
    let want = case["forbidden"]
        .as_array()
        .expect("forbidden")
        .iter()
        .map(|f| {
            let check = s(f, "check");
            match KNOWN_DIFFERENCES
                .iter()
                .find(|d| d.pod == pod && d.check == check)
            {
                Some(d) => {
                    applied = true;
                    (check.into(), d.reason.into(), d.detail.into())
                }
                None => (check.into(), s(f, "reason").into(), s(f, "detail").into()),
            }
        })
        .collect();
    (want, applied)
}

/// `reason (detail), …` of a list of failing checks.
fn joined(checks: &[(String, String, String)]) -> String {
    checks
        .iter()
        .map(|(_, r, d)| {
            if d.is_empty() {
                r.clone()
            } else {
                format!("{r} ({d})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What went wrong with one case, or `None`.
fn check_case(level: Level, pods: &Value, case: &Value) -> Option<String> {
    let id = s(case, "id");
    let version_text = s(case, "version");
    let version: Version = version_text.parse().expect("valid version");
    let pod = &pods[s(case, "pod")];
    let violations = evaluate_object(level, version, pod).expect("case objects carry a pod");
    let mut errs = String::new();
    let allowed = case["allowed"].as_bool().expect("allowed");
    if allowed != violations.is_empty() {
        let _ = writeln!(errs, "  verdict: want allowed={allowed}");
    }
    let (want, differs) = expected(case);
    if !differs && joined(&want) != s(case, "message") {
        let _ = writeln!(errs, "  table: message is not its checks joined");
    }
    let got: Vec<(String, String, String)> = violations
        .iter()
        .map(|v| (v.check.as_str().into(), v.reason.clone(), v.detail.clone()))
        .collect();
    if got != want {
        let _ = writeln!(errs, "  checks:\n    want {want:?}\n    got  {got:?}");
    }
    let message = forbidden_detail(&violations);
    if message != joined(&want) {
        let _ = writeln!(
            errs,
            "  message:\n    want {}\n    got  {message}",
            joined(&want)
        );
    }
    if let Some(e) = fields_problem(&violations) {
        let _ = writeln!(errs, "  fields: {e}");
    }
    let lv = LevelVersion::new(level, version);
    let full = violates_message(lv, &violations);
    let prefix = format!("violates PodSecurity \"{level}:{version_text}\": ");
    if !full.starts_with(&prefix) {
        let _ = writeln!(errs, "  wrapper: {full}");
    }
    (!errs.is_empty()).then(|| format!("{id} ({level}):\n{errs}"))
}

/// Every violation names at least one field, and no field twice.
fn fields_problem(violations: &[Violation]) -> Option<String> {
    for v in violations {
        if v.fields.is_empty() {
            return Some(format!("{} names no field", v.check));
        }
        let mut seen = std::collections::BTreeSet::new();
        for f in &v.fields {
            if !seen.insert(f.to_string()) {
                return Some(format!("{} names {f} twice", v.check));
            }
        }
    }
    None
}

/// Runs one level's table; returns (passed, total).
fn run_table(file: &str, level: Level) -> (usize, usize) {
    let table = fixture(file);
    assert_eq!(s(&table, "level"), level.as_str());
    assert_eq!(
        s(&table, "max_policy_version"),
        format!("v1.{}", komply::pss::NEWEST_POLICY_MINOR)
    );
    let cases = table["cases"].as_array().expect("cases");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check_case(level, &table["pods"], c))
        .collect();
    let passed = cases.len() - failures.len();
    let differing = cases.iter().filter(|c| expected(c).1).count();
    println!(
        "{file}: {passed}/{} cases pass ({differing} with a known difference in wording)",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} {level} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    (passed, cases.len())
}

#[test]
fn baseline_table() {
    let (passed, total) = run_table("baseline.yaml", Level::Baseline);
    assert_eq!(total, 284);
    assert!(passed >= 150);
}

#[test]
fn restricted_table() {
    let (passed, total) = run_table("restricted.yaml", Level::Restricted);
    assert_eq!(total, 784);
    assert!(passed >= 150);
}

#[test]
fn known_differences_are_real() {
    for d in KNOWN_DIFFERENCES {
        assert!(!d.why.is_empty());
        let mut used = 0;
        for (file, level) in [
            ("baseline.yaml", Level::Baseline),
            ("restricted.yaml", Level::Restricted),
        ] {
            let t = fixture(file);
            for c in t["cases"].as_array().expect("cases") {
                if s(c, "pod") != d.pod {
                    continue;
                }
                let table = c["forbidden"].as_array().expect("forbidden");
                let row = table
                    .iter()
                    .find(|f| s(f, "check") == d.check)
                    .expect("check fails");
                assert_ne!(
                    s(row, "detail"),
                    d.detail,
                    "{}: no longer differs",
                    s(c, "id")
                );
                used += usize::from(
                    evaluate_object(level, s(c, "version").parse().unwrap(), &t["pods"][d.pod])
                        .is_some(),
                );
            }
        }
        assert!(used > 0, "{}: no case uses this pod", d.pod);
    }
}

/// `LEVEL:VERSION` of the table.
fn level_version(text: &str) -> LevelVersion {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn policy(v: &Value) -> Policy {
    Policy {
        enforce: level_version(s(v, "enforce")),
        audit: level_version(s(v, "audit")),
        warn: level_version(s(v, "warn")),
    }
}

#[test]
fn namespace_labels_table() {
    let table = fixture("namespace-labels.yaml");
    let cluster_defaults = policy(&table["defaults"]);
    let cases = table["policies"].as_array().expect("policies");
    let mut failures = Vec::new();
    for case in cases {
        let id = s(case, "id");
        let labels: BTreeMap<String, String> = case["labels"]
            .as_object()
            .expect("labels")
            .iter()
            .map(|(k, v)| {
                (
                    format!("{LABEL_PREFIX}{k}"),
                    v.as_str().expect("string").to_string(),
                )
            })
            .collect();
        let defaults = case.get("defaults").map_or(cluster_defaults, policy);
        let (got, errors) = policy_to_evaluate(&labels, &defaults);
        let want = policy(&case["expect"]);
        if got != want {
            failures.push(format!("{id}: want {want:?}, got {got:?}"));
        }
        let want_errors: Vec<LabelError> = case
            .get("label_errors")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|e| LabelError {
                        label: s(e, "label").into(),
                        value: s(e, "value").into(),
                        message: s(e, "message").into(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        if errors != want_errors {
            failures.push(format!("{id}: errors want {want_errors:?}, got {errors:?}"));
        }
        let shown = format!("{}|{}|{}", got.enforce, got.warn, got.audit);
        let want_shown = format!(
            "{}|{}|{}",
            s(&case["expect"], "enforce"),
            s(&case["expect"], "warn"),
            s(&case["expect"], "audit")
        );
        if shown != want_shown {
            failures.push(format!("{id}: printed {shown}, want {want_shown}"));
        }
    }
    println!(
        "namespace-labels.yaml: {}/{} label sets pass",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(cases.len(), 20);
}

#[test]
fn namespace_label_value_syntax() {
    let table = fixture("namespace-labels.yaml");
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|x| x.as_str().expect("string").to_string())
            .collect()
    };
    let versions = &table["versions"];
    for v in strings(&versions["valid"]) {
        let parsed: Version = v.parse().unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert_eq!(parsed.to_string(), v);
    }
    for v in strings(&versions["invalid"]) {
        let err = v.parse::<Version>().expect_err(&v);
        assert_eq!(err.to_string(), s(versions, "error"), "{v:?}");
    }
    let levels = &table["levels"];
    for l in strings(&levels["valid"]) {
        assert_eq!(l.parse::<Level>().expect("valid").as_str(), l);
    }
    for l in strings(&levels["invalid"]) {
        let err = l.parse::<Level>().expect_err(&l);
        assert_eq!(err.to_string(), s(levels, "error"), "{l:?}");
    }
}
