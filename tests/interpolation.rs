//! Every interpolation case recorded from Docker Compose v2.40.3 (the oracle), run hermetically.
//! Source: tests/fixtures/compose-go/interpolation-cases.json (see README there).

use komply::compose::interpolate::{interpolate, interpolate_node};
use komply::yaml::Node;
use serde_json::{Value, json};

fn cases() -> (Value, Vec<Value>) {
    let text = include_str!("fixtures/compose-go/interpolation-cases.json");
    let v: Value = serde_json::from_str(text).expect("fixture is JSON");
    let env = v["env"].clone();
    let cases = v["cases"].as_array().expect("cases").clone();
    (env, cases)
}

#[test]
fn all_71_oracle_cases_match_v2_40_3() {
    let (env, cases) = cases();
    assert_eq!(cases.len(), 71);
    let lookup = |name: &str| env.get(name).and_then(Value::as_str).map(str::to_string);
    let mut failures = Vec::new();
    for case in &cases {
        let template = case["template"].as_str().expect("template");
        let expected = &case["v2_40_3"];
        // Through the tree API, so the error text (with its path) is checked too.
        let mut tree =
            Node::from_json(&json!({"services": {"s": {"environment": {"V": template}}}}));
        let mut warnings = Vec::new();
        let got = interpolate_node(&mut tree, &lookup, &mut warnings);
        let direct = interpolate(template, &lookup, &mut Vec::new());
        match (expected.get("value"), expected.get("error"), got) {
            (Some(want), _, Ok(())) => {
                let v = tree
                    .at(&["services", "s", "environment", "V"])
                    .and_then(Node::as_str);
                if v != want.as_str() || direct.as_deref().ok() != want.as_str() {
                    failures.push(format!("{template:?}: want {want}, got {v:?} / {direct:?}"));
                }
            }
            (_, Some(want), Err(d)) => {
                let want = want.as_str().unwrap_or_default();
                let ok = if let Some(bad) =
                    want.strip_prefix("invalid interpolation format for services.s.environment.V. / You may need to escape any $ with another $. / ")
                {
                    let e = direct.as_ref().err();
                    d.message == format!("invalid interpolation format for services.s.environment.V: {bad:?}")
                        && e.is_some_and(|e| !e.required && e.template == bad)
                } else {
                    d.message == want && direct.as_ref().err().is_some_and(|e| e.required)
                };
                if !ok {
                    failures.push(format!(
                        "{template:?}: want error {want:?}, got {:?} / {direct:?}",
                        d.message
                    ));
                }
            }
            (want_v, want_e, got) => {
                failures.push(format!(
                    "{template:?}: want {want_v:?}/{want_e:?}, got {got:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 71 cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn unset_variables_warn_once_at_first_use() {
    let mut tree =
        Node::from_json(&json!({"a": "$NOPE", "b": ["${NOPE}", "${OTHER}"], "c": "${NOPE:-x}"}));
    let mut warnings = Vec::new();
    interpolate_node(&mut tree, &|_| None, &mut warnings).expect("no error");
    let msgs: Vec<_> = warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        msgs,
        vec![
            "The \"NOPE\" variable is not set. Defaulting to a blank string.",
            "The \"OTHER\" variable is not set. Defaulting to a blank string."
        ]
    );
    assert_eq!(tree.to_json(), json!({"a": "", "b": ["", ""], "c": "x"}));
}

#[test]
fn keys_are_never_interpolated() {
    let mut tree = Node::from_json(&json!({"$K": {"${K}": "$K"}}));
    interpolate_node(&mut tree, &|_| Some("v".into()), &mut Vec::new()).expect("ok");
    assert_eq!(tree.to_json(), json!({"$K": {"${K}": "v"}}));
}

/// Parses `text` as a registered source and interpolates it with an empty environment.
fn error_location(name: &str, text: &str) -> String {
    use komply::source::sources;
    use komply::yaml::{Limits, parse_documents};
    let id = sources().add_named(name, text);
    let mut doc = parse_documents(id, text, &Limits::default())
        .expect("valid YAML")
        .remove(0);
    let d = interpolate_node(&mut doc, &|_| None, &mut Vec::new()).expect_err("must fail");
    d.to_string()
}

#[test]
fn errors_point_at_the_dollar_in_plain_and_quoted_scalars() {
    let text = "services:\n  s:\n    image: ab ${TAG:?set TAG}\n";
    assert_eq!(
        error_location("plain.yaml", text),
        "plain.yaml:3:15: error[compose/interpolation]: error while interpolating services.s.image: required variable TAG is missing a value: set TAG"
    );
    let text = "services:\n  s:\n    image: 'it''s ${TAG:?x}'\n";
    assert!(error_location("single.yaml", text).starts_with("single.yaml:3:19: "));
    let text = "services:\n  s:\n    command: [\"a\", \"x ${}\"]\n";
    assert_eq!(
        error_location("double.yaml", text),
        "double.yaml:3:23: error[compose/interpolation]: invalid interpolation format for services.s.command.[]: \"x ${}\""
    );
    // A literal block scalar: mapped line by line.
    let text = "x:\n  y: |\n    a\n    b ${Q?}\n";
    let got = error_location("block.yaml", text);
    assert!(got.starts_with("block.yaml:4:7: "), "{got}");
    // A folded plain scalar cannot be mapped: the value's own position is used.
    let text = "x:\n  y: a\n    ${Q?}\n";
    let got = error_location("folded.yaml", text);
    assert!(got.starts_with("folded.yaml:2:6: "), "{got}");
}
