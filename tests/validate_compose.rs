//! Compose files against the compose-spec schema: `file:line:col`, messages, help.

use std::path::{Path, PathBuf};

use komply::diag::{Code, Diagnostic};
use komply::fsio::load_yaml;
use komply::validate::validate_compose;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/validate/compose")
        .join(rel)
}

fn check(rel: &str) -> Vec<Diagnostic> {
    let (_, docs) = load_yaml(&fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(docs.len(), 1);
    validate_compose(&docs[0])
}

/// (line, col, message, help) of each diagnostic.
fn summary(diags: &[Diagnostic]) -> Vec<(u32, u32, String, Option<String>)> {
    diags
        .iter()
        .map(|d| {
            let s = d.span.expect("every compose schema error has a location");
            assert_eq!(d.code, Some(Code::ComposeSchema));
            (s.start.line, s.start.col, d.message.clone(), d.help.clone())
        })
        .collect()
}

#[test]
fn valid_file_with_interpolation_anchors_and_extensions_passes() {
    let diags = check("valid.yaml");
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn typo_and_wrong_types_point_at_the_exact_key_or_value() {
    let diags = check("typo-and-type.yaml");
    assert_eq!(
        summary(&diags),
        vec![
            (
                3,
                5,
                "unknown key `imagee` in `web`".to_string(),
                Some("did you mean `image`?".to_string())
            ),
            (
                4,
                12,
                "`ports`: expected a sequence, found an integer".to_string(),
                Some("write a list: one `- item` per line, or `[a, b]` on one line".to_string())
            ),
            (
                8,
                7,
                "`ports`: expected a sequence, found a mapping".to_string(),
                Some("write a list: one `- item` per line, or `[a, b]` on one line".to_string())
            ),
            (
                10,
                16,
                "`retries`: expected a number or a string, found a sequence".to_string(),
                None
            ),
        ]
    );
    // The one-line form carries file:line:col.
    let line = diags[0].to_string();
    assert!(
        line.ends_with(
            "typo-and-type.yaml:3:5: error[compose/schema]: unknown key `imagee` in `web`"
        ),
        "{line}"
    );
}

/// Docker Compose v2.40.3 (the oracle) rejects this file for `security_opt` and, once that is
/// removed, for `extra_hosts`; with both removed it accepts it: repeated ports, environment,
/// labels, capabilities and DNS servers are fine, and a `!reset` value is not validated.
#[test]
fn duplicates_are_errors_only_where_compose_rejects_them_and_resets_are_skipped() {
    let diags = check("duplicates-and-reset.yaml");
    assert_eq!(
        summary(&diags),
        vec![
            (
                10,
                19,
                "`security_opt`: items must be unique".to_string(),
                None
            ),
            (
                13,
                18,
                "`extra_hosts`: items must be unique".to_string(),
                None
            ),
        ]
    );
}
