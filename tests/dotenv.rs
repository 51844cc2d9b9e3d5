//! The dotenv fixtures of compose-go, with what Docker Compose v2.40.3 parsed from each of them
//! (tests/fixtures/compose-go/dotenv-fixtures-expected.json), run hermetically.

use std::collections::BTreeMap;
use std::path::PathBuf;

use komply::compose::dotenv::{parse_dotenv, parse_dotenv_raw, parse_dotenv_with_warnings};
use komply::source::sources;
use komply::yaml::SourceId;
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compose-go")
}

fn load(name: &str, text: &str) -> SourceId {
    sources().add_named(name, text.to_string())
}

fn as_map(entries: &[komply::compose::dotenv::DotenvEntry]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect()
}

#[test]
fn every_compose_go_fixture_parses_like_v2_40_3() {
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_dir().join("dotenv-fixtures-expected.json")).unwrap(),
    )
    .unwrap();
    let cases = expected.as_object().expect("object");
    assert_eq!(cases.len(), 14);
    let mut failures = Vec::new();
    for (file, case) in cases {
        let path = fixture_dir().join("dotenv").join(file);
        let text = std::fs::read_to_string(&path).expect("fixture readable");
        let os_env = case["os_env"].clone();
        let lookup = |k: &str| os_env.get(k).and_then(Value::as_str).map(str::to_string);
        let id = load(&format!("dotenv/{file}"), &text);
        let got = parse_dotenv(id, &text, &lookup);
        match (case.get("expected"), got) {
            (Some(want), Ok(entries)) => {
                let want: BTreeMap<String, String> = want
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect();
                if want != as_map(&entries) {
                    failures.push(format!(
                        "{file}: want {want:?}\n got {:?}",
                        as_map(&entries)
                    ));
                }
            }
            (None, Err(d)) => {
                // Oracle: "failed to read dotenv/fixtures/invalid1.env: line 7: key cannot contain a space"
                let want = case["error"].as_str().unwrap();
                let line = d.span.map(|s| s.start.line).unwrap_or(0);
                if !want.ends_with(&format!("line {line}: {}", d.message)) {
                    failures.push(format!("{file}: want error {want:?}, got {d}"));
                }
            }
            (want, got) => failures.push(format!("{file}: want {want:?}, got {got:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn invalid_key_error_names_line_and_column() {
    let text = std::fs::read_to_string(fixture_dir().join("dotenv/invalid1.env")).unwrap();
    let id = load("invalid1.env", &text);
    let d = parse_dotenv(id, &text, &|_| None).unwrap_err();
    assert_eq!(
        d.to_string(),
        "invalid1.env:7:1: error[compose/env-file]: key cannot contain a space"
    );
}

fn parse(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> BTreeMap<String, String> {
    let id = load("test.env", text);
    as_map(&parse_dotenv(id, text, lookup).expect("parses"))
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Each expectation below was checked with the v2.40.3 binary (`env_file:` + `config`).
#[test]
fn oracle_checked_edge_cases() {
    let os = |k: &str| match k {
        "A" => Some("os".to_string()),
        "FOO" => Some("first".to_string()),
        _ => None,
    };
    // The lookup beats an earlier line of the same file; the file's own value stays in the map.
    assert_eq!(
        parse("A=file\nB=${A}\n", &os),
        map(&[("A", "file"), ("B", "os")])
    );
    assert_eq!(
        parse(
            "S1='a\\'b\\\\c\\nd$A'\nS2=\"a\\'b\\\"c\"\nexportX=1\nexport   Y=2\nZ: zed # c\nW=a#b\nV=a #b\nU=\"q\" trailing\nT = 'multi\nline'\nK.1-[x]=k\n",
            &|_| None
        ),
        map(&[
            ("S1", "a'b\\\\c\\nd$A"),
            ("S2", "a\\'b\"c"),
            ("exportX", "1"),
            ("Y", "2"),
            ("Z", "zed"),
            ("W", "a#b"),
            ("V", "a"),
            ("U", "q"),
            ("T", "multi\nline"),
            ("K.1-[x]", "k"),
        ])
    );
    assert_eq!(
        parse("C=\"x\\\\y\\q\\$A\\0101\"\n", &os),
        map(&[("C", "x\\y\\q$AA")])
    );
    assert_eq!(parse("Ké=1\n", &os), map(&[("Ké", "1")]));
    assert_eq!(
        parse("A=1\nBARE", &|_| None),
        map(&[("A", "1"), ("", "BARE")])
    );
    assert_eq!(parse("export\nX=1\n", &|_| None), map(&[("X", "1")]));
    assert_eq!(
        parse("A=\"x\" # c\nB=y\n", &|_| None),
        map(&[("A", "x"), ("B", "y")])
    );
    assert_eq!(
        parse("A='x'B=2\n", &|_| None),
        map(&[("A", "x"), ("B", "2")])
    );
    assert_eq!(
        parse("A=\\$FOO\nB=a\\nb\n", &os),
        map(&[("A", "\\first"), ("B", "a\\nb")])
    );
    assert_eq!(
        parse("  A  =  \"  sp  \"  \n", &os),
        map(&[("A", "  sp  ")])
    );
    assert_eq!(parse("A=é #x\nB=\t\n", &os), map(&[("A", "é"), ("B", "")]));
    assert_eq!(
        parse("A=1\r\nB=\"x\r\ny\"\r\n", &os),
        map(&[("A", "1"), ("B", "x\r\ny")])
    );
    assert_eq!(
        parse("A=$$x\nB=\"$$y\"\n", &os),
        map(&[("A", "$x"), ("B", "$y")])
    );
    assert_eq!(parse("A=1\n=3\n", &os), map(&[("A", "1"), ("", "3")]));
}

#[test]
fn oracle_checked_errors_with_positions() {
    let err = |text: &str| {
        let id = load("e.env", text);
        parse_dotenv(id, text, &|_| None).unwrap_err().to_string()
    };
    assert_eq!(
        err("A=1\nB!C=2\n"),
        "e.env:2:2: error[compose/env-file]: unexpected character \"!\" in variable name \"B!C=2\""
    );
    assert_eq!(
        err("A=1\n\n# c\nB=\"abc\ndef\n"),
        "e.env:4:3: error[compose/env-file]: unterminated quoted value \"abc"
    );
    assert_eq!(
        err("A='x'\nB C\n"),
        "e.env:2:1: error[compose/env-file]: key cannot contain a space"
    );
    assert_eq!(
        err("A=1\nexport "),
        "e.env:2:8: error[compose/env-file]: zero length string"
    );
    assert_eq!(
        err("A=x${B\n"),
        "e.env:1:4: error[compose/env-file]: Invalid template: \"x${B\""
    );
    assert_eq!(
        err("A=\"${B:?oops}\"\n"),
        "e.env:1:3: error[compose/env-file]: required variable B is missing a value: oops"
    );
}

#[test]
fn unset_variables_in_values_warn() {
    let text = "A=$UNSET_V\nB=${UNSET_V}\n";
    let id = load("w.env", text);
    let mut warnings = Vec::new();
    let got = parse_dotenv_with_warnings(id, text, &|_| None, &mut warnings).unwrap();
    assert_eq!(as_map(&got), map(&[("A", ""), ("B", "")]));
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        warnings[0].to_string(),
        "w.env:1:3: warning[compose/unset-variable]: The \"UNSET_V\" variable is not set. Defaulting to a blank string."
    );
}

#[test]
fn key_spans_point_at_the_key() {
    let text = "# c\n  export  FOO=1\nBAR: 2\n";
    let id = load("s.env", text);
    let got = parse_dotenv(id, text, &|_| None).unwrap();
    let at: Vec<_> = got
        .iter()
        .map(|e| (e.key.as_str(), e.span.start.line, e.span.start.col))
        .collect();
    assert_eq!(at, vec![("FOO", 2, 11), ("BAR", 3, 1)]);
}

/// `format: raw`, checked with the v2.40.3 binary (`env_file: [{path, format: raw}]`).
#[test]
fn raw_format_keeps_values_verbatim() {
    let text = " A= x \"y\" $FOO #c \nFOO\n# c\n  #d\nB=\r\nC=a\\nb\n";
    let id = load("raw.env", text);
    let got = komply::compose::dotenv::parse_dotenv_raw_with_lookup(id, text, &|k| {
        (k == "FOO").then(|| "first".to_string())
    })
    .unwrap();
    assert_eq!(
        as_map(&got),
        map(&[
            ("A", " x \"y\" $FOO #c "),
            ("B", ""),
            ("C", "a\\nb"),
            ("FOO", "first")
        ])
    );
    let got = parse_dotenv_raw(id, text).unwrap();
    assert!(!as_map(&got).contains_key("FOO"));

    let err = |text: &str| {
        let id = load("bad.env", text);
        parse_dotenv_raw(id, text).unwrap_err().to_string()
    };
    assert_eq!(
        err("X=1\nexport C=1\n"),
        "bad.env:2:1: error[compose/env-file]: variable 'export C' contains whitespaces"
    );
    assert_eq!(
        err("=1\n"),
        "bad.env:1:1: error[compose/env-file]: no variable name on line '=1'"
    );
    assert_eq!(
        err("\u{FEFF}X=1\nFOO \n"),
        "bad.env:2:1: error[compose/env-file]: variable 'FOO ' contains whitespaces"
    );
    // A BOM is only skipped on the first line.
    let text = "X=1\n\u{FEFF}Y=2\n";
    let id = load("bom.env", text);
    assert_eq!(
        as_map(&parse_dotenv_raw(id, text).unwrap()),
        map(&[("X", "1"), ("\u{FEFF}Y", "2")])
    );
}
