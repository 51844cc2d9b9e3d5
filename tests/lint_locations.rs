//! For every rule, a fixture in tests/fixtures/lint/ and the exact `line:col` (and object /
//! container) of each finding it must produce — and nothing else from that rule.

use std::path::PathBuf;

use komply::lint::{Config, Input, Options, lint_inputs};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lint")
        .join(name)
}

/// (rule, line, col, text the message must contain) for the findings of `rules` in `file`.
fn check_with(file: &str, rules: &[&str], expected: &[(&str, u32, u32, &str)], opts: &Options) {
    let report = lint_inputs(&[Input::Path(fixture(file))], opts);
    let got: Vec<(String, u32, u32, String)> = report
        .findings
        .iter()
        .filter(|f| rules.contains(&f.rule.id.code()) && f.suppressed.is_none())
        .map(|f| {
            (
                f.rule.id.to_string(),
                f.span.start.line,
                f.span.start.col,
                f.message.clone(),
            )
        })
        .collect();
    let got_keys: Vec<(&str, u32, u32)> = got
        .iter()
        .map(|(r, l, c, _)| (r.as_str(), *l, *c))
        .collect();
    let want_keys: Vec<(&str, u32, u32)> =
        expected.iter().map(|(r, l, c, _)| (*r, *l, *c)).collect();
    let mut g = got_keys.clone();
    let mut w = want_keys.clone();
    g.sort();
    w.sort();
    assert_eq!(g, w, "{file}: findings of {rules:?} differ; got {got:#?}");
    for (rule, line, col, text) in expected {
        assert!(
            got.iter()
                .any(|(r, l, c, m)| r == rule && l == line && c == col && m.contains(text)),
            "{file}: {rule} at {line}:{col} should say {text:?}; got {got:#?}"
        );
    }
}

fn check(file: &str, rules: &[&str], expected: &[(&str, u32, u32, &str)]) {
    check_with(file, rules, expected, &Options::default());
}

#[test]
fn kp001_invalid_input_points_at_the_syntax_error() {
    check(
        "invalid.yaml",
        &["KP001"],
        &[("KP001", 4, 1, "cannot parse")],
    );
}

#[test]
fn kp002_compose_input_that_cannot_be_converted_is_reported_not_skipped() {
    check(
        "docker-compose.yml",
        &["KP002"],
        &[("KP002", 4, 12, "cannot convert the compose file")],
    );
}

#[test]
fn kp003_unknown_document() {
    check("values.yaml", &["KP003"], &[("KP003", 1, 1, "no `kind`")]);
}

#[test]
fn kp004_duplicate_key_points_at_the_second_one_and_names_the_first() {
    // kubectl keeps the last value, so the finding is at the duplicate; the first place is in
    // the message.
    check(
        "duplicate-key.yaml",
        &["KP004"],
        &[(
            "KP004",
            15,
            11,
            "duplicate key `image`: kubectl silently keeps this last value (first defined at 14:11)",
        )],
    );
}

#[test]
fn kp101_run_as_non_root_effective_context() {
    check(
        "run-as-non-root.yaml",
        &["KP101"],
        &[
            // Container "nothing" inherits runAsUser: 0 from the pod: point at the pod's key.
            (
                "KP101",
                10,
                9,
                "container \"nothing\" runs as user 0 (from the pod securityContext)",
            ),
            (
                "KP101",
                10,
                9,
                "init container \"init\" sets runAsNonRoot: true but runAsUser: 0",
            ),
            // Container "group" (runAsUser 1000, runAsGroup 0) passes: group 0 is not root.
            (
                "KP101",
                36,
                7,
                "Pod/bare: container \"app\" is not set to run as non-root",
            ),
            (
                "KP101",
                42,
                9,
                "ephemeral container \"debug\" runs as user 0",
            ),
        ],
    );
}

#[test]
fn kp102_privileged() {
    check(
        "privileged.yaml",
        &["KP102"],
        &[(
            "KP102",
            12,
            13,
            "DaemonSet/agent: container \"agent\" is privileged",
        )],
    );
}

#[test]
fn kp103_privilege_escalation() {
    check(
        "privilege-escalation.yaml",
        &["KP103"],
        &[
            (
                "KP103",
                7,
                7,
                "\"unset\" does not set allowPrivilegeEscalation: false",
            ),
            (
                "KP103",
                12,
                9,
                "\"explicit\" sets allowPrivilegeEscalation: true",
            ),
            ("KP103", 22, 17, "\"sysadmin\" adds SYS_ADMIN"),
        ],
    );
}

#[test]
fn kp104_drop_all_capabilities() {
    check(
        "drop-all-capabilities.yaml",
        &["KP104"],
        &[
            ("KP104", 11, 11, "\"netraw\" does not drop all"),
            ("KP104", 17, 7, "\"none\" does not drop all"),
        ],
    );
}

#[test]
fn kp105_dangerous_capabilities() {
    check(
        "dangerous-capabilities.yaml",
        &["KP105"],
        &[("KP105", 12, 35, "SYS_ADMIN"), ("KP105", 12, 50, "NET_RAW")],
    );
}

#[test]
fn kp106_read_only_root_fs() {
    check(
        "read-only-root-fs.yaml",
        &["KP106"],
        &[
            ("KP106", 12, 13, "\"explicit-false\""),
            (
                "KP106",
                13,
                11,
                "\"unset\" does not set readOnlyRootFilesystem",
            ),
        ],
    );
}

#[test]
fn kp107_host_namespaces() {
    check(
        "host-namespaces.yaml",
        &["KP107"],
        &[
            ("KP107", 6, 3, "hostNetwork: true"),
            ("KP107", 8, 3, "hostIPC: true"),
        ],
    );
}

#[test]
fn kp108_host_path() {
    check(
        "host-path.yaml",
        &["KP108"],
        &[(
            "KP108",
            13,
            11,
            "volume \"varlog\" mounts the host path \"/var/log\"",
        )],
    );
}

#[test]
fn kp109_secret_in_env_never_prints_the_value() {
    check(
        "secret-in-env.yaml",
        &["KP109"],
        &[
            ("KP109", 11, 18, "DB_PASSWORD"),
            ("KP109", 18, 18, "TLS_KEY to a literal private key"),
        ],
    );
    let report = lint_inputs(
        &[Input::Path(fixture("secret-in-env.yaml"))],
        &Options::default(),
    );
    for f in &report.findings {
        assert!(
            !f.message.contains("hunter2") && !f.message.contains("BEGIN RSA"),
            "{}",
            f.message
        );
    }
}

#[test]
fn kp110_secret_in_configmap() {
    check(
        "secret-in-configmap.yaml",
        &["KP110"],
        &[("KP110", 7, 3, "\"api_token\" looks like a secret")],
    );
}

#[test]
fn kp201_kp202_kp203_resources_include_init_containers() {
    check(
        "resources.yaml",
        &["KP201", "KP202", "KP203"],
        &[
            (
                "KP201",
                9,
                11,
                "init container \"migrate\" does not set resources.requests.cpu",
            ),
            (
                "KP202",
                9,
                11,
                "init container \"migrate\" does not set resources.requests.memory",
            ),
            (
                "KP203",
                9,
                11,
                "init container \"migrate\" does not set resources.limits.memory",
            ),
            (
                "KP202",
                15,
                13,
                "\"partial\" does not set resources.requests.memory",
            ),
            (
                "KP203",
                17,
                13,
                "\"partial\" does not set resources.limits.memory",
            ),
        ],
    );
}

#[test]
fn kp301_image_tag_parses_registry_ports_and_digests() {
    check(
        "image-tag.yaml",
        &["KP301"],
        &[
            ("KP301", 8, 14, "\"registry:5000/nginx\" with no tag"),
            (
                "KP301",
                10,
                14,
                "\"nginx:latest\" with the mutable tag latest",
            ),
            ("KP301", 18, 14, "invalid image reference"),
        ],
    );
}

#[test]
fn kp302_image_digest_is_opt_in() {
    check("image-tag.yaml", &["KP302"], &[]);
    let opts = Options {
        config: Config::from_yaml("rules: {enable: [image-digest]}").unwrap(),
        ..Options::default()
    };
    check_with(
        "image-tag.yaml",
        &["KP302"],
        &[
            ("KP302", 8, 14, "without a digest"),
            ("KP302", 10, 14, "without a digest"),
            (
                "KP302",
                12,
                14,
                "\"registry:5000/nginx:1.25\" without a digest",
            ),
        ],
        &opts,
    );
}

#[test]
fn kp303_image_pull_policy() {
    check(
        "image-pull-policy.yaml",
        &["KP303"],
        &[
            ("KP303", 9, 7, "\"never\" sets imagePullPolicy: Never"),
            (
                "KP303",
                12,
                7,
                "\"stale\" sets imagePullPolicy: IfNotPresent for the mutable image",
            ),
        ],
    );
}

#[test]
fn kp401_readiness_only_for_service_selected_long_running_pods() {
    check("probes.yaml", &["KP401"], &[]);
    check(
        "istio.yaml",
        &["KP401"],
        &[(
            "KP401",
            12,
            11,
            "Deployment/reviews-v1: container \"reviews\" has no readinessProbe",
        )],
    );
}

#[test]
fn kp402_liveness_jobs_exempt() {
    check(
        "probes.yaml",
        &["KP402"],
        &[(
            "KP402",
            29,
            11,
            "Deployment/shop/web: container \"helper\" has no livenessProbe",
        )],
    );
}

#[test]
fn kp403_probe_ports_named_numbered_and_protocol() {
    check(
        "probes.yaml",
        &["KP403"],
        &[
            ("KP403", 58, 43, "readinessProbe uses port htpp"),
            ("KP403", 60, 31, "livenessProbe uses port dns"),
            ("KP403", 62, 43, "startupProbe uses port 9090"),
        ],
    );
}

#[test]
fn kp404_identical_probes_allow_a_more_lenient_liveness() {
    check(
        "probes.yaml",
        &["KP404"],
        &[(
            "KP404",
            16,
            11,
            "container \"web\" has a livenessProbe identical",
        )],
    );
}

#[test]
fn kp501_to_kp508_references() {
    check(
        "references.yaml",
        &["KP501", "KP502", "KP503", "KP504", "KP507", "KP508"],
        &[
            (
                "KP504",
                6,
                3,
                "Deployment/web: sets spec.replicas although HorizontalPodAutoscaler web",
            ),
            ("KP508", 6, 3, "has 3 replicas but no pod anti-affinity"),
            (
                "KP501",
                21,
                3,
                "Service/web: selector app=wbe matches no pod template",
            ),
            (
                "KP503",
                42,
                9,
                "container \"web\" of Deployment/web has no CPU request",
            ),
            (
                "KP502",
                50,
                3,
                "scaleTargetRef Deployment/gone is not in the run",
            ),
            (
                "KP507",
                67,
                3,
                "PodDisruptionBudget/typo: selector matches no pod template",
            ),
        ],
    );
}

#[test]
fn kp505_virtualservice_subsets() {
    check(
        "istio.yaml",
        &["KP505"],
        &[
            (
                "KP505",
                45,
                40,
                "subset \"v2\" of DestinationRule reviews, whose labels match no pod",
            ),
            (
                "KP505",
                47,
                40,
                "subset \"v3\", but no DestinationRule for host \"reviews\" defines it",
            ),
        ],
    );
}

#[test]
fn kp506_external_secret() {
    check(
        "external-secret.yaml",
        &["KP506", "KP602"],
        &[
            (
                "KP506",
                1,
                13,
                "external-secrets.io/v1beta1 is no longer served",
            ),
            (
                "KP506",
                15,
                1,
                "ExternalSecret/nostore: does not name a secret store",
            ),
        ],
    );
}

#[test]
fn kp601_to_kp603_schema_and_api_versions() {
    check(
        "schema.yaml",
        &["KP601", "KP602", "KP603"],
        &[
            ("KP601", 11, 9, "unknown field `initialDelaySecond`"),
            (
                "KP602",
                13,
                13,
                "extensions/v1beta1 is no longer served (since Kubernetes 1.16); use apps/v1",
            ),
            ("KP603", 19, 13, "networking.istio.io/v1beta1 is deprecated"),
        ],
    );
}

#[test]
fn every_rule_has_a_location_test() {
    let src = include_str!("lint_locations.rs");
    for rule in komply::lint::rules::ALL {
        // KP5xx share tests; each id must appear in an expectation somewhere in this file.
        assert!(
            src.matches(&format!("\"{}\",", rule.id)).count() >= 1,
            "no location test for {}",
            rule.id
        );
    }
}
